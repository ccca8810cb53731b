"""Settings → "Referral services": the services a referral can go to (Dinas Sosial,
Puskesmas, …), kept by the referral service; the intake's drop-down offers them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from ..errors import UserError
from ..i18n import _
from .operations import write
from .settings_parts import ERROR_STYLE, OK_STYLE
from .widgets import saved_now

_EDITABLE = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
             | Qt.ItemFlag.ItemIsEditable)


class ReferralServicesTab(QWidget):
    """The list of referral services, edited in place and saved with Simpan."""

    def __init__(self, services, actor, can_edit: bool, announce, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.can_edit = services, actor, can_edit
        self._announce = announce
        self.dirty = False
        intro = QLabel(_("The services a resident can be referred to. The list is offered when "
                         "a request is referred; a service not in it can still be typed there. "
                         "Double-click a name to correct it."))
        intro.setWordWrap(True)
        self.names = QListWidget()
        self.names.itemChanged.connect(self._changed)
        self.add_button = QPushButton(_("&Add"))
        self.remove_button = QPushButton(_("&Remove"))
        self.up_button = QPushButton(_("Move &up"))
        self.down_button = QPushButton(_("Move do&wn"))
        self.save_button = QPushButton(_("&Save"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        self.save_button.clicked.connect(self.save)
        buttons = QVBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
            button.setEnabled(can_edit)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.names, 1)
        row.addLayout(buttons)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.save_button)
        self.save_button.setToolTip(_("Save this tab (Ctrl+S)"))
        self.save_button.setEnabled(can_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row, 1)
        layout.addLayout(bar)
        self.load()

    def load(self) -> None:
        """Show the stored list (unsaved edits are dropped)."""
        self.names.blockSignals(True)
        self.names.clear()
        for name in self.services.referrals.services():
            item = QListWidgetItem(name)
            if self.can_edit:
                item.setFlags(_EDITABLE)
            self.names.addItem(item)
        self.names.blockSignals(False)
        self.dirty = False

    def _changed(self, *_args) -> None:
        self.dirty = True

    def add(self) -> None:
        """A new line to type a service's name in."""
        item = QListWidgetItem(_("New service"))
        item.setFlags(_EDITABLE)
        self.names.addItem(item)
        self.names.setCurrentItem(item)
        self.names.editItem(item)
        self.dirty = True

    def remove(self) -> None:
        """Take the chosen service off the list (referrals already made keep theirs)."""
        row = self.names.currentRow()
        if row >= 0:
            self.names.takeItem(row)
            self.dirty = True

    def move(self, step: int) -> None:
        """Move the chosen service up or down (the drop-down shows this order)."""
        row = self.names.currentRow()
        to = row + step
        if row < 0 or not 0 <= to < self.names.count():
            return
        item = self.names.takeItem(row)
        self.names.insertItem(to, item)
        self.names.setCurrentRow(to)
        self.dirty = True

    def save(self) -> bool:
        """Store the list; a message says it was saved, or what is wrong."""
        if not self.can_edit:
            return False
        names = [self.names.item(i).text() for i in range(self.names.count())]
        try:
            write(self, lambda: self.services.referrals.set_services(actor=self.actor,
                                                                     names=names))
        except UserError as exc:
            self.status.setStyleSheet(ERROR_STYLE)
            self.status.setText(exc.message)
            return False
        self.load()
        self._announce("setting")
        self.status.setStyleSheet(OK_STYLE)
        self.status.setText(saved_now())
        return True
