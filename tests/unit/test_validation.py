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


# --- where each problem is shown: field, member row, error or warning ---------------------
E, W = Severity.ERROR, Severity.WARNING


def _member_problem(change: dict, index=2):
    """Problems of a family whose third member (index 2) got ``change``."""
    house, people = family()
    people[index] = replace(people[index], **change)
    return {(p.field, p.severity, p.code, p.member)
            for p in check_household(house, people, today=TODAY)}


@pytest.mark.parametrize("change, expected", [
    (dict(name=""), ("name", E, "name.empty", 2)),
    (dict(sex="X"), ("sex", E, "sex.invalid", 2)),
    (dict(relationship_code=""), ("relationship_code", E, "relationship.empty", 2)),
    (dict(birth_date=date(2027, 1, 1)), ("birth_date", E, "birth_date.future", 2)),
    (dict(birth_date=date(1900, 1, 1)), ("birth_date", E, "birth_date.too_old", 2)),
    (dict(presence_date=date(2027, 1, 1)), ("presence_date", E, "presence_date.future", 2)),
    (dict(pregnant=True), ("pregnant", E, "pregnant.male", 2)),
    (dict(nik=""), ("nik", W, "nik.missing", 2)),
    (dict(nik="3599011708900001"), ("nik", W, "nik.kecamatan_unknown", 2)),
    (dict(nik="3523011708900000"), ("nik", E, "nik.serial", 2)),
    (dict(religion="77"), ("religion", E, "code.unknown", 2)),
])
def test_each_member_problem_marks_its_field_on_that_members_row(change, expected):
    """The form highlights the field of the member concerned, red (blocks saving) or
    yellow (a warning), and nothing else is reported for a single mistake."""
    problems = _member_problem(change)
    assert expected in problems
    assert not {p for p in problems if p[1] is E and p[0] != expected[0]}
    assert len([p for p in problems if p[0] == expected[0] and p[1] is E]) <= 1  # told once


@pytest.mark.parametrize("change, expected", [
    (dict(no_kk=""), ("no_kk", W, "kk.missing", None)),
    (dict(no_kk="352301170830000"), ("no_kk", E, "kk.length", None)),
    (dict(rt="A7"), ("rt", E, "area.invalid", None)),
    (dict(rw="1234"), ("rw", E, "area.invalid", None)),
    (dict(floor_area=0.0), ("floor_area", E, "floor_area.invalid", None)),
    (dict(floor_area=10000.0), ("floor_area", E, "floor_area.invalid", None)),
    (dict(latitude=90.5), ("latitude", E, "position.invalid", None)),
    (dict(latitude=-90.5), ("latitude", E, "position.invalid", None)),
    (dict(longitude=180.5), ("longitude", E, "position.invalid", None)),
    (dict(longitude=-111.95), None),
    (dict(latitude=-90.0, longitude=180.0), None),
    (dict(floor_area=0.5), ("floor_area", E, "floor_area.invalid", None)),
    (dict(floor_area=1.0), None),
    (dict(floor="99"), ("floor", E, "code.unknown", None)),
])
def test_each_household_problem_marks_its_field(change, expected):
    house, people = family()
    problems = {(p.field, p.severity, p.code, p.member)
                for p in check_household(replace(house, **change), people, today=TODAY)}
    if expected is None:
        assert problems == set()
    else:
        assert expected in problems and len(problems) == 1


def test_family_level_problems_are_shown_on_the_members_list():
    house, people = family()
    assert {(p.field, p.severity, p.code, p.member)
            for p in check_household(house, [], today=TODAY)} == \
        {("members", E, "members.empty", None)}
    two_heads = [people[0], replace(people[1], relationship_code="1"), people[2]]
    [problem] = check_household(house, two_heads, today=TODAY)
    assert (problem.field, problem.code, problem.member) == ("members", "head.multiple", None)
    assert "2" in problem.message
    twin = [people[0], people[1], replace(people[2], nik=people[1].nik)]
    duplicate = [p for p in check_household(house, twin, today=TODAY)
                 if p.code == "nik.duplicate_in_household"]
    assert [(p.field, p.severity, p.member) for p in duplicate] == [("nik", E, 2)]


def test_the_nik_is_checked_against_the_members_own_sex():
    """A woman's NIK on a man's row is a sex mismatch (a warning to check both)."""
    born = date(1979, 8, 21)
    woman = member("SITI", "P", born, "2", serial=2)
    assert "nik.sex_mismatch" in codes(check_member(replace(woman, sex="L", pregnant=False),
                                                    today=TODAY), W)
    assert "nik.sex_mismatch" not in codes(check_member(woman, today=TODAY))
