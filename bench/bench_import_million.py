"""Importing a 1,000,000-row DTSEN extract: peak memory at most 1 GB (issue 12).

Measured: the whole command ``puskesos import FILE --report R`` on a new
village, its peak memory (the time is reported in the same row's text).  The
file is written as Excel writes one (bench/excel_like.py).  Takes minutes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.bench_import import make_extract, run_command
from bench.common import Result

ROWS = 1_000_000
MEMORY_MB = 1024


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        extract = make_extract(Path(tmp) / "dtsen-1m.xlsx", members=ROWS, seed=5)
        seconds, peak = run_command(extract, Path(tmp) / "village.sqlite",
                                    Path(tmp) / "report.xlsx")
    return [Result("import-1m-memory", f"peak memory of puskesos import on a {ROWS:,}-row "
                   f"xlsx ({seconds:.0f} s)", peak, "the issue's limit", MEMORY_MB,
                   budget=1.0, unit="MB")]
