"""The letter register (numbers per type and year) and the print log."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox,
                               QFormLayout, QHBoxLayout, QInputDialog, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QTableView, QTabWidget, QVBoxLayout,
                               QWidget)

from ..core.bahasa import short_datetime
from ..core.codes import LetterStatus
from ..core.permissions import Permission
from ..errors import UserError
from ..i18n import _
from .jobs import show_error
from .operations import write
from .table_model import DtoTableModel
from .widgets import dialog_buttons, fit_size


def _local(when) -> str:
    return short_datetime(when)


class ExternalLetterDialog(QDialog):
    """Record the number of a letter typed outside the program."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Letter made outside the program"))
        self.number = QSpinBox()
        self.number.setRange(1, 99999)
        self.text = QLineEdit()
        self.text.setPlaceholderText("460/015/35.23.01.2001/XI/2026")
        self.subject = QLineEdit()
        form = QFormLayout(self)
        form.addRow(_("Sequence number"), self.number)
        form.addRow(_("Number as written on the letter"), self.text)
        form.addRow(_("Subject"), self.subject)
        buttons = dialog_buttons(QDialogButtonBox.StandardButton.Save,
                                 QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class LetterRegisterDialog(QDialog):
    def __init__(self, services, actor, parent=None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.setWindowTitle(_("Letter register"))
        self.kind = QComboBox()
        for key, config in services.letters.letter_types().items():
            self.kind.addItem(config.get("name", key), key)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.model = DtoTableModel([
            (_("No."), lambda r: r.number), (_("Letter number"), lambda r: r.text),
            (_("Date"), lambda r: _local(r.issued_at)),
            (_("Status"), lambda r: _("void: {reason}").format(reason=r.void_reason)
             if r.status == LetterStatus.VOID.value else (_("outside the program") if r.external
                                         else _("issued")))])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.gaps = QLabel()
        self.void_button = QPushButton(_("&Void…"))
        self.void_button.clicked.connect(lambda: self.void())
        self.external_button = QPushButton(_("Record a letter made &outside…"))
        self.external_button.clicked.connect(lambda: self.record_external())
        can_edit = actor.can(Permission.EDIT_REGISTRY)
        self.void_button.setEnabled(can_edit)
        self.external_button.setEnabled(can_edit)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Letter type")))
        top.addWidget(self.kind, 1)
        top.addWidget(QLabel(_("Year")))
        top.addWidget(self.year)
        actions = QHBoxLayout()
        actions.addWidget(self.gaps, 1)
        actions.addWidget(self.void_button)
        actions.addWidget(self.external_button)
        register = QWidget()
        box = QVBoxLayout(register)
        box.addLayout(top)
        box.addWidget(self.table, 1)
        box.addLayout(actions)
        self.log_model = DtoTableModel([
            (_("When"), lambda r: _local(r.printed_at)), (_("Document"), lambda r: r.title),
            (_("Reference"), lambda r: r.reference or ""), (_("Pages"), lambda r: r.pages),
            (_("By"), lambda r: r.actor)])
        log_view = QTableView()
        log_view.setModel(self.log_model)
        log_view.horizontalHeader().setStretchLastSection(True)
        log_view.verticalHeader().setVisible(False)
        tabs = QTabWidget()
        tabs.addTab(register, _("Letter register"))
        tabs.addTab(log_view, _("Print log"))
        close = dialog_buttons(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(close)
        fit_size(self, 900, 560)
        self.refresh()

    def refresh(self) -> None:
        kind, year = self.kind.currentData(), self.year.value()
        self.model.set_rows(self.services.letters.register(letter_type=kind, year=year,
                                                           actor=self.actor))
        gaps = self.services.letters.gaps(letter_type=kind, year=year, actor=self.actor)
        self.gaps.setText(_("No gaps in the numbering.") if not gaps else
                          _("Missing numbers: {numbers}").format(
                              numbers=", ".join(map(str, gaps))))
        self.log_model.set_rows(self.services.documents.print_log(actor=self.actor))

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def void(self, reason: str | None = None) -> None:
        letter = self.selected()
        if letter is None:
            show_error(self, UserError(_("Choose a letter in the list.")))
            return
        if reason is None:
            reason, ok = QInputDialog.getText(
                self, _("Void"), _("Why is letter {number} void? The number stays in the "
                                   "register with this reason.").format(number=letter.text))
            if not ok:
                return
        try:
            write(self, lambda: self.services.letters.void(actor=self.actor, letter_id=letter.id,
                                                       reason=reason))
        except UserError as exc:
            show_error(self, exc)
        self.refresh()

    def record_external(self, values: tuple[int, str, str] | None = None) -> None:
        if values is None:
            dialog = ExternalLetterDialog(self)
            dialog.number.setValue(len(self.model._rows) + 1)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            values = (dialog.number.value(), dialog.text.text(), dialog.subject.text())
        number, text, subject = values
        try:
            kind, year = self.kind.currentData(), self.year.value()
            write(self, lambda: self.services.letters.record_external(
                actor=self.actor, letter_type=kind, year=year, number=number,
                number_text=text, subject=subject or None))
        except UserError as exc:
            show_error(self, exc)
        self.refresh()
