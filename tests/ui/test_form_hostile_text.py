"""Hostile text typed or pasted into the household form and the member dialog
(issue 13 point 5): control characters, NUL and text-direction overrides are
removed on saving and the form says so; a value over its field's limit is not
saved, and the message at the field names the field and its limit.  The real
form, its real Save and OK buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from puskesos.ui.bus import ChangeBus
from puskesos.ui.household_form import HouseholdDialog
from puskesos.ui.member_dialog import MemberDialog
from tests.ui.conftest import activate, click, dialogs
from tests.ui.test_household_form_buttons import (NAME, OPERATOR, a_household, button,
                                                  select_member, stored, table)

RLO, PDF = "\u202e", "\u202c"
REMOVED = "pengatur arah teks yang tidak terlihat dihapus"


def _form(qtbot, village) -> HouseholdDialog:
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), a_household(village).id)
    activate(qtbot, dialog)
    return dialog


def _close(form: HouseholdDialog) -> None:
    form._saved_state = form._state()
    form.close()
    form.deleteLater()


def test_nul_and_a_direction_override_are_removed_on_save_and_the_form_says_so(qtbot,
                                                                               village):
    form = _form(qtbot, village)
    try:
        form.address.setText(f"JL. MA\x00WAR {RLO}12{PDF} RT 3")
        form.note.setText("rumah\x07 kayu")
        click(qtbot, form.save_button)
        data = stored(village, form.household_id).data
        assert data.address == "JL. MAWAR 12 RT 3" and data.note == "rumah kayu"
        assert form.address.text() == "JL. MAWAR 12 RT 3"       # what was saved is shown
        message = form.problems_label.text()
        assert form.problems_label.isVisible() and REMOVED in message
        assert "Alamat" in message and "Catatan" in message
    finally:
        _close(form)


def test_a_huge_address_is_refused_at_the_field_with_its_limit(qtbot, village):
    form = _form(qtbot, village)
    try:
        before = stored(village, form.household_id).data.address
        form.address.setText("JL. " + "A" * 1_000_000)          # a 1 MB paste
        click(qtbot, form.save_button)
        assert stored(village, form.household_id).data.address == before   # nothing cut
        message = form.problems_label.text()
        assert form.problems_label.isVisible()
        assert "Alamat berisi 32.767 karakter; paling banyak 200 karakter" in message
        assert "b00020" in form.address.styleSheet()             # the field is marked
        assert form.is_dirty()
    finally:
        _close(form)


def ok(dialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_the_member_dialog_removes_hostile_characters_from_a_name_before_ok(qtbot,
                                                                            village):
    form = _form(qtbot, village)
    try:
        row = len(form.members) - 1
        select_member(form, row)
        said = []

        def edit(dialog: MemberDialog):
            dialog.name.setText(f"SRI\x00 {RLO}WAHYUNI")
            ok(dialog).click()                   # cleans, shows it, stays open
            said.append(dialog.message.text())
            assert dialog.isVisible() and dialog.name.text() == "SRI WAHYUNI"
            ok(dialog).click()

        with dialogs(edit):
            click(qtbot, button(form, "Ubah"))
        assert REMOVED in said[0] and "Nama" in said[0]
        assert table(form)[row][NAME] == "SRI WAHYUNI"
        click(qtbot, form.save_button)
        names = [m.name for m in stored(village, form.household_id).members]
        assert "SRI WAHYUNI" in names
    finally:
        _close(form)


def test_the_member_dialog_refuses_a_huge_name_naming_its_limit(qtbot, village):
    form = _form(qtbot, village)
    try:
        select_member(form, 0)
        said = []

        def edit(dialog: MemberDialog):
            dialog.name.setText("B" * 1_000_000)
            ok(dialog).click()
            said.append(dialog.message.text())
            assert dialog.isVisible()            # not accepted
            dialog.done(0)

        with dialogs(edit):
            click(qtbot, button(form, "Ubah"))
        assert "Nama berisi 32.767 karakter; paling banyak 120 karakter" in said[0]
        assert "Nama: Nama" not in said[0]
    finally:
        _close(form)
