"""What the operator sees when a household form is checked: each problem sits on one
field (and, for a member, on that member's row), is an error (red, blocks saving) or
a warning (yellow, may be accepted with a reason), and explains itself in Indonesian.

Complements tests/unit/test_validation.py: these tests pin the whole problem as shown
(field, severity, code, member row and the Indonesian wording from the catalogue),
the edges of each range, and that the check is made as of the day it is asked for.
"""

from dataclasses import replace
from datetime import date

import pytest

from puskesos.core.identifiers import Severity, make_kk, make_nik
from puskesos.core.validation import Problem, check_household, check_member

from tests.helpers import KEC, family, member, nik

TODAY = date(2026, 11, 22)
E, W = Severity.ERROR, Severity.WARNING

# The Indonesian wording the operator reads (puskesos/locale/id.po).
MSG_NAME = "Nama masih kosong. Ketik nama sesuai KTP/KK."
MSG_SEX = "Pilih jenis kelamin: L (laki-laki) atau P (perempuan)."
MSG_RELATIONSHIP = "Pilih hubungan dengan kepala keluarga."
MSG_BORN_FUTURE = "Tanggal lahir berada di masa depan. Periksa tanggalnya."
MSG_BORN_TOO_OLD = "Tanggal lahir lebih dari 120 tahun yang lalu. Periksa tahunnya."
MSG_PRESENCE_FUTURE = "Tanggal meninggal atau pindah berada di masa depan. Periksa tanggalnya."
MSG_PREGNANT = "Hanya perempuan yang dapat ditandai sedang hamil."
MSG_NO_NIK = ("NIK belum diisi. Minta KK/KTP, atau gunakan kode pengganti DTSEN untuk orang "
              "yang tidak punya NIK.")
MSG_NO_KK = "Nomor Kartu Keluarga belum diisi. Salin dari KK keluarga tersebut."
MSG_AREA = "RT dan RW berupa angka paling banyak 3 digit."
MSG_FLOOR_AREA = "Luas lantai harus antara 1 dan 9.999 m²."
MSG_POSITION = "Posisi harus berupa derajat desimal, misalnya lintang -6.91 dan bujur 111.95."
MSG_NO_MEMBERS = "Keluarga harus memiliki paling sedikit satu anggota keluarga."
MSG_NO_HEAD = ("Keluarga ini belum memiliki kepala keluarga. Tandai satu anggota keluarga "
               "sebagai 'Kepala keluarga'.")
MSG_DUPLICATE_NIK = "NIK ini juga dipakai oleh anggota lain dalam keluarga yang sama."


def msg_unknown_code(value):
    return f"'{value}' bukan pilihan yang sah untuk isian ini."


def msg_heads(n):
    return (f"Keluarga ini memiliki {n} kepala keluarga. Hanya satu anggota keluarga yang "
            "boleh menjadi 'Kepala keluarga'.")


def msg_unknown_kecamatan(code):
    return (f"Kode wilayah NIK {code} tidak ada dalam daftar kecamatan saat ini. Periksa enam "
            "digit pertama dengan kartu; kode lama bisa saja benar setelah pemekaran wilayah.")


def household_problems(change=None, people=None, today=TODAY):
    house, default_people = family()
    return check_household(replace(house, **(change or {})),
                           default_people if people is None else people, today=today)


def with_member(index, **change):
    """The test family with member ``index`` changed."""
    _, people = family()
    people[index] = replace(people[index], **change)
    return people


# --- a member's own fields, shown on that member's row ------------------------------------

@pytest.mark.parametrize("change, expected", [
    (dict(name="   "), Problem("name", E, "name.empty", MSG_NAME, 1)),
    (dict(sex=""), Problem("sex", E, "sex.invalid", MSG_SEX, 1)),
    (dict(relationship_code=""),
     Problem("relationship_code", E, "relationship.empty", MSG_RELATIONSHIP, 1)),
    (dict(birth_date=date(2026, 11, 23), nik=nik(date(2026, 11, 23), "P", 2)),
     Problem("birth_date", E, "birth_date.future", MSG_BORN_FUTURE, 1)),
    (dict(birth_date=date(1906, 11, 21), nik=nik(date(1906, 11, 21), "P", 2)),
     Problem("birth_date", E, "birth_date.too_old", MSG_BORN_TOO_OLD, 1)),
    (dict(presence="2", presence_date=date(2026, 11, 23)),
     Problem("presence_date", E, "presence_date.future", MSG_PRESENCE_FUTURE, 1)),
    (dict(sex="L", pregnant=True, nik=None),
     Problem("pregnant", E, "pregnant.male", MSG_PREGNANT, 1)),
    (dict(nik="  "), Problem("nik", W, "nik.missing", MSG_NO_NIK, 1)),
    (dict(religion="77"), Problem("religion", E, "code.unknown", msg_unknown_code("77"), 1)),
])
def test_a_members_mistake_is_shown_once_on_its_field_in_that_members_row(change, expected):
    """Checked on its own for the second row of the form (index 1), each single mistake
    gives exactly one problem, on its field and that row, with its Indonesian text."""
    siti = member("SITI AMINAH", "P", date(1979, 8, 21), "2", serial=2)
    problems = check_member(replace(siti, **change), index=1, today=TODAY)
    if expected.code == "pregnant.male":   # a man marked pregnant: no NIK to disagree
        problems = [p for p in problems if p.field != "nik"]
    assert problems == [expected]


def test_a_man_marked_pregnant_is_one_error_on_the_pregnant_field():
    problems = check_member(member(pregnant=True), index=0, today=TODAY)
    assert problems == [Problem("pregnant", E, "pregnant.male", MSG_PREGNANT, 0)]


def test_member_problems_found_in_the_household_check_point_to_the_members_row():
    """In the household check, a member's problems carry the row of that member, so the
    form can colour the right row (here the third, index 2)."""
    problems = household_problems(people=with_member(
        2, name="", birth_date=date(1900, 1, 1), religion="9x", nik="3523011708900000"))
    mine = [(p.field, p.severity, p.code, p.member) for p in problems]
    assert ("name", E, "name.empty", 2) in mine
    assert ("birth_date", E, "birth_date.too_old", 2) in mine
    assert ("religion", E, "code.unknown", 2) in mine
    assert ("nik", E, "nik.serial", 2) in mine
    assert all(p.member == 2 for p in problems)


def test_a_too_old_birth_date_found_alone_is_on_the_members_row():
    problems = check_member(member(born=date(1890, 5, 1), nik=None), index=3, today=TODAY)
    assert Problem("birth_date", E, "birth_date.too_old", MSG_BORN_TOO_OLD, 3) in problems


def test_a_nik_problem_is_on_the_members_row():
    """The NIK's own check (here a serial 0000) is shown on the NIK field of that row."""
    problems = check_member(member(nik="3523011403750000"), index=4, today=TODAY)
    assert [(p.field, p.severity, p.code, p.member) for p in problems] == \
        [("nik", E, "nik.serial", 4)]
    assert "0000" in problems[0].message


def test_a_member_checked_alone_has_no_row():
    """Outside a household (e.g. the member dialog), a problem names no row."""
    problems = check_member(member(name="", religion="77"), today=TODAY)
    assert {(p.code, p.member) for p in problems} == {("name.empty", None),
                                                      ("code.unknown", None)}


# --- dates: the day of the check is still allowed ------------------------------------------

def test_a_baby_born_today_can_be_registered():
    baby = member("BAYI", "P", TODAY, "3", serial=7)
    assert check_member(baby, today=TODAY) == []


def test_a_death_recorded_today_is_not_in_the_future():
    died = member(presence="2", presence_date=TODAY)
    assert check_member(died, today=TODAY) == []
    moved = member(presence="3", presence_date=date(2026, 11, 23))
    assert [p.code for p in check_member(moved, today=TODAY)] == ["presence_date.future"]


def test_the_member_check_is_made_as_of_the_day_asked():
    """Re-checking a record as of an earlier day: a birth after that day is in the future
    then, even though it is in the past now."""
    as_of = date(2010, 1, 1)
    child = member("ANAK", "L", date(2015, 6, 1), "3", serial=5)
    assert [p.code for p in check_member(child, today=as_of)] == ["birth_date.future"]
    assert check_member(child, today=date(2015, 6, 1)) == []


def test_the_nik_is_read_as_of_the_day_asked():
    """A NIK dated 29-02-00, checked on 1 January 2000, can be neither 29 February 2000
    (not yet come) nor 29 February 1900 (not a leap year): its date part is then not a
    real date, a warning on the NIK. From 29 February 2000 on it is a real date."""
    leap_day_nik = make_nik(kecamatan_code=KEC, birth_date=date(2000, 2, 29), sex="L", serial=3)
    boy = replace(member("ANAK", "L", date(2000, 2, 29), "3"), birth_date=None,
                  nik=leap_day_nik)
    [problem] = check_member(boy, index=0, today=date(2000, 1, 1))
    assert (problem.field, problem.severity, problem.code, problem.member) == \
        ("nik", W, "nik.date_nonexistent", 0)
    assert "290200" in problem.message
    assert check_member(boy, today=date(2000, 2, 29)) == []


def test_the_household_check_is_made_as_of_the_day_asked_for_every_member():
    as_of = date(2009, 1, 1)
    people = with_member(2, birth_date=date(2009, 6, 1), nik=None)   # born after as_of
    problems = household_problems(people=people, today=as_of)
    assert Problem("birth_date", E, "birth_date.future", MSG_BORN_FUTURE, 2) in problems


# --- the NIK against the member's sex ------------------------------------------------------

def test_a_mans_row_with_a_womans_nik_warns_of_a_sex_mismatch():
    womans_nik = make_nik(kecamatan_code=KEC, birth_date=date(1975, 3, 14), sex="P", serial=1)
    [problem] = check_member(member(nik=womans_nik), index=0, today=TODAY)
    assert (problem.field, problem.severity, problem.code, problem.member) == \
        ("nik", W, "nik.sex_mismatch", 0)
    assert "jenis kelamin P" in problem.message and "adalah L" in problem.message


def test_a_womans_row_with_a_mans_nik_warns_of_a_sex_mismatch():
    mans_nik = make_nik(kecamatan_code=KEC, birth_date=date(1979, 8, 21), sex="L", serial=2)
    woman = member("SITI AMINAH", "P", date(1979, 8, 21), "2", nik=mans_nik)
    [problem] = check_member(woman, index=1, today=TODAY)
    assert (problem.field, problem.severity, problem.code, problem.member) == \
        ("nik", W, "nik.sex_mismatch", 1)
    assert "jenis kelamin L" in problem.message and "adalah P" in problem.message


@pytest.mark.parametrize("sex", ["l", "p", "X"])
def test_an_invalid_sex_is_reported_on_the_sex_field_only(sex):
    """While the sex is not L or P, the NIK is not compared with it: the operator is told
    to choose the sex, and gets no NIK warning built on a sex that is not recorded."""
    womans_nik = make_nik(kecamatan_code=KEC, birth_date=date(1975, 3, 14), sex="P", serial=1)
    mans_nik = make_nik(kecamatan_code=KEC, birth_date=date(1975, 3, 14), sex="L", serial=1)
    for number in (womans_nik, mans_nik):
        problems = check_member(replace(member(), sex=sex, nik=number), index=0, today=TODAY)
        assert Problem("sex", E, "sex.invalid", MSG_SEX, 0) in problems
        assert {p.field for p in problems} == {"sex"}


# --- the NIK's region -----------------------------------------------------------------------

def test_a_nik_from_an_unknown_kecamatan_names_the_code_on_the_members_row():
    nik = make_nik(kecamatan_code="35.23.99", birth_date=date(1975, 3, 14), sex="L", serial=5)
    problems = check_member(member(nik=nik), index=2, today=TODAY)
    assert problems == [Problem("nik", W, "nik.kecamatan_unknown",
                                msg_unknown_kecamatan("35.23.99"), 2)]


def test_a_dtsen_placeholder_is_not_checked_against_the_kecamatan_list():
    child = member("ANAK", "P", date(2015, 1, 1), "3", nik="9999999999999995")
    assert check_member(child, today=TODAY) == []


# --- code lists (drop-downs) ----------------------------------------------------------------

def test_an_unknown_choice_is_an_error_that_quotes_the_value():
    problems = household_problems(dict(floor="99", family_status=None, roof=""))
    assert problems == [Problem("floor", E, "code.unknown", msg_unknown_code("99"))]


def test_empty_choices_are_simply_not_filled_in():
    """An empty drop-down (None or "") is not a problem; a later unknown choice after an
    empty one is still found."""
    assert household_problems(dict(family_status="", lighting=None, roof="")) == []
    problems = household_problems(dict(family_status=None, sewage_disposal="42"))
    assert problems == [Problem("sewage_disposal", E, "code.unknown", msg_unknown_code("42"))]
    person = member(religion="", marital_status=None, chronic_illness="x")
    assert check_member(person, index=0, today=TODAY) == [
        Problem("chronic_illness", E, "code.unknown", msg_unknown_code("x"), 0)]


# --- the household's own fields --------------------------------------------------------------

def test_a_missing_kk_number_is_a_warning_on_the_kk_field():
    for no_kk in (None, "", "   "):
        assert household_problems(dict(no_kk=no_kk)) == [
            Problem("no_kk", W, "kk.missing", MSG_NO_KK)]


def test_a_wrong_kk_number_is_shown_on_the_kk_field():
    problems = household_problems(dict(no_kk="352301020615004"))
    assert problems == [Problem(
        "no_kk", E, "kk.length",
        "Nomor KK berisi 15 digit, padahal harus tepat 16 digit. Periksa kembali sesuai kartu.")]


def test_a_kk_recorded_after_the_day_of_the_check_is_a_warning():
    """Checked as of 1 March 2020, a KK recorded on 15 June 2020 is dated in the future:
    a warning on the No KK (it may be a typing mistake in the date digits)."""
    kk = make_kk(kecamatan_code=KEC, recorded=date(2020, 6, 15), serial=44)
    problems = household_problems(dict(no_kk=kk), today=date(2020, 3, 1))
    assert problems == [Problem(
        "no_kk", W, "kk.date_future",
        "Tanggal pencatatan pada KK (15-06-2020) berada di masa depan. Periksa digit ke-7 "
        "sampai ke-12 sesuai kartu.")]
    assert household_problems(dict(no_kk=kk), today=date(2020, 6, 15)) == []


@pytest.mark.parametrize("name", ["rt", "rw"])
@pytest.mark.parametrize("value, ok", [
    (None, True), ("", True), ("7", True), ("007", True), ("999", True),
    ("1000", False), ("0001", False), ("1a", False), ("١٢", False), ("-1", False),
])
def test_rt_and_rw_are_empty_or_numbers_of_at_most_three_digits(name, value, ok):
    problems = household_problems({name: value})
    assert problems == ([] if ok else [Problem(name, E, "area.invalid", MSG_AREA)])


@pytest.mark.parametrize("area, ok", [
    (1.0, True), (36.0, True), (9999.0, True), (36.5, True),
    (0.0, False), (0.5, False), (-5.0, False), (9999.5, False), (10000.0, False),
    (10000.5, False), (25000.0, False),
])
def test_the_floor_area_is_between_1_and_9999_square_metres(area, ok):
    problems = household_problems(dict(floor_area=area))
    assert problems == ([] if ok else
                        [Problem("floor_area", E, "floor_area.invalid", MSG_FLOOR_AREA)])


@pytest.mark.parametrize("lat, lon", [
    (-6.91, 111.95), (0.0, 0.0), (-90.0, -180.0), (90.0, 180.0), (5.9, 95.3),
])
def test_a_position_in_decimal_degrees_is_accepted(lat, lon):
    assert household_problems(dict(latitude=lat, longitude=lon)) == []


@pytest.mark.parametrize("change, bad", [
    (dict(latitude=90.01, longitude=111.95), ["latitude"]),
    (dict(latitude=-90.01, longitude=111.95), ["latitude"]),
    (dict(latitude=-6.91, longitude=180.01), ["longitude"]),
    (dict(latitude=-6.91, longitude=-180.01), ["longitude"]),
    (dict(latitude=-691.0, longitude=11195.0), ["latitude", "longitude"]),  # lost the point
])
def test_a_position_outside_the_globe_is_an_error_on_that_coordinate(change, bad):
    assert household_problems(change) == [Problem(name, E, "position.invalid", MSG_POSITION)
                                          for name in bad]


# --- the family as a whole: shown on the members list ---------------------------------------

def test_a_household_without_members_cannot_be_saved():
    assert household_problems(dict(no_kk=None), people=[]) == [
        Problem("no_kk", W, "kk.missing", MSG_NO_KK),
        Problem("members", E, "members.empty", MSG_NO_MEMBERS)]


def test_a_household_without_a_head_says_so_on_the_members_list():
    problems = household_problems(people=with_member(0, relationship_code="5"))
    assert problems == [Problem("members", E, "head.missing", MSG_NO_HEAD)]


@pytest.mark.parametrize("heads", [2, 3])
def test_a_household_with_several_heads_says_how_many(heads):
    _, people = family()
    for i in range(1, heads):
        people[i] = replace(people[i], relationship_code="1")
    assert household_problems(people=people) == [
        Problem("members", E, "head.multiple", msg_heads(heads))]


def test_two_members_without_a_nik_are_not_a_duplicate():
    """Members whose NIK is not known yet each get the 'no NIK' warning on their own row;
    having no NIK twice is not 'the same NIK twice'."""
    people = with_member(1, nik=None)
    people[2] = replace(people[2], nik=None)
    problems = household_problems(people=people)
    assert problems == [Problem("nik", W, "nik.missing", MSG_NO_NIK, 1),
                        Problem("nik", W, "nik.missing", MSG_NO_NIK, 2)]


def test_a_nik_given_twice_is_an_error_on_the_later_members_row():
    _, people = family()
    twin = replace(people[1], name="SITI AMINAH KEMBAR")
    people.append(twin)   # index 3, same NIK as index 1
    problems = household_problems(people=people)
    assert problems == [Problem("nik", E, "nik.duplicate_in_household", MSG_DUPLICATE_NIK, 3)]
    people.append(replace(twin, name="SITI KETIGA"))   # a third time: index 4 too
    assert [p.member for p in household_problems(people=people)] == [3, 4]
