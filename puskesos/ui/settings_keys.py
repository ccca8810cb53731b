"""Settings → "Exchange keys" (issue 16): this office's fingerprint in big digits, its
identity file saved for the other office, an identity file trusted after the
fingerprint is compared over the phone, and the offices trusted, each revocable.

Everything goes through ``services.keys`` (which checks the role again); the writes
run on the writer thread (``operations.write``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QGroupBox, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QMessageBox, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.bahasa import short_datetime
from ..core.permissions import Permission
from ..errors import UserError
from ..files import safe_name
from ..i18n import _
from ..services.exchange import KeysMissing
from .jobs import show_error
from .operations import write
from .settings_parts import ERROR_STYLE, OK_STYLE
from .widgets import save_path

def _columns() -> list[str]:
    """The peers table's column titles."""
    return [_("Code"), _("Kind"), _("Name"), _("Fingerprint"), _("Trusted since"),
            _("Status")]


class ExchangeKeysTab(QWidget):
    """This office's identity and the offices it trusts (see the module's note)."""

    def __init__(self, services, actor, announce, parent=None):
        super().__init__(parent)
        self.services, self.actor, self._announce = services, actor, announce
        self.can_manage = actor.can(Permission.MANAGE_KEYS)
        self.can_see = actor.can(Permission.EXCHANGE)
        intro = QLabel(_("The exchange bundles between the village and the kabupaten are "
                         "signed and encrypted with these keys. Give this office's identity "
                         "file to the other office, and trust its file only after you have "
                         "read the fingerprints to each other over the phone."))
        intro.setWordWrap(True)

        self.office = QLabel()
        self.office.setWordWrap(True)
        self.fingerprint = QLabel()
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.fingerprint.setFont(font)
        self.save_button = QPushButton(_("Save identity…"))
        self.save_button.clicked.connect(self.save_identity)
        own = QGroupBox(_("This office"))
        own_box = QVBoxLayout(own)
        own_box.addWidget(self.office)
        own_box.addWidget(self.fingerprint)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        own_box.addLayout(row)

        self.table = QTableWidget(0, len(_columns()))
        self.table.setHorizontalHeaderLabels(_columns())
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        for column in range(len(_columns())):      # the name gives way, the rest is whole
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.trust_button = QPushButton(_("Trust identity…"))
        self.revoke_button = QPushButton(_("Revoke…"))
        self.trust_button.clicked.connect(self.trust_identity)
        self.revoke_button.clicked.connect(self.revoke)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.status = QLabel()
        self.status.setWordWrap(True)
        peers = QGroupBox(_("Trusted offices"))
        peers_box = QVBoxLayout(peers)
        peers_box.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.trust_button)
        buttons.addWidget(self.revoke_button)
        peers_box.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(own)
        layout.addWidget(peers, 1)
        self.trust_button.setEnabled(self.can_manage)
        self.save_button.setEnabled(self.can_see)
        self._peers: list = []
        self.load()

    # ------------------------------------------------------------ showing
    def load(self) -> None:
        """Show this office's identity and the offices it trusts as stored."""
        office = self.services.settings.office()
        self.office.setText(_("{kind} {code}: {name}. Its fingerprint:").format(
            kind=office.kind_label, code=office.code, name=office.name))
        try:
            own = self.services.keys.own_identity()
            self.fingerprint.setText(own.fingerprint)
        except KeysMissing:
            self.fingerprint.setText(_("(no keys yet: an administrator makes them by saving "
                                       "the identity)"))
        self._peers = self.services.keys.peers(actor=self.actor) if self.can_see else []
        self.table.setRowCount(len(self._peers))
        for row, peer in enumerate(self._peers):
            values = (peer.code, peer.kind_label, peer.name, peer.fingerprint,
                      short_datetime(peer.trusted_at),
                      _("Revoked") if peer.revoked else _("Trusted"))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip((peer.revoked_reason or peer.reason or "") if column == 5
                                else value)
                self.table.setItem(row, column, item)
        self._selection_changed()

    def _selection_changed(self) -> None:
        peer = self.selected()
        self.revoke_button.setEnabled(self.can_manage and peer is not None
                                      and not peer.revoked)

    def selected(self):
        """The trusted office chosen in the list, or None."""
        rows = self.table.selectionModel().selectedRows()
        return self._peers[rows[0].row()] if rows else None

    def _said(self, text: str, ok: bool = True) -> None:
        self.status.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.status.setText(text)

    # ------------------------------------------------------------ actions
    def save_identity(self) -> None:
        """Save this office's identity file where the user chooses (a USB stick), made
        first by an administrator when the office has no keys yet."""
        office = self.services.settings.office()
        name = safe_name(_("identity"), office.code.replace(".", "")) + ".json"
        chosen, _filter = QFileDialog.getSaveFileName(
            self, _("Save identity"), save_path(name), _("Identity file (*.json)"))
        if not chosen:
            return
        try:
            own = write(self, lambda: self.services.keys.export_identity(actor=self.actor,
                                                                         path=Path(chosen)))
        except UserError as exc:
            show_error(self, exc)
            return
        self.load()
        QMessageBox.information(
            self, _("Identity saved"),
            _("The identity of {name} is saved in\n{file}\n\nGive it to the other office. "
              "When it calls, read it this fingerprint:\n{fingerprint}").format(
                  name=own.name, file=chosen, fingerprint=own.fingerprint))
        self._said(_("Identity saved in {file}.").format(file=chosen))

    def trust_identity(self) -> None:
        """Open another office's identity file, show who it is and its fingerprint, and
        trust it once the operator says the fingerprint read over the phone is the same."""
        chosen, _filter = QFileDialog.getOpenFileName(
            self, _("Trust identity"), str(Path(save_path("x")).parent),
            _("Identity file (*.json);;All files (*)"))
        if not chosen:
            return
        try:
            card = self.services.keys.read_identity(actor=self.actor, path=Path(chosen))
        except UserError as exc:
            show_error(self, exc)
            return
        text = _("{kind} {code}\n{name}\n\nFingerprint:\n{fingerprint}\n\n{standing}\n\n"
                 "Call the office and ask it to read its fingerprint aloud. Is it exactly "
                 "the same as the one above?").format(
                     kind=card.kind_label, code=card.code, name=card.name,
                     fingerprint=card.fingerprint, standing=card.standing_label)
        box = QMessageBox(QMessageBox.Icon.Question, _("Trust identity"), text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        if box.exec() != QMessageBox.StandardButton.Yes:
            self._said(_("Not trusted."), ok=False)
            return
        reason = None
        if card.needs_reason:
            reason, ok = QInputDialog.getText(
                self, _("Trust identity"),
                _("{standing}. Why is it to be trusted? (the administrator's reason)")
                .format(standing=card.standing_label))
            if not ok or not reason.strip():
                self._said(_("Not trusted."), ok=False)
                return
        try:
            peer = write(self, lambda: self.services.keys.trust(
                actor=self.actor, path=Path(chosen), fingerprint=card.fingerprint,
                reason=reason))
        except UserError as exc:
            show_error(self, exc)
            return
        self.load()
        self._announce("setting")
        self._said(_("{name} ({code}) is trusted.").format(name=peer.name, code=peer.code))

    def revoke(self) -> None:
        """Stop trusting the chosen office, with a reason: its bundles are refused."""
        peer = self.selected()
        if peer is None:
            return
        reason, ok = QInputDialog.getText(
            self, _("Revoke"), _("Why is {name} ({code}) no longer trusted? Its bundles will "
                                 "be refused.").format(name=peer.name, code=peer.code))
        if not ok:
            return
        try:
            write(self, lambda: self.services.keys.revoke(actor=self.actor, code=peer.code,
                                                          reason=reason))
        except UserError as exc:
            show_error(self, exc)
            return
        self.load()
        self._announce("setting")
        self._said(_("The trust of {name} ({code}) is revoked.").format(name=peer.name,
                                                                       code=peer.code))
