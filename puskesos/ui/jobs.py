"""A job on a worker thread with a progress dialog and Cancel, and the one function
that shows an error to the user.

A job is a plain function ``fn(progress: Progress, cancel: CancelToken) ->
result`` with no Qt in it (see puskesos.jobs).  :class:`Job` runs it on the
global QThreadPool, shows a QProgressDialog after a short delay, and calls
``on_done(result)`` or shows the error on the main thread.  The window starts
jobs only through :class:`~puskesos.ui.operations.Operations` (``bus.ops.run``),
which keeps the list of running ones.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from ..errors import UserError
from ..i18n import _
from ..jobs import CancelToken, JobCancelled, Progress
from ..threads import collector_paused

_WRITER: QThreadPool | None = None


def writer() -> QThreadPool:
    """The window's one thread for work on the database: every operation and every
    quick write runs there, one after the other, so two never interleave and the
    main thread never waits for SQLite's write lock."""
    global _WRITER
    if _WRITER is None:
        _WRITER = QThreadPool()
        _WRITER.setMaxThreadCount(1)
        _WRITER.setObjectName("puskesos-writer")
    return _WRITER


class _Signals(QObject):
    progress = Signal(int, int, str)
    done = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[Progress, CancelToken], Any], signals: _Signals,
                 cancel: CancelToken):
        super().__init__()
        self.fn, self.signals, self.cancel = fn, signals, cancel
        self.setAutoDelete(True)

    def run(self) -> None:
        progress = Progress(lambda d, t, m: self.signals.progress.emit(d, t, m))
        try:
            with collector_paused():   # never free a Qt object off the main thread
                result = self.fn(progress, self.cancel)
        except JobCancelled:
            self.signals.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - delivered to the main thread
            self.signals.failed.emit(exc, traceback.format_exc())
        else:
            self.signals.done.emit(result)


class Job(QObject):
    """A running job; keeps its signals alive until it ends."""

    finished = Signal()
    #: it only reads (figures, flags): closing the window stops it without asking
    reads_only = False

    def __init__(self, parent: QWidget | None, title: str,
                 fn: Callable[[Progress, CancelToken], Any],
                 on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 show_after_ms: int = 300):
        super().__init__(parent)
        self.cancel = CancelToken()
        self._on_done, self._on_error = on_done, on_error
        self.dialog = QProgressDialog(title, _("Cancel"), 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(show_after_ms)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel.cancel)
        self.signals = _Signals()
        self.signals.progress.connect(self._progress)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.signals.cancelled.connect(self._cancelled)
        self.result: Any = None
        self.error: BaseException | None = None
        self.running = True
        writer().start(_Runnable(fn, self.signals, self.cancel))

    def stop(self) -> None:
        """Cancel the work and drop what it would do when it ends (show a result or
        an error): the program is closing."""
        self._on_done, self._on_error = None, (lambda _exc: None)
        self.cancel.cancel()

    def _progress(self, done: int, total: int, message: str) -> None:
        self.dialog.setMaximum(max(total, 0))
        self.dialog.setValue(min(done, total) if total else 0)
        if message:
            self.dialog.setLabelText(message)

    def _finish(self) -> None:
        self.running = False
        self.dialog.reset()
        self.dialog.hide()
        self.finished.emit()

    def _done(self, result: Any) -> None:
        self.result = result
        self._finish()
        if self._on_done:
            self._on_done(result)

    def _failed(self, exc: BaseException, trace: str) -> None:
        self.error = exc
        self._finish()
        if self._on_error:
            self._on_error(exc)
            return
        show_error(self.parent(), exc, trace)

    def _cancelled(self) -> None:
        self._finish()


def show_error(parent, exc: BaseException, trace: str = "") -> None:
    """A user-world error as a plain message; a bug with the log file named."""
    if isinstance(exc, UserError):
        QMessageBox.warning(parent, _("Puskesos"), exc.message)
        return
    from ..logs import crash_log
    path = crash_log(exc)
    QMessageBox.critical(parent, _("Puskesos"),
                         _("An unexpected error happened (a bug). The details were saved "
                           "to {path}; please send that file to support.").format(path=path))
