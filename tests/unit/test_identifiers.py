"""Tests for puskesos.core.identifiers (NIK and No. KK checks)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from puskesos.core.identifiers import (
    PLACEHOLDER_KINDS,
    PLACEHOLDER_NIKS,
    PROVINCE_CODES,
    CheckResult,
    KkInfo,
    NikInfo,
    Severity,
    check_kk,
    check_nik,
    make_kk,
    make_nik,
    mask_nik,
    nik_birth,
    nik_region_prefix,
    normalize_number,
    parse_nik,
    placeholder_description,
    well_formed,
)

TODAY = date(2025, 6, 1)
# A man born 17-08-1990 and a woman born 01-09-1990, both registered in 35.23.01.
MAN = "3523011708900001"
WOMAN = "3523014109900002"
KK = "3523011502150003"  # recorded 15-02-2015
REAL_KECAMATAN = ["11.01.01", "32.73.01", "35.23.01", "51.71.01", "64.72.01"]


def codes(result: CheckResult) -> list[str]:
    return [issue.code for issue in result.issues]


def warning_codes(result):
    return [i.code for i in result.issues if i.severity is Severity.WARNING]


def error_codes(result: CheckResult) -> list[str]:
    return [issue.code for issue in result.errors]


# --- normalisation --------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    (None, ""),
    ("", ""),
    (3523011708900001, MAN),
    ("  3523 0117\t0890 0001\n", MAN),
    ("3523\u00a001170890\u00a00001", MAN),  # non-breaking spaces
    ("'3523011708900001", MAN),  # Excel text marker
    (" '3523011708900001", MAN),
    ("''35", "'35"),  # only one leading apostrophe is a marker
    ("35.23.01-1708900001", "35.23.01-1708900001"),  # separators are kept
    ("35'23", "35'23"),
])
def test_normalize_number(raw, expected):
    assert normalize_number(raw) == expected


@pytest.mark.parametrize("mark", ["\u2018", "\u2019", "`"],
                         ids=["left-quote", "right-quote", "backtick"])
def test_a_nik_typed_on_a_phone_with_its_text_marker_is_accepted_in_the_form(mark):
    """A NIK pasted into the member form with the curly quote or backtick a phone types
    for Excel's apostrophe is the same number the import would read, not 'not digits'."""
    result = check_nik(f"{mark}3523011708900001", today=TODAY)
    assert result.ok and result.value == MAN
    assert normalize_number(f"{mark}{mark}35") == f"{mark}35"  # only the first is a marker


def test_apostrophe_and_spaces_pass_check():
    result = check_nik(" '3523 0117 0890 0001 ", today=TODAY)
    assert result.ok and result.issues == ()
    assert result.value == MAN


# --- valid NIKs -----------------------------------------------------------------------------

def test_valid_nik_man():
    result = check_nik(MAN, today=TODAY)
    assert result.ok and result.issues == () and result.warnings == ()
    assert result.info == NikInfo(
        nik=MAN, province="35", kabupaten="35.23", kecamatan="35.23.01",
        birth_date=date(1990, 8, 17), sex="L", serial="0001", placeholder=None)


def test_woman_day_plus_40_round_trips():
    info = parse_nik(WOMAN, today=TODAY)
    assert info.sex == "P"
    assert info.birth_date == date(1990, 9, 1)
    built = make_nik(kecamatan_code="35.23.01", birth_date=date(1990, 9, 1), sex="P", serial=2)
    assert built == WOMAN


def test_default_today_is_used():
    assert check_nik(MAN).ok


# --- NIK errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [None, "", "   ", "'", "\u00a0\t"])
def test_empty(raw):
    result = check_nik(raw)
    assert error_codes(result) == ["nik.empty"]
    assert result.info is None and not result.ok


@pytest.mark.parametrize("raw", ["352301170890000A", "35230117089O0001", "3523-0117-0890-0001",
                                 "3523011708900001.0", "\u0663523011708900001"])
def test_nondigit(raw):
    result = check_nik(raw)
    assert error_codes(result) == ["nik.nondigit"]
    assert raw.strip() in result.errors[0].message


@pytest.mark.parametrize("raw", ["3.52301E+15", "3,52301E+15", "3.52301e15", "3523E+12",
                                 " '3.52301170890E+15"])
def test_excel_scientific_notation(raw):
    result = check_nik(raw)
    assert error_codes(result) == ["nik.excel"]
    assert check_kk(raw).errors[0].code == "kk.excel"


@pytest.mark.parametrize(("raw", "count"), [(MAN[:15], 15), (MAN + "1", 17), ("1", 1)])
def test_length(raw, count):
    result = check_nik(raw)
    assert error_codes(result) == ["nik.length"]
    message = result.errors[0].message
    assert str(count) in message and "16" in message


@pytest.mark.parametrize("province", ["00", "10", "20", "37", "54", "90", "97", "99"])
def test_unknown_province(province):
    result = check_nik(province + MAN[2:], today=TODAY)
    assert error_codes(result) == ["nik.province"]
    assert province in result.errors[0].message


def test_all_38_provinces_accepted():
    assert len(PROVINCE_CODES) == 38
    for code in PROVINCE_CODES:
        assert check_nik(code + MAN[2:], today=TODAY).ok, code


@pytest.mark.parametrize("prefix", ["350001", "352300", "350000"])
def test_region_zero_parts(prefix):
    result = check_nik(prefix + MAN[6:], today=TODAY)
    assert error_codes(result) == ["nik.region"]


@pytest.mark.parametrize("ddmmyy", [
    "000190",  # day 00
    "320190",  # day 32
    "400190",  # day 40 (neither man nor woman)
    "720190",  # woman's day 32
    "150090",  # month 00
    "151390",  # month 13
])
def test_impossible_birth_date(ddmmyy):
    result = check_nik("352301" + ddmmyy + "0001", today=TODAY)
    assert error_codes(result) == ["nik.date"]
    assert ddmmyy in result.errors[0].message
    assert result.info is None


@pytest.mark.parametrize("ddmmyy, sex", [
    ("310490", "L"),  # 31 April
    ("710490", "P"),  # woman, 31 April
    ("290201", "L"),  # 29 Feb 2001 / 1901: not leap years
])
def test_calendar_date_that_does_not_exist_is_only_a_warning(ddmmyy, sex):
    # Such cards exist and the NIK is never changed (PP 37/2007): the person must
    # still be recordable, so this is a warning and no date is derived.
    result = check_nik("352301" + ddmmyy + "0001", birth_date=date(1990, 4, 30), today=TODAY)
    assert result.ok
    assert [(i.severity, i.code) for i in result.issues] == [
        (Severity.WARNING, "nik.date_nonexistent")]
    assert result.info.birth_date is None and result.info.sex == sex


def test_serial_0000():
    result = check_nik(MAN[:12] + "0000", today=TODAY)
    assert error_codes(result) == ["nik.serial"]


def test_several_errors_reported_together():
    result = check_nik("9900003213900000", today=TODAY)
    assert set(error_codes(result)) == {"nik.province", "nik.region", "nik.date", "nik.serial"}


# --- dates: leap years and the two-digit year --------------------------------------------------

def test_feb_29_leap_years():
    assert parse_nik("3523012902040001", today=TODAY).birth_date == date(2004, 2, 29)
    assert parse_nik("3523016902040001", today=TODAY).birth_date == date(2004, 2, 29)
    assert parse_nik("3523012902000001", today=TODAY).birth_date == date(2000, 2, 29)
    assert parse_nik("3523012902960001", today=TODAY).birth_date == date(1996, 2, 29)
    assert warning_codes(check_nik("3523012902030001", today=TODAY)) == ["nik.date_nonexistent"]


def test_two_digit_year_prefers_20yy_when_not_future():
    assert parse_nik("3523010106250001", today=TODAY).birth_date == date(2025, 6, 1)
    assert parse_nik("3523010206250001", today=TODAY).birth_date == date(1925, 6, 2)
    assert parse_nik("3523010107240001", today=TODAY).birth_date == date(2024, 7, 1)
    assert parse_nik("3523010101990001", today=TODAY).birth_date == date(1999, 1, 1)


@pytest.mark.parametrize("sex", ["L", "P"])
def test_a_nik_dated_today_is_a_baby_born_today_not_someone_born_a_century_ago(sex):
    """A baby registered on its birth day has today's date in its NIK (a girl: day + 40).
    The full check and the import's quick reading (nik_birth) both read it as born
    today; only a date after today is read as the same day a hundred years ago."""
    nik = make_nik(kecamatan_code="35.23.01", birth_date=TODAY, sex=sex, serial=7)
    full = check_nik(nik, birth_date=TODAY, sex=sex, today=TODAY)
    assert full.issues == () and (full.info.birth_date, full.info.sex) == (TODAY, sex)
    assert well_formed(nik)
    assert nik_birth(nik, TODAY) == (TODAY, sex)
    tomorrow = TODAY + timedelta(days=1)
    later = make_nik(kecamatan_code="35.23.01", birth_date=tomorrow, sex=sex, serial=7)
    a_century_ago = tomorrow.replace(year=tomorrow.year - 100)
    assert nik_birth(later, TODAY) == (a_century_ago, sex)
    assert check_nik(later, today=TODAY).info.birth_date == a_century_ago


def test_feb_29_future_in_20yy_falls_back_to_leap_19yy():
    # 29-02-2024 is after 1 Jan 2024, but 1924 was a leap year too.
    assert parse_nik("3523012902240001", today=date(2024, 1, 1)).birth_date == date(1924, 2, 29)
    # 29-02-2028 is in the future and 1928 was a leap year.
    assert parse_nik("3523012902280001", today=TODAY).birth_date == date(1928, 2, 29)
    # 29-02-2000 is in the future for a 1999 "today"; 1900 was not a leap year.
    assert warning_codes(check_nik("3523012902000001", today=date(1999, 12, 31))) == [
        "nik.date_nonexistent"]


# --- warnings against the recorded birth date and sex ------------------------------------------

def test_dob_mismatch_is_a_warning():
    result = check_nik(MAN, birth_date=date(1990, 8, 18), today=TODAY)
    assert result.ok
    assert [(i.severity, i.code) for i in result.issues] == [(Severity.WARNING, "nik.dob_mismatch")]
    assert "17-08-1990" in result.warnings[0].message
    assert "18-08-1990" in result.warnings[0].message
    assert result.info.birth_date == date(1990, 8, 17)  # the NIK's date, not the recorded one


@pytest.mark.parametrize("recorded", [date(1990, 9, 17), date(1991, 8, 17), date(2080, 8, 17)])
def test_dob_mismatch_day_month_year(recorded):
    assert codes(check_nik(MAN, birth_date=recorded, today=TODAY)) == ["nik.dob_mismatch"]


def test_dob_same_two_digit_year_is_no_mismatch():
    assert check_nik(MAN, birth_date=date(1990, 8, 17), today=TODAY).issues == ()
    # The century is not in the NIK, so only the two-digit year is compared.
    assert check_nik(MAN, birth_date=date(2090, 8, 17), today=TODAY).issues == ()
    assert check_nik(WOMAN, birth_date=date(1990, 9, 1), sex="P", today=TODAY).issues == ()


@pytest.mark.parametrize(("nik", "sex"), [(MAN, "P"), (MAN, "p"), (WOMAN, "L"), (WOMAN, " l ")])
def test_sex_mismatch_is_a_warning(nik, sex):
    result = check_nik(nik, sex=sex, today=TODAY)
    assert result.ok
    assert [(i.severity, i.code) for i in result.issues] == [(Severity.WARNING, "nik.sex_mismatch")]


@pytest.mark.parametrize("sex", [None, "", "X", "laki-laki"])
def test_unknown_sex_is_not_compared(sex):
    assert check_nik(WOMAN, sex=sex, today=TODAY).issues == ()


def test_both_warnings():
    result = check_nik(WOMAN, birth_date=date(1991, 9, 1), sex="L", today=TODAY)
    assert codes(result) == ["nik.dob_mismatch", "nik.sex_mismatch"]


def test_no_mismatch_warnings_on_invalid_date():
    result = check_nik("3523013213900001", birth_date=date(1990, 1, 1), sex="P", today=TODAY)
    assert codes(result) == ["nik.date"]


# --- placeholders ---------------------------------------------------------------------------

@pytest.mark.parametrize(("nik", "kind"), [
    ("9999999999999995", "no_nik_under_17"),
    ("9999999999999996", "no_nik_17_or_older"),
    ("9999999999999999", "foreign_national"),
    ("9999999999999994", "refused"),
])
def test_placeholders(nik, kind):
    result = check_nik(" " + nik, birth_date=date(1990, 1, 1), sex="P", today=TODAY)
    assert result.ok and result.issues == ()
    assert result.info.placeholder == kind
    assert result.info.birth_date is None and result.info.sex is None
    assert parse_nik(nik).placeholder == kind
    assert PLACEHOLDER_KINDS[nik] == kind
    assert placeholder_description(nik)


def test_placeholder_tables_agree():
    assert set(PLACEHOLDER_NIKS) == set(PLACEHOLDER_KINDS)
    assert placeholder_description(MAN) is None


@pytest.mark.parametrize("nik", ["9999999999999998", "9999999999999990", "9999999999999997"])
def test_other_nines_are_not_placeholders(nik):
    assert "nik.province" in error_codes(check_nik(nik, today=TODAY))


# --- parse, mask, region ----------------------------------------------------------------------

def test_parse_nik_raises_with_message():
    with pytest.raises(ValueError) as excinfo:
        parse_nik(MAN[:15])
    assert str(excinfo.value) == check_nik(MAN[:15]).errors[0].message


@pytest.mark.parametrize(("raw", "masked"), [
    (MAN, "3523**********01"),
    (" '" + WOMAN, "3523**********02"),
    (3523011708900001, "3523**********01"),
    ("", ""),
    (None, ""),
    ("1234", "****"),
    ("35230117089", "***********"),
    # from 12 characters on the region and the last two show (a mistyped, short NIK
    # in a list can still be told apart); six or more are always hidden
    ("352301170890", "3523******90"),
])
def test_mask_nik(raw, masked):
    assert mask_nik(raw) == masked


def test_nik_region_prefix():
    assert nik_region_prefix(MAN) == "35.23.01"
    assert nik_region_prefix("'352301") == "35.23.01"
    with pytest.raises(ValueError):
        nik_region_prefix("3523")
    with pytest.raises(ValueError):
        nik_region_prefix("35.23.01")


@pytest.mark.parametrize("kwargs", [
    dict(kecamatan_code="35.23", birth_date=date(1990, 1, 1), sex="L", serial=1),
    dict(kecamatan_code="35.23.0A", birth_date=date(1990, 1, 1), sex="L", serial=1),
    dict(kecamatan_code="35.23.01", birth_date=date(1990, 1, 1), sex="W", serial=1),
    dict(kecamatan_code="35.23.01", birth_date=date(1990, 1, 1), sex="L", serial=0),
    dict(kecamatan_code="35.23.01", birth_date=date(1990, 1, 1), sex="L", serial=10000),
])
def test_make_nik_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        make_nik(**kwargs)


def test_make_nik_accepts_undotted_code():
    assert make_nik(kecamatan_code="352301", birth_date=date(1990, 8, 17), sex="L", serial=1) == MAN


# --- No. KK ---------------------------------------------------------------------------------

def test_valid_kk():
    result = check_kk(KK, today=TODAY)
    assert result.ok and result.issues == ()
    assert result.info == KkInfo(kk=KK, province="35", kabupaten="35.23", kecamatan="35.23.01",
                                 recorded=date(2015, 2, 15), serial="0003")
    assert make_kk(kecamatan_code="35.23.01", recorded=date(2015, 2, 15), serial=3) == KK


def test_kk_has_no_plus_40():
    assert error_codes(check_kk("3523014502150003", today=TODAY)) == ["kk.date"]


@pytest.mark.parametrize("ddmmyy", ["001015", "321015", "150015", "151315"])
def test_kk_impossible_day_or_month_is_error(ddmmyy):
    result = check_kk("352301" + ddmmyy + "0001", today=TODAY)
    assert error_codes(result) == ["kk.date"]
    assert result.info is None


@pytest.mark.parametrize("ddmmyy", ["310415", "300215", "290215"])
def test_kk_nonexistent_day_is_warning(ddmmyy):
    result = check_kk("352301" + ddmmyy + "0001", today=TODAY)
    assert result.ok
    assert [(i.severity, i.code) for i in result.issues] == [
        (Severity.WARNING, "kk.date_nonexistent")]
    assert result.info.recorded is None


def test_kk_feb_29_leap_year():
    assert check_kk("3523012902160001", today=TODAY).info.recorded == date(2016, 2, 29)


def test_kk_future_date_is_warning():
    result = check_kk("3523011506250001", today=TODAY)
    assert result.ok
    assert [(i.severity, i.code) for i in result.issues] == [(Severity.WARNING, "kk.date_future")]
    assert result.info.recorded == date(2025, 6, 15)
    assert check_kk("3523010106250001", today=TODAY).issues == ()


def test_kk_old_century():
    assert check_kk("3523010101980001", today=TODAY).info.recorded == date(1998, 1, 1)


@pytest.mark.parametrize(("raw", "code"), [
    ("", "kk.empty"),
    (None, "kk.empty"),
    ("35230115021500O3", "kk.nondigit"),
    ("3.52301E+15", "kk.excel"),
    (KK[:-1], "kk.length"),
    ("99" + KK[2:], "kk.province"),
    ("350001" + KK[6:], "kk.region"),
    (KK[:12] + "0000", "kk.serial"),
])
def test_kk_errors(raw, code):
    assert error_codes(check_kk(raw, today=TODAY)) == [code]


def test_kk_placeholder_is_not_accepted():
    assert not check_kk("9999999999999995", today=TODAY).ok


# --- properties -----------------------------------------------------------------------------

NIK_BIRTH_DATES = st.dates(min_value=max(date(1930, 1, 1), date(TODAY.year - 99, 1, 1)),
                           max_value=TODAY)
KK_DATES = st.dates(min_value=max(date(1990, 1, 1), date(TODAY.year - 99, 1, 1)),
                    max_value=TODAY)
KECAMATAN = st.sampled_from(REAL_KECAMATAN)
SERIALS = st.integers(min_value=1, max_value=9999)
# Whitespace and zero-width characters are removed by normalisation, so leave them out.
NOT_A_DIGIT = st.characters().filter(
    lambda c: not c.isspace() and c not in "0123456789\u200b\u200c\u200d\u2060\ufeff")


@given(KECAMATAN, NIK_BIRTH_DATES, st.sampled_from(["L", "P"]), SERIALS)
def test_made_nik_is_valid(kecamatan, born, sex, serial):
    nik = make_nik(kecamatan_code=kecamatan, birth_date=born, sex=sex, serial=serial)
    assert len(nik) == 16
    result = check_nik(nik, birth_date=born, sex=sex, today=TODAY)
    assert result.issues == ()
    info = parse_nik(nik, today=TODAY)
    assert (info.birth_date, info.sex, info.kecamatan) == (born, sex, kecamatan)
    assert info.serial == f"{serial:04d}"
    assert mask_nik(nik) == nik[:4] + "*" * 10 + nik[-2:]


@given(st.from_regex(r"\A[0-9]{12}0000\Z"))
def test_serial_0000_is_always_an_error(number):
    assert not check_nik(number, today=TODAY).ok
    assert "nik.serial" in error_codes(check_nik(number, today=TODAY))
    assert "kk.serial" in error_codes(check_kk(number, today=TODAY))


@given(st.from_regex(r"\A[0-9]{0,16}\Z"), NOT_A_DIGIT, st.data())
def test_any_non_digit_is_an_error(digits, char, data):
    position = data.draw(st.integers(min_value=1, max_value=len(digits) + 1))
    text = "1" + digits
    text = text[:position] + char + text[position:]
    assert not check_nik(text, today=TODAY).ok
    assert not check_kk(text, today=TODAY).ok


@given(st.one_of(st.text(), st.integers(), st.none(), st.from_regex(r"\A[0-9]{16}\Z")),
       st.one_of(st.none(), st.dates()), st.one_of(st.none(), st.text()))
def test_check_never_raises(raw, born, sex):
    nik = check_nik(raw, birth_date=born, sex=sex, today=TODAY)
    kk = check_kk(raw, today=TODAY)
    for result in (nik, kk):
        assert isinstance(result, CheckResult)
        assert result.ok == (not result.errors)
        assert all(issue.message for issue in result.issues)
        assert (result.info is None) == (not result.ok)
    assert isinstance(mask_nik(raw), str)


@given(st.from_regex(r"\A(11|32|35|51|64|94)[0-9]{14}\Z"))
def test_valid_nik_rebuilds_from_its_parts(number):
    result = check_nik(number, today=TODAY)
    if result.ok and result.info.birth_date is not None:
        info = result.info
        rebuilt = make_nik(kecamatan_code=info.kecamatan, birth_date=info.birth_date,
                           sex=info.sex, serial=int(info.serial))
        assert rebuilt == number
        assert info.birth_date <= TODAY


@given(KECAMATAN, KK_DATES, SERIALS)
def test_made_kk_is_valid(kecamatan, recorded, serial):
    kk = make_kk(kecamatan_code=kecamatan, recorded=recorded, serial=serial)
    result = check_kk(kk, today=TODAY)
    assert result.issues == ()
    assert (result.info.recorded, result.info.kecamatan) == (recorded, kecamatan)
    assert result.info.serial == f"{serial:04d}"


@given(KECAMATAN, st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2099, 12, 31)),
       SERIALS)
def test_future_kk_in_this_year_warns(kecamatan, recorded, serial):
    kk = make_kk(kecamatan_code=kecamatan, recorded=recorded, serial=serial)
    result = check_kk(kk, today=TODAY)
    assert result.ok
    if recorded.year == TODAY.year:
        assert codes(result) == ["kk.date_future"]
    else:  # a later two-digit year is read as 19YY
        assert result.info.recorded == recorded.replace(year=recorded.year - 100)


# --- what each message tells the operator -------------------------------------------------
MSG_TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("raw, code, shown", [
    ("", "nik.empty", ["NIK"]),
    ("3.52301E+15", "nik.excel", ["NIK", '"3.52301E+15"']),
    ("35230117089000x1", "nik.nondigit", ["NIK", '"35230117089000x1"']),
    ("352301170890001", "nik.length", ["NIK", "15 digit"]),
    ("9923011708900001", "nik.province", ["NIK", "diawali 99,"]),
    ("3500011708900001", "nik.region", ["NIK", "35.00.01"]),
    ("3523011708900000", "nik.serial", ["NIK", "0000"]),
    ("3523013102900001", "nik.date_nonexistent", ["NIK (310290)"]),
    ("3523013213900001", "nik.date", ["NIK (321390)"]),
])
def test_each_nik_message_names_the_number_and_the_digits_to_check(raw, code, shown):
    """The operator reads which number is wrong and what in it: 'NIK', the value as
    typed, the digit count or the digits concerned, never a blank or 'None'."""
    result = check_nik(raw, today=MSG_TODAY)
    [issue] = result.issues
    assert issue.code == code
    for text in shown:
        assert text in issue.message, (text, issue.message)
    assert "None" not in issue.message and "KK" not in issue.message.replace("NIK", "")


@pytest.mark.parametrize("raw, code, shown", [
    ("", "kk.empty", ["KK"]),
    ("352301170830000", "kk.length", ["KK", "15 digit"]),
    ("9923011708300001", "kk.province", ["KK", "diawali 99,"]),
    ("3523013102150001", "kk.date_nonexistent", ["KK (310215)"]),
    ("3523013213150001", "kk.date", ["KK (321315)"]),
])
def test_each_kk_message_says_kk_and_the_digits(raw, code, shown):
    result = check_kk(raw, today=MSG_TODAY)
    assert [i.code for i in result.issues] == [code]
    for text in shown:
        assert text in result.issues[0].message, (text, result.issues[0].message)
    assert "NIK" not in result.issues[0].message and "None" not in result.issues[0].message


def test_a_kk_recorded_in_the_future_says_the_date_in_full():
    result = check_kk("3523011712260001", today=MSG_TODAY)  # 17-12-2026, next month
    [issue] = result.issues
    assert issue.code == "kk.date_future" and "17-12-2026" in issue.message


def test_a_mismatch_message_shows_both_dates_and_both_sexes():
    result = check_nik("3523011708900001", birth_date=date(1990, 8, 18), sex=" p ",
                       today=MSG_TODAY)
    messages = {i.code: i.message for i in result.issues}
    assert "(17-08-1990)" in messages["nik.dob_mismatch"]
    assert "(18-08-1990)" in messages["nik.dob_mismatch"]
    assert "kelamin L," in messages["nik.sex_mismatch"]
    assert "adalah P." in messages["nik.sex_mismatch"]


@pytest.mark.parametrize("raw", ["3.52301E+15", "352301170890001", "3523013102900001",
                                 "9999999999999999", " '3523011708900001",
                                 "9923011708900001", "3523013213900001"])
def test_the_checked_value_is_the_cleaned_number_even_when_it_is_wrong(raw):
    """The form shows back what was checked: the cleaned text, also for a refused number."""
    result = check_nik(raw, today=MSG_TODAY)
    assert result.value == raw.strip().lstrip("'")
    assert check_kk(raw, today=MSG_TODAY).value == raw.strip().lstrip("'")


def test_a_placeholder_nik_keeps_its_number_and_serial():
    result = check_nik("9999999999999999", today=MSG_TODAY)
    assert result.ok and result.info.nik == "9999999999999999"
    assert result.info.serial == "9999" and result.info.placeholder


def _names(message: str, word: str) -> bool:
    return re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", message) is not None


@pytest.mark.parametrize("raw", ["", "3.52301E+15", "35230117089000x1", "352301170890001",
                                 "9923011708900001", "3500011708900001", "3523011708900000"])
def test_a_shape_message_calls_the_number_nik_or_kk_by_its_name(raw):
    """The operator reads "NIK" or "KK" as a word, as on the card."""
    [nik_issue] = check_nik(raw, today=MSG_TODAY).errors
    [kk_issue] = check_kk(raw, today=MSG_TODAY).errors
    assert _names(nik_issue.message, "NIK") and not _names(nik_issue.message, "KK")
    assert _names(kk_issue.message, "KK") and not _names(kk_issue.message, "NIK")


@pytest.mark.parametrize("number", [MAN, WOMAN, KK, "9923011708900001", "3500011708900001",
                                    "3523001708900001", "3523011708900000", "352301170890001",
                                    "35230117089000011", "35230117089000x1", "9999999999999995"])
def test_well_formed_is_true_exactly_when_the_check_finds_no_shape_error(number):
    """The member form proposes the birth date and sex from a well-formed NIK only; a
    number the check refuses for its shape (or a placeholder) proposes nothing."""
    shape = {"nik.empty", "nik.excel", "nik.nondigit", "nik.length", "nik.province",
             "nik.region", "nik.serial"}
    result = check_nik(number, today=MSG_TODAY)
    refused = result.info is not None and result.info.placeholder or \
        any(i.code in shape for i in result.issues)
    assert well_formed(number) is not refused
