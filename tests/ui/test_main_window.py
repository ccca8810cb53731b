"""The first window on a demo village, offscreen."""

import shutil

import pytest

from puskesos.services import Actor, open_services
from puskesos.ui.household_model import HouseholdTableModel
from puskesos.ui.main_window import MainWindow

VIEWER = Actor("viewer", "kepala_desa", "Hanya lihat")


@pytest.fixture
def window(qtbot, tmp_path, demo_db):
    path = tmp_path / "desa.sqlite"
    shutil.copy(demo_db, path)
    services = open_services(str(path))
    win = MainWindow(services, VIEWER)
    qtbot.addWidget(win)
    win.show()
    yield win
    services.close()


def test_lists_the_village_households_in_indonesian(window):
    assert window.model.rowCount() == 300
    assert window.count_label.text() == "300 keluarga"
    assert window.model.headerData(1, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal) \
        == "Kepala keluarga"
    assert "Jlodro" in window.windowTitle()


def test_nik_is_masked_for_a_view_only_window(window):
    niks = [window.model.row_at(i).head_nik for i in range(window.model.rowCount())]
    assert all("*" in n for n in niks if n)


def test_typing_part_of_a_name_filters_the_list(window, qtbot):
    name = window.model.row_at(0).head_name.split()[0]
    qtbot.keyClicks(window.search, name.lower())
    qtbot.waitUntil(lambda: window.model.rowCount() < 300, timeout=3000)
    assert window.model.rowCount() >= 1


def test_unbuilt_modules_are_disabled(window):
    from PySide6.QtCore import Qt
    flags = [window.nav.item(i).flags() for i in range(window.nav.count())]
    assert flags[0] & Qt.ItemFlag.ItemIsEnabled
    assert all(not (f & Qt.ItemFlag.ItemIsEnabled) for f in flags[1:])
    assert "belum tersedia" in window.nav.item(1).text()


def test_household_model_passes_qt_model_tester(qtmodeltester, demo_db, tmp_path):
    path = tmp_path / "desa.sqlite"
    shutil.copy(demo_db, path)
    services = open_services(str(path))
    rows, _ = services.households.search(actor=VIEWER, limit=50)
    model = HouseholdTableModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    services.close()
