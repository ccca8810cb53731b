"""The window's one way to run work that may take more than a moment.

An operation is a Qt-free function ``work(progress, cancel) -> result`` (see
:mod:`puskesos.jobs`), usually one service call.  :meth:`Operations.run`
runs it on a worker thread with a progress dialog whose Cancel stops it,
then, on the main thread: announces the change on the bus
(``data_changed``), hands the result to ``on_done``, or shows the error with
:func:`~puskesos.ui.jobs.show_error` (a user error says what to do; a bug
is logged).  Every running operation is listed in :meth:`Operations.active`,
which closing the window waits for.  Writes queue on the database's single
writer, so two operations never interleave half-written changes.

A page reaches the registry through its change bus: ``self.bus.ops.run(...)``
(the window, its pages and its dialogs share one bus).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from ..jobs import CancelToken, Progress
from .jobs import Job, show_error

Work = Callable[[Progress, CancelToken], Any]


class Operations(QObject):
    """The operations running in one window."""

    def __init__(self, bus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._running: list[Job] = []

    def run(self, parent: QWidget | None, title: str, work: Work, *,
            changes: str | None = None, on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> Job:
        """Run ``work`` off the main thread; ``changes``: the kind of data it changes
        ("household", "setting", …), announced on the bus when it succeeds (also
        before ``on_done``).  ``on_error`` replaces :func:`show_error` for a failure
        (it is then the caller's to show)."""

        def done(result: Any) -> None:
            if changes:
                self._bus.changed(changes, [])
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            else:
                show_error(parent, exc)

        job = Job(parent, title, work, done, failed)
        self._running.append(job)
        job.finished.connect(lambda: self._running.remove(job) if job in self._running
                             else None)
        return job

    def active(self) -> list[Job]:
        """The operations still running."""
        return [job for job in self._running if job.running]
