"""Reading PDFs back as a user would see them: text (pypdf), pixels (pdftoppm), QR."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image
from pypdf import PdfReader


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def embedded_fonts(pdf: bytes) -> set[str]:
    """Names of the fonts whose program is embedded in the file."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            for desc_font in [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]:
                descriptor = desc_font.get("/FontDescriptor")
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                        names.add(str(font.get("/BaseFont")))
    return names


def render_page(pdf: bytes, tmp: Path, page: int = 1, dpi: int = 100) -> Image.Image:
    """The page as pdftoppm draws it (the same poppler that many viewers use)."""
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed"
    source = tmp / "doc.pdf"
    source.write_bytes(pdf)
    prefix = tmp / f"page{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png",
                    "-singlefile", str(source), str(prefix)], check=True)
    return Image.open(f"{prefix}.png").convert("L")


def ink(image: Image.Image) -> float:
    """Share of the page that is not white."""
    histogram = image.histogram()
    dark = sum(histogram[:200])
    return dark / (image.width * image.height)


def qr_texts(image: Image.Image) -> list[str]:
    import zxingcpp
    return [r.text for r in zxingcpp.read_barcodes(image)]
