"""Verval: cycles, prefilled forms, visit results, approvals, musdes, berita acara.

The page (:class:`VervalPage`); its dialogs are in :mod:`.verval_dialogs`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog,
                               QFileDialog, QHBoxLayout,
                               QLabel, QMessageBox, QProgressBar, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from ..core.codes import (CycleStatus, MusdesDecision, VervalResult)
from ..core.case_codes import OfficeKind
from ..core.permissions import Permission
from ..errors import InvalidInput, UserError
from ..files import safe_name
from ..i18n import _
from ..services.settings.village import VILLAGE_KEEPS
from ..services.verval import (CycleHouseholds)
from .jobs import show_error
from .operations import write
from .pdf_preview import PdfPreview
from .sticker_dialogs import signal_record, signal_text
from .table_model import DtoTableModel
from .widgets import FitColumns, parse_date, save_path
from .verval_dialogs import MusdesDialog, NewCycleDialog, ProposalsDialog, ResultDialog


class EntryModel(DtoTableModel):
    """The cycle's households; the labelling column's tooltip is its whole record."""

    def __init__(self, signals: dict, columns, parent=None):
        super().__init__(columns, parent)
        self.signals = signals

    def extra(self, row, column: int, role):
        if role == Qt.ItemDataRole.ToolTipRole and column == self.columnCount() - 1 \
                and row.household_id in self.signals:
            return signal_record(self.signals[row.household_id])
        return None


class VervalPage(QWidget):
    def __init__(self, services, actor, bus, parent=None, list_filter=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        #: returns the household list's current filter (for "households shown")
        self.list_filter = list_filter or (lambda: None)
        self.previews: list[PdfPreview] = []
        self.job = None
        self.cycle_box = QComboBox()
        self.cycle_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.cycle_box.setMinimumContentsLength(24)   # a long cycle name: in the list whole
        self.cycle_box.currentIndexChanged.connect(lambda _i: self.refresh_entries())
        # at the kabupaten a village's verval is read: its dialogs show, not change
        self.read_only = _(VILLAGE_KEEPS) if services.settings.office().kind \
            == OfficeKind.KABUPATEN.value else None
        new_cycle = QPushButton(_("&New cycle…"))
        new_cycle.clicked.connect(self.new_cycle)
        new_cycle.setVisible(not self.read_only)
        self.close_button = QPushButton(_("Close cycle"))
        self.close_button.setToolTip(_("A closed cycle is frozen: no more results, decisions "
                                       "or musdes changes (the coordinator may reopen it)."))
        self.close_button.clicked.connect(self.toggle_closed)
        # the bar without text (its edge would cut the numbers), the numbers beside it,
        # for the area chosen
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(self.fontMetrics().height())
        self.progress.setMinimumWidth(40)      # the numbers beside it say it all
        self.progress_label = QLabel()
        self.rt = QComboBox()
        # a long dusun name must not make the page wider than a 1024-pixel screen: the
        # list shows every area whole, and the tooltip the one chosen
        self.rt.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.rt.setMinimumContentsLength(12)
        self.rt.currentTextChanged.connect(self.rt.setToolTip)
        self.rt.currentIndexChanged.connect(lambda _i: self.refresh_entries(keep_areas=True))
        self.pending = QCheckBox(_("Not visited yet only"))
        self.pending.toggled.connect(lambda _c: self.refresh_entries(keep_areas=True))
        #: household id → why the labelling sent it here (services.stickers.for_verval)
        self.signals: dict = {}
        self.model = EntryModel(self.signals, [
            (_("No."), lambda r: r.seq),      # of the prelist; short for a 1024 screen
            (_("Head of family"), lambda r: r.head_name or ""),
            (_("No KK"), lambda r: r.no_kk or ""), (_("Dusun"), lambda r: r.dusun or ""),
            (_("RW"), lambda r: r.rw or ""), (_("RT"), lambda r: r.rt or ""),
            (_("Result"), lambda r: VervalResult.label_of(r.result) if r.result else "—"),
            (_("Decision"), lambda r: MusdesDecision.short_of(r.decision)
             if r.decision else "—"),
            (_("Labelling"), lambda r: signal_text(self.signals[r.household_id])
             if r.household_id in self.signals else "")])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        # every column as wide as what it holds and no sideways scrolling: on a
        # 1024-pixel screen the labelling, the decision, the result and the dusun give way (cut with
        # "…", whole as the tooltip) before the head of family's name
        self.columns = FitColumns(self.table, elastic=(8, 7, 6, 3, 1))
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.doubleClicked.connect(lambda _i: self.record_result())
        self.buttons = {}
        actions = [("record", _("&Record result…"), self.record_result),
                   ("forms", _("Print &forms…"), self.print_forms),
                   ("proposals", _("&Corrections…"), self.show_proposals),
                   ("musdes", _("&Musdes…"), self.edit_musdes),
                   ("berita_acara", _("Print &berita acara…"), self.print_berita_acara),
                   ("export", _("&Export results…"), self.export_results)]
        action_row = QHBoxLayout()
        for key, text, slot in actions:
            button = QPushButton(text)
            button.clicked.connect(slot)
            self.buttons[key] = button
            action_row.addWidget(button)
        action_row.addStretch(1)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, self.record_result)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_forms)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Cycle")))
        top.addWidget(self.cycle_box, 1)
        top.addWidget(new_cycle)
        top.addWidget(self.close_button)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(_("Area")))
        filters.addWidget(self.rt)
        filters.addWidget(self.pending)
        filters.addWidget(self.progress, 1)
        filters.addWidget(self.progress_label)
        self.empty = QLabel(_("No verval cycle yet. Press \"New cycle…\" to choose the "
                              "households to verify."))
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(action_row)
        self.refresh_cycles()

    # -- state -------------------------------------------------------------------

    def cycle_id(self) -> str | None:
        return self.cycle_box.currentData()

    def refresh_cycles(self, select: str | None = None) -> None:
        current = select or self.cycle_id()
        self.cycle_box.blockSignals(True)
        self.cycle_box.clear()
        for c in self.services.verval.cycles(actor=self.actor):
            self.cycle_box.addItem(f"{c.name} ({c.period})", c.id)
        if current:
            self.cycle_box.setCurrentIndex(max(self.cycle_box.findData(current), 0))
        self.cycle_box.blockSignals(False)
        self.refresh_entries()

    def refresh_entries(self, keep_areas: bool = False) -> None:
        cycle_id = self.cycle_id()
        has_cycle = cycle_id is not None
        self.empty.setVisible(not has_cycle)
        for button in self.buttons.values():
            button.setEnabled(has_cycle)
        self.close_button.setEnabled(has_cycle and self.actor.can(Permission.APPROVE))
        self.close_button.setVisible(not self.read_only)
        if not has_cycle:
            self.model.set_rows([])
            return
        cycle = self.services.verval.cycle(cycle_id, actor=self.actor)
        closed = cycle.status == CycleStatus.CLOSED.value
        self.close_button.setText(_("Reopen cycle") if closed else _("Close cycle"))
        for key in ("record", "musdes"):
            self.buttons[key].setEnabled(not closed or bool(self.read_only))
        self.refresh_counts(rebuild_areas=not keep_areas)
        area = self.rt.currentData()
        rows = self.services.verval.entries(actor=self.actor, cycle_id=cycle_id, area=area,
                                            pending_only=self.pending.isChecked())
        self.signals.clear()
        self.signals.update(self.services.stickers.for_verval(actor=self.actor))
        self.model.set_rows(rows)

    def refresh_counts(self, rebuild_areas: bool = False):
        """The progress bar, the done/total of each area and the number of corrections
        waiting (cheap: the list itself is left as it is)."""
        cycle_id = self.cycle_id()
        areas = self.services.verval.progress(cycle_id=cycle_id, actor=self.actor)
        if rebuild_areas:
            self.rt.blockSignals(True)
            self.rt.clear()
            self.rt.addItem(_("All areas"), None)
            for a in areas:
                self.rt.addItem("", (a.dusun, a.rw, a.rt))
            self.rt.blockSignals(False)
        # (QComboBox.findData does not compare tuples reliably)
        positions = {self.rt.itemData(i): i for i in range(1, self.rt.count())}
        for a in areas:
            index = positions.get((a.dusun, a.rw, a.rt))
            if index is not None:
                self.rt.setItemText(index, _("{dusun} · RW {rw} · RT {rt} — {done}/{total} "
                                             "done").format(dusun=a.dusun or "-",
                                                            rw=a.rw or "-", rt=a.rt or "-",
                                                            done=a.done, total=a.total))
        chosen = self.rt.currentData()
        shown = [a for a in areas if chosen is None or (a.dusun, a.rw, a.rt) == tuple(chosen)]
        total, done = sum(a.total for a in shown), sum(a.done for a in shown)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress_label.setText(_("{done} of {total} households visited").format(
            done=done, total=total))
        count = len(self.services.verval.proposals(cycle_id=cycle_id, actor=self.actor))
        self.buttons["proposals"].setText(_("&Corrections ({n})…").format(n=count))
        return areas

    def refresh_entry(self, entry_id: str) -> None:
        """After one household's result: its row (gone from a "not visited yet"
        list, the next household then selected) and the counts, without reading
        the whole cycle again."""
        position = next((i for i in range(self.model.rowCount())
                         if self.model.row_at(i).id == entry_id), None)
        rows = self.services.verval.entries(actor=self.actor, cycle_id=self.cycle_id(),
                                            entry_id=entry_id)
        if position is not None:
            if rows and not (self.pending.isChecked() and rows[0].result):
                self.model.replace_row(position, rows[0])
                self.table.selectRow(position)
            else:
                self.model.remove_row(position)
                if self.model.rowCount():
                    self.table.selectRow(min(position, self.model.rowCount() - 1))
        self.refresh_counts()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    # -- actions -------------------------------------------------------------------

    def new_cycle(self) -> NewCycleDialog:
        dialog = NewCycleDialog(self.services, self, list_filter=self.list_filter())
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()  # deleted once back in the event loop; used below until then
        if not accepted:
            return dialog
        kind, ids = dialog.selection()
        households = CycleHouseholds(kind="filter", filter=dialog.list_filter) \
            if kind == "shown" else CycleHouseholds(kind=kind, identifiers=tuple(ids))
        try:
            name, period = dialog.name.text(), dialog.period.text()
            deadline = parse_date(dialog.deadline.text())
            started = write(self, lambda: self.services.verval.start_cycle(
                actor=self.actor, name=name, period=period, deadline=deadline,
                households=households))
        except ValueError:
            show_error(self, InvalidInput(_("Write the deadline as dd-mm-yyyy.")))
            return dialog
        except UserError as exc:
            show_error(self, exc)
            return dialog
        cycle, added, missing = started.cycle, started.added, started.missing
        self.refresh_cycles(select=cycle.id)
        message = _("{n} households are in the cycle.").format(n=added)
        if missing:
            message += "\n" + _("Not found in the registry ({n}): {ids}").format(
                n=len(missing), ids=", ".join(missing[:20]) + (" …" if len(missing) > 20
                                                               else ""))
        QMessageBox.information(self, _("New verval cycle"), message)
        return dialog

    def toggle_closed(self) -> None:
        cycle = self.services.verval.cycle(self.cycle_id(), actor=self.actor)
        try:
            status = CycleStatus.OPEN.value if cycle.status == CycleStatus.CLOSED.value \
                else CycleStatus.CLOSED.value
            write(self, lambda: self.services.verval.set_status(
                actor=self.actor, cycle_id=cycle.id, status=status))
        except UserError as exc:
            show_error(self, exc)
        self.refresh_entries(keep_areas=True)

    def record_result(self) -> None:
        entry = self.selected()
        if entry is None:
            QMessageBox.information(self, _("Verval"), _("Choose a household in the list."))
            return
        dialog = ResultDialog(self.services, self.actor, entry, self,
                              signal=self.signals.get(entry.household_id),
                              bus=self.bus, preview=self._preview,
                              read_only=self.read_only)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted:
            self.refresh_entry(entry.id)

    def show_proposals(self) -> None:
        dialog = ProposalsDialog(self.services, self.actor, self.cycle_id(), self,
                                 read_only=self.read_only)
        dialog.exec()
        dialog.deleteLater()  # a parented dialog dropped by Python crashes PySide at exit
        self.refresh_entries(keep_areas=True)
        self.bus.changed("household", [])

    def edit_musdes(self) -> None:
        dialog = MusdesDialog(self.services, self.actor, self.cycle_id(), self,
                              read_only=self.read_only)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted:
            self.refresh_entries(keep_areas=True)

    def _preview(self, document) -> None:
        preview = PdfPreview(document, self)
        self.previews.append(preview)
        preview.finished.connect(lambda _r: self.previews.remove(preview))
        preview.open()

    def print_forms(self) -> None:
        area = self.rt.currentData()
        cycle_id = self.cycle_id()
        if cycle_id is None:
            return
        entry_ids = None
        if self.pending.isChecked():
            entry_ids = [self.model.row_at(i).id for i in range(self.model.rowCount())]

        def work(progress, cancel):
            return self.services.documents.verval_forms(
                actor=self.actor, cycle_id=cycle_id, area=area, entry_ids=entry_ids,
                progress=progress, cancel=cancel)

        self.job = self.bus.ops.run(self, _("Printing the verval forms"), work,
                                    on_done=self._preview)

    def print_berita_acara(self) -> None:
        cycle_id = self.cycle_id()

        def work(_progress, _cancel):
            return self.services.documents.berita_acara(actor=self.actor, cycle_id=cycle_id)

        self.job = self.bus.ops.run(self, _("Printing the berita acara"), work,
                                    on_done=self._preview)

    def export_results(self, path: str | None = None) -> None:
        from ..services.verval.export import export_results
        cycle = self.services.verval.cycle(self.cycle_id(), actor=self.actor)
        if not path:
            path, _f = QFileDialog.getSaveFileName(
                self, _("Export results"),
                save_path(safe_name("hasil-verval", cycle.period) + ".xlsx"),
                _("Excel workbooks (*.xlsx)"))
        if not path:
            return
        def work(_progress, _cancel):
            return export_results(self.services, actor=self.actor, cycle_id=cycle.id,
                                  path=Path(path))

        def done(count: int) -> None:
            QMessageBox.information(self, _("Export results"), _(
                "{n} households written to {path}.").format(n=count, path=path))

        self.job = self.bus.ops.run(self, _("Export results"), work, on_done=done)
