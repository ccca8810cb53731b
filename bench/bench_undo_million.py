"""Undoing a 1,000,000-row import: no longer than the import itself (issue 13
point 7; before, it ran 395 s and failed with "too many SQL variables").

As ``bench_undo`` at a million rows, once (it takes minutes).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.bench_import import make_extract
from bench.bench_undo import import_then_undo
from bench.common import Result

ROWS = 1_000_000


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        extract = make_extract(Path(tmp) / "dtsen-1m.xlsx", members=ROWS, seed=5)
        imported, undone = import_then_undo(extract, Path(tmp) / "village.sqlite", ROWS)
    return [Result("undo-1m", f"undo of a {ROWS:,}-row import into a new village", undone,
                   "that import itself (same file, same run)", imported, budget=1.0)]
