"""The forum report (``report sasaran``, issue 17 point 4) on the demo village: the PDF
read back (its figures and charts present, Indonesian, the letterhead, no NIK) and
drawn by pdftoppm; the workbook read back with openpyxl; the command line writing
either for the village or one area, and refusing what it cannot write."""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook

from puskesos.core.targeting import FlagKind
from puskesos.services import open_services
from puskesos.services.reports import Area
from tests.conftest import ADMIN
from tests.helpers import copy_village
from tests.printing.pdfcheck import ink, pages_text, render_page

NIK = re.compile(r"\d{16}")


@pytest.fixture
def demo(demo_db, tmp_path):
    path = copy_village(demo_db, tmp_path / "desa.sqlite")
    services = open_services(str(path))
    yield services
    services.close()


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_holds_the_figures_and_its_charts(demo, tmp_path):
    board = demo.reports.dashboard(actor=ADMIN)
    doc = demo.reports.forum_pdf(actor=ADMIN)
    pages = pages_text(doc.pdf)
    text = _flat("\n".join(pages))
    t = board.total
    # the summary in words, with the numbers of the dashboard
    assert f"Terdaftar {t.households} keluarga ({t.members} jiwa)" in text
    assert (f"Miskin ekstrem (desil 1): {t.extreme} keluarga, {t.extreme_covered} di "
            f"antaranya menerima") in text
    assert f"{t.extreme_uncovered} belum menerima program apa pun" in text
    assert f"Tanda ketidaktepatan sasaran yang masih terbuka: {sum(board.flags.values())}" \
        in text
    # the vulnerable groups (the demo has orphans, some without a sponsor, and sponsors)
    v = board.vulnerable
    assert v.orphans and v.sponsors
    assert (f"Kelompok rentan: {v.orphans} anak yatim, piatu atau yatim piatu, "
            f"{v.orphans_unsponsored} di antaranya belum memiliki orang tua asuh; "
            f"{v.sponsors} warga bersedia menjadi orang tua asuh") in text
    assert f"{v.elderly_alone} lansia tinggal sendiri" in text
    # the letterhead and the four charts' titles
    village = demo.settings.village()
    assert village.desa.upper() in text
    for title in ("Keluarga menurut desil", "Keluarga miskin ekstrem (desil 1) menurut "
                  "wilayah", "Keluarga yang dijangkau menurut jenis intervensi",
                  "Tanda yang masih terbuka menurut jenis"):
        assert title in text, title
    # every flag kind named with its count, every program with its recipients
    for kind in FlagKind:
        assert kind.label in text
    for p in board.programs:
        assert p.name in text or p.code in text
    # the table by RT ends with the village's totals
    assert re.search(rf"Jumlah {t.households} {t.members} \d+ {t.extreme} "
                     rf"{t.extreme_covered} ", text)
    # counts only: no NIK, no No KK
    assert not NIK.search(text)
    # drawn: the first page (summary and charts) has ink on it
    image = render_page(doc.pdf, tmp_path, 1)
    assert ink(image) > 0.04
    image.save(tmp_path / "page1.png")


def test_one_dusun_s_report_counts_its_households_only(demo):
    whole = demo.reports.dashboard(actor=ADMIN)
    dusun = whole.by_dusun[0]
    doc = demo.reports.forum_pdf(actor=ADMIN, area=Area(dusun=dusun.dusun))
    text = _flat("\n".join(pages_text(doc.pdf)))
    assert f"Wilayah: Dusun {dusun.dusun}." in text
    assert f"Terdaftar {dusun.households} keluarga ({dusun.members} jiwa)" in text
    assert dusun.dusun in doc.filename
    # a dusun nobody lives in is refused, not printed empty
    from puskesos.errors import InvalidInput
    with pytest.raises(InvalidInput, match="TIDAKADA"):
        demo.reports.forum_pdf(actor=ADMIN, area=Area(dusun="TIDAKADA"))


def test_the_workbook_holds_the_summary_areas_programs_and_flags(demo, tmp_path):
    board = demo.reports.dashboard(actor=ADMIN)
    path = demo.reports.forum_xlsx(actor=ADMIN, path=tmp_path / "forum.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Ringkasan", "Per wilayah", "Per program", "Tanda per jenis"]
    summary = dict(book["Ringkasan"].iter_rows(min_row=2, values_only=True))
    t = board.total
    assert summary["Keluarga"] == t.households and summary["Jiwa"] == t.members
    assert [summary[f"Keluarga desil {d}"] for d in range(1, 11)] == list(t.by_desil[:10])
    assert summary["Keluarga tanpa desil"] == t.by_desil[10]
    assert summary["Miskin ekstrem (desil 1)"] == t.extreme
    assert summary["Miskin ekstrem belum menerima program"] == t.extreme_uncovered
    assert summary["Penerima: Mengurangi beban"] == t.by_kind["beban"]
    v = board.vulnerable
    assert (summary["Anak yatim, piatu, yatim piatu"], summary["Orang tua asuh"],
            summary["Penyandang disabilitas berat"]) == (v.orphans, v.sponsors, v.severe)
    areas = list(book["Per wilayah"].iter_rows(min_row=2, values_only=True))
    assert len(areas) == len(board.by_area) + 1
    assert areas[-1][0] == "Jumlah" and areas[-1][3] == t.households
    assert sum(row[3] for row in areas[:-1]) == t.households
    # RT and RW as the registry writes them ("001"), never made numbers
    assert all(isinstance(row[2], str) for row in areas[:-1])
    programs = {row[0]: row for row in book["Per program"].iter_rows(min_row=2,
                                                                      values_only=True)}
    assert {code: row[4] for code, row in programs.items()} == {
        p.code: p.households for p in board.programs}
    flags = {row[1]: row[2] for row in book["Tanda per jenis"].iter_rows(min_row=2,
                                                                         values_only=True)}
    assert flags == board.flags
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True)
             for c in row if c is not None]
    assert not any(NIK.fullmatch(c) for c in cells)


def test_the_command_line_writes_either_and_says_where(cli, demo_db, tmp_path):
    db = copy_village(demo_db, tmp_path / "desa.sqlite")
    pdf = tmp_path / "forum.pdf"
    done = cli("--db", db, "report", "sasaran", "--out", pdf)
    assert done.returncode == 0, done.stderr
    assert str(pdf) in done.stdout
    assert "LAPORAN SASARAN" in pages_text(pdf.read_bytes())[0]
    book = tmp_path / "krajan.xlsx"
    done = cli("--db", db, "report", "sasaran", "--out", book, "--dusun", "KRAJAN", "--rt",
               "1", "--json")
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert said == {"path": str(book), "area": "Dusun KRAJAN RT 001"}
    summary = dict(load_workbook(book)["Ringkasan"].iter_rows(min_row=2, values_only=True))
    services = open_services(str(db))
    try:
        expected = services.reports.dashboard(actor=ADMIN, area=Area(dusun="KRAJAN", rt="1"))
    finally:
        services.close()
    assert summary["Wilayah"] == "Dusun KRAJAN RT 001"
    assert summary["Keluarga"] == expected.total.households > 0
    # neither a PDF nor a workbook; an area nobody lives in: refused, nothing written
    wrong = cli("--db", db, "report", "sasaran", "--out", tmp_path / "forum.docx")
    assert wrong.returncode == 2 and ".pdf" in wrong.stderr
    empty = cli("--db", db, "report", "sasaran", "--out", tmp_path / "x.pdf", "--dusun",
                "TIDAKADA")
    assert empty.returncode == 2 and "TIDAKADA" in empty.stderr
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "forum.docx").exists()
