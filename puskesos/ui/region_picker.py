"""Search the Kemendagri region list by name or code and pick one (a village by default)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..core.regions import normalize_code, regions
from ..i18n import _


class RegionPicker(QWidget):
    """A search field over a result list.

    Typing at least ``min_chars`` characters searches (after a short pause)
    for regions of ``level`` whose name or code contains every typed word;
    ``3523012001`` is read as ``35.23.01.2001``.  A single match is selected
    at once.

    Signals:
      ``selection_changed(code)`` — the chosen code, or ``""`` when nothing is chosen;
      ``searched(text, count)`` — after each search (``count`` 0 means nothing matched).
    """

    selection_changed = Signal(str)
    searched = Signal(str, int)

    def __init__(self, parent: QWidget | None = None, *, level: str = "desa", limit: int = 60,
                 min_chars: int = 3, delay_ms: int = 120):
        super().__init__(parent)
        self.level, self.limit, self.min_chars = level, limit, min_chars

        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Type the village name or code…"))
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setMinimumHeight(160)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        self.setFocusProxy(self.search)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(delay_ms)
        self._debounce.timeout.connect(self.search_now)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.results.currentItemChanged.connect(
            lambda *_a: self.selection_changed.emit(self.selected_code() or ""))

    def selected_code(self) -> str | None:
        item = self.results.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def set_query(self, text: str) -> None:
        """Put ``text`` in the search field and search at once."""
        self.search.setText(text)
        self.search_now()

    def search_now(self) -> None:
        self._debounce.stop()
        self.results.clear()
        text = self.search.text().strip()
        if len(text) < self.min_chars:
            return
        query = normalize_code(text) if text.replace(".", "").isdigit() else text
        source = regions()
        for region in source.search(query, level=self.level, limit=self.limit):
            path = source.path(region.code) if self.level == "desa" else None
            item = QListWidgetItem(f"{path.label if path else region.name}  ({region.code})")
            item.setData(Qt.ItemDataRole.UserRole, region.code)
            self.results.addItem(item)
        if self.results.count() == 1:
            self.results.setCurrentRow(0)
        self.searched.emit(text, self.results.count())
