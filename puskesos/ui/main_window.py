"""The main window: module navigation and the household list."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMainWindow, QTableView, QVBoxLayout, QWidget)

from ..i18n import _
from ..services import Services
from ..services.context import Actor
from ..services.households import HouseholdFilter
from .household_model import HouseholdTableModel

PAGE_SIZE = 500


def modules():
    """(title, available) for the navigation; unbuilt modules are shown disabled."""
    return (
        (_("Households"), True),
        (_("Verval"), False),
        (_("Referrals"), False),
        (_("Stickers"), False),
        (_("Programs & targets"), False),
        (_("Data exchange"), False),
        (_("Reports"), False),
        (_("Settings"), False),
    )


class MainWindow(QMainWindow):
    def __init__(self, services: Services, actor: Actor):
        super().__init__()
        self.services = services
        self.actor = actor
        village = services.settings.village()
        title = _("Puskesos")
        if village.desa:
            title += f" — {village.desa_kind} {village.desa}, {village.kabupaten}"
        self.setWindowTitle(title)
        self.resize(1280, 720)

        self.nav = QListWidget()
        self.nav.setFixedWidth(230)
        for name, available in modules():
            item = QListWidgetItem(name)
            if not available:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setToolTip(_("Not available yet"))
                item.setText(f"{name} (" + _("not available yet") + ")")
            self.nav.addItem(item)
        self.nav.setCurrentRow(0)

        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search name, NIK, No KK or address…"))
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.model = HouseholdTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(True)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        right = QVBoxLayout()
        right.addLayout(top)
        right.addWidget(self.table, 1)
        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addLayout(right, 1)
        central = QWidget()
        central.setLayout(body)
        self.setCentralWidget(central)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._debounce.start())

        find = QAction(_("Search"), self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: (self.search.setFocus(), self.search.selectAll()))
        self.addAction(find)

        status = _("Database: {path}").format(path=services.db.location)
        status += "   ·   " + _("Role: {role}").format(role=actor.full_name or actor.role)
        self.statusBar().showMessage(status)
        self.refresh()

    def refresh(self) -> None:
        rows, total = self.services.households.search(
            actor=self.actor, filter=HouseholdFilter(text=self.search.text()), limit=PAGE_SIZE)
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        if len(rows) < total:
            self.count_label.setText(_("{shown} of {total} households").format(
                shown=len(rows), total=total))
        else:
            self.count_label.setText(_("{total} households").format(total=total))
