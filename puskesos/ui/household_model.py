"""Table model of the household list: a thin view over HouseholdService.search()."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ..i18n import _
from ..services.households import HouseholdRow


def _columns():
    return (
        (_("No KK"), lambda r: r.no_kk or ""),
        (_("Head of family"), lambda r: r.head_name or _("(no head)")),
        (_("NIK of head"), lambda r: r.head_nik or ""),
        (_("Dusun"), lambda r: r.dusun or ""),
        (_("RT/RW"), lambda r: f"{r.rt or '-'}/{r.rw or '-'}"),
        (_("Members"), lambda r: r.member_count),
        (_("Desil"), lambda r: r.desil if r.desil is not None else ""),
        (_("Programs"), lambda r: ", ".join(r.programs)),
    )


class HouseholdTableModel(QAbstractTableModel):
    """Rows are :class:`HouseholdRow` DTOs; replace them with :meth:`set_rows`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[HouseholdRow] = []
        self._columns = _columns()

    def set_rows(self, rows: list[HouseholdRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> HouseholdRow:
        return self._rows[row]

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self._columns[index.column()][1](row))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (5, 6):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and row.head_name is None:
            return _("This household has no head of family: open it and choose one.")
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section][0]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None
