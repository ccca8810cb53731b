"""The officers tab of the settings page: the roster table and adding, editing,
deactivating and reactivating an officer.
"""

from __future__ import annotations


from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QLabel, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from ..errors import UserError
from ..i18n import _
from ..services.settings import OfficerDTO
from .operations import write
from .settings_parts import HINT_STYLE, OfficerDialog, OfficerTableModel, ReasonDialog


class OfficerActions:
    """The officers part of :class:`~.settings_page.SettingsPage` (it uses the page's
    state through ``self`` and never imports it)."""

    def _build_officers_tab(self) -> QWidget:
        self.officer_model = OfficerTableModel(self)
        self.officer_table = QTableView()
        self.officer_table.setModel(self.officer_model)
        self.officer_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.officer_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.officer_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.officer_table.setAlternatingRowColors(True)
        self.officer_table.verticalHeader().setVisible(False)
        self.officer_table.horizontalHeader().setStretchLastSection(False)
        self.officer_table.horizontalHeader().setHighlightSections(False)
        self.officer_table.doubleClicked.connect(lambda _i: self.edit_officer())
        self.officer_table.selectionModel().selectionChanged.connect(
            lambda *_a: self._update_officer_buttons())

        self.add_officer_button = QPushButton(_("Add…"))
        self.add_officer_button.clicked.connect(self.add_officer)
        self.edit_officer_button = QPushButton(_("Edit…"))
        self.edit_officer_button.clicked.connect(self.edit_officer)
        self.deactivate_officer_button = QPushButton(_("Deactivate…"))
        self.deactivate_officer_button.clicked.connect(self.deactivate_officer)
        self.reactivate_officer_button = QPushButton(_("Reactivate"))
        self.reactivate_officer_button.clicked.connect(self.reactivate_officer)
        buttons = QHBoxLayout()
        for button in (self.add_officer_button, self.edit_officer_button,
                       self.deactivate_officer_button, self.reactivate_officer_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        hint = QLabel(_("TKSK, PSM, pendamping and kader who work with the Puskesos. A change "
                        "is saved as soon as you confirm its dialog; officers who leave are "
                        "deactivated, not deleted."))
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self.officers_status = self._status_label()
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(hint)
        layout.addWidget(self.officer_table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.officers_status)
        return tab

    def _load_officers(self) -> None:
        selected = self.selected_officer()
        self.officer_model.set_rows(self.services.officers.roster(include_inactive=True,
                                                                  actor=self.actor))
        self._size_officer_columns()
        if selected is not None:
            self.select_officer(selected.id)
        self._update_officer_buttons()

    def _size_officer_columns(self) -> None:
        """Fit the columns to their text, with room to breathe and sensible minimums."""
        self.officer_table.resizeColumnsToContents()
        em = self.fontMetrics().horizontalAdvance("M")
        for column, minimum in enumerate((18 * em, 14 * em, 11 * em, 14 * em, 6 * em)):
            width = self.officer_table.columnWidth(column) + 2 * em
            self.officer_table.setColumnWidth(column, max(width, minimum))

    # ------------------------------------------------------------ officers
    def selected_officer(self) -> OfficerDTO | None:
        rows = self.officer_table.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        return self.officer_model.row_at(row) if row < self.officer_model.rowCount() else None

    def select_officer(self, officer_id: str) -> bool:
        row = self.officer_model.row_of(officer_id)
        if row < 0:
            return False
        self.officer_table.selectRow(row)
        return True

    def _update_officer_buttons(self) -> None:
        officer = self.selected_officer()
        self.edit_officer_button.setEnabled(self.can_edit and officer is not None)
        self.deactivate_officer_button.setEnabled(
            self.can_edit and officer is not None and officer.active)
        self.reactivate_officer_button.setEnabled(
            self.can_edit and officer is not None and not officer.active)

    def _officer_changed(self, officer: OfficerDTO | None, message: str) -> None:
        if officer is None:
            return
        self._announce("officer", [officer.id])
        self._load_officers()
        self.select_officer(officer.id)
        self._status(self.officers_status, message)

    def add_officer(self) -> QDialog | None:
        if not self.can_edit:
            return None
        dialog = OfficerDialog(self.services, self.actor, None, self)
        return self._open(dialog, lambda: self._officer_changed(
            dialog.result_officer, _("{name} is added.").format(
                name=dialog.result_officer.name if dialog.result_officer else "")))

    def edit_officer(self) -> QDialog | None:
        officer = self.selected_officer()
        if not self.can_edit or officer is None:
            return None
        dialog = OfficerDialog(self.services, self.actor, officer, self)
        return self._open(dialog, lambda: self._officer_changed(
            dialog.result_officer, _("Changes to {name} are saved.").format(
                name=dialog.result_officer.name if dialog.result_officer else "")))

    def deactivate_officer(self) -> QDialog | None:
        officer = self.selected_officer()
        if not self.can_edit or officer is None or not officer.active:
            return None
        done: list[OfficerDTO] = []

        def submit(reason: str) -> None:
            done.append(self.services.officers.deactivate(
                actor=self.actor, officer_id=officer.id, reason=reason))

        dialog = ReasonDialog(
            _("Deactivate officer"),
            _("{name} will no longer be offered as an officer; the history stays. Why?")
            .format(name=officer.name), _("Deactivate"), submit, self)
        return self._open(dialog, lambda: self._officer_changed(
            done[0] if done else None, _("{name} is deactivated.").format(name=officer.name)))

    def reactivate_officer(self) -> bool:
        officer = self.selected_officer()
        if not self.can_edit or officer is None or officer.active:
            return False
        try:
            result = write(self, lambda: self.services.officers.reactivate(
                actor=self.actor, officer_id=officer.id))
        except UserError as exc:
            self._status(self.officers_status, exc.message, error=True)
            return False
        self._officer_changed(result, _("{name} is active again.").format(name=result.name))
        return True
