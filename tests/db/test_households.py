"""The registry service on real SQLite files and a real PostgreSQL server."""

from dataclasses import replace
from datetime import date

import pytest

from puskesos.errors import Conflict, InvalidInput, PermissionDenied
from puskesos.services.registry import HouseholdFilter, NeedsConfirmation

from tests.conftest import ADMIN, KADES, OPERATOR
from tests.helpers import family, member


def _count(services):
    return services.households.counts(actor=ADMIN).households


def test_create_and_read_back(services):
    house, people = family()
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    again = services.households.get(actor=OPERATOR, household_id=dto.id)
    assert again.head.name == "SUPARMAN"
    assert [m.name for m in again.members] == ["SUPARMAN", "SITI AMINAH", "BAGUS"]
    assert again.data.rt == "002" and again.data.rw == "001"
    assert again.members[0].nik == people[0].nik


@pytest.mark.parametrize("breakage, code", [
    (lambda h, p: (h, [replace(p[0], relationship_code="3")] + p[1:]), "head.missing"),
    (lambda h, p: (h, p[:1] + [replace(p[1], relationship_code="1")] + p[2:]), "head.multiple"),
    (lambda h, p: (h, p[:2] + [replace(p[2], nik="3523011305080000")]), "nik.serial"),
    (lambda h, p: (h, p[:2] + [replace(p[2], name=" ")]), "name.empty"),
    (lambda h, p: (h, p[:2] + [replace(p[2], birth_date=date(2099, 1, 1))]),
     "birth_date.future"),
])
def test_bad_input_is_refused_and_nothing_is_written(services, breakage, code):
    house, people = breakage(*family())
    with pytest.raises(InvalidInput) as err:
        services.households.save(actor=OPERATOR, household=house, members=people)
    assert code in {p.code for p in err.value.issues}
    assert _count(services) == 0


def test_warnings_need_a_reason(services):
    house, people = family()
    people[2] = replace(people[2], birth_date=date(2008, 1, 6))  # NIK says the 5th
    with pytest.raises(NeedsConfirmation):
        services.households.save(actor=OPERATOR, household=house, members=people)
    dto = services.households.save(actor=OPERATOR, household=house, members=people,
                                   accept_warnings="akta kelahiran menyebut tanggal 6")
    assert dto.members[2].birth_date == date(2008, 1, 6)


def test_concurrent_edit_is_refused(services):
    house, people = family()
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    members = [m.as_input() for m in dto.members]
    services.households.save(actor=OPERATOR, household=replace(dto.data, address="A"),
                             members=members, household_id=dto.id,
                             expected_version=dto.version)
    with pytest.raises(Conflict):
        services.households.save(actor=OPERATOR, household=replace(dto.data, address="B"),
                                 members=members, household_id=dto.id,
                                 expected_version=dto.version)
    assert services.households.get(actor=OPERATOR, household_id=dto.id).data.address == "A"


def test_member_change_bumps_household_version(services):
    house, people = family()
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    members = [m.as_input() for m in dto.members]
    members[2] = replace(members[2], occupation="PELAJAR")
    after = services.households.save(actor=OPERATOR, household=dto.data, members=members,
                                     household_id=dto.id, expected_version=dto.version)
    assert after.version == dto.version + 1
    assert after.members[2].occupation == "PELAJAR"


def test_remove_is_a_tombstone_and_can_be_restored(services):
    house, people = family()
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    with pytest.raises(InvalidInput):
        services.households.remove(actor=OPERATOR, household_id=dto.id, reason=" ")
    services.households.remove(actor=OPERATOR, household_id=dto.id, reason="data ganda")
    assert _count(services) == 0
    removed = services.households.get(actor=OPERATOR, household_id=dto.id)
    assert removed.removed and removed.removed_reason == "data ganda"
    services.households.restore(actor=OPERATOR, household_id=dto.id, reason="keliru hapus")
    assert _count(services) == 1


def test_leaving_out_a_member_needs_remove_with_reason(services):
    house, people = family()
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    with pytest.raises(InvalidInput):
        services.households.save(actor=OPERATOR, household=dto.data,
                                 members=[m.as_input() for m in dto.members[:2]],
                                 household_id=dto.id, expected_version=dto.version)
    services.households.remove_member(actor=OPERATOR, member_id=dto.members[2].id,
                                      reason="salah input")
    after = services.households.get(actor=OPERATOR, household_id=dto.id)
    assert [m.removed for m in after.members] == [False, False, True]


def test_search_by_part_of_name_nik_and_kk(services):
    house, people = family()
    services.households.save(actor=OPERATOR, household=house, members=people)
    other = replace(house, no_kk=None, dusun="NGASINAN")
    services.households.save(actor=OPERATOR, household=other,
                             members=[member("WAGIMAN", serial=9)],
                             accept_warnings="KK belum ada")

    def found(text):
        rows, total = services.households.search(actor=OPERATOR,
                                                 filter=HouseholdFilter(text=text))
        return sorted(r.head_name for r in rows)

    assert found("amin") == ["SUPARMAN"]          # a member's name, any case
    assert found("wagi") == ["WAGIMAN"]
    assert found(people[2].nik[-8:]) == ["SUPARMAN"]
    assert found(house.no_kk) == ["SUPARMAN"]
    assert found("ngasinan") == ["WAGIMAN"]
    assert found("") == ["SUPARMAN", "WAGIMAN"]


def test_kepala_desa_sees_masked_nik_and_cannot_edit(services):
    house, people = family()
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    rows, _ = services.households.search(actor=KADES)
    assert rows[0].head_nik == people[0].nik[:4] + "*" * 10 + people[0].nik[-2:]
    assert "*" in services.households.get(actor=KADES, household_id=dto.id).members[0].nik
    with pytest.raises(PermissionDenied):
        services.households.save(actor=KADES, household=house, members=people)
    with pytest.raises(PermissionDenied):
        services.households.remove(actor=KADES, household_id=dto.id, reason="x")


def test_a_new_family_member_code_5_lives_in_the_household(services):
    """Presence 5 'anggota keluarga baru' (DTSEN 404) is someone who lives there: counted,
    may be the head, shown in the list, not among those who died or moved."""
    house, people = family()
    people = [replace(people[0], presence="5"), *people[1:]]
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    stored = services.households.get(actor=OPERATOR, household_id=dto.id)
    assert stored.head is not None and stored.head.name == "SUPARMAN"
    [row] = services.households.search(actor=OPERATOR, filter=HouseholdFilter(
        text="suparman"))[0]
    assert row.head_name == "SUPARMAN" and row.member_count == 3
    gone = services.households.search(actor=OPERATOR,
                                      filter=HouseholdFilter(presence="gone"))[0]
    assert dto.id not in {r.id for r in gone}
    assert services.households.counts(actor=ADMIN).members == 3
