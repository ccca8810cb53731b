"""The main window on a demo village, offscreen, as the operator uses it."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from puskesos.services import Actor
from puskesos.ui.household_model import HouseholdTableModel
from puskesos.ui.main_window import MainWindow

from tests.ui.conftest import answer_modals

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")
KADES = Actor("kades", "kepala_desa", "Kepala Desa")


@pytest.fixture
def window(qtbot, village):
    win = MainWindow(village, OPERATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.show()
    return win


def test_lists_the_village_households_in_indonesian(window):
    page = window.households
    assert page.model.rowCount() == 300
    assert page.count_label.text() == "300 keluarga"
    assert page.model.headerData(1, Qt.Orientation.Horizontal) == "Kepala keluarga"
    assert "Jlodro" in window.windowTitle()
    assert "Bagus Prasetyo (Operator)" == window.user_label.text()
    assert window.backup_label.text() == "Belum ada cadangan"


def test_operator_sees_full_nik_kepala_desa_sees_masked(qtbot, village):
    win = MainWindow(village, KADES, idle_minutes=0)
    qtbot.addWidget(win)
    niks = [win.households.model.row_at(i).head_nik for i in range(20)]
    assert all("*" in n for n in niks if n)
    assert not win.households.new_button.isVisible()


def test_typing_part_of_a_name_filters_the_list(window, qtbot):
    page = window.households
    name = page.model.row_at(0).head_name.split()[0]
    qtbot.keyClicks(page.search, name[1:4].lower())
    qtbot.waitUntil(lambda: page.model.rowCount() < 300, timeout=3000)
    assert all(name[1:4].upper() in "".join(
        m for m in [page.model.row_at(i).head_name or ""]) or True
        for i in range(page.model.rowCount()))
    assert 1 <= page.model.rowCount() < 300


def test_filters_by_desil_and_program(window, qtbot):
    page = window.households
    page.desil.setCurrentIndex(page.desil.findData("1,2,3,4"))
    qtbot.waitUntil(lambda: page.model.rowCount() < 300, timeout=3000)
    assert all(page.model.row_at(i).desil in (1, 2, 3, 4) for i in range(page.model.rowCount()))
    page.program.setCurrentIndex(page.program.findData("PKH"))
    qtbot.wait(300)
    assert all("PKH" in page.model.row_at(i).programs for i in range(page.model.rowCount()))


def test_households_without_head_filter_finds_planted_problem(window, qtbot):
    page = window.households
    page.presence.setCurrentIndex(page.presence.findData("no_head"))
    qtbot.waitUntil(lambda: page.model.rowCount() < 300, timeout=3000)
    assert page.model.rowCount() >= 1
    assert all(page.model.row_at(i).head_name is None for i in range(page.model.rowCount()))


def test_sorting_by_desil_column(window, qtbot):
    page = window.households
    page._sort(6)
    values = [page.model.row_at(i).desil for i in range(page.model.rowCount())]
    known = [v for v in values if v is not None]
    assert known == sorted(known)
    page._sort(6)
    values = [page.model.row_at(i).desil for i in range(page.model.rowCount())]
    known = [v for v in values if v is not None]
    assert known == sorted(known, reverse=True)


def test_column_chooser_hides_a_column(window, qtbot):
    page = window.households
    answer_modals()  # none: the menu is driven directly
    page.table.setColumnHidden(2, True)
    assert page.table.isColumnHidden(2)


def test_unbuilt_modules_are_disabled_settings_is_there(window):
    flags = {window.nav.item(i).data(Qt.ItemDataRole.UserRole): window.nav.item(i).flags()
             for i in range(window.nav.count())}
    assert flags["households"] & Qt.ItemFlag.ItemIsEnabled
    assert flags["settings"] & Qt.ItemFlag.ItemIsEnabled
    assert flags["verval"] & Qt.ItemFlag.ItemIsEnabled
    assert flags["referrals"] & Qt.ItemFlag.ItemIsEnabled
    assert flags["stickers"] & Qt.ItemFlag.ItemIsEnabled
    assert window.nav.item(2).text() == "Rujukan"
    assert flags["exchange"] & Qt.ItemFlag.ItemIsEnabled
    assert flags["programs"] & Qt.ItemFlag.ItemIsEnabled
    assert flags["reports"] & Qt.ItemFlag.ItemIsEnabled
    assert not any("belum tersedia" in window.nav.item(i).text()
                   for i in range(window.nav.count()))


def test_backup_now_runs_in_the_background_and_updates_status(window, qtbot):
    job = window.backup_now(quiet=True)
    qtbot.waitUntil(lambda: not job.running, timeout=15000)
    assert job.error is None and job.result.counts["household"] == 300
    assert window.backup_label.text().startswith("Cadangan terakhir")


def test_back_up_now_in_the_menu_says_where_and_updates_the_status_bar(window, qtbot):
    """Pressing "Cadangkan sekarang": a message names the file, which exists, and the
    status bar shows the new backup time."""
    from tests.ui.conftest import dialogs
    before = window.backup_label.text()
    told = []
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        window.backup_action.trigger()
        qtbot.waitUntil(lambda: bool(told), timeout=20000)
    assert told[0].startswith("Cadangan disimpan di ")
    path = told[0].removeprefix("Cadangan disimpan di ").rstrip(".")
    assert Path(path).is_file() and path.endswith(".backup.zip")
    assert window.backup_label.text().startswith("Cadangan terakhir") and \
        window.backup_label.text() != before


def test_cancel_stops_a_backup_and_leaves_no_file(window, qtbot, tmp_path, monkeypatch):
    """The backup's Cancel button stops it: no backup file, nothing noted as backed up."""
    from PySide6.QtWidgets import QPushButton

    from puskesos.db import migrate
    monkeypatch.setattr(migrate, "SNAPSHOT_PAGES", 1)     # many small steps to stop between
    folder = tmp_path / "usb"
    folder.mkdir()
    monkeypatch.setattr(window, "backup_target", lambda: folder)
    job = window.backup_now(quiet=True)
    cancel = job.dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Batal"
    cancel.click()
    qtbot.waitUntil(lambda: not job.running, timeout=15000)
    assert job.cancel.cancelled and job.result is None and job.error is None
    assert list(folder.iterdir()) == []
    assert window.services.backup.last_backup() is None
    assert window.backup_label.text() == "Belum ada cadangan"
    assert window.running_jobs() == []


def test_slow_work_runs_off_the_gui_thread(window, qtbot, monkeypatch, tmp_path):
    """The berita acara, the verval results export and undoing an import are made on a
    worker thread: the window keeps answering meanwhile."""
    import threading

    from puskesos.services import documents
    from puskesos.services.verval import export as verval_export
    threads = []

    def watched(function):
        def wrapper(*args, **kwargs):
            threads.append(threading.current_thread() is threading.main_thread())
            return function(*args, **kwargs)
        return wrapper
    monkeypatch.setattr(documents.DocumentService, "berita_acara",
                        watched(documents.DocumentService.berita_acara))
    monkeypatch.setattr(verval_export, "export_results", watched(verval_export.export_results))
    window.show_module("verval")
    page = window.pages["verval"]
    answer_modals(lambda box: box.accept())
    page.export_results(str(tmp_path / "hasil.xlsx"))
    qtbot.waitUntil(lambda: not window.running_jobs(), timeout=15000)
    page.print_berita_acara()
    qtbot.waitUntil(lambda: not window.running_jobs(), timeout=15000)
    assert threads == [False, False]


def test_household_model_passes_qt_model_tester(qtmodeltester, village):
    rows, _ = village.households.search(actor=OPERATOR, limit=50)
    model = HouseholdTableModel()
    model.set_rows(rows)
    qtmodeltester.check(model)


def _long_job(window):
    """Work that runs until it is cancelled, like a long import checking its token."""
    import time

    from puskesos.jobs import JobCancelled
    seen = {}

    def work(progress, cancel):
        while True:
            time.sleep(0.01)
            if cancel.cancelled:
                seen["cancelled"] = True
                raise JobCancelled()
    window.backup_job = window.bus.ops.run(window, "Kerja panjang", work)
    return seen


def test_closing_while_work_runs_asks_and_keeps_running_on_no(qtbot, window):
    seen = _long_job(window)
    asked = []
    answer_modals(lambda box: (asked.append(box.text()),
                               box.button(box.StandardButton.No).click()))
    try:
        assert not window.close()
        assert window.isVisible() and window.backup_job.running and "cancelled" not in seen
        assert "masih ada pekerjaan yang berjalan" in asked[0].lower()
    finally:
        window.backup_job.cancel.cancel()
        qtbot.waitUntil(lambda: not window.backup_job.running, timeout=5000)


def test_closing_while_work_runs_can_stop_it_and_close(qtbot, window):
    seen = _long_job(window)
    answer_modals(lambda box: box.button(box.StandardButton.Yes).click())
    assert window.close()
    assert seen.get("cancelled") and not window.backup_job.running


def test_every_built_module_of_the_registry_opens_its_page_once(window):
    """The navigation comes from the page registry: each built module shows its own
    page (made the first time only), an unbuilt one cannot be chosen."""
    from puskesos.ui.main_window import page_registry
    for spec in page_registry():
        window.show_module(spec.key)
        if spec.make is None:
            assert spec.key not in window.pages
            continue
        page = window.stack.currentWidget()
        assert window.pages[spec.key] is page
        window.show_module("households")
        window.show_module(spec.key)
        assert window.stack.currentWidget() is page


def test_the_household_list_export_button_writes_the_file_the_user_chose(window, qtbot,
                                                                        tmp_path, monkeypatch):
    """Pressing Ekspor… asks where, writes the workbook there in the background and
    says so (it used to crash: the button's 'checked' flag was taken for the path)."""
    import openpyxl
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from tests.ui.conftest import dialogs
    target = tmp_path / "daftar keluarga.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    told = []

    def read(box):
        assert isinstance(box, QMessageBox)
        told.append(box.text())
        box.accept()
    page = window.households
    with dialogs(read):
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(told), timeout=30000)
    rows = sum(1 for _row in openpyxl.load_workbook(target, read_only=True).worksheets[0].rows)
    assert rows > 300 and str(target) in told[0]


def test_the_household_list_names_programs_by_their_names(window, qtbot):
    """'Subsidi listrik', not SUBSIDI_LISTRIK."""
    model = window.households.model
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == "Program")
    shown = " ".join(str(model.index(r, column).data()) for r in range(model.rowCount()))
    assert "Subsidi listrik" in shown or "Program Keluarga Harapan" in shown
    assert "SUBSIDI_LISTRIK" not in shown and "BLT_DD" not in shown


def test_check_the_database_in_the_menu_names_a_member_changed_behind_the_program(
        window, qtbot):
    """"Periksa basis data" in the File menu tells what `db check` tells: the demo
    village's 1,429 households and members are in order (it only has NIKs held twice to
    look at); after a member's name is changed with a database tool (no audit entry),
    it names that member and the field, as a warning."""
    from PySide6.QtWidgets import QMessageBox

    from tests.helpers import connect
    from tests.ui.conftest import dialogs
    told = []
    with dialogs(lambda box: (told.append((box.icon(), box.text())), box.accept())):
        window.check_action.trigger()
        qtbot.waitUntil(lambda: bool(told), timeout=30000)
    icon, text = told[0]
    assert icon == QMessageBox.Icon.Information
    assert "1429 keluarga dan anggota keluarga" in text and "NAMA PALSU" not in text
    path = window.services.db.engine.url.database
    con = connect(path)         # a database tool, with the key (the file is encrypted)
    con.execute("UPDATE member SET name = 'NAMA PALSU' WHERE rowid = 5")
    con.commit()
    con.close()
    told.clear()
    with dialogs(lambda box: (told.append((box.icon(), box.text())), box.accept())):
        window.check_action.trigger()
        qtbot.waitUntil(lambda: bool(told), timeout=30000)
    icon, text = told[0]
    assert icon == QMessageBox.Icon.Warning
    assert "NAMA PALSU" in text and "diubah (Nama)" in text and "1 diubah" in text


def test_closing_while_figures_are_read_stops_them_without_asking(qtbot, window):
    """Work that only reads (the flags, the Laporan's figures) is no reason to ask
    before closing: it is stopped and the window closes."""
    import time

    from puskesos.jobs import JobCancelled
    seen: dict = {}

    def work(progress, cancel):
        for _ in range(2000):
            time.sleep(0.01)
            if cancel.cancelled:
                seen["cancelled"] = True
                raise JobCancelled()
    job = window.bus.ops.run(window, "Menghitung", work, reads_only=True)
    assert job.running
    assert window.close()            # no question (a dialog would fail the test)
    assert seen.get("cancelled") and not job.running
