"""A forgotten modal dialog fails its test quickly instead of hanging the whole run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")

INNER = '''
from PySide6.QtWidgets import QMessageBox
from conftest import answer_modals


def test_unexpected_box(qtbot):
    QMessageBox.warning(None, "Tak terduga", "Kotak yang tidak ditunggu")


def test_handler_that_leaves_its_box_open(qtbot):
    answer_modals(lambda box: None, lambda box: box.accept())
    QMessageBox.warning(None, "Dibiarkan", "Penangan tidak menutupnya")


def test_expected_box_is_answered(qtbot):
    answer_modals(lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    assert QMessageBox.question(None, "Ditunggu", "Lanjut?") == QMessageBox.StandardButton.Yes
'''


@pytest.mark.slow
def test_an_unexpected_modal_dialog_fails_the_test_and_the_run_goes_on(pytester):
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(test_inner=INNER)
    pytester.makeini("[pytest]\nqt_api = pyside6\ntimeout = 60\ntimeout_method = thread\n")
    started = time.monotonic()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    took = time.monotonic() - started
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(["*modal dialog that the test did not expect*Tak terduga*"])
    result.stdout.fnmatch_lines(["*modal dialog that the test did not expect*Dibiarkan*"])
    assert took < 50, f"the run took {took:.0f} s: the dialog was not closed by the watchdog"


HUNG = '''
from PySide6.QtCore import QEventLoop


def test_hangs_in_an_event_loop(qtbot):
    QEventLoop().exec()
'''


@pytest.mark.slow
def test_a_test_hung_in_a_qt_event_loop_is_ended_by_the_timeout(pytester):
    """The signal method cannot interrupt Qt's loop; the configured thread method can."""
    pytester.makepyfile(test_hung=HUNG)
    pytester.makeini("[pytest]\nqt_api = pyside6\ntimeout = 3\ntimeout_method = thread\n")
    started = time.monotonic()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", timeout=120)
    assert time.monotonic() - started < 60
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*Timeout*"])


def test_the_project_uses_the_thread_timeout_method(pytestconfig):
    assert pytestconfig.getini("timeout_method") == "thread"
