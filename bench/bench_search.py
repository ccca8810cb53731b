"""Instant search on a 20,000-household village (issue: results in under 100 ms).

Measured: ``HouseholdService.search`` as the window calls it while typing
(first page of 500 rows plus the total count), for a few typical inputs:
part of a name, the end of a NIK, a full No KK, a dusun name, two words.
Each query is timed best-of-5; the slowest query counts.

Limits: the 100 ms the issue allows, and, for scale, a bare ``sqlite3``
LIKE scan of the same ``search_text`` column counting the same rows.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from puskesos.db.engine import connect_file
from bench.common import Result, best_of

HOUSEHOLDS = 20_000


def run() -> list[Result]:
    from puskesos.services import Actor, open_services
    from puskesos.services.demo import generate
    from puskesos.services.registry import HouseholdFilter
    actor = Actor("operator", "operator")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.sqlite"
        services = open_services(str(path), create=True)
        admin = Actor.command_line()
        services.settings.init_village(actor=admin, village_code="35.23.01.2001")
        generate(services, actor=admin, households=HOUSEHOLDS, seed=5)
        sample_rows, _ = services.households.search(actor=actor, limit=50, offset=9000)
        sample = next(r for r in sample_rows if r.no_kk and r.head_nik)
        queries = [sample.head_name.split()[0][:4].lower(), sample.head_nik[-6:],
                   sample.no_kk, "krajan", f"{sample.head_name.split()[0].lower()} rt"]
        worst, worst_raw = 0.0, 0.0
        con = connect_file(path)          # the same (encrypted) file, keyed
        for q in queries:
            worst = max(worst, best_of(lambda: services.households.search(
                actor=actor, filter=HouseholdFilter(text=q), limit=500), repeat=5))
            like = f"%{q.split()[0]}%"
            worst_raw = max(worst_raw, best_of(lambda: con.execute(
                "SELECT count(*) FROM household WHERE deleted_at IS NULL AND search_text LIKE ?",
                (like,)).fetchone(), repeat=5))
        con.close()
        services.close()
    return [
        Result("search-20k", "slowest of 5 typical searches, first page + count", worst,
               "100 ms (the issue's limit)", 0.100, budget=1.0),
        Result("search-20k-vs-scan", "same, against a bare LIKE scan", worst,
               "sqlite3 LIKE count over search_text", worst_raw, budget=20.0),
    ]
