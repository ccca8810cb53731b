"""Households the labelling found refusing, withdrawing or well-off, seen where the
verval and the musdes decide on them: the verval list says why (the outcome and the
serial, the whole record as the tooltip), the visit form shows the record and opens
its history, and the musdes lists them before any visit, fills their reason into the
note and so into the berita acara.  Pressed through the real widgets of the demo
village, whose cycle got its labelling households on creation."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox

from puskesos.core.codes import MusdesDecision
from puskesos.services import Actor
from puskesos.ui.main_window import MainWindow
from puskesos.ui.sticker_dialogs import OutcomeDialog
from puskesos.ui.verval_dialogs import MusdesDialog, ResultDialog
from tests.printing.pdfcheck import pages_text
from tests.ui.conftest import activate, click, dialogs

KOORDINATOR = Actor("koordinator", "koordinator", "Suhartini")
LABELLING = 8                           # the verval list's last column


def _page(qtbot, village):
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    activate(qtbot, win)
    win.show_module("verval")
    return win, win.pages["verval"]


def _row_of(page, household_id: str) -> int:
    return next(i for i in range(page.model.rowCount())
                if page.model.row_at(i).household_id == household_id)


def test_the_labelling_reason_in_the_verval_list_the_visit_and_the_musdes(qtbot, village,
                                                                           tmp_path):
    signals = village.stickers.for_verval(actor=KOORDINATOR)
    # the demo's refusal by a well-off family (with its photo) and voluntary withdrawal
    refused = next(s for s in signals.values() if s.visit.outcome == "ditolak"
                   and s.visit.well_off)
    withdrew = next(s for s in signals.values() if s.visit.outcome == "mundur")
    win, page = _page(qtbot, village)
    assert page.model.headerData(LABELLING, Qt.Orientation.Horizontal) == "Stiker"
    shown = {page.model.row_at(r).household_id: page.model.index(r, LABELLING).data()
             for r in range(page.model.rowCount())}
    assert set(signals) <= set(shown)            # carried into the cycle
    row = _row_of(page, refused.household_id)
    assert shown[refused.household_id] == "Ditolak · mampu"
    tip = page.model.index(row, LABELLING).data(Qt.ItemDataRole.ToolTipRole)
    assert refused.campaign_name in tip and refused.target.serial_text in tip
    assert "Petugas:" in tip
    assert f"Catatan: {refused.visit.note}" in tip and "1 foto" in tip
    # the rest of the cycle has no labelling reason
    others = [h for h, text in shown.items() if h not in signals]
    assert others and all(shown[h] == "" for h in others)

    # the visit form says why and opens the household's sticker record, read only
    seen = {}

    def record(history: OutcomeDialog):
        seen["title"] = history.windowTitle()
        seen["form"] = history.form.isVisible()
        seen["save"] = history.save_button.isVisible()
        seen["history"] = [history.history_model.index(r, 1).data()
                           for r in range(history.history_model.rowCount())]
        history.reject()
        QTimer.singleShot(0, seen["visit"].reject)     # then the visit form, unchanged

    def visit(dialog: ResultDialog):
        seen["visit"] = dialog
        # pressed once this handler has returned, so the next one answers the record
        QTimer.singleShot(0, lambda: click(qtbot, dialog.record_button))

    page.table.selectRow(row)
    with dialogs(visit, record):
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert seen["title"].startswith(f"Catatan stiker — {refused.target.serial_text}")
    assert not seen["form"] and not seen["save"]
    assert seen["history"] and seen["history"][0] == "Ditolak · mampu"

    # put right later (the sticker is up after all): no longer a reason, the list says so
    village.stickers.record_outcome(
        actor=KOORDINATOR, campaign_id=withdrew.campaign_id,
        household_id=withdrew.household_id, outcome="terpasang",
        at=datetime.now() - timedelta(minutes=1), officers=["AGUS"])
    page.refresh_entries(keep_areas=True)
    assert page.model.index(_row_of(page, withdrew.household_id), LABELLING).data() == ""

    # a refusal of a household the verval has not visited yet, carried to the cycle
    visited = {e.household_id for e in village.verval.entries(
        actor=KOORDINATOR, cycle_id=page.cycle_id()) if e.result or e.decision}
    fresh = next(t for t in village.stickers.targets(actor=KOORDINATOR,
                                                     campaign_id=refused.campaign_id)
                 if t.outcome is None and t.household_id not in visited)
    village.stickers.record_outcome(
        actor=KOORDINATOR, campaign_id=refused.campaign_id, household_id=fresh.household_id,
        outcome="ditolak", at=datetime.now() - timedelta(minutes=1), officers=["AGUS"],
        note="Tidak mau rumahnya ditempeli.")
    village.stickers.carry_to_verval(actor=KOORDINATOR, cycle_id=page.cycle_id())
    refused = village.stickers.for_verval(actor=KOORDINATOR)[fresh.household_id]
    page.refresh_entries(keep_areas=True)

    # the musdes: that refusal is listed though not visited, its reason filled into the
    # note, a decision taken; the berita acara prints the reason
    entry = page.model.row_at(_row_of(page, refused.household_id))
    assert entry.result is None and entry.decision is None
    musdes = {}

    def deliberate(dialog: MusdesDialog):
        rows = [dialog.entries[r].household_id for r in range(dialog.decisions.rowCount())]
        at = rows.index(refused.household_id)
        assert withdrew.household_id not in rows or dialog.decisions.item(
            rows.index(withdrew.household_id), 2).text() == ""
        musdes["cell"] = dialog.decisions.item(at, 2).text()
        dialog.decisions.setCurrentCell(at, 0)
        assert dialog.record_button.isEnabled()
        qtbot.mouseClick(next(b for b in dialog.findChildren(type(dialog.record_button))
                              if b.text().replace("&", "").startswith("Isi usulan")),
                         Qt.MouseButton.LeftButton)
        musdes["note"] = dialog.decisions.item(at, 4).text()
        dialog.decisions.cellWidget(at, 3).set_code(MusdesDecision.HAPUS.value)
        dialog.place.setText("Balai Desa")
        qtbot.mouseClick(dialog.findChild(QDialogButtonBox).button(
            QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)

    with dialogs(deliberate):
        click(qtbot, page.buttons["musdes"])
    assert musdes["cell"] == "Ditolak"
    reason = f"Stiker {refused.target.serial_text}: Ditolak"
    assert musdes["note"].startswith(reason) and refused.visit.note in musdes["note"]
    decided = village.verval.entries(actor=KOORDINATOR, cycle_id=page.cycle_id(),
                                     entry_id=entry.id)[0]
    assert decided.decision == MusdesDecision.HAPUS.value
    assert decided.decision_note == musdes["note"]
    click(qtbot, page.buttons["berita_acara"])
    qtbot.waitUntil(lambda: bool(page.previews) and not page.bus.ops.active(), timeout=30000)
    pdf = page.previews[-1].document.pdf
    (tmp_path / "berita-acara.pdf").write_bytes(pdf)
    # (a narrow column breaks lines anywhere: compared without the breaks)
    printed = "".join(" ".join(pages_text(pdf)).split())
    assert "".join(reason.split()) in printed, printed[-2000:]
    page.previews[-1].reject()
