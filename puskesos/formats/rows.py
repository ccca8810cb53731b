"""The data rows after the header: empty rows, a column numbering row, repeated
header rows and total rows are skipped; :class:`SheetReader` gives the rows of
one parse in blocks, the import's unit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from ..core.columns import TOTAL_WORDS, match_header
from ..core.normalize import display_text

from .books import open_raw_sheet, open_workbook
from .csv_sheet import open_csv
from .header import detect_in_book, is_column_numbers
from .sheet import (CancelLike, Header, ProgressLike, Sheet, SheetRow, SourceRow,
                    row_values)


_PROGRESS_EVERY = 1000
_TOTAL = re.compile(r"\s*(?:%s)(?![A-Z])" % "|".join(
    re.escape(w) for w in sorted(TOTAL_WORDS, key=len, reverse=True)), re.IGNORECASE)
_NUMBER_TEXT = re.compile(r"\s*[-+]?(?:Rp\.?\s*)?[0-9][0-9.,]*\s*%?\s*", re.IGNORECASE)


def _is_number(value: object) -> bool:
    kind = type(value)
    if kind is float or kind is int:
        return True
    return kind is str and bool(_NUMBER_TEXT.fullmatch(value))  # type: ignore[arg-type]


def iter_rows(path: str | Path, header: Header, mapping: dict[int, str] | None = None, *,
              progress: ProgressLike | None = None, cancel: CancelLike | None = None,
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
    with open_raw_sheet(path, header.sheet) as sheet:
        keys, rows = _data_rows(sheet, header, mapping, progress=progress, cancel=cancel,
                                on_skip=on_skip)
        off = sheet.col_offset
        for line, row, cells in rows:
            yield SheetRow(line, values=row_values(keys, cells), raw=row, pad=off)


def _blank(value: object) -> bool:
    return value is None or value == "" or (type(value) is str and value.isspace())


def _data_rows(sheet: Sheet, header: Header, mapping: dict[int, str] | None, *,
               progress: ProgressLike | None, cancel: CancelLike | None,
               on_skip: Callable[[int, str], None] | None
               ) -> tuple[tuple[str, ...], Iterator[tuple[int, list[Any], tuple[Any, ...]]]]:
    """The data rows of ``sheet`` as :func:`iter_rows` chooses them.

    Returns the field keys and an iterator of ``(line, raw row, cells)`` where
    ``cells`` holds the raw value of each key in that order: ``None`` for a
    cell outside the row, an empty or blank cell left as it is (the cell
    readers of ``puskesos.core.normalize`` treat it as empty, :func:`row_values`
    makes it None).
    """
    rows = _RowFilter(sheet, header, mapping, progress, cancel, on_skip)
    return rows.keys, rows.one_by_one()


class _RowFilter:
    """Chooses the data rows of a sheet (see :func:`iter_rows`), one by one or in blocks."""

    BLOCK = 2000

    def __init__(self, sheet: Sheet, header: Header, mapping: dict[int, str] | None,
                 progress: ProgressLike | None, cancel: CancelLike | None,
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
                if (is_column_numbers([display_text(v).strip() for v in row])
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
                 sheet: Sheet | None) -> None:
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
             progress: ProgressLike | None = None, cancel: CancelLike | None = None,
             on_skip: Callable[[int, str], None] | None = None
             ) -> tuple[tuple[str, ...], Iterator[tuple[int, list[Any], tuple[Any, ...]]]]:
        """(field keys, iterator of (line, raw row, cells)) as :func:`_data_rows` gives them.

        The rows are those :func:`iter_rows` yields; ``cells`` has one raw value
        per key (empty or blank cells as they are, not None).
        """
        keys, blocks = self.blocks(mapping, progress=progress, cancel=cancel, on_skip=on_skip)
        return keys, (row for block in blocks for row in block)

    def blocks(self, mapping: dict[int, str] | None = None, *,
               progress: ProgressLike | None = None, cancel: CancelLike | None = None,
               on_skip: Callable[[int, str], None] | None = None
               ) -> tuple[tuple[str, ...], Iterator[list[tuple[int, list[Any], tuple[Any, ...]]]]]:
        """Like :meth:`data`, the rows in lists of up to 2,000 (the import's unit)."""
        mapping = self.header.mapping if mapping is None else mapping
        if self._sheet is not None:
            sheet = replace(self._sheet, rows=self._sheet.reread())
            rows = _RowFilter(sheet, self.header, mapping, progress, cancel, on_skip)
            return rows.keys, rows.blocks()
        with open_csv(self.path) as sheet:   # CSV: only the keys here
            keys = _RowFilter(sheet, self.header, mapping, None, None, None).keys

        def csv_blocks() -> Iterator[list[tuple[int, list[Any], tuple[Any, ...]]]]:
            with open_csv(self.path) as sheet:
                yield from _RowFilter(sheet, self.header, mapping, progress, cancel,
                                      on_skip).blocks()
        return keys, csv_blocks()

    def source_row(self, line: int, row: list[Any], cells: tuple[Any, ...],
                   keys: tuple[str, ...]) -> SourceRow:
        """The :class:`SourceRow` of a row from :meth:`data` (its display cells are
        built only when read)."""
        return SheetRow(line, values=row_values(keys, cells), raw=row, pad=self.col_offset)


@contextmanager
def open_sheet(path: str | Path, sheet: str | None = None, *,
               scan_rows: int = 30) -> Iterator[SheetReader]:
    """Open the file, find the header like :func:`detect_header` and keep the parsed
    sheet for reading its rows."""
    path = Path(path)
    with open_workbook(path) as (book, names):
        header, loaded = detect_in_book(path, book, names, sheet, scan_rows)
        yield SheetReader(path, book, header, loaded)
