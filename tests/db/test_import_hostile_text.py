"""Hostile text in an imported file (issue 13 point 5, text): control characters,
NUL and bidi overrides are removed with a warning naming the field; a value over
its field's limit is never cut -- a name refuses the row, other text is not
imported -- each naming the field and the limit."""

from __future__ import annotations

import zipfile
from datetime import date

import openpyxl

from puskesos.core.identifiers import make_kk
from puskesos.services.imports import run_import, write_report

from tests.conftest import OPERATOR
from tests.db.test_excel_import import HEADER, KEC, nik
from tests.helpers import control_pictures_to_controls

KK = make_kk(kecamatan_code=KEC, recorded=date(2014, 5, 6), serial=31)
BORN = date(1981, 4, 5)
RLO, PDI = "\u202e", "\u2069"            # right-to-left override, pop isolate
MEGA = 1_000_000


def _write(path, rows, *, long_marker=None):
    """An extract with ``rows`` (control pictures made control characters); a
    cell ``long_marker`` becomes a 1,000,000-character name (openpyxl itself would
    cut it to 32,767)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i, row in enumerate(rows, 1):
        ws.append([i, *row])
    wb.save(path)
    control_pictures_to_controls(path)
    if long_marker:
        with zipfile.ZipFile(path) as zf:
            parts = {n: zf.read(n) for n in zf.namelist()}
        for name in parts:
            if name.startswith("xl/") and name.endswith(".xml"):
                parts[name] = parts[name].replace(long_marker.encode(), b"A" * MEGA)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
    return path


def _row(serial, name, *, address="JL. ANGGREK 7", dusun="KRAJAN", dtsen=None, rel="ANAK"):
    born = date(1981, 4, serial)
    return (dtsen, KK, nik(born, "L", serial), name, "L", born, rel, address, dusun, 1, 2,
            None)


def _stored(services):
    with services.db.read() as s:
        from sqlalchemy import text
        return ({r[0] for r in s.execute(text("SELECT name FROM member"))},
                {r for r in s.execute(text("SELECT address, dusun, dtsen_id FROM household"))})


def test_nul_and_bidi_are_removed_with_a_warning_in_the_preview_and_the_report(
        services, tmp_path):
    path = _write(tmp_path / "dtsen.xlsx", [
        _row(1, "SRI\u2400WAHYUNI", rel="KEPALA KELUARGA",
             address=f"JL. {RLO}ANGGREK{PDI} 7", dtsen="D\u240101"),
        _row(2, f"BUDI {RLO}SANTOSO", dusun="KRA\u241bJAN"),
        _row(3, "TUTI\u2407 \u2408ASIH"),
    ])
    preview = run_import(services, actor=OPERATOR, path=path, dry_run=True)
    assert (preview.created, preview.rejected, preview.warnings) == (3, 0, 3)
    reasons = {i.line: i.reason for i in preview.issues}
    first, second, third = (reasons[line] for line in sorted(reasons))
    assert "Nama: karakter kontrol atau pengatur arah teks yang tidak terlihat dihapus" \
        in first
    assert "Alamat: karakter kontrol" in first and "ID DTSEN: karakter kontrol" in first
    assert "Nama: karakter kontrol" in second and "Dusun: karakter kontrol" in second
    assert "Nama: karakter kontrol" in third
    # the import stores the clean values, and says the same in its report
    report = run_import(services, actor=OPERATOR, path=path)
    assert report.created == 3 and report.warnings == 3
    names, households = _stored(services)
    assert names == {"SRIWAHYUNI", "BUDI SANTOSO", "TUTI ASIH"}
    assert households == {("JL. ANGGREK 7", "KRAJAN", "D01")}
    out = write_report(report, tmp_path / "laporan.xlsx")
    rows = list(openpyxl.load_workbook(out).worksheets[1].iter_rows(values_only=True))
    assert sum("Nama: karakter kontrol" in (r[2] or "") for r in rows[1:]) == 3


def test_a_one_megabyte_name_refuses_the_row_naming_the_field_and_its_limit(
        services, tmp_path):
    path = _write(tmp_path / "dtsen.xlsx", [
        _row(1, "SLAMET", rel="KEPALA KELUARGA"), _row(2, "LONGNAME")],
        long_marker="LONGNAME")
    report = run_import(services, actor=OPERATOR, path=path)
    assert (report.created, report.rejected) == (1, 1)
    issue = report.issues[0]
    assert issue.kind == "rejected"
    assert "Nama berisi 1.000.000 karakter; paling banyak 120" in issue.reason
    names, _households = _stored(services)
    assert names == {"SLAMET"}               # nothing cut to 120 or 32,767 was stored


def test_an_over_long_address_is_not_imported_and_not_cut(services, tmp_path):
    path = _write(tmp_path / "dtsen.xlsx", [
        _row(1, "SLAMET", rel="KEPALA KELUARGA", address="JL. " + "PANJANG " * 40)])
    report = run_import(services, actor=OPERATOR, path=path)
    assert (report.created, report.warnings) == (1, 1)
    assert "Alamat berisi 323 karakter; paling banyak 200" in report.issues[0].reason
    _names, households = _stored(services)
    assert households == {(None, "KRAJAN", None)}
