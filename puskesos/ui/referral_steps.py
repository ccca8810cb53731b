"""The steps of a referral, each a small dialog that records itself through the
writer (refer, solved in the village, the service's reply, cancel, a home visit,
the follow-up date), the documents checklist, and the monthly report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMessageBox, QPlainTextEdit, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from ..core import referrals as rules
from ..core.bahasa import MONTHS
from ..core.codes import ReferralStatus
from ..core.permissions import Permission
from ..errors import InvalidInput, UserError
from ..files import safe_name
from ..i18n import _
from ..services.referrals.flow import REPLIES
from .jobs import show_error
from .operations import write
from .widgets import DateEdit, dialog_buttons, fit_size, save_path

S = ReferralStatus


def _date(field: DateEdit, label: str, *, required: bool = True) -> date | None:
    """A date field's value, or an InvalidInput naming the field."""
    try:
        value = field.value()
    except ValueError as exc:
        raise InvalidInput(_("{field}: {problem}").format(field=label, problem=exc)) from None
    if value is None and required:
        raise InvalidInput(_("{field}: fill in the date (dd-mm-yyyy).").format(field=label))
    return value


def _note(lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setMinimumHeight(box.fontMetrics().height() * lines + 12)
    return box


class DocumentsEditor(QWidget):
    """A documents checklist: tick what was brought, add one."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.list = QListWidget()
        self.new = QLineEdit()
        self.new.setPlaceholderText(_("Another document…"))
        add = QPushButton(_("Add"))
        add.clicked.connect(self.add)
        self.new.returnPressed.connect(self.add)
        row = QHBoxLayout()
        row.addWidget(self.new, 1)
        row.addWidget(add)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)

    def set_documents(self, documents: list[tuple[str, bool]]) -> None:
        self.list.clear()
        for name, present in documents:
            self._item(name, present)

    def _item(self, name: str, present: bool) -> None:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if present else Qt.CheckState.Unchecked)
        self.list.addItem(item)

    def add(self) -> None:
        name = " ".join(self.new.text().split())
        if name and name not in [n for n, _p in self.documents()]:
            self._item(name, True)
        self.new.clear()

    def documents(self) -> list[tuple[str, bool]]:
        return [(self.list.item(i).text(),
                 self.list.item(i).checkState() == Qt.CheckState.Checked)
                for i in range(self.list.count())]


class StepDialog(QDialog):
    """A step's form: OK records it through the writer; a refusal is shown and the
    form stays open with what was typed."""

    def title(self) -> str:
        """The dialog's title."""
        return ""

    def __init__(self, services, actor, detail, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.detail = services, actor, detail
        self.result_detail = None
        self.setWindowTitle(f"{self.title()} — {detail.tracking_code}")
        self.form = QFormLayout()
        self.form.addRow(_("Referral"), QLabel(f"{detail.tracking_code} · {detail.person_name}"))
        self.on = DateEdit()
        self.on.set_value(date.today())
        self.buttons = dialog_buttons(QDialogButtonBox.StandardButton.Ok,
                                      QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.build()
        layout = QVBoxLayout(self)
        layout.addLayout(self.form, 1)
        layout.addWidget(self.buttons)
        # as tall as its fields need (a date and a note need less than a checklist)
        fit_size(self, 560, self.sizeHint().height())

    def build(self) -> None:
        """Add the step's fields to ``self.form``."""

    def work(self):
        """Read the fields (main thread) and return the service call to make."""
        raise NotImplementedError

    def accept(self) -> None:
        try:
            call = self.work()
            self.result_detail = write(self, call)
        except UserError as exc:
            show_error(self, exc)
            return
        super().accept()


class ReferDialog(StepDialog):
    def title(self) -> str:
        return _("Refer")

    def build(self) -> None:
        self.target = QComboBox()
        self.target.setEditable(True)
        self.target.addItems(self.services.referrals.services())
        self.target.setCurrentText(self.detail.target_service or "")
        self.target.lineEdit().setPlaceholderText(_("Choose from the list or type the service"))
        self.requested = _note()
        self.requested.setPlaceholderText(_("What the service is asked to do"))
        self.requested.setPlainText(self.detail.service_requested or "")
        self.documents = DocumentsEditor()
        self.documents.set_documents([(d.name, d.present) for d in self.detail.documents])
        self.note = QLineEdit()
        self.form.addRow(_("Target service *"), self.target)
        self.form.addRow(_("Service requested *"), self.requested)
        self.form.addRow(_("Documents"), self.documents)
        self.form.addRow(_("Date"), self.on)
        self.form.addRow(_("Note"), self.note)

    def work(self):
        referrals, actor, d = self.services.referrals, self.actor, self.detail
        values = dict(target_service=self.target.currentText(),
                      service_requested=self.requested.toPlainText(),
                      documents=self.documents.documents(), on=_date(self.on, _("Date")),
                      note=self.note.text() or None)
        return lambda: referrals.refer(actor=actor, referral_id=d.id,
                                       expected_version=d.version, **values)


class SolveDialog(StepDialog):
    def title(self) -> str:
        return _("Solved in the village")

    def build(self) -> None:
        self.action = _note(4)
        self.action.setPlaceholderText(_("What was done in the village to solve it"))
        self.form.addRow(_("Action taken *"), self.action)
        self.form.addRow(_("Date"), self.on)

    def work(self):
        referrals, actor, d = self.services.referrals, self.actor, self.detail
        action, on = self.action.toPlainText(), _date(self.on, _("Date"))
        return lambda: referrals.solve_in_village(actor=actor, referral_id=d.id,
                                                  action_taken=action, on=on,
                                                  expected_version=d.version)


class ReplyDialog(StepDialog):
    def title(self) -> str:
        return _("The service's reply")

    def build(self) -> None:
        self.outcome = QComboBox()
        current = rules.status_of(self.detail.status)
        # a reply may pass steps the service took meanwhile: "done" to a referral sent
        later = REPLIES if current not in REPLIES else REPLIES[REPLIES.index(current) + 1:]
        for status in later if current in (S.DIRUJUK, S.DITERIMA, S.DIPROSES) else ():
            self.outcome.addItem(status.label, status.value)
        self.reference = QLineEdit(self.detail.reply_reference or "")
        self.reference.setPlaceholderText(_("The number of the service's letter, if any"))
        self.note = _note()
        self.form.addRow(_("Reply"), self.outcome)
        self.form.addRow(_("Reply number"), self.reference)
        self.form.addRow(_("Date of the reply"), self.on)
        self.form.addRow(_("Note"), self.note)

    def work(self):
        referrals, actor, d = self.services.referrals, self.actor, self.detail
        values = dict(outcome=self.outcome.currentData(), on=_date(self.on, _("Date")),
                      reference=self.reference.text() or None,
                      note=self.note.toPlainText() or None)
        return lambda: referrals.record_reply(actor=actor, referral_id=d.id,
                                              expected_version=d.version, **values)


class CancelDialog(StepDialog):
    def title(self) -> str:
        return _("Cancel the referral")

    def build(self) -> None:
        self.reason = _note()
        self.reason.setPlaceholderText(_("Why it is cancelled (e.g. the resident withdrew)"))
        self.form.addRow(_("Reason *"), self.reason)
        self.form.addRow(_("Date"), self.on)

    def work(self):
        referrals, actor, d = self.services.referrals, self.actor, self.detail
        reason, on = self.reason.toPlainText(), _date(self.on, _("Date"))
        return lambda: referrals.transition(actor=actor, referral_id=d.id,
                                            status=S.DIBATALKAN.value, on=on, note=reason,
                                            expected_version=d.version)


class VisitDialog(StepDialog):
    def title(self) -> str:
        return _("Home visit")

    def build(self) -> None:
        self.visitor = QLineEdit(self.actor.full_name or self.actor.username)
        self.findings = _note(4)
        self.next = DateEdit()
        self.form.addRow(_("Date of the visit"), self.on)
        self.form.addRow(_("Visitor *"), self.visitor)
        self.form.addRow(_("Findings *"), self.findings)
        if rules.is_open(self.detail.status):
            self.form.addRow(_("Next follow-up"), self.next)

    def work(self):
        referrals, actor, d = self.services.referrals, self.actor, self.detail
        values = dict(visited_on=_date(self.on, _("Date of the visit")),
                      visitor=self.visitor.text(), findings=self.findings.toPlainText(),
                      next_follow_up=_date(self.next, _("Next follow-up"), required=False))
        return lambda: referrals.add_visit(actor=actor, referral_id=d.id, **values)


class FollowUpDialog(StepDialog):
    def title(self) -> str:
        return _("Follow-up date")

    def build(self) -> None:
        if self.detail.follow_up_on:
            self.on.set_value(self.detail.follow_up_on)
        self.note = QLineEdit()
        self.form.addRow(_("Follow up on"), self.on)
        self.form.addRow(_("Note"), self.note)

    def work(self):
        referrals, actor, d = self.services.referrals, self.actor, self.detail
        on, note = _date(self.on, _("Follow up on")), self.note.text() or None
        return lambda: referrals.set_follow_up(actor=actor, referral_id=d.id, on=on,
                                               note=note)


class MonthlyReportDialog(QDialog):
    """The month's referrals for the Kepala Desa and the forum: PDF or Excel."""

    def __init__(self, services, actor, bus, page):
        super().__init__(page)
        self.services, self.actor, self.bus, self.page = services, actor, bus, page
        self.job = None
        self.setWindowTitle(_("Monthly referral report"))
        today = date.today()
        self.month = QComboBox()
        for number, name in enumerate(MONTHS, start=1):
            self.month.addItem(name, number)
        self.month.setCurrentIndex(today.month - 1)
        self.year = QSpinBox()
        self.year.setRange(2000, today.year + 1)
        self.year.setValue(today.year)
        self.pdf_button = QPushButton(_("&PDF (preview)…"))
        self.pdf_button.clicked.connect(self.pdf)
        self.xlsx_button = QPushButton(_("&Excel…"))
        self.xlsx_button.clicked.connect(lambda: self.xlsx())
        self.xlsx_button.setEnabled(actor.can(Permission.EXPORT))
        close = dialog_buttons(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        when = QHBoxLayout()
        when.addWidget(self.month, 1)
        when.addWidget(self.year)
        form = QFormLayout()
        form.addRow(_("Month"), when)
        row = QHBoxLayout()
        row.addWidget(self.pdf_button)
        row.addWidget(self.xlsx_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(close)
        fit_size(self, 420, self.sizeHint().height())

    def chosen(self) -> tuple[int, int]:
        return self.year.value(), self.month.currentData()

    def pdf(self) -> None:
        referrals, actor = self.services.referrals, self.actor
        year, month = self.chosen()

        def work(_progress, _cancel):
            return referrals.monthly_pdf(actor=actor, year=year, month=month)

        self.job = self.bus.ops.run(self, _("Printing the monthly report"), work,
                                    on_done=self.page.preview)

    def xlsx(self, path: str | None = None) -> None:
        referrals, actor = self.services.referrals, self.actor
        year, month = self.chosen()
        if not path:
            path, _f = QFileDialog.getSaveFileName(
                self, _("Monthly report to Excel"),
                save_path(safe_name("rekap-rujukan", f"{year}-{month:02d}") + ".xlsx"),
                _("Excel workbooks (*.xlsx)"))
        if not path:
            return

        def work(_progress, _cancel):
            return referrals.monthly_xlsx(actor=actor, year=year, month=month, path=Path(path))

        def done(saved) -> None:
            QMessageBox.information(self, _("Monthly referral report"),
                                    _("Saved to {path}.").format(path=saved))

        self.job = self.bus.ops.run(self, _("Monthly report to Excel"), work, on_done=done)
