"""Rujukan: the list of residents' requests and referrals, the overdue ones shown
first, and the way to a new request, a referral opened and the monthly report.

The page (:class:`ReferralsPage`); the intake is in :mod:`.referral_intake`, a
referral opened in :mod:`.referral_dialogs`, its steps in :mod:`.referral_steps`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QFrame,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableView,
                               QVBoxLayout, QWidget)

from ..core import referrals as rules
from ..core.bahasa import short_date
from ..core.codes import OfficeKind, ReferralCategory, ReferralStatus
from ..core.permissions import Permission
from ..i18n import _
from .pdf_preview import PdfPreview
from .table_model import DtoTableModel
from .widgets import FitColumns, FlowLayout

#: how many overdue referrals the banner names before "…"
BANNER_NAMES = 3
OVERDUE_COLOUR = QColor("#b00020")
OVERDUE_BACKGROUND = QColor("#fdecea")


def follow_up_text(row) -> str:
    """The follow-up date as the list shows it ("(lewat)" once it has passed)."""
    if row.follow_up_on is None:
        return "—"
    text = short_date(row.follow_up_on)
    return _("{date} (overdue)").format(date=text) if row.overdue else text


class ReferralTableModel(DtoTableModel):
    """The referral list: an overdue row is red on pink, and says so in its tooltip."""

    def __init__(self, parent=None):
        super().__init__([
            (_("Tracking code"), lambda r: r.tracking_code),
            (_("Received"), lambda r: short_date(r.received_on)),
            (_("Name"), lambda r: r.person_name),
            (_("Category"), lambda r: ReferralCategory.short_of(r.category)),
            (_("Dusun"), lambda r: r.dusun or "—"),
            # short headers: the column may give way down to its header's width
            (_("Referred to"), lambda r: r.target_service or "—"),
            (_("Status"), lambda r: ReferralStatus.label_of(r.status)),
            (_("Follow-up"), follow_up_text),
            (_("Letter no."), lambda r: r.letter_number or "—")], parent)

    def extra(self, row, column: int, role):
        if not row.overdue:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(OVERDUE_COLOUR)
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(OVERDUE_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole and column == 7:
            return _("The follow-up date has passed: follow this referral up.")
        return None


class ReferralsPage(QWidget):
    def __init__(self, services, actor, bus, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        # at the kabupaten the villages' referrals are read and answered, not taken in
        self.can_edit = actor.can(Permission.EDIT_REGISTRY) and (
            services.settings.office().kind != OfficeKind.KABUPATEN.value)
        self.previews: list[PdfPreview] = []
        self.job = None
        self.open_dialogs: list[QDialog] = []

        # -- the overdue banner, shown when the page opens ------------------------
        self.banner = QFrame()
        self.banner.setObjectName("overdueBanner")
        self.banner.setStyleSheet("#overdueBanner { background: #fdecea; "
                                  "border: 1px solid #e0a0a0; border-radius: 3px; }")
        self.banner_label = QLabel()
        self.banner_label.setWordWrap(True)
        self.banner_label.setStyleSheet("color: #8a0015;")
        self.banner_button = QPushButton(_("Show &overdue"))
        self.banner_button.clicked.connect(lambda: self.overdue_only.setChecked(True))
        banner_row = QHBoxLayout(self.banner)
        banner_row.addWidget(self.banner_label, 1)
        banner_row.addWidget(self.banner_button)

        # -- search and filters -------------------------------------------------------
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search name, NIK or tracking code…  (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.addItem(_("All statuses"), None)
        self.status.addItem(_("Still open"), rules.OPEN_FILTER)
        self.status.addItem(_("Closed"), rules.CLOSED_FILTER)
        for code, label in ReferralStatus.choices():
            self.status.addItem(label, code)
        self.category = QComboBox()
        self.category.addItem(_("All categories"), None)
        for code, label in ReferralCategory.choices():
            self.category.addItem(label, code)
        for combo in (self.status, self.category):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(max(12, len(combo.itemText(0))))
            combo.currentTextChanged.connect(combo.setToolTip)
            combo.setToolTip(combo.currentText())
        self.overdue_only = QCheckBox(_("Overdue only"))
        self.new_button = QPushButton(_("&New request…"))
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(self.new_request)
        self.new_button.setEnabled(self.can_edit)
        self.report_button = QPushButton(_("&Monthly report…"))
        self.report_button.clicked.connect(self.monthly_report)

        self.model = ReferralTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        # no sideways scrolling on a 1024-pixel screen: the service, the letter number,
        # the dusun, the category and the status give way (cut with "…", whole as the
        # tooltip) before the name; the code and the dates stay whole
        self.columns = FitColumns(self.table, elastic=(5, 8, 4, 3, 6, 2))
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.count_label = QLabel()
        self.open_button = QPushButton(_("O&pen…"))
        self.open_button.setToolTip("Enter")
        self.open_button.clicked.connect(lambda: self.open_selected())

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.report_button)
        filters = FlowLayout()
        for widget in (self.status, self.category, self.overdue_only):
            filters.addWidget(widget)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._debounce.start)
        self.status.currentIndexChanged.connect(self.refresh)
        self.category.currentIndexChanged.connect(self.refresh)
        self.overdue_only.toggled.connect(self.refresh)
        QShortcut(QKeySequence.StandardKey.Find, self,
                  activated=lambda: (self.search.setFocus(), self.search.selectAll()))
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_request)
        for key in ("Return", "Enter"):          # in the list only (not in the search box)
            QShortcut(QKeySequence(key), self.table, activated=self.open_selected,
                      context=Qt.ShortcutContext.WidgetShortcut)
        self.search.returnPressed.connect(self._open_first)
        bus.data_changed.connect(self._data_changed)
        self.refresh()

    # ---------------------------------------------------------------- list
    def refresh(self) -> None:
        selected = self.selected_id()
        rows = self.services.referrals.list(
            actor=self.actor, status=self.status.currentData(), text=self.search.text(),
            category=self.category.currentData(), overdue_only=self.overdue_only.isChecked())
        self.model.set_rows(rows)
        self.count_label.setText(_("{n} referrals").format(n=len(rows)))
        self.open_button.setEnabled(bool(rows))
        if selected:
            for i in range(self.model.rowCount()):
                if self.model.row_at(i).id == selected:
                    self.table.selectRow(i)
                    break
        self.refresh_banner()

    def refresh_banner(self) -> None:
        """The overdue referrals, named in the banner above the list."""
        overdue = self.services.referrals.overdue(actor=self.actor)
        self.banner.setVisible(bool(overdue))
        if not overdue:
            return
        names = ", ".join(f"{r.person_name} ({r.tracking_code})"
                          for r in overdue[:BANNER_NAMES])
        if len(overdue) > BANNER_NAMES:
            names += ", …"
        self.banner_label.setText(_("{n} referrals past their follow-up date: {names}")
                                  .format(n=len(overdue), names=names))
        self.banner_button.setEnabled(not self.overdue_only.isChecked())

    def selected_id(self) -> str | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model else []
        return self.model.row_at(rows[0].row()).id if rows else None

    def _open_first(self) -> None:
        if self.model.rowCount():
            if not self.table.selectionModel().hasSelection():
                self.table.selectRow(0)
            self.open_selected()

    def _data_changed(self, kind: str, _ids: list) -> None:
        if kind in ("referral", "household", "member", "setting"):
            self.refresh()

    # ---------------------------------------------------------------- dialogs
    def _keep(self, dialog: QDialog) -> QDialog:
        self.open_dialogs.append(dialog)
        dialog.finished.connect(lambda _r, d=dialog: self.open_dialogs.remove(d)
                                if d in self.open_dialogs else None)
        return dialog

    def open_selected(self, referral_id: str | None = None):
        """The referral chosen in the list, opened (its steps, visits, attachments and
        the actions its status allows)."""
        from .referral_dialogs import ReferralDialog
        referral_id = referral_id or self.selected_id()
        if referral_id is None:
            return None
        dialog = self._keep(ReferralDialog(self.services, self.actor, self.bus, referral_id,
                                           self))
        dialog.show()
        return dialog

    def new_request(self):
        """The intake of a new request (Ctrl+N)."""
        if not self.can_edit:
            return None
        from .referral_intake import IntakeDialog
        dialog = self._keep(IntakeDialog(self.services, self.actor, self.bus, self))
        dialog.saved.connect(lambda referral_id: self._select(referral_id))
        dialog.show()
        return dialog

    def _select(self, referral_id: str) -> None:
        self.refresh()
        for i in range(self.model.rowCount()):
            if self.model.row_at(i).id == referral_id:
                self.table.selectRow(i)
                return

    def monthly_report(self):
        """The month's report: PDF (preview) or Excel."""
        from .referral_steps import MonthlyReportDialog
        dialog = self._keep(MonthlyReportDialog(self.services, self.actor, self.bus, self))
        dialog.show()
        return dialog

    def preview(self, document) -> PdfPreview:
        preview = PdfPreview(document, self)
        self.previews.append(preview)
        preview.finished.connect(lambda _r: self.previews.remove(preview)
                                 if preview in self.previews else None)
        preview.open()
        return preview
