"""Program & Sasaran's vulnerable groups in the window (issue 17 point 3), pressed
through the real widgets on the demo village: an orphan recorded with a guardian
from outside the registry; the coordinator matches a sponsor, and the child's flag
goes; the match ends with why, and the flag is back; the elderly and disabled list
opens a family."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from sqlalchemy import select

from puskesos.models import Member
from puskesos.services import Actor
from puskesos.ui.care_views import MatchDialog, OrphanDialog
from puskesos.ui.household_form import HouseholdDialog
from puskesos.ui.main_window import MainWindow
from tests.ui.conftest import activate, click, dialogs, settled

KOORDINATOR = Actor("koordinator", "koordinator", "Suhartini")


def _orphan_flags(page) -> set[str]:
    return {f.member_id for f in page.flags
            if f.kind == "vulnerable_uncovered" and "yatim" in f.text.lower()}


def _tab(qtbot, page, widget) -> None:
    bar = page.tabs.tabBar()
    index = page.tabs.indexOf(widget)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert page.tabs.currentWidget() is widget


def test_an_orphan_recorded_matched_and_unmatched_through_the_window(qtbot, village):
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1024, 740)
    activate(qtbot, win)
    win.show_module("programs")
    page = win.pages["programs"]
    settled(qtbot, page)
    care = page.care
    _tab(qtbot, page, care)
    before = village.targeting.orphans(actor=KOORDINATOR)
    assert care.orphans.model.rowCount() == len(before) > 0
    # a child of the registry not yet recorded, found by name in the dialog
    known = {o.child.member_id for o in before}
    with village.db.read() as s:
        child = next(m for m in s.scalars(select(Member).where(
            Member.relationship_code == "3", Member.presence == "1",
            Member.birth_date > date(2014, 1, 1)).order_by(Member.name))
            if m.id not in known)
        child_id, child_name = child.id, child.name

    def record(dialog: OrphanDialog):
        dialog.child.find.setText(child_name)
        dialog.child.search()
        for row in range(dialog.child.results.count()):
            if dialog.child.results.item(row).data(Qt.ItemDataRole.UserRole) == child_id:
                dialog.child.results.setCurrentRow(row)
        dialog.status.setCurrentIndex(dialog.status.findData("yatim_piatu"))
        click(qtbot, dialog.outside)
        assert not dialog.guardian.isVisible() and dialog.guardian_name.isEnabled()
        # saved without a guardian's name: told why, the dialog stays
        click(qtbot, dialog.box.button(dialog.box.StandardButton.Save))
        assert dialog.isVisible() and "wali" in dialog.message.text().lower()
        qtbot.keyClicks(dialog.guardian_name, "MBAH WAGINEM")
        dialog.relation.setText("nenek")
        click(qtbot, dialog.box.button(dialog.box.StandardButton.Save))
        assert not dialog.isVisible()

    with dialogs(record):
        click(qtbot, care.add_orphan)
    settled(qtbot, page)
    assert care.orphans.model.rowCount() == len(before) + 1
    row = next(r for r in range(care.orphans.model.rowCount())
               if care.orphans.model.row_at(r).child.member_id == child_id)
    assert care.orphans.model.index(row, 2).data() == "MBAH WAGINEM"
    assert child_id in _orphan_flags(page)          # no program that fits, no sponsor
    # the coordinator matches the nearest sponsor with room
    care.orphans.table.selectRow(row)
    chosen = {}

    def match(dialog: MatchDialog):
        assert dialog.choices.count() > 0
        chosen["text"] = dialog.choices.currentItem().text()
        click(qtbot, dialog.box.button(dialog.box.StandardButton.Ok))

    with dialogs(match):
        click(qtbot, care.match_button)
    settled(qtbot, page)
    entry = next(o for o in village.targeting.orphans(actor=KOORDINATOR)
                 if o.child.member_id == child_id)
    sponsor = entry.sponsors[0][1]
    assert chosen["text"].startswith(sponsor)
    row = next(r for r in range(care.orphans.model.rowCount())
               if care.orphans.model.row_at(r).child.member_id == child_id)
    assert care.orphans.model.index(row, 3).data() == sponsor
    assert child_id not in _orphan_flags(page)      # the flags tab followed
    # the match ends with why: the flag is back
    care.orphans.table.selectRow(row)

    def why(dialog: QInputDialog):
        assert sponsor in dialog.labelText()
        dialog.setTextValue("Orang tua asuh pindah ke luar kota")
        dialog.accept()

    with dialogs(why):
        click(qtbot, care.end_button)
    settled(qtbot, page)
    assert child_id in _orphan_flags(page)
    assert not next(o for o in village.targeting.orphans(actor=KOORDINATOR)
                    if o.child.member_id == child_id).sponsors


def test_the_elderly_and_disabled_list_opens_a_family(qtbot, village):
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1024, 740)
    activate(qtbot, win)
    win.show_module("programs")
    page = win.pages["programs"]
    view = page.vulnerable
    _tab(qtbot, page, view)
    people = village.targeting.vulnerable(actor=KOORDINATOR)
    assert view.model.rowCount() == len(people) > 0
    assert str(sum(not v.programs for v in people)) in view.summary.text()
    first = view.selected()
    click(qtbot, view.open_button)
    opened = [d for d in win.households.open_dialogs if isinstance(d, HouseholdDialog)]
    assert [d.household_id for d in opened] == [first.person.household_id]
    opened[0].reject()


def test_a_child_the_data_suggests_is_recorded_from_the_suggestion(qtbot, village):
    """A child whose parent is recorded as died is offered in the dialog: chosen, the
    child and the status are filled in; saved, the child leaves the suggestions."""
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1024, 740)
    activate(qtbot, win)
    win.show_module("programs")
    page = win.pages["programs"]
    settled(qtbot, page)
    care = page.care
    _tab(qtbot, page, care)
    suggested = village.targeting.orphan_candidates(actor=KOORDINATOR)
    assert suggested and f"{len(suggested)} anak lagi" in care.summary.text()
    person, status = suggested[0]

    def record(dialog: OrphanDialog):
        assert dialog.suggested.count() == len(suggested) + 1
        other = next(s for s in ("yatim", "piatu") if s != status)
        dialog.status.setCurrentIndex(dialog.status.findData(other))
        dialog.suggested.setCurrentIndex(1)
        assert dialog.child.member_id == person.member_id
        assert dialog.status.currentData() == status
        click(qtbot, dialog.outside)
        qtbot.keyClicks(dialog.guardian_name, "BU LIK SUNARTI")
        click(qtbot, dialog.box.button(dialog.box.StandardButton.Save))

    with dialogs(record):
        click(qtbot, care.add_orphan)
    settled(qtbot, page)
    entry = next(o for o in village.targeting.orphans(actor=KOORDINATOR)
                 if o.child.member_id == person.member_id)
    assert entry.status == status and entry.guardian_name == "BU LIK SUNARTI"
    assert person.member_id not in {p.member_id for p, _s in
                                    village.targeting.orphan_candidates(actor=KOORDINATOR)}


def test_a_change_behind_a_hidden_tab_is_shown_when_the_tab_opens(qtbot, village):
    """The orphans' lists are read when their tab is shown: a family saved while
    another tab is in front is not read then, and is there when the tab opens."""
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    activate(qtbot, win)
    win.show_module("programs")
    page = win.pages["programs"]
    settled(qtbot, page)
    care = page.care
    _tab(qtbot, page, care)
    before = care.orphans.model.rowCount()
    _tab(qtbot, page, page.vulnerable)
    person, status = village.targeting.orphan_candidates(actor=KOORDINATOR)[0]
    village.targeting.record_orphan(actor=KOORDINATOR, member_id=person.member_id,
                                    status=status, guardian_name="WALI")
    win.bus.changed("household", [person.household_id])
    settled(qtbot, page)
    assert care.stale and care.orphans.model.rowCount() == before
    _tab(qtbot, page, care)
    assert care.orphans.model.rowCount() == before + 1 and not care.stale
