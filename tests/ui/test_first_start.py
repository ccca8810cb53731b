"""First start on an empty computer: pick the village, create the administrator."""

from PySide6.QtWidgets import QDialogButtonBox

from puskesos.app import first_start_creator, needs_first_start
from puskesos.services import open_services
from puskesos.ui.first_start import FirstStartDialog


def test_pick_village_by_name_and_create_admin(qtbot, tmp_path):
    target = str(tmp_path / "desa.sqlite")
    assert needs_first_start(target)
    dialog = FirstStartDialog(first_start_creator(target))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.village_search, "jlodro")
    qtbot.waitUntil(lambda: dialog.village_list.count() == 1, timeout=3000)
    assert dialog.selected_village() == "35.23.01.2001"
    dialog.full_name.setText("Bagus Prasetyo")
    qtbot.keyClicks(dialog.password, "rahasia1")
    qtbot.keyClicks(dialog.password2, "rahasia2")
    assert not ok.isEnabled() and "sama" in dialog.message.text()
    dialog.password2.clear()
    qtbot.keyClicks(dialog.password2, "rahasia1")
    assert ok.isEnabled()
    ok.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    services = open_services(target)
    assert services.settings.village().desa == "Jlodro"
    assert services.auth.login(username="admin", password="rahasia1").full_name == "Bagus Prasetyo"
    services.close()
    assert not needs_first_start(target)


def test_unknown_village_text_says_so(qtbot, tmp_path):
    dialog = FirstStartDialog(first_start_creator(str(tmp_path / "x.sqlite")))
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.village_search, "zzqqxx")
    qtbot.waitUntil(lambda: "zzqqxx" in dialog.message.text(), timeout=3000)
    assert dialog.village_list.count() == 0
