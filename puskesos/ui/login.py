"""Login, change of password, and the idle lock."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout)

from ..errors import UserError
from ..i18n import _
from .operations import write
from .widgets import message_label, show_message


class LoginDialog(QDialog):
    """Asks for user name and password; :attr:`user` holds the UserInfo on accept.

    With ``target`` (the start of the program) the login opens the database
    (:func:`~puskesos.services.signin.sign_in`: an encrypted file is unlocked with
    the password, a plain one is encrypted after it) and :attr:`services` are the
    services over it; ``services`` may then be None (an encrypted file cannot be
    read before the login).  With ``username`` given (the idle lock) only the
    password can be typed.
    """

    def __init__(self, services, *, target: str | None = None, username: str | None = None,
                 title: str | None = None, parent=None):
        super().__init__(parent)
        self.services = services
        self.target = target
        self.user = None
        #: what the login did besides: set when it encrypted a plain village file
        self.signed = None
        self.setWindowTitle(title or _("Puskesos — log in"))
        self.setMinimumWidth(420)
        village = services.settings.village() if services is not None else None
        if village is not None and village.desa:
            heading = QLabel(f"<b>{village.title}</b><br>{village.kabupaten}")
        else:       # an encrypted file shows its village once it is open
            from pathlib import Path
            heading = QLabel("<b>Puskesos</b>" + (f"<br>{Path(target).name}" if target else ""))
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
        self.recover_button = None
        if target is not None and username is None:
            from ..services.signin import encrypted_file as is_encrypted
            if is_encrypted(target):
                self.recover_button = QPushButton(_("Forgot the password? Use the recovery "
                                                    "key"))
                self.recover_button.setFlat(True)
                self.recover_button.clicked.connect(self._recover)
                layout.addWidget(self.recover_button)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def _recover(self) -> None:
        dialog = RecoverDialog(self.target, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.username.setText(dialog.username.text().strip())
            self.password.clear()
            self.password.setFocus()
            show_message(self.message, _("The new password is saved. Log in with it."),
                         warning=True)

    def _check(self, username: str, password: str):
        if self.target is None:
            return self.services.auth.login(username=username, password=password)
        from ..services.signin import sign_in
        self.signed = sign_in(self.target, username, password, services=self.services)
        self.services = self.signed.services
        return self.signed.user

    def _login(self) -> None:
        try:
            username, password = self.username.text(), self.password.text()
            self.user = write(self, lambda: self._check(username, password),
                              _("Checking the password…"))
        except UserError as exc:
            show_message(self.message, exc.message)
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()


class RecoverDialog(QDialog):
    """Every password lost: the recovery key from the safe gives a user a new password."""

    def __init__(self, target: str, parent=None):
        super().__init__(parent)
        self.target = target
        self.setWindowTitle(_("Recovery key"))
        self.setMinimumWidth(480)
        intro = QLabel(_("Type the recovery key from the sheet kept in the office's safe, "
                         "and a new password for the user."))
        intro.setWordWrap(True)
        self.key = QLineEdit()
        self.key.setPlaceholderText("ABCD-EFGH-…")
        self.username = QLineEdit("admin")
        self.new = QLineEdit()
        self.new2 = QLineEdit()
        for edit in (self.new, self.new2):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = message_label()
        form = QFormLayout()
        form.addRow(_("Recovery key"), self.key)
        form.addRow(_("User name"), self.username)
        form.addRow(_("New password"), self.new)
        form.addRow(_("Repeat the password"), self.new2)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Set the password"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self._set)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _set(self) -> None:
        from ..services.signin import recover
        if self.new.text() != self.new2.text():
            show_message(self.message, _("The two passwords are not the same."))
            return
        key, name, password = self.key.text(), self.username.text().strip(), self.new.text()
        try:
            write(self, lambda: recover(self.target, key, name, password),
                  _("Checking the recovery key…"))
        except UserError as exc:
            show_message(self.message, exc.message)
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


class RecoveryKeyDialog(QDialog):
    """The recovery key of a database just made or just encrypted, shown once, with a
    sheet to save as PDF and print for the office's safe."""

    def __init__(self, recovery_key: str, *, village: str = "", parent=None):
        super().__init__(parent)
        self.recovery_key = recovery_key
        self.village = village
        self.saved_to = None
        self.setWindowTitle(_("Recovery key"))
        self.setMinimumWidth(640)
        intro = QLabel(_("The village data is encrypted. If every password is lost, only this "
                         "RECOVERY KEY opens it. Print the sheet (or write the key down) now "
                         "and keep it in the office's safe: it is shown only this once."))
        intro.setWordWrap(True)
        self.key = QLabel(recovery_key)
        self.key.setObjectName("recoveryKey")
        self.key.setStyleSheet("font-family: monospace; font-size: 14pt; font-weight: bold;")
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setTextInteractionFlags(self.key.textInteractionFlags()
                                         | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = message_label()
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(_("Print the sheet…"),
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.done_button = buttons.addButton(_("I have kept the key"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.clicked.connect(self._save)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.key)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _save(self) -> None:
        """Show the sheet in the preview, to print or save as PDF."""
        from ..files import safe_name
        from ..printing.recovery import recovery_sheet
        from ..services.documents import Document
        from .pdf_preview import PdfPreview
        sheet = Document(recovery_sheet(self.recovery_key, village=self.village), 1,
                         _("Recovery key sheet"),
                         safe_name("kunci-pemulihan", self.village) + ".pdf", None, "")
        self.preview = PdfPreview(sheet, self)
        self.preview.exec()
        self.saved_to = self.preview.saved_to
