"""``puskesos import --report``: what the operator is told when the report cannot be
written (issue 13 point 6a).  Real subprocesses of the command line."""

from __future__ import annotations

import json

import pytest

from tests.db.test_cli import run
from tests.db.test_excel_import import PEOPLE
from tests.db.test_formula_injection import write_source
from tests.helpers import connect

ENGLISH = ("--lang", "en")


@pytest.fixture
def village(cli_village):
    return cli_village


def _batches(db) -> int:
    con = connect(db)
    try:
        return con.execute("SELECT count(*) FROM import_batch").fetchone()[0]
    finally:
        con.close()


def _members(db) -> int:
    con = connect(db)
    try:
        return con.execute("SELECT count(*) FROM member").fetchone()[0]
    finally:
        con.close()


def test_a_row_with_control_characters_does_not_stop_the_report(village, tmp_path):
    # a name with a bell and a vertical tab, and a sex the import cannot read, so the
    # row is one of the rows to check (before, openpyxl refused the cell after the
    # import had committed and the command said the import failed)
    rows = [PEOPLE[0][:3] + ("SLAMET\u2407RIYADI\u240b", "X") + PEOPLE[0][5:]]
    source = write_source(tmp_path / "dtsen.xlsx", rows)
    report = tmp_path / "laporan.xlsx"
    done = run(*ENGLISH, "--db", str(village), "import", str(source), "--report", str(report),
               "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["report"] == str(report)
    import openpyxl
    cells = [c for row in openpyxl.load_workbook(report).worksheets[1].iter_rows(
        values_only=True) for c in row]
    assert any(isinstance(c, str) and c.startswith("SLAMET\ufffdRIYADI") for c in cells)


def test_a_report_that_cannot_be_written_after_the_import_says_the_data_was_imported(
        village, tmp_path):
    source = write_source(tmp_path / "dtsen.xlsx", PEOPLE)
    report = tmp_path / "laporan.xlsx"
    report.mkdir()           # a folder stands where the report file should go
    done = run(*ENGLISH, "--db", str(village), "import", str(source), "--report", str(report),
               "--json")
    assert done.returncode == 1, done.stderr            # the user's world, not a bug
    message = done.stderr
    assert "The data WAS imported (4 new, 0 updated, 0 rejected)" in message
    assert f"the report {report} could not be written" in message
    assert "Is a directory" in message                   # why
    assert "bug" not in message
    # the import is there, as said; its result was shown too
    assert _batches(village) == 1 and _members(village) == 4
    assert json.loads(done.stdout)["created"] == 4


def test_a_report_in_a_missing_folder_is_refused_before_anything_is_imported(village,
                                                                              tmp_path):
    source = write_source(tmp_path / "dtsen.xlsx", PEOPLE)
    report = tmp_path / "no-such-folder" / "laporan.xlsx"
    done = run(*ENGLISH, "--db", str(village), "import", str(source), "--report", str(report))
    assert done.returncode == 1
    assert "nothing was imported" in done.stderr and "no-such-folder" in done.stderr
    assert _batches(village) == 0 and _members(village) == 0


def test_a_preview_whose_report_cannot_be_written_says_nothing_was_imported(village,
                                                                            tmp_path):
    source = write_source(tmp_path / "dtsen.xlsx", PEOPLE)
    report = tmp_path / "laporan.xlsx"
    report.mkdir()
    done = run(*ENGLISH, "--db", str(village), "import", str(source), "--dry-run", "--report",
               str(report))
    assert done.returncode == 1
    assert "This was a preview; nothing was imported." in done.stderr
    assert _batches(village) == 0
