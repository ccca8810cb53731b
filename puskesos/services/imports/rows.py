"""Rows of a DTSEN extract or BNBA list: each row's cells → the values stored.

:func:`normalise_row` is the reference rule for one row; :class:`Normaliser`
gives the same answer for every row of an import, faster: it reads a block
of rows a column at a time, remembers the answer for repeated cell values
(:class:`Memo`) and checks a well-formed NIK without building check objects.
tests/unit/test_import_normaliser.py holds both to the same answers.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from operator import itemgetter
from typing import Any

from ...core import codes
from ...core.questions import HOUSEHOLD_QUESTIONS, MEMBER_QUESTIONS, Question, read_answer
from ...core.identifiers import PROVINCE_CODES, Severity, check_kk, check_nik, nik_birth
from ...core.normalize import date_cell, identifier_cell, int_cell, sex_cell, text_cell
from ...i18n import _
from ...formats import SourceRow, display_cells
from .texts import (NAME_LIMIT, Flagged, dropped as _dropped, dtsen_field, flagged as _flagged,
                    name_field, no_name_reason as _no_name_reason, text_field,
                    unflag as _unflag)

MEMBER_FIELDS = ("name", "sex", "birth_place", "birth_date", "relationship_code", "presence")
#: a household's values in a row: identity and area, then the answers to the household's
#: DTSEN questions (core.questions; None where the file has no column for one)
HOUSEHOLD_BASE = ("dtsen_id", "no_kk", "address", "dusun", "rt", "rw", "desil")
HOUSEHOLD_ANSWERS = tuple(q.field for q in HOUSEHOLD_QUESTIONS)
HOUSEHOLD_FIELDS = HOUSEHOLD_BASE + HOUSEHOLD_ANSWERS
MEMBER_ANSWERS = tuple(q.field for q in MEMBER_QUESTIONS)
NO_HOUSEHOLD_ANSWERS = (None,) * len(HOUSEHOLD_ANSWERS)

_RELATIONSHIP_WORDS = {
    "KEPALA KELUARGA": "1", "KEPALA RUMAH TANGGA": "1", "KK": "1", "KRT": "1",
    "ISTRI": "2", "SUAMI": "2", "ISTRI/SUAMI": "2", "SUAMI/ISTRI": "2", "PASANGAN": "2",
    "ANAK": "3", "ANAK KANDUNG": "3", "ANAK TIRI": "3", "ANAK ANGKAT": "3",
    "MENANTU": "4", "CUCU": "5", "ORANG TUA": "6", "ORANGTUA": "6", "MERTUA": "6",
    "ORANG TUA/MERTUA": "6", "PEMBANTU": "7", "PEMBANTU/SOPIR": "7", "SOPIR": "7",
    "FAMILI LAIN": "8", "LAINNYA": "8", "LAIN-LAIN": "8",
}



def _relationship(value: Any) -> tuple[str | None, str | None]:
    text = text_cell(value)
    if not text:
        return None, None
    folded = " ".join(text.upper().replace(".", " ").split())
    if folded in _RELATIONSHIP_WORDS:
        return _RELATIONSHIP_WORDS[folded], None
    try:
        member = codes.Relationship.from_code(folded.split()[0])
        return member.value, None
    except (ValueError, IndexError):
        pass
    for m in codes.Relationship:
        if m.label.upper() == folded:
            return m.value, None
    return None, _("'{value}' is not a known relationship to the head of family.").format(
        value=text)


def _presence(value: Any) -> tuple[str | None, str | None]:
    text = text_cell(value)
    if not text:
        return None, None
    folded = text.upper()
    for m in codes.Presence:
        if m.label.upper() == folded or m.value == folded.split()[0]:
            return m.value, None
    words = {"TINGGAL": "1", "ADA": "1", "MENINGGAL": "2", "WAFAT": "2", "PINDAH": "3",
             "TIDAK DITEMUKAN": "6"}
    for word, code in words.items():
        if folded.startswith(word):
            return code, None
    return None, _("'{value}' is not a known presence status.").format(value=text)


class Row:
    """One usable row of the file: its stored values and the warnings about it."""

    __slots__ = ("line", "nik", "placeholder", "member", "hvalues", "warnings", "raw_kk",
                 "issue", "_source", "_raw", "_pad", "_household")

    def __init__(self, line: int, source: SourceRow | None, raw: list | None, pad: int,
                 nik: str | None, placeholder: bool, member: dict, hvalues: tuple,
                 warnings: list[str], raw_kk: str | None) -> None:
        self.line = line
        self.nik = nik
        self.placeholder = placeholder
        self.member = member
        self.hvalues = hvalues      # the household's values in HOUSEHOLD_FIELDS order
        self.warnings = warnings
        self.raw_kk = raw_kk
        self.issue = None           # the RowIssue of its warnings, if it has some
        self._source, self._raw, self._pad = source, raw, pad
        self._household = None

    @property
    def household(self) -> dict:
        """The household's values by field (made when first asked for)."""
        h = self._household
        if h is None:
            h = self._household = dict(zip(HOUSEHOLD_FIELDS, self.hvalues))
        return h

    @property
    def cells(self) -> tuple[str, ...]:
        """The original cells (built only for rows that go into the report)."""
        if self._source is not None:
            return self._source.cells
        return display_cells(self._raw or [], self._pad)


def normalise_row(row: SourceRow, *, today: date | None = None) -> tuple[Row | None, str | None]:
    """Cells of a source row → stored values, or (None, reason) for a rejected row.

    The reference rule; an import uses :class:`Normaliser`, which gives the
    same answer for every row, faster.
    """
    v = row.values
    out = Row(row.line, row, None, 0, None, False, {}, (), [], None)
    nik, error = identifier_cell(v.get("nik"), "NIK")
    if error:
        return None, error
    if not nik:
        return None, _no_nik_reason()
    sex, error = sex_cell(v.get("sex"))
    if error:
        out.warnings.append(f"{error} {_dropped()}")
    born, error = date_cell(v.get("birth_date"))
    if error:
        out.warnings.append(f"{error} {_dropped()}")
    result = check_nik(nik, birth_date=born, sex=sex, today=today)
    errors = [i for i in result.issues if i.severity is Severity.ERROR]
    if errors:
        return None, errors[0].message
    said = [i.message for i in result.issues if i.severity is Severity.WARNING]
    if said:
        out.warnings += [*said, _as_written()]
    out.nik = result.value
    out.placeholder = bool(result.info and result.info.placeholder)
    if sex is None and result.info and result.info.sex:
        sex = result.info.sex  # the NIK tells the sex when the file does not
    name, refused, said = name_field(v.get("name"))
    if refused:
        return None, refused
    if said:
        out.warnings.append(said)
    relationship, error = _relationship(v.get("relationship"))
    if error:
        out.warnings.append(f"{error} {_dropped()}")
    presence, error = _presence(v.get("presence"))
    if error:
        out.warnings.append(f"{error} {_dropped()}")
    birth_place, error = text_field("member", "birth_place", v.get("birth_place"))
    if error:
        out.warnings.append(error)
    out.member = {"name": name, "sex": sex, "birth_date": born,
                  "birth_place": birth_place,
                  "relationship_code": relationship, "presence": presence}
    kk, error = identifier_cell(v.get("no_kk"), "KK")
    raw_kk = text_cell(v.get("no_kk"))
    if error:
        out.warnings.append(f"{error} {_dropped()}")
        kk = None
    if kk:
        kk_result = check_kk(kk, today=today)
        if not kk_result.ok:
            out.warnings.append(f"{kk_result.errors[0].message} {_dropped()}")
            kk = None
        else:
            kk = kk_result.value
            raw_kk = None
    dtsen, error = dtsen_field(v.get("dtsen_id"))
    if error:
        out.warnings.append(error)
    area = {}
    for key in ("rt", "rw"):
        number, error = int_cell(v.get(key), 0, 999)
        if error:
            out.warnings.append(f"{error} {_dropped()}")
        area[key] = f"{number:03d}" if number is not None else None
    desil, error = int_cell(v.get("desil"), 1, 10)
    if error:
        out.warnings.append(f"{error} {_dropped()}")
    texts = {}
    for key in ("address", "dusun"):
        texts[key], error = text_field("household", key, v.get(key))
        if error:
            out.warnings.append(error)
    household = {"no_kk": kk, "dtsen_id": dtsen, "address": texts["address"],
                 "dusun": texts["dusun"], "rt": area["rt"], "rw": area["rw"], "desil": desil}
    for q in QUESTIONS:
        if q.field not in v:
            continue
        answer, error = read_cell_answer(q, v[q.field])
        if error:
            out.warnings.append(f"{error} {_dropped()}")
        elif answer is not None:
            (out.member if q.entity == "member" else household)[q.field] = answer
    out.hvalues = tuple(household.get(f) for f in HOUSEHOLD_FIELDS)
    out.raw_kk = raw_kk  # an unusable KK still keeps a family's rows together
    return out, None


QUESTIONS = MEMBER_QUESTIONS + HOUSEHOLD_QUESTIONS


def read_cell_answer(q: Question, value: Any) -> tuple[Any, str | None]:
    """(the stored answer, None) of a cell of a question's column, or (None, the
    problem) for an answer the question does not take."""
    try:
        return read_answer(q, value), None
    except ValueError:
        return None, _("{question}: '{value}' is not an answer to this question.").format(
            question=_(q.label), value=text_cell(value))


def _as_written() -> str:
    """Said after the warnings about a NIK that is kept as the file gives it."""
    return _("The row is imported as written.")


class Reason(str):
    """Why a row was refused, in the user's language, with the code that names the
    case whatever the language (``code``; None where nothing looks for the case)."""

    code: str | None

    def __new__(cls, text: str, code: str | None = None):
        obj = super().__new__(cls, text)
        obj.code = code
        return obj


#: the code of a row refused for having no NIK (what the import looks for afterwards)
NO_NIK = "no_nik"


def _no_nik_reason() -> Reason:
    return Reason(_("The row has no NIK. Add the NIK, or the DTSEN placeholder code for a "
                    "person without one."), NO_NIK)


#: the fields :class:`Normaliser` reads, in the order it unpacks them
FIELDS = ("nik", "sex", "birth_date", "name", "relationship", "presence", "birth_place",
           "no_kk", "dtsen_id", "rt", "rw", "desil", "address", "dusun")
MEMO_LIMIT = 50_000     # answers kept per cell kind: memory stays bounded


class Memo(dict):
    """Answers of a pure cell reader, by cell value.

    Files repeat dates, places, codes and each family's No KK and address, so
    most cells are read once per import.  1, 1.0 and True are equal keys but
    not the same cell: a column whose cells are all of one type is looked up
    in that type's own memo (:meth:`typed`), keyed by the cell itself; a
    column of mixed types here, keyed by (type, value) (a text cell is its
    own key in both, since no other type equals a text).
    """

    __slots__ = ("read", "_typed")

    def __init__(self, read) -> None:
        super().__init__()
        self.read = read
        self._typed: dict[type, Memo] = {str: self}

    def __missing__(self, key):
        answer = self.read(key[1] if type(key) is tuple else key)
        if len(self) < MEMO_LIMIT:
            self[key] = answer
        return answer

    def typed(self, kind: type) -> "Memo":
        """The memo for cells of type ``kind`` only (keyed by the cell)."""
        memo = self._typed.get(kind)
        if memo is None:
            memo = self._typed[kind] = Memo(self.read)
            memo._typed = self._typed
        return memo


class Normaliser:
    """:func:`normalise_row` for the rows of one import, with the same answers.

    Reads the cells in the order :func:`_data_rows` gives them, remembers the
    answer for repeated cell values (:class:`Memo`) and checks a well-formed
    NIK without building check objects: its region, serial and date part are
    tested here, the date part's meaning is remembered per DDMMYY; any NIK
    that is not plainly valid and consistent with the row goes through
    :func:`check_nik` for its exact messages.
    """

    def __init__(self, keys: tuple[str, ...], today: date | None) -> None:
        absent = len(keys)   # the index of the None added after the cells
        self.pick = itemgetter(*[keys.index(f) if f in keys else absent for f in FIELDS])
        self.today = today or date.today()
        self.sex = Memo(sex_cell)
        self.dates = Memo(date_cell)
        self.places = Memo(_flagged(partial(text_field, "member", "birth_place")))
        self.addresses = Memo(_flagged(partial(text_field, "household", "address")))
        self.dusuns = Memo(_flagged(partial(text_field, "household", "dusun")))
        self.relationships = Memo(_relationship)
        self.presences = Memo(_presence)
        self.kks = Memo(self._kk)
        self.dtsen = Memo(_flagged(dtsen_field))
        #: the cells a family's rows repeat and no other family has (its No KK, ID DTSEN
        #: and address): remembered for one block only (see :meth:`looked_up`)
        self._of_families = (self.kks, self.dtsen, self.addresses)
        self.areas = Memo(self._area)
        self.desils = Memo(lambda value: int_cell(value, 1, 10))
        self.nik_dates: dict[str, tuple[date, str] | None] = {}
        self.iso_dates: dict[date, str] = {}     # a date's ISO text (SQLite stores it)
        #: the DTSEN questions the file has a column for, with the column and a memo
        self.questions = [(q, keys.index(q.field), Memo(partial(read_cell_answer, q)))
                          for q in QUESTIONS if q.field in keys]
        self.member_answers = tuple(q.field for q, _i, _m in self.questions
                                    if q.entity == "member")
        self.household_answers = tuple(q.field for q, _i, _m in self.questions
                                       if q.entity == "household")

    def _kk(self, value: Any) -> tuple[str | None, str | None, str | None]:
        """(No KK, the unusable KK text, warning) of a No KK cell."""
        if (type(value) is str and len(value) == 16 and value.isdigit() and value.isascii()
                and value[:2] in PROVINCE_CODES and value[2:4] != "00" and value[4:6] != "00"
                and value[12:] != "0000"                                # well_formed
                and "01" <= value[6:8] <= "31" and "01" <= value[8:10] <= "12"):  # kk_date_ok
            return value, None, None          # what the lines below give, faster
        kk, error = identifier_cell(value, "KK")
        raw_kk = text_cell(value)
        if error:
            return None, raw_kk, error
        if kk:
            result = check_kk(kk, today=self.today)
            if not result.ok:
                return None, raw_kk, result.errors[0].message
            return result.value, None, None
        return kk, raw_kk, None

    @staticmethod
    def _area(value: Any) -> tuple[str | None, str | None]:
        number, error = int_cell(value, 0, 999)
        return (f"{number:03d}" if number is not None else None), error

    def _nik_date(self, nik: str) -> tuple[date, str] | None:
        """:func:`nik_birth` of a well-formed NIK, remembered by its date part."""
        part = nik[6:12]
        try:
            return self.nik_dates[part]
        except KeyError:
            pass
        answer = nik_birth(nik, self.today)
        if len(self.nik_dates) < MEMO_LIMIT:
            self.nik_dates[part] = answer
        return answer

    def _column(self, memo: Memo, values: tuple) -> list:
        """``memo`` looked up for each cell of a column (see :class:`Memo` for the keys)."""
        kinds = set(map(type, values))
        if len(kinds) == 1:
            return list(map(memo.typed(kinds.pop()).__getitem__, values))
        if int not in kinds and bool not in kinds:
            # no two cells can be equal but of another type: the cells are the keys
            return list(map(memo.__getitem__, values))
        return [memo[v if type(v) is str else (type(v), v)] for v in values]

    def looked_up(self, block: list[tuple[int, list, tuple]]) -> list[list]:
        """The columns of ``block`` in :data:`FIELDS` order, each cell read by its
        cell reader (remembered answers: ``(value, problem)`` pairs, a No KK's
        triple, a text field's value or :class:`Flagged`), except NIK and name:
        their raw cells."""
        n = len(block)
        # a family's rows stand together in an extract: its No KK, ID DTSEN and address
        # are read again at most once when it spans two blocks, and the memory of some
        # 30,000 families' answers (12-15 MB at 100,000 members, where the import's
        # memory is at its peak) is not held to the end
        for memo in self._of_families:
            for typed in memo._typed.values():
                typed.clear()
        (nik_c, sex_c, born_c, name_c, rel_c, pres_c, place_c, kk_c, dtsen_c, rt_c, rw_c,
         desil_c, address_c, dusun_c) = self.pick(
            tuple(zip(*[cells for _line, _raw, cells in block])) + ((None,) * n,))
        look = self._column
        return [nik_c, look(self.sex, sex_c), look(self.dates, born_c), name_c,
                look(self.relationships, rel_c), look(self.presences, pres_c),
                look(self.places, place_c), look(self.kks, kk_c), look(self.dtsen, dtsen_c),
                look(self.areas, rt_c), look(self.areas, rw_c), look(self.desils, desil_c),
                look(self.addresses, address_c), look(self.dusuns, dusun_c)]

    def block(self, block: list[tuple[int, list, tuple]], pad: int
              ) -> list[tuple[Row | None, str | None]]:
        """:func:`normalise_row` of each ``(line, raw row, cells)``, in order.

        Repeated cell values are looked up a column at a time; the loop then
        only puts each row together.
        """
        if not block:
            return []
        out: list[tuple[Row | None, str | None]] = []
        append = out.append
        # what happens to a row with a warning, said after it
        dropped, as_written = _dropped(), _as_written()
        answers = self._answers(block) if self.questions else None
        nik_date = self.nik_dates.get
        today = self.today
        provinces = PROVINCE_CODES
        for ((line, raw, _cells), nik, (sex, sex_error), (born, born_error), name,
             (relationship, rel_error), (presence, pres_error), birth_place,
             (kk, raw_kk, kk_error), dtsen, (rt, rt_error), (rw, rw_error),
             (desil, desil_error), address, dusun) in zip(block, *self.looked_up(block)):
            if not (type(nik) is str and nik.isdigit() and nik.isascii()):
                nik, error = identifier_cell(nik, "NIK")
                if error:
                    append((None, error))
                    continue
                if not nik:
                    append((None, _no_nik_reason()))
                    continue
            warnings = []
            if sex_error:
                warnings.append(f"{sex_error} {dropped}")
            if born_error:
                warnings.append(f"{born_error} {dropped}")
            placeholder = False
            known = None
            if (len(nik) == 16 and nik[:2] in provinces and nik[2:4] != "00"
                    and nik[4:6] != "00" and nik[12:] != "0000"
                    and nik.isdigit() and nik.isascii()):       # well_formed(nik)
                known = nik_date(nik[6:12], False)
                if known is False:
                    known = self._nik_date(nik)
                if known is not None:
                    nik_born, nik_sex = known
                    if ((born is not None and nik_born != born
                         and (nik_born.day != born.day or nik_born.month != born.month
                              or nik_born.year % 100 != born.year % 100))
                            or (sex is not None and sex != nik_sex)):
                        known = None   # a warning to word: check_nik words it
                    elif sex is None:
                        sex = nik_sex
            if known is None:
                result = check_nik(nik, birth_date=born, sex=sex, today=today)
                issues = result.issues
                rejected = next((i.message for i in issues if i.severity is Severity.ERROR),
                                None)
                if rejected is not None:
                    append((None, rejected))
                    continue
                said = [i.message for i in issues if i.severity is Severity.WARNING]
                if said:
                    warnings += said
                    warnings.append(as_written)
                nik = result.value
                info = result.info
                placeholder = bool(info and info.placeholder)
                if sex is None and info and info.sex:
                    sex = info.sex
            if (type(name) is str and name.isascii() and name.isprintable()
                    and len(name) <= NAME_LIMIT):
                name = " ".join(name.split()).upper()
                if not name:
                    append((None, _no_name_reason()))
                    continue
            else:
                name, refused, said = name_field(name)
                if refused:
                    append((None, refused))
                    continue
                if said:
                    warnings.append(said)
            if (type(birth_place) is Flagged or type(dtsen) is Flagged
                    or type(address) is Flagged or type(dusun) is Flagged):
                # (rare) in normalise_row's order; these come worded whole
                place_error, birth_place = _unflag(birth_place)
                dtsen_error, dtsen = _unflag(dtsen)
                address_error, address = _unflag(address)
                dusun_error, dusun = _unflag(dusun)
                for error, worded in ((rel_error, False), (pres_error, False),
                                      (place_error, True), (kk_error, False),
                                      (dtsen_error, True), (rt_error, False),
                                      (rw_error, False), (desil_error, False),
                                      (address_error, True), (dusun_error, True)):
                    if error:
                        warnings.append(error if worded else f"{error} {dropped}")
            else:
                for error in (rel_error, pres_error, kk_error, rt_error, rw_error,
                              desil_error):
                    if error:
                        warnings.append(f"{error} {dropped}")
            member = {"name": name, "sex": sex, "birth_date": born,
                      "birth_place": birth_place, "relationship_code": relationship,
                      "presence": presence}
            household = (dtsen, kk, address, dusun, rt, rw, desil)    # HOUSEHOLD_BASE
            if answers is None:
                household += NO_HOUSEHOLD_ANSWERS
            else:
                given, household_given, errors = answers[len(out)]
                member.update(given)
                household += household_given
                warnings += [f"{error} {dropped}" for error in errors]
            append((Row(line, None, raw, pad, nik, placeholder, member, household,
                        warnings, raw_kk), None))
        return out

    def _answers(self, block: list[tuple[int, list, tuple]]) -> list[tuple]:
        """For each row of ``block``: (the member's answers given, by field; the
        household's answers in HOUSEHOLD_ANSWERS order; the problems)."""
        member_qs = [(q.field, column, memo) for q, column, memo in self.questions
                     if q.entity == "member"]
        household_qs = {q.field: (column, memo) for q, column, memo in self.questions
                        if q.entity == "household"}
        out = []
        for _line, _raw, cells in block:
            given, errors = {}, []
            for field, column, memo in member_qs:
                answer, error = memo[_memo_key(cells[column])]
                if error:
                    errors.append(error)
                elif answer is not None:
                    given[field] = answer
            household = []
            for field in HOUSEHOLD_ANSWERS:
                found = household_qs.get(field)
                answer = None
                if found is not None:
                    answer, error = found[1][_memo_key(cells[found[0]])]
                    if error:
                        errors.append(error)
                household.append(answer)
            out.append((given, tuple(household), errors))
        return out


def _memo_key(value: Any):
    """A cell as a :class:`Memo` key: 1, 1.0 and True are told apart."""
    return value if type(value) is str else (type(value), value)

