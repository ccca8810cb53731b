"""A large .xlsx sheet read in parts parsed ahead on a thread gives the rows one
parse of the whole sheet gives (real files written here, parts made small)."""

import re
import threading
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from puskesos.formats import SpreadsheetError, detect_header, open_sheet, xlsx_parts
from puskesos.formats.xlsx_xml import sheet_member


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of a few kilobytes, so a file of a few thousand rows is cut in many."""
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", 24_000)
    monkeypatch.setattr(xlsx_parts, "FIRST_PART_BYTES", 6_000)
    monkeypatch.setattr(xlsx_parts, "WHOLE_SHEET_BYTES", 0)


def _write(path: Path, *, start_column: int = 0, rows: int = 3000) -> Path:
    """A sheet with title rows, a two-row header with merged cells, rows of every
    cell type, empty rows (single ones and a run of 60), a total row and a few
    rows with an extra column at the right."""
    wb = Workbook()
    ws = wb.active
    ws.title = "DATA"
    pad = [None] * start_column
    ws.append(pad + ["DAFTAR KELUARGA DTSEN"])
    ws.append([])
    ws.append(pad + ["IDENTITAS", None, None, "LAHIR", None, "LAIN"])
    ws.append(pad + ["NIK", "NAMA", "NO KK", "TGL LAHIR", "JK", "DESIL"])
    first = start_column + 1
    ws.merge_cells(start_row=3, start_column=first, end_row=3, end_column=first + 2)
    ws.merge_cells(start_row=3, start_column=first + 3, end_row=3, end_column=first + 4)
    for i in range(rows):
        if i % 211 == 0 or 1500 <= i < 1560:
            ws.append([])
            continue
        born = date(1950 + i % 60, i % 12 + 1, i % 28 + 1)
        row = pad + [f"3523{i:012d}", f"WARGA {i} Ñ" if i % 7 == 0 else f"WARGA {i}",
                     3523010000000000 + i if i % 3 else f"'3523010{i:09d}",
                     born if i % 4 else (datetime(2001, 2, 3, 4, 5) if i % 8 else born.strftime(
                         "%d-%m-%Y")),
                     "L" if i % 2 else 2, None if i % 5 == 0 else (i % 10) + 0.0 if i % 9 == 0
                     else i % 10 + 1]
        if i % 97 == 0:
            row.append("catatan")
        if i % 131 == 0:
            row.append(True)
        ws.append(row)
    ws.append(pad + ["JUMLAH", rows])
    wb.save(path)
    return path


def _whole(path: Path, sheet: str = "DATA") -> list[list]:
    """The rows of one parse of the whole sheet, from column A."""
    book = CalamineWorkbook.from_path(str(path))
    try:
        loaded = book.get_sheet_by_name(sheet)
        lead = [""] * (loaded.start[1] if loaded.start else 0)
        return [lead + row for row in loaded.iter_rows()]
    finally:
        book.close()


def _trimmed(rows):
    """Rows without their trailing empty cells (a later part narrower than the first
    is padded: the only way split rows may differ, see xlsx_parts)."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    return out


def _split_rows(path: Path, sheet: str = "DATA"):
    with open_sheet(path, sheet) as reader:
        loaded = reader._sheet
        assert loaded is not None
        return loaded, list(loaded.reread())


def _parts_of(path: Path, sheet: str = "DATA"):
    with zipfile.ZipFile(path) as z:
        part = sheet_member(z, sheet)
    return xlsx_parts.split_sheet(path, sheet, part)


def _parts_threads():
    return [t for t in threading.enumerate() if t.name == "puskesos-sheet-parts"]


def test_rows_read_in_parts_are_the_rows_of_the_whole_sheet(tmp_path, small_parts):
    path = _write(tmp_path / "big.xlsx")
    parts = _parts_of(path)
    assert parts is not None and parts.parts >= 10
    loaded, rows = _split_rows(path)
    whole = _whole(path)
    assert _trimmed(rows) == _trimmed(whole)
    assert len(rows) == len(whole)
    assert loaded.height == len(whole)
    assert loaded.col_offset == 0
    # the header (two rows, merged cells) is found as on the whole sheet
    header = detect_header(path)
    assert header.row == 3 and header.mapping == {0: "nik", 1: "name", 2: "no_kk",
                                                  3: "birth_date", 4: "sex", 5: "desil"}
    assert not _parts_threads()


def test_data_right_of_column_a_keeps_its_columns(tmp_path, small_parts):
    path = _write(tmp_path / "b.xlsx", start_column=2, rows=1500)
    assert _parts_of(path) is not None
    loaded, rows = _split_rows(path)
    assert loaded.col_offset == 0 and rows[3][:3] == ["", "", "NIK"]
    assert _trimmed(rows) == _trimmed(_whole(path))
    header = detect_header(path)
    assert header.mapping[2] == "nik" and header.mapping[7] == "desil"


def test_shared_strings_files_are_read_the_same(tmp_path, small_parts, monkeypatch):
    """Excel keeps texts in a shared strings table; every part carries it (here a
    table larger than the parts: a real file's parts are larger than its table)."""
    monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_SHARE", 0)
    path = _shared_strings(_write(tmp_path / "s.xlsx", rows=2500))
    with zipfile.ZipFile(path) as z:
        assert "xl/sharedStrings.xml" in z.namelist()
    assert _parts_of(path) is not None
    _loaded, rows = _split_rows(path)
    assert _trimmed(rows) == _trimmed(_whole(path))


@pytest.mark.parametrize("table", ["entries used", "renumbered", "whole"])
def test_each_part_gets_the_shared_strings_it_uses(tmp_path, small_parts, monkeypatch, table):
    """A part's table holds the file's entries at the indexes its cells use (empty
    ones between), or only those entries with the cells' indexes changed (forced
    here), or, when the table cannot be read with certainty (an entry tag with an
    attribute), the whole table: the rows are those of one parse either way."""
    from puskesos.formats import xlsx_strings
    if table == "renumbered":
        monkeypatch.setattr(xlsx_strings, "MOST_EMPTY", -1)
        monkeypatch.setattr(xlsx_strings, "EMPTY_SHARE", -1)
    path = _shared_strings(_write(tmp_path / "t.xlsx", rows=2500))
    if table == "whole":
        monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_SHARE", 0)   # parts smaller than it
        path = _rewrite_member(path, "xl/sharedStrings.xml",
                               lambda xml: xml.replace(b"<si>", b'<si x="1">', 1))
    parts = _parts_of(path)
    assert parts is not None and (parts._strings is None) == (table == "whole")
    used = []
    for_rows = xlsx_strings.SharedStrings.for_rows
    monkeypatch.setattr(xlsx_strings.SharedStrings, "for_rows", lambda self, rows, prefix: (
        used.append(len(rows)) or for_rows(self, rows, prefix)))
    _loaded, rows = _split_rows(path)
    assert _trimmed(rows) == _trimmed(_whole(path))
    assert bool(used) == (table != "whole")
    if table == "renumbered":
        renumbered = [for_rows(parts._strings, rows, parts._prefix) for rows in _part_xml(parts)]
        assert all(b"<si/>" not in table for table, _rows in renumbered)


def test_a_sheet_whose_rows_carry_no_numbers_is_read_whole(tmp_path, small_parts):
    path = _rewrite_sheet(_write(tmp_path / "n.xlsx", rows=1500),
                          lambda xml: re.sub(rb'(<row\b[^>]*?) r="[0-9]+"', rb"\1", xml))
    assert _parts_of(path) is None
    with open_sheet(path, "DATA") as reader:
        rows = list(reader._sheet.reread())
    assert _trimmed(rows) == _trimmed(_whole(path))


def test_under_an_untested_calamine_release_a_sheet_is_read_whole(tmp_path, small_parts,
                                                                  monkeypatch):
    """The parts rely on how python-calamine reads a sheet: under a release they were
    not tested with, the sheet is parsed whole, and the rows are the same."""
    path = _write(tmp_path / "u.xlsx", rows=1500)
    assert _parts_of(path) is not None
    monkeypatch.setattr(xlsx_parts, "TESTED_CALAMINE", ((0, 1), (0, 2)))
    assert _parts_of(path) is None
    with open_sheet(path, "DATA") as reader:
        rows = list(reader._sheet.reread())
    assert _trimmed(rows) == _trimmed(_whole(path))


def test_the_installed_calamine_is_in_the_tested_range_the_project_pins():
    """pyproject.toml pins python-calamine to the releases the parts were tested with."""
    import tomllib
    from importlib import metadata

    from packaging.specifiers import SpecifierSet
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pin = next(d for d in pyproject["project"]["dependencies"] if d.startswith("python-calamine"))
    low, high = xlsx_parts.TESTED_CALAMINE
    spec = SpecifierSet(pin.removeprefix("python-calamine"))
    assert spec == SpecifierSet(f">={'.'.join(map(str, low))},<{'.'.join(map(str, high))}")
    assert metadata.version("python-calamine") in spec and xlsx_parts._calamine_tested()


def test_a_small_sheet_is_read_whole(tmp_path):
    path = _write(tmp_path / "small.xlsx", rows=200)
    assert _parts_of(path) is None


def test_a_damaged_later_part_says_the_file_is_damaged(tmp_path, small_parts):
    """The first part parses, a later one does not: reading stops with the message
    for a damaged file and the helper thread ends."""
    def damage(xml: bytes) -> bytes:
        at = xml.rfind(b"</c>", 0, xml.rfind(b"</sheetData>"))
        return xml[:at] + b"</x>" + xml[at + 4:]
    path = _rewrite_sheet(_write(tmp_path / "d.xlsx"), damage)
    assert _parts_of(path) is not None
    with open_sheet(path, "DATA") as reader:
        with pytest.raises(SpreadsheetError) as raised:
            list(reader._sheet.reread())
    assert "rusak" in str(raised.value) or "damaged" in str(raised.value)
    assert not _parts_threads()


def test_stopping_early_ends_the_helper_thread(tmp_path, small_parts):
    path = _write(tmp_path / "e.xlsx")
    with open_sheet(path, "DATA") as reader:
        rows = reader._sheet.reread()
        for _i, _row in zip(range(1200), rows):
            pass
        assert _parts_threads()
        rows.close()
    assert not _parts_threads()


def test_the_public_row_reader_gives_every_row_of_a_sheet_read_in_parts(tmp_path,
                                                                        small_parts):
    from puskesos.formats import iter_rows
    path = _write(tmp_path / "i.xlsx")
    header = detect_header(path)
    rows = list(iter_rows(path, header))
    whole = [r for r in _whole(path)[header.row + 1:] if any(r)]
    assert len(rows) == len(whole) - 1            # the total row is skipped
    assert rows[-1].values["nik"] == whole[-2][0]
    assert not _parts_threads()


def test_cells_left_of_the_first_parts_columns_are_kept(tmp_path, small_parts):
    """The top of the sheet starts in column C; further down a row has a note in
    column A: read in parts, it is where one parse of the whole sheet puts it."""
    path = tmp_path / "left.xlsx"
    _write(path, start_column=2, rows=2000)
    import openpyxl
    wb = openpyxl.load_workbook(path)
    ws = wb["DATA"]
    ws.cell(row=1800, column=1, value="CATATAN KIRI")
    ws.cell(row=1801, column=1, value="JUMLAH")
    wb.save(path)
    assert _parts_of(path) is not None
    loaded, rows = _split_rows(path)
    assert _trimmed(rows) == _trimmed(_whole(path))
    assert rows[1799][0] == "CATATAN KIRI"


def test_a_damaged_picture_in_the_file_does_not_stop_reading(tmp_path, small_parts):
    """Parts carry only what the cells need: a broken member elsewhere in the zip
    (here a thumbnail whose compressed data is damaged) is never read."""
    source = _write(tmp_path / "p.xlsx", rows=1500)
    path = tmp_path / "picture.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("docProps/thumbnail.jpeg", bytes(range(256)) * 400)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("docProps/thumbnail.jpeg")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 64] = b"\xff" * 64           # the deflate stream no longer decodes
    path.write_bytes(bytes(data))
    assert _parts_of(path) is not None
    _loaded, rows = _split_rows(path)
    assert _trimmed(rows) == _trimmed(_whole(path))


# --- building odd files -----------------------------------------------------------------------

def _rewrite_sheet(path: Path, change) -> Path:
    out = path.with_name("x-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            dst.writestr(info.filename, data)
    return out


def _part_xml(parts):
    """The rows XML of each later part of ``parts``."""
    with zipfile.ZipFile(parts._path) as z, z.open(parts._sheet_part) as stream:
        xlsx_parts._skip(stream, parts._first_end)
        cutter = xlsx_parts._RowCutter(stream, parts._prefix)
        while (rows := cutter.next(parts._part_bytes)) is not None:
            yield rows


def _rewrite_member(path: Path, member: str, change) -> Path:
    out = path.with_name("m-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, change(data) if info.filename == member else data)
    return out


def _shared_strings(path: Path) -> Path:
    """The same workbook with its inline texts moved into a shared strings table."""
    table: dict[bytes, int] = {}

    def shared(match: re.Match) -> bytes:
        text = match.group(2)
        index = table.setdefault(text, len(table))
        return match.group(1) + b' t="s"><v>' + str(index).encode() + b"</v></c>"

    out = path.with_name("sst-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'(<c\b[^>]*?) t="inlineStr"><is><t(?:\s[^>]*)?>(.*?)</t></is></c>',
                              shared, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>"))
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>'))
            dst.writestr(info.filename, data)
        items = sorted(table.items(), key=lambda item: item[1])
        dst.writestr("xl/sharedStrings.xml", (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
            + str(len(items)).encode() + b'" uniqueCount="' + str(len(items)).encode() + b'">'
            + b"".join(b"<si><t>" + text + b"</t></si>" for text, _i in items) + b"</sst>"))
    return out
