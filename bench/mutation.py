"""python -m bench mutation [MODULE ...]: mutation testing of the rules that guard data.

A mutant is a small, realistic bug planted in one function (``<`` for ``<=``, a
dropped ``not``, a constant off by one, a call removed, ``None`` returned).  The
suite should notice it: a test fails ("killed").  A mutant that every test
survives is either a gap in the tests or a change nobody could notice
("equivalent", listed in ``bench/mutation-equivalent.toml`` with one line why).

mutmut 3 does the work.  It copies the package to ``mutants/``, rewrites each
function of the configured files (``[tool.mutmut]`` in pyproject.toml) so that
one mutant at a time can be switched on, records once which tests run which
function, and then runs for each mutant only those tests, in a forked worker.
This runs it module by module (the whole suite per mutant is far too slow on
two cores) and writes ``bench/MUTATION.md``: per module the mutants, killed,
survived, equivalent and the score, and every survivor not yet explained.

    python -m bench mutation                 # every guarded module
    python -m bench mutation core.identifiers services.audit
    python -m bench mutation --report        # only rewrite MUTATION.md from the last runs
    python -m bench mutation --survivors core.validation   # rerun only its survivors
    python -m bench mutation --try core.bahasa x_terbilang__mutmut_8 -- tests/unit/test_x.py
                                             # does this test kill these mutants? (quick, by hand)

Not part of CI: a full run takes hours.  Translated message texts (``_("…")``)
are not mutated: their wording is checked against the catalogue by
tests/unit/test_i18n.py, and an "XX…XX" message is not a bug a user would meet.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
REPORT = ROOT / "bench" / "MUTATION.md"
EQUIVALENT = ROOT / "bench" / "mutation-equivalent.toml"
HISTORY = ROOT / "bench" / "mutation-history.tsv"
LOGS = MUTANTS / "logs"
SITE = ROOT / "bench" / "mutmut_site"



def _whole(path: str) -> list[tuple[str, list[str]]]:
    """Every function of a module, or of each module of a package."""
    where = ROOT / path
    files = sorted(where.glob("*.py")) if where.is_dir() else [where]
    return [(str(f.relative_to(ROOT)), [".".join(f.relative_to(ROOT).with_suffix("").parts)
                                         + ".*"])
            for f in files if f.name != "__init__.py"]


_IMPORTS = "puskesos.services.imports."
#: module key -> (what the report calls it, [(source file, globs of the mutant names
#: that belong to the module)])
MODULES: dict[str, tuple[str, list[tuple[str, list[str]]]]] = {
    **{f"core.{name}": (f"puskesos/core/{name}.py", _whole(f"puskesos/core/{name}.py"))
       for name in ("bahasa", "codes", "columns", "identifiers", "labels", "normalize",
                    "permissions", "referrals", "regions", "stickers", "validation",
                    "exchange")},
    **{f"services.{name}": (f"puskesos/services/{name}.py",
                            _whole(f"puskesos/services/{name}.py"))
       for name in ("audit", "letters", "backup")},
    "services.verval": ("puskesos/services/verval/", _whole("puskesos/services/verval")),
    "services.referrals": ("puskesos/services/referrals/",
                           _whole("puskesos/services/referrals")),
    "services.stickers": ("puskesos/services/stickers/", _whole("puskesos/services/stickers")),
    "services.exchange": ("puskesos/services/exchange/",
                          _whole("puskesos/services/exchange")),
    # the exchange bundle's file format (issue 16): every check a refusal depends on
    "formats.bundle": ("puskesos/formats/bundle.py + bundle_manifest.py",
                       _whole("puskesos/formats/bundle.py")
                       + _whole("puskesos/formats/bundle_manifest.py")),
    # the import's matching (who is new, who is updated, what is a conflict) and undo;
    # its reading and its bulk writing are checked by the round-trip tests instead
    "services.imports": ("puskesos/services/imports/ + changesets.py (matching, undo)", [
        ("puskesos/services/imports/matching.py", [_IMPORTS + "matching.*"]),
        ("puskesos/services/imports/families.py", [_IMPORTS + "families.*"]),
        ("puskesos/services/imports/registry.py", [
            _IMPORTS + "registry.xǁRegistryRowsǁprocess__*",
            _IMPORTS + "registry.xǁRegistryRowsǁtake_new__*"]),
        ("puskesos/services/imports/bnba.py", [_IMPORTS + "bnba.*"]),
        ("puskesos/services/imports/state.py", [_IMPORTS + "state.xǁImportStateǁconflict__*"]),
        ("puskesos/services/changesets.py", [
            "puskesos.services.changesets." + glob for glob in (
                "x_last_batch__*", "x_undo_last_import__*", "x__reverse__*")]),
    ]),
}
#: modules that had another key before the house was rebuilt (issue 11): their first
#: score is the old key's
RENAMED = {"services.imports": "services.excel_import"}
TARGET = 0.85
#: a module whose code has branches that only PostgreSQL takes (its dialect's SQL, row
#: locks, an order SQLite gives by chance): the mutmut run itself is SQLite only (its
#: stats pass skips the PostgreSQL tests), so after it each survivor is tried against
#: these tests' PostgreSQL cases, when PUSKESOS_TEST_PG names a server, and one they
#: fail is recorded as killed (the run's log names them): module -> [(glob of the
#: survivors' names, the tests)]
POSTGRES_TESTS = {
    "services.letters": [("*", ["tests/db/test_letters.py",
                                "tests/db/test_letter_register_rules.py"])],
    # the areas in order: PostgreSQL groups by hashing and sorts NULLs last
    "services.verval": [
        ("*ǁprogress__*", ["tests/db/test_verval_visit_rules.py::"
                           "test_progress_per_area_counts_households_and_visits"]),
        # the proposal's row lock against a decision taken at the same moment elsewhere
        ("*ǁdecide_proposal__*", ["tests/db/test_verval.py::test_a_proposal_rejected_on_"
                                  "another_computer_while_this_one_approves_stays_rejected"]),
    ],
}

#: mutmut's exit codes of a mutant's test run, as this report counts them
KILLED = {1, 3, 36, 37, 24, -24, 152, 255, -11, -9}   # a test failed, timed out or crashed
SURVIVED = {0, 5, 33}                                  # every test passed, or none ran it


def _run_mutmut(args: list[str]) -> int:
    """In a child process: mutmut's command line (adjusted by mutmut_site/sitecustomize)."""
    from mutmut.__main__ import cli
    sys.argv = ["mutmut", *args]
    try:
        cli()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _mirror(folder: str, skip_mutated: bool = False) -> None:
    """Copy the files of ROOT/folder that differ into mutants/folder."""
    for source in (ROOT / folder).rglob("*"):
        if "__pycache__" in source.parts or not source.is_file():
            continue
        target = MUTANTS / source.relative_to(ROOT)
        if skip_mutated and target.with_name(target.name + ".meta").exists():
            continue  # a mutated file: mutmut regenerates it when the source changes
        if not target.exists() or target.read_bytes() != source.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _sync_unmutated_sources() -> None:
    """mutmut copies the package once; keep the files it does not mutate current."""
    if MUTANTS.exists():
        _mirror("puskesos", skip_mutated=True)


def _survivor_names(key: str) -> list[str]:
    """The module's mutants that survived or were not run in the last run."""
    s = score_module(key, _equivalents())
    if s is None:
        return []
    not_run = [n for n, c in _exit_codes(key).items() if c is None]
    return [name for name, _ in s.survivors] + not_run


def _mutation_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PUSKESOS_TEST_PG", "PUSKESOS_REQUIRE_PG", "CI")}
    # every Python process of the run, the tests' own subprocesses included, loads
    # the adjustments in bench/mutmut_site/sitecustomize.py
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITE), env.get("PYTHONPATH")]))
    env["PUSKESOS_MUTATION_RUN"] = "1"
    # a mutated module holds each function many times over: compiled from source in
    # every command-line process a test starts, it costs seconds and half a gigabyte
    # (a memory-bounded test then fails with no mutant on); its bytecode is kept instead
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def try_mutants(names: list[str], tests: list[str], workers: int) -> int:
    """Run the given tests once per mutant, with that mutant switched on, in mutants/.

    A quick check while writing a test for a survivor; the score itself comes only
    from a mutmut run, whose own choice of tests decides."""
    from concurrent.futures import ThreadPoolExecutor
    _sync_unmutated_sources()
    # run the copies in mutants/, so that the package imported is the mutated one
    _mirror("tests")
    tests = [str(Path(t).resolve().relative_to(ROOT)) for t in tests]

    def one(name: str) -> tuple[str, int]:
        env = _mutation_env() | {"MUTANT_UNDER_TEST": name}
        code = subprocess.call(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly",
             "-p", "no:cacheprovider", *tests],
            cwd=MUTANTS, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return name, code

    killed = 0
    with ThreadPoolExecutor(workers) as pool:
        for name, code in pool.map(one, names):
            verdict = {0: "SURVIVED", 1: "killed"}.get(code, f"pytest exit {code}")
            killed += code == 1
            print(f"{verdict:9} {name}", flush=True)
    print(f"{killed} of {len(names)} killed")
    return 0 if killed == len(names) else 1


def _try_on_postgresql(key: str, log: Path) -> None:
    """Try the module's survivors against its PostgreSQL tests (see POSTGRES_TESTS)."""
    pg = os.environ.get("PUSKESOS_TEST_PG")
    score = score_module(key, _equivalents())
    names = [name for name, _line in score.survivors] if score else []   # run, survived
    if key not in POSTGRES_TESTS or not pg or not names:
        return
    _mirror("tests")
    killed = []
    with log.open("a") as out:
        out.write(f"\ntrying {len(names)} survivors on PostgreSQL\n")
        for name in names:
            tests = [t for glob, tests in POSTGRES_TESTS[key]
                     if fnmatch.fnmatchcase(name, glob) for t in tests]
            if not tests:
                continue
            env = _mutation_env() | {"MUTANT_UNDER_TEST": name, "PUSKESOS_TEST_PG": pg}
            code = subprocess.call(
                [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly",
                 "-p", "no:cacheprovider", "-m", "postgres", *tests],
                cwd=MUTANTS, env=env, stdout=out, stderr=subprocess.STDOUT)
            out.write(f"{'killed on PostgreSQL' if code == 1 else f'pytest exit {code}'}: "
                      f"{name}\n")
            if code == 1:
                killed.append(name)
    for source, _globs in MODULES[key][1]:
        meta = MUTANTS / (source + ".meta")
        data = json.loads(meta.read_text())
        hits = [n for n in killed if n in data["exit_code_by_key"]]
        if hits:
            data["exit_code_by_key"].update({n: 1 for n in hits})
            meta.write_text(json.dumps(data, indent=4))
    print(f"  {len(killed)} of {len(names)} survivors killed on PostgreSQL", flush=True)


def run_module(key: str, max_children: int, names: list[str] | None = None) -> int:
    source, parts = MODULES[key]
    globs = [g for _file, file_globs in parts for g in file_globs]
    LOGS.mkdir(parents=True, exist_ok=True)
    env = _mutation_env()
    log = LOGS / f"{key}.log"
    started = time.monotonic()
    print(f"mutating {source} ({key}) … log: {log.relative_to(ROOT)}", flush=True)
    with log.open("w") as out:
        code = subprocess.call(
            [sys.executable, "-m", "bench.mutation", "--mutmut", "run",
             "--max-children", str(max_children), *(names or globs)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    print(f"  done in {time.monotonic() - started:.0f} s (mutmut exit {code})", flush=True)
    if code == 0:
        _try_on_postgresql(key, log)
    return code


@dataclass
class ModuleScore:
    key: str
    source: str
    total: int = 0
    killed: int = 0
    equivalent: int = 0
    not_run: int = 0
    survivors: list[tuple[str, str]] = field(default_factory=list)  # (name, mutated line)
    stale: list[str] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        counted = self.total - self.equivalent - self.not_run
        return self.killed / counted if counted else None


def _mutated_line(name: str) -> str:
    """The first changed line of a mutant, as '-old ⇒ +new'."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    path = Path(*name.split(".")[:-1]).with_suffix(".py")  # the source file, as mutmut names it
    try:
        with _cwd(ROOT):
            diff = get_diff_for_mutant(name, path=path)
    except Exception as exc:  # the function changed since the run
        return f"(diff unavailable: {type(exc).__name__})"
    old = [l[1:].strip() for l in diff.splitlines() if l.startswith("-") and not l.startswith("---")]
    new = [l[1:].strip() for l in diff.splitlines() if l.startswith("+") and not l.startswith("+++")]
    return f"{' / '.join(old)[:150]} ⇒ {' / '.join(new)[:150]}"


class _cwd:
    def __init__(self, path: Path):
        self.path, self.old = path, None

    def __enter__(self):
        self.old = os.getcwd()
        os.chdir(self.path)

    def __exit__(self, *exc):
        os.chdir(self.old)


def _equivalents() -> dict[str, dict]:
    if not EQUIVALENT.exists():
        return {}
    return tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))


def _exit_codes(key: str) -> dict[str, int | None] | None:
    """The module's mutants and their exit codes in the last run (None: never run)."""
    _label, parts = MODULES[key]
    codes: dict[str, int | None] = {}
    found = False
    for source, globs in parts:
        meta = MUTANTS / (source + ".meta")
        if not meta.exists():
            continue
        found = True
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if any(fnmatch.fnmatchcase(name, g) for g in globs):
                codes[name] = code
    return codes if found else None


def score_module(key: str, equivalents: dict[str, dict]) -> ModuleScore | None:
    codes = _exit_codes(key)
    if codes is None:
        return None
    result = ModuleScore(key, MODULES[key][0])
    for name, code in sorted(codes.items(), key=lambda kv: _natural(kv[0])):
        result.total += 1
        if code in KILLED:
            result.killed += 1
            continue
        if code is None:
            result.not_run += 1
            continue
        line = _mutated_line(name)
        known = equivalents.get(name)
        if known is not None and known.get("mutated") == line:
            result.equivalent += 1
        else:
            if known is not None:
                result.stale.append(name)
            result.survivors.append((name, line))
    return result


def _natural(name: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "puskesos", "tests"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + ("+" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def _record_history(key: str) -> None:
    """One line per module run, so a later run shows whether the net got weaker."""
    s = score_module(key, _equivalents())
    if s is None or s.score is None:
        return
    new = not HISTORY.exists()
    with HISTORY.open("a", encoding="utf-8") as out:
        if new:
            out.write("date\tcommit\tmodule\tmutants\tkilled\tequivalent\tnot_run\tscore\n")
        out.write(f"{datetime.now():%Y-%m-%d %H:%M}\t{_commit()}\t{key}\t{s.total}\t"
                  f"{s.killed}\t{s.equivalent}\t{s.not_run}\t{s.score:.3f}\n")


def _history() -> dict[str, list[dict]]:
    if not HISTORY.exists():
        return {}
    lines = HISTORY.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    runs: dict[str, list[dict]] = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t")))
        runs.setdefault(row["module"], []).append(row)
    return runs


def _short(key: str, name: str) -> str:
    """A mutant's name as the report shows it: without the module of a one-file
    module, else from the capability on ("imports.registry.xǁ…")."""
    if len(MODULES[key][1]) == 1:
        return name.rsplit(".", 1)[-1]
    return name.removeprefix("puskesos.services.")


def _full(key: str, short: str) -> str:
    """The full mutant name of a name as :func:`_short` shows it."""
    if short.startswith("puskesos."):
        return short
    if len(MODULES[key][1]) == 1:
        return ".".join(Path(MODULES[key][1][0][0]).with_suffix("").parts) + "." + short
    return "puskesos.services." + short


def _previous_report() -> dict[str, tuple[list[str], list[str]]]:
    """The report as it is, per module key: the table row's cells from Mutants to
    Score, and the lines of its survivors, for a module with no results in this
    checkout (its last run was elsewhere, or another engineer's to repeat)."""
    if not REPORT.exists():
        return {}
    key_of = {f"`{source}`": key for key, (source, _parts) in MODULES.items()}
    rows: dict[str, list[str]] = {}
    survivors: dict[str, list[str]] = {}
    current = None
    for line in REPORT.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] in key_of:
                rows[key_of[cells[0]]] = cells[1:7]
        elif line.startswith("## Survivors in "):
            current = key_of.get(line.removeprefix("## Survivors in "))
        elif line.startswith("## "):
            current = None
        elif current is not None and line.startswith("- "):
            survivors.setdefault(current, []).append(line)
    return {key: (cells, survivors.get(key, [])) for key, cells in rows.items()}


def write_report(keys: list[str]) -> str:
    equivalents = _equivalents()
    # a module none of whose mutants ran here (mutmut lays out every module's mutants
    # when it runs one) has no results in this checkout
    scores = {k: s for k in keys if (s := score_module(k, equivalents)) is not None
              and s.not_run < s.total}
    if not scores:   # no run in this checkout: the report stays as it is
        return f"no mutation results in {MUTANTS}; {REPORT.name} left as it was"
    previous = _previous_report()
    lines = [
        "# Mutation testing",
        "",
        f"Written by `python -m bench mutation` on {datetime.now():%Y-%m-%d %H:%M} "
        "(mutmut 3, module by module, each mutant against the tests that run its function). "
        "Each row's last run, its date and the commit it ran on, is in the Last run column "
        "(`bench/mutation-history.tsv`; a commit marked + had uncommitted changes in "
        "puskesos/ or tests/). A module not run in this checkout keeps its row and "
        "survivors from the report before.",
        "",
        "Score = killed / (mutants − equivalent). Killed includes mutants whose tests timed "
        "out or crashed. Survived includes mutants that no test runs. Equivalent mutants "
        "change nothing a user or an auditor could notice; each is listed with the reason in "
        "`bench/mutation-equivalent.toml`, and an entry whose mutated line no longer matches "
        "counts as a survivor again. Translated message texts (`_(…)`) are not mutated. "
        "The run is on SQLite; the survivors of a module with PostgreSQL-only branches "
        f"({', '.join(POSTGRES_TESTS)}) are then tried against its PostgreSQL tests "
        "(`POSTGRES_TESTS`), and those they fail count as killed.",
        f"Target: {TARGET:.0%} on each module.",
        "",
        "First score: the module's first recorded run (`bench/mutation-history.tsv`).",
        "",
        "| Module | Mutants | Killed | Survived | Equivalent | Not run | Score | First score "
        "| Last run |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    history = _history()
    sections: list[str] = []
    for key in keys:
        s = scores.get(key)
        if s is None and key not in previous:
            continue
        runs = history.get(RENAMED.get(key, ""), []) + history.get(key, [])
        first = runs[0] if runs else {}
        first_text = (f"{float(first['score']):.1%} ({first['date'][:10]}, {first['commit']})"
                      if first else "–")
        last = runs[-1] if runs else {}
        last_text = f"{last['date']}, {last['commit']}" if last else "–"
        if s is None:
            cells, survivor_lines = previous[key]
        else:
            score = "–" if s.score is None else f"{s.score:.1%}"
            mark = "" if s.score is None or s.score >= TARGET else " ✗"
            if s.not_run:      # a run stopped before its end: the score of those run only
                mark += f" (of {s.total - s.not_run} run)"
            cells = [str(s.total), str(s.killed), str(len(s.survivors)), str(s.equivalent),
                     str(s.not_run), score + mark]
            survivor_lines = [
                f"- `{_short(s.key, name)}`"
                f"{' (its equivalence entry no longer matches)' if name in s.stale else ''}"
                f": `{line}`" for name, line in s.survivors]
        source = MODULES[key][0]
        lines.append(f"| `{source}` | {' | '.join(cells)} | {first_text} | {last_text} |")
        if survivor_lines:
            sections += ["", f"## Survivors in `{source}`", "", *survivor_lines]
    table_end = len(lines)
    lines += sections
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "\n".join(lines[:table_end])


def main(argv: list[str]) -> int:
    if argv[:1] == ["--mutmut"]:
        return _run_mutmut(argv[1:])
    try:
        import mutmut  # noqa: F401
    except ImportError:
        print("mutmut is not installed: .venv/bin/pip install -e '.[test,mutation]'")
        return 2
    if argv[:1] == ["--try"]:
        names, _, tests = " ".join(argv[1:]).partition(" -- ")
        if not names.split() or not tests.split():
            print("usage: python -m bench mutation --try MUTANT [MUTANT ...] -- TEST [TEST ...]")
            return 2
        names = names.split()
        if names[0] in MODULES:  # "core.bahasa x_terbilang__mutmut_8 …": names as MUTATION.md shows them
            key = names.pop(0)
            names = [_full(key, n) for n in names]
        return try_mutants(names, tests.split(), max(1, os.cpu_count() or 2))
    flags = {a for a in argv if a.startswith("-")}
    if flags - {"--report", "--survivors"}:
        print(__doc__)
        return 0 if flags & {"-h", "--help"} else 2
    report_only = "--report" in argv
    survivors_only = "--survivors" in argv
    keys = [a for a in argv if not a.startswith("--")] or list(MODULES)
    unknown = [k for k in keys if k not in MODULES]
    if unknown:
        print(f"unknown module(s) {', '.join(unknown)}; known: {', '.join(MODULES)}")
        return 2
    if not report_only:
        _sync_unmutated_sources()
        children = max(1, (os.cpu_count() or 2))
        for key in keys:
            names = _survivor_names(key) if survivors_only else None
            if survivors_only and not names:
                print(f"{key}: no survivors to rerun")
                continue
            if run_module(key, children, names) == 0:   # a failed run leaves no history row
                _record_history(key)
    print(write_report(list(MODULES)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
