"""The verval page driven through its real buttons, in the main window.

Each step is a mouse click (or the shortcut) on what the coordinator presses:
new cycle, read a prelist, close/reopen, record a visit, corrections
approve/reject, musdes, print forms, berita acara, export, and the preview's
buttons.  Native file dialogs are given a temporary path.  The checks are what
the coordinator sees: the cycle list, the table, the progress bar, the button
texts, the messages and the previews, and the stored data behind them.
"""

from __future__ import annotations

import re
from datetime import date

import openpyxl
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDialogButtonBox, QFileDialog, QMessageBox,
                               QPushButton)

from puskesos.core.codes import MusdesDecision, VervalResult
from puskesos.core.identifiers import make_kk
from puskesos.services import Actor
from puskesos.ui.main_window import MainWindow
from puskesos.ui.verval_dialogs import (MusdesDialog, NewCycleDialog, ProposalsDialog,
                                        ResultDialog)
from tests.printing.pdfcheck import pages_text
from tests.ui.conftest import activate, answer_modals, click, dialogs

KOORDINATOR = Actor("koordinator", "koordinator", "Suhartini")
OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")
LEFT = Qt.MouseButton.LeftButton
RESULT, DECISION = 6, 7                # columns of the cycle table


# ------------------------------------------------------------------ helpers
def plain(text: str) -> str:
    return text.replace("&", "")


def find_button(widget, text: str) -> QPushButton:
    return next(b for b in widget.findChildren(QPushButton) if plain(b.text()).startswith(text))


def box_button(dialog, which) -> QPushButton:
    for box in dialog.findChildren(QDialogButtonBox):
        if box.button(which) is not None:
            return box.button(which)
    raise LookupError(which)


def read_box(into: list):
    def handler(box: QMessageBox):
        assert isinstance(box, QMessageBox), box.windowTitle()
        into.append(box.text())
        box.accept()
    return handler


def column(page, col: int) -> list[str]:
    model = page.model
    return [model.index(r, col).data() for r in range(model.rowCount())]


@pytest.fixture
def window(qtbot, village):
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    activate(qtbot, win)
    win.show_module("verval")
    yield win
    page = win.pages["verval"]
    if page.job is not None and page.job.running:
        page.job.stop()
        qtbot.waitUntil(lambda: not page.job.running, timeout=30000)
    for preview in list(page.previews):
        preview.reject()
        preview.deleteLater()


@pytest.fixture
def page(window):
    return window.pages["verval"]


@pytest.fixture
def file_dialogs(monkeypatch):
    """The native Open/Save dialogs answer with the given path ('' = Cancel)."""
    asked = []

    def answer(open_path=None, save_path=None):
        def get_open(parent, caption="", folder="", filters="", *a, **k):
            asked.append(("open", caption, filters))
            return (str(open_path or ""), "")

        def get_save(parent, caption="", folder="", filters="", *a, **k):
            asked.append(("save", caption, folder))
            return (str(save_path or ""), "")
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(get_open))
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save))
        return asked
    return answer


def choose_area(page, smallest=True) -> int:
    """Select the area with the fewest households; returns how many it has."""
    totals = {i: int(re.search(r"(\d+)/(\d+)", page.rt.itemText(i)).group(2))
              for i in range(1, page.rt.count())}
    index = min(totals, key=totals.get)
    page.rt.setCurrentIndex(index)
    return totals[index]


def not_visited_first_row(qtbot, page):
    """Tick "not visited yet only" and select the first household of the list."""
    qtbot.mouseClick(page.pending, LEFT)
    assert page.pending.isChecked()
    page.table.selectRow(0)
    return page.selected()


# ------------------------------------------------------------------ new cycle
def fill_cycle(name="Verval Uji Coba", period="2026-U1", deadline="31-12-2026",
               kind="all"):
    def fill(dialog: NewCycleDialog):
        assert isinstance(dialog, NewCycleDialog)
        dialog.name.setText(name)
        dialog.period.setText(period)
        dialog.deadline.setText(deadline)
        getattr(dialog, kind).setChecked(True)
        box_button(dialog, QDialogButtonBox.StandardButton.Ok).click()
    return fill


def test_new_cycle_button_creates_a_cycle_of_all_households(qtbot, page, village):
    told = []
    with dialogs(fill_cycle(), read_box(told)):
        click(qtbot, find_button(page, "Siklus baru"))
    households = village.households.counts(actor=OPERATOR).households
    assert told == [f"{households} keluarga masuk dalam siklus."]
    assert page.cycle_box.count() == 2
    assert page.cycle_box.currentText() == "Verval Uji Coba (2026-U1)"
    assert page.model.rowCount() == households
    assert page.progress.value() == 0 and page.progress.maximum() == households
    assert set(column(page, RESULT)) == {"—"}


def test_new_cycle_cancelled_creates_nothing(qtbot, page, village):
    shown = page.cycle_box.currentText()
    with dialogs(lambda d: box_button(d, QDialogButtonBox.StandardButton.Cancel).click()):
        click(qtbot, find_button(page, "Siklus baru"))
    assert page.cycle_box.count() == 1 and page.cycle_box.currentText() == shown
    assert len(village.verval.cycles(actor=OPERATOR)) == 1


def test_new_cycle_with_a_bad_deadline_says_so(qtbot, page, village):
    told = []
    with dialogs(fill_cycle(deadline="31-02-2026"), read_box(told)):
        click(qtbot, find_button(page, "Siklus baru"))
    assert told == ["Tulis batas waktu sebagai hh-bb-tttt."]
    assert page.cycle_box.count() == 1 and len(village.verval.cycles(actor=OPERATOR)) == 1


def test_new_cycle_from_a_prelist_read_from_a_spreadsheet(qtbot, page, village, tmp_path,
                                                          file_dialogs):
    rows, _ = village.households.search(actor=OPERATOR, limit=2)
    unknown = make_kk(kecamatan_code="35.23.01", recorded=date(2019, 9, 9), serial=9999)
    prelist = tmp_path / "prelist.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["NO", "NOMOR KK", "NAMA"])
    for i, kk in enumerate([rows[0].no_kk, rows[1].no_kk, unknown], start=1):
        book.active.append([i, kk, f"KELUARGA {i}"])
    book.save(prelist)
    asked = file_dialogs(open_path=prelist)
    read = []

    def fill(dialog: NewCycleDialog):
        dialog.name.setText("Verval prelist")
        dialog.period.setText("2026-P1")
        assert not dialog.from_file.isEnabled()
        qtbot.mouseClick(dialog.prelist, LEFT)            # the prelist choice
        click(qtbot, dialog.from_file)                     # "Read from a spreadsheet…"
        read.append(dialog.ids.toPlainText().splitlines())
        box_button(dialog, QDialogButtonBox.StandardButton.Ok).click()

    told = []
    with dialogs(fill, read_box(told)):
        click(qtbot, find_button(page, "Siklus baru"))
    assert asked and asked[0][0] == "open"
    assert read == [[rows[0].no_kk, rows[1].no_kk, unknown]]
    assert told[0].startswith("2 keluarga masuk dalam siklus.")
    assert f"Tidak ditemukan di data (1): {unknown}" in told[0]
    assert page.cycle_box.currentText() == "Verval prelist (2026-P1)"
    assert sorted(column(page, 2)) == sorted([rows[0].no_kk, rows[1].no_kk])


# ------------------------------------------------------------------ close / reopen
def test_close_cycle_button_freezes_and_reopens(qtbot, page, village):
    button = page.close_button
    assert button.text() == "Tutup siklus"
    click(qtbot, button)
    assert button.text() == "Buka kembali siklus"
    assert village.verval.cycle(page.cycle_id(), actor=OPERATOR).status == "closed"
    assert not page.buttons["record"].isEnabled() and not page.buttons["musdes"].isEnabled()
    assert page.buttons["forms"].isEnabled()           # printing stays possible
    click(qtbot, button)
    assert button.text() == "Tutup siklus"
    assert village.verval.cycle(page.cycle_id(), actor=OPERATOR).status == "open"
    assert page.buttons["record"].isEnabled() and page.buttons["musdes"].isEnabled()


# ------------------------------------------------------------------ record a visit
def test_record_button_without_a_household_says_to_choose_one(qtbot, page):
    page.table.clearSelection()
    told = []
    with dialogs(read_box(told)):
        click(qtbot, page.buttons["record"])
    assert told == ["Pilih keluarga di daftar."]


def test_record_button_saves_the_visit_with_a_correction(qtbot, page, village):
    entry = not_visited_first_row(qtbot, page)
    rows_before, done_before = page.model.rowCount(), page.progress.value()
    waiting_before = len(village.verval.proposals(cycle_id=page.cycle_id(), actor=OPERATOR))
    stored_before = village.households.get(actor=OPERATOR, household_id=entry.household_id)

    def fill(dialog: ResultDialog):
        assert isinstance(dialog, ResultDialog)
        dialog.result.set_code("2")
        click(qtbot, find_button(dialog, "Tambah perbaikan"))
        row = dialog.corrections.rowCount() - 1
        what = dialog.corrections.cellWidget(row, 1)
        what.setCurrentIndex(what.findData("address"))
        dialog.corrections.item(row, 2).setText("JL. BARU 9")
        click(qtbot, box_button(dialog, QDialogButtonBox.StandardButton.Save))

    with dialogs(fill):
        click(qtbot, page.buttons["record"])
    # visited: it leaves the "not visited yet" list, the counts follow
    assert page.model.rowCount() == rows_before - 1
    assert entry.id not in [page.model.row_at(i).id for i in range(page.model.rowCount())]
    assert page.progress.value() == done_before + 1
    assert plain(page.buttons["proposals"].text()) == f"Perbaikan ({waiting_before + 1})…"
    # the correction waits for the coordinator: the registry is unchanged
    assert village.households.get(actor=OPERATOR, household_id=entry.household_id) \
        .data.address == stored_before.data.address
    qtbot.mouseClick(page.pending, LEFT)                # the whole list again
    row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).id == entry.id)
    assert column(page, RESULT)[row] == VervalResult.label_of("2")


def test_add_a_new_member_button_in_the_visit(qtbot, page, village):
    entry = not_visited_first_row(qtbot, page)

    def fill(dialog: ResultDialog):
        dialog.result.set_code("1")
        rows = dialog.member_table.rowCount()
        click(qtbot, find_button(dialog, "Tambah anggota baru"))
        assert dialog.member_table.rowCount() == rows + 1
        table = dialog.member_table
        table.item(rows, 0).setText("Sri Rahayu")
        table.item(rows, 2).setText("P")
        table.item(rows, 3).setText("02-05-1998")
        table.cellWidget(rows, 4).set_code("4")
        click(qtbot, box_button(dialog, QDialogButtonBox.StandardButton.Save))

    with dialogs(fill):
        click(qtbot, page.buttons["record"])
    waiting = village.verval.proposals(cycle_id=page.cycle_id(), actor=KOORDINATOR)
    proposal = next(p for p in waiting if p.target_name == "SRI RAHAYU")
    assert proposal.household_id == entry.household_id
    assert proposal.new_value == "SRI RAHAYU · P · 02-05-1998 · Menantu"


def test_visit_with_a_bad_date_is_refused_and_cancel_records_nothing(qtbot, page, village):
    entry = not_visited_first_row(qtbot, page)
    done_before = page.progress.value()
    told, still_open = [], []

    def fill(dialog: ResultDialog):
        dialog.result.set_code("1")
        dialog.visited.setText("32-13-2026")

        def press():  # once this handler returned, so the refusal box gets answered
            click(qtbot, box_button(dialog, QDialogButtonBox.StandardButton.Save))
            still_open.append(dialog.isVisible())
            click(qtbot, box_button(dialog, QDialogButtonBox.StandardButton.Cancel))
        QTimer.singleShot(0, press)

    with dialogs(fill, read_box(told)):
        click(qtbot, page.buttons["record"])
    assert told == ["Tulis tanggal kunjungan sebagai hh-bb-tttt."]
    assert still_open == [True]
    assert page.progress.value() == done_before
    assert page.selected().id == entry.id


def test_return_key_and_double_click_open_the_visit(qtbot, page):
    entry = not_visited_first_row(qtbot, page)
    done_before = page.progress.value()
    titles = []

    def look(dialog):
        titles.append(dialog.windowTitle())
        box_button(dialog, QDialogButtonBox.StandardButton.Cancel).click()

    activate(qtbot, page.window())
    page.table.setFocus()
    with dialogs(look):
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    rect = page.table.visualRect(page.model.index(0, 1))
    with dialogs(look):
        qtbot.mouseClick(page.table.viewport(), LEFT, pos=rect.center())
        qtbot.mouseDClick(page.table.viewport(), LEFT, pos=rect.center())
    assert len(titles) == 2 and all(entry.head_name in t for t in titles)
    assert page.progress.value() == done_before        # both cancelled


# ------------------------------------------------------------------ corrections
def test_corrections_button_approve_and_reject(qtbot, page, village):
    waiting = village.verval.proposals(cycle_id=page.cycle_id(), actor=KOORDINATOR)
    assert len(waiting) >= 2
    seen = {}

    def decide(dialog: ProposalsDialog):
        assert isinstance(dialog, ProposalsDialog)
        seen["rows"] = dialog.model.rowCount()
        dialog.table.selectRow(0)
        seen["approved"] = dialog.model.row_at(0)
        click(qtbot, dialog.approve)
        seen["after approve"] = dialog.model.rowCount()
        dialog.table.selectRow(0)
        seen["rejected"] = dialog.model.row_at(0)
        click(qtbot, dialog.reject_button)
        seen["after reject"] = dialog.model.rowCount()
        click(qtbot, box_button(dialog, QDialogButtonBox.StandardButton.Close))

    with dialogs(decide):
        click(qtbot, page.buttons["proposals"])
    assert seen["rows"] == len(waiting)
    assert (seen["after approve"], seen["after reject"]) == (len(waiting) - 1,
                                                             len(waiting) - 2)
    decided = {p.id: p.status for p in village.verval.proposals(
        cycle_id=page.cycle_id(), actor=KOORDINATOR, status=None)}
    assert decided[seen["approved"].id] == "setuju"
    assert decided[seen["rejected"].id] == "tolak"
    assert plain(page.buttons["proposals"].text()) == f"Perbaikan ({len(waiting) - 2})…"


def test_an_approved_correction_changes_the_registry(qtbot, page, village):
    entry = not_visited_first_row(qtbot, page)

    def fill(dialog: ResultDialog):
        dialog.result.set_code("2")
        click(qtbot, find_button(dialog, "Tambah perbaikan"))
        row = dialog.corrections.rowCount() - 1
        what = dialog.corrections.cellWidget(row, 1)
        what.setCurrentIndex(what.findData("address"))
        dialog.corrections.item(row, 2).setText("JL. BARU 10")
        click(qtbot, box_button(dialog, QDialogButtonBox.StandardButton.Save))

    def approve(dialog: ProposalsDialog):
        row = next(i for i in range(dialog.model.rowCount())
                   if dialog.model.row_at(i).new_value == "JL. BARU 10")
        dialog.table.selectRow(row)
        click(qtbot, dialog.approve)
        dialog.reject()

    with dialogs(fill):
        click(qtbot, page.buttons["record"])
    with dialogs(approve):
        click(qtbot, page.buttons["proposals"])
    assert village.households.get(actor=OPERATOR, household_id=entry.household_id) \
        .data.address == "JL. BARU 10"


# ------------------------------------------------------------------ musdes
def test_musdes_button_fill_suggested_and_save(qtbot, page, village):
    entry = not_visited_first_row(qtbot, page)

    def visited(dialog: ResultDialog):
        dialog.result.set_code("1")                      # tetap: suggested "Tetap"
        click(qtbot, box_button(dialog, QDialogButtonBox.StandardButton.Save))

    with dialogs(visited):
        click(qtbot, page.buttons["record"])
    qtbot.mouseClick(page.pending, LEFT)                 # the whole list again
    decided_before = sum(1 for d in column(page, DECISION) if d != "—")
    seen = {}

    def hold(dialog: MusdesDialog):
        assert isinstance(dialog, MusdesDialog)
        before = [dialog.decisions.cellWidget(r, 3).code()
                  for r in range(dialog.decisions.rowCount())]
        click(qtbot, find_button(dialog, "Isi usulan keputusan"))
        after = [dialog.decisions.cellWidget(r, 3).code()
                 for r in range(dialog.decisions.rowCount())]
        seen["filled"] = sum(1 for b, a in zip(before, after) if b is None and a is not None)
        dialog.place.setText("Balai Desa Jlodro")
        dialog.others.setPlainText("KASMIRAN; Ketua RT 001")
        click(qtbot, box_button(dialog, QDialogButtonBox.StandardButton.Save))

    with dialogs(hold):
        click(qtbot, page.buttons["musdes"])
    assert seen["filled"] >= 1
    musdes = village.verval.musdes(page.cycle_id(), actor=OPERATOR)
    assert musdes.place == "Balai Desa Jlodro"
    assert any(a.name == "KASMIRAN" for a in musdes.attendees)
    decisions = [d for d in column(page, DECISION) if d != "—"]
    assert len(decisions) == decided_before + seen["filled"]
    assert set(decisions) <= {m.short for m in MusdesDecision}   # the list shows the short
    row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).id == entry.id)
    assert column(page, DECISION)[row] == MusdesDecision.TETAP.label


def test_musdes_cancel_stores_nothing(qtbot, page, village):
    before = village.verval.musdes(page.cycle_id(), actor=OPERATOR)

    def cancel(dialog: MusdesDialog):
        dialog.place.setText("Tempat Lain")
        click(qtbot, box_button(dialog, QDialogButtonBox.StandardButton.Cancel))

    with dialogs(cancel):
        click(qtbot, page.buttons["musdes"])
    assert village.verval.musdes(page.cycle_id(), actor=OPERATOR) == before


# ------------------------------------------------------------------ printing and export
def test_print_forms_button_shows_the_forms_of_the_area_and_saves_the_pdf(
        qtbot, page, tmp_path, file_dialogs):
    households = choose_area(page)
    assert page.model.rowCount() == households
    click(qtbot, page.buttons["forms"])
    qtbot.waitUntil(lambda: bool(page.previews) and page.previews[0].isVisible(),
                    timeout=30000)
    preview = page.previews[0]
    assert preview.page_count() == preview.document.pages >= households
    texts = pages_text(preview.document.pdf)
    assert sum("FORMULIR VERIFIKASI" in t for t in texts) == households
    target = tmp_path / "formulir"
    asked = file_dialogs(save_path=target)
    click(qtbot, preview.save_button)
    assert asked and asked[0][0] == "save"
    assert (tmp_path / "formulir.pdf").read_bytes() == preview.document.pdf
    click(qtbot, box_button(preview, QDialogButtonBox.StandardButton.Close))
    assert not preview.isVisible() and page.previews == []
    preview.deleteLater()


def test_ctrl_p_prints_the_forms(qtbot, page, window):
    choose_area(page)
    activate(qtbot, window)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(page.previews), timeout=30000)
    assert "FORMULIR VERIFIKASI" in pages_text(page.previews[0].document.pdf)[0]


def test_berita_acara_button_shows_the_numbered_letter(qtbot, page):
    click(qtbot, page.buttons["berita_acara"])
    qtbot.waitUntil(lambda: bool(page.previews), timeout=15000)   # made in the background
    preview = page.previews[-1]
    number = preview.document.letter_number
    assert re.match(r"460/\d{3}/35\.23\.01\.2001/", number)
    assert number in preview.windowTitle() and preview.isVisible()
    assert number in pages_text(preview.document.pdf)[0]


def test_preview_print_button_opens_the_print_dialog(qtbot, page):
    click(qtbot, page.buttons["berita_acara"])
    qtbot.waitUntil(lambda: bool(page.previews), timeout=15000)
    preview = page.previews[-1]
    titles = []
    with qtbot.captureExceptions() as crashed:      # reported here, not at teardown
        queue = answer_modals(lambda d: (titles.append(type(d).__name__), d.reject()))
        click(qtbot, preview.print_button)
        queue.clear()
    assert not crashed, crashed[0][1]
    assert titles == ["QPrintDialog"]
    assert not preview.printed


def test_export_button_writes_the_results_where_the_user_chose(qtbot, page, village, tmp_path,
                                                               file_dialogs):
    path = tmp_path / "hasil verval.xlsx"
    asked = file_dialogs(save_path=path)
    told = []
    with dialogs(read_box(told)):
        click(qtbot, page.buttons["export"])
        qtbot.waitUntil(lambda: bool(told), timeout=15000)     # written in the background
    entries = page.model.rowCount()
    assert asked[0][0] == "save" and asked[0][2].endswith("hasil-verval-2026-S2.xlsx")
    assert told == [f"{entries} keluarga disimpan ke {path}."]
    sheet = openpyxl.load_workbook(path)["Hasil keluarga"]
    assert sheet.max_row == entries + 1


def test_export_cancelled_in_the_file_dialog_writes_nothing(qtbot, page, tmp_path,
                                                            file_dialogs):
    asked = file_dialogs(save_path="")
    click(qtbot, page.buttons["export"])
    assert asked
    assert QApplication.activeModalWidget() is None
    assert list(tmp_path.glob("*.xlsx")) == []


def test_the_progress_follows_the_area_chosen_and_its_numbers_are_whole(qtbot, page, village):
    """'120 dari 318' was cut by the bar's edge and counted the whole village whatever
    the area: the numbers stand beside the bar and follow the Wilayah filter."""
    everyone = page.progress_label.text()
    assert not page.progress.isTextVisible() and "keluarga sudah dikunjungi" in everyone
    areas = village.verval.progress(cycle_id=page.cycle_id(), actor=KOORDINATOR)
    area = next(a for a in areas if 0 < a.total)
    index = next(i for i in range(1, page.rt.count())
                 if tuple(page.rt.itemData(i)) == (area.dusun, area.rw, area.rt))
    page.rt.setCurrentIndex(index)
    assert page.progress_label.text() == f"{area.done} dari {area.total} keluarga sudah " \
                                         "dikunjungi"
    assert (page.progress.value(), page.progress.maximum()) == (area.done, max(area.total, 1))
    page.rt.setCurrentIndex(0)
    assert page.progress_label.text() == everyone
