"""Stiker: house labelling campaigns — their households, what the officers found at
each house, the stickers, the field lists, the rekap, and the households found
refusing, withdrawing or well-off carried to verval.

The page (:class:`StickersPage`); its dialogs are in :mod:`.sticker_dialogs`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFileDialog,
                               QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from ..core.bahasa import short_date
from ..core.case_codes import OfficeKind
from ..core.codes import StickerOutcome
from ..core.permissions import Permission
from ..errors import UserError
from ..files import safe_name
from ..i18n import _
from ..services.registry import HouseholdFilter
from ..services.settings.village import VILLAGE_KEEPS
from .jobs import show_error
from .operations import write
from .pdf_preview import PdfPreview
from .sticker_dialogs import NewCampaignDialog, OutcomeDialog
from .table_model import DtoTableModel
from .widgets import FitColumns, FlowLayout, save_path

#: the outcome filter's entry for the households no officer has visited yet
NOT_VISITED = "belum"


def outcome_text(row) -> str:
    """A household's latest outcome as the list shows it."""
    if row.outcome is None:
        return _("Not visited yet")
    text = StickerOutcome.short_of(row.outcome)
    return text + " · " + _("well-off") if row.well_off else text


def progress_text(rows) -> str:
    """"Terpasang 12 · Ditolak 3 · … · Belum 80 — 16 %" for ``rows``."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.outcome or NOT_VISITED] = counts.get(r.outcome or NOT_VISITED, 0) + 1
    parts = [f"{o.short} {counts[o.value]}" for o in StickerOutcome if counts.get(o.value)]
    parts.append(_("Not yet {n}").format(n=counts.get(NOT_VISITED, 0)))
    visited = len(rows) - counts.get(NOT_VISITED, 0)
    share = round(100 * visited / len(rows)) if rows else 0
    return " · ".join(parts) + f" — {share} %"


class StickersPage(QWidget):
    def __init__(self, services, actor, bus, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        # at the kabupaten a village's labelling is read, not changed
        self.at_kabupaten = services.settings.office().kind == OfficeKind.KABUPATEN.value
        self.can_edit = actor.can(Permission.EDIT_REGISTRY) and not self.at_kabupaten
        self.previews: list[PdfPreview] = []
        self.job = None
        self.rows = []             # every household of the campaign (the filters are local)
        self.campaign = None

        self.campaign_box = QComboBox()
        self.campaign_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.campaign_box.setMinimumContentsLength(24)
        self.campaign_box.currentTextChanged.connect(self.campaign_box.setToolTip)
        self.campaign_box.currentIndexChanged.connect(lambda _i: self.refresh_rows())
        self.new_button = QPushButton(_("&New campaign…"))
        self.new_button.clicked.connect(lambda: self.new_campaign())
        self.new_button.setEnabled(self.can_edit)
        self.info = QLabel()
        self.info.setWordWrap(True)

        self.dusun, self.rw, self.rt = QComboBox(), QComboBox(), QComboBox()
        self.outcome = QComboBox()
        self.outcome.addItem(_("All outcomes"), None)
        self.outcome.addItem(_("Not visited yet"), NOT_VISITED)
        for code, label in StickerOutcome.choices():
            self.outcome.addItem(label, code)
        filters = FlowLayout()
        for combo, first in ((self.dusun, _("All dusun")), (self.rw, _("All RW")),
                             (self.rt, _("All RT")), (self.outcome, None)):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(max(8, len(first or combo.itemText(0))))
            combo.currentTextChanged.connect(combo.setToolTip)
            filters.addWidget(combo)
        self.dusun.currentIndexChanged.connect(lambda _i: self._area_changed("dusun"))
        self.rw.currentIndexChanged.connect(lambda _i: self._area_changed("rw"))
        self.rt.currentIndexChanged.connect(lambda _i: self._area_changed("rt"))
        self.outcome.currentIndexChanged.connect(lambda _i: self.show_rows())
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(self.fontMetrics().height())
        self.progress.setFixedWidth(160)        # the counts under it say it all
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)

        self.model = DtoTableModel([
            (_("Sticker no."), lambda r: r.serial_text),
            (_("Head of family"), lambda r: r.head_name or "-"),
            (_("Dusun"), lambda r: r.dusun or "-"), (_("RW"), lambda r: r.rw or "-"),
            (_("RT"), lambda r: r.rt or "-"),
            (_("Programs"), lambda r: ", ".join(r.programs) or "-"),
            (_("Latest outcome"), outcome_text),
            (_("Visits"), lambda r: r.visits)])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        # no sideways scrolling at 1024: the programs, the outcome and the dusun give way
        self.columns = FitColumns(self.table, elastic=(5, 6, 2))
        self.table.doubleClicked.connect(lambda _i: self.record_outcome())
        for key in ("Return", "Enter"):
            QShortcut(QKeySequence(key), self.table, activated=self.record_outcome,
                      context=Qt.ShortcutContext.WidgetShortcut)

        self.buttons: dict[str, QPushButton] = {}
        actions = [("record", _("&Record outcome…"), self.record_outcome, True),
                   ("stickers", _("Print &stickers…"), self.print_stickers, True),
                   ("field_list", _("&Field list…"), self.print_field_list, True),
                   ("rekap", _("Re&kap…"), self.print_rekap, False),
                   ("rekap_xlsx", _("Rekap to &Excel…"), self.export_rekap, True),
                   ("verval", _("Carry to &verval…"), self.carry_to_verval, True)]
        action_row = QHBoxLayout()
        for key, text, slot, edits in actions:
            button = QPushButton(text)
            button.clicked.connect(lambda _c=False, s=slot: s())
            button.setProperty("edits", edits)
            self.buttons[key] = button
            action_row.addWidget(button)
        action_row.addStretch(1)
        self.buttons["record"].setToolTip(_("Enter or double-click on a household"))
        self.buttons["stickers"].setToolTip(_("The stickers of the households in the area "
                                              "chosen (all when none is chosen); Ctrl+P"))
        self.buttons["field_list"].setToolTip(_("The officers' checklist of the area chosen"))
        self.buttons["rekap_xlsx"].setEnabled(actor.can(Permission.EXPORT))
        self.buttons["verval"].setToolTip(_("Put the households found refusing, withdrawing "
                                            "or well-off into the latest verval cycle"))
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_stickers)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_campaign)

        top = QHBoxLayout()
        top.addWidget(QLabel(_("Campaign")))
        top.addWidget(self.campaign_box, 1)
        top.addWidget(self.new_button)
        bar = QWidget()                         # the bar in the middle of the row's height
        bar_layout = QVBoxLayout(bar)
        bar_layout.setContentsMargins(0, 0, 0, 0)
        bar_layout.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignVCenter)
        bar.setFixedHeight(self.outcome.sizeHint().height())
        filters.addWidget(bar)
        self.empty = QLabel(_("No labelling campaign yet. Press \"New campaign…\" to choose "
                              "the households whose houses get a sticker."))
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addLayout(filters)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(action_row)
        self.refresh_campaigns()

    # -- state -------------------------------------------------------------------

    def campaign_id(self) -> str | None:
        return self.campaign_box.currentData()

    def refresh_campaigns(self, select: str | None = None) -> None:
        current = select or self.campaign_id()
        self.campaign_box.blockSignals(True)
        self.campaign_box.clear()
        for c in self.services.stickers.campaigns(actor=self.actor):       # newest first
            self.campaign_box.addItem(f"{c.code} · {c.name}", c.id)
        if current:
            self.campaign_box.setCurrentIndex(max(self.campaign_box.findData(current), 0))
        self.campaign_box.setToolTip(self.campaign_box.currentText())
        self.campaign_box.blockSignals(False)
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """The campaign's households read again (the filters kept where they still fit)."""
        campaign_id = self.campaign_id()
        has = campaign_id is not None
        self.empty.setVisible(not has)
        for button in self.buttons.values():
            button.setEnabled(has and (self.can_edit or not button.property("edits")))
        self.buttons["rekap_xlsx"].setEnabled(has and self.actor.can(Permission.EXPORT))
        if not has:
            self.campaign, self.rows = None, []
            self.info.clear()
            self._fill_areas()
            self.show_rows()
            return
        self.campaign = self.services.stickers.campaign(campaign_id, actor=self.actor)
        self.rows = self.services.stickers.targets(actor=self.actor, campaign_id=campaign_id)
        self.info.setText(self._info_text(self.campaign) + (
            "\n" + _(VILLAGE_KEEPS) if self.at_kabupaten else ""))
        self._fill_areas()
        self.show_rows()

    @staticmethod
    def _info_text(c) -> str:
        parts = [c.legal_basis or _("no legal basis written")]
        if c.starts_on or c.ends_on:
            parts.append(_("{start} to {end}").format(start=short_date(c.starts_on) or "…",
                                                      end=short_date(c.ends_on) or "…"))
        who = [", ".join(c.programs)] if c.programs else []
        if c.desil:
            who.append(_("desil {list}").format(list=", ".join(str(d) for d in c.desil)))
        parts.append(_("for {who}").format(who=_(" or ").join(who)))
        parts.append(_("{n} households").format(n=c.targets))
        parts.append(_("{n} stickers to a sheet").format(n=c.per_page))
        return " · ".join(parts)

    def _fill_areas(self, changed: str | None = None) -> None:
        """The dusun, RW and RT the campaign's households live in; the RW list follows
        the dusun chosen, the RT list the dusun and the RW (``changed``: the filter
        just chosen, whose list and those before it stay)."""
        keep = {"dusun": 1, "rw": 2}.get(changed or "", 0)
        combos = ((self.dusun, _("All dusun"), "", "dusun"), (self.rw, _("All RW"), "RW ", "rw"),
                  (self.rt, _("All RT"), "RT ", "rt"))
        rows = self.rows
        for position, (combo, first, prefix, field) in enumerate(combos):
            if position >= keep:
                current = combo.currentData()
                combo.blockSignals(True)
                combo.clear()
                combo.addItem(first, None)
                for value in sorted({getattr(r, field) for r in rows if getattr(r, field)}):
                    combo.addItem(prefix + value, value)
                combo.setCurrentIndex(max(combo.findData(current), 0))
                combo.blockSignals(False)
            chosen = combo.currentData()
            rows = [r for r in rows if chosen is None or getattr(r, field) == chosen]

    def _area_changed(self, which: str) -> None:
        if which != "rt":
            self._fill_areas(which)
        self.show_rows()

    def area(self) -> HouseholdFilter | None:
        """The area chosen in the filters (None: the whole campaign)."""
        dusun, rw, rt = (c.currentData() for c in (self.dusun, self.rw, self.rt))
        if not (dusun or rw or rt):
            return None
        return HouseholdFilter(dusun=dusun, rw=rw, rt=rt)

    def _in_area(self, row) -> bool:
        dusun, rw, rt = (c.currentData() for c in (self.dusun, self.rw, self.rt))
        return ((dusun is None or row.dusun == dusun) and (rw is None or row.rw == rw)
                and (rt is None or row.rt == rt))

    def show_rows(self) -> None:
        """The households of the area and outcome chosen, and the area's progress."""
        selected = self.selected()
        in_area = [r for r in self.rows if self._in_area(r)]
        wanted = self.outcome.currentData()
        shown = [r for r in in_area if wanted is None or (r.outcome or NOT_VISITED) == wanted]
        self.model.set_rows(shown)
        visited = sum(1 for r in in_area if r.outcome)
        self.progress.setMaximum(max(len(in_area), 1))
        self.progress.setValue(visited)
        self.progress_label.setText(progress_text(in_area) if self.campaign else "")
        if selected is not None:
            index = next((i for i, r in enumerate(shown) if r.id == selected.id), None)
            if index is not None:
                self.table.selectRow(index)

    def selected(self):
        if self.table.selectionModel() is None:
            return None
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    # -- actions -------------------------------------------------------------------

    def new_campaign(self) -> NewCampaignDialog | None:
        if not self.can_edit:
            return None
        dialog = NewCampaignDialog(self.services, self.actor, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted and dialog.campaign is not None:
            self.refresh_campaigns(select=dialog.campaign.id)
            QMessageBox.information(self, _("New labelling campaign"), _(
                "{n} households are in the campaign {code}, each with its sticker number.")
                .format(n=dialog.campaign.targets, code=dialog.campaign.code))
        return dialog

    def record_outcome(self) -> None:
        target = self.selected()
        if target is None:
            QMessageBox.information(self, _("Stickers"), _("Choose a household in the list."))
            return
        dialog = OutcomeDialog(self.services, self.actor, self.campaign, target, self,
                               bus=self.bus, preview=self._preview)
        dialog.exec()
        dialog.deleteLater()
        if dialog.saved:
            self.refresh_rows()
            self.bus.changed("sticker", [target.household_id])

    def _preview(self, document) -> None:
        preview = PdfPreview(document, self)
        self.previews.append(preview)
        preview.finished.connect(lambda _r: self.previews.remove(preview))
        preview.open()

    def _print(self, title: str, printer) -> None:
        if self.campaign_id() is None:
            return
        campaign_id, area, actor = self.campaign_id(), self.area(), self.actor

        def work(_progress, _cancel):
            return printer(actor=actor, campaign_id=campaign_id, area=area)

        self.job = self.bus.ops.run(self, title, work, on_done=self._preview)

    def print_stickers(self) -> None:
        if self.can_edit:
            self._print(_("Printing the stickers"), self.services.stickers.print_stickers)

    def print_field_list(self) -> None:
        self._print(_("Printing the field list"), self.services.stickers.print_field_list)

    def print_rekap(self) -> None:
        campaign_id, actor = self.campaign_id(), self.actor
        stickers = self.services.stickers

        def work(_progress, _cancel):
            return stickers.rekap_pdf(actor=actor, campaign_id=campaign_id)

        self.job = self.bus.ops.run(self, _("Printing the rekap"), work,
                                    on_done=self._preview)

    def export_rekap(self, path: str | None = None) -> None:
        campaign = self.campaign
        if campaign is None:
            return
        if not path:
            path, _f = QFileDialog.getSaveFileName(
                self, _("Rekap to Excel"),
                save_path(safe_name("rekap-stiker", campaign.code) + ".xlsx"),
                _("Excel workbooks (*.xlsx)"))
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        stickers, actor = self.services.stickers, self.actor

        def work(_progress, _cancel):
            return stickers.rekap_xlsx(actor=actor, campaign_id=campaign.id, path=Path(path))

        def done(saved: Path) -> None:
            QMessageBox.information(self, _("Rekap to Excel"),
                                    _("The rekap was saved to {path}.").format(path=saved))

        self.job = self.bus.ops.run(self, _("Rekap to Excel"), work, on_done=done)

    def carry_to_verval(self) -> int | None:
        try:
            cycle = self.services.verval.cycle(None, actor=self.actor)
        except UserError as exc:
            show_error(self, exc)
            return None
        answer = QMessageBox.question(
            self, _("Carry to verval"),
            _("Put the households whose latest visit found them refusing, withdrawing or "
              "well-off into the verval cycle {name}, for the visit and the musdes? Those "
              "already in it stay as they are.").format(name=cycle.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return None
        try:
            added = write(self, lambda: self.services.stickers.carry_to_verval(
                actor=self.actor, cycle_id=cycle.id))
        except UserError as exc:
            show_error(self, exc)
            return None
        self.bus.changed("household", [])
        QMessageBox.information(self, _("Carry to verval"), _(
            "{n} households were added to the verval cycle {name}.").format(
            n=added, name=cycle.name))
        return added
