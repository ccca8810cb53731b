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
0; columns from the first filled column of the first part; empty rows
between parts kept).  Two things may differ, neither read by an import: a
later part whose rows are narrower is padded with empty cells; cells left of
the first part's first filled column (outside any header) are left out.

Only a standard .xlsx zip with an XML sheet whose rows carry their numbers
(``<row r="...">``, as every spreadsheet program writes them) is split;
anything else returns None from :func:`split_sheet` and is parsed whole.
"""

from __future__ import annotations

import io
import queue
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineSheet, CalamineWorkbook

from ..threads import lower_priority

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

    def later(self) -> Iterator[tuple[tuple[int, int], list[list[Any]]]]:
        """(start (row, column), rows from there) of each part after the first, in
        order, parsed ahead on a thread; closing the iterator stops the thread."""
        ranges = list(zip(self._cuts, self._cuts[1:] + [self._close]))
        parsed: queue.Queue = queue.Queue(AHEAD)
        stop = threading.Event()

        def work() -> None:
            lower_priority()
            for start, end in ranges:
                if stop.is_set():
                    return
                try:
                    item: Any = self._parse(self._xml[start:end])
                except Exception as exc:     # handed to the reading thread
                    item = PartError(str(exc))
                while not stop.is_set():
                    try:
                        parsed.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if isinstance(item, PartError):
                    return

        thread = threading.Thread(target=work, name="puskesos-sheet-parts", daemon=True)
        thread.start()
        try:
            for _range in ranges:
                item = parsed.get()
                if isinstance(item, PartError):
                    raise item
                yield item
        finally:
            stop.set()
            thread.join()

    def _parse(self, rows: bytes) -> tuple[tuple[int, int], list[list[Any]]]:
        sheet = _parse_part(self, rows)
        start = sheet.start
        if start is None:
            return (0, 0), []
        return start, sheet.to_python(skip_empty_area=True)


def _workbook_bytes(parts: SheetParts, rows: bytes) -> bytes:
    """A workbook like the file, whose sheet holds only ``rows`` (stored, not
    compressed: it is parsed at once)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for name, data in parts._members.items():
            if name == parts._sheet_part:
                data = b"".join((parts._head, rows, parts._tail))
            out.writestr(name, data)
    return buffer.getvalue()


def _parse_part(parts: SheetParts, rows: bytes) -> CalamineSheet:
    book = CalamineWorkbook.from_filelike(io.BytesIO(_workbook_bytes(parts, rows)))
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
    if not sheet_part or not sheet_part.endswith(".xml"):
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
            worksheets = {i.filename for i in infos
                          if i.filename.startswith("xl/worksheets/") and
                          i.filename.endswith(".xml") and i.filename.count("/") == 2}
            members = {}
            for i in infos:
                if i.is_dir():
                    continue
                if i.filename == sheet_part:
                    members[i.filename] = b""
                elif i.filename in worksheets:
                    members[i.filename] = _EMPTY_SHEET       # never read from a part
                else:
                    members[i.filename] = z.read(i)
            xml = z.read(info)
    except (OSError, zipfile.BadZipFile, KeyError, RuntimeError, ValueError, EOFError):
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
    parts = SheetParts(name=name, height=int(last_number.group(1)), _members=members, _sheet_part=sheet_part, _head=xml[:rows_start],
                       _tail=xml[close:], _xml=xml, _cuts=cuts, _close=close)
    try:
        parts.first = _parse_part(parts, xml[rows_start:cuts[0]])
    except Exception as exc:
        raise PartError(str(exc)) from None
    return parts


def rows_in_order(parts: SheetParts) -> Iterator[list[Any]]:
    """Every row of the sheet from row 0, as one parse of the whole sheet gives them
    (see the module's notes), the later parts parsed ahead on a thread."""
    first = parts.first
    assert first is not None
    start, end = first.start, first.end
    offset = start[1] if start else 0
    width = end[1] - offset + 1 if end else 0
    done = end[0] + 1 if end else 0           # rows given so far
    yield from first.iter_rows()
    later = parts.later()
    try:
        for (row0, column0), rows in later:
            if not rows:
                continue
            if row0 > done:
                empty = [""] * width
                for _gap in range(row0 - done):
                    yield list(empty)
            if column0 > offset:
                lead = [""] * (column0 - offset)
                rows = [lead + row for row in rows]
            elif column0 < offset:
                rows = [row[offset - column0:] for row in rows]
            short = width - min(map(len, rows))
            if short > 0:
                rows = [row + [""] * (width - len(row)) if len(row) < width else row
                        for row in rows]
            yield from rows
            done = row0 + len(rows)
    finally:
        later.close()
