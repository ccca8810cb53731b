"""Timing, the machine line and the results file."""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class Result:
    name: str
    what: str
    seconds: float
    limit_name: str
    limit_seconds: float
    budget: float  # the largest acceptable ratio
    unit: str = "s"  # what seconds and limit_seconds measure ("s", or "MB" of memory)

    @property
    def ratio(self) -> float:
        return self.seconds / self.limit_seconds if self.limit_seconds else float("inf")

    @property
    def ok(self) -> bool:
        return self.ratio <= self.budget


def best_of(fn, repeat: int = 3) -> float:
    """Best wall time of ``repeat`` runs (noise on a shared machine only adds)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines()
                      if l.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{mem}, "
            f"Python {platform.python_version()}")


def _row(r: Result) -> str:
    digits = 3 if r.unit == "s" else 0
    return (f"| {r.name} | {r.what} | {r.seconds:.{digits}f} {r.unit} | "
            f"{r.limit_name} | {r.limit_seconds:.{digits}f} {r.unit} | {r.ratio:.2f} | "
            f"{r.budget:.1f} | {'yes' if r.ok else 'NO'} |")


def write_results(results: list[Result]) -> str:
    """Write ``results`` into RESULTS.md: their rows replaced (or added), the rows of
    benchmarks not run this time and the notes under the table kept as they were."""
    header = ["# Benchmark results", "",
              f"Last run {datetime.now():%Y-%m-%d %H:%M} on: {machine_line()} (the rows "
              "of benchmarks not run then keep their figures; the notes below say when "
              "each was run)", "",
              "Each benchmark is timed against a limit measured in the same run on the "
              "same machine; the ratio is what counts, not the seconds.", "",
              "| benchmark | what | measured | limit (same run) | limit | ratio | budget | ok |",
              "|---|---|---:|---|---:|---:|---:|---|"]
    old = RESULTS.read_text(encoding="utf-8").splitlines() if RESULTS.exists() else []
    rows = [line for line in old if line.startswith("| ") and not line.startswith(
        "| benchmark |")]
    table_end = max((i for i, line in enumerate(old) if line.startswith("|")), default=-1)
    notes = old[table_end + 1:] if table_end >= 0 else []
    fresh = {r.name: _row(r) for r in results}
    merged = [fresh.pop(line.split("|")[1].strip(), line) for line in rows]
    merged += list(fresh.values())
    text = "\n".join(header + merged + notes) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    return text
