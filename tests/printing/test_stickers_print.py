"""The stickers of a campaign read back (issue 15 point 2): every household's sticker
with its serial, name, address and programs, a QR code of campaign and serial, and
1, 2 or 4 to a sheet."""

from dataclasses import replace
from datetime import date

import pytest

from puskesos.core.identifiers import make_kk
from puskesos.services.registry.records import HouseholdFilter
from tests.conftest import ADMIN, OPERATOR
from tests.helpers import family, member
from tests.printing.pdfcheck import pages_text, qr_texts, render_page


@pytest.fixture
def campaign(sqlite_services):
    services = sqlite_services
    for i, dusun in enumerate(("KRAJAN", "KRAJAN", "WETAN", "WETAN", "KIDUL"), 1):
        house, _people = family()
        house = replace(house, dusun=dusun, address=f"JL. MAWAR {i}", rt=str(i),
                        no_kk=make_kk(kecamatan_code="35.23.01", recorded=date(2015, 6, 2),
                                      serial=200 + i))
        saved = services.households.save(actor=ADMIN, household=house,
                                         members=[member(f"KEPALA {i}", serial=30 + i)])
        services.programs.add_participation(actor=ADMIN, household_id=saved.id,
                                            program_code="PKH", period="2026")
    c = services.stickers.create_campaign(
        actor=OPERATOR, code="STK26", name="Labelisasi 2026", programs=["PKH"],
        sticker_text="KELUARGA MISKIN\nMelepas stiker ini berarti mundur dari bantuan.",
        legal_basis="SK Bupati 400/1/2026")
    return services, c


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(pages_text(pdf)).split())


def test_every_household_has_its_sticker_with_serial_and_qr(campaign, tmp_path):
    services, c = campaign
    doc = services.stickers.print_stickers(actor=OPERATOR)
    assert doc.pages == 2 and doc.filename == "stiker-STK26.pdf"     # 5 stickers, 4 a sheet
    text = _text(doc.pdf)
    for i in range(1, 6):
        assert f"STK26-0000{i}" in text and f"KEPALA {i}" in text
    assert "JL. MAWAR 1, RT 001 RW 001, Dusun KRAJAN" in text
    assert "Program Keluarga Harapan" in text and "SK Bupati 400/1/2026" in text
    assert text.count("KELUARGA MISKIN") == 5
    found = qr_texts(render_page(doc.pdf, tmp_path, dpi=200))
    assert sorted(found) == [f"PUSKESOS-STIKER:{c.id}:{n}" for n in range(1, 5)]


@pytest.mark.parametrize("per_page,sheets", [(1, 5), (2, 3)])
def test_one_or_two_to_a_sheet(campaign, per_page, sheets):
    services, c = campaign
    from sqlalchemy import update
    from puskesos.models import StickerCampaign
    with services.db.write() as s:
        s.execute(update(StickerCampaign).values(per_page=per_page))
    assert services.stickers.print_stickers(actor=OPERATOR).pages == sheets


def test_an_area_prints_its_households_only_and_names_the_file_by_it(campaign):
    services, _c = campaign
    doc = services.stickers.print_stickers(actor=OPERATOR,
                                           area=HouseholdFilter(dusun="WETAN"))
    text = _text(doc.pdf)
    assert "KEPALA 3" in text and "KEPALA 4" in text and "KEPALA 1" not in text
    assert doc.filename == "stiker-STK26-WETAN.pdf"


def test_an_area_without_households_of_the_campaign_prints_nothing_and_says_so(campaign):
    services, _c = campaign
    from puskesos.errors import InvalidInput
    with pytest.raises(InvalidInput, match="STK26"):
        services.stickers.print_stickers(actor=OPERATOR, area=HouseholdFilter(dusun="LOR"))


def test_the_field_checklist_lists_an_areas_households_in_serial_order(campaign):
    services, _c = campaign
    doc = services.stickers.print_field_list(actor=OPERATOR,
                                             area=HouseholdFilter(dusun="KRAJAN"))
    text = _text(doc.pdf)
    assert "DAFTAR LAPANGAN" in text and "Dusun KRAJAN" in text and "RAHASIA" in text
    krajan = [r.serial_text for r in services.stickers.targets(
        actor=OPERATOR, campaign_id=_c.id) if r.dusun == "KRAJAN"]
    assert len(krajan) == 2 and text.index(krajan[0]) < text.index(krajan[1])
    assert "KEPALA 3" not in text and doc.filename == "daftar-stiker-STK26-KRAJAN.pdf"


def test_a_voluntary_withdrawal_prints_its_numbered_statement(campaign):
    services, c = campaign
    services.settings.update_village(actor=ADMIN, kepala_desa="H. SUTRISNO",
                                     ketua_puskesos="SITI ROHMAH")
    first = services.stickers.targets(actor=OPERATOR, campaign_id=c.id)[0]
    from datetime import datetime
    placed = services.stickers.record_outcome(
        actor=OPERATOR, campaign_id=c.id, household_id=first.household_id,
        outcome="terpasang", at=datetime.now(), officers=["AGUS"])
    from puskesos.errors import InvalidInput
    with pytest.raises(InvalidInput, match="Terpasang"):
        services.stickers.print_statement(actor=OPERATOR, log_id=placed.id)
    withdrawn = services.stickers.record_outcome(
        actor=OPERATOR, campaign_id=c.id, household_id=first.household_id, outcome="mundur",
        at=datetime.now(), officers=["AGUS"], witnesses="SLAMET (Ketua RT 001)")
    doc = services.stickers.print_statement(actor=OPERATOR, log_id=withdrawn.id)
    text = _text(doc.pdf)
    assert doc.letter_number and doc.letter_number in text
    assert first.head_name in text and first.serial_text in text and "SLAMET" in text
    assert "mengundurkan diri" in text and "SALINAN" not in text
    again = services.stickers.print_statement(actor=OPERATOR, log_id=withdrawn.id)
    assert again.letter_number == doc.letter_number and "SALINAN" in _text(again.pdf)
