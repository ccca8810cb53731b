"""Verval: cycles, prefilled forms, visit results, approvals, musdes, berita acara."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog,
                               QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QPlainTextEdit, QProgressBar, QPushButton,
                               QRadioButton, QTableView, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ..core.codes import (CycleStatus, MusdesDecision, Relationship, VervalMemberResult,
                          VervalResult)
from ..core.bahasa import short_date
from ..core.labels import HOUSEHOLD_LABELS, MEMBER_LABELS
from ..core.normalize import sex_cell
from ..core.permissions import Permission
from ..errors import InvalidInput, UserError
from ..i18n import _
from ..services.registry import HouseholdFilter
from ..services.verval import (CORRECTABLE_HOUSEHOLD, CORRECTABLE_MEMBER, Attendee,
                               CycleHouseholds,
                               Correction, MemberFinding)
from .jobs import show_error
from .pdf_preview import PdfPreview
from .table_model import DtoTableModel
from .widgets import CodeCombo, DateEdit, dialog_buttons, parse_date


def _area(row) -> str:
    return f"{row.dusun or '-'} · RW {row.rw or '-'} · RT {row.rt or '-'}"


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
        self.resize(560, 480)

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

    def __init__(self, services, actor, entry, parent=None):
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
        form.addRow(_("Result"), self.result)
        form.addRow(_("Officer"), self.officer)
        form.addRow(_("Visit date (dd-mm-yyyy)"), self.visited)
        form.addRow(_("Note"), self.note)

        findings = services.verval.member_findings(entry.id, actor=actor)
        found = {f.member_id: f for f in findings}
        # residents, and anyone this visit already has a finding for (e.g. marked moved)
        self.members = [m for m in self.household.members if not m.removed
                        and (m.presence == "1" or m.id in found)]
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
        self.resize(1040, 700)

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
            findings = self.findings()
            self.services.verval.record_result(
                actor=self.actor, entry_id=self.entry.id, result=self.result.code() or "",
                officer_id=self.officer.currentData(), visited_on=visited,
                note=self.note.text(), members=findings,
                corrections=self.correction_list(), expected_version=self.entry.version)
        except UserError as exc:
            show_error(self, exc)
            return
        self.accept()


class ProposalsDialog(QDialog):
    """Corrections waiting for the coordinator: approve or reject."""

    def __init__(self, services, actor, cycle_id: str, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.cycle_id = services, actor, cycle_id
        self.setWindowTitle(_("Proposed corrections"))
        self.model = DtoTableModel([
            (_("Head of family"), lambda p: p.head_name or ""),
            (_("For"), lambda p: p.target_name), (_("Field"), lambda p: p.field_label),
            (_("Stored value"), lambda p: p.old_value or "-"),
            (_("Proposed value"), lambda p: p.new_value or "-"),
            (_("Proposed by"), lambda p: p.proposed_by)])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.approve = QPushButton(_("&Approve"))
        self.reject_button = QPushButton(_("&Reject"))
        self.approve.clicked.connect(lambda: self.decide(True))
        self.reject_button.clicked.connect(lambda: self.decide(False))
        allowed = actor.can(Permission.APPROVE)
        for b in (self.approve, self.reject_button):
            b.setEnabled(allowed)
        self.notice = notice = QLabel("" if allowed else _(
            "Only the Puskesos coordinator may approve corrections."))
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
        self.resize(900, 480)
        self.refresh()

    def refresh(self) -> None:
        self.model.set_rows(self.services.verval.proposals(cycle_id=self.cycle_id,
                                                           actor=self.actor))

    def decide(self, approve: bool) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        for row in rows:
            proposal = self.model.row_at(row)
            try:
                self.services.verval.decide_proposal(actor=self.actor, proposal_id=proposal.id,
                                                     approve=approve)
            except UserError as exc:
                show_error(self, exc)
                break
        self.refresh()


class MusdesDialog(QDialog):
    """Date, place, attendees and the decision per household."""

    def __init__(self, services, actor, cycle_id: str, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.cycle_id = services, actor, cycle_id
        self.setWindowTitle(_("Musdes (village deliberation)"))
        existing = services.verval.musdes(cycle_id, actor=self.actor)
        village = services.settings.village()
        self.held_on = DateEdit()
        self.held_on.setText(short_date(existing.held_on if existing else date.today()))
        self.place = QLineEdit(existing.place if existing else f"Balai Desa {village.desa}")
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
        self.decisions = QTableWidget(0, 4)
        self.decisions.setHorizontalHeaderLabels([_("Household"), _("Result"), _("Decision"),
                                                  _("Reason / note")])
        self.decisions.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.decisions.setWordWrap(False)
        for column, width in ((1, 150), (2, 220), (3, 200)):
            self.decisions.setColumnWidth(column, width)
        # households are decided on what the visit found: the visited ones (and any
        # decided before); this also keeps the table small in a village-wide cycle
        self.entries = [e for e in services.verval.entries(actor=actor, cycle_id=cycle_id)
                        if e.result or e.decision]
        for entry in self.entries:
            row = self.decisions.rowCount()
            self.decisions.insertRow(row)
            self.decisions.setItem(row, 0, QTableWidgetItem(
                f"{entry.head_name or '-'} ({_area(entry)})"))
            self.decisions.setItem(row, 1, QTableWidgetItem(
                VervalResult.label_of(entry.result) if entry.result else _("not visited")))
            for col in (0, 1):
                item = self.decisions.item(row, col)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            combo = CodeCombo(MusdesDecision)
            combo.set_code(entry.decision)
            self.decisions.setCellWidget(row, 2, combo)
            self.decisions.setItem(row, 3, QTableWidgetItem(entry.decision_note or ""))
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
        head.addWidget(suggest)
        layout.addLayout(head)
        layout.addWidget(self.decisions, 1)
        layout.addWidget(buttons)
        self.resize(940, 760)

    def fill_suggested(self) -> None:
        from ..services.verval import SUGGESTED_DECISION
        for row, entry in enumerate(self.entries):
            combo = self.decisions.cellWidget(row, 2)
            if combo.code() is None and entry.result in SUGGESTED_DECISION:
                combo.set_code(SUGGESTED_DECISION[entry.result])
                if SUGGESTED_DECISION[entry.result] == MusdesDecision.HAPUS.value \
                        and not self.decisions.item(row, 3).text():
                    self.decisions.item(row, 3).setText(VervalResult.label_of(entry.result))

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
        try:
            verval.save_musdes(actor=self.actor, cycle_id=self.cycle_id, held_on=held_on,
                               place=self.place.text(), attendees=self.attendees(),
                               agenda=self.agenda.text(), notulen=self.notulen.text(),
                               ketua_bpd=self.ketua_bpd.text())
            for row, entry in enumerate(self.entries):
                decision = self.decisions.cellWidget(row, 2).code()
                note = self.decisions.item(row, 3).text().strip()
                if decision != entry.decision or note != (entry.decision_note or ""):
                    verval.decide(actor=self.actor, entry_id=entry.id, decision=decision,
                                  note=note)
        except UserError as exc:
            show_error(self, exc)
            return
        self.accept()


class VervalPage(QWidget):
    def __init__(self, services, actor, bus, parent=None, list_filter=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        #: returns the household list's current filter (for "households shown")
        self.list_filter = list_filter or (lambda: None)
        self.previews: list[PdfPreview] = []
        self.job = None
        self.cycle_box = QComboBox()
        self.cycle_box.currentIndexChanged.connect(lambda _i: self.refresh_entries())
        new_cycle = QPushButton(_("&New cycle…"))
        new_cycle.clicked.connect(self.new_cycle)
        self.close_button = QPushButton(_("Close cycle"))
        self.close_button.setToolTip(_("A closed cycle is frozen: no more results, decisions "
                                       "or musdes changes (the coordinator may reopen it)."))
        self.close_button.clicked.connect(self.toggle_closed)
        self.progress = QProgressBar()
        self.progress.setFormat(_("%v of %m households visited"))
        self.rt = QComboBox()
        self.rt.currentIndexChanged.connect(lambda _i: self.refresh_entries(keep_areas=True))
        self.pending = QCheckBox(_("Not visited yet only"))
        self.pending.toggled.connect(lambda _c: self.refresh_entries(keep_areas=True))
        self.model = DtoTableModel([
            (_("Prelist no."), lambda r: r.seq),
            (_("Head of family"), lambda r: r.head_name or ""),
            (_("No KK"), lambda r: r.no_kk or ""), (_("Dusun"), lambda r: r.dusun or ""),
            (_("RW"), lambda r: r.rw or ""), (_("RT"), lambda r: r.rt or ""),
            (_("Result"), lambda r: VervalResult.label_of(r.result) if r.result else "—"),
            (_("Decision"), lambda r: MusdesDecision.label_of(r.decision)
             if r.decision else "—")])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.doubleClicked.connect(lambda _i: self.record_result())
        self.buttons = {}
        actions = [("record", _("&Record result…"), self.record_result),
                   ("forms", _("Print &forms…"), self.print_forms),
                   ("proposals", _("&Corrections…"), self.show_proposals),
                   ("musdes", _("&Musdes…"), self.edit_musdes),
                   ("berita_acara", _("Print &berita acara…"), self.print_berita_acara),
                   ("export", _("&Export results…"), self.export_results)]
        action_row = QHBoxLayout()
        for key, text, slot in actions:
            button = QPushButton(text)
            button.clicked.connect(slot)
            self.buttons[key] = button
            action_row.addWidget(button)
        action_row.addStretch(1)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, self.record_result)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_forms)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Cycle")))
        top.addWidget(self.cycle_box, 1)
        top.addWidget(new_cycle)
        top.addWidget(self.close_button)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(_("Area")))
        filters.addWidget(self.rt)
        filters.addWidget(self.pending)
        filters.addWidget(self.progress, 1)
        self.empty = QLabel(_("No verval cycle yet. Press \"New cycle…\" to choose the "
                              "households to verify."))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(action_row)
        self.refresh_cycles()

    # -- state -------------------------------------------------------------------

    def cycle_id(self) -> str | None:
        return self.cycle_box.currentData()

    def refresh_cycles(self, select: str | None = None) -> None:
        current = select or self.cycle_id()
        self.cycle_box.blockSignals(True)
        self.cycle_box.clear()
        for c in self.services.verval.cycles(actor=self.actor):
            self.cycle_box.addItem(f"{c.name} ({c.period})", c.id)
        if current:
            self.cycle_box.setCurrentIndex(max(self.cycle_box.findData(current), 0))
        self.cycle_box.blockSignals(False)
        self.refresh_entries()

    def refresh_entries(self, keep_areas: bool = False) -> None:
        cycle_id = self.cycle_id()
        has_cycle = cycle_id is not None
        self.empty.setVisible(not has_cycle)
        for button in self.buttons.values():
            button.setEnabled(has_cycle)
        self.close_button.setEnabled(has_cycle and self.actor.can(Permission.APPROVE))
        if not has_cycle:
            self.model.set_rows([])
            return
        cycle = self.services.verval.cycle(cycle_id, actor=self.actor)
        closed = cycle.status == CycleStatus.CLOSED.value
        self.close_button.setText(_("Reopen cycle") if closed else _("Close cycle"))
        for key in ("record", "musdes"):
            self.buttons[key].setEnabled(not closed)
        self.refresh_counts(rebuild_areas=not keep_areas)
        area = self.rt.currentData()
        rows = self.services.verval.entries(actor=self.actor, cycle_id=cycle_id, area=area,
                                            pending_only=self.pending.isChecked())
        self.model.set_rows(rows)

    def refresh_counts(self, rebuild_areas: bool = False):
        """The progress bar, the done/total of each area and the number of corrections
        waiting (cheap: the list itself is left as it is)."""
        cycle_id = self.cycle_id()
        areas = self.services.verval.progress(cycle_id=cycle_id, actor=self.actor)
        if rebuild_areas:
            self.rt.blockSignals(True)
            self.rt.clear()
            self.rt.addItem(_("All areas"), None)
            for a in areas:
                self.rt.addItem("", (a.dusun, a.rw, a.rt))
            self.rt.blockSignals(False)
        # (QComboBox.findData does not compare tuples reliably)
        positions = {self.rt.itemData(i): i for i in range(1, self.rt.count())}
        for a in areas:
            index = positions.get((a.dusun, a.rw, a.rt))
            if index is not None:
                self.rt.setItemText(index, _("{dusun} · RW {rw} · RT {rt} — {done}/{total} "
                                             "done").format(dusun=a.dusun or "-",
                                                            rw=a.rw or "-", rt=a.rt or "-",
                                                            done=a.done, total=a.total))
        total = sum(a.total for a in areas)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(sum(a.done for a in areas))
        count = len(self.services.verval.proposals(cycle_id=cycle_id, actor=self.actor))
        self.buttons["proposals"].setText(_("&Corrections ({n})…").format(n=count))
        return areas

    def refresh_entry(self, entry_id: str) -> None:
        """After one household's result: its row (gone from a "not visited yet"
        list, the next household then selected) and the counts, without reading
        the whole cycle again."""
        position = next((i for i in range(self.model.rowCount())
                         if self.model.row_at(i).id == entry_id), None)
        rows = self.services.verval.entries(actor=self.actor, cycle_id=self.cycle_id(),
                                            entry_id=entry_id)
        if position is not None:
            if rows and not (self.pending.isChecked() and rows[0].result):
                self.model.replace_row(position, rows[0])
                self.table.selectRow(position)
            else:
                self.model.remove_row(position)
                if self.model.rowCount():
                    self.table.selectRow(min(position, self.model.rowCount() - 1))
        self.refresh_counts()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    # -- actions -------------------------------------------------------------------

    def new_cycle(self) -> NewCycleDialog:
        dialog = NewCycleDialog(self.services, self, list_filter=self.list_filter())
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()  # deleted once back in the event loop; used below until then
        if not accepted:
            return dialog
        kind, ids = dialog.selection()
        households = CycleHouseholds(kind="filter", filter=dialog.list_filter) \
            if kind == "shown" else CycleHouseholds(kind=kind, identifiers=tuple(ids))
        try:
            started = self.services.verval.start_cycle(
                actor=self.actor, name=dialog.name.text(), period=dialog.period.text(),
                deadline=parse_date(dialog.deadline.text()), households=households)
        except ValueError:
            show_error(self, InvalidInput(_("Write the deadline as dd-mm-yyyy.")))
            return dialog
        except UserError as exc:
            show_error(self, exc)
            return dialog
        cycle, added, missing = started.cycle, started.added, started.missing
        self.refresh_cycles(select=cycle.id)
        message = _("{n} households are in the cycle.").format(n=added)
        if missing:
            message += "\n" + _("Not found in the registry ({n}): {ids}").format(
                n=len(missing), ids=", ".join(missing[:20]) + (" …" if len(missing) > 20
                                                               else ""))
        QMessageBox.information(self, _("New verval cycle"), message)
        return dialog

    def toggle_closed(self) -> None:
        cycle = self.services.verval.cycle(self.cycle_id(), actor=self.actor)
        try:
            self.services.verval.set_status(actor=self.actor, cycle_id=cycle.id,
                                            status=CycleStatus.OPEN.value
                                            if cycle.status == CycleStatus.CLOSED.value
                                            else CycleStatus.CLOSED.value)
        except UserError as exc:
            show_error(self, exc)
        self.refresh_entries(keep_areas=True)

    def record_result(self) -> None:
        entry = self.selected()
        if entry is None:
            QMessageBox.information(self, _("Verval"), _("Choose a household in the list."))
            return
        dialog = ResultDialog(self.services, self.actor, entry, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted:
            self.refresh_entry(entry.id)

    def show_proposals(self) -> None:
        dialog = ProposalsDialog(self.services, self.actor, self.cycle_id(), self)
        dialog.exec()
        dialog.deleteLater()  # a parented dialog dropped by Python crashes PySide at exit
        self.refresh_entries(keep_areas=True)
        self.bus.changed("household", [])

    def edit_musdes(self) -> None:
        dialog = MusdesDialog(self.services, self.actor, self.cycle_id(), self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted:
            self.refresh_entries(keep_areas=True)

    def _preview(self, document) -> None:
        preview = PdfPreview(document, self)
        self.previews.append(preview)
        preview.finished.connect(lambda _r: self.previews.remove(preview))
        preview.open()

    def print_forms(self) -> None:
        area = self.rt.currentData()
        cycle_id = self.cycle_id()
        if cycle_id is None:
            return
        entry_ids = None
        if self.pending.isChecked():
            entry_ids = [self.model.row_at(i).id for i in range(self.model.rowCount())]

        def work(progress, cancel):
            return self.services.documents.verval_forms(
                actor=self.actor, cycle_id=cycle_id, area=area, entry_ids=entry_ids,
                progress=progress, cancel=cancel)

        self.job = self.bus.ops.run(self, _("Printing the verval forms"), work,
                                    on_done=self._preview)

    def print_berita_acara(self) -> None:
        cycle_id = self.cycle_id()

        def work(_progress, _cancel):
            return self.services.documents.berita_acara(actor=self.actor, cycle_id=cycle_id)

        self.job = self.bus.ops.run(self, _("Printing the berita acara"), work,
                                    on_done=self._preview)

    def export_results(self, path: str | None = None) -> None:
        from ..services.verval.export import export_results
        cycle = self.services.verval.cycle(self.cycle_id(), actor=self.actor)
        if not path:
            path, _f = QFileDialog.getSaveFileName(
                self, _("Export results"),
                str(Path.home() / f"hasil-verval-{cycle.period}.xlsx"),
                _("Excel workbooks (*.xlsx)"))
        if not path:
            return
        def work(_progress, _cancel):
            return export_results(self.services, actor=self.actor, cycle_id=cycle.id,
                                  path=Path(path))

        def done(count: int) -> None:
            QMessageBox.information(self, _("Export results"), _(
                "{n} households written to {path}.").format(n=count, path=path))

        self.job = self.bus.ops.run(self, _("Export results"), work, on_done=done)
