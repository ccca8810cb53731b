"""At the kabupaten's desk a village's verval and labelling are read, not changed:
the verval page offers no new cycle and no closing; its visit form, musdes and
corrections open to be read — every field read only, Close alone, the reason said at
the top — and show what the village's bundle brought (each member's finding, the
musdes' attendees); the labelling page's recording buttons are off.  Pressed through
the real widgets, with the demo village's bundle imported at the kabupaten."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialogButtonBox, QLabel, QLineEdit,
                               QListWidget, QPushButton)

from puskesos.core.codes import VervalMemberResult
from puskesos.services.verval import Attendee, MemberFinding
from puskesos.ui.main_window import MainWindow
from puskesos.ui.verval_dialogs import MusdesDialog, ProposalsDialog, ResultDialog
from tests.conftest import ADMIN
from tests.ui.conftest import activate, settled, click, dialogs
from tests.ui.test_exchange_transfer import _kabupaten_with

WHY = "hanya dibaca"


def _buttons(box: QDialogButtonBox) -> list[str]:
    return [b.text() for b in box.buttons()]


def test_the_kabupaten_reads_a_villages_verval_and_labelling(qtbot, village, tmp_path):
    cycle = next(c for c in village.verval.cycles(actor=ADMIN) if c.status == "open")
    entry = village.verval.entries(actor=ADMIN, cycle_id=cycle.id)[0]
    household = village.households.get(actor=ADMIN, household_id=entry.household_id)
    first = next(m for m in household.members if not m.removed)
    village.verval.record_result(actor=ADMIN, entry_id=entry.id, result="1",
                                 members=[MemberFinding("2", member_id=first.id,
                                                        note="PINDAH KE TUBAN")])
    village.verval.save_musdes(actor=ADMIN, cycle_id=cycle.id, held_on=date(2026, 12, 3),
                               place="Balai Desa", attendees=[Attendee("H. KARSO",
                                                                       "Kepala Desa")])
    kabupaten = _kabupaten_with(village, tmp_path)
    try:
        win = MainWindow(kabupaten, ADMIN, idle_minutes=0)
        qtbot.addWidget(win)
        win.resize(1366, 768)
        activate(qtbot, win)
        win.show_module("verval")
        page = win.pages["verval"]
        page.cycle_box.setCurrentIndex(page.cycle_box.findData(cycle.id))
        assert not page.close_button.isVisible()
        assert not [b for b in page.findChildren(QPushButton)
                    if b.isVisible() and b.text().replace("&", "").startswith("Siklus baru")]
        row = next(r for r in range(page.model.rowCount())
                   if page.model.row_at(r).id == entry.id)
        seen = {}

        def visit(dialog: ResultDialog):
            box = dialog.findChild(QDialogButtonBox)
            seen["buttons"] = _buttons(box)
            seen["labels"] = " ".join(w.text() for w in dialog.findChildren(QLabel))
            seen["note"] = dialog.note.isReadOnly()
            seen["result"] = dialog.result.isEnabled()
            found = dialog.member_table.cellWidget(0, 5)
            seen["finding"] = (found.isEnabled(), found.currentText())
            seen["edits"] = [w for w in dialog.findChildren(QLineEdit)
                             if not w.isReadOnly()]
            click(qtbot, box.buttons()[0])

        page.table.selectRow(row)
        with dialogs(visit):
            qtbot.keyClick(page.table, Qt.Key.Key_Return)
        assert seen["buttons"] == ["Tutup"]
        assert WHY in seen["labels"]
        assert seen["note"] and not seen["result"] and not seen["edits"]
        assert seen["finding"] == (False, "2 · " + VervalMemberResult.label_of("2"))

        def musdes(dialog: MusdesDialog):
            seen["musdes"] = (_buttons(dialog.findChild(QDialogButtonBox)),
                              dialog.place.text(), dialog.place.isReadOnly(),
                              dialog.roster.isEnabled() if isinstance(dialog.roster,
                                                                      QListWidget) else None,
                              dialog.others.toPlainText())
            dialog.reject()

        with dialogs(musdes):
            click(qtbot, page.buttons["musdes"])
        buttons, place, place_read_only, roster, others = seen["musdes"]
        assert buttons == ["Tutup"] and place == "Balai Desa" and place_read_only
        assert roster is False and "H. KARSO" in others

        def corrections(dialog: ProposalsDialog):
            seen["approve"] = dialog.approve.isEnabled()
            seen["notice"] = dialog.notice.text()
            dialog.reject()

        with dialogs(corrections):
            click(qtbot, page.buttons["proposals"])
        assert seen["approve"] is False and WHY in seen["notice"]
        # the labelling page: nothing to record or print stickers with, and why
        win.show_module("stickers")
        stickers = win.pages["stickers"]
        assert not stickers.new_button.isEnabled()
        assert not stickers.buttons["record"].isEnabled()
        assert stickers.campaign_box.count() and stickers.buttons["rekap"].isEnabled()
        assert WHY in stickers.info.text()
        assert all(not isinstance(w, QComboBox) or w.isEnabled()
                   for w in (stickers.dusun, stickers.rt))
        # orphans and sponsors are the village's (they do not travel yet): said so,
        # and nothing to record here
        win.show_module("programs")
        care = win.pages["programs"].care
        win.pages["programs"].tabs.setCurrentWidget(care)
        assert "desa" in care.summary.text() and "paket data" in care.summary.text()
        assert not [b for b in care.findChildren(QPushButton) if b.isVisible()]
        settled(qtbot, win.pages["programs"])      # (its flags are found meanwhile)
        win.close()
    finally:
        kabupaten.close()
