"""Login, change of password, and the idle lock."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout)

from ..errors import UserError
from ..i18n import _
from .operations import write
from .widgets import message_label, show_message


class LoginDialog(QDialog):
    """Asks for user name and password; :attr:`user` holds the UserInfo on accept.

    With ``username`` given (the idle lock) only the password can be typed.
    """

    def __init__(self, services, *, username: str | None = None, title: str | None = None,
                 parent=None):
        super().__init__(parent)
        self.services = services
        self.user = None
        village = services.settings.village()
        self.setWindowTitle(title or _("Puskesos — log in"))
        self.setMinimumWidth(420)
        heading = QLabel(f"<b>{village.title}</b><br>{village.kabupaten}"
                         if village.desa else "Puskesos")
        self.username = QLineEdit(username or "")
        self.username.setEnabled(username is None)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = message_label()
        form = QFormLayout()
        form.addRow(_("User name"), self.username)
        form.addRow(_("Password"), self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Log in"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            _("Exit") if username is None else _("Close the program"))
        buttons.accepted.connect(self._login)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def _login(self) -> None:
        try:
            username, password = self.username.text(), self.password.text()
            self.user = write(self, lambda: self.services.auth.login(username=username,
                                                                     password=password),
                              _("Checking the password…"))
        except UserError as exc:
            show_message(self.message, exc.message)
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()


class ChangePasswordDialog(QDialog):
    def __init__(self, services, actor, parent=None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.setWindowTitle(_("Change password"))
        self.old = QLineEdit()
        self.new = QLineEdit()
        self.new2 = QLineEdit()
        for edit in (self.old, self.new, self.new2):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = message_label()
        form = QFormLayout()
        form.addRow(_("Current password"), self.old)
        form.addRow(_("New password"), self.new)
        form.addRow(_("Repeat the password"), self.new2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._change)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _change(self) -> None:
        if self.new.text() != self.new2.text():
            show_message(self.message, _("The two passwords are not the same."))
            return
        try:
            old, new = self.old.text(), self.new.text()
            write(self, lambda: self.services.auth.change_password(
                actor=self.actor, old_password=old, new_password=new))
        except UserError as exc:
            show_message(self.message, exc.message)
            return
        self.accept()


class IdleWatcher(QObject):
    """Emits :attr:`idle` once after ``minutes`` without keyboard or mouse input."""

    idle = Signal()
    _INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
              QEvent.Type.Wheel}

    def __init__(self, minutes: int, parent=None):
        super().__init__(parent)
        self.seconds = minutes * 60
        self.last_input = time.monotonic()
        self.fired = False
        self.timer = QTimer(self)
        self.timer.setInterval(5000)
        self.timer.timeout.connect(self.check)
        if minutes > 0:
            self.timer.start()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in self._INPUT:
            self.last_input = time.monotonic()
        return False

    def reset(self) -> None:
        self.last_input = time.monotonic()
        self.fired = False

    def check(self) -> None:
        if self.seconds and not self.fired and time.monotonic() - self.last_input >= self.seconds:
            self.fired = True
            self.idle.emit()
