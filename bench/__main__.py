"""python -m bench [NAME ...]: run the benchmarks and write bench/RESULTS.md.

python -m bench mutation [MODULE ...]: mutation testing, bench/MUTATION.md (see
bench/mutation.py); not a benchmark, so never part of a plain ``python -m bench``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from bench.common import write_results


def main(names: list[str]) -> int:
    if names[:1] == ["mutation"]:
        from bench import mutation
        return mutation.main(names[1:])
    results = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not info.name.startswith("bench_"):
            continue
        if names and info.name.removeprefix("bench_") not in names:
            continue
        module = importlib.import_module(f"bench.{info.name}")
        print(f"running {info.name} …", flush=True)
        results.extend(module.run())
    print(write_results(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
