"""The household form's Programs tab: the programs the family (or one member) receives,
from the recipients' lists (BNBA) or entered here by hand (issue 17 point 1), and a
program ended with why.  Each change is saved at once (it is not part of the form's
Save) and announced on the bus, so the flags follow."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QInputDialog, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from ..core import codes
from ..core.permissions import Permission
from ..errors import InvalidInput, UserError
from ..i18n import _
from .jobs import show_error
from .operations import write
from .widgets import FormDialog, fit_size


class GrantDialog(FormDialog):
    """Enter by hand that the family, or one of its members, receives a program."""

    def __init__(self, services, actor, household_id: str, members, parent=None):
        super().__init__(_("Enter a program by hand"), parent)
        self.services, self.actor, self.household_id = services, actor, household_id
        self.program = QComboBox()
        for p in services.programs.programs():
            if p.active:
                self.program.addItem(f"{p.code} · {p.name}", p.code)
        self.period = QLineEdit(str(date.today().year))
        self.period.setPlaceholderText(_("e.g. 2026, 2026-Q3 or 2026-08"))
        self.who = QComboBox()
        self.who.addItem(_("The whole family"), None)
        for m in members:
            if m.id is not None and m.presence in codes.LIVING:
                self.who.addItem(m.name, m.id)
        self.note = QLineEdit()
        self.note.setPlaceholderText(_("e.g. the letter or list it comes from"))
        self.form.addRow(_("Program"), self.program)
        self.form.addRow(_("Period"), self.period)
        self.form.addRow(_("Given to"), self.who)
        self.form.addRow(_("Note"), self.note)
        self.body.addStretch(1)
        fit_size(self, 560, 300)

    def save(self) -> None:
        self.commit(lambda: self.services.programs.add_participation(
            actor=self.actor, household_id=self.household_id,
            program_code=self.program.currentData(), period=self.period.text(),
            member_id=self.who.currentData(), note=self.note.text().strip() or None))


class ProgramsBox(QWidget):
    """The programs of one household, with Enter by hand… and End…."""

    def __init__(self, services, actor, bus, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.household_id: str | None = None
        self.members: list = []
        #: the form may change the household (a removed one, or a role that reads only:
        #: no buttons)
        self.editable = actor.can(Permission.EDIT_REGISTRY)
        self.list = QListWidget()
        # said instead of a blank list: none yet, and how one is recorded
        self.empty = QLabel(_(
            "This household takes part in no aid program yet. A program is recorded by "
            "importing its recipient list (BNBA): press Import… on the household list and "
            "choose the program's recipient list under \"What the file holds\"; or enter "
            "it here by hand."))
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setContentsMargins(8, 8, 8, 8)
        self.add_button = QPushButton(_("Enter by &hand…"))
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.grant())
        self.end_button = QPushButton(_("E&nd…"))
        self.end_button.setAutoDefault(False)
        self.end_button.setToolTip(_("The program stopped for this family (say why)"))
        self.end_button.clicked.connect(lambda: self.end())
        self.list.currentItemChanged.connect(lambda *_a: self._buttons())
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.end_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.show_programs(None, [], [])

    def set_editable(self, editable: bool) -> None:
        self.editable = editable and self.actor.can(Permission.EDIT_REGISTRY)
        self.add_button.setVisible(self.editable)
        self.end_button.setVisible(self.editable)
        self._buttons()

    def _buttons(self) -> None:
        may = self.household_id is not None and self.editable
        self.add_button.setEnabled(may)
        item = self.list.currentItem()
        self.end_button.setEnabled(may and item is not None and item.data(
            Qt.ItemDataRole.UserRole + 1) == codes.ParticipationStatus.AKTIF.value)

    def show_programs(self, household_id: str | None, programs, members) -> None:
        """Show ``programs`` (ParticipationDTO) of the household, its members named."""
        self.household_id, self.members = household_id, list(members)
        names = {p.code: p.name for p in self.services.programs.programs()}
        self.list.clear()
        for p in programs:
            member = next((m.name for m in self.members if m.id == p.member_id), "")
            item = QListWidgetItem(
                f"{names.get(p.program_code, p.program_code)} · {p.period} · "
                f"{codes.ParticipationStatus.label_of(p.status)}"
                + (f" · {member}" if member else ""))
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, p.status)
            self.list.addItem(item)
        self.list.setVisible(bool(programs))
        self.empty.setVisible(not programs)
        self._buttons()

    def reload(self) -> None:
        dto = self.services.households.get(actor=self.actor, household_id=self.household_id)
        self.show_programs(dto.id, dto.programs, dto.members)
        self.bus.changed("household", [dto.id])

    def grant(self) -> bool:
        if self.household_id is None:
            return False
        dialog = GrantDialog(self.services, self.actor, self.household_id, self.members, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.reload()
        return True

    def end(self, reason: str | None = None) -> bool:
        item = self.list.currentItem()
        if item is None:
            return False
        if reason is None:
            reason, ok = QInputDialog.getText(
                self, _("End the program"),
                _("{program}\nWhy did it stop? (kept in the history)").format(
                    program=item.text()), QLineEdit.EchoMode.Normal, "")
            if not ok:
                return False
        if not reason.strip():
            show_error(self, InvalidInput(_("Say why the program stopped.")))
            return False
        try:
            write(self, lambda: self.services.programs.end_participation(
                actor=self.actor, participation_id=item.data(Qt.ItemDataRole.UserRole),
                reason=reason.strip()))
        except UserError as exc:
            show_error(self, exc)
            return False
        self.reload()
        return True


__all__ = ["GrantDialog", "ProgramsBox"]
