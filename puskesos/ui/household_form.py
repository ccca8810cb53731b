"""The household form: every field, the members, programs and the history.

Edits are kept in the form until Save (Ctrl+S); the rules of
``core.validation`` are checked as you type and shown at the top.  Family
changes that involve other households (move a member, split, merge) and the
removal of a member are saved at once, after asking for a reason; they are in
:mod:`.household_family`.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog,
                               QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QInputDialog, QLabel, QLineEdit, QListWidget,
                               QMessageBox, QPushButton, QScrollArea,
                               QSpinBox, QTableView, QTabWidget, QVBoxLayout, QWidget)

from ..core import codes
from ..core.bahasa import short_datetime
from ..core.identifiers import Severity
from ..core.labels import field_label
from ..core.permissions import Permission
from ..core.questions import HOUSEHOLD_QUESTIONS
from ..core.validation import (HouseholdInput, MemberInput, Problem, check_household,
                               strip_hostile_text)
from ..errors import Conflict, InvalidInput, UserError
from ..i18n import _
from ..services.registry import NeedsConfirmation
from ..services.registry.history import household_history
from .household_family import FamilyActions, MembersModel
from .household_programs import ProgramsBox
from .jobs import show_error
from .member_dialog import MemberDialog
from .operations import write
from .question_form import QuestionFields
from .widgets import CodeCombo, FitColumns, fit_size, message_label, saved_now, show_message

HOUSING_FIELDS = ("building_ownership", "land_proof", "floor", "wall", "roof",
                  "drinking_water", "septic_distance", "lighting", "power_capacity",
                  "cooking_fuel", "toilet_facility", "toilet_type", "sewage_disposal")




class HouseholdDialog(FamilyActions, QDialog):
    """Create (``household_id=None``) or edit one household."""

    def __init__(self, services, actor, bus, household_id: str | None = None, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.household_id = household_id
        self.version: int | None = None
        self.can_edit = actor.can(Permission.EDIT_REGISTRY)
        self._saved_state: tuple | None = None
        #: a new form says nothing of what is missing until the user edits it or
        #: presses Save (an empty new form is not a mistake)
        self._quiet = household_id is None
        self.setMinimumSize(900, 600)
        fit_size(self, 1100, 700)

        self.problems_label = message_label()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_household_tab(), _("Family"))
        self.tabs.addTab(self._build_members_tab(), _("Members"))
        self.tabs.addTab(self._build_programs_tab(), _("Programs"))
        self.history_list = QListWidget()
        self.history_list.setWordWrap(True)
        self.tabs.addTab(self.history_list, _("History"))

        self.save_button = QPushButton(_("Save"))
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip("Ctrl+S")
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton(_("Close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        self.readonly_note = QLabel(_("View only: your role may not change the registry."))
        buttons.addWidget(self.readonly_note)
        # "Disimpan pukul 14:05." after Save, until the next change
        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        self.saved_label.hide()
        buttons.addWidget(self.saved_label)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        self.members_model = MembersModel(self)
        self.members_view.setModel(self.members_model)
        # beside the buttons on a 1024-pixel screen without scrolling sideways: the
        # presence, then a long name, then the relationship give way
        self.members_columns = FitColumns(self.members_view, elastic=(5, 0, 4))
        self.members_view.doubleClicked.connect(lambda _i: self.edit_member())
        self.readonly_note.setVisible(not self.can_edit)
        self.save_button.setVisible(self.can_edit)
        for b in self.member_buttons:
            b.setVisible(self.can_edit)
        self.load()

    # ---------------------------------------------------------------- layout
    def _build_household_tab(self) -> QWidget:
        self.no_kk = QLineEdit()
        self.no_kk.setMaxLength(40)
        self.dtsen_id = QLabel()
        self.desil = QLabel()
        self.dusun = QComboBox()
        self.dusun.setEditable(True)
        self.dusun.addItems([""] + self.services.households.dusun_names())
        self.rw = QLineEdit()
        self.rw.setMaxLength(3)
        self.rt = QLineEdit()
        self.rt.setMaxLength(3)
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.family_status = CodeCombo(codes.FamilyStatus)
        self.floor_area = QLineEdit()
        self.floor_area.setPlaceholderText("m²")
        self.note = QLineEdit()
        self.latitude = QLineEdit()
        self.latitude.setPlaceholderText("-6.9")
        self.longitude = QLineEdit()
        self.longitude.setPlaceholderText("111.9")
        self.housing = {f: CodeCombo(_HOUSING_LISTS[f]) for f in HOUSING_FIELDS}
        self.asset_boxes = {a.value: QCheckBox(a.label) for a in codes.Asset}
        self.livestock = {lv.value: QSpinBox() for lv in codes.Livestock}

        identity = QFormLayout()
        identity.addRow(field_label("household", "no_kk"), self.no_kk)
        identity.addRow(field_label("household", "dtsen_id"), self.dtsen_id)
        identity.addRow(_("Desil (from DTSEN, read-only)"), self.desil)
        identity.addRow(field_label("household", "dusun"), self.dusun)
        area = QHBoxLayout()           # RW before RT, as the list and the verval form
        area.addWidget(QLabel(_("RW")))
        area.addWidget(self.rw)
        area.addWidget(QLabel(_("RT")))
        area.addWidget(self.rt)
        identity.addRow(_("RW / RT"), area)
        identity.addRow(field_label("household", "address"), self.address)
        identity.addRow(field_label("household", "phone"), self.phone)
        identity.addRow(field_label("household", "family_status"), self.family_status)
        identity.addRow(field_label("household", "note"), self.note)
        position = QHBoxLayout()
        position.addWidget(self.latitude)
        position.addWidget(self.longitude)
        identity.addRow(_("Position (latitude, longitude)"), position)
        id_box = QGroupBox(_("Identity and address"))
        id_box.setLayout(identity)

        house = QFormLayout()
        house.addRow(field_label("household", "floor_area"), self.floor_area)
        for f, combo in self.housing.items():
            house.addRow(field_label("household", f), combo)
        house_box = QGroupBox(_("Housing"))
        house_box.setLayout(house)
        # 205, 206, 503, 505, 506 (core.questions)
        self.questions = QuestionFields(HOUSEHOLD_QUESTIONS)
        self.questions.changed.connect(self._changed)

        assets = QGridLayout()
        for i, box in enumerate(self.asset_boxes.values()):
            assets.addWidget(box, i // 2, i % 2)
        row = (len(self.asset_boxes) + 1) // 2
        for j, (code, spin) in enumerate(self.livestock.items()):
            spin.setRange(0, 999)
            assets.addWidget(QLabel(codes.Livestock.label_of(code)), row + j, 0)
            assets.addWidget(spin, row + j, 1)
        asset_box = QGroupBox(_("Assets"))
        asset_box.setLayout(assets)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(id_box)
        left.addWidget(asset_box)
        left.addStretch(1)
        columns.addLayout(left, 1)
        right = QVBoxLayout()
        right.addWidget(house_box)
        right.addWidget(self.questions)
        right.addStretch(1)
        columns.addLayout(right, 1)
        inner = QWidget()
        inner.setLayout(columns)
        self._household_inputs = inner
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        for w in [self.no_kk, self.rw, self.rt, self.address, self.phone, self.floor_area,
                  self.note, self.latitude, self.longitude]:
            w.textChanged.connect(self._changed)
        self.dusun.currentTextChanged.connect(self._changed)
        for combo in [self.family_status, *self.housing.values()]:
            combo.currentIndexChanged.connect(self._changed)
        for box in self.asset_boxes.values():
            box.toggled.connect(self._changed)
        for spin in self.livestock.values():
            spin.valueChanged.connect(self._changed)
        return scroll

    def _build_programs_tab(self) -> QWidget:
        self.programs_box = ProgramsBox(self.services, self.actor, self.bus)
        # (the list and the words shown instead of an empty one, as tests name them)
        self.programs_list = self.programs_box.list
        self.programs_empty = self.programs_box.empty
        return self.programs_box

    def _build_members_tab(self) -> QWidget:
        self.members_view = QTableView()
        self.members_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.members_view.verticalHeader().setVisible(False)
        self.members_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        actions = [
            (_("Add member…"), self.add_member, "Insert"),
            (_("Edit…"), self.edit_member, "Return"),
            (_("Died / moved…"), self.mark_gone, None),
            (_("Move to another household…"), self.move_member, None),
            (_("Split family (pecah KK)…"), self.split_family, None),
            (_("Merge another household in…"), self.merge_in, None),
            (_("Remove (entered by mistake)…"), self.remove_member, None),
            (_("Print SKTM…"), self.print_sktm, None),
        ]
        self.member_buttons = []
        column = QVBoxLayout()
        for text, slot, key in actions:
            button = QPushButton(text)
            # Return in a field or the table must not press the first button of the
            # form ("Add member"): no button of the form is a default button
            button.setAutoDefault(False)
            # clicked(bool) would hand its checked flag to the slot's first parameter
            button.clicked.connect(lambda _checked=False, slot=slot: slot())
            if key:
                button.setToolTip(key)
            column.addWidget(button)
            self.member_buttons.append(button)
        column.addStretch(1)
        QShortcut(QKeySequence("Insert"), self, activated=self.add_member)
        for key in ("Return", "Enter"):          # in the members table: edit the chosen one
            QShortcut(QKeySequence(key), self.members_view, activated=self.edit_member,
                      context=Qt.ShortcutContext.WidgetShortcut)
        box = QHBoxLayout()
        box.addWidget(self.members_view, 1)
        box.addLayout(column)
        widget = QWidget()
        widget.setLayout(box)
        return widget

    # ---------------------------------------------------------------- state
    def load(self) -> None:
        if self.household_id is None:
            self.setWindowTitle(_("New household"))
            self.members: list[MemberInput] = []
            self._fill(HouseholdInput(), None, None, None)
            self.programs_box.show_programs(None, [], [])
            self.history_list.clear()
        else:
            dto = self.services.households.get(actor=self.actor, household_id=self.household_id)
            self.version = dto.version
            self.members = [m.as_input() for m in dto.members if not m.removed]
            self._fill(dto.data, dto.data.dtsen_id, dto.desil, dto.desil_period)
            head = dto.head
            self.setWindowTitle(_("Household of {name}").format(
                name=head.name if head else _("(no head)")))
            self.programs_box.show_programs(dto.id, dto.programs, dto.members)
            self._load_history()
            if dto.removed:
                self.can_edit = False
                self.readonly_note.setText(_("This household was removed: {reason}").format(
                    reason=dto.removed_reason or ""))
        self._set_editable(self.can_edit)
        self._saved_state = self._state()
        self._validate()

    def _load_history(self) -> None:
        self.history_list.clear()
        if not self.actor.can(Permission.VIEW_AUDIT):
            return
        for line in household_history(self.services, actor=self.actor,
                                      household_id=self.household_id):
            when = short_datetime(line.at)
            text = f"{when} · {line.actor} · {line.text}"
            if line.reason:
                text += " — " + _("reason: {reason}").format(reason=line.reason)
            self.history_list.addItem(text)

    def _fill(self, data: HouseholdInput, dtsen_id, desil, period) -> None:
        self._loading = True
        self.no_kk.setText(data.no_kk or "")
        self.dtsen_id.setText(dtsen_id or "—")
        self.desil.setText(f"{desil} ({period})" if desil else "—")
        self.dusun.setCurrentText(data.dusun or "")
        self.rw.setText(data.rw or "")
        self.rt.setText(data.rt or "")
        self.address.setText(data.address or "")
        self.phone.setText(data.phone or "")
        self.family_status.set_code(data.family_status)
        self.floor_area.setText(_number_text(data.floor_area))
        self.note.setText(data.note or "")
        for edit in (self.address, self.note):
            edit.setCursorPosition(0)       # a long text is shown from its start
        self.latitude.setText(_number_text(data.latitude))
        self.longitude.setText(_number_text(data.longitude))
        for f, combo in self.housing.items():
            combo.set_code(getattr(data, f))
        assets = data.assets or {}
        for code, box in self.asset_boxes.items():
            box.setChecked(bool(assets.get(code)))
        for code, spin in self.livestock.items():
            spin.setValue(int(assets.get(code) or 0))
        self.questions.load(data)
        self._loading = False
        self._refresh_members()

    def _set_editable(self, editable: bool) -> None:
        for w in self._household_inputs.findChildren(QWidget):
            if isinstance(w, (QLineEdit, QComboBox, QCheckBox, QSpinBox)):
                w.setEnabled(editable)
        self.save_button.setVisible(editable)
        for b in self.member_buttons:
            b.setVisible(editable)
        self.programs_box.set_editable(editable)
        self.readonly_note.setVisible(not editable)

    def household_input(self) -> HouseholdInput:
        area = self.floor_area.text().strip().replace(",", ".")
        try:
            floor_area = float(area) if area else None
        except ValueError:
            floor_area = -1.0  # reported by the rules as an invalid area
        def coordinate(edit: QLineEdit) -> float | None:
            text = edit.text().strip().replace(",", ".")
            try:
                return float(text) if text else None
            except ValueError:
                return float("inf")  # reported by the rules as an invalid position

        assets = {code: box.isChecked() for code, box in self.asset_boxes.items()}
        assets.update({code: spin.value() for code, spin in self.livestock.items()})
        return HouseholdInput(
            no_kk=self.no_kk.text().strip() or None,
            dtsen_id=None if self.dtsen_id.text() == "—" else self.dtsen_id.text(),
            dusun=self.dusun.currentText().strip().upper() or None,
            rw=self.rw.text().strip() or None, rt=self.rt.text().strip() or None,
            address=self.address.text().strip() or None, phone=self.phone.text().strip() or None,
            family_status=self.family_status.code(), floor_area=floor_area,
            note=self.note.text().strip() or None, assets=assets,
            latitude=coordinate(self.latitude), longitude=coordinate(self.longitude),
            **{f: combo.code() for f, combo in self.housing.items()},
            **self.questions.values())

    def _state(self) -> tuple:
        return (self.household_input(), tuple(self.members))

    def is_dirty(self) -> bool:
        return (self.can_edit and self._saved_state is not None
                and self._state() != self._saved_state)

    def _changed(self, *_args) -> None:
        if not getattr(self, "_loading", False):
            self._quiet = False
            self._validate()

    def _check(self) -> list[Problem]:
        """The rules' problems with what Save would store: control and text-direction
        characters are removed on saving (:meth:`_strip_hostile`), not typed again."""
        household, _fields = strip_hostile_text(self.household_input(), "household")
        return check_household(household, [strip_hostile_text(m, "member")[0]
                                           for m in self.members])

    def _refresh_members(self) -> None:
        problems = self._check()
        by_member: dict[int, list[Problem]] = {}
        for p in problems:
            if p.member is not None:
                by_member.setdefault(p.member, []).append(p)
        self.members_model.set_members(self.members, by_member) if hasattr(
            self, "members_model") else None

    def _validate(self) -> list[Problem]:
        if self.saved_label.isVisible() and self.is_dirty():
            self.saved_label.hide()          # changed again since it was saved
        problems = self._check()
        self._refresh_members()
        errors = [p for p in problems if p.severity is Severity.ERROR]
        warnings = [p for p in problems if p.severity is Severity.WARNING]
        shown = errors or warnings
        lines = []
        for p in shown[:4]:
            who = self.members[p.member].name if p.member is not None else ""
            where = field_label("member" if p.member is not None else "household", p.field)
            said = p.message if p.message.startswith(where) else f"{where}: {p.message}"
            lines.append(f"• {who + ' — ' if who else ''}{said}")
        if len(shown) > 4:
            lines.append(_("… and {n} more").format(n=len(shown) - 4))
        shown_now = self.can_edit and not self._quiet
        show_message(self.problems_label, "\n".join(lines) if shown_now else "",
                     warning=not errors)
        for w, field in ((self.no_kk, "no_kk"), (self.rt, "rt"), (self.rw, "rw"),
                         (self.floor_area, "floor_area"), (self.latitude, "latitude"),
                         (self.longitude, "longitude"), (self.dusun, "dusun"),
                         (self.address, "address"), (self.phone, "phone"),
                         (self.note, "note")):
            bad = shown_now and any(p.field == field and p.member is None and p.is_error
                                    for p in problems)
            w.setStyleSheet("border: 1px solid #b00020;" if bad else "")
        return problems

    # ---------------------------------------------------------------- members
    def _selected_row(self) -> int | None:
        rows = self.members_view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def add_member(self) -> None:
        if not self.can_edit:
            return
        dialog = MemberDialog(parent=self)
        if not self.members:
            dialog.relationship.set_code(codes.Relationship.KEPALA.value)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_member:
            self.members.append(dialog.result_member)
            self._quiet = False
            self._validate()
            self.members_view.selectRow(len(self.members) - 1)

    def edit_member(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        dialog = MemberDialog(self.members[row], read_only=not self.can_edit, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_member:
            self.members[row] = dialog.result_member
            self._quiet = False
            self._validate()

    # ---------------------------------------------------------------- saving
    def _strip_hostile(self) -> str:
        """Remove control and text-direction characters from the fields and the
        members (in the widgets too, so the operator sees what is saved); what to
        say about it, or ""."""
        where = []
        household, fields = strip_hostile_text(self.household_input(), "household")
        for name in fields:
            value = getattr(household, name) or ""
            widget = {"dusun": self.dusun, "address": self.address, "phone": self.phone,
                      "note": self.note}.get(name)
            if isinstance(widget, QComboBox):
                widget.setCurrentText(value)
            elif widget is not None:
                widget.setText(value)
            where.append(field_label("household", name))
        for i, member in enumerate(self.members):
            clean, fields = strip_hostile_text(member, "member")
            if fields:
                self.members[i] = clean
                where += [f"{clean.name} — {field_label('member', name)}" for name in fields]
        if not where:
            return ""
        return _("Invisible control or text-direction characters were removed from: "
                 "{fields}. Check these values.").format(fields=", ".join(where))

    def save(self) -> bool:
        if not self.can_edit:
            return False
        if self._quiet:                  # Save on an untouched new form: say what is missing
            self._quiet = False
            self._validate()
        removed = self._strip_hostile()
        accept_warnings = None
        while True:
            try:
                dto = write(self, partial(
                    self.services.households.save, actor=self.actor,
                    household=self.household_input(), members=list(self.members),
                    household_id=self.household_id, expected_version=self.version,
                    accept_warnings=accept_warnings))
            except NeedsConfirmation as exc:
                lines = "\n".join(f"• {p.message}" for p in exc.issues[:6])
                reason, ok = QInputDialog.getText(
                    self, _("Warnings"),
                    _("Check these warnings. To save anyway, give a reason:") + "\n" + lines)
                if not ok or not reason.strip():
                    return False
                accept_warnings = reason.strip()
                continue
            except Conflict as exc:
                show_error(self, exc)
                return False
            except InvalidInput as exc:
                show_message(self.problems_label, "\n".join(filter(None, (exc.message,
                                                                         removed))))
                return False
            except UserError as exc:
                show_error(self, exc)
                return False
            break
        self.household_id = dto.id
        self.bus.changed("household", [dto.id])
        self.load()
        self.saved_label.setText(saved_now())
        self.saved_label.show()
        if removed:
            show_message(self.problems_label, removed, warning=True)
        return True

    def closeEvent(self, event) -> None:
        if self.is_dirty():
            answer = QMessageBox.question(
                self, _("Unsaved changes"), _("Save the changes to this household?"),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel)
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save and not self.save():
                event.ignore()
                return
        event.accept()
        self.done(QDialog.DialogCode.Rejected)  # emits finished for the list page

    def reject(self) -> None:  # Esc goes through the unsaved-changes guard
        self.close()


def _number_text(value: float | None) -> str:
    """A stored number shown so that reading it back gives the same number."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_HOUSING_LISTS = {
    "building_ownership": codes.BuildingOwnership, "land_proof": codes.LandProof,
    "floor": codes.Floor, "wall": codes.Wall, "roof": codes.Roof,
    "drinking_water": codes.DrinkingWater, "septic_distance": codes.SepticDistance,
    "lighting": codes.Lighting, "power_capacity": codes.PowerCapacity,
    "cooking_fuel": codes.CookingFuel, "toilet_facility": codes.ToiletFacility,
    "toilet_type": codes.ToiletType, "sewage_disposal": codes.SewageDisposal,
}
