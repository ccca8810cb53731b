"""The dialogs of the verval page: a new cycle, a visit result, the corrections
waiting for approval, and the musdes.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog,
                               QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QPushButton,
                               QRadioButton, QTableView, QTableWidget, QTableWidgetItem,
                               QVBoxLayout)

from ..core.codes import (LIVING, MusdesDecision, Relationship, VervalMemberResult,
                          VervalResult)
from ..core.bahasa import short_date
from ..core.labels import HOUSEHOLD_LABELS, MEMBER_LABELS, value_label
from ..core.normalize import sex_cell
from ..core.permissions import Permission
from ..errors import InvalidInput, UserError
from ..i18n import _
from ..services.registry import HouseholdFilter
from ..services.verval import (CORRECTABLE_HOUSEHOLD, CORRECTABLE_MEMBER, Attendee,
                               Correction, MemberFinding)
from .jobs import show_error
from .operations import write
from .sticker_dialogs import show_record, signal_note, signal_record, signal_text
from .table_model import DtoTableModel
from .widgets import CodeCombo, DateEdit, dialog_buttons, fit_size, parse_date, read_only_view


def _area(row) -> str:
    return f"{row.dusun or '-'} · RW {row.rw or '-'} · RT {row.rt or '-'}"


def labelling_row(dialog, services, actor, signal, *, bus=None, preview=None) -> QHBoxLayout:
    """Why the labelling sent a household to verval, and a button for its record."""
    row = QHBoxLayout()
    text = QLabel(signal_record(signal))
    text.setWordWrap(True)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    button = QPushButton(_("Sticker &record…"))
    button.clicked.connect(lambda: show_record(dialog, services, actor, signal, bus=bus,
                                               preview=preview))
    dialog.record_button = button
    row.addWidget(text, 1)
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    return row


def _value(proposal, value: str | None) -> str:
    """A proposal's stored or proposed value as a person reads it."""
    return value_label(proposal.target, proposal.field, value) if value else "-"


def entry_cycle(services, entry, actor) -> str:
    return services.verval.cycle_of_entry(entry.id, actor=actor)


class NewCycleDialog(QDialog):
    """Name, period, deadline and which households the cycle takes."""

    def __init__(self, services, parent=None, list_filter: HouseholdFilter | None = None):
        super().__init__(parent)
        self.services = services
        self.list_filter = list_filter
        self.setWindowTitle(_("New verval cycle"))
        today = date.today()
        half = 1 if today.month <= 6 else 2
        self.name = QLineEdit(_("Verval DTSEN Semester {half} {year}").format(
            half="I" if half == 1 else "II", year=today.year))
        self.period = QLineEdit(f"{today.year}-S{half}")
        self.deadline = DateEdit()
        self.all = QRadioButton(_("All households of the village"))
        self.target = QRadioButton(_("Households in desil 1–4 (aid target)"))
        self.shown = QRadioButton(_("The households shown in the household list (its "
                                    "current search and filters)"))
        self.shown.setEnabled(list_filter is not None and list_filter != HouseholdFilter())
        self.prelist = QRadioButton(_("A prelist: No KK, NIK or DTSEN ID, one per line"))
        self.target.setChecked(True)
        self.ids = QPlainTextEdit()
        self.ids.setPlaceholderText(_("Paste the column from the kabupaten's spreadsheet, or "
                                      "read it from a file."))
        self.ids.setEnabled(False)
        self.from_file = QPushButton(_("Read from a spreadsheet…"))
        self.from_file.setEnabled(False)
        self.from_file.clicked.connect(self._read_file)
        self.prelist.toggled.connect(self.ids.setEnabled)
        self.prelist.toggled.connect(self.from_file.setEnabled)
        form = QFormLayout()
        form.addRow(_("Name"), self.name)
        form.addRow(_("Period"), self.period)
        form.addRow(_("Deadline (dd-mm-yyyy)"), self.deadline)
        buttons = dialog_buttons(QDialogButtonBox.StandardButton.Ok,
                                 QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Households to verify")))
        for widget in (self.all, self.target, self.shown, self.prelist, self.ids,
                       self.from_file):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        fit_size(self, 560, 480)

    def _read_file(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("Prelist"), str(Path.home()),
                                               _("Spreadsheets (*.xlsx *.xls *.ods *.csv)"))
        if path:
            try:
                found = self.services.verval.identifiers_from_file(Path(path))
            except UserError as exc:
                show_error(self, exc)
                return
            self.ids.setPlainText("\n".join(found))

    def selection(self) -> tuple[str, list[str]]:
        if self.all.isChecked():
            return "all", []
        if self.target.isChecked():
            return "target", []
        if self.shown.isChecked():
            return "shown", []
        return "prelist", [line.strip() for line in self.ids.toPlainText().splitlines()
                           if line.strip()]


class ResultDialog(QDialog):
    """What the officer found at the visit: result, members, corrections."""

    def __init__(self, services, actor, entry, parent=None, *, signal=None, bus=None,
                 preview=None, read_only: str | None = None):
        super().__init__(parent)
        self.services, self.actor, self.entry = services, actor, entry
        self.household = services.households.get(actor=actor, household_id=entry.household_id)
        self.setWindowTitle(_("Visit result — {name}").format(name=entry.head_name or "-"))
        self.result = CodeCombo(VervalResult, required=False)
        self.result.set_code(entry.result)
        self.officer = QComboBox()
        self.officer.addItem(_("(not filled in)"), None)
        for o in services.officers.roster(actor=actor):
            self.officer.addItem(o.name, o.id)
        if entry.officer_id:
            self.officer.setCurrentIndex(max(self.officer.findData(entry.officer_id), 0))
        self.visited = DateEdit()
        self.visited.setText(short_date(entry.visited_on or date.today()))
        self.note = QLineEdit(entry.note or "")
        form = QFormLayout()
        form.addRow(_("Household"), QLabel(f"{entry.head_name or '-'} · {entry.no_kk or '-'} · "
                                           f"{_area(entry)}"))
        labelling = None
        if signal is not None:      # the labelling sent it here: why, and its record
            labelling = labelling_row(self, services, actor, signal, bus=bus,
                                      preview=preview)
            form.addRow(_("Labelling"), labelling)
        form.addRow(_("Result"), self.result)
        form.addRow(_("Officer"), self.officer)
        form.addRow(_("Visit date (dd-mm-yyyy)"), self.visited)
        form.addRow(_("Note"), self.note)

        findings = services.verval.member_findings(entry.id, actor=actor)
        found = {f.member_id: f for f in findings}
        # residents, and anyone this visit already has a finding for (e.g. marked moved)
        self.members = [m for m in self.household.members if not m.removed
                        and (m.presence in LIVING or m.id in found)]
        self.member_table = QTableWidget(0, 6)
        self.member_table.setHorizontalHeaderLabels([
            _("Name"), _("NIK"), _("Sex (L/P)"), _("Born (dd-mm-yyyy)"), _("Relationship"),
            _("Found at the visit")])
        header = self.member_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Fixed)
        self.member_table.setColumnWidth(4, 160)
        self.member_table.setColumnWidth(5, 215)
        for m in self.members:
            finding = found.get(m.id)
            self._member_row(m.name, m.nik or "", finding.result if finding else "1", m.id,
                             finding.note if finding else None, sex=m.sex,
                             born=m.birth_date, relationship=m.relationship_code)
        for f in findings:
            if f.member_id is None:  # new members written on the form
                self._member_row(f.name or "", f.nik or "", f.result, None, f.note,
                                 sex=f.sex, born=f.birth_date,
                                 relationship=f.relationship_code)
        add_member = QPushButton(_("Add a new member"))
        add_member.setToolTip(_("A person living in the family who is not in the registry: "
                                "the coordinator adds them when approving."))
        add_member.clicked.connect(lambda: self._member_row("", "", "5", None))

        self.corrections = QTableWidget(0, 3)
        self.corrections.setHorizontalHeaderLabels([_("For"), _("Field"), _("Correct value")])
        self.corrections.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        self.corrections.setColumnWidth(0, 220)
        self.corrections.setColumnWidth(1, 240)
        add_correction = QPushButton(_("Add a correction"))
        add_correction.clicked.connect(lambda: self.add_correction())
        # corrections still waiting for the coordinator are shown, so saving again keeps them
        for p in services.verval.proposals(cycle_id=entry_cycle(services, entry, actor),
                                           actor=actor, entry_id=entry.id):
            if p.target in ("household", "member") and p.field != "presence":
                self.add_correction(p.target_id, p.field, p.new_value or "")
        buttons = dialog_buttons(QDialogButtonBox.StandardButton.Save,
                                 QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Members")))
        layout.addWidget(self.member_table)
        layout.addWidget(add_member, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel(_("Corrections (the coordinator approves them before the "
                                  "registry changes)")))
        layout.addWidget(self.corrections)
        layout.addWidget(add_correction, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(buttons)
        fit_size(self, 1040, 700)
        if read_only:               # the sticker record still opens
            read_only_view(self, buttons, read_only, keep=tuple(
                labelling.findChildren(QPushButton)) if labelling else ())

    def _member_row(self, name: str, nik: str, result: str, member_id: str | None,
                    note: str | None = None, *, sex: str | None = None,
                    born: date | None = None, relationship: str | None = None) -> None:
        """A stored member (its details shown, not editable here) or a new one (name,
        NIK, sex, date of birth and relationship typed at the visit)."""
        row = self.member_table.rowCount()
        self.member_table.insertRow(row)
        name_item = QTableWidgetItem(name)
        name_item.setData(Qt.ItemDataRole.UserRole, member_id)
        name_item.setData(Qt.ItemDataRole.UserRole + 1, note)  # kept when saved again
        nik_item = QTableWidgetItem(nik)
        sex_item = QTableWidgetItem(sex or "")
        born_item = QTableWidgetItem(short_date(born) if born else "")
        for column, item in enumerate((name_item, nik_item, sex_item, born_item)):
            if member_id is not None:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.member_table.setItem(row, column, item)
        if member_id is None:
            kin = CodeCombo(Relationship, required=False)
            kin.set_code(relationship)
            self.member_table.setCellWidget(row, 4, kin)
        else:
            label = QTableWidgetItem(Relationship.label_of(relationship) if relationship
                                     else "")
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.member_table.setItem(row, 4, label)
        combo = CodeCombo(VervalMemberResult, required=True)
        combo.set_code(result)
        self.member_table.setCellWidget(row, 5, combo)

    def add_correction(self, target: str | None = None, field: str | None = None,
                       value: str = "") -> None:
        row = self.corrections.rowCount()
        self.corrections.insertRow(row)
        who = QComboBox()
        who.addItem(_("Household"), ("household", self.household.id))
        for m in self.members:
            who.addItem(m.name, ("member", m.id))
        what = QComboBox()

        def fill_fields() -> None:
            kind = who.currentData()[0]
            names = CORRECTABLE_HOUSEHOLD if kind == "household" else CORRECTABLE_MEMBER
            labels = HOUSEHOLD_LABELS if kind == "household" else MEMBER_LABELS
            what.clear()
            for name in names:
                what.addItem(_(labels.get(name, name)), name)

        who.currentIndexChanged.connect(fill_fields)
        fill_fields()
        if target:
            who.setCurrentIndex(max(0, next((i for i in range(who.count())
                                             if who.itemData(i)[1] == target), 0)))
        if field:
            what.setCurrentIndex(max(what.findData(field), 0))
        self.corrections.setCellWidget(row, 0, who)
        self.corrections.setCellWidget(row, 1, what)
        self.corrections.setItem(row, 2, QTableWidgetItem(value))

    def findings(self) -> list[MemberFinding]:
        """The members table as findings (raises InvalidInput for an unreadable sex
        or date of a new member)."""
        out = []
        table = self.member_table
        for row in range(table.rowCount()):
            name_item = table.item(row, 0)
            member_id = name_item.data(Qt.ItemDataRole.UserRole)
            result = table.cellWidget(row, 5).code()
            nik_item = table.item(row, 1)
            finding = MemberFinding(result, member_id, name_item.text(),
                                    nik_item.text() if nik_item else None,
                                    name_item.data(Qt.ItemDataRole.UserRole + 1))
            if member_id is None:
                name = name_item.text().strip() or "-"
                sex, error = sex_cell(table.item(row, 2).text())
                if error:
                    raise InvalidInput(_("New member {name}: write the sex as L or P.")
                                       .format(name=name))
                born_text = table.item(row, 3).text().strip()
                try:
                    born = parse_date(born_text) if born_text else None
                except ValueError:
                    raise InvalidInput(_("New member {name}: write the date of birth as "
                                         "dd-mm-yyyy.").format(name=name)) from None
                finding = dataclasses.replace(finding, sex=sex, birth_date=born,
                                              relationship_code=table.cellWidget(row, 4).code())
            out.append(finding)
        return out

    def correction_list(self) -> list[Correction]:
        out = []
        for row in range(self.corrections.rowCount()):
            kind, target_id = self.corrections.cellWidget(row, 0).currentData()
            field = self.corrections.cellWidget(row, 1).currentData()
            item = self.corrections.item(row, 2)
            value = item.text().strip() if item else ""
            if value:
                out.append(Correction(kind, target_id, field, value))
        return out

    def save(self) -> None:
        try:
            visited = parse_date(self.visited.text())
        except ValueError:
            show_error(self, InvalidInput(_("Write the visit date as dd-mm-yyyy.")))
            return
        try:
            findings, corrections = self.findings(), self.correction_list()
            result, officer, note = (self.result.code() or "", self.officer.currentData(),
                                     self.note.text())
            write(self, lambda: self.services.verval.record_result(
                actor=self.actor, entry_id=self.entry.id, result=result,
                officer_id=officer, visited_on=visited, note=note, members=findings,
                corrections=corrections, expected_version=self.entry.version))
        except UserError as exc:
            show_error(self, exc)
            return
        self.accept()


class ProposalsDialog(QDialog):
    """Corrections waiting for the coordinator: approve or reject."""

    def __init__(self, services, actor, cycle_id: str, parent=None, *,
                 read_only: str | None = None):
        super().__init__(parent)
        self.services, self.actor, self.cycle_id = services, actor, cycle_id
        self.setWindowTitle(_("Proposed corrections"))
        self.model = DtoTableModel([
            (_("Head of family"), lambda p: p.head_name or ""),
            (_("For"), lambda p: p.target_name), (_("Field"), lambda p: p.field_label),
            # a code as its label: "Tinggal bersama keluarga", not "1"
            (_("Stored value"), lambda p: _value(p, p.old_value)),
            (_("Proposed value"), lambda p: _value(p, p.new_value)),
            (_("Proposed by"), lambda p: p.proposed_by)])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)        # a value is read on one line, not cut in two
        self.approve = QPushButton(_("&Approve"))
        self.reject_button = QPushButton(_("&Reject"))
        self.approve.clicked.connect(lambda: self.decide(True))
        self.reject_button.clicked.connect(lambda: self.decide(False))
        allowed = actor.can(Permission.APPROVE) and not read_only
        for b in (self.approve, self.reject_button):
            b.setEnabled(allowed)
        self.notice = notice = QLabel(read_only or ("" if allowed else _(
            "Only the Puskesos coordinator may approve corrections.")))
        notice.setWordWrap(True)
        close = dialog_buttons(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(notice, 1)
        row.addWidget(self.approve)
        row.addWidget(self.reject_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(close)
        fit_size(self, 900, 480)
        self.refresh()

    def refresh(self) -> None:
        self.model.set_rows(self.services.verval.proposals(cycle_id=self.cycle_id,
                                                           actor=self.actor))
        self.table.resizeColumnsToContents()

    def decide(self, approve: bool) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        for row in rows:
            proposal = self.model.row_at(row)
            try:
                write(self, partial(self.services.verval.decide_proposal, actor=self.actor,
                                    proposal_id=proposal.id, approve=approve))
            except UserError as exc:
                show_error(self, exc)
                break
        self.refresh()


class MusdesDialog(QDialog):
    """Date, place, attendees and the decision per household."""

    def __init__(self, services, actor, cycle_id: str, parent=None, *,
                 read_only: str | None = None):
        super().__init__(parent)
        self.services, self.actor, self.cycle_id = services, actor, cycle_id
        self.setWindowTitle(_("Musdes (village deliberation)"))
        existing = services.verval.musdes(cycle_id, actor=self.actor)
        village = services.settings.village()
        self.held_on = DateEdit()
        self.held_on.setText(short_date(existing.held_on if existing else date.today()))
        self.place = QLineEdit(existing.place if existing else f"Balai {village.title}")
        self.agenda = QLineEdit(existing.agenda or "" if existing else "")
        self.notulen = QLineEdit(existing.notulen or "" if existing else "")
        self.ketua_bpd = QLineEdit(existing.ketua_bpd or "" if existing else "")
        form = QFormLayout()
        form.addRow(_("Date (dd-mm-yyyy)"), self.held_on)
        form.addRow(_("Place"), self.place)
        form.addRow(_("Agenda"), self.agenda)
        form.addRow(_("Minutes taker (notulen)"), self.notulen)
        form.addRow(_("Head of the BPD"), self.ketua_bpd)
        present = {a.name for a in existing.attendees} if existing else set()
        self.roster = QListWidget()
        from ..core.codes import OfficerRole
        people = [(village.kepala_desa, "Kepala Desa", None)] if village.kepala_desa else []
        people += [(o.name, OfficerRole.label_of(o.role), o.id)
                   for o in services.officers.roster(actor=actor)]
        for name, position, officer_id in people:
            item = QListWidgetItem(f"{name} — {position}")
            item.setData(Qt.ItemDataRole.UserRole, Attendee(name, position, officer_id))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if (name in present or not existing)
                               else Qt.CheckState.Unchecked)
            self.roster.addItem(item)
        known = {p[0] for p in people}
        self.others = QPlainTextEdit("\n".join(
            f"{a.name}; {a.position or ''}".rstrip("; ") for a in (existing.attendees
                                                                    if existing else ())
            if a.name not in known))
        self.others.setPlaceholderText(_("Other attendees, one per line: NAME; position"))
        self.decisions = QTableWidget(0, 5)
        self.decisions.setHorizontalHeaderLabels([_("Household"), _("Result"), _("Labelling"),
                                                  _("Decision"), _("Reason / note")])
        self.decisions.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.decisions.setWordWrap(False)
        self.decisions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # the household's name and area stay whole on a 1024-pixel screen; a long note
        # or record is read in its cell's tooltip
        for column, width in ((1, 135), (2, 100), (3, 210), (4, 125)):
            self.decisions.setColumnWidth(column, width)
        #: household id → why the labelling sent it here
        self.signals = services.stickers.for_verval(actor=actor)
        # households are decided on what the visit found: the visited ones (and any
        # decided before), and those the labelling sent here, whose reason is known
        # before a visit; this also keeps the table small in a village-wide cycle
        self.entries = [e for e in services.verval.entries(actor=actor, cycle_id=cycle_id)
                        if e.result or e.decision or e.household_id in self.signals]
        for entry in self.entries:
            row = self.decisions.rowCount()
            self.decisions.insertRow(row)
            household = f"{entry.head_name or '-'} ({_area(entry)})"
            self.decisions.setItem(row, 0, QTableWidgetItem(household))
            self.decisions.item(row, 0).setToolTip(household)
            self.decisions.setItem(row, 1, QTableWidgetItem(
                VervalResult.label_of(entry.result) if entry.result else _("not visited")))
            signal = self.signals.get(entry.household_id)
            self.decisions.setItem(row, 2, QTableWidgetItem(
                signal_text(signal) if signal else ""))
            if signal:
                self.decisions.item(row, 2).setToolTip(signal_record(signal))
            for col in (0, 1, 2):
                item = self.decisions.item(row, col)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            combo = CodeCombo(MusdesDecision)
            combo.set_code(entry.decision)
            self.decisions.setCellWidget(row, 3, combo)
            self.decisions.setItem(row, 4, QTableWidgetItem(entry.decision_note or ""))
        self.record_button = QPushButton(_("Sticker &record…"))
        self.record_button.setToolTip(_("Every visit of the labelling to the household "
                                        "chosen, with its officers, witnesses and photos."))
        self.record_button.clicked.connect(self.show_record)
        self.record_button.setEnabled(False)
        self.decisions.currentCellChanged.connect(lambda *_a: self.record_button.setEnabled(
            self._signal_at(self.decisions.currentRow()) is not None))
        suggest = QPushButton(_("Fill in the suggested decisions"))
        suggest.clicked.connect(self.fill_suggested)
        buttons = dialog_buttons(QDialogButtonBox.StandardButton.Save,
                                 QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        people_row = QHBoxLayout()
        people_row.addWidget(self.roster)
        people_row.addWidget(self.others)
        layout.addWidget(QLabel(_("Attendees")))
        layout.addLayout(people_row)
        head = QHBoxLayout()
        head.addWidget(QLabel(_("Decisions")), 1)
        head.addWidget(self.record_button)
        head.addWidget(suggest)
        layout.addLayout(head)
        layout.addWidget(self.decisions, 1)
        layout.addWidget(buttons)
        fit_size(self, 1100, 760)
        if read_only:
            read_only_view(self, buttons, read_only, keep=(self.record_button,))
            self.roster.setVisible(self.roster.count() > 0)   # the kabupaten has none

    def _signal_at(self, row: int):
        return self.signals.get(self.entries[row].household_id) \
            if 0 <= row < len(self.entries) else None

    def show_record(self) -> None:
        signal = self._signal_at(self.decisions.currentRow())
        if signal is not None:
            show_record(self, self.services, self.actor, signal)

    def fill_suggested(self) -> None:
        """The decision the visit result suggests where none is chosen; the reason of a
        removal, and what the labelling found, in an empty note (so in the berita
        acara)."""
        from ..services.verval import SUGGESTED_DECISION
        for row, entry in enumerate(self.entries):
            combo, note = self.decisions.cellWidget(row, 3), self.decisions.item(row, 4)
            if combo.code() is None and entry.result in SUGGESTED_DECISION:
                combo.set_code(SUGGESTED_DECISION[entry.result])
                if SUGGESTED_DECISION[entry.result] == MusdesDecision.HAPUS.value \
                        and not note.text():
                    note.setText(VervalResult.label_of(entry.result))
            signal = self.signals.get(entry.household_id)
            if signal is not None and not note.text():
                note.setText(signal_note(signal))

    def attendees(self) -> list[Attendee]:
        people = [self.roster.item(i).data(Qt.ItemDataRole.UserRole)
                  for i in range(self.roster.count())
                  if self.roster.item(i).checkState() == Qt.CheckState.Checked]
        for line in self.others.toPlainText().splitlines():
            name, _sep, position = line.partition(";")
            if name.strip():
                people.append(Attendee(name.strip().upper(), position.strip() or None))
        return people

    def save(self) -> None:
        try:
            held_on = parse_date(self.held_on.text())
        except ValueError:
            show_error(self, InvalidInput(_("Write the date as dd-mm-yyyy.")))
            return
        verval = self.services.verval
        musdes = dict(held_on=held_on, place=self.place.text(), attendees=self.attendees(),
                      agenda=self.agenda.text(), notulen=self.notulen.text(),
                      ketua_bpd=self.ketua_bpd.text())
        decided = []
        for row, entry in enumerate(self.entries):
            decision = self.decisions.cellWidget(row, 3).code()
            note = self.decisions.item(row, 4).text().strip()
            if decision != entry.decision or note != (entry.decision_note or ""):
                decided.append((entry.id, decision, note))

        def store() -> None:
            verval.save_musdes(actor=self.actor, cycle_id=self.cycle_id, **musdes)
            for entry_id, decision, note in decided:
                verval.decide(actor=self.actor, entry_id=entry_id, decision=decision,
                              note=note)
        try:
            write(self, store)
        except UserError as exc:
            show_error(self, exc)
            return
        self.accept()
