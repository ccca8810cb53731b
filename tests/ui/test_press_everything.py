"""Press everything: for every role, every page of the navigation, every enabled
button, every menu action and every shortcut of the real window, on a copy of
the demo village (issue 12).

Dialogs are answered with the choice that changes least: a question with its
Cancel/No, a message with OK, a text prompt with "uji coba" (so that the work
behind it runs), a form with Cancel, a save dialog with a file in a temporary
folder, an open dialog with Cancel.  The test fails on an exception in any
slot (pytest-qt), a Qt warning (``qt_log_level_fail``), or the crash message
that a bug gets; a ``UserError`` message is a correct answer and passes.
Pages are taken from the navigation, so a new page is pressed without a change
here.
"""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QProgressDialog,
    QRadioButton,
    QTabWidget,
    QToolButton,
)

from puskesos.core.codes import Role
from puskesos.services import Actor
from puskesos.ui.main_window import MainWindow

CRASH = "Terjadi kesalahan tak terduga"
ROLES = {"admin": Role.ADMIN, "operator": Role.OPERATOR, "koordinator": Role.KOORDINATOR,
         "kades": Role.KEPALA_DESA}
#: what ends the session rather than doing something in it
ENDS_SESSION = {"Keluar", "Kunci"}


class Answerer:
    """Answers every modal dialog while it runs; keeps what the user was told."""

    def __init__(self, folder) -> None:
        self.folder = folder
        self.told: list[str] = []
        self.crashes: list[str] = []
        self.saved = 0
        self.timer = QTimer()
        self.timer.setInterval(15)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def poll(self) -> None:
        widget = QApplication.activeModalWidget()
        if widget is None or not widget.isVisible() or isinstance(widget, QProgressDialog):
            return
        self.answer(widget)

    def answer(self, widget) -> None:
        if isinstance(widget, QMessageBox):
            self.told.append(widget.text())
            if CRASH in widget.text():
                self.crashes.append(widget.text())
            button = widget.escapeButton() or widget.defaultButton() or widget.buttons()[0]
            button.click()
        elif isinstance(widget, QFileDialog):
            if widget.acceptMode() == QFileDialog.AcceptMode.AcceptSave:
                self.saved += 1
                widget.selectFile(str(self.folder / f"berkas-{self.saved}"))
                widget.accept()
            else:
                widget.reject()
        elif isinstance(widget, QInputDialog):
            if widget.inputMode() == QInputDialog.InputMode.TextInput:
                widget.setTextValue("uji coba")
            widget.accept()
        elif isinstance(widget, QDialog):
            widget.reject()
        else:
            widget.close()


def _pressable(root) -> list[QAbstractButton]:
    return [b for b in root.findChildren(QAbstractButton)
            if not isinstance(b, (QCheckBox, QRadioButton)) and b.isVisible()
            and b.isEnabled() and b.text().strip() and not b.text().startswith("...")
            and not (isinstance(b, QToolButton) and not b.text().strip())]


def _settle(qtbot, window) -> None:
    """Wait for the operations a press started, then close what it left open."""
    qtbot.waitUntil(lambda: not window.bus.ops.active(), timeout=60000)
    qtbot.wait(30)
    for widget in QApplication.topLevelWidgets():
        if widget is not window and widget.isVisible() and isinstance(widget, QDialog) \
                and not isinstance(widget, QProgressDialog):
            widget.reject()
    qtbot.wait(10)


def _select_first_rows(page) -> None:
    """Buttons that act on a chosen row are enabled once a row is chosen."""
    for view in page.findChildren(QAbstractItemView):
        model = view.model()
        if view.isVisible() and model is not None and model.rowCount() > 0 \
                and not view.selectionModel().hasSelection():
            view.setCurrentIndex(model.index(0, 0))


def _press_page(qtbot, window, page, label: str, pressed: list[str]) -> None:
    """Every enabled button of ``page`` on each of its tabs, then its shortcuts."""
    done: set[str] = set()

    def press_visible() -> None:
        # buttons may be rebuilt by a press: look again after each one
        while shiboken6.isValid(page):
            _select_first_rows(page)
            todo = [b for b in _pressable(page) if _name(b) not in done]
            if not todo:
                return
            button = todo[0]
            done.add(_name(button))
            pressed.append(f"{label}: {button.text()}")
            button.click()
            _settle(qtbot, window)

    press_visible()
    for tabs in page.findChildren(QTabWidget):
        for index in range(tabs.count()):
            if shiboken6.isValid(tabs) and tabs.isVisible():
                tabs.setCurrentIndex(index)
                qtbot.wait(10)
                press_visible()
    for shortcut in page.findChildren(QShortcut):
        parent = shortcut.parent()
        if shortcut.isEnabled() and getattr(parent, "isVisible", lambda: False)() \
                and parent.window() is window:
            pressed.append(f"{label}: {shortcut.key().toString()}")
            shortcut.activated.emit()
            _settle(qtbot, window)


def _menu_actions(window) -> list[QAction]:
    found = []

    def walk(menu):
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())
            elif not action.isSeparator():
                found.append(action)

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu())
    return found


@pytest.mark.slow
@pytest.mark.parametrize("username", list(ROLES))
def test_every_button_action_and_shortcut_of_every_page(qtbot, village, tmp_path, username):
    _press_all(qtbot, village, Actor(username, ROLES[username].value, username.title()),
               tmp_path)


@pytest.mark.slow
def test_every_button_of_the_kabupatens_desk(qtbot, village, tmp_path):
    """The same program as the Dinas Sosial's desk, holding a village's bundle: its
    pages show the village's families, referrals, verval and labelling; pressing
    everything there crashes nothing (a change it may not make is refused in words)."""
    from tests.ui.test_exchange_transfer import _kabupaten_with
    kabupaten = _kabupaten_with(village, tmp_path)
    try:
        _press_all(qtbot, kabupaten, Actor("admin", Role.ADMIN.value, "Admin"),
                   tmp_path / "pressed")
    finally:
        kabupaten.close()


def _press_all(qtbot, services, actor, tmp_path) -> None:
    tmp_path.mkdir(exist_ok=True)
    window = MainWindow(services, actor, idle_minutes=0)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    answerer = Answerer(tmp_path)
    pressed: list[str] = []
    try:
        for row in range(window.nav.count()):
            item = window.nav.item(row)
            if not item.flags():
                continue            # a page not built yet (greyed out)
            window.nav.setCurrentRow(row)
            qtbot.wait(20)
            _press_page(qtbot, window, window.stack.currentWidget(), item.text(), pressed)
        window.nav.setCurrentRow(0)
        for action in _menu_actions(window):
            label = action.text().replace("&", "").rstrip("…")
            if not action.isEnabled() or label in ENDS_SESSION:
                continue
            pressed.append(f"menu: {label}")
            action.trigger()
            _settle(qtbot, window)
        window.set_language("id")
        _settle(qtbot, window)
    finally:
        answerer.stop()
    assert not answerer.crashes, answerer.crashes
    # it did press: every page's buttons, the menus and the shortcuts
    assert len(pressed) > 20 and any(p.startswith("menu: ") for p in pressed), pressed


def _name(button) -> str:
    return f"{type(button).__name__}:{button.text()}:{button.objectName()}:" \
           f"{shiboken6.getCppPointer(button)[0]}"
