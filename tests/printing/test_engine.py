"""The printing engine: templates from forms/, preflight, fonts, logo, PDF output."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from puskesos import paths
from puskesos.printing import load_template, preflight, render
from puskesos.printing.engine import Renderer
from puskesos.printing.template import TemplateError

from .pdfcheck import embedded_fonts, ink, pages_text, render_page

CONTEXT = {
    "desa.kabupaten_kop": "KABUPATEN TUBAN", "desa.kecamatan_kop": "KENDURUAN",
    "desa.jenis_kop": "DESA", "desa.nama_kop": "JLODRO", "desa.alamat_lengkap": "Jl. Raya 1",
    "desa.kontak": "", "desa.nama": "Jlodro", "desa.jenis": "Desa", "desa.kecamatan": "Kenduruan",
    "desa.judul": "Desa Jlodro", "desa.judul_kop": "DESA JLODRO",
    "desa.jabatan_lengkap": "Kepala Desa Jlodro",
    "desa.kabupaten": "Kabupaten Tuban", "desa.jabatan_kepala": "Kepala Desa",
    "desa.kepala_desa": "H. MUHAMMAD SHOLEH", "desa.kepala_desa_nip": "", "desa.logo": "",
    "surat.nomor": "460/007/35.23.01.2001/XI/2026", "surat.keperluan": "beasiswa",
    "tanggal": "22 November 2026", "warga.nama": "SITI AMINAH", "warga.nik": "3523014507850003",
    "warga.no_kk": "3523011203090011", "warga.lahir": "Tuban, 5 Juli 1985",
    "warga.jenis_kelamin": "Perempuan", "warga.agama": "Islam", "warga.status_kawin": "Kawin",
    "warga.pekerjaan": "Buruh tani", "warga.alamat": "RT 002 RW 001", "warga.dtsen": "",
}


def override(name: str, text: str) -> Path:
    """An adjusted template in the user's forms folder (what a kabupaten would do)."""
    folder = paths.data_dir() / "forms"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def shipped(name: str) -> str:
    return (paths.forms_dir() / f"{name}.toml").read_text(encoding="utf-8")


def test_letter_prints_its_values_with_embedded_fonts(tmp_path):
    template = load_template("sktm")
    assert preflight(template, CONTEXT) == []
    doc = render(template, CONTEXT, footer="Dicetak oleh operator pada 22-11-2026 10:00")
    text = "\n".join(pages_text(doc.pdf))
    for expected in ("SURAT KETERANGAN TIDAK MAMPU", "SITI AMINAH", "3523014507850003",
                     "460/007/35.23.01.2001/XI/2026", "H. MUHAMMAD SHOLEH",
                     "PEMERINTAH KABUPATEN TUBAN", "Dicetak oleh operator", "Halaman 1 dari"):
        assert expected in text
    fonts = embedded_fonts(doc.pdf)
    assert fonts and all("Liberation" in f for f in fonts), fonts
    page = render_page(doc.pdf, tmp_path)
    assert page.size == (827, 1170)  # A4 (210 × 297 mm) at 100 dpi
    assert 0.005 < ink(page) < 0.2


def test_an_adjusted_template_in_the_data_folder_wins():
    override("sktm", shipped("sktm").replace("SURAT KETERANGAN TIDAK MAMPU",
                                             "SURAT KETERANGAN KURANG MAMPU"))
    doc = render(load_template("sktm"), CONTEXT)
    assert "SURAT KETERANGAN KURANG MAMPU" in pages_text(doc.pdf)[0]


def test_unknown_placeholder_is_named_with_its_block():
    override("sktm", shipped("sktm").replace("{warga.pekerjaan}", "{warga.pekerjan}"))
    problems = preflight(load_template("sktm"), CONTEXT)
    assert len(problems) == 1
    assert "{warga.pekerjan}" in str(problems[0]) and "blok 5" in str(problems[0])


def test_a_broken_placeholder_and_a_broken_file_are_explained():
    override("sktm", shipped("sktm").replace("{warga.nama}", "{warga nama}"))
    problems = preflight(load_template("sktm"), CONTEXT)
    assert any("{warga nama}" in str(p) for p in problems)
    path = override("sktm", "[document]\ntitle = 'x\n")
    with pytest.raises(TemplateError) as info:
        load_template("sktm")
    assert str(path) in str(info.value) and "TOML" in str(info.value)
    override("sktm", "[document]\ntitle='x'\n[[block]]\ntype='gambar'\n")
    with pytest.raises(TemplateError, match="gambar"):
        load_template("sktm")


def test_empty_kepala_desa_blocks_the_letter_with_where_to_fix_it():
    context = dict(CONTEXT, **{"desa.kepala_desa": ""})
    problems = preflight(load_template("sktm"), context, required_hints={
        "desa.kepala_desa": "Isi nama Kepala Desa di Pengaturan"})
    assert [p.message for p in problems] == ["Isi nama Kepala Desa di Pengaturan"]


def test_missing_or_broken_logo_is_named(tmp_path):
    template = load_template("sktm")
    missing = dict(CONTEXT, **{"desa.logo": str(tmp_path / "logo.png")})
    [problem] = preflight(template, missing)
    assert "logo.png" in problem.message
    broken = tmp_path / "rusak.png"
    broken.write_bytes(b"not a picture")
    [problem] = preflight(template, dict(CONTEXT, **{"desa.logo": str(broken)}))
    assert "rusak.png" in problem.message and "PNG" in problem.message


def test_logo_is_drawn_on_the_letterhead(tmp_path):
    from PIL import Image
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 240), (0, 90, 40)).save(logo)
    context = dict(CONTEXT, **{"desa.logo": str(logo)})
    assert preflight(load_template("sktm"), context) == []
    with_logo = render_page(render(load_template("sktm"), context).pdf, tmp_path)
    without = render_page(render(load_template("sktm"), CONTEXT).pdf, tmp_path)
    assert ink(with_logo) > ink(without) + 0.005


def test_a_missing_font_file_is_named(tmp_path, monkeypatch):
    copy = tmp_path / "forms"
    shutil.copytree(paths.forms_dir(), copy)
    (copy / "fonts" / "LiberationSerif-Bold.ttf").unlink()
    monkeypatch.setattr(paths, "forms_dir", lambda: copy)
    problems = preflight(load_template("sktm"), CONTEXT)
    assert any("LiberationSerif-Bold.ttf" in p.message for p in problems)


def test_long_words_never_run_into_the_next_column():
    renderer = Renderer(load_template("sktm"))
    lines = renderer._lines("3523014507850003 SITI", renderer.regular, 10, 40)
    from reportlab.pdfbase.pdfmetrics import stringWidth
    assert all(stringWidth(line, renderer.regular, 10) <= 40 for line in lines)
    assert "".join(lines).replace(" ", "") == "3523014507850003SITI"


def test_a_detail_line_breaks_between_its_parts():
    """A member's details wrap at the " · " between them, never inside "Tidak disabilitas"."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    renderer = Renderer(load_template("verval"))
    text = "Belum kawin · Masih sekolah SMP · Tidak bekerja · Tidak disabilitas · Tanpa kronis"
    width = stringWidth("Belum kawin · Masih sekolah SMP · Tidak bekerja · Tidak",
                        renderer.regular, 7)
    assert renderer._kept_lines(text, renderer.regular, 7, width) == [
        "Belum kawin · Masih sekolah SMP · Tidak bekerja", "Tidak disabilitas · Tanpa kronis"]
    narrow = renderer._kept_lines(text, renderer.regular, 7, 40)  # a part wider than the cell
    assert all(stringWidth(line, renderer.regular, 7) <= 40 for line in narrow)
    assert " ".join(narrow).split() == text.replace(" ·", "").split()  # nothing lost


def test_every_page_carries_mark_footer_and_page_count():
    template = load_template("verval")
    context = {k: "" for k in ("desa.provinsi", "desa.kabupaten", "desa.kecamatan",
                               "desa.jenis", "desa.nama", "desa.kode", "desa.ketua_puskesos",
                               "siklus.nama", "siklus.periode", "siklus.batas")}
    context["desa.ketua_puskesos"] = "SUHARTINI"
    item = {k: "x" for k in ("ruta.kode", "ruta.dusun", "ruta.rw", "ruta.rt", "ruta.alamat",
                             "ruta.no_urut", "ruta.id_dtsen", "ruta.no_kk", "ruta.kepala",
                             "ruta.jumlah_anggota", "ruta.desil", "ruta.telepon",
                             "ruta.status_bangunan", "ruta.luas_lantai", "ruta.lantai",
                             "ruta.dinding", "ruta.atap", "ruta.air_minum", "ruta.penerangan",
                             "ruta.bahan_bakar", "ruta.jamban", "ruta.aset", "ruta.program",
                             "ruta.bukti_lahan", "ruta.jarak_tinja", "ruta.daya_listrik",
                             "ruta.kloset", "ruta.pembuangan_tinja")}
    item["ruta.qr"] = "PSKS/V1/A/B"
    item["anggota"] = [{"nik": "3523010101800001", "nama": f"ORANG {i}", "jk": "L",
                        "lahir": "TUBAN", "hubungan": "Anak", "rincian": "Kawin · Tidak bekerja"}
                       for i in range(30)]
    context["rumah_tangga"] = [item, dict(item, **{"ruta.kepala": "KEDUA"})]
    assert preflight(template, context) == []
    doc = render(template, context, footer="Dicetak oleh tester " + "sangat panjang " * 20)
    texts = pages_text(doc.pdf)
    assert doc.pages == len(texts) >= 4  # 30 members spill onto a second sheet each
    for number, text in enumerate(texts, 1):
        assert "RAHASIA" in text and "Dicetak oleh tester" in text
        assert "…" in text  # the long footer is cut, not run over the page number
        assert re.search(rf"Halaman {number} dari\s*{doc.pages}\b", text)
    # the table header is repeated on the continuation page, which says whose form it is
    assert "ORANG 29" in texts[1] and "NIK" in texts[1]
    assert "Lanjutan formulir verval" in texts[1] and "KEDUA" in texts[-1]
    assert "Lanjutan" not in texts[0]
    # the respondent's statement stands on the page of the signatures
    for text in texts:
        assert ("Responden menyatakan" in text) == ("Petugas verifikasi" in text)


def test_nothing_to_print_is_a_preflight_problem():
    problems = preflight(load_template("verval"), {"rumah_tangga": []})
    assert any("kosong" in p.message for p in problems)
