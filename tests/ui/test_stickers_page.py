"""The Stiker page in the real window: from a new campaign, through a visit with its
photos and a voluntary withdrawal's statement, to the stickers, the rekap and the
households carried to verval; a refusal without a note refused; the kepala desa
reading only."""

from __future__ import annotations

import shutil

from openpyxl import load_workbook
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from puskesos.services import Actor
from puskesos.ui.main_window import MainWindow
from puskesos.ui.sticker_dialogs import NewCampaignDialog, OutcomeDialog
from tests.printing.pdfcheck import pages_text
from tests.ui.conftest import activate, click, dialogs

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")
KADES = Actor("kades", "kepala_desa", "Kepala Desa")


def _jpeg(path, color="#586"):
    from PIL import Image
    Image.new("RGB", (1600, 1200), color).save(path, "JPEG")
    return path


def _window(qtbot, village, actor) -> MainWindow:
    win = MainWindow(village, actor, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    bar = win.nav
    row = next(i for i in range(bar.count()) if bar.item(i).text() == "Stiker")
    qtbot.mouseClick(bar.viewport(), Qt.MouseButton.LeftButton,
                     pos=bar.visualItemRect(bar.item(row)).center())
    assert win.stack.currentWidget() is win.pages["stickers"]
    return win


def _check(widget, texts) -> None:
    """Tick the items of a checkable list whose text starts with one of ``texts``."""
    for i in range(widget.count()):
        item = widget.item(i)
        if any(item.text().startswith(t) for t in texts):
            item.setCheckState(Qt.CheckState.Checked)


def _double_click(qtbot, table, row: int) -> None:
    """Press a row, then double-click it (a view opens the row it was pressed on)."""
    where = table.visualRect(table.model().index(row, 1)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)


def press_later(qtbot, button) -> None:
    """Press ``button`` once the dialog handler has returned, so that the message it
    brings is answered by the next handler (a save waits for the writer in an event
    loop, where the handlers run)."""
    QTimer.singleShot(0, lambda: qtbot.mouseClick(button, Qt.MouseButton.LeftButton))


def _wait_preview(qtbot, page, count: int):
    qtbot.waitUntil(lambda: len(page.previews) >= count and not page.bus.ops.active(),
                    timeout=30000)
    return page.previews[-1]


def test_from_a_new_campaign_to_the_rekap(qtbot, village, tmp_path, monkeypatch):
    win = _window(qtbot, village, OPERATOR)
    page = win.pages["stickers"]
    assert page.campaign_box.count() == 1                # the demo campaign
    before = {c.id for c in village.stickers.campaigns(actor=OPERATOR)}

    def fill_campaign(dialog: NewCampaignDialog):
        dialog.code.setText("UJI26")
        dialog.name.setText("Uji coba penempelan PKH")
        dialog.legal_basis.setText("SK Bupati No. 1/2026")
        dialog.starts_on.setText("01-12-2026")
        dialog.ends_on.setText("31-12-2026")
        dialog.sticker_text.setPlainText("KELUARGA PENERIMA PKH\nSemoga segera sejahtera.")
        _check(dialog.programs, ["PKH"])
        dialog.per_page.setCurrentIndex(dialog.per_page.findData(2))
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    told = []
    with dialogs(fill_campaign, lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, page.new_button)
    new = [c for c in village.stickers.campaigns(actor=OPERATOR) if c.id not in before]
    assert len(new) == 1 and new[0].code == "UJI26" and new[0].per_page == 2
    households = new[0].targets
    assert f"{households} keluarga" in told[0] and "UJI26" in told[0]
    # newest first, chosen, its households listed, none visited yet
    assert page.campaign_box.currentIndex() == 0
    assert page.campaign_box.currentText().startswith("UJI26")
    assert page.model.rowCount() == households
    assert "SK Bupati No. 1/2026" in page.info.text() and "PKH" in page.info.text()
    assert page.progress_label.text() == f"Belum {households} — 0 %"
    assert page.model.index(0, 0).data() == "UJI26-00001"
    assert page.model.index(0, 6).data() == "Belum dikunjungi"

    # a visit: the sticker is up, two photos (one the same picture again) and a
    # file that is not a picture
    photo = _jpeg(tmp_path / "rumah.jpg")
    again = shutil.copy(photo, tmp_path / "rumah-lagi.jpg")
    fake = tmp_path / "bukan-foto.jpg"
    fake.write_text("bukan gambar")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(
        lambda *a, **k: ([str(photo), str(again), str(fake)], "")))
    first = page.model.row_at(0)
    activate(qtbot, win)
    page.table.setFocus()
    page.table.selectRow(0)
    shown = {}

    def visit(dialog: OutcomeDialog):
        dialog.outcome.set_code("terpasang")
        _check(dialog.officers, [dialog.officers.item(0).text()])
        dialog.witnesses.setText("Pak RT")
        dialog.gps.setText("-7.5561, 112.2384")
        qtbot.mouseClick(dialog.add_photo, Qt.MouseButton.LeftButton)
        assert dialog.photos.count() == 3
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        shown["status"] = dialog.status.text()
        shown["history"] = dialog.history_model.rowCount()
        # then she withdraws: the surat pernyataan is printed from the history
        dialog.outcome.set_code("mundur")
        dialog.note.setPlainText("Keluarga menyatakan sudah mampu.")
        assert not dialog.statement.isEnabled()
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        shown["latest"] = dialog.history_model.index(0, 1).data()
        assert dialog.statement.isEnabled()
        qtbot.mouseClick(dialog.statement, Qt.MouseButton.LeftButton)
        _wait_preview(qtbot, page, 1)
        shown["statement"] = pages_text(page.previews[-1].document.pdf)
        page.previews[-1].reject()
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Close),
                         Qt.MouseButton.LeftButton)

    with dialogs(visit):
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert "1 foto disimpan" in shown["status"], shown
    assert "rumah-lagi.jpg" in shown["status"] and "bukan-foto.jpg" in shown["status"]
    assert shown["history"] == 1 and shown["latest"] == "Mundur sukarela"
    statement = "\n".join(shown["statement"])
    assert "UJI26-00001" in statement and first.head_name in statement
    history = village.stickers.history(actor=OPERATOR, target_id=first.id)
    assert [h.outcome for h in history] == ["mundur", "terpasang"]
    assert history[1].photos == 1 and history[1].witnesses == "Pak RT"
    assert (history[1].latitude, history[1].longitude) == (-7.5561, 112.2384)
    # what was typed for the first visit is not carried into the second
    assert history[0].note == "Keluarga menyatakan sudah mampu."
    assert history[0].latitude is None and history[0].witnesses is None
    # the list says where the household stands now
    assert page.model.index(0, 6).data() == "Mundur sukarela"
    assert page.model.index(0, 7).data() == "2"
    assert page.progress_label.text().startswith("Mundur sukarela 1 · Belum ")
    page.outcome.setCurrentIndex(page.outcome.findData("belum"))
    assert page.model.rowCount() == households - 1
    page.outcome.setCurrentIndex(page.outcome.findData("mundur"))
    assert page.model.rowCount() == 1
    page.outcome.setCurrentIndex(0)

    # the stickers of one dusun, two to a sheet
    dusun = first.dusun
    page.dusun.setCurrentIndex(page.dusun.findData(dusun))
    in_dusun = sum(1 for r in page.rows if r.dusun == dusun)
    assert page.model.rowCount() == in_dusun
    click(qtbot, page.buttons["stickers"])
    preview = _wait_preview(qtbot, page, 1)
    assert preview.document.pages == (in_dusun + 1) // 2
    assert "UJI26-00001" in "\n".join(pages_text(preview.document.pdf))
    preview.reject()
    click(qtbot, page.buttons["field_list"])
    preview = _wait_preview(qtbot, page, 1)
    assert f"Dusun {dusun}" in "\n".join(pages_text(preview.document.pdf))
    preview.reject()
    page.dusun.setCurrentIndex(0)

    # the rekap: PDF, then Excel through the save dialog
    click(qtbot, page.buttons["rekap"])
    preview = _wait_preview(qtbot, page, 1)
    assert "UJI26" in "\n".join(pages_text(preview.document.pdf))
    preview.reject()
    target = tmp_path / "rekap.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda *a, **k: (str(target), "")))
    told.clear()
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, page.buttons["rekap_xlsx"])
        qtbot.waitUntil(lambda: bool(told), timeout=30000)
    assert str(target) in told[0]
    sheet = load_workbook(target)["Per wilayah"]
    last = [c.value for c in list(sheet.iter_rows(values_only=False))[-1]]
    assert last[0] == "Jumlah" and last[1] == households

    # the withdrawal goes to the verval cycle
    cycle = village.verval.cycle(actor=OPERATOR)
    told.clear()
    with dialogs(lambda box: box.button(QMessageBox.StandardButton.Yes).click(),
                 lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, page.buttons["verval"])
    entries = village.verval.entries(actor=OPERATOR, cycle_id=cycle.id)
    assert first.household_id in {e.household_id for e in entries}
    assert "keluarga ditambahkan ke siklus verval" in told[0]


def test_a_refusal_without_a_note_is_refused_and_stores_nothing(qtbot, village):
    win = _window(qtbot, village, OPERATOR)
    page = win.pages["stickers"]
    page.outcome.setCurrentIndex(page.outcome.findData("belum"))
    target = page.model.row_at(0)
    page.table.selectRow(0)
    told, history = [], []

    def refuse(dialog: OutcomeDialog):
        dialog.outcome.set_code("ditolak")
        _check(dialog.officers, [dialog.officers.item(0).text()])
        press_later(qtbot, dialog.save_button)

    def read(box: QMessageBox):
        told.append(box.text())
        box.accept()
        dialog = box.parent()
        history.append(dialog.history_model.rowCount())
        QTimer.singleShot(0, dialog.reject)

    with dialogs(refuse, read):
        _double_click(qtbot, page.table, 0)
    assert history == [0]
    assert "catatan" in told[0].lower() and "Ditolak" in told[0], told
    assert village.stickers.history(actor=OPERATOR, target_id=target.id) == []
    assert page.model.row_at(0).id == target.id and page.model.index(0, 6).data() == \
        "Belum dikunjungi"


def test_the_kepala_desa_reads_only(qtbot, village):
    win = _window(qtbot, village, KADES)
    page = win.pages["stickers"]
    assert page.model.rowCount() > 0
    assert not page.new_button.isEnabled()
    for key in ("record", "stickers", "field_list", "rekap_xlsx", "verval"):
        assert not page.buttons[key].isEnabled(), key
    assert page.buttons["rekap"].isEnabled()          # reading the rekap is reading
    visited = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).visits)
    page.table.selectRow(visited)

    def look(dialog: OutcomeDialog):
        assert not dialog.form.isEnabled() and not dialog.save_button.isVisible()
        assert dialog.history_model.rowCount() >= 1
        assert not dialog.statement.isEnabled()
        dialog.reject()

    with dialogs(look):
        _double_click(qtbot, page.table, visited)
    click(qtbot, page.buttons["rekap"])
    preview = _wait_preview(qtbot, page, 1)
    assert preview.document.pages >= 1
    preview.reject()


def test_a_campaign_that_would_label_nobody_says_so_and_stays_open(qtbot, village):
    """ATENSI has no recipient in the demo village: the service's message is shown,
    the dialog stays open with what was typed, and no campaign is made."""
    win = _window(qtbot, village, OPERATOR)
    page = win.pages["stickers"]
    before = village.stickers.campaigns(actor=OPERATOR)
    told, still_open, opened = [], [], []

    def fill(dialog: NewCampaignDialog):
        dialog.code.setText("KOSONG1")
        dialog.name.setText("Tanpa sasaran")
        dialog.sticker_text.setPlainText("JUDUL\nPesan")
        _check(dialog.programs, ["ATENSI"])
        opened.append(dialog)
        press_later(qtbot, dialog.save_button)

    def read(box: QMessageBox):
        told.append(box.text())
        box.accept()
        dialog = opened[0]

        def look():                        # once the message is gone
            still_open.append(dialog.isVisible() and dialog.name.text() == "Tanpa sasaran")
            dialog.reject()
        QTimer.singleShot(50, look)

    with dialogs(fill, read):
        click(qtbot, page.new_button)
        qtbot.wait(100)
    assert "tidak akan melabeli siapa pun" in told[0], told
    assert still_open == [True]
    assert village.stickers.campaigns(actor=OPERATOR) == before
    assert page.campaign_box.count() == len(before)
