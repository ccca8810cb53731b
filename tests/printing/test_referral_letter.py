"""The surat rujukan and the monthly referral report, read back as a user reads
them: the letter's number, NIK, tracking code and QR code; a reprint; what is
refused before a number is taken; the report's figures and its workbook."""

from datetime import date, timedelta

import openpyxl
import pytest

from puskesos.errors import InvalidInput
from puskesos.services.documents import PrintBlocked
from tests.conftest import ADMIN, OPERATOR
from tests.helpers import family
from tests.printing.pdfcheck import pages_text, qr_texts, render_page


@pytest.fixture
def referred(sqlite_services):
    services = sqlite_services
    services.settings.update_village(actor=ADMIN, kepala_desa="H. SUTRISNO",
                                     ketua_puskesos="SITI ROHMAH")
    house, people = family()
    services.households.save(actor=ADMIN, household=house, members=people)
    person = services.referrals.find_people("suparman", actor=ADMIN)[0]
    r = services.referrals.add(actor=OPERATOR, member_id=person.member_id,
                               category="kesehatan", description="Perlu operasi katarak",
                               urgency="segera")
    r = services.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                                 service_requested="Operasi katarak dengan PBI JKN",
                                 documents=[("Fotokopi KTP", True), ("SKTM", False)])
    return services, r, person


def test_the_letter_carries_number_nik_tracking_code_and_a_qr_code(referred, tmp_path):
    services, r, person = referred
    doc = services.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    text = " ".join(" ".join(pages_text(doc.pdf)).split())
    year = date.today().year
    assert doc.letter_number.startswith("460/001/") and doc.letter_number.endswith(str(year))
    for expected in (doc.letter_number, person.nik, r.tracking_code, "RSUD", "SUPARMAN",
                     "Perlu operasi katarak", "Operasi katarak dengan PBI JKN",
                     "Fotokopi KTP", "SITI ROHMAH", "H. SUTRISNO", "Rujukan Layanan Kesehatan"):
        assert expected in text, expected
    assert "SALINAN" not in text
    assert qr_texts(render_page(doc.pdf, tmp_path, dpi=150)) == [
        f"PUSKESOS-RUJUKAN:{r.id}:{r.tracking_code}"]
    detail = services.referrals.detail(r.id, actor=OPERATOR)
    assert detail.letter_number == doc.letter_number
    assert services.referrals.find_by_code(f"PUSKESOS-RUJUKAN:{r.id}:{r.tracking_code}",
                                           actor=OPERATOR).id == r.id
    # a reprint keeps the number and says it is a copy; the register has one letter
    again = services.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    assert again.letter_number == doc.letter_number
    assert "SALINAN" in " ".join(pages_text(again.pdf))
    letters = services.letters.register(letter_type="rujukan", year=year, actor=ADMIN)
    assert [x.text for x in letters] == [doc.letter_number]


def test_a_letter_without_its_signatory_takes_no_number(referred):
    services, r, _person = referred
    services.settings.update_village(actor=ADMIN, ketua_puskesos="")
    with pytest.raises(PrintBlocked, match="Koordinator Puskesos"):
        services.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    year = date.today().year
    assert services.letters.register(letter_type="rujukan", year=year, actor=ADMIN) == []
    assert services.referrals.detail(r.id, actor=OPERATOR).letter_number is None


def test_no_letter_before_the_request_is_referred(sqlite_services):
    services = sqlite_services
    services.settings.update_village(actor=ADMIN, kepala_desa="A", ketua_puskesos="B")
    r = services.referrals.add(actor=OPERATOR, person_name="BUDI", nik_absent_reason="hilang",
                               category="adminduk", description="KTP")
    with pytest.raises(InvalidInput, match="dirujuk"):
        services.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    assert services.letters.register(letter_type="rujukan", year=date.today().year,
                                     actor=ADMIN) == []


def test_the_monthly_report_prints_the_figures_and_writes_them_to_a_workbook(referred,
                                                                              tmp_path):
    services, r, _person = referred
    today = date.today()
    services.referrals.record_reply(actor=OPERATOR, referral_id=r.id, outcome="selesai",
                                    note="sudah dioperasi")
    other = services.referrals.add(actor=OPERATOR, person_name="=HYPERLINK(\"x\")",
                                   nik_absent_reason="belum rekam", category="adminduk",
                                   description="KTP", dusun="NGASEM")
    services.referrals.solve_in_village(actor=OPERATOR, referral_id=other.id,
                                        action_taken="diantar")
    doc = services.referrals.monthly_pdf(actor=ADMIN, year=today.year, month=today.month)
    text = " ".join(" ".join(pages_text(doc.pdf)).split())
    assert "REKAP BULANAN" in text and r.tracking_code in text and other.tracking_code in text
    # the chart of the month: its title and legend, the categories that had requests
    assert "menurut kategori" in text and "Selesai oleh layanan" in text
    assert "yang diterima pada bulan" in text and "2026: 2. Diselesaikan di desa 1, dirujuk ke layanan 1" in text.replace(str(today.year), "2026")
    assert doc.filename == f"rekap-rujukan-{today.year}-{today.month:02d}.pdf"
    path = services.referrals.monthly_xlsx(actor=ADMIN, year=today.year, month=today.month,
                                           path=tmp_path / "rekap.xlsx")
    book = openpyxl.load_workbook(path)
    by_category = {row[0]: row[1:] for row in book["Per kategori"].iter_rows(
        min_row=2, values_only=True)}
    assert by_category["Kesehatan"][:4] == (1, 0, 1, 1)   # received, village, referred, done
    assert by_category["Administrasi kependudukan"][:2] == (1, 1)
    assert by_category["Jumlah"][0] == 2
    names = [row[2] for row in book["Daftar rujukan"].iter_rows(min_row=2, values_only=True)]
    assert "=HYPERLINK(\"x\")" in names                     # text, not a formula
    # an empty month prints too, saying so
    earlier = today.replace(day=1) - timedelta(days=40)
    empty = services.referrals.monthly_pdf(actor=ADMIN, year=earlier.year, month=earlier.month)
    assert "Tidak ada permohonan" in " ".join(pages_text(empty.pdf))


def test_a_long_request_is_printed_whole_over_the_next_page(sqlite_services, tmp_path):
    services = sqlite_services
    services.settings.update_village(actor=ADMIN, kepala_desa="A", ketua_puskesos="B")
    sentences = " ".join(f"Kalimat nomor {i} tentang keadaan keluarga." for i in range(90))
    r = services.referrals.add(actor=OPERATOR, person_name="BUDI", nik_absent_reason="hilang",
                               category="kesehatan", description=sentences + " AKHIRURAIAN")
    services.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                             service_requested=sentences + " AKHIRLAYANAN")
    doc = services.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    text = " ".join(" ".join(pages_text(doc.pdf)).split())
    assert doc.pages >= 2 and "AKHIRURAIAN" in text and "AKHIRLAYANAN" in text
    assert "Kalimat nomor 89" in text
    # nothing is drawn over the footer: the last page's ink stops above it
    from tests.printing.pdfcheck import render_page
    image = render_page(doc.pdf, tmp_path, page=1, dpi=50)
    footer_band = image.crop((0, int(image.height * 0.94) - 12, image.width,
                              int(image.height * 0.94) - 2))
    assert footer_band.getextrema()[0] > 200         # the band above the footer is blank


def test_a_folder_is_not_a_file_and_takes_no_number(referred, tmp_path):
    """An output named by a folder is refused before a number is taken."""
    from puskesos.errors import UserError
    from puskesos.services.documents import check_target
    services, _r, _person = referred
    with pytest.raises(UserError, match="folder"):
        check_target(tmp_path)
    assert services.letters.register(letter_type="rujukan", year=date.today().year,
                                     actor=ADMIN) == []
