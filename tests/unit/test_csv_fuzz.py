"""Whatever bytes a .csv holds, reading it gives rows or a SpreadsheetError with a
message -- never another exception, which the operator would see as a "bug"
(issue 13 point 6c)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from puskesos.formats import SpreadsheetError, detect_header, iter_rows

#: pieces a hostile or damaged CSV is made of: the usual text, quote marks opened
#: and never closed, zero bytes, line breaks of every kind, a field near the limit
PIECES = st.sampled_from([
    b"NIK;NAMA;NO KK\n", b"3523011204900001;BUDI;3523010203040005\n", b'"', b'""', b";",
    b",", b"\t", b"\r", b"\n", b"\r\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"sep=;\n",
    b"X" * 70_000, b"\xe9", "\u202e".encode(), b"JUMLAH;4\n"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(PIECES, min_size=1, max_size=12))
def test_any_csv_reads_or_says_what_is_wrong(pieces):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        path.write_bytes(b"".join(pieces))
        try:
            header = detect_header(path)
            for _row in iter_rows(path, header):
                pass
        except SpreadsheetError as exc:
            assert exc.message and "bug" not in exc.message


def test_the_reader_limit_is_the_one_the_message_names():
    assert csv.field_size_limit() == 128 * 1024
