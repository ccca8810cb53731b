"""Logging in, the idle lock and the English window."""

from PySide6.QtWidgets import QDialog

from puskesos import i18n
from puskesos.ui.login import IdleWatcher, LoginDialog
from puskesos.ui.main_window import MainWindow

from tests.ui.conftest import answer_modals


def test_wrong_password_then_right_one(qtbot, village):
    dialog = LoginDialog(village)
    qtbot.addWidget(dialog)
    dialog.username.setText("operator")
    dialog.password.setText("salah")
    dialog._login()
    assert dialog.user is None and "salah" in dialog.message.text().lower()
    assert dialog.password.text() == ""
    dialog.password.setText("demo123")
    dialog._login()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.user.role == "operator"


def test_idle_lock_hides_data_until_the_password_is_typed(qtbot, village):
    user = village.auth.login(username="operator", password="demo123")
    window = MainWindow(village, user.actor, idle_minutes=5)
    qtbot.addWidget(window)
    window.show()
    seen = {}

    def unlock(dialog):
        seen["hidden"] = not window.centralWidget().isVisible()
        seen["user_fixed"] = not dialog.username.isEnabled()
        dialog.password.setText("salah")
        dialog._login()
        seen["refused"] = dialog.isVisible()
        dialog.password.setText("demo123")
        dialog._login()

    answer_modals(unlock)
    window.idle.last_input -= 6 * 60  # six minutes without keyboard or mouse
    window.idle.check()
    assert seen == {"hidden": True, "user_fixed": True, "refused": True}
    assert window.centralWidget().isVisible()


def test_input_keeps_the_window_unlocked(qtbot):
    watcher = IdleWatcher(1)
    fired = []
    watcher.idle.connect(lambda: fired.append(1))
    watcher.last_input -= 30
    watcher.check()
    assert fired == []
    watcher.last_input -= 60
    watcher.check()
    watcher.check()
    assert fired == [1]  # once, not every five seconds


def test_english_window(qtbot, village):
    i18n.set_language("en")
    user = village.auth.login(username="operator", password="demo123")
    window = MainWindow(village, user.actor, idle_minutes=0)
    qtbot.addWidget(window)
    assert window.nav.item(0).text() == "Households"
    assert window.households.count_label.text() == "300 households"


def test_idle_while_already_locked_does_not_close_the_window(qtbot, village):
    user = village.auth.login(username="operator", password="demo123")
    window = MainWindow(village, user.actor, idle_minutes=5)
    qtbot.addWidget(window)
    window.show()
    lock_dialogs = []

    def idle_then_unlock(dialog):
        lock_dialogs.append(dialog)
        window.idle.last_input -= 6 * 60
        window.idle.check()          # would lock again inside the lock
        window.lock()                # and so would Ctrl+L
        dialog.password.setText("demo123")
        dialog._login()

    answer_modals(idle_then_unlock)
    window.lock()
    assert len(lock_dialogs) == 1
    assert window.isVisible() and window.centralWidget().isVisible()
