"""Program & Sasaran (issue 17): the flags the targeting rules raise — who receives
aid they should not, and who should and does not — each with the person concerned
and why in words; a flag opens its family, or is set aside with a reason.  Its other
tabs: the orphans and foster sponsors, and the elderly living alone and the severely
disabled (``care_views.py``)."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QInputDialog, QLabel,
                               QLineEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget)

from ..core.permissions import Permission
from ..core.targeting import FlagKind
from ..errors import UserError
from ..i18n import _
from .care_views import CareView, VulnerableView
from .catalogue_view import CatalogueView
from .jobs import show_error
from .operations import write
from .table_model import DtoTableModel
from .widgets import list_table


class FlagModel(DtoTableModel):
    def extra(self, row, column: int, role):
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.text
        return None


class ProgramsPage(QWidget):
    def __init__(self, services, actor, bus, open_household=None, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        #: opens a family's form (the households page's): a flag's click-through
        self.open_household = open_household
        self.flags: list = []
        #: the flags being found (a Job), and whether they were asked for again meanwhile
        self.job, self.stale = None, False
        self.kind = QComboBox()
        self.kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind.setMinimumContentsLength(28)
        self.kind.currentIndexChanged.connect(lambda _i: self.show_rows())
        self.set_aside = QCheckBox(_("Set aside only"))
        self.set_aside.toggled.connect(lambda _c: self.refresh())
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = FlagModel([
            (_("Flag"), lambda f: f.kind_label),
            (_("NIK"), lambda f: f.nik or "-"),
            (_("Name"), lambda f: f.name or "-"),
            (_("Program"), lambda f: f.program_code or "-"),
            (_("Why"), lambda f: f.text)])
        # no sideways scrolling at 1024: the reason gives way first (whole as tooltip
        # and below the table), then the name
        self.table = list_table(self.model, elastic=(4, 2, 0))
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.doubleClicked.connect(lambda _i: self.open_family())
        for key in ("Return", "Enter"):
            QShortcut(QKeySequence(key), self.table, activated=self.open_family,
                      context=Qt.ShortcutContext.WidgetShortcut)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.show_detail())
        self.open_button = QPushButton(_("Open the &family…"))
        self.open_button.clicked.connect(lambda: self.open_family())
        self.dismiss_button = QPushButton(_("&Set aside…"))
        self.dismiss_button.setToolTip(_("The flag was looked at and is not a problem "
                                         "(say why; kept in the history)"))
        self.dismiss_button.clicked.connect(lambda: self.dismiss())
        refresh = QPushButton(_("&Refresh"))
        refresh.clicked.connect(lambda: self.refresh())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.refresh)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Flags")))
        top.addWidget(self.kind, 1)
        top.addWidget(self.set_aside)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        buttons.addWidget(refresh)
        flags = QWidget()
        layout = QVBoxLayout(flags)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        self.care = CareView(services, actor, bus, open_household)
        self.vulnerable = VulnerableView(services, actor, bus, open_household)
        self.tabs = QTabWidget()
        self.tabs.addTab(flags, _("&Flags"))
        self.tabs.addTab(self.care, _("&Orphans and sponsors"))
        self.tabs.addTab(self.vulnerable, _("&Elderly and disabled"))
        self.catalogue = CatalogueView(services, actor, bus)
        self.tabs.addTab(self.catalogue, _("&Catalogue and rules"))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.tabs)
        bus.data_changed.connect(lambda kind, _ids: self.refresh()
                                 if kind in ("household", "setting", "orphan") else None)
        self.refresh()

    def refresh(self) -> None:
        """The flags read again (the kind chosen kept), off the window's thread: a
        large village's take a few seconds."""
        if self.job is not None and self.job.running:
            self.stale = True             # asked again meanwhile: once more when done
            return
        self.stale = False
        targeting, actor = self.services.targeting, self.actor
        dismissed = self.set_aside.isChecked()

        def work(_progress, _cancel):
            return targeting.flags(actor=actor, dismissed=dismissed)

        def done(flags) -> None:
            self.show_flags(flags)
            if self.stale:
                self.refresh()

        self.job = self.bus.ops.run(self, _("Finding the flags"), work, on_done=done,
                                    reads_only=True)

    def show_flags(self, flags: list) -> None:
        self.flags = flags
        counts = Counter(f.kind for f in self.flags)
        chosen = self.kind.currentData()
        self.kind.blockSignals(True)
        self.kind.clear()
        self.kind.addItem(_("All flags ({n})").format(n=len(self.flags)), None)
        for kind in FlagKind:
            if counts[kind.value]:
                self.kind.addItem(f"{kind.label} ({counts[kind.value]})", kind.value)
        self.kind.setCurrentIndex(max(self.kind.findData(chosen), 0))
        self.kind.blockSignals(False)
        self.summary.setText(_("{n} families are flagged. A flag says why; open the "
                               "family to put its data right, or set the flag aside with "
                               "why.").format(n=len({f.household_id for f in self.flags}))
                             if self.flags else _("No flag: the rules find nothing to look "
                                                  "at."))
        self.show_rows()

    def show_rows(self) -> None:
        kind = self.kind.currentData()
        self.model.set_rows([f for f in self.flags if kind in (None, f.kind)])
        if self.model.rowCount():
            self.table.selectRow(0)
        self.show_detail()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def show_detail(self) -> None:
        flag = self.selected()
        self.detail.setText(f"<b>{flag.kind_label}</b> · {flag.name or '-'} · "
                            f"{_('No KK')} {flag.no_kk or '-'}<br>{flag.text}"
                            if flag else "")
        # (a recipient not in the registry has no family here to open)
        self.open_button.setEnabled(flag is not None and flag.household_id is not None
                                    and self.open_household is not None)
        self.dismiss_button.setEnabled(flag is not None and not self.set_aside.isChecked()
                                       and self.actor.can(Permission.APPROVE))

    def open_family(self):
        flag = self.selected()
        if flag is None or flag.household_id is None or self.open_household is None:
            return None
        return self.open_household(flag.household_id)

    def dismiss(self, reason: str | None = None) -> bool:
        flag = self.selected()
        if flag is None:
            return False
        if reason is None:
            reason, ok = QInputDialog.getText(
                self, _("Set the flag aside"),
                f"{flag.kind_label} — {flag.name or '-'}\n{flag.text}\n\n"
                + _("Why is it not a problem? (kept in the history)"),
                QLineEdit.EchoMode.Normal, "")
            if not ok:
                return False
        try:
            write(self, lambda: self.services.targeting.dismiss(actor=self.actor, flag=flag,
                                                                reason=reason))
        except UserError as exc:
            show_error(self, exc)
            return False
        self.refresh()
        return True
