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


from .sheet import Sheet, error_csv, error_csv_encoding, error_csv_field, error_csv_nul


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
        yield Sheet(name=path.stem, rows=_read(reader, path, int(fmt.skip_first_line)),
                    col_offset=0, height=max(fmt.lines - fmt.skip_first_line, 0), merged=[])


def _read(reader, path: Path, skipped: int) -> Iterator[list[str]]:
    """The rows of ``reader``; a line it cannot read is a :class:`SpreadsheetError`
    naming the line (a field over the reader's limit, 128 KB, above all)."""
    try:
        yield from reader
    except csv.Error as exc:
        line = reader.line_num + skipped
        if "field larger than field limit" in str(exc):
            raise error_csv_field(path, line, csv.field_size_limit()) from None
        raise error_csv(path, line, str(exc)) from None
    except UnicodeDecodeError:
        # e.g. a UTF-16 mark at the start of a file that is not UTF-16 after it
        raise error_csv_encoding(path, reader.line_num + skipped + 1) from None


def check_csv(path: Path) -> None:
    """Refuse a CSV with zero bytes near its start (not text; UTF-16 needs its BOM)."""
    with path.open("rb") as f:
        head = f.read(4096)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error_csv_nul(path, head.index(b"\x00"))
