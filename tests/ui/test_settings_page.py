"""The settings page: village identity, officers roster, backup & security (offscreen)."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog

from puskesos.errors import InvalidInput, PermissionDenied
from puskesos.ui.bus import ChangeBus
from puskesos.ui.settings_page import SettingsPage
from puskesos.ui.settings_parts import (ERROR_STYLE, OFFICERS_TAB, SECURITY_TAB,
                                        ChangeVillageDialog, OfficerDialog, OfficerTableModel,
                                        ReasonDialog)

from tests.conftest import ADMIN, KADES, OPERATOR


@pytest.fixture
def bus():
    return ChangeBus()


@pytest.fixture
def page(qtbot, sqlite_services, bus):
    widget = SettingsPage(sqlite_services, ADMIN, bus)
    qtbot.addWidget(widget)
    return widget


def _db_folder(services) -> Path:
    return Path(services.db.engine.url.database).parent


def _is_error(label) -> bool:
    return label.styleSheet() == ERROR_STYLE


def _png(path: Path, color="#2e7d32") -> Path:
    image = QImage(80, 40, QImage.Format.Format_ARGB32)
    image.fill(QColor(color))
    path.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(path))
    return path


# ---------------------------------------------------------------- village identity
def test_shows_the_village(page):
    assert page.village_labels["desa"].text() == "Desa Jlodro"
    assert page.village_labels["kecamatan"].text() == "Kenduruan"
    assert page.village_labels["kabupaten"].text() == "Kabupaten Tuban"
    assert page.village_labels["provinsi"].text() == "Jawa Timur"
    assert page.village_labels["code"].text() == "35.23.01.2001"
    assert page.readonly_note.isHidden()
    assert not page.has_unsaved_changes()


def test_admin_edits_village_head_and_address(page, sqlite_services, bus, qtbot):
    page.fields["kepala_desa"].setText("H. Sugeng Riyadi")
    qtbot.keyClicks(page.fields["address"], "Jl. Raya Jlodro No. 1")
    qtbot.keyClicks(page.fields["postal_code"], "62355abc")  # letters are refused
    assert page.fields["postal_code"].text() == "62355"
    assert page.has_unsaved_changes()
    with qtbot.waitSignal(bus.data_changed) as signal:
        page.save_village_button.click()
    assert signal.args == ["setting", []]
    village = sqlite_services.settings.village()
    assert (village.kepala_desa, village.address, village.postal_code) == \
        ("H. Sugeng Riyadi", "Jl. Raya Jlodro No. 1", "62355")
    assert village.desa == "Jlodro"
    assert page.village_status.text() and not _is_error(page.village_status)
    assert not page.has_unsaved_changes()
    entry = sqlite_services.audit.recent(actor=ADMIN)[0]
    assert (entry.actor, entry.entity, entry.entity_id) == ("admin", "setting", "village")
    assert "H. Sugeng Riyadi" in entry.new_value and "Jl. Raya Jlodro No. 1" in entry.new_value
    assert "H. Sugeng Riyadi" not in (entry.old_value or "")


def test_saving_without_changes_writes_nothing(page, sqlite_services, bus, qtbot):
    before = len(sqlite_services.audit.recent(actor=ADMIN))
    with qtbot.assertNotEmitted(bus.data_changed):
        assert page.save_village()
    assert len(sqlite_services.audit.recent(actor=ADMIN)) == before
    assert not _is_error(page.village_status)


def test_bad_email_is_refused_in_the_status_line(page, sqlite_services):
    page.fields["email"].setText("puskesos at desa")
    assert not page.save_village()
    assert _is_error(page.village_status) and "puskesos at desa" in page.village_status.text()
    assert sqlite_services.settings.village().email == ""


def test_ctrl_s_saves_the_current_tab(page, sqlite_services, qtbot):
    with qtbot.waitActive(page):
        page.show()
        page.activateWindow()
    page.fields["ketua_puskesos"].setFocus()
    qtbot.keyClicks(page.fields["ketua_puskesos"], "Bagus Prasetyo")
    qtbot.keyClick(page.fields["ketua_puskesos"], Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier)
    assert sqlite_services.settings.village().ketua_puskesos == "Bagus Prasetyo"
    page.tabs.setCurrentIndex(SECURITY_TAB)
    page.idle_lock.setFocus()
    page.idle_lock.setValue(30)
    qtbot.keyClick(page.idle_lock, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert sqlite_services.settings.preferences().idle_lock_minutes == 30


def test_unsaved_edits_survive_a_change_made_elsewhere(page, sqlite_services, bus):
    page.fields["phone"].setText("0356 123456")
    sqlite_services.settings.update_village(actor=ADMIN, email="desa@jlodro.id")
    bus.changed("setting")
    assert page.fields["phone"].text() == "0356 123456"
    page.reload()
    assert page.fields["email"].text() == "desa@jlodro.id" and page.fields["phone"].text() == ""


@pytest.mark.parametrize("query", ["sokogunung", "35.23.01.2002", "3523012002"])
def test_change_village_with_the_picker_and_a_reason(page, sqlite_services, bus, qtbot, query):
    page.change_village_button.click()
    dialog = page.dialog
    assert isinstance(dialog, ChangeVillageDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.picker.search, query)
    qtbot.waitUntil(lambda: dialog.picker.results.count() == 1, timeout=3000)
    assert dialog.picker.selected_code() == "35.23.01.2002"
    assert not dialog.ok_button.isEnabled()  # the reason is required
    qtbot.keyClicks(dialog.reason, "salah pilih desa saat instalasi")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignals([bus.data_changed, bus.data_changed]):
        dialog.ok_button.click()
    assert page.dialog is None
    village = sqlite_services.settings.village()
    assert (village.desa, village.code) == ("Sokogunung", "35.23.01.2002")
    assert page.village_labels["desa"].text() == "Desa Sokogunung"
    assert "Sokogunung" in page.village_status.text()
    entry = sqlite_services.audit.recent(actor=ADMIN)[0]
    assert entry.entity_id == "village" and entry.reason == "salah pilih desa saat instalasi"


def test_change_village_picker_says_when_nothing_matches(page, qtbot):
    page.change_village_button.click()
    dialog = page.dialog
    dialog.picker.set_query("jlodro")
    assert dialog.picker.selected_code() == "35.23.01.2001"
    dialog.reason.setText("x")
    assert not dialog.ok_button.isEnabled()  # already this village
    dialog.picker.set_query("zzqqxx")
    assert "zzqqxx" in dialog.message.text()
    dialog.reject()


def test_change_village_error_keeps_the_dialog_open(page, sqlite_services, qtbot, monkeypatch):
    def refuse(**_kw):
        raise InvalidInput("Basis data terkunci.")
    monkeypatch.setattr(sqlite_services.settings, "change_village", refuse)
    page.change_village_button.click()
    dialog = page.dialog
    dialog.picker.set_query("sokogunung")
    dialog.reason.setText("koreksi")
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.message.text() == "Basis data terkunci."
    assert sqlite_services.settings.village().desa == "Jlodro"
    dialog.reject()


# ---------------------------------------------------------------- logo
def test_a_text_file_is_refused_as_logo(page, sqlite_services, tmp_path, monkeypatch, bus, qtbot):
    text = tmp_path / "files" / "logo.png"
    text.parent.mkdir()
    text.write_text("bukan gambar", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(text), ""))
    with qtbot.assertNotEmitted(bus.data_changed):
        page.choose_logo_button.click()
    assert _is_error(page.village_status) and "logo.png" in page.village_status.text()
    assert sqlite_services.settings.village().logo_path == ""
    assert list(_db_folder(sqlite_services).glob("logo.*")) == []
    assert page.logo_preview.pixmap().isNull()


def test_a_png_logo_is_copied_beside_the_database_and_shown(page, sqlite_services, tmp_path,
                                                            monkeypatch, bus, qtbot):
    source = _png(tmp_path / "unduhan" / "Logo Tuban.png")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    with qtbot.waitSignal(bus.data_changed):
        page.choose_logo_button.click()
    copy = _db_folder(sqlite_services) / "logo.png"
    assert copy.read_bytes() == source.read_bytes()
    assert sqlite_services.settings.village().logo_path == str(copy)
    assert not page.logo_preview.pixmap().isNull()
    assert page.logo_preview.pixmap().width() <= page.logo_preview.width()
    assert page.remove_logo_button.isEnabled() and not _is_error(page.village_status)

    # a new logo replaces the copy; choosing the copy itself is harmless
    _png(source, "#c62828")
    assert page.set_logo_file(str(source))
    assert copy.read_bytes() == source.read_bytes()
    assert page.set_logo_file(str(copy))

    page.remove_logo_button.click()
    assert sqlite_services.settings.village().logo_path == ""
    assert page.logo_preview.pixmap().isNull() and page.logo_preview.text()
    assert not page.remove_logo_button.isEnabled()


def test_a_jpg_logo_is_stored_as_logo_jpg(page, sqlite_services, tmp_path):
    source = tmp_path / "foto.jpeg"
    image = QImage(20, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("#1565c0"))
    assert image.save(str(source), "JPG")
    assert page.set_logo_file(str(source))
    assert sqlite_services.settings.village().logo_path == str(
        _db_folder(sqlite_services) / "logo.jpg")


# ---------------------------------------------------------------- officers
def _add_officer(page, qtbot, name, role, phone="", nip=""):
    page.tabs.setCurrentIndex(OFFICERS_TAB)
    page.add_officer_button.click()
    dialog = page.dialog
    assert isinstance(dialog, OfficerDialog)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.name, name)
    dialog.set_role(role)
    qtbot.keyClicks(dialog.phone, phone)
    qtbot.keyClicks(dialog.nip, nip)
    assert dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    assert page.dialog is None
    return dialog.result_officer


def test_add_edit_deactivate_and_reactivate_an_officer(page, sqlite_services, bus, qtbot):
    with qtbot.waitSignal(bus.data_changed) as signal:
        officer = _add_officer(page, qtbot, "Siti Aminah", "tksk", "081234567890")
    assert signal.args == ["officer", [officer.id]]
    (stored,) = sqlite_services.officers.roster(include_inactive=True, actor=ADMIN)
    assert (stored.name, stored.role, stored.phone) == ("Siti Aminah", "tksk", "081234567890")
    model = page.officer_model
    assert model.rowCount() == 1
    assert [model.index(0, c).data() for c in range(5)] == \
        ["Siti Aminah", "TKSK", "081234567890", "", model.index(0, 4).data()]
    assert page.selected_officer().id == officer.id

    # edit
    page.edit_officer_button.click()
    dialog = page.dialog
    assert dialog.name.text() == "Siti Aminah" and dialog.role.currentData() == "tksk"
    dialog.name.setText("Siti Aminah, S.Sos")
    dialog.set_role("psm")
    qtbot.keyClicks(dialog.nip, "3523014101800001")
    qtbot.keyClicks(dialog.reason, "gelar baru")
    dialog.ok_button.click()
    stored = sqlite_services.officers.get(officer_id=officer.id, actor=ADMIN)
    assert (stored.name, stored.role, stored.phone, stored.nip) == \
        ("Siti Aminah, S.Sos", "psm", "081234567890", "3523014101800001")
    history = sqlite_services.audit.history(actor=ADMIN, entity_ids=[officer.id])
    assert {e.field for e in history if e.reason == "gelar baru"} == {"name", "role", "nip"}

    # deactivate with a reason
    assert page.deactivate_officer_button.isEnabled()
    assert not page.reactivate_officer_button.isEnabled()
    page.deactivate_officer_button.click()
    dialog = page.dialog
    assert isinstance(dialog, ReasonDialog) and not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "pindah ke kecamatan lain")
    with qtbot.waitSignal(bus.data_changed):
        dialog.ok_button.click()
    assert sqlite_services.officers.roster(actor=ADMIN) == []
    assert sqlite_services.officers.get(officer_id=officer.id, actor=ADMIN).active is False
    assert page.officer_model.rowCount() == 1  # inactive officers stay listed
    assert page.officer_model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    history = sqlite_services.audit.history(actor=ADMIN, entity_ids=[officer.id])
    assert history[0].field == "active" and history[0].reason == "pindah ke kecamatan lain"

    # reactivate
    assert page.reactivate_officer_button.isEnabled()
    assert not page.deactivate_officer_button.isEnabled()
    page.reactivate_officer_button.click()
    assert sqlite_services.officers.get(officer_id=officer.id, actor=ADMIN).active is True
    assert page.deactivate_officer_button.isEnabled()
    assert not _is_error(page.officers_status)


def test_officer_service_error_keeps_the_dialog_open(page, sqlite_services, qtbot, monkeypatch):
    def refuse(**_kw):
        raise InvalidInput("Nomor telepon tidak sah.")
    monkeypatch.setattr(sqlite_services.officers, "add", refuse)
    page.add_officer_button.click()
    dialog = page.dialog
    dialog.name.setText("Budi")
    dialog.set_role("kader")
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.message.text() == "Nomor telepon tidak sah."
    assert page.dialog is dialog
    dialog.reject()
    assert page.dialog is None


def test_officer_list_follows_changes_made_elsewhere(page, sqlite_services, bus):
    assert page.officer_model.rowCount() == 0
    added = sqlite_services.officers.add(actor=ADMIN, name="Kader Posyandu", role="kader")
    bus.changed("officer", [added.id])
    assert page.officer_model.rowCount() == 1


def test_officer_model_passes_qt_model_tester(qtmodeltester, sqlite_services):
    a = sqlite_services.officers.add(actor=ADMIN, name="Ani", role="psm", phone="0811")
    sqlite_services.officers.add(actor=ADMIN, name="Budi", role="tksk", nip="123")
    sqlite_services.officers.deactivate(actor=ADMIN, officer_id=a.id, reason="keluar")
    model = OfficerTableModel()
    model.set_rows(sqlite_services.officers.roster(include_inactive=True, actor=ADMIN))
    assert model.rowCount() == 2 and model.columnCount() == 5
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)


# ---------------------------------------------------------------- backup & security
def test_preferences_are_saved(page, sqlite_services, bus, qtbot, tmp_path):
    page.tabs.setCurrentIndex(SECURITY_TAB)
    page.backup_schedule.setCurrentIndex(page.backup_schedule.findData("weekly"))
    page.idle_lock.setValue(5)
    page.language.setCurrentIndex(page.language.findData("en"))
    with qtbot.waitSignal(bus.data_changed):
        page.save_preferences_button.click()
    prefs = sqlite_services.settings.preferences()
    assert (prefs.backup_schedule, prefs.idle_lock_minutes, prefs.language,
            prefs.backup_folder) == ("weekly", 5, "en", "")
    assert page.preferences_status.text() and not _is_error(page.preferences_status)

    page.backup_folder.setText(str(tmp_path / "tidak-ada"))
    assert not page.save_preferences()
    assert _is_error(page.preferences_status)
    assert sqlite_services.settings.preferences().backup_folder == ""
    page.backup_folder.setText(str(tmp_path))
    page.idle_lock.setValue(0)
    assert page.idle_lock.text() == page.idle_lock.specialValueText()
    assert page.save_preferences()
    prefs = sqlite_services.settings.preferences()
    assert (prefs.backup_folder, prefs.idle_lock_minutes) == (str(tmp_path), 0)


def test_browse_fills_the_backup_folder(page, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    page.browse_backup_button.click()
    assert page.backup_folder.text() == str(tmp_path)
    assert page.has_unsaved_changes()


def test_preferences_show_what_is_stored(qtbot, sqlite_services, bus):
    sqlite_services.settings.update_preferences(actor=ADMIN, backup_schedule="off",
                                                idle_lock_minutes=15, language="en")
    page = SettingsPage(sqlite_services, ADMIN, bus)
    qtbot.addWidget(page)
    assert page.backup_schedule.currentData() == "off"
    assert page.idle_lock.value() == 15 and page.language.currentData() == "en"


# ---------------------------------------------------------------- read-only roles
@pytest.mark.parametrize("actor", [OPERATOR, KADES])
def test_page_is_read_only_without_the_right(qtbot, sqlite_services, bus, actor):
    sqlite_services.settings.update_village(actor=ADMIN, kepala_desa="H. Sugeng Riyadi")
    sqlite_services.officers.add(actor=ADMIN, name="Siti", role="tksk")
    page = SettingsPage(sqlite_services, actor, bus)
    qtbot.addWidget(page)
    assert not page.readonly_note.isHidden() and page.readonly_note.text()
    assert page.fields["kepala_desa"].text() == "H. Sugeng Riyadi"
    assert page.officer_model.rowCount() == 1
    assert all(not edit.isEnabled() for edit in page.fields.values())
    for widget in (page.backup_folder, page.backup_schedule, page.idle_lock, page.language):
        assert not widget.isEnabled()
    for button in (page.save_village_button, page.save_preferences_button,
                   page.change_village_button, page.choose_logo_button,
                   page.remove_logo_button, page.add_officer_button, page.edit_officer_button,
                   page.deactivate_officer_button, page.reactivate_officer_button,
                   page.browse_backup_button):
        assert button.isHidden() and not button.isEnabled()
    page.officer_table.selectRow(0)
    assert page.edit_officer() is None and page.add_officer() is None
    assert page.change_village() is None and page.dialog is None
    assert not page.save_current() and not page.save_village()
    assert not page.set_logo_file("x.png")
    # the services refuse as well
    with pytest.raises(PermissionDenied):
        sqlite_services.settings.update_village(actor=actor, kepala_desa="Orang lain")
    with pytest.raises(PermissionDenied):
        sqlite_services.settings.update_preferences(actor=actor, idle_lock_minutes=5)
    with pytest.raises(PermissionDenied):
        sqlite_services.settings.change_village(actor=actor, village_code="35.23.01.2002",
                                                reason="x")
    with pytest.raises(PermissionDenied):
        sqlite_services.officers.add(actor=actor, name="X", role="tksk")
    assert sqlite_services.settings.village().kepala_desa == "H. Sugeng Riyadi"


# ---------------------------------------------------------------- referral services
def test_referral_services_are_added_edited_ordered_and_saved(page, sqlite_services, qtbot):
    tab = page.services_tab
    page.tabs.setCurrentWidget(tab)
    shown = [tab.names.item(i).text() for i in range(tab.names.count())]
    assert shown[:2] == ["Dinas Sosial", "Dinas Kesehatan"]
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    tab.names.closePersistentEditor(tab.names.currentItem())
    tab.names.currentItem().setText("Dinas Perumahan")
    qtbot.mouseClick(tab.up_button, Qt.MouseButton.LeftButton)
    assert page.has_unsaved_changes()
    tab.names.setCurrentRow(0)
    qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    with qtbot.waitActive(page):
        page.show()
        page.activateWindow()
    tab.names.setFocus()
    qtbot.keyClick(tab.names, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)   # Ctrl+S
    stored = sqlite_services.referrals.services()
    assert stored[0] == "Dinas Kesehatan" and "Dinas Sosial" not in stored
    assert stored[-2:] == ["Dinas Perumahan", "Lembaga filantropi"]
    assert "Disimpan pukul" in tab.status.text() and not page.has_unsaved_changes()
    # an empty list is refused with a message, and nothing is lost
    for _ in range(tab.names.count()):
        tab.names.setCurrentRow(0)
        qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert _is_error(tab.status) and sqlite_services.referrals.services() == stored


def test_only_an_administrator_edits_the_referral_services(qtbot, sqlite_services):
    widget = SettingsPage(sqlite_services, OPERATOR, None)
    qtbot.addWidget(widget)
    tab = widget.services_tab
    assert not tab.add_button.isEnabled() and not tab.save_button.isEnabled()
    assert not tab.names.item(0).flags() & Qt.ItemFlag.ItemIsEditable
