"""The import wizard: file → sheet and columns → preview → import (and undo).

Every step uses the same service as ``puskesos import``; the preview is a
dry run of the real import, run in the background with progress and Cancel.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QMessageBox, QPushButton, QStackedWidget,
                               QTabWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
                               QDialog)

from ..core.columns import COLUMNS, fold
from ..core.labels import field_label, value_label
from ..core.permissions import Permission
from ..errors import UserError
from ..i18n import _
from ..services.imports import ImportReport, last_batch, run_import, undo_last_import
from .operations import write
from .widgets import fit_size, message_label, save_path, show_message

MAPPINGS_KEY = "import_mappings"


def _shown(entity: str, field: str, value) -> str:
    """A value of the preview as a person reads it ("" for none)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):          # pregnant: stored as a yes/no
        value = "1" if value else "0"
    return value_label(entity, field, str(value))


def _signature(columns) -> str:
    return "|".join(fold(c) for c in columns)


class ImportWizard(QDialog):
    def __init__(self, services, actor, bus, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.setWindowTitle(_("Import a spreadsheet"))
        fit_size(self, 1000, 640)
        self.header = None
        self.preview: ImportReport | None = None
        self.result_report: ImportReport | None = None
        self.job = None

        self.pages = QStackedWidget()
        self.pages.addWidget(self._file_page())
        self.pages.addWidget(self._columns_page())
        self.pages.addWidget(self._preview_page())
        self.message = message_label()
        # on every page, so that an import just made can be taken back from here
        self.undo_button = QPushButton(_("Undo the last import…"))
        self.undo_button.clicked.connect(self.undo_last)
        self.back_button = QPushButton(_("Back"))
        self.next_button = QPushButton(_("Next"))
        self.close_button = QPushButton(_("Close"))
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.message)          # wraps: a long message is read whole
        layout.addLayout(buttons)
        self._update_buttons()

    # ---------------------------------------------------------------- pages
    def _file_page(self) -> QWidget:
        self.file_edit = QLineEdit()
        browse = QPushButton(_("Choose file…"))
        browse.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        self.kind = QComboBox()
        self.kind.addItem(_("DTSEN/DTKS extract: families and members"), None)
        for p in self.services.programs.programs():
            self.kind.addItem(_("Recipient list (BNBA) of {program}").format(
                program=f"{p.code} · {p.name}"), p.code)
        self.period = QLineEdit()
        self.period.setPlaceholderText(_("e.g. 2026-Q3 (required for a recipient list)"))
        form = QFormLayout()
        form.addRow(_("File"), row)
        form.addRow(_("What the file holds"), self.kind)
        form.addRow(_("Period"), self.period)
        note = QLabel(_("Excel (.xlsx, .xls), LibreOffice (.ods) or CSV. Title rows above the "
                        "header, data on another sheet and a total row at the bottom are "
                        "handled; nothing is written until you confirm the preview."))
        note.setWordWrap(True)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)
        return page

    def _columns_page(self) -> QWidget:
        self.sheet = QComboBox()
        self.sheet.currentIndexChanged.connect(self._sheet_changed)
        self.header_label = QLabel()
        self.mapping_table = QTableWidget(0, 2)
        self.mapping_table.setHorizontalHeaderLabels([_("Column in the file"),
                                                      _("Field in Puskesos")])
        self.mapping_table.horizontalHeader().setStretchLastSection(True)
        self.mapping_table.verticalHeader().setVisible(False)
        form = QFormLayout()
        form.addRow(_("Sheet"), self.sheet)
        form.addRow("", self.header_label)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.mapping_table, 1)
        return page

    def _preview_page(self) -> QWidget:
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.changes_table = QTableWidget(0, 5)
        self.changes_table.setHorizontalHeaderLabels([_("Row"), _("Record"), _("Field"),
                                                      _("Before"), _("After")])
        self.changes_table.horizontalHeader().setStretchLastSection(True)
        self.changes_table.verticalHeader().setVisible(False)
        self.new_table = QTableWidget(0, 3)
        self.new_table.setHorizontalHeaderLabels([_("Row"), _("Name"), _("No KK")])
        self.new_table.horizontalHeader().setStretchLastSection(True)
        self.new_table.verticalHeader().setVisible(False)
        self.issues_list = QListWidget()
        self.issues_list.setWordWrap(True)      # a long reason is read whole
        self.report_button = QPushButton(_("Save the report of rows to check…"))
        self.report_button.clicked.connect(self.save_report)
        self.result_tabs = QTabWidget()
        self.result_tabs.addTab(self.changes_table, "")
        self.result_tabs.addTab(self.new_table, "")
        self.result_tabs.addTab(self.issues_list, "")
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.counts_label)
        layout.addWidget(self.result_tabs, 1)
        layout.addWidget(self.report_button, 0, Qt.AlignmentFlag.AlignLeft)
        return page

    # ---------------------------------------------------------------- steps
    def _update_buttons(self) -> None:
        index = self.pages.currentIndex()
        self.back_button.setEnabled(index > 0 and self.result_report is None)
        self.next_button.setText(_("Import now") if index == 2 else _("Next"))
        self.next_button.setEnabled(self.result_report is None and (
            index < 2 or self.preview is not None))
        can_edit = self.actor.can(Permission.EDIT_REGISTRY)
        self.undo_button.setVisible(can_edit)

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Choose the spreadsheet"), "",
            _("Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv)"))
        if path:
            self.file_edit.setText(path)

    def program(self) -> str | None:
        return self.kind.currentData()

    def next(self) -> None:
        index = self.pages.currentIndex()
        show_message(self.message, "")
        try:
            if index == 0:
                self._load_file()
            elif index == 1:
                self.start_preview()
                return
            else:
                self.start_import()
                return
        except UserError as exc:
            show_message(self.message, exc.message)
            return
        self.pages.setCurrentIndex(index + 1)
        self._update_buttons()

    def back(self) -> None:
        self.pages.setCurrentIndex(max(0, self.pages.currentIndex() - 1))
        self.preview = None
        self._update_buttons()

    def _load_file(self) -> None:
        from ..formats import list_sheets
        path = Path(self.file_edit.text().strip())
        if not self.file_edit.text().strip() or not path.exists():
            raise UserError(_("Choose the file to import."))
        if self.program() and not self.period.text().strip():
            raise UserError(_("Give the period of the program (e.g. 2025 or 2025-Q3)."))
        sheets = list_sheets(path)
        self.sheet.blockSignals(True)
        self.sheet.clear()
        self.sheet.addItems(sheets)
        self.sheet.blockSignals(False)
        self._detect(None)

    def _sheet_changed(self) -> None:
        try:
            self._detect(self.sheet.currentText())
        except UserError as exc:
            show_message(self.message, exc.message)

    def _detect(self, sheet: str | None) -> None:
        from ..formats import detect_header
        self.header = detect_header(Path(self.file_edit.text().strip()), sheet)
        if self.sheet.currentText() != self.header.sheet:
            self.sheet.blockSignals(True)
            self.sheet.setCurrentText(self.header.sheet)
            self.sheet.blockSignals(False)
        self.header_label.setText(_("Header found on row {row}.").format(row=self.header.row + 1))
        remembered = (self.services.settings.get(MAPPINGS_KEY, {}) or {}).get(
            _signature(self.header.columns))
        mapping = {int(k): v for k, v in remembered.items()} if remembered else \
            dict(self.header.mapping)
        self.mapping_table.setRowCount(len(self.header.columns))
        self.mapping_combos = []
        for i, name in enumerate(self.header.columns):
            self.mapping_table.setItem(i, 0, QTableWidgetItem(str(name or "")))
            combo = QComboBox()
            combo.addItem(_("(not imported)"), None)
            for column in COLUMNS:
                combo.addItem(column.header, column.key)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(i))))
            self.mapping_table.setCellWidget(i, 1, combo)
            self.mapping_combos.append(combo)

    def mapping(self) -> dict[int, str]:
        return {i: c.currentData() for i, c in enumerate(self.mapping_combos) if c.currentData()}

    def _remember_mapping(self) -> None:
        if not self.actor.can(Permission.MANAGE_SETTINGS) or self.header is None:
            return
        stored = dict(self.services.settings.get(MAPPINGS_KEY, {}) or {})
        stored[_signature(self.header.columns)] = {str(k): v for k, v in self.mapping().items()}
        write(self, lambda: self.services.settings.set(actor=self.actor, key=MAPPINGS_KEY,
                                                       value=stored))

    def _run(self, dry_run: bool, on_done) -> None:
        path = Path(self.file_edit.text().strip())
        sheet, mapping = self.header.sheet, self.mapping()
        program, period = self.program(), self.period.text().strip() or None

        def work(progress, cancel):
            return run_import(self.services, actor=self.actor, path=path, dry_run=dry_run,
                              sheet=sheet, mapping=mapping, program=program, period=period,
                              progress=progress, cancel=cancel)

        title = _("Checking the file…") if dry_run else _("Importing…")
        self.next_button.setEnabled(False)
        self.back_button.setEnabled(False)
        self.job = self.bus.ops.run(self, title, work, on_done=on_done,
                                    changes=None if dry_run else "household")
        self.job.finished.connect(self._update_buttons)

    def start_preview(self) -> None:
        if "nik" not in self.mapping().values():
            raise UserError(_("Choose which column holds the NIK."))
        self._remember_mapping()
        self._run(True, self._show_preview)

    def _show_preview(self, report: ImportReport) -> None:
        self.preview = report
        self.pages.setCurrentIndex(2)
        self._fill(report)
        self._update_buttons()

    def _fill(self, report: ImportReport) -> None:
        text = _("{rows} rows: {created} new, {updated} updated, {unchanged} unchanged, "
                 "{rejected} rejected, {warnings} with warnings, {conflicts} conflicts, "
                 "{duplicates} duplicates.").format(
            rows=report.rows, created=report.created, updated=report.updated,
            unchanged=report.unchanged, rejected=report.rejected, warnings=report.warnings,
            conflicts=report.conflicts, duplicates=report.duplicates)
        if report.dry_run:
            text = _("Preview only, nothing was written.") + " " + text
        if report.known_note():
            text += " " + report.known_note()
        self.counts_label.setText(text)
        self.changes_table.setRowCount(len(report.changes))
        for i, c in enumerate(report.changes):
            # the field's name and a code's label as the form shows them, not birth_place
            for j, value in enumerate((c.line, c.name, field_label(c.entity, c.field),
                                       _shown(c.entity, c.field, c.old),
                                       _shown(c.entity, c.field, c.new))):
                self.changes_table.setItem(i, j, QTableWidgetItem("" if value is None
                                                                  else str(value)))
        self.new_table.setRowCount(len(report.new_rows))
        for i, new in enumerate(report.new_rows):
            for j, value in enumerate((new.line, new.name, new.no_kk)):
                self.new_table.setItem(i, j, QTableWidgetItem("" if value is None
                                                              else str(value)))
        self.issues_list.clear()
        from ..services.imports import kind_label
        # the file's new problems first, then those the stored data had before
        for issue in sorted(report.issues, key=lambda i: i.known)[:2000]:
            kind = kind_label(issue.kind)
            if issue.known:
                kind += " (" + _("known before") + ")"
            self.issues_list.addItem(_("Row {line}: {kind} — {reason}").format(
                line=issue.line, kind=kind, reason=issue.reason))
        def title(text: str, listed: int, total: int) -> str:
            # the preview keeps the first EXAMPLES of each list; the counts are whole
            return text.format(n=total) + ("" if listed >= total else " — " + _(
                "the first {n} listed").format(n=listed))
        self.result_tabs.setTabText(0, title(_("Changes to stored data ({n})"),
                                             len(report.changes), len(report.changes)))
        self.result_tabs.setTabText(1, title(_("New ({n})"), len(report.new_rows),
                                             report.created))
        self.result_tabs.setTabText(2, _("Rows to check ({n})").format(
            n=len(report.issues) - report.known) + (
                "" if not report.known else " + " + _("{n} known before").format(
                    n=report.known)))
        self.report_button.setEnabled(bool(report.issues or report.changes))

    def start_import(self) -> None:
        self._run(False, self._imported)

    def _imported(self, report: ImportReport) -> None:
        self.result_report = report
        self._fill(report)
        self._update_buttons()
        QMessageBox.information(self, _("Import"), _(
            "Imported: {created} new, {updated} updated. 'Undo the last import…' at the bottom "
            "of this window takes it back.").format(created=report.created, updated=report.updated))

    def save_report(self) -> None:
        report = self.result_report or self.preview
        if report is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save the report"), save_path("laporan-impor.xlsx"), _("Excel (*.xlsx)"))
        if not path:
            return
        from ..services.imports import write_report
        try:
            write_report(report, path, list(self.header.columns) if self.header else None)
        except UserError as exc:
            show_message(self.message, exc.message)
            return
        show_message(self.message, _("Report saved to {path}.").format(path=path),
                     warning=True)

    def undo_last(self) -> None:
        batch = last_batch(self.services)
        if batch is None:
            QMessageBox.information(self, _("Import"), _("There is no import to undo."))
            return
        answer = QMessageBox.question(
            self, _("Undo import"),
            _("Undo the import of {name} made by {actor}? Everything it added or changed "
              "goes back to how it was.").format(name=batch.source_name, actor=batch.actor))
        if answer != QMessageBox.StandardButton.Yes:
            return
        def work(_progress, _cancel):
            return undo_last_import(self.services, actor=self.actor, batch_id=batch.id)

        def done(_undone) -> None:
            QMessageBox.information(self, _("Import"), _("The import of {name} was undone.")
                                    .format(name=batch.source_name))

        self.job = self.bus.ops.run(self, _("Undoing the import…"), work, changes="household",
                                    on_done=done)
        self.job.finished.connect(self._update_buttons)
