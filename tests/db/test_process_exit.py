"""The command line's process ends at once after a command (issue 12 point 4: the
whole ``puskesos import`` is timed to the process's exit), without losing what it
printed or its exit status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from tests.helpers import copy_village

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PUSKESOS_LANG="id", PUSKESOS_USER="admin",
               PUSKESOS_PASSWORD="demo123")
    env.pop("PYTHONUNBUFFERED", None)            # buffered output, as a user's shell has it
    return subprocess.run([sys.executable, "-m", "puskesos", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_a_long_json_answer_reaches_a_pipe_whole(tmp_path, demo_db):
    """Every household of the village comes through the pipe: the output is flushed
    before the process ends (a quick exit that skipped it would cut the JSON)."""
    db = tmp_path / "desa.sqlite"
    copy_village(demo_db, db)
    result = run("--db", str(db), "households", "--limit", "5000", "--json")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout) > 64 * 1024            # more than a pipe's buffer
    assert result.stdout.endswith("}\n")            # to its last line
    data = json.loads(result.stdout)
    assert data["total"] == 300 and len(data["households"]) == 300


def test_an_error_keeps_its_exit_status_and_its_message(tmp_path):
    """A refused command still exits 1 with its one-line message on stderr."""
    result = run("--db", str(tmp_path / "tidak-ada.sqlite"), "households")
    assert result.returncode == 1
    assert result.stderr.startswith("puskesos: ") and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_the_import_reports_and_its_undo_record_survive_the_quick_exit(tmp_path, demo_db):
    """What the import wrote before the process ended is all there for the next
    command: the quick end waits for nothing that holds data."""
    from openpyxl import Workbook
    db = tmp_path / "desa.sqlite"
    copy_village(demo_db, db)
    book = Workbook()
    sheet = book.active
    sheet.append(["NIK", "NAMA", "NO KK", "JENIS KELAMIN", "TANGGAL LAHIR"])
    sheet.append(["3523014501900001", "SITI AMINAH", "3523010101100001", "P", "05-01-1990"])
    book.save(tmp_path / "baru.xlsx")
    report = tmp_path / "laporan.xlsx"
    result = run("--db", str(db), "import", str(tmp_path / "baru.xlsx"), "--report",
                 str(report))
    assert result.returncode == 0, result.stderr
    assert report.stat().st_size > 0
    found = run("--db", str(db), "households", "--search", "3523014501900001", "--json")
    assert json.loads(found.stdout)["total"] == 1
    undone = run("--db", str(db), "import", "--undo")
    assert undone.returncode == 0, undone.stderr
