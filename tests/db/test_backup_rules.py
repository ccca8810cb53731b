"""Backup and restore rules, checked in process on real SQLite files.

tests/db/test_backup.py drives the command line; these tests call the backup
service and the restore functions directly and check what a user sees: the
file exists where promised and opens, the manifest tells the truth, a restore
brings back exactly the stored data (keeping a copy of what was there), and a
damaged or foreign file is refused with a clear message while the village's
database stays as it was.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import resource
import signal
import tempfile
import threading
import time
import tracemalloc
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from puskesos import __version__
from puskesos.core.identifiers import make_kk
from puskesos.db.migrate import head_revision
from puskesos.errors import (DatabaseTooNew, DatabaseUnavailable, DiskFull, InvalidInput,
                             NotFound, PermissionDenied, UserError)
from puskesos.i18n import _
from puskesos.services import backup as backup_module
from puskesos.db.engine import connect_file, sqlite_driver
from puskesos.db.keys import KEYRING
from puskesos.db.migrate import check_sqlite
from puskesos.services.backup import (BackupService, default_backup_name,
                                      read_backup, restore, schema_status)

from tests.conftest import ADMIN, KADES, OPERATOR, VILLAGE
from tests.helpers import KEC, damage_index, family, member, connect, unzip_database

NOT_A_BACKUP = "{path} is not a Puskesos backup file (or it is damaged)."
TOO_NEW = ("This backup was made by a newer version of Puskesos. "
           "Install the newest version of the program to restore it.")
NO_FOLDER = "Folder {path} does not exist. Create it first or choose another location."
BACKUP_DISK_FULL = ("There is not enough space on the disk for the backup. Free some "
                    "space or choose another drive; the database was not changed.")
SQLITE_DISK_FULL = ("The backup could not be written: the disk is full or the drive "
                    "failed. Free some space or choose another drive; the database "
                    "was not changed.")
IN_USE = ("The database is being used by another program or window. Close it and "
          "try again; nothing was changed.")
COPY_DISK_FULL = ("There is not enough space on the disk for the backup. Free "
                  "some space or choose another drive; the database was not "
                  "changed.")


# --------------------------------------------------------------------- helpers

def _second_family():
    house, _people = family()
    house = replace(house, no_kk=make_kk(kecamatan_code=KEC, recorded=date(2016, 7, 3),
                                         serial=45), address="JL. MAWAR 9")
    people = [member("SUGENG", "L", date(1970, 1, 2), "1", serial=7),
              member("WARSINI", "P", date(1972, 4, 5), "2", serial=8)]
    return house, people


@pytest.fixture
def village(sqlite_services):
    """An initialised village with one household of three members."""
    house, people = family()
    sqlite_services.households.save(actor=OPERATOR, household=house, members=people)
    return sqlite_services


def _db_path(services) -> Path:
    return Path(services.db.engine.url.database)


def _dump(path: Path) -> list[str]:
    """Every table's rows of a SQLite file, as SQL text (what 'the data' is)."""
    con = connect(path)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [f"{t}: {row!r}" for t in tables
                for row in sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)]
    finally:
        con.close()


def _households(path: Path) -> int:
    con = connect(path)
    try:
        return con.execute("SELECT count(*) FROM household").fetchone()[0]
    finally:
        con.close()


def _read_zip(path: Path) -> tuple[dict, bytes, str]:
    with zipfile.ZipFile(path) as zf:
        text = zf.read("manifest.json").decode()
        return json.loads(text), zf.read("puskesos.sqlite"), text


def _keys(path: Path) -> dict[str, bytes]:
    """The key file member of an (encrypted) backup, to put into a forged one."""
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name.endswith(".keys")}


def _write_zip(path: Path, manifest: dict | None, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        if manifest is not None:
            zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _forged_backup(path: Path, db_bytes: bytes, *, keys_of: Path | None = None,
                   **manifest_fields) -> Path:
    """A backup of ``db_bytes`` whose manifest has the right checksum and size (with
    ``keys_of``, encrypted under the key of that backup, whose key file it carries)."""
    manifest = {"format": "puskesos-backup", "format_version": 1,
                "database": "puskesos.sqlite",
                "sha256": hashlib.sha256(db_bytes).hexdigest(), "size": len(db_bytes)}
    extra = {}
    if keys_of is not None:
        original = _read_zip(keys_of)[0]
        manifest.update(encrypted=True, key_id=original["key_id"])
        extra = _keys(keys_of)
    manifest.update(manifest_fields)
    manifest = {k: v for k, v in manifest.items() if v is not None}
    return _write_zip(path, manifest, {"puskesos.sqlite": db_bytes} | extra)


def _sqlite_bytes(tmp_path: Path, *statements: str) -> bytes:
    path = tmp_path / f"made-{len(list(tmp_path.iterdir()))}.sqlite"
    con = connect(path)
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()
    return path.read_bytes()


@pytest.fixture
def made_backup(village, tmp_path):
    """A backup of the village (one household) in its own folder, and the data in it."""
    folder = tmp_path / "usb"
    folder.mkdir()
    before = _dump(_db_path(village))
    info = village.backup.backup(actor=OPERATOR, out=folder / "b.zip")
    return Path(info.path), before


# --------------------------------------------------------------- making backups

def test_backup_is_one_zip_where_asked_with_a_truthful_manifest(village, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    out = folder / "b.zip"
    before = datetime.now(timezone.utc)
    info = village.backup.backup(actor=OPERATOR, out=out)

    assert info.path == str(out)
    assert sorted(p.name for p in folder.iterdir()) == ["b.zip"]
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "puskesos.sqlite",
                                         "puskesos.sqlite.keys"]
        stored = zf.getinfo("puskesos.sqlite")
        # encrypted pages do not compress: stored as they are, at no cost of time
        assert stored.compress_type == zipfile.ZIP_STORED
    manifest, data, text = _read_zip(out)
    # A person opening manifest.json reads one field per line.
    assert text == json.dumps(manifest, indent=2)
    inner = tmp_path / "inner.sqlite"
    unzip_database(out, inner)
    con = connect(inner)
    members = con.execute("SELECT count(*) FROM member").fetchone()[0]
    events = con.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    con.close()
    assert members == 3 and events > 0
    assert set(manifest) == {"format", "format_version", "program_version", "schema_revision",
                             "created_at", "village_code", "database", "sha256", "size",
                             "counts", "encrypted", "key_id"}
    assert manifest["encrypted"] is True
    assert manifest["format"] == "puskesos-backup"
    assert manifest["format_version"] == 1
    assert manifest["program_version"] == __version__
    assert manifest["schema_revision"] == head_revision()
    assert manifest["village_code"] == VILLAGE
    assert manifest["database"] == "puskesos.sqlite"
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["size"] == len(data)
    assert manifest["counts"] == {"household": 1, "member": 3, "audit_event": events}
    created = datetime.fromisoformat(manifest["created_at"])
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    assert before - timedelta(seconds=2) <= created <= datetime.now(timezone.utc)
    # What the program reports is what the file says.
    assert (info.created_at, info.schema_revision, info.program_version, info.village_code,
            info.sha256, info.size, info.counts) == (
        manifest["created_at"], manifest["schema_revision"], __version__, VILLAGE,
        manifest["sha256"], manifest["size"], manifest["counts"])


def test_backup_is_noted_in_settings_and_in_the_audit_trail(village, tmp_path):
    assert village.backup.last_backup() is None
    first = village.backup.backup(actor=OPERATOR, out=tmp_path / "first.zip")
    assert village.backup.last_backup() == {"at": first.created_at, "path": first.path}
    second = village.backup.backup(actor=ADMIN, out=tmp_path / "second.zip")
    assert village.backup.last_backup() == {"at": second.created_at, "path": second.path}

    events = [e for e in village.audit.recent(actor=ADMIN, limit=10) if e.action == "backup"]
    assert [(e.actor, e.entity, e.entity_id, e.field, e.old_value, e.new_value)
            for e in events] == [("admin", "database", None, None, None, "second.zip"),
                                 ("operator", "database", None, None, None, "first.zip")]
    assert village.audit.verify().ok


def test_only_roles_allowed_to_back_up_may_do_so(village, tmp_path):
    with pytest.raises(PermissionDenied):
        village.backup.backup(actor=KADES, out=tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()


def test_backup_into_a_folder_gets_a_dated_name_with_the_village_code(village, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    info = village.backup.backup(actor=OPERATOR, out=folder)
    path = Path(info.path)
    assert path.parent == folder and path.is_file()
    assert re.fullmatch(r"puskesos-3523012001-\d{8}-\d{6}\.backup\.zip", path.name)
    assert [p.name for p in folder.iterdir()] == [path.name]
    assert zipfile.ZipFile(path).testzip() is None


def test_backup_without_destination_goes_to_the_backup_folder_beside_the_database(
        village):
    info = village.backup.backup(actor=OPERATOR)
    path = Path(info.path)
    assert path.parent == _db_path(village).parent / "backup"
    assert path.is_file()
    assert re.fullmatch(r"puskesos-3523012001-\d{8}-\d{6}\.backup\.zip", path.name)
    manifest, _data, _text = _read_zip(path)
    assert manifest["sha256"] == info.sha256


def test_default_backup_name():
    before = datetime.now().replace(microsecond=0)
    name = default_backup_name("35.23.01.2001")
    after = datetime.now()
    match = re.fullmatch(r"puskesos-3523012001-(\d{8}-\d{6})\.backup\.zip", name)
    assert match
    assert before <= datetime.strptime(match.group(1), "%Y%m%d-%H%M%S") <= after
    assert re.fullmatch(r"puskesos-desa-\d{8}-\d{6}\.backup\.zip", default_backup_name())
    assert re.fullmatch(r"puskesos-desa-\d{8}-\d{6}\.backup\.zip", default_backup_name(""))


def test_backup_into_a_missing_folder_is_refused_by_name(village, tmp_path):
    missing = tmp_path / "not-plugged-in"
    with pytest.raises(NotFound) as err:
        village.backup.backup(actor=OPERATOR, out=missing / "b.zip")
    assert err.value.message == _(NO_FOLDER).format(path=missing)
    assert not missing.exists()
    assert village.backup.last_backup() is None


def test_leftovers_of_an_interrupted_backup_are_cleaned_up(village, tmp_path):
    """A power cut during an earlier backup left its partial files; the next
    backup under the same name leaves only the finished backup."""
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "b.zip.part").write_bytes(b"half a zip")
    (folder / "b.zip.db.part").write_bytes(b"half a database")
    village.backup.backup(actor=OPERATOR, out=folder / "b.zip")
    assert sorted(p.name for p in folder.iterdir()) == ["b.zip"]
    assert zipfile.ZipFile(folder / "b.zip").testzip() is None


def test_a_damaged_database_is_not_backed_up(village, tmp_path):
    path = _db_path(village)
    damage_index(path)
    folder = tmp_path / "usb"
    folder.mkdir()
    with pytest.raises(DatabaseUnavailable) as err:
        village.backup.backup(actor=OPERATOR, out=folder / "b.zip")
    assert err.value.message == _("The database is damaged, so no backup was made. "
                                  "Run 'puskesos db check' and contact support.")
    assert list(folder.iterdir()) == []


def _fail_fsync(monkeypatch, code: int):
    def fsync(_fd):
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(backup_module.os, "fsync", fsync)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG, errno.EDQUOT])
def test_a_full_disk_leaves_no_backup_and_says_so(village, tmp_path, monkeypatch, code):
    folder = tmp_path / "usb"
    folder.mkdir()
    before = _dump(_db_path(village))
    _fail_fsync(monkeypatch, code)
    with pytest.raises(DiskFull) as err:
        village.backup.backup(actor=OPERATOR, out=folder / "b.zip")
    assert err.value.message == _(BACKUP_DISK_FULL)
    assert list(folder.iterdir()) == []
    assert _dump(_db_path(village)) == before
    assert village.backup.last_backup() is None


def test_another_write_error_names_its_cause(village, tmp_path, monkeypatch):
    folder = tmp_path / "usb"
    folder.mkdir()
    _fail_fsync(monkeypatch, errno.EACCES)
    with pytest.raises(UserError) as err:
        village.backup.backup(actor=OPERATOR, out=folder / "b.zip")
    assert not isinstance(err.value, DiskFull)
    assert err.value.message == _(
        "The backup could not be written ({error}). Choose another folder; "
        "the database was not changed.").format(error=os.strerror(errno.EACCES))
    assert list(folder.iterdir()) == []


def _fail_snapshot(monkeypatch, exc):
    def snapshot(_source, _dest, **_kwargs):
        raise exc
    monkeypatch.setattr(backup_module, "snapshot_sqlite", snapshot)


@pytest.mark.parametrize("message", ["database or disk is full", "disk I/O error"])
def test_sqlite_reporting_a_full_or_failing_drive_gives_the_backup_message(
        village, tmp_path, monkeypatch, message):
    folder = tmp_path / "usb"
    folder.mkdir()
    _fail_snapshot(monkeypatch, sqlite_driver().OperationalError(message))
    with pytest.raises(DiskFull) as err:
        village.backup.backup(actor=OPERATOR, out=folder / "b.zip")
    assert err.value.message == _(SQLITE_DISK_FULL)
    assert list(folder.iterdir()) == []


def test_an_unknown_sqlite_error_is_not_called_a_full_disk(village, tmp_path, monkeypatch):
    """The window once said "the disk is full" with 75 GB free: only SQLite's own
    words for a full or failing drive give that message; anything else is a bug
    with its details in the log, and no file is left."""
    folder = tmp_path / "usb"
    folder.mkdir()
    _fail_snapshot(monkeypatch, sqlite_driver().ProgrammingError(
        "SQLite objects created in a thread can only be used in that same thread"))
    with pytest.raises(sqlite_driver().ProgrammingError):
        village.backup.backup(actor=OPERATOR, out=folder / "b.zip")
    assert list(folder.iterdir()) == []


def test_a_locked_database_is_reported_as_in_use(village, tmp_path, monkeypatch):
    folder = tmp_path / "usb"
    folder.mkdir()
    _fail_snapshot(monkeypatch, sqlite_driver().OperationalError("database is locked"))
    with pytest.raises(DatabaseUnavailable) as err:
        village.backup.backup(actor=OPERATOR, out=folder / "b.zip")
    assert err.value.message == _(IN_USE)
    assert list(folder.iterdir()) == []


def test_an_unreadable_database_is_named_in_the_message(village, tmp_path, monkeypatch):
    folder = tmp_path / "usb"
    folder.mkdir()
    _fail_snapshot(monkeypatch, sqlite_driver().DatabaseError("file is not a database"))
    with pytest.raises(DatabaseUnavailable) as err:
        village.backup.backup(actor=OPERATOR, out=folder / "b.zip")
    assert err.value.message == _(
        "The database file {path} is damaged. Restore the latest backup "
        "(puskesos db restore) and contact support.").format(path=_db_path(village))
    assert list(folder.iterdir()) == []


def test_postgresql_databases_are_backed_up_elsewhere():
    from sqlalchemy import create_engine

    from puskesos.db.engine import Database
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    from puskesos.services.settings import SettingsService
    database = Database(engine, "postgresql://127.0.0.1/none")
    service = BackupService(database, settings=SettingsService(database))
    with pytest.raises(UserError) as err:
        service.backup(actor=ADMIN, out=Path(tempfile.gettempdir()))
    assert err.value.message == _(
        "Backups of a PostgreSQL database are made on the server with "
        "pg_dump; this command works on the village's SQLite file.")
    engine.dispose()


# --------------------------------------------------------------------- restoring

def test_restore_brings_back_exactly_the_stored_data_and_keeps_the_current(
        village, made_backup, tmp_path):
    backup_file, stored = made_backup
    house, people = _second_family()
    village.households.save(actor=OPERATOR, household=house, members=people)
    live = _db_path(village)
    current = _dump(live)
    assert current != stored
    keep = tmp_path / "kept"
    keep.mkdir()

    manifest = restore(backup_file, live, keep_dir=keep)

    assert _dump(live) == stored
    kept = Path(manifest["kept"])
    assert kept.parent == keep
    assert re.fullmatch(r"before-restore-\d{8}-\d{6}\.sqlite", kept.name)
    assert _dump(kept) == current
    assert manifest["sha256"] == _read_zip(backup_file)[0]["sha256"]
    assert manifest["village_code"] == VILLAGE
    # The program that still has the database open sees the restored village.
    assert village.households.counts(actor=OPERATOR).households == 1
    # Nothing is left beside the database but what was there.
    assert sorted(p.name for p in live.parent.iterdir()
                  if not p.name.startswith("desa.sqlite")) == ["kept", "usb"]


def test_the_safety_copy_goes_to_the_backup_folder_by_default(village, made_backup):
    backup_file, stored = made_backup
    live = _db_path(village)
    current = _dump(live)
    manifest = restore(backup_file, live)
    kept = Path(manifest["kept"])
    assert kept.parent == live.parent / "backup"
    assert _dump(kept) == current
    assert _dump(live) == stored


def test_writes_after_a_restore_land_in_the_restored_database(village, made_backup):
    """The program keeps the database open during a restore; what it saves
    afterwards must be in the file, not in a replaced copy nobody sees."""
    backup_file, _stored = made_backup
    live = _db_path(village)
    restore(backup_file, live)
    house, people = _second_family()
    village.households.save(actor=OPERATOR, household=house, members=people)
    assert _households(live) == 2
    con = connect(live)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # still a WAL database
    con.close()


def test_restore_into_a_new_file_keeps_nothing(made_backup, tmp_path):
    backup_file, stored = made_backup
    target = tmp_path / "new" / "desa.sqlite"
    target.parent.mkdir()
    manifest = restore(backup_file, target)
    assert manifest["kept"] is None
    assert _dump(target) == stored
    assert sorted(p.name for p in target.parent.iterdir()
                  if not p.name.startswith("desa.sqlite")) == []


def test_restore_into_a_missing_folder_is_refused(made_backup, tmp_path):
    backup_file, _stored = made_backup
    target = tmp_path / "absent" / "desa.sqlite"
    with pytest.raises(NotFound) as err:
        restore(backup_file, target)
    assert err.value.message == _(NO_FOLDER).format(path=target.parent)


def test_restore_works_in_a_hidden_folder_beside_the_database(
        village, made_backup, tmp_path, monkeypatch):
    """The extracted copy is written on the database's own drive (not the system's
    temporary folder) and in a folder the user does not see in the file manager."""
    backup_file, stored = made_backup
    live = _db_path(village)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-system-temp"))
    seen = []
    real_read_backup = backup_module.read_backup

    def spy(path, workdir, **kwargs):
        seen.append(workdir)
        return real_read_backup(path, workdir, **kwargs)

    monkeypatch.setattr(backup_module, "read_backup", spy)
    restore(backup_file, live)
    assert _dump(live) == stored
    [workdir] = seen
    assert workdir.parent == live.parent
    assert workdir.name.startswith(".") and "restore" in workdir.name.lower()
    assert not workdir.exists()


def test_restore_over_a_file_sqlite_cannot_read_replaces_it(made_backup, tmp_path):
    backup_file, stored = made_backup
    target = tmp_path / "broken" / "desa.sqlite"
    target.parent.mkdir()
    garbage = b"this is not a database " * 500
    target.write_bytes(garbage)
    manifest = restore(backup_file, target)
    assert _dump(target) == stored
    kept = Path(manifest["kept"])
    assert kept.read_bytes() == garbage
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]


# -------------------------------------------------- refusing bad backup files

def test_missing_backup_file_is_named(tmp_path):
    missing = tmp_path / "missing.zip"
    with pytest.raises(NotFound) as err:
        read_backup(missing, tmp_path)
    assert err.value.message == _("Backup file {path} does not exist.").format(path=missing)


@pytest.mark.parametrize("make", ["text", "folder", "no_manifest", "foreign", "bad_json"])
def test_files_that_are_not_backups_are_refused_by_name(village, tmp_path, make):
    path = tmp_path / "x.zip"
    if make == "text":
        path.write_text("hello")
    elif make == "folder":
        path.mkdir()
    elif make == "no_manifest":
        _write_zip(path, None, {"puskesos.sqlite": _db_path(village).read_bytes()})
    elif make == "foreign":
        _write_zip(path, {"format": "other-program", "format_version": 1}, {"a.txt": b"a"})
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("manifest.json", "{not json")
    live = _db_path(village)
    before = _dump(live)
    with pytest.raises(InvalidInput) as err:
        restore(path, live)
    assert err.value.message == _(NOT_A_BACKUP).format(path=path)
    assert _dump(live) == before


def test_a_backup_without_its_database_is_refused(made_backup, tmp_path):
    backup_file, _stored = made_backup
    manifest, data, _text = _read_zip(backup_file)
    path = _write_zip(tmp_path / "x.zip", manifest, {"other.sqlite": data})
    with pytest.raises(InvalidInput) as err:
        read_backup(path, tmp_path)
    assert err.value.message == _(NOT_A_BACKUP).format(path=path)


def test_a_changed_byte_is_refused_by_the_checksum(village, made_backup, tmp_path):
    backup_file, _stored = made_backup
    manifest, data, _text = _read_zip(backup_file)
    data = bytearray(data)
    data[len(data) // 2] ^= 0x01
    path = _write_zip(tmp_path / "bad.zip", manifest,
                      {"puskesos.sqlite": bytes(data)} | _keys(backup_file))
    live = _db_path(village)
    before = _dump(live)
    with pytest.raises(InvalidInput) as err:
        restore(path, live)
    assert err.value.message == _("The backup {path} is damaged: its checksum does not "
                                  "match. Use another backup.").format(path=path)
    assert _dump(live) == before


def test_a_damaged_database_inside_is_named(made_backup, tmp_path):
    backup_file, _stored = made_backup
    inner = tmp_path / "inner.sqlite"
    unzip_database(backup_file, inner)
    damage_index(inner)
    path = _forged_backup(tmp_path / "bad.zip", inner.read_bytes(), keys_of=backup_file)
    with pytest.raises(InvalidInput) as err:
        read_backup(path, tmp_path)
    assert err.value.message == _("The database inside the backup {path} is damaged. Use "
                                  "another backup.").format(path=path)


def test_a_newer_backup_format_is_refused_with_advice(made_backup, tmp_path):
    backup_file, _stored = made_backup
    manifest, data, _text = _read_zip(backup_file)
    manifest["format_version"] = 2
    path = _write_zip(tmp_path / "new.zip", manifest,
                      {"puskesos.sqlite": data} | _keys(backup_file))
    with pytest.raises(DatabaseTooNew) as err:
        read_backup(path, tmp_path)
    assert err.value.message == _(TOO_NEW)


def test_a_database_of_a_newer_schema_is_refused_with_advice(village, made_backup, tmp_path):
    backup_file, _stored = made_backup
    inner = tmp_path / "inner.sqlite"
    unzip_database(backup_file, inner)
    con = connect(inner)
    con.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    con.commit()
    con.close()
    path = _forged_backup(tmp_path / "newer.zip", inner.read_bytes(), keys_of=backup_file)
    live = _db_path(village)
    before = _dump(live)
    with pytest.raises(DatabaseTooNew) as err:
        restore(path, live)
    assert err.value.message == _(TOO_NEW)
    assert _dump(live) == before


def test_a_manifest_without_format_version_is_read_as_the_first_format(made_backup,
                                                                       tmp_path):
    backup_file, stored = made_backup
    _manifest, data, _text = _read_zip(backup_file)
    path = _forged_backup(tmp_path / "old.zip", data, format_version=None, keys_of=backup_file)
    manifest, extracted = read_backup(path, tmp_path)
    assert "format_version" not in manifest
    assert _dump(extracted) == stored


@pytest.mark.parametrize("alembic", ["none", "empty"])
def test_a_database_without_a_schema_revision_is_not_taken_for_a_newer_one(tmp_path,
                                                                           alembic):
    statements = ["CREATE TABLE household (id TEXT)"]
    if alembic == "empty":
        statements.append("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    data = _sqlite_bytes(tmp_path, *statements)
    path = _forged_backup(tmp_path / "old.zip", data)
    work = tmp_path / "work"
    work.mkdir()
    _manifest, extracted = read_backup(path, work)
    assert extracted.read_bytes() == data


def _small_file_limit(limit: int):
    """Any file this process writes grows to at most ``limit`` bytes (a nearly full disk)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

    def undo():
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    return undo


def test_no_room_to_unpack_a_backup_says_the_disk_is_full(made_backup, tmp_path):
    backup_file, _stored = made_backup
    work = tmp_path / "work"
    work.mkdir()
    undo = _small_file_limit(16 * 1024)
    try:
        with pytest.raises(DiskFull) as err:
            read_backup(backup_file, work)
    finally:
        undo()
    assert err.value.message == _(BACKUP_DISK_FULL)


def test_checking_a_big_backup_reads_it_in_blocks(tmp_path):
    """A big village's backup is checked without holding all of it in memory."""
    size = 12 << 20
    data = _sqlite_bytes(tmp_path, "CREATE TABLE household (id TEXT)",
                         "CREATE TABLE photo (data BLOB)",
                         f"INSERT INTO photo VALUES (zeroblob({size}))")
    path = _forged_backup(tmp_path / "big.zip", data)
    work = tmp_path / "work"
    work.mkdir()
    tracemalloc.start()
    try:
        read_backup(path, work)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size // 2


# ------------------------------------------------------------- copying into place

class _FailingSource:
    def __init__(self, message: str):
        self.message = message

    def backup(self, _target, **_options):
        raise sqlite_driver().OperationalError(self.message)

    def close(self):
        pass


@pytest.fixture
def two_files(made_backup, tmp_path):
    """A live database (the village) and a restored copy waiting to go in."""
    backup_file, stored = made_backup
    work = tmp_path / "work"
    work.mkdir()
    _manifest, extracted = read_backup(backup_file, work)
    live = tmp_path / "live.sqlite"
    # the village file, encrypted with the same key as its backup
    KEYRING.remember(live, KEYRING.get(extracted))
    con = connect_file(live)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE note (text TEXT)")
    con.execute("INSERT INTO note VALUES ('live')")
    con.commit()
    con.close()
    return extracted, live, stored


@pytest.mark.parametrize("message", ["database or disk is full", "disk I/O error"])
def test_a_full_drive_while_copying_in_says_so_and_replaces_nothing(two_files, monkeypatch,
                                                                    message):
    extracted, live, _stored = two_files
    before = _dump(live)
    monkeypatch.setattr(backup_module, "read_only", lambda *_a: _FailingSource(message))
    with pytest.raises(DiskFull) as err:
        backup_module._copy_into(extracted, live)
    assert err.value.message == _(COPY_DISK_FULL)
    assert _dump(live) == before


def test_a_copy_sqlite_cannot_make_page_by_page_replaces_the_file(two_files, monkeypatch):
    extracted, live, stored = two_files
    monkeypatch.setattr(backup_module, "read_only",
                        lambda *_a: _FailingSource("unable to open database file"))
    backup_module._copy_into(extracted, live)
    assert _dump(live) == stored


def test_replacing_a_file_in_use_takes_its_journal_away(two_files, monkeypatch):
    """When the copy must replace the file while another program still has the old
    database open, that database's -wal and -shm go too: left beside the restored
    file they would be read as part of it."""
    extracted, live, stored = two_files
    holder = connect(live, isolation_level=None)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("INSERT INTO note VALUES ('not yet checkpointed')")
    assert Path(f"{live}-wal").exists() and Path(f"{live}-shm").exists()
    monkeypatch.setattr(backup_module, "read_only",
                        lambda *_a: _FailingSource("unable to open database file"))
    try:
        backup_module._copy_into(extracted, live)
        assert not Path(f"{live}-wal").exists()
        assert not Path(f"{live}-shm").exists()
        assert _dump(live) == stored
    finally:
        holder.close()


def test_no_room_to_replace_an_unreadable_file_says_so(two_files, monkeypatch):
    extracted, _live, _stored = two_files
    broken = extracted.parent.parent / "broken.sqlite"
    garbage = b"this is not a database " * 500
    broken.write_bytes(garbage)

    def replace_fails(_src, _dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(backup_module.os, "replace", replace_fails)
    with pytest.raises(DiskFull) as err:
        backup_module._copy_into(extracted, broken)
    monkeypatch.undo()
    assert err.value.message == _(BACKUP_DISK_FULL)
    assert broken.read_bytes() == garbage


def test_a_database_held_by_another_program_is_reported_in_use(two_files, monkeypatch):
    """Another program holds the database exclusively: after the busy timeout the
    restore gives up with a clear message and the database is unchanged."""
    extracted, live, _stored = two_files
    monkeypatch.setenv("PUSKESOS_BUSY_TIMEOUT_MS", "300")
    holder = connect(live, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO note VALUES ('holder')")
    holder.execute("COMMIT")
    # The other program lets go after 2 s: a restore that waits longer than
    # the configured timeout would go through instead of reporting.
    release = threading.Timer(2.0, holder.close)
    release.start()
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseUnavailable) as err:
            backup_module._copy_into(extracted, live)
        waited = time.monotonic() - started
    finally:
        release.join()
    assert err.value.message == _(IN_USE)
    assert 0.25 <= waited < 1.5
    con = connect(live)
    assert [r[0] for r in con.execute("SELECT text FROM note ORDER BY rowid")] == [
        "live", "holder"]
    con.close()


def test_a_restore_waits_for_a_short_lock_and_then_goes_through(two_files, monkeypatch):
    extracted, live, stored = two_files
    monkeypatch.setenv("PUSKESOS_BUSY_TIMEOUT_MS", "5000")
    holder = connect(live, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO note VALUES ('holder')")
    holder.execute("COMMIT")
    release = threading.Timer(0.3, holder.close)
    release.start()
    try:
        backup_module._copy_into(extracted, live)
    finally:
        release.join()
    assert _dump(live) == stored


# ------------------------------------------------------------- checks and status

def test_check_sqlite_of_a_healthy_database(village):
    assert check_sqlite(_db_path(village)) == {"integrity": ["ok"], "foreign_key_problems": 0}


def test_check_sqlite_counts_records_pointing_nowhere(tmp_path):
    path = tmp_path / "fk.sqlite"
    con = connect(path)
    con.execute("CREATE TABLE household (id INTEGER PRIMARY KEY)")
    con.execute("CREATE TABLE member (id INTEGER PRIMARY KEY, "
                "household_id INTEGER REFERENCES household (id))")
    con.execute("INSERT INTO member VALUES (1, 7), (2, 8)")
    con.commit()
    con.close()
    assert check_sqlite(path) == {"integrity": ["ok"], "foreign_key_problems": 2}


def test_check_sqlite_of_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not a database " * 500)
    result = check_sqlite(path)
    assert result == {"integrity": ["file is not a database"], "foreign_key_problems": None}


def test_counts_of_a_database_missing_some_tables(tmp_path):
    path = tmp_path / "partial.sqlite"
    con = connect(path)
    con.execute("CREATE TABLE household (id TEXT)")
    con.execute("INSERT INTO household VALUES ('a'), ('b')")
    con.commit()
    con.close()
    assert backup_module._sqlite_counts(path) == {"household": 2, "member": None,
                                                  "audit_event": None}


def test_schema_status(village):
    assert schema_status(village.db) == {"schema_revision": head_revision(),
                                         "program_schema": head_revision()}
