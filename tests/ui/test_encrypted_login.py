"""The window on an encrypted village file: the recovery key shown at the first start,
and the login that opens the file, pressed as the operator presses them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from puskesos.app import first_start_creator
from puskesos.db.engine import is_encrypted
from puskesos.db.keys import KEYRING, KeyFile
from puskesos.ui.first_start import FirstStartDialog
from puskesos.ui.login import LoginDialog, RecoveryKeyDialog
from puskesos.ui.pdf_preview import PdfPreview
from tests.helpers import copy_village
from tests.ui.conftest import answer_modals


def _login_button(dialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_the_first_start_makes_an_encrypted_village_and_gives_its_recovery_key(qtbot,
                                                                               tmp_path):
    target = str(tmp_path / "desa.sqlite")
    dialog = FirstStartDialog(first_start_creator(target))
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.village_search, "jlodro")
    qtbot.waitUntil(lambda: dialog.village_list.count() == 1, timeout=3000)
    qtbot.keyClicks(dialog.password, "rahasia1")
    qtbot.keyClicks(dialog.password2, "rahasia1")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert is_encrypted(target)
    key = dialog.recovery_key
    assert key and KeyFile.beside(target).unlock_recovery(key) == KEYRING.get(target)
    assert dialog.village_name == "Desa Jlodro"

    shown = RecoveryKeyDialog(key, village=dialog.village_name)
    qtbot.addWidget(shown)
    assert shown.key.text() == key
    seen = {}

    def look_at_the_sheet(preview):
        seen["sheet"] = isinstance(preview, PdfPreview) and preview.page_count() == 1
        preview.reject()

    answer_modals(look_at_the_sheet)
    qtbot.mouseClick(shown.save_button, Qt.MouseButton.LeftButton)
    assert seen == {"sheet": True}
    qtbot.mouseClick(shown.done_button, Qt.MouseButton.LeftButton)
    assert shown.result() == shown.DialogCode.Accepted


def test_the_login_opens_the_encrypted_file_only_with_a_right_password(qtbot, tmp_path,
                                                                        demo_db):
    path = copy_village(demo_db, tmp_path / "desa.sqlite")
    KEYRING.forget(path)                       # as a new start of the program finds it
    dialog = LoginDialog(None, target=str(path))
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, "operator")
    qtbot.keyClicks(dialog.password, "salah-salah")
    qtbot.mouseClick(_login_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.user is None and dialog.services is None
    assert "salah" in dialog.message.text().lower()
    qtbot.keyClicks(dialog.password, "demo123")
    qtbot.mouseClick(_login_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    try:
        assert dialog.user.role == "operator"
        assert dialog.services.households.counts(actor=dialog.user.actor).households == 300
    finally:
        dialog.services.close()


def test_every_password_lost_the_recovery_key_in_the_login_window_sets_a_new_one(qtbot,
                                                                                 tmp_path):
    target = str(tmp_path / "desa.sqlite")
    create = first_start_creator(target)
    assert create("35.23.01.2001", "admin", "Admin", "terlupa-123") is None
    key = create.recovery_key
    KEYRING.forget(target)
    dialog = LoginDialog(None, target=target)
    qtbot.addWidget(dialog)
    said = {}

    def type_the_key(recover):
        qtbot.keyClicks(recover.key, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
        qtbot.keyClicks(recover.new, "sandi-baru-9")
        qtbot.keyClicks(recover.new2, "sandi-baru-9")
        ok = recover.buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        said["wrong"] = recover.isVisible() and "tidak membuka" in recover.message.text()
        recover.key.clear()
        qtbot.keyClicks(recover.key, key.lower())
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    answer_modals(type_the_key)
    qtbot.mouseClick(dialog.recover_button, Qt.MouseButton.LeftButton)
    assert said == {"wrong": True}
    assert dialog.username.text() == "admin" and "kata sandi baru" in dialog.message.text().lower()
    qtbot.keyClicks(dialog.password, "sandi-baru-9")
    qtbot.mouseClick(_login_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    dialog.services.close()
