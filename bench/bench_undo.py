"""Undoing an import: no longer than the import itself (issue 13 point 7).

Measured: ``undo_last_import`` of a 100,000-member DTSEN extract imported into a
new village (removing every household and member it made, putting back the
search text, in one transaction), in this process.

Limit (same run, same file): the import itself, in the command line's way
(``puskesos import``), into the same database just before.  Run twice, each
time into a new database; the best time of each counts.  ``bench_undo_million``
is the same at 1,000,000 rows.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.bench_import import make_extract
from bench.common import Result

MEMBERS = 100_000
ROUNDS = 2


def import_then_undo(extract: Path, db: Path, members: int) -> tuple[float, float]:
    """(seconds of the import, seconds of its undo) into a new village at ``db``."""
    from sqlalchemy import func, select

    from puskesos.models import Member
    from puskesos.services import Actor, open_services
    from puskesos.services.imports import run_import, undo_last_import
    from puskesos.threads import throughput_mode
    admin = Actor.command_line()
    services = open_services(str(db), create=True)
    try:
        services.settings.init_village(actor=admin, village_code="35.23.01.2001")
        with throughput_mode():
            start = time.perf_counter()
            report = run_import(services, actor=admin, path=extract)
            imported = time.perf_counter() - start
            assert report.created == members and report.rejected == 0, report.summary()
            start = time.perf_counter()
            undo_last_import(services, actor=admin)
            undone = time.perf_counter() - start
        with services.db.read() as s:
            assert s.scalar(select(func.count()).select_from(Member)) == 0
    finally:
        services.close()
    return imported, undone


def run() -> list[Result]:
    imports, undos = [], []
    with tempfile.TemporaryDirectory() as tmp:
        extract = make_extract(Path(tmp) / "dtsen.xlsx", members=MEMBERS)
        for round_ in range(ROUNDS):
            imported, undone = import_then_undo(extract, Path(tmp) / f"v{round_}.sqlite",
                                                MEMBERS)
            imports.append(imported)
            undos.append(undone)
    return [Result("undo-100k", f"undo of the {MEMBERS:,}-member import into a new village",
                   min(undos), "that import itself (same file, same run)", min(imports),
                   budget=1.0)]
