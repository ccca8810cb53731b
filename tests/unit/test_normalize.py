"""Tests for puskesos.core.normalize: reading single spreadsheet cells."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, strategies as st

from puskesos import i18n
from puskesos.core.identifiers import check_nik
from puskesos.core.normalize import (
    EXCEL_MAX_SERIAL,
    MAX_YEAR,
    MIN_YEAR,
    date_cell,
    display_text,
    excel_serial_to_date,
    identifier_cell,
    int_cell,
    name_cell,
    sex_cell,
    text_cell,
)

NIK = "3523011708900001"          # a man born 17-08-1990 in 35.23.01
EPOCH = date(1899, 12, 30)        # Excel serial n (n >= 61) is EPOCH + n days


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source strings; the catalog may translate them later."""
    i18n.set_language("en")


# --- identifier_cell --------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [
    NIK,
    f"  {NIK}  ",
    f"\u00a0{NIK}\t",
    f"'{NIK}",
    f" '{NIK} ",
    "3523 0117 0890 0001",
    f"\u200b{NIK}",
    3523011708900001.0,           # a number that round-trips exactly
    3523011708900001,
    f"{NIK}.0",                   # a float written out as text by another program
])
def test_identifier_cell_accepts_text_and_exact_numbers(cell):
    assert identifier_cell(cell) == (NIK, None)


@pytest.mark.parametrize("mark", ["'", "\u2018", "\u2019", "`"],
                         ids=["apostrophe", "left-quote", "right-quote", "backtick"])
def test_the_text_marker_typed_on_a_phone_is_not_part_of_the_nik(mark):
    """Excel's text marker ' comes out of a phone keyboard as a curly quote (‘ or ’)
    or a backtick: before a NIK it is dropped like the plain one, so the cell reads as
    the real 16 digits and check_nik finds nothing wrong with them."""
    assert identifier_cell(mark + NIK) == (NIK, None)
    assert identifier_cell(f" {mark}{NIK} ") == (NIK, None)
    assert identifier_cell(mark + NIK, kind="No KK") == (NIK, None)
    assert check_nik(identifier_cell(mark + NIK)[0]).ok


@pytest.mark.parametrize("cell", ["", "   ", "\u00a0", "'", None])
def test_identifier_cell_empty(cell):
    assert identifier_cell(cell) == (None, None)


def test_identifier_cell_refuses_a_16_digit_number_that_excel_rounded():
    # Given the NIK typed into a General cell: Excel keeps 15 digits, the 16th becomes 0
    text, error = identifier_cell(3523011708900000.0)
    # Then the digits are not taken, and the message says what happened and what to do
    assert text is None
    assert "3523011708900000" in error
    assert "15 digits" in error
    assert "Text" in error


def test_identifier_cell_refuses_numbers_above_2_53():
    # 9171… (Papua) cannot be held exactly by a float: odd numbers do not exist there
    text, error = identifier_cell(9171011708900003.0)
    assert text is None and "15 digits" in error


@pytest.mark.parametrize("cell", ["3,52301E+15", "3.52301E+15", "3.52301e15", " 3,52301E+15 "])
def test_identifier_cell_refuses_scientific_notation(cell):
    text, error = identifier_cell(cell)
    assert text is None
    assert "damaged by Excel" in error
    assert cell.strip() in error


@pytest.mark.parametrize("cell", [3.5, -3523011708900001.0, float("nan"), float("inf"), True,
                                  date(2020, 1, 1), datetime(2020, 1, 1, 10, 0), time(10, 0),
                                  timedelta(days=2)])
def test_identifier_cell_refuses_cells_that_are_no_identifier(cell):
    text, error = identifier_cell(cell)
    assert text is None and error


def test_identifier_cell_names_the_kind_in_its_message():
    assert "No KK" in identifier_cell(3523011502150000.0, kind="No KK")[1]


def test_identifier_cell_leaves_structure_to_check_nik():
    # a short number or letters are the importer's business (check_nik), not the cell's
    assert identifier_cell("12345") == ("12345", None)
    assert identifier_cell("35230117O8900001") == ("35230117O8900001", None)
    assert identifier_cell(12.0) == ("12", None)


@given(st.from_regex(r"[1-9][0-9]{15}", fullmatch=True),
       st.sampled_from(["", " ", "\t", "\u00a0", "  \u00a0"]),
       st.sampled_from(["", " ", "\t", "\u00a0"]),
       st.booleans())
def test_identifier_text_round_trips(nik, before, after, apostrophe):
    cell = before + ("'" if apostrophe else "") + nik + after
    assert identifier_cell(cell) == (nik, None)


@given(st.integers(min_value=10 ** 15, max_value=2 ** 53).filter(lambda n: n % 10))
def test_identifier_exact_numbers_round_trip(number):
    assert identifier_cell(float(number)) == (str(number), None)
    assert identifier_cell(number) == (str(number), None)


@given(st.integers(min_value=10 ** 14, max_value=10 ** 15 - 1))
def test_identifier_16_digit_numbers_ending_in_zero_are_damaged(fifteen):
    text, error = identifier_cell(float(fifteen * 10))
    assert text is None and error


ANY_CELL = st.one_of(
    st.none(), st.text(), st.integers(), st.floats(), st.booleans(),
    st.dates(), st.datetimes(), st.times(), st.timedeltas(),
    st.from_regex(r"\s*'?[0-9 ,.eE+-]{0,25}\s*", fullmatch=True),
)


@given(ANY_CELL)
def test_identifier_cell_never_raises(cell):
    text, error = identifier_cell(cell)
    assert text is None or error is None
    if text is not None:
        assert text and not any(ch.isspace() for ch in text)
    if error is not None:
        assert isinstance(error, str) and error.endswith(".")


def test_identifier_cell_and_check_nik_agree_on_a_text_nik():
    text, error = identifier_cell(f" '{NIK}")
    assert error is None and check_nik(text).ok


# --- date_cell --------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [
    date(1980, 8, 17), datetime(1980, 8, 17), datetime(1980, 8, 17, 13, 5),
    "17-08-1980", "17/08/1980", "17.08.1980", " 17-08-1980 ", "1980-08-17", "1980/08/17",
    "17-8-1980", "17 Agustus 1980", "17 agt 1980", "17 August 1980", "17081980",
    "17-08-1980 00:00:00", "1980-08-17 00:00:00", "1980-08-17T00:00:00",
    (date(1980, 8, 17) - EPOCH).days, float((date(1980, 8, 17) - EPOCH).days),
    (date(1980, 8, 17) - EPOCH).days + 0.75,      # a date-time serial: the time is dropped
])
def test_date_cell_reads_every_usual_form(cell):
    assert date_cell(cell) == (date(1980, 8, 17), None)


def test_date_cell_single_digit_day_and_month():
    assert date_cell("7-8-1980") == (date(1980, 8, 7), None)
    assert date_cell("1980-8-7") == (date(1980, 8, 7), None)


@pytest.mark.parametrize("serial, expected", [
    (1, date(1900, 1, 1)), (59, date(1900, 2, 28)), (61, date(1900, 3, 1)),
    (45000, date(2023, 3, 15)), (45000.0, date(2023, 3, 15)),
])
def test_date_cell_excel_serials_use_the_1900_system(serial, expected):
    assert date_cell(serial) == (expected, None)
    assert excel_serial_to_date(int(serial)) == expected


def test_date_cell_serial_60_is_the_day_that_does_not_exist():
    value, error = date_cell(60)
    assert value is None and "29-02-1900" in error


@pytest.mark.parametrize("cell", ["31-02-1980", "29-02-1981", "00-01-1980", "17-13-1980"])
def test_date_cell_impossible_dates_name_the_value(cell):
    value, error = date_cell(cell)
    assert value is None
    assert f'"{cell}"' in error and "does not exist" in error


@pytest.mark.parametrize("cell", ["17-08-80", "kemarin", "1980", "17-08.1980", 0, -5, 80001,
                                  True, time(10, 0), "17 Foo 1980", "17-08-0080"])
def test_date_cell_refuses_what_is_no_date(cell):
    value, error = date_cell(cell)
    assert value is None and error


def test_date_cell_two_digit_year_asks_for_four_digits():
    assert "four digits" in date_cell("17-08-80")[1]


@pytest.mark.parametrize("cell", [None, "", "   "])
def test_date_cell_empty(cell):
    assert date_cell(cell) == (None, None)


DATES = st.dates(min_value=date(MIN_YEAR, 1, 1), max_value=date(MAX_YEAR, 12, 31))


@given(DATES, st.sampled_from(["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d",
                               "{d}-{m}-%Y", "{d}/{m}/%Y"]))
def test_date_text_round_trips(day, pattern):
    text = day.strftime(pattern.format(d=day.day, m=day.month))
    assert date_cell(text) == (day, None)
    assert date_cell(day) == (day, None)
    assert date_cell(datetime.combine(day, time(8, 30))) == (day, None)


@given(st.dates(min_value=date(1900, 3, 1), max_value=EPOCH + timedelta(days=EXCEL_MAX_SERIAL)))
def test_date_serial_round_trips(day):
    serial = (day - EPOCH).days
    assert date_cell(serial) == (day, None)
    assert date_cell(float(serial)) == (day, None)


@given(ANY_CELL)
def test_date_cell_never_raises(cell):
    value, error = date_cell(cell)
    assert value is None or error is None
    assert value is None or MIN_YEAR <= value.year <= MAX_YEAR
    assert error is None or error.endswith(".")


# --- sex_cell ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["L", "l", " L ", "LAKI-LAKI", "laki-laki", "LAKI LAKI", "Laki2",
                                  "LK", "PRIA", "Lelaki", "L.", 1, 1.0, "1", "1.0"])
def test_sex_cell_male(cell):
    assert sex_cell(cell) == ("L", None)


@pytest.mark.parametrize("cell", ["P", "p", "PEREMPUAN", "Perempuan", "PR", "WANITA", "wanita",
                                  2, 2.0, "2", "2.0"])
def test_sex_cell_female(cell):
    assert sex_cell(cell) == ("P", None)


@pytest.mark.parametrize("cell", ["X", "LP", "L/P", 3, 0, 1.5, True, "laki perempuan",
                                  date(2020, 1, 1)])
def test_sex_cell_refuses_anything_else(cell):
    value, error = sex_cell(cell)
    assert value is None and "L for male" in error


@pytest.mark.parametrize("cell", [None, "", "  "])
def test_sex_cell_empty(cell):
    assert sex_cell(cell) == (None, None)


@given(st.sampled_from([("L", "L"), ("LAKI-LAKI", "L"), ("LAKI LAKI", "L"), ("LK", "L"),
                        ("PRIA", "L"), ("LELAKI", "L"), ("1", "L"), ("P", "P"),
                        ("PEREMPUAN", "P"), ("PR", "P"), ("WANITA", "P"), ("2", "P")]),
       st.randoms(use_true_random=False),
       st.sampled_from(["", " ", "\u00a0", "\t"]))
def test_sex_cell_any_case_and_spacing(pair, rnd, pad):
    word, expected = pair
    mixed = "".join(ch.upper() if rnd.random() < 0.5 else ch.lower() for ch in word)
    assert sex_cell(pad + mixed + pad) == (expected, None)


@given(ANY_CELL)
def test_sex_cell_never_raises(cell):
    value, error = sex_cell(cell)
    assert value in (None, "L", "P")
    assert value is None or error is None


# --- text, names, numbers ---------------------------------------------------------------------

def test_name_cell_trims_collapses_and_upper_cases():
    assert name_cell("  siti\u00a0\u00a0aminah\t binti  ali ") == "SITI AMINAH BINTI ALI"
    assert name_cell("Budi\nSantoso") == "BUDI SANTOSO"
    assert name_cell("   ") is None
    assert name_cell(None) is None


def test_text_cell_shows_whole_numbers_without_point_zero():
    assert text_cell(12.0) == "12"
    assert text_cell(12) == "12"
    assert text_cell(1.5) == "1.5"
    assert text_cell("  Jl.  Mawar\u00a0No 3 ") == "Jl. Mawar No 3"
    assert text_cell(date(1980, 8, 17)) == "17-08-1980"
    assert text_cell("") is None and text_cell(None) is None


def test_display_text_of_cells():
    assert display_text(3523011708900001.0) == "3523011708900001"
    assert display_text(None) == ""
    assert display_text(True) == "TRUE"
    assert display_text(datetime(1980, 8, 17, 7, 30)) == "17-08-1980 07:30"
    assert display_text(" as is ") == " as is "
    assert display_text(float("nan")) == "nan"


@pytest.mark.parametrize("cell, expected", [(3, 3), (3.0, 3), ("3", 3), ("003", 3), (" 10 ", 10),
                                            ("1.0", 1)])
def test_int_cell_accepts_whole_numbers_in_range(cell, expected):
    assert int_cell(cell, 1, 10) == (expected, None)


@pytest.mark.parametrize("cell", [0, 11, 3.5, "3a", "tiga", True, float("nan"), -1])
def test_int_cell_refuses_with_the_range(cell):
    value, error = int_cell(cell, 1, 10)
    assert value is None and "from 1 to 10" in error


def test_int_cell_names_the_field_when_told():
    assert int_cell(11, 1, 10, label="desil")[1].startswith("The desil \"11\"")
    assert int_cell("", 1, 10) == (None, None)


@given(ANY_CELL, st.integers(-5, 5), st.integers(0, 1000))
def test_text_name_int_never_raise(cell, lo, span):
    text_cell(cell)
    name_cell(cell)
    value, error = int_cell(cell, lo, lo + span)
    assert value is None or lo <= value <= lo + span


def test_nan_is_never_a_value():
    assert identifier_cell(math.nan)[0] is None
    assert date_cell(math.nan)[0] is None
    assert sex_cell(math.nan)[0] is None


@pytest.mark.parametrize("written", ["32.11.07.211217.6035", "3211-0721-1217-6035",
                                     "3211 0721 1217 6035", "32/11/07/211217/6035",
                                     " 32.11.07.211217.6035 "])
def test_a_nik_written_in_groups_as_on_the_card_is_its_16_digits(written):
    assert identifier_cell(written) == ("3211072112176035", None)
    assert identifier_cell(written, "No KK") == ("3211072112176035", None)


@pytest.mark.parametrize("written", ["12.34", "3523.0123", "32.11.07.211217.603",
                                     "32.11.07.211217.60351", "32..11"])
def test_grouped_digits_that_are_not_16_stay_as_written_for_the_check_to_refuse(written):
    assert identifier_cell(written) == (written, None)
