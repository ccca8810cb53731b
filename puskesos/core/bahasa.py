"""Indonesian dates and numbers in words, as official letters write them."""

from __future__ import annotations

from datetime import date, datetime

#: the day-month-year form the window and the printouts show a date in
DATE_FORMAT = "%d-%m-%Y"

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
_UNITS = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
          "sepuluh", "sebelas")


def terbilang(n: int) -> str:
    """A whole number in Indonesian words: 2026 → "dua ribu dua puluh enam"."""
    if n < 0:
        return "minus " + terbilang(-n)
    if n == 0:
        return "nol"
    if n < 12:
        return _UNITS[n]
    if n < 20:
        return _UNITS[n - 10] + " belas"
    if n < 100:
        rest = n % 10
        return _UNITS[n // 10] + " puluh" + (" " + _UNITS[rest] if rest else "")
    for size, word in ((10 ** 12, "triliun"), (10 ** 9, "miliar"), (10 ** 6, "juta"),
                       (1000, "ribu"), (100, "ratus")):
        if n >= size:
            head, rest = divmod(n, size)
            if head == 1 and size in (100, 1000):
                text = "se" + word
            else:
                text = terbilang(head) + " " + word
            return text + (" " + terbilang(rest) if rest else "")
    raise AssertionError(n)


def day_name(d: date) -> str:
    return DAYS[d.weekday()]


def long_date(d: date | None) -> str:
    """22 November 2026."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}" if d else ""


def date_in_words(d: date) -> str:
    """Tanggal as berita acara write it: "dua puluh dua bulan November tahun dua ribu ..."."""
    return f"{terbilang(d.day)} bulan {MONTHS[d.month - 1]} tahun {terbilang(d.year)}"


def short_date(d: date | None) -> str:
    """17-08-2026: a date as the window and the forms show it ("" for none)."""
    return d.strftime(DATE_FORMAT) if d else ""


def short_datetime(moment: datetime | None) -> str:
    """17-08-2026 14:05 in the computer's local time ("" for none)."""
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime(DATE_FORMAT + " %H:%M")
