"""Every workbook the program writes is safe to open: text that looks like a formula
(issue 13 point 4) is written through each real writer -- the import report, the
registry and BNBA exports, the entry template (command line) and the verval
results -- and the files are unzipped: no sheet holds a formula (``<f>``), and
the text reads back as it was given or stored."""

from __future__ import annotations

import re
import zipfile
from datetime import date

import openpyxl
import pytest

from puskesos.core.codes import VervalResult
from puskesos.core.identifiers import make_kk
from puskesos.services import open_services
from puskesos.services.verval import Attendee

from tests.conftest import ADMIN, VILLAGE
from tests.helpers import control_pictures_to_controls, connect
from tests.db.test_cli import run
from tests.db.test_excel_import import HEADER, KEC, KK1, nik

PAYLOADS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(1)",
            " =1+1", "' =1+1'", "\t=1+1"]
#: a bell character (written as its control picture, made a control character by
#: control_pictures_to_controls): an .xlsx cell cannot hold it, so the report shows
#: "\ufffd" in its place (and it must not stop the report, issue 13 point 6)
CONTROL = "SRI\u2407WAHYUNI"


def formulas(path) -> list[str]:
    """The formula elements of every sheet of the workbook at ``path``."""
    found = []
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")
                  and n.endswith(".xml")]
        assert sheets
        for name in sheets:
            found += re.findall(r"<(?:\w+:)?f[\s>/]", zf.read(name).decode("utf-8"))
    return found


def texts(path) -> set[str]:
    """Every text cell of the workbook, read back with openpyxl."""
    book = openpyxl.load_workbook(path)
    out = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (cell.coordinate, cell.value)
                    out.add(cell.value)
    return out


@pytest.fixture
def village(cli_village):
    return cli_village


def _people():
    rows = []
    for i, payload in enumerate(PAYLOADS):
        born = date(1970 + i, 1, 2)
        # a head of family per payload: named by it, living at it, with a sex the
        # import cannot read, so the row is in the report's rows to check
        kk = make_kk(kecamatan_code=KEC, recorded=date(2015, 1, 2), serial=50 + i)
        rows.append((f"D{i}", kk, nik(born, "L", 10 + i), payload, "X", born,
                     "KEPALA KELUARGA", payload, "KRAJAN", 1, 2, 2))
    # rejected rows (no NIK) keep their original cells in the report
    rows += [(None, KK1, None, payload, "L", date(1990, 1, 1), "ANAK", payload, "KRAJAN",
              1, 2, 2) for payload in PAYLOADS]
    rows.append(("D99", KK1, nik(date(1999, 9, 9), "P", 99), CONTROL, "X",
                 date(1999, 9, 9), "ANAK", "JL\u2401MAWAR", "KRAJAN", 1, 2, 2))
    return rows


def write_source(path, rows):
    """A DTSEN extract whose cells are text as typed (openpyxl would make a formula
    of a text starting with "="), control pictures made control characters."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i, row in enumerate(rows, 1):
        ws.append([i, *row])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    wb.save(path)
    return control_pictures_to_controls(path)


def _stored_names(db) -> set[str]:
    con = connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM member")} | {
            r[0] for r in con.execute("SELECT address FROM household")}
    finally:
        con.close()


def test_no_workbook_we_write_holds_a_formula(village, tmp_path):
    source = write_source(tmp_path / "dtsen.xlsx", _people())
    # the import report (command line)
    report = tmp_path / "laporan.xlsx"
    done = run("--db", str(village), "import", str(source), "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert formulas(report) == []
    shown = texts(report)
    assert set(PAYLOADS) <= shown          # the original cells, exactly as in the file
    assert "SRI\ufffdWAHYUNI" in shown
    stored = _stored_names(village)
    payload_names = {n for n in stored if n and n[0] in "=+-@'"}
    assert len(payload_names) >= 6

    # the registry export (command line)
    out = tmp_path / "keluarga.xlsx"
    assert run("--db", str(village), "export", str(out)).returncode == 0
    assert formulas(out) == []
    assert payload_names <= texts(out)     # what the database holds, unchanged

    # a BNBA list: the same people become recipients, then the list is exported
    assert run("--db", str(village), "import", str(source), "--program", "PKH",
               "--period", "2025").returncode == 0
    bnba = tmp_path / "bnba.xlsx"
    assert run("--db", str(village), "export", str(bnba), "--program", "PKH").returncode == 0
    assert formulas(bnba) == []
    assert payload_names <= texts(bnba)

    # the entry template
    template = tmp_path / "template.xlsx"
    assert run("--db", str(village), "export", str(template), "--template").returncode == 0
    assert formulas(template) == []

    # the verval results: households named by the payloads, notes and a musdes place
    services = open_services(str(village))
    try:
        cycle = services.verval.create_cycle(actor=ADMIN, name=PAYLOADS[0], period="2026-S1")
        services.verval.add_households(actor=ADMIN, cycle_id=cycle.id)
        entries = services.verval.entries(actor=ADMIN, cycle_id=cycle.id)
        for entry, payload in zip(entries, PAYLOADS):
            services.verval.record_result(actor=ADMIN, entry_id=entry.id,
                                          result=VervalResult.TETAP.value, note=payload,
                                          visited_on=date(2026, 1, 5))
        services.verval.save_musdes(actor=ADMIN, cycle_id=cycle.id, held_on=date(2026, 1, 9),
                                    place=PAYLOADS[1], attendees=[Attendee("=1+1", "-1+1")])
    finally:
        services.close()
    results = tmp_path / "hasil.xlsx"
    assert run("--db", str(village), "verval", "export", str(results)).returncode == 0
    assert formulas(results) == []
    shown = texts(results)
    assert {p.strip() for p in PAYLOADS} <= shown
    assert payload_names <= shown


def test_the_monthly_referral_report_holds_no_formula(tmp_path):
    """The referral report's workbook (issue 14): names, dusun and services written by
    the payloads stay text."""
    services = open_services(str(tmp_path / "desa.sqlite"), create=True)
    try:
        services.settings.init_village(actor=ADMIN, village_code=VILLAGE)
        for payload in PAYLOADS:
            r = services.referrals.add(actor=ADMIN, person_name=payload.strip() or "x",
                                       nik_absent_reason=payload, category="lainnya",
                                       description=payload, dusun=payload.strip())
            services.referrals.refer(actor=ADMIN, referral_id=r.id,
                                     target_service=payload.strip(), service_requested=payload)
        today = date.today()
        out = services.referrals.monthly_xlsx(actor=ADMIN, year=today.year, month=today.month,
                                              path=tmp_path / "rekap.xlsx")
    finally:
        services.close()
    assert formulas(out) == []
    shown = texts(out)
    assert {p.strip() for p in PAYLOADS} <= shown


def test_the_sticker_rekap_holds_no_formula(tmp_path):
    """The labelling rekap's workbook (issue 15): heads of household named by the
    payloads, and the address, stay text."""
    from dataclasses import replace

    from tests.helpers import family, member
    services = open_services(str(tmp_path / "desa.sqlite"), create=True)
    try:
        services.settings.init_village(actor=ADMIN, village_code=VILLAGE)
        for i, payload in enumerate(PAYLOADS):
            house, _people = family()
            house = replace(house, address=payload, no_kk=make_kk(
                kecamatan_code=KEC, recorded=date(2015, 1, 2), serial=300 + i))
            saved = services.households.save(actor=ADMIN, household=house,
                                             members=[member(payload.strip() or "X",
                                                             serial=60 + i)])
            services.programs.add_participation(actor=ADMIN, household_id=saved.id,
                                                program_code="PKH", period="2026")
        services.stickers.create_campaign(actor=ADMIN, code="STK", name="x",
                                          sticker_text="x", programs=["PKH"])
        out = services.stickers.rekap_xlsx(actor=ADMIN, path=tmp_path / "rekap.xlsx")
    finally:
        services.close()
    assert formulas(out) == []
    assert {p.strip() for p in PAYLOADS} <= texts(out)
