"""Every change the window makes runs on its one writer thread (ui/operations.py):
operations and quick writes queue there, and the window keeps painting meanwhile.
(tests/ui/conftest.py fails any window test whose code writes on the main thread.)"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from puskesos.errors import InvalidInput
from puskesos.ui.operations import Operations, write


class _Bus:
    def changed(self, kind, ids):
        pass


def test_a_quick_write_runs_off_the_main_thread_and_returns_its_result(qtbot):
    assert write(None, lambda: threading.current_thread().name) != \
        threading.main_thread().name
    assert write(None, lambda: 41 + 1) == 42


def test_a_quick_write_that_fails_raises_the_same_error_to_the_caller(qtbot):
    def refuse():
        raise InvalidInput("Tulis tanggal sebagai hh-bb-tttt.")

    with pytest.raises(InvalidInput, match="hh-bb-tttt"):
        write(None, refuse)


def test_a_quick_write_waits_for_a_running_operation_with_a_notice(qtbot):
    """Two changes never run at once: a save made while an operation is still writing
    waits for it; the window keeps painting and says it is saving."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    ops = Operations(_Bus())
    gate, order, notices, ticks = threading.Event(), [], [], []

    def long_operation(progress, cancel):
        gate.wait(10)
        order.append("operation")

    job = ops.run(parent, "Impor", long_operation)
    QTimer.singleShot(0, lambda: None)

    def look():
        ticks.append(1)     # the main thread still runs its timers
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QProgressDialog) and widget.isVisible() \
                and widget.labelText() == "Menyimpan…":
            notices.append(widget.labelText())
            gate.set()
        elif not gate.is_set():
            QTimer.singleShot(50, look)

    QTimer.singleShot(50, look)
    QTimer.singleShot(8000, gate.set)        # never hang the run
    write(parent, lambda: order.append("save"))
    assert order == ["operation", "save"]
    assert notices == ["Menyimpan…"] and len(ticks) > 3
    qtbot.waitUntil(lambda: not job.running)
