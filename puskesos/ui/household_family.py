"""The family half of the household form: the members table, and the actions
that change a family (a member gone, moved, removed; a family split or merged;
the SKTM), each in one service call after the form is saved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout,
                               QInputDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QVBoxLayout)

from ..core import codes
from ..core.validation import MemberInput, Problem
from ..errors import InvalidInput, UserError
from ..i18n import _
from ..services.registry import HouseholdFilter
from .jobs import show_error
from ..core.bahasa import short_date
from .operations import write
from .widgets import CodeCombo, message_label, show_message


class MembersModel(QAbstractTableModel):
    """Members being edited: (MemberInput, problems) rows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.members: list[MemberInput] = []
        self.problems: dict[int, list[Problem]] = {}
        # short headers (the whole field names are the tooltips): the table fits a
        # 1024-pixel screen beside the buttons
        self._headers = (_("Name"), _("NIK"), _("M/F"), _("Date of birth"),
                         _("Relation"), _("Presence"))
        self._tips = ("", "", _("Sex"), "", _("Relationship to head"), "")

    def set_members(self, members: list[MemberInput], problems: dict[int, list[Problem]]):
        self.beginResetModel()
        self.members = list(members)
        self.problems = problems
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.members)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.members):
            return None
        m = self.members[index.row()]
        problems = self.problems.get(index.row(), [])
        if role == Qt.ItemDataRole.DisplayRole:
            return (m.name, m.nik or "", m.sex, short_date(m.birth_date),
                    codes.Relationship.label_of(m.relationship_code),
                    codes.Presence.label_of(m.presence))[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            if any(p.is_error for p in problems):
                return QBrush(QColor("#b00020"))
            if problems:
                return QBrush(QColor("#8a5a00"))
            if m.presence not in codes.LIVING:
                return QBrush(QColor("#777777"))
        if role == Qt.ItemDataRole.ToolTipRole and problems:
            return "\n".join(p.message for p in problems)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._tips[section] or None
        return None


class HouseholdPicker(QDialog):
    """Find another household by name, NIK or No KK."""

    def __init__(self, services, actor, exclude: str, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self._services, self._actor, self._exclude = services, actor, exclude
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search name, NIK, No KK or address…"))
        self.results = QListWidget()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addWidget(self.buttons)
        self.search.textChanged.connect(self._find)

    def _find(self, text: str) -> None:
        self.results.clear()
        if len(text.strip()) < 2:
            return
        rows, _total = self._services.households.search(
            actor=self._actor, filter=HouseholdFilter(text=text), limit=50)
        for r in rows:
            if r.id == self._exclude:
                continue
            item = QListWidgetItem(f"{r.head_name or _('(no head)')} — {r.no_kk or '-'} — "
                                   f"{r.dusun or ''} RT {r.rt or '-'}/RW {r.rw or '-'}")
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def chosen(self) -> str | None:
        item = self.results.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None


class SplitDialog(QDialog):
    """Pecah KK: tick the members who leave, give each a relationship to the new head."""

    def __init__(self, members: list[MemberInput], parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Split family (pecah KK)"))
        self.setMinimumWidth(620)
        grid = QGridLayout()
        grid.addWidget(QLabel(_("Moves to the new family")), 0, 0)
        grid.addWidget(QLabel(_("Relationship to the new head")), 0, 1)
        self.rows: list[tuple[MemberInput, QCheckBox, CodeCombo]] = []
        for i, m in enumerate(members, start=1):
            check = QCheckBox(m.name)
            combo = CodeCombo(codes.Relationship, required=True)
            combo.set_code(m.relationship_code)
            grid.addWidget(check, i, 0)
            grid.addWidget(combo, i, 1)
            self.rows.append((m, check, combo))
        self.no_kk = QLineEdit()
        self.no_kk.setPlaceholderText(_("16 digits, or leave empty until the new KK is issued"))
        self.reason = QLineEdit()
        self.message = message_label()
        form = QFormLayout()
        form.addRow(_("No KK of the new family"), self.no_kk)
        form.addRow(_("Reason"), self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def selection(self) -> tuple[list[str], dict[str, str]]:
        ids, rel = [], {}
        for m, check, combo in self.rows:
            if check.isChecked() and m.id:
                ids.append(m.id)
                rel[m.id] = combo.code()
        return ids, rel


class FamilyActions:
    """The member and family actions of :class:`~.household_form.HouseholdDialog`
    (a part of it, as services are made of parts: it uses the dialog's state
    through ``self`` and never imports it)."""

    def mark_gone(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        choices = [codes.Presence.MENINGGAL, codes.Presence.PINDAH, codes.Presence.PINDAH_LN,
                   codes.Presence.TIDAK_DITEMUKAN, codes.Presence.TINGGAL]
        label, ok = QInputDialog.getItem(self, _("Died / moved"),
                                         _("What happened to {name}?").format(
                                             name=self.members[row].name),
                                         [c.label for c in choices], 0, False)
        if not ok:
            return
        presence = next(c for c in choices if c.label == label)
        when = None
        if presence is not codes.Presence.TINGGAL:
            text, ok = QInputDialog.getText(self, _("Date"), _("Date (dd-mm-yyyy):"),
                                            text=short_date(date.today()))
            if not ok:
                return
            from .widgets import parse_date
            try:
                when = parse_date(text)
            except ValueError:
                show_error(self, InvalidInput(_("'{text}' is not a date. Type it as "
                                                "dd-mm-yyyy, for example 17-08-1980.")
                                              .format(text=text)))
                return
        note = self.members[row].presence_note
        if presence is not codes.Presence.TINGGAL:
            note, ok = QInputDialog.getText(
                self, _("Died / moved"),
                _("Note (e.g. where to, or the death certificate number):"), text=note or "")
            if not ok:
                return
        self.members[row] = replace(self.members[row], presence=presence.value,
                                    presence_date=when,
                                    presence_note=(note or "").strip() or None)
        self._validate()

    def _ask_reason(self, title: str, prompt: str) -> str | None:
        reason, ok = QInputDialog.getText(self, title, prompt)
        if not ok:
            return None
        if not reason.strip():
            show_error(self, InvalidInput(_("Give a reason for this change.")))
            return None
        return reason.strip()

    def _saved_first(self) -> bool:
        """Family changes act on the stored household: unsaved edits are saved first."""
        if self.household_id is None or self.is_dirty():
            answer = QMessageBox.question(self, _("Save first"),
                                          _("Save your changes to this household first?"))
            if answer != QMessageBox.StandardButton.Yes or not self.save():
                return False
        return True

    def _after_family_change(self, ids: list[str]) -> None:
        self.bus.changed("household", ids)
        self.load()

    def _run(self, fn) -> bool:
        try:
            write(self, fn)
            return True
        except UserError as exc:
            show_error(self, exc)
            return False

    def print_sktm(self, purpose: str | None = None) -> None:
        """A numbered surat keterangan tidak mampu for the chosen member."""
        row = self._selected_row()
        if row is None:
            QMessageBox.information(self, _("Print SKTM"), _("Choose a member in the list."))
            return
        if not self._saved_first():
            return
        member = self.members[row]
        if purpose is None:
            from PySide6.QtWidgets import QInputDialog
            purpose, ok = QInputDialog.getText(
                self, _("Print SKTM"), _("What is the letter for (keperluan)? e.g. "
                                         "school fee relief, hospital treatment"))
            if not ok:
                return
        try:
            document = write(self, lambda: self.services.documents.sktm(
                actor=self.actor, member_id=member.id, purpose=purpose),
                _("Preparing the letter…"))
        except UserError as exc:
            show_error(self, exc)
            return
        from .pdf_preview import PdfPreview
        self.preview = PdfPreview(document, self)
        self.preview.open()

    def remove_member(self) -> None:
        row = self._selected_row()
        if row is None or not self._saved_first():
            return
        member = self.members[row]
        reason = self._ask_reason(_("Remove member"),
                                  _("Why is {name} removed? (Use 'Died / moved' for a death or "
                                    "a move.)").format(name=member.name))
        if reason and self._run(lambda: self.services.households.remove_member(
                actor=self.actor, member_id=member.id, reason=reason)):
            self._after_family_change([self.household_id])

    def move_member(self) -> None:
        row = self._selected_row()
        if row is None or not self._saved_first():
            return
        member = self.members[row]
        picker = HouseholdPicker(self.services, self.actor, self.household_id,
                                 _("Move {name} to…").format(name=member.name), self)
        if picker.exec() != QDialog.DialogCode.Accepted or not picker.chosen():
            return
        labels = [c.label for c in codes.Relationship]
        rel, ok = QInputDialog.getItem(self, _("Relationship"),
                                       _("Relationship to the head of the new household:"),
                                       labels, labels.index(codes.Relationship.LAINNYA.label),
                                       False)
        if not ok:
            return
        code = next(c.value for c in codes.Relationship if c.label == rel)
        reason = self._ask_reason(_("Move member"), _("Reason for the move:"))
        target = picker.chosen()
        if reason and self._run(lambda: self.services.households.move_member(
                actor=self.actor, member_id=member.id, target_household_id=target,
                relationship_code=code, reason=reason)):
            self._after_family_change([self.household_id, target])

    def split_family(self) -> None:
        if not self._saved_first():
            return
        dialog = SplitDialog([m for m in self.members
                              if m.presence in codes.LIVING], self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            ids, rel = dialog.selection()
            try:
                made = write(self, partial(
                    self.services.households.split, actor=self.actor,
                    household_id=self.household_id, member_ids=ids, relationships=rel,
                    reason=dialog.reason.text(), no_kk=dialog.no_kk.text().strip() or None))
            except UserError as exc:
                show_message(dialog.message, exc.message)
                continue
            self._after_family_change([self.household_id, made.id])
            QMessageBox.information(self, _("Split family (pecah KK)"),
                                    _("The new household of {name} was created.").format(
                                        name=made.head.name if made.head else "?"))
            return

    def merge_in(self) -> None:
        if not self._saved_first():
            return
        picker = HouseholdPicker(self.services, self.actor, self.household_id,
                                 _("Merge which household into this one?"), self)
        if picker.exec() != QDialog.DialogCode.Accepted or not picker.chosen():
            return
        source = self.services.households.get(actor=self.actor, household_id=picker.chosen())
        relationships = {m.id: codes.Relationship.LAINNYA.value
                         if m.relationship_code == codes.Relationship.KEPALA.value
                         else m.relationship_code for m in source.members if not m.removed}
        reason = self._ask_reason(_("Merge households"), _("Reason for the merge:"))
        if reason and self._run(lambda: self.services.households.merge(
                actor=self.actor, source_id=source.id, target_id=self.household_id,
                relationships=relationships, reason=reason)):
            self._after_family_change([self.household_id, source.id])
