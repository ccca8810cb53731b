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
        assert summary["Tempat"] == musdes.place
        assert summary["Jumlah hadir"] == len(musdes.attendees)
    # the export is in the audit trail, with the file's name and the number written
    events = desa.audit.history(actor=Actor("admin", "admin", "Admin"),
                                entity_ids=[cycle.id], limit=50)
    export = [e for e in events if e.action == "export"]
    assert export and export[0].new_value == str(len(entries)) and export[0].reason == out.name


def test_only_who_may_export_writes_the_results(desa, tmp_path):
    cycle = desa.verval.cycles(actor=OPERATOR)[0]
    with pytest.raises(PermissionDenied):      # the village head reads, does not export
        export_results(desa, actor=KADES, cycle_id=cycle.id, path=tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
