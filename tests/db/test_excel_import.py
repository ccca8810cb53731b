"""Importing DTSEN extracts and BNBA lists: real xlsx files written here, both engines."""

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, text

from puskesos.core.identifiers import make_kk, make_nik
from puskesos.errors import UserError
from puskesos.services.imports import run_import, undo_last_import
from puskesos.services.registry import HouseholdFilter

from tests.conftest import ADMIN, OPERATOR

KEC = "35.23.01"
HEADER = ["NO", "ID DTSEN", "NOMOR KK", "NOMOR INDUK KEPENDUDUKAN", "NAMA LENGKAP", "JK",
          "TGL LAHIR", "HUBUNGAN DGN KK", "ALAMAT", "DUSUN", "RT", "RW", "DESIL"]


def nik(born, sex, serial):
    return make_nik(kecamatan_code=KEC, birth_date=born, sex=sex, serial=serial)


KK1 = make_kk(kecamatan_code=KEC, recorded=date(2014, 5, 6), serial=11)
KK2 = make_kk(kecamatan_code=KEC, recorded=date(2016, 7, 8), serial=12)
PEOPLE = [
    # dtsen, kk, nik, name, sex, born, relationship, address, dusun, rt, rw, desil
    ("D001", KK1, nik(date(1970, 1, 2), "L", 1), "SLAMET RIYADI", "L", date(1970, 1, 2),
     "KEPALA KELUARGA", "JL. MANGGA 1", "KRAJAN", 1, 2, 2),
    ("D001", KK1, nik(date(1974, 3, 4), "P", 2), "SITI ROMLAH", "P", date(1974, 3, 4),
     "ISTRI", "JL. MANGGA 1", "KRAJAN", 1, 2, 2),
    ("D001", KK1, nik(date(2001, 5, 6), "L", 3), "AGUS SALIM", "L", date(2001, 5, 6),
     "ANAK", "JL. MANGGA 1", "KRAJAN", 1, 2, 2),
    ("D002", KK2, nik(date(1960, 7, 8), "P", 4), "PONIYEM", "P", date(1960, 7, 8),
     "KEPALA KELUARGA", "JL. JERUK 9", "NGASINAN", 3, 1, 1),
]


def write_xlsx(path: Path, rows, *, title=True, header=HEADER, total=True):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DATA DTSEN"
    if title:
        ws.append(["DAFTAR KELUARGA DTSEN DESA JLODRO"])
        ws.append(["Periode: 2026-Q3"])
        ws.append([])
    ws.append(header)
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r])
    if total:
        ws.append(["JUMLAH", None, None, None, len(rows)])
    wb.save(path)
    return path


def dump(services):
    """Every stored value of the registry tables, to compare states exactly."""
    with services.db.read() as s:
        out = {}
        for table in ("household", "member", "participation"):
            rows = s.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            out[table] = [tuple(r) for r in rows]
        return out


def test_import_creates_families_and_reimport_changes_nothing(services, tmp_path):
    path = write_xlsx(tmp_path / "dtsen.xlsx", PEOPLE)
    report = run_import(services, actor=OPERATOR, path=path)
    assert (report.rows, report.created, report.created_households, report.rejected) == \
        (4, 4, 2, 0)
    rows, total = services.households.search(actor=OPERATOR,
                                             filter=HouseholdFilter(text="romlah"))
    assert total == 1 and rows[0].head_name == "SLAMET RIYADI" and rows[0].desil == 2
    assert rows[0].rt == "001" and rows[0].member_count == 3
    again = run_import(services, actor=OPERATOR, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_preview_writes_nothing_and_matches_the_real_import(services, tmp_path):
    path = write_xlsx(tmp_path / "dtsen.xlsx", PEOPLE)
    before = dump(services)
    preview = run_import(services, actor=OPERATOR, path=path, dry_run=True)
    assert dump(services) == before
    real = run_import(services, actor=OPERATOR, path=path)
    assert preview.summary() | {"dry_run": None, "batch_id": None} == \
        real.summary() | {"dry_run": None, "batch_id": None}


def test_changes_are_listed_field_by_field_and_blanks_never_overwrite(services, tmp_path):
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    changed = [list(p) for p in PEOPLE]
    for row in changed[:3]:          # the family's new address, on each of its rows
        row[7] = "JL. MANGGA 2"
    changed[1][3] = "SITI ROMLAH S"  # name corrected
    changed[2][4] = None             # sex left blank: keeps the stored L
    changed[3][11] = 4               # new desil
    report = run_import(services, actor=OPERATOR,
                        path=write_xlsx(tmp_path / "b.xlsx", changed))
    assert report.updated == 3 and report.unchanged == 1
    fields = {(c.field, c.old, c.new) for c in report.changes}
    assert ("address", "JL. MANGGA 1", "JL. MANGGA 2") in fields
    assert ("name", "SITI ROMLAH", "SITI ROMLAH S") in fields
    assert ("desil", 1, 4) in fields
    rows, _ = services.households.search(actor=OPERATOR, filter=HouseholdFilter(text="salim"))
    family = services.households.get(actor=OPERATOR, household_id=rows[0].id)
    assert family.members[2].sex == "L" and family.data.address == "JL. MANGGA 2"


def test_bad_rows_are_rejected_with_reasons_and_duplicates_reported(services, tmp_path):
    rows = [list(p) for p in PEOPLE]
    rows.append(["D003", KK2, "3,52301E+15", "SALAH KETIK", "L", date(1990, 1, 1), "ANAK",
                 "", "NGASINAN", 3, 1, 1])
    rows.append(["D003", KK2, "3523013213900001", "TANGGAL SALAH", "L", date(1990, 1, 1),
                 "ANAK", "", "NGASINAN", 3, 1, 1])
    rows.append(["D003", KK2, None, "TANPA NIK", "L", date(1990, 1, 1), "ANAK", "",
                 "NGASINAN", 3, 1, 1])
    rows.append(list(PEOPLE[0]))  # the same NIK twice
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "x.xlsx", rows))
    assert (report.created, report.rejected, report.duplicates) == (4, 3, 1)
    reasons = {i.line: i.reason for i in report.issues}
    assert any("Excel" in r for r in reasons.values())
    assert services.households.counts(actor=ADMIN).members == 4


@pytest.mark.parametrize("mark", ["\u2018", "\u2019", "`"],
                         ids=["left-quote", "right-quote", "backtick"])
def test_a_nik_typed_on_a_phone_with_a_curly_quote_imports_as_the_real_number(
        services, tmp_path, mark):
    """A list filled in on a phone puts ‘ ’ or ` where Excel's ' marks a NIK as text:
    the row is imported with the NIK's 16 digits, no warning, and is found again by its
    NIK (the next import of the clean file changes nothing)."""
    rows = [list(p) for p in PEOPLE]
    rows[3][2] = mark + PEOPLE[3][2]
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "hp.xlsx", rows))
    assert (report.created, report.rejected, report.warnings) == (4, 0, 0)
    found, total = services.households.search(actor=OPERATOR,
                                              filter=HouseholdFilter(text="poniyem"))
    assert total == 1
    person = services.households.get(actor=OPERATOR, household_id=found[0].id).members[0]
    assert person.nik == PEOPLE[3][2]
    again = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    assert (again.created, again.unchanged) == (0, 4)


def test_nik_date_mismatch_is_imported_with_a_warning(services, tmp_path):
    rows = [list(PEOPLE[3])]
    rows[0][5] = date(1960, 7, 9)
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "w.xlsx", rows))
    assert report.created == 1 and report.warnings == 1


def test_a_baby_born_today_is_imported_as_born_today_without_a_warning(services, tmp_path):
    """A newborn whose NIK was made on its birth day (a girl: day + 40) imports as a
    plain new member: no warning that the NIK's date disagrees, the date of birth as
    the file gives it, and the sex taken from the NIK when the file leaves it blank."""
    today = date.today()
    son, daughter = nik(today, "L", 31), nik(today, "P", 32)
    rows = [list(p) for p in PEOPLE]
    rows.append(["D001", KK1, son, "BAYI LAKI", "L", today, "ANAK", "JL. MANGGA 1",
                 "KRAJAN", 1, 2, 2])
    rows.append(["D001", KK1, daughter, "BAYI PEREMPUAN", None, None, "ANAK",
                 "JL. MANGGA 1", "KRAJAN", 1, 2, 2])
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "b.xlsx", rows))
    assert (report.created, report.warnings, report.rejected) == (6, 0, 0)
    assert report.issues == []
    rows_found, _ = services.households.search(actor=OPERATOR,
                                               filter=HouseholdFilter(text="romlah"))
    babies = {m.nik: m for m in services.households.get(
        actor=OPERATOR, household_id=rows_found[0].id).members}
    assert (babies[son].birth_date, babies[son].sex) == (today, "L")
    assert (babies[daughter].birth_date, babies[daughter].sex) == (None, "P")


def test_same_nik_in_another_family_is_a_conflict_not_an_overwrite(services, tmp_path):
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    moved = [list(PEOPLE[2])]
    moved[0][1] = KK2  # the file says AGUS is in PONIYEM's KK
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "b.xlsx", moved))
    assert report.conflicts == 1 and report.updated == 0
    rows, _ = services.households.search(actor=OPERATOR, filter=HouseholdFilter(text="salim"))
    assert rows[0].no_kk == KK1


def test_the_same_nik_under_a_quite_different_name_is_a_conflict_not_a_rename(
        services, tmp_path):
    """A later file gives PONIYEM's NIK to BAMBANG SUTRISNO: that is not a spelling
    correction but a wrong NIK or a wrong person, so the operator is shown a conflict
    naming both, and the registry keeps PONIYEM untouched (also in the preview)."""
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    before = dump(services)
    other = [list(PEOPLE[3])]
    other[0][3] = "BAMBANG SUTRISNO"
    path = write_xlsx(tmp_path / "b.xlsx", other)
    for dry_run in (True, False):
        report = run_import(services, actor=OPERATOR, path=path, dry_run=dry_run)
        assert (report.conflicts, report.updated, report.created) == (1, 0, 0)
        [issue] = report.issues
        assert issue.kind == "conflict"
        assert "PONIYEM" in issue.reason and "BAMBANG SUTRISNO" in issue.reason
        assert report.changes == []
    assert dump(services) == before
    _, total = services.households.search(actor=OPERATOR,
                                          filter=HouseholdFilter(text="bambang"))
    assert total == 0


def test_undo_last_import_restores_the_previous_state_exactly(services, tmp_path):
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    before = dump(services)
    changed = [list(p) for p in PEOPLE]
    changed[0][7] = "JL. MANGGA 2"
    changed.append(["D009", make_kk(kecamatan_code=KEC, recorded=date(2020, 1, 1), serial=99),
                    nik(date(1988, 8, 8), "L", 9), "BARU DATANG", "L", date(1988, 8, 8),
                    "KEPALA KELUARGA", "JL. BARU", "KRAJAN", 2, 2, 5])
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "b.xlsx", changed))
    assert dump(services) != before
    undo_last_import(services, actor=OPERATOR)
    after = dump(services)
    # the same rows with the same values (only version counters moved on)
    def strip(d):
        return {t: sorted(tuple(v for k, v in enumerate(r) if k not in _volatile(t, services))
                          for r in rows) for t, rows in d.items()}
    assert strip(after) == strip(before)
    assert services.audit.verify().ok


def _volatile(table, services):
    with services.db.read() as s:
        cols = [r[0] for r in s.execute(text(f"SELECT * FROM {table} LIMIT 0")).cursor.description]
    return {i for i, c in enumerate(cols) if c in ("version", "updated_at", "search_text")}


def test_undo_is_refused_after_a_later_edit(services, tmp_path):
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    rows, _ = services.households.search(actor=OPERATOR, filter=HouseholdFilter(text="poniyem"))
    dto = services.households.get(actor=OPERATOR, household_id=rows[0].id)
    from dataclasses import replace
    services.households.save(actor=OPERATOR, household=replace(dto.data, phone="0812"),
                             members=[m.as_input() for m in dto.members],
                             household_id=dto.id, expected_version=dto.version)
    with pytest.raises(UserError):
        undo_last_import(services, actor=OPERATOR)
    assert services.households.counts(actor=ADMIN).members == 4


def test_bnba_list_with_only_nik_and_name(services, tmp_path):
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    stranger = nik(date(1999, 9, 9), "L", 77)
    bnba = write_xlsx(tmp_path / "pkh.xlsx",
                      [(PEOPLE[0][2], "SLAMET RIYADI"), (PEOPLE[3][2], "PONIYEM"),
                       (stranger, "ORANG LUAR")],
                      header=["NO", "NIK", "NAMA PENERIMA"], title=True, total=False)
    report = run_import(services, actor=OPERATOR, path=bnba, program="PKH", period="2026-Q3")
    # the recipient not in the registry is kept, never dropped, and flagged (issue 17)
    assert (report.created, report.rejected, report.warnings) == (2, 0, 1)
    [kept] = [i for i in report.issues if i.code == "not_in_registry"]
    assert "ORANG LUAR" in kept.reason and "Program & Sasaran" in kept.reason
    rows, total = services.households.search(actor=OPERATOR,
                                             filter=HouseholdFilter(program="PKH"))
    assert total == 2
    [flag] = services.targeting.flags(actor=ADMIN, kind="not_in_registry")
    assert (flag.nik, flag.name, flag.program_code) == (stranger, "ORANG LUAR", "PKH")
    assert "2026-Q3" in flag.text
    again = run_import(services, actor=OPERATOR, path=bnba, program="PKH", period="2026-Q3")
    assert again.created == 0 and again.unchanged == 3 and again.warnings == 0
    assert len(services.targeting.flags(actor=ADMIN, kind="not_in_registry")) == 1
    # the list's import undone: the recipient it kept goes with it
    undo_last_import(services, actor=OPERATOR)
    undo_last_import(services, actor=OPERATOR)
    assert services.targeting.flags(actor=ADMIN, kind="not_in_registry") == []


def test_undoing_a_recipient_list_takes_back_the_program_participation_it_added(
        services, tmp_path):
    """A BNBA list imported for PKH 2026-Q3 and then undone: the households it put in
    the program are out of it again, a participation entered by hand before the
    import stays, and the list can be imported again afterwards."""
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    found, _ = services.households.search(actor=OPERATOR,
                                          filter=HouseholdFilter(text="poniyem"))
    services.programs.add_participation(actor=OPERATOR, household_id=found[0].id,
                                        program_code="PKH", period="2026-Q3")
    before = dump(services)
    bnba = write_xlsx(tmp_path / "pkh.xlsx",
                      [(PEOPLE[0][2], "SLAMET RIYADI"), (PEOPLE[3][2], "PONIYEM")],
                      header=["NO", "NIK", "NAMA PENERIMA"], title=True, total=False)
    report = run_import(services, actor=OPERATOR, path=bnba, program="PKH", period="2026-Q3")
    assert (report.created, report.unchanged) == (1, 1)
    _, total = services.households.search(actor=OPERATOR, filter=HouseholdFilter(program="PKH"))
    assert total == 2
    undone = undo_last_import(services, actor=OPERATOR)
    assert undone.source_name == "pkh.xlsx"
    assert dump(services) == before
    in_pkh, total = services.households.search(actor=OPERATOR,
                                               filter=HouseholdFilter(program="PKH"))
    assert total == 1 and in_pkh[0].head_name == "PONIYEM"
    assert services.audit.verify().ok
    again = run_import(services, actor=OPERATOR, path=bnba, program="PKH", period="2026-Q3")
    assert (again.created, again.unchanged) == (1, 1)


def test_old_excel_xls_file_imports_like_xlsx(services, tmp_path):
    """.xls (Excel 97-2003) is what many kabupaten offices still send."""
    import xlwt
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Sheet1")
    ws.write(0, 0, "DAFTAR PENERIMA")
    for c, text in enumerate(HEADER):
        ws.write(2, c, text)
    date_style = xlwt.easyxf(num_format_str="DD-MM-YYYY")
    for r, person in enumerate(PEOPLE, start=3):
        values = [r - 2, *person]
        for c, value in enumerate(values):
            if isinstance(value, date):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    path = tmp_path / "dtsen.xls"
    wb.save(str(path))
    report = run_import(services, actor=OPERATOR, path=path)
    assert (report.created, report.rejected) == (4, 0)
    rows, _ = services.households.search(actor=OPERATOR, filter=HouseholdFilter(text="poniyem"))
    member = services.households.get(actor=OPERATOR, household_id=rows[0].id).members[0]
    assert member.birth_date == date(1960, 7, 8) and member.nik == PEOPLE[3][2]


def test_a_new_kk_for_one_person_is_a_conflict_not_a_family_change(services, tmp_path):
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    son = [list(PEOPLE[2])]
    son[0][1] = make_kk(kecamatan_code=KEC, recorded=date(2025, 3, 3), serial=55)  # pecah KK
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "b.xlsx", son))
    assert report.conflicts == 1 and report.updated == 0
    rows, _ = services.households.search(actor=OPERATOR, filter=HouseholdFilter(text="romlah"))
    assert rows[0].no_kk == KK1  # the parents keep their KK


def test_rows_with_an_unusable_kk_stay_one_family(services, tmp_path):
    rows = [list(p) for p in PEOPLE[:3]]
    for r in rows:
        r[0], r[1] = None, "35230112345"  # too short: not a KK, but the same on every row
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "k.xlsx", rows))
    assert report.created == 3 and report.created_households == 1 and report.warnings == 3


def test_undo_refused_when_a_member_was_added_to_an_imported_family(services, tmp_path):
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    rows, _ = services.households.search(actor=OPERATOR, filter=HouseholdFilter(text="poniyem"))
    dto = services.households.get(actor=OPERATOR, household_id=rows[0].id)
    from tests.helpers import member
    services.households.save(actor=OPERATOR, household=dto.data,
                             members=[m.as_input() for m in dto.members] + [
                                 member("CUCU BARU", "L", date(2020, 2, 2), "5", serial=321)],
                             household_id=dto.id, expected_version=dto.version,
                             accept_warnings="uji")
    with pytest.raises(UserError):
        undo_last_import(services, actor=OPERATOR)
    assert services.households.counts(actor=ADMIN).members == 5


def test_a_family_whose_members_were_all_removed_can_still_be_imported_into(services, tmp_path):
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE[3:]))
    rows, _ = services.households.search(actor=OPERATOR, filter=HouseholdFilter(text="poniyem"))
    dto = services.households.get(actor=OPERATOR, household_id=rows[0].id)
    services.households.remove_member(actor=OPERATOR, member_id=dto.members[0].id,
                                      reason="salah input")
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "b.xlsx",
                                                                  PEOPLE[3:]), dry_run=True)
    assert report.created == 1 and report.batch_id is None


def _indexes(services):
    with services.db.read() as s:
        if s.bind.dialect.name != "sqlite":
            return None
        return sorted(tuple(r) for r in s.execute(text(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")))


def test_a_large_import_builds_the_indexes_again_exactly(services, tmp_path, monkeypatch):
    """A file larger than the tables is written without their secondary indexes
    (SQLite), which come back in the same transaction, the same as before."""
    from puskesos.db.bulk import BulkWriter
    from puskesos.services.imports.state import ImportState
    monkeypatch.setattr(ImportState, "DEFER_INDEXES", 1)
    before = _indexes(services)
    rebuilt = []
    restore = BulkWriter.restore_indexes

    def restore_indexes(self):
        rebuilt.extend(self._deferred)
        restore(self)
    monkeypatch.setattr(BulkWriter, "restore_indexes", restore_indexes)
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    assert report.created == 4
    assert len(rebuilt) == (1 if before is not None else 0)   # the NIK index
    assert _indexes(services) == before
    rows, total = services.households.search(actor=OPERATOR,
                                             filter=HouseholdFilter(text="poniyem"))
    assert total == 1
    if before is not None:
        with services.db.read() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert s.execute(text("PRAGMA cache_size")).scalar() != \
                -ImportState.IMPORT_CACHE_KIB


def test_an_import_as_the_window_runs_it_leaves_the_process_switches_alone(
        services, tmp_path, monkeypatch):
    """The wizard runs an import on a worker thread while the window lives: the
    cyclic collector stays on and the thread switch interval stays as it was
    (only the command line uses a throughput mode, puskesos.threads)."""
    import gc
    import sys

    from puskesos.jobs import Progress
    from puskesos.formats import rows as sheet_rows
    monkeypatch.setattr(sheet_rows, "_PROGRESS_EVERY", 1)
    switching = sys.getswitchinterval()
    seen = []
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE),
                        progress=Progress(lambda *_a: seen.append(
                            (gc.isenabled(), sys.getswitchinterval()))))
    assert report.created == 4 and seen
    assert set(seen) == {(True, switching)}
    assert gc.isenabled() and sys.getswitchinterval() == switching


def test_a_failed_large_import_keeps_the_indexes(services, tmp_path, monkeypatch):
    from puskesos.services.imports.state import ImportState
    monkeypatch.setattr(ImportState, "DEFER_INDEXES", 1)
    before, data = _indexes(services), dump(services)

    def fail(self):
        raise RuntimeError("disk full")
    monkeypatch.setattr(ImportState, "flush_search_text", fail)
    with pytest.raises(RuntimeError):
        run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    assert _indexes(services) == before and dump(services) == data


def _content(services):
    """The registry as stored, without keys, times and household versions (a household
    changed by rows written in two chunks counts two versions): to compare two imports."""
    with services.db.read() as s:
        households = {r[0]: tuple(r[1:]) for r in s.execute(text(
            "SELECT id, no_kk, dtsen_id, address, dusun, rt, rw, desil, desil_period, "
            "search_text FROM household"))}
        members = sorted(
            ((households[r[0]][:3], *r[1:]) for r in s.execute(text(
                "SELECT household_id, sort_order, nik, name, sex, birth_place, birth_date, "
                "relationship_code, presence, version FROM member"))), key=repr)
        return sorted(households.values(), key=repr), members


def _issues(report):
    from dataclasses import asdict
    summary = report.summary()
    summary.pop("batch_id", None)
    return ([asdict(i) for i in report.issues], summary,
            [asdict(c) for c in report.changes])


def _mixed_rows():
    """Clean families mixed with rows the general path handles."""
    import random

    from tests.unit.test_import_normaliser import _cells
    rng = random.Random(11)
    rows, used = [], []
    for family in range(260):
        kk = make_kk(kecamatan_code=KEC, recorded=date(2012, 1, 1), serial=family + 1)
        for k in range(rng.randint(1, 5)):
            roll = rng.random()
            if roll < 0.12:      # a messy row: any cell form the normaliser test knows
                c = _cells(rng)
                rows.append((c["dtsen_id"], c["no_kk"], c["nik"], c["name"], c["sex"],
                             c["birth_date"], c["relationship"], c["address"], c["dusun"],
                             c["rt"], c["rw"], c["desil"]))
                continue
            if roll < 0.16 and used:
                person = rng.choice(used)            # a NIK seen before in the file
            else:
                born = date(1940, 1, 1) + (date(2024, 1, 1) - date(1940, 1, 1)) * rng.random()
                sex = "L" if k != 1 else "P"
                person = (nik(born, sex, rng.randint(1, 9999)), born, sex)
                used.append(person)
            number, born, sex = person
            if roll > 0.97:
                number = "9999999999999995"          # a placeholder NIK
            rows.append((f"D{family:04d}" if rng.random() < 0.9 else None,
                         kk if rng.random() < 0.95 else None, number,
                         rng.choice([f"warga {family} {k}", f" WARGA  {family} {k} "]),
                         rng.choice([sex, sex, None, "P"]),
                         rng.choice([born.strftime("%d-%m-%Y" if family % 5 else "%Y-%m-%d"),
                                     born, None]),
                         rng.choice(["KEPALA KELUARGA", "ANAK", None]),
                         # some addresses not ASCII (their search text is lowered part by part)
                         f"JL. DESA {family}" if family % 3 else f"Jl. Désa ΣΑΣ {family}",
                         rng.choice(["KRAJAN", "krajan"]),
                         family % 9 + 1, family % 4 + 1, rng.choice([1, 5, 10, None])))
    return rows


def test_the_one_loop_for_new_people_stores_what_the_general_way_stores(tmp_path, monkeypatch):
    """RegistryRows.take_new (plainly new people) against the general path: same report,
    same registry, on a file of clean families mixed with rows that need the general
    path (warnings, rejections, duplicates, placeholders, people already registered)."""
    from puskesos.formats import rows as sheet_rows
    from puskesos.services import open_services
    from puskesos.services.imports.registry import RegistryRows
    rows = _mixed_rows()
    first = write_xlsx(tmp_path / "first.xlsx", rows[:200], total=False)
    whole = write_xlsx(tmp_path / "whole.xlsx", rows)
    monkeypatch.setattr(sheet_rows._RowFilter, "BLOCK", 7)   # many blocks, many prefixes
    results = []
    for fused in (True, False):
        monkeypatch.setattr(RegistryRows, "FAST_PATH", fused)
        svc = open_services(str(tmp_path / f"{fused}.sqlite"), create=True)
        svc.settings.init_village(actor=ADMIN, village_code="35.23.01.2001")
        try:
            reports = [run_import(svc, actor=ADMIN, path=first)]
            after_first = _content(svc)
            reports += [run_import(svc, actor=ADMIN, path=whole, dry_run=True),
                        run_import(svc, actor=ADMIN, path=whole)]
            results.append(([_issues(r) for r in reports], after_first, _content(svc)))
        finally:
            svc.close()
    assert results[0] == results[1]
    report = results[0][0][2][1]
    assert report["created"] > 400 and report["rejected"] and report["duplicates"] \
        and report["warnings"] and report["unchanged"]


def _writer_threads():
    import threading
    return [t for t in threading.enumerate() if t.name == "puskesos-import-writer"]


def test_a_write_failing_on_the_writer_thread_stops_the_import_and_keeps_the_registry(
        sqlite_services, tmp_path):
    """New rows are written on a second thread (SQLite).  When SQLite refuses one there
    (here a trigger answering as a full disk does), the import stops with the disk
    message, nothing of it is stored, no thread is left behind, and the next import
    works."""
    from puskesos.errors import DiskFull
    services = sqlite_services
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE[:1]))
    before = dump(services)
    with services.db.write() as s:
        s.execute(text("CREATE TRIGGER full_disk BEFORE INSERT ON member "
                       "WHEN NEW.name = 'PONIYEM' BEGIN "
                       "SELECT RAISE(ABORT, 'database or disk is full'); END"))
    with pytest.raises(DiskFull) as raised:
        run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "b.xlsx", PEOPLE))
    assert "Disk penuh" in str(raised.value)
    assert dump(services) == before and not _writer_threads()
    with services.db.write() as s:
        s.execute(text("DROP TRIGGER full_disk"))
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "b.xlsx", PEOPLE))
    assert report.created == 3 and report.unchanged == 1 and not _writer_threads()


def test_a_cancelled_import_leaves_nothing_and_no_thread(sqlite_services, tmp_path, monkeypatch):
    """Cancelled while blocks are still being written: the registry is as before."""
    from puskesos.jobs import CancelToken, JobCancelled
    from puskesos.db.bulk import WriterThread
    from puskesos.formats import rows as sheet_rows
    monkeypatch.setattr(sheet_rows._RowFilter, "BLOCK", 7)
    monkeypatch.setattr(WriterThread, "ROWS", 3)
    rows = _mixed_rows()
    services = sqlite_services
    before = dump(services)
    token = CancelToken()
    written = []
    submit = WriterThread.submit

    def submit_then_cancel(self, head, one, rows):
        submit(self, head, one, rows)
        written.append(len(rows))
        if sum(written) > 100:
            token.cancel()
    monkeypatch.setattr(WriterThread, "submit", submit_then_cancel)
    monkeypatch.setattr(sheet_rows, "_PROGRESS_EVERY", 7)
    with pytest.raises(JobCancelled):
        run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "m.xlsx", rows),
                   cancel=token)
    assert sum(written) > 100 and dump(services) == before and not _writer_threads()


def test_a_sheet_read_in_parts_imports_as_the_whole_sheet(tmp_path, monkeypatch):
    """A large .xlsx is parsed in parts on a helper thread (formats/xlsx_parts.py);
    here the parts are made small: the same report and registry as from one parse."""
    from puskesos.formats import xlsx_parts
    from puskesos.services import open_services
    path = write_xlsx(tmp_path / "whole.xlsx", _mixed_rows())
    results = []
    for part_bytes in (None, 8_000):
        if part_bytes:
            monkeypatch.setattr(xlsx_parts, "PART_BYTES", part_bytes)
            monkeypatch.setattr(xlsx_parts, "FIRST_PART_BYTES", 3_000)
            monkeypatch.setattr(xlsx_parts, "WHOLE_SHEET_BYTES", 0)
        svc = open_services(str(tmp_path / f"{part_bytes}.sqlite"), create=True)
        svc.settings.init_village(actor=ADMIN, village_code="35.23.01.2001")
        try:
            report = run_import(svc, actor=ADMIN, path=path)
            results.append((_issues(report), _content(svc)))
        finally:
            svc.close()
    from puskesos.formats.xlsx_xml import sheet_member as _xlsx_part
    import zipfile
    with zipfile.ZipFile(path) as z:
        assert xlsx_parts.split_sheet(path, "DATA DTSEN", _xlsx_part(z, "DATA DTSEN")).parts > 5
    assert results[0] == results[1]
    assert results[0][0][1]["created"] > 400 and results[0][0][1]["rejected"]


def test_an_in_memory_database_is_written_without_the_writer_thread(tmp_path):
    """A connection SQLite binds to its thread (an in-memory database) cannot be
    written from the writer thread: the import writes itself, and does not hang."""
    from puskesos.services import open_services
    services = open_services("sqlite://", create=True)
    try:
        services.settings.init_village(actor=ADMIN, village_code="35.23.01.2001")
        report = run_import(services, actor=ADMIN,
                            path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
        assert report.created == 4 and not _writer_threads()
        rows, total = services.households.search(actor=ADMIN,
                                                 filter=HouseholdFilter(text="poniyem"))
        assert total == 1
    finally:
        services.close()


def test_an_import_undone_after_a_flag_of_its_family_was_set_aside(services, tmp_path):
    """A flag set aside on a family the import added does not stop the undo: the
    family goes, and its set-aside flag with it."""
    from puskesos.services.targeting import Flag
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    found, _ = services.households.search(actor=OPERATOR,
                                          filter=HouseholdFilter(text="poniyem"))
    flag = Flag("uncovered_extreme", found[0].id, None, None, None, None, None, "-")
    services.targeting.dismiss(actor=ADMIN, flag=flag, reason="Sudah dicek")
    from puskesos.models import FlagDismissal
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(FlagDismissal)) == 1
    undo_last_import(services, actor=OPERATOR)
    assert services.households.counts(actor=ADMIN).households == 0
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(FlagDismissal)) == 0


def test_a_recipient_list_of_people_not_in_the_registry_only_is_kept_and_undone(
        services, tmp_path):
    """A list whose every recipient is unknown here (a BAZNAS list before the families
    are registered) is an import that changed something: kept, flagged, undone."""
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", PEOPLE))
    strangers = [(nik(date(1990, 1, 1 + i), "P", 60 + i), f"TAMU {i}") for i in range(2)]
    bnba = write_xlsx(tmp_path / "baznas.xlsx", strangers,
                      header=["NO", "NIK", "NAMA PENERIMA"], title=True, total=False)
    report = run_import(services, actor=OPERATOR, path=bnba, program="BAZNAS",
                        period="2026")
    assert (report.created, report.warnings, report.rejected) == (0, 2, 0), report.issues
    assert report.batch_id is not None
    assert len(services.targeting.flags(actor=ADMIN, kind="not_in_registry")) == 2
    undone = undo_last_import(services, actor=OPERATOR)
    assert undone.source_name == "baznas.xlsx"
    assert services.targeting.flags(actor=ADMIN, kind="not_in_registry") == []
