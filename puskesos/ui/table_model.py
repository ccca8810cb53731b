"""A thin read-only table model over a list of DTOs and (header, getter) columns."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

Column = tuple[str, Callable[[Any], Any]]


class DtoTableModel(QAbstractTableModel):
    """Rows are frozen DTOs from a service; replace them with :meth:`set_rows`.

    Subclasses add other roles (colour, tooltip, alignment) in :meth:`extra`.
    """

    def __init__(self, columns: Sequence[Column], parent=None):
        super().__init__(parent)
        self._rows: list[Any] = []
        self._columns = tuple(columns)
        self._total = 0
        self._more: Callable[[int], Sequence[Any]] | None = None

    def set_rows(self, rows, *, total: int | None = None,
                 more: Callable[[int], Sequence[Any]] | None = None) -> None:
        """Show ``rows``; with ``total`` and ``more(offset)`` (the rows from ``offset``
        on, a page at a time) the view asks for the next rows as it scrolls to the end
        (Qt's fetchMore), so every row is reachable without a button."""
        self.beginResetModel()
        self._rows = list(rows)
        self._total = len(self._rows) if total is None else total
        self._more = more
        self.endResetModel()

    @property
    def total(self) -> int:
        """How many rows there are in all (shown or still to fetch)."""
        return max(self._total, len(self._rows))

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802 - Qt's name
        return (not parent.isValid() and self._more is not None
                and len(self._rows) < self._total)

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802 - Qt's name
        if not self.canFetchMore(parent):
            return
        rows = list(self._more(len(self._rows)))
        if not rows:
            self._total = len(self._rows)        # the list shrank meanwhile
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def texts(self, column: int, first: int, last: int) -> list[str]:
        """The display texts of ``column`` in rows ``first`` to ``last`` (for sizing
        the column without going through the view)."""
        getter = self._columns[column][1]
        return [str(getter(row)) for row in self._rows[first:last + 1]]

    def row_at(self, row: int):
        return self._rows[row]

    def replace_row(self, row: int, value) -> None:
        """Show ``value`` in place of row ``row`` (the rest of the list stays)."""
        self._rows[row] = value
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def remove_row(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) \
                or not (0 <= index.column() < len(self._columns)):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self._columns[index.column()][1](row))
        return self.extra(row, index.column(), role)

    def extra(self, row, column: int, role) -> Any:
        """Roles other than the display text; none by default."""
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section][0]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None
