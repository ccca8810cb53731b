"""The dialogs of the Stiker page: a new labelling campaign, and what the officers
found at one house (with its history, its photos and the surat pernyataan of a
voluntary withdrawal); and how the verval page and the musdes show a household the
labelling sent them (``signal_text``, ``signal_record``, ``show_record``).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QTime, Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog,
                               QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QPushButton, QSizePolicy, QTableView,
                               QTimeEdit,
                               QVBoxLayout, QWidget)

from ..core import stickers as rules
from ..core.bahasa import short_date, short_datetime
from ..core.validation import SHORT_NOTE_LIMIT
from ..core.codes import StickerOutcome
from ..core.permissions import Permission
from ..errors import InvalidInput, UserError
from ..i18n import _
from ..services.stickers import PhotoImport
from .jobs import show_error
from .operations import write
from .table_model import DtoTableModel
from .widgets import (CodeCombo, DateEdit, FitColumns, dialog_buttons, fit_size,
                      saved_now, show_message)

#: stickers to an A4 sheet, as the campaign may choose
PER_PAGE = (4, 2, 1)
#: the pictures a file dialog offers
PHOTO_FILES = "*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff"


def checkable_list(items: list[tuple[str, str]]) -> QListWidget:
    """A list of (text, data) items, each with a check box, none checked."""
    widget = QListWidget()
    for text, data in items:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, data)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        widget.addItem(item)
    widget.itemActivated.connect(lambda item: item.setCheckState(
        Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
        else Qt.CheckState.Checked))
    return widget


def checked(widget: QListWidget) -> list:
    """The data of the checked items of a :func:`checkable_list`."""
    return [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


def photo_text(result: PhotoImport) -> str:
    """What an import of photos did, in a sentence or three."""
    parts = [_("{n} photos kept.").format(n=result.added)]
    if result.duplicates:
        parts.append(_("Already stored (not kept again): {names}.").format(
            names=", ".join(result.duplicates)))
    for name, why in result.refused:
        parts.append(_("Refused: {name} — {why}.").format(name=name, why=why))
    return " ".join(parts)


def _found(visit) -> str:
    return StickerOutcome.short_of(visit.outcome) + (" · " + _("well-off")
                                                     if visit.well_off else "")


def signal_text(signal) -> str:
    """Why the labelling sent a household to verval, short for a list's column (the
    serial and the rest are in :func:`signal_record`)."""
    return _found(signal.visit)


def signal_record(signal) -> str:
    """The sticker record behind it, a few lines: campaign and serial, what was found
    and when, who was there, the note and the photos."""
    visit = signal.visit
    people = _("Officers: {names}").format(names=", ".join(visit.officers) or "-")
    if visit.witnesses:
        people += " · " + _("Witnesses: {names}").format(names=visit.witnesses)
    lines = [_("{campaign}, sticker {serial}").format(campaign=signal.campaign_name,
                                                      serial=signal.target.serial_text),
             _("{found} on {when}").format(found=_found(visit), when=short_datetime(visit.at)),
             people]
    if visit.note:
        lines.append(_("Note: {note}").format(note=visit.note))
    if visit.photos:
        lines.append(_("{n} photos").format(n=visit.photos))
    return "\n".join(lines)


def signal_note(signal) -> str:
    """The reason as a musdes decision's note (so in the berita acara): what the
    labelling found, its serial and date, and the officers' note, cut to fit."""
    visit = signal.visit
    text = _("Sticker {serial}: {found}, {date}").format(
        serial=signal.target.serial_text, found=_found(visit), date=short_date(
            visit.at.astimezone().date() if visit.at.tzinfo else visit.at.date()))
    if visit.note:
        text += " — " + " ".join(visit.note.split())
    return text if len(text) <= SHORT_NOTE_LIMIT else text[:SHORT_NOTE_LIMIT - 1] + "…"


def show_record(parent, services, actor, signal, *, bus=None, preview=None) -> None:
    """The sticker record of a household the labelling sent to verval: every visit of
    it in that campaign, read only (the Stiker page records visits)."""
    campaign = services.stickers.campaign(signal.campaign_id, actor=actor)
    dialog = OutcomeDialog(services, actor, campaign, signal.target, parent, bus=bus,
                           preview=preview, read_only=True)
    dialog.exec()
    dialog.deleteLater()


class NewCampaignDialog(QDialog):
    """A labelling campaign: its code, name, legal basis, dates, the sticker's text,
    who is labelled (programs and/or desil) and how many stickers go to a sheet.
    Saving creates it with its households; a campaign that would label nobody is
    refused with the service's message and the dialog stays open."""

    def __init__(self, services, actor, parent=None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.campaign = None
        self.setWindowTitle(_("New labelling campaign"))
        today = date.today()
        self.code = QLineEdit(f"STK{today.year}")
        self.code.setMaxLength(12)
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("e.g. Labelling of aid recipients {year}").format(
            year=today.year))
        self.legal_basis = QLineEdit()
        self.legal_basis.setPlaceholderText(_("e.g. SK Bupati No. 460/123/2026"))
        self.starts_on = DateEdit()
        self.starts_on.set_value(today)
        self.ends_on = DateEdit()
        self.sticker_text = QPlainTextEdit()
        self.sticker_text.setPlaceholderText(_(
            "First line: the big title (e.g. KELUARGA MISKIN PENERIMA BANTUAN SOSIAL); "
            "the lines after it: the message."))
        self.sticker_text.setTabChangesFocus(True)
        self.sticker_text.setMaximumHeight(self.fontMetrics().height() * 5)
        self.programs = checkable_list([(f"{p.code} · {p.name}", p.code)
                                        for p in services.programs.programs() if p.active])
        self.desil = [QCheckBox(str(d)) for d in range(1, 11)]
        desil_row = QHBoxLayout()
        desil_row.setContentsMargins(0, 0, 0, 0)
        for box in self.desil:
            desil_row.addWidget(box)
        desil_row.addStretch(1)
        desil = QWidget()
        desil.setLayout(desil_row)
        desil.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.per_page = QComboBox()
        for n in PER_PAGE:
            self.per_page.addItem(_("{n} to an A4 sheet").format(n=n), n)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        form = QFormLayout()
        form.addRow(_("Code"), self.code)
        form.addRow(_("Name"), self.name)
        form.addRow(_("Legal basis"), self.legal_basis)
        dates = QHBoxLayout()
        dates.addWidget(self.starts_on)
        dates.addWidget(QLabel(_("to")))
        dates.addWidget(self.ends_on)
        form.addRow(_("Dates (dd-mm-yyyy)"), dates)
        form.addRow(_("Sticker text"), self.sticker_text)
        form.addRow(_("Programs"), self.programs)
        form.addRow(_("Desil"), desil)
        form.addRow(_("Stickers per sheet"), self.per_page)
        hint = QLabel(_("Households receiving one of the programs checked, or in one of "
                        "the desil checked, are labelled; each gets its serial number in "
                        "area order."))
        hint.setWordWrap(True)
        self.buttons = dialog_buttons(QDialogButtonBox.StandardButton.Save,
                                      QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        fit_size(self, 640, 560)

    def save(self) -> None:
        """Create the campaign (on the writer); a refusal is shown and the dialog stays."""
        try:
            starts_on, ends_on = self.starts_on.value(), self.ends_on.value()
        except ValueError:
            show_error(self, InvalidInput(_("Write the dates as dd-mm-yyyy.")))
            return
        values = dict(code=self.code.text(), name=self.name.text(),
                      legal_basis=self.legal_basis.text(),
                      sticker_text=self.sticker_text.toPlainText(),
                      programs=checked(self.programs),
                      desil=[int(b.text()) for b in self.desil if b.isChecked()],
                      starts_on=starts_on, ends_on=ends_on,
                      per_page=self.per_page.currentData())
        stickers = self.services.stickers
        try:
            self.campaign = write(self, lambda: stickers.create_campaign(
                actor=self.actor, **values))
        except UserError as exc:
            show_error(self, exc)
            return
        self.accept()


class OutcomeDialog(QDialog):
    """What the officers found at one house of the campaign, and every visit before
    (the latest first).  Saving records the visit and its photos and keeps the dialog
    open, the history showing it; a voluntary withdrawal's surat pernyataan is printed
    from the history.  The kepala desa sees the history only."""

    def __init__(self, services, actor, campaign, target, parent=None, *, bus=None,
                 preview=None, read_only: bool = False):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.campaign, self.target = campaign, target
        self.can_edit = actor.can(Permission.EDIT_REGISTRY) and not read_only
        #: shows a printed document (the page's PdfPreview keeper)
        self.preview = preview
        self.saved = 0
        self.photo_paths: list[str] = []
        self.setWindowTitle(_("Visit — {serial} {name}").format(
            serial=target.serial_text, name=target.head_name or "-"))
        now = datetime.now()
        self.outcome = CodeCombo(StickerOutcome, required=True)
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        self.on_date = DateEdit()
        self.on_date.set_value(now.date())
        self.at_time = QTimeEdit(QTime(now.hour, now.minute))
        self.at_time.setDisplayFormat("HH:mm")
        self.officers = checkable_list([(o.name, o.name) for o in
                                        services.officers.roster(actor=actor)])
        self.officers.setMaximumHeight(self.fontMetrics().height() * 5)
        self.witnesses = QLineEdit()
        self.witnesses.setPlaceholderText(_("e.g. Pak RT, a neighbour"))
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(self.fontMetrics().height() * 3 + 12)
        self.well_off = QCheckBox(_("The family turned out to be well-off"))
        self.well_off.setToolTip(_("It goes to the next verval cycle and the musdes."))
        self.gps = QLineEdit()
        self.gps.setPlaceholderText(_("optional: latitude, longitude (e.g. -7.5561, 112.2384)"))
        self.photos = QListWidget()
        self.photos.setMaximumHeight(self.fontMetrics().height() * 3 + 8)
        self.add_photo = QPushButton(_("Add &photos…"))
        self.add_photo.clicked.connect(lambda: self.choose_photos())
        self.remove_photo = QPushButton(_("Remove"))
        self.remove_photo.clicked.connect(self._remove_photo)
        photo_buttons = QVBoxLayout()
        photo_buttons.addWidget(self.add_photo)
        photo_buttons.addWidget(self.remove_photo)
        photo_buttons.addStretch(1)
        photo_row = QHBoxLayout()
        photo_row.addWidget(self.photos, 1)
        photo_row.addLayout(photo_buttons)
        when = QHBoxLayout()
        when.addWidget(self.on_date)
        when.addWidget(self.at_time)
        when.addStretch(1)
        form = QFormLayout()
        form.addRow(_("Household"), QLabel(
            f"{target.serial_text} · {target.head_name or '-'} · {target.dusun or '-'} · "
            f"RW {target.rw or '-'} · RT {target.rt or '-'}"))
        form.addRow(_("Outcome"), self.outcome)
        form.addRow(_("Date and time"), when)
        form.addRow(_("Officers"), self.officers)
        form.addRow(_("Witnesses"), self.witnesses)
        form.addRow(_("Note"), self.note)
        form.addRow("", self.well_off)
        form.addRow(_("GPS"), self.gps)
        form.addRow(_("Photos"), photo_row)
        self.form = QWidget()
        self.form.setLayout(form)
        self.form.setEnabled(self.can_edit)
        # read from the verval page or the musdes: the record only, visits are
        # recorded on the Stiker page
        self.form.setHidden(read_only)
        if read_only:
            self.setWindowTitle(_("Sticker record — {serial} {name}").format(
                serial=target.serial_text, name=target.head_name or "-"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()

        self.history_model = DtoTableModel([
            (_("Time"), lambda r: short_datetime(r.at)),
            (_("Outcome"), _found),
            (_("Officers"), lambda r: ", ".join(r.officers)),
            (_("Witnesses"), lambda r: r.witnesses or ""),
            (_("Photos"), lambda r: r.photos),
            (_("Note"), lambda r: (r.note or "").replace("\n", " "))])
        self.history = QTableView()
        self.history.setModel(self.history_model)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history.setWordWrap(False)
        self.history.verticalHeader().setVisible(False)
        self.history_columns = FitColumns(self.history, elastic=(5, 3, 2))
        self.statement = QPushButton(_("Print surat &pernyataan…"))
        self.statement.setToolTip(_("The statement of a voluntary withdrawal, signed by the "
                                    "head of the household before a witness."))
        self.statement.clicked.connect(lambda: self.print_statement())
        self.history.selectionModel().selectionChanged.connect(
            lambda *_a: self._statement_enabled())

        self.buttons = dialog_buttons(QDialogButtonBox.StandardButton.Save,
                                      QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setVisible(self.can_edit)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        history_row = QHBoxLayout()
        history_row.addWidget(QLabel(_("History of this household (latest first)")), 1)
        history_row.addWidget(self.statement)
        self.statement.setVisible(bus is not None and preview is not None)
        layout = QVBoxLayout(self)
        if read_only:
            heading = QLabel(f"{campaign.name}\n{target.serial_text} · "
                             f"{target.head_name or '-'} · {target.dusun or '-'} · "
                             f"RW {target.rw or '-'} · RT {target.rt or '-'}")
            heading.setWordWrap(True)
            layout.addWidget(heading)
        layout.addWidget(self.form)
        layout.addWidget(self.status)
        layout.addLayout(history_row)
        layout.addWidget(self.history, 1)
        layout.addWidget(self.buttons)
        fit_size(self, 820, 420 if read_only else 760)
        self.refresh_history()
        self._outcome_changed()

    # -- state ---------------------------------------------------------------------

    def refresh_history(self) -> None:
        self.history_model.set_rows(self.services.stickers.history(
            actor=self.actor, target_id=self.target.id))
        self._statement_enabled()

    def _withdrawal(self):
        """The visit the surat pernyataan is for: the one chosen in the history, else
        the latest withdrawal."""
        rows = self.history.selectionModel().selectedRows()
        if rows:
            row = self.history_model.row_at(rows[0].row())
            return row if row.outcome in {o.value for o in rules.NEEDS_STATEMENT} else None
        return next((self.history_model.row_at(i) for i in range(self.history_model.rowCount())
                     if self.history_model.row_at(i).outcome
                     in {o.value for o in rules.NEEDS_STATEMENT}), None)

    def _statement_enabled(self) -> None:
        self.statement.setEnabled(self.can_edit and self._withdrawal() is not None)

    def _outcome_changed(self) -> None:
        chosen = rules.outcome_of(self.outcome.code())
        needs = chosen in rules.NEEDS_NOTE
        self.note.setPlaceholderText(_("Required: what happened, what was seen.") if needs
                                     else _("What was seen (optional)."))

    def choose_photos(self, paths: list[str] | None = None) -> None:
        if paths is None:
            paths, _f = QFileDialog.getOpenFileNames(
                self, _("Photos of the visit"), str(Path.home()),
                _("Pictures ({files})").format(files=PHOTO_FILES))
        for path in paths:
            if path not in self.photo_paths:
                self.photo_paths.append(path)
                self.photos.addItem(Path(path).name)

    def _remove_photo(self) -> None:
        row = self.photos.currentRow()
        if row >= 0:
            self.photos.takeItem(row)
            del self.photo_paths[row]

    def _gps(self) -> tuple[float | None, float | None]:
        text = self.gps.text().strip()
        if not text:
            return None, None
        parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
        try:
            latitude, longitude = (float(p.strip()) for p in parts)
        except ValueError:
            raise InvalidInput(_("Write the GPS position as latitude, longitude "
                                 "(e.g. -7.5561, 112.2384), or leave it empty.")) from None
        return latitude, longitude

    # -- actions -------------------------------------------------------------------

    def save(self) -> bool:
        """Record the visit and its photos; the dialog stays open to show them in the
        history.  A refusal (a note missing, no officer, …) stores nothing."""
        try:
            on_date = self.on_date.value()
            if on_date is None:
                raise InvalidInput(_("Write the date of the visit (dd-mm-yyyy)."))
            latitude, longitude = self._gps()
        except ValueError:
            show_error(self, InvalidInput(_("Write the date of the visit as dd-mm-yyyy.")))
            return False
        except UserError as exc:
            show_error(self, exc)
            return False
        time = self.at_time.time()
        values = dict(campaign_id=self.campaign.id, household_id=self.target.household_id,
                      outcome=self.outcome.code(),
                      at=datetime.combine(on_date, datetime.min.time()).replace(
                          hour=time.hour(), minute=time.minute()),
                      officers=checked(self.officers), witnesses=self.witnesses.text(),
                      note=self.note.toPlainText(), well_off=self.well_off.isChecked(),
                      latitude=latitude, longitude=longitude)
        paths = list(self.photo_paths)
        stickers = self.services.stickers

        def store():
            row = stickers.record_outcome(actor=self.actor, **values)
            try:        # the visit is kept even when its photos cannot be
                photos = stickers.add_photos(actor=self.actor, log_id=row.id,
                                             paths=paths) if paths else None
            except UserError as exc:
                return row, exc
            return row, photos
        try:
            _row, photos = write(self, store)
        except UserError as exc:
            show_error(self, exc)
            return False
        if isinstance(photos, UserError):
            show_error(self, photos)
            photos = None
        self.saved += 1
        self.photo_paths.clear()
        self.photos.clear()
        for field in (self.note, self.witnesses, self.gps):     # of this visit only
            field.clear()
        self.well_off.setChecked(False)
        self.refresh_history()
        text = saved_now()
        if photos is not None:
            text += " " + photo_text(photos)
        show_message(self.status, text, warning=bool(photos and photos.refused))
        if not (photos and photos.refused):
            self.status.setStyleSheet("")
        return True

    def print_statement(self) -> None:
        visit = self._withdrawal()
        if visit is None:
            return
        stickers, actor = self.services.stickers, self.actor

        def work(_progress, _cancel):
            return stickers.print_statement(actor=actor, log_id=visit.id)

        self.job = self.bus.ops.run(self, _("Printing the surat pernyataan"), work,
                                    on_done=self.preview)
