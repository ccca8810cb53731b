"""Helpers for driving the real window: a demo village copy and modal answers."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
import time

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDialog, QMessageBox, QProgressDialog,
                               QPushButton)

from puskesos.services import open_services
from tests.helpers import copy_village


@pytest.fixture
def village(tmp_path, demo_db):
    """Services over a private copy of the 300-household demo village."""
    path = tmp_path / "desa.sqlite"
    copy_village(demo_db, path)
    services = open_services(str(path))
    yield services
    services.close()


#: handlers waiting for a modal dialog, across every answer_modals() call of a test
_pending: list = []
#: ids of the dialogs a handler was given (a handler that leaves its dialog open hangs)
_handled: set[int] = set()
#: seconds an unexpected modal dialog may stay open before the watchdog closes it
UNEXPECTED_MODAL_GRACE_S = 3.0


def answer_modals(*handlers):
    """Answer the next modal dialogs in order: each handler gets the dialog widget.

    A modal dialog blocks in exec(); the handlers run from the event loop it spins.
    Progress dialogs are not answered (they close by themselves).  A modal dialog
    that no handler is waiting for is closed by the watchdog below and fails the test.
    """
    queue = list(handlers)
    _pending.append(queue)
    seen = set()

    def poll():
        if not any(q is queue for q in _pending):
            return  # the test ended: its leftover handlers must not answer the next test
        if not queue:
            _pending[:] = [q for q in _pending if q is not queue]
            return
        widget = QApplication.activeModalWidget()
        if widget is None or _key(widget) in seen or not widget.isVisible() \
                or isinstance(widget, QProgressDialog):
            QTimer.singleShot(20, poll)
            return
        seen.add(_key(widget))
        _handled.add(_key(widget))
        queue.pop(0)(widget)
        QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return queue


def _key(widget) -> int:
    """The address of the C++ dialog: Python wrappers of one dialog may differ."""
    return shiboken6.getCppPointer(widget)[0]


def _describe(widget) -> str:
    text = widget.text() if isinstance(widget, QMessageBox) else ""
    return f"{type(widget).__name__} {widget.windowTitle()!r} {text!r}".strip()


@pytest.fixture(autouse=True)
def unexpected_modal_watchdog(qapp):
    """Fail the test, instead of hanging the run, when a modal dialog nobody answers
    stays open: it is closed after a grace period and reported at teardown.

    A Qt modal loop cannot be interrupted by pytest-timeout's signal, so without
    this a forgotten dialog stalls the whole suite until the thread timeout kills it.
    """
    unexpected: list[str] = []
    first_seen: dict[int, float] = {}
    timer = QTimer()
    timer.setInterval(100)

    def check():
        widget = QApplication.activeModalWidget()
        if widget is None or not widget.isVisible() or isinstance(widget, QProgressDialog) \
                or (_key(widget) not in _handled and any(_pending)):
            first_seen.clear()  # nothing open, or a handler is about to answer it
            return
        since = first_seen.setdefault(_key(widget), time.monotonic())
        if time.monotonic() - since >= UNEXPECTED_MODAL_GRACE_S:
            unexpected.append(_describe(widget))
            first_seen.pop(_key(widget), None)
            if isinstance(widget, QDialog):
                widget.reject()
            else:
                widget.close()

    timer.timeout.connect(check)
    timer.start()
    yield unexpected
    timer.stop()
    _pending.clear()
    _handled.clear()
    if unexpected:
        pytest.fail("a modal dialog that the test did not expect stayed open and was "
                    "closed: " + "; ".join(unexpected), pytrace=False)


# ------------------------------------------------- pressing buttons in window tests
@contextmanager
def dialogs(*handlers):
    """Answer the next modal dialogs in order (conftest.answer_modals), and fail
    when one of them never opened.  A handler that fails closes its dialog first,
    so a wrong dialog never leaves the test hanging."""
    opened = []

    def guarded(handler):
        def run(dialog):
            opened.append(dialog)
            try:
                handler(dialog)
            except BaseException:
                dialog.reject()
                raise
        return run

    queue = answer_modals(*[guarded(h) for h in handlers])
    try:
        yield opened
    finally:
        missing = len(queue)
        queue.clear()  # stops the polling: nothing is answered in a later test
    assert missing == 0, f"{missing} of {len(handlers)} expected dialog(s) never opened"


def settled(qtbot, page) -> None:
    """Wait until ``page`` has finished the work it runs off the window's thread
    (its ``job``, e.g. the flags of Program & Sasaran)."""
    qtbot.waitUntil(lambda: page.job is None or not page.job.running, timeout=20000)


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def activate(qtbot, widget) -> None:
    """Make the window active again (shortcuts only reach the active window;
    offscreen, none is active again after a modal dialog closed)."""
    with qtbot.waitActive(widget):
        widget.show()
        widget.activateWindow()


@pytest.fixture(autouse=True)
def no_write_on_the_main_thread(monkeypatch):
    """Every change the window makes goes through the writer thread
    (ui/operations.py): a write transaction that the window's code opens on the
    main thread, where the window would freeze while SQLite waits for its write
    lock, fails the test.  (A test's own arranging of data is not the window's.)"""
    import threading
    import traceback

    from puskesos.db.engine import Database
    real = Database.write
    seen: list[str] = []

    def write(self):
        if threading.current_thread() is threading.main_thread():
            stack = traceback.extract_stack()[:-1]
            window = [f for f in stack if "/puskesos/ui/" in f.filename.replace("\\", "/")]
            if window:
                seen.append(f"{window[-1].filename}:{window[-1].lineno} "
                            f"({window[-1].name}) -> {stack[-1].name}")
        return real(self)

    monkeypatch.setattr(Database, "write", write)
    yield
    import os
    if os.environ.get("PUSKESOS_WRITES_LOG"):
        with open(os.environ["PUSKESOS_WRITES_LOG"], "a") as fh:
            fh.write("\n".join(seen) + "\n")
    assert not seen, "the window wrote on the main thread: " + "; ".join(seen)


@pytest.fixture(autouse=True, scope="session")
def qt_speaks_indonesian(qapp):
    """Qt's own texts in Indonesian, as the program installs them (ui/qt_catalog.py)."""
    from puskesos.ui import qt_catalog
    qt_catalog.install(qapp)
