"""The member dialog as the operator types in it (issue 12 point 5)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox

from puskesos.core.identifiers import make_nik
from puskesos.ui.member_dialog import MemberDialog
from tests.ui.conftest import dialogs


def _dialog(qtbot) -> MemberDialog:
    dialog = MemberDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_a_valid_nik_proposes_the_birth_date_and_sex(qtbot):
    dialog = _dialog(qtbot)
    nik = make_nik(kecamatan_code="35.23.01", birth_date=date(1984, 3, 21), sex="P", serial=7)
    qtbot.keyClicks(dialog.nik, nik)
    assert dialog.birth_date.text() == "21-03-1984" and dialog.sex.code() == "P"
    assert not dialog.nik_message.isVisible()


def test_the_nik_message_goes_once_the_nik_is_fixed(qtbot):
    dialog = _dialog(qtbot)
    nik = make_nik(kecamatan_code="35.23.01", birth_date=date(1990, 1, 2), sex="L", serial=3)
    qtbot.keyClicks(dialog.nik, nik[:-1])
    assert dialog.nik_message.isVisible()
    qtbot.keyClicks(dialog.nik, nik[-1])
    assert not dialog.nik_message.isVisible()


def test_a_birth_date_typed_wrong_is_named_as_it_is_typed(qtbot):
    dialog = _dialog(qtbot)
    qtbot.keyClicks(dialog.birth_date, "31-02-1990")
    assert dialog.message.isVisible() and "31-02-1990" in dialog.message.text()
    dialog.birth_date.clear()
    qtbot.keyClicks(dialog.birth_date, "28-02-1990")
    assert not dialog.message.isVisible()


def test_ok_says_the_member_goes_into_the_form_and_save_stores_it(qtbot):
    dialog = _dialog(qtbot)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Masukkan ke formulir"
    assert "Simpan" in dialog.rule_note.text() and dialog.rule_note.isVisible()


def test_escape_after_typing_asks_before_throwing_it_away(qtbot):
    dialog = _dialog(qtbot)
    qtbot.keyClicks(dialog.name, "SITI AMINAH")
    asked = []

    def keep(box):
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Cancel).click()

    with dialogs(keep):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert asked == ["Buang yang sudah diketik untuk anggota ini?"]
    assert dialog.isVisible() and dialog.name.text() == "SITI AMINAH"
    with dialogs(lambda box: box.button(QMessageBox.StandardButton.Discard).click()):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()


def test_escape_on_an_untouched_dialog_closes_it_at_once(qtbot):
    dialog = _dialog(qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
