"""Builders for test data (valid by default, so a test changes only what it tests)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from puskesos.core.identifiers import make_kk, make_nik
from puskesos.core.validation import HouseholdInput, MemberInput

KEC = "35.23.01"


def nik(born: date, sex: str, serial: int = 1) -> str:
    return make_nik(kecamatan_code=KEC, birth_date=born, sex=sex, serial=serial)


def member(name="SUPARMAN", sex="L", born=date(1975, 3, 14), rel="1", serial=1,
           **extra) -> MemberInput:
    values = dict(name=name, sex=sex, relationship_code=rel, birth_date=born,
                  nik=nik(born, sex, serial), birth_place="TUBAN")
    values.update(extra)
    return MemberInput(**values)


def family() -> tuple[HouseholdInput, list[MemberInput]]:
    house = HouseholdInput(no_kk=make_kk(kecamatan_code=KEC, recorded=date(2015, 6, 2), serial=44),
                           dusun="KRAJAN", rw="1", rt="2", address="JL. MELATI 3",
                           floor="8", wall="4", floor_area=36.0)
    people = [member(),
              member("SITI AMINAH", "P", date(1979, 8, 21), "2", serial=2),
              member("BAGUS", "L", date(2008, 1, 5), "3", serial=3)]
    return house, people


def data_key(path: Path | str) -> bytes | None:
    """The data key of the village file ``path`` (None: a plain file): the one this
    process holds, else opened with the demo administrator's password."""
    from puskesos.db.engine import is_encrypted
    from puskesos.db.keys import KEYRING, KeyFile
    if not is_encrypted(path):
        return None
    key = KEYRING.get(path)
    if key is None:
        keys = KeyFile.beside(path)
        # a copy of a file opened here (a backup's inside, with its key file beside)
        key = KEYRING.find(keys.key_id) or keys.unlock(
            CLI_LOGIN["PUSKESOS_USER"], CLI_LOGIN["PUSKESOS_PASSWORD"]).data_key
        KEYRING.remember(path, key)
    return key


def connect(path: Path | str, **kwargs):
    """A raw SQLite connection to a village file, as someone holding its key would
    have it (SQL behind the program's back; keyed when the file is encrypted)."""
    from puskesos.db.engine import sqlite_driver
    key = data_key(path)
    con = sqlite_driver().connect(str(path), **kwargs)
    if key is not None:
        con.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return con


def key_env(path: Path | str) -> dict:
    """The environment that lets a script of a test (:data:`CONNECT_SCRIPT`) open ``path``."""
    key = data_key(path)
    return {"PUSKESOS_TEST_KEY": key.hex() if key else ""}


#: the start of a test's script that opens ``sys.argv[1]`` as :func:`connect` does
#: (its key from ``PUSKESOS_TEST_KEY``, see :func:`key_env`)
CONNECT_SCRIPT = """import os, sys, time
from sqlcipher3 import dbapi2 as sqlite3
con = sqlite3.connect(sys.argv[1], isolation_level=None)
if os.environ.get("PUSKESOS_TEST_KEY"):
    con.execute("PRAGMA key = \\"x'" + os.environ["PUSKESOS_TEST_KEY"] + "'\\"")
"""


def unzip_database(backup: Path | str, dest: Path | str) -> bytes:
    """Take the database out of a backup file into ``dest`` with its key file beside
    it (as a restore does); the database's bytes."""
    import zipfile
    with zipfile.ZipFile(backup) as zf:
        data = zf.read("puskesos.sqlite")
        if "puskesos.sqlite.keys" in zf.namelist():
            Path(f"{dest}.keys").write_bytes(zf.read("puskesos.sqlite.keys"))
    Path(dest).write_bytes(data)
    return data


def copy_village(source: Path | str, dest: Path | str) -> Path:
    """Copy a village file with its key file (an encrypted file opens with neither
    alone); this process may open the copy with the key it holds for the source."""
    from puskesos.db.keys import KEYRING, KeyFile
    shutil.copy(source, dest)
    if KeyFile.beside(source).exists():
        shutil.copy(KeyFile.beside(source).path, KeyFile.beside(dest).path)
        key = KEYRING.get(source)
        if key is not None:
            KEYRING.remember(dest, key)
    return Path(dest)


def damage_index(path: Path) -> None:
    """Make a SQLite file fail its integrity check: the member NIK index is
    redefined over another column, so its entries no longer match the table."""
    con = connect(path)
    con.execute("PRAGMA writable_schema = ON")
    con.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX ix_member_nik ON member (name)' "
                "WHERE name = 'ix_member_nik'")
    con.commit()
    con.close()


def control_pictures_to_controls(path: Path) -> Path:
    """Rewrite an .xlsx written by openpyxl (which refuses control characters) so
    that each control picture U+2400-U+241F in its text becomes the control
    character itself, as Excel stores it (``_x0007_``): a file as a hostile or
    damaged source would give it to the import."""
    import zipfile
    data = {}
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        for info in infos:
            raw = zf.read(info.filename)
            if info.filename.startswith("xl/") and info.filename.endswith(".xml"):
                text = raw.decode("utf-8")
                for code in range(0x20):
                    text = text.replace(chr(0x2400 + code), f"_x{code:04X}_")
                raw = text.encode("utf-8")
            data[info.filename] = raw
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            zf.writestr(info.filename, data[info.filename])
    return path


# --- the command line as a real process -------------------------------------------------

#: who the command line logs in as once it asks (the demo village's administrator);
#: harmless before then
CLI_LOGIN = {"PUSKESOS_USER": "admin", "PUSKESOS_PASSWORD": "demo123"}


def cli_env(env: dict | None = None) -> dict:
    """The environment of a ``python -m puskesos`` process: Indonesian, logged in as
    the administrator unless ``env`` names someone else."""
    import os
    return {**os.environ, "PUSKESOS_LANG": "id", **CLI_LOGIN, **(env or {})}


def cli_command(*args: str) -> list[str]:
    import sys
    return [sys.executable, "-m", "puskesos", *map(str, args)]


def start_cli(*args: str, env: dict | None = None, **popen):
    """``python -m puskesos ARGS`` started (not waited for): a ``subprocess.Popen``."""
    import subprocess
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(cli_command(*args), env=cli_env(env), text=True, **popen)


def run_cli(*args: str, env: dict | None = None, timeout: float = 120):
    """``python -m puskesos ARGS`` run to its end: a ``subprocess.CompletedProcess``."""
    import subprocess
    return subprocess.run(cli_command(*args), env=cli_env(env), capture_output=True,
                          text=True, timeout=timeout)


#: runs a command and prints its own peak memory (KiB) and exit status; started as a
#: small fresh interpreter, because on Linux a child forked from a large process (the
#: test run) reports that process's memory as its own peak
_MEASURE = """import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:])
_pid, status, usage = os.wait4(proc.pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
"""


def run_cli_measured(*args: str, env: dict | None = None, timeout: float = 120):
    """Like :func:`run_cli`, with the process's wall time and its own peak memory:
    (completed process, seconds, peak resident MB)."""
    import subprocess
    import sys
    import time
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURE, *cli_command(*args)],
                          env=cli_env(env), capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - start
    lines = done.stderr.rstrip("\n").split("\n")
    peak_kib, status = lines[-1].split()
    done = subprocess.CompletedProcess(done.args[3:], int(status), done.stdout,
                                       "".join(line + "\n" for line in lines[:-1]))
    return done, seconds, int(peak_kib) / 1024


class ChangeElsewhere:
    """Another computer changes a row of the database and keeps its transaction open
    until :meth:`commit`: ``sql`` (one UPDATE, ``:name`` parameters) runs at once on
    ``db_target`` (a SQLite path or a PostgreSQL URL).  :meth:`wait_for_waiter` returns
    once this computer is waiting for it (PostgreSQL: a lock wait is seen; SQLite,
    whose writers queue on the whole file: after a moment)."""

    def __init__(self, db_target: str, sql: str, params: dict):
        import time
        self._pg = db_target.startswith("postgresql")
        self._started = time.monotonic()
        if self._pg:
            from sqlalchemy import create_engine, text
            self._engine = create_engine(
                db_target.replace("postgresql://", "postgresql+psycopg://", 1))
            self._con = self._engine.connect()
            self._con.execute(text(sql), params)
        else:
            self._con = connect(db_target, isolation_level=None)   # keyed: encrypted file
            self._con.execute("BEGIN IMMEDIATE")
            self._con.execute(sql, params)

    def _someone_waits(self) -> bool:
        import time
        if not self._pg:
            return time.monotonic() - self._started > 0.3
        from sqlalchemy import text
        return self._con.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar() > 0

    def wait_for_waiter(self, timeout: float = 10) -> None:
        import time
        deadline = time.monotonic() + timeout
        while not self._someone_waits() and time.monotonic() < deadline:
            time.sleep(0.02)

    def commit(self) -> None:
        if self._pg:
            self._con.commit()
            self._con.close()
            self._engine.dispose()
        else:
            self._con.execute("COMMIT")
            self._con.close()


def at_the_same_moment(elsewhere: ChangeElsewhere, action) -> list:
    """Run ``action`` here while ``elsewhere`` holds its change; what it returned or
    raised (a one-item list)."""
    import threading
    outcome: list = []

    def run():
        try:
            outcome.append(action())
        except Exception as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    here = threading.Thread(target=run)
    here.start()
    elsewhere.wait_for_waiter()
    elsewhere.commit()
    here.join(10)
    return outcome


def cli_json(done):
    """The JSON a command printed, once it succeeded (its message otherwise)."""
    import json
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def nonzero(counts: dict) -> dict:
    """A bundle's record counts without the kinds it holds none of."""
    return {k: v for k, v in counts.items() if v}
