"""python -m bench [NAME ...]: run the benchmarks and write bench/RESULTS.md.

NAME is a benchmark module without its "bench_" prefix (import, print, search, ...).

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
    if any(n.startswith("-") for n in names):
        print(__doc__)
        return 0 if set(names) <= {"-h", "--help"} else 2
    known = [info.name.removeprefix("bench_")
             for info in pkgutil.iter_modules([str(Path(__file__).parent)])
             if info.name.startswith("bench_")]
    unknown = [n for n in names if n not in known]
    if unknown:   # never an empty RESULTS.md for a mistyped name
        print(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    results = []
    for name in known:
        if names and name not in names:
            continue
        info_name = f"bench_{name}"
        module = importlib.import_module(f"bench.{info_name}")
        print(f"running {info_name} …", flush=True)
        results.extend(module.run())
    print(write_results(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
