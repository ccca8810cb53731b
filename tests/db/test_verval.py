"""Verval cycles on both engines: choosing households, results, approvals, musdes,
and the documents printed from them (read back from the PDF)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from puskesos.core.codes import Role
from puskesos.errors import Conflict, InvalidInput, PermissionDenied, UserError
from puskesos.services import Actor
from puskesos.services.documents import PrintBlocked
from puskesos.services.registry import HouseholdFilter
from puskesos.services.verval import Attendee, Correction, MemberFinding
from puskesos.services.verval.export import export_results
from tests.conftest import ADMIN, OPERATOR
from tests.helpers import family, member
from tests.printing.pdfcheck import pages_text

KOORDINATOR = Actor("koordinator", Role.KOORDINATOR.value, "Suhartini")
TODAY = date.today()


def add_family(services, *, kk_serial: int, rt: str, dusun: str = "KRAJAN",
               head: str = "SUPARMAN", serial: int = 1):
    from puskesos.core.identifiers import make_kk
    house, people = family()
    house = dataclasses.replace(house, rt=rt, dusun=dusun, no_kk=make_kk(
        kecamatan_code="35.23.01", recorded=date(2015, 6, 2), serial=kk_serial))
    people = [dataclasses.replace(people[0], name=head,
                                  nik=member(serial=serial).nik),
              dataclasses.replace(people[1], nik=member("SITI", "P", date(1979, 8, 21), "2",
                                                        serial=serial + 1).nik),
              dataclasses.replace(people[2], nik=member("BAGUS", "L", date(2008, 1, 5), "3",
                                                        serial=serial + 2).nik)]
    return services.households.save(actor=ADMIN, household=house, members=people)


@pytest.fixture
def village(services):
    services.settings.update_village(actor=ADMIN, kepala_desa="H. MUHAMMAD SHOLEH",
                                     ketua_puskesos="SUHARTINI", address="Jl. Raya 1")
    homes = [add_family(services, kk_serial=10, rt="3", dusun="KRAJAN", head="CAHYO", serial=1),
             add_family(services, kk_serial=11, rt="1", dusun="KRAJAN", head="BUDI", serial=11),
             add_family(services, kk_serial=12, rt="2", dusun="BARAT", head="AGUS", serial=21)]
    cycle = services.verval.create_cycle(actor=OPERATOR, name="Verval DTSEN Semester II 2026",
                                         period="2026-S2", deadline=TODAY + timedelta(days=14))
    return services, homes, cycle


def test_cycle_takes_households_by_filter_ids_and_prelist(village):
    services, homes, cycle = village
    verval = services.verval
    assert verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                                 filter=HouseholdFilter(dusun="KRAJAN")) == 2
    # adding again changes nothing; the prelist finds the third by No KK, one by NIK
    added, missing = verval.add_prelist(actor=OPERATOR, cycle_id=cycle.id, identifiers=[
        homes[2].data.no_kk, homes[0].members[0].nik, "3523019999999999"])
    assert (added, missing) == (1, ["3523019999999999"])
    rows = verval.entries(actor=OPERATOR, cycle_id=cycle.id)
    # ordered by dusun, RW, RT
    assert [r.head_name for r in rows] == ["AGUS", "BUDI", "CAHYO"]
    assert verval.cycle(cycle.id, actor=OPERATOR).households == 3


def test_a_new_cycle_takes_the_aid_target_households_desil_1_to_4(village):
    """The default choice for a new cycle: the households in desil 1–4 only."""
    from puskesos.services.verval import CycleHouseholds
    services, homes, _cycle = village
    for home, desil in zip(homes, (4, 5)):          # the third has no desil
        services.households.set_desil(actor=ADMIN, household_id=home.id, desil=desil,
                                      period="2026-Q2", reason="musdes")
    started = services.verval.start_cycle(actor=OPERATOR, name="Verval 2027", period="2027-S1",
                                          households=CycleHouseholds("target"))
    assert started.added == 1 and started.missing == ()
    rows = services.verval.entries(actor=OPERATOR, cycle_id=started.cycle.id)
    assert [r.head_name for r in rows] == ["CAHYO"]
    prelist = services.verval.start_cycle(
        actor=OPERATOR, name="Prelist", period="2027-S1", households=CycleHouseholds(
            "prelist", identifiers=(homes[1].data.no_kk, "3523019999999999")))
    assert (prelist.added, prelist.missing) == (1, ("3523019999999999",))


def test_a_new_cycle_of_the_list_as_shown_takes_those_households_with_its_deadline(village):
    """The window's "households shown" choice: the list's filter decides who is in the
    cycle, and the deadline typed in the dialog is the cycle's."""
    from puskesos.services.verval import CycleHouseholds
    services, _homes, _cycle = village
    deadline = TODAY + timedelta(days=30)
    started = services.verval.start_cycle(
        actor=OPERATOR, name="Verval Krajan", period="2027-S1", deadline=deadline,
        households=CycleHouseholds("filter", filter=HouseholdFilter(dusun="KRAJAN")))
    assert started.added == 2 and started.cycle.deadline == deadline
    assert services.verval.cycle(started.cycle.id, actor=OPERATOR).deadline == deadline
    rows = services.verval.entries(actor=OPERATOR, cycle_id=started.cycle.id)
    assert sorted(r.head_name for r in rows) == ["BUDI", "CAHYO"]


def test_a_cycle_whose_households_cannot_be_added_is_not_left_behind_empty(sqlite_services):
    """Creating a cycle and adding its households is one step: when adding fails (here
    the disk is full), there is no new, empty cycle afterwards."""
    from sqlalchemy import text

    from puskesos.errors import DiskFull
    from puskesos.services.verval import CycleHouseholds
    services = sqlite_services
    add_family(services, kk_serial=10, rt="3")
    with services.db.write() as s:
        s.execute(text("CREATE TRIGGER full BEFORE INSERT ON verval_entry BEGIN "
                       "SELECT RAISE(ABORT, 'database or disk is full'); END"))
    with pytest.raises(DiskFull):
        services.verval.start_cycle(actor=OPERATOR, name="Verval 2027", period="2027-S1",
                                    households=CycleHouseholds("all"))
    assert services.verval.cycles(actor=OPERATOR) == []


def test_a_closed_cycle_takes_no_new_households(village):
    """Once the koordinator closes a cycle, its list of households is final: adding
    households by filter, by choice or from a prelist is refused with a message saying
    the cycle is closed, and nothing is added; after reopening, adding works again."""
    services, homes, cycle = village
    verval = services.verval
    assert verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                                 household_ids=[homes[0].id]) == 1
    verval.set_status(actor=KOORDINATOR, cycle_id=cycle.id, status="closed")
    for attempt in (
            lambda: verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                                          filter=HouseholdFilter(dusun="KRAJAN")),
            lambda: verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                                          household_ids=[homes[1].id, homes[2].id]),
            lambda: verval.add_prelist(actor=OPERATOR, cycle_id=cycle.id,
                                       identifiers=[homes[2].data.no_kk])):
        with pytest.raises(InvalidInput, match="ditutup") as refused:
            attempt()
        assert cycle.name in refused.value.message
    assert verval.cycle(cycle.id, actor=OPERATOR).households == 1
    assert [r.head_name for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)] == ["CAHYO"]
    verval.set_status(actor=KOORDINATOR, cycle_id=cycle.id, status="open")
    added, missing = verval.add_prelist(actor=OPERATOR, cycle_id=cycle.id,
                                        identifiers=[homes[2].data.no_kk])
    assert (added, missing) == (1, [])


def test_results_become_proposals_that_only_the_koordinator_applies(village):
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    entry = next(r for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)
                 if r.household_id == homes[1].id)
    home = homes[1]
    child = home.members[2]
    verval.record_result(
        actor=OPERATOR, entry_id=entry.id, result="2", visited_on=TODAY,
        members=[MemberFinding("1", home.members[0].id), MemberFinding("1", home.members[1].id),
                 MemberFinding("3", child.id, note="kerja di Surabaya"),
                 MemberFinding("5", None, name="bayi  baru")],
        corrections=[Correction("household", home.id, "address", "JL. MAWAR 5"),
                     Correction("household", home.id, "rt", home.data.rt)])  # unchanged: no proposal
    proposals = verval.proposals(cycle_id=cycle.id, actor=OPERATOR)
    assert {(p.field_label, p.old_value, p.new_value) for p in proposals} == {
        ("Keberadaan", "1", "3"), ("Alamat", "JL. MELATI 3", "JL. MAWAR 5"),
        ("Anggota baru", None, "BAYI BARU")}       # a new member, to be added by hand
    # nothing in the registry changed yet
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert stored.data.address == "JL. MELATI 3"
    with pytest.raises(PermissionDenied):
        verval.decide_proposal(actor=OPERATOR, proposal_id=proposals[0].id, approve=True)
    for p in proposals:
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id,
                               approve=p.field == "address")
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert stored.data.address == "JL. MAWAR 5"
    assert next(m for m in stored.members if m.id == child.id).presence == "1"  # rejected
    decided = {p.field_label: p.status
               for p in verval.proposals(cycle_id=cycle.id, status=None, actor=OPERATOR)}
    assert decided == {"Alamat": "setuju", "Keberadaan": "tolak", "Anggota baru": "tolak"}
    with pytest.raises(InvalidInput):
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposals[0].id, approve=True)
    found = verval.member_findings(entry.id, actor=OPERATOR)
    assert any(f.member_id is None and f.name == "BAYI BARU" for f in found)
    assert verval.progress(cycle_id=cycle.id, actor=OPERATOR) and \
        sum(a.done for a in verval.progress(cycle_id=cycle.id, actor=OPERATOR)) == 1


def test_a_new_member_found_at_the_visit_is_added_when_the_koordinator_approves(village):
    from puskesos.core.identifiers import make_nik
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    home = homes[0]
    entry = next(r for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)
                 if r.household_id == home.id)
    baby_nik = make_nik(kecamatan_code="35.23.01", birth_date=date(2025, 3, 9), sex="P",
                        serial=77)
    verval.record_result(
        actor=OPERATOR, entry_id=entry.id, result="1", visited_on=TODAY,
        members=[MemberFinding("1", m.id) for m in home.members] + [
            MemberFinding("5", None, name="putri  ayu", nik=baby_nik, relationship_code="3"),
            MemberFinding("5", None, name="mbah karto", sex="L", birth_date=date(1940, 1, 1),
                          relationship_code="6")])
    waiting = {p.target_name: p for p in verval.proposals(cycle_id=cycle.id, actor=ADMIN)}
    assert set(waiting) == {"PUTRI AYU", "MBAH KARTO"}
    assert waiting["PUTRI AYU"].field_label == "Anggota baru"
    # sex and date of birth come from the NIK
    assert waiting["PUTRI AYU"].new_value == f"PUTRI AYU · NIK {baby_nik} · P · 09-03-2025 · Anak"
    masked = verval.proposals(cycle_id=cycle.id, actor=Actor("kades", "kepala_desa", "K"))
    assert all(baby_nik not in (p.new_value or "") for p in masked)
    # the visit form shows the details again when it is opened again
    again = {f.name: f for f in verval.member_findings(entry.id, actor=OPERATOR) if f.member_id is None}
    kades = Actor("kades", "kepala_desa", "K")
    assert all(f.nik != baby_nik for f in verval.member_findings(entry.id, actor=kades))
    assert again["MBAH KARTO"].birth_date == date(1940, 1, 1) and \
        again["MBAH KARTO"].relationship_code == "6" and again["PUTRI AYU"].sex == "P"
    for p in waiting.values():
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    people = {m.name: m for m in stored.members}
    assert people["PUTRI AYU"].nik == baby_nik and people["PUTRI AYU"].sex == "P" and \
        people["PUTRI AYU"].birth_date == date(2025, 3, 9) and \
        people["PUTRI AYU"].relationship_code == "3"
    assert people["MBAH KARTO"].nik is None and people["MBAH KARTO"].relationship_code == "6"
    assert len(stored.members) == len(home.members) + 2
    # the visit now names the registered people; saving it again proposes nobody again
    found = verval.member_findings(entry.id, actor=OPERATOR)
    assert all(f.member_id for f in found)
    assert {f.member_id for f in found if f.result == "5"} == {
        people["PUTRI AYU"].id, people["MBAH KARTO"].id}
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", visited_on=TODAY,
                         note="dicek ulang", members=found)
    assert not verval.proposals(cycle_id=cycle.id, actor=OPERATOR)
    assert len(services.households.get(actor=ADMIN, household_id=home.id).members) == \
        len(home.members) + 2


def test_two_new_members_of_one_name_stay_two_and_a_rejected_one_stays_rejected(village):
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    entry = verval.entries(actor=OPERATOR, cycle_id=cycle.id)[0]
    twins = [MemberFinding("5", None, name="sri", sex="P", birth_date=date(2001, 1, 1)),
             MemberFinding("5", None, name="sri", sex="P", birth_date=date(1970, 5, 5))]
    with pytest.raises(InvalidInput, match="SRI"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                             members=[twins[0], twins[0]])
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=twins)
    waiting = verval.proposals(cycle_id=cycle.id, actor=OPERATOR)
    assert sorted(p.new_value for p in waiting) == ["SRI · P · 01-01-2001",
                                                    "SRI · P · 05-05-1970"]
    shown = sorted(f.birth_date for f in verval.member_findings(entry.id, actor=OPERATOR))
    assert shown == [date(1970, 5, 5), date(2001, 1, 1)]
    older = next(p for p in waiting if "1970" in p.new_value)
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=older.id, approve=False)
    # saved again as the form shows it: the rejected one is not proposed again
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                         members=verval.member_findings(entry.id, actor=OPERATOR))
    assert [p.new_value for p in verval.proposals(cycle_id=cycle.id, actor=OPERATOR)] == \
        ["SRI · P · 01-01-2001"]


def test_a_new_member_taken_off_the_visit_form_takes_its_proposal_along(village):
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    entry = verval.entries(actor=OPERATOR, cycle_id=cycle.id)[0]
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                         members=[MemberFinding("5", None, name="tono", sex="L"),
                                  MemberFinding("5", None, name="tini", sex="P")])
    assert {p.target_name for p in verval.proposals(cycle_id=cycle.id, actor=OPERATOR)} == {"TONO", "TINI"}
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                         members=[MemberFinding("5", None, name="tini", sex="P",
                                                birth_date=date(2020, 2, 2))])
    left = verval.proposals(cycle_id=cycle.id, actor=OPERATOR)
    assert [p.target_name for p in left] == ["TINI"] and "02-02-2020" in left[0].new_value


def test_a_new_member_without_sex_or_nik_is_added_by_hand(village):
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    entry = verval.entries(actor=OPERATOR, cycle_id=cycle.id)[0]
    with pytest.raises(InvalidInput, match="BAYI"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                             members=[MemberFinding("5", None, name="bayi", nik="12345")])
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                         members=[MemberFinding("5", None, name="bayi")])
    proposal = verval.proposals(cycle_id=cycle.id, actor=OPERATOR)[0]
    with pytest.raises(InvalidInput, match="formulir keluarga"):
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=True)
    assert verval.proposals(cycle_id=cycle.id, actor=OPERATOR)[0].status == "usulan"
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=False)
    assert not verval.proposals(cycle_id=cycle.id, actor=OPERATOR)


def test_a_proposal_is_refused_when_the_field_changed_after_the_visit(village):
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id, household_ids=[homes[0].id])
    [entry] = verval.entries(actor=OPERATOR, cycle_id=cycle.id)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2",
                         corrections=[Correction("household", homes[0].id, "phone",
                                                 "081234567890")])
    current = services.households.get(actor=ADMIN, household_id=homes[0].id)
    services.households.save(actor=ADMIN, household=dataclasses.replace(
        current.data, phone="085600000000"), members=[m.as_input() for m in current.members],
        household_id=current.id, expected_version=current.version)
    [proposal] = verval.proposals(cycle_id=cycle.id, actor=OPERATOR)
    with pytest.raises(Conflict, match="085600000000"):
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=True)


def test_progress_per_rt_and_bad_results(village):
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    rows = verval.entries(actor=OPERATOR, cycle_id=cycle.id)
    verval.record_result(actor=OPERATOR, entry_id=rows[0].id, result="1")
    with pytest.raises(InvalidInput):
        verval.record_result(actor=OPERATOR, entry_id=rows[1].id, result="99")
    with pytest.raises(InvalidInput):
        verval.record_result(actor=OPERATOR, entry_id=rows[1].id, result="1",
                             visited_on=TODAY + timedelta(days=3))
    progress = {(a.dusun, a.rt): (a.done, a.remaining) for a in
                verval.progress(cycle_id=cycle.id, actor=OPERATOR)}
    assert progress == {("BARAT", "002"): (1, 0), ("KRAJAN", "001"): (0, 1),
                        ("KRAJAN", "003"): (0, 1)}
    with pytest.raises(InvalidInput):  # a visited household stays in the cycle
        verval.remove_entry(actor=OPERATOR, entry_id=rows[0].id)
    verval.remove_entry(actor=OPERATOR, entry_id=rows[1].id)
    assert verval.cycle(cycle.id, actor=OPERATOR).households == 2


def record_musdes(services, cycle):
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    rows = verval.entries(actor=OPERATOR, cycle_id=cycle.id)
    for row, result in zip(rows, ("1", "5", "7")):
        verval.record_result(actor=OPERATOR, entry_id=row.id, result=result)
    verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id, held_on=TODAY, place="Balai Desa",
                       attendees=[Attendee("H. MUHAMMAD SHOLEH", "Kepala Desa"),
                                  Attendee("SLAMET", "Ketua BPD"), Attendee("", "kosong")],
                       notulen="RINA", ketua_bpd="SLAMET")
    assert verval.decide_suggested(actor=OPERATOR, cycle_id=cycle.id) == 3
    return rows


def test_berita_acara_numbered_once_with_bnba_and_attendance(village):
    services, homes, cycle = village
    rows = record_musdes(services, cycle)
    with pytest.raises(InvalidInput, match="alasan"):
        services.verval.decide(actor=OPERATOR, entry_id=rows[0].id, decision="hapus")
    doc = services.documents.berita_acara(actor=OPERATOR, cycle_id=cycle.id)
    assert re.fullmatch(r"460/001/35\.23\.01\.2001/[IVX]+/\d{4}", doc.letter_number)
    texts = pages_text(doc.pdf)
    assert doc.pages == 3
    assert "BERITA ACARA MUSYAWARAH DESA" in texts[0] and doc.letter_number in texts[0]
    assert "H. MUHAMMAD SHOLEH" in texts[0]
    assert "dihadiri oleh 2 orang" in " ".join(texts[0].split())
    assert "LAMPIRAN I" in texts[1]
    for row in rows:
        assert row.head_name in texts[1] and row.no_kk in texts[1]
    assert "Dikeluarkan" in texts[1] and "Meninggal" in texts[1]
    assert "DAFTAR HADIR" in texts[2] and "SLAMET" in texts[2]
    again = services.documents.berita_acara(actor=OPERATOR, cycle_id=cycle.id)
    assert again.letter_number == doc.letter_number
    assert "SALINAN" in pages_text(again.pdf)[0]
    assert len(services.letters.register(letter_type="berita_acara", year=TODAY.year, actor=OPERATOR)) == 1
    log = services.documents.print_log(actor=OPERATOR)
    assert [r.kind for r in log[:2]] == ["berita_acara", "berita_acara"]
    assert log[0].actor == "operator" and log[0].reference == doc.letter_number


def test_nothing_is_numbered_when_the_preflight_fails(village):
    services, homes, cycle = village
    with pytest.raises(PrintBlocked, match="musdes"):
        services.documents.berita_acara(actor=OPERATOR, cycle_id=cycle.id)
    record_musdes(services, cycle)
    services.settings.update_village(actor=ADMIN, kepala_desa="")
    with pytest.raises(PrintBlocked, match="Kepala Desa"):
        services.documents.berita_acara(actor=OPERATOR, cycle_id=cycle.id)
    with pytest.raises(PrintBlocked, match="Kepala Desa"):
        services.documents.sktm(actor=OPERATOR, member_id=homes[0].members[0].id,
                                purpose="beasiswa")
    with pytest.raises(PrintBlocked, match="keperluan"):
        services.documents.sktm(actor=OPERATOR, member_id=homes[0].members[0].id, purpose=" ")
    services.settings.update_village(actor=ADMIN, kepala_desa="H. MUHAMMAD SHOLEH",
                                     logo_path="/tidak/ada/logo.png")
    with pytest.raises(PrintBlocked, match="logo.png"):
        services.documents.sktm(actor=OPERATOR, member_id=homes[0].members[0].id,
                                purpose="beasiswa")
    for kind in ("berita_acara", "sktm"):
        assert services.letters.register(letter_type=kind, year=TODAY.year, actor=OPERATOR) == []
    assert services.documents.print_log(actor=OPERATOR) == []


def test_verval_forms_prefilled_in_area_order(village, tmp_path):
    from tests.printing.pdfcheck import qr_texts, render_page
    services, homes, cycle = village
    services.verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    doc = services.documents.verval_forms(actor=OPERATOR, cycle_id=cycle.id)
    texts = pages_text(doc.pdf)
    first_pages = [i for i, t in enumerate(texts) if "FORMULIR VERIFIKASI" in t]
    assert len(first_pages) == 3
    heads = [re.search(r"(AGUS|BUDI|CAHYO)", texts[i]).group(1) for i in first_pages]
    assert heads == ["AGUS", "BUDI", "CAHYO"]  # BARAT before KRAJAN; RT 001 before RT 003
    page = texts[first_pages[0]]
    assert "RAHASIA" in page and homes[2].members[0].nik in page and homes[2].data.no_kk in page
    assert "Verval DTSEN Semester II 2026" in page
    image = render_page(doc.pdf, tmp_path, page=first_pages[0] + 1, dpi=150)
    assert qr_texts(image) == [f"PSKS/V1/{cycle.id}/{homes[2].id}".upper()]
    only_rt1 = services.documents.verval_forms(actor=OPERATOR, cycle_id=cycle.id, rt="1")
    assert "BUDI" in pages_text(only_rt1.pdf)[0]
    assert all("CAHYO" not in t for t in pages_text(only_rt1.pdf))
    with pytest.raises(PrintBlocked, match="kosong"):
        services.documents.verval_forms(actor=OPERATOR, cycle_id=cycle.id, rt="9")
    assert services.documents.print_log(actor=OPERATOR)[0].kind == "verval"


def test_sktm_numbered_per_year(village):
    services, homes, cycle = village
    member_id = homes[0].members[1].id
    first = services.documents.sktm(actor=OPERATOR, member_id=member_id, purpose="beasiswa")
    second = services.documents.sktm(actor=OPERATOR, member_id=member_id, purpose="berobat")
    assert first.letter_number.startswith("460/001/") and second.letter_number.startswith(
        "460/002/")
    text = pages_text(second.pdf)[0]
    assert "SURAT KETERANGAN TIDAK MAMPU" in text and "SITI AMINAH" in text
    assert homes[0].members[1].nik in text and second.letter_number in text
    assert "berobat" in text
    assert services.letters.gaps(letter_type="sktm", year=TODAY.year, actor=OPERATOR) == []


def test_results_workbook_for_the_kabupaten(village, tmp_path):
    services, homes, cycle = village
    record_musdes(services, cycle)
    out = tmp_path / "hasil.xlsx"
    assert export_results(services, actor=OPERATOR, cycle_id=cycle.id, path=out) == 3
    wb = load_workbook(out)
    sheet = wb["Hasil keluarga"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 4
    kk = header.index("No KK")
    assert all(isinstance(r[kk], str) and len(r[kk]) == 16 for r in rows[1:])
    decisions = {r[header.index("Nama kepala keluarga")]: r[header.index("Keputusan musdes")]
                 for r in rows[1:]}
    assert sorted(decisions.values()) == ["Dikeluarkan", "Dikeluarkan", "Tetap"]
    assert "Ringkasan" in wb.sheetnames and "Perbaikan data" in wb.sheetnames


def test_prelist_read_from_a_spreadsheet_with_numeric_and_text_identifiers(village, tmp_path):
    from openpyxl import Workbook
    services, homes, cycle = village
    path = tmp_path / "prelist.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["PRELIST DESA JLODRO"])
    ws.append(["NO", "NAMA", "NO KK", "NIK"])
    ws.append([1, "CAHYO", homes[0].data.no_kk, None])          # text cell
    ws.append([2, "AGUS", int(homes[2].data.no_kk), None])       # Excel kept it as a number
    ws.append([3, "TIDAK ADA", "3523019999999999", "'3523010000000001"])
    ws.append(["JUMLAH", 3])
    wb.save(path)
    found = services.verval.identifiers_from_file(path)
    assert found == [homes[0].data.no_kk, homes[2].data.no_kk, "3523019999999999",
                     "3523010000000001"]
    added, missing = services.verval.add_prelist(actor=OPERATOR, cycle_id=cycle.id,
                                                 identifiers=found)
    assert added == 2 and missing == ["3523019999999999", "3523010000000001"]
    broken = tmp_path / "rusak.xlsx"
    broken.write_text("bukan lembar kerja")
    with pytest.raises(UserError, match="rusak.xlsx"):
        services.verval.identifiers_from_file(broken)


def test_a_pdf_is_never_left_half_written(tmp_path):
    from puskesos.files import write_bytes as save_file
    target = tmp_path / "hasil.pdf"
    save_file(target, b"%PDF-1.4 first")
    with pytest.raises(UserError, match="tidak/ada"):
        save_file(tmp_path / "tidak" / "ada" / "x.pdf", b"%PDF")
    import subprocess
    import sys
    # a full disk while saving: the old file stays whole, no .part is left behind
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
        "import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "from puskesos.files import write_bytes as save_file\n"
        "from puskesos.errors import DiskFull\n"
        f"try:\n    save_file(r'{target}', b'x' * 50000)\n"
        "except DiskFull as exc:\n    print('FULL', exc.message)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "FULL" in out.stdout, out.stderr
    assert target.read_bytes() == b"%PDF-1.4 first"
    assert not list(tmp_path.glob("*.part"))


def test_saving_a_result_again_keeps_pending_corrections_and_findings(village):
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id, household_ids=[homes[0].id])
    [entry] = verval.entries(actor=OPERATOR, cycle_id=cycle.id)
    child = homes[0].members[2]
    findings = [MemberFinding("1", homes[0].members[0].id),
                MemberFinding("1", homes[0].members[1].id),
                MemberFinding("2", child.id, note="meninggal Mei")]
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", members=findings,
                         corrections=[Correction("household", homes[0].id, "floor",
                                                 "keramik")])
    [floor] = [p for p in verval.proposals(cycle_id=cycle.id, actor=OPERATOR) if p.field == "floor"]
    assert floor.new_value == "2"  # the label typed (Keramik) was turned into its code
    with pytest.raises(InvalidInput, match="pilihan"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2",
                             corrections=[Correction("household", homes[0].id, "floor",
                                                     "emas")])
    # saved again with only a new note: nothing pending is lost, nothing is duplicated
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", note="dicek ulang")
    pending = {(p.field, p.new_value) for p in verval.proposals(cycle_id=cycle.id, actor=OPERATOR)}
    assert pending == {("floor", "2"), ("presence", "2")}
    notes = {f.member_id: f.note for f in verval.member_findings(entry.id, actor=OPERATOR)}
    assert notes[child.id] == "meninggal Mei"
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", members=findings,
                         corrections=[Correction("household", homes[0].id, "floor", "6")])
    pending = {(p.field, p.new_value) for p in verval.proposals(cycle_id=cycle.id, actor=OPERATOR)}
    assert pending == {("floor", "6"), ("presence", "2")}
    # the kepala desa reads the proposals with NIKs masked
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=[
        Correction("member", child.id, "nik", member(serial=77).nik)])
    kades = Actor("kades", Role.KEPALA_DESA.value, "Kades")
    [nik] = [p for p in verval.proposals(cycle_id=cycle.id, actor=kades) if p.field == "nik"]
    assert "*" in nik.new_value and "*" in nik.old_value
    [nik] = [p for p in verval.proposals(cycle_id=cycle.id, actor=KOORDINATOR)
             if p.field == "nik"]
    assert nik.new_value == member(serial=77).nik


def test_issued_berita_acara_freezes_the_decisions_until_its_number_is_void(village):
    services, homes, cycle = village
    rows = record_musdes(services, cycle)
    first = services.documents.berita_acara(actor=OPERATOR, cycle_id=cycle.id)
    with pytest.raises(InvalidInput, match=re.escape(first.letter_number)):
        services.verval.decide(actor=OPERATOR, entry_id=rows[0].id, decision="tetap")
    with pytest.raises(InvalidInput, match="register"):
        services.verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id, held_on=TODAY,
                                    place="Lain", attendees=[Attendee("A")])
    copy = services.documents.berita_acara(actor=OPERATOR, cycle_id=cycle.id)
    assert copy.letter_number == first.letter_number and "SALINAN" in pages_text(copy.pdf)[0]
    # the copy shows what the original showed (the BNBA page body, after the footer)
    assert pages_text(copy.pdf)[1].split("LAMPIRAN I")[1] == \
        pages_text(first.pdf)[1].split("LAMPIRAN I")[1]
    [letter] = services.letters.register(letter_type="berita_acara", year=TODAY.year, actor=OPERATOR)
    services.letters.void(actor=OPERATOR, letter_id=letter.id, reason="keputusan diubah")
    services.verval.decide(actor=OPERATOR, entry_id=rows[0].id, decision="hapus",
                           note="pindah ke kota")
    second = services.documents.berita_acara(actor=OPERATOR, cycle_id=cycle.id)
    assert second.letter_number != first.letter_number
    assert "SALINAN" not in pages_text(second.pdf)[0]
    assert "pindah ke kota" in pages_text(second.pdf)[1]
    assert services.letters.gaps(letter_type="berita_acara", year=TODAY.year, actor=OPERATOR) == []


def test_a_closed_cycle_takes_no_more_changes(village):
    services, homes, cycle = village
    rows = record_musdes(services, cycle)
    with pytest.raises(PermissionDenied):
        services.verval.set_status(actor=OPERATOR, cycle_id=cycle.id, status="closed")
    services.verval.set_status(actor=KOORDINATOR, cycle_id=cycle.id, status="closed")
    for attempt in (
            lambda: services.verval.record_result(actor=OPERATOR, entry_id=rows[0].id,
                                                  result="1"),
            lambda: services.verval.decide(actor=OPERATOR, entry_id=rows[0].id,
                                           decision="tetap"),
            lambda: services.verval.decide_suggested(actor=OPERATOR, cycle_id=cycle.id),
            lambda: services.verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id,
                                                held_on=TODAY, place="X",
                                                attendees=[Attendee("A")])):
        with pytest.raises(InvalidInput, match="ditutup"):
            attempt()
    services.verval.set_status(actor=KOORDINATOR, cycle_id=cycle.id, status="open")
    services.verval.decide(actor=OPERATOR, entry_id=rows[0].id, decision="tetap")


def test_a_member_gone_abroad_is_told_apart_from_one_who_moved_within_indonesia(village):
    """Member result 4 'pindah ke luar negeri' becomes presence 4 when approved."""
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    home = homes[1]
    entry = next(r for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)
                 if r.household_id == home.id)
    abroad, moved = home.members[2], home.members[1]
    verval.record_result(
        actor=OPERATOR, entry_id=entry.id, result="2", visited_on=TODAY,
        members=[MemberFinding("1", home.members[0].id), MemberFinding("3", moved.id),
                 MemberFinding("4", abroad.id, note="TKI di Malaysia")])
    for p in verval.proposals(cycle_id=cycle.id, actor=OPERATOR):
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    stored = {m.id: m.presence for m in
              services.households.get(actor=ADMIN, household_id=home.id).members}
    assert (stored[moved.id], stored[abroad.id]) == ("3", "4")


def _address_proposal(village):
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    home = homes[1]
    entry = next(r for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)
                 if r.household_id == home.id)
    verval.record_result(
        actor=OPERATOR, entry_id=entry.id, result="2", visited_on=TODAY,
        members=[MemberFinding("1", m.id) for m in home.members],
        corrections=[Correction("household", home.id, "address", "JL. MAWAR 5")])
    return home, verval.proposals(cycle_id=cycle.id, actor=OPERATOR)[0]


def test_an_approval_and_a_rejection_at_the_same_moment_leave_one_decision(village,
                                                                           db_target):
    """Two koordinators decide the same proposal at the same moment on two computers:
    one approves, the other rejects first. The approval is refused as already decided
    and leaves the registry as the rejection says it is: the address is not changed."""
    from puskesos.services import open_services
    services, homes, cycle = village
    home, proposal = _address_proposal(village)
    other = open_services(db_target)            # the second koordinator's program
    real_save = services.households.save

    def save_after_the_other_decided(**kwargs):
        other.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                     approve=False, note="tidak sesuai")
        return real_save(**kwargs)

    services.households.save = save_after_the_other_decided
    try:
        with pytest.raises(InvalidInput, match="sudah diputuskan"):
            services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                            approve=True)
    finally:
        del services.households.save
        other.close()
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert stored.data.address == "JL. MELATI 3"
    [decided] = services.verval.proposals(cycle_id=cycle.id, status=None, actor=OPERATOR)
    assert decided.status == "tolak"
    assert services.audit.verify().ok


def test_a_proposal_rejected_on_another_computer_while_this_one_approves_stays_rejected(
        village, db_target):
    """The approval waits for the rejection being saved elsewhere and is then refused
    as already decided: the address stays, and the proposal keeps the one decision."""
    from tests.helpers import ChangeElsewhere, at_the_same_moment
    services, homes, cycle = village
    home, proposal = _address_proposal(village)
    elsewhere = ChangeElsewhere(db_target, "UPDATE verval_proposal SET status = 'tolak', "
                                "decided_by = 'koordinator2' WHERE id = :id",
                                {"id": proposal.id})
    [outcome] = at_the_same_moment(elsewhere, lambda: services.verval.decide_proposal(
        actor=KOORDINATOR, proposal_id=proposal.id, approve=True))
    assert isinstance(outcome, InvalidInput) and "sudah diputuskan" in outcome.message
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert stored.data.address == "JL. MELATI 3"
    [decided] = services.verval.proposals(cycle_id=cycle.id, status=None, actor=OPERATOR)
    assert (decided.status, decided.decided_by) == ("tolak", "koordinator2")


def test_a_visit_writing_rt_without_leading_zeros_proposes_no_change(village):
    """An enumerator writes RT "1" for a household stored as RT "001": the same RT,
    so no proposal is made for the koordinator to wade through."""
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    home = homes[1]
    assert home.data.rt == "001"
    entry = next(r for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)
                 if r.household_id == home.id)
    verval.record_result(
        actor=OPERATOR, entry_id=entry.id, result="2", visited_on=TODAY,
        members=[MemberFinding("1", m.id) for m in home.members],
        corrections=[Correction("household", home.id, "rt", "1"),
                     Correction("household", home.id, "rt", " 01 ")])
    assert verval.proposals(cycle_id=cycle.id, actor=OPERATOR) == []


def test_a_new_member_whose_nik_disagrees_with_the_birth_date_shows_the_warning(village):
    """The enumerator writes a date of birth that is not the one in the NIK: the
    koordinator deciding the proposal sees that warning beside the person."""
    from puskesos.core.identifiers import make_nik
    services, homes, cycle = village
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    home = homes[0]
    entry = next(r for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)
                 if r.household_id == home.id)
    nik = make_nik(kecamatan_code="35.23.01", birth_date=date(2025, 3, 9), sex="P", serial=78)
    verval.record_result(
        actor=OPERATOR, entry_id=entry.id, result="1", visited_on=TODAY,
        members=[MemberFinding("1", m.id) for m in home.members] + [
            MemberFinding("5", None, name="putri ayu", nik=nik, sex="P",
                          birth_date=date(2024, 3, 9), relationship_code="3")])
    [proposal] = verval.proposals(cycle_id=cycle.id, actor=ADMIN)
    assert "peringatan: Tanggal lahir pada NIK (09-03-2025)" in proposal.new_value
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert any(m.nik == nik and m.birth_date == date(2024, 3, 9) for m in stored.members)
