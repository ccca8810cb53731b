"""Writing .xlsx workbooks: the one place where a value becomes a cell.

Every workbook the program writes (the import report, the registry and BNBA
exports, the entry template, the verval results) is built with :class:`Book`
and its :class:`Sheet`, never with openpyxl's cells directly
(``tests/unit/test_xlsx_write.py`` holds every other module to that).  The
reason is safety: openpyxl takes any text that begins with ``=`` for a
formula, so a name such as ``=HYPERLINK("http://…","klik")`` typed into a
DTSEN extract would come out of our report or export as a live formula in a
file that goes on to the kabupaten.  Here:

* text is always written as a text cell (``inlineStr``), whatever it begins
  with, and a text that a spreadsheet would read as a formula or a number
  when it is edited (``=``, ``+``, ``-``, ``@``, a tab or a line break first,
  also after spaces) also gets Excel's "quote prefix", so editing the cell
  keeps it text;
  the text itself is never changed, so the reader sees what was stored;
* characters an .xlsx file cannot hold (control characters other than tab
  and line breaks) are shown as U+FFFD "�", and a text over Excel's limit of
  32,767 characters is shortened with a "…" (Excel refuses a longer cell);
  the stored data is not touched, only what the sheet shows;
* numbers, dates and booleans are written as themselves.
"""

from __future__ import annotations

import numbers
import os
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import IO, Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

__all__ = ["HEADER", "MAX_CELL_TEXT", "TEXT_FORMAT", "Book", "Sheet", "Style", "cell_text",
           "save_book", "table_sheet",
           "column_letter"]

#: the longest text Excel keeps in a cell
MAX_CELL_TEXT = 32_767
#: Excel's "Text" number format: what is typed later into the cell stays text too
TEXT_FORMAT = "@"
#: the first characters that make a spreadsheet read an edited cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

#: characters an .xlsx (XML 1.0) cannot hold: C0 controls except tab, LF and CR
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MORE = "…"


def cell_text(value: str) -> str:
    """``value`` as a text cell can hold it: unchanged unless it has a character
    an .xlsx cannot hold (shown as "�") or is over :data:`MAX_CELL_TEXT`
    characters (shortened, ending in "…")."""
    if not value.isprintable() and _ILLEGAL.search(value):
        value = _ILLEGAL.sub("\ufffd", value)
    if len(value) > MAX_CELL_TEXT:
        value = value[:MAX_CELL_TEXT - len(_MORE)] + _MORE
    return value


def _risky(text: str) -> bool:
    """Would a spreadsheet take ``text`` for a formula once the cell is edited (also
    after the spaces before it are trimmed)?"""
    return text.startswith(FORMULA_STARTS) or (
        text[:1].isspace() and text.lstrip().startswith(FORMULA_STARTS))


def column_letter(index: int) -> str:
    """The letter(s) of the 1-based column ``index`` (1 → A, 27 → AA)."""
    return get_column_letter(index)


@dataclass(frozen=True)
class Style:
    """How a cell looks: font, fill, number format, alignment (all optional)."""

    font: Font | None = None
    fill: PatternFill | None = None
    number_format: str | None = None
    alignment: Alignment | None = None

    def apply(self, cell) -> None:
        """Give ``cell`` this style."""
        if self.font is not None:
            cell.font = self.font
        if self.fill is not None:
            cell.fill = self.fill
        if self.number_format is not None:
            cell.number_format = self.number_format
        if self.alignment is not None:
            cell.alignment = self.alignment


_PLAIN = Style()
#: values written as themselves: numbers, dates, times (bool is an int)
_PLAIN_VALUES = (numbers.Real, date, time)


class Book:
    """A workbook being written.  ``streamed`` (the default) writes each row as
    it is appended, so memory does not grow with the rows (openpyxl's
    write-only mode: rows only, in order); otherwise cells are placed with
    :meth:`Sheet.put` anywhere."""

    def __init__(self, *, streamed: bool = True) -> None:
        self.streamed = streamed
        self._wb = Workbook(write_only=streamed)
        self._first = not streamed     # a normal workbook starts with one sheet

    def sheet(self, title: str, *, index: int | None = None,
              style_blanks: bool = True) -> "Sheet":
        """A new sheet named ``title`` (at ``index``, by default the last); with
        ``style_blanks`` False an empty value is an empty cell without its style."""
        if self._first:
            self._first = False
            ws = self._wb.active
            ws.title = title
        else:
            ws = self._wb.create_sheet(title, index)
        return Sheet(ws, self.streamed, style_blanks)

    def first_active(self) -> None:
        """Make the first sheet the one shown when the file is opened."""
        self._wb.active = 0

    def save(self, target: Path | str | IO[bytes]) -> None:
        """Write the workbook to ``target`` (a path or a binary file object)."""
        self._wb.save(target)

    def discard(self) -> None:
        """Remove the temporary files of a streamed workbook that is not saved
        (they may hold personal data; openpyxl would only remove them at exit)."""
        from openpyxl.worksheet import _writer
        for ws in getattr(self._wb, "_sheets", []):
            writer = getattr(ws, "_writer", None)
            if writer is None or not isinstance(getattr(writer, "out", None), str):
                continue
            # the row stream first: it writes its closing tag into the file; a
            # writer that failed half-way may not close cleanly, but its file
            # handle is released either way
            for stream in (getattr(ws, "_rows", None), writer):
                try:
                    if stream is not None:
                        stream.close()
                except Exception:
                    pass
            try:
                os.remove(writer.out)
            except OSError:
                pass
            if writer.out in _writer.ALL_TEMP_FILES:
                _writer.ALL_TEMP_FILES.remove(writer.out)


class Sheet:
    """One sheet of a :class:`Book`; every value goes in through :meth:`append`
    or :meth:`put`, which write text as text (see the module's docstring)."""

    def __init__(self, ws, streamed: bool, style_blanks: bool = True) -> None:
        self._ws = ws
        self._streamed = streamed
        self._style_blanks = style_blanks
        #: reusable cells of a streamed sheet, by (column, style, quoted): openpyxl
        #: writes an appended row at once, so a cell can carry the next row's value
        self._cells: dict[tuple[int, int, bool], Any] = {}

    # ------------------------------------------------------------------ values
    def append(self, values: Iterable[Any],
               styles: Style | Sequence[Style | None] | None = None) -> None:
        """Add a row after the last one.  ``styles``: one for every cell, or one per
        column (None: plain)."""
        if not self._streamed:
            raise TypeError("append on a sheet that is not streamed: use put()")
        if styles is None or isinstance(styles, Style):
            every, per_column, n = styles, (), 0
        else:
            every, per_column, n = None, styles, len(styles)
        cells = self._cells
        blanks = self._style_blanks
        out: list[Any] = []
        add = out.append
        # one loop for every cell of an export of 100,000 rows: the common cases inline
        for i, value in enumerate(values):
            style = every if n == 0 else per_column[i] if i < n else None
            kind = type(value)
            if kind is str and value:
                if len(value) > MAX_CELL_TEXT or not value.isprintable():
                    value = cell_text(value)
                text = True
            elif value is None or value == "":
                if style is None or not blanks:
                    add(None)
                    continue
                value, text = None, False       # an empty cell that keeps its style
            elif isinstance(value, _PLAIN_VALUES):
                if style is None:
                    add(value)                  # a number or a date is never a formula
                    continue
                text = False
            else:
                value, text = cell_text(str(value)), True
            quoted = text and (value[0] in FORMULA_STARTS
                               or (value[0].isspace() and _risky(value)))
            key = (i, id(style), quoted)
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = WriteOnlyCell(self._ws)
                (style or _PLAIN).apply(cell)
                if quoted:
                    cell.quotePrefix = True
            if text:
                # set as text directly: openpyxl's setter would make a formula of "=…"
                # (the text is already what a cell can hold, see cell_text)
                cell._value = value
                cell.data_type = "s"            # text, never a formula
            else:
                cell.value = value
            add(cell)
        self._ws.append(out)

    def put(self, row: int, column: int, value: Any, style: Style | None = None) -> None:
        """Set the cell at ``row``, ``column`` (1-based) of a sheet that is not
        streamed; ``value`` None leaves it empty (with ``style``, e.g. a format
        for what will be typed there)."""
        if self._streamed:
            raise TypeError("put on a streamed sheet: use append()")
        cell = self._ws.cell(row=row, column=column)
        if value is not None and not isinstance(value, (str, *_PLAIN_VALUES)):
            value = str(value)
        if isinstance(value, str):
            value = cell_text(value)
            cell.value = value
            cell.data_type = "s"        # text, never a formula
            if _risky(value):
                cell.quotePrefix = True
        elif value is not None:
            cell.value = value
        if style is not None:
            style.apply(cell)

    # ------------------------------------------------------------------ layout
    def width(self, column: int, width: float) -> None:
        """Set the width of the 1-based ``column``."""
        self._ws.column_dimensions[get_column_letter(column)].width = width

    def freeze(self, ref: str = "A2") -> None:
        """Keep the rows above and columns left of ``ref`` in view."""
        self._ws.freeze_panes = ref

    def autofilter(self, ref: str) -> None:
        """Filter buttons on the header of the range ``ref``."""
        self._ws.auto_filter.ref = ref

    def choose_from(self, source: str, cells: str, *, title: str, error: str,
                    prompt: str) -> None:
        """A drop-down list on ``cells`` with the values of the range ``source``
        (e.g. ``Kode!$A$2:$A$3``), refusing anything else."""
        dv = DataValidation(type="list", formula1=source, allow_blank=True,
                            showErrorMessage=True, showInputMessage=True, errorTitle=title,
                            error=error, promptTitle=title, prompt=prompt)
        dv.add(cells)
        self._ws.add_data_validation(dv)

    def hide_and_protect(self) -> None:
        """Hide the sheet and protect it from changes."""
        self._ws.protection.sheet = True
        self._ws.sheet_state = "hidden"


#: the header row of a table sheet: bold on light blue
HEADER = Style(font=Font(bold=True), fill=PatternFill("solid", fgColor="DDEBF7"))
_TEXT_CELL = Style(number_format=TEXT_FORMAT)


def table_sheet(book: Book, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
                *, text_headers: Iterable[str] = ()) -> int:
    """A sheet ``title`` of a streamed ``book``: a frozen header row, columns as wide as
    their headers suggest, then ``rows``; the columns named in ``text_headers`` are
    text cells (a NIK never becomes 3.52E+15).  Returns the number of rows written."""
    sheet = book.sheet(title)
    sheet.freeze("A2")
    for i, h in enumerate(headers, 1):
        sheet.width(i, max(12, min(40, len(h) + 6)))
    sheet.append(headers, HEADER)
    text = set(text_headers)
    styles = [_TEXT_CELL if h in text else None for h in headers]
    count = 0
    for row in rows:
        sheet.append(row, styles)
        count += 1
    return count


def save_book(book: Book, path: Path | str) -> Path:
    """Save ``book`` to ``path`` whole or not at all (``files.atomic_file``); on any
    failure the book's temporary files are removed too."""
    from ..files import atomic_file
    try:
        with atomic_file(path) as part:
            book.save(part)
    except BaseException:
        book.discard()
        raise
    return Path(path)
