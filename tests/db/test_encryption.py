"""The village file encrypted at rest (issue 13, point 1), as a thief, an operator
and an administrator who lost every password would find it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest

from puskesos.db.engine import is_encrypted
from puskesos.db.keys import KEYRING, KeyFile
from puskesos.errors import AuthenticationFailed, DatabaseLocked
from puskesos.services import open_services
from puskesos.services.signin import sign_in
from tests.helpers import CLI_LOGIN, connect, copy_village, run_cli


@pytest.fixture
def village(tmp_path, demo_db) -> Path:
    return copy_village(demo_db, tmp_path / "desa.sqlite")


def as_user(name: str, password: str = "demo123") -> dict:
    return {"PUSKESOS_USER": name, "PUSKESOS_PASSWORD": password}


def _niks(db: Path, limit: int = 50) -> list[str]:
    con = connect(db)
    try:
        return [r[0] for r in con.execute(
            "SELECT nik FROM member WHERE nik IS NOT NULL ORDER BY nik LIMIT ?", (limit,))]
    finally:
        con.close()


def _no_nik_in(data: bytes, niks: list[str]) -> None:
    assert niks
    found = [n for n in niks if n.encode() in data]
    assert not found, f"NIKs in clear: {found[:3]}"


def _plain_copy(source: Path, dest: Path) -> Path:
    """The same village as a plain file, as a version before encryption left it."""
    con = connect(source)
    con.execute("ATTACH DATABASE ? AS plain KEY ''", (str(dest),))
    con.execute("SELECT sqlcipher_export('plain')")
    con.execute("DETACH DATABASE plain")
    con.close()
    return dest


def test_the_file_holds_no_nik_in_clear_and_plain_sqlite_cannot_read_it(village):
    niks = _niks(village)
    _no_nik_in(village.read_bytes(), niks)
    assert b"SQLite format 3" not in village.read_bytes()[:100]
    plain = sqlite3.connect(village)
    with pytest.raises(sqlite3.DatabaseError):
        plain.execute("SELECT count(*) FROM member").fetchone()
    plain.close()
    # the key file names no user and holds no key in clear
    keys = KeyFile.beside(village).path.read_text()
    assert "operator" not in keys and KEYRING.get(village).hex() not in keys


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_the_file_and_its_key_file_are_readable_by_their_owner_only(tmp_path):
    done = run_cli("--db", str(tmp_path / "baru.sqlite"), "init", "--village",
                   "35.23.01.2001", env={"PUSKESOS_PASSWORD": "sandi-kantor-7"})
    assert done.returncode == 0, done.stderr
    made = run_cli("--db", str(tmp_path / "baru.sqlite"), "db", "backup", "--out",
                   str(tmp_path / "b.zip"), env=as_user("admin", "sandi-kantor-7"))
    assert made.returncode == 0, made.stderr
    for path in (tmp_path / "baru.sqlite", tmp_path / "baru.sqlite.keys", tmp_path / "b.zip"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_without_the_password_the_program_cannot_open_it_either(village):
    KEYRING.forget(village)
    with pytest.raises(DatabaseLocked):
        open_services(str(village))
    with pytest.raises(AuthenticationFailed):
        sign_in(str(village), "operator", "salah-salah", session=False)
    signed = sign_in(str(village), "operator", "demo123", session=False)
    try:
        assert signed.user.role == "operator"
        assert signed.services.households.counts(actor=signed.user.actor).households == 300
    finally:
        signed.services.close()


def test_init_shows_the_recovery_key_once_and_it_opens_the_file(tmp_path):
    db = tmp_path / "baru.sqlite"
    done = run_cli("--db", str(db), "init", "--village", "35.23.01.2001", "--json",
                   env={"PUSKESOS_PASSWORD": "sandi-kantor-7"})
    assert done.returncode == 0, done.stderr
    key = json.loads(done.stdout)["recovery_key"]
    assert len(key) == 39 and key.count("-") == 7
    assert key not in KeyFile.beside(db).path.read_text()
    assert len(KeyFile.beside(db).unlock_recovery(key.lower().replace("-", " "))) == 32
    with pytest.raises(AuthenticationFailed):
        KeyFile.beside(db).unlock_recovery("A" * 32)


def test_every_password_lost_the_recovery_key_gives_the_administrator_a_new_one(tmp_path):
    db = tmp_path / "baru.sqlite"
    made = run_cli("--db", str(db), "init", "--village", "35.23.01.2001", "--json",
                   env={"PUSKESOS_PASSWORD": "terlupa-123"})
    key = json.loads(made.stdout)["recovery_key"]
    wrong = run_cli("--db", str(db), "db", "recover", "--username", "admin",
                    env={"PUSKESOS_RECOVERY_KEY": "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567",
                         "PUSKESOS_PASSWORD": "sandi-baru-9"})
    assert wrong.returncode == 1 and "tidak membuka" in wrong.stderr
    done = run_cli("--db", str(db), "db", "recover", "--username", "admin",
                   env={"PUSKESOS_RECOVERY_KEY": key, "PUSKESOS_PASSWORD": "sandi-baru-9"})
    assert done.returncode == 0, done.stderr
    assert run_cli("--db", str(db), "settings", "show",
                   env=as_user("admin", "terlupa-123")).returncode == 1
    assert run_cli("--db", str(db), "settings", "show",
                   env=as_user("admin", "sandi-baru-9")).returncode == 0
    # the trail says the recovery key was used
    KEYRING.remember(db, KeyFile.beside(db).unlock_recovery(key))
    con = connect(db)
    actors = {r[0] for r in con.execute("SELECT actor FROM audit_event")}
    con.close()
    assert "recovery-key" in actors


def test_a_changed_password_is_the_only_one_that_opens_the_file(village):
    services = open_services(str(village))
    try:
        operator = services.auth.login(username="operator", password="demo123")
        services.auth.change_password(actor=operator.actor, old_password="demo123",
                                      new_password="sandi-baru-9")
        admin = services.auth.login(username="admin", password="demo123")
        services.auth.reset_password(actor=admin.actor, username="kades",
                                     new_password="kades-baru-9")
    finally:
        services.close()
    keys = KeyFile.beside(village)
    for name, old, new in (("operator", "demo123", "sandi-baru-9"),
                           ("kades", "demo123", "kades-baru-9")):
        with pytest.raises(AuthenticationFailed):
            keys.unlock(name, old)
        assert keys.unlock(name, new).data_key == KEYRING.get(village)
    # a new user gets a wrap of their own
    services = open_services(str(village))
    try:
        admin = services.auth.login(username="admin", password="demo123")
        services.auth.create_user(actor=admin.actor, username="budi", password="budi-sandi-1",
                                  full_name="Budi", role="operator")
    finally:
        services.close()
    assert keys.unlock("budi", "budi-sandi-1").data_key == KEYRING.get(village)


def test_a_plain_file_of_an_older_version_is_encrypted_at_the_first_login(village, tmp_path):
    old = _plain_copy(village, tmp_path / "lama.sqlite")
    niks = _niks(village)
    assert niks[0].encode() in old.read_bytes()           # as the older version left it
    done = run_cli("--db", str(old), "households", "--limit", "1", "--json",
                   env=as_user("koordinator"))
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)                                # stdout stays whole JSON
    assert "KUNCI PEMULIHAN" in done.stderr
    assert is_encrypted(old)
    _no_nik_in(old.read_bytes(), niks)
    assert not Path(f"{old}-wal").exists() or b"SQLite" not in Path(f"{old}-wal").read_bytes()
    # nothing lost: the same rows, and an encrypted safety copy was taken
    assert _niks(old, 10_000) == _niks(village, 10_000)
    [safety] = (tmp_path / "backup").glob("before-encryption-*.sqlite")
    assert is_encrypted(safety) and KeyFile.beside(safety).exists()
    # the other users still log in with their old passwords, then have a wrap of their own
    keys = KeyFile.beside(old)
    assert "pending" in keys.path.read_text() and keys.load()["pending"]
    assert run_cli("--db", str(old), "settings", "show",
                   env=as_user("operator")).returncode == 0
    assert keys.unlock("operator", "demo123").pending is False
    assert run_cli("--db", str(old), "settings", "show",
                   env=as_user("operator", "salah-salah")).returncode == 1
    # the trail says who encrypted it
    con = connect(old)
    [(actor,)] = con.execute("SELECT actor FROM audit_event WHERE action = 'encrypt'")
    con.close()
    assert actor == "koordinator"


def test_a_backup_is_encrypted_and_opens_on_another_computer_with_a_password(village,
                                                                               tmp_path):
    niks = _niks(village)
    made = run_cli("--db", str(village), "db", "backup", "--out", str(tmp_path / "b.zip"))
    assert made.returncode == 0, made.stderr
    raw = (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        inside = zf.read("puskesos.sqlite")
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["encrypted"] is True
    _no_nik_in(inside, niks)
    (tmp_path / "inside.sqlite").write_bytes(inside)
    plain = sqlite3.connect(tmp_path / "inside.sqlite")
    with pytest.raises(sqlite3.DatabaseError):
        plain.execute("SELECT count(*) FROM member").fetchone()
    plain.close()
    (tmp_path / "inside.sqlite").unlink()
    _no_nik_in(raw, niks)
    # no plain part was left on the way either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.zip", "desa.sqlite",
                                                           "desa.sqlite.keys"]
    other = tmp_path / "lain"
    other.mkdir()
    wrong = run_cli("--db", str(other / "desa.sqlite"), "db", "restore",
                    str(tmp_path / "b.zip"), env=as_user("admin", "salah-salah"))
    assert wrong.returncode == 1 and not (other / "desa.sqlite").exists()
    done = run_cli("--db", str(other / "desa.sqlite"), "db", "restore",
                   str(tmp_path / "b.zip"), env=CLI_LOGIN)
    assert done.returncode == 0, done.stderr
    assert run_cli("--db", str(other / "desa.sqlite"), "households", "--limit", "1",
                   env=as_user("operator")).returncode == 0
