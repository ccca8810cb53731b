"""Settings: the services a referral can go to (the Rujukan page offers them in
"Rujuk…"; another one can still be typed there for a single referral)."""

from __future__ import annotations

from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from ..core.permissions import Permission
from ..errors import UserError
from ..i18n import _
from .operations import write
from .settings_parts import ERROR_STYLE, OK_STYLE
from .widgets import saved_now


class ReferralServicesTab(QWidget):
    """The list of target services, one per line."""

    def __init__(self, services, actor, bus=None, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.can_edit = actor.can(Permission.MANAGE_SETTINGS)
        intro = QLabel(_("The services a referral can go to, one per line, in the order the "
                         "Rujukan page offers them (e.g. Dinas Sosial, Puskesmas, BAZNAS)."))
        intro.setWordWrap(True)
        self.names = QPlainTextEdit()
        self.names.setTabChangesFocus(True)
        self.names.setReadOnly(not self.can_edit)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.save_button = QPushButton(_("Save the services"))
        self.save_button.setToolTip(_("Save this tab (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.save_button.setVisible(self.can_edit)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.names, 1)
        layout.addLayout(bar)
        self.reload()

    def reload(self) -> None:
        self.names.setPlainText("\n".join(self.services.referrals.services()))

    def save(self) -> bool:
        if not self.can_edit:
            return False
        names = self.names.toPlainText().splitlines()
        referrals, actor = self.services.referrals, self.actor
        try:
            kept = write(self, lambda: referrals.set_services(actor=actor, names=names))
        except UserError as exc:
            self.status.setStyleSheet(ERROR_STYLE)
            self.status.setText(exc.message)
            return False
        self.names.setPlainText("\n".join(kept))
        self.status.setStyleSheet(OK_STYLE)
        self.status.setText(saved_now())
        if self.bus is not None:
            self.bus.changed("setting", [])
        return True
