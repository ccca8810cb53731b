"""The household list as the operator uses it (issue 12 point 5): who a search found,
the keyboard from the search box, the sort arrow, and every row reachable."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from puskesos.services import Actor
from puskesos.services.registry import HouseholdFilter
from puskesos.ui import households_page
from puskesos.ui.main_window import MainWindow

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")


@pytest.fixture
def page(qtbot, village):
    win = MainWindow(village, OPERATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win.households


def _a_member_who_is_not_the_head(village):
    rows, _total = village.households.search(actor=OPERATOR, filter=HouseholdFilter(),
                                             limit=50)
    for row in rows:
        household = village.households.get(actor=OPERATOR, household_id=row.id)
        for m in household.members:
            if m.relationship_code != "1" and not m.removed and m.name != row.head_name:
                return row, m
    raise AssertionError("the demo has families")


def test_a_search_for_a_member_says_who_was_found_under_the_head(qtbot, page, village):
    row, member = _a_member_who_is_not_the_head(village)
    qtbot.keyClicks(page.search, member.nik)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
    text = page.model.index(0, 1).data()
    assert text.startswith(row.head_name) and f"ditemukan: {member.name}" in text


def test_a_search_for_the_head_shows_the_head_only(qtbot, page, village):
    row, _member = _a_member_who_is_not_the_head(village)
    qtbot.keyClicks(page.search, row.head_nik)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
    assert page.model.index(0, 1).data() == row.head_name


def test_down_from_the_search_box_goes_into_the_results_and_enter_opens(qtbot, page):
    page.search.setFocus()
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.table.hasFocus() and page.selected_id() == page.model.row_at(0).id
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(page.open_dialogs), timeout=3000)
    assert page.open_dialogs[-1].household_id == page.model.row_at(0).id


def test_enter_in_the_search_box_opens_the_first_household_found(qtbot, page):
    qtbot.keyClicks(page.search, page.model.row_at(5).head_nik)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(page.open_dialogs), timeout=3000)
    assert page.open_dialogs[-1].household_id == page.model.row_at(0).id


def test_the_sort_arrow_says_the_order_the_rows_are_in(qtbot, page):
    header = page.table.horizontalHeader()
    assert page.model.headerData(header.sortIndicatorSection(),
                                 Qt.Orientation.Horizontal) == "Dusun"
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(0) + 5, 5))   # No KK
    assert header.sortIndicatorSection() == 0
    kks = [page.model.row_at(i).no_kk or "" for i in range(page.model.rowCount())]
    assert kks == sorted(kks)
    programs = page.model.columnCount() - 1          # not a column the list sorts by
    header.sectionClicked.emit(programs)
    assert header.sortIndicatorSection() == 0


def test_every_row_is_reachable_by_scrolling_without_a_button(qtbot, page, monkeypatch):
    monkeypatch.setattr(households_page, "PAGE_SIZE", 40)
    page.refresh()
    assert page.model.rowCount() == 40 and "dari 300" in page.count_label.text()
    for _round in range(20):
        page.table.scrollToBottom()
        qtbot.wait(10)
        if page.model.rowCount() == 300:
            break
    assert page.model.rowCount() == 300 and page.count_label.text() == "300 keluarga"
    assert len({page.model.row_at(i).id for i in range(300)}) == 300
