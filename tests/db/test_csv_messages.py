"""A CSV that Python's reader cannot take gets a message about what is wrong with
it, not a "bug" and not "not a spreadsheet" (issue 13 point 6c): a field over the
reader's 128 KB limit, and zero bytes (NUL) near the start.  ``puskesos import``
as a real subprocess; nothing is imported."""

from __future__ import annotations

from datetime import date

import pytest

from tests.db.test_cli import run
from tests.db.test_excel_import import KK1, nik
from tests.helpers import connect

ENGLISH = ("--lang", "en")


@pytest.fixture
def village(cli_village):
    return cli_village


def _counts(db) -> tuple[int, int]:
    con = connect(db)
    try:
        return (con.execute("SELECT count(*) FROM import_batch").fetchone()[0],
                con.execute("SELECT count(*) FROM member").fetchone()[0])
    finally:
        con.close()


def _lines(n: int) -> list[str]:
    out = ["NIK;NAMA;NO KK;JENIS KELAMIN"]
    for i in range(n):
        born = date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
        out.append(f"{nik(born, 'L', 1 + i)};ORANG {i};{KK1};L")
    return out


def _refused(done) -> str:
    assert done.returncode == 1, (done.returncode, done.stderr)
    message = done.stderr
    assert "bug" not in message and "is not a spreadsheet" not in message
    assert "Nothing was imported." in message
    return message


@pytest.mark.parametrize("before", [3, 2500])
def test_a_field_over_128_kb_is_named_with_its_line(village, tmp_path, before):
    lines = _lines(before + 2)
    # an opening quote mark never closed: the rest of the file runs into one cell
    # (after the header and ``before`` rows: line before + 2 of the file)
    lines.insert(before + 1, f'{lines[1].split(";")[0]};"BUDI ' + "X" * 200_000)
    path = tmp_path / "dtsen.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _refused(run(*ENGLISH, "--db", str(village), "import", str(path)))
    assert f"Line {before + 2} of the CSV file dtsen.csv has a cell longer than 128 KB" \
        in message
    assert "quote mark" in message
    assert _counts(village) == (0, 0)


def test_zero_bytes_near_the_start_are_named(village, tmp_path):
    path = tmp_path / "dtsen.csv"
    data = "\n".join(_lines(5)).encode("utf-8")
    path.write_bytes(data[:60] + b"\x00\x00" + data[60:])
    message = _refused(run(*ENGLISH, "--db", str(village), "import", str(path)))
    assert "contains zero bytes (NUL characters) near its start (at byte 60)" in message
    assert _counts(village) == (0, 0)


def test_a_utf16_file_without_its_marker_is_told_how_to_save_it(village, tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("\n".join(_lines(3)).encode("utf-16-le"))
    message = _refused(run(*ENGLISH, "--db", str(village), "import", str(path)))
    assert "CSV UTF-8" in message
