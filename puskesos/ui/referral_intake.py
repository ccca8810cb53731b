"""The intake of a resident's request: who asks (a member found by name or NIK, with
their household, DTSEN status, desil, programs and earlier referrals; or a person
not in the registry), what they need, the documents brought and the scans."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QPlainTextEdit, QPushButton, QRadioButton,
                               QStackedWidget, QTextBrowser, QVBoxLayout, QWidget)

from ..core import referrals as rules
from ..core.bahasa import short_date
from ..core.codes import ReferralCategory, ReferralChannel, ReferralStatus, ReferralUrgency
from ..errors import InvalidInput, UserError
from ..i18n import _
from .jobs import show_error
from .operations import write
from .widgets import CodeCombo, DateEdit, documents_folder, fit_size

#: what the file dialog offers for attachments
ATTACHMENT_FILTER = "*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff *.pdf"


def context_html(context) -> str:
    """What the window knows about the person, as a few lines of text."""
    e = html.escape
    lines = [f"<b>{e(context.name)}</b>" + (f" · NIK {e(context.nik)}" if context.nik else "")]
    if context.household_id:
        lines.append(_("No KK {no_kk} · {address}").format(
            no_kk=e(context.no_kk or "-"), address=e(context.address or "-")))
        if context.in_dtsen:
            dtsen = _("In DTSEN") + (f" (ID {e(context.dtsen_id)})" if context.dtsen_id else "")
            if context.desil:
                dtsen += " · " + _("desil {n}").format(n=context.desil)
        else:
            dtsen = _("Not in DTSEN")
        lines.append(_("DTSEN status: {status}").format(status=dtsen))
        lines.append(_("Current programs: {programs}").format(
            programs=e(", ".join(context.programs)) or _("none")))
        if context.members:
            lines.append(_("Household: {members}").format(members=e(", ".join(context.members))))
    if context.earlier:
        items = "".join(
            f"<li>{e(r.tracking_code)} · {short_date(r.received_on)} · "
            f"{e(ReferralCategory.label_of(r.category))} · "
            f"{e(ReferralStatus.label_of(r.status))}</li>" for r in context.earlier)
        lines.append(_("Earlier referrals ({n}):").format(n=len(context.earlier))
                     + f"<ul style='margin:0'>{items}</ul>")
    else:
        lines.append(_("No earlier referrals."))
    return "<br>".join(lines)


class IntakeDialog(QDialog):
    """A new request (Permohonan baru): for a member of the registry or a person who
    is not in it; saved as a draft or recorded at once."""

    #: the id of the referral saved
    saved = Signal(str)

    def __init__(self, services, actor, bus, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.result_detail = None
        self.member_id: str | None = None
        self.setWindowTitle(_("New request"))

        # -- who asks --------------------------------------------------------------
        self.registered = QRadioButton(_("A resident in the &registry"))
        self.outside = QRadioButton(_("A person &not in the registry"))
        self.registered.setChecked(True)
        self.find = QLineEdit()
        self.find.setPlaceholderText(_("Type a name or NIK…"))
        self.find.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setMaximumHeight(self.fontMetrics().height() * 8)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.context = QTextBrowser()
        self.context.setOpenLinks(False)
        self.context.setPlaceholderText(_("Choose the person in the results to see their "
                                          "household, DTSEN status and earlier referrals."))
        member_panel = QWidget()
        member_layout = QVBoxLayout(member_panel)
        member_layout.setContentsMargins(0, 0, 0, 0)
        member_layout.addWidget(self.find)
        member_layout.addWidget(self.results)
        member_layout.addWidget(self.context, 1)

        self.name = QLineEdit()
        self.nik = QLineEdit()
        self.nik.setMaxLength(20)
        self.nik_reason = QLineEdit()
        self.nik_reason.setPlaceholderText(_("e.g. not yet recorded by Dukcapil, KTP lost"))
        self.birth_date = DateEdit()
        self.address = QLineEdit()
        self.dusun = QComboBox()
        self.dusun.setEditable(True)
        self.dusun.addItem("")
        for name in services.households.areas():
            if name:
                self.dusun.addItem(name)
        self.rt, self.rw = QLineEdit(), QLineEdit()
        for box in (self.rt, self.rw):
            box.setMaxLength(3)
            box.setMaximumWidth(self.fontMetrics().horizontalAdvance("0000") + 16)
        area = QHBoxLayout()
        area.addWidget(self.dusun, 1)
        area.addWidget(QLabel(_("RT")))
        area.addWidget(self.rt)
        area.addWidget(QLabel(_("RW")))
        area.addWidget(self.rw)
        self.outside_context = QLabel()
        self.outside_context.setWordWrap(True)
        outside_panel = QWidget()
        outside_form = QFormLayout(outside_panel)
        outside_form.setContentsMargins(0, 0, 0, 0)
        outside_form.addRow(_("Name *"), self.name)
        outside_form.addRow(_("NIK"), self.nik)
        outside_form.addRow(_("If no NIK: why"), self.nik_reason)
        outside_form.addRow(_("Date of birth"), self.birth_date)
        outside_form.addRow(_("Address"), self.address)
        outside_form.addRow(_("Dusun"), area)
        outside_form.addRow(self.outside_context)
        self.who = QStackedWidget()
        self.who.addWidget(member_panel)
        self.who.addWidget(outside_panel)
        self.outside.toggled.connect(lambda on: self.who.setCurrentIndex(1 if on else 0))
        person_box = QGroupBox(_("Who asks"))
        person_layout = QVBoxLayout(person_box)
        choice = QHBoxLayout()
        choice.addWidget(self.registered)
        choice.addWidget(self.outside)
        choice.addStretch(1)
        person_layout.addLayout(choice)
        person_layout.addWidget(self.who, 1)

        # -- what they need ----------------------------------------------------------
        self.category = CodeCombo(ReferralCategory, required=True)
        self.urgency = CodeCombo(ReferralUrgency, required=True)
        self.channel = CodeCombo(ReferralChannel, required=True)
        self.received = DateEdit()
        self.received.set_value(date.today())
        self.phone = QLineEdit()
        self.phone.setMaxLength(20)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText(_("What the resident needs, in their words"))
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(self.fontMetrics().height() * 4)
        self.description.setMaximumHeight(self.fontMetrics().height() * 7)
        self.documents = QListWidget()
        self.new_document = QLineEdit()
        self.new_document.setPlaceholderText(_("Another document…"))
        add_document = QPushButton(_("Add"))
        add_document.clicked.connect(self.add_document)
        self.new_document.returnPressed.connect(self.add_document)
        self.attachments = QListWidget()
        self.attachments.setMaximumHeight(self.fontMetrics().height() * 4)
        self.add_files = QPushButton(_("Attach &files…"))
        self.add_files.clicked.connect(lambda: self.choose_files())
        self.drop_file = QPushButton(_("Take out of the list"))
        self.drop_file.clicked.connect(lambda: [self.attachments.takeItem(
            self.attachments.row(i)) for i in self.attachments.selectedItems()])
        self._added_documents: list[str] = []
        self.category.currentIndexChanged.connect(lambda _i: self._fill_documents())
        self._fill_documents()
        request_box = QGroupBox(_("The request"))
        form = QFormLayout()
        form.addRow(_("Category"), self.category)
        form.addRow(_("Urgency"), self.urgency)
        form.addRow(_("Channel"), self.channel)
        form.addRow(_("Date received"), self.received)
        form.addRow(_("Phone/WA"), self.phone)
        form.addRow(_("Description *"), self.description)
        document_row = QHBoxLayout()
        document_row.addWidget(self.new_document, 1)
        document_row.addWidget(add_document)
        file_row = QHBoxLayout()
        file_row.addWidget(self.add_files)
        file_row.addWidget(self.drop_file)
        file_row.addStretch(1)
        request_layout = QVBoxLayout(request_box)
        request_layout.addLayout(form)
        request_layout.addWidget(QLabel(_("Documents (tick what was brought)")))
        request_layout.addWidget(self.documents, 1)
        request_layout.addLayout(document_row)
        request_layout.addWidget(QLabel(_("Attachments (scans, photos, PDF)")))
        request_layout.addWidget(self.attachments)
        request_layout.addLayout(file_row)

        self.draft_button = QPushButton(_("Save as &draft"))
        self.draft_button.clicked.connect(lambda: self.save(draft=True))
        self.save_button = QPushButton(_("&Save"))
        self.save_button.clicked.connect(lambda: self.save(draft=False))
        cancel = QPushButton(_("Cancel"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.draft_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        body = QHBoxLayout()
        body.addWidget(person_box, 1)
        body.addWidget(request_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)

        self._search_later = QTimer(self)
        self._search_later.setSingleShot(True)
        self._search_later.setInterval(200)
        self._search_later.timeout.connect(self.search)
        self.find.textChanged.connect(self._search_later.start)
        self.find.returnPressed.connect(self.search)
        self.results.currentItemChanged.connect(lambda item, _p: self.choose(item))
        self.nik.editingFinished.connect(self._outside_earlier)
        # Enter in a field (the search above all) must not save the request: no button
        # is pressed by Enter; Ctrl+S saves
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.save_button.setToolTip("Ctrl+S")
        QShortcut(QKeySequence.StandardKey.Save, self, lambda: self.save(draft=False))
        fit_size(self, 1000, 700)
        self.find.setFocus()
        self._typed_at_start = self._typed()

    # ---------------------------------------------------------------- the person
    def search(self) -> None:
        self._search_later.stop()
        self.results.clear()
        self.member_id = None
        self.context.clear()
        text = self.find.text().strip()
        if not text:
            return
        try:
            people = self.services.referrals.find_people(text, actor=self.actor)
        except UserError as exc:
            show_error(self, exc)
            return
        for p in people:
            area = " · ".join(x for x in (p.dusun, f"RT {p.rt}" if p.rt else "") if x)
            # two short lines rather than one the list would scroll sideways for
            first = " · ".join(x for x in (p.name, p.nik or "") if x)
            second = " · ".join(x for x in (f"KK {p.no_kk}" if p.no_kk else "", area) if x)
            item = QListWidgetItem(f"{first}\n{second}" if second else first)
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, p.member_id)
            self.results.addItem(item)
        if not people:
            self.context.setPlainText(_("Nobody in the registry matches. Check the spelling, "
                                        "or choose \"A person not in the registry\"."))

    def choose(self, item) -> None:
        """A resident chosen in the results: their household, DTSEN status, desil,
        programs and earlier referrals."""
        if item is None:
            return
        self.member_id = item.data(Qt.ItemDataRole.UserRole)
        context = self.services.referrals.person_context(actor=self.actor,
                                                         member_id=self.member_id)
        self.context.setHtml(context_html(context))

    def _outside_earlier(self) -> None:
        nik = self.nik.text().strip()
        if len(nik) != 16 or not nik.isdigit():
            self.outside_context.clear()
            return
        context = self.services.referrals.person_context(actor=self.actor, nik=nik,
                                                         name=self.name.text())
        self.outside_context.setText(context_html(context))

    # ---------------------------------------------------------------- documents, files
    def _fill_documents(self) -> None:
        """The checklist of the category chosen, the documents added kept, and what
        was ticked kept ticked."""
        ticked = {n for n, present in self.document_list() if present}
        self.documents.clear()
        names = rules.default_documents(self.category.code())
        names += [n for n in self._added_documents if n not in names]
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in ticked
                               else Qt.CheckState.Unchecked)
            self.documents.addItem(item)

    def add_document(self) -> None:
        name = " ".join(self.new_document.text().split())
        if name and name not in [n for n, _p in self.document_list()]:
            self._added_documents.append(name)
            self._fill_documents()
            self.documents.item(self.documents.count() - 1).setCheckState(
                Qt.CheckState.Checked)
        self.new_document.clear()

    def document_list(self) -> list[tuple[str, bool]]:
        return [(self.documents.item(i).text(),
                 self.documents.item(i).checkState() == Qt.CheckState.Checked)
                for i in range(self.documents.count())]

    def choose_files(self, paths: list[str] | None = None) -> None:
        if paths is None:
            paths, _f = QFileDialog.getOpenFileNames(
                self, _("Attach files"), str(documents_folder()),
                _("Scans and photos (images, PDF) ({patterns})").format(
                    patterns=ATTACHMENT_FILTER))
        known = {self.attachments.item(i).data(Qt.ItemDataRole.UserRole)
                 for i in range(self.attachments.count())}
        for path in paths:
            if path not in known:
                item = QListWidgetItem(Path(path).name)
                item.setToolTip(path)
                item.setData(Qt.ItemDataRole.UserRole, path)
                self.attachments.addItem(item)

    def attachment_paths(self) -> list[str]:
        return [self.attachments.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.attachments.count())]

    # ---------------------------------------------------------------- saving
    def values(self) -> dict:
        """What the form holds, as the service's arguments (read on the main thread)."""
        try:
            received = self.received.value() or date.today()
        except ValueError as exc:
            raise InvalidInput(_("Date received: {problem}").format(problem=exc)) from None
        values = dict(category=self.category.code(), urgency=self.urgency.code(),
                      channel=self.channel.code(), received_on=received,
                      phone=self.phone.text() or None,
                      description=self.description.toPlainText(),
                      documents=[n for n, _p in self.document_list()])
        if self.registered.isChecked():
            if not self.member_id:
                raise InvalidInput(_("Choose the resident in the search results, or choose "
                                     "\"A person not in the registry\"."))
            values["member_id"] = self.member_id
        else:
            try:
                born = self.birth_date.value()
            except ValueError as exc:
                raise InvalidInput(_("Date of birth: {problem}").format(problem=exc)) \
                    from None
            values.update(person_name=self.name.text(), person_nik=self.nik.text() or None,
                          nik_absent_reason=self.nik_reason.text() or None,
                          person_birth_date=born, person_address=self.address.text() or None,
                          dusun=self.dusun.currentText().strip() or None,
                          rt=self.rt.text() or None, rw=self.rw.text() or None)
        return values

    def save(self, *, draft: bool) -> None:
        try:
            values = self.values()
        except UserError as exc:
            show_error(self, exc)
            return
        ticked = self.document_list()
        referrals, db, actor = self.services.referrals, self.services.db, self.actor

        def work():
            with db.transaction():
                detail = referrals.add(actor=actor, draft=draft, **values)
                if any(present for _n, present in ticked):
                    detail = referrals.set_documents(actor=actor, referral_id=detail.id,
                                                     documents=ticked)
                return detail

        try:
            detail = write(self, work)
        except UserError as exc:
            show_error(self, exc)
            return
        self.result_detail = detail
        problems = []
        for path in self.attachment_paths():
            try:
                detail = write(self, lambda p=path: referrals.add_attachment(
                    actor=actor, referral_id=detail.id, path=p))
            except UserError as exc:
                problems.append(f"{Path(path).name}: {exc.message}")
        self.bus.changed("referral", [detail.id])
        self.saved.emit(detail.id)
        message = (_("The request is saved as a draft with tracking code {code}.") if draft
                   else _("The request is recorded with tracking code {code}. Give this code "
                          "to the resident.")).format(code=detail.tracking_code)
        if problems:
            message += "\n\n" + _("These files were not attached:") + "\n" + "\n".join(problems)
        QMessageBox.information(self, self.windowTitle(), message)
        self._typed_at_start = self._typed()
        self.accept()

    def _typed(self) -> tuple:
        """Everything the fields hold, to tell whether anything was typed."""
        return (tuple(w.text() for w in self.findChildren(QLineEdit)
                      if w is not self.received)
                + (self.received.text(), self.description.toPlainText(),
                   self.category.currentIndex(), self.urgency.currentIndex(),
                   self.channel.currentIndex(), self.member_id,
                   tuple(self.document_list()), tuple(self.attachment_paths())))

    def reject(self) -> None:
        """Cancel or Escape: what was typed is not thrown away without asking."""
        if self._typed() != self._typed_at_start:
            answer = QMessageBox.question(
                self, self.windowTitle(), _("Discard what you typed for this request?"),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()
