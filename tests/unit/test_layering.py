"""The layering rule of DESIGN.md §2: only puskesos.ui (and app.py) may import Qt."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "puskesos"
QT_FREE = ("core", "models", "services", "printing", "db")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_layers_never_import_qt():
    offenders = [str(p.relative_to(PACKAGE)) for part in QT_FREE
                 for p in (PACKAGE / part).rglob("*.py")
                 if {"PySide6", "shiboken6"} & _imports(p)]
    assert offenders == []


def test_composition_root_and_cli_do_not_import_qt_at_top_level():
    for name in ("app.py", "cli.py", "__main__.py"):
        assert not {"PySide6", "shiboken6"} & _imports(PACKAGE / name), name


def test_core_imports_nothing_of_ours_but_i18n():
    for p in (PACKAGE / "core").rglob("*.py"):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                assert node.module in ("i18n",), f"{p.name} imports ..{node.module}"
