"""The one xlsx writer (puskesos/formats/xlsx_write.py): text stays text, and no
other module can put a value into a cell without it."""

from __future__ import annotations

import ast
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from puskesos.formats.xlsx_write import MAX_CELL_TEXT, Book, Style, cell_text

PACKAGE = Path(__file__).resolve().parents[2] / "puskesos"
HELPER = PACKAGE / "formats" / "xlsx_write.py"
#: what a module other than the helper may take from openpyxl: the looks of a cell
ALLOWED = {"openpyxl.styles"}


def _openpyxl_imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.split(".")[0] == "openpyxl"]
        elif isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split(".")[0] == "openpyxl":
            names.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                node.value.startswith("openpyxl"):
            names.append(node.value)            # importlib.import_module("openpyxl…")
    return names


def test_only_the_helper_writes_cells():
    """Any other module gets a workbook and sheets from the helper and may only
    style them: it cannot import openpyxl's workbook or cells, nor reach into the
    helper's sheet."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == HELPER:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in _openpyxl_imports(tree):
            if name not in ALLOWED:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("_ws", "_wb"):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} uses .{node.attr}")
    assert offenders == []


def test_the_guard_sees_a_writer_that_goes_around_the_helper():
    sneaky = ("def f():\n    from openpyxl import Workbook\n    import openpyxl.cell\n"
              "    importlib.import_module('openpyxl.worksheet')\n")
    assert _openpyxl_imports(ast.parse(sneaky)) == ["openpyxl", "openpyxl.cell",
                                                   "openpyxl.worksheet"]


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "".join(zf.read(n).decode() for n in zf.namelist()
                       if n.startswith("xl/worksheets/sheet"))


@pytest.mark.parametrize("streamed", [True, False])
def test_text_that_looks_like_a_formula_is_text_and_keeps_its_words(tmp_path, streamed):
    values = ["=1+1", "+62 812", "-", "@x", " =1+1", "\t=2", "NAMA", 12, 1.5,
              date(2020, 1, 2), None]
    book = Book(streamed=streamed)
    sheet = book.sheet("A")
    if streamed:
        sheet.append(values)
        sheet.append(values, Style(number_format="@"))
    else:
        for column, value in enumerate(values, 1):
            sheet.put(1, column, value)
            sheet.put(2, column, value, Style(number_format="@"))
    book.save(tmp_path / "a.xlsx")
    assert "<f>" not in _sheet_xml(tmp_path / "a.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")["A"]
    for row in (1, 2):
        got = [ws.cell(row, c).value for c in range(1, len(values) + 1)]
        assert got[:9] == values[:9]
        assert got[10] is None
        if row == 1:        # (a date under the text format reads back as its serial)
            assert got[9].date() == values[9]
        # a spreadsheet keeps the risky ones text when the cell is edited
        assert [ws.cell(row, c).quotePrefix for c in range(1, 7)] == [True] * 6
        assert ws.cell(row, 7).quotePrefix is False


def test_what_a_cell_cannot_hold_is_shown_not_dropped():
    assert cell_text("SRI\x00WAH\x07YUNI\tA\nB") == "SRI\ufffdWAH\ufffdYUNI\tA\nB"
    long = "A" * (MAX_CELL_TEXT + 10)
    cut = cell_text(long)
    assert len(cut) == MAX_CELL_TEXT and cut.endswith("…")
    assert cell_text("A" * MAX_CELL_TEXT) == "A" * MAX_CELL_TEXT
