"""Importing a 100,000-member DTSEN extract (issue: at most 2× the limit).

Measured: ``puskesos import`` work on a new village: streaming the xlsx,
normalising and checking every NIK, matching, writing households, members,
the undo record and the audit entry in one transaction; in the command line's
way and in the window's way (in this process), and as the user runs it: the
whole command ``puskesos import FILE --report R`` from process start to exit,
with its peak memory (at most 300 MB).  The file is written as Excel writes
one (shared strings table, date cells: bench/excel_like.py).

Limit (same run, same file): python-calamine reading every row of the sheet
plus ``sqlite3.executemany`` of those rows into a table with the same
columns, in one transaction — the least any importer must spend.

The seals of the new rows (puskesos/db/seals.py) are measured by the same
import without them (``import-100k-seals``, same run), and db check's
comparison of that village's rows with their seals by its time
(``db-check-100k``: seconds, not minutes).

Each is run three times, taking turns, each time into a new database, and
the best time of each counts (as in the other benchmarks: on a shared
machine noise only adds).
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.common import Result

MEMBERS = 100_000
HEADER = ["ID DTSEN", "NO KK", "NIK", "NAMA", "JK", "TGL LAHIR", "HUBUNGAN", "ALAMAT",
          "DUSUN", "RT", "RW", "DESIL"]


def make_extract(path: Path, members: int = MEMBERS, seed: int = 3) -> Path:
    """A DTSEN extract of ``members`` people as Excel saves it (shared strings table,
    dates as date cells; bench/excel_like.py), with a title above the header."""
    from bench.excel_like import write_excel_like
    from puskesos.core.identifiers import make_kk, make_nik
    rng = random.Random(seed)
    rows: list[list] = [["EKSTRAK DTSEN KABUPATEN TUBAN"], [], HEADER]
    used, used_kk, n, family = set(), set(), 0, 0
    while n < members:
        family += 1
        while True:
            kk = make_kk(kecamatan_code="35.23.01", recorded=date(2005, 1, 1) +
                         timedelta(days=rng.randint(0, 7000)), serial=rng.randint(1, 9999))
            if kk not in used_kk:
                used_kk.add(kk)
                break
        size = min(rng.randint(1, 6), members - n)
        desil = rng.randint(1, 10)          # a family's values are the same on its rows
        for k in range(size):
            sex = "L" if k != 1 else "P"
            born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 25000))
            while True:
                nik = make_nik(kecamatan_code="35.23.01", birth_date=born, sex=sex,
                               serial=rng.randint(1, 9999))
                if nik not in used:
                    used.add(nik)
                    break
            rows.append([f"D{family:07d}", kk, nik, f"WARGA {family} {k}", sex, born,
                         "KEPALA KELUARGA" if k == 0 else "ANAK", f"JL. DESA {family}",
                         "KRAJAN", (family % 9) + 1, (family % 4) + 1, desil])
            n += 1
    return write_excel_like(path, "DTSEN", rows)


def _limit(path: Path, db: Path) -> float:
    from python_calamine import CalamineWorkbook
    start = time.perf_counter()
    wb = CalamineWorkbook.from_path(str(path))
    rows = [tuple(str(c) for c in r) for r in wb.get_sheet_by_name("DTSEN").iter_rows()]
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute(f"CREATE TABLE t ({', '.join(f'c{i} TEXT' for i in range(len(HEADER)))})")
    con.execute("BEGIN")
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(HEADER))})",
                    [r[:len(HEADER)] for r in rows[3:]])
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - start


#: (sealed, CPU seconds of both threads) of each command-line import run in process
_CPU: list[tuple[bool, float]] = []


def _ours(path: Path, db: Path, *, window: bool = False, sealed: bool = True,
          plain: bool = False) -> float:
    """``puskesos import`` (in the command line's throughput mode), or with
    ``window`` the same import as the wizard runs it (no process-wide switch);
    ``sealed=False``: without writing the seals of the new rows (what they cost).
    A new village file is encrypted; with ``plain`` it is a plain SQLite file, as
    the versions before encryption made it (to compare)."""
    from puskesos.services import Actor, open_services
    from puskesos.services.imports import run_import
    from puskesos.services.imports.state import ImportState
    from puskesos.threads import throughput_mode
    admin = Actor.command_line()
    if plain:        # an existing plain file is opened as it is
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE made (x)")
        con.execute("DROP TABLE made")
        con.close()
    services = open_services(str(db), create=True)
    services.settings.init_village(actor=admin, village_code="35.23.01.2001")
    ImportState.SEALS = sealed
    try:
        start, cpu = time.perf_counter(), time.process_time()
        if window:
            report = run_import(services, actor=admin, path=path)
        else:
            with throughput_mode():
                report = run_import(services, actor=admin, path=path)
        elapsed = time.perf_counter() - start
        if not window:
            _CPU.append((sealed, time.process_time() - cpu))
    finally:
        ImportState.SEALS = True
        services.close()
    assert report.created == MEMBERS and report.rejected == 0, report.summary()
    return elapsed


ROUNDS = 3
MEMORY_MB = 300          # the limit for the 100,000-member import
#: db check's comparison of every row with its seal: seconds, not minutes
CHECK_SECONDS = 10.0


def _check(db: Path) -> float:
    """The seal comparison of ``db check`` over the village at ``db`` (every household
    and member read and its seal computed again)."""
    from puskesos.services import Actor, open_services
    from puskesos.services.seal_check import check_database
    services = open_services(str(db))
    try:
        start = time.perf_counter()
        found = check_database(services.db, actor=Actor.command_line())
        elapsed = time.perf_counter() - start
    finally:
        services.close()
    assert found.ok and found.checked > MEMBERS, found
    return elapsed


#: starts a command and reports (seconds, its peak memory in KiB, exit status); run in a
#: small fresh interpreter, because a child forked from a large process would count
#: that process's memory as its own peak
_LAUNCH = """import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
error = proc.stderr.read()
_pid, status, usage = os.wait4(proc.pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, status)
sys.stderr.write(error.decode(errors="replace"))
"""


def run_command(path: Path, db: Path, report: Path) -> tuple[float, float]:
    """``puskesos import PATH --report REPORT`` into a new village at ``db``, as a
    user runs it: (seconds from process start to exit, peak memory in MB)."""
    import os
    import subprocess
    import sys
    # init gives the administrator this password; the import logs in with it
    env = {**os.environ, "PUSKESOS_PASSWORD": "bench-sandi-1", "PUSKESOS_USER": "admin"}
    subprocess.run([sys.executable, "-m", "puskesos", "--db", str(db), "init", "--village",
                    "35.23.01.2001"], env=env, check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", _LAUNCH, sys.executable, "-m", "puskesos",
                          "--db", str(db), "import", str(path), "--report", str(report)],
                         env=env, capture_output=True, text=True, check=True)
    seconds, peak_kib, status = out.stdout.split()
    if status != "0":
        raise RuntimeError(f"puskesos import failed: {out.stderr}")
    return float(seconds), int(peak_kib) / 1024       # Linux gives KiB


def run() -> list[Result]:
    import puskesos.ui.main_window  # noqa: F401 - imported when the window freezes
    from puskesos.threads import freeze_startup_objects
    from puskesos.ui.launch import JOB_MODULES
    limits, times, window, commands, memory, plain = [], [], [], [], [], []
    unsealed, checks = [], []
    with tempfile.TemporaryDirectory() as tmp:
        extract = make_extract(Path(tmp) / "dtsen.xlsx")
        freeze_startup_objects(JOB_MODULES)        # as the window does once it is up
        for round_ in range(ROUNDS):
            limits.append(_limit(extract, Path(tmp) / f"limit{round_}.sqlite"))
            # taking turns which goes first: the one right after the limit's large
            # write shares the disk with its flush
            for sealed in ((True, False) if round_ % 2 == 0 else (False, True)):
                (times if sealed else unsealed).append(
                    _ours(extract, Path(tmp) / f"{'ours' if sealed else 'unsealed'}"
                          f"{round_}.sqlite", sealed=sealed))
            checks.append(_check(Path(tmp) / f"ours{round_}.sqlite"))
            plain.append(_ours(extract, Path(tmp) / f"plain{round_}.sqlite", plain=True))
            window.append(_ours(extract, Path(tmp) / f"window{round_}.sqlite", window=True))
            seconds, peak = run_command(extract, Path(tmp) / f"command{round_}.sqlite",
                                        Path(tmp) / f"report{round_}.xlsx")
            commands.append(seconds)
            memory.append(peak)
    limit = min(limits)
    what = "calamine parse + sqlite3 executemany of the same rows"
    return [Result("import-100k", f"import {MEMBERS:,}-member xlsx into a new village "
                   "(command line)", min(times), what, limit, budget=2.0),
            Result("import-100k-plain", "the same import into a plain (unencrypted) file, "
                   "as before SQLCipher", min(plain), what, limit, budget=2.0),
            Result("import-100k-window", "the same import as the window's wizard runs it "
                   "(no process-wide switches)", min(window), what, limit, budget=2.0),
            Result("import-100k-command", "puskesos import FILE --report R, process start to "
                   "exit", min(commands), what, limit, budget=2.0),
            Result("import-100k-memory", "peak memory of that command", min(memory),
                   "the issue's limit", MEMORY_MB, budget=1.0, unit="MB"),
            Result("import-100k-seals", "the command line's import (import-100k), which "
                   "writes the seals of its new rows", min(times), "the same import without "
                   "them (same run, turns taken)", min(unsealed), budget=1.1),
            Result("import-100k-seals-cpu", "CPU time of that import (both threads), a "
                   "measure a busy machine disturbs less", min(c for s_, c in _CPU if s_),
                   "the same without the seals", min(c for s_, c in _CPU if not s_),
                   budget=1.1),
            Result("db-check-100k", "db check's comparison of every household and member "
                   "of that village with its seal", min(checks), "seconds, not minutes",
                   CHECK_SECONDS, budget=1.0)]
