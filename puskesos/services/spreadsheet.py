"""Reading registry spreadsheets: .xlsx, .xlsm, .xlsb, .xls, .ods (python-calamine) and .csv.

Three steps, each cheap to call from the import wizard:

* :func:`list_sheets` – the sheet names (a CSV has one sheet named after the file);
* :func:`detect_header` – finds the header row below any title rows, on the
  first sheet that has one (a cover sheet is passed over), combining a
  two-row header and reading merged header cells;
* :func:`iter_rows` – streams the data rows after the header as
  :class:`SourceRow`, skipping empty rows, repeated header rows, a column
  numbering row ("1 2 3 …") and total rows at the bottom;
* :func:`open_sheet` – both from one parse of the file (the import uses it).

Every problem of the file itself (empty, not a spreadsheet, protected with a
password, no header) raises :class:`SpreadsheetError` with a message that
says what to do.  Cell values are returned raw; ``puskesos.core.normalize``
turns them into NIKs, dates and so on.

python-calamine (0.9.1) parses a whole sheet into Rust memory when it is
opened; :func:`iter_rows` then converts one row at a time to Python objects
(``CalamineSheet.iter_rows``), so no list of 100,000 Python rows is built.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

import python_calamine
from python_calamine import CalamineWorkbook

from puskesos.core.columns import BY_KEY, COLUMNS, TOTAL_WORDS, match_header
from puskesos.core.normalize import display_text
from puskesos.errors import UserError
from puskesos.i18n import _

from . import xlsx_parts

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "Header",
    "SourceRow",
    "SpreadsheetError",
    "count_rows",
    "detect_header",
    "iter_rows",
    "SheetReader",
    "display_cells",
    "list_sheets",
    "open_sheet",
]

SUPPORTED_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")
_BOOK_EXTENSIONS = frozenset(SUPPORTED_EXTENSIONS) - {".csv"}
_ZIP = b"PK\x03\x04"
_CFB = b"\xd0\xcf\x11\xe0"                      # OLE compound file: .xls or encrypted OOXML
_ENCRYPTED_STREAMS = ("EncryptionInfo".encode("utf-16-le"),
                      "EncryptedPackage".encode("utf-16-le"))
_PROGRESS_EVERY = 1000
_CSV_DELIMITERS = (";", ",", "\t", "|")
_CSV_SAMPLE = 64 * 1024
_MAX_HEADER_ROWS = 3                             # a header may span this many rows
_TOTAL = re.compile(r"\s*(?:%s)(?![A-Z])" % "|".join(
    re.escape(w) for w in sorted(TOTAL_WORDS, key=len, reverse=True)), re.IGNORECASE)
_NUMBER_TEXT = re.compile(r"\s*[-+]?(?:Rp\.?\s*)?[0-9][0-9.,]*\s*%?\s*", re.IGNORECASE)
_COLUMN_NUMBER = re.compile(r"\(?\s*([0-9]{1,3})\s*\)?")


class SpreadsheetError(UserError):
    """The file cannot be read as a registry spreadsheet; the message says what to do."""


class _Progress(Protocol):
    def report(self, done: int, total: int, message: str = "") -> None: ...


class _Cancel(Protocol):
    def raise_if_cancelled(self) -> None: ...


@dataclass(frozen=True)
class Header:
    """Where the data of a sheet starts and what its columns hold.

    ``row`` is the 0-based index of the last header row (data follow it);
    ``columns`` has the header text of every column from column A on (index
    = column number, so ``mapping`` keys are Excel column positions); a
    column whose field was already taken by an earlier column is listed in
    ``unmapped`` with the columns that match no field.
    """

    sheet: str
    row: int
    columns: tuple[str, ...]
    mapping: dict[int, str]
    unmapped: tuple[str, ...]


@dataclass(frozen=True)
class SourceRow:
    """One data row: ``line`` as Excel shows it (1-based), every cell as display text
    (for the error report), and the raw value of each mapped field (``None`` when
    the cell is empty)."""

    line: int
    cells: tuple[str, ...]
    values: dict[str, object]


class _SheetRow(SourceRow):
    """A :class:`SourceRow` made by :func:`iter_rows`.

    ``cells`` is built from the raw row the first time it is read: most rows
    never need it (only rows shown in the error report do), and converting
    every cell of 100,000 rows costs a third of the reading time.
    """

    def __init__(self, line: int, cells: tuple[str, ...] | None = None,
                 values: dict[str, object] | None = None, *,
                 raw: list[Any] | None = None, pad: int = 0) -> None:
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "values", values if values is not None else {})
        object.__setattr__(self, "_raw", raw if raw is not None else [])
        object.__setattr__(self, "_pad", pad)
        if cells is not None:
            object.__setattr__(self, "_cells", tuple(cells))

    @property  # type: ignore[override]
    def cells(self) -> tuple[str, ...]:
        cells = self.__dict__.get("_cells")
        if cells is None:
            cells = display_cells(self._raw, self._pad)
            object.__setattr__(self, "_cells", cells)
        return cells

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceRow):
            return NotImplemented
        return (self.line, self.cells, self.values) == (other.line, other.cells, other.values)

    __hash__ = None  # type: ignore[assignment]


# --- opening files ---------------------------------------------------------------------------

@dataclass
class _Sheet:
    """One sheet being read: ``rows`` yields lists, row index = position from row 0."""

    name: str
    rows: Iterator[list[Any]]
    col_offset: int          # column index of the first cell of each row list
    height: int              # number of rows counted from row 0, 0 when unknown
    merged: list[tuple[tuple[int, int], tuple[int, int]]]
    #: a fresh iterator over the rows from row 0 (a parsed workbook sheet is read
    #: again from memory; None for CSV, which is opened again instead)
    reread: Callable[[], Iterator[list[Any]]] | None = None


def _name(path: Path) -> str:
    return path.name


def _error_unreadable(path: Path, detail: str) -> SpreadsheetError:
    return SpreadsheetError(_(
        "The file {name} could not be read ({detail}). Please close it in other programs "
        "or copy it to this computer, and try again.").format(name=_name(path), detail=detail))


def _error_not_spreadsheet(path: Path) -> SpreadsheetError:
    return SpreadsheetError(_(
        "The file {name} is not a spreadsheet that can be read: it may be damaged, or it "
        "may be another kind of file with a spreadsheet name. Please open it in Excel or "
        "LibreOffice, save it as an Excel workbook (.xlsx) and import that file."
    ).format(name=_name(path)))


def _error_password(path: Path) -> SpreadsheetError:
    return SpreadsheetError(_(
        "The file {name} is protected with a password, so it cannot be read. Please open "
        "it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with "
        "Password, then clear the password), save it and import it again."
    ).format(name=_name(path)))


def _check_file(path: Path) -> tuple[str, bytes]:
    """Refuse unknown extensions, missing, empty and unreadable files; return (ext, head)."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise SpreadsheetError(_(
            "The file {name} has the extension \"{ext}\", which cannot be imported. Please "
            "save it from Excel or LibreOffice as one of: {supported}."
        ).format(name=_name(path), ext=path.suffix or "-",
                 supported=", ".join(SUPPORTED_EXTENSIONS)))
    if path.name.startswith("~$"):
        raise SpreadsheetError(_(
            "The file {name} is a temporary file that Excel keeps while a workbook is open, "
            "not the workbook itself. Please choose the file without \"~$\" at the start of "
            "its name.").format(name=_name(path)))
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(512)
    except FileNotFoundError:
        raise SpreadsheetError(_(
            "The file {name} does not exist any more. Please choose the file again."
        ).format(name=_name(path))) from None
    except IsADirectoryError:
        raise SpreadsheetError(_(
            "{name} is a folder, not a file. Please choose the spreadsheet file inside it."
        ).format(name=_name(path))) from None
    except OSError as exc:
        raise _error_unreadable(path, exc.strerror or str(exc)) from None
    if size == 0:
        raise SpreadsheetError(_(
            "The file {name} is empty (0 bytes): it was probably not saved or not copied "
            "completely. Please save the spreadsheet again in Excel and import the new file."
        ).format(name=_name(path)))
    return ext, head


def _is_encrypted_cfb(path: Path) -> bool:
    with path.open("rb") as f:
        data = f.read()
    return any(marker in data for marker in _ENCRYPTED_STREAMS)


def _open_book(path: Path, ext: str, head: bytes) -> CalamineWorkbook:
    """Open a workbook by its content: a .xls may really be an .xlsx and the reverse."""
    if not (head.startswith(_ZIP) or head.startswith(_CFB)):
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise SpreadsheetError(_(
                "The file {name} is a web page or XML file with a spreadsheet name, not a "
                "real workbook. Please open it in Excel, choose Save As > Excel Workbook "
                "(.xlsx) and import the saved file.").format(name=_name(path)))
        raise _error_not_spreadsheet(path)
    if head.startswith(_CFB) and ext in (".xlsx", ".xlsm", ".xlsb") and _is_encrypted_cfb(path):
        raise _error_password(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise _error_password(path) from None
    except OSError as exc:
        raise _error_unreadable(path, exc.strerror or str(exc)) from None
    except Exception:
        pass  # e.g. an .xlsx saved with the name .xls: let calamine detect the format
    try:
        with path.open("rb") as f:
            return CalamineWorkbook.from_filelike(f)
    except python_calamine.PasswordError:
        raise _error_password(path) from None
    except Exception:
        if head.startswith(_CFB) and ext != ".xls":
            # an OLE file named .xlsx that is not a readable .xls: Excel's encryption
            raise _error_password(path) from None
        raise _error_not_spreadsheet(path) from None


def _usable_sheets(book: CalamineWorkbook) -> list[str]:
    """Work sheets, visible ones first (hidden lookup sheets come last)."""
    visible, hidden = [], []
    for meta in book.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        (visible if meta.visible == python_calamine.SheetVisibleEnum.Visible
         else hidden).append(meta.name)
    return visible + hidden


def _resolve_sheet(path: Path, names: list[str], sheet: str) -> str:
    if sheet in names:
        return sheet
    loose = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    raise SpreadsheetError(_(
        "The sheet \"{sheet}\" is not in the file {name}. The file has these sheets: "
        "{sheets}. Please choose one of them."
    ).format(sheet=sheet, name=_name(path),
             sheets=", ".join(f"\"{n}\"" for n in names) or "-"))


def _error_damaged(path: Path, name: str, detail: object) -> SpreadsheetError:
    return SpreadsheetError(_(
        "The sheet \"{sheet}\" in {name} could not be read because the file is damaged "
        "({detail}). Please open it in Excel or LibreOffice, save it again and import "
        "the saved file.").format(sheet=name, name=_name(path), detail=detail))


def _split_sheet(path: Path, name: str) -> _Sheet | None:
    """A large .xlsx sheet read in parts parsed ahead on a thread (see
    :mod:`.xlsx_parts`), or None: parse it whole."""
    try:
        with path.open("rb") as f:
            if f.read(4) != _ZIP:
                return None
        with zipfile.ZipFile(path) as z:
            part = _xlsx_part(z, name)
        parts = xlsx_parts.split_sheet(path, name, part)
    except Exception:                # the whole parse says what is wrong
        return None
    if parts is None or parts.first is None:
        return None
    first = parts.first
    try:
        merged = first.merged_cell_ranges or []
    except Exception:  # merged cells are a help for headers, never a reason to fail
        merged = []

    def rows() -> Iterator[list[Any]]:
        try:
            yield from xlsx_parts.rows_in_order(parts)
        except xlsx_parts.PartError as exc:
            raise _error_damaged(path, name, exc) from None

    return _Sheet(name=name, rows=rows(), col_offset=0, height=parts.height,
                  merged=list(merged), reread=rows)


def _load_sheet(path: Path, book: CalamineWorkbook, name: str) -> _Sheet:
    split = _split_sheet(path, name)
    if split is not None:
        return split
    try:
        sheet = book.get_sheet_by_name(name)
    except python_calamine.PasswordError:
        raise _error_password(path) from None
    except Exception as exc:
        raise _error_damaged(path, name, exc) from None
    start, end = sheet.start, sheet.end
    try:
        merged = sheet.merged_cell_ranges or []
    except Exception:  # merged cells are a help for headers, never a reason to fail
        merged = []
    return _Sheet(name=name, rows=iter(sheet.iter_rows()),
                  col_offset=start[1] if start else 0,
                  height=end[0] + 1 if end else 0, merged=list(merged),
                  reread=lambda: iter(sheet.iter_rows()))


# --- CSV ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _CsvFormat:
    encoding: str
    delimiter: str
    skip_first_line: bool    # Excel's "sep=;" line
    lines: int               # physical lines (a quoted line break makes it an estimate)


def _csv_format(path: Path) -> _CsvFormat:
    """Encoding (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252),
    delimiter and line count, in one pass over the bytes."""
    with path.open("rb") as f:
        utf16 = f.read(2) in (b"\xff\xfe", b"\xfe\xff")
        f.seek(0)
        encoding = "utf-16" if utf16 else "utf-8-sig"
        decoder = None if utf16 else codecs.getincrementaldecoder("utf-8-sig")()
        lines = 0
        last = b"\n"
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-2:] if utf16 else chunk[-1:]
            if decoder is not None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    encoding, decoder = "cp1252", None
        if last not in (b"\n", b"\n\x00", b"\x00\n"):
            lines += 1                                     # no line break after the last row
        if decoder is not None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                encoding = "cp1252"
        f.seek(0)
        raw = f.read(_CSV_SAMPLE * (2 if utf16 else 1))
    sample_lines = raw.decode(encoding, errors="replace").splitlines()
    if len(raw) == _CSV_SAMPLE * (2 if utf16 else 1) and len(sample_lines) > 1:
        sample_lines.pop()  # cut in the middle
    if sample_lines and (m := re.fullmatch(r"\s*sep=(.)\s*", sample_lines[0], re.IGNORECASE)):
        return _CsvFormat(encoding, m.group(1), True, lines)
    return _CsvFormat(encoding, _sniff_delimiter(sample_lines[:200]), False, lines)


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits most lines into the same number (> 1) of fields."""
    best, best_score = _CSV_DELIMITERS[0], (0, 0)
    for delimiter in _CSV_DELIMITERS:
        counts: dict[int, int] = {}
        for fields in csv.reader(lines, delimiter=delimiter):
            if any(v.strip() for v in fields):
                counts[len(fields)] = counts.get(len(fields), 0) + 1
        width, rows = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=(0, 0))
        score = (rows if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


@contextmanager
def _csv_sheet(path: Path) -> Iterator[_Sheet]:
    fmt = _csv_format(path)
    errors = "replace" if fmt.encoding == "cp1252" else "strict"
    with path.open("r", encoding=fmt.encoding, errors=errors, newline="") as f:
        if fmt.skip_first_line:
            f.readline()
        reader = csv.reader(f, delimiter=fmt.delimiter)
        yield _Sheet(name=path.stem, rows=reader, col_offset=0,
                     height=max(fmt.lines - fmt.skip_first_line, 0), merged=[])


def _csv_check(path: Path) -> None:
    with path.open("rb") as f:
        head = f.read(4096)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _error_not_spreadsheet(path)


# --- one entry point for both kinds -----------------------------------------------------------

@contextmanager
def _workbook(path: Path) -> Iterator[tuple[CalamineWorkbook | None, list[str]]]:
    """(calamine workbook or None for CSV, sheet names)."""
    ext, head = _check_file(path)
    if ext == ".csv" and not head.startswith((_ZIP, _CFB)):
        _csv_check(path)
        yield None, [path.stem]
        return
    book = _open_book(path, ext, head)
    try:
        yield book, _usable_sheets(book)
    finally:
        book.close()


@contextmanager
def _open_sheet(path: Path, sheet: str | None) -> Iterator[_Sheet]:
    with _workbook(path) as (book, names):
        name = names[0] if sheet is None and names else _resolve_sheet(path, names, sheet or "")
        if book is None:
            with _csv_sheet(path) as csv_sheet:
                yield csv_sheet
        else:
            yield _load_sheet(path, book, name)


def list_sheets(path: str | Path) -> list[str]:
    """The work sheets of the file, visible ones first; a CSV has one, named after the file."""
    with _workbook(Path(path)) as (_book, names):
        return list(names)


# --- header detection -------------------------------------------------------------------------

def _header_text(value: object) -> str:
    return " ".join(display_text(value).split())


def _read_top(sheet: _Sheet, count: int) -> tuple[list[list[str]], list[list[str]], int]:
    """(raw, merge-filled) header texts of the first ``count`` rows, absolute columns."""
    raw: list[list[str]] = []
    for row in sheet.rows:
        raw.append([""] * sheet.col_offset + [_header_text(v) for v in row])
        if len(raw) >= count:
            break
    width = max((len(r) for r in raw), default=0)
    for r in raw:
        r.extend([""] * (width - len(r)))
    filled = [list(r) for r in raw]
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 >= len(filled) or c0 >= width:
            continue
        value = filled[r0][c0]
        for r in range(r0, min(r1, len(filled) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                if not filled[r][c]:
                    filled[r][c] = value
    return raw, filled, width


def _combine(filled: list[list[str]], top: int, bottom: int,
             width: int) -> tuple[list[str], list[str | None]]:
    """Header text and field key per column for header rows ``top..bottom``.

    The lowest cell wins when it names a field ("NIK" under "IDENTITAS"); else
    the texts of the column joined ("TEMPAT" + "LAHIR"); an empty lowest cell
    takes the nearest cell above that names a field (a merged "NO" over both rows).
    """
    texts: list[str] = []
    keys: list[str | None] = []
    for c in range(width):
        parts = [filled[r][c] for r in range(top, bottom + 1)]
        lowest = parts[-1]
        key = match_header(lowest) if lowest else None
        text = lowest
        if key is None:
            distinct: list[str] = []
            for part in parts:
                if part and part not in distinct:
                    distinct.append(part)
            joined = " ".join(distinct)
            key = match_header(joined) if len(distinct) > 1 else None
            text = joined
            if key is None and not lowest:
                for part in reversed(parts):
                    if part and (k := match_header(part)):
                        key, text = k, part
                        break
        texts.append(text)
        keys.append(key)
    return texts, keys


def _first_keys(keys: list[str | None]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    seen: set[str] = set()
    for column, key in enumerate(keys):
        if key and key not in seen:
            seen.add(key)
            mapping[column] = key
    return mapping


def _is_header(mapping: dict[int, str]) -> bool:
    found = set(mapping.values())
    return len(found) >= 2 and bool(found & {"nik", "name"})


def _is_column_numbers(cells: list[str]) -> bool:
    """A row "1 2 3 4 …" or "(1) (2) (3) …" that many government forms put under the header."""
    numbers = []
    for cell in cells:
        if not cell:
            continue
        m = _COLUMN_NUMBER.fullmatch(cell)
        if not m:
            return False
        numbers.append(int(m.group(1)))
    return len(numbers) >= 3 and all(a < b for a, b in zip(numbers, numbers[1:]))


def _find_header(sheet: _Sheet, scan_rows: int) -> Header | None:
    raw, filled, width = _read_top(sheet, scan_rows + _MAX_HEADER_ROWS + 1)
    best: tuple[int, int, int, list[str], list[str | None]] | None = None
    best_score = 0
    for bottom in range(min(scan_rows, len(filled))):
        if not any(filled[bottom]):
            continue
        for depth in range(1, _MAX_HEADER_ROWS + 1):
            top = bottom - depth + 1
            if top < 0 or not any(filled[top]):
                break
            texts, keys = _combine(filled, top, bottom, width)
            mapping = _first_keys(keys)
            if _is_header(mapping) and len(mapping) > best_score:
                best, best_score = (top, bottom, len(mapping), texts, keys), len(mapping)
    if best is None:
        return None
    top, bottom, _score, texts, keys = best
    # a header cell merged down over the next rows makes those rows part of the header
    lowest = bottom
    for (r0, _c0), (r1, _c1) in sheet.merged:
        if top <= r0 <= bottom < r1:
            lowest = max(lowest, min(r1, bottom + _MAX_HEADER_ROWS, len(filled) - 1))
    # … unless they already hold data in the NIK or name column
    key_columns = [c for c, k in _first_keys(keys).items() if k in ("nik", "name")]
    for r in range(bottom + 1, lowest + 1):
        if any(raw[r][c] for c in key_columns):
            lowest = r - 1
            break
    if lowest > bottom:
        # the lower rows are header rows, so their cells name the columns: "TANGGAL LAHIR"
        # over "TGL", "BLN", "THN" must not map the day column to the birth date
        more_texts, more_keys = _combine(filled, top, lowest, width)
        if _is_header(_first_keys(more_keys)):
            texts, keys = more_texts, more_keys
        bottom = lowest
    mapping = _first_keys(keys)
    key_columns = [c for c, k in mapping.items() if k in ("nik", "name")]
    if (bottom + 1 < len(raw) and _is_column_numbers(raw[bottom + 1])
            and all(raw[bottom + 1][c] for c in key_columns)):
        bottom += 1                                   # "(1) (2) (3) …" under the header
    unmapped = tuple(text for column, text in enumerate(texts)
                     if text and column not in mapping)
    return Header(sheet=sheet.name, row=bottom, columns=tuple(texts), mapping=mapping,
                  unmapped=unmapped)


def _needed_columns() -> str:
    return ", ".join(c.header for c in COLUMNS)


def detect_header(path: str | Path, sheet: str | None = None, *, scan_rows: int = 30) -> Header:
    """Find the header row (a row with NIK or Nama and at least one more known column).

    With ``sheet=None`` every work sheet is tried in order (visible ones
    first) and the first one with a header wins, so data behind a cover sheet
    are found.  Raises :class:`SpreadsheetError` when no header is found.
    """
    path = Path(path)
    with _workbook(path) as (book, names):
        return _detect(path, book, names, sheet, scan_rows)[0]


def _detect(path: Path, book: CalamineWorkbook | None, names: list[str], sheet: str | None,
            scan_rows: int) -> tuple[Header, _Sheet | None]:
    """The header and the parsed sheet it was found on (None for a CSV)."""
    if sheet is not None:
        candidates = [_resolve_sheet(path, names, sheet)]
    else:
        candidates = names
    for name in candidates:
        loaded = None
        if book is None:
            with _csv_sheet(path) as csv_sheet:
                header = _find_header(csv_sheet, scan_rows)
        else:
            try:
                loaded = _load_sheet(path, book, name)
            except SpreadsheetError:
                if sheet is not None or len(candidates) == 1:
                    raise
                continue  # a damaged or odd extra sheet; the data may be elsewhere
            header = _find_header(loaded, scan_rows)
        if header is not None:
            return header, loaded
    fields = dict(name=_name(path), rows=scan_rows, nik=BY_KEY["nik"].header,
                  nama=BY_KEY["name"].header, known=_needed_columns())
    if sheet is not None:
        raise SpreadsheetError(_(
            "No header row was found in the first {rows} rows of the sheet \"{sheet}\" in "
            "{name}. The data need a row of column names with a \"{nik}\" or \"{nama}\" "
            "column and at least one more known column ({known}). Please add or correct the "
            "header row, or choose another sheet, and import the file again."
        ).format(sheet=candidates[0], **fields))
    raise SpreadsheetError(_(
        "No header row was found in the first {rows} rows of any sheet in {name}. The data "
        "need a row of column names with a \"{nik}\" or \"{nama}\" column and at least one "
        "more known column ({known}). Please add or correct the header row and import the "
        "file again.").format(**fields))


# --- data rows --------------------------------------------------------------------------------

def _is_number(value: object) -> bool:
    kind = type(value)
    if kind is float or kind is int:
        return True
    return kind is str and bool(_NUMBER_TEXT.fullmatch(value))  # type: ignore[arg-type]


def iter_rows(path: str | Path, header: Header, mapping: dict[int, str] | None = None, *,
              progress: _Progress | None = None, cancel: _Cancel | None = None,
              on_skip: Callable[[int, str], None] | None = None) -> Iterator[SourceRow]:
    """Stream the data rows after ``header`` (``mapping`` overrides ``header.mapping``).

    Skipped, not yielded: empty rows; a column numbering row ("1 2 3 …") or a
    repeated header row; total rows (first filled cell starts with JUMLAH,
    TOTAL, …, or a row with no NIK, name and No KK that holds only numbers).
    ``on_skip(line, reason)`` hears about every skipped row that is not empty
    (reason: ``"total"``, ``"header"``, ``"numbers"``), so the import report
    can say so.  Every 1,000 rows ``progress.report(done, total)`` is called
    and ``cancel.raise_if_cancelled()`` may stop the iteration.
    """
    path = Path(path)
    with _open_sheet(path, header.sheet) as sheet:
        keys, rows = _data_rows(sheet, header, mapping, progress=progress, cancel=cancel,
                                on_skip=on_skip)
        off = sheet.col_offset
        for line, row, cells in rows:
            yield _SheetRow(line, values=_values(keys, cells), raw=row, pad=off)


def _values(keys: tuple[str, ...], cells: tuple[Any, ...]) -> dict[str, object]:
    """The field → value dict of a data row: empty and blank cells are None."""
    return {key: None if value == "" or (type(value) is str and value.isspace()) else value
            for key, value in zip(keys, cells)}


def _blank(value: object) -> bool:
    return value is None or value == "" or (type(value) is str and value.isspace())


def _data_rows(sheet: _Sheet, header: Header, mapping: dict[int, str] | None, *,
               progress: _Progress | None, cancel: _Cancel | None,
               on_skip: Callable[[int, str], None] | None
               ) -> tuple[tuple[str, ...], Iterator[tuple[int, list[Any], tuple[Any, ...]]]]:
    """The data rows of ``sheet`` as :func:`iter_rows` chooses them.

    Returns the field keys and an iterator of ``(line, raw row, cells)`` where
    ``cells`` holds the raw value of each key in that order: ``None`` for a
    cell outside the row, an empty or blank cell left as it is (the cell
    readers of ``puskesos.core.normalize`` treat it as empty, :func:`_values`
    makes it None).
    """
    rows = _RowFilter(sheet, header, mapping, progress, cancel, on_skip)
    return rows.keys, rows.one_by_one()


class _RowFilter:
    """Chooses the data rows of a sheet (see :func:`iter_rows`), one by one or in blocks."""

    BLOCK = 2000

    def __init__(self, sheet: _Sheet, header: Header, mapping: dict[int, str] | None,
                 progress: _Progress | None, cancel: _Cancel | None,
                 on_skip: Callable[[int, str], None] | None) -> None:
        mapping = header.mapping if mapping is None else mapping
        off = sheet.col_offset
        fields = [(column - off, key) for column, key in sorted(mapping.items())
                  if column >= off]
        missing = tuple(key for column, key in mapping.items() if column < off)
        self.keys = tuple(key for _column, key in fields) + missing
        self.key_column, self.key_name = next(
            ((c, k) for c, k in fields if k == "nik"),
            next(((c, k) for c, k in fields if k == "name"), (None, None)))
        self.columns = [column for column, _key in fields]
        keys = [key for _column, key in fields]
        self.need = max(self.columns) + 1 if self.columns else 0
        if len(self.columns) > 1:
            self.pick = itemgetter(*self.columns)
        elif self.columns:
            only = self.columns[0]
            self.pick = lambda row: (row[only],)
        else:
            self.pick = lambda row: ()
        self.absent = (None,) * len(missing)
        # the positions of NIK, name and No KK: a row with none of them may be a total row
        self.identity = [keys.index(k) for k in ("nik", "name", "no_kk") if k in keys]
        self.progress, self.cancel, self.on_skip = progress, cancel, on_skip
        self.total = max(sheet.height - header.row - 1, 0)
        self.rows = sheet.rows
        first = header.row + 1
        self.done = 0
        self.after_header = True   # a numbering row may follow the header (or a repeated one)
        if progress is not None:
            progress.report(0, self.total)
        for _skip in range(first):          # advance past the header rows
            if next(self.rows, None) is None:
                break
        self.index = first - 1

    def _finish(self) -> None:
        if self.progress is not None:
            self.progress.report(self.done, max(self.total, self.done))

    def one_by_one(self) -> Iterator[tuple[int, list[Any], tuple[Any, ...]]]:
        yield from self._exact(self.rows)
        self._finish()

    def blocks(self) -> Iterator[list[tuple[int, list[Any], tuple[Any, ...]]]]:
        """The same rows in lists of up to :attr:`BLOCK`.

        A block whose rows are all plain data (a filled first cell that is
        not a total word, a filled key cell that cannot be a repeated header,
        every mapped column present) is taken as it is, with a few passes
        over the whole block instead of the checks row by row; any other
        block goes through those checks.
        """
        rows = self.rows
        key_column, need = self.key_column, self.need
        pick, absent = self.pick, self.absent
        total_match = _TOTAL.match
        lead_of = itemgetter(0)
        while True:
            block = list(islice(rows, self.BLOCK))
            if not block:
                break
            plain = False
            if not self.after_header and key_column is not None:
                try:
                    leads = list(map(lead_of, block))
                    probes = list(map(itemgetter(key_column), block))
                except IndexError:      # a short row (CSV)
                    leads = probes = None
                if (leads is not None and min(map(len, block)) >= need
                        and set(map(type, leads)) == {str} and all(leads)
                        and not any(map(str.isspace, leads))
                        and not any(map(total_match, leads))):
                    if set(map(type, probes)) == {str}:
                        # the checks below for text key cells, a pass each
                        plain = (all(probes) and not any(map(str.isspace, probes))
                                 and not any(map(str.isalpha, map(lead_of, probes))))
                    else:
                        plain = (all(type(p) is not str or (p and not p[:1].isalpha()
                                                            and not p.isspace())
                                     for p in probes)
                                 and all(p != "" for p in probes))
            if plain:
                cells = list(map(pick, block))
                if absent:
                    cells = [c + absent for c in cells]
                start = self.index + 2
                n = len(block)
                self.index += n
                done = self.done
                self.done = done + n
                for mark in range((done // _PROGRESS_EVERY + 1) * _PROGRESS_EVERY,
                                  done + n + 1, _PROGRESS_EVERY):
                    if self.cancel is not None:
                        self.cancel.raise_if_cancelled()
                    if self.progress is not None:
                        self.progress.report(mark, self.total)
                yield list(zip(range(start, start + n), block, cells))
            else:
                yield list(self._exact(block))
        self._finish()

    def _exact(self, rows) -> Iterator[tuple[int, list[Any], tuple[Any, ...]]]:
        key_column, key_name = self.key_column, self.key_name
        columns, need, pick, absent = self.columns, self.need, self.pick, self.absent
        identity, on_skip = self.identity, self.on_skip
        progress, cancel, total = self.progress, self.cancel, self.total
        total_match = _TOTAL.match
        for row in rows:
            self.index += 1
            self.done += 1
            if self.done % _PROGRESS_EVERY == 0:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                if progress is not None:
                    progress.report(self.done, total)
            if not any(row):
                continue                                   # empty ("" or 0 only)
            for lead in row:                               # the first filled cell
                if lead != "" and not (type(lead) is str and lead.isspace()):
                    break
            else:
                continue                                   # only spaces
            line = self.index + 1
            if type(lead) is str and total_match(lead):
                if on_skip is not None:
                    on_skip(line, "total")
                continue
            if self.after_header:
                self.after_header = False
                if (_is_column_numbers([display_text(v).strip() for v in row])
                        and (key_column is None
                             or (key_column < len(row) and row[key_column] != ""))):
                    if on_skip is not None:
                        on_skip(line, "numbers")
                    continue
            width = len(row)
            if width >= need:
                cells = pick(row)
            else:
                cells = tuple(row[column] if column < width else None for column in columns)
            if absent:
                cells += absent
            if key_column is not None and key_column < width:
                probe = row[key_column]
                if (type(probe) is str and probe[:1].isalpha()
                        and match_header(probe) == key_name):
                    self.after_header = True               # the header repeated (printed pages)
                    if on_skip is not None:
                        on_skip(line, "header")
                    continue
            for i in identity:
                value = cells[i]
                if not (value is None or value == "" or (type(value) is str and value.isspace())):
                    break
            else:
                if all(_is_number(v) for v in row
                       if v != "" and not (type(v) is str and v.isspace())):
                    if on_skip is not None:
                        on_skip(line, "total")
                    continue
            yield line, row, cells


class SheetReader:
    """A spreadsheet opened and parsed once: its header and then its data rows.

    Made by :func:`open_sheet`; the import reads the header and the rows from
    the same parse (python-calamine has no lazy reader, so parsing a sheet
    twice costs as much as the whole rest of a large import).
    """

    def __init__(self, path: Path, book: CalamineWorkbook | None, header: Header,
                 sheet: _Sheet | None) -> None:
        self.path = path
        self.header = header
        self._book = book
        self._sheet = sheet
        self.col_offset = sheet.col_offset if sheet is not None else 0

    @property
    def expected_rows(self) -> int:
        """How many rows follow the header, as far as the file tells (0 when unknown);
        an estimate for planning the writes, not a count of data rows."""
        if self._sheet is None:
            return 0
        return max(self._sheet.height - self.header.row - 1, 0)

    def data(self, mapping: dict[int, str] | None = None, *,
             progress: _Progress | None = None, cancel: _Cancel | None = None,
             on_skip: Callable[[int, str], None] | None = None
             ) -> tuple[tuple[str, ...], Iterator[tuple[int, list[Any], tuple[Any, ...]]]]:
        """(field keys, iterator of (line, raw row, cells)) as :func:`_data_rows` gives them.

        The rows are those :func:`iter_rows` yields; ``cells`` has one raw value
        per key (empty or blank cells as they are, not None).
        """
        keys, blocks = self.blocks(mapping, progress=progress, cancel=cancel, on_skip=on_skip)
        return keys, (row for block in blocks for row in block)

    def blocks(self, mapping: dict[int, str] | None = None, *,
               progress: _Progress | None = None, cancel: _Cancel | None = None,
               on_skip: Callable[[int, str], None] | None = None
               ) -> tuple[tuple[str, ...], Iterator[list[tuple[int, list[Any], tuple[Any, ...]]]]]:
        """Like :meth:`data`, the rows in lists of up to 2,000 (the import's unit)."""
        mapping = self.header.mapping if mapping is None else mapping
        if self._sheet is not None:
            sheet = replace(self._sheet, rows=self._sheet.reread())
            rows = _RowFilter(sheet, self.header, mapping, progress, cancel, on_skip)
            return rows.keys, rows.blocks()
        with _csv_sheet(self.path) as sheet:   # CSV: only the keys here
            keys = _RowFilter(sheet, self.header, mapping, None, None, None).keys

        def csv_blocks() -> Iterator[list[tuple[int, list[Any], tuple[Any, ...]]]]:
            with _csv_sheet(self.path) as sheet:
                yield from _RowFilter(sheet, self.header, mapping, progress, cancel,
                                      on_skip).blocks()
        return keys, csv_blocks()

    def source_row(self, line: int, row: list[Any], cells: tuple[Any, ...],
                   keys: tuple[str, ...]) -> SourceRow:
        """The :class:`SourceRow` of a row from :meth:`data` (its display cells are
        built only when read)."""
        return _SheetRow(line, values=_values(keys, cells), raw=row, pad=self.col_offset)


def display_cells(row: list[Any], pad: int = 0) -> tuple[str, ...]:
    """A raw row as the text Excel shows, with ``pad`` empty cells before it."""
    return ("",) * pad + tuple(v if type(v) is str else display_text(v) for v in row)


@contextmanager
def open_sheet(path: str | Path, sheet: str | None = None, *,
               scan_rows: int = 30) -> Iterator[SheetReader]:
    """Open the file, find the header like :func:`detect_header` and keep the parsed
    sheet for reading its rows."""
    path = Path(path)
    with _workbook(path) as (book, names):
        header, loaded = _detect(path, book, names, sheet, scan_rows)
        yield SheetReader(path, book, header, loaded)


# --- counting ---------------------------------------------------------------------------------

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*[0-9]*(?::[A-Z]*([0-9]+))?\"")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"([0-9]+)\"")


def _xlsx_part(z: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of a sheet, from workbook.xml and its relationships."""
    workbook = z.read("xl/workbook.xml").decode("utf-8", errors="replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", errors="replace")
    rid = None
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(r'\bname="([^"]*)"', tag)
        if name and _xml_unescape(name.group(1)) == sheet:
            m = re.search(r'\b(?:\w+:)?id="([^"]*)"', tag)
            rid = m.group(1) if m else None
            break
    if not rid:
        return None
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        if re.search(r'\bId="%s"' % re.escape(rid), tag):
            m = re.search(r'\bTarget="([^"]*)"', tag)
            if not m:
                return None
            target = m.group(1)
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def _xlsx_last_row(path: Path, sheet: str) -> int | None:
    """The last row number of a sheet without building its cells.

    Excel writes ``<dimension ref="A1:N100003"/>`` at the top of the sheet;
    other writers (openpyxl's write-only mode) do not, then the row tags are
    scanned in the decompressed XML, which is still several times faster
    than parsing the cells.
    """
    try:
        with zipfile.ZipFile(path) as z:
            part = _xlsx_part(z, sheet)
            if part is None:
                return None
            with z.open(part) as f:
                head = f.read(16 * 1024)
                data_at = _SHEET_DATA.search(head)
                m = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
                if m and m.group(1):
                    return int(m.group(1))
                last_row = None
                tail = b""
                chunk = head
                while chunk:
                    window = tail + chunk
                    found = None
                    for found in _ROW_TAG.finditer(window):
                        pass
                    if found is not None:
                        last_row = int(found.group(1))
                    tail = window[-256:]
                    chunk = f.read(1 << 20)
                return last_row
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, RuntimeError):
        return None


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def count_rows(path: str | Path, header: Header) -> int:
    """How many rows follow the header (empty and total rows included): for progress.

    Cheap for .xlsx written by Excel (read from the sheet's dimension) and for
    CSV (line count); other files are parsed by calamine.
    """
    path = Path(path)
    ext, head = _check_file(path)
    if ext in (".xlsx", ".xlsm") and head.startswith(_ZIP):
        last = _xlsx_last_row(path, header.sheet)
        if last is not None:
            return max(last - header.row - 1, 0)
    with _open_sheet(path, header.sheet) as sheet:
        return max(sheet.height - header.row - 1, 0)

