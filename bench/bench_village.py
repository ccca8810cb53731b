"""Creating and reading back a 20,000-household village.

Measured: ``puskesos demo`` work (generating the households, members and
programs, validating nothing but building valid identifiers, inserting them
with the audit trail) plus reading every household back through the
service's paged list and loading 500 household records in full.

Limit: the same rows (copied from the database just made, audit rows
included) inserted with plain ``sqlite3.executemany`` into an empty copy of
the schema in one transaction, and read back with one SELECT per table —
the least any program must spend to store and fetch this data.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from puskesos.db.engine import connect_file
from bench.common import Result

HOUSEHOLDS = 20_000
TABLES = ("region", "program", "household", "member", "participation", "officer",
          "app_user", "setting", "audit_event")


def _ours(path: Path) -> float:
    from puskesos.services import Actor, open_services
    from puskesos.services.demo import generate
    from puskesos.services.registry import HouseholdFilter
    actor = Actor.command_line()
    services = open_services(str(path), create=True)
    services.settings.init_village(actor=actor, village_code="35.23.01.2001")
    start = time.perf_counter()
    generate(services, actor=actor, households=HOUSEHOLDS, seed=11)
    seen, offset, ids = 0, 0, []
    while True:
        rows, total = services.households.search(actor=actor, filter=HouseholdFilter(),
                                                 limit=2000, offset=offset)
        if not rows:
            break
        seen += len(rows)
        ids.extend(r.id for r in rows[:25])
        offset += len(rows)
    for hid in ids[:500]:
        services.households.get(actor=actor, household_id=hid)
    elapsed = time.perf_counter() - start
    services.close()
    assert seen == HOUSEHOLDS, seen
    return elapsed


def _limit(source: Path, dest: Path) -> float:
    src = connect_file(source)        # the village file (encrypted), keyed
    schema = [r[0] for r in src.execute(
        "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL")]
    data = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
    src.close()
    con = sqlite3.connect(dest, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    for sql in schema:
        con.execute(sql)
    start = time.perf_counter()
    con.execute("BEGIN")
    for table, rows in data.items():
        if rows:
            marks = ",".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    con.execute("COMMIT")
    for table in ("household", "member", "participation"):
        con.execute(f"SELECT * FROM {table}").fetchall()
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        ours_db, limit_db = Path(tmp) / "ours.sqlite", Path(tmp) / "limit.sqlite"
        ours = _ours(ours_db)
        limit = _limit(ours_db, limit_db)
    return [Result("village-20k", f"create + read back {HOUSEHOLDS:,} households", ours,
                   "sqlite3 executemany + SELECT of the same rows", limit, budget=8.0)]
