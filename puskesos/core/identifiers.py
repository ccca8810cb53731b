"""Checking Indonesian population identifiers: NIK and No. KK.

Both are 16 digits.  A NIK is ``PP KK CC DDMMYY SSSS``: the region where the
NIK was first registered (province, kabupaten/kota, kecamatan), the birth
date (women: day + 40) and a serial number.  A No. KK has the same region
prefix, then the date the KK was recorded (no +40) and a serial number.

The checks never change a number: a NIK whose birth date is wrong stays the
same (PP 37/2007), so disagreements with the recorded birth date or sex are
only warnings.  Messages are English source strings translated with ``_``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from puskesos.core.bahasa import short_date
from puskesos.i18n import _


def N_(message: str) -> str:
    """Mark a string for translation without translating it now."""
    return message


PROVINCE_CODES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65"
    " 71 72 73 74 75 76 81 82 91 92 93 94 95 96".split()
)

# Placeholder NIKs from the DTSEN field guidance: accepted, but carry no data.
PLACEHOLDER_KINDS = MappingProxyType({
    "9999999999999995": "no_nik_under_17",
    "9999999999999996": "no_nik_17_or_older",
    "9999999999999999": "foreign_national",
    "9999999999999994": "refused",
})
# English source strings; translate with placeholder_description().
PLACEHOLDER_NIKS = MappingProxyType({
    "9999999999999995": N_("No NIK, under 17 years old"),
    "9999999999999996": N_("No NIK, 17 years old or older"),
    "9999999999999999": N_("Foreign national (WNA)"),
    "9999999999999994": N_("Refused to give a NIK"),
})

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"   # zero-width characters from copy-paste
#: a text marker before a number: Excel's apostrophe, also as phones type it
TEXT_MARKERS = "'\u2018\u2019`"
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One problem found; ``code`` is a stable machine id such as ``nik.date``."""

    severity: Severity
    code: str
    message: str


@dataclass(frozen=True)
class NikInfo:
    """The parts of a valid NIK (region codes are dotted: ``35``, ``35.23``, ``35.23.01``)."""

    nik: str
    province: str
    kabupaten: str
    kecamatan: str
    birth_date: date | None
    sex: str | None  # "L" or "P"
    serial: str
    placeholder: str | None = None  # a PLACEHOLDER_KINDS value


@dataclass(frozen=True)
class KkInfo:
    """The parts of a valid No. KK; ``recorded`` is None when its date is not real."""

    kk: str
    province: str
    kabupaten: str
    kecamatan: str
    recorded: date | None
    serial: str


@dataclass(frozen=True)
class CheckResult:
    value: str  # the normalised input
    issues: tuple[Issue, ...]
    info: NikInfo | KkInfo | None

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors


def normalize_number(raw: str | None) -> str:
    """Remove all whitespace and a leading apostrophe (Excel's text marker, or the
    curly quote or backtick a phone types instead).

    NIK and No KK are text everywhere; a number that slips in from a caller is
    turned into its digits, and the checks then report what is wrong with it.
    """
    if raw is None:
        return ""
    text = str(raw)
    if text.isascii() and text.isdigit():
        return text
    text = "".join(ch for ch in text if not ch.isspace() and ch not in INVISIBLE)
    return text[1:] if text and text[0] in TEXT_MARKERS else text


def placeholder_description(nik: str) -> str | None:
    """The translated meaning of a placeholder NIK, or None for other numbers."""
    source = PLACEHOLDER_NIKS.get(normalize_number(nik))
    return _(source) if source else None


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _region(digits: str) -> tuple[str, str, str]:
    return digits[:2], f"{digits[:2]}.{digits[2:4]}", f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}"


def _check_format(value: str, kind: str, prefix: str) -> list[Issue]:
    """Errors for the shape shared by NIK and KK: 16 digits, known region, serial."""
    def error(code: str, message: str) -> list[Issue]:
        return [Issue(Severity.ERROR, f"{prefix}.{code}", message)]

    if not value:
        return error("empty", _("The {kind} is empty. Please enter the 16-digit number "
                                "from the card.").format(kind=kind))
    if _SCIENTIFIC.fullmatch(value):
        return error("excel", _("The {kind} \"{value}\" was damaged by Excel, which turned it "
                                "into a rounded number. Please type it again from the card, "
                                "with the cell formatted as text.").format(kind=kind, value=value))
    if not _DIGITS.fullmatch(value):
        return error("nondigit", _("The {kind} \"{value}\" contains characters that are not "
                                   "digits. Please enter digits only."
                                   ).format(kind=kind, value=value))
    if len(value) != 16:
        return error("length", _("The {kind} has {count} digits, but it must have exactly 16. "
                                 "Please check it against the card."
                                 ).format(kind=kind, count=len(value)))
    issues = []
    if value[:2] not in PROVINCE_CODES:
        issues += error("province", _("The {kind} starts with {code}, which is not a province "
                                      "code. Please check the first two digits against the card."
                                      ).format(kind=kind, code=value[:2]))
    if value[2:4] == "00" or value[4:6] == "00":
        issues += error("region", _("The region code {code} in the {kind} is not valid: the "
                                    "kabupaten and kecamatan parts cannot be 00. Please check "
                                    "digits 3 to 6 against the card."
                                    ).format(kind=kind, code=_region(value)[2]))
    if value[12:] == "0000":
        issues += error("serial", _("The last four digits of the {kind} cannot be 0000. "
                                    "Please check them against the card.").format(kind=kind))
    return issues


def _nik_birth_date(value: str, today: date) -> date | None:
    """Resolve DDMMYY (women: day + 40) to a real, non-future date; prefer 20YY."""
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    if day > 40:
        day -= 40
    for century in (2000, 1900):
        born = _real_date(century + yy, month, day)
        if born is not None and born <= today:
            return born
    return None


def well_formed(value: str) -> bool:
    """True when ``value``, a NIK or No KK as text, has none of the shape errors that
    :func:`check_nik` and :func:`check_kk` report: 16 ASCII digits, a province code,
    no kabupaten or kecamatan 00, no serial 0000 (a placeholder NIK is not well formed).

    With :func:`nik_birth` and :func:`kk_date_ok` it lets an import check 100,000
    numbers without building result objects; anything not plainly valid goes
    through the full check for its messages.
    """
    return (len(value) == 16 and value.isdigit() and value.isascii()
            and value[:2] in PROVINCE_CODES and value[2:4] != "00" and value[4:6] != "00"
            and value[12:] != "0000")


def nik_birth(value: str, today: date) -> tuple[date, str] | None:
    """(birth date, "L"/"P") of a :func:`well_formed` NIK, or None when its date part is
    not a real date up to ``today`` (then :func:`check_nik` reports an error or a warning).

    A well-formed NIK with a date is one :func:`check_nik` finds nothing wrong
    with, apart from disagreeing with a recorded birth date or sex.
    """
    # _nik_birth_date(value, today) in line (an import asks for every date part)
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    sex = "L"
    if day > 40:
        day -= 40
        sex = "P"
    try:
        born = date(2000 + yy, month, day)
    except ValueError:
        born = None
    if born is None or born > today:
        try:
            born = date(1900 + yy, month, day)
        except ValueError:
            return None
        if born > today:
            return None
    return born, sex


def kk_date_ok(value: str) -> bool:
    """True when the date part of a :func:`well_formed` No KK has a possible day and
    month: :func:`check_kk` then reports no error (at most a warning)."""
    return 1 <= int(value[6:8]) <= 31 and 1 <= int(value[8:10]) <= 12


def check_nik(raw: str | None, *, birth_date: date | None = None,
              sex: str | None = None, today: date | None = None) -> CheckResult:
    """Check a NIK, optionally against the recorded birth date and sex ("L"/"P")."""
    today = today or date.today()
    value = normalize_number(raw)
    if value in PLACEHOLDER_KINDS:
        return CheckResult(value, (), NikInfo(value, *_region(value), None, None, value[12:],
                                              PLACEHOLDER_KINDS[value]))
    issues = _check_format(value, "NIK", "nik")
    if len(value) != 16 or not _DIGITS.fullmatch(value):
        return CheckResult(value, tuple(issues), None)
    day, month = int(value[6:8]), int(value[8:10])
    if not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12:
        issues.append(Issue(Severity.ERROR, "nik.date", _(
            "The birth date part of the NIK ({digits}) is not a real date in the past. Please "
            "check digits 7 to 12 against the card (for women the day is increased by 40)."
        ).format(digits=value[6:12])))
    if issues:
        return CheckResult(value, tuple(issues), None)
    nik_sex = "P" if day > 40 else "L"  # women's birth day is written plus 40
    born = _nik_birth_date(value, today)
    if born is None:
        # e.g. 31-04 or 29-02 of a non-leap year: such cards exist (PP 37/2007 keeps
        # the NIK even when its date is wrong), so the person can still be recorded.
        issue = Issue(Severity.WARNING, "nik.date_nonexistent", _(
            "The birth date part of the NIK ({digits}) is not a real calendar date. Check "
            "digits 7 to 12 against the card; if the card says so, keep it."
        ).format(digits=value[6:12]))
        return CheckResult(value, (issue,), NikInfo(value, *_region(value), None, nik_sex,
                                                     value[12:]))

    if birth_date is not None and (born.day, born.month, born.year % 100) != (
            birth_date.day, birth_date.month, birth_date.year % 100):
        issues.append(Issue(Severity.WARNING, "nik.dob_mismatch", _(
            "The birth date in the NIK ({nik_date}) differs from the recorded birth date "
            "({birth_date}). Please check both; the NIK stays the same even when the date "
            "on it is wrong."
        ).format(nik_date=short_date(born), birth_date=short_date(birth_date))))
    if sex is not None and sex.strip().upper() in ("L", "P") and sex.strip().upper() != nik_sex:
        issues.append(Issue(Severity.WARNING, "nik.sex_mismatch", _(
            "The NIK indicates sex {nik_sex}, but the recorded sex is {sex}. Please check both "
            "(for women the birth day in the NIK is increased by 40)."
        ).format(nik_sex=nik_sex, sex=sex.strip().upper())))
    info = NikInfo(value, *_region(value), born, nik_sex, value[12:])
    return CheckResult(value, tuple(issues), info)


def check_kk(raw: str | None, *, today: date | None = None) -> CheckResult:
    """Check a No. KK (Nomor Kartu Keluarga).

    The recording date YY is read as 20YY when YY is not after this year's
    two digits, else as 19YY; a date later than ``today`` is then a warning.
    """
    today = today or date.today()
    value = normalize_number(raw)
    issues = _check_format(value, "KK", "kk")
    if len(value) != 16 or not _DIGITS.fullmatch(value):
        return CheckResult(value, tuple(issues), None)
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    recorded = None
    if not (1 <= day <= 31 and 1 <= month <= 12):
        issues.append(Issue(Severity.ERROR, "kk.date", _(
            "The recording date part of the KK ({digits}) has an impossible day or month. "
            "Please check digits 7 to 12 against the card."
        ).format(digits=value[6:12])))
    else:
        recorded = _real_date((2000 if yy <= today.year % 100 else 1900) + yy, month, day)
        if recorded is None:
            issues.append(Issue(Severity.WARNING, "kk.date_nonexistent", _(
                "The recording date part of the KK ({digits}) is not a real calendar date. "
                "Please check digits 7 to 12 against the card; some old cards have such dates."
            ).format(digits=value[6:12])))
        elif recorded > today:
            issues.append(Issue(Severity.WARNING, "kk.date_future", _(
                "The recording date in the KK ({recorded}) is in the future. Please check "
                "digits 7 to 12 against the card."
            ).format(recorded=short_date(recorded))))
    if any(i.severity is Severity.ERROR for i in issues):
        return CheckResult(value, tuple(issues), None)
    return CheckResult(value, tuple(issues), KkInfo(value, *_region(value), recorded, value[12:]))


def parse_nik(nik: str, *, today: date | None = None) -> NikInfo:
    """Return the parts of a NIK; raise ValueError (translated message) if it is invalid."""
    result = check_nik(nik, today=today)
    if not result.ok:
        raise ValueError(result.errors[0].message)
    return result.info


def mask_nik(nik: str | None) -> str:
    """Hide the middle of a number: ``3523**********01``; short input is fully starred."""
    value = normalize_number(nik)
    if len(value) < 12:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def nik_region_prefix(nik: str | None) -> str:
    """The dotted kecamatan code of a NIK or KK, e.g. ``35.23.01``."""
    value = normalize_number(nik)
    if len(value) < 6 or not _DIGITS.fullmatch(value[:6]):
        raise ValueError(f"no 6-digit region prefix in {value!r}")
    return _region(value)[2]


def _region_digits(kecamatan_code: str) -> str:
    digits = kecamatan_code.replace(".", "")
    if len(digits) != 6 or not _DIGITS.fullmatch(digits):
        raise ValueError(f"kecamatan code must look like '35.23.01', not {kecamatan_code!r}")
    return digits


def _serial(serial: int) -> str:
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial must be 1-9999, not {serial!r}")
    return f"{serial:04d}"


def make_nik(*, kecamatan_code: str, birth_date: date, sex: str, serial: int) -> str:
    """Build a NIK (for demo data and tests)."""
    if sex not in ("L", "P"):
        raise ValueError(f"sex must be 'L' or 'P', not {sex!r}")
    day = birth_date.day + (40 if sex == "P" else 0)
    return (f"{_region_digits(kecamatan_code)}{day:02d}{birth_date:%m}"
            f"{birth_date.year % 100:02d}{_serial(serial)}")


def make_kk(*, kecamatan_code: str, recorded: date, serial: int) -> str:
    """Build a No. KK (for demo data and tests)."""
    region, serial_digits = _region_digits(kecamatan_code), _serial(serial)
    return f"{region}{recorded:%d%m}{recorded.year % 100:02d}{serial_digits}"
