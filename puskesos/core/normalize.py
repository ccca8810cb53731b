"""Reading single spreadsheet cells into clean values (pure, no I/O).

Cells arrive as python-calamine returns them: ``str``, ``int``, ``float``,
``bool``, ``datetime``/``date``/``time``/``timedelta`` or ``None``/``""`` for
an empty cell; a CSV gives only strings.  Each ``*_cell`` function accepts
any of these, never raises, and answers ``(value, error)``: ``(None, None)``
for an empty cell, ``(value, None)`` when the cell is usable, and
``(None, message)`` with a translated sentence saying what is wrong and what
to do when it is not.

Identifiers are only checked for their *cell form* here (text, not a number
that Excel rounded); their structure is checked by
:func:`puskesos.core.identifiers.check_nik` / ``check_kk``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta

from puskesos.core.bahasa import DATE_FORMAT, short_date
from puskesos.core.identifiers import INVISIBLE, TEXT_MARKERS
from puskesos.i18n import _

__all__ = [
    "EXCEL_MAX_SERIAL",
    "MAX_YEAR",
    "MIN_YEAR",
    "date_cell",
    "display_text",
    "excel_serial_to_date",
    "identifier_cell",
    "int_cell",
    "name_cell",
    "sex_cell",
    "strip_hostile",
    "text_cell",
    "text_limit",
    "text_problem",
]

#: dates outside these years are refused as typing mistakes (e.g. 0017 or 19800)
MIN_YEAR = 1800
MAX_YEAR = 2200
#: Excel serial numbers accepted as dates: 1 = 01-01-1900 … 80000 ≈ year 2119
EXCEL_MAX_SERIAL = 80000

_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+")
_INTEGER_TEXT = re.compile(r"[0-9]+(?:[.,]0+)?")      # "3523011708900001.0", "12", "3,0"
#: digits in groups parted by dots, dashes or slashes (a NIK or No KK written as on
#: the card or a letter)
_GROUPED = re.compile(r"[0-9]+(?:[.\-/][0-9]+)+")
_FLOAT_SAFE = 2 ** 53                                 # above this a float skips integers
_EXCEL_DIGITS = 15                                    # Excel keeps 15 significant digits

_TIME = r"(?:[ T]+\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d+)?)?)?"
_DMY = re.compile(r"(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{2}|\d{4})" + _TIME)
_YMD = re.compile(r"(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})" + _TIME)
_DMY_NAMED = re.compile(r"(\d{1,2})[\s\-./]*([A-Za-z]+)\.?[\s\-./]*(\d{4})" + _TIME)
_EIGHT_DIGITS = re.compile(r"\d{8}")
_MONTHS = {
    name: number
    for number, names in enumerate((
        ("JANUARI", "JANUARY", "JAN"),
        ("FEBRUARI", "FEBRUARY", "PEBRUARI", "FEB", "PEB"),
        ("MARET", "MARCH", "MAR"),
        ("APRIL", "APR"),
        ("MEI", "MAY"),
        ("JUNI", "JUNE", "JUN"),
        ("JULI", "JULY", "JUL"),
        ("AGUSTUS", "AUGUST", "AGU", "AGT", "AGS", "AUG"),
        ("SEPTEMBER", "SEP", "SEPT"),
        ("OKTOBER", "OCTOBER", "OKT", "OCT"),
        ("NOVEMBER", "NOPEMBER", "NOV", "NOP"),
        ("DESEMBER", "DECEMBER", "DES", "DEC"),
    ), start=1)
    for name in names
}

_MALE = frozenset({"L", "LK", "LAKILAKI", "LAKI", "LAKI2", "PRIA", "LELAKI", "M", "MALE"})
_FEMALE = frozenset({"P", "PR", "PRP", "PEREMPUAN", "WANITA", "W", "F", "FEMALE"})
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


# --- display ---------------------------------------------------------------------------------

def display_text(value: object) -> str:
    """A cell as Excel would show it in a text cell: '' for empty, 12.0 → '12'.

    Strings are returned unchanged (the report workbook shows what the file
    held); dates are written day-month-year.
    """
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is float:
        if value.is_integer() and abs(value) < 1e21:  # type: ignore[union-attr]
            return str(int(value))  # type: ignore[call-overload]
        return repr(value)
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return short_date(value)
        return value.strftime(DATE_FORMAT + (" %H:%M:%S" if value.second else " %H:%M"))
    if isinstance(value, date):
        return short_date(value)
    return str(value)


# --- free text: hostile characters and lengths --------------------------------------------
#
# A name or any free text may come from a file made elsewhere, a paste or a script.
# Control characters (C0 and C1, NUL among them) have no place in them, and the bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) make a text show
# in another order than it is stored ("NIK 3523..." shown backwards).  The rule:
#
# * where the text comes from a file (the import), they are removed and the row gets
#   a warning naming the field: the operator cannot retype the file, and removing them
#   changes no visible letter (a NUL or a bell shows as nothing, a direction mark only
#   reorders what is shown);
# * a form of the window removes them on saving and says so at the field;
# * the services refuse a value that still has them (a rule of core.validation), so
#   nothing reaches the database by another way;
# * whitespace controls (tab, line breaks) become spaces in a one-line field, as
#   before; a field of several lines keeps tab and line breaks.
#
# A value over its field's limit (the database column, :data:`TEXT_LIMITS`) is never
# cut: the import refuses the row (a name) or does not import the cell (other text),
# the services refuse it, each naming the field and its limit.

#: non-whitespace controls (C0, DEL, C1) and the bidi embeddings/overrides/isolates
_HOSTILE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")
#: the same for a field of several lines, where only tab and line breaks are kept
_HOSTILE_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

#: the longest text each field takes: the database columns (models/registry.py); a
#: household's note has no column limit, so a page of text
TEXT_LIMITS = {
    "name": 120, "birth_place": 80, "occupation": 80, "presence_note": 300,
    "dusun": 80, "address": 200, "phone": 20, "dtsen_id": 40, "note": 4000,
}


def text_limit(field: str) -> int | None:
    """The most characters ``field`` takes, or None for a field without a rule."""
    return TEXT_LIMITS.get(field)


def strip_hostile(text: str, *, lines: bool = False) -> tuple[str, int]:
    """``text`` without control characters and bidi overrides/isolates, and how many
    were removed (``lines``: a field of several lines keeps tab and line breaks).
    Clean text costs one ``isprintable`` check."""
    if text.isprintable():
        return text, 0
    return (_HOSTILE_LINES if lines else _HOSTILE).subn("", text)


def text_problem(label: str, text: str, limit: int | None, *,
                 lines: bool = False) -> str | None:
    """What is wrong with the text ``text`` of the field named ``label``, or None:
    hostile characters, or more than ``limit`` characters."""
    if not text.isprintable() and (_HOSTILE_LINES if lines else _HOSTILE).search(text):
        return hostile_message(label, refused=True)
    if limit is not None and len(text) > limit:
        return too_long_message(label, len(text), limit)
    return None


def hostile_message(label: str, *, refused: bool = False) -> str:
    """Said of a field that held control or text-direction characters: removed (the
    import, a form), or refused (a service)."""
    if refused:
        return _("{field} contains invisible control or text-direction characters "
                 "(often copied with the text). Type the value again.").format(field=label)
    return _("{field}: invisible control or text-direction characters were removed. "
             "Check the value.").format(field=label)


def too_long_message(label: str, length: int, limit: int) -> str:
    """Said of a value over its field's limit: it is never cut."""
    return _("{field} is {length} characters long; at most {limit} are allowed. Shorten "
             "it.").format(field=label, length=f"{length:,}".replace(",", "."), limit=limit)


def _clean_spaces(text: str) -> str:
    """Trim, drop zero-width characters, control characters and bidi overrides, and
    collapse inner whitespace (NBSP, tabs, breaks)."""
    if not text.isascii() and any(ch in text for ch in INVISIBLE):
        text = "".join(ch for ch in text if ch not in INVISIBLE)
    if not text.isprintable():
        text = _HOSTILE.sub("", text)
    return " ".join(text.split())


def area_number(text: str) -> str:
    """An RT or RW as the registry keeps it: a number of three digits ("1" → "001");
    anything else (a name some villages use) as it is."""
    return f"{int(text):03d}" if text and text.isascii() and text.isdigit() else text


def text_cell(value: object) -> str | None:
    """Generic trimmed text: inner whitespace collapsed, whole numbers without '.0'."""
    if isinstance(value, str):
        return _clean_spaces(value) or None
    return _clean_spaces(display_text(value)) or None


def name_cell(value: object) -> str | None:
    """A person's name: trimmed, inner whitespace collapsed, upper case."""
    text = text_cell(value)
    return text.upper() if text else None


# --- identifiers -----------------------------------------------------------------------------

def _damaged_number(kind: str, number: int) -> str:
    return _("The {kind} {value} is stored in the spreadsheet as a number, and Excel keeps "
             "only 15 digits of a number, so its last digits may have been changed. Please "
             "format the column as Text, type the {kind} again from the card and import the "
             "file again.").format(kind=kind, value=number)


def _identifier_number(value: int | float, kind: str) -> tuple[str | None, str | None]:
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer() or value < 0:
            return None, _("The {kind} cell holds the number {value}, which is not a whole "
                           "number. Please format the column as Text and type the {kind} "
                           "again from the card.").format(kind=kind, value=display_text(value))
        number = int(value)
        if number > _FLOAT_SAFE:
            return None, _damaged_number(kind, number)
    else:
        number = value
        if number < 0:
            return None, _("The {kind} cell holds the number {value}, which is not a whole "
                           "number. Please format the column as Text and type the {kind} "
                           "again from the card.").format(kind=kind, value=number)
    digits = str(number)
    # A 16-digit number ending in 0 is what Excel makes of any 16-digit number typed
    # into a General cell: the 16th digit cannot be told apart from a lost one.
    if len(digits) > _EXCEL_DIGITS and digits.endswith("0"):
        return None, _damaged_number(kind, number)
    return digits, None


def identifier_cell(value: object, kind: str = "NIK") -> tuple[str | None, str | None]:
    """The text of a NIK / No KK cell, or an error when the cell form damaged it.

    Text cells lose all whitespace (spaces, NBSP, tabs, zero-width) and one
    leading apostrophe.  A number cell is accepted only when it is an exact
    whole number that Excel cannot have rounded: a 16-digit number ending in
    0 (Excel keeps 15 digits) or a float above 2**53 is reported as damaged.
    Text in scientific notation ("3,52301E+15") is reported as damaged too.
    The digits themselves are not checked here.
    """
    if type(value) is str and value.isascii():
        if value.isdigit():
            return value, None      # the common case: a clean text cell
        if value.isalnum() and (("e" not in value and "E" not in value)
                                or not _SCIENTIFIC.fullmatch(value)):
            return value, None      # letters and digits only: nothing to clean (ID DTSEN)
    try:
        if value is None:
            return None, None
        if isinstance(value, bool) or isinstance(value, (date, time, timedelta)):
            return None, _("The {kind} cell holds {value}, which is not a {kind}. Please "
                           "format the column as Text and type the {kind} again from the "
                           "card.").format(kind=kind, value=display_text(value))
        if isinstance(value, (int, float)):
            return _identifier_number(value, kind)
        if isinstance(value, str) and value.isascii():
            if value.isdigit():
                return value, None  # the common case: a clean text cell
            if value.isalnum() and not _SCIENTIFIC.fullmatch(value):
                return value, None  # letters and digits only: nothing to clean (ID DTSEN)
        text = "".join(ch for ch in str(value) if not ch.isspace() and ch not in INVISIBLE)
        if text and text[0] in TEXT_MARKERS:
            text = text[1:]
        if not text:
            return None, None
        if _SCIENTIFIC.fullmatch(text):
            # same message as identifiers.check_nik, so it is translated once
            return None, _("The {kind} \"{value}\" was damaged by Excel, which turned it "
                           "into a rounded number. Please type it again from the card, "
                           "with the cell formatted as text.").format(kind=kind, value=text)
        if _INTEGER_TEXT.fullmatch(text) and not text.isdigit():
            # "3523011708900001.0": a number written out as text by another program
            return _identifier_number(int(re.split(r"[.,]", text)[0]), kind)
        if _GROUPED.fullmatch(text):
            digits = re.sub(r"[^0-9]", "", text)
            if len(digits) == 16:
                return digits, None     # "32.11.07.211217.6035": as printed on the card
        return text, None
    except Exception:  # pragma: no cover - a cell must never stop an import
        return None, _("The {kind} cell could not be read. Please type the {kind} again "
                       "from the card.").format(kind=kind)


# --- dates -----------------------------------------------------------------------------------

def excel_serial_to_date(serial: int) -> date | None:
    """Excel's 1900 date system: 1 = 01-01-1900, 61 = 01-03-1900; 60 (29-02-1900) is None."""
    if serial == 60 or not 1 <= serial <= EXCEL_MAX_SERIAL:
        return None
    if serial < 60:
        return date(1899, 12, 31) + timedelta(days=serial)
    return date(1899, 12, 30) + timedelta(days=serial)


def _not_a_date(value: object) -> str:
    return _("\"{value}\" is not a date. Please write the date as day-month-year, for "
             "example 17-08-1980.").format(value=display_text(value).strip())


def _impossible(value: object) -> str:
    return _("The date \"{value}\" does not exist in the calendar. Please check the day and "
             "the month (dates are read as day-month-year).").format(
                 value=display_text(value).strip())


def _make_date(original: object, year: int, month: int, day: int) -> tuple[date | None, str | None]:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, _("The date \"{value}\" has the year {year}, which cannot be right. "
                       "Please check the year.").format(value=display_text(original).strip(),
                                                         year=year)
    try:
        return date(year, month, day), None
    except ValueError:
        return None, _impossible(original)


def _serial_date(value: object, number: float) -> tuple[date | None, str | None]:
    if not math.isfinite(number):
        return None, _not_a_date(value)
    serial = math.floor(number)
    if serial == 60:
        return None, _("The number 60 stands for 29-02-1900 in Excel, a day that does not "
                       "exist. Please type the date again as day-month-year.")
    if 1 <= serial <= EXCEL_MAX_SERIAL:
        return excel_serial_to_date(serial), None
    if number == serial and 10_000_000 <= serial <= 99_999_999:
        return _eight_digits(value, str(serial))
    return None, _("The number {value} cannot be read as a date. Please type the date as "
                   "day-month-year, for example 17-08-1980.").format(value=display_text(value))


def _eight_digits(value: object, digits: str) -> tuple[date | None, str | None]:
    """17081980 (day month year, usual here) or 19800817 (year month day)."""
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if 1 <= month <= 12 and MIN_YEAR <= year <= MAX_YEAR:
        return _make_date(value, year, month, day)
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if MIN_YEAR <= year <= MAX_YEAR:
        return _make_date(value, year, month, day)
    return None, _not_a_date(value)


def date_cell(value: object) -> tuple[date | None, str | None]:
    """A date from a date cell, a day-month-year text or an Excel serial number.

    Accepted texts: 17-08-1980, 17/08/1980, 17.08.1980, 7-8-1980, 1980-08-17,
    17 Agustus 1980, 17081980 (an optional time after them is ignored).
    Numbers from 1 to 80000 are Excel serials (1900 system; 60 does not exist).
    """
    if type(value) is str and len(value) == 10 and value.isascii():
        # the common clean texts, read as the patterns below read them
        sep = value[2]
        if (sep in "-/." and value[5] == sep and value[:2].isdigit()
                and value[3:5].isdigit() and value[6:].isdigit()):       # 17-08-1980
            return _make_date(value, int(value[6:]), int(value[3:5]), int(value[:2]))
        sep = value[4]
        if (sep in "-/." and value[7] == sep and value[:4].isdigit()
                and value[5:7].isdigit() and value[8:].isdigit()):       # 1980-08-17
            return _make_date(value, int(value[:4]), int(value[5:7]), int(value[8:]))
    try:
        if value is None:
            return None, None
        if isinstance(value, datetime):
            return _make_date(value, value.year, value.month, value.day)
        if isinstance(value, date):
            return _make_date(value, value.year, value.month, value.day)
        if isinstance(value, bool) or isinstance(value, (time, timedelta)):
            return None, _not_a_date(value)
        if isinstance(value, (int, float)):
            return _serial_date(value, float(value))
        text = _clean_spaces(str(value))
        if not text:
            return None, None
        if m := _DMY.fullmatch(text):
            if len(m.group(4)) == 2:
                return None, _("The date \"{value}\" has a two-digit year. Please write the "
                               "year with four digits, for example 17-08-1980."
                               ).format(value=text)
            return _make_date(text, int(m.group(4)), int(m.group(3)), int(m.group(1)))
        if m := _YMD.fullmatch(text):
            return _make_date(text, int(m.group(1)), int(m.group(3)), int(m.group(4)))
        if m := _DMY_NAMED.fullmatch(text):
            month = _MONTHS.get(m.group(2).upper())
            if month is None:
                return None, _not_a_date(text)
            return _make_date(text, int(m.group(3)), month, int(m.group(1)))
        if _EIGHT_DIGITS.fullmatch(text):
            return _eight_digits(text, text)
        return None, _not_a_date(text)
    except Exception:  # pragma: no cover - a cell must never stop an import
        return None, _not_a_date(value)


# --- sex -------------------------------------------------------------------------------------

def sex_cell(value: object) -> tuple[str | None, str | None]:
    """'L' or 'P' from L/P, LAKI-LAKI/PEREMPUAN, PRIA/WANITA, LK/PR, 1/2 (any case)."""
    try:
        if value is None:
            return None, None
        if isinstance(value, bool):
            pass
        elif isinstance(value, (int, float)):
            if value == 1:
                return "L", None
            if value == 2:
                return "P", None
        elif isinstance(value, str):
            text = _clean_spaces(value).upper()
            if not text:
                return None, None
            if text in ("1", "1.0", "1,0"):
                return "L", None
            if text in ("2", "2.0", "2,0"):
                return "P", None
            folded = _NON_ALNUM.sub("", text)
            if folded in _MALE:
                return "L", None
            if folded in _FEMALE:
                return "P", None
        return None, _("\"{value}\" is not a valid sex. Please write L for male (laki-laki) "
                       "or P for female (perempuan).").format(value=display_text(value).strip())
    except Exception:  # pragma: no cover - a cell must never stop an import
        return None, _("The sex could not be read. Please write L for male (laki-laki) or "
                       "P for female (perempuan).")


# --- small whole numbers ---------------------------------------------------------------------

def int_cell(value: object, lo: int, hi: int, *,
             label: str | None = None) -> tuple[int | None, str | None]:
    """A whole number from ``lo`` to ``hi`` (desil 1–10, RT/RW numbers): 3, 3.0, '003'."""
    number: int | None = None
    try:
        if value is None:
            return None, None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float):
            number = int(value) if math.isfinite(value) and value.is_integer() else None
        elif isinstance(value, str):
            text = _clean_spaces(value)
            if not text:
                return None, None
            if re.fullmatch(r"[0-9]{1,12}(?:[.,]0+)?", text):
                number = int(re.split(r"[.,]", text)[0])
    except Exception:  # pragma: no cover - a cell must never stop an import
        number = None
    if number is not None and lo <= number <= hi:
        return number, None
    shown = display_text(value).strip()
    if label:
        return None, _("The {label} \"{value}\" is not a whole number from {lo} to {hi}. "
                       "Please correct it in the file.").format(label=label, value=shown,
                                                                 lo=lo, hi=hi)
    return None, _("\"{value}\" is not a whole number from {lo} to {hi}. Please correct it "
                   "in the file.").format(value=shown, lo=lo, hi=hi)
