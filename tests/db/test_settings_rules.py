"""The village's identity is checked by the settings service, so the window and the
command line keep the same rules: contact details, NIPs and the logo."""

from dataclasses import asdict

import pytest
from PIL import Image

from puskesos.errors import InvalidInput, PermissionDenied, UserError
from puskesos.i18n import _

from tests.conftest import ADMIN, OPERATOR


@pytest.mark.parametrize("field, value", [("postal_code", "6236"), ("email", "desa.id"),
                                          ("kepala_desa_nip", "3523011708900001"),
                                          ("ketua_puskesos_nip", "12345")])
def test_a_wrong_contact_detail_is_refused_and_nothing_is_stored(services, field, value):
    before = asdict(services.settings.village())
    events = len(services.audit.recent(actor=ADMIN, limit=10_000))
    with pytest.raises(InvalidInput):
        services.settings.update_village(actor=ADMIN, address="Jl. Baru 1", **{field: value})
    assert asdict(services.settings.village()) == before
    assert len(services.audit.recent(actor=ADMIN, limit=10_000)) == events


def test_right_contact_details_are_stored_trimmed(services):
    village = services.settings.update_village(
        actor=ADMIN, postal_code=" 62361 ", email="puskesos@desa.id",
        kepala_desa_nip="19650101 199003 1 005")
    assert (village.postal_code, village.email, village.kepala_desa_nip) == \
        ("62361", "puskesos@desa.id", "19650101 199003 1 005")


def _picture(path, kind="PNG", size=(40, 30)):
    Image.new("RGB", size, "#2e7d32").save(path, kind)
    return path


def test_a_png_logo_is_copied_beside_the_database_and_its_path_stored(sqlite_services,
                                                                       tmp_path):
    source = _picture(tmp_path / "lambang kabupaten.PNG")
    village = sqlite_services.settings.import_logo(actor=ADMIN, source=source)
    copy = sqlite_services.settings.logo_folder() / "logo.png"
    assert village.logo_path == str(copy) and copy.read_bytes() == source.read_bytes()
    assert sqlite_services.settings.logo_folder() == (tmp_path / "desa.sqlite").parent
    assert not list(copy.parent.glob("*.part"))
    # importing the copy itself changes nothing
    assert sqlite_services.settings.import_logo(actor=ADMIN, source=copy).logo_path == str(copy)
    jpeg = sqlite_services.settings.import_logo(
        actor=ADMIN, source=_picture(tmp_path / "foto.jpeg", "JPEG"))
    assert jpeg.logo_path == str(copy.with_name("logo.jpg"))


@pytest.mark.parametrize("make", [
    lambda p: (p.write_text("ini bukan gambar"), p)[1],
    lambda p: _picture(p, "GIF"),
    lambda p: (p.write_bytes(_picture(p).read_bytes()[:60]), p)[1],      # cut off
], ids=["text", "gif", "truncated"])
def test_a_logo_that_is_not_a_png_or_jpeg_picture_is_refused(sqlite_services, tmp_path, make):
    (tmp_path / "usb").mkdir()
    source = make(tmp_path / "usb" / "logo.png")
    with pytest.raises(InvalidInput) as refused:
        sqlite_services.settings.import_logo(actor=ADMIN, source=source)
    assert refused.value.message == _("{name} is not a PNG or JPG picture. Choose the logo as "
                                      "a .png or .jpg file.").format(name="logo.png")
    assert sqlite_services.settings.village().logo_path == ""
    assert not (sqlite_services.settings.logo_folder() / "logo.png").exists()


def test_only_who_may_change_settings_may_change_the_logo(sqlite_services, tmp_path):
    with pytest.raises(PermissionDenied):
        sqlite_services.settings.import_logo(actor=OPERATOR,
                                             source=_picture(tmp_path / "x.png"))
    assert sqlite_services.settings.village().logo_path == ""


def test_a_logo_that_cannot_be_copied_says_where_and_stores_nothing(sqlite_services,
                                                                    tmp_path):
    folder = sqlite_services.settings.logo_folder()
    (folder / "logo.png").mkdir()          # the place is taken by a folder
    with pytest.raises(UserError) as refused:
        sqlite_services.settings.import_logo(actor=ADMIN, source=_picture(tmp_path / "a.png"))
    assert str(folder) in refused.value.message
    assert sqlite_services.settings.village().logo_path == ""
    assert not list(folder.glob("*.part"))


def test_a_backup_folder_that_does_not_exist_is_refused_from_any_door(services, tmp_path):
    """The rule is the service's, so the window and the command line both keep it."""
    before = services.settings.preferences()
    with pytest.raises(InvalidInput) as err:
        services.settings.update_preferences(actor=ADMIN,
                                             backup_folder=str(tmp_path / "tidak-ada"))
    assert "tidak-ada" in err.value.message
    assert services.settings.preferences() == before
    done = services.settings.update_preferences(actor=ADMIN,
                                                backup_folder=f"  {tmp_path}  ",
                                                idle_lock_minutes=15)
    assert (done.backup_folder, done.idle_lock_minutes) == (str(tmp_path), 15)


def test_preferences_are_set_from_the_command_line(tmp_path):
    import os
    import subprocess
    import sys
    run = [sys.executable, "-m", "puskesos", "--db", str(tmp_path / "d.sqlite")]
    env = {**os.environ, "PUSKESOS_PASSWORD": "rahasia-uji-1"}
    subprocess.run([*run, "init", "--village", "35.23.01.2001"], env=env, check=True,
                   capture_output=True)
    env["PUSKESOS_USER"] = "admin"  # the administrator init made, with that password
    bad = subprocess.run([*run, "settings", "preferences", "--backup-folder",
                          str(tmp_path / "tidak-ada")], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "tidak-ada" in bad.stderr
    good = subprocess.run([*run, "settings", "preferences", "--idle-lock", "0",
                           "--backup-schedule", "off", "--language", "en", "--json"], env=env,
                          capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    import json
    prefs = json.loads(good.stdout)["preferences"]
    assert (prefs["idle_lock_minutes"], prefs["backup_schedule"], prefs["language"]) == \
        (0, "off", "en")
