"""The import/export command-line contract, and the round trip export → import."""

import json
import shutil

import pytest

from tests.db.test_excel_import import PEOPLE, write_xlsx
from tests.db.test_cli import run
from tests.helpers import copy_village


@pytest.fixture
def village(tmp_path, demo_db):
    path = tmp_path / "desa.sqlite"
    copy_village(demo_db, path)
    return path


def test_export_then_import_changes_nothing(village, tmp_path):
    out = tmp_path / "keluarga.xlsx"
    exported = run("--db", str(village), "export", str(out), "--json")
    assert exported.returncode == 0, exported.stderr
    rows = json.loads(exported.stdout)["rows"]
    result = run("--db", str(village), "import", str(out), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["created"] == 0 and data["updated"] == 0 and data["conflicts"] == 0
    # every exported member was recognised (the demo's member without NIK is rejected)
    assert data["unchanged"] + data["rejected"] + data["duplicates"] == rows
    assert data["unchanged"] >= rows - 5


def test_import_json_contract_and_report(village, tmp_path):
    path = write_xlsx(tmp_path / "dtsen.xlsx", PEOPLE + [
        ("D9", PEOPLE[0][1], "123", "NIK PENDEK", "L", None, "ANAK", "", "KRAJAN", 1, 1, 1)])
    report = tmp_path / "laporan.xlsx"
    preview = run("--db", str(village), "import", str(path), "--dry-run", "--json")
    data = json.loads(preview.stdout)
    for key in ("created", "updated", "unchanged", "rejected", "warnings", "conflicts"):
        assert key in data
    assert data["created"] == 4 and data["rejected"] == 1 and data["dry_run"]
    done = run("--db", str(village), "import", str(path), "--report", str(report), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["created"] == 4
    import openpyxl
    wb = openpyxl.load_workbook(report)
    sheet = wb.worksheets[1]
    rows = list(sheet.iter_rows(values_only=True))
    assert any("NIK PENDEK" in [str(c) for c in r] for r in rows[1:])
    undo = run("--db", str(village), "import", "--undo", "--json")
    assert undo.returncode == 0, undo.stderr
    again = json.loads(run("--db", str(village), "import", str(path), "--dry-run",
                           "--json").stdout)
    assert again["created"] == 4  # the undo really took the four people out again


@pytest.mark.parametrize("content, word", [
    (b"", "kosong"),
    (b"nama,alamat\nBUDI,JL 1\n" * 3, ""),
])
def test_unreadable_files_exit_non_zero_and_write_nothing(village, tmp_path, content, word):
    bad = tmp_path / "data.xlsx"
    bad.write_bytes(content)
    before = village.read_bytes()
    result = run("--db", str(village), "import", str(bad))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert word in result.stderr.lower()
    assert village.read_bytes() == before


def test_sheet_without_nik_column_is_refused(village, tmp_path):
    path = write_xlsx(tmp_path / "tanpa-nik.xlsx", [("BUDI", "JL. 1")],
                      header=["NO", "NAMA", "ALAMAT"])
    result = run("--db", str(village), "import", str(path))
    assert result.returncode != 0 and "NIK" in result.stderr


def test_bnba_export_and_template(village, tmp_path):
    out = tmp_path / "pkh.xlsx"
    result = run("--db", str(village), "export", str(out), "--program", "PKH", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["rows"] > 0
    template = tmp_path / "blanko.xlsx"
    assert run("--db", str(village), "export", str(template), "--template").returncode == 0
    import openpyxl
    assert "Data" in openpyxl.load_workbook(template).sheetnames


def test_an_export_from_the_command_line_is_recorded_with_who_exported_what(village, tmp_path):
    """A command that reads personal data in bulk leaves a trace for the auditor: the
    export is one audit event by the user who logged in, naming the file, the rows and
    that the NIKs were whole (the login itself writes nothing, so a read runs while
    another program writes; the export writes only its event, with the file)."""
    from puskesos.services import open_services
    from tests.conftest import ADMIN
    out = tmp_path / "keluarga.xlsx"
    done = run("--db", str(village), "export", str(out), "--json",
               login={"PUSKESOS_USER": "operator", "PUSKESOS_PASSWORD": "demo123"})
    assert done.returncode == 0, done.stderr
    services = open_services(str(village))
    try:
        last = services.audit.recent(actor=ADMIN, limit=1)[0]
    finally:
        services.close()
    assert (last.actor, last.action, last.entity, last.field) == \
        ("operator", "export", "export", "registry")
    recorded = json.loads(last.new_value)
    assert recorded["file"] == "keluarga.xlsx" and recorded["nik"] == "full"
    assert recorded["rows"] == json.loads(done.stdout)["rows"] > 0
