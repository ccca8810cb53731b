"""A scan or photo to attach to a record (a referral), checked and made small.

Attachments are stored inside the database, so that they travel in backups
and exchange bundles; :func:`read_attachment` turns a file the operator chose
(from a folder, a phone, a USB stick) into the bytes to store:

* **The kind is read from the content**, never from the name: JPEG, PNG, WEBP,
  BMP, TIFF (pictures Pillow reads without plug-ins) and PDF.  Anything else —
  a text file named ``.jpg``, an iPhone's HEIC photo, a Word document — is
  refused with a message saying what is accepted.  The stored name takes the
  extension of what is stored ("rumah.png" stored as JPEG is "rumah.jpg").
* **Pictures become one JPEG** (quality 85, RGB): turned upright by their EXIF
  orientation, shrunk to at most 2000 pixels on the long side (smaller ones
  keep their size), transparent parts put on white.  One kind for every
  picture keeps the stored size small and predictable; a scan or a photo has
  nothing a JPEG loses that the office needs.
* **Nothing of the picture's metadata is kept** (EXIF, XMP, comments, colour
  profile): a photo of a house taken with a phone carries where it was taken
  (GPS), the phone and the time, which must not travel with the record.
  A photo's place, when it is wanted, is recorded as data, on purpose.
* **A decompression bomb is refused before it is decoded**: a small file may
  claim 50000 × 50000 pixels.  The pixels a picture will be decoded to are
  checked against :data:`PIXEL_LIMIT` from its header, whatever Pillow's own
  (global) limit is set to; a JPEG is decoded at 1/2, 1/4 or 1/8 of its size
  when that still gives 2000 pixels, so a large phone photo stays cheap and
  only its reduced size counts.  No picture takes more than some 160 MB while
  it is read.
* **A PDF is kept byte for byte** (a signed letter must stay as signed): it
  must start with ``%PDF-`` and end with ``%%EOF``; where pypdf is installed
  (a test dependency, not the program's) it must also open and its pages are
  counted.  An original over :data:`ATTACHMENT_LIMIT` is refused.
* A picture's original may be larger (it is made small), up to
  :data:`IMAGE_FILE_LIMIT`, checked before the file is read whole.

No database and no Qt here (the formats layer): the service that stores an
attachment calls this and keeps the result.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..core.normalize import text_cell
from ..errors import InvalidInput, NotFound, UserError
from ..i18n import _
from .zipguard import MB, human_size

#: the largest PDF kept (it is stored as it is)
ATTACHMENT_LIMIT = 10 * MB
#: the largest picture file read (it is made small before it is stored)
IMAGE_FILE_LIMIT = 40 * MB
#: the most pixels a picture is decoded to (a 600 dpi A4 scan is 35 million)
PIXEL_LIMIT = 40_000_000
LONG_SIDE = 2000
JPEG_QUALITY = 85

JPEG, PDF = "image/jpeg", "application/pdf"
#: the pictures read (Pillow's format name) by the first bytes of the file
_PICTURES = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"BM", "BMP"),
             (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"))
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
                b"avif")
_EXTENSIONS = {JPEG: ".jpg", PDF: ".pdf"}
#: the kinds of file an attachment may be, as told to the user
ACCEPTED_KINDS = "JPEG, PNG, WEBP, BMP, TIFF, PDF"


@dataclass(frozen=True)
class Attachment:
    """A file made ready to be stored: ``data`` is what is kept (``sha256`` its
    digest); ``original_size`` the chosen file's size in bytes; ``width`` and
    ``height`` (pixels) for a picture, ``pages`` for a PDF when they are known."""

    filename: str
    media_type: str
    data: bytes
    sha256: str
    original_size: int
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    #: the chosen file's own digest (the same photo imported twice is recognised)
    original_sha256: str = ""
    #: when and where the camera says the picture was taken (EXIF), read before the
    #: metadata is dropped: for a caller that records them as data, on purpose
    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


def clean_filename(name: str) -> str:
    """The base name of ``name`` (a path from any system) by the house's text rule
    (core/normalize.text_cell): no control characters, text-direction overrides or
    invisible characters, whitespace collapsed; "lampiran" when nothing is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return (text_cell(unicodedata.normalize("NFC", base)) or "").strip(". ") or "lampiran"


def _stored_name(name: str, media_type: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return (stem if dot and stem else name) + _EXTENSIONS[media_type]


def _kind(head: bytes) -> str | None:
    """Pillow's format name, "PDF", or None, from the first bytes of a file."""
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    for magic, kind in _PICTURES:
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def read_attachment(path: str | Path, *, limit_bytes: int = ATTACHMENT_LIMIT) -> Attachment:
    """The file at ``path`` checked and made ready to store (see the module's text):
    a picture as a small upright JPEG without its metadata (no GPS), a PDF as it is.
    ``limit_bytes`` is the largest PDF kept.  Refused with :class:`InvalidInput`
    (naming the file and why) when it is not an accepted kind, too large, damaged or
    a decompression bomb; a file that cannot be read is a :class:`UserError` saying
    what to do."""
    path = Path(path)
    name = clean_filename(str(path))
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(32)
            kind = _kind(head)
            if kind is None or kind == "HEIF":
                raise _not_accepted(name, kind)
            limit = limit_bytes if kind == "PDF" else IMAGE_FILE_LIMIT
            if size > limit:
                raise _too_large(name, size, limit, kind)
            data = head + handle.read(limit + 1 - len(head))
    except FileNotFoundError:
        raise NotFound(_("The file {name} is not there any more (was the USB stick or the "
                         "phone taken out?). Put it back and choose the file again.")
                       .format(name=name)) from None
    except (IsADirectoryError, PermissionError):
        if path.is_dir():  # Windows refuses to open a folder as a permission problem
            raise InvalidInput(_("{name} is a folder, not a file. Open the folder and choose "
                                 "the scan or photo inside it.").format(name=name)) from None
        raise UserError(_("The program may not read {name} (the system refuses access). "
                          "Copy the file to your Documents folder and choose the copy.")
                        .format(name=name)) from None
    except OSError as exc:
        raise UserError(_("The file {name} could not be read ({detail}). Copy it to this "
                          "computer and try again.").format(
            name=name, detail=exc.strerror or exc)) from None
    if len(data) > limit:  # it grew while it was read
        raise _too_large(name, len(data), limit, kind)
    if kind == "PDF":
        pages = _checked_pdf(name, data)
        return Attachment(_stored_name(name, PDF), PDF, data, hashlib.sha256(data).hexdigest(),
                          len(data), pages=pages)
    stored, width, height = _small_jpeg(name, data, kind)
    taken_at, latitude, longitude = camera_facts(data)
    return Attachment(_stored_name(name, JPEG), JPEG, stored,
                      hashlib.sha256(stored).hexdigest(), len(data), width, height,
                      original_sha256=hashlib.sha256(data).hexdigest(), taken_at=taken_at,
                      latitude=latitude, longitude=longitude)


def camera_facts(data: bytes) -> tuple[datetime | None, float | None, float | None]:
    """When (the camera's clock, local time, no zone) and where (decimal degrees) a
    photo says it was taken, from its EXIF; None for what it does not say or says
    wrongly."""
    from PIL import Image
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            stamp = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)
            gps = exif.get_ifd(0x8825)
    except Exception:  # noqa: BLE001 - a photo without readable EXIF has no facts
        return None, None, None
    taken = None
    if isinstance(stamp, str):
        try:
            taken = datetime.strptime(stamp.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken = None
    return taken, _degrees(gps.get(2), gps.get(1), 90), _degrees(gps.get(4), gps.get(3), 180)


def _degrees(dms, ref, limit: float) -> float | None:
    """Degrees, minutes, seconds and N/S/E/W as signed decimal degrees (None if absent
    or not a place)."""
    try:
        d, m, sec = (float(x) for x in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + sec / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref).strip().upper() in ("S", "W"):
        value = -value
    return round(value, 6) if -limit <= value <= limit else None


def _not_accepted(name: str, kind: str | None) -> InvalidInput:
    if kind == "HEIF":
        return InvalidInput(_(
            "{name} is a HEIC/HEIF photo (as iPhones take them), which cannot be attached. "
            "Send it from the phone as JPEG (or set the camera to \"Most Compatible\") and "
            "attach that; accepted are {kinds}.").format(name=name, kinds=ACCEPTED_KINDS))
    return InvalidInput(_(
        "{name} is not a scan or photo that can be attached: its content is not one of "
        "{kinds} (whatever its name says). Scan or save it again as a PDF or JPEG.").format(
        name=name, kinds=ACCEPTED_KINDS))


def _too_large(name: str, size: int, limit: int, kind: str) -> InvalidInput:
    if kind == "PDF":
        return InvalidInput(_(
            "{name} is {size}, more than the {limit} a PDF attachment may be. Scan it again "
            "at a lower resolution (150–200 dpi) or in black and white, or split it into "
            "parts.").format(name=name, size=human_size(size), limit=human_size(limit)))
    return InvalidInput(_(
        "{name} is {size}, more than the {limit} a picture may be. Take the photo at a "
        "lower resolution or scan at 150–300 dpi.").format(
        name=name, size=human_size(size), limit=human_size(limit)))


def _damaged(name: str, what: str) -> InvalidInput:
    return InvalidInput(_("{name} is damaged or incomplete ({what}). Copy it again from the "
                          "scanner, phone or USB stick, open it to check, and attach it "
                          "again.").format(name=name, what=what))


def _checked_pdf(name: str, data: bytes) -> int | None:
    """The number of pages of a PDF that looks whole (None without pypdf)."""
    if b"%%EOF" not in data[-1024:]:
        raise _damaged(name, _("the end of the PDF is missing"))
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return None  # opened with its password when it is read; kept as it is
        return len(reader.pages)
    except Exception as exc:  # noqa: BLE001 - any parser failure means a damaged PDF
        raise _damaged(name, _("the PDF cannot be opened: {error}").format(
            error=exc)) from None


def _small_jpeg(name: str, data: bytes, kind: str) -> tuple[bytes, int, int]:
    """The picture as an upright JPEG of at most LONG_SIDE pixels, without metadata."""
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            # the pixel limits below are this module's; Pillow's warning says the same
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size
            if kind == "JPEG":
                image.draft("RGB", (LONG_SIDE, LONG_SIDE))  # decode at 1/2, 1/4, 1/8
            if image.size[0] * image.size[1] > PIXEL_LIMIT:  # before anything is decoded
                raise _bomb(name, width, height)
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
            image = _rgb(image)
    except InvalidInput:
        raise
    except Image.DecompressionBombError:
        raise _bomb(name, 0, 0) from None
    except Exception as exc:  # noqa: BLE001 - any decoder failure means a damaged picture
        raise _damaged(name, _("the picture cannot be read: {error}").format(
            error=exc)) from None
    image.info = {}  # no EXIF (GPS), XMP, comment or profile is written
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), image.width, image.height


def _rgb(image):
    """RGB on white: transparency flattened, 16-bit greys brought to 8 bits, CMYK and
    palettes converted."""
    from PIL import Image

    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB") if image.mode != "RGB" else image


def _bomb(name: str, width: int, height: int) -> InvalidInput:
    """A picture claiming more pixels than a scan or photo has (``width`` 0: Pillow
    refused it before its size was known)."""
    if not width:
        return InvalidInput(_(
            "{name} claims to be a picture with far more pixels than a scan or photo has: "
            "it is damaged or made to overload the computer, and was not opened. Scan or "
            "photograph the paper again.").format(name=name))
    return InvalidInput(_(
        "{name} claims to be a picture of {width} × {height} pixels, more than a scan or "
        "photo can be ({limit} million pixels at most): it is damaged or made to overload "
        "the computer, and was not opened. Scan or photograph the paper again.").format(
        name=name, width=width, height=height, limit=PIXEL_LIMIT // 1_000_000))
