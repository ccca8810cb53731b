"""Finding the header row below any title rows, on the first sheet that has
one, combining a header of up to three rows and reading merged header cells.
"""

from __future__ import annotations

import re
from pathlib import Path

from python_calamine import CalamineWorkbook

from ..core.columns import BASE_COLUMNS, BY_KEY, match_header
from ..core.normalize import display_text
from ..i18n import _

from .books import load_sheet, open_workbook, resolve_sheet
from .csv_sheet import open_csv
from .sheet import Header, Sheet, SpreadsheetError, file_name


_MAX_HEADER_ROWS = 3                             # a header may span this many rows
_COLUMN_NUMBER = re.compile(r"\(?\s*([0-9]{1,3})\s*\)?")


def _header_text(value: object) -> str:
    return " ".join(display_text(value).split())


def _read_top(sheet: Sheet, count: int) -> tuple[list[list[str]], list[list[str]], int]:
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


def is_column_numbers(cells: list[str]) -> bool:
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


def _find_header(sheet: Sheet, scan_rows: int) -> Header | None:
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
    if (bottom + 1 < len(raw) and is_column_numbers(raw[bottom + 1])
            and all(raw[bottom + 1][c] for c in key_columns)):
        bottom += 1                                   # "(1) (2) (3) …" under the header
    unmapped = tuple(text for column, text in enumerate(texts)
                     if text and column not in mapping)
    return Header(sheet=sheet.name, row=bottom, columns=tuple(texts), mapping=mapping,
                  unmapped=unmapped)


def _needed_columns() -> str:
    return ", ".join(c.header for c in BASE_COLUMNS)


def detect_header(path: str | Path, sheet: str | None = None, *, scan_rows: int = 30) -> Header:
    """Find the header row (a row with NIK or Nama and at least one more known column).

    With ``sheet=None`` every work sheet is tried in order (visible ones
    first) and the first one with a header wins, so data behind a cover sheet
    are found.  Raises :class:`SpreadsheetError` when no header is found.
    """
    path = Path(path)
    with open_workbook(path) as (book, names):
        return detect_in_book(path, book, names, sheet, scan_rows)[0]


def detect_in_book(path: Path, book: CalamineWorkbook | None, names: list[str], sheet: str | None,
            scan_rows: int) -> tuple[Header, Sheet | None]:
    """The header and the parsed sheet it was found on (None for a CSV)."""
    if sheet is not None:
        candidates = [resolve_sheet(path, names, sheet)]
    else:
        candidates = names
    for name in candidates:
        loaded = None
        if book is None:
            with open_csv(path) as csv_sheet:
                header = _find_header(csv_sheet, scan_rows)
        else:
            try:
                loaded = load_sheet(path, book, name)
            except SpreadsheetError:
                if sheet is not None or len(candidates) == 1:
                    raise
                continue  # a damaged or odd extra sheet; the data may be elsewhere
            header = _find_header(loaded, scan_rows)
        if header is not None:
            return header, loaded
    fields = dict(name=file_name(path), rows=scan_rows, nik=BY_KEY["nik"].header,
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
