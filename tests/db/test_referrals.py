"""Referrals (rujukan) through the service, on both database engines: intake for a
member and for a person outside the registry, the flow and its refusals, the
service's reply, visits, roles, and the monthly report's figures against the
records."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from puskesos.core.codes import ReferralStatus as S
from puskesos.errors import Conflict, InvalidInput, PermissionDenied
from puskesos.models import AuditEvent, Referral, ReferralEvent
from tests.conftest import ADMIN, KADES, OPERATOR
from tests.helpers import family

TODAY = date.today()


@pytest.fixture
def village(services):
    """A village with one household (in DTSEN, desil 2, receiving a program)."""
    services.settings.update_village(actor=ADMIN, kepala_desa="H. SUTRISNO",
                                     ketua_puskesos="SITI ROHMAH")
    house, people = family()
    saved = services.households.save(actor=ADMIN, household=house, members=people)
    services.households.set_desil(actor=ADMIN, household_id=saved.id, desil=2,
                                  period="2026")
    program = services.programs.programs()[0]
    services.programs.add_participation(actor=ADMIN, household_id=saved.id,
                                        program_code=program.code, period="2026")
    return services, saved, program


def _member(services, name="SUPARMAN"):
    return services.referrals.find_people(name, actor=ADMIN)[0]


def _events(services, referral_id):
    with services.db.read() as s:
        return [(e.from_status, e.to_status) for e in s.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)
            .order_by(ReferralEvent.recorded_at))]


def test_intake_for_a_member_takes_who_they_are_from_the_registry(village):
    services, house, program = village
    person = _member(services, "siti aminah")
    assert person.name == "SITI AMINAH" and person.no_kk == family()[0].no_kk
    r = services.referrals.add(actor=OPERATOR, member_id=person.member_id,
                               category="kesehatan", description="Butuh berobat ke RSUD",
                               urgency="darurat", received_on=TODAY)
    assert (r.status, r.person_name, r.dusun, r.rt, r.rw) == (
        S.TERCATAT.value, "SITI AMINAH", "KRAJAN", "002", "001")
    assert r.person_nik == person.nik and r.household_id == house.id
    assert r.follow_up_on == TODAY + timedelta(days=1)            # darurat: tomorrow
    assert "Surat rujukan Puskesmas/RSUD" in [d.name for d in r.documents]
    assert r.tracking_code.startswith("RJ-")
    assert _events(services, r.id) == [(None, S.TERCATAT.value)]
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "referral", AuditEvent.entity_id == r.id)) == 1
    # at the next intake the window sees the household, DTSEN, programs and this referral
    context = services.referrals.person_context(actor=OPERATOR, member_id=person.member_id)
    assert context.desil == 2 and context.in_dtsen and context.no_kk == family()[0].no_kk
    assert program.name in context.programs
    assert any("SUPARMAN" in m for m in context.members)
    assert [e.tracking_code for e in context.earlier] == [r.tracking_code]


def test_a_person_outside_the_registry_needs_a_name_and_a_nik_or_why_not(village):
    services, _house, _program = village
    add = services.referrals.add
    with pytest.raises(InvalidInput, match="nama"):
        add(actor=OPERATOR, person_name="  ", nik_absent_reason="KTP hilang",
            category="lainnya", description="x")
    with pytest.raises(InvalidInput, match="NIK"):
        add(actor=OPERATOR, person_name="BUDI", category="lainnya", description="x")
    with pytest.raises(InvalidInput, match="NIK"):
        add(actor=OPERATOR, person_name="BUDI", person_nik="12345", category="lainnya",
            description="x")
    r = add(actor=OPERATOR, person_name="BUDI", nik_absent_reason="KTP hilang",
            category="adminduk", description="Mengurus KTP", dusun="krajan")
    assert r.person_nik is None and r.nik_absent_reason == "KTP hilang"
    assert r.dusun == "KRAJAN"          # the registry's spelling: one dusun in the report
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == 1


def test_bad_codes_and_empty_descriptions_are_refused(village):
    services, _house, _program = village
    person = _member(services)
    for kwargs, word in ((dict(category="x", description="d"), "kategori"),
                         (dict(category="kesehatan", description=" "), "Uraikan"),
                         (dict(category="kesehatan", description="d", urgency="kilat"),
                          "urgensi"),
                         (dict(category="kesehatan", description="d",
                               received_on=TODAY + timedelta(days=1)), "masa depan")):
        with pytest.raises(InvalidInput, match=word):
            services.referrals.add(actor=OPERATOR, member_id=person.member_id, **kwargs)


def test_referring_needs_a_target_service_and_nothing_is_half_done(village):
    services, _house, _program = village
    r = services.referrals.add(actor=OPERATOR, member_id=_member(services).member_id,
                               category="bansos", description="Belum menerima PKH")
    with pytest.raises(InvalidInput, match="layanan tujuan"):
        services.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service=" ",
                                 service_requested="Usulan PKH")
    with pytest.raises(InvalidInput, match="layanan yang dimohon"):
        services.referrals.refer(actor=OPERATOR, referral_id=r.id,
                                 target_service="Dinas Sosial", service_requested="")
    again = services.referrals.detail(r.id, actor=OPERATOR)
    assert again.status == S.TERCATAT.value and again.target_service is None
    assert _events(services, r.id) == [(None, S.TERCATAT.value)]
    done = services.referrals.refer(actor=OPERATOR, referral_id=r.id,
                                    target_service="Dinas Sosial",
                                    service_requested="Usulan PKH",
                                    documents=[("Fotokopi KTP", True), ("SKTM", False)])
    assert done.status == S.DIRUJUK.value and done.target_service == "Dinas Sosial"
    assert [(d.name, d.present) for d in done.documents] == [("Fotokopi KTP", True),
                                                             ("SKTM", False)]
    assert done.follow_up_on == TODAY + timedelta(days=14)


def test_a_reply_on_paper_walks_the_steps_and_a_closed_referral_never_changes(village):
    services, _house, _program = village
    r = services.referrals.add(actor=OPERATOR, member_id=_member(services).member_id,
                               category="kesehatan", description="Operasi katarak")
    services.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                             service_requested="Operasi")
    with pytest.raises(InvalidInput, match="alasan"):
        services.referrals.record_reply(actor=OPERATOR, referral_id=r.id, outcome="ditolak")
    done = services.referrals.record_reply(actor=OPERATOR, referral_id=r.id,
                                           outcome="ditolak", reference="445/88/RSUD",
                                           note="Kuota penuh, daftar bulan depan")
    assert done.status == S.DITOLAK.value and done.closed_on == TODAY
    assert done.reply_reference == "445/88/RSUD" and done.follow_up_on is None
    assert _events(services, r.id) == [
        (None, "tercatat"), ("tercatat", "dirujuk"), ("dirujuk", "diterima"),
        ("diterima", "diproses"), ("diproses", "ditolak")]
    for step in ("diproses", "dibatalkan", "selesai"):
        with pytest.raises(InvalidInput, match="ditutup"):
            services.referrals.transition(actor=OPERATOR, referral_id=r.id, status=step,
                                          note="x")
    with pytest.raises(InvalidInput, match="ditutup"):
        services.referrals.refer(actor=OPERATOR, referral_id=r.id, target_service="RSUD",
                                 service_requested="lagi")
    assert len(_events(services, r.id)) == 5


def test_steps_out_of_order_are_refused_and_cancelling_needs_a_reason(village):
    services, _house, _program = village
    r = services.referrals.add(actor=OPERATOR, member_id=_member(services).member_id,
                               category="lansia", description="Alat bantu jalan", draft=True)
    assert r.status == S.DRAFT.value
    with pytest.raises(InvalidInput, match="Diterima layanan"):
        services.referrals.transition(actor=OPERATOR, referral_id=r.id, status="diterima")
    with pytest.raises(InvalidInput, match="alasan"):
        services.referrals.transition(actor=OPERATOR, referral_id=r.id, status="dibatalkan")
    assert services.referrals.record(actor=OPERATOR, referral_id=r.id).status == "tercatat"
    solved = services.referrals.solve_in_village(actor=OPERATOR, referral_id=r.id,
                                                 action_taken="Dipinjami kursi roda desa")
    assert solved.status == S.SELESAI_DI_DESA.value
    assert solved.action_taken == "Dipinjami kursi roda desa"


def test_a_change_from_a_stale_window_is_refused(village):
    services, _house, _program = village
    r = services.referrals.add(actor=OPERATOR, member_id=_member(services).member_id,
                               category="anak", description="Putus sekolah")
    services.referrals.update_intake(actor=OPERATOR, referral_id=r.id,
                                     expected_version=r.version, urgency="segera")
    with pytest.raises(Conflict):
        services.referrals.update_intake(actor=OPERATOR, referral_id=r.id,
                                         expected_version=r.version, category="pendidikan")
    assert services.referrals.detail(r.id, actor=OPERATOR).category == "anak"


def test_the_kepala_desa_reads_with_masked_niks_and_cannot_record(village):
    services, _house, _program = village
    person = _member(services)
    r = services.referrals.add(actor=OPERATOR, member_id=person.member_id,
                               category="ekonomi", description="Modal usaha")
    with pytest.raises(PermissionDenied):
        services.referrals.add(actor=KADES, member_id=person.member_id,
                               category="ekonomi", description="Modal usaha")
    with pytest.raises(PermissionDenied):
        services.referrals.transition(actor=KADES, referral_id=r.id, status="dibatalkan",
                                      note="x")
    row = services.referrals.list(actor=KADES)[0]
    assert row.person_nik != person.nik and "*" in row.person_nik
    assert services.referrals.detail(r.id, actor=OPERATOR).person_nik == person.nik


def test_overdue_referrals_are_listed_longest_first(village):
    services, _house, _program = village
    mid = _member(services).member_id
    old = services.referrals.add(actor=OPERATOR, member_id=mid, category="kesehatan",
                                 description="a", received_on=TODAY - timedelta(days=20))
    newer = services.referrals.add(actor=OPERATOR, member_id=mid, category="kesehatan",
                                   description="b", received_on=TODAY - timedelta(days=9))
    services.referrals.add(actor=OPERATOR, member_id=mid, category="kesehatan",
                           description="c", received_on=TODAY)
    assert [r.id for r in services.referrals.overdue(actor=OPERATOR)] == [old.id, newer.id]
    services.referrals.set_follow_up(actor=OPERATOR, referral_id=old.id,
                                     on=TODAY + timedelta(days=3))
    visit = services.referrals.add_visit(actor=OPERATOR, referral_id=newer.id,
                                         visited_on=TODAY, visitor="Petugas A",
                                         findings="Rumah kosong",
                                         next_follow_up=TODAY + timedelta(days=2))
    assert [v.findings for v in visit.visits] == ["Rumah kosong"]
    assert services.referrals.overdue(actor=OPERATOR) == []


def test_monthly_report_figures_match_the_records(village):
    services, _house, _program = village
    ref = services.referrals
    mid = _member(services).member_id
    first = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)   # last month
    plan = [("kesehatan", "refer-done", 0), ("kesehatan", "village", 0),
            ("kesehatan", "open", 0), ("pendidikan", "refer-rejected", 0),
            ("adminduk", "cancel", 0), ("kesehatan", "refer-done", -40)]
    made = []
    for category, fate, shift in plan:
        received = first + timedelta(days=shift) if shift else first
        kwargs = (dict(member_id=mid) if category != "adminduk" else
                  dict(person_name="ORANG LUAR", nik_absent_reason="belum rekam",
                       dusun="NGASEM"))
        r = ref.add(actor=OPERATOR, category=category, description=fate, received_on=received,
                    **kwargs)
        if fate.startswith("refer"):
            ref.refer(actor=OPERATOR, referral_id=r.id, target_service="Dinas Sosial",
                      service_requested="x", on=received)
            outcome = "selesai" if fate == "refer-done" else "ditolak"
            ref.record_reply(actor=OPERATOR, referral_id=r.id, outcome=outcome,
                             on=received + timedelta(days=4), note="balasan")
        elif fate == "village":
            ref.solve_in_village(actor=OPERATOR, referral_id=r.id, action_taken="ok",
                                 on=received + timedelta(days=1))
        elif fate == "cancel":
            ref.transition(actor=OPERATOR, referral_id=r.id, status="dibatalkan", note="salah")
        made.append(r)
    ref.add(actor=OPERATOR, member_id=mid, category="anak", description="draft", draft=True)
    report = ref.monthly_report(actor=OPERATOR, year=first.year, month=first.month)
    t = report.total
    assert (t.received, t.solved_in_village, t.referred, t.done, t.rejected, t.cancelled,
            t.still_open) == (5, 1, 2, 1, 1, 1, 1)
    assert t.median_days == 4.0          # closed 4, 1, 4 days after receipt (cancelled: not)
    health = next(c for c in report.by_category if c.name == "Kesehatan")
    assert (health.received, health.done, health.solved_in_village, health.still_open) == (
        3, 1, 1, 1)
    dusun = {d.name: d.received for d in report.by_dusun}
    assert dusun == {"KRAJAN": 4, "NGASEM": 1}
    assert sorted(r.id for r in report.rows) == sorted(r.id for r in made[:5])
