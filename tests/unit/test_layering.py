"""The house's layering rules (docs/architecture.md, "Who may import whom").

The import graph is read from the source with ``ast``: absolute and relative
imports, at module level and inside functions alike (a lazy import is still a
dependency).  Importing ``a.b.c`` counts as depending on the module ``a.b.c``
(or on the package ``a.b`` when ``c`` is a name defined in it).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path


PACKAGE = Path(__file__).resolve().parents[2] / "puskesos"
QT = ("PySide6", "shiboken6")

# the foundation every layer may use: messages, errors, paths, progress/cancel
BASE = {"puskesos", "puskesos.i18n", "puskesos.errors", "puskesos.paths", "puskesos.jobs",
        "puskesos.threads", "puskesos.logs", "puskesos.files"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _raw_imports(name: str, path: Path) -> set[str]:
    """Every dotted name ``path`` imports, relative imports made absolute."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # "from a import b": the module a.b when b is one, else (see _graph) a
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


@cache
def _graph() -> dict[str, frozenset[str]]:
    """Our modules → the modules of ours each imports; plus the foreign tops."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        deps = set()
        for imported in _raw_imports(name, path):
            if not imported.startswith("puskesos"):
                deps.add(imported.split(".")[0])
                continue
            while imported not in modules and "." in imported:
                imported = imported.rpartition(".")[0]
            if imported != name and imported != "puskesos":
                deps.add(imported)
        graph[name] = frozenset(deps)
    return graph


def _layer(module: str) -> str:
    if module in BASE:
        return "base"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "puskesos"


def _ours(deps) -> set[str]:
    return {d for d in deps if d.startswith("puskesos")}


ALLOWED = {
    "base": {"base"},
    "core": {"base", "core"},
    "formats": {"base", "core", "formats"},
    "models": {"base", "core", "models"},
    "db": {"base", "core", "models", "formats", "db"},
    "printing": {"base", "core", "formats", "printing"},
    "services": {"base", "core", "formats", "models", "db", "printing", "services"},
    "ui": {"base", "core", "formats", "services", "printing", "ui"},
    "cli": {"base", "core", "formats", "services", "printing", "db", "cli"},
}


def test_each_layer_imports_only_the_layers_below_it():
    offenders = []
    for module, deps in sorted(_graph().items()):
        layer = _layer(module)
        if layer not in ALLOWED:
            continue
        for dep in sorted(_ours(deps)):
            if _layer(dep) not in ALLOWED[layer]:
                offenders.append(f"{module} → {dep}")
    assert offenders == []


def test_nothing_imports_the_composition_root_or_the_command_line():
    # only the entry points may (app hands the command line the window)
    entry = {"puskesos.__main__", "puskesos.app"}
    offenders = [f"{m} → {d}" for m, deps in _graph().items()
                 if m not in entry and _layer(m) != "cli"
                 for d in _ours(deps) if d == "puskesos.app" or _layer(d) == "cli"]
    assert offenders == []


def test_only_the_window_imports_qt():
    offenders = [m for m, deps in _graph().items()
                 if _layer(m) != "ui" and set(QT) & deps]
    assert offenders == []


def _calls(path: Path) -> set[str]:
    """The dotted names ``path`` calls (``gc.disable``, ``sys.setswitchinterval``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name):
            found.add(f"{node.func.value.id}.{node.func.attr}")
    return found


def test_process_wide_switches_live_in_one_place_and_only_the_command_line_uses_them():
    """The collector and the switch interval are changed only by puskesos.threads, and
    its throughput mode only by the command line: the window never runs with them."""
    switches = {"gc.disable", "gc.freeze", "gc.set_threshold", "sys.setswitchinterval"}
    offenders = [f"{m}: {sorted(_calls(p) & switches)}" for m, p in _modules().items()
                 if m != "puskesos.threads" and _calls(p) & switches]
    users = sorted(m for m, p in _modules().items()
                   if "puskesos.threads.throughput_mode" in _raw_imports(m, p))
    assert offenders == [] and all(_layer(m) == "cli" for m in users) and users


def test_only_the_composition_root_builds_services():
    """A service is handed the services it uses (services/__init__.build_services);
    none constructs another on the spot."""
    services = ("AuditTrail", "LetterRegister") + tuple(
        n for n in ("AuthService", "BackupService", "DocumentService", "HouseholdService",
                    "OfficerService", "ProgramService", "SettingsService", "VervalService"))
    offenders = []
    for module, path in _modules().items():
        if module == "puskesos.services" or not module.startswith("puskesos.services"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in services:
                offenders.append(f"{module}: {node.func.id}()")
    assert offenders == []


def test_there_is_no_import_cycle():
    graph = {m: _ours(d) for m, d in _graph().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:           # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_no_module_is_over_600_lines():
    long = {m: n for m, p in _modules().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert long == {}


# -- the walker itself must see what it is meant to see --------------------------------

def test_the_walker_sees_relative_absolute_and_lazy_imports(tmp_path):
    source = ("from ..core import codes\nimport puskesos.db.engine\n"
              "def f():\n    from . import sibling\n    from PySide6 import QtCore\n")
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    found = _raw_imports("puskesos.services.mod", path)
    assert {"puskesos.core.codes", "puskesos.db.engine", "puskesos.services.sibling",
            "PySide6.QtCore"} <= found


def test_the_graph_knows_todays_real_arrows():
    graph = _graph()
    assert "puskesos.core.identifiers" in graph["puskesos.core.normalize"]
    assert "PySide6" in graph["puskesos.ui.main_window"]


def test_tests_are_sorted_by_what_they_need():
    """tests/unit (no database), tests/db (SQLite and PostgreSQL), tests/ui (the real
    window), tests/printing (PDFs read back): none waits at the top level."""
    top = Path(__file__).resolve().parents[1]
    assert sorted(p.name for p in top.glob("test_*.py")) == []
    assert {p.name for p in top.iterdir() if p.is_dir() and p.name != "__pycache__"} >= {
        "unit", "db", "ui", "printing"}
