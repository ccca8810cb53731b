"""What the Rujukan window tests share: the actors, opening the page, a resident
of the demo village, finding and opening a row, reading a message box."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from puskesos.services import Actor
from puskesos.ui.main_window import MainWindow
from tests.ui.conftest import activate

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")
ADMIN = Actor("admin", "admin", "Administrator Desa")
KADES = Actor("kades", "kepala_desa", "H. Sutrisno")
TODAY = date.today()


def open_page(qtbot, village, actor):
    window = MainWindow(village, actor, idle_minutes=0)
    qtbot.addWidget(window)
    window.show()
    window.show_module("referrals")
    return window, window.pages["referrals"]


def a_resident(village):
    rows, _total = village.households.search(actor=ADMIN, limit=5)
    head = next(r for r in rows if r.head_name)
    return village.referrals.find_people(head.head_name, actor=ADMIN)[0]


def answer_message(told: list[str]) -> QTimer:
    """Read and close the next message box, also one that opens while a handler of
    ``dialogs`` still runs (a step's refusal, shown over its form)."""
    timer = QTimer()
    timer.setInterval(20)

    def poll():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            timer.stop()
            told.append(box.text())
            box.accept()

    timer.timeout.connect(poll)
    timer.start()
    return timer


def row_of(page, referral_id) -> int:
    return next(i for i in range(page.model.rowCount())
                if page.model.row_at(i).id == referral_id)


def shown(page, row: int, column: int) -> str:
    return page.model.index(row, column).data()


def open_row(qtbot, page, row: int, *, key: bool = False):
    """Double-click a row of the list (or choose it and press Enter): it opens."""
    activate(qtbot, page.window())
    rect = page.table.visualRect(page.model.index(row, 2))
    before = len(page.open_dialogs)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    if key:
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    else:
        qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: len(page.open_dialogs) > before)
    return page.open_dialogs[-1]
