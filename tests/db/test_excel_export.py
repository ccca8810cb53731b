"""Registry spreadsheets: real .xlsx files written to tmp dirs and read back with
openpyxl and python-calamine (the reader our importer uses), on a copy of the
demo village and, for the service rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from puskesos.core import codes, permissions
from puskesos.core.codes import Role
from puskesos.core.columns import BASE_COLUMNS, COLUMNS, match_header
from puskesos.core.identifiers import make_kk, mask_nik
from puskesos.errors import DiskFull, InvalidInput, PermissionDenied
from puskesos.jobs import CancelToken, JobCancelled, Progress
from puskesos.models import Household, Member, Participation
from puskesos.services import open_services
from puskesos.services.excel_export import (DATE_FORMAT, TEMPLATE_ROWS, TEXT_FORMAT,
                                            export_bnba, export_registry, write_template)
from puskesos.services.registry import HouseholdFilter

from tests.conftest import ADMIN, KADES, OPERATOR
from tests.helpers import KEC, family, member, copy_village, data_key

ROOT = Path(__file__).resolve().parents[2]
HEADERS = [c.header for c in COLUMNS]
BASE_HEADERS = [c.header for c in BASE_COLUMNS]
TEXT_HEADERS = {c.header for c in COLUMNS if c.text}
PRESENT = codes.Presence.TINGGAL.value


# ---------------------------------------------------------------- fixtures and helpers
@pytest.fixture
def village(tmp_path, demo_db):
    """Services over a private copy of the 300-household demo village."""
    path = tmp_path / "desa.sqlite"
    copy_village(demo_db, path)
    services = open_services(str(path))
    yield services
    services.close()


def _sheet(path: Path, title: str):
    """(headers, rows of cells) read back with openpyxl."""
    ws = openpyxl.load_workbook(path)[title]
    rows = list(ws.iter_rows())
    return [c.value for c in rows[0]], rows[1:]


def _calamine(path: Path, title: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(title).to_python()


def _present_members(services, *conditions) -> int:
    with services.db.read() as s:
        return s.scalar(select(func.count()).select_from(Member)
                        .join(Household, Household.id == Member.household_id)
                        .where(Household.deleted_at.is_(None), Member.deleted_at.is_(None),
                               Member.presence == PRESENT, *conditions))


def _exports(services) -> list:
    return [e for e in services.audit.recent(actor=ADMIN, limit=50) if e.action == "export"]


def _small_village(services) -> dict:
    """Three households in two dusun, with a member who moved away, a removed member,
    a removed household, a DTSEN id with leading zeros and programs."""
    house, people = family()
    a = services.households.save(actor=OPERATOR, members=people, household=replace(
        house, dtsen_id="0035230120010001", rt="1", rw="1"))
    b_people = [member("SLAMET", "L", date(1960, 1, 2), "1", serial=11),
                member("PONIYEM", "P", date(1962, 5, 6), "2", serial=12),
                member("JOKO", "L", date(1990, 7, 8), "3", serial=13,
                       presence=codes.Presence.PINDAH.value, presence_date=date(2024, 1, 1)),
                member("ANI", "P", date(1995, 9, 10), "3", serial=14)]
    b = services.households.save(actor=OPERATOR, members=b_people, household=replace(
        house, no_kk=make_kk(kecamatan_code=KEC, recorded=date(2010, 3, 4), serial=45),
        dusun="SUMBERREJO", rt="3", rw="2", address="=HYPERLINK(\"http://x\",\"klik\")"))
    c = services.households.save(actor=OPERATOR, household=replace(
        house, no_kk=make_kk(kecamatan_code=KEC, recorded=date(2011, 3, 4), serial=46)),
        members=[member("KASMIN", "L", date(1950, 2, 3), "1", serial=21)])
    ani = next(m for m in b.members if m.name == "ANI")
    services.households.remove_member(actor=OPERATOR, member_id=ani.id, reason="salah input")
    services.households.remove(actor=OPERATOR, household_id=c.id, reason="ganda")
    services.households.set_desil(actor=OPERATOR, household_id=a.id, desil=1, period="2025")
    services.households.set_desil(actor=OPERATOR, household_id=b.id, desil=7, period="2025")
    pkh = services.programs.add_participation(actor=OPERATOR, household_id=a.id,
                                              program_code="PKH", period="2025")
    services.programs.add_participation(actor=OPERATOR, household_id=a.id,
                                        program_code="PKH", period="2024")
    services.programs.add_participation(actor=OPERATOR, household_id=b.id,
                                        program_code="PKH", period="2025")
    ended = services.programs.add_participation(actor=OPERATOR, household_id=b.id,
                                                program_code="BPNT", period="2025")
    services.programs.end_participation(actor=OPERATOR, participation_id=ended, reason="mampu")
    bagus = next(m for m in a.members if m.name == "BAGUS")
    services.programs.add_participation(actor=OPERATOR, household_id=a.id, program_code="PIP",
                                        period="2025", member_id=bagus.id)
    joko = next(m for m in b.members if m.name == "JOKO")
    services.programs.add_participation(actor=OPERATOR, household_id=b.id, program_code="PIP",
                                        period="2025", member_id=joko.id)
    services.programs.add_participation(actor=OPERATOR, household_id=c.id, program_code="PKH",
                                        period="2025")
    return {"a": a, "b": b, "c": c, "pkh": pkh, "bagus": bagus}


# ---------------------------------------------------------------- registry: demo village
def test_registry_of_the_demo_village_has_one_row_per_present_member(village, tmp_path):
    # Given the 300-household demo village (with members who died or moved away)
    out = tmp_path / "registry.xlsx"
    # When the operator exports the whole registry
    rows = export_registry(village, actor=OPERATOR, path=out)
    # Then there is one row per present member, under exactly the canonical headers
    expected = _present_members(village)
    assert rows == expected > 1000
    assert _present_members(village, Member.presence != PRESENT) == 0
    with village.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)
                        .where(Member.presence != PRESENT)) > 0  # so the filter mattered
    headers, cells = _sheet(out, "Data")
    assert headers == HEADERS
    assert all(match_header(h) == c.key for h, c in zip(headers, COLUMNS))
    assert len(cells) == expected
    col = {h: i for i, h in enumerate(headers)}
    # identifiers are text cells formatted as text; dates are date cells; desil a number
    for row in cells:
        for header in TEXT_HEADERS:
            cell = row[col[header]]
            if cell.value is not None:
                assert cell.data_type == "s" and cell.number_format == TEXT_FORMAT, header
        born = row[col["Tanggal Lahir"]]
        assert born.is_date and born.number_format == DATE_FORMAT
        desil = row[col["Desil"]]
        assert desil.value is None or (isinstance(desil.value, int) and 1 <= desil.value <= 10)
        assert row[col["Status Keberadaan"]].value == "Tinggal bersama keluarga"
    relationships = {row[col["Hubungan"]].value for row in cells}
    assert "Kepala keluarga" in relationships
    assert relationships <= {m.label for m in codes.Relationship}
    # every NIK of the village is there, in full
    with village.db.read() as s:
        niks = sorted(s.scalars(select(Member.nik).join(Household).where(
            Household.deleted_at.is_(None), Member.deleted_at.is_(None),
            Member.presence == PRESENT, Member.nik.is_not(None))))
    assert sorted(r[col["NIK"]].value for r in cells if r[col["NIK"]].value) == niks
    # rows are ordered by dusun, RW, RT, No KK
    keys = [(r[col["Dusun"]].value, r[col["RW"]].value, r[col["RT"]].value) for r in cells]
    assert keys == sorted(keys)


def test_demo_registry_read_back_with_calamine_keeps_text(village, tmp_path):
    out = tmp_path / "registry.xlsx"
    export_registry(village, actor=OPERATOR, path=out)
    rows = _calamine(out, "Data")
    assert rows[0] == HEADERS
    col = {h: i for i, h in enumerate(rows[0])}
    niks = [r[col["NIK"]] for r in rows[1:] if r[col["NIK"]] != ""]
    assert niks and all(isinstance(n, str) and len(n) == 16 and n.isdigit() for n in niks)
    kks = [r[col["No KK"]] for r in rows[1:] if r[col["No KK"]] != ""]
    assert kks and all(isinstance(k, str) and len(k) == 16 for k in kks)
    assert {r[col["RT"]] for r in rows[1:]} >= {"001", "002"}
    assert all(isinstance(r[col["Tanggal Lahir"]], date) for r in rows[1:])


@pytest.mark.parametrize("flt, condition", [
    (HouseholdFilter(dusun="KRAJAN"), Household.dusun == "KRAJAN"),
    (HouseholdFilter(desil=(1, 2)), Household.desil.in_((1, 2))),
    (HouseholdFilter(dusun="KRAJAN", desil=(1, 2)),
     (Household.dusun == "KRAJAN") & Household.desil.in_((1, 2))),
    (HouseholdFilter(rw="1"), Household.rw == "001"),
    (HouseholdFilter(program="PKH"), Household.id.in_(
        select(Participation.household_id).where(Participation.program_code == "PKH",
                                                 Participation.deleted_at.is_(None)))),
])
def test_filter_exports_only_the_matching_households(village, tmp_path, flt, condition):
    out = tmp_path / "part.xlsx"
    rows = export_registry(village, actor=OPERATOR, path=out, filter=flt)
    assert rows == _present_members(village, condition) > 0
    assert rows < _present_members(village)
    headers, cells = _sheet(out, "Data")
    col = {h: i for i, h in enumerate(headers)}
    if flt.dusun:
        assert {r[col["Dusun"]].value for r in cells} == {flt.dusun}
    if flt.desil:
        assert {r[col["Desil"]].value for r in cells} <= set(flt.desil)


def test_progress_every_thousand_rows_and_cancel_leaves_nothing(village, tmp_path):
    seen = []
    out = tmp_path / "registry.xlsx"
    rows = export_registry(village, actor=OPERATOR, path=out,
                           progress=Progress(lambda done, total, msg: seen.append((done, total))))
    assert rows > 1000
    assert seen[0] == (0, rows) and (1000, rows) in seen and seen[-1] == (rows, rows)
    # When the user cancels, before the start or after the first 1000 rows,
    # then no file, no .part and no audit event are left behind
    before = len(_exports(village))
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        export_registry(village, actor=OPERATOR, path=tmp_path / "early.xlsx", cancel=token)
    token = CancelToken()
    press_cancel = Progress(lambda done, total, msg: done >= 1000 and token.cancel())
    with pytest.raises(JobCancelled):
        export_registry(village, actor=OPERATOR, path=tmp_path / "late.xlsx",
                        progress=press_cancel, cancel=token)
    with pytest.raises(JobCancelled):
        export_bnba(village, actor=OPERATOR, path=tmp_path / "bnba.xlsx", program="PKH",
                    cancel=token)
    assert sorted(p.name for p in tmp_path.glob("*.xlsx*")) == ["registry.xlsx"]
    assert len(_exports(village)) == before


# ---------------------------------------------------------------- registry: both engines
def test_registry_rows_and_identifiers_survive_excel(services, tmp_path):
    made = _small_village(services)
    out = tmp_path / "registry.xlsx"
    rows = export_registry(services, actor=OPERATOR, path=out)
    # 3 + 2 present members (JOKO moved away, ANI removed, household c removed)
    assert rows == 5
    headers, cells = _sheet(out, "Data")
    assert headers == HEADERS
    values = [[c.value for c in r] for r in cells]
    col = {h: i for i, h in enumerate(headers)}
    assert [v[col["Nama"]] for v in values] == ["SUPARMAN", "SITI AMINAH", "BAGUS",
                                                 "SLAMET", "PONIYEM"]
    head = made["a"].members[0]
    assert values[0][:14] == ["0035230120010001", made["a"].data.no_kk, head.nik, "SUPARMAN", "L",
                         "TUBAN", values[0][col["Tanggal Lahir"]], "Kepala keluarga",
                         "JL. MELATI 3", "KRAJAN", "001", "001", 1,
                         "Tinggal bersama keluarga"]
    assert values[0][col["Tanggal Lahir"]].date() == date(1975, 3, 14)
    assert values[1][col["Hubungan"]] == "Istri/suami"
    # a formula typed into the address stays text
    formula = cells[3][col["Alamat"]]
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")
    for row in cells:
        for header in ("ID DTSEN", "No KK", "NIK", "RT", "RW"):
            if row[col[header]].value is not None:
                assert row[col[header]].data_type == "s"
                assert row[col[header]].number_format == "@"
    # python-calamine: strings, 16 digits, leading zeros intact
    back = _calamine(out, "Data")
    first = dict(zip(back[0], back[1]))
    assert first["NIK"] == head.nik and len(first["NIK"]) == 16
    assert first["No KK"] == made["a"].data.no_kk and len(first["No KK"]) == 16
    assert first["ID DTSEN"] == "0035230120010001"
    assert first["RT"] == "001" and first["RW"] == "001"
    assert first["Tanggal Lahir"] == date(1975, 3, 14)
    assert dict(zip(back[0], back[4]))["Alamat"] == "=HYPERLINK(\"http://x\",\"klik\")"


def test_kepala_desa_may_not_export(services, tmp_path):
    _small_village(services)
    with pytest.raises(PermissionDenied):
        export_registry(services, actor=KADES, path=tmp_path / "r.xlsx")
    with pytest.raises(PermissionDenied):
        export_bnba(services, actor=KADES, path=tmp_path / "b.xlsx", program="PKH")
    assert list(tmp_path.glob("*.xlsx*")) == []


def test_niks_are_masked_for_a_role_without_full_nik(services, tmp_path, monkeypatch):
    # Given a role that may export but not see full NIKs (here: the village head,
    # had the administrator granted export)
    made = _small_village(services)
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, Role.KEPALA_DESA,
                        permissions.ROLE_PERMISSIONS[Role.KEPALA_DESA] | {
                            permissions.Permission.EXPORT})
    full, masked = tmp_path / "operator.xlsx", tmp_path / "kades.xlsx"
    export_registry(services, actor=OPERATOR, path=full)
    export_registry(services, actor=KADES, path=masked)
    export_bnba(services, actor=KADES, path=tmp_path / "bnba.xlsx", program="PKH")
    niks_full = [r[2] for r in _calamine(full, "Data")[1:]]
    niks_masked = [r[2] for r in _calamine(masked, "Data")[1:]]
    assert niks_full[0] == made["a"].members[0].nik
    assert niks_masked == [mask_nik(n) for n in niks_full]
    assert all("*" in n and n not in niks_full for n in niks_masked)
    bnba_niks = [r[1] for r in _calamine(tmp_path / "bnba.xlsx", "BNBA")[1:]]
    assert bnba_niks and all("*" in n for n in bnba_niks)
    assert [json.loads(e.new_value)["nik"] for e in _exports(services)] == [
        "masked", "masked", "full"]


def test_every_export_is_one_audit_event(services, tmp_path):
    _small_village(services)
    before = services.audit.verify().rows
    export_registry(services, actor=OPERATOR, path=tmp_path / "desil1.xlsx",
                    filter=HouseholdFilter(desil=(1,)))
    export_bnba(services, actor=OPERATOR, path=tmp_path / "pkh.xlsx", program="PKH",
                period="2025")
    assert services.audit.verify().ok
    assert services.audit.verify().rows == before + 2
    bnba, registry = _exports(services)
    assert (registry.actor, registry.action, registry.entity, registry.field) == (
        "operator", "export", "export", "registry")
    assert json.loads(registry.new_value) == {"file": "desil1.xlsx", "rows": 3, "nik": "full",
                                              "filter": {"desil": [1]}}
    assert json.loads(bnba.new_value) == {"file": "pkh.xlsx", "rows": 2, "nik": "full",
                                          "program": "PKH", "period": "2025", "filter": {}}


def test_missing_folder_is_a_clear_error(services, tmp_path):
    from puskesos.errors import NotFound
    with pytest.raises(NotFound) as err:
        export_registry(services, actor=OPERATOR, path=tmp_path / "nope" / "r.xlsx")
    assert "nope" in err.value.message
    assert _exports(services) == []


# ---------------------------------------------------------------- BNBA
def test_bnba_of_pkh_lists_only_pkh_participants(village, tmp_path):
    out = tmp_path / "bnba-pkh.xlsx"
    rows = export_bnba(village, actor=OPERATOR, path=out, program="PKH")
    with village.db.read() as s:
        expected = s.scalar(select(func.count()).select_from(Participation).join(Household)
                            .where(Participation.program_code == "PKH",
                                   Participation.status == "aktif",
                                   Participation.deleted_at.is_(None),
                                   Household.deleted_at.is_(None)))
        pkh_kk = set(s.scalars(select(Household.no_kk).join(Participation).where(
            Participation.program_code == "PKH")))
        heads = dict(s.execute(select(Member.nik, Member.name).where(
            Member.relationship_code == "1", Member.presence == PRESENT)).all())
    assert rows == expected > 0
    data = _calamine(out, "BNBA")
    assert data[0] == ["No KK", "NIK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "Alamat",
                       "Dusun", "RT", "RW", "Program", "Periode"]
    assert len(data) == rows + 1
    assert {r[9] for r in data[1:]} == {"PKH"}
    assert {r[0] for r in data[1:] if r[0]} <= pkh_kk
    # the person on a household-level program is the head of family
    assert all(heads[r[1]] == r[2] for r in data[1:] if r[1])
    assert all(isinstance(r[10], str) for r in data[1:])
    # the cells keep their text format in openpyxl too
    headers, cells = _sheet(out, "BNBA")
    for row in cells:
        for i in (0, 1, 7, 8, 10):
            if row[i].value is not None:
                assert row[i].data_type == "s" and row[i].number_format == "@"


def test_bnba_rows_on_both_engines(services, tmp_path):
    made = _small_village(services)
    out = tmp_path / "pkh.xlsx"
    # household-level: the head; the 2024 period is there without a period filter,
    # the removed household is not
    assert export_bnba(services, actor=OPERATOR, path=out, program="PKH") == 3
    data = _calamine(out, "BNBA")
    assert [(r[2], r[10]) for r in data[1:]] == [("SUPARMAN", "2024"), ("SUPARMAN", "2025"),
                                                 ("SLAMET", "2025")]
    assert data[1][1] == made["a"].members[0].nik and data[1][0] == made["a"].data.no_kk
    assert data[1][7:9] == ["001", "001"]
    assert export_bnba(services, actor=OPERATOR, path=out, program="pkh", period="2025") == 2
    # member-level: the member; one who moved away is left out; ended ones too
    assert export_bnba(services, actor=OPERATOR, path=out, program="PIP") == 1
    data = _calamine(out, "BNBA")
    assert data[1][1:4] == [made["bagus"].nik, "BAGUS", "L"]
    assert data[1][4] == date(2008, 1, 5)
    assert export_bnba(services, actor=OPERATOR, path=out, program="BPNT") == 0
    assert _calamine(out, "BNBA")[0][-2:] == ["Program", "Periode"]


def test_unknown_program_lists_the_known_ones(services, tmp_path):
    with pytest.raises(InvalidInput) as err:
        export_bnba(services, actor=OPERATOR, path=tmp_path / "x.xlsx", program="BANSOS")
    assert "BANSOS" in err.value.message
    assert "PKH" in err.value.message and "BPNT" in err.value.message
    assert list(tmp_path.glob("*.xlsx*")) == []


# ---------------------------------------------------------------- template
def test_template_has_headers_text_cells_and_drop_down_lists(tmp_path):
    out = tmp_path / "template.xlsx"
    write_template(out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Data" and {"Kode", "Petunjuk"} <= set(wb.sheetnames)
    data, kode = wb["Data"], wb["Kode"]
    assert [c.value for c in data[1]] == BASE_HEADERS
    assert data.freeze_panes == "A2" and data["A1"].font.bold
    letters = {c.header: openpyxl.utils.get_column_letter(i)
               for i, c in enumerate(COLUMNS, 1)}
    for header in TEXT_HEADERS:
        for row in (2, 500, TEMPLATE_ROWS + 1):
            assert data[f"{letters[header]}{row}"].number_format == "@", (header, row)
    assert data[f"{letters['Nama']}2"].number_format == "General"
    assert data[f"{letters['Tanggal Lahir']}2"].number_format == DATE_FORMAT
    # the code sheet is hidden and protected, and holds the lists
    assert kode.sheet_state == "hidden" and kode.protection.sheet
    columns = {kode.cell(1, i).value: [kode.cell(r, i).value for r in range(2, kode.max_row + 1)
                                       if kode.cell(r, i).value is not None]
               for i in range(1, kode.max_column + 1)}
    assert columns["Jenis Kelamin"] == ["L", "P"]
    assert columns["Hubungan"] == [m.label for m in codes.Relationship]
    assert columns["Status Keberadaan"] == [m.label for m in codes.Presence]
    assert columns["Desil"] == list(range(1, 11))

    def listed(formula: str) -> list:
        ref = formula.split("!")[1].replace("$", "")
        sheet = wb[formula.split("!")[0]]
        return [c.value for row in sheet[ref] for c in row]

    validations = {str(dv.sqref): dv for dv in data.data_validations.dataValidation}
    expected = {"Jenis Kelamin": ["L", "P"],
                "Hubungan": [m.label for m in codes.Relationship],
                "Status Keberadaan": [m.label for m in codes.Presence],
                "Desil": list(range(1, 11))}
    for header, values in expected.items():
        letter = letters[header]
        dv = validations[f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"]
        assert dv.type == "list" and dv.showErrorMessage
        assert listed(dv.formula1) == values
    instructions = [c.value for c in wb["Petunjuk"]["A"] if c.value]
    assert any("16 angka" in t for t in instructions)
    assert any("001" in t for t in instructions)
    assert list(tmp_path.iterdir()) == [out]


def test_template_is_read_back_by_calamine(tmp_path):
    out = tmp_path / "template.xlsx"
    write_template(out)
    book = CalamineWorkbook.from_path(str(out))
    assert book.get_sheet_by_name("Data").to_python()[0] == BASE_HEADERS
    assert book.get_sheet_by_name("Kode").to_python()[1][:2] == ["L", "Laki-laki"]


# ---------------------------------------------------------------- full disk
def _limit_file_size():
    # Simulates a nearly full disk: any file grows to at most 64 KiB.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


FULL_DISK_SCRIPT = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    from openpyxl.worksheet import _writer
    from puskesos.errors import UserError
    from puskesos.services import Actor, open_services
    from puskesos.services.excel_export import export_registry
    from puskesos.services.signin import unlock
    unlock(sys.argv[1], "admin", "demo123")     # the file is encrypted
    services = open_services(sys.argv[1])
    try:
        rows = export_registry(services, actor=Actor("operator", "operator"),
                               path=Path(sys.argv[2]))
        out = {"rows": rows}
    except UserError as exc:
        out = {"error": type(exc).__name__, "message": exc.message}
    out["temp_files_left"] = [p for p in _writer.ALL_TEMP_FILES if os.path.exists(p)]
    print(json.dumps(out))
""")


def test_full_disk_leaves_no_partial_file_and_a_clear_message(village, tmp_path):
    # Given a disk on which no file can grow beyond 64 KiB
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    db = Path(village.db.location)
    village.close()
    before = db.read_bytes()
    # When the registry (about 800 KB of sheet XML) is exported
    result = subprocess.run([sys.executable, "-c", FULL_DISK_SCRIPT, str(db),
                             str(out_dir / "registry.xlsx")], capture_output=True, text=True,
                            cwd=ROOT, preexec_fn=_limit_file_size,
                            env=dict(os.environ, PUSKESOS_LANG="en"))
    # Then the user is told the disk is full, and nothing is left behind
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["error"] == "DiskFull"
    assert "not enough space" in answer["message"] and "registry.xlsx" in answer["message"]
    assert answer["temp_files_left"] == []
    assert list(out_dir.iterdir()) == []
    assert db.read_bytes() == before  # no audit event for an export that did not happen


def test_disk_full_while_saving_the_zip_removes_the_part(services, tmp_path, monkeypatch):
    _small_village(services)

    def full_disk(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", full_disk)
    with pytest.raises(DiskFull) as err:
        export_registry(services, actor=OPERATOR, path=tmp_path / "r.xlsx")
    assert "r.xlsx" in err.value.message
    with pytest.raises(DiskFull):
        export_bnba(services, actor=OPERATOR, path=tmp_path / "b.xlsx", program="PKH")
    with pytest.raises(DiskFull):
        write_template(tmp_path / "t.xlsx")
    assert list(tmp_path.glob("*.xlsx*")) == []
    assert _exports(services) == []


def test_a_new_export_replaces_the_old_file(services, tmp_path):
    _small_village(services)
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")
    assert export_registry(services, actor=OPERATOR, path=out,
                           filter=HouseholdFilter(dusun="SUMBERREJO")) == 2
    assert len(_calamine(out, "Data")) == 3
    assert sorted(p.name for p in tmp_path.glob("*.xlsx*")) == ["r.xlsx"]


# ---------------------------------------------------------------- scale
MEMORY_SCRIPT = textwrap.dedent("""
    import json, os, resource, sys, time
    from pathlib import Path
    from puskesos.services import Actor, open_services
    from puskesos.services.excel_export import export_registry

    def status_kb(field):
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith(field))

    from puskesos.services.signin import unlock
    unlock(sys.argv[1], "admin", "demo123")     # the file is encrypted
    services = open_services(sys.argv[1])
    services.settings.village()
    # ru_maxrss of a child started by fork+exec starts at the parent's size (Linux
    # keeps the high-water mark across exec), so on Linux the peak is measured with
    # a fresh VmHWM (reset through clear_refs) and getrusage is the fallback
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        before, peak_of = status_kb("VmRSS:"), lambda: status_kb("VmHWM:")
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_of = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    rows = export_registry(services, actor=Actor("operator", "operator"),
                           path=Path(sys.argv[2]))
    seconds = time.perf_counter() - start
    peak = peak_of()
    print(json.dumps({"rows": rows, "seconds": seconds, "before_mb": before / 1024,
                      "peak_mb": peak / 1024, "growth_mb": (peak - before) / 1024}))
""")


#: the households of the village exported whole: enough that an export holding its
#: rows or its workbook in memory grows far past the bound below (a workbook kept
#: whole took 108 MB for these 7,200 rows; streamed, the export grew by 10 MB)
HOUSEHOLDS = 2_000
#: the memory an export may grow by, per member row: 300 MB for 60,000 rows, the bound
#: this test held when it exported 20,000 households (a streamed export grows by a
#: few MB whatever the size, so the bound for 7,200 rows is as tight in proportion)
GROWTH_KB_PER_ROW = 5


@pytest.mark.slow
def test_export_of_a_large_village_keeps_memory_bounded(tmp_path):
    # Given a village of 2,000 households (made in another process, so that this
    # one stays small)
    db = tmp_path / "besar.sqlite"
    made = subprocess.run([sys.executable, "-m", "puskesos", "--db", str(db), "demo",
                           "--households", str(HOUSEHOLDS), "--seed", "5"],
                          capture_output=True, text=True, cwd=ROOT, timeout=280)
    assert made.returncode == 0, made.stderr
    data_key(db)                 # made in another process: opened with the demo password
    services = open_services(str(db))
    members = _present_members(services)
    services.close()
    # When the whole registry is exported in a fresh process
    out = tmp_path / "registry.xlsx"
    result = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(db), str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=280)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    print(f"\n{HOUSEHOLDS:,} households, {answer['rows']} rows: {answer['seconds']:.1f} s, "
          f"RSS {answer['before_mb']:.0f} MB before, peak {answer['peak_mb']:.0f} MB")
    # Then every member is there and the memory grew by far less than the data
    assert answer["rows"] == members > 7_000
    assert answer["growth_mb"] < answer["rows"] * GROWTH_KB_PER_ROW / 1000
    last = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Data").to_python()[-1]
    assert len(last) == len(HEADERS) and isinstance(last[2], str)
