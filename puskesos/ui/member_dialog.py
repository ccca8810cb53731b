"""Edit one member of a household (all fields, with the rules checked as you type)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QMessageBox, QScrollArea, QTabWidget, QVBoxLayout,
                               QWidget)

from ..core import codes
from ..core.identifiers import Severity, nik_birth, normalize_number, well_formed
from ..core.labels import field_label
from ..core.questions import MEMBER_QUESTIONS
from ..core.validation import MemberInput, check_member, strip_hostile_text
from ..i18n import _
from .question_form import QuestionFields
from .widgets import CodeCombo, DateEdit, fit_size, message_label, show_message


class MemberDialog(QDialog):
    """Returns the edited :class:`MemberInput` in :attr:`result_member` on accept."""

    def __init__(self, member: MemberInput | None = None, *, read_only: bool = False,
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Member") if member else _("New member"))
        self.setMinimumWidth(520)
        self._original = member
        self.result_member: MemberInput | None = None

        self.name = QLineEdit()
        self.nik = QLineEdit()
        self.nik.setMaxLength(40)
        self.nik_message = message_label()
        self.sex = CodeCombo(codes.Sex, required=True)
        self.birth_place = QLineEdit()
        self.birth_date = DateEdit()
        self.relationship = CodeCombo(codes.Relationship, required=True)
        self.marital = CodeCombo(codes.MaritalStatus)
        self.religion = CodeCombo(codes.Religion)
        self.school = CodeCombo(codes.SchoolAttendance)
        self.education = CodeCombo(codes.EducationLevel)
        self.work = CodeCombo(codes.WorkStatus)
        self.occupation = QLineEdit()
        self.disability = CodeCombo(codes.Disability)
        self.illness = CodeCombo(codes.ChronicIllness)
        self.pregnant = QCheckBox(_("Pregnant"))
        self.presence = CodeCombo(codes.Presence, required=True)
        self.presence_date = DateEdit()
        self.presence_note = QLineEdit()
        self.message = message_label()

        form = QFormLayout()
        rows = [("name", self.name), ("nik", self.nik), (None, self.nik_message),
                ("sex", self.sex), ("birth_place", self.birth_place),
                ("birth_date", self.birth_date), ("relationship_code", self.relationship),
                ("marital_status", self.marital), ("religion", self.religion),
                ("school_attendance", self.school), ("education_level", self.education),
                ("work_status", self.work), ("occupation", self.occupation),
                ("disability", self.disability), ("chronic_illness", self.illness),
                (None, self.pregnant), ("presence", self.presence),
                ("presence_date", self.presence_date), ("presence_note", self.presence_note)]
        for field, widget in rows:
            form.addRow(field_label("member", field) if field else "", widget)
        inner = QWidget()
        inner.setLayout(form)
        # the DTSEN questions beyond identity (411-431f) on a second page
        self.questions = QuestionFields(MEMBER_QUESTIONS)
        self.tabs = QTabWidget()
        for page, title in ((inner, _("Identity and status")),
                            (self.questions, _("DTSEN details"))):
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(page)
            self.tabs.addTab(scroll, title)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        # one rule, said on the button and under it: the member goes into the form, and
        # the household form's Save stores it with the rest
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            _("Put in the form") if member is None else _("Apply to the form"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.rule_note = QLabel(_("Nothing is stored yet: press Save in the household form "
                                  "to store the member with the rest."))
        self.rule_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.rule_note)
        layout.addWidget(self.buttons)

        if member:
            self._load(member)
        else:
            self.presence.set_code(codes.Presence.TINGGAL.value)
            self.relationship.set_code(codes.Relationship.ANAK.value)
        for edit in (self.nik, self.birth_date):
            edit.textChanged.connect(self._live_check)
        self.nik.textChanged.connect(self._propose_from_nik)
        self.sex.currentIndexChanged.connect(self._live_check)
        if read_only:
            for child in [*inner.findChildren(QWidget), *self.questions.findChildren(QWidget)]:
                child.setEnabled(False)
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).hide()
        fit_size(self, 560, 640)
        self._typed_at_start = self._typed()

    def _load(self, m: MemberInput) -> None:
        self.name.setText(m.name or "")
        self.nik.setText(m.nik or "")
        self.sex.set_code(m.sex)
        self.birth_place.setText(m.birth_place or "")
        self.birth_date.set_value(m.birth_date)
        self.relationship.set_code(m.relationship_code)
        self.marital.set_code(m.marital_status)
        self.religion.set_code(m.religion)
        self.school.set_code(m.school_attendance)
        self.education.set_code(m.education_level)
        self.work.set_code(m.work_status)
        self.occupation.setText(m.occupation or "")
        self.disability.set_code(m.disability)
        self.illness.set_code(m.chronic_illness)
        self.pregnant.setChecked(bool(m.pregnant))
        self.presence.set_code(m.presence)
        self.presence_date.set_value(m.presence_date)
        self.presence_note.setText(m.presence_note or "")
        self.questions.load(m)

    def current(self) -> MemberInput:
        """The member as typed (dates that are not real dates raise ValueError)."""
        base = self._original or MemberInput(name="", sex="L", relationship_code="3")
        return replace(
            base, name=self.name.text(), nik=normalize_number(self.nik.text()) or None,
            sex=self.sex.code() or "L", birth_place=self.birth_place.text() or None,
            birth_date=self.birth_date.value(), relationship_code=self.relationship.code(),
            marital_status=self.marital.code(), religion=self.religion.code(),
            school_attendance=self.school.code(), education_level=self.education.code(),
            work_status=self.work.code(), occupation=self.occupation.text() or None,
            disability=self.disability.code(), chronic_illness=self.illness.code(),
            pregnant=self.pregnant.isChecked() or None, presence=self.presence.code(),
            presence_date=self.presence_date.value(),
            presence_note=self.presence_note.text() or None, **self.questions.values())

    def _date_problem(self) -> str | None:
        for widget in (self.birth_date, self.presence_date):
            if not widget.is_valid():
                return _("'{text}' is not a date. Type it as dd-mm-yyyy, for example "
                         "17-08-1980.").format(text=widget.text())
        return None

    def _typed(self) -> tuple:
        """Everything the fields hold, to tell whether anything was typed."""
        return tuple(w.text() for w in self.findChildren(QLineEdit)) + tuple(
            w.currentIndex() for w in self.findChildren(CodeCombo)) + (
            self.pregnant.isChecked(),) + self.questions.typed()

    def reject(self) -> None:
        """Cancel or Escape: what was typed is not thrown away without asking."""
        if self.result_member is None and self._typed() != self._typed_at_start \
                and self.buttons.button(QDialogButtonBox.StandardButton.Ok).isVisible():
            answer = QMessageBox.question(
                self, self.windowTitle(), _("Discard what you typed for this member?"),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    def _propose_from_nik(self, text: str) -> None:
        """A valid NIK tells the birth date and sex: proposed where they are empty."""
        nik = "".join(text.split())
        if self.birth_date.text().strip() or not well_formed(nik):
            return
        found = nik_birth(nik, date.today())
        if found is None:
            return
        born, sex = found
        self.birth_date.set_value(born)
        if not self.sex.code() or self._original is None:
            self.sex.set_code(sex)

    def _live_check(self) -> None:
        problem = self._date_problem()
        # a date typed wrong is named at once, under the form
        show_message(self.message, problem or "")
        if problem:
            show_message(self.nik_message, "")
            return
        problems = [p for p in check_member(self.current()) if p.field == "nik"]
        errors = [p for p in problems if p.severity is Severity.ERROR]
        if errors:
            show_message(self.nik_message, errors[0].message)
        elif problems:
            show_message(self.nik_message, problems[0].message, warning=True)
        else:
            show_message(self.nik_message, "")

    def _accept(self) -> None:
        problem = self._date_problem()
        if problem:
            show_message(self.message, problem)
            return
        member, removed = strip_hostile_text(self.current(), "member")
        if removed:
            # put the clean text in the fields and let the operator look before OK
            for name in removed:
                {"name": self.name, "birth_place": self.birth_place,
                 "occupation": self.occupation,
                 "presence_note": self.presence_note}[name].setText(getattr(member, name))
            show_message(self.message, _(
                "Invisible control or text-direction characters were removed from: "
                "{fields}. Check these values.").format(
                    fields=", ".join(field_label("member", name) for name in removed)),
                warning=True)
            return
        errors = [p for p in check_member(member, today=date.today()) if p.is_error]
        if errors:
            lines = []
            for p in errors:
                where = field_label("member", p.field)
                lines.append(p.message if p.message.startswith(where)
                             else f"{where}: {p.message}")
            show_message(self.message, "\n".join(lines))
            return
        self.result_member = member
        self.accept()
