"""Rules of a verval cycle's decisions as the operator, the koordinator, the kepala desa
and an auditor see them: creating a cycle and choosing its households, approving or
rejecting the corrections found at the visit, the musdes record and its decisions.

Each rule is checked through the service on a real database (see tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from puskesos.core.codes import Role
from puskesos.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from puskesos.services.audit import reason_text
from puskesos.services import Actor
from puskesos.services.registry import HouseholdFilter, HouseholdService
from puskesos.services.verval import Attendee, Correction, MemberFinding
from tests.conftest import ADMIN, OPERATOR
from tests.db.test_verval import KOORDINATOR, add_family

TODAY = date.today()
WAKIL = Actor("wakil", Role.KOORDINATOR.value, "Wakil Koordinator")
#: the program's own reason for an approved correction, as the reader reads it
APPROVAL_REASON = "perbaikan hasil verval disetujui (peringatan diterima: verval)"


@pytest.fixture
def desa(services):
    """Three families (BARAT/002, KRAJAN/001, KRAJAN/003) and one open cycle."""
    homes = [add_family(services, kk_serial=10, rt="3", dusun="KRAJAN", head="CAHYO", serial=1),
             add_family(services, kk_serial=11, rt="1", dusun="KRAJAN", head="BUDI", serial=11),
             add_family(services, kk_serial=12, rt="2", dusun="BARAT", head="AGUS", serial=21)]
    cycle = services.verval.create_cycle(actor=OPERATOR, name="Verval Semester I",
                                         period="2026-S1")
    return services, homes, cycle


def only_entry(services, cycle, household_id):
    return next(r for r in services.verval.entries(actor=OPERATOR, cycle_id=cycle.id)
                if r.household_id == household_id)


def visit(services, cycle, home, corrections=(), members=()):
    """Put one household in the cycle and record a visit with the given corrections."""
    services.verval.add_households(actor=OPERATOR, cycle_id=cycle.id, household_ids=[home.id])
    entry = only_entry(services, cycle, home.id)
    services.verval.record_result(actor=OPERATOR, entry_id=entry.id, result="2",
                                  visited_on=TODAY, corrections=list(corrections),
                                  members=list(members))
    return entry


def waiting(services, cycle, field):
    return next(p for p in services.verval.proposals(cycle_id=cycle.id, actor=OPERATOR) if p.field == field)


def edit_household(services, home_id, actor=ADMIN, **changes):
    """Someone edits the household in the household form."""
    current = services.households.get(actor=ADMIN, household_id=home_id)
    return services.households.save(actor=actor, household=dataclasses.replace(
        current.data, **changes), members=[m.as_input() for m in current.members
                                           if not m.removed],
        household_id=home_id, expected_version=current.version)


def edit_member(services, home_id, member_id, **changes):
    current = services.households.get(actor=ADMIN, household_id=home_id)
    members = [dataclasses.replace(m.as_input(), **changes) if m.id == member_id
               else m.as_input() for m in current.members if not m.removed]
    return services.households.save(actor=ADMIN, household=current.data, members=members,
                                    household_id=home_id, expected_version=current.version,
                                    accept_warnings="dikoreksi")


def member_of(services, home_id, member_id):
    stored = services.households.get(actor=ADMIN, household_id=home_id)
    return next(m for m in stored.members if m.id == member_id)


def history(services, entity_id):
    return services.audit.history(actor=ADMIN, entity_ids=[entity_id])


# -- approving and rejecting proposals ------------------------------------------------

def test_an_approved_member_correction_changes_that_member_only_and_is_audited(desa):
    """The koordinator approves a corrected date of birth: that member (only) gets the
    new date, the decision keeps who decided and the note, and the audit trail shows the
    member's change with the approval as its reason and the proposal's status change."""
    services, homes, cycle = desa
    home = homes[0]
    child, wife = home.members[2], home.members[1]
    visit(services, cycle, home, corrections=[
        Correction("member", child.id, "birth_date", date(2009, 1, 5)),
        Correction("member", wife.id, "birth_place", "LAMONGAN")])
    proposal = waiting(services, cycle, "birth_date")
    # a later cycle exists: the decision still belongs to this one
    services.verval.create_cycle(actor=OPERATOR, name="Verval Semester II", period="2026-S2")
    decided = services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                              approve=True, note="  sesuai akta lahir ")
    assert (decided.id, decided.status, decided.decided_by, decided.decision_note) == (
        proposal.id, "setuju", "koordinator", "sesuai akta lahir")
    assert member_of(services, home.id, child.id).birth_date == date(2009, 1, 5)
    assert member_of(services, home.id, wife.id).birth_place == "TUBAN"   # not decided yet
    assert member_of(services, home.id, home.members[0].id).birth_date == date(1975, 3, 14)
    change = next(e for e in history(services, child.id) if e.field == "birth_date")
    assert (change.actor, change.action, change.old_value, change.new_value,
            reason_text(change.reason)) \
        == ("koordinator", "update", "2008-01-05", "2009-01-05", APPROVAL_REASON)
    [status] = [e for e in history(services, proposal.id) if e.field == "status"]
    assert (status.actor, status.action, status.entity, status.field, status.old_value,
            status.new_value, status.reason) == (
        "koordinator", "update", "verval_proposal", "status", "usulan", "setuju",
        "  sesuai akta lahir ")
    assert services.audit.verify().ok


def test_an_approved_place_of_birth_replaces_the_old_one(desa):
    services, homes, cycle = desa
    home = homes[0]
    wife = home.members[1]
    visit(services, cycle, home, corrections=[
        Correction("member", wife.id, "birth_place", "LAMONGAN")])
    proposal = waiting(services, cycle, "birth_place")
    services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=True)
    assert member_of(services, home.id, wife.id).birth_place == "LAMONGAN"
    assert member_of(services, home.id, home.members[2].id).birth_place == "TUBAN"
    assert services.verval.proposals(cycle_id=cycle.id, status=None, actor=OPERATOR)[0].decision_note is None


def test_an_approved_floor_area_is_stored_as_a_number(desa):
    """A floor area written with a decimal comma at the visit is stored as 40.5 m²."""
    services, homes, cycle = desa
    home = homes[1]
    visit(services, cycle, home, corrections=[
        Correction("household", home.id, "floor_area", "40,5")])
    proposal = waiting(services, cycle, "floor_area")
    services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert stored.data.floor_area == 40.5
    change = next(e for e in history(services, home.id) if e.field == "floor_area")
    assert change.new_value == "40.5" and reason_text(change.reason) == APPROVAL_REASON


def test_a_rejected_proposal_changes_nothing_and_keeps_its_reason(desa):
    services, homes, cycle = desa
    home = homes[0]
    wife = home.members[1]
    visit(services, cycle, home, corrections=[
        Correction("member", wife.id, "birth_place", "LAMONGAN"),
        Correction("household", home.id, "address", "JL. MAWAR 5")])
    before = services.households.get(actor=ADMIN, household_id=home.id)
    place = waiting(services, cycle, "birth_place")
    address = waiting(services, cycle, "address")
    decided = services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=place.id,
                                              approve=False, note=" akta tetap TUBAN ")
    assert (decided.status, decided.decided_by, decided.decision_note) == (
        "tolak", "koordinator", "akta tetap TUBAN")
    services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=address.id, approve=False)
    after = services.households.get(actor=ADMIN, household_id=home.id)
    assert after.version == before.version and after.data == before.data
    assert member_of(services, home.id, wife.id).birth_place == "TUBAN"
    [status] = [e for e in history(services, place.id) if e.field == "status"]
    assert (status.field, status.old_value, status.new_value, status.reason) == (
        "status", "usulan", "tolak", " akta tetap TUBAN ")
    assert next(p for p in services.verval.proposals(cycle_id=cycle.id, status=None, actor=OPERATOR)
                if p.id == address.id).decision_note is None


def test_only_a_koordinator_decides_and_only_once(desa):
    services, homes, cycle = desa
    home = homes[0]
    visit(services, cycle, home, corrections=[
        Correction("household", home.id, "address", "JL. MAWAR 5")])
    proposal = waiting(services, cycle, "address")
    for actor in (OPERATOR, Actor("kades", Role.KEPALA_DESA.value, "Kades")):
        with pytest.raises(PermissionDenied):
            services.verval.decide_proposal(actor=actor, proposal_id=proposal.id,
                                            approve=True)
    services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=True)
    with pytest.raises(InvalidInput) as again:
        services.verval.decide_proposal(actor=WAKIL, proposal_id=proposal.id, approve=False)
    assert again.value.message == "Usulan itu sudah diputuskan."
    with pytest.raises(NotFound) as gone:
        services.verval.decide_proposal(actor=KOORDINATOR, proposal_id="tidak-ada",
                                        approve=True)
    assert gone.value.message == "Usulan itu sudah tidak ada. Muat ulang daftar."


def test_a_correction_already_made_in_the_form_is_approved_without_a_second_change(desa):
    """The operator typed the visit's correction into the household form before the
    koordinator approved it: the approval just records the decision (no conflict, no
    second registry change)."""
    services, homes, cycle = desa
    home = homes[0]
    wife = home.members[1]
    visit(services, cycle, home, corrections=[
        Correction("household", home.id, "address", "JL. MAWAR 5"),
        Correction("member", wife.id, "birth_place", "LAMONGAN")])
    edit_household(services, home.id, address="JL. MAWAR 5")
    edit_member(services, home.id, wife.id, birth_place="LAMONGAN")
    version = services.households.get(actor=ADMIN, household_id=home.id).version
    for field in ("address", "birth_place"):
        proposal = waiting(services, cycle, field)
        decided = services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                                  approve=True)
        assert decided.status == "setuju"
    assert services.households.get(actor=ADMIN, household_id=home.id).version == version
    assert [e.actor for e in history(services, wife.id)
            if e.field == "birth_place" and e.action == "update"] == ["admin"]


def test_a_household_field_changed_after_the_visit_is_refused_with_its_value(desa):
    services, homes, cycle = desa
    home = homes[0]
    edit_household(services, home.id, phone="081100000000")
    visit(services, cycle, home, corrections=[
        Correction("household", home.id, "phone", "081234567890")])
    proposal = waiting(services, cycle, "phone")
    edit_household(services, home.id, phone=None)          # cleared in the form meanwhile
    with pytest.raises(Conflict) as refused:
        services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                        approve=True)
    assert refused.value.message.startswith(
        "Telepon sudah berubah sesudah kunjungan (sekarang -).")
    assert services.households.get(actor=ADMIN, household_id=home.id).data.phone is None
    assert waiting(services, cycle, "phone").status == "usulan"


def test_a_member_field_changed_after_the_visit_is_refused_with_its_value(desa):
    """The member's place of birth was changed (then cleared) in the form after the visit:
    approving is refused, naming the field and what it holds now; nothing changes."""
    services, homes, cycle = desa
    home = homes[0]
    wife = home.members[1]
    visit(services, cycle, home, corrections=[
        Correction("member", wife.id, "birth_place", "LAMONGAN")])
    proposal = waiting(services, cycle, "birth_place")
    edit_member(services, home.id, wife.id, birth_place="GRESIK")
    with pytest.raises(Conflict) as refused:
        services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                        approve=True)
    assert refused.value.message == (
        "Tempat lahir sudah berubah sesudah kunjungan (sekarang GRESIK). Tolak usulan ini "
        "atau catat ulang kunjungan.")
    assert member_of(services, home.id, wife.id).birth_place == "GRESIK"
    edit_member(services, home.id, wife.id, birth_place=None)
    with pytest.raises(Conflict) as refused:
        services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                        approve=True)
    assert "Tempat lahir sudah berubah sesudah kunjungan (sekarang -)." in \
        refused.value.message
    assert waiting(services, cycle, "birth_place").status == "usulan"


def test_a_proposal_for_a_member_removed_meanwhile_is_refused(desa):
    services, homes, cycle = desa
    home = homes[0]
    child = home.members[2]
    visit(services, cycle, home, corrections=[
        Correction("member", child.id, "birth_place", "SURABAYA")])
    proposal = waiting(services, cycle, "birth_place")
    services.households.remove_member(actor=ADMIN, member_id=child.id, reason="salah input")
    with pytest.raises(NotFound) as refused:
        services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                        approve=True)
    assert refused.value.message == "Anggota itu sudah dihapus."
    assert waiting(services, cycle, "birth_place").status == "usulan"


def test_an_approval_does_not_overwrite_a_change_saved_meanwhile(desa, monkeypatch):
    """While the koordinator approves, the operator saves the same household: the
    approval is refused instead of silently undoing the operator's change."""
    services, homes, cycle = desa
    home = homes[0]
    visit(services, cycle, home, corrections=[
        Correction("household", home.id, "phone", "081234567890")])
    proposal = waiting(services, cycle, "phone")
    original = HouseholdService.save
    raced = []

    def save_after_the_operator(self, **kwargs):
        if not raced:
            raced.append(True)
            current = services.households.get(actor=ADMIN, household_id=home.id)
            original(self, actor=OPERATOR, household=dataclasses.replace(
                current.data, address="JL. BARU 9"), members=[
                m.as_input() for m in current.members], household_id=home.id,
                expected_version=current.version)
        return original(self, **kwargs)

    monkeypatch.setattr(HouseholdService, "save", save_after_the_operator)
    with pytest.raises(Conflict):
        services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                        approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert stored.data.address == "JL. BARU 9" and stored.data.phone is None
    assert waiting(services, cycle, "phone").status == "usulan"


def test_two_koordinators_deciding_at_once_the_first_decision_stands(desa, monkeypatch):
    """A second koordinator rejects the proposal while the first is approving it: the
    first to finish stands, the other is told the proposal was already decided."""
    services, homes, cycle = desa
    home = homes[0]
    visit(services, cycle, home, corrections=[
        Correction("household", home.id, "phone", "081234567890")])
    proposal = waiting(services, cycle, "phone")
    original = HouseholdService.save
    raced = []

    def save_after_the_other_rejects(self, **kwargs):
        if not raced:
            raced.append(True)
            services.verval.decide_proposal(actor=WAKIL, proposal_id=proposal.id,
                                            approve=False, note="tidak sesuai")
        return original(self, **kwargs)

    monkeypatch.setattr(HouseholdService, "save", save_after_the_other_rejects)
    with pytest.raises(InvalidInput) as late:
        services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id,
                                        approve=True)
    assert late.value.message == "Usulan itu sudah diputuskan."
    [decided] = services.verval.proposals(cycle_id=cycle.id, status=None, actor=OPERATOR)
    assert (decided.status, decided.decided_by, decided.decision_note) == (
        "tolak", "wakil", "tidak sesuai")
    assert [e.new_value for e in history(services, proposal.id)
            if e.field == "status"] == ["tolak"]


def test_approving_one_new_member_names_only_that_person_in_the_visit(desa):
    """Two new people were found at the visit of one household and the same baby was
    written at another household's visit too; approving one proposal names the
    registered person in that finding only."""
    services, homes, cycle = desa
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                          household_ids=[homes[0].id, homes[1].id])
    baby = dict(name="dewi", sex="P", birth_date=date(2025, 2, 2), relationship_code="3")
    for home in homes[:2]:
        entry = only_entry(services, cycle, home.id)
        found = [MemberFinding("1", m.id) for m in home.members] + [
            MemberFinding("5", None, **baby)]
        if home is homes[0]:
            found.append(MemberFinding("5", None, name="mbah sari", sex="P",
                                       birth_date=date(1940, 4, 4), relationship_code="6"))
        verval.record_result(actor=OPERATOR, entry_id=entry.id, result="1", members=found)
    first = only_entry(services, cycle, homes[0].id)
    proposal = next(p for p in verval.proposals(cycle_id=cycle.id, actor=OPERATOR)
                    if p.target_name == "DEWI" and p.household_id == homes[0].id)
    verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=homes[0].id)
    dewi = next(m for m in stored.members if m.name == "DEWI")
    assert (dewi.sex, dewi.birth_date, dewi.relationship_code) == ("P", date(2025, 2, 2), "3")
    named = {f.name: f.member_id for f in verval.member_findings(first.id, actor=OPERATOR)
             if f.result == "5"}
    assert named == {"DEWI": dewi.id, "MBAH SARI": None}
    other = only_entry(services, cycle, homes[1].id)
    assert [f.member_id for f in verval.member_findings(other.id, actor=OPERATOR) if f.result == "5"] == [None]


def test_a_new_member_with_a_family_members_name_and_birth_date_but_another_nik_is_added(desa):
    """With a NIK, only the NIK says who the person is: a second SITI AMINAH born the
    same day but holding another NIK is another person, and approving adds her."""
    from tests.helpers import member
    services, homes, cycle = desa
    home = homes[0]
    siti = next(m for m in home.members if m.name == "SITI AMINAH")
    other = member("SITI AMINAH", "P", siti.birth_date, "6", serial=77).nik
    assert other != siti.nik
    visit(services, cycle, home, members=[
        *(MemberFinding("1", m.id) for m in home.members),
        MemberFinding("5", None, name="siti aminah", nik=other, sex="P",
                      birth_date=siti.birth_date, relationship_code="6")])
    proposal = next(p for p in services.verval.proposals(cycle_id=cycle.id, actor=OPERATOR)
                    if p.target_name == "SITI AMINAH")
    services.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert sorted(m.nik for m in stored.members if m.name == "SITI AMINAH") == sorted(
        [siti.nik, other])


# -- creating a cycle -----------------------------------------------------------------

def test_a_cycle_keeps_its_name_period_deadline_and_note_and_is_audited(services):
    deadline = TODAY + timedelta(days=30)
    cycle = services.verval.create_cycle(actor=OPERATOR, name="  Verval April  ",
                                         period=" 2026-04 ", deadline=deadline,
                                         note="  usulan PKH  ")
    assert (cycle.name, cycle.period, cycle.deadline, cycle.note, cycle.status,
            cycle.households) == ("Verval April", "2026-04", deadline, "usulan PKH", "open", 0)
    assert services.verval.cycle(cycle.id, actor=OPERATOR).deadline == deadline
    [created] = history(services, cycle.id)
    assert (created.actor, created.action, created.entity, created.field, created.old_value,
            created.new_value) == ("operator", "create", "verval_cycle", "name", None,
                                   "Verval April")
    plain = services.verval.create_cycle(actor=OPERATOR, name="Verval Mei", period="2026-05",
                                         note="   ")
    assert plain.note is None and plain.deadline is None
    assert services.verval.create_cycle(actor=OPERATOR, name="Verval Juni",
                                        period="2026-06").note is None


def test_a_cycle_needs_a_name_and_a_period(services):
    for name, period, message in ((None, "2026-S1", "Beri nama siklus"),
                                  ("  ", "2026-S1", "Beri nama siklus"),
                                  ("Verval", None, "Isi periode siklus"),
                                  ("Verval", " ", "Isi periode siklus")):
        with pytest.raises(InvalidInput) as refused:
            services.verval.create_cycle(actor=OPERATOR, name=name, period=period)
        assert refused.value.message.startswith(message)
    assert services.verval.cycles(actor=OPERATOR) == []
    with pytest.raises(PermissionDenied):
        services.verval.create_cycle(actor=Actor("kades", Role.KEPALA_DESA.value, "K"),
                                     name="Verval", period="2026-S1")


# -- choosing households --------------------------------------------------------------

def test_households_are_numbered_in_area_order_once_and_audited(desa):
    """Households join the cycle numbered 1, 2, 3 … in dusun/RW/RT order (a household
    without a dusun first); adding one again adds nothing; each addition is audited
    with the count before and after."""
    services, homes, cycle = desa
    verval = services.verval
    nowhere = add_family(services, kk_serial=13, rt="5", dusun="", head="DARMO", serial=31)
    assert verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                                 household_ids=[homes[0].id, homes[0].id]) == 1
    assert verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                                 household_ids=[homes[0].id, homes[1].id]) == 1
    assert verval.add_households(actor=OPERATOR, cycle_id=cycle.id) == 2
    seqs = {r.head_name: r.seq for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)}
    assert seqs == {"CAHYO": 1, "BUDI": 2, "DARMO": 3, "AGUS": 4}
    assert nowhere.id in {r.household_id for r in verval.entries(actor=OPERATOR,
                                                                   cycle_id=cycle.id)}
    assert verval.add_households(actor=OPERATOR, cycle_id=cycle.id) == 0
    audited = [(e.action, e.entity, e.field, e.old_value, e.new_value)
               for e in history(services, cycle.id) if e.field == "households"]
    assert audited == [("update", "verval_cycle", "households", "2", "4"),
                       ("update", "verval_cycle", "households", "1", "2"),
                       ("update", "verval_cycle", "households", "0", "1")]


def test_a_new_cycle_numbers_its_households_from_one_in_area_order(desa):
    services, homes, cycle = desa
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    nowhere = add_family(services, kk_serial=13, rt="5", dusun="", head="DARMO", serial=31)
    later = verval.create_cycle(actor=OPERATOR, name="Verval Semester II", period="2026-S2")
    # the older cycle is still the one chosen
    assert verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                                 household_ids=[nowhere.id]) == 1
    assert verval.cycle(later.id, actor=OPERATOR).households == 0
    assert verval.add_households(actor=OPERATOR, cycle_id=later.id) == 4
    seqs = [(r.seq, r.head_name) for r in sorted(
        verval.entries(actor=OPERATOR, cycle_id=later.id), key=lambda r: r.seq)]
    assert seqs == [(1, "DARMO"), (2, "AGUS"), (3, "BUDI"), (4, "CAHYO")]
    first = {r.head_name: r.seq for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)}
    assert first == {"AGUS": 1, "BUDI": 2, "CAHYO": 3, "DARMO": 4}


def test_a_removed_household_is_not_added_by_id_or_by_prelist(desa):
    services, homes, cycle = desa
    gone = homes[1]
    services.households.remove(actor=ADMIN, household_id=gone.id, reason="data ganda")
    assert services.verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                                          household_ids=[gone.id]) == 0
    assert services.verval.add_prelist(actor=OPERATOR, cycle_id=cycle.id, identifiers=[
        gone.data.no_kk]) == (0, [gone.data.no_kk])
    assert services.verval.cycle(cycle.id, actor=OPERATOR).households == 0


def test_a_prelist_finds_households_by_dtsen_id_and_member_nik(desa):
    """Blank cells are ignored; a NIK finds its member's household; the DTSEN ID finds
    its household; a removed member's NIK finds nothing; the chosen cycle gets them."""
    services, homes, cycle = desa
    edit_household(services, homes[2].id, dtsen_id="DTSEN-000123")
    services.households.remove_member(actor=ADMIN, member_id=homes[0].members[2].id,
                                      reason="salah input")
    services.verval.create_cycle(actor=OPERATOR, name="Verval Semester II", period="2026-S2")
    added, missing = services.verval.add_prelist(
        actor=OPERATOR, cycle_id=cycle.id,
        identifiers=["  ", "", "DTSEN-000123", homes[1].members[1].nik,
                     homes[0].members[2].nik])
    assert (added, missing) == (2, [homes[0].members[2].nik])
    assert {r.household_id for r in services.verval.entries(actor=OPERATOR,
                                                            cycle_id=cycle.id)} == {
        homes[1].id, homes[2].id}


def test_a_long_prelist_is_read_whole(desa):
    """A prelist of more than a thousand identifiers finds households wherever they are
    in the list."""
    services, homes, cycle = desa
    unknown = [f"35230199{n:08d}" for n in range(1001)]
    unknown[500] = homes[0].data.no_kk
    unknown[1000] = homes[2].members[0].nik
    added, missing = services.verval.add_prelist(actor=OPERATOR, cycle_id=cycle.id,
                                                 identifiers=unknown)
    assert added == 2 and len(missing) == 999
    assert {r.household_id for r in services.verval.entries(actor=OPERATOR,
                                                            cycle_id=cycle.id)} == {
        homes[0].id, homes[2].id}


# -- the musdes -----------------------------------------------------------------------

def test_the_musdes_record_keeps_date_place_people_and_is_audited(desa):
    services, homes, cycle = desa
    verval = services.verval
    officer = services.officers.add(actor=ADMIN, name="RINA", role="operator")
    held = TODAY - timedelta(days=2)
    saved = verval.save_musdes(
        actor=OPERATOR, cycle_id=cycle.id, held_on=held, place="  Balai Desa  ",
        attendees=[Attendee(" H. SHOLEH ", " Kepala Desa "),
                   Attendee("RINA", "  ", officer.id), Attendee("  ", "kosong"),
                   Attendee("SLAMET", "Ketua BPD")],
        agenda="  Pemutakhiran DTSEN ", notulen=" RINA ", ketua_bpd=" SLAMET ",
        note="  hujan deras ")
    assert (saved.cycle_id, saved.held_on, saved.place, saved.agenda, saved.notulen,
            saved.ketua_bpd, saved.note, saved.letter_id) == (
        cycle.id, held, "Balai Desa", "Pemutakhiran DTSEN", "RINA", "SLAMET", "hujan deras",
        None)
    assert saved.attendees == (Attendee("H. SHOLEH", "Kepala Desa"),
                               Attendee("RINA", None, officer.id),
                               Attendee("SLAMET", "Ketua BPD"))
    assert verval.musdes(cycle.id, actor=OPERATOR) == saved
    [created] = history(services, saved.id)
    assert (created.actor, created.action, created.entity, created.field, created.old_value,
            created.new_value, created.reason) == (
        "operator", "create", "musdes", "held_on", None, held.isoformat(), "  Balai Desa  ")
    # saved again: the one record is updated, blanks clear, the list is replaced
    again = verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id, held_on=TODAY,
                               place="Aula", attendees=[Attendee("SLAMET", "Ketua BPD"),
                                                        Attendee("H. SHOLEH")],
                               agenda=None, notulen="", ketua_bpd=None)
    assert (again.id, again.held_on, again.place, again.agenda, again.notulen,
            again.ketua_bpd, again.note) == (saved.id, TODAY, "Aula", None, None, None, None)
    assert again.attendees == (Attendee("SLAMET", "Ketua BPD"), Attendee("H. SHOLEH"))
    assert [(e.action, e.new_value) for e in history(services, saved.id)] == [
        ("update", TODAY.isoformat()), ("create", held.isoformat())]


def test_each_cycle_has_its_own_musdes(desa):
    services, homes, cycle = desa
    verval = services.verval
    later = verval.create_cycle(actor=OPERATOR, name="Verval Semester II", period="2026-S2")
    assert verval.musdes(cycle.id, actor=OPERATOR) is None
    first = verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id, held_on=TODAY,
                               place="Balai Desa", attendees=[Attendee("A", "Kades")])
    assert first.cycle_id == cycle.id and verval.musdes(later.id, actor=OPERATOR) is None
    second = verval.save_musdes(actor=OPERATOR, cycle_id=later.id, held_on=TODAY,
                                place="Aula", attendees=[Attendee("B", "BPD")])
    assert second.id != first.id and second.cycle_id == later.id
    verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id, held_on=TODAY, place="Masjid",
                       attendees=[Attendee("C")])
    assert (verval.musdes(cycle.id, actor=OPERATOR).place, verval.musdes(cycle.id, actor=OPERATOR).attendees) == (
        "Masjid", (Attendee("C"),))
    assert (verval.musdes(later.id, actor=OPERATOR).place, verval.musdes(later.id, actor=OPERATOR).attendees) == (
        "Aula", (Attendee("B", "BPD"),))


def test_the_attendance_list_is_read_in_its_written_order(desa):
    from sqlalchemy import select

    from puskesos.models import MusdesAttendee
    services, homes, cycle = desa
    saved = services.verval.save_musdes(
        actor=OPERATOR, cycle_id=cycle.id, held_on=TODAY, place="Balai Desa",
        attendees=[Attendee("A"), Attendee("B"), Attendee("C")])
    # the rows are stored in another order than they were written down
    with services.db.write() as s:
        rows = list(s.scalars(select(MusdesAttendee).where(
            MusdesAttendee.musdes_id == saved.id)))
        for row in rows:
            s.delete(row)
        s.flush()
        for row in reversed(rows):
            s.add(MusdesAttendee(musdes_id=row.musdes_id, name=row.name,
                                 sort_order=row.sort_order))
    assert [a.name for a in services.verval.musdes(cycle.id, actor=OPERATOR).attendees] == ["A", "B", "C"]


def test_a_musdes_needs_a_place_a_date_and_an_attendee(desa):
    services, homes, cycle = desa
    for kwargs, message in ((dict(place=None), "Di mana musdes diadakan? Isi tempatnya."),
                            (dict(place="  "), "Di mana musdes diadakan? Isi tempatnya."),
                            (dict(held_on=None), "Isi tanggal musdes."),
                            (dict(attendees=[Attendee(" "), Attendee("")]),
                             "Cantumkan paling sedikit satu peserta musdes.")):
        given = dict(held_on=TODAY, place="Balai Desa", attendees=[Attendee("A")]) | kwargs
        with pytest.raises(InvalidInput) as refused:
            services.verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id, **given)
        assert refused.value.message == message
    assert services.verval.musdes(cycle.id, actor=OPERATOR) is None


def test_the_berita_acara_number_first_linked_stands_until_it_is_voided(desa):
    """Two operators number the berita acara at the same moment: the first number linked
    to the musdes stands; once it is voided, a new number is linked."""
    services, homes, cycle = desa
    verval = services.verval
    musdes = verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id, held_on=TODAY,
                                place="Balai Desa", attendees=[Attendee("A")])
    first, second = (services.letters.issue(actor=OPERATOR, letter_type="berita_acara",
                                            subject=cycle.name, entity="musdes",
                                            entity_id=musdes.id) for _ in range(2))
    with services.db.write() as s:
        assert verval.link_letter(s, cycle.id, first.id) == first.id
    with services.db.write() as s:
        assert verval.link_letter(s, cycle.id, second.id) == first.id
    with services.db.write() as s:
        assert verval.link_letter(s, cycle.id, first.id) == first.id
    assert verval.musdes(cycle.id, actor=OPERATOR).letter_id == first.id
    services.letters.void(actor=OPERATOR, letter_id=first.id, reason="salah cetak")
    with services.db.write() as s:
        assert verval.link_letter(s, cycle.id, second.id) == second.id
    assert verval.musdes(cycle.id, actor=OPERATOR).letter_id == second.id


# -- musdes decisions -----------------------------------------------------------------

def test_each_musdes_decision_is_audited_with_its_reason(desa):
    services, homes, cycle = desa
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id, household_ids=[homes[0].id])
    entry = only_entry(services, cycle, homes[0].id)
    verval.decide(actor=OPERATOR, entry_id=entry.id, decision="tetap")
    assert only_entry(services, cycle, homes[0].id).decision_note is None
    verval.decide(actor=KOORDINATOR, entry_id=entry.id, decision="hapus",
                  note="  pindah ke kota ")
    row = only_entry(services, cycle, homes[0].id)
    assert (row.decision, row.decision_note) == ("hapus", "pindah ke kota")
    decisions = [(e.actor, e.action, e.entity, e.field, e.old_value, e.new_value, e.reason)
                 for e in history(services, entry.id) if e.field == "decision"]
    assert decisions == [
        ("koordinator", "update", "verval_entry", "decision", "tetap", "hapus",
         "  pindah ke kota "),
        ("operator", "update", "verval_entry", "decision", None, "tetap", None)]
    with pytest.raises(InvalidInput) as refused:
        verval.decide(actor=OPERATOR, entry_id=entry.id, decision="entah")
    assert refused.value.message == "Keputusan entah tidak dikenal."
    assert only_entry(services, cycle, homes[0].id).decision == "hapus"


def test_suggested_decisions_fill_only_this_cycles_undecided_visits(desa):
    """The suggestion follows each visit result (a removal notes why), skips a household
    that refused the visit, keeps what the musdes already decided, leaves the other
    cycle alone and is audited as one event."""
    services, homes, cycle = desa
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    rows = sorted(verval.entries(actor=OPERATOR, cycle_id=cycle.id), key=lambda r: r.seq)
    for row, result in zip(rows, ("8", "1", "5")):         # refused, stays, died
        verval.record_result(actor=OPERATOR, entry_id=row.id, result=result)
    later = verval.create_cycle(actor=OPERATOR, name="Verval Semester II", period="2026-S2")
    verval.add_households(actor=OPERATOR, cycle_id=later.id, household_ids=[homes[0].id])
    [other] = verval.entries(actor=OPERATOR, cycle_id=later.id)
    verval.record_result(actor=OPERATOR, entry_id=other.id, result="5")
    assert verval.decide_suggested(actor=OPERATOR, cycle_id=cycle.id) == 2
    decided = {r.seq: (r.decision, r.decision_note)
               for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)}
    assert decided == {1: (None, None), 2: ("tetap", None), 3: ("hapus", "Meninggal")}
    assert verval.entries(actor=OPERATOR, cycle_id=later.id)[0].decision is None
    [event] = [e for e in history(services, cycle.id) if e.field == "decisions"]
    assert (event.actor, event.action, event.entity, event.old_value, event.new_value,
            event.reason) == ("operator", "update", "verval_cycle", None, "2",
                              "suggested decisions")
    # nothing left to fill: no count, no audit event
    assert verval.decide_suggested(actor=OPERATOR, cycle_id=cycle.id) == 0
    assert len([e for e in history(services, cycle.id) if e.field == "decisions"]) == 1


def test_a_suggestion_keeps_a_decision_or_reason_the_musdes_already_gave(desa):
    services, homes, cycle = desa
    verval = services.verval
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    rows = sorted(verval.entries(actor=OPERATOR, cycle_id=cycle.id), key=lambda r: r.seq)
    for row in rows:
        verval.record_result(actor=OPERATOR, entry_id=row.id, result="5")
    verval.decide(actor=OPERATOR, entry_id=rows[0].id, decision="tetap",
                  note="masih ada istri")
    verval.decide(actor=OPERATOR, entry_id=rows[1].id, decision=None,
                  note="meninggal Maret 2026")
    assert verval.decide_suggested(actor=OPERATOR, cycle_id=cycle.id) == 2
    decided = {r.seq: (r.decision, r.decision_note)
               for r in verval.entries(actor=OPERATOR, cycle_id=cycle.id)}
    assert decided == {1: ("tetap", "masih ada istri"), 2: ("hapus", "meninggal Maret 2026"),
                       3: ("hapus", "Meninggal")}


def test_an_issued_berita_acara_freezes_the_suggested_decisions(desa):
    services, homes, cycle = desa
    verval = services.verval
    services.settings.update_village(actor=ADMIN, kepala_desa="H. MUHAMMAD SHOLEH",
                                     ketua_puskesos="SUHARTINI", address="Jl. Raya 1")
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id,
                          household_ids=[homes[0].id, homes[1].id])
    decided, open_ = (only_entry(services, cycle, h.id) for h in homes[:2])
    for row in (decided, open_):
        verval.record_result(actor=OPERATOR, entry_id=row.id, result="5")
    verval.decide(actor=OPERATOR, entry_id=decided.id, decision="tetap")
    verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id, held_on=TODAY, place="Balai Desa",
                       attendees=[Attendee("H. MUHAMMAD SHOLEH", "Kepala Desa")])
    doc = services.documents.berita_acara(actor=OPERATOR, cycle_id=cycle.id)
    with pytest.raises(InvalidInput, match=doc.letter_number.replace(".", r"\.")):
        verval.decide_suggested(actor=OPERATOR, cycle_id=cycle.id)
    assert only_entry(services, cycle, homes[1].id).decision is None


# -- finding a resident (command line) ------------------------------------------------

def test_a_resident_is_found_by_id_prefix_or_nik_but_never_a_removed_one(desa):
    services, homes, cycle = desa
    verval = services.verval
    wife = homes[0].members[1]
    assert verval.resolve_member(f"  {wife.nik} ", actor=OPERATOR) == wife.id
    assert verval.resolve_member(wife.id, actor=OPERATOR) == wife.id
    assert verval.resolve_member(wife.id[:6], actor=OPERATOR) == wife.id
    for short in (wife.id[:5], wife.id[:1]):
        with pytest.raises(NotFound) as refused:
            verval.resolve_member(short, actor=OPERATOR)
        assert refused.value.message == (
            f"Tidak ada tepat satu warga yang cocok dengan {short}. Sebutkan ID anggota "
            "atau NIK.")
    child = homes[0].members[2]
    services.households.remove_member(actor=ADMIN, member_id=child.id, reason="salah input")
    for key in (child.nik, child.id):
        with pytest.raises(NotFound):
            verval.resolve_member(key, actor=OPERATOR)
    with pytest.raises(NotFound) as blank:
        verval.resolve_member(None, actor=OPERATOR)
    assert "cocok dengan . " in blank.value.message


def test_a_short_key_does_not_find_the_only_resident(services):
    from tests.helpers import family, member
    house, people = family()
    home = services.households.save(actor=ADMIN, household=house, members=[people[0]])
    assert services.verval.resolve_member(member().nik, actor=OPERATOR) == home.members[0].id
    with pytest.raises(NotFound):
        services.verval.resolve_member("abc", actor=OPERATOR)
