"""What a sheet is to the reader: :class:`Header`, :class:`SourceRow`, the rows
being read (:class:`Sheet`), and the messages for a file that cannot be read
(:class:`SpreadsheetError`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..core.normalize import display_text
from ..errors import UserError
from ..i18n import _


SUPPORTED_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")
ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0"                 # OLE compound file: .xls or encrypted OOXML
ENCRYPTED_STREAMS = ("EncryptionInfo".encode("utf-16-le"),
                     "EncryptedPackage".encode("utf-16-le"))


class SpreadsheetError(UserError):
    """The file cannot be read as a registry spreadsheet; the message says what to do."""


class ProgressLike(Protocol):
    def report(self, done: int, total: int, message: str = "") -> None: ...


class CancelLike(Protocol):
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


class SheetRow(SourceRow):
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


@dataclass
class Sheet:
    """One sheet being read: ``rows`` yields lists, row index = position from row 0."""

    name: str
    rows: Iterator[list[Any]]
    col_offset: int          # column index of the first cell of each row list
    height: int              # number of rows counted from row 0, 0 when unknown
    merged: list[tuple[tuple[int, int], tuple[int, int]]]
    #: a fresh iterator over the rows from row 0 (a parsed workbook sheet is read
    #: again from memory; None for CSV, which is opened again instead)
    reread: Callable[[], Iterator[list[Any]]] | None = None


def file_name(path: Path) -> str:
    return path.name


def error_unreadable(path: Path, detail: str) -> SpreadsheetError:
    return SpreadsheetError(_(
        "The file {name} could not be read ({detail}). Please close it in other programs "
        "or copy it to this computer, and try again.").format(name=file_name(path), detail=detail))


def error_not_spreadsheet(path: Path) -> SpreadsheetError:
    return SpreadsheetError(_(
        "The file {name} is not a spreadsheet that can be read: it may be damaged, or it "
        "may be another kind of file with a spreadsheet name. Please open it in Excel or "
        "LibreOffice, save it as an Excel workbook (.xlsx) and import that file."
    ).format(name=file_name(path)))


def error_csv_nul(path: Path, offset: int) -> SpreadsheetError:
    """A CSV with zero bytes (NUL) near its start: not plain text."""
    return SpreadsheetError(_(
        "The CSV file {name} contains zero bytes (NUL characters) near its start (at byte "
        "{offset}), so it is not plain text. If it was saved as \"Unicode Text\", open it "
        "in Excel and save it again as \"CSV UTF-8\" or as an Excel workbook (.xlsx); "
        "otherwise the file is damaged. Nothing was imported."
    ).format(name=file_name(path), offset=offset))


def error_csv_field(path: Path, line: int, limit: int) -> SpreadsheetError:
    """A CSV field larger than the reader takes (often a quote mark never closed)."""
    return SpreadsheetError(_(
        "Line {line} of the CSV file {name} has a cell longer than {limit} KB. No real "
        "cell is that long: usually a quote mark (\") opens a cell and is never closed, so "
        "the rest of the file runs into one cell. Open the file in a spreadsheet program, "
        "correct that line and import it again. Nothing was imported."
    ).format(line=line, name=file_name(path), limit=limit // 1024))


def error_csv_encoding(path: Path, line: int) -> SpreadsheetError:
    """A CSV that stops being text in its own encoding."""
    return SpreadsheetError(_(
        "The CSV file {name} is not valid text from line {line} on: it may be damaged, or "
        "saved in another encoding than its start says. Open it in a spreadsheet program "
        "and save it again as \"CSV UTF-8\" or as an Excel workbook (.xlsx). Nothing was "
        "imported."
    ).format(name=file_name(path), line=line))


def error_csv(path: Path, line: int, detail: str) -> SpreadsheetError:
    """Any other line that the CSV reader cannot read."""
    return SpreadsheetError(_(
        "Line {line} of the CSV file {name} cannot be read ({detail}). Open the file in a "
        "spreadsheet program, correct that line or save the file as an Excel workbook "
        "(.xlsx), and import it again. Nothing was imported."
    ).format(line=line, name=file_name(path), detail=detail))


def error_password(path: Path) -> SpreadsheetError:
    return SpreadsheetError(_(
        "The file {name} is protected with a password, so it cannot be read. Please open "
        "it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with "
        "Password, then clear the password), save it and import it again."
    ).format(name=file_name(path)))

def error_damaged(path: Path, name: str, detail: object) -> SpreadsheetError:
    return SpreadsheetError(_(
        "The sheet \"{sheet}\" in {name} could not be read because the file is damaged "
        "({detail}). Please open it in Excel or LibreOffice, save it again and import "
        "the saved file.").format(sheet=name, name=file_name(path), detail=detail))


def row_values(keys: tuple[str, ...], cells: tuple[Any, ...]) -> dict[str, object]:
    """The field → value dict of a data row: empty and blank cells are None."""
    return {key: None if value == "" or (type(value) is str and value.isspace()) else value
            for key, value in zip(keys, cells)}


def display_cells(row: list[Any], pad: int = 0) -> tuple[str, ...]:
    """A raw row as the text Excel shows, with ``pad`` empty cells before it."""
    return ("",) * pad + tuple(v if type(v) is str else display_text(v) for v in row)
