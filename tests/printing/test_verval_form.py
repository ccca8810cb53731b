"""The verval form: each member's socio-economic details, every stored housing item,
read back from the PDF; the drawing keeps every text inside its cell and the page;
and a whole village still prints about one sheet per household."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date, timedelta

from reportlab.pdfbase.pdfmetrics import stringWidth

from puskesos.core import codes
from puskesos.printing import load_template
from puskesos.printing.engine import Renderer
from tests.conftest import ADMIN, OPERATOR
from tests.helpers import family, member, copy_village
from tests.printing.pdfcheck import pages_text


def _village_with_details(services):
    """One household whose members and house have every detail the form prints."""
    services.settings.update_village(actor=ADMIN, kepala_desa="H. MUHAMMAD SHOLEH",
                                     ketua_puskesos="SUHARTINI")
    house, people = family()
    house = dataclasses.replace(
        house, building_ownership="1", land_proof="4", septic_distance="1", lighting="1",
        power_capacity="3", toilet_facility="2", toilet_type="2", sewage_disposal="2",
        drinking_water="9", roof="7")
    people = [
        dataclasses.replace(people[0], marital_status="4", school_attendance="3",
                            education_level="13", work_status="4", occupation="BURUH TANI",
                            disability="2", chronic_illness="06"),
        dataclasses.replace(people[1], marital_status="2", school_attendance="1",
                            work_status="0", disability="7", chronic_illness="01",
                            pregnant=True),
        people[2],  # nothing recorded: the form says so, to be asked at the door
        member("WULAN", "P", date(2012, 4, 2), "3", serial=4, marital_status="1",
               school_attendance="2", education_level="08", work_status="2",
               disability="4", chronic_illness="02"),
    ]
    saved = services.households.save(actor=ADMIN, household=house, members=people)
    cycle = services.verval.create_cycle(actor=OPERATOR, name="Verval DTSEN Semester II 2026",
                                         period="2026-S2",
                                         deadline=date.today() + timedelta(days=14))
    services.verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    return saved, cycle


def test_the_form_prints_every_members_details_and_every_housing_item(sqlite_services):
    services = sqlite_services
    _home, cycle = _village_with_details(services)
    doc = services.documents.verval_forms(actor=OPERATOR, cycle_id=cycle.id)
    text = " ".join(" ".join(pages_text(doc.pdf)).split())  # one space between words
    # each member's line 2 follows that member's line 1 and comes before the next member
    rows = [("SUPARMAN", ["Cerai mati", "Pendidikan terakhir SMA",
                          f"Bekerja: BURUH TANI ({codes.WorkStatus.short_of('4')})",
                          "Disabilitas netra/buta", "Penyakit kronis: Diabetes"]),
            ("SITI AMINAH", ["Kawin", "Tidak/belum pernah sekolah", "Tidak bekerja",
                             "Tidak disabilitas", "Tanpa penyakit kronis", "Sedang hamil"]),
            ("BAGUS", ["Status kawin: -", "Pendidikan: -", "Pekerjaan: -", "Disabilitas: -",
                       "Penyakit kronis: -"]),
            ("WULAN", ["Belum kawin", "Masih sekolah SMP",
                       f"Bekerja: {codes.WorkStatus.short_of('2')}",
                       "Disabilitas mental/jiwa", "Penyakit kronis: Hipertensi"])]
    starts = [text.index(f" {name} ") for name, _details in rows] + [text.index("*Keberadaan")]
    for (name, details), start, end in zip(rows, starts, starts[1:]):
        for detail in details:
            assert detail in text[start:end], (name, detail, text[start:end])
    assert "Sedang hamil" not in text[starts[2]:starts[3]]
    # the five housing items the form did not print before, with their questionnaire labels
    for label, value in [("Bukti kepemilikan lahan", "SHGB/SHSRS"),
                         ("Jarak air minum ke tinja", "Kurang dari 10 meter"),
                         ("Daya listrik terpasang", "1.300 watt"),
                         ("Jenis kloset", "Plengsengan dengan tutup"),
                         ("Pembuangan akhir tinja", "IPAL")]:
        assert re.search(rf"{re.escape(label)} ?: ?{re.escape(value)}", text), (label, text)
    # a long official label is printed in its short form, never cut
    assert "Fasilitas BAB : Ada, dipakai bersama" in text
    assert "Sumber air minum : Air permukaan" in text and "Jerami/ijuk/daun/rumbia" in text
    assert doc.pages == 1


class _Recorder:
    """What a Renderer draws: text runs with their font, and the lines and box edges."""

    def __init__(self, renderer: Renderer):
        self.texts: list[tuple[int, float, float, float, float, str]] = []
        self.edges: list[tuple[int, str, float, float, float]] = []
        canvas = renderer.canvas

        def text(kind):
            original = getattr(canvas, kind)

            def draw(x, y, line, *args, **kwargs):
                size = canvas._fontsize
                width = stringWidth(line, canvas._fontname, size)
                left = {"drawString": x, "drawCentredString": x - width / 2,
                        "drawRightString": x - width}[kind]
                self.texts.append((renderer.pages, left, left + width, y - 0.15 * size,
                                   y + 0.72 * size, line))
                return original(x, y, line, *args, **kwargs)
            return draw

        def line(x1, y1, x2, y2, *args, **kwargs):
            self._edge(renderer.pages, x1, y1, x2, y2)
            return original_line(x1, y1, x2, y2, *args, **kwargs)

        def rect(x, y, w, h, stroke=1, fill=0, *args, **kwargs):
            if stroke:
                for edge in ((x, y, x, y + h), (x + w, y, x + w, y + h), (x, y, x + w, y),
                             (x, y + h, x + w, y + h)):
                    self._edge(renderer.pages, *edge)
            return original_rect(x, y, w, h, stroke, fill, *args, **kwargs)

        for kind in ("drawString", "drawCentredString", "drawRightString"):
            setattr(canvas, kind, text(kind))
        original_line, original_rect = canvas.line, canvas.rect
        canvas.line, canvas.rect = line, rect

    def _edge(self, page, x1, y1, x2, y2):
        if x1 == x2:
            self.edges.append((page, "|", x1, min(y1, y2), max(y1, y2)))
        elif y1 == y2:
            self.edges.append((page, "-", y1, min(x1, x2), max(x1, x2)))

    def crossings(self):
        """Every text run that a line or a box edge runs through."""
        found = []
        for page, left, right, low, high, line in self.texts:
            for edge_page, kind, at, start, end in self.edges:
                if edge_page != page:
                    continue
                if kind == "|" and left + 0.3 < at < right - 0.3 \
                        and min(high, end) - max(low, start) > 0.5:
                    found.append((page, line, "|", at))
                if kind == "-" and low + 0.3 < at < high - 0.3 \
                        and min(right, end) - max(left, start) > 0.5:
                    found.append((page, line, "-", at))
        return found

    def overlaps(self):
        """Every pair of text runs drawn over each other."""
        found = []
        texts = sorted(self.texts)
        for n, (page, left, right, low, high, line) in enumerate(texts):
            for other in texts[n + 1:]:
                if other[0] != page or other[1] >= right:
                    break
                if min(high, other[4]) - max(low, other[3]) > 0.5 \
                        and min(right, other[2]) - max(left, other[1]) > 0.5:
                    found.append((page, line, other[5]))
        return found


def test_no_text_runs_over_a_line_a_box_or_the_page_edge(sqlite_services):
    """The demo-like household with the longest labels, drawn for real: every text
    stays inside its cell (a bold value never reaches its correction box) and on
    the page, above the footer."""
    services = sqlite_services
    _home, cycle = _village_with_details(services)
    context = services.documents.verval_context(actor=OPERATOR, cycle_id=cycle.id)
    [item] = context["rumah_tangga"]
    long_item = dict(item, **{
        "ruta.alamat": "JL. PERTANIAN UTARA GANG MELATI NOMOR 112 DUSUN KRAJAN LOR",
        # as wide as the value's room in the regular face, wider in the bold it is drawn in
        "ruta.kepala": "SITI NURHALIZAH BINTI AL-FAQIH RADEN AYU KUSUMAWARDHANI",
        "ruta.bukti_lahan": codes.LandProof.short_of("2"),
        "ruta.status_bangunan": codes.BuildingOwnership.short_of("6"),
        "ruta.dinding": codes.Wall.short_of("3"),
        "anggota": item["anggota"] * 6})  # 24 members: the table goes on to a second sheet
    context["rumah_tangga"] = [item, long_item]
    renderer = Renderer(load_template("verval"), footer="Dicetak oleh operator")
    recorder = _Recorder(renderer)
    for entry in context["rumah_tangga"]:
        renderer.run((entry, context))
    drawn = list(recorder.texts)  # (finish only adds the page total, in its own frame)
    renderer.finish()
    assert renderer.pages >= 3
    headers = {page for page, *_box, line in drawn if line == "Tempat, tanggal lahir"}
    assert headers == set(range(1, max(headers) + 1)) and max(headers) >= 3  # repeated
    assert recorder.crossings() == []
    assert recorder.overlaps() == []
    footer_y = renderer.bottom - 10
    for page, left, right, low, high, line in drawn:
        assert left >= renderer.left - 0.5 and right <= renderer.right + 0.5, (page, line)
        assert low >= renderer.bottom or abs(low + 0.15 * 6.5 - footer_y) < 0.01, (page, line)
        assert high <= renderer.height, (page, line)


def test_a_whole_village_prints_about_one_sheet_per_household(demo_db, tmp_path):
    """Before the details were added the demo village's forms took 125 pages for 122
    households; the details may add at most a quarter to that."""
    from puskesos.services import Actor, open_services
    path = tmp_path / "desa.sqlite"
    copy_village(demo_db, path)
    services = open_services(str(path))
    try:
        actor = Actor("operator", "operator", "Operator")
        cycle = services.verval.cycles(actor=actor)[0]
        households = len(services.verval.entries(actor=actor, cycle_id=cycle.id))
        doc = services.documents.verval_forms(actor=actor, cycle_id=cycle.id)
    finally:
        services.close()
    assert households > 100
    assert doc.pages <= round(households * 125 / 122 * 1.25), (doc.pages, households)
    texts = pages_text(doc.pdf)
    firsts = [t for t in texts if "FORMULIR VERIFIKASI" in t]
    assert len(firsts) == households
    # every form carries the members' details and the new housing items
    assert all("kronis" in t and "Daya listrik terpasang" in t for t in firsts)
    # no form's member table runs on to a second sheet (the demo has at most 8 members)
    assert not any("Lanjutan" in t and "Tempat, tanggal lahir" in t for t in texts)


def test_the_blank_rows_for_new_members_are_tall_enough_to_write_in(sqlite_services):
    """Under the members the form leaves empty rows for a new member found at the
    door, written in by hand: each at least 8 mm tall (a member's printed row is
    about 5 mm)."""
    from reportlab.lib.units import mm
    services = sqlite_services
    _home, cycle = _village_with_details(services)
    context = services.documents.verval_context(actor=OPERATOR, cycle_id=cycle.id)
    renderer = Renderer(load_template("verval"), footer="Dicetak oleh operator")
    recorder = _Recorder(renderer)
    rows: list[tuple[float, float]] = []          # (bottom, height) of each table row
    canvas = renderer.canvas
    drawn_rect = canvas.rect
    width = renderer.right - renderer.left

    def rect(x, y, w, h, stroke=1, fill=0, *args, **kwargs):
        if stroke and not fill and abs(x - renderer.left) < 0.5 and abs(w - width) < 0.5:
            rows.append((y, h))
        return drawn_rect(x, y, w, h, stroke, fill, *args, **kwargs)

    canvas.rect = rect
    for entry in context["rumah_tangga"]:
        renderer.run((entry, context))
    renderer.finish()

    def empty(bottom, height):
        return not any(line.strip() and low >= bottom and high <= bottom + height
                       for _page, _l, _r, low, high, line in recorder.texts)

    members = [(b, h) for b, h in rows if not empty(b, h)]
    blank = [(b, h) for b, h in rows if empty(b, h)]
    assert len(members) >= 4
    assert len(blank) == 2, rows
    for _bottom, height in blank:
        assert height >= 8 * mm, height / mm
    # the blank rows come right under the last member
    assert max(b for b, _h in blank) < min(b for b, _h in members)
