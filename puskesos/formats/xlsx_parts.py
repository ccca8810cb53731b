"""Reading a large .xlsx sheet in parts, parsed ahead on a second thread.

python-calamine parses a whole sheet before the first row can be read, and
for a 100,000-row extract that parse is a third of an import.  calamine lets
go of the interpreter lock while it parses, so the work can run beside the
import's own: the sheet's XML is cut at row boundaries into parts of a few
megabytes; each part becomes a small workbook (the same workbook, styles and
shared strings, the sheet holding only that part's rows) which calamine
parses on a helper thread while the import reads the rows of the part before.
Memory stays bounded too: at most a few parts are parsed at once.

The rows come out as one parse of the whole sheet gives them (rows from row
0, empty rows between parts kept), with one difference no import reads: the
columns start at column A (the whole parse starts at the first filled
column; the reader is told the offset either way), and a later part whose
rows are narrower is padded with empty cells.

Each part's workbook holds only what calamine reads (the workbook, its
relations, styles, shared strings, the sheet; other sheets as empty stubs),
so pictures or macros in the file are not copied part after part.

Only a standard .xlsx zip with an XML sheet whose rows carry their numbers
(``<row r="...">``, as every spreadsheet program writes them) is split;
anything else returns None from :func:`split_sheet` and is parsed whole.

This relies on how python-calamine reads a sheet (rows from row 0, empty
rows kept, a part's workbook read like any other).  The releases it was
tested with are :data:`TESTED_CALAMINE` (pyproject.toml pins the same range);
under any other release the sheet is parsed whole, which is slower and
always right.
"""

from __future__ import annotations

import io
import queue
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import python_calamine
from python_calamine import CalamineSheet, CalamineWorkbook

from ..threads import lower_priority

#: the python-calamine releases the parts were tested with: (lowest, first not tested)
TESTED_CALAMINE = ((0, 9, 1), (0, 10))


def _calamine_tested(version: str | None = None) -> bool:
    """Whether the installed python-calamine is one the parts were tested with."""
    if version is None:
        try:
            version = metadata.version("python-calamine")
        except metadata.PackageNotFoundError:       # a frozen build without metadata
            version = getattr(python_calamine, "__version__", "")
    text = version
    try:
        numbers = tuple(int(p) for p in text.split("+")[0].split(".")[:3])
    except ValueError:
        return False
    low, high = TESTED_CALAMINE
    return low <= numbers < high


#: a sheet's XML is cut into parts of about this size (bytes, uncompressed)
PART_BYTES = 8 << 20
#: the first part, parsed before any row is read, is smaller: reading starts sooner
FIRST_PART_BYTES = 2 << 20
#: sheets smaller than this many parts are parsed whole
MIN_PARTS = 3
#: parts parsed ahead of the one being read
AHEAD = 1
#: each part parses the shared strings again: a part is at least this many times
#: their size, so that stays a small share of its work
SHARED_STRINGS_SHARE = 2

_SHEET_DATA = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_ROW_NUMBER = re.compile(rb"\br=\"([0-9]+)\"")
_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData/></worksheet>")


#: the members of an .xlsx that calamine reads for a sheet's cells (besides the
#: sheet, its styles and shared strings); other sheets become empty stubs
_NEEDED = {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
           "xl/_rels/workbook.xml.rels"}
#: the first part holds at least this many rows (the header is looked for in it)
FIRST_ROWS = 100


def _is_sheet(name: str) -> bool:
    return (name.startswith(("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/"))
            and name.endswith(".xml") and name.count("/") == 2)


class PartError(Exception):
    """A part could not be parsed (the caller words the message)."""


@dataclass
class SheetParts:
    """A sheet cut into parts; the first is parsed, the others on :meth:`later`."""

    name: str
    height: int            # rows from row 0 up to the last numbered row in the XML
    _members: dict[str, bytes]
    _sheet_part: str
    _head: bytes
    _tail: bytes
    _xml: bytes
    _cuts: list[int]       # offsets in _xml where parts 2, 3, ... start
    _close: int            # offset of </sheetData>
    first: CalamineSheet | None = None

    @property
    def parts(self) -> int:
        return len(self._cuts) + 1

    def later(self) -> "_PartStream":
        """The parts after the first, parsed ahead on a thread started now: an
        iterator of (start (row, column), rows from there); close it to stop."""
        return _PartStream(self)

    def _parse(self, rows: bytes | memoryview) -> tuple[tuple[int, int], list[list[Any]]]:
        sheet = _parse_part(self, rows)
        start = sheet.start
        if start is None:
            return (0, 0), []
        return start, sheet.to_python(skip_empty_area=True)


class _PartStream:
    """Parts of a sheet parsed one ahead on a helper thread (see :meth:`SheetParts.later`)."""

    def __init__(self, parts: SheetParts) -> None:
        self._ranges = list(zip(parts._cuts, parts._cuts[1:] + [parts._close]))
        self._parsed: queue.Queue = queue.Queue(AHEAD)
        self._stop = threading.Event()
        self._given = 0
        self._thread = threading.Thread(target=self._work, args=(parts,),
                                        name="puskesos-sheet-parts", daemon=True)
        self._thread.start()

    def _work(self, parts: SheetParts) -> None:
        lower_priority()
        for start, end in self._ranges:
            if self._stop.is_set():
                return
            try:
                item: Any = parts._parse(memoryview(parts._xml)[start:end])
            except BaseException as exc:     # handed to the reading thread
                item = exc
            while not self._stop.is_set():
                try:
                    self._parsed.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if isinstance(item, BaseException):
                return

    def __iter__(self) -> "_PartStream":
        return self

    def __next__(self) -> tuple[tuple[int, int], list[list[Any]]]:
        if self._given >= len(self._ranges):
            self.close()
            raise StopIteration
        while True:
            try:
                item = self._parsed.get(timeout=0.5)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._parsed.empty():
                    raise PartError("the helper thread ended") from None
        self._given += 1
        if isinstance(item, MemoryError):
            self.close()
            raise item
        if isinstance(item, BaseException):
            self.close()
            raise PartError(str(item)) from item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _workbook(parts: SheetParts, rows: bytes | memoryview) -> io.BytesIO:
    """A workbook like the file, whose sheet holds only ``rows`` (stored, not
    compressed: it is parsed at once), written without joining the pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for name, data in parts._members.items():
            if name == parts._sheet_part:
                with out.open(name, "w") as sheet:
                    sheet.write(parts._head)
                    sheet.write(rows)
                    sheet.write(parts._tail)
            else:
                out.writestr(name, data)
    buffer.seek(0)
    return buffer


def _parse_part(parts: SheetParts, rows: bytes | memoryview) -> CalamineSheet:
    book = CalamineWorkbook.from_filelike(_workbook(parts, rows))
    try:
        return book.get_sheet_by_name(parts.name)
    finally:
        book.close()


def _cut_points(xml: bytes, prefix: bytes, start: int, end: int, part_bytes: int,
                first_bytes: int) -> list[int] | None:
    """Offsets in ``xml[start:end]`` (the rows of sheetData) where parts begin
    (after the first): each at a row tag carrying its number, right after the
    end of the row before.  None when a row tag cannot be trusted."""
    row_tag = b"<" + prefix + b"row"
    row_end = b"</" + prefix + b"row>"
    cuts: list[int] = []
    target = start + first_bytes
    # the header is looked for in the first part: it holds at least FIRST_ROWS rows
    at, rows = start, 0
    while rows < FIRST_ROWS:
        at = xml.find(row_tag, at + 1, end)
        if at == -1:
            return None
        rows += 1
    target = max(target, at)
    while target < end - part_bytes // 2:
        at = xml.find(row_tag, target, end)
        while at != -1 and xml[at + len(row_tag):at + len(row_tag) + 1] not in (b" ", b">",
                                                                                b"\t", b"\n",
                                                                                b"\r", b"/"):
            at = xml.find(row_tag, at + 1, end)          # e.g. <rowBreaks>
        if at == -1:
            break
        before = xml[max(start, at - 64):at].rstrip()
        if not (before.endswith(row_end) or before.endswith(b"/>")):
            return None
        tag_end = xml.find(b">", at, end)
        if tag_end == -1 or not _ROW_NUMBER.search(xml, at, tag_end):
            return None
        cuts.append(at)
        target = at + part_bytes
    return cuts


def split_sheet(path, name: str, sheet_part: str | None) -> SheetParts | None:
    """The sheet ``name`` (zip member ``sheet_part``) of the .xlsx at ``path`` cut
    into parts with the first one parsed, or None when it is small or cannot be
    cut safely (the caller parses it whole).  Raises :class:`PartError` when
    the first part does not parse."""
    part_bytes = PART_BYTES
    if not sheet_part or not sheet_part.endswith(".xml") or not _calamine_tested():
        return None
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            info = next((i for i in infos if i.filename == sheet_part), None)
            if info is None or info.file_size < MIN_PARTS * part_bytes:
                return None
            if any(i.flag_bits & 0x1 for i in infos):
                return None                                   # encrypted members
            shared = sum(i.file_size for i in infos if i.filename.endswith("sharedStrings.xml"))
            part_bytes = max(part_bytes, SHARED_STRINGS_SHARE * shared)
            if info.file_size < MIN_PARTS * part_bytes:
                return None
            members = {}
            for i in infos:
                member = i.filename
                if i.is_dir():
                    continue
                if member == sheet_part:
                    members[member] = b""
                elif _is_sheet(member):
                    members[member] = _EMPTY_SHEET       # never read from a part
                elif member in _NEEDED or member.endswith(("/styles.xml",
                                                           "/sharedStrings.xml")):
                    members[member] = z.read(i)
            xml = z.read(info)
    except Exception:    # anything odd about the zip: the whole parse says what is wrong
        return None
    found = _SHEET_DATA.search(xml)
    if found is None or found.group(2):                         # <sheetData/>
        return None
    prefix = found.group(1)
    rows_start = found.end()
    close = xml.rfind(b"</" + prefix + b"sheetData>")
    if close < rows_start:
        return None
    cuts = _cut_points(xml, prefix, rows_start, close, part_bytes,
                       min(FIRST_PART_BYTES, part_bytes))
    if not cuts or len(cuts) + 1 < MIN_PARTS:
        return None
    last_tag = xml.rfind(b"<" + prefix + b"row", cuts[-1], close)
    last_number = _ROW_NUMBER.search(xml, last_tag, xml.find(b">", last_tag, close))
    if last_number is None:
        return None
    parts = SheetParts(name=name, height=int(last_number.group(1)), _members=members,
                       _sheet_part=sheet_part, _head=xml[:rows_start], _tail=xml[close:],
                       _xml=xml, _cuts=cuts, _close=close)
    try:
        parts.first = _parse_part(parts, xml[rows_start:cuts[0]])
    except Exception as exc:
        raise PartError(str(exc)) from None
    return parts


def rows_in_order(parts: SheetParts) -> Iterator[list[Any]]:
    """Every row of the sheet from row 0 and column A, as one parse of the whole
    sheet gives them (see the module's notes).  The helper thread parsing the
    later parts starts once the first part is being read past its header rows
    (reading only the top of the sheet, as header detection does, starts none)."""
    first = parts.first
    assert first is not None
    start, end = first.start, first.end
    lead = [""] * (start[1] if start else 0)
    width = end[1] + 1 if end else 0
    done = end[0] + 1 if end else 0           # rows given so far
    rows = first.iter_rows()
    if lead:
        rows = (lead + row for row in rows)
    later = None
    try:
        for count, row in enumerate(rows):
            if count == FIRST_ROWS // 2:
                later = parts.later()          # part 2 is parsed while these are read
            yield row
        if later is None:
            later = parts.later()
        for (row0, column0), part_rows in later:
            if not part_rows:
                continue
            if row0 > done:
                empty = [""] * width
                for _gap in range(row0 - done):
                    yield list(empty)
            if column0:
                pad = [""] * column0
                part_rows = [pad + row for row in part_rows]
            short = width - min(map(len, part_rows))
            if short > 0:
                part_rows = [row + [""] * (width - len(row)) if len(row) < width else row
                             for row in part_rows]
            yield from part_rows
            done = row0 + len(part_rows)
    finally:
        if later is not None:
            later.close()
