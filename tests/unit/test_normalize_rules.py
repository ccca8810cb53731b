"""Rules of reading spreadsheet cells that the village operator notices on import.

tests/unit/test_normalize.py covers the usual forms; these are the edges: the
first and last accepted year and serial, dates typed without separators, the
zero-width characters copied from a web page or a chat, and the messages, which
must always quote what the cell held and name the column they speak of.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from puskesos import i18n
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

EPOCH = date(1899, 12, 30)        # Excel serial n (n >= 61) is EPOCH + n days


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source strings; the catalog may translate them later."""
    i18n.set_language("en")


def refused(cell) -> str:
    """The message for a date cell that must be refused (and never an exception)."""
    value, error = date_cell(cell)
    assert value is None, f"{cell!r} was read as {value}"
    assert error, f"{cell!r} was taken as an empty cell"
    return error


# --- zero-width characters ---------------------------------------------------------------------

def test_zero_width_characters_pasted_with_a_name_are_dropped():
    # Given a name copied from a web page or WhatsApp, with invisible characters in it
    cell = "\u200bsiti\u200c aminah\ufeff"
    # Then the register holds only the letters the operator sees
    assert name_cell(cell) == "SITI AMINAH"
    assert text_cell("Jl. Mawar\u2060 No 3\u200d") == "Jl. Mawar No 3"


def test_every_kind_of_zero_width_character_is_dropped_even_all_at_once():
    assert name_cell("SI\u200b\u200c\u200d\u2060\ufeffTI") == "SITI"


def test_a_date_with_a_zero_width_character_is_still_a_date():
    assert date_cell("\u200b17-08-1980") == (date(1980, 8, 17), None)


# --- dates typed without separators ------------------------------------------------------------

@pytest.mark.parametrize("cell, expected", [
    ("25121980", date(1980, 12, 25)),      # December: the month's second digit counts
    ("05011980", date(1980, 1, 5)),        # January is a month like any other
    ("10111980", date(1980, 11, 10)),
    ("01011800", date(MIN_YEAR, 1, 1)),    # the first accepted year
    ("31122200", date(MAX_YEAR, 12, 31)),  # the last accepted year
])
def test_eight_digits_are_read_day_month_year(cell, expected):
    assert date_cell(cell) == (expected, None)


@pytest.mark.parametrize("cell, expected", [
    ("19801225", date(1980, 12, 25)),
    ("19800817", date(1980, 8, 17)),
    ("18000101", date(MIN_YEAR, 1, 1)),
    ("22001231", date(MAX_YEAR, 12, 31)),
    # 20-10-1231 would be a day and a month, but 1231 is no year: 31 December 2010
    ("20101231", date(2010, 12, 31)),
])
def test_eight_digits_that_are_no_day_month_year_are_read_year_month_day(cell, expected):
    assert date_cell(cell) == (expected, None)


def test_a_date_typed_without_separators_into_a_number_cell_is_still_that_date():
    # Excel keeps 17081980 typed into a General cell as the number 17081980
    assert date_cell(17081980) == (date(1980, 8, 17), None)
    assert date_cell(17081980.0) == (date(1980, 8, 17), None)
    assert date_cell(19801225) == (date(1980, 12, 25), None)


def test_a_number_with_a_fraction_is_no_date_typed_without_separators():
    error = refused(17081980.5)
    assert "17081980.5" in error


@pytest.mark.parametrize("cell", ["31021980", "19800231", 31021980])
def test_an_impossible_date_without_separators_is_quoted_in_the_message(cell):
    error = refused(cell)
    assert f'"{cell}"' in error and "does not exist" in error


@pytest.mark.parametrize("cell", ["12345678", "17131980"])
def test_eight_digits_that_fit_no_order_are_not_a_date_and_are_quoted(cell):
    # neither day-month-year (month 34 or 13) nor year-month-day (year 1234 or 1713)
    error = refused(cell)
    assert f'"{cell}" is not a date' in error


@pytest.mark.parametrize("number", [10_000_000, 99_999_999])
def test_any_eight_digit_number_is_tried_as_a_date_typed_without_separators(number):
    # the smallest and the largest eight-digit number are no date in either order; the
    # message speaks of the date typed, as for any other eight digits
    assert refused(number).startswith(f'"{number}" is not a date')


@pytest.mark.parametrize("number", [100_000_000, 123_456_789, 9_999_999])
def test_a_number_that_is_neither_a_serial_nor_eight_digits_cannot_be_read_as_a_date(number):
    assert refused(number).startswith(f"The number {number} cannot be read as a date")


# --- serial numbers and years at the limits ----------------------------------------------------

def test_the_last_serial_number_accepted_is_still_a_date():
    assert date_cell(EXCEL_MAX_SERIAL) == (EPOCH + timedelta(days=EXCEL_MAX_SERIAL), None)
    assert excel_serial_to_date(EXCEL_MAX_SERIAL) == EPOCH + timedelta(days=EXCEL_MAX_SERIAL)


@pytest.mark.parametrize("serial", [60, 0, -1, EXCEL_MAX_SERIAL + 1])
def test_serials_that_are_no_day_give_no_date(serial):
    # 60 is Excel's 29-02-1900, a day that never was; the others are out of the range
    assert excel_serial_to_date(serial) is None


@pytest.mark.parametrize("cell, expected", [
    ("01-01-1800", date(MIN_YEAR, 1, 1)), ("31-12-2200", date(MAX_YEAR, 12, 31)),
    ("1800-01-01", date(MIN_YEAR, 1, 1)), ("2200-12-31", date(MAX_YEAR, 12, 31)),
])
def test_the_first_and_last_accepted_years_are_dates(cell, expected):
    assert date_cell(cell) == (expected, None)


def test_a_wrong_year_is_named_in_the_message_with_the_date_typed():
    error = refused("17-08-0080")
    assert '"17-08-0080"' in error and "the year 80," in error


@pytest.mark.parametrize("cell", ["17-08-19800", "17-08-01980", "1980-08-017"])
def test_a_year_or_day_with_a_digit_too_many_is_a_typing_slip_and_is_refused(cell):
    refused(cell)


@pytest.mark.parametrize("cell, shown", [
    (datetime(1750, 5, 1), "01-05-1750"),
    (date(1750, 5, 1), "01-05-1750"),
])
def test_a_date_cell_of_an_impossible_year_is_shown_in_the_message(cell, shown):
    error = refused(cell)
    assert f'"{shown}"' in error and "the year 1750," in error


# --- only -, / and . separate the parts of a date ----------------------------------------------

@pytest.mark.parametrize("cell", ["17X08X1980", "17x08x1980", "1980X08X17", "1980x08x17",
                                  "1980-08/17", "17-?8-1980", "17-08-?980", "1980-?8-17",
                                  "1980-08-?7"])
def test_a_date_with_a_slip_between_or_inside_its_numbers_is_refused_not_guessed(cell):
    error = refused(cell)
    assert f'"{cell}" is not a date' in error


# --- messages quote what the cell held ---------------------------------------------------------

@pytest.mark.parametrize("cell", ["kemarin", "17 Foo 1980"])
def test_a_text_that_is_no_date_is_quoted(cell):
    assert refused(cell).startswith(f'"{cell}" is not a date')


@pytest.mark.parametrize("cell", ["31-2-1980", "1980-2-31", "31 Februari 1980", "1980-02-31"])
def test_an_impossible_date_is_quoted_as_typed(cell):
    error = refused(cell)
    assert f'"{cell}" does not exist in the calendar' in error


def test_a_two_digit_year_is_quoted():
    assert '"17-8-80"' in refused("17-8-80")


def test_a_checkbox_in_the_date_column_is_shown_as_true_or_false():
    assert refused(True).startswith('"TRUE" is not a date')
    assert refused(False).startswith('"FALSE" is not a date')


def test_a_number_that_cannot_be_a_date_is_quoted():
    assert refused(-5).startswith("The number -5 cannot be read")
    assert refused(float("inf")).startswith('"inf" is not a date')


# --- how a cell is shown in messages and the report --------------------------------------------

def test_a_date_time_cell_is_shown_with_its_time_only_when_it_has_one():
    assert text_cell(datetime(1980, 8, 17)) == "17-08-1980"
    assert text_cell(datetime(1980, 8, 17, 1, 0)) == "17-08-1980 01:00"
    assert text_cell(datetime(1980, 8, 17, 0, 1)) == "17-08-1980 00:01"
    assert text_cell(datetime(1980, 8, 17, 7, 30, 15)) == "17-08-1980 07:30:15"


def test_a_time_cell_is_shown_as_a_clock_time():
    assert text_cell(time(7, 30)) == "07:30:00"
    assert '"07:30:00"' in refused(time(7, 30))


def test_a_false_checkbox_is_shown_as_false():
    assert text_cell(False) == "FALSE"
    assert display_text(False) == "FALSE"


def test_whole_numbers_are_written_out_below_1e21_and_in_exponent_form_from_there():
    assert display_text(1e20) == "100000000000000000000"
    assert display_text(1e21) == "1e+21"


# --- identifiers -------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["3E15", "3e15", "35230117E8", "35230117e8"])
def test_a_nik_in_scientific_notation_without_a_point_is_refused_as_damaged(cell):
    text, error = identifier_cell(cell)
    assert text is None
    assert f'"{cell}" was damaged by Excel' in error


def test_the_default_column_named_in_identifier_messages_is_nik():
    assert identifier_cell(3.5)[1].startswith("The NIK cell holds the number 3.5")


@pytest.mark.parametrize("cell", [0, 0.0])
def test_the_number_zero_is_passed_on_to_the_nik_check_not_called_a_fraction(cell):
    # 0 is a whole number Excel held exactly: its length is check_nik's business
    assert identifier_cell(cell) == ("0", None)


def test_a_15_digit_number_is_exact_in_excel_and_not_called_damaged():
    # Excel keeps 15 digits: only a 16th digit can have been lost
    assert identifier_cell(352301170890010.0) == ("352301170890010", None)
    assert identifier_cell(352301170890010) == ("352301170890010", None)


def test_messages_about_a_no_kk_cell_name_the_no_kk_and_quote_the_cell():
    fraction = identifier_cell(3.5, kind="No KK")[1]
    assert fraction.startswith("The No KK cell holds the number 3.5, which is not a whole")
    negative = identifier_cell(-3523011708900001, kind="No KK")[1]
    assert negative.startswith("The No KK cell holds the number -3523011708900001, which is "
                               "not a whole")
    checkbox = identifier_cell(True, kind="No KK")[1]
    assert checkbox.startswith("The No KK cell holds TRUE, which is not a No KK")
    a_date = identifier_cell(date(2020, 1, 2), kind="No KK")[1]
    assert a_date.startswith("The No KK cell holds 02-01-2020, which is not a No KK")


def test_damage_messages_about_a_no_kk_name_the_no_kk_and_the_number_as_excel_holds_it():
    above_2_53 = identifier_cell(9171011708900004.0, kind="No KK")[1]
    assert above_2_53.startswith("The No KK 9171011708900004 is stored in the spreadsheet as a "
                                 "number")
    written_as_text = identifier_cell("3523011502150000.0", kind="No KK")[1]
    assert written_as_text.startswith("The No KK 3523011502150000 is stored in the spreadsheet")
    scientific = identifier_cell("3,52301E+15", kind="No KK")[1]
    assert scientific.startswith('The No KK "3,52301E+15" was damaged by Excel')


# --- small numbers and sex ---------------------------------------------------------------------

def test_int_messages_quote_the_cell_and_give_the_range():
    assert int_cell(11, 1, 10, label="desil")[1] == (
        'The desil "11" is not a whole number from 1 to 10. Please correct it in the file.')
    assert int_cell("tiga", 1, 10)[1].startswith('"tiga" is not a whole number from 1 to 10.')


def test_sex_codes_with_a_decimal_comma_are_read():
    # a CSV saved with Indonesian number settings writes 1.0 as 1,0
    assert sex_cell("1,0") == ("L", None)
    assert sex_cell("2,0") == ("P", None)


def test_a_sex_that_cannot_be_read_is_quoted():
    assert sex_cell(" X ")[1].startswith('"X" is not a valid sex')
