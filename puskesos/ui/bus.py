"""One change channel for the whole window (DESIGN.md §4).

After a write, the code that made it emits ``data_changed(kind, ids)``; every
open view decides whether it must refresh.  ``kind`` is an entity name such
as "household", "member", "officer", "setting"; ``ids`` may be empty
(meaning "anything of that kind").
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from .operations import Operations


class ChangeBus(QObject):
    """The window's shared channel: ``data_changed`` after every write, and the
    registry of running operations (:attr:`ops`, see :mod:`.operations`)."""

    data_changed = Signal(str, list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ops = Operations(self, self)

    def changed(self, kind: str, ids: list[str] | None = None) -> None:
        self.data_changed.emit(kind, list(ids or []))
