"""Rules of the referral service a review found untested (each broken on purpose
passed the suite before these): the audit entry of every step, dates kept in order,
a void letter not shown as in force, the median without cancelled requests, the
attachment limit, who can be found at intake, what a closed referral refuses, a
given NIK clearing the reason it was missing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from puskesos.core.codes import ReferralStatus as S
from puskesos.errors import InvalidInput
from puskesos.models import AuditEvent
from tests.conftest import ADMIN, OPERATOR
from tests.helpers import family

TODAY = date.today()


@pytest.fixture
def village(services):
    services.settings.update_village(actor=ADMIN, kepala_desa="H. SUTRISNO",
                                     ketua_puskesos="SITI ROHMAH")
    house, people = family()
    services.households.save(actor=ADMIN, household=house, members=people)
    return services


def _add(services, **kwargs):
    values = dict(actor=OPERATOR, person_name="BUDI", nik_absent_reason="hilang",
                  category="kesehatan", description="Berobat",
                  received_on=TODAY - timedelta(days=10))
    values.update(kwargs)
    return services.referrals.add(**values)


def test_every_step_is_in_the_audit_trail(village):
    r = _add(village)
    village.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                            service_requested="x", on=TODAY - timedelta(days=9))
    village.referrals.record_reply(actor=OPERATOR, referral_id=r.id, outcome="ditolak",
                                   note="kuota")
    with village.db.read() as s:
        steps = [(e.old_value, e.new_value) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.entity == "referral",
                                     AuditEvent.entity_id == r.id,
                                     AuditEvent.field == "status").order_by(AuditEvent.seq))]
    assert steps == [(None, "tercatat"), ("tercatat", "dirujuk"), ("dirujuk", "diterima"),
                     ("diterima", "diproses"), ("diproses", "ditolak")]


def test_step_dates_keep_their_order_and_stay_in_the_past(village):
    r = _add(village)
    village.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                            service_requested="x", on=TODAY - timedelta(days=5))
    for bad in (TODAY - timedelta(days=6), TODAY - timedelta(days=11),
                TODAY + timedelta(days=1)):
        with pytest.raises(InvalidInput):
            village.referrals.transition(actor=OPERATOR, referral_id=r.id, status="diterima",
                                         on=bad)
    done = village.referrals.transition(actor=OPERATOR, referral_id=r.id, status="diterima",
                                        on=TODAY - timedelta(days=5))
    assert done.status == S.DITERIMA.value
    # a reply's implied steps come out in order, with the reply's words
    done = village.referrals.record_reply(actor=OPERATOR, referral_id=r.id,
                                          outcome="selesai")
    assert [e.to_status for e in done.events][-2:] == ["diproses", "selesai"]
    assert "balasan layanan tujuan: Selesai" in done.events[-2].note


def test_a_void_letter_is_not_shown_as_in_force_and_a_new_one_is_numbered(village):
    r = _add(village)
    village.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                            service_requested="x")
    first = village.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    letter_id = village.referrals.detail(r.id, actor=OPERATOR).letter_id
    village.letters.void(actor=ADMIN, letter_id=letter_id, reason="salah ketik")
    assert village.referrals.detail(r.id, actor=OPERATOR).letter_number is None
    second = village.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    assert second.letter_number != first.letter_number


def test_a_reprint_says_what_was_sent(village):
    r = _add(village)
    village.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                            service_requested="x", documents=[("SKTM", False)])
    from tests.printing.pdfcheck import pages_text
    village.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    village.referrals.set_documents(actor=OPERATOR, referral_id=r.id,
                                    documents=[("SKTM", True), ("Kartu BPJS", True)])
    again = village.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    text = " ".join(" ".join(pages_text(again.pdf)).split())
    assert "SALINAN" in text and "Kartu BPJS" not in text and "Belum ada" in text


def test_no_first_letter_for_a_cancelled_referral(village):
    r = _add(village)
    village.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                            service_requested="x")
    village.referrals.transition(actor=OPERATOR, referral_id=r.id, status="dibatalkan",
                                 note="keluarga menolak")
    with pytest.raises(InvalidInput, match="Dibatalkan"):
        village.referrals.print_letter(actor=OPERATOR, referral_id=r.id)
    assert village.letters.register(letter_type="rujukan", year=TODAY.year,
                                    actor=ADMIN) == []


def test_the_median_counts_what_was_closed_by_handling_not_what_was_cancelled(village):
    first = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)
    quick = _add(village, received_on=first)
    village.referrals.solve_in_village(actor=OPERATOR, referral_id=quick.id,
                                       action_taken="ok", on=first + timedelta(days=2))
    late = _add(village, received_on=first)
    village.referrals.transition(actor=OPERATOR, referral_id=late.id, status="dibatalkan",
                                 note="batal", on=first + timedelta(days=20))
    report = village.referrals.monthly_report(actor=OPERATOR, year=first.year,
                                              month=first.month)
    assert report.total.median_days == 2.0 and report.total.cancelled == 1


def test_the_attachment_limit_per_referral(village, tmp_path, monkeypatch):
    from puskesos.services.referrals import attachments
    monkeypatch.setattr(attachments, "MAX_ATTACHMENTS", 2)
    from reportlab.pdfgen.canvas import Canvas
    r = _add(village)
    for i in range(3):
        path = tmp_path / f"{i}.pdf"
        canvas = Canvas(str(path))
        canvas.drawString(100, 700, f"lampiran {i}")
        canvas.save()
        if i < 2:
            village.referrals.add_attachment(actor=OPERATOR, referral_id=r.id, path=path)
        else:
            with pytest.raises(InvalidInput, match="2"):
                village.referrals.add_attachment(actor=OPERATOR, referral_id=r.id, path=path)


def test_intake_finds_the_living_only_and_refuses_the_dead(village):
    from puskesos.models import Member
    with village.db.write() as s:
        bagus = s.scalar(select(Member).where(Member.name == "BAGUS"))
        bagus.presence = "2"                                         # meninggal
        member_id = bagus.id
    assert village.referrals.find_people("bagus", actor=OPERATOR) == []
    with pytest.raises(InvalidInput, match="BAGUS"):
        village.referrals.add(actor=OPERATOR, member_id=member_id, category="lainnya",
                              description="x")


def test_a_closed_referral_refuses_every_change(village, tmp_path):
    r = _add(village)
    village.referrals.solve_in_village(actor=OPERATOR, referral_id=r.id, action_taken="ok")
    refs = village.referrals
    for change in (
            lambda: refs.set_documents(actor=OPERATOR, referral_id=r.id,
                                       documents=[("SKTM", True)]),
            lambda: refs.update_intake(actor=OPERATOR, referral_id=r.id,
                                       expected_version=refs.detail(r.id,
                                                                    actor=OPERATOR).version,
                                       category="anak"),
            lambda: refs.add_visit(actor=OPERATOR, referral_id=r.id, visited_on=TODAY,
                                   visitor="A", findings="b"),
            lambda: refs.set_follow_up(actor=OPERATOR, referral_id=r.id, on=TODAY),
            lambda: refs.transition(actor=OPERATOR, referral_id=r.id, status="dibatalkan",
                                    note="x")):
        with pytest.raises(InvalidInput):
            change()


def test_cannot_be_followed_up_needs_a_reason(village):
    r = _add(village)
    village.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                            service_requested="x")
    village.referrals.record_reply(actor=OPERATOR, referral_id=r.id, outcome="diproses")
    with pytest.raises(InvalidInput, match="alasan"):
        village.referrals.transition(actor=OPERATOR, referral_id=r.id, status="tidak_dapat")


def test_a_given_nik_clears_the_reason_it_was_missing_and_birth_dates_are_checked(village):
    from puskesos.core.identifiers import make_nik
    nik = make_nik(kecamatan_code="35.23.01", birth_date=date(1990, 4, 2), sex="L", serial=9)
    r = _add(village, person_nik=nik, nik_absent_reason="hilang",
             person_birth_date=date(1990, 4, 2))
    assert r.person_nik == nik and r.nik_absent_reason is None
    for born in (date(1899, 12, 31), TODAY + timedelta(days=1)):
        with pytest.raises(InvalidInput):
            _add(village, person_birth_date=born)
