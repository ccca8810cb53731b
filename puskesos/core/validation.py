"""Rules for a household and its members, shared by the services and the window.

Errors block saving; warnings are shown and may be accepted with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date

from ..errors import InvalidInput
from ..i18n import _
from . import codes
from .field_names import HOUSEHOLD_LABELS, MEMBER_LABELS
from .identifiers import Severity, check_kk, check_nik
from .normalize import strip_hostile, text_limit, text_problem
from .questions import HOUSEHOLD_QUESTIONS, MEMBER_QUESTIONS, FlagSet, Question, with_answers
from .regions import regions

MAX_AGE_YEARS = 120


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_in_years(born: date, on: date) -> int:
    """Completed years of life on the day ``on`` (a birthday counts from that day)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Problem:
    """One problem with one field of one record (``member`` is its index or None)."""

    field: str
    severity: Severity
    code: str
    message: str
    member: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


@dataclass(frozen=True)
class _MemberBase:
    """Editable fields of a member; ``id`` is None for a new one."""

    name: str
    sex: str
    relationship_code: str
    nik: str | None = None
    birth_place: str | None = None
    birth_date: date | None = None
    marital_status: str | None = None
    religion: str | None = None
    school_attendance: str | None = None
    education_level: str | None = None
    work_status: str | None = None
    occupation: str | None = None
    disability: str | None = None
    chronic_illness: str | None = None
    pregnant: bool | None = None
    presence: str = codes.Presence.TINGGAL.value
    presence_date: date | None = None
    presence_note: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class _HouseholdBase:
    """Editable fields of a household (the imported desil is not among them)."""

    no_kk: str | None = None
    dtsen_id: str | None = None
    dusun: str | None = None
    rw: str | None = None
    rt: str | None = None
    address: str | None = None
    phone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    family_status: str | None = None
    building_ownership: str | None = None
    land_proof: str | None = None
    floor_area: float | None = None
    floor: str | None = None
    wall: str | None = None
    roof: str | None = None
    drinking_water: str | None = None
    septic_distance: str | None = None
    lighting: str | None = None
    power_capacity: str | None = None
    cooking_fuel: str | None = None
    toilet_facility: str | None = None
    toilet_type: str | None = None
    sewage_disposal: str | None = None
    assets: dict | None = field(default=None, hash=False, compare=True)
    note: str | None = None


MemberInput = with_answers(
    "MemberInput", _MemberBase, MEMBER_QUESTIONS, module=__name__,
    doc="Editable fields of a member (the DTSEN questions of core.questions included); "
        "``id`` is None for a new one.")
HouseholdInput = with_answers(
    "HouseholdInput", _HouseholdBase, HOUSEHOLD_QUESTIONS, module=__name__,
    doc="Editable fields of a household (the DTSEN questions of core.questions "
        "included; the imported desil is not among them).")


#: field name -> code list, for drop-downs and validation
MEMBER_CODE_FIELDS: dict[str, type[codes.CodeList]] = {
    "sex": codes.Sex,
    "relationship_code": codes.Relationship,
    "marital_status": codes.MaritalStatus,
    "religion": codes.Religion,
    "school_attendance": codes.SchoolAttendance,
    "education_level": codes.EducationLevel,
    "work_status": codes.WorkStatus,
    "disability": codes.Disability,
    "chronic_illness": codes.ChronicIllness,
    "presence": codes.Presence,
    **{q.field: q.choices for q in MEMBER_QUESTIONS if q.kind == "code"},
}

HOUSEHOLD_CODE_FIELDS: dict[str, type[codes.CodeList]] = {
    "family_status": codes.FamilyStatus,
    "building_ownership": codes.BuildingOwnership,
    "land_proof": codes.LandProof,
    "floor": codes.Floor,
    "wall": codes.Wall,
    "roof": codes.Roof,
    "drinking_water": codes.DrinkingWater,
    "septic_distance": codes.SepticDistance,
    "lighting": codes.Lighting,
    "power_capacity": codes.PowerCapacity,
    "cooking_fuel": codes.CookingFuel,
    "toilet_facility": codes.ToiletFacility,
    "toilet_type": codes.ToiletType,
    "sewage_disposal": codes.SewageDisposal,
    **{q.field: q.choices for q in HOUSEHOLD_QUESTIONS if q.kind == "code"},
}

HOUSEHOLD_FIELDS = tuple(f.name for f in fields(HouseholdInput))
MEMBER_FIELDS = tuple(f.name for f in fields(MemberInput) if f.name != "id")


def _code_problems(obj, code_fields, member: int | None,
                   told: set[str] = frozenset()) -> list[Problem]:
    """A problem for each coded field whose value is not on its list (``told``: fields
    whose own rule already said what is wrong: one message per mistake)."""
    out = []
    for name, code_list in code_fields.items():
        value = getattr(obj, name)
        if value in (None, "") or name in told:
            continue
        try:
            code_list.from_code(value)
        except ValueError:
            out.append(Problem(name, Severity.ERROR, "code.unknown",
                               _("'{value}' is not a valid choice for this field.")
                               .format(value=value), member))
    return out


def _answer_problems(obj, questions: tuple[Question, ...], member: int | None
                     ) -> list[Problem]:
    """Ticked answers, counts and areas that the question does not take (code answers
    are checked with the other code fields)."""
    out = []
    for q in questions:
        value = getattr(obj, q.field)
        if value in (None, "") or q.kind == "code":
            continue
        if isinstance(q.choices, FlagSet):
            ok = q.choices.valid(value)
        elif q.kind == "count":
            ok = isinstance(value, int) and not isinstance(value, bool) \
                and 0 <= value <= q.maximum
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) \
                and 0 <= value < 100_000_000
        if not ok:
            out.append(Problem(q.field, Severity.ERROR, "answer.invalid",
                               _answer_rule(q).format(value=value), member))
    return out


def _answer_rule(q: Question) -> str:
    if q.kind == "flags":
        return _("'{value}' is not an answer to this question: tick the items that apply.")
    if q.kind == "count":
        return _("'{value}' is not a number from 0 to {n}.").replace("{n}", str(q.maximum))
    return _("The area must be a number of square metres, 0 or more.")


#: the free-text fields of a member and of a household: no control or text-direction
#: characters, at most their limit (core.normalize.TEXT_LIMITS)
MEMBER_TEXT_FIELDS = ("name", "birth_place", "occupation", "presence_note")
HOUSEHOLD_TEXT_FIELDS = ("dtsen_id", "dusun", "address", "phone", "note")


def _text_problems(obj, names: tuple[str, ...], labels: dict, member: int | None
                   ) -> list[Problem]:
    out = []
    for name in names:
        value = getattr(obj, name)
        if type(value) is not str or not value:
            continue
        said = text_problem(_(labels[name]), value, text_limit(name))
        if said:
            code = "text.hostile" if strip_hostile(value)[1] else "text.too_long"
            out.append(Problem(name, Severity.ERROR, code, said, member))
    return out


def strip_hostile_text(obj, kind: str) -> tuple[object, list[str]]:
    """``obj`` (a :class:`MemberInput` or :class:`HouseholdInput`, ``kind``
    "member" or "household") without control or text-direction characters in its
    text fields, and the fields they were removed from (a form does this on saving
    and says so; the services refuse what is left, :func:`check_member`)."""
    names = MEMBER_TEXT_FIELDS if kind == "member" else HOUSEHOLD_TEXT_FIELDS
    changed, cleaned = {}, []
    for name in names:
        value = getattr(obj, name)
        if type(value) is str and value:
            text, removed = strip_hostile(value)
            if removed:
                changed[name] = text
                cleaned.append(name)
    return (replace(obj, **changed) if changed else obj), cleaned


#: limits of free texts outside the registry (the database columns, models/)
NAME_LIMIT = 120          # a person's or an officer's name, a position
SHORT_NOTE_LIMIT = 300    # a finding's or a decision's note, an agenda
PLACE_LIMIT = 200         # a place, a letter's subject, a village identity's text
LONG_NOTE_LIMIT = 4000    # a note without a column limit


def checked_text(label: str, value: str | None, limit: int | None, *,
                 lines: bool = False) -> str | None:
    """``value`` trimmed (None when empty) for a service to store, or
    :class:`InvalidInput` naming the field ``label``: control or text-direction
    characters (a field of several ``lines`` may hold tab and line breaks), or
    more than ``limit`` characters (never cut; None: a rule of its own checks it)."""
    if value is None:
        return None
    text = value.strip()
    said = text_problem(label, text, limit, lines=lines)
    if said:
        raise InvalidInput(said)
    return text or None


def _area_number(value: str | None) -> bool:
    return value in (None, "") or (value.isascii() and value.isdigit() and len(value) <= 3)


def check_member(m: MemberInput, *, index: int | None = None,
                 today: date | None = None) -> list[Problem]:
    today = today or date.today()
    out: list[Problem] = []
    if not (m.name or "").strip():
        out.append(Problem("name", Severity.ERROR, "name.empty",
                           _("The name is empty. Type the name as on the KTP/KK."), index))
    if m.sex not in ("L", "P"):
        out.append(Problem("sex", Severity.ERROR, "sex.invalid",
                           _("Choose the sex: L (male) or P (female)."), index))
    if not m.relationship_code:
        out.append(Problem("relationship_code", Severity.ERROR, "relationship.empty",
                           _("Choose the relationship to the head of the family."), index))
    if m.birth_date is not None:
        if m.birth_date > today:
            out.append(Problem("birth_date", Severity.ERROR, "birth_date.future",
                               _("The date of birth is in the future. Check the date."),
                               index))
        elif m.birth_date < years_before(today, MAX_AGE_YEARS):
            out.append(Problem("birth_date", Severity.ERROR, "birth_date.too_old",
                               _("The date of birth is more than {n} years ago. Check "
                                 "the year.").format(n=MAX_AGE_YEARS), index))
    if m.presence_date is not None and m.presence_date > today:
        out.append(Problem("presence_date", Severity.ERROR, "presence_date.future",
                           _("The date of death or moving is in the future. Check the "
                             "date."), index))
    if m.pregnant and m.sex == "L":
        out.append(Problem("pregnant", Severity.ERROR, "pregnant.male",
                           _("Only a woman can be marked pregnant."), index))
    if (m.nik or "").strip():
        sex = m.sex if m.sex in ("L", "P") else None
        result = check_nik(m.nik, birth_date=m.birth_date, sex=sex, today=today)
        for issue in result.issues:
            out.append(Problem("nik", issue.severity, issue.code, issue.message, index))
        if result.ok and result.info is not None and not result.info.placeholder \
                and not regions().has_kecamatan(result.value[:6]):
            # Kecamatan are split and renamed (pemekaran): an old prefix is real.
            out.append(Problem("nik", Severity.WARNING, "nik.kecamatan_unknown",
                               _("The NIK's region code {code} is not on the current "
                                 "kecamatan list. Check the first six digits against the "
                                 "card; an older code can be right after a region split.")
                               .format(code=result.info.kecamatan), index))
    else:
        out.append(Problem("nik", Severity.WARNING, "nik.missing",
                           _("No NIK. Ask for the KK/KTP, or use the DTSEN placeholder code "
                             "for a person without a NIK."), index))
    out.extend(_text_problems(m, MEMBER_TEXT_FIELDS, MEMBER_LABELS, index))
    out.extend(_code_problems(m, MEMBER_CODE_FIELDS, index, {p.field for p in out}))
    out.extend(_answer_problems(m, MEMBER_QUESTIONS, index))
    return out


def check_household(h: HouseholdInput, members: list[MemberInput], *,
                    today: date | None = None) -> list[Problem]:
    """All problems of a household with its (non-removed) members."""
    out: list[Problem] = []
    if (h.no_kk or "").strip():
        for issue in check_kk(h.no_kk, today=today).issues:
            out.append(Problem("no_kk", issue.severity, issue.code, issue.message))
    else:
        out.append(Problem("no_kk", Severity.WARNING, "kk.missing",
                           _("No Kartu Keluarga number. Copy it from the family's KK.")))
    for name in ("rt", "rw"):
        if not _area_number(getattr(h, name)):
            out.append(Problem(name, Severity.ERROR, "area.invalid",
                               _("RT and RW are numbers of at most 3 digits.")))
    if h.floor_area is not None and not (1 <= h.floor_area <= 9999):
        out.append(Problem("floor_area", Severity.ERROR, "floor_area.invalid",
                           _("The floor area must be between 1 and 9,999 m².")))
    for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
        value = getattr(h, name)
        if value is not None and not (-limit <= value <= limit):
            out.append(Problem(name, Severity.ERROR, "position.invalid",
                               _("The position must be decimal degrees, e.g. latitude -6.91 "
                                 "and longitude 111.95.")))
    out.extend(_text_problems(h, HOUSEHOLD_TEXT_FIELDS, HOUSEHOLD_LABELS, None))
    out.extend(_code_problems(h, HOUSEHOLD_CODE_FIELDS, None))
    out.extend(_answer_problems(h, HOUSEHOLD_QUESTIONS, None))
    if not members:
        out.append(Problem("members", Severity.ERROR, "members.empty",
                           _("A household needs at least one member.")))
    present = [m for m in members if m.presence in codes.LIVING]
    heads = [i for i, m in enumerate(members)
             if m.relationship_code == codes.Relationship.KEPALA.value
             and m.presence in codes.LIVING]
    if members and present and not heads:
        out.append(Problem("members", Severity.ERROR, "head.missing",
                           _("The household has no head of family. Mark one member as "
                             "'Kepala keluarga'.")))
    elif len(heads) > 1:
        out.append(Problem("members", Severity.ERROR, "head.multiple",
                           _("The household has {n} heads of family. Only one member can "
                             "be 'Kepala keluarga'.").format(n=len(heads))))
    seen: dict[str, int] = {}
    for i, m in enumerate(members):
        out.extend(check_member(m, index=i, today=today))
        nik = (m.nik or "").strip()
        if nik and not nik.startswith("99999999999999"):
            if nik in seen:
                out.append(Problem("nik", Severity.ERROR, "nik.duplicate_in_household",
                                   _("This NIK is also given to another member of the same "
                                     "household."), i))
            seen[nik] = i
    return out
