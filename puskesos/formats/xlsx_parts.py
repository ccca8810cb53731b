"""Reading a large .xlsx sheet in parts, parsed ahead on a second thread.

python-calamine parses a whole sheet before the first row can be read and
keeps every cell (about twice the sheet's XML) until the sheet is let go;
for a sheet of a million rows that alone is more memory than the import may
use.  A large sheet (more than :data:`WHOLE_SHEET_BYTES` of XML) is therefore
read in parts: its XML is decompressed from the zip as it is needed, never
whole, and cut at row boundaries into parts of a few megabytes; each part
becomes a small workbook (the same workbook and styles, the sheet holding
only that part's rows) which calamine parses on a helper thread while the
import reads the rows of the part before.  calamine lets go of the
interpreter lock while it parses.  At most a few parts are in memory at once.

A workbook as Excel writes it keeps its texts in a shared strings table
about as large as the sheet's texts; each part gets a table with only the
entries its cells use (:mod:`.xlsx_strings`), so no part parses the whole
table again.

The rows come out as one parse of the whole sheet gives them (rows from row
0, empty rows between parts kept), with one difference no import reads: the
columns start at column A (the whole parse starts at the first filled
column; the reader is told the offset either way), and a later part whose
rows are narrower is padded with empty cells.

Each part's workbook holds only what calamine reads (the workbook, its
relations, styles, shared strings, the sheet; other sheets as empty stubs),
so pictures or macros in the file are not copied part after part.  The first
part also carries the XML after the rows (merged cells, read for the header),
found by one streaming pass over the sheet.

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
from .xlsx_strings import SharedStrings

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


#: a sheet's XML is cut into parts of about this size (bytes, uncompressed): a few
#: parts are in memory at once (read, parsed, given), each several times its size
PART_BYTES = 4 << 20
#: the first part, parsed before any row is read, is smaller: reading starts sooner
FIRST_PART_BYTES = 2 << 20
#: sheets smaller than this many parts are parsed whole
MIN_PARTS = 3
#: a sheet whose XML is at most this large is parsed whole too: that is the fastest
#: way (one parse, no parts to cut nor shared strings to hand each part; on two cores
#: the parts' own work cost more than it saved), and its parsed cells take about
#: twice its size (the 100,000-member bench's sheet is 42 MB).  A larger sheet is
#: read in parts, so the memory it takes stays the same whatever its size.
WHOLE_SHEET_BYTES = 64 << 20
#: parts parsed ahead of the one being read
AHEAD = 1
#: a part whose shared strings table cannot be given only the entries it uses
#: (:mod:`.xlsx_strings`) parses the whole table: a part is then at least this
#: many times the table's size, so that stays a small share of its work
SHARED_STRINGS_SHARE = 2
#: the sheet's XML is read from the zip in pieces of this size, never whole
READ_BYTES = 4 << 20
#: the XML before the rows or after them larger than this: the sheet is parsed whole
MAX_EDGE_BYTES = 16 << 20
#: the last row of a sheet is looked for this far before its end (a longer one: whole)
_LAST_ROW_BYTES = 256 << 10

_SHEET_DATA = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_WORKSHEET = re.compile(rb"<((?:[\w.-]+:)?)worksheet\b")
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
    """A sheet cut into parts as its XML is read; the first is parsed, the others on
    :meth:`later`."""

    name: str
    height: int            # rows from row 0 up to the last numbered row in the XML
    parts: int             # how many parts, as the sheet's size tells (an estimate)
    _path: Any
    _members: dict[str, bytes]
    _sheet_part: str
    _prefix: bytes         # of the sheetData, row and cell tags
    _head: bytes           # the sheet's XML up to its rows
    _tail: bytes           # what closes a later part's sheet: </sheetData></worksheet>
    _first_end: int        # offset in the sheet's XML where part 2 starts
    _part_bytes: int
    _strings: SharedStrings | None = None     # the shared strings, given part by part
    _strings_member: str | None = None
    first: CalamineSheet | None = None

    def later(self) -> "_PartStream":
        """The parts after the first, read and parsed ahead on a thread started now:
        an iterator of (start (row, column), the parsed part or None when it holds
        no cell); close it to stop."""
        return _PartStream(self)

    def _parse(self, rows: bytes) -> tuple[tuple[int, int], CalamineSheet | None]:
        """(start (row, column), the parsed part) of a later part; its cells become
        Python values on the reading thread (:func:`rows_in_order`), so this thread
        needs the interpreter lock as little as possible."""
        sheet = _parse_part(self, rows, self._tail)
        start = sheet.start
        if start is None:
            return (0, 0), None
        return start, sheet


_END = object()


class _PartStream:
    """Parts of a sheet read and parsed one ahead on a helper thread (see
    :meth:`SheetParts.later`)."""

    def __init__(self, parts: SheetParts) -> None:
        self._parsed: queue.Queue = queue.Queue(AHEAD)
        self._stop = threading.Event()
        self._ended = False
        self._thread = threading.Thread(target=self._work, args=(parts,),
                                        name="puskesos-sheet-parts", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> None:
        while not self._stop.is_set():
            try:
                self._parsed.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _work(self, parts: SheetParts) -> None:
        lower_priority()
        try:
            with zipfile.ZipFile(parts._path) as z, z.open(parts._sheet_part) as stream:
                _skip(stream, parts._first_end)
                cutter = _RowCutter(stream, parts._prefix)
                while not self._stop.is_set():
                    rows = cutter.next(parts._part_bytes)
                    if rows is None:
                        break
                    self._put(parts._parse(rows))
        except BaseException as exc:     # handed to the reading thread
            self._put(exc)
            return
        self._put(_END)

    def __iter__(self) -> "_PartStream":
        return self

    def __next__(self) -> tuple[tuple[int, int], list[list[Any]]]:
        if self._ended:
            raise StopIteration
        while True:
            try:
                item = self._parsed.get(timeout=0.5)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._parsed.empty():
                    raise PartError("the helper thread ended") from None
        if item is _END:
            self.close()
            raise StopIteration
        if isinstance(item, MemoryError):
            self.close()
            raise item
        if isinstance(item, BaseException):
            self.close()
            raise PartError(str(item)) from item
        return item

    def close(self) -> None:
        self._ended = True
        self._stop.set()
        self._thread.join()


def _skip(stream, count: int) -> None:
    """Read past the first ``count`` bytes of ``stream``."""
    while count > 0:
        chunk = stream.read(min(count, READ_BYTES))
        if not chunk:
            raise PartError("the sheet's XML ends early")
        count -= len(chunk)


class _Uncertain(Exception):
    """A row tag where a part would begin cannot be trusted (the sheet is parsed whole)."""


class _RowCutter:
    """The rows of a sheet's XML read from ``stream`` in order and cut into parts,
    each cut before a row tag that carries its number, right after the end of the
    row before; the rows end at ``</sheetData>``."""

    def __init__(self, stream, prefix: bytes, start: bytes = b"") -> None:
        self._stream = stream
        self._row_tag = b"<" + prefix + b"row"
        self._row_end = b"</" + prefix + b"row>"
        self._close_tag = b"</" + prefix + b"sheetData>"
        self._buf = bytearray()
        self._close = -1          # where the rows end in the buffer, once read
        self._eof = self._done = False
        self._add(start)

    def _add(self, chunk: bytes) -> None:
        buf = self._buf
        look = max(0, len(buf) - len(self._close_tag) + 1)
        buf += chunk
        self._close = buf.find(self._close_tag, look)

    def _more(self) -> bool:
        if self._eof or self._close >= 0:
            return False
        chunk = self._stream.read(READ_BYTES)
        if not chunk:
            self._eof = True
            return False
        self._add(chunk)
        return True

    def _find(self, needle: bytes, start: int) -> int:
        """The next ``needle`` in the rows from ``start`` with at least a kilobyte read
        after it (-1: none before the end of the rows)."""
        while True:
            buf = self._buf
            if self._close >= 0:
                return buf.find(needle, start, self._close)
            end = len(buf) - 1024
            if end > start:
                at = buf.find(needle, start, end)
                if at >= 0:
                    return at
                start = max(start, end - len(needle) + 1)
            if not self._more():
                if self._close >= 0:
                    continue
                raise PartError("the sheet's XML ends before its rows do")

    def next(self, size: int, min_rows: int = 0, strict: bool = False) -> bytes | None:
        """The next part: the rows up to the first row tag at least ``size`` bytes
        (and ``min_rows`` row tags) on, or the rest; None after the last part.
        With ``strict`` a row tag that cannot be trusted raises :class:`_Uncertain`
        (else the part goes on to the next one)."""
        if self._done:
            return None
        tag, after = self._row_tag, len(self._row_tag)
        start = size
        if min_rows:
            at = -1
            for _row in range(min_rows):
                at = self._find(tag, at + 1)
                if at < 0:
                    break
            start = max(start, at)
        while True:
            at = self._find(tag, start)
            buf = self._buf
            if at < 0:
                part = bytes(buf[:self._close])
                self._done = True
                buf.clear()
                return part
            start = at + 1
            if buf[at + after:at + after + 1] not in (b" ", b">", b"\t", b"\n", b"\r", b"/"):
                continue                                      # another tag, e.g. <rowBreaks>
            before = bytes(buf[max(0, at - 64):at]).rstrip()
            tag_end = buf.find(b">", at)
            if (not (before.endswith(self._row_end) or before.endswith(b"/>"))
                    or tag_end < 0 or not _ROW_NUMBER.search(buf, at, tag_end)):
                if strict:
                    raise _Uncertain
                continue
            part = bytes(buf[:at])
            del buf[:at]
            if self._close >= 0:
                self._close -= at
            return part


def _read_head(stream) -> tuple[bytes, bytes, bytes, bytes] | None:
    """(the sheet's XML up to its rows, the prefix of sheetData, that of worksheet,
    what was read after) from the start of ``stream``; None for an empty or odd sheet."""
    data = b""
    while len(data) < MAX_EDGE_BYTES:
        chunk = stream.read(READ_BYTES)
        if not chunk:
            return None
        data += chunk
        found = _SHEET_DATA.search(data)
        if found is not None:
            root = _WORKSHEET.search(data, 0, found.start())
            if found.group(2) or root is None:                  # <sheetData/>
                return None
            return data[:found.end()], found.group(1), root.group(1), data[found.end():]
    return None


def _read_end(stream, prefix: bytes) -> tuple[int, bytes] | None:
    """(the number of the last row, the XML from </sheetData> on) of the sheet read
    from ``stream`` to its end; None when that cannot be told."""
    close_tag = b"</" + prefix + b"sheetData>"
    row_tag = b"<" + prefix + b"row"
    window = b""
    while True:
        chunk = stream.read(READ_BYTES)
        if not chunk:
            return None
        window = window[-_LAST_ROW_BYTES:] + chunk       # the end of the last row read too
        close = window.find(close_tag)
        if close >= 0:
            break
    tail = [window[close:]]
    size = len(tail[0])
    while size < MAX_EDGE_BYTES:
        chunk = stream.read(READ_BYTES)
        if not chunk:
            break
        tail.append(chunk)
        size += len(chunk)
    else:
        return None
    last = window.rfind(row_tag, 0, close)
    while last >= 0 and window[last + len(row_tag):last + len(row_tag) + 1] not in (
            b" ", b">", b"\t", b"\n", b"\r", b"/"):
        last = window.rfind(row_tag, 0, last)
    number = _ROW_NUMBER.search(window, last, window.find(b">", last)) if last >= 0 else None
    if number is None:
        return None
    return int(number.group(1)), b"".join(tail)


def _workbook(parts: SheetParts, rows: bytes, tail: bytes) -> io.BytesIO:
    """A workbook like the file, whose sheet holds only ``rows`` (stored, not
    compressed: it is parsed at once) and whose shared strings table only the
    entries they use (:mod:`.xlsx_strings`), written without joining the pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        members = parts._members
        if parts._strings is not None:
            table, rows = parts._strings.for_rows(rows, parts._prefix)
            members = {**members, parts._strings_member: table}
        for name, data in members.items():
            if name == parts._sheet_part:
                with out.open(name, "w") as sheet:
                    sheet.write(parts._head)
                    sheet.write(rows)
                    sheet.write(tail)
            else:
                out.writestr(name, data)
    buffer.seek(0)
    return buffer


def _parse_part(parts: SheetParts, rows: bytes, tail: bytes) -> CalamineSheet:
    book = CalamineWorkbook.from_filelike(_workbook(parts, rows, tail))
    try:
        return book.get_sheet_by_name(parts.name)
    finally:
        book.close()


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
            if (info is None or info.file_size <= WHOLE_SHEET_BYTES
                    or info.file_size < MIN_PARTS * part_bytes):
                return None
            if any(i.flag_bits & 0x1 for i in infos):
                return None                                   # encrypted members
            members: dict[str, bytes] = {}
            tables = []
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
                    if member.endswith("/sharedStrings.xml"):
                        tables.append(member)
            strings = SharedStrings.read(members[tables[0]]) if len(tables) == 1 else None
            if tables and strings is None:
                # each part parses the whole table: a part is larger than it
                shared = sum(len(members[t]) for t in tables)
                part_bytes = max(part_bytes, SHARED_STRINGS_SHARE * shared)
                if info.file_size < MIN_PARTS * part_bytes:
                    return None
            with z.open(info) as stream:
                head = _read_head(stream)
                if head is None:
                    return None
                head_xml, prefix, root, rest = head
                cutter = _RowCutter(stream, prefix, rest)
                try:
                    first_rows = cutter.next(min(FIRST_PART_BYTES, part_bytes), FIRST_ROWS,
                                             strict=True)
                except _Uncertain:
                    return None
                if first_rows is None or cutter._done:
                    return None
            with z.open(info) as stream:
                _skip(stream, len(head_xml) + len(first_rows))
                end = _read_end(stream, prefix)
            if end is None:
                return None
    except PartError:
        return None
    except Exception:    # anything odd about the zip: the whole parse says what is wrong
        return None
    height, tail = end
    first_end = len(head_xml) + len(first_rows)
    parts = SheetParts(name=name, height=height,
                       parts=1 + -(-(info.file_size - first_end) // part_bytes),
                       _path=path, _members=members, _sheet_part=sheet_part, _prefix=prefix,
                       _head=head_xml,
                       _tail=b"</" + prefix + b"sheetData></" + root + b"worksheet>",
                       _first_end=first_end, _part_bytes=part_bytes, _strings=strings,
                       _strings_member=tables[0] if strings is not None else None)
    try:
        parts.first = _parse_part(parts, first_rows, tail)
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
        for (row0, column0), part in later:
            part_rows = part.to_python(skip_empty_area=True) if part is not None else None
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
