"""Backups: verified, complete or absent, restorable on this or a later version."""

import json
import os
import resource
import signal
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from puskesos.errors import DatabaseTooNew, InvalidInput, NotFound
from puskesos.services.backup import restore
from tests.helpers import CLI_LOGIN, copy_village, connect, unzip_database
from tests.helpers import damage_index

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def village(tmp_path, demo_db):
    path = tmp_path / "desa.sqlite"
    copy_village(demo_db, path)
    return path


def _backup(village, out):
    result = subprocess.run([sys.executable, "-m", "puskesos", "--db", str(village), "db",
                             "backup", "--out", str(out), "--json"], capture_output=True,
                            text=True, cwd=ROOT, env={**os.environ, **CLI_LOGIN})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_manifest_carries_checksum_schema_and_counts(village, tmp_path):
    info = _backup(village, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["sha256"] == info["sha256"]
    assert manifest["counts"]["household"] == 300
    assert manifest["schema_revision"]


def test_damaged_backup_is_refused_and_database_untouched(village, tmp_path):
    _backup(village, tmp_path / "b.zip")
    # rewrite the archive with one byte of the database changed
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        manifest, data = zf.read("manifest.json"), bytearray(zf.read("puskesos.sqlite"))
    data[5000] ^= 0xFF
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        zf.writestr("manifest.json", manifest)
        zf.writestr("puskesos.sqlite", bytes(data))
    before = village.read_bytes()
    with pytest.raises(InvalidInput) as err:
        restore(tmp_path / "bad.zip", village)
    assert "rusak" in err.value.message
    assert village.read_bytes() == before


def test_a_backup_whose_database_fails_the_integrity_check_is_refused(village, tmp_path,
                                                                      capsys, demo_login):
    """A backup whose checksum is right but whose database is damaged inside (here an
    index that no longer matches its table, as a bad disk or a faulty copy leaves it)
    is refused with a message saying the database inside the backup is damaged, and
    the village's own database is left exactly as it was."""
    import hashlib
    import sqlite3

    from puskesos.cli import main
    _backup(village, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        inner = tmp_path / "inner.sqlite"
    unzip_database(tmp_path / "b.zip", inner)
    damage_index(inner)
    con = connect(inner)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    con.close()
    data = inner.read_bytes()
    manifest["sha256"], manifest["size"] = hashlib.sha256(data).hexdigest(), len(data)
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("puskesos.sqlite", data)
        zf.writestr("puskesos.sqlite.keys", Path(f"{inner}.keys").read_bytes())
    before = village.read_bytes()
    with pytest.raises(InvalidInput) as err:
        restore(tmp_path / "bad.zip", village)
    assert "Basis data di dalam cadangan" in err.value.message
    assert "rusak" in err.value.message and "checksum" not in err.value.message
    assert village.read_bytes() == before
    capsys.readouterr()
    assert main(["--db", str(village), "db", "restore", str(tmp_path / "bad.zip")]) != 0
    assert "rusak" in capsys.readouterr().err
    assert village.read_bytes() == before


def test_not_a_backup(village, tmp_path):
    (tmp_path / "x.zip").write_text("hello")
    with pytest.raises(InvalidInput):
        restore(tmp_path / "x.zip", village)
    with pytest.raises(NotFound):
        restore(tmp_path / "missing.zip", village)


def test_backup_from_a_newer_program_is_refused(village, tmp_path):
    _backup(village, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        db = zf.read("puskesos.sqlite")
        keys = zf.read("puskesos.sqlite.keys")
    manifest["format_version"] = 99
    with zipfile.ZipFile(tmp_path / "new.zip", "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("puskesos.sqlite", db)
        zf.writestr("puskesos.sqlite.keys", keys)
    with pytest.raises(DatabaseTooNew):
        restore(tmp_path / "new.zip", village)


def _limit_file_size():
    # Simulates a nearly full disk: any file grows to at most 64 KiB.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_full_disk_leaves_no_partial_backup_and_a_clear_message(village, tmp_path):
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    before = village.read_bytes()
    result = subprocess.run([sys.executable, "-m", "puskesos", "--db", str(village), "db",
                             "backup", "--out", str(out_dir / "b.zip")], capture_output=True,
                            text=True, cwd=ROOT, preexec_fn=_limit_file_size,
                            env=dict(os.environ, PUSKESOS_LANG="id", **CLI_LOGIN))
    assert result.returncode == 1
    assert "ruang" in result.stderr.lower() and "Traceback" not in result.stderr
    assert list(out_dir.iterdir()) == []
    assert village.read_bytes() == before
