"""First start: choose the village from the Kemendagri list and create the administrator."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QVBoxLayout)

from ..core.regions import regions
from ..i18n import _
from ..services.auth import MIN_PASSWORD_LENGTH

#: create(village_code, username, full_name, password) -> error message or None
CreateFn = Callable[[str, str, str, str], "str | None"]


class FirstStartDialog(QDialog):
    def __init__(self, create: CreateFn, parent=None):
        super().__init__(parent)
        self._create = create
        self.setWindowTitle(_("Welcome to Puskesos"))
        self.setMinimumWidth(760)

        intro = QLabel(_("This computer has no village data yet. Choose your village and "
                         "create the administrator account; you can add the other users "
                         "afterwards."))
        intro.setWordWrap(True)

        self.village_search = QLineEdit()
        self.village_search.setPlaceholderText(_("Type the village name or code…"))
        self.village_list = QListWidget()
        self.village_list.setMinimumHeight(160)
        self.full_name = QLineEdit()
        self.username = QLineEdit("admin")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow(_("Village"), self.village_search)
        form.addRow("", self.village_list)
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

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self._search)
        self.village_search.textChanged.connect(lambda _t: self._debounce.start())
        for edit in (self.password, self.password2, self.username):
            edit.textChanged.connect(self._update_ok)
        self.village_list.currentItemChanged.connect(lambda *_a: self._update_ok())
        self._update_ok()

    def selected_village(self) -> str | None:
        item = self.village_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _search(self) -> None:
        self.village_list.clear()
        text = self.village_search.text().strip()
        if len(text) < 3:
            return
        for region in regions().search(text, level="desa", limit=60):
            path = regions().path(region.code)
            item = QListWidgetItem(f"{path.label if path else region.name}  ({region.code})")
            item.setData(Qt.ItemDataRole.UserRole, region.code)
            self.village_list.addItem(item)
        if self.village_list.count() == 1:
            self.village_list.setCurrentRow(0)
        elif self.village_list.count() == 0:
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
        error = self._create(self.selected_village() or "", self.username.text().strip(),
                             self.full_name.text().strip(), self.password.text())
        if error:
            self._show(error, error=True)
            return
        self.accept()
