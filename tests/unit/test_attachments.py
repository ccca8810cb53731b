"""Attachments (formats/attachments.py): real files written here, read as the office
would attach them — what is stored, and why a file is refused."""

from __future__ import annotations

import hashlib
import io
import os
import resource
import struct
import sys
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from puskesos.errors import InvalidInput, NotFound, UserError
from puskesos.formats.attachments import (ATTACHMENT_LIMIT, IMAGE_FILE_LIMIT, JPEG, PDF,
                                          clean_filename, read_attachment)

RED, BLUE = (220, 20, 20), (20, 20, 220)
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def stored(attachment) -> Image.Image:
    image = Image.open(io.BytesIO(attachment.data))
    assert image.format == "JPEG"
    return image


def near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def phone_photo(path: Path, size=(4000, 3000), orientation=6) -> Path:
    """A photo as a phone saves it: the sensor's rows (red above, blue below), an EXIF
    orientation saying how to turn it, the place it was taken (GPS) and a comment."""
    width, height = size
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, width, height // 2))
    exif = image.getexif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "S", 2: (6.0, 54.0, 12.5), 3: "E", 4: (112.0, 3.0, 1.25)}
    image.save(path, exif=exif, quality=90, comment=b"lokasi rumah -6.9035,112.0503")
    assert Image.open(path).getexif().get_ifd(GPS_IFD)  # the original carries the place
    return path


def reportlab_pdf(path: Path, pages=2) -> Path:
    canvas = Canvas(str(path))
    for number in range(pages):
        canvas.drawString(100, 700, f"Surat keterangan halaman {number + 1}")
        canvas.showPage()
    canvas.save()
    return path


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def bomb_png(path: Path, width: int, height: int, rows: bool = True) -> Path:
    """A grey PNG of ``width`` × ``height`` black pixels, compressed to almost nothing
    (``rows`` False: only the header claims the size)."""
    body = b""
    if rows:
        packer = zlib.compressobj(9)
        line = b"\x00" * (width + 1)
        body = b"".join(packer.compress(line) for _ in range(height)) + packer.flush()
    else:
        body = zlib.compress(b"\x00" * 100)
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b""))
    return path


def panorama_jpeg(path: Path, width: int, height: int) -> Path:
    """A small JPEG whose header claims ``width`` × ``height`` (too thin a picture for
    the reduced-scale decoding of a JPEG to help)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 24), RED).save(out, "JPEG")
    data = bytearray(out.getvalue())
    frame = data.index(b"\xff\xc0")
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))
    return path


def test_a_phone_photo_is_stored_small_upright_and_without_its_place(tmp_path):
    photo = phone_photo(tmp_path / "rumah.jpg")
    attachment = read_attachment(photo)
    image = stored(attachment)
    # turned as the phone said (orientation 6: a quarter turn clockwise) and shrunk
    assert image.size == (1500, 2000) == (attachment.width, attachment.height)
    assert near(image.getpixel((1400, 1000)), RED) and near(image.getpixel((100, 1000)), BLUE)
    # nothing of the phone's metadata: no GPS, no EXIF at all, no comment
    assert not image.getexif()
    assert b"Exif" not in attachment.data and b"PhoneMaker" not in attachment.data
    assert b"lokasi" not in attachment.data and "comment" not in image.info
    assert attachment.media_type == JPEG and attachment.filename == "rumah.jpg"
    assert attachment.original_size == photo.stat().st_size
    assert attachment.sha256 == hashlib.sha256(attachment.data).hexdigest()
    assert len(attachment.data) < attachment.original_size


def test_a_large_phone_photo_is_read_at_a_reduced_scale(tmp_path):
    photo = phone_photo(tmp_path / "besar.jpg", size=(9000, 6000), orientation=1)
    start = time.perf_counter()
    image = stored(read_attachment(photo))
    assert time.perf_counter() - start < 5
    assert image.size == (2000, 1333)
    assert near(image.getpixel((1000, 100)), RED) and near(image.getpixel((1000, 1200)), BLUE)


def test_a_big_png_becomes_a_jpeg_of_2000_pixels_with_transparency_on_white(tmp_path):
    path = tmp_path / "pindaian.png"
    image = Image.new("RGBA", (5000, 2500), (0, 0, 0, 0))  # transparent left half
    image.paste((*BLUE, 255), (2500, 0, 5000, 2500))
    image.save(path)
    attachment = read_attachment(path)
    result = stored(attachment)
    assert result.size == (2000, 1000) and result.mode == "RGB"
    assert near(result.getpixel((500, 500)), (255, 255, 255), 5)
    assert near(result.getpixel((1500, 500)), BLUE)
    assert attachment.filename == "pindaian.jpg" and attachment.media_type == JPEG


@pytest.mark.parametrize("kind", ["PNG", "WEBP", "BMP", "TIFF", "JPEG"])
def test_every_accepted_picture_keeps_a_small_size_and_becomes_a_jpeg(tmp_path, kind):
    path = tmp_path / f"foto.{kind.lower()}"
    image = Image.new("RGB", (800, 600), RED)
    image.paste(BLUE, (400, 0, 800, 600))
    image.save(path, kind)
    result = stored(read_attachment(path))
    assert result.size == (800, 600)  # never enlarged
    assert near(result.getpixel((100, 300)), RED) and near(result.getpixel((700, 300)), BLUE)


def test_sixteen_bit_greys_and_cmyk_keep_their_tones(tmp_path):
    grey = tmp_path / "abu.png"
    Image.new("I;16", (300, 200), 32768).save(grey)  # half of 65535: a middle grey
    assert near(stored(read_attachment(grey)).getpixel((10, 10)), (128, 128, 128), 6)
    cmyk = tmp_path / "cetak.jpg"
    Image.new("CMYK", (300, 200), (0, 255, 255, 0)).save(cmyk)  # red in print colours
    assert near(stored(read_attachment(cmyk)).getpixel((10, 10)), (255, 0, 0), 40)


def test_a_pdf_is_kept_byte_for_byte_with_its_pages_counted(tmp_path):
    path = reportlab_pdf(tmp_path / "surat.pdf", pages=3)
    attachment = read_attachment(path)
    assert attachment.data == path.read_bytes()
    assert attachment.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert attachment.media_type == PDF and attachment.pages == 3
    assert attachment.filename == "surat.pdf" and attachment.width is None


def test_the_content_decides_not_the_name(tmp_path):
    pdf_as_png = tmp_path / "scan.png"
    pdf_as_png.write_bytes(reportlab_pdf(tmp_path / "x.pdf").read_bytes())
    attachment = read_attachment(pdf_as_png)
    assert attachment.media_type == PDF and attachment.filename == "scan.pdf"
    assert attachment.data == pdf_as_png.read_bytes()
    text_as_jpg = tmp_path / "foto.jpg"
    text_as_jpg.write_text("Ini bukan foto, hanya tulisan.\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        read_attachment(text_as_jpg)
    message = info.value.message
    assert "foto.jpg" in message and "bukan hasil pindaian atau foto" in message
    assert "JPEG, PNG, WEBP, BMP, TIFF, PDF" in message


def test_an_iphone_heic_photo_is_refused_with_what_to_do(tmp_path):
    heic = tmp_path / "IMG_0001.jpg"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200)
    with pytest.raises(InvalidInput) as info:
        read_attachment(heic)
    assert "IMG_0001.jpg" in info.value.message and "HEIC" in info.value.message
    assert "JPEG" in info.value.message


def test_a_truncated_photo_or_pdf_is_refused_as_damaged(tmp_path):
    full = phone_photo(tmp_path / "utuh.jpg", size=(1200, 900)).read_bytes()
    half = tmp_path / "setengah.jpg"
    half.write_bytes(full[:len(full) // 2])
    with pytest.raises(InvalidInput) as info:
        read_attachment(half)
    assert "setengah.jpg" in info.value.message and "rusak" in info.value.message
    pdf = reportlab_pdf(tmp_path / "surat.pdf").read_bytes()
    for name, data in (("potong.pdf", pdf[:len(pdf) // 2]),
                       ("palsu.pdf", b"%PDF-1.4\nbukan isi PDF\n%%EOF\n")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InvalidInput) as info:
            read_attachment(tmp_path / name)
        assert name in info.value.message and "rusak" in info.value.message


def test_without_pypdf_a_whole_pdf_is_kept_and_a_cut_one_still_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pypdf", None)  # as installed for the office: no pypdf
    pdf = reportlab_pdf(tmp_path / "surat.pdf")
    attachment = read_attachment(pdf)
    assert attachment.data == pdf.read_bytes() and attachment.pages is None
    cut = tmp_path / "potong.pdf"
    cut.write_bytes(pdf.read_bytes()[:-200])
    with pytest.raises(InvalidInput, match="potong.pdf"):
        read_attachment(cut)


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("bomb", ["png", "header", "panorama"])
def test_a_decompression_bomb_is_refused_quickly_without_decoding_it(tmp_path, bomb):
    """12000 × 12000 black pixels are 140 KB of PNG and 430 MB as a picture (Pillow alone
    would only warn); a PNG header may claim 50000 × 50000; a JPEG of 65000 × 2400 is
    too thin to be decoded at a reduced scale, and is 470 MB as a picture."""
    path = tmp_path / ("bom.jpg" if bomb == "panorama" else "bom.png")
    if bomb == "panorama":
        panorama_jpeg(path, 65000, 2400)
    else:
        bomb_png(path, *((12000, 12000) if bomb == "png" else (50000, 50000)),
                 rows=bomb == "png")
    assert path.stat().st_size < 200_000
    before = peak_memory_mb()
    start = time.perf_counter()
    with pytest.raises(InvalidInput) as info:
        read_attachment(path)
    assert time.perf_counter() - start < 1
    assert peak_memory_mb() - before < 50
    assert path.name in info.value.message and "piksel" in info.value.message
    if bomb != "header":
        assert {"png": "12000 × 12000", "panorama": "65000 × 2400"}[bomb] in info.value.message


def test_a_file_over_the_limit_is_refused_naming_its_size_and_the_limit(tmp_path):
    big_pdf = tmp_path / "laporan.pdf"
    with big_pdf.open("wb") as out:
        out.write(b"%PDF-1.4\n")
        out.truncate(ATTACHMENT_LIMIT + 2 * 1024 * 1024)  # 12 MB
        out.seek(0, 2)
        out.write(b"\n%%EOF\n")
    with pytest.raises(InvalidInput) as info:
        read_attachment(big_pdf)
    assert "laporan.pdf" in info.value.message
    assert "12.0 MB" in info.value.message and "10.0 MB" in info.value.message
    huge_photo = tmp_path / "foto.jpg"
    with huge_photo.open("wb") as out:
        out.write(b"\xff\xd8\xff\xe0")
        out.truncate(IMAGE_FILE_LIMIT + 1024 * 1024)
    with pytest.raises(InvalidInput) as info:
        read_attachment(huge_photo)
    assert "foto.jpg" in info.value.message and "40.0 MB" in info.value.message
    # a smaller limit given by the caller is the one that counts
    with pytest.raises(InvalidInput, match="surat.pdf"):
        read_attachment(reportlab_pdf(tmp_path / "surat.pdf"), limit_bytes=100)


def test_a_missing_file_or_a_folder_says_what_to_do(tmp_path):
    with pytest.raises(NotFound) as info:
        read_attachment(tmp_path / "hilang.jpg")
    assert "hilang.jpg" in info.value.message and "flashdisk" in info.value.message
    (tmp_path / "Foto").mkdir()
    with pytest.raises(InvalidInput) as info:
        read_attachment(tmp_path / "Foto")
    assert "Foto" in info.value.message and "folder" in info.value.message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="the administrator (root) may read every file")
def test_a_file_the_program_may_not_read_says_what_to_do(tmp_path):
    locked = tmp_path / "rahasia.jpg"
    Image.new("RGB", (50, 50), RED).save(locked)
    locked.chmod(0)
    with pytest.raises(UserError) as info:
        read_attachment(locked)
    assert "rahasia.jpg" in info.value.message and "Dokumen" in info.value.message


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="Linux's /proc")
def test_a_read_error_names_the_file_and_what_to_do():
    """/proc/self/mem opens but cannot be read at its start (an input/output error, as
    a failing USB stick gives)."""
    with pytest.raises(UserError) as info:
        read_attachment("/proc/self/mem")
    assert "mem" in info.value.message and "tidak dapat dibaca" in info.value.message
    assert "Salin" in info.value.message


def test_the_stored_name_is_a_clean_base_name(tmp_path):
    hostile = tmp_path / "rumah\u202egpj.exe\x07  pak budi.png"
    Image.new("RGB", (50, 50), RED).save(hostile, "PNG")
    assert read_attachment(hostile).filename == "rumahgpj.exe pak budi.jpg"
    assert clean_filename("C:\\Users\\operator\\Desktop\\surat warga.pdf") == "surat warga.pdf"
    assert clean_filename("/media/usb/../foto.jpg") == "foto.jpg"
    assert clean_filename("/media/usb/\u200b\u2066") == "lampiran"


def test_a_photos_own_time_and_place_are_read_as_data_before_they_are_dropped(tmp_path):
    """The camera's time and GPS (EXIF) come back beside the stored picture, which
    carries neither; the original's digest recognises the same photo twice."""
    import hashlib
    from datetime import datetime

    from PIL import Image
    from puskesos.formats.attachments import read_attachment
    path = tmp_path / "rumah.jpg"
    image = Image.new("RGB", (800, 600), "#468")
    exif = Image.Exif()
    exif[0x0132] = "2026:11:30 09:15:02"
    exif[0x8825] = {1: "S", 2: (6.0, 52.0, 30.0), 3: "E", 4: (111.0, 35.0, 10.0)}
    image.save(path, "JPEG", exif=exif.tobytes())
    got = read_attachment(path)
    assert got.taken_at == datetime(2026, 11, 30, 9, 15, 2)
    assert (got.latitude, got.longitude) == (-6.875, 111.586111)
    assert got.original_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert 0x8825 not in Image.open(__import__("io").BytesIO(got.data)).getexif()
    plain = tmp_path / "polos.png"
    Image.new("RGB", (50, 50)).save(plain)
    assert (read_attachment(plain).taken_at, read_attachment(plain).latitude) == (None, None)
