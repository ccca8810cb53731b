from dataclasses import replace
from datetime import date

import pytest

from puskesos.core.identifiers import PLACEHOLDER_KINDS, Severity
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


def test_a_birth_date_more_than_120_years_ago_is_flagged_as_a_typing_mistake():
    """Nobody in the registry is older than MAX_AGE_YEARS (120): a date of birth further
    back is a mistyped year and blocks saving, with a message naming the limit; a
    person exactly 120 years old today is still accepted."""
    from puskesos.core.validation import MAX_AGE_YEARS
    assert MAX_AGE_YEARS == 120
    too_old = date(TODAY.year - 121, TODAY.month, TODAY.day - 1)
    problems = check_member(member(born=too_old), today=TODAY)
    assert codes(problems, Severity.ERROR) == {"birth_date.too_old"}
    [problem] = [p for p in problems if p.code == "birth_date.too_old"]
    assert problem.field == "birth_date" and "120" in problem.message
    house, people = family()
    people[2] = member("MBAH BUYUT", "P", date(1880, 1, 1), "4", serial=9)
    assert "birth_date.too_old" in codes(check_household(house, people, today=TODAY),
                                         Severity.ERROR)
    exactly_120 = date(TODAY.year - 120, TODAY.month, TODAY.day)
    assert not codes(check_member(member(born=exactly_120), today=TODAY), Severity.ERROR)


@pytest.mark.parametrize("born, today, flagged", [
    (date(1906, 1, 2), date(2026, 11, 22), True),     # 120 years and ten months ago
    (date(1905, 12, 31), date(2026, 1, 1), True),
    (date(1906, 11, 23), date(2026, 11, 22), False),  # 120 years ago tomorrow
    (date(1906, 11, 22), date(2026, 11, 22), False),  # exactly 120 years ago
    (date(1900, 2, 28), date(2020, 2, 29), False),    # 1900 had no 29 February: the 28th
    (date(1900, 2, 27), date(2020, 2, 29), True),
])
def test_the_120_year_limit_counts_days_not_calendar_years(born, today, flagged):
    """'More than 120 years ago' is measured to the day, as the message says."""
    problems = check_member(member(born=born, nik=""), today=today)
    assert ("birth_date.too_old" in codes(problems, Severity.ERROR)) is flagged


def test_age_in_years_counts_completed_years():
    from puskesos.core.validation import age_in_years
    assert age_in_years(date(2000, 5, 10), date(2026, 5, 9)) == 25
    assert age_in_years(date(2000, 5, 10), date(2026, 5, 10)) == 26
    assert age_in_years(date(2000, 5, 10), date(2026, 12, 1)) == 26


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


@pytest.mark.parametrize("placeholder", sorted(PLACEHOLDER_KINDS))
def test_two_members_without_a_nik_may_share_the_dtsen_placeholder(placeholder):
    """The DTSEN placeholder codes (9999999999999995 for a child without a NIK, …) say
    that a person has no NIK; two children of one family both written with it are not
    "the same NIK twice", so the family can be saved. A real NIK given twice still is."""
    house, people = family()
    people[2] = replace(people[2], nik=placeholder)
    people.append(replace(member("ADIK", "P", date(2012, 4, 4), "3"), nik=placeholder))
    problems = check_household(house, people, today=TODAY)
    assert "nik.duplicate_in_household" not in codes(problems)
    assert not codes(problems, Severity.ERROR)
    people[3] = replace(people[3], nik=people[0].nik, sex="L", birth_date=people[0].birth_date)
    assert "nik.duplicate_in_household" in codes(check_household(house, people, today=TODAY),
                                                 Severity.ERROR)


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
