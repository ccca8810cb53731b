"""Opening a spreadsheet file: checking it, choosing the reader by its content
(a .xls may really be an .xlsx), its usable sheets, a sheet loaded whole or in
parts (:mod:`.xlsx_parts`), and counting its rows for progress.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import python_calamine
from python_calamine import CalamineWorkbook

from ..i18n import _

from . import xlsx_parts
from .csv_sheet import check_csv, open_csv
from .sheet import (CFB_MAGIC, ENCRYPTED_STREAMS, SUPPORTED_EXTENSIONS, ZIP_MAGIC, Sheet,
                    SpreadsheetError, error_damaged, error_not_spreadsheet, error_password,
                    error_unreadable, file_name)
from .xlsx_xml import sheet_member
from .zipguard import SPREADSHEET, check_zip


def check_file(path: Path) -> tuple[str, bytes]:
    """Refuse unknown extensions, missing, empty and unreadable files; return (ext, head)."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise SpreadsheetError(_(
            "The file {name} has the extension \"{ext}\", which cannot be imported. Please "
            "save it from Excel or LibreOffice as one of: {supported}."
        ).format(name=file_name(path), ext=path.suffix or "-",
                 supported=", ".join(SUPPORTED_EXTENSIONS)))
    if path.name.startswith("~$"):
        raise SpreadsheetError(_(
            "The file {name} is a temporary file that Excel keeps while a workbook is open, "
            "not the workbook itself. Please choose the file without \"~$\" at the start of "
            "its name.").format(name=file_name(path)))
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(512)
    except FileNotFoundError:
        raise SpreadsheetError(_(
            "The file {name} does not exist any more. Please choose the file again."
        ).format(name=file_name(path))) from None
    except IsADirectoryError:
        raise SpreadsheetError(_(
            "{name} is a folder, not a file. Please choose the spreadsheet file inside it."
        ).format(name=file_name(path))) from None
    except OSError as exc:
        raise error_unreadable(path, exc.strerror or str(exc)) from None
    if size == 0:
        raise SpreadsheetError(_(
            "The file {name} is empty (0 bytes): it was probably not saved or not copied "
            "completely. Please save the spreadsheet again in Excel and import the new file."
        ).format(name=file_name(path)))
    return ext, head


def _is_encrypted_cfb(path: Path) -> bool:
    with path.open("rb") as f:
        data = f.read()
    return any(marker in data for marker in ENCRYPTED_STREAMS)


def _open_book(path: Path, ext: str, head: bytes) -> CalamineWorkbook:
    """Open a workbook by its content: a .xls may really be an .xlsx and the reverse."""
    if not (head.startswith(ZIP_MAGIC) or head.startswith(CFB_MAGIC)):
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise SpreadsheetError(_(
                "The file {name} is a web page or XML file with a spreadsheet name, not a "
                "real workbook. Please open it in Excel, choose Save As > Excel Workbook "
                "(.xlsx) and import the saved file.").format(name=file_name(path)))
        raise error_not_spreadsheet(path)
    if (head.startswith(CFB_MAGIC) and ext in (".xlsx", ".xlsm", ".xlsb")
            and _is_encrypted_cfb(path)):
        raise error_password(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise error_password(path) from None
    except OSError as exc:
        raise error_unreadable(path, exc.strerror or str(exc)) from None
    except Exception:
        pass  # e.g. an .xlsx saved with the name .xls: let calamine detect the format
    try:
        with path.open("rb") as f:
            return CalamineWorkbook.from_filelike(f)
    except python_calamine.PasswordError:
        raise error_password(path) from None
    except Exception:
        if head.startswith(CFB_MAGIC) and ext != ".xls":
            # an OLE file named .xlsx that is not a readable .xls: Excel's encryption
            raise error_password(path) from None
        raise error_not_spreadsheet(path) from None


def _usable_sheets(book: CalamineWorkbook) -> list[str]:
    """Work sheets, visible ones first (hidden lookup sheets come last)."""
    visible, hidden = [], []
    for meta in book.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        (visible if meta.visible == python_calamine.SheetVisibleEnum.Visible
         else hidden).append(meta.name)
    return visible + hidden


def resolve_sheet(path: Path, names: list[str], sheet: str) -> str:
    if sheet in names:
        return sheet
    loose = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    raise SpreadsheetError(_(
        "The sheet \"{sheet}\" is not in the file {name}. The file has these sheets: "
        "{sheets}. Please choose one of them."
    ).format(sheet=sheet, name=file_name(path),
             sheets=", ".join(f"\"{n}\"" for n in names) or "-"))


def _split_sheet(path: Path, name: str) -> Sheet | None:
    """A large .xlsx sheet read in parts parsed ahead on a thread (see
    :mod:`.xlsx_parts`), or None: parse it whole."""
    try:
        with path.open("rb") as f:
            if f.read(4) != ZIP_MAGIC:
                return None
        with zipfile.ZipFile(path) as z:
            part = sheet_member(z, name)
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
            raise error_damaged(path, name, exc) from None

    return Sheet(name=name, rows=rows(), col_offset=0, height=parts.height,
                  merged=list(merged), reread=rows)


class _Ahead:
    """A sheet being parsed ahead (:func:`read_ahead`): its name and, once ``done`` is
    set, the loaded sheet (None when anything went wrong)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        #: set once the zip guard has looked at the file; ``guarded``: it passed
        self.checked = threading.Event()
        self.guarded = False
        self.name: str | None = None
        self.sheet: Sheet | None = None


#: sheets parsed ahead, by file (its resolved path, size and time of change)
_ahead: dict[tuple[str, int, int], _Ahead] = {}
_ahead_lock = threading.Lock()


def _file_key(path: Path) -> tuple[str, int, int] | None:
    try:
        stat = path.stat()
        return str(path.resolve()), stat.st_size, stat.st_mtime_ns
    except OSError:
        return None


def read_ahead(path: str | Path, sheet: str | None = None) -> None:
    """Start parsing the sheet of ``path`` that an import will read first (``sheet``, or
    the first usable one) on a thread; :func:`load_sheet` takes the parsed sheet.

    The command line calls this as soon as it knows the file, so that the parse
    (most of a large file's reading, done by calamine without holding the
    interpreter lock) runs on the second core while the rest of the program is
    loaded and the password is checked.  Anything that goes wrong is left for the
    import itself to find and tell: the thread then keeps nothing.  A sheet that
    :func:`load_sheet` never asks for is let go when the process ends.
    """
    path = Path(path)
    key = _file_key(path)
    if key is None:
        return
    entry = _Ahead()
    with _ahead_lock:
        _ahead[key] = entry

    def parse() -> None:
        try:
            ext, head = check_file(path)
            if ext == ".csv" and not head.startswith((ZIP_MAGIC, CFB_MAGIC)):
                return
            if head.startswith(ZIP_MAGIC):
                _guard(path)          # never a bomb to calamine, on this thread either
                entry.guarded = True
            entry.checked.set()
            book = _open_book(path, ext, head)
            try:
                names = _usable_sheets(book)
                if not names:
                    return
                entry.name = names[0] if sheet is None else resolve_sheet(path, names, sheet)
                entry.sheet = _load(path, book, entry.name)
            finally:
                book.close()
        except Exception:  # noqa: BLE001 - the import reads the file again and tells
            entry.sheet = None
        finally:
            entry.checked.set()
            entry.done.set()

    threading.Thread(target=parse, name="read-ahead", daemon=True).start()


def _guarded_ahead(path: Path) -> bool:
    """Whether the read-ahead of ``path`` as it is now has passed the zip guard
    (waiting for its verdict): the guard need not read the file a second time."""
    key = _file_key(path)
    with _ahead_lock:
        entry = _ahead.get(key) if key is not None else None
    if entry is None:
        return False
    entry.checked.wait()
    return entry.guarded


def _guard(path: Path) -> None:
    """Refuse a zip-based workbook whose members would unpack to too much (before
    anything parses it: a zip bomb is refused in seconds, in little memory)."""
    check_zip(path, SPREADSHEET, error=SpreadsheetError, advice=_(
        "If it came from someone else, ask them for the file again; otherwise open it "
        "in Excel or LibreOffice, save it again and import the saved file."))


def _take_ahead(path: Path, name: str) -> Sheet | None:
    """The sheet ``name`` of ``path`` parsed ahead, waiting for its parse; None when
    none was started for this file as it is now, or it failed."""
    key = _file_key(path)
    with _ahead_lock:
        entry = _ahead.pop(key, None) if key is not None else None
    if entry is None:
        return None
    entry.done.wait()
    return entry.sheet if entry.name == name else None


def load_sheet(path: Path, book: CalamineWorkbook, name: str) -> Sheet:
    ahead = _take_ahead(path, name)
    if ahead is not None:
        return ahead
    return _load(path, book, name)


def _load(path: Path, book: CalamineWorkbook, name: str) -> Sheet:
    split = _split_sheet(path, name)
    if split is not None:
        return split
    try:
        sheet = book.get_sheet_by_name(name)
    except python_calamine.PasswordError:
        raise error_password(path) from None
    except Exception as exc:
        raise error_damaged(path, name, exc) from None
    start, end = sheet.start, sheet.end
    try:
        merged = sheet.merged_cell_ranges or []
    except Exception:  # merged cells are a help for headers, never a reason to fail
        merged = []
    return Sheet(name=name, rows=iter(sheet.iter_rows()),
                  col_offset=start[1] if start else 0,
                  height=end[0] + 1 if end else 0, merged=list(merged),
                  reread=lambda: iter(sheet.iter_rows()))


@contextmanager
def open_workbook(path: Path) -> Iterator[tuple[CalamineWorkbook | None, list[str]]]:
    """(calamine workbook or None for CSV, sheet names)."""
    ext, head = check_file(path)
    if ext == ".csv" and not head.startswith((ZIP_MAGIC, CFB_MAGIC)):
        check_csv(path)
        yield None, [path.stem]
        return
    if head.startswith(ZIP_MAGIC) and not _guarded_ahead(path):
        _guard(path)
    book = _open_book(path, ext, head)
    try:
        yield book, _usable_sheets(book)
    finally:
        book.close()


@contextmanager
def open_raw_sheet(path: Path, sheet: str | None) -> Iterator[Sheet]:
    with open_workbook(path) as (book, names):
        name = names[0] if sheet is None and names else resolve_sheet(path, names, sheet or "")
        if book is None:
            with open_csv(path) as csv_sheet:
                yield csv_sheet
        else:
            yield load_sheet(path, book, name)


def list_sheets(path: str | Path) -> list[str]:
    """The work sheets of the file, visible ones first; a CSV has one, named after the file."""
    with open_workbook(Path(path)) as (_book, names):
        return list(names)
