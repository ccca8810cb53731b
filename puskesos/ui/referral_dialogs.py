"""A referral opened: everything about it, its steps, visits, documents and
attachments, and the actions its status allows (each in :mod:`.referral_steps`)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QInputDialog, QLabel, QMessageBox, QPlainTextEdit,
                               QPushButton, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from ..core import referrals as rules
from ..core.bahasa import short_date, short_datetime
from ..core.codes import (OfficeKind, ReferralCategory, ReferralChannel, ReferralStatus,
                          ReferralUrgency)
from ..core.permissions import Permission
from ..errors import UserError
from ..files import safe_name, write_bytes
from ..i18n import _
from ..services.referrals.flow import REPLIES
from .jobs import show_error
from .operations import write
from .pdf_preview import PdfPreview
from .referral_intake import context_html
from .referral_steps import (CancelDialog, DocumentsEditor, FollowUpDialog, ReferDialog,
                             ReplyDialog, SolveDialog, VisitDialog)
from .table_model import DtoTableModel
from .widgets import FlowLayout, dialog_buttons, fit_size, list_table, open_file, save_path

S = ReferralStatus
#: the statuses in which a surat rujukan is first printed (a reprint: whenever there is one)
LETTER_STATES = frozenset({S.DIRUJUK, S.DITERIMA, S.DIPROSES})


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _kind(attachment) -> str:
    """An attachment's kind in words (a photo or scan, or a PDF)."""
    if attachment.media_type == "application/pdf":
        return "PDF"
    if attachment.media_type.startswith("image/"):
        return _("Image")
    return attachment.media_type


class ReferralDialog(QDialog):
    """One referral: what was asked, who asked, where it stands, and what can be done
    next (only the steps its status allows; nothing for a reader)."""

    def __init__(self, services, actor, bus, referral_id: str, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.referral_id = referral_id
        self.can_edit = actor.can(Permission.EDIT_REGISTRY)
        # the kabupaten keeps the villages' referrals as their bundles bring them: it
        # records the service's reply only (it travels to the village)
        self.at_kabupaten = services.settings.office().kind == OfficeKind.KABUPATEN.value
        self.previews: list[PdfPreview] = []
        self.job = None
        self.detail = None
        self.fields: dict[str, QLabel] = {}
        left, right = QFormLayout(), QFormLayout()
        for form, keys in ((left, (("code", _("Tracking code")), ("status", _("Status")),
                                   ("name", _("Name")), ("nik", _("NIK")),
                                   ("address", _("Address")), ("phone", _("Phone/WA")))),
                           (right, (("category", _("Category")), ("received", _("Received")),
                                    ("service", _("Target service")),
                                    ("letter", _("Letter number")),
                                    ("follow_up", _("Follow-up")), ("reply", _("Reply"))))):
            for key, label in keys:
                value = QLabel()
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                # a name or a note is shown as typed, never read as markup
                value.setTextFormat(Qt.TextFormat.RichText if key in ("status", "follow_up")
                                    else Qt.TextFormat.PlainText)
                self.fields[key] = value
                form.addRow(label, value)
        summary = QHBoxLayout()
        summary.addLayout(left, 1)
        summary.addLayout(right, 1)

        self.description = QPlainTextEdit()
        self.description.setReadOnly(True)
        # who asks: the household, DTSEN status, programs and earlier referrals
        self.person = QTextBrowser()
        self.person.setOpenLinks(False)
        request_tab = QWidget()
        request_layout = QVBoxLayout(request_tab)
        request_layout.addWidget(self.description, 1)
        request_layout.addWidget(self.person, 2)
        self.events = DtoTableModel([
            (_("Date"), lambda e: short_date(e.on_date)),
            (_("Step"), lambda e: (ReferralStatus.label_of(e.from_status) + " → "
                                   if e.from_status else "") + ReferralStatus.label_of(
                                       e.to_status)),
            (_("By"), lambda e: e.actor),
            (_("Note"), lambda e: (e.note or "").replace("\n", " "))], self)
        self.visits = DtoTableModel([
            (_("Date"), lambda v: short_date(v.visited_on)),
            (_("Visitor"), lambda v: v.visitor),
            (_("Findings"), lambda v: v.findings.replace("\n", " ")),
            (_("Recorded by"), lambda v: v.actor)], self)
        self.files = DtoTableModel([
            (_("File"), lambda a: a.filename), (_("Kind"), _kind),
            (_("Size"), lambda a: _size(a.size)),
            (_("Added"), lambda a: short_datetime(a.added_at)), (_("By"), lambda a: a.actor)],
            self)
        self.events_view = list_table(self.events, (3, 1))
        self.visits_view = list_table(self.visits, (2, 1))
        self.files_view = list_table(self.files, (0, 1))
        self.files_view.doubleClicked.connect(lambda _i: self.open_attachment())
        self.documents = DocumentsEditor()
        self.save_documents = QPushButton(_("Save the &checklist"))
        self.save_documents.clicked.connect(self.store_documents)
        documents_tab = QWidget()
        documents_layout = QVBoxLayout(documents_tab)
        documents_layout.addWidget(self.documents, 1)
        documents_layout.addWidget(self.save_documents)
        self.file_buttons = {}
        file_row = QHBoxLayout()
        for key, text, slot in (("open", _("&Open"), self.open_attachment),
                                ("copy", _("Save a &copy…"), lambda: self.copy_attachment()),
                                ("remove", _("&Remove…"), self.remove_attachment),
                                ("add", _("&Attach files…"), lambda: self.add_attachments())):
            button = QPushButton(text)
            button.clicked.connect(slot)
            self.file_buttons[key] = button
            file_row.addWidget(button)
        file_row.addStretch(1)
        files_tab = QWidget()
        files_layout = QVBoxLayout(files_tab)
        files_layout.addWidget(self.files_view, 1)
        files_layout.addLayout(file_row)
        self.tabs = QTabWidget()
        self.tabs.addTab(request_tab, _("Request"))
        self.tabs.addTab(self.events_view, _("Steps"))
        self.tabs.addTab(self.visits_view, _("Visits"))
        self.tabs.addTab(documents_tab, _("Documents"))
        self.tabs.addTab(files_tab, _("Attachments"))

        self.actions: dict[str, QPushButton] = {}
        # (Ctrl+P prints the letter where it is offered)
        actions = FlowLayout()
        for key, text, slot in (
                ("record", _("Re&cord the draft"), self.record),
                ("refer", _("&Refer…"), self.refer),
                ("solve", _("Solved in the &village…"), self.solve),
                ("reply", _("Record the &reply…"), self.reply),
                ("cancel", _("Ca&ncel the referral…"), self.cancel_referral),
                ("visit", _("&Home visit…"), self.visit),
                ("follow_up", _("&Follow-up date…"), self.follow_up),
                ("letter", _("&Print the surat rujukan…"), self.print_letter)):
            button = QPushButton(text)
            button.setAutoDefault(False)       # Enter in the tables presses no step
            button.clicked.connect(slot)
            self.actions[key] = button
            actions.addWidget(button)
        close = dialog_buttons(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(summary)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(actions)
        layout.addWidget(close)
        QShortcut(QKeySequence.StandardKey.Print, self, self._print_if_offered)
        fit_size(self, 960, 680)
        self.reload()

    # ---------------------------------------------------------------- showing
    def reload(self) -> None:
        self.show_detail(self.services.referrals.detail(self.referral_id, actor=self.actor))

    def show_detail(self, d) -> None:
        self.detail = d
        self.setWindowTitle(_("Referral {code} — {name}").format(code=d.tracking_code,
                                                                  name=d.person_name))
        f = self.fields
        f["code"].setText(d.tracking_code)
        status = ReferralStatus.label_of(d.status)
        if d.closed_on:
            status += " " + _("(closed {date})").format(date=short_date(d.closed_on))
        f["status"].setText(f"<b>{status}</b>")
        f["name"].setText(d.person_name)
        f["nik"].setText(d.person_nik or _("none ({reason})").format(
            reason=d.nik_absent_reason or "-"))
        f["address"].setText(d.person_address or "-")
        f["phone"].setText(d.phone or "-")
        f["category"].setText(" · ".join((ReferralCategory.label_of(d.category),
                                          ReferralUrgency.label_of(d.urgency),
                                          ReferralChannel.label_of(d.channel))))
        f["received"].setText(_("{date} by {user}").format(date=short_date(d.received_on),
                                                             user=d.received_by))
        service = d.target_service or "-"
        if d.service_requested:
            service += f": {d.service_requested}"
        if d.action_taken:
            service = _("Solved in the village: {action}").format(action=d.action_taken)
        f["service"].setText(service)
        f["letter"].setText(d.letter_number or "-")
        follow = short_date(d.follow_up_on) if d.follow_up_on else "-"
        if d.overdue:
            follow = "<span style='color:#b00020'><b>" + _("{date} (overdue)").format(
                date=follow) + "</b></span>"
        f["follow_up"].setText(follow)
        reply = " · ".join(x for x in (d.reply_reference, d.reply_note) if x)
        for x in d.replies:
            state = x.state_text()
            reply += ("\n" if reply else "") + _("Reply {status} of {date}: {state}").format(
                status=ReferralStatus.label_of(x.outcome) + (
                    f" ({x.reference})" if x.reference else ""),
                date=short_date(x.on_date), state=state)
        f["reply"].setText(reply or "-")
        self.description.setPlainText(d.description)
        context = self.services.referrals.person_context(
            actor=self.actor, member_id=d.member_id,
            nik=None if d.member_id else d.person_nik if d.person_nik and "*" not in
            d.person_nik else None, name=d.person_name)
        # the referral itself is not one of the person's "earlier" referrals
        self.person.setHtml(context_html(replace(context, earlier=tuple(
            r for r in context.earlier if r.id != d.id))))
        self.events.set_rows(d.events)
        self.visits.set_rows(d.visits)
        self.files.set_rows(d.attachments)
        self.documents.set_documents([(x.name, x.present) for x in d.documents])
        self.tabs.setTabText(2, _("Visits ({n})").format(n=len(d.visits)))
        self.tabs.setTabText(4, _("Attachments ({n})").format(n=len(d.attachments)))
        self._enable()

    def _enable(self) -> None:
        """Only the steps the status allows are offered; a reader gets none enabled."""
        d = self.detail
        allowed = {rules.status_of(s) for s in d.next_states}
        is_open = rules.is_open(d.status)
        shown = {
            "record": S.TERCATAT in allowed,
            "refer": S.DIRUJUK in allowed,
            "solve": S.SELESAI_DI_DESA in allowed,
            "reply": bool(allowed & set(REPLIES)),
            "cancel": S.DIBATALKAN in allowed,
            "visit": is_open,                  # a closed referral never changes
            "follow_up": is_open,
            # the first letter while it is referred and open; a reprint whenever there is one
            "letter": bool(d.letter_number) or (
                rules.status_of(d.status) in LETTER_STATES and bool(d.target_service)),
        }
        if self.at_kabupaten:
            shown = {key: key == "reply" and shown[key] for key in shown}
            is_open = False                   # nothing else changes here
        for key, button in self.actions.items():
            button.setVisible(shown[key])
            button.setEnabled(self.can_edit)
        if d.letter_number:
            self.actions["letter"].setText(_("&Print the surat rujukan again…"))
        self.documents.setEnabled(self.can_edit and is_open)
        self.save_documents.setEnabled(self.can_edit and is_open)
        has_file = bool(d.attachments)
        self.file_buttons["open"].setEnabled(has_file)
        self.file_buttons["copy"].setEnabled(has_file)
        self.file_buttons["remove"].setEnabled(has_file and self.can_edit and is_open)
        self.file_buttons["add"].setEnabled(self.can_edit and is_open)

    def changed(self, detail) -> None:
        """After a change: shown here, and told to the window."""
        self.show_detail(detail)
        self.bus.changed("referral", [detail.id])

    # ---------------------------------------------------------------- steps
    def _step(self, dialog_class) -> None:
        dialog = dialog_class(self.services, self.actor, self.detail, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted and dialog.result_detail is not None:
            self.changed(dialog.result_detail)

    def refer(self) -> None:
        self._step(ReferDialog)

    def solve(self) -> None:
        self._step(SolveDialog)

    def reply(self) -> None:
        self._step(ReplyDialog)

    def cancel_referral(self) -> None:
        self._step(CancelDialog)

    def visit(self) -> None:
        self._step(VisitDialog)

    def follow_up(self) -> None:
        self._step(FollowUpDialog)

    def record(self) -> None:
        """A draft becomes a recorded request."""
        referrals, actor, referral_id = self.services.referrals, self.actor, self.referral_id
        try:
            detail = write(self, lambda: referrals.record(actor=actor, referral_id=referral_id))
        except UserError as exc:
            show_error(self, exc)
            return
        self.changed(detail)

    def store_documents(self) -> None:
        referrals, actor, referral_id = self.services.referrals, self.actor, self.referral_id
        documents = self.documents.documents()
        try:
            detail = write(self, lambda: referrals.set_documents(
                actor=actor, referral_id=referral_id, documents=documents))
        except UserError as exc:
            show_error(self, exc)
            return
        self.changed(detail)

    def _print_if_offered(self) -> None:
        button = self.actions["letter"]
        if button.isVisible() and button.isEnabled():
            self.print_letter()

    def print_letter(self) -> None:
        """The surat rujukan, numbered from the letter register the first time."""
        referrals, actor, referral_id = self.services.referrals, self.actor, self.referral_id

        def work(_progress, _cancel):
            return referrals.print_letter(actor=actor, referral_id=referral_id)

        def done(document) -> None:
            self.reload()
            preview = PdfPreview(document, self)
            self.previews.append(preview)
            preview.finished.connect(lambda _r: self.previews.remove(preview)
                                     if preview in self.previews else None)
            preview.open()

        self.job = self.bus.ops.run(self, _("Printing the surat rujukan"), work,
                                    changes="referral", on_done=done)

    # ---------------------------------------------------------------- attachments
    def selected_attachment(self):
        rows = self.files_view.selectionModel().selectedRows()
        if rows:
            return self.files.row_at(rows[0].row())
        return self.files.row_at(0) if self.files.rowCount() else None

    def open_attachment(self) -> Path | None:
        """The attachment, written to a temporary file and opened with the computer's
        program for it."""
        attachment = self.selected_attachment()
        if attachment is None:
            return None
        try:
            name, _type, data = self.services.referrals.attachment_data(attachment.id,
                                                                        actor=self.actor)
            suffix = Path(name).suffix if Path(name).suffix.isascii() else ""
            folder = Path(tempfile.mkdtemp(prefix="puskesos-"))
            path = folder / ((safe_name(Path(name).stem) or "lampiran") + suffix.lower())
            write_bytes(path, data)
        except UserError as exc:
            show_error(self, exc)
            return None
        open_file(path)
        return path

    def copy_attachment(self, path: str | None = None) -> Path | None:
        attachment = self.selected_attachment()
        if attachment is None:
            return None
        if not path:
            path, _f = QFileDialog.getSaveFileName(self, _("Save a copy"),
                                                   save_path(Path(attachment.filename).name))
        if not path:
            return None
        try:
            saved = self.services.referrals.save_attachment(
                actor=self.actor, attachment_id=attachment.id, target=path)
        except UserError as exc:
            show_error(self, exc)
            return None
        QMessageBox.information(self, _("Save a copy"),
                                _("Saved to {path}.").format(path=saved))
        return saved

    def remove_attachment(self) -> None:
        attachment = self.selected_attachment()
        if attachment is None:
            return
        reason, ok = QInputDialog.getText(
            self, _("Remove attachment"),
            _("Why is {name} removed? (kept in the history)").format(name=attachment.filename))
        if not ok:
            return
        referrals, actor = self.services.referrals, self.actor
        try:
            detail = write(self, lambda: referrals.remove_attachment(
                actor=actor, attachment_id=attachment.id, reason=reason))
        except UserError as exc:
            show_error(self, exc)
            return
        self.changed(detail)

    def add_attachments(self, paths: list[str] | None = None) -> None:
        from .referral_intake import ATTACHMENT_FILTER
        from .widgets import documents_folder
        if paths is None:
            paths, _f = QFileDialog.getOpenFileNames(
                self, _("Attach files"), str(documents_folder()),
                _("Scans and photos (images, PDF) ({patterns})").format(
                    patterns=ATTACHMENT_FILTER))
        referrals, actor, referral_id = self.services.referrals, self.actor, self.referral_id
        detail, problems = None, []
        for path in paths:
            try:
                detail = write(self, lambda p=path: referrals.add_attachment(
                    actor=actor, referral_id=referral_id, path=p))
            except UserError as exc:
                problems.append(f"{Path(path).name}: {exc.message}")
        if detail is not None:
            self.changed(detail)
            self.tabs.setCurrentIndex(4)
        if problems:
            QMessageBox.warning(self, _("Attach files"),
                                _("These files were not attached:") + "\n" + "\n".join(problems))
