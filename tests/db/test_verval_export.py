"""The verval results workbook for the kabupaten, read back cell by cell (the service
itself, not through the command line)."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from puskesos.core.codes import MusdesDecision, VervalMemberResult, VervalResult
from puskesos.errors import PermissionDenied
from puskesos.services import Actor, open_services
from puskesos.services.verval.export import export_results
from tests.helpers import copy_village

OPERATOR = Actor("operator", "operator", "Operator")
KADES = Actor("kades", "kepala_desa", "Kepala Desa")


@pytest.fixture
def desa(demo_db, tmp_path):
    copy_village(demo_db, tmp_path / "desa.sqlite")
    services = open_services(str(tmp_path / "desa.sqlite"))
    yield services
    services.close()


def _rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_results_workbook_holds_every_household_member_and_correction(desa, tmp_path):
    cycle = desa.verval.cycles(actor=OPERATOR)[0]
    entries = desa.verval.entries(actor=OPERATOR, cycle_id=cycle.id)
    out = tmp_path / "hasil.xlsx"
    assert export_results(desa, actor=OPERATOR, cycle_id=cycle.id, path=out) == len(entries)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Hasil keluarga", "Anggota", "Perbaikan data", "Ringkasan"]

    households = _rows(book["Hasil keluarga"])
    assert households[0] == [
        "No urut", "ID keluarga", "No KK", "NIK kepala keluarga", "Nama kepala keluarga",
        "Dusun", "RW", "RT", "Alamat", "Kode hasil", "Hasil verval", "Tanggal kunjungan",
        "Petugas", "Catatan petugas", "Keputusan musdes", "Keterangan keputusan"]
    assert len(households) == len(entries) + 1
    by_seq = {row[0]: row for row in households[1:]}
    officers = {o.id: o.name for o in desa.officers.roster(include_inactive=True,
                                                            actor=OPERATOR)}
    for e in entries:
        row = by_seq[e.seq]
        assert row[1:9] == [e.household_id, e.no_kk, e.head_nik, e.head_name, e.dusun,
                            e.rw, e.rt, e.address]
        assert row[9] == e.result
        assert row[10] == (VervalResult.label_of(e.result) if e.result
                           else "Belum dikunjungi")
        assert row[12] == (officers.get(e.officer_id) or None)
        assert row[14] == (MusdesDecision.label_of(e.decision) if e.decision else None)
    # a NIK or No KK is a text cell, never a number Excel would round
    sheet = book["Hasil keluarga"]
    assert all(sheet.cell(r, c).number_format == "@" and isinstance(sheet.cell(r, c).value,
                                                                    (str, type(None)))
               for r in range(2, len(households) + 1) for c in (2, 3, 4))
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"

    members = _rows(book["Anggota"])
    assert members[0] == ["No urut", "No KK", "NIK", "Nama", "Kode keberadaan", "Keberadaan",
                          "Catatan"]
    assert members[1:] == sorted(members[1:], key=lambda r: (r[0], r[3] or ""))
    assert all(r[5] == VervalMemberResult.label_of(r[4]) for r in members[1:])
    visited = {e.seq for e in entries if e.result}
    assert {r[0] for r in members[1:]} <= visited and len(members) > 1

    corrections = _rows(book["Perbaikan data"])
    proposals = desa.verval.proposals(cycle_id=cycle.id, status=None, actor=OPERATOR)
    assert corrections[0] == ["Nama kepala keluarga", "Untuk", "Isian", "Nilai lama",
                              "Nilai baru", "Status", "Diusulkan oleh", "Diputuskan oleh"]
    assert len(corrections) == len(proposals) + 1
    assert {r[5] for r in corrections[1:]} <= {"Menunggu", "Disetujui", "Ditolak"}

    summary = {r[0]: r[1] for r in _rows(book["Ringkasan"])[1:]}
    assert summary["Siklus"] == cycle.name and summary["Periode"] == cycle.period
    assert summary["Jumlah keluarga"] == cycle.households
    assert summary["Sudah dikunjungi"] == cycle.done == len(visited)
    musdes = desa.verval.musdes(cycle.id, actor=OPERATOR)
    if musdes:
        assert str(summary["Tanggal musdes"])[:10] == musdes.held_on.isoformat()
        assert summary["Tempat"] == musdes.place
        assert summary["Jumlah hadir"] == len(musdes.attendees)
    # one row per person found at each visit, no more
    findings = sum(len(desa.verval.member_findings(e.id, actor=OPERATOR))
                   for e in entries if e.result)
    assert len(members) - 1 == findings
    # the export is in the audit trail, with the file's name and the number written
    events = desa.audit.history(actor=Actor("admin", "admin", "Admin"),
                                entity_ids=[cycle.id], limit=50)
    export = [e for e in events if e.action == "export"]
    assert export and export[0].new_value == str(len(entries)) and export[0].reason == out.name
    assert (export[0].entity, export[0].field) == ("verval_cycle", "results")


def test_only_who_may_export_writes_the_results(desa, tmp_path):
    cycle = desa.verval.cycles(actor=OPERATOR)[0]
    with pytest.raises(PermissionDenied):      # the village head reads, does not export
        export_results(desa, actor=KADES, cycle_id=cycle.id, path=tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def _head_names(path) -> list[str]:
    return sorted(r[4] for r in _rows(openpyxl.load_workbook(path)["Hasil keluarga"])[1:])


def test_an_earlier_cycle_is_exported_with_its_own_households(desa, tmp_path):
    """After a newer cycle is started, the results of the earlier one can still be sent:
    its households and its name, not the newer cycle's."""
    earlier = desa.verval.cycles(actor=OPERATOR)[0]
    entries = desa.verval.entries(actor=OPERATOR, cycle_id=earlier.id)
    pending = desa.verval.proposals(cycle_id=earlier.id, actor=OPERATOR)
    assert pending     # one decided below: the sheet lists decided corrections too
    desa.verval.decide_proposal(actor=Actor("koordinator", "koordinator", "K"),
                                proposal_id=pending[0].id, approve=False, note="tidak sesuai")
    newer = desa.verval.create_cycle(actor=OPERATOR, name="Verval 2027 S1", period="2027-S1")
    desa.verval.add_households(actor=OPERATOR, cycle_id=newer.id,
                               household_ids=[entries[0].household_id])
    out = tmp_path / "hasil.xlsx"
    assert export_results(desa, actor=OPERATOR, cycle_id=earlier.id, path=out) == len(entries)
    assert _head_names(out) == sorted(e.head_name for e in entries)
    book = openpyxl.load_workbook(out)
    summary = {r[0]: r[1] for r in _rows(book["Ringkasan"])[1:]}
    assert summary["Siklus"] == earlier.name
    # its corrections, decided or not, and its musdes: not the newer cycle's (none)
    proposals = desa.verval.proposals(cycle_id=earlier.id, status=None, actor=OPERATOR)
    assert len(_rows(book["Perbaikan data"])) - 1 == len(proposals)
    musdes = desa.verval.musdes(earlier.id, actor=OPERATOR)
    assert ("Tempat" in summary) == (musdes is not None)


def test_an_officer_no_longer_active_is_still_named_for_the_visits_made(desa, tmp_path):
    cycle = desa.verval.cycles(actor=OPERATOR)[0]
    visited = [e for e in desa.verval.entries(actor=OPERATOR, cycle_id=cycle.id)
               if e.officer_id]
    officer = desa.officers.get(officer_id=visited[0].officer_id, actor=OPERATOR)
    desa.officers.deactivate(actor=Actor("admin", "admin", "Admin"), officer_id=officer.id,
                             reason="pindah tugas")
    out = tmp_path / "hasil.xlsx"
    export_results(desa, actor=OPERATOR, cycle_id=cycle.id, path=out)
    by_seq = {r[0]: r for r in _rows(openpyxl.load_workbook(out)["Hasil keluarga"])[1:]}
    assert by_seq[visited[0].seq][12] == officer.name


def test_each_column_is_as_wide_as_its_heading_within_12_to_40(desa, tmp_path):
    """Every heading can be read without widening a column by hand."""
    from openpyxl.utils import get_column_letter
    cycle = desa.verval.cycles(actor=OPERATOR)[0]
    out = tmp_path / "hasil.xlsx"
    export_results(desa, actor=OPERATOR, cycle_id=cycle.id, path=out)
    for sheet in openpyxl.load_workbook(out):
        headings = _rows(sheet)[0]
        widths = [sheet.column_dimensions[get_column_letter(i)].width
                  for i in range(1, len(headings) + 1)]
        assert widths == [max(12, min(40, len(h) + 6)) for h in headings], sheet.title


def test_a_person_found_at_a_visit_is_listed_as_the_registry_has_them_now(desa, tmp_path):
    """A member renamed and given a corrected NIK after the visit: the Anggota sheet
    shows the registry's name and NIK, not the ones of the day of the visit."""
    import dataclasses

    from puskesos.core.identifiers import make_nik
    admin = Actor("admin", "admin", "Admin")
    cycle = desa.verval.cycles(actor=OPERATOR)[0]
    entry, finding = next((e, f) for e in desa.verval.entries(actor=OPERATOR,
                                                              cycle_id=cycle.id)
                          if e.result for f in desa.verval.member_findings(e.id,
                                                                           actor=OPERATOR)
                          if f.member_id)
    home = desa.households.get(actor=admin, household_id=entry.household_id)
    person = next(m for m in home.members if m.id == finding.member_id)
    new_nik = make_nik(kecamatan_code="35.23.01", birth_date=person.birth_date,
                       sex=person.sex, serial=9871)
    members = [dataclasses.replace(m.as_input(), name="NAMA BARU SEKALI", nik=new_nik)
               if m.id == person.id else m.as_input() for m in home.members if not m.removed]
    desa.households.save(actor=admin, household=home.data, members=members,
                         household_id=home.id, expected_version=home.version,
                         accept_warnings="dikoreksi")
    out = tmp_path / "hasil.xlsx"
    export_results(desa, actor=OPERATOR, cycle_id=cycle.id, path=out)
    rows = [r for r in _rows(openpyxl.load_workbook(out)["Anggota"])[1:]
            if r[0] == entry.seq]
    assert ["NAMA BARU SEKALI", new_nik] in [[r[3], r[2]] for r in rows]
