"""CSV files as a sheet: encoding (UTF-8 with or without BOM, UTF-16, else
Windows-1252), delimiter (Excel's ``sep=`` line, else sniffed) and line count.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


from ..i18n import _
from .sheet import Sheet, SpreadsheetError, error_not_spreadsheet


_CSV_DELIMITERS = (";", ",", "\t", "|")
_CSV_SAMPLE = 64 * 1024


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
def open_csv(path: Path) -> Iterator[Sheet]:
    fmt = _csv_format(path)
    errors = "replace" if fmt.encoding == "cp1252" else "strict"
    with path.open("r", encoding=fmt.encoding, errors=errors, newline="") as f:
        if fmt.skip_first_line:
            f.readline()
        reader = csv.reader(f, delimiter=fmt.delimiter)
        yield Sheet(name=path.stem, rows=_rows(reader, path), col_offset=0,
                     height=max(fmt.lines - fmt.skip_first_line, 0), merged=[])


def _rows(reader, path: Path) -> Iterator[list[str]]:
    """The rows of ``reader``; a line Python's CSV reader refuses, or text that does not
    decode, becomes a :class:`SpreadsheetError` naming the line."""
    try:
        yield from reader
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise SpreadsheetError(_(
                "Line {line} of {name} holds a cell of more than {limit} characters, which "
                "no registry column needs (often a quote mark that is never closed, so that "
                "the rest of the file reads as one cell). Correct that line in Excel or a "
                "text editor, save the file and import it again.").format(
                    line=reader.line_num, name=path.name,
                    limit=csv.field_size_limit())) from None
        raise SpreadsheetError(_(
            "Line {line} of {name} cannot be read as CSV ({detail}). Open the file in Excel "
            "or LibreOffice, save it again as CSV and import the saved file.").format(
                line=reader.line_num, name=path.name, detail=exc)) from None
    except UnicodeDecodeError:
        raise SpreadsheetError(_(
            "The text of {name} cannot be read from line {line} on: part of the file is not in "
            "the encoding the rest is in. Open it in Excel or LibreOffice, save it as "
            "\"CSV UTF-8\" and import the saved file.").format(
                name=path.name, line=reader.line_num + 1)) from None


def check_csv(path: Path) -> None:
    with path.open("rb") as f:
        head = f.read(4096)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error_not_spreadsheet(path)
