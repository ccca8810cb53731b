"""The Program & Sasaran page (issue 17): the flags the rules raise on the demo
village, by kind, each with the person and why; a flag opens its family's form, and
is set aside with a reason typed in — pressed through the real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from puskesos.services import Actor
from puskesos.ui.household_form import HouseholdDialog
from puskesos.ui.main_window import MainWindow, modules
from tests.ui.conftest import activate, click, dialogs, settled

KOORDINATOR = Actor("koordinator", "koordinator", "Suhartini")


def test_a_flag_opens_its_family_and_is_set_aside_with_why(qtbot, village):
    assert dict((k, a) for k, _t, a in modules())["programs"]      # no longer greyed
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1024, 740)
    activate(qtbot, win)
    win.show_module("programs")
    page = win.pages["programs"]
    settled(qtbot, page)
    truth = village.targeting.flags(actor=KOORDINATOR)
    assert truth and page.model.rowCount() == len(truth)
    assert page.kind.itemText(0) == f"Semua tanda ({len(truth)})"
    # one kind: the forbidden combinations
    at = next(i for i in range(page.kind.count()) if page.kind.itemData(i) == "double_aid")
    page.kind.setCurrentIndex(at)
    double = [f for f in truth if f.kind == "double_aid"]
    assert page.model.rowCount() == len(double)
    assert {page.model.index(r, 0).data() for r in range(page.model.rowCount())} == {
        "Bantuan ganda yang tidak dibolehkan"}
    flag = page.selected()
    assert flag.text in page.detail.text() and "tidak dibolehkan" in flag.text
    assert page.model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole) == flag.text
    # the family opens: by the button, and by Enter on the list
    click(qtbot, page.open_button)
    opened = [d for d in win.households.open_dialogs if isinstance(d, HouseholdDialog)]
    assert [d.household_id for d in opened] == [flag.household_id]
    assert opened[0].isVisible()
    opened[0].reject()
    activate(qtbot, win)             # (the family's window had taken the focus)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    opened = [d for d in win.households.open_dialogs if isinstance(d, HouseholdDialog)]
    assert [d.household_id for d in opened] == [flag.household_id]
    opened[0].reject()
    # set aside with a reason: gone from the list, shown among those set aside
    def why(dialog: QInputDialog):
        assert flag.text in dialog.labelText()
        dialog.setTextValue("Sudah dihentikan dari BLT DD bulan ini")
        dialog.accept()

    with dialogs(why):
        click(qtbot, page.dismiss_button)
    settled(qtbot, page)
    assert page.model.rowCount() == len(double) - 1
    assert flag.key not in {f.key for f in page.flags}
    page.set_aside.setChecked(True)
    settled(qtbot, page)
    assert [f.key for f in page.flags] == [flag.key]
    assert not page.dismiss_button.isEnabled()
    # an empty reason is refused with a message, nothing set aside
    page.set_aside.setChecked(False)
    settled(qtbot, page)
    page.kind.setCurrentIndex(0)
    before = page.model.rowCount()

    def empty(dialog: QInputDialog):
        dialog.setTextValue("   ")
        dialog.accept()

    with dialogs(empty, lambda box: box.accept()):
        click(qtbot, page.dismiss_button)
    settled(qtbot, page)
    assert page.model.rowCount() == before
    win.close()


def test_a_flag_clicked_with_the_mouse_is_the_one_explained(qtbot, village):
    """The explanation below the list follows the row clicked (the selection, which
    Qt changes after the current row)."""
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1024, 740)
    activate(qtbot, win)
    win.show_module("programs")
    page = win.pages["programs"]
    settled(qtbot, page)
    assert page.model.rowCount() > 3
    for row in (3, 1):
        rect = page.table.visualRect(page.model.index(row, 1))
        qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert page.model.row_at(row).text in page.detail.text()


def test_from_a_flag_to_its_family_and_back_the_flags_follow_what_was_changed(
        qtbot, village):
    """A flag about a vulnerable person opens the family; there the person is recorded
    as died and the family saved; back on the page (without pressing Refresh), the
    flag is gone and the others stay."""
    from datetime import date

    from sqlalchemy import select

    from puskesos.core.bahasa import short_date
    from puskesos.models import Member
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1024, 740)
    activate(qtbot, win)
    win.show_module("programs")
    page = win.pages["programs"]
    settled(qtbot, page)
    before = {f.key for f in page.flags}
    with village.db.read() as s:
        heads = set(s.scalars(select(Member.id).where(Member.relationship_code == "1")))
    at = next(i for i in range(page.kind.count())
              if page.kind.itemData(i) == "vulnerable_uncovered")
    page.kind.setCurrentIndex(at)
    row = next(r for r in range(page.model.rowCount())
               if page.model.row_at(r).member_id not in heads)
    page.table.selectRow(row)
    flag = page.selected()
    click(qtbot, page.open_button)
    form = next(d for d in win.households.open_dialogs if isinstance(d, HouseholdDialog))
    assert form.household_id == flag.household_id
    form.tabs.setCurrentIndex(1)
    form.members_view.selectRow(next(i for i, m in enumerate(form.members)
                                     if m.id == flag.member_id))
    gone = next(b for b in form.member_buttons if b.text().startswith("Meninggal"))
    with dialogs(lambda d: (d.setTextValue(d.comboBoxItems()[0]), d.accept()),
                 lambda d: (d.setTextValue(short_date(date.today())), d.accept()),
                 lambda d: (d.setTextValue("Surat kematian dari desa"), d.accept())):
        click(qtbot, gone)
    click(qtbot, form.save_button)
    assert form.saved_label.isVisible() and not form.is_dirty()
    form.reject()
    settled(qtbot, page)
    after = {f.key for f in page.flags}
    assert flag.key in before and flag.key not in after
    # the family's other flags, and every other family's, are as they were (a program
    # of the person's own would now be flagged as going to someone who died)
    assert {k for k in before - after} == {flag.key}
    assert all(k[0] == "recipient_died" and k[2] == flag.member_id for k in after - before)
