"""First start: choose the village from the Kemendagri list and create the administrator."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout)

from ..i18n import _
from ..services.auth import MIN_PASSWORD_LENGTH
from .operations import write
from .region_picker import RegionPicker

#: create(village_code, username, full_name, password) -> error message, or None with
#: the function's ``recovery_key`` attribute set to the new database's recovery key
CreateFn = Callable[[str, str, str, str], "str | None"]


class FirstStartDialog(QDialog):
    def __init__(self, create: CreateFn, parent=None):
        super().__init__(parent)
        self._create = create
        #: the recovery key of the database made here (to show after the dialog)
        self.recovery_key: str | None = None
        self.village_name = ""
        self.setWindowTitle(_("Welcome to Puskesos"))
        self.setMinimumWidth(760)

        intro = QLabel(_("This computer has no village data yet. Choose your village and "
                         "create the administrator account; you can add the other users "
                         "afterwards."))
        intro.setWordWrap(True)

        self.village_picker = RegionPicker(level="desa")
        self.village_search = self.village_picker.search
        self.village_list = self.village_picker.results
        self.full_name = QLineEdit()
        self.username = QLineEdit("admin")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow(_("Village"), self.village_picker)
        form.addRow(_("Administrator's full name"), self.full_name)
        form.addRow(_("User name"), self.username)
        form.addRow(_("Password"), self.password)
        form.addRow(_("Repeat the password"), self.password2)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Create village"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.village_picker.searched.connect(self._searched)
        for edit in (self.password, self.password2, self.username):
            edit.textChanged.connect(self._update_ok)
        self.village_picker.selection_changed.connect(lambda _code: self._update_ok())
        self._update_ok()

    def selected_village(self) -> str | None:
        return self.village_picker.selected_code()

    def _searched(self, text: str, count: int) -> None:
        if count == 0:
            self._show(_("No village matches '{text}'.").format(text=text), error=True)

    def _problem(self) -> str | None:
        if not self.selected_village():
            return _("Choose your village from the list.")
        if not self.username.text().strip():
            return _("Type a user name.")
        if len(self.password.text()) < MIN_PASSWORD_LENGTH:
            return _("The password must be at least {n} characters long.").format(
                n=MIN_PASSWORD_LENGTH)
        if self.password.text() != self.password2.text():
            return _("The two passwords are not the same.")
        return None

    def _show(self, text: str, error: bool) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "color: #555555;")
        self.message.setText(text)

    def _update_ok(self) -> None:
        problem = self._problem()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)
        self._show(problem or "", error=False)

    def _submit(self) -> None:
        if self._problem():
            return
        values = (self.selected_village() or "", self.username.text().strip(),
                  self.full_name.text().strip(), self.password.text())
        error = write(self, lambda: self._create(*values), _("Creating the village…"))
        if error:
            self._show(error, error=True)
            return
        self.recovery_key = getattr(self._create, "recovery_key", None)
        self.village_name = getattr(self._create, "village_name", "")
        self.accept()
