"""Long work as plain functions: ``fn(..., progress, cancel) -> result`` (no Qt here).

The window runs such a function on a worker thread and shows ``progress``;
the command line passes a printer or nothing.
"""

from __future__ import annotations

import threading
from typing import Callable


class JobCancelled(Exception):
    """Raised inside a job when the user pressed Cancel; nothing was written."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise JobCancelled()


class Progress:
    """Receives ``report(done, total, message)``; forwards to a callback if given."""

    def __init__(self, callback: Callable[[int, int, str], None] | None = None):
        self._callback = callback
        self.done = 0
        self.total = 0
        self.message = ""

    def report(self, done: int, total: int, message: str = "") -> None:
        self.done, self.total, self.message = done, total, message
        if self._callback is not None:
            self._callback(done, total, message)
