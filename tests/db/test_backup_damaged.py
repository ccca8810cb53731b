"""Restoring a damaged backup says that the *backup file* is damaged, never the
database in use, and leaves the database in use exactly as it was (issue 13
point 6b).  ``puskesos db restore`` as a real subprocess."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from puskesos.services import open_services

from tests.conftest import ADMIN, VILLAGE
from tests.db.test_cli import run
from puskesos.services.backup import KEYS_NAME
from tests.helpers import CLI_LOGIN, damage_index, family, unzip_database

ENGLISH = ("--lang", "en")
LIVE_DAMAGED = "The database file"          # how the database in use is said to be damaged


@pytest.fixture
def made(tmp_path):
    """A village with a family and a good backup of it: (database, backup file)."""
    db = tmp_path / "desa.sqlite"
    services = open_services(str(db), create=True)
    services.settings.init_village(actor=ADMIN, village_code=VILLAGE)
    # the administrator the command line logs in as (the file is encrypted)
    services.auth.create_first_admin(username=CLI_LOGIN["PUSKESOS_USER"],
                                     password=CLI_LOGIN["PUSKESOS_PASSWORD"], full_name="Admin")
    house, people = family()
    services.households.save(actor=ADMIN, household=house, members=people)
    info = services.backup.backup(actor=ADMIN, out=tmp_path / "good.zip")
    services.close()
    return db, Path(info.path)


#: the key files of the backups read here, by key id (a forged backup carries its own)
KEY_FILES: dict[str, bytes] = {}


def _inner(backup: Path) -> tuple[dict, bytes]:
    with zipfile.ZipFile(backup) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        if manifest.get("encrypted"):
            KEY_FILES[manifest["key_id"]] = zf.read(KEYS_NAME)
        return manifest, zf.read(manifest["database"])


def _forge(path: Path, manifest: dict, data: bytes) -> Path:
    """A backup holding ``data`` with a manifest whose checksum matches it (as a
    damaged or hostile copy made by hand would)."""
    manifest = dict(manifest, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr(manifest["database"], data)
        if manifest.get("encrypted"):      # the key file of the backup it was made from
            zf.writestr(KEYS_NAME, KEY_FILES[manifest["key_id"]])
    return path


def _garbage_database(made, tmp_path):
    manifest, _data = _inner(made[1])
    return _forge(tmp_path / "garbage.zip", manifest, b"not a database at all " * 400)


def _fails_integrity_check(made, tmp_path):
    manifest, _data = _inner(made[1])
    inner = tmp_path / "inner.sqlite"
    unzip_database(made[1], inner)
    damage_index(inner)
    return _forge(tmp_path / "integrity.zip", manifest, inner.read_bytes())


def _torn_pages(made, tmp_path):
    manifest, data = _inner(made[1])
    data = data[:4096] + bytes(range(256)) * ((len(data) - 4096) // 256)
    return _forge(tmp_path / "torn.zip", manifest, data)


def _empty_database(made, tmp_path):
    manifest, _data = _inner(made[1])
    return _forge(tmp_path / "empty.zip", manifest, b"")


def _truncated_zip(made, tmp_path):
    raw = made[1].read_bytes()
    path = tmp_path / "truncated.zip"
    path.write_bytes(raw[:len(raw) // 2])
    return path


def _corrupt_stream(made, tmp_path):
    raw = bytearray(made[1].read_bytes())
    with zipfile.ZipFile(made[1]) as zf:
        info = zf.getinfo(_inner(made[1])[0]["database"])
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + 100:start + 164] = b"\xff" * 64        # the deflate stream breaks
    path = tmp_path / "stream.zip"
    path.write_bytes(bytes(raw))
    return path


def _not_a_zip(made, tmp_path):
    path = tmp_path / "notes.zip"
    path.write_text("hello, this is a letter\n" * 50)
    return path


@pytest.mark.parametrize("make, says", [
    (_garbage_database, "The database inside the backup {path} is damaged"),
    (_fails_integrity_check, "The database inside the backup {path} is damaged"),
    (_torn_pages, "The database inside the backup {path} is damaged"),
    (_empty_database, "{path} is not a Puskesos backup file"),
    (_truncated_zip, "The backup file {path} is damaged"),
    (_corrupt_stream, "The backup file {path} is damaged"),
    (_not_a_zip, "{path} is not a Puskesos backup file"),
])
def test_a_damaged_backup_is_named_and_the_database_in_use_is_untouched(made, tmp_path,
                                                                        make, says):
    db, _good = made
    bad = make(made, tmp_path)
    before = db.read_bytes()
    done = run(*ENGLISH, "--db", str(db), "db", "restore", str(bad))
    assert done.returncode in (1, 2), done.stderr
    assert says.format(path=bad) in done.stderr
    assert LIVE_DAMAGED not in done.stderr and "bug" not in done.stderr
    # the database in use is as it was, no safety copy was made for nothing, and it
    # still opens with its family
    assert db.read_bytes() == before
    assert not list(db.parent.glob("**/before-restore-*"))
    services = open_services(str(db))
    try:
        assert services.households.search(actor=ADMIN)[1] == 1
    finally:
        services.close()


def test_the_good_backup_still_restores(made, tmp_path):
    db, good = made
    done = run(*ENGLISH, "--db", str(db), "db", "restore", str(good))
    assert done.returncode == 0, done.stderr
