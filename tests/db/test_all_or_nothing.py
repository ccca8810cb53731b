"""All or nothing (issue 13 point 8), with real processes killed with SIGKILL:
``demo`` is one transaction, ``db check`` finds NIKs held twice, a backup under a
busy writer waits or says why it could not note itself, and what a killed backup
or restore left is removed at the next start."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
import zipfile
from pathlib import Path

import pytest

from puskesos.db.engine import sqlite_driver

from tests.helpers import run_cli, start_cli, copy_village, connect, CONNECT_SCRIPT, key_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

HOUSEHOLDS = "300"


def _count(db: Path, table: str, where: str = "1 = 1") -> int:
    """Rows of ``table`` as committed (0 when the table is not there yet)."""
    if not db.exists():
        return 0
    con = connect(db)
    try:
        return con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
    except sqlite_driver().OperationalError:
        return 0
    finally:
        con.close()


def _wait_for(condition, proc, timeout: float = 60) -> bool:
    """Poll ``condition`` until true (True) or the process ended first (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    raise AssertionError("timed out")


def _kill(proc) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def _check(db: Path) -> dict:
    result = run_cli("--db", db, "db", "check", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _demo_summary(stdout: str) -> dict:
    report = json.loads(stdout)
    return {k: report[k] for k in ("households", "members", "participations",
                                   "verval_results")}


@pytest.mark.slow
def test_demo_killed_half_way_and_run_again_makes_one_whole_village(tmp_path, cli):
    def check(db: Path) -> dict:              # db check, run in this process
        done = cli("--db", db, "db", "check", "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    reference = tmp_path / "utuh.sqlite"
    begun = time.monotonic()
    made = run_cli("--db", reference, "demo", "--households", HOUSEHOLDS, "--seed", "7",
                   "--json")
    took = time.monotonic() - begun
    assert made.returncode == 0, made.stderr
    whole = _demo_summary(made.stdout)
    duplicates = check(reference)["duplicate_niks"]        # the ones the demo plants
    # stopped at two points of a run as long as the reference one: while the village
    # is being built in its one transaction (the schema is made in the first second or
    # so; the log of the schema's connection is emptied when it closes, so the log's
    # size no longer tells when the building begins).  Both make the same file: the
    # second finds the part the first left, removes it and is stopped in turn; the run
    # after them makes the village.
    db = tmp_path / "desa.sqlite"
    for share in (0.5, 0.8):
        proc = start_cli("--db", db, "demo", "--households", HOUSEHOLDS, "--seed", "7")
        time.sleep(took * share)
        assert proc.poll() is None, "the demo ended before it could be stopped"
        _kill(proc)
        # nothing of the stopped run stays: no village file (nor its key file) to lock
        # anyone out; the next start removes the part
        assert not db.exists() and not Path(f"{db}.keys").exists()
    again = run_cli("--db", db, "demo", "--households", HOUSEHOLDS, "--seed", "7",
                    "--json")
    assert again.returncode == 0, again.stderr
    assert _demo_summary(again.stdout) == whole
    assert check(db)["duplicate_niks"] == duplicates


def _as_the_program_wrote_it(db: Path, member_ids: list[str]) -> None:
    """Seal members changed here with SQL as the program seals what it writes (NIKs
    held twice come from imports, not from tampering, which db check would report)."""
    from puskesos.db import seals
    from puskesos.services import open_services
    services = open_services(str(db))
    try:
        with services.db.write() as s:
            seals.touch(s, "member", member_ids)
    finally:
        services.close()


def _share_nik(db: Path, *, living: bool) -> None:
    """Give one more person the NIK of someone in another family (when ``living`` is
    false, the second holder is recorded as deceased)."""
    con = connect(db)
    try:
        rows = con.execute(
            "SELECT id, nik, household_id FROM member WHERE deleted_at IS NULL AND "
            "presence = '1' AND nik NOT LIKE '9999%' AND nik IS NOT NULL AND nik IN "
            "(SELECT nik FROM member GROUP BY nik HAVING count(*) = 1) ORDER BY id "
            "LIMIT 400").fetchall()
        skip = 0 if living else 200
        first = rows[skip]
        second = next(r for r in rows[skip + 1:] if r[2] != first[2])
        con.execute("UPDATE member SET nik = ?, presence = ? WHERE id = ?",
                    (first[1], "1" if living else "3", second[0]))
        con.commit()
    finally:
        con.close()
    _as_the_program_wrote_it(db, [second[0]])


def _placeholders_shared(db: Path) -> None:
    con = connect(db)
    try:
        # three living people whose NIK no one else holds (ids are random, so without
        # that the demo's planted duplicate could be among them and disappear)
        ids = [r[0] for r in con.execute(
            "SELECT id FROM member WHERE presence = '1' AND nik NOT LIKE '9999%' AND nik IN "
            "(SELECT nik FROM member GROUP BY nik HAVING count(*) = 1) ORDER BY id DESC "
            "LIMIT 3")]
        con.executemany("UPDATE member SET nik = '9999999999999996' WHERE id = ?",
                        [(i,) for i in ids])
        con.commit()
    finally:
        con.close()
    _as_the_program_wrote_it(db, ids)


@pytest.mark.slow
def test_db_check_names_niks_held_by_two_living_people(tmp_path, demo_db):
    db = tmp_path / "desa.sqlite"
    copy_village(demo_db, db)
    before = _check(db)["duplicate_niks"]
    _placeholders_shared(db)             # a placeholder is many people's: not a duplicate
    _share_nik(db, living=False)         # a deceased holder is not a second living one
    assert _check(db)["duplicate_niks"] == before
    _share_nik(db, living=True)
    result = run_cli("--db", db, "db", "check")
    assert result.returncode == 0, result.stderr
    assert "semuanya sesuai" not in result.stdout          # not called healthy
    assert f"{before + 1} NIK masing-masing dipakai" in result.stdout, result.stdout
    assert _check(db)["duplicate_niks"] == before + 1

    # the kepala desa, who may not see full NIKs, reads them masked; the admin whole
    con = connect(db)
    shared = [nik for (nik,) in con.execute(
        "SELECT nik FROM member WHERE deleted_at IS NULL AND presence = '1' AND nik NOT "
        "LIKE '9999%' GROUP BY nik HAVING count(*) > 1")]
    con.close()
    kades = run_cli("--db", db, "db", "check", env={"PUSKESOS_USER": "kades"})
    assert kades.returncode == 0, kades.stderr
    assert "NIK masing-masing dipakai" in kades.stdout
    assert not any(nik in kades.stdout for nik in shared), kades.stdout
    assert any(nik in result.stdout for nik in shared)


HOLD = CONNECT_SCRIPT + """
con.execute("BEGIN IMMEDIATE")
con.execute("UPDATE setting SET value = value WHERE key = 'demo'")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
"""


def _hold_write_lock(db: Path, seconds: float):
    import subprocess
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], env={**os.environ, **key_env(db)},
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def _last_backup(db: Path) -> tuple[str | None, int]:
    con = connect(db)
    try:
        row = con.execute("SELECT value FROM setting WHERE key = 'last_backup'").fetchone()
        events = con.execute("SELECT count(*) FROM audit_event WHERE action = 'backup'"
                             ).fetchone()[0]
        return (json.loads(row[0])["path"] if row else None), events
    finally:
        con.close()


def test_a_backup_under_a_busy_writer_waits_and_notes_itself(tmp_path, demo_db):
    db = tmp_path / "desa.sqlite"
    copy_village(demo_db, db)
    out = tmp_path / "usb" / "b.zip"
    out.parent.mkdir()
    _path, events = _last_backup(db)
    writer = _hold_write_lock(db, 2.5)
    result = run_cli("--db", db, "db", "backup", "--out", out,
                     env={"PUSKESOS_BUSY_TIMEOUT_MS": "1000"})
    writer.wait()
    assert result.returncode == 0, result.stderr
    assert _last_backup(db) == (str(out), events + 1)
    assert zipfile.ZipFile(out).testzip() is None


def test_a_backup_under_a_writer_that_never_ends_says_it_is_not_noted(tmp_path, demo_db):
    db = tmp_path / "desa.sqlite"
    copy_village(demo_db, db)
    out = tmp_path / "usb" / "b.zip"
    out.parent.mkdir()
    before = _last_backup(db)
    writer = _hold_write_lock(db, 120)
    try:
        started = time.monotonic()
        result = run_cli("--db", db, "db", "backup", "--out", out,
                         env={"PUSKESOS_BUSY_TIMEOUT_MS": "400"})
        waited = time.monotonic() - started
    finally:
        writer.kill()
        writer.wait()
    assert result.returncode == 1, result.stdout
    message = result.stderr
    assert "tersimpan lengkap" in message and str(out) in message, message
    assert "tidak dapat dicatat" in message and "cadangan sekali lagi" in message, message
    assert waited < 30
    assert zipfile.ZipFile(out).testzip() is None         # the file itself is whole
    assert _last_backup(db) == before                     # and nothing claims otherwise


def _large_village(tmp_path: Path, demo_db: Path) -> Path:
    """The demo village with 120 MB that does not compress, so a backup takes seconds."""
    db = tmp_path / "desa.sqlite"
    copy_village(demo_db, db)
    con = connect(db)
    con.execute("CREATE TABLE ballast (data BLOB)")
    con.executemany("INSERT INTO ballast VALUES (?)", ((os.urandom(1 << 20),)
                                                      for _ in range(120)))
    con.commit()
    con.close()
    return db


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name) \
        if folder.exists() else []


@pytest.mark.slow
def test_what_a_killed_backup_or_restore_left_is_removed_at_the_next_start(tmp_path,
                                                                           demo_db):
    db = _large_village(tmp_path, demo_db)
    folder = tmp_path / "backup"                    # the backup folder beside the database

    proc = start_cli("--db", db, "db", "backup")
    assert _wait_for(lambda: any(n.endswith(".zip.part") for n in _parts(folder)), proc)
    time.sleep(0.2)
    _kill(proc)
    assert _parts(folder), "the backup ended before it could be stopped"
    # another start while nothing runs: the parts go
    _check(db)
    assert _parts(folder) == []
    assert not [p for p in folder.iterdir() if p.name.startswith(".puskesos")]

    made = run_cli("--db", db, "db", "backup", "--json")
    assert made.returncode == 0, made.stderr
    backup = Path(json.loads(made.stdout)["path"])
    proc = start_cli("--db", db, "db", "restore", backup)
    extracting = lambda: any(p.name.startswith(".restore-") for p in tmp_path.iterdir())
    assert _wait_for(extracting, proc)
    time.sleep(0.3)
    _kill(proc)
    assert extracting(), "the restore ended before it could be stopped"
    _check(db)
    assert not extracting()
    assert _parts(folder) == [] and _parts(tmp_path) == []


@pytest.mark.slow
def test_a_start_leaves_the_files_of_a_backup_still_running(tmp_path, demo_db):
    db = _large_village(tmp_path, demo_db)
    folder = tmp_path / "backup"
    proc = start_cli("--db", db, "db", "backup", "--json")
    assert _wait_for(lambda: any(n.endswith(".zip.part") for n in _parts(folder)), proc)
    _check(db)                                      # a second program starts meanwhile
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert zipfile.ZipFile(json.loads(out)["path"]).testzip() is None
    assert _parts(folder) == []
