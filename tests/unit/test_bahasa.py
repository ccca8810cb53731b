"""Numbers and dates in the words that official letters and berita acara use."""

from datetime import date

import pytest

from puskesos.core.bahasa import date_in_words, day_name, long_date, short_date, terbilang


@pytest.mark.parametrize("number, words", [
    (0, "nol"),
    (1, "satu"),
    (9, "sembilan"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (30, "tiga puluh"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (111, "seratus sebelas"),
    (120, "seratus dua puluh"),
    (200, "dua ratus"),
    (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"),
    (1001, "seribu satu"),
    (2026, "dua ribu dua puluh enam"),
    (11_000, "sebelas ribu"),
    (100_000, "seratus ribu"),
    (999_999, "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan"),
    (1_000_000, "satu juta"),
    (1_500_000, "satu juta lima ratus ribu"),
    (300_000_000, "tiga ratus juta"),
    (2_000_000_000, "dua miliar"),
    (7_000_000_001, "tujuh miliar satu"),
    (1_000_000_000_000, "satu triliun"),
    (12_000_000_000_000, "dua belas triliun"),
    (-5, "minus lima"),
    (-1_000, "minus seribu"),
])
def test_an_amount_is_written_in_words_as_a_letter_writes_it(number, words):
    assert terbilang(number) == words


def test_the_date_of_a_berita_acara_is_written_in_words():
    assert date_in_words(date(2026, 11, 22)) == (
        "dua puluh dua bulan November tahun dua ribu dua puluh enam")
    assert date_in_words(date(2027, 1, 1)) == "satu bulan Januari tahun dua ribu dua puluh tujuh"
    assert date_in_words(date(2026, 12, 31)).endswith("bulan Desember tahun dua ribu dua puluh enam")


@pytest.mark.parametrize("day, text", [
    (date(2026, 1, 5), "5 Januari 2026"),
    (date(2026, 12, 31), "31 Desember 2026"),
    (date(1980, 8, 17), "17 Agustus 1980"),
])
def test_a_letter_date_names_the_month_in_indonesian(day, text):
    assert long_date(day) == text


@pytest.mark.parametrize("day, text", [
    (date(2026, 1, 5), "05-01-2026"),
    (date(1999, 12, 31), "31-12-1999"),
])
def test_a_short_date_is_day_month_and_the_full_year(day, text):
    assert short_date(day) == text


def test_a_missing_date_prints_as_an_empty_field_not_as_a_date():
    assert long_date(None) == ""
    assert short_date(None) == ""


def test_the_day_of_the_week_is_named_in_indonesian():
    assert day_name(date(2026, 12, 5)) == "Sabtu"
    assert day_name(date(2026, 12, 7)) == "Senin"
    assert day_name(date(2026, 12, 6)) == "Minggu"
