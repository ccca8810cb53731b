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

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..i18n import _
from ..jobs import CancelToken, Progress
from ..threads import collector_paused
from .jobs import Job, show_error, writer

Work = Callable[[Progress, CancelToken], Any]
T = TypeVar("T")

_on_writer = threading.local()


class _Call(QRunnable):
    """Runs ``work`` on the writer thread; touches nothing of Qt's (the main thread
    watches ``event``), so nothing Qt owns is used from two threads."""

    def __init__(self, work: Callable[[], Any], box: dict, event: threading.Event) -> None:
        super().__init__()
        self.work, self.box, self.event = work, box, event
        self.setAutoDelete(True)

    def run(self) -> None:
        _on_writer.active = True
        try:
            with collector_paused():   # never free a Qt object off the main thread
                self.box["result"] = self.work()
        except BaseException as exc:  # noqa: BLE001 - raised again on the main thread
            self.box["error"] = exc
        finally:
            _on_writer.active = False
            self.event.set()


def write(parent: QWidget | None, work: Callable[[], T], title: str | None = None) -> T:
    """Run the quick change ``work()`` (one service call) on the writer thread and
    return what it returns, or raise what it raised, as a plain call would.

    Meanwhile the window keeps painting; clicks and keys wait until the change
    is done (as they did when changes ran on the main thread), and a notice
    appears when it takes more than a moment (another operation is writing, a
    slow disk).  Called on the writer thread itself it simply runs ``work``.
    """
    if getattr(_on_writer, "active", False):
        return work()
    box: dict[str, Any] = {}
    event = threading.Event()
    writer().start(_Call(work, box, event))
    if not event.wait(0.002):            # a quick change is done before any loop
        # (the notice and the loop are made only for a change that takes a while)
        loop = QEventLoop()
        watch = QTimer()
        watch.setInterval(5)
        watch.timeout.connect(lambda: loop.quit() if event.is_set() else None)
        notice = QProgressDialog(title or _("Saving…"), "", 0, 0, parent)
        notice.setCancelButton(None)
        notice.setWindowTitle(_("Puskesos"))
        notice.setWindowModality(Qt.WindowModality.WindowModal)
        notice.setMinimumDuration(400)
        watch.start()
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        watch.stop()
        notice.reset()
        notice.hide()
        notice.deleteLater()
    # the program may be quitting, which ends every event loop: the change still
    # completes (or fails) before the caller goes on
    event.wait()
    if "error" in box:
        raise box["error"]
    return box["result"]


class Operations(QObject):
    """The operations running in one window."""

    def __init__(self, bus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._running: list[Job] = []

    def run(self, parent: QWidget | None, title: str, work: Work, *,
            changes: str | None = None, on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            reads_only: bool = False) -> Job:
        """Run ``work`` off the main thread; ``changes``: the kind of data it changes
        ("household", "setting", …), announced on the bus when it succeeds (also
        before ``on_done``).  ``on_error`` replaces :func:`show_error` for a failure
        (it is then the caller's to show).  ``reads_only``: it changes nothing, so
        closing the window stops it without asking."""

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
        job.reads_only = reads_only
        self._running.append(job)
        job.finished.connect(lambda: self._running.remove(job) if job in self._running
                             else None)
        return job

    def write(self, parent: QWidget | None, work: Callable[[], T],
              title: str | None = None) -> T:
        """:func:`write`: a quick change on the writer thread, waited for."""
        return write(parent, work, title)

    def active(self) -> list[Job]:
        """The operations still running."""
        return [job for job in self._running if job.running]
