"""The command line logs in (issue 13, point 2): every command that reads or writes
the village's data runs as a user of the program, with that user's role and the
window's lockout; real processes of ``python -m puskesos`` on real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from puskesos.db.keys import KeyFile

from puskesos.errors import AccountLocked
from puskesos.services import open_services
from puskesos.services.lockout import MAX_FAILED_ATTEMPTS
from tests.db.test_cli import run
from tests.helpers import copy_village, connect

LOGIN_NEEDED = "Perlu masuk (login): --user NAMA"
NOT_ALLOWED = "tidak diizinkan"


def as_user(name: str, password: str = "demo123") -> dict:
    return {"PUSKESOS_USER": name, "PUSKESOS_PASSWORD": password}


@pytest.fixture
def village(tmp_path, demo_db) -> Path:
    path = tmp_path / "desa.sqlite"
    copy_village(demo_db, path)
    return path


def _query(db: Path, sql: str, *params):
    con = connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_without_a_login_nothing_is_read_or_written(village, tmp_path):
    before = village.read_bytes()
    listed = run("--db", str(village), "households", "--json", login=None)
    exported = run("--db", str(village), "export", str(tmp_path / "semua.xlsx"), login=None)
    added = run("--db", str(village), "user", "add", "budi", "--role", "admin", "--password",
                "rahasia1", login=None)
    for done in (listed, exported, added):
        assert done.returncode == 1, done.stderr
        assert LOGIN_NEEDED in done.stderr and done.stderr.count("\n") == 1
        assert done.stdout == ""
    assert not (tmp_path / "semua.xlsx").exists()
    assert village.read_bytes() == before


def test_a_user_name_without_a_password_and_no_terminal_says_how_to_give_one(village):
    done = run("--db", str(village), "--user", "admin", "households", login=None)
    assert done.returncode == 1 and done.stdout == ""
    assert "PUSKESOS_PASSWORD" in done.stderr and "terminal" in done.stderr


def test_user_from_the_option_or_the_environment(village):
    by_option = run("--db", str(village), "--user", "operator", "households", "--limit", "1",
                    login=None, env={"PUSKESOS_PASSWORD": "demo123"})
    after_verb = run("--db", str(village), "households", "--user", "operator", "--limit", "1",
                     login=None, env={"PUSKESOS_PASSWORD": "demo123"})
    by_variable = run("--db", str(village), "households", "--limit", "1",
                      login=as_user("operator"))
    for done in (by_option, after_verb, by_variable):
        assert done.returncode == 0, done.stderr


def test_a_wrong_password_is_refused_and_reaches_the_trail_at_the_next_login(village):
    before = village.read_bytes()
    done = run("--db", str(village), "households", login=as_user("operator", "salah-salah"))
    assert done.returncode == 1 and done.stdout == ""
    assert "salah" in done.stderr
    # a wrong password cannot open the encrypted file: it is not written into it...
    assert village.read_bytes() == before
    # ...but kept outside it, and the next login (of anyone) writes it into the trail
    assert run("--db", str(village), "households", "--limit", "1").returncode == 0
    [(actor, reason)] = _query(village, "SELECT actor, reason FROM audit_event "
                                        "WHERE action = 'login_failed'")
    assert actor == "operator" and reason.startswith("@attempt_before_open")
    again = run("--db", str(village), "households", "--limit", "1")
    assert again.returncode == 0
    assert len(_query(village, "SELECT 1 FROM audit_event WHERE action = 'login_failed'")) == 1



def _locked_everywhere(village, username: str) -> None:
    """``username`` is refused even with the right password: on the command line and
    in the window's login (the same service)."""
    locked = run("--db", str(village), "households", login=as_user(username))
    assert locked.returncode == 1 and "dikunci" in locked.stderr
    services = open_services(str(village))
    try:
        with pytest.raises(AccountLocked):
            services.auth.login(username=username, password="demo123")
    finally:
        services.close()

def test_five_wrong_passwords_lock_the_account_for_the_window_too_and_sql_does_not_unlock(
        village):
    for _ in range(MAX_FAILED_ATTEMPTS):
        assert run("--db", str(village), "households",
                   login=as_user("operator", "salah-salah")).returncode == 1
    _locked_everywhere(village, "operator")
    # clearing the columns with SQL does not lift the lock
    con = connect(village)
    con.execute("UPDATE app_user SET locked_until = NULL, failed_attempts = 0")
    con.commit()
    con.close()
    _locked_everywhere(village, "operator")
    # other users are not locked
    assert run("--db", str(village), "households", login=as_user("admin")).returncode == 0


def test_the_kepala_desa_cannot_export_and_no_file_is_written(village, tmp_path):
    out = tmp_path / "nik.xlsx"
    done = run("--db", str(village), "export", str(out), login=as_user("kades"))
    assert done.returncode == 1 and NOT_ALLOWED in done.stderr and "Kepala Desa" in done.stderr
    assert not out.exists() and not list(tmp_path.glob("nik.xlsx*"))
    # an operator may
    assert run("--db", str(village), "export", str(out),
               login=as_user("operator")).returncode == 0
    assert out.exists()


def test_an_operator_cannot_add_a_user(village):
    done = run("--db", str(village), "user", "add", "budi", "--role", "admin", "--password",
               "rahasia1", login=as_user("operator"))
    assert done.returncode == 1 and NOT_ALLOWED in done.stderr
    assert _query(village, "SELECT count(*) FROM app_user WHERE username = 'budi'") == [(0,)]


def test_the_audit_actor_is_the_logged_in_user_not_the_shell_user(village, tmp_path):
    seq = _query(village, "SELECT max(seq) FROM audit_event")[0][0]
    done = run("--db", str(village), "db", "backup", "--out", str(tmp_path / "b.zip"),
               login=as_user("operator"), env={"USER": "kades", "USERNAME": "kades"})
    assert done.returncode == 0, done.stderr
    actors = _query(village, "SELECT DISTINCT actor FROM audit_event WHERE seq > ?", seq)
    assert actors == [("operator",)]


def test_init_takes_the_administrators_password_from_the_environment(tmp_path):
    db = tmp_path / "baru.sqlite"
    made = run("--db", str(db), "init", "--village", "35.23.01.2001", "--json", login=None,
               env={"PUSKESOS_PASSWORD": "sandi-kantor-7"})
    assert made.returncode == 0, made.stderr
    assert "admin_password" not in json.loads(made.stdout)  # not shown: the user gave it
    assert "sandi-kantor-7" not in made.stdout
    assert run("--db", str(db), "settings", "show",
               login=as_user("admin", "sandi-kantor-7")).returncode == 0
    assert run("--db", str(db), "settings", "show",
               login=as_user("admin", "demo123")).returncode == 1


def test_init_without_a_password_generates_one_shown_once_that_works(tmp_path):
    db = tmp_path / "baru.sqlite"
    made = run("--db", str(db), "init", "--village", "35.23.01.2001", login=None)
    assert made.returncode == 0, made.stderr
    line = next(x for x in made.stdout.splitlines() if "kata sandi" in x)
    assert "sekali" in line and "Catat" in line
    password = line.split("kata sandi ", 1)[1].split(".", 1)[0].strip()
    assert len(password) >= 12
    assert run("--db", str(db), "settings", "show",
               login=as_user("admin", password)).returncode == 0


def test_help_version_region_search_and_the_blank_template_need_no_login(tmp_path):
    assert run("--help", login=None).returncode == 0
    assert run("--version", login=None).returncode == 0
    found = run("region", "search", "jlodro", "--json", login=None)
    assert json.loads(found.stdout)["regions"][0]["code"] == "35.23.01.2001"
    template = tmp_path / "templat.xlsx"
    assert run("export", str(template), "--template", login=None).returncode == 0
    assert template.exists()


def test_demo_on_a_new_file_needs_no_login_but_on_a_village_needs_the_administrator(tmp_path):
    db = tmp_path / "contoh.sqlite"
    made = run("--db", str(db), "demo", "--households", "3", login=None)
    assert made.returncode == 0, made.stderr
    assert "demo123" in made.stdout
    before = db.read_bytes()
    again = run("--db", str(db), "demo", "--households", "3", login=None)
    assert again.returncode == 1 and LOGIN_NEEDED in again.stderr
    assert db.read_bytes() == before
    operator = run("--db", str(db), "demo", "--households", "3", login=as_user("operator"))
    assert operator.returncode == 1 and NOT_ALLOWED in operator.stderr
    admin = run("--db", str(db), "demo", "--households", "3", "--json",
                login=as_user("admin"))
    assert admin.returncode == 0, admin.stderr
    assert _query(db, "SELECT count(*) FROM household")[0][0] == 6


def test_a_restore_over_a_village_needs_the_administrator_but_not_into_a_new_file(village,
                                                                                 tmp_path):
    backup = tmp_path / "b.zip"
    assert run("--db", str(village), "db", "backup", "--out", str(backup)).returncode == 0
    before = village.read_bytes()
    anonymous = run("--db", str(village), "db", "restore", str(backup), login=None)
    assert anonymous.returncode == 1 and LOGIN_NEEDED in anonymous.stderr
    operator = run("--db", str(village), "db", "restore", str(backup),
                   login=as_user("operator"))
    assert operator.returncode == 1 and NOT_ALLOWED in operator.stderr
    assert village.read_bytes() == before
    fresh = tmp_path / "salinan.sqlite"
    # into a new file nobody logs in, but the encrypted backup opens only with the
    # password of one of its users or with its recovery key
    refused = run("--db", str(fresh), "db", "restore", str(backup), login=None)
    assert refused.returncode == 1 and "--recovery-key" in refused.stderr
    assert not fresh.exists()
    assert run("--db", str(fresh), "db", "restore", str(backup),
               login=as_user("admin")).returncode == 0
    assert run("--db", str(village), "db", "restore", str(backup),
               login=as_user("admin")).returncode == 0
    # the restored trails say who restored: the administrator, or nobody logged in
    restored_by = "SELECT actor FROM audit_event WHERE action = 'restore'"
    assert _query(village, restored_by) == [("admin",)]
    assert _query(fresh, restored_by) == [("no-login",)]


def _on_a_terminal(args: list[str], answers: list[str], env: dict) -> tuple[int, str]:
    """Run ``python -m puskesos ARGS`` on a new terminal (a pty), typing each answer
    when the program asks; its exit code and everything it showed."""
    import os
    import pty
    import select
    import sys
    import time
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its stdin, stdout and stderr
        os.execve(sys.executable, [sys.executable, "-m", "puskesos", *args], env)
    shown, typed, mark, deadline = b"", 0, 0, time.monotonic() + 120
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 1)[0]:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        # answer a new prompt only (what was typed ahead would be flushed by getpass)
        if typed < len(answers) and shown[mark:].endswith(b": "):
            os.write(fd, answers[typed].encode() + b"\n")
            typed, mark = typed + 1, len(shown)
    else:
        os.kill(pid, 9)  # it waited for more than the answers given
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_on_a_terminal_the_password_is_asked_and_not_shown(village):
    import os
    from tests.db.test_cli import ROOT
    env = {k: v for k, v in os.environ.items() if k not in ("PUSKESOS_USER",
                                                            "PUSKESOS_PASSWORD")}
    env.update(PUSKESOS_LANG="id", PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])))
    code, shown = _on_a_terminal(["--db", str(village), "--user", "operator", "households",
                                  "--limit", "1"], ["demo123"], env)
    assert code == 0, shown
    assert "Kata sandi operator:" in shown and "demo123" not in shown
    assert "1 dari 300 keluarga" in shown
    code, shown = _on_a_terminal(["--db", str(village), "--user", "operator", "households"],
                                 ["keliru-99"], env)
    assert code == 1 and "salah" in shown


def test_init_on_a_terminal_asks_the_administrators_password_twice(tmp_path):
    import os
    from tests.db.test_cli import ROOT
    env = {k: v for k, v in os.environ.items() if k not in ("PUSKESOS_USER",
                                                            "PUSKESOS_PASSWORD")}
    env.update(PUSKESOS_LANG="id", PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])))
    differ = tmp_path / "beda.sqlite"
    code, shown = _on_a_terminal(["--db", str(differ), "init", "--village", "35.23.01.2001"],
                                 ["sandi-satu-1", "sandi-dua-2"], env)
    assert code == 2 and "berbeda" in shown and not differ.exists()
    db = tmp_path / "baru.sqlite"
    code, shown = _on_a_terminal(["--db", str(db), "init", "--village", "35.23.01.2001"],
                                 ["sandi-kantor-7", "sandi-kantor-7"], env)
    assert code == 0, shown
    assert "sandi-kantor-7" not in shown
    assert run("--db", str(db), "settings", "show",
               login=as_user("admin", "sandi-kantor-7")).returncode == 0


def test_a_database_that_no_longer_opens_can_be_restored(village, tmp_path):
    """Its message says to restore a backup; with no readable users there is nobody to
    log in as, so the restore works as into a new file, with the password that opens
    the (encrypted) backup."""
    backup = tmp_path / "b.zip"
    assert run("--db", str(village), "db", "backup", "--out", str(backup)).returncode == 0
    village.write_bytes(b"this is not a database" * 100)
    broken = run("--db", str(village), "households")
    assert broken.returncode == 1 and "cadangan" in broken.stderr
    done = run("--db", str(village), "db", "restore", str(backup), login=as_user("admin"))
    assert done.returncode == 0, done.stderr
    assert run("--db", str(village), "households", "--limit", "1").returncode == 0
    # its key file lost too: the backup brings its own
    village.write_bytes(b"this is not a database" * 100)
    KeyFile.beside(village).path.unlink()
    done = run("--db", str(village), "db", "restore", str(backup), login=as_user("admin"))
    assert done.returncode == 0, done.stderr
    assert run("--db", str(village), "households", "--limit", "1").returncode == 0


def test_db_upgrade_reports_the_schema_it_upgraded_from_though_the_login_opened_first(
        village, tmp_path, monkeypatch, demo_login, capsys):
    """The login opens the database (which upgrades an older schema, as the window
    does); `db upgrade` still says from which schema it went."""
    from puskesos import paths
    from puskesos.cli import main
    from puskesos.db import migrate
    from puskesos.db.migrate import head_revision
    from tests.db.test_migrations import EXTRA_REVISION
    old = head_revision()
    scripts = tmp_path / "migrations"
    shutil.copytree(paths.migrations_dir(), scripts)
    (scripts / "versions" / "9000_extra.py").write_text(EXTRA_REVISION.format(down=old))
    monkeypatch.setattr(migrate.paths, "migrations_dir", lambda: scripts)
    monkeypatch.setattr(migrate, "SCHEMA_HEAD", "9000")
    capsys.readouterr()
    assert main(["--db", str(village), "db", "upgrade", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"before": old, "after": "9000"}


def test_guesses_made_in_parallel_cannot_outrun_the_lockout(village):
    """Eight wrong passwords at once: the attempts are taken one at a time, so five
    are checked (and recorded) and the other three find the account locked."""
    import os
    import subprocess
    import sys
    from tests.db.test_cli import ROOT
    env = dict(os.environ, PUSKESOS_LANG="id", **as_user("operator", "tebakan-salah"))
    guesses = [subprocess.Popen([sys.executable, "-m", "puskesos", "--db", str(village),
                                 "households"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(8)]
    said = [guess.communicate(timeout=120)[1] for guess in guesses]
    assert all(guess.returncode == 1 for guess in guesses)
    assert sum("dikunci" in line for line in said) == 8 - MAX_FAILED_ATTEMPTS, said
    # the next login writes the checked ones into the trail
    assert run("--db", str(village), "households", "--limit", "1").returncode == 0
    assert _query(village, "SELECT count(*) FROM audit_event WHERE action = 'login_failed'"
                  ) == [(MAX_FAILED_ATTEMPTS,)]


def test_the_administrator_lifts_a_lock_by_giving_a_new_password(village):
    for _ in range(MAX_FAILED_ATTEMPTS):
        run("--db", str(village), "households", login=as_user("operator", "salah-salah"))
    assert run("--db", str(village), "households", login=as_user("operator")).returncode == 1
    refused = run("--db", str(village), "user", "reset-password", "operator", "--password",
                  "sandi-baru-9", login=as_user("koordinator"))
    assert refused.returncode == 1 and NOT_ALLOWED in refused.stderr
    done = run("--db", str(village), "user", "reset-password", "operator", "--password",
               "sandi-baru-9", login=as_user("admin"))
    assert done.returncode == 0, done.stderr
    assert run("--db", str(village), "households",
               login=as_user("operator", "sandi-baru-9")).returncode == 0
