"""The households behind a figure of the Laporan page: a list of the families (No KK,
head, area, desil, programs) from which a family's form opens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton,
                               QVBoxLayout)

from ..i18n import _
from .table_model import DtoTableModel
from .widgets import fit_size, list_table

#: families read at a time as the list scrolls
PAGE = 200


class FamiliesDialog(QDialog):
    """The families a figure counts (``ids``, in order), read a page at a time."""

    def __init__(self, services, actor, title: str, ids: list[str], *, note: str = "",
                 open_household=None, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.ids = services, actor, list(ids)
        self.open_household = open_household
        self.setWindowTitle(title)
        fit_size(self, 900, 560)
        heading = QLabel(_("{title}: {n} families.").format(title=title, n=len(self.ids)))
        heading.setWordWrap(True)
        self.model = DtoTableModel([
            (_("No KK"), lambda f: f.no_kk or "-"),
            (_("Head of the family"), lambda f: f.head_name or "-"),
            (_("NIK"), lambda f: f.head_nik or "-"),
            (_("Area"), lambda f: f.area),
            (_("Desil"), lambda f: f.desil or "-"),
            (_("Programs"), lambda f: ", ".join(f.programs) or "-")])
        self.table = list_table(self.model, elastic=(5, 1, 3))
        self.model.set_rows(self._page(0), total=len(self.ids), more=self._page)
        if self.model.rowCount():
            self.table.selectRow(0)
        self.table.doubleClicked.connect(lambda _i: self.open_family())
        for key in ("Return", "Enter"):
            QShortcut(QKeySequence(key), self.table, activated=self.open_family,
                      context=Qt.ShortcutContext.WidgetShortcut)
        self.open_button = QPushButton(_("Open the &family…"))
        self.open_button.clicked.connect(lambda: self.open_family())
        self.open_button.setEnabled(bool(self.ids) and open_household is not None)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        if note:
            said = QLabel(note)
            said.setWordWrap(True)
            layout.addWidget(said)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def _page(self, offset: int):
        return self.services.reports.family_lines(
            actor=self.actor, household_ids=self.ids[offset:offset + PAGE])

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def open_family(self):
        """The chosen family's form (the Households page's)."""
        family = self.selected()
        if family is None or self.open_household is None:
            return None
        return self.open_household(family.household_id)
