"""The dialogs of the Pertukaran Data page: where a bundle goes (and how big its
files may be), and what a bundle received would change, shown before it is
applied."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSpinBox, QTableView, QVBoxLayout)

from ..core.bahasa import short_date, short_datetime
from ..core.codes import OfficeKind, ReferralStatus
from ..core.labels import field_label, value_label
from ..i18n import _
from ..services.exchange.records import LABELS as ENTITY_WORDS
from .table_model import DtoTableModel
from .widgets import FitColumns, dialog_buttons, documents_folder, fit_size


class ExportDialog(QDialog):
    """Where the next bundle goes: the other office (a village chooses none: its
    kabupaten), the folder (a USB stick), everything or what changed, the file size."""

    def __init__(self, services, actor, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Send a bundle"))
        me = services.keys.ensure_keys(actor=actor)
        peers = [p for p in services.keys.peers(actor=actor) if p.revoked_at is None]
        self.to = QComboBox()
        wanted = (OfficeKind.KABUPATEN if me.kind == OfficeKind.DESA.value
                  else OfficeKind.DESA).value
        for p in peers:
            if p.kind == wanted:
                self.to.addItem(f"{p.name} ({p.code})", p.code)
        self.folder = QLineEdit(str(documents_folder()))
        choose = QPushButton(_("Choose…"))
        choose.clicked.connect(self.choose_folder)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(choose)
        self.full = QCheckBox(_("Everything (not only what changed since the last receipt)"))
        self.max_mb = QSpinBox()
        self.max_mb.setRange(1, 200)
        self.max_mb.setValue(20)
        self.max_mb.setSuffix(" MB")
        self.max_mb.setToolTip(_("Larger bundles are cut into several files of at most this "
                                 "size (an email attachment's limit is often 20 MB)."))
        self.empty = QLabel(_("No trusted office to send to yet. Trust its identity file "
                              "first (Settings → Exchange keys)."))
        self.empty.setWordWrap(True)
        self.empty.setVisible(self.to.count() == 0)
        form = QFormLayout()
        form.addRow(_("To"), self.to)
        form.addRow(_("Folder"), where)
        form.addRow("", self.full)
        form.addRow(_("Largest file"), self.max_mb)
        self.buttons = dialog_buttons(QDialogButtonBox.StandardButton.Ok,
                                      QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("&Send"))
        self.ok.setEnabled(self.to.count() > 0)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        fit_size(self, 620, 240)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Where to write the bundle"),
                                                  self.folder.text())
        if folder:
            self.folder.setText(folder)


#: the records a plan lists (the counts above the list say how many in all)
LISTED = 2000


def record_label(record) -> str:
    """Which record a line of the plan is, from what the bundle carries: a family's No
    KK and address, a member's name, a program and its period."""
    values = record.theirs
    if record.entity == "household":
        return f"{values.get('no_kk') or '-'} · {values.get('address') or ''}".strip(" ·")
    if record.entity == "member":
        return values.get("name") or "-"
    if record.entity == "referral":
        return f"{values.get('tracking_code') or '-'} · {values.get('person_name') or ''}"
    if record.entity == "referral_event":
        return ReferralStatus.label_of(values.get("to_status") or "")
    if record.entity == "referral_reply":
        return ReferralStatus.label_of(values.get("outcome") or "")
    if record.entity == "referral_visit":
        return values.get("visitor") or "-"
    return f"{values.get('program_code') or '-'} {values.get('period') or ''}".strip()


def _shown(entity: str, name: str, value) -> str:
    """A field's value as the plan shows it (codes and dates as a person reads them)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return short_datetime(value)
    if isinstance(value, date):
        return short_date(value)
    return value_label(entity, name, str(value))[:60]


def _changes(record) -> str:
    """What a record received changes: new, or each field from what it held to what
    it will hold."""
    if record.new:
        return _("new")
    if record.entity == "referral_attachment" and record.removes:
        return _("removed")
    return "; ".join(f"{field_label(record.entity, f)}: "
                     f"{_shown(record.entity, f, record.before.get(f))} → "
                     f"{_shown(record.entity, f, value)}"
                     for f, value in record.apply.items())


class PlanDialog(QDialog):
    """What a bundle would change here, before anything is written: how many records
    are new, changed, removed or unchanged, what waits for a decision, the bundles not
    received yet and the NIKs another village has too; "Apply" applies it."""

    def __init__(self, received, plan, parent=None):
        super().__init__(parent)
        m = received.manifest
        self.setWindowTitle(_("Bundle {n} from {name}").format(n=m.sequence,
                                                               name=m.source.name))
        lines = [_("From {name} ({code}), made {when}.").format(
            name=m.source.name, code=m.source.code,
            when=short_datetime(m.created_at))]
        if plan.already:
            lines.append(_("This bundle was imported before: nothing changes."))
        else:
            lines.append(_("New: {new} · changed: {changed} · removed: {removed} · "
                           "unchanged: {unchanged}").format(
                new=plan.count("new"), changed=plan.count("changed"),
                removed=plan.count("removed"), unchanged=plan.unchanged))
            waiting = plan.count("conflicts") + plan.count("proposals")
            if waiting:
                lines.append(_("{n} fields will wait for a decision (conflicts and "
                               "proposals): nothing of ours is overwritten.").format(n=waiting))
        if plan.shared_niks:
            lines.append(_("{n} NIKs are also registered in another village (kept apart, "
                           "each under its village).").format(n=len(plan.shared_niks)))
        for reply in plan.replies[:20]:
            lines.append(_("Reply to referral {code} ({name}): {status}").format(
                code=reply.tracking_code, name=reply.person_name,
                status=ReferralStatus.label_of(reply.outcome))
                + (" — " + _("not applied: {why}").format(why=reply.problem)
                   if reply.problem else ""))
        if len(plan.replies) > 20:
            lines.append(_("… and {n} more replies").format(n=len(plan.replies) - 20))
        if len(plan.records) > LISTED:
            lines.append(_("The list below shows the first {shown} of {n} records.").format(
                shown=LISTED, n=len(plan.records)))
        self.summary = QLabel("\n".join(lines))
        self.summary.setWordWrap(True)
        # a reply is named by its referral's tracking code and person
        replies = {x.reply_id: f"{x.tracking_code} · {x.person_name}: "
                               f"{ReferralStatus.label_of(x.outcome)}" for x in plan.replies}
        self.model = DtoTableModel([
            (_("Kind"), lambda r: _(ENTITY_WORDS[r.entity])),
            (_("Record"), lambda r: replies.get(r.entity_id) or record_label(r)),
            (_("Changes"), _changes),
            (_("Waiting"), lambda r: ", ".join(field_label(r.entity, c.field)
                                               for c in r.conflicts + r.proposals) or "—")])
        self.model.set_rows(plan.records[:LISTED])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        self.columns = FitColumns(self.table, elastic=(1, 3, 2))
        self.out_of_order = QCheckBox(_("Apply it though bundle {numbers} has not arrived")
                                      .format(numbers=", ".join(str(n) for n in plan.missing)))
        self.out_of_order.setVisible(bool(plan.missing) and not plan.already)
        self.buttons = dialog_buttons(QDialogButtonBox.StandardButton.Ok,
                                      QDialogButtonBox.StandardButton.Cancel)
        self.apply = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply.setText(_("&Apply") if not plan.already else _("&Write the receipt"))
        self.apply.setEnabled(not plan.missing or plan.already)
        self.out_of_order.toggled.connect(self.apply.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.out_of_order)
        layout.addWidget(self.buttons)
        fit_size(self, 760, 520)
