"""The DTSEN questions in the window (issue 12 point 10): the operator answers a
member's functional difficulties and documents on the member dialog's second page
and the household's internet and land area on the family page, presses the
buttons, and the answers are stored and shown again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox

from puskesos.services import Actor
from puskesos.ui.bus import ChangeBus
from puskesos.ui.household_form import HouseholdDialog
from puskesos.ui.member_dialog import MemberDialog
from tests.ui.conftest import answer_modals

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")


@pytest.fixture
def form(qtbot, village):
    rows, _ = village.households.search(actor=OPERATOR, limit=50)
    row = next(r for r in rows if r.member_count >= 2 and r.head_name)
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), row.id)
    dialog.show()
    qtbot.waitExposed(dialog)
    yield dialog
    dialog._saved_state = dialog._state()
    dialog.close()
    dialog.deleteLater()


def _tick(qtbot, box):
    """Click a check box on its box, where a user clicks it."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def _choose(qtbot, combo, code):
    """Pick an entry of a drop-down with the keyboard, as a user does."""
    combo.setFocus()
    index = combo.findData(code)
    for _ in range(combo.count()):
        if combo.currentIndex() == index:
            break
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < index
                       else Qt.Key.Key_Up)
    assert combo.currentData() == code, (combo.currentIndex(), index, combo.isVisible())


def test_member_answers_are_typed_saved_and_shown_again(qtbot, form, village):
    def answer(dialog: MemberDialog):
        assert dialog.tabs.tabText(1) == "Rincian DTSEN"
        dialog.tabs.setCurrentIndex(1)
        fields = dialog.questions.widgets
        _choose(qtbot, fields["difficulty_walking"], "2")
        documents = fields["documents"]
        if not documents.none.isChecked():
            _tick(qtbot, documents.none)   # clears what was ticked before
        _tick(qtbot, documents.boxes[1])   # akta
        _tick(qtbot, documents.boxes[4])   # KTP
        grade = fields["highest_grade"]
        grade.setFocus()
        grade.selectAll()
        qtbot.keyClicks(grade, "6")
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    answer_modals(answer)
    form.tabs.setCurrentIndex(1)
    form.members_view.selectRow(0)
    form.edit_member()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.is_dirty())
    stored = village.households.get(actor=OPERATOR, household_id=form.household_id)
    first = stored.members[0]
    assert (first.difficulty_walking, first.documents, first.highest_grade) == ("2", "5", 6)

    shown = []

    def look(dialog: MemberDialog):
        fields = dialog.questions.widgets
        shown.append((fields["difficulty_walking"].currentText(),
                      fields["documents"].boxes[4].isChecked(),
                      fields["documents"].boxes[2].isChecked(),
                      fields["highest_grade"].text()))
        dialog.reject()

    answer_modals(look)
    form.members_view.selectRow(0)
    form.edit_member()
    assert shown == [("2 · Ya, banyak kesulitan", True, False, "6")]


def test_none_of_them_and_an_item_exclude_each_other(qtbot):
    dialog = MemberDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    insurance = dialog.questions.widgets["health_insurance"]
    _tick(qtbot, insurance.boxes[1])
    assert insurance.value() == "1"
    _tick(qtbot, insurance.none)
    assert insurance.value() == "0" and not insurance.boxes[1].isChecked()
    _tick(qtbot, insurance.boxes[2])
    assert insurance.value() == "2" and not insurance.none.isChecked()
    _tick(qtbot, insurance.boxes[2])
    assert insurance.value() is None          # nothing ticked: not filled in


def test_household_answers_are_saved_and_a_wrong_area_is_named(qtbot, form, village):
    fields = form.questions.widgets
    _choose(qtbot, fields["internet"], "3")
    land = fields["land_area"]
    land.clear()
    qtbot.keyClicks(land, "dua ratus")
    assert "luas" in form.problems_label.text().lower()
    assert not form.save()
    land.clear()
    qtbot.keyClicks(land, "200,5")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.is_dirty())
    stored = village.households.get(actor=OPERATOR, household_id=form.household_id)
    assert (stored.data.internet, stored.data.land_area) == ("3", 200.5)


def test_answers_not_touched_survive_a_save_of_another_field(qtbot, village):
    from dataclasses import replace
    rows, _ = village.households.search(actor=OPERATOR, limit=50)
    dto = village.households.get(actor=OPERATOR, household_id=rows[3].id)
    members = [m.as_input() for m in dto.members]
    members[0] = replace(members[0], difficulty_seeing="1", health_insurance="3")
    village.households.save(actor=OPERATOR, household=replace(
        dto.data, internet="2", land_area=75.0), members=members, household_id=dto.id,
        expected_version=dto.version)
    form = HouseholdDialog(village, OPERATOR, ChangeBus(), dto.id)
    form.show()
    qtbot.waitExposed(form)
    assert form.questions.widgets["internet"].currentData() == "2"
    assert form.questions.widgets["land_area"].text() == "75"
    form.address.clear()
    qtbot.keyClicks(form.address, "JL. KENANGA 9")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.is_dirty())
    form.close()
    again = village.households.get(actor=OPERATOR, household_id=dto.id)
    assert (again.data.address, again.data.internet, again.data.land_area) == (
        "JL. KENANGA 9", "2", 75.0)
    assert (again.members[0].difficulty_seeing, again.members[0].health_insurance) == ("1", "3")


def test_the_dtsen_page_fits_the_member_dialog_without_side_scrolling(qtbot):
    """The longest answers (431f's 'Pensiun/jaminan hari tua lain (Taspen, Asabri)')
    stand one under another, so the page is no wider than the dialog."""
    dialog = MemberDialog()
    qtbot.addWidget(dialog)
    dialog.resize(560, 640)
    dialog.show()
    dialog.tabs.setCurrentIndex(1)
    qtbot.waitExposed(dialog)
    scroll = dialog.tabs.currentWidget()
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()


def test_a_long_address_is_shown_from_its_start(qtbot, form):
    """Seen on the 1024 screenshot: 'UN KARANGASEM RT 001 RW 003' (the end shown)."""
    form.load()
    assert form.address.cursorPosition() == 0
