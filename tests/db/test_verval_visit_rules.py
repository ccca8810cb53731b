"""Rules of the verval visit half that the operator, the koordinator or an auditor
would notice: recording a visit, the findings per member, the proposals they make,
the list of households and the progress per area, and the audit trail of it all.

Each test uses a village of four households in three areas (one without dusun, RW
or RT), and two cycles, so that a rule about "this cycle" is seen against another
cycle's data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, timedelta

import pytest

from puskesos.core.codes import Role
from puskesos.core.identifiers import make_kk, mask_nik
from puskesos.errors import Conflict, InvalidInput, NotFound, UserError
from puskesos.services import Actor
from puskesos.services.verval import (Correction, MemberFinding, decision_counts,
                                      new_member_text)
from tests.conftest import ADMIN, OPERATOR
from tests.helpers import family, nik

KOORDINATOR = Actor("koordinator", Role.KOORDINATOR.value, "Suhartini")
KADES = Actor("kades", Role.KEPALA_DESA.value, "Kepala Desa")
TODAY = date.today()
BABY_NIK = nik(date(2024, 3, 9), "P", serial=77)


def add_home(services, n: int, *, head: str, dusun: str | None, rw: str | None,
             rt: str | None):
    house, people = family()
    house = dataclasses.replace(house, dusun=dusun, rw=rw, rt=rt, no_kk=make_kk(
        kecamatan_code="35.23.01", recorded=date(2015, 6, 2), serial=100 + n))
    people = [dataclasses.replace(people[0], name=head,
                                  nik=nik(date(1975, 3, 14), "L", 10 * n + 1)),
              dataclasses.replace(people[1], nik=nik(date(1979, 8, 21), "P", 10 * n + 2)),
              dataclasses.replace(people[2], nik=nik(date(2008, 1, 5), "L", 10 * n + 3))]
    return services.households.save(actor=ADMIN, household=house, members=people)


@pytest.fixture
def village(sqlite_services):
    return _village(sqlite_services)


@pytest.fixture
def village_any_engine(services):
    """The same village on SQLite and on PostgreSQL (for an order the engines give
    differently unless the program asks for it)."""
    return _village(services)


def _village(services):
    homes = {
        "CAHYO": add_home(services, 1, head="CAHYO", dusun="KRAJAN", rw="1", rt="1"),
        "BUDI": add_home(services, 2, head="BUDI", dusun="KRAJAN", rw="2", rt="1"),
        "AGUS": add_home(services, 3, head="AGUS", dusun="BARAT", rw="1", rt="1"),
        "DEDI": add_home(services, 4, head="DEDI", dusun=None, rw=None, rt=None),
    }
    older = services.verval.create_cycle(actor=OPERATOR, name="Verval 2026 S1",
                                         period="2026-S1", deadline=TODAY, note="  prelist  ")
    newer = services.verval.create_cycle(actor=OPERATOR, name="Verval 2026 S2",
                                         period="2026-S2")
    # the older cycle: BUDI first, then CAHYO, AGUS and DEDI (the order of the sequence)
    services.verval.add_households(actor=OPERATOR, cycle_id=older.id, household_ids=[
        homes[h].id for h in ("BUDI", "CAHYO", "AGUS", "DEDI")])
    # the newer cycle holds CAHYO too, so that a cycle's rule is seen against the other
    services.verval.add_households(actor=OPERATOR, cycle_id=newer.id,
                                   household_ids=[homes["CAHYO"].id])
    return services, homes, older, newer


def entry_of(services, cycle, home):
    return next(r for r in services.verval.entries(actor=OPERATOR, cycle_id=cycle.id)
                if r.household_id == home.id)


def events(services, entity_id, field=None):
    """The audit events about one record, oldest first (of one field when given)."""
    found = services.audit.history(actor=ADMIN, entity_ids=[entity_id])[::-1]
    return [e for e in found if field is None or e.field == field]


# -- recording the visit --------------------------------------------------------------


def test_a_visit_result_records_who_visited_when_and_is_counted_as_visited(village):
    services, homes, older, newer = village
    verval = services.verval
    officer = services.officers.add(actor=ADMIN, name="RINA", role="kader")
    entry = entry_of(services, older, homes["CAHYO"])
    head = homes["CAHYO"].members[0]
    row = verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                               officer_id=officer.id, visited_on=TODAY - timedelta(days=1),
                               note="  rumah dicat  ", expected_version=entry.version)
    assert (row.id, row.seq, row.household_id, row.no_kk) == (
        entry.id, 2, homes["CAHYO"].id, homes["CAHYO"].data.no_kk)
    assert (row.head_name, row.head_nik) == ("CAHYO", head.nik)
    assert (row.dusun, row.rw, row.rt, row.address) == ("KRAJAN", "001", "001", "JL. MELATI 3")
    assert (row.result, row.officer_id, row.visited_on, row.note) == (
        "1", officer.id, TODAY - timedelta(days=1), "rumah dicat")
    assert row.decision is None and row.version > entry.version
    # the list of the cycle shows the same row; the other cycle's CAHYO is not visited
    assert entry_of(services, older, homes["CAHYO"]) == row
    assert entry_of(services, newer, homes["CAHYO"]).result is None
    assert verval.cycle(older.id, actor=OPERATOR).done == 1 and verval.cycle(newer.id, actor=OPERATOR).done == 0
    # recorded again without a note: the note is gone, not invented
    row = verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2")
    assert row.note is None and row.officer_id is None and row.visited_on is None


def test_the_result_and_its_change_are_in_the_audit_trail_with_the_note(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["AGUS"])
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", note="dicek")
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="3", note="kosong")
    found = events(services, entry.id, "result")
    assert [(e.entity, e.action, e.actor, e.old_value, e.new_value, e.reason)
            for e in found] == [
        ("verval_entry", "update", "operator", None, "1", "dicek"),
        ("verval_entry", "update", "operator", "1", "3", "kosong")]


def test_a_refused_visit_says_why(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["AGUS"])
    with pytest.raises(InvalidInput, match="Pilih hasil untuk keluarga ini"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="99")
    with pytest.raises(InvalidInput, match="masa depan"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                             visited_on=TODAY + timedelta(days=1))
    with pytest.raises(NotFound, match="Petugas itu sudah tidak ada"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                             officer_id="tidak-ada")
    with pytest.raises(NotFound, match="sudah tidak ada dalam siklus"):
        verval.record_result(actor=OPERATOR, entry_id="tidak-ada", result="1")
    assert entry_of(services, older, homes["AGUS"]).result is None


def test_a_result_recorded_meanwhile_by_someone_else_is_not_overwritten(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["AGUS"])
    mine = verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                                expected_version=entry.version)
    with pytest.raises(Conflict, match="Orang lain sudah mencatat"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="4",
                             expected_version=entry.version)
    assert entry_of(services, older, homes["AGUS"]).result == "1"
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="4",
                         expected_version=mine.version)
    assert entry_of(services, older, homes["AGUS"]).result == "4"


def test_recording_the_visit_again_keeps_the_musdes_decision(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["AGUS"])
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1")
    verval.decide(actor=OPERATOR, entry_id=entry.id, decision="tetap")
    row = verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", note="ulang")
    assert row.decision == "tetap"


def test_the_result_row_returned_is_that_households_in_its_own_cycle(village):
    """record_result answers with the row of the household recorded, also when it is
    not the first of the list and its cycle is not the newest."""
    services, homes, older, _newer = village
    entry = entry_of(services, older, homes["DEDI"])
    row = services.verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1")
    assert (row.id, row.head_name, row.head_nik) == (
        entry.id, "DEDI", homes["DEDI"].members[0].nik)
    assert services.verval.cycle_of_entry(entry.id, actor=OPERATOR) == older.id


# -- findings per member ---------------------------------------------------------------


def test_findings_per_member_are_audited_once_per_change(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["CAHYO"]
    entry = entry_of(services, older, home)
    head, wife, child = home.members
    findings = [MemberFinding("1", head.id), MemberFinding("2", wife.id, note=" wafat 2025 "),
                MemberFinding("1", child.id),
                MemberFinding("5", None, name=" bayi  baru ", sex="P")]
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", members=findings)
    first = "; ".join(sorted([f"{head.id}:1", f"{wife.id}:2", f"{child.id}:1",
                              "BAYI BARU:5"]))
    assert [(e.entity, e.old_value, e.new_value)
            for e in events(services, entry.id, "members")] == [("verval_entry", None, first)]
    # the same findings again: nothing changed, nothing is audited
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2",
                         members=verval.member_findings(entry.id, actor=OPERATOR))
    assert len(events(services, entry.id, "members")) == 1
    findings[1] = MemberFinding("1", wife.id)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", members=findings)
    second = "; ".join(sorted([f"{head.id}:1", f"{wife.id}:1", f"{child.id}:1",
                               "BAYI BARU:5"]))
    assert [(e.old_value, e.new_value) for e in events(services, entry.id, "members")] == [
        (None, first), (first, second)]


def test_a_finding_on_a_member_names_that_member_and_keeps_the_note(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["CAHYO"]
    entry = entry_of(services, older, home)
    head, wife, _child = home.members
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", members=[
        MemberFinding("1", head.id), MemberFinding("3", wife.id, note="  ke Surabaya ")])
    found = {f.member_id: f for f in verval.member_findings(entry.id, actor=OPERATOR)}
    assert found[head.id] == MemberFinding("1", head.id)       # no name, NIK or note invented
    assert found[wife.id] == MemberFinding("3", wife.id, note="ke Surabaya")


def test_new_members_found_are_listed_by_name_with_their_nik(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["CAHYO"])
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=[
        MemberFinding("5", None, name="zainal", sex="L", birth_date=date(1990, 1, 1)),
        MemberFinding("5", None, name="ayu", nik=f" {BABY_NIK} ", relationship_code="3")])
    found = verval.member_findings(entry.id, actor=OPERATOR)
    assert [f.name for f in found] == ["AYU", "ZAINAL"]
    assert found[0] == MemberFinding("5", None, "AYU", BABY_NIK, None, "P", date(2024, 3, 9),
                                     "3")
    assert [f.nik for f in verval.member_findings(entry.id, actor=OPERATOR)] == [BABY_NIK, None]
    assert [f.nik for f in verval.member_findings(entry.id, actor=KADES)] == [
        mask_nik(BABY_NIK), None]


def test_findings_name_only_people_of_the_household_still_registered(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["CAHYO"])
    stranger = homes["BUDI"].members[1]
    child = homes["CAHYO"].members[2]
    with pytest.raises(NotFound, match="sudah dihapus"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                             members=[MemberFinding("1", stranger.id)])
    services.households.remove_member(actor=ADMIN, member_id=child.id, reason="salah ketik")
    with pytest.raises(NotFound, match="sudah dihapus"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                             members=[MemberFinding("1", child.id)])
    with pytest.raises(InvalidInput, match="Pilih keberadaan setiap anggota"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                             members=[MemberFinding("9", homes["CAHYO"].members[0].id)])
    # a person without a record can only be a new member, and needs a name
    for finding in (MemberFinding("1", None, name="TONO"), MemberFinding("5", None),
                    MemberFinding("5", None, name="   ")):
        with pytest.raises(InvalidInput, match="Anggota baru perlu nama"):
            verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                                 members=[finding])
    assert verval.member_findings(entry.id, actor=OPERATOR) == []


def test_findings_of_one_household_leave_the_others_alone(village):
    services, homes, older, newer = village
    verval = services.verval
    budi = entry_of(services, older, homes["BUDI"])
    cahyo = entry_of(services, older, homes["CAHYO"])
    verval.record_result(actor=OPERATOR, entry_id=budi.id, result="1",
                         members=[MemberFinding("1", homes["BUDI"].members[0].id)])
    for _ in range(2):
        verval.record_result(actor=OPERATOR, entry_id=cahyo.id, result="1",
                             members=[MemberFinding("1", homes["CAHYO"].members[0].id)])
    assert [f.member_id for f in verval.member_findings(budi.id, actor=OPERATOR)] == [
        homes["BUDI"].members[0].id]
    assert len(events(services, cahyo.id, "members")) == 1


def test_a_new_member_is_checked_before_it_is_proposed(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["AGUS"])

    def record(finding):
        return verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                                    members=[finding])

    with pytest.raises(InvalidInput) as refused:
        record(MemberFinding("5", None, name="A" * 121, sex="L"))
    assert refused.value.message == f"Nama {'A' * 40}… lebih dari 120 huruf."
    with pytest.raises(InvalidInput) as refused:
        record(MemberFinding("5", None, name="bayi", nik="3523011234"))
    assert refused.value.message.startswith("Anggota baru BAYI: ") and \
        "NIK" in refused.value.message[len("Anggota baru BAYI: "):]
    with pytest.raises(InvalidInput) as refused:
        record(MemberFinding("5", None, name="bayi", sex="X"))
    assert refused.value.message == \
        "Anggota baru BAYI: tulis jenis kelamin sebagai L atau P."
    with pytest.raises(InvalidInput) as refused:
        record(MemberFinding("5", None, name="bayi", sex="P", relationship_code="99"))
    assert refused.value.message == "Anggota baru BAYI: pilih hubungan dengan kepala keluarga."
    record(MemberFinding("5", None, name="B" * 120, sex="L"))
    assert [p.target_name for p in verval.proposals(cycle_id=older.id, actor=OPERATOR)] == ["B" * 120]


# -- proposals -------------------------------------------------------------------------


def test_a_new_members_proposal_is_keyed_by_nik_or_by_name_and_birth_date(village):
    """The key is stored with the proposal and the finding; it must stay the same
    between versions or a person rejected before would be proposed again."""
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["AGUS"])
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=[
        MemberFinding("5", None, name="ayu", nik=BABY_NIK),
        MemberFinding("5", None, name="tono", sex="L", birth_date=date(2001, 2, 3)),
        MemberFinding("5", None, name="tini", sex="P")])
    keys = {p.target_name: p.field for p in verval.proposals(cycle_id=older.id, actor=OPERATOR)}

    def digest(text):
        return "nama:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:32]

    assert keys == {"AYU": "nik:" + BABY_NIK, "TONO": digest("TONO|2001-02-03"),
                    "TINI": digest("TINI|")}
    # the name written better at a second look: still the same proposal (same NIK)
    [ayu] = [p for p in verval.proposals(cycle_id=older.id, actor=OPERATOR) if p.target_name == "AYU"]
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=[
        MemberFinding("5", None, name="ayu lestari", nik=BABY_NIK, relationship_code="3"),
        MemberFinding("5", None, name="tono", sex="L", birth_date=date(2001, 2, 3)),
        MemberFinding("5", None, name="tini", sex="P")])
    [again] = [p for p in verval.proposals(cycle_id=older.id, actor=OPERATOR)
               if p.field == ayu.field]
    assert again.id == ayu.id and again.target_name == "AYU LESTARI"
    assert again.new_value == f"AYU LESTARI · NIK {BABY_NIK} · P · 09-03-2024 · Anak"


def test_a_new_members_details_are_audited_as_written(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["AGUS"])
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=[
        MemberFinding("5", None, name="josé", sex="L", birth_date=date(2020, 2, 2),
                      relationship_code="5")])
    [p] = verval.proposals(cycle_id=older.id, actor=OPERATOR)
    [created] = events(services, p.id)
    assert (created.entity, created.action, created.field, created.old_value) == (
        "verval_proposal", "update", p.field, None)
    assert created.new_value == ('{"birth_date": "2020-02-02", "name": "JOSÉ", "nik": null, '
                                 '"relationship_code": "5", "sex": "L"}')


def test_a_new_member_taken_off_the_form_is_audited_with_its_proposal(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["AGUS"])
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=[
        MemberFinding("5", None, name="tono", sex="L"),
        MemberFinding("5", None, name="tini", sex="P")])
    [tono] = [p for p in verval.proposals(cycle_id=older.id, actor=OPERATOR) if p.target_name == "TONO"]
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                         members=[MemberFinding("5", None, name="tini", sex="P")])
    gone = events(services, tono.id)
    assert len(gone) == 2
    assert (gone[1].entity, gone[1].field, gone[1].new_value) == (
        "verval_proposal", tono.field, None)
    assert json.loads(gone[1].old_value)["name"] == "TONO"
    assert [p.target_name for p in verval.proposals(cycle_id=older.id, status=None, actor=OPERATOR)] == ["TINI"]


def test_a_rejected_new_member_is_proposed_again_in_another_cycle(village):
    services, homes, older, newer = village
    verval = services.verval
    home = homes["CAHYO"]
    baby = MemberFinding("5", None, name="ayu", nik=BABY_NIK, relationship_code="3")
    first = entry_of(services, older, home)
    verval.record_result(actor=OPERATOR, entry_id=first.id, result="1", members=[baby])
    [p] = verval.proposals(cycle_id=older.id, actor=OPERATOR)
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=False, note="ragu")
    second = entry_of(services, newer, home)
    verval.record_result(actor=OPERATOR, entry_id=second.id, result="1", members=[baby])
    assert [q.target_name for q in verval.proposals(cycle_id=newer.id, actor=OPERATOR)] == ["AYU"]
    # a waiting new member changed at a second look is updated, not frozen
    verval.record_result(actor=OPERATOR, entry_id=second.id, result="1", members=[
        dataclasses.replace(baby, relationship_code="5")])
    [q] = verval.proposals(cycle_id=newer.id, actor=OPERATOR)
    assert q.new_value.endswith("· Cucu")
    # each visit shows its own details of the person
    assert verval.member_findings(first.id, actor=OPERATOR)[0].relationship_code == "3"
    assert verval.member_findings(second.id, actor=OPERATOR)[0].relationship_code == "5"


def test_a_new_member_approved_is_then_the_registered_person_on_the_visit(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=[
        MemberFinding("5", None, name="tono", sex="L")])
    [p] = verval.proposals(cycle_id=older.id, actor=OPERATOR)
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    tono = next(m for m in stored.members if m.name == "TONO")
    assert tono.birth_date is None and tono.sex == "L" and tono.relationship_code == "8"
    [finding] = verval.member_findings(entry.id, actor=OPERATOR)
    assert finding == MemberFinding("5", tono.id, "TONO")


def test_two_people_without_nik_or_birth_date_are_both_added(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=[
        MemberFinding("5", None, name="tono", sex="L"),
        MemberFinding("5", None, name="tini", sex="P")])
    for p in verval.proposals(cycle_id=older.id, actor=OPERATOR):
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert sorted(m.name for m in stored.members) == ["AGUS", "BAGUS", "SITI AMINAH", "TINI",
                                                      "TONO"]


def test_a_new_member_without_sex_names_the_person_in_the_refusal(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["AGUS"])
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1",
                         members=[MemberFinding("5", None, name="bayi")])
    [p] = verval.proposals(cycle_id=older.id, actor=OPERATOR)
    with pytest.raises(InvalidInput) as refused:
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    assert refused.value.message.startswith("Jenis kelamin BAYI tidak diketahui")


def test_a_new_member_already_added_by_hand_is_not_saved_again(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=[
        MemberFinding("5", None, name="ayu", nik=BABY_NIK, relationship_code="3")])
    current = services.households.get(actor=ADMIN, household_id=home.id)
    person = dataclasses.replace(current.members[2].as_input(), id=None, name="AYU",
                                 nik=BABY_NIK, sex="P", birth_date=date(2024, 3, 9))
    saved = services.households.save(
        actor=ADMIN, household=current.data,
        members=[m.as_input() for m in current.members] + [person],
        household_id=home.id, expected_version=current.version)
    [p] = verval.proposals(cycle_id=older.id, actor=OPERATOR)
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    after = services.households.get(actor=ADMIN, household_id=home.id)
    assert after.version == saved.version and len(after.members) == 4


def test_corrections_become_proposals_audited_with_old_and_new_value(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    head, wife, child = home.members
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", note="cek", corrections=[
        Correction("household", home.id, "rt", "001"),            # unchanged: no proposal
        Correction("household", home.id, "address", "JL. MAWAR 5"),
        Correction("member", wife.id, "birth_date", date(1980, 8, 17)),
        Correction("member", child.id, "relationship_code", "cucu")])
    proposals = {p.field: p for p in verval.proposals(cycle_id=older.id, actor=OPERATOR)}
    assert set(proposals) == {"address", "birth_date", "relationship_code"}
    assert (proposals["birth_date"].old_value, proposals["birth_date"].new_value) == (
        "21-08-1979", "17-08-1980")
    assert proposals["relationship_code"].new_value == "5"     # the label turned into its code
    for p in proposals.values():
        [created] = events(services, p.id)
        assert (created.entity, created.action, created.field, created.old_value,
                created.new_value, created.reason) == (
            "verval_proposal", "update", p.field, p.old_value, p.new_value, "cek")
    # a second look changes the address again: the same proposal, the change audited
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", note="cek lagi",
                         corrections=[Correction("household", home.id, "address",
                                                 "JL. KENANGA 1")])
    [address] = [p for p in verval.proposals(cycle_id=older.id, actor=OPERATOR) if p.field == "address"]
    assert address.id == proposals["address"].id and address.new_value == "JL. KENANGA 1"
    assert [(e.entity, e.field, e.old_value, e.new_value)
            for e in events(services, address.id)] == [
        ("verval_proposal", "address", "JL. MELATI 3", "JL. MAWAR 5"),
        ("verval_proposal", "address", "JL. MAWAR 5", "JL. KENANGA 1")]
    # the same value again: nothing to audit
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2",
                         corrections=[Correction("household", home.id, "address",
                                                 "JL. KENANGA 1")])
    assert len(events(services, address.id)) == 2


def test_one_field_corrected_twice_on_one_form_is_one_proposal(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=[
        Correction("household", home.id, "phone", "081234567890"),
        Correction("household", home.id, "phone", "081299999999")])
    assert [(p.field, p.new_value) for p in verval.proposals(cycle_id=older.id, actor=OPERATOR)] == [
        ("phone", "081299999999")]


def test_a_correction_decided_before_is_proposed_again_as_a_new_proposal(village):
    services, homes, older, newer = village
    verval = services.verval
    home = homes["CAHYO"]
    fix = [Correction("household", home.id, "address", "JL. MAWAR 5")]
    entry = entry_of(services, older, home)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=fix)
    [first] = verval.proposals(cycle_id=older.id, actor=OPERATOR)
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=first.id, approve=False,
                           note="belum pasti")
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=fix)
    [second] = verval.proposals(cycle_id=older.id, actor=OPERATOR)
    assert second.id != first.id and second.status == "usulan"
    # the same household in the other cycle has its own proposal
    verval.record_result(actor=OPERATOR, entry_id=entry_of(services, newer, home).id,
                         result="2", corrections=fix)
    [other] = verval.proposals(cycle_id=newer.id, actor=OPERATOR)
    assert other.id not in (first.id, second.id)
    assert [p.id for p in verval.proposals(cycle_id=older.id, actor=OPERATOR)] == [second.id]


def test_what_a_visit_cannot_correct_is_refused_by_name(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    other = homes["BUDI"]

    def refused(correction, field):
        with pytest.raises(InvalidInput) as caught:
            verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2",
                                 corrections=[correction])
        assert caught.value.message == f"{field} tidak dapat diperbaiki di sini."

    refused(Correction("household", other.id, "address", "JL. LAIN"), "address")
    refused(Correction("household", home.id, "note", "catatan"), "note")
    refused(Correction("member", other.members[0].id, "name", "BUDIMAN"), "name")
    refused(Correction("member", home.members[1].id, "pregnant", True), "pregnant")
    refused(Correction("kendaraan", home.id, "motor", "2"), "kendaraan")
    assert verval.proposals(cycle_id=older.id, actor=OPERATOR) == []


def test_a_correction_is_checked_when_recorded(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)

    def record(*corrections):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2",
                             corrections=list(corrections))

    with pytest.raises(InvalidInput) as caught:
        record(Correction("household", home.id, "floor_area", "luas"))
    assert caught.value.message == "luas bukan angka."
    with pytest.raises(InvalidInput) as caught:
        record(Correction("member", home.members[1].id, "birth_date", "31-02-1980"))
    assert caught.value.message
    with pytest.raises(InvalidInput) as caught:
        record(Correction("member", home.members[1].id, "presence_date", "kemarin"))
    assert caught.value.message
    with pytest.raises(InvalidInput) as caught:
        record(Correction("household", home.id, "floor", "emas"))
    assert caught.value.message.startswith("emas bukan pilihan untuk isian ini; pakai salah "
                                           "satu: 1 Marmer/granit; 2 Keramik; 3 Parket")
    # a label may be shortened: "kera" is Keramik
    record(Correction("household", home.id, "floor", "kera"),
           Correction("household", home.id, "floor_area", "36,5"))
    assert {p.field: p.new_value for p in verval.proposals(cycle_id=older.id, actor=OPERATOR)} == {
        "floor": "2", "floor_area": "36,5"}


def test_approved_corrections_are_stored_as_numbers_and_dates(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    wife = home.members[1]
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=[
        Correction("household", home.id, "floor_area", "42,5"),
        Correction("member", wife.id, "birth_date", "17-08-1980")])
    for p in verval.proposals(cycle_id=older.id, actor=OPERATOR):
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert stored.data.floor_area == 42.5
    assert next(m for m in stored.members if m.id == wife.id).birth_date == date(1980, 8, 17)


def test_a_field_left_empty_is_proposed_as_cleared_only_when_it_was_filled(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=[
        Correction("household", home.id, "phone", ""),            # was empty: nothing
        Correction("household", home.id, "floor_area", "  ")])    # was 36: cleared
    [p] = verval.proposals(cycle_id=older.id, actor=OPERATOR)
    assert (p.field, p.old_value) == ("floor_area", "36")
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    assert services.households.get(actor=ADMIN, household_id=home.id).data.floor_area is None


def test_an_unchanged_correction_does_not_hide_the_next_one(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=[
        Correction("household", home.id, "rt", "001"),
        Correction("household", home.id, "address", "JL. MAWAR 5")])
    assert [p.field for p in verval.proposals(cycle_id=older.id, actor=OPERATOR)] == ["address"]


def test_the_proposal_list_names_household_head_and_target(village):
    services, homes, older, _newer = village
    verval = services.verval
    cahyo, budi = homes["CAHYO"], homes["BUDI"]
    c_entry, b_entry = entry_of(services, older, cahyo), entry_of(services, older, budi)
    verval.record_result(actor=OPERATOR, entry_id=c_entry.id, result="2", corrections=[
        Correction("household", cahyo.id, "address", "JL. MAWAR 5")])
    verval.record_result(actor=OPERATOR, entry_id=b_entry.id, result="2", members=[
        MemberFinding("3", budi.members[2].id),
        MemberFinding("5", None, name="ayu", nik=BABY_NIK)])
    listed = verval.proposals(cycle_id=older.id, actor=OPERATOR)
    # BUDI's entry comes first in the cycle although recorded later
    assert [(p.head_name, p.target_name) for p in listed] == [
        ("BUDI", "BAGUS"), ("BUDI", "AYU"), ("CAHYO", "Keluarga")]
    moved, ayu, address = listed
    assert (moved.entry_id, moved.household_id, moved.target, moved.target_id, moved.field,
            moved.field_label, moved.old_value, moved.new_value, moved.status,
            moved.proposed_by, moved.decided_by, moved.decision_note) == (
        b_entry.id, budi.id, "member", budi.members[2].id, "presence", "Keberadaan", "1",
        "3", "usulan", "operator", None, None)
    assert (ayu.entry_id, ayu.household_id, ayu.target, ayu.target_id, ayu.field,
            ayu.field_label, ayu.old_value, ayu.proposed_by) == (
        b_entry.id, budi.id, "new_member", budi.id, "nik:" + BABY_NIK, "Anggota baru", None,
        "operator")
    assert (address.entry_id, address.household_id, address.target, address.target_id,
            address.field_label, address.old_value, address.new_value) == (
        c_entry.id, cahyo.id, "household", cahyo.id, "Alamat", "JL. MELATI 3", "JL. MAWAR 5")
    # one household's proposals
    assert [p.id for p in verval.proposals(cycle_id=older.id, entry_id=c_entry.id, actor=OPERATOR)] == [
        address.id]
    # decided: who decided and why is shown
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=address.id, approve=False,
                           note="alamat lama benar")
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=ayu.id, approve=False,
                           note="belum lahir")
    decided = {p.id: p for p in verval.proposals(cycle_id=older.id, status="tolak", actor=OPERATOR)}
    assert (decided[address.id].decided_by, decided[address.id].decision_note) == (
        "koordinator", "alamat lama benar")
    assert (decided[ayu.id].decided_by, decided[ayu.id].decision_note,
            decided[ayu.id].head_name) == ("koordinator", "belum lahir", "BUDI")


def test_the_kepala_desa_reads_nik_and_no_kk_masked_in_proposals(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    new_kk = make_kk(kecamatan_code="35.23.01", recorded=date(2020, 1, 2), serial=555)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", members=[
        MemberFinding("5", None, name="ayu", nik=BABY_NIK)], corrections=[
        Correction("household", home.id, "no_kk", new_kk),
        Correction("household", home.id, "address", "JL. MAWAR 5")])
    shown = {p.field_label: p for p in verval.proposals(cycle_id=older.id, actor=KADES)}
    # only the numbers are masked: an address reads whole
    assert (shown["Alamat"].old_value, shown["Alamat"].new_value) == (
        home.data.address, "JL. MAWAR 5")
    assert shown["No KK"].new_value == mask_nik(new_kk)
    assert shown["No KK"].old_value == mask_nik(home.data.no_kk)
    assert shown["Anggota baru"].new_value == f"AYU · NIK {mask_nik(BABY_NIK)} · P · 09-03-2024"
    full = {p.field_label: p for p in verval.proposals(cycle_id=older.id, actor=OPERATOR)}
    assert full["No KK"].new_value == new_kk


def test_a_head_removed_from_the_registry_is_no_longer_shown_as_head(village):
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=[
        Correction("household", home.id, "address", "JL. MAWAR 5")])
    services.households.remove_member(actor=ADMIN, member_id=home.members[0].id,
                                      reason="salah input")
    assert entry_of(services, older, home).head_name is None
    assert verval.proposals(cycle_id=older.id, actor=OPERATOR)[0].head_name is None


# -- the list of households and the progress ---------------------------------------------


def test_the_cycle_list_shows_head_and_nik_masked_for_the_kepala_desa(village):
    services, homes, older, _newer = village
    verval = services.verval
    rows = {r.head_name: r for r in verval.entries(actor=OPERATOR, cycle_id=older.id)}
    assert rows["AGUS"].head_nik == homes["AGUS"].members[0].nik
    masked = {r.head_name: r for r in verval.entries(actor=KADES, cycle_id=older.id)}
    assert masked["AGUS"].head_nik == mask_nik(homes["AGUS"].members[0].nik)
    # a head without a NIK shows none, masked or not
    current = services.households.get(actor=ADMIN, household_id=homes["DEDI"].id)
    people = [m.as_input() for m in current.members]
    people[0] = dataclasses.replace(people[0], nik=None)
    services.households.save(actor=ADMIN, household=current.data, members=people,
                             household_id=current.id, expected_version=current.version,
                             accept_warnings="test")
    assert {r.head_name: r.head_nik
            for r in verval.entries(actor=KADES, cycle_id=older.id)}["DEDI"] is None


def test_the_cycle_list_is_in_area_order_and_filters_by_area(village):
    services, homes, older, newer = village
    verval = services.verval

    def heads(**kw):
        return [r.head_name for r in verval.entries(actor=OPERATOR, cycle_id=older.id, **kw)]

    # no dusun sorts first; then BARAT before KRAJAN, RW 001 before 002
    assert heads() == ["DEDI", "AGUS", "CAHYO", "BUDI"]
    assert [r.head_name for r in verval.entries(actor=OPERATOR, cycle_id=newer.id)] == [
        "CAHYO"]
    assert heads(dusun="KRAJAN") == ["CAHYO", "BUDI"]
    assert heads(rw="2") == ["BUDI"] and heads(rt="1") == ["AGUS", "CAHYO", "BUDI"]
    assert heads(rt="-") == []
    assert heads(area=("KRAJAN", "002", "001")) == ["BUDI"]
    assert heads(area=("", "", "")) == ["DEDI"]
    assert heads(area=("BARAT", "", "")) == []
    # pending only: the visited household leaves that list
    cahyo = entry_of(services, older, homes["CAHYO"])
    verval.record_result(actor=OPERATOR, entry_id=cahyo.id, result="1")
    assert heads(pending_only=True) == ["DEDI", "AGUS", "BUDI"]


def test_households_of_one_name_in_one_rt_are_listed_in_cycle_order(sqlite_services):
    services = sqlite_services
    first = add_home(services, 5, head="SUPARMAN", dusun="KRAJAN", rw="1", rt="1")
    second = add_home(services, 6, head="SUPARMAN", dusun="KRAJAN", rw="1", rt="1")
    cycle = services.verval.create_cycle(actor=OPERATOR, name="C", period="P")
    services.verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                                   household_ids=[second.id, first.id])
    assert [r.household_id for r in services.verval.entries(actor=OPERATOR,
                                                            cycle_id=cycle.id)] == [
        second.id, first.id]


def test_a_household_removed_from_the_registry_stays_in_the_cycle_only_if_visited(village):
    services, homes, older, _newer = village
    verval = services.verval
    visited = entry_of(services, older, homes["AGUS"])
    verval.record_result(actor=OPERATOR, entry_id=visited.id, result="4")
    for name in ("AGUS", "BUDI"):
        services.households.remove(actor=ADMIN, household_id=homes[name].id, reason="pindah")
    assert [r.head_name for r in verval.entries(actor=OPERATOR, cycle_id=older.id)] == [
        "DEDI", "AGUS", "CAHYO"]


def test_removing_a_household_from_the_cycle_is_audited(village):
    services, homes, older, _newer = village
    verval = services.verval
    entry = entry_of(services, older, homes["BUDI"])
    verval.remove_entry(actor=OPERATOR, entry_id=entry.id)
    [removed] = events(services, entry.id)
    assert (removed.entity, removed.action, removed.actor, removed.field, removed.old_value,
            removed.new_value) == ("verval_entry", "delete", "operator", "household_id",
                                   homes["BUDI"].id, None)
    assert "BUDI" not in [r.head_name for r in verval.entries(actor=OPERATOR,
                                                              cycle_id=older.id)]
    assert verval.cycle(older.id, actor=OPERATOR).households == 3
    assert sum(a.total for a in verval.progress(cycle_id=older.id, actor=OPERATOR)) == 3
    with pytest.raises(NotFound, match="sudah tidak ada dalam siklus"):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1")
    with pytest.raises(NotFound, match="sudah tidak ada dalam siklus"):
        verval.cycle_of_entry(entry.id, actor=OPERATOR)
    visited = entry_of(services, older, homes["AGUS"])
    verval.record_result(actor=OPERATOR, entry_id=visited.id, result="1")
    with pytest.raises(InvalidInput) as refused:
        verval.remove_entry(actor=OPERATOR, entry_id=visited.id)
    assert refused.value.message.startswith("Keluarga ini sudah punya hasil kunjungan")


def test_progress_per_area_counts_households_and_visits(village_any_engine):
    """Areas in order of dusun, RW and RT, the households without an area first."""
    services, homes, older, newer = village_any_engine
    verval = services.verval
    for name in ("CAHYO", "AGUS"):
        verval.record_result(actor=OPERATOR, entry_id=entry_of(services, older, homes[name]).id,
                             result="1")
    verval.remove_entry(actor=OPERATOR, entry_id=entry_of(services, older, homes["DEDI"]).id)
    extra = add_home(services, 7, head="EKO", dusun=None, rw=None, rt=None)
    verval.add_households(actor=OPERATOR, cycle_id=older.id, household_ids=[extra.id])
    progress = [(a.dusun, a.rw, a.rt, a.total, a.done, a.remaining)
                for a in verval.progress(cycle_id=older.id, actor=OPERATOR)]
    assert progress == [("", "", "", 1, 0, 1),
                        ("BARAT", "001", "001", 1, 1, 0),
                        ("KRAJAN", "001", "001", 1, 1, 0),
                        ("KRAJAN", "002", "001", 1, 0, 1)]
    assert [(a.dusun, a.total, a.done) for a in verval.progress(cycle_id=newer.id, actor=OPERATOR)] == [
        ("KRAJAN", 1, 0)]


# -- cycles ------------------------------------------------------------------------------


def test_cycles_are_listed_newest_first_and_found_by_id_or_prefix(village):
    services, _homes, older, newer = village
    verval = services.verval
    third = verval.create_cycle(actor=OPERATOR, name="Verval 2027 S1", period="2027-S1")
    assert [c.id for c in verval.cycles(actor=OPERATOR)] == [third.id, newer.id, older.id]
    assert verval.cycle(actor=OPERATOR).id == third.id
    found = verval.cycle(older.id, actor=OPERATOR)
    assert (found.name, found.period, found.deadline, found.status, found.note,
            found.households, found.done) == ("Verval 2026 S1", "2026-S1", TODAY, "open",
                                               "prelist", 4, 0)
    assert found.version == older.version
    assert verval.cycle(older.id[:4], actor=OPERATOR).id == older.id
    for wrong in (older.id[:3], "tidak-ada"):
        with pytest.raises(NotFound) as missing:
            verval.cycle(wrong, actor=OPERATOR)
        assert missing.value.message == \
            "Siklus verval tidak ditemukan. Buat dulu (Verval → Siklus baru)."


def test_closing_a_cycle_is_audited_once_and_unknown_status_is_refused(village):
    services, _homes, older, newer = village
    verval = services.verval
    with pytest.raises(InvalidInput) as refused:
        verval.set_status(actor=KOORDINATOR, cycle_id=older.id, status="selesai")
    assert refused.value.message == "Status siklus selesai tidak dikenal."
    closed = verval.set_status(actor=KOORDINATOR, cycle_id=older.id, status="closed")
    assert (closed.id, closed.status, closed.households) == (older.id, "closed", 4)
    assert verval.cycle(newer.id, actor=OPERATOR).status == "open"
    verval.set_status(actor=KOORDINATOR, cycle_id=older.id, status="closed")
    assert [(e.entity, e.action, e.actor, e.field, e.old_value, e.new_value)
            for e in events(services, older.id, "status")] == [
        ("verval_cycle", "update", "koordinator", "status", "open", "closed")]


# -- prelist files and decision counts ----------------------------------------------------


def test_a_prelist_row_with_empty_cells_still_gives_its_numbers(village, tmp_path):
    from openpyxl import Workbook
    services, homes, _older, _newer = village
    path = tmp_path / "prelist.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append([1, None, "CAHYO", "", homes["CAHYO"].data.no_kk])
    ws.append([2, "", homes["AGUS"].data.no_kk])
    wb.save(path)
    assert services.verval.identifiers_from_file(path) == [homes["CAHYO"].data.no_kk,
                                                          homes["AGUS"].data.no_kk]


def test_a_prelist_without_numbers_or_missing_says_which_file(tmp_path, sqlite_services):
    from openpyxl import Workbook
    path = tmp_path / "kosong.xlsx"
    wb = Workbook()
    wb.active.append(["NAMA", "ALAMAT"])
    wb.save(path)
    with pytest.raises(UserError) as refused:
        sqlite_services.verval.identifiers_from_file(path)
    assert refused.value.message == f"{path} tidak berisi No KK atau NIK (16 angka)."
    missing = tmp_path / "tidak-ada.xlsx"
    with pytest.raises(UserError) as refused:
        sqlite_services.verval.identifiers_from_file(missing)
    assert refused.value.message.startswith(f"{missing} ")
    assert "(None)" not in refused.value.message and "()" not in refused.value.message
    # a file that is no spreadsheet: the reader's own words say what is wrong with it
    broken = tmp_path / "rusak.xlsx"
    broken.write_text("bukan lembar kerja")
    with pytest.raises(UserError) as refused:
        sqlite_services.verval.identifiers_from_file(broken)
    assert refused.value.message.startswith(f"{broken} bukan lembar kerja yang dapat dibaca (")
    assert "Zip" in refused.value.message and "(None)" not in refused.value.message


def test_decision_counts_count_each_decision(village):
    services, homes, older, _newer = village
    verval = services.verval
    for name, decision, note in (("CAHYO", "tetap", None), ("AGUS", "tetap", None),
                                 ("BUDI", "hapus", "pindah")):
        entry = entry_of(services, older, homes[name])
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1")
        verval.decide(actor=OPERATOR, entry_id=entry.id, decision=decision, note=note)
    rows = verval.entries(actor=OPERATOR, cycle_id=older.id)
    assert decision_counts(rows) == {"tetap": 2, "hapus": 1}
    assert decision_counts([]) == {}


def test_a_new_members_details_read_as_a_person_reads_them():
    details = json.dumps({"name": "AYU", "nik": BABY_NIK, "sex": "P",
                          "birth_date": "2024-03-09", "relationship_code": "3"})
    assert new_member_text(details) == f"AYU · NIK {BABY_NIK} · P · 09-03-2024 · Anak"
    assert new_member_text(details, show_nik=False) == \
        f"AYU · NIK {mask_nik(BABY_NIK)} · P · 09-03-2024 · Anak"
    assert new_member_text(None) == "-" and new_member_text("{}") == "-"
    assert new_member_text("bukan json") == "bukan json"


def test_dtsen_answers_are_corrected_at_a_visit_by_words_and_stored_typed(village):
    """Issue 12 point 10: a visit corrects the new DTSEN questions like any field."""
    services, homes, older, _newer = village
    verval = services.verval
    home = homes["AGUS"]
    entry = entry_of(services, older, home)
    wife = home.members[1]
    verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=[
        Correction("household", home.id, "land_area", "120,5"),
        Correction("household", home.id, "internet", "Ya, wifi"),
        Correction("member", wife.id, "difficulty_walking", "ya, banyak"),
        Correction("member", wife.id, "documents", "KTP, Akta kelahiran"),
        Correction("member", wife.id, "highest_grade", "6")])
    for p in verval.proposals(cycle_id=older.id, actor=OPERATOR):
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert (stored.data.land_area, stored.data.internet) == (120.5, "2")
    her = next(m for m in stored.members if m.id == wife.id)
    assert (her.difficulty_walking, her.documents, her.highest_grade) == ("2", "5", 6)
    with pytest.raises(InvalidInput):
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2", corrections=[
            Correction("member", wife.id, "documents", "paspor")])
