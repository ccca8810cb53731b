"""The import wizard driven through its real buttons, with a real .xlsx file.

Each step is a mouse click on the button the operator presses (Choose file,
Next, Back, Import now, Save the report, Undo, Close); the file dialogs are the
native ones, so their static functions are given the temporary path.  The
checks are what the operator sees: the page shown, the header row, the counts
of the preview and of the import, the message line, and the registry itself.
"""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from puskesos.core.identifiers import make_kk, make_nik
from puskesos.services import Actor
from puskesos.services.imports import run_import
from puskesos.ui.bus import ChangeBus
from puskesos.ui.import_wizard import ImportWizard
from tests.ui.conftest import click, dialogs

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")
LEFT = Qt.MouseButton.LeftButton
FILE, COLUMNS, PREVIEW = range(3)

KEC = "35.23.01"
HEADER = ["NO", "ID DTSEN", "NOMOR KK", "NIK", "NAMA LENGKAP", "JK", "TGL LAHIR",
          "HUBUNGAN DGN KK", "ALAMAT", "DUSUN", "RT", "RW", "DESIL"]


# ------------------------------------------------------------------ helpers
def read_box(into: list, answer=QMessageBox.StandardButton.Ok):
    def handler(box: QMessageBox):
        assert isinstance(box, QMessageBox), box.windowTitle()
        into.append(box.text())
        box.button(answer).click()
    return handler


def nik(born, sex, serial):
    return make_nik(kecamatan_code=KEC, birth_date=born, sex=sex, serial=serial)


KK1 = make_kk(kecamatan_code=KEC, recorded=date(2014, 5, 6), serial=11)
KK2 = make_kk(kecamatan_code=KEC, recorded=date(2016, 7, 8), serial=12)
NEW_PEOPLE = [
    ("D001", KK1, nik(date(1970, 1, 2), "L", 1), "SLAMET RIYADI", "L", date(1970, 1, 2),
     "KEPALA KELUARGA", "JL. MANGGA 1", "KRAJAN", 1, 2, 2),
    ("D001", KK1, nik(date(1974, 3, 4), "P", 2), "SITI ROMLAH", "P", date(1974, 3, 4),
     "ISTRI", "JL. MANGGA 1", "KRAJAN", 1, 2, 2),
    ("D001", KK1, nik(date(2001, 5, 6), "L", 3), "AGUS SALIM", "L", date(2001, 5, 6),
     "ANAK", "JL. MANGGA 1", "KRAJAN", 1, 2, 2),
    ("D002", KK2, nik(date(1960, 7, 8), "P", 4), "PONIYEM", "P", date(1960, 7, 8),
     "KEPALA KELUARGA", "JL. JERUK 9", "NGASINAN", 3, 1, 1),
]
BAD_NIK = ("D009", make_kk(kecamatan_code=KEC, recorded=date(2017, 1, 2), serial=13),
           "12345", "SALAH NIK", "L", date(1990, 1, 1), "KEPALA KELUARGA", "JL. X", "KRAJAN",
           1, 1, 3)


def write_dtsen(path, rows):
    """An extract as the kabupaten sends it: title rows, the header on row 4, the
    people, a total row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DATA DTSEN"
    ws.append(["DAFTAR KELUARGA DTSEN DESA JLODRO"])
    ws.append(["Periode: 2026-Q3"])
    ws.append([])
    ws.append(HEADER)
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r])
    ws.append(["JUMLAH", None, None, None, len(rows)])
    wb.save(path)
    return path


@pytest.fixture
def known(village):
    """A household of the demo village, with its head, to be updated by the file."""
    rows, _ = village.households.search(actor=OPERATOR, limit=5)
    return village.households.get(actor=OPERATOR, household_id=rows[0].id)


@pytest.fixture
def xlsx(tmp_path, known):
    """4 new people in 2 families, 1 known head with a new address, 1 bad NIK."""
    h, head = known, known.head
    moved = (h.data.dtsen_id, h.data.no_kk, head.nik, head.name, head.sex, head.birth_date,
             "KEPALA KELUARGA", "JL. BARU IMPOR 1", h.data.dusun, int(h.data.rt),
             int(h.data.rw), h.desil)
    return write_dtsen(tmp_path / "dtsen desa.xlsx", [*NEW_PEOPLE, moved, BAD_NIK])


@pytest.fixture
def wizard(qtbot, village):
    dialog = ImportWizard(village, OPERATOR, ChangeBus())
    dialog.show()
    qtbot.waitExposed(dialog)
    yield dialog
    if dialog.job is not None and dialog.job.running:
        dialog.job.stop()
        qtbot.waitUntil(lambda: not dialog.job.running, timeout=15000)
    dialog.close()
    dialog.deleteLater()


@pytest.fixture
def open_file(monkeypatch):
    """The native Open dialog answers with the given path (None: the user cancels)."""
    asked = []

    def answer(path):
        def get_open_file_name(parent, caption="", folder="", filters="", *args, **kwargs):
            asked.append((caption, filters))
            return (str(path) if path else "", "")
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(get_open_file_name))
        return asked
    return answer


@pytest.fixture
def save_file(monkeypatch):
    asked = []

    def answer(path):
        def get_save_file_name(parent, caption="", folder="", filters="", *args, **kwargs):
            asked.append((caption, folder, filters))
            return (str(path) if path else "", "")
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))
        return asked
    return answer


def choose_file_button(wizard) -> QPushButton:
    return next(b for b in wizard.findChildren(QPushButton) if b.text() == "Pilih berkas…")


def to_preview(qtbot, wizard):
    click(qtbot, wizard.next_button)                  # file → columns
    assert wizard.pages.currentIndex() == COLUMNS
    click(qtbot, wizard.next_button)                  # columns → preview (in the background)
    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == PREVIEW, timeout=15000)
    qtbot.waitUntil(lambda: wizard.next_button.isEnabled(), timeout=15000)


def registry(village):
    return village.households.counts(actor=OPERATOR)


# ------------------------------------------------------------------ the file page
def test_choose_file_button_puts_the_chosen_path_in_the_field(qtbot, wizard, xlsx, open_file):
    asked = open_file(xlsx)
    click(qtbot, choose_file_button(wizard))
    assert asked and "*.xlsx" in asked[0][1]
    assert wizard.file_edit.text() == str(xlsx)


def test_choose_file_cancelled_keeps_the_field(qtbot, wizard, open_file):
    wizard.file_edit.setText("dulu.xlsx")
    asked = open_file(None)
    click(qtbot, choose_file_button(wizard))
    assert asked
    assert wizard.file_edit.text() == "dulu.xlsx"


def test_next_without_a_file_says_to_choose_one(qtbot, wizard):
    assert wizard.next_button.text() == "Lanjut" and not wizard.back_button.isEnabled()
    click(qtbot, wizard.next_button)
    assert wizard.pages.currentIndex() == FILE
    assert wizard.message.isVisible() and wizard.message.text() == \
        "Pilih berkas yang akan diimpor."


def test_next_on_a_broken_file_gives_a_message(qtbot, wizard, tmp_path, open_file):
    bad = tmp_path / "rusak.xlsx"
    bad.write_text("bukan lembar kerja")
    open_file(bad)
    click(qtbot, choose_file_button(wizard))
    click(qtbot, wizard.next_button)
    assert wizard.pages.currentIndex() == FILE
    assert wizard.message.isVisible() and wizard.message.text()


def test_a_recipient_list_needs_its_period(qtbot, wizard, xlsx, open_file):
    open_file(xlsx)
    click(qtbot, choose_file_button(wizard))
    wizard.kind.setCurrentIndex(wizard.kind.findData("PKH"))
    click(qtbot, wizard.next_button)
    assert wizard.pages.currentIndex() == FILE
    assert wizard.message.text() == "Isi periode program (misalnya 2025 atau 2025-Q3)."
    qtbot.keyClicks(wizard.period, "2026-Q3")
    click(qtbot, wizard.next_button)
    assert wizard.pages.currentIndex() == COLUMNS
    assert not wizard.message.isVisible()


# ------------------------------------------------------------------ columns
def test_next_shows_the_columns_and_back_returns(qtbot, wizard, xlsx, open_file):
    open_file(xlsx)
    click(qtbot, choose_file_button(wizard))
    click(qtbot, wizard.next_button)
    assert wizard.pages.currentIndex() == COLUMNS
    assert wizard.header_label.text() == "Baris judul kolom ditemukan di baris 4."
    assert wizard.sheet.currentText() == "DATA DTSEN"
    shown = {wizard.mapping_table.item(i, 0).text(): wizard.mapping_table.cellWidget(i, 1)
             .currentData() for i in range(wizard.mapping_table.rowCount())}
    assert shown["NIK"] == "nik" and shown["NAMA LENGKAP"] == "name"
    assert wizard.back_button.isEnabled()
    click(qtbot, wizard.back_button)
    assert wizard.pages.currentIndex() == FILE
    assert not wizard.back_button.isEnabled()


def test_next_without_a_nik_column_is_refused(qtbot, wizard, xlsx, open_file, village):
    before = registry(village)
    open_file(xlsx)
    click(qtbot, choose_file_button(wizard))
    click(qtbot, wizard.next_button)
    for combo in wizard.mapping_combos:
        if combo.currentData() == "nik":
            combo.setCurrentIndex(0)                  # "(not imported)"
    click(qtbot, wizard.next_button)
    assert wizard.pages.currentIndex() == COLUMNS
    assert wizard.message.text() == "Pilih kolom yang berisi NIK."
    assert wizard.preview is None and registry(village) == before


# ------------------------------------------------------------------ preview and import
def test_preview_then_import_now_then_close(qtbot, wizard, xlsx, open_file, save_file,
                                            village, known, tmp_path):
    before = registry(village)
    open_file(xlsx)
    click(qtbot, choose_file_button(wizard))
    to_preview(qtbot, wizard)

    # the preview: counts, the one change, the one rejected row; nothing written
    counts = wizard.counts_label.text()
    assert counts.startswith("Ini hanya pratinjau; belum ada data yang disimpan.")
    assert "6 baris: 4 baru, 1 diperbarui, 0 tidak berubah, 1 ditolak" in counts
    changes = wizard.changes_table
    assert changes.rowCount() == 1
    assert [changes.item(0, c).text() for c in (3, 4)] == [known.data.address,
                                                           "JL. BARU IMPOR 1"]
    assert wizard.issues_list.count() == 1
    assert wizard.issues_list.item(0).text().startswith("Baris 10: ")
    assert "16 digit" in wizard.issues_list.item(0).text()
    assert wizard.issues_list.wordWrap()             # a long reason is read whole
    # the new rows are listed, not only counted
    new = wizard.new_table
    assert [new.item(r, 1).text() for r in range(new.rowCount())] == \
        [p[3] for p in NEW_PEOPLE]
    assert new.item(0, 2).text() == KK1 and new.item(0, 0).text() == "5"
    assert [wizard.result_tabs.tabText(i) for i in range(3)] == [
        "Perubahan data tersimpan (1)", "Baru (4)", "Baris yang perlu diperiksa (1)"]
    assert wizard.next_button.text() == "Impor sekarang"
    assert registry(village) == before

    # the report of the rows to check, to a file the operator chose
    report = tmp_path / "laporan.xlsx"
    asked = save_file(report)
    click(qtbot, wizard.report_button)
    assert asked
    assert wizard.message.text() == f"Laporan disimpan di {report}."
    assert report.exists()
    book = openpyxl.load_workbook(report)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for c in row if c is not None]
    assert "dtsen desa.xlsx" in cells and "SALAH NIK" in cells

    # import now
    told = []
    with dialogs(read_box(told)):
        click(qtbot, wizard.next_button)
        qtbot.waitUntil(lambda: bool(told), timeout=15000)
    assert told == ["Impor selesai: 4 baru, 1 diperbarui. Tombol 'Batalkan impor terakhir…' "
                    "di bagian bawah jendela ini membatalkannya."]
    assert "6 baris: 4 baru, 1 diperbarui" in wizard.counts_label.text()
    assert "pratinjau" not in wizard.counts_label.text()
    assert not wizard.next_button.isEnabled() and not wizard.back_button.isEnabled()
    after = registry(village)
    assert (after.households, after.members) == (before.households + 2,
                                                 before.members + 4)
    assert village.households.get(actor=OPERATOR, household_id=known.id).data.address == \
        "JL. BARU IMPOR 1"

    click(qtbot, wizard.close_button)
    assert not wizard.isVisible()


def test_back_from_the_preview_and_next_again_checks_again(qtbot, wizard, xlsx, open_file,
                                                          village):
    open_file(xlsx)
    click(qtbot, choose_file_button(wizard))
    to_preview(qtbot, wizard)
    click(qtbot, wizard.back_button)
    assert wizard.pages.currentIndex() == COLUMNS and wizard.preview is None
    assert wizard.next_button.text() == "Lanjut"
    wizard.mapping_combos[HEADER.index("ALAMAT")].setCurrentIndex(0)  # address not imported
    click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == PREVIEW, timeout=15000)
    assert "0 diperbarui" in wizard.counts_label.text()


def test_close_button_on_the_preview_writes_nothing(qtbot, wizard, xlsx, open_file, village):
    before = registry(village)
    open_file(xlsx)
    click(qtbot, choose_file_button(wizard))
    to_preview(qtbot, wizard)
    click(qtbot, wizard.close_button)
    assert not wizard.isVisible()
    assert registry(village) == before


# ------------------------------------------------------------------ undo
def test_undo_button_undoes_the_last_import(qtbot, wizard, xlsx, village, known):
    before = registry(village)
    run_import(village, actor=OPERATOR, path=xlsx)   # imported earlier
    assert registry(village) != before
    asked, told = [], []
    with dialogs(read_box(asked, QMessageBox.StandardButton.Yes), read_box(told)):
        click(qtbot, wizard.undo_button)
        qtbot.waitUntil(lambda: bool(told), timeout=15000)     # undone in the background
    assert "dtsen desa.xlsx" in asked[0]
    assert told == ["Impor dtsen desa.xlsx sudah dibatalkan."]
    assert registry(village) == before
    assert village.households.get(actor=OPERATOR, household_id=known.id).data.address == \
        known.data.address


def test_undo_button_answered_no_keeps_the_import(qtbot, wizard, xlsx, village):
    run_import(village, actor=OPERATOR, path=xlsx)
    imported = registry(village)
    with dialogs(read_box([], QMessageBox.StandardButton.No)):
        click(qtbot, wizard.undo_button)
    assert registry(village) == imported


def test_undo_button_with_nothing_to_undo_says_so(qtbot, wizard, village):
    told = []
    with dialogs(read_box(told)):
        click(qtbot, wizard.undo_button)
    assert told == ["Tidak ada impor yang dapat dibatalkan."]


def test_an_import_can_be_undone_from_the_same_window(qtbot, wizard, xlsx, open_file,
                                                      village):
    """The final message says where Undo is; it is there, and it takes the import back."""
    before = registry(village)
    open_file(xlsx)
    click(qtbot, choose_file_button(wizard))
    to_preview(qtbot, wizard)
    with dialogs(read_box([])):
        click(qtbot, wizard.next_button)
        qtbot.waitUntil(lambda: wizard.result_report is not None, timeout=15000)
    assert wizard.undo_button.isVisible() and wizard.undo_button.isEnabled()
    told = []
    with dialogs(read_box([], QMessageBox.StandardButton.Yes), read_box(told)):
        click(qtbot, wizard.undo_button)
        qtbot.waitUntil(lambda: bool(told), timeout=15000)
    assert told == ["Impor dtsen desa.xlsx sudah dibatalkan."]
    assert registry(village) == before
