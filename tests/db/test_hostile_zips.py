"""Zip bombs are refused before anything parses them (issue 13 point 5): a workbook
or a backup that unpacks to gigabytes, or whose declared sizes lie, is refused by
``puskesos import`` and ``puskesos db restore`` within seconds and 300 MB, with a
message that says what is wrong and what to do, and nothing is written.

The bombs are built here by hand, cheaply: a deflate stream fully flushed after
each block encodes the same block to the same bytes, so 2 GB of one letter is
one 16 MB block compressed once and its 16 KB written 128 times.
"""

from __future__ import annotations

import json
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.helpers import run_cli, run_cli_measured, copy_village, connect

MB = 1 << 20
BLOCK = 16 * MB
SECONDS = 10
PEAK_MB = 300

WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                 b'.org/officeDocument/2006/relationships/worksheet" '
                 b'Target="worksheets/sheet1.xml"/></Relationships>')
ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
             b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org'
             b'/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
             b'</Relationships>')
CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                 b'package.relationships+xml"/><Default Extension="xml" ContentType='
                 b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                 b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
                 b'/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                 b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<sheetData>')
SHEET_TAIL = b'</sheetData></worksheet>'


def write_zip(path: Path, members: list[tuple[str, list[tuple[bytes, int]], int | None]]) -> Path:
    """A zip whose members are (name, [(bytes, times repeated)], declared size or None
    for the true one), deflated a block at a time (see the module's notes)."""
    entries = []
    with path.open("wb") as out:
        for name, pieces, declared in members:
            offset = out.tell()
            raw = name.encode()
            out.write(b"\0" * (30 + len(raw)))             # the local header, filled below
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            crc = size = packed = 0
            for data, times in pieces:
                encoded = packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)
                for _ in range(times):
                    out.write(encoded)
                    crc = zlib.crc32(data, crc)
                packed += len(encoded) * times
                size += len(data) * times
            end = packer.flush()
            out.write(end)
            packed += len(end)
            said = size if declared is None else declared
            header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed,
                                 said, len(raw), 0)
            here = out.tell()
            out.seek(offset)
            out.write(header + raw)
            out.seek(here)
            entries.append((raw, crc, packed, said, offset))
        directory = out.tell()
        for raw, crc, packed, said, offset in entries:
            out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                                  packed, said, len(raw), 0, 0, 0, 0, 0, offset) + raw)
        length = out.tell() - directory
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                              length, directory, 0))
    return path


def workbook(path: Path, sheet: list[tuple[bytes, int]], declared: int | None = None) -> Path:
    return write_zip(path, [
        ("[Content_Types].xml", [(CONTENT_TYPES, 1)], None),
        ("_rels/.rels", [(ROOT_RELS, 1)], None),
        ("xl/workbook.xml", [(WORKBOOK, 1)], None),
        ("xl/_rels/workbook.xml.rels", [(WORKBOOK_RELS, 1)], None),
        ("xl/worksheets/sheet1.xml", sheet, declared)])


@pytest.fixture
def village(tmp_path, demo_db):
    path = tmp_path / "desa.sqlite"
    copy_village(demo_db, path)
    return path


def _members(path: Path) -> int:
    con = connect(path)
    try:
        return con.execute("SELECT count(*) FROM member").fetchone()[0]
    finally:
        con.close()


def _refused_cheaply(result, seconds: float, peak: float, *words: str) -> None:
    assert result.returncode in (1, 2), result.stderr
    message = result.stderr.lower()
    assert "puskesos:" in message and "bug" not in message, result.stderr
    for word in words:
        assert word.lower() in message, result.stderr
    assert seconds < SECONDS, f"{seconds:.1f} s"
    assert peak < PEAK_MB, f"{peak:.0f} MB"


ONE_CELL = [(SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>', 1),
            (b"A" * BLOCK, 128), (b"</t></is></c></row>" + SHEET_TAIL, 1)]
ZEROS = [(SHEET_HEAD, 1), (b"\0" * BLOCK, 128), (SHEET_TAIL, 1)]


@pytest.mark.parametrize("sheet", [ONE_CELL, ZEROS], ids=["one-2GB-cell", "2GB-of-zeros"])
def test_a_workbook_that_unpacks_to_gigabytes_is_refused_in_seconds(village, tmp_path, sheet):
    bomb = workbook(tmp_path / "bomb.xlsx", sheet)
    assert bomb.stat().st_size < 4 * MB
    before = _members(village)
    result, seconds, peak = run_cli_measured("--db", village, "import", bomb)
    _refused_cheaply(result, seconds, peak, "bomb.xlsx", "2.0 GB", "minta")
    assert _members(village) == before
    # nothing was recorded: there is no import to undo
    undo = run_cli("--db", village, "import", "--undo")
    assert undo.returncode != 0 and "tidak ada impor" in undo.stderr.lower(), undo.stderr


def test_a_workbook_member_that_lies_about_its_size_is_refused(village, tmp_path):
    # the sheet says it holds 20 KB (nothing to see in its numbers) and unpacks to 2 GB
    bomb = workbook(tmp_path / "liar.xlsx", ZEROS, declared=20_000)
    result, seconds, peak = run_cli_measured("--db", village, "import", bomb)
    _refused_cheaply(result, seconds, peak, "liar.xlsx", "xl/worksheets/sheet1.xml")


def _backup_bomb(path: Path, declared: int | None = None) -> Path:
    size = 192 * BLOCK                                       # 3 GB
    manifest = json.dumps({"format": "puskesos-backup", "format_version": 1,
                           "database": "puskesos.sqlite", "sha256": "0" * 64,
                           "size": size if declared is None else declared}).encode()
    return write_zip(path, [("manifest.json", [(manifest, 1)], None),
                            ("puskesos.sqlite", [(b"\0" * BLOCK, 192)], declared)])


@pytest.mark.parametrize("declared", [None, 40_000], ids=["3GB-inside", "size-that-lies"])
def test_a_backup_that_unpacks_to_gigabytes_is_refused_before_writing(village, tmp_path,
                                                                      declared):
    bomb = _backup_bomb(tmp_path / "cadangan.backup.zip", declared)
    assert bomb.stat().st_size < 4 * MB
    before = village.read_bytes()
    result, seconds, peak = run_cli_measured("--db", village, "db", "restore", bomb)
    _refused_cheaply(result, seconds, peak, "cadangan.backup.zip", "cadangan lain")
    assert village.read_bytes() == before
    # no extracted copy or temporary folder is left beside the database
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cadangan.backup.zip", "desa.sqlite",
                                                          "desa.sqlite.keys"]
