from dataclasses import replace
from datetime import date

from puskesos.core.identifiers import Severity
from puskesos.core.validation import check_household, check_member

from tests.helpers import family, member

TODAY = date(2026, 11, 22)


def codes(problems, severity=None):
    return {p.code for p in problems if severity is None or p.severity is severity}


def test_a_valid_family_has_no_problem():
    house, people = family()
    assert check_household(house, people, today=TODAY) == []


def test_household_without_head_is_an_error():
    house, people = family()
    people[0] = replace(people[0], relationship_code="3")
    assert "head.missing" in codes(check_household(house, people, today=TODAY), Severity.ERROR)


def test_two_heads_is_an_error():
    house, people = family()
    people[1] = replace(people[1], relationship_code="1")
    assert "head.multiple" in codes(check_household(house, people, today=TODAY), Severity.ERROR)


def test_a_dead_head_does_not_count_as_head():
    house, people = family()
    people[0] = replace(people[0], presence="2", presence_date=date(2026, 1, 5))
    assert "head.missing" in codes(check_household(house, people, today=TODAY))


def test_member_errors():
    bad = member(name="  ", born=date(2027, 1, 1))
    found = codes(check_member(bad, today=TODAY), Severity.ERROR)
    assert {"name.empty", "birth_date.future"} <= found
    assert "pregnant.male" in codes(check_member(member(pregnant=True), today=TODAY))


def test_nik_date_disagreeing_with_birth_date_is_only_a_warning():
    m = replace(member(), birth_date=date(1975, 3, 15))
    problems = check_member(m, today=TODAY)
    assert codes(problems, Severity.WARNING) == {"nik.dob_mismatch"}
    assert not codes(problems, Severity.ERROR)


def test_impossible_nik_is_an_error_with_indonesian_message():
    problems = check_member(replace(member(), nik="3523017303750001"), today=TODAY)
    errors = [p for p in problems if p.is_error]
    assert errors and errors[0].field == "nik"
    assert "tanggal" in errors[0].message.lower()


def test_same_nik_twice_in_household():
    house, people = family()
    people[2] = replace(people[2], nik=people[1].nik, sex="P", birth_date=people[1].birth_date)
    assert "nik.duplicate_in_household" in codes(check_household(house, people, today=TODAY))


def test_rt_must_be_a_small_number():
    house, people = family()
    assert "area.invalid" in codes(check_household(replace(house, rt="A1"), people, today=TODAY))


def test_nik_from_a_kecamatan_not_on_the_list_is_only_a_warning():
    from puskesos.core.identifiers import make_nik
    m = replace(member(), nik=make_nik(kecamatan_code="35.23.99", birth_date=date(1975, 3, 14),
                                       sex="L", serial=5))
    problems = check_member(m, today=TODAY)
    assert codes(problems) == {"nik.kecamatan_unknown"}
    assert not any(p.is_error for p in problems)
