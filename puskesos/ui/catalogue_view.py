"""Program & Sasaran's catalogue tab (issue 17 point 1): every program with its source,
kind, target unit, desil ceiling and periods, added and changed in the window as on
the command line (``program add|set``); and the targeting rules (``flags rules``)."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from ..core.permissions import Permission
from ..core.targeting import FlagKind, ProgramKind, ProgramSource, TargetingRules
from ..errors import UserError
from ..i18n import N_, _
from ..services.targeting.catalogue import TARGETS
from .table_model import DtoTableModel
from .widgets import FormDialog, fit_size, list_table

#: the target units as the window names them
TARGET_LABELS = {"keluarga": N_("Family"), "individu": N_("Person")}


def _combo(choices) -> QComboBox:
    box = QComboBox()
    for value, label in choices:
        box.addItem(label, value)
    return box


class ProgramDialog(FormDialog):
    """Add a program (``entry`` None) or change one."""

    def __init__(self, services, actor, entry=None, parent=None):
        super().__init__(_("Add a program") if entry is None else
                         _("Change program {code}").format(code=entry.code), parent)
        self.services, self.actor, self.entry = services, actor, entry
        self.code = QLineEdit(entry.code if entry else "")
        self.code.setPlaceholderText(_("e.g. BLT_DD"))
        self.code.setReadOnly(entry is not None)
        self.name = QLineEdit(entry.name if entry else "")
        self.target = _combo((t, _(TARGET_LABELS[t])) for t in TARGETS)
        self.source = _combo(ProgramSource.choices())
        self.kind = _combo(ProgramKind.choices())
        self.ceiling = QSpinBox()
        self.ceiling.setRange(0, 10)
        self.ceiling.setSpecialValueText(_("none"))
        self.periods = QLineEdit(entry.periods or "" if entry else "")
        self.periods.setPlaceholderText(_("e.g. 2026, 2026-Q1…Q4"))
        self.active = QCheckBox(_("Running (recipients may be added)"))
        self.active.setChecked(entry.active if entry else True)
        if entry is not None:
            for box, value in ((self.target, entry.target), (self.source, entry.source),
                               (self.kind, entry.kind)):
                box.setCurrentIndex(max(box.findData(value), 0))
            self.ceiling.setValue(entry.desil_ceiling or 0)
        else:
            self.ceiling.setValue(4)
        form = self.form
        form.addRow(_("Code"), self.code)
        form.addRow(_("Name"), self.name)
        form.addRow(_("Given to"), self.target)
        form.addRow(_("Source"), self.source)
        form.addRow(_("Kind"), self.kind)
        form.addRow(_("Highest desil"), self.ceiling)
        form.addRow(_("Periods"), self.periods)
        form.addRow("", self.active)
        self.body.addStretch(1)
        fit_size(self, 560, 420)

    def save(self) -> None:
        ceiling = self.ceiling.value() or None
        self.commit(lambda: self.services.targeting.save_program(
                actor=self.actor, code=self.code.text(), name=self.name.text(),
                target=self.target.currentData(), source=self.source.currentData(),
                kind=self.kind.currentData(), desil_ceiling=ceiling,
                periods=self.periods.text().strip() or None, active=self.active.isChecked(),
                new=self.entry is None))


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.replace(";", ",").split(",") if c.strip()]


class RulesDialog(FormDialog):
    """The targeting rules: which programs may not go together, who is extreme poor
    and who is vulnerable, which programs fit them, which flags are off."""

    def __init__(self, services, actor, parent=None):
        super().__init__(_("Targeting rules"), parent)
        self.services, self.actor = services, actor
        rules = services.targeting.rules(actor=actor)
        self.pairs = QLineEdit(", ".join("+".join(p) for p in rules.forbidden_pairs))
        self.pairs.setToolTip(_("Pairs of program codes, e.g. BLT_DD+PKH, BLT_DD+BPNT"))
        self.extreme = QSpinBox()
        self.extreme.setRange(1, 10)
        self.extreme.setValue(rules.extreme_desil)
        self.elderly = QSpinBox()
        self.elderly.setRange(40, 100)
        self.elderly.setValue(rules.elderly_age)
        self.vulnerable = QLineEdit(", ".join(rules.vulnerable_programs))
        self.orphans = QLineEdit(", ".join(rules.orphan_programs))
        self.kinds = {}
        kinds = QGroupBox(_("Flags shown"))
        grid = QGridLayout(kinds)
        for i, kind in enumerate(FlagKind):
            self.kinds[kind.value] = box = QCheckBox(kind.label)
            box.setChecked(rules.on(kind))
            grid.addWidget(box, i // 2, i % 2)
        self.severe = rules.severe_difficulty
        form = self.form
        form.addRow(_("Not allowed together"), self.pairs)
        form.addRow(_("Extreme poor: desil up to"), self.extreme)
        form.addRow(_("Elderly from age"), self.elderly)
        form.addRow(_("Programs for the vulnerable"), self.vulnerable)
        form.addRow(_("Programs for orphans"), self.orphans)
        self.body.addWidget(kinds)
        self.body.addStretch(1)
        fit_size(self, 720, 440)

    def rules(self) -> TargetingRules:
        pairs = [p.split("+") for p in _codes(self.pairs.text())]
        return TargetingRules.from_json({
            "forbidden_pairs": pairs, "extreme_desil": self.extreme.value(),
            "elderly_age": self.elderly.value(), "severe_difficulty": list(self.severe),
            "vulnerable_programs": _codes(self.vulnerable.text()),
            "orphan_programs": _codes(self.orphans.text()),
            "off": [k for k, box in self.kinds.items() if not box.isChecked()]})

    def save(self) -> None:
        try:
            rules = self.rules()
        except UserError as exc:
            self.refuse(str(exc))
            return
        self.commit(lambda: self.services.targeting.set_rules(actor=self.actor, rules=rules))


class CatalogueView(QWidget):
    """Every program of the catalogue; add, change, and the rules."""

    def __init__(self, services, actor, bus, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.model = DtoTableModel([
            (_("Code"), lambda p: p.code),
            (_("Name"), lambda p: p.name),
            (_("Source"), lambda p: ProgramSource.short_of(p.source)),
            (_("Kind"), lambda p: p.kind_label),
            (_("Given to"), lambda p: _(TARGET_LABELS[p.target]) if p.target in TARGET_LABELS
             else p.target),
            (_("Desil"), lambda p: f"≤ {p.desil_ceiling}" if p.desil_ceiling else "-"),
            (_("Running"), lambda p: _("yes") if p.active else _("no"))])
        self.table = list_table(self.model, elastic=(1, 2))
        self.table.doubleClicked.connect(lambda _i: self.change())
        approve = actor.can(Permission.APPROVE)
        self.add_button = QPushButton(_("&Add a program…"))
        self.add_button.clicked.connect(lambda: self.add())
        self.change_button = QPushButton(_("&Change…"))
        self.change_button.clicked.connect(lambda: self.change())
        self.rules_button = QPushButton(_("Targeting &rules…"))
        self.rules_button.clicked.connect(lambda: self.edit_rules())
        for button in (self.add_button, self.change_button, self.rules_button):
            button.setEnabled(approve)
        note = QLabel(_("Each program's source, kind and highest desil are what the flags "
                        "check recipients against."))
        note.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.change_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.rules_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.model.set_rows(self.services.targeting.catalogue(actor=self.actor))
        if self.model.rowCount():
            self.table.selectRow(0)

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _after(self, dialog: QDialog) -> bool:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.refresh()
        self.bus.changed("setting")          # the flags follow the catalogue and rules
        return True

    def add(self) -> bool:
        return self._after(ProgramDialog(self.services, self.actor, None, self))

    def change(self) -> bool:
        entry = self.selected()
        return entry is not None and self.actor.can(Permission.APPROVE) and self._after(
            ProgramDialog(self.services, self.actor, entry, self))

    def edit_rules(self) -> bool:
        return self._after(RulesDialog(self.services, self.actor, self))


__all__ = ["CatalogueView", "ProgramDialog", "RulesDialog"]
