"""Moving a member, splitting a family (pecah KK) and merging two households."""

from datetime import date

import pytest

from puskesos.core.identifiers import make_kk
from puskesos.errors import InvalidInput
from puskesos.services.registry import HouseholdFilter

from tests.conftest import ADMIN, OPERATOR
from tests.helpers import KEC, family, member


def _family_with_married_son(services):
    house, people = family()
    people.append(member("JOKO", "L", date(1998, 4, 2), "3", serial=4, marital_status="2"))
    people.append(member("RINA", "P", date(2000, 9, 9), "4", serial=5, marital_status="2"))
    return services.households.save(actor=OPERATOR, household=house, members=people)


def _names(services, hid):
    dto = services.households.get(actor=OPERATOR, household_id=hid)
    return {m.name: m.relationship_code for m in dto.members if not m.removed}


def test_split_family_makes_a_new_household_at_the_same_address(services):
    dto = _family_with_married_son(services)
    joko, rina = dto.members[3], dto.members[4]
    new_kk = make_kk(kecamatan_code=KEC, recorded=date(2025, 2, 3), serial=77)
    new = services.households.split(actor=OPERATOR, household_id=dto.id,
                                    member_ids=[joko.id, rina.id],
                                    relationships={joko.id: "1", rina.id: "2"},
                                    no_kk=new_kk, reason="pecah KK setelah menikah")
    assert _names(services, new.id) == {"JOKO": "1", "RINA": "2"}
    assert _names(services, dto.id) == {"SUPARMAN": "1", "SITI AMINAH": "2", "BAGUS": "3"}
    assert new.data.dusun == dto.data.dusun and new.data.rt == dto.data.rt
    assert new.data.family_status == "2"
    assert services.households.get(actor=OPERATOR, household_id=dto.id).data.family_status == "1"
    rows, _ = services.households.search(actor=OPERATOR, filter=HouseholdFilter(text="rina"))
    assert [r.id for r in rows] == [new.id]  # search follows the move
    assert services.audit.verify().ok


def test_split_without_a_new_head_is_refused_and_nothing_moves(services):
    dto = _family_with_married_son(services)
    joko, rina = dto.members[3], dto.members[4]
    with pytest.raises(InvalidInput):
        services.households.split(actor=OPERATOR, household_id=dto.id,
                                  member_ids=[joko.id, rina.id],
                                  relationships={joko.id: "3", rina.id: "4"}, reason="x")
    assert len(_names(services, dto.id)) == 5
    assert services.households.counts(actor=ADMIN).households == 1


def test_moving_the_head_out_needs_a_new_head_first(services):
    dto = _family_with_married_son(services)
    house, _ = family()
    other = services.households.save(actor=OPERATOR, household=house,
                                      members=[member("WAGIMAN", serial=9)])
    with pytest.raises(InvalidInput):
        services.households.move_member(actor=OPERATOR, member_id=dto.members[0].id,
                                        target_household_id=other.id,
                                        relationship_code="8", reason="pindah")
    services.households.move_member(actor=OPERATOR, member_id=dto.members[2].id,
                                    target_household_id=other.id, relationship_code="5",
                                    reason="ikut kakek")
    assert "BAGUS" in _names(services, other.id)
    assert "BAGUS" not in _names(services, dto.id)


def test_merge_moves_everyone_and_tombstones_the_source(services):
    dto = _family_with_married_son(services)
    house, _ = family()
    widow = services.households.save(actor=OPERATOR, household=house,
                                     members=[member("PONIYEM", "P", date(1950, 5, 5),
                                                     serial=12)])
    services.households.merge(actor=OPERATOR, source_id=widow.id, target_id=dto.id,
                              relationships={widow.members[0].id: "6"},
                              reason="ikut anak")
    assert _names(services, dto.id)["PONIYEM"] == "6"
    gone = services.households.get(actor=OPERATOR, household_id=widow.id)
    assert gone.removed and "ikut anak" in gone.removed_reason
    assert services.households.counts(actor=ADMIN).households == 1


def test_own_programs_follow_a_member_into_the_merged_household(services):
    dto = _family_with_married_son(services)
    house, _ = family()
    widow = services.households.save(actor=OPERATOR, household=house,
                                     members=[member("PONIYEM", "P", date(1950, 5, 5),
                                                     serial=12)])
    services.programs.add_participation(actor=OPERATOR, household_id=widow.id,
                                        program_code="PBI", period="2026",
                                        member_id=widow.members[0].id)
    services.households.merge(actor=OPERATOR, source_id=widow.id, target_id=dto.id,
                              relationships={widow.members[0].id: "6"}, reason="ikut anak")
    after = services.households.get(actor=OPERATOR, household_id=dto.id)
    assert [(p.program_code, p.member_id) for p in after.programs] == [
        ("PBI", widow.members[0].id)]
