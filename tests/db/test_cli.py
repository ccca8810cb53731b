"""The command line as a user (or a script at the kabupaten) runs it: a real
process, real files, exit codes and one-line Indonesian messages."""

import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CLI_LOGIN, copy_village, connect

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env=None, timeout=120, login=CLI_LOGIN):
    """``puskesos ARGS`` in a new process, logged in with ``login`` (the demo village's
    administrator; None: no login)."""
    full_env = dict(os.environ, PUSKESOS_LANG="id", **(login or {}), **(env or {}))
    return subprocess.run([sys.executable, "-m", "puskesos", *args], capture_output=True,
                          text=True, cwd=ROOT, env=full_env, timeout=timeout)


@pytest.fixture
def village(tmp_path, demo_db):
    path = tmp_path / "desa.sqlite"
    copy_village(demo_db, path)
    return path


def test_init_creates_village_and_admin(tmp_path):
    db = tmp_path / "baru.sqlite"
    result = run("--db", str(db), "init", "--village", "3523012001", "--json", login=None)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["village"]["desa"] == "Jlodro"
    assert data["village"]["kabupaten"] == "Kabupaten Tuban"
    assert len(data["admin_password"]) >= 8  # generated, shown once
    again = run("--db", str(db), "init", "--village", "3523012001", login=None)
    assert again.returncode == 2 and "sudah berisi" in again.stderr


def test_unknown_village_code_is_refused_with_a_clear_message(tmp_path):
    result = run("--db", str(tmp_path / "x.sqlite"), "init", "--village", "35.23.01.9999",
                 login=None)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "tidak ada" in result.stderr.lower()


def test_demo_json_reports_counts_and_planted_problems(tmp_path):
    result = run("--db", str(tmp_path / "d.sqlite"), "demo", "--households", "120", "--seed",
                 "3", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["households"] == 120 and data["members"] > 120
    assert {"nik_dob_mismatch", "household_without_head", "missing_no_kk"} <= set(data["planted"])
    listed = json.loads(run("--db", str(tmp_path / "d.sqlite"), "households", "--json",
                            "--limit", "5").stdout)
    assert listed["total"] == 120 and len(listed["households"]) == 5


def test_wrong_db_path(tmp_path):
    result = run("--db", str(tmp_path / "tidak" / "ada.sqlite"), "households")
    assert result.returncode == 1
    assert "tidak ditemukan" in result.stderr and "Traceback" not in result.stderr


def test_corrupt_database_file(tmp_path):
    bad = tmp_path / "rusak.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    result = run("--db", str(bad), "households")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert bad.read_bytes().startswith(b"this is not")  # untouched


def test_damaged_sqlite_pages_are_reported(village):
    # overwrite a stretch in the middle of the file: a torn write or a bad sector
    data = bytearray(village.read_bytes())
    start = len(data) // 2
    data[start:start + 8192] = b"\xff" * 8192
    village.write_bytes(bytes(data))
    result = run("--db", str(village), "db", "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_locked_database_gives_a_clear_message(village):
    holder = connect(village)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        # reading (and its login) still works under WAL while another program writes ...
        assert run("--db", str(village), "households", "--limit", "1").returncode == 0
        # ... but a write waits, then says what is going on
        result = run("--db", str(village), "user", "add", "budi", "--role", "operator",
                     "--password", "rahasia1", env={"PUSKESOS_BUSY_TIMEOUT_MS": "200"})
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 1
    assert "sedang dipakai" in result.stderr and "Traceback" not in result.stderr


def test_db_check_finds_tampering(village):
    assert run("--db", str(village), "db", "check").returncode == 0
    con = connect(village)
    con.execute("UPDATE audit_event SET actor = 'someone' WHERE seq = 10")
    con.commit()
    con.close()
    result = run("--db", str(village), "db", "check", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["audit"]["first_bad_seq"] == 10 and not report["ok"]


def test_backup_and_restore_round_trip(village, tmp_path):
    out = tmp_path / "cadangan.zip"
    assert run("--db", str(village), "db", "backup", "--out", str(out)).returncode == 0
    con = connect(village)
    before = con.execute("SELECT count(*) FROM member").fetchone()[0]
    con.execute("DELETE FROM participation")
    con.execute("DELETE FROM member")
    con.commit()
    con.close()
    result = run("--db", str(village), "db", "restore", str(out), "--json")
    assert result.returncode == 0, result.stderr
    kept = Path(json.loads(result.stdout)["kept"])
    assert kept.exists()  # the damaged state was kept, not thrown away
    con = connect(village)
    assert con.execute("SELECT count(*) FROM member").fetchone()[0] == before
    assert run("--db", str(village), "db", "check").returncode == 0
    # the message gives the backup's time as people read it, not as stored
    said = run("--db", str(village), "db", "restore", str(out)).stdout
    assert re.search(r"Cadangan tanggal \d\d-\d\d-\d{4} \d\d:\d\d ", said), said
    assert "T" not in said.split("Cadangan tanggal ")[1][:17] and "+00:00" not in said


def test_region_search():
    result = run("region", "search", "jlodro", "--json")
    assert json.loads(result.stdout)["regions"][0]["code"] == "35.23.01.2001"


def test_english_messages_on_request(tmp_path):
    result = run("--lang", "en", "--db", str(tmp_path / "none.sqlite"), "households")
    assert "does not exist" in result.stderr


def test_usage_error_exit_code():
    assert run("db").returncode == 2


def _limit_file_size_to(limit):
    def apply():
        import resource
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_full_disk_while_saving_loses_nothing(village):
    # Given a village whose drive can grow the files by only a little
    size = village.stat().st_size
    con = connect(village)
    households = con.execute("SELECT count(*) FROM household").fetchone()[0]
    con.close()
    # When a big write (400 more households) runs out of space
    result = subprocess.run([sys.executable, "-m", "puskesos", "--db", str(village), "demo",
                             "--households", "400"], capture_output=True, text=True, cwd=ROOT,
                            env=dict(os.environ, PUSKESOS_LANG="id", **CLI_LOGIN),
                            preexec_fn=_limit_file_size_to(size + 64 * 1024))
    # Then the user is told, and the stored data is exactly as before
    assert result.returncode == 1, result.stderr
    assert "disk" in result.stderr.lower() and "Traceback" not in result.stderr
    con = connect(village)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM household").fetchone()[0] == households
    con.close()
    assert run("--db", str(village), "db", "check").returncode == 0


def test_paths_with_hash_and_percent_back_up_and_restore_the_real_data(tmp_path, demo_db):
    folder = tmp_path / "Desa #2 100%"
    folder.mkdir()
    db = folder / "v?x.sqlite"
    copy_village(demo_db, db)
    out = folder / "c#1.zip"
    assert run("--db", str(db), "db", "backup", "--out", str(out)).returncode == 0
    with __import__("zipfile").ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["counts"]["household"] == 300
    assert run("--db", str(db), "db", "restore", str(out)).returncode == 0
    con = connect(db)
    assert con.execute("SELECT count(*) FROM household").fetchone()[0] == 300
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]  # no stray files


def test_restore_while_the_program_has_the_database_open(village, tmp_path):
    out = tmp_path / "b.zip"
    assert run("--db", str(village), "db", "backup", "--out", str(out)).returncode == 0
    from puskesos.services import open_services
    from tests.conftest import ADMIN
    live = open_services(str(village))
    live.officers.add(actor=ADMIN, name="SESUDAH CADANGAN", role="kader")
    assert run("--db", str(village), "db", "restore", str(out)).returncode == 0
    # the open program sees the restored data and its next write is kept
    assert "SESUDAH CADANGAN" not in [o.name for o in live.officers.roster(actor=ADMIN)]
    live.officers.add(actor=ADMIN, name="SETELAH PEMULIHAN", role="kader")
    live.close()
    con = connect(village)
    names = [r[0] for r in con.execute("SELECT name FROM officer")]
    assert "SETELAH PEMULIHAN" in names and "SESUDAH CADANGAN" not in names


def test_failed_init_writes_nothing_and_can_be_repeated(tmp_path):
    db = tmp_path / "baru.sqlite"
    bad = run("--db", str(db), "init", "--village", "35.23.01.2001", "--password", "abc",
              login=None)
    assert bad.returncode == 2 and not db.exists()
    good = run("--db", str(db), "init", "--village", "35.23.01.2001", "--password", "rahasia1",
               login=None)
    assert good.returncode == 0, good.stderr


def test_demo_refuses_to_mix_into_a_real_village(tmp_path):
    db = tmp_path / "nyata.sqlite"
    assert run("--db", str(db), "init", "--village", "35.23.01.2001", "--password",
               "rahasia1", login=None).returncode == 0
    from puskesos.services import open_services
    from tests.conftest import ADMIN
    from puskesos.services.signin import unlock
    from tests.helpers import family
    unlock(str(db), "admin", "rahasia1")      # the file is encrypted
    svc = open_services(str(db))
    house, people = family()
    svc.households.save(actor=ADMIN, household=house, members=people)
    svc.close()
    result = run("--db", str(db), "demo", "--households", "5",
                 login={"PUSKESOS_USER": "admin", "PUSKESOS_PASSWORD": "rahasia1"})
    assert result.returncode == 2 and "--force" in result.stderr


def test_json_flag_before_the_subcommand():
    result = run("region", "--json", "search", "jlodro")
    assert json.loads(result.stdout)["regions"][0]["code"] == "35.23.01.2001"


def test_the_village_identity_is_set_from_the_command_line_with_the_windows_rules(village,
                                                                               tmp_path):
    """`settings village` changes what letterheads print; a wrong postal code or NIP is
    refused with the window's message (exit 2) and nothing changes; a logo is copied."""
    from PIL import Image
    bad = run("--db", str(village), "settings", "village", "--postal-code", "6236",
              "--kepala-desa", "BARU")
    assert bad.returncode == 2 and "Kode pos terdiri dari 5 digit" in bad.stderr
    shown = json.loads(run("--db", str(village), "settings", "show", "--json").stdout)
    assert shown["village"]["kepala_desa"] != "BARU"
    nip = run("--db", str(village), "settings", "village", "--kepala-desa-nip", "12345")
    assert nip.returncode == 2 and "18" in nip.stderr
    logo = tmp_path / "usb" / "logo desa.png"
    logo.parent.mkdir()
    Image.new("RGB", (30, 30), "#1565c0").save(logo)
    good = run("--db", str(village), "settings", "village", "--postal-code", "62361",
               "--kepala-desa-nip", "19650101 199003 1 005", "--logo", str(logo), "--json")
    assert good.returncode == 0, good.stderr
    data = json.loads(good.stdout)["village"]
    assert data["postal_code"] == "62361" and data["kepala_desa_nip"] == "19650101 199003 1 005"
    assert data["logo_path"] == str(village.parent / "logo.png")
    assert (village.parent / "logo.png").read_bytes() == logo.read_bytes()
