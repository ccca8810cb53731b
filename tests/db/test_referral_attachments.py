"""Attachments of a referral (issue 14 point 1), on both engines: a photo is kept
small and without its GPS, a PDF as it was; what is not an image or a PDF, or is too
large, is refused and nothing is stored; the content is checked against its
checksum when read; a removal needs a reason and a closed referral keeps its own."""

import hashlib
import io

import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, select, text

from puskesos.errors import InvalidInput
from puskesos.models import ReferralAttachment
from tests.conftest import OPERATOR


def _photo(path, size=(3000, 2000)):
    image = Image.new("RGB", size, "#8a6")
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (6.0, 52.0, 30.0), 3: "E", 4: (111.0, 35.0, 10.0)}   # GPS
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


def _pdf(path):
    canvas = Canvas(str(path))
    canvas.drawString(100, 700, "Surat keterangan dokter")
    canvas.save()
    return path


@pytest.fixture
def referral(services):
    r = services.referrals.add(actor=OPERATOR, person_name="BUDI", nik_absent_reason="hilang",
                               category="kesehatan", description="Berobat")
    return services, r


def _count(services):
    with services.db.read() as s:
        return s.scalar(select(func.count()).select_from(ReferralAttachment))


def test_a_photo_is_kept_small_without_its_gps_and_a_pdf_as_it_was(referral, tmp_path):
    services, r = referral
    detail = services.referrals.add_attachment(actor=OPERATOR, referral_id=r.id,
                                               path=_photo(tmp_path / "rumah.jpg"))
    pdf = _pdf(tmp_path / "surat dokter.pdf")
    detail = services.referrals.add_attachment(actor=OPERATOR, referral_id=r.id, path=pdf)
    photo, letter = detail.attachments
    assert (photo.filename, photo.media_type) == ("rumah.jpg", "image/jpeg")
    name, kind, data = services.referrals.attachment_data(photo.id, actor=OPERATOR)
    image = Image.open(io.BytesIO(data))
    assert max(image.size) == 2000 and 0x8825 not in image.getexif()
    assert hashlib.sha256(data).hexdigest() == photo.sha256 and photo.size == len(data)
    _name, kind, data = services.referrals.attachment_data(letter.id, actor=OPERATOR)
    assert kind == "application/pdf" and data == pdf.read_bytes()
    copy = services.referrals.save_attachment(actor=OPERATOR, attachment_id=letter.id,
                                              target=tmp_path / "salinan.pdf")
    assert copy.read_bytes() == pdf.read_bytes()


def test_what_is_not_an_image_or_a_pdf_or_is_too_large_is_refused(referral, tmp_path):
    services, r = referral
    fake = tmp_path / "foto.jpg"
    fake.write_text("bukan gambar")
    with pytest.raises(InvalidInput, match="foto.jpg"):
        services.referrals.add_attachment(actor=OPERATOR, referral_id=r.id, path=fake)
    big = tmp_path / "besar.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024) + b"\n%%EOF\n")
    with pytest.raises(InvalidInput, match="besar.pdf"):
        services.referrals.add_attachment(actor=OPERATOR, referral_id=r.id, path=big)
    assert _count(services) == 0


def test_a_damaged_attachment_is_refused_rather_than_shown(referral, tmp_path):
    services, r = referral
    detail = services.referrals.add_attachment(actor=OPERATOR, referral_id=r.id,
                                               path=_pdf(tmp_path / "a.pdf"))
    with services.db.write() as s:
        s.execute(text("UPDATE referral_attachment SET data = :d"), {"d": b"%PDF-rusak"})
    with pytest.raises(InvalidInput, match="a.pdf"):
        services.referrals.attachment_data(detail.attachments[0].id, actor=OPERATOR)


def test_removing_needs_a_reason_and_a_closed_referral_keeps_its_attachments(referral,
                                                                              tmp_path):
    services, r = referral
    detail = services.referrals.add_attachment(actor=OPERATOR, referral_id=r.id,
                                               path=_pdf(tmp_path / "a.pdf"))
    attachment = detail.attachments[0].id
    with pytest.raises(InvalidInput):
        services.referrals.remove_attachment(actor=OPERATOR, attachment_id=attachment,
                                             reason=" ")
    services.referrals.solve_in_village(actor=OPERATOR, referral_id=r.id, action_taken="ok")
    with pytest.raises(InvalidInput, match="ditutup"):
        services.referrals.remove_attachment(actor=OPERATOR, attachment_id=attachment,
                                             reason="salah berkas")
    assert _count(services) == 1
