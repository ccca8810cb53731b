"""Verval forms for 2,000 households in one PDF.

Measured: ``DocumentService.verval_forms`` end to end — reading the cycle's
households, members and programs from the database, the preflight, the
template engine drawing every form, the print log.

Limit: the same forms (the same strings, boxes, lines, QR codes and fonts,
taken from the values the service prepared) drawn by a hand-written
function directly on a reportlab canvas, with no template, no layout
engine and no database — the least any program must spend to produce this
PDF with reportlab.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from bench.common import Result, best_of

FORMS = 2_000
LABELS_PLACE = ("Provinsi", "Kabupaten/Kota", "Kecamatan", "Desa", "Dusun", "RW / RT",
                "Alamat", "No. urut")
FAMILY = (("ID DTSEN", "ruta.id_dtsen"), ("Nomor Kartu Keluarga", "ruta.no_kk"),
          ("Nama kepala keluarga", "ruta.kepala"), ("Jumlah anggota keluarga",
                                                     "ruta.jumlah_anggota"),
          ("Desil (DTSEN)", "ruta.desil"), ("Nomor telepon", "ruta.telepon"))
HOUSING = (("Status bangunan", "ruta.status_bangunan"), ("Luas lantai (m²)", "ruta.luas_lantai"),
           ("Lantai terluas", "ruta.lantai"), ("Dinding terluas", "ruta.dinding"),
           ("Atap terluas", "ruta.atap"), ("Sumber air minum", "ruta.air_minum"),
           ("Sumber penerangan", "ruta.penerangan"), ("Bahan bakar memasak", "ruta.bahan_bakar"),
           ("Fasilitas BAB", "ruta.jamban"))
CHOICES = ("1 Tetap (data sesuai)", "2 Perbaikan data", "3 Tidak ditemukan", "4 Pindah",
           "5 Meninggal", "6 Data ganda", "7 Mampu/tidak layak", "8 Menolak diverifikasi",
           "9 Usulan baru")
COLUMNS = (("No", 3), ("NIK", 13), ("Nama", 19), ("L/P", 3), ("Tempat, tanggal lahir", 16),
           ("Hubungan", 10), ("Keberadaan*", 7), ("Perbaikan data", 16))


def raw_canvas(context: dict) -> bytes:
    """The forms drawn by hand: fixed coordinates, one call per string/box."""
    from puskesos.printing.fonts import font
    from puskesos.printing.qr import draw_qr
    regular, bold, italic, small = font("Sans"), font("Sans", True), font("Sans", False, True), \
        font("Sans")
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    width, height = A4
    left, right = 14 * mm, width - 12 * mm
    page = 0
    for item in context["rumah_tangga"]:
        page += 1
        c.setFont(bold, 10)
        c.rect(right - 60, height - 22 * mm, 60, 14)
        c.drawString(right - 56, height - 22 * mm + 4, "RAHASIA")
        c.setFont(small, 6.5)
        c.drawString(left, 14 * mm - 10, "RAHASIA – Dicetak oleh bench pada 01-01-2026 10:00")
        c.drawRightString(right - 13, 14 * mm - 10, f"Halaman {page} dari")
        draw_qr(c, item["ruta.qr"], right - 22 * mm, height - 34 * mm, 22 * mm)
        c.setFont(small, 5.5)
        c.drawCentredString(right - 11 * mm, height - 36 * mm, item["ruta.kode"])
        y = height - 20 * mm
        c.setFont(bold, 11)
        for line in ("FORMULIR VERIFIKASI DAN VALIDASI",
                     "DATA TUNGGAL SOSIAL DAN EKONOMI NASIONAL (DTSEN)"):
            c.drawCentredString(width / 2, y, line)
            y -= 13
        c.setFont(regular, 8.5)
        c.drawCentredString(width / 2, y, f"{context['siklus.nama']} · periode "
                                          f"{context['siklus.periode']}")
        y -= 14

        def section(title: str) -> None:
            nonlocal y
            c.setFillGray(0.86)
            c.rect(left, y - 13, right - left, 13, stroke=0, fill=1)
            c.setFillGray(0)
            c.setFont(bold, 9)
            c.drawString(left + 3, y - 9, title)
            y -= 17

        def fields(pairs, box: bool) -> None:
            nonlocal y
            for label, value in pairs:
                c.setFont(regular, 8.5)
                c.drawString(left, y - 9, label)
                c.drawString(left + 45 * mm, y - 9, ":")
                c.setFont(bold, 8.5)
                c.drawString(left + 45 * mm + 8, y - 9, value)
                if box:
                    c.rect(right - 38 * mm, y - 11, 38 * mm, 10)
                y -= 12

        section("I. PENGENALAN TEMPAT")
        values = [context["desa.provinsi"], context["desa.kabupaten"],
                  context["desa.kecamatan"], context["desa.nama"], item["ruta.dusun"],
                  f"{item['ruta.rw']} / {item['ruta.rt']}", item["ruta.alamat"],
                  item["ruta.no_urut"]]
        fields(list(zip(LABELS_PLACE, values)), False)
        section("II. KETERANGAN KELUARGA")
        fields([(label, item[key]) for label, key in FAMILY], True)
        section("III. PERUMAHAN")
        fields([(label, item[key]) for label, key in HOUSING], True)
        section("IV. ANGGOTA KELUARGA")
        total = sum(w for _t, w in COLUMNS)
        xs, x = [], left
        for _t, w in COLUMNS:
            xs.append((x, w * (right - left) / total))
            x += w * (right - left) / total
        c.setFillGray(0.88)
        c.rect(left, y - 12, right - left, 12, stroke=0, fill=1)
        c.setFillGray(0)
        c.setFont(bold, 7)
        for (x, w), (title, _w) in zip(xs, COLUMNS):
            c.line(x, y, x, y - 12)
            c.drawCentredString(x + w / 2, y - 9, title)
        y -= 12
        c.setFont(regular, 7.5)
        for member in item["anggota"] + [{}, {}]:
            c.rect(left, y - 13, right - left, 13)
            cells = (str(len(xs)), member.get("nik", ""), member.get("nama", ""),
                     member.get("jk", ""), member.get("lahir", ""), member.get("hubungan", ""),
                     "", "")
            for (x, w), text in zip(xs, cells):
                c.line(x, y, x, y - 13)
                if text:
                    c.drawString(x + 2, y - 9, text)
            y -= 13
            if y < 40 * mm:
                c.showPage()
                y = height - 20 * mm
        c.setFont(italic, 7)
        c.drawString(left, y - 9, "*Keberadaan: 1 Tinggal bersama keluarga · 2 Meninggal · "
                                  "3 Pindah · 5 Anggota keluarga baru · 6 Tidak ditemukan")
        y -= 12
        section("V. ASET DAN PROGRAM")
        fields([("Aset yang dimiliki", item["ruta.aset"]),
                ("Program yang diterima", item["ruta.program"])], True)
        section("VI. HASIL VERIFIKASI (beri tanda X pada satu kotak)")
        c.setFont(regular, 8.5)
        for index, text in enumerate(CHOICES):
            x = left + (index // 3) * (right - left) / 3
            yy = y - (index % 3 + 1) * 13
            c.rect(x, yy - 1, 8, 8)
            c.drawString(x + 12, yy, text)
        y -= 45
        c.drawString(left, y, "Tanggal kunjungan: ....../....../20......")
        c.setFont(italic, 7.5)
        c.drawString(left, y - 12, "Responden menyatakan bahwa keterangan di atas benar.")
        c.setFont(regular, 8.5)
        for index, role in enumerate(("Petugas verifikasi", "Responden",
                                      "Pemeriksa (Koordinator Puskesos)")):
            centre = left + (index + 0.5) * (right - left) / 3
            c.drawCentredString(centre, y - 30, role)
            c.line(centre - 50, y - 70, centre + 50, y - 70)
        c.showPage()
    c.save()
    return buffer.getvalue()


def run() -> list[Result]:
    from puskesos.services import Actor, open_services
    from puskesos.services.demo import generate
    actor = Actor.command_line("bench")
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(str(Path(tmp) / "desa.sqlite"), create=True)
        services.settings.init_village(actor=actor, village_code="35.23.01.2001")
        services.settings.update_village(actor=actor, kepala_desa="H. SHOLEH",
                                         ketua_puskesos="SUHARTINI")
        generate(services, actor=actor, households=FORMS, seed=3)
        cycle = services.verval.create_cycle(actor=actor, name="Bench", period="2026-B")
        services.verval.add_households(actor=actor, cycle_id=cycle.id)
        context = services.documents.verval_context(actor=actor, cycle_id=cycle.id)
        assert len(context["rumah_tangga"]) == FORMS
        pages = []

        def ours() -> None:
            pages.append(services.documents.verval_forms(actor=actor, cycle_id=cycle.id).pages)

        limit = best_of(lambda: raw_canvas(context), repeat=2)
        seconds = best_of(ours, repeat=2)
        services.close()
    return [Result("print-2000", f"verval forms for {FORMS:,} households in one PDF "
                                 f"({pages[-1]:,} pages), from the database",
                   seconds, "the same content drawn by hand on a reportlab canvas", limit, 2.0)]
