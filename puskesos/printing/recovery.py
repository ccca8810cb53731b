"""The recovery key sheet: one A4 page for the village office's safe.

Printed in Indonesian (an official printout of the office), whatever the
window's language.  It holds the key and what to do with it; it names the
village and the database file, never a resident.
"""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from .fonts import font

_LINES = (
    "Data desa di komputer Puskesos disimpan terenkripsi. Kata sandi setiap pengguna",
    "membuka data itu. Bila SEMUA kata sandi hilang, hanya kunci pemulihan di atas yang",
    "masih dapat membukanya.",
    "",
    "Cara memakai: di jendela masuk pilih \"Lupa kata sandi? Pakai kunci pemulihan\",",
    "atau perintah:  puskesos db recover --username admin",
    "lalu ketik kunci ini dan kata sandi baru untuk pengguna tersebut.",
    "",
    "Simpan lembar ini di brankas kantor desa. Jangan difoto, jangan disimpan di komputer",
    "atau di ponsel, dan jangan diberikan kepada siapa pun di luar petugas yang berwenang.",
    "Siapa pun yang memegang kunci ini dapat membuka seluruh data warga (NIK, kesehatan,",
    "disabilitas, anak) yang dilindungi UU 27/2022 tentang Pelindungan Data Pribadi.",
)


def recovery_sheet(recovery_key: str, *, village: str = "", database: str = "",
                   made_at: datetime | None = None) -> bytes:
    """The sheet as PDF bytes."""
    made_at = made_at or datetime.now()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    page.setTitle("Kunci pemulihan Puskesos")
    width, height = A4
    y = height - 30 * mm
    page.setFont(font("Sans", bold=True), 16)
    page.drawCentredString(width / 2, y, "LEMBAR KUNCI PEMULIHAN DATA PUSKESOS")
    y -= 10 * mm
    page.setFont(font("Sans"), 11)
    for label, value in (("Desa", village or "-"), ("Berkas data", database or "-"),
                         ("Dibuat", made_at.strftime("%d-%m-%Y %H:%M"))):
        page.drawString(25 * mm, y, f"{label}")
        page.drawString(60 * mm, y, f": {value}")
        y -= 6 * mm
    y -= 8 * mm
    page.setLineWidth(1.2)
    page.rect(20 * mm, y - 22 * mm, width - 40 * mm, 30 * mm)
    page.setFont("Courier-Bold", 20)
    page.drawCentredString(width / 2, y - 10 * mm, recovery_key)
    page.setFont(font("Sans"), 9)
    page.drawCentredString(width / 2, y - 18 * mm,
                           "32 huruf dan angka, 8 kelompok. Tidak ada angka 0, 1, 8 atau 9.")
    y -= 36 * mm
    page.setFont(font("Sans"), 11)
    for line in _LINES:
        page.drawString(25 * mm, y, line)
        y -= 6 * mm
    y -= 12 * mm
    page.drawString(25 * mm, y, "Diterima dan disimpan oleh,")
    y -= 25 * mm
    page.drawString(25 * mm, y, "(.......................................)")
    page.drawString(120 * mm, y, "Tanggal: ..........................")
    page.showPage()
    page.save()
    return out.getvalue()
