"""Settings → Kunci pertukaran (issue 16 point 2), pressing the real buttons: the own
fingerprint, its identity saved to a "USB" folder, a kabupaten's identity trusted
only when the operator says the fingerprint read over the phone is the same, and
revoked with a reason; at 1024×768 nothing is cut or pushed off the page."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from puskesos.services import open_services
from puskesos.ui.bus import ChangeBus
from puskesos.ui.settings_page import SettingsPage
from tests.conftest import ADMIN, KADES, OPERATOR
from tests.ui.conftest import click, dialogs


@pytest.fixture
def kabupaten_file(tmp_path):
    """The identity file of the demo village's kabupaten, and its fingerprint."""
    services = open_services(str(tmp_path / "tuban.sqlite"), create=True)
    try:
        services.settings.init_kabupaten(actor=ADMIN, kabupaten_code="35.23")
        own = services.keys.export_identity(actor=ADMIN, path=tmp_path / "tuban.json")
    finally:
        services.close()
    return tmp_path / "tuban.json", own.fingerprint


def _page(qtbot, services, actor=ADMIN):
    page = SettingsPage(services, actor, ChangeBus())
    qtbot.addWidget(page)
    page.tabs.setCurrentWidget(page.keys_tab)
    page.resize(int(1024 * 0.96) - 180, int(768 * 0.92) - 60)   # beside the navigation
    page.show()
    QApplication.processEvents()
    return page.keys_tab


def _answer(button):
    def press(box):
        assert isinstance(box, QMessageBox)
        box.button(button).click()
    return press


def test_the_tab_shows_the_fingerprint_and_saves_the_identity(qtbot, village, tmp_path,
                                                             monkeypatch):
    tab = _page(qtbot, village)
    own = village.keys.own_identity()            # the demo made its keys
    assert tab.fingerprint.text() == own.fingerprint
    assert "Desa Jlodro" in tab.office.text() and "35.23.01.2001" in tab.office.text()
    usb = tmp_path / "usb"
    usb.mkdir()
    target = usb / "identitas-jlodro.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with dialogs(lambda box: (None if str(target) in box.text() and own.fingerprint in
                              box.text() else pytest.fail(box.text()), box.accept())) as shown:
        click(qtbot, tab.save_button)
    assert shown and target.exists()
    assert b'"35.23.01.2001"' in target.read_bytes()
    assert str(target) in tab.status.text()


def test_trust_only_after_the_fingerprint_is_confirmed_then_revoke(qtbot, village,
                                                                  kabupaten_file,
                                                                  monkeypatch):
    path, printed = kabupaten_file
    tab = _page(qtbot, village)
    assert tab.table.rowCount() == 0 and not tab.revoke_button.isEnabled()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    seen = []
    with dialogs(lambda box: (seen.append(box.text()),
                              _answer(QMessageBox.StandardButton.No)(box))):
        click(qtbot, tab.trust_button)
    assert printed in seen[0] and "Kabupaten Tuban" in seen[0] and "elepon" in seen[0]
    assert tab.table.rowCount() == 0 and village.keys.peer("35.23") is None
    with dialogs(_answer(QMessageBox.StandardButton.Yes)):
        click(qtbot, tab.trust_button)
    assert tab.table.rowCount() == 1
    assert tab.table.item(0, 0).text() == "35.23"
    assert tab.table.item(0, 3).text() == printed
    assert village.keys.peer("35.23").fingerprint == printed
    tab.table.selectRow(0)
    assert tab.revoke_button.isEnabled()
    with dialogs(lambda d: (d.setTextValue("flashdisk hilang"), d.accept())):
        click(qtbot, tab.revoke_button)
    assert village.keys.peer("35.23").revoked
    assert tab.table.item(0, 5).text() == "Dicabut"
    assert tab.table.item(0, 5).toolTip() == "flashdisk hilang"


def test_a_damaged_file_is_refused_with_its_message(qtbot, village, tmp_path, monkeypatch):
    broken = tmp_path / "rusak.json"
    broken.write_text('{"format": "puskesos-identity/1", "kind": "kabupaten"}')
    tab = _page(qtbot, village)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(broken), ""))
    seen = []
    with dialogs(lambda box: (seen.append(box.text()), box.accept())):
        click(qtbot, tab.trust_button)
    assert "rusak.json" in seen[0] and tab.table.rowCount() == 0


def test_only_an_administrator_trusts_and_revokes(qtbot, village):
    tab = _page(qtbot, village, OPERATOR)
    assert not tab.trust_button.isEnabled() and not tab.revoke_button.isEnabled()
    assert tab.save_button.isEnabled()
    tab = _page(qtbot, village, KADES)
    assert not tab.save_button.isEnabled() and tab.table.rowCount() == 0


def test_the_tab_fits_a_1024_screen(qtbot, village, kabupaten_file, monkeypatch):
    """In the main window on a 1024x768 screen the buttons and the big fingerprint are
    whole on the page and the trusted offices' list does not scroll sideways."""
    from puskesos.ui import main_window
    from puskesos.ui.main_window import MainWindow
    from tests.ui.test_screen_fit import SCREENS, on_screen
    path, printed = kabupaten_file
    village.keys.trust(actor=ADMIN, path=path, fingerprint=printed)
    on_screen(monkeypatch, main_window, SCREENS["1024"])
    win = MainWindow(village, ADMIN, idle_minutes=0)
    qtbot.addWidget(win)
    win.show_module("settings")
    page = win.pages["settings"]
    page.tabs.setCurrentWidget(page.keys_tab)
    win.show()
    for _ in range(3):
        QApplication.processEvents()
    tab = page.keys_tab
    assert win.width() <= int(1024 * 0.96)
    assert win.minimumSizeHint().width() <= win.width()
    for widget in (tab.save_button, tab.trust_button, tab.revoke_button, tab.fingerprint):
        left = widget.mapTo(tab, widget.rect().topLeft()).x()
        assert left >= 0 and left + widget.width() <= tab.width(), widget
        assert widget.width() >= widget.sizeHint().width(), widget
    assert tab.table.horizontalScrollBar().maximum() == 0
    assert tab.table.columnWidth(3) >= tab.table.sizeHintForColumn(3)   # fingerprint whole
