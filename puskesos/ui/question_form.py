"""The DTSEN questions of :mod:`puskesos.core.questions` as form fields, one group box
per section: a drop-down for a coded answer, check boxes for "tick all that apply",
a number box for a count, a line for an area.  The member dialog and the household
form both use it, so a question added to the table appears in both."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGroupBox, QLineEdit,
                               QSpinBox, QVBoxLayout, QWidget)

from ..core.questions import FlagSet, Question, groups, read_answer
from ..i18n import _
from .widgets import CodeCombo


class FlagBoxes(QWidget):
    """Check boxes of a "tick all that apply" question, and one for none of them.
    Nothing ticked is "not filled in"."""

    changed = Signal()

    def __init__(self, flags: FlagSet, parent=None):
        super().__init__(parent)
        self.flags = flags
        self.none = QCheckBox(flags.none)
        self.boxes = {value: QCheckBox(label) for value, label in flags.items}
        column = QVBoxLayout(self)      # one under another: long labels fit a narrow form
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        for box in [*self.boxes.values(), self.none]:
            column.addWidget(box)
            box.toggled.connect(self._toggled)

    def _toggled(self, on: bool) -> None:
        sender = self.sender()
        if on:      # "none" and the items exclude each other
            others = list(self.boxes.values()) if sender is self.none else [self.none]
            for box in others:
                box.blockSignals(True)
                box.setChecked(False)
                box.blockSignals(False)
        self.changed.emit()

    def value(self) -> str | None:
        if self.none.isChecked():
            return "0"
        total = sum(v for v, box in self.boxes.items() if box.isChecked())
        return str(total) if total else None

    def set_value(self, value: str | None) -> None:
        ticked = self.flags.ticked(value) if value not in (None, "") else []
        for v, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(v in ticked)
            box.blockSignals(False)
        self.none.blockSignals(True)
        self.none.setChecked(value not in (None, "") and self.flags.valid(value)
                             and not ticked)
        self.none.blockSignals(False)


class CountBox(QSpinBox):
    """A whole number, or "not filled in" (the lowest step)."""

    def __init__(self, maximum: int, parent=None):
        super().__init__(parent)
        self.setRange(-1, maximum)
        self.setSpecialValueText(_("(not filled in)"))
        self.setValue(-1)

    def number(self) -> int | None:
        return None if self.value() < 0 else self.value()

    def set_number(self, value: int | None) -> None:
        self.setValue(-1 if value is None else int(value))


class QuestionFields(QWidget):
    """Every question of ``questions``, grouped; :meth:`values` gives the answers."""

    changed = Signal()

    def __init__(self, questions: tuple[Question, ...], parent=None):
        super().__init__(parent)
        self.questions = questions
        self.widgets: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for title, members in groups(questions):
            form = QFormLayout()
            # a long question puts its answer under it rather than widen the form
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            for q in members:
                widget = self._widget(q)
                self.widgets[q.field] = widget
                form.addRow(f"{_(q.label)} ({q.number})", widget)
            box = QGroupBox(_(title))
            box.setLayout(form)
            layout.addWidget(box)
        layout.addStretch(1)

    def _widget(self, q: Question) -> QWidget:
        if q.kind == "flags":
            widget = FlagBoxes(q.choices)
            widget.changed.connect(self.changed)
        elif q.kind == "code":
            widget = CodeCombo(q.choices)
            widget.currentIndexChanged.connect(self.changed)
        elif q.kind == "count":
            widget = CountBox(q.maximum)
            widget.valueChanged.connect(self.changed)
        else:
            widget = QLineEdit()
            widget.setPlaceholderText("m²")
            widget.textChanged.connect(self.changed)
        return widget

    def load(self, record) -> None:
        """Show the answers of ``record`` (a member or household input or DTO)."""
        for q in self.questions:
            widget, value = self.widgets[q.field], getattr(record, q.field, None)
            if q.kind == "flags":
                widget.set_value(value)
            elif q.kind == "code":
                widget.set_code(value)
            elif q.kind == "count":
                widget.set_number(value)
            else:
                widget.setText(q.label_of(value))

    def values(self) -> dict:
        """The answers as stored; an area that is not a number is given as -1, which
        the rules of core.validation report at the question."""
        out = {}
        for q in self.questions:
            widget = self.widgets[q.field]
            if q.kind == "flags":
                out[q.field] = widget.value()
            elif q.kind == "code":
                out[q.field] = widget.code()
            elif q.kind == "count":
                out[q.field] = widget.number()
            else:
                try:
                    out[q.field] = read_answer(q, widget.text())
                except ValueError:
                    out[q.field] = -1.0
        return out

    def typed(self) -> tuple:
        """What the fields show, to tell whether anything was changed."""
        out = []
        for q in self.questions:
            widget = self.widgets[q.field]
            out.append(widget.text() if isinstance(widget, QLineEdit)
                       else widget.value() if isinstance(widget, (FlagBoxes, CountBox))
                       else widget.currentIndex())
        return tuple(out)
