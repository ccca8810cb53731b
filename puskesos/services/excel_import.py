"""Import DTSEN/DTKS extracts and BNBA recipient lists ("sanding data").

One function, :func:`run_import`, serves the wizard and the command line.
It streams the rows of the file, normalises each cell, checks the NIK,
matches each person against the registry (by NIK, then by No KK + name and
date of birth), and classifies every row: new, updated (with each field's
old and new value), unchanged, conflict, rejected.  A dry run does the same
work inside a transaction that is rolled back, so the preview is exactly
what an import would do.  A real import is one transaction, recorded as a
batch: the records it creates carry the batch id, the values it changes are
kept before and after, so :func:`undo_last_import` restores the previous
state exactly.  A blank cell never overwrites a stored value.

Speed (issue #4, bench/bench_import.py): the sheet is parsed once; rows are
read and normalised in blocks, repeated cell values are read once
(:class:`_Normaliser`), new records are written as plain tuples with
time-ordered keys (:class:`_OrderedIds`) and households get their search
text as they are written.  In a registry import, the rows of a block that
are plainly new people (no warning, a valid NIK agreeing with the row, not
seen before, nobody to match) are normalised, checked and stored in one
loop (:meth:`_State.registry_block`); the rest of the block goes the
general way, which words every message.  On SQLite the new rows are
written by a second thread in multi-row statements while the next block is
read (:class:`_Writer`), a large .xlsx sheet is parsed in parts ahead on
another (:mod:`.xlsx_parts`), both at a lower priority than the reading
thread; a large import into a smaller registry builds the NIK index once at
the end, in the same transaction (:meth:`_State.defer_indexes`).
"""

from __future__ import annotations

import difflib
import gc
import json
import os
import queue
import random
import sqlite3
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timezone
from itertools import chain
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..core import codes
from ..core.identifiers import PROVINCE_CODES, Severity, check_kk, check_nik, nik_birth
from ..core.normalize import (date_cell, identifier_cell, int_cell, name_cell, sex_cell,
                              text_cell)
from ..core.permissions import Permission
from ..errors import InvalidInput, NotFound, UserError
from ..i18n import _
from ..jobs import CancelToken, Progress
from ..models import (AuditEvent, Household, ImportBatch, ImportChange, Member, Participation, Program,
                      new_id, utcnow)
from ..threads import lower_priority
from . import audit
from .audit import Change
from .context import Actor, require
from .backup import _sha256
from .registry import compose_search_text
from .spreadsheet import (Header, SheetReader, SourceRow, detect_header, display_cells,
                          open_sheet)

CHUNK = 2000
FUSED = True    # registry imports take plainly new people in one loop (_State.registry_block)
EXAMPLES = 300           # field-level examples kept for the preview
NAME_MATCH = 0.85        # similarity for matching a person without a usable NIK
NAME_CONFLICT = 0.5      # same NIK but a name this different: a person must look

MEMBER_FIELDS = ("name", "sex", "birth_place", "birth_date", "relationship_code", "presence")
HOUSEHOLD_FIELDS = ("dtsen_id", "no_kk", "address", "dusun", "rt", "rw", "desil")

_RELATIONSHIP_WORDS = {
    "KEPALA KELUARGA": "1", "KEPALA RUMAH TANGGA": "1", "KK": "1", "KRT": "1",
    "ISTRI": "2", "SUAMI": "2", "ISTRI/SUAMI": "2", "SUAMI/ISTRI": "2", "PASANGAN": "2",
    "ANAK": "3", "ANAK KANDUNG": "3", "ANAK TIRI": "3", "ANAK ANGKAT": "3",
    "MENANTU": "4", "CUCU": "5", "ORANG TUA": "6", "ORANGTUA": "6", "MERTUA": "6",
    "ORANG TUA/MERTUA": "6", "PEMBANTU": "7", "PEMBANTU/SOPIR": "7", "SOPIR": "7",
    "FAMILI LAIN": "8", "LAINNYA": "8", "LAIN-LAIN": "8",
}


@dataclass
class RowIssue:
    line: int
    kind: str                # "rejected", "warning", "conflict", "duplicate"
    reason: str
    cells: tuple[str, ...]


@dataclass
class FieldChange:
    line: int
    entity: str
    name: str                # the person or household it concerns
    field: str
    old: Any
    new: Any


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    source: str
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0          # new members (registry) or participations (bnba)
    created_households: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    conflicts: int = 0
    duplicates: int = 0
    batch_id: str | None = None
    header: dict = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)

    def summary(self) -> dict:
        data = asdict(self)
        data.pop("changes")
        data.pop("issues")
        return data


class _DryRun(Exception):
    pass


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


class _Row:
    """One usable row of the file: its stored values and the warnings about it."""

    __slots__ = ("line", "nik", "placeholder", "member", "hvalues", "warnings", "raw_kk",
                 "_source", "_raw", "_pad", "_household")

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


def normalise_row(row: SourceRow, *, today: date | None = None) -> tuple[_Row | None, str | None]:
    """Cells of a source row → stored values, or (None, reason) for a rejected row.

    The reference rule; an import uses :class:`_Normaliser`, which gives the
    same answer for every row, faster.
    """
    v = row.values
    out = _Row(row.line, row, None, 0, None, False, {}, (), [], None)
    nik, error = identifier_cell(v.get("nik"), "NIK")
    if error:
        return None, error
    if not nik:
        return None, _("The row has no NIK. Add the NIK, or the DTSEN placeholder code for a "
                       "person without one.")
    sex, error = sex_cell(v.get("sex"))
    if error:
        out.warnings.append(error)
    born, error = date_cell(v.get("birth_date"))
    if error:
        out.warnings.append(error)
    result = check_nik(nik, birth_date=born, sex=sex, today=today)
    errors = [i for i in result.issues if i.severity is Severity.ERROR]
    if errors:
        return None, errors[0].message
    out.warnings += [i.message for i in result.issues if i.severity is Severity.WARNING]
    out.nik = result.value
    out.placeholder = bool(result.info and result.info.placeholder)
    if sex is None and result.info and result.info.sex:
        sex = result.info.sex  # the NIK tells the sex when the file does not
    name = name_cell(v.get("name"))
    if not name:
        return None, _("The row has no name. Type the name as on the KTP/KK.")
    relationship, error = _relationship(v.get("relationship"))
    if error:
        out.warnings.append(error)
    presence, error = _presence(v.get("presence"))
    if error:
        out.warnings.append(error)
    out.member = {"name": name, "sex": sex, "birth_date": born,
                  "birth_place": name_cell(v.get("birth_place")),
                  "relationship_code": relationship, "presence": presence}
    kk, error = identifier_cell(v.get("no_kk"), "KK")
    raw_kk = text_cell(v.get("no_kk"))
    if error:
        out.warnings.append(error)
        kk = None
    if kk:
        kk_result = check_kk(kk, today=today)
        if not kk_result.ok:
            out.warnings.append(kk_result.errors[0].message)
            kk = None
        else:
            kk = kk_result.value
            raw_kk = None
    dtsen, _e = identifier_cell(v.get("dtsen_id"), "ID DTSEN")
    area = {}
    for key in ("rt", "rw"):
        number, error = int_cell(v.get(key), 0, 999)
        if error:
            out.warnings.append(error)
        area[key] = f"{number:03d}" if number is not None else None
    desil, error = int_cell(v.get("desil"), 1, 10)
    if error:
        out.warnings.append(error)
    dusun = name_cell(v.get("dusun"))
    household = {"no_kk": kk, "dtsen_id": dtsen, "address": name_cell(v.get("address")),
                 "dusun": dusun, "rt": area["rt"], "rw": area["rw"], "desil": desil}
    out.hvalues = tuple(household[f] for f in HOUSEHOLD_FIELDS)
    out.raw_kk = raw_kk  # an unusable KK still keeps a family's rows together
    return out, None


def _no_nik_reason() -> str:
    return _("The row has no NIK. Add the NIK, or the DTSEN placeholder code for a "
             "person without one.")


def _no_name_reason() -> str:
    return _("The row has no name. Type the name as on the KTP/KK.")


#: the fields :class:`_Normaliser` reads, in the order it unpacks them
_FIELDS = ("nik", "sex", "birth_date", "name", "relationship", "presence", "birth_place",
           "no_kk", "dtsen_id", "rt", "rw", "desil", "address", "dusun")
_MEMO_LIMIT = 50_000     # answers kept per cell kind: memory stays bounded


class _Memo(dict):
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
        self._typed: dict[type, _Memo] = {str: self}

    def __missing__(self, key):
        answer = self.read(key[1] if type(key) is tuple else key)
        if len(self) < _MEMO_LIMIT:
            self[key] = answer
        return answer

    def typed(self, kind: type) -> "_Memo":
        """The memo for cells of type ``kind`` only (keyed by the cell)."""
        memo = self._typed.get(kind)
        if memo is None:
            memo = self._typed[kind] = _Memo(self.read)
            memo._typed = self._typed
        return memo


class _Normaliser:
    """:func:`normalise_row` for the rows of one import, with the same answers.

    Reads the cells in the order :func:`_data_rows` gives them, remembers the
    answer for repeated cell values (:class:`_Memo`) and checks a well-formed
    NIK without building check objects: its region, serial and date part are
    tested here, the date part's meaning is remembered per DDMMYY; any NIK
    that is not plainly valid and consistent with the row goes through
    :func:`check_nik` for its exact messages.
    """

    def __init__(self, keys: tuple[str, ...], today: date | None) -> None:
        absent = len(keys)   # the index of the None added after the cells
        self.pick = itemgetter(*[keys.index(f) if f in keys else absent for f in _FIELDS])
        self.today = today or date.today()
        self.sex = _Memo(sex_cell)
        self.dates = _Memo(date_cell)
        self.names = _Memo(name_cell)
        self.relationships = _Memo(_relationship)
        self.presences = _Memo(_presence)
        self.kks = _Memo(self._kk)
        self.dtsen = _Memo(lambda value: identifier_cell(value, "ID DTSEN")[0])
        self.areas = _Memo(self._area)
        self.desils = _Memo(lambda value: int_cell(value, 1, 10))
        self.nik_dates: dict[str, tuple[date, str] | None] = {}
        self.iso_dates: dict[date, str] = {}     # a date's ISO text (SQLite stores it)

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
        if len(self.nik_dates) < _MEMO_LIMIT:
            self.nik_dates[part] = answer
        return answer

    def _column(self, memo: _Memo, values: tuple) -> list:
        """``memo`` looked up for each cell of a column (see :class:`_Memo` for the keys)."""
        kinds = set(map(type, values))
        if len(kinds) == 1:
            return list(map(memo.typed(kinds.pop()).__getitem__, values))
        if int not in kinds and bool not in kinds:
            # no two cells can be equal but of another type: the cells are the keys
            return list(map(memo.__getitem__, values))
        return [memo[v if type(v) is str else (type(v), v)] for v in values]

    def looked_up(self, block: list[tuple[int, list, tuple]]) -> list[list]:
        """The columns of ``block`` in :data:`_FIELDS` order, each cell read by its
        cell reader (remembered answers), except NIK and name: their raw cells."""
        n = len(block)
        (nik_c, sex_c, born_c, name_c, rel_c, pres_c, place_c, kk_c, dtsen_c, rt_c, rw_c,
         desil_c, address_c, dusun_c) = self.pick(
            tuple(zip(*[cells for _line, _raw, cells in block])) + ((None,) * n,))
        look = self._column
        names = self.names
        return [nik_c, look(self.sex, sex_c), look(self.dates, born_c), name_c,
                look(self.relationships, rel_c), look(self.presences, pres_c),
                look(names, place_c), look(self.kks, kk_c), look(self.dtsen, dtsen_c),
                look(self.areas, rt_c), look(self.areas, rw_c), look(self.desils, desil_c),
                look(names, address_c), look(names, dusun_c)]

    def block(self, block: list[tuple[int, list, tuple]], pad: int
              ) -> list[tuple[_Row | None, str | None]]:
        """:func:`normalise_row` of each ``(line, raw row, cells)``, in order.

        Repeated cell values are looked up a column at a time; the loop then
        only puts each row together.
        """
        if not block:
            return []
        out: list[tuple[_Row | None, str | None]] = []
        append = out.append
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
                warnings.append(sex_error)
            if born_error:
                warnings.append(born_error)
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
                warnings += [i.message for i in issues if i.severity is Severity.WARNING]
                nik = result.value
                info = result.info
                placeholder = bool(info and info.placeholder)
                if sex is None and info and info.sex:
                    sex = info.sex
            if type(name) is str and name.isascii():
                name = " ".join(name.split()).upper()
            else:
                name = name_cell(name)
            if not name:
                append((None, _no_name_reason()))
                continue
            if rel_error:
                warnings.append(rel_error)
            if pres_error:
                warnings.append(pres_error)
            if kk_error:
                warnings.append(kk_error)
            if rt_error:
                warnings.append(rt_error)
            if rw_error:
                warnings.append(rw_error)
            if desil_error:
                warnings.append(desil_error)
            append((_Row(line, None, raw, pad, nik, placeholder,
                         {"name": name, "sex": sex, "birth_date": born,
                          "birth_place": birth_place, "relationship_code": relationship,
                          "presence": presence},
                         (dtsen, kk, address, dusun, rt, rw, desil),    # HOUSEHOLD_FIELDS
                         warnings, raw_kk), None))
        return out


_line_of = attrgetter("line")


def _real_nik(nik: str | None) -> bool:
    return bool(nik) and not nik.startswith("99999999999999")


def _similar(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a.upper(), b.upper()).ratio()


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class _Index:
    """The registry as the importer needs it, loaded once per import."""

    def __init__(self, s):
        self.members_by_nik: dict[str, dict] = {}
        self.members_by_household: dict[str, list[dict]] = {}
        # households with a member recorded without a real NIK (a superset: a member
        # given its NIK later stays counted); only such a member can be matched by
        # name and date of birth for a row with a real NIK (see _State._match_in_family)
        self.unnumbered: set[str] = set()
        cols = [Member.id, Member.household_id, Member.nik, *[getattr(Member, f)
                                                               for f in MEMBER_FIELDS]]
        for row in s.execute(select(*cols).where(Member.deleted_at.is_(None))
                             .execution_options(yield_per=5000)):
            m = dict(row._mapping)
            self.members_by_household.setdefault(m["household_id"], []).append(m)
            if m["nik"] and not m["nik"].startswith("9999999999999"):
                self.members_by_nik.setdefault(m["nik"], m)
            if not _real_nik(m["nik"]):
                self.unnumbered.add(m["household_id"])
        self.households: dict[str, dict] = {}
        self.by_kk: dict[str, str] = {}
        self.by_dtsen: dict[str, str] = {}
        hcols = [Household.id, Household.desil_period, *[getattr(Household, f)
                                                          for f in HOUSEHOLD_FIELDS]]
        for row in s.execute(select(*hcols).where(Household.deleted_at.is_(None))
                             .execution_options(yield_per=5000)):
            h = dict(row._mapping)
            self.households[h["id"]] = h
            self.members_by_household.setdefault(h["id"], [])
            if h["no_kk"]:
                self.by_kk.setdefault(h["no_kk"], h["id"])
            if h["dtsen_id"]:
                self.by_dtsen.setdefault(h["dtsen_id"], h["id"])


def _open_header(path: Path, sheet: str | None, mapping: dict[int, str] | None) -> Header:
    """The header of the file as an import reads it (the command line's report uses it)."""
    return _check_header(detect_header(path, sheet), mapping)


def _check_header(header: Header, mapping: dict[int, str] | None) -> Header:
    if mapping:
        header = Header(header.sheet, header.row, header.columns, dict(mapping),
                        header.unmapped)
    if "nik" not in header.mapping.values():
        from .spreadsheet import SpreadsheetError
        raise SpreadsheetError(_("The sheet {sheet} has no NIK column. Name the column 'NIK' "
                                 "or choose it in the column mapping.").format(
                                     sheet=header.sheet))
    return header


def run_import(services, *, actor: Actor, path: Path | str, dry_run: bool = False,
               sheet: str | None = None, mapping: dict[int, str] | None = None,
               program: str | None = None, period: str | None = None,
               progress: Progress | None = None, cancel: CancelToken | None = None,
               today: date | None = None) -> ImportReport:
    """Import (or with ``dry_run`` preview) a registry extract or, with ``program``,
    a BNBA recipient list for that program and ``period``."""
    require(actor, Permission.EDIT_REGISTRY)
    path = Path(path)
    if not path.exists():
        raise NotFound(_("File {path} does not exist.").format(path=path))
    if program and not (period or "").strip():
        raise InvalidInput(_("Give the period of the program (e.g. 2025 or 2025-Q3)."))
    # The import makes a few hundred thousand small objects and no reference cycles:
    # the cycle collector would walk the growing registry index again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # The sheet is parsed once, for its header and its rows.
        with open_sheet(path, sheet) as reader:
            return _run(services, reader, actor=actor, path=path, dry_run=dry_run,
                        mapping=mapping, program=program, period=period, progress=progress,
                        cancel=cancel, today=today)
    finally:
        if collecting:
            gc.enable()


def _run(services, reader: SheetReader, *, actor: Actor, path: Path, dry_run: bool,
         mapping: dict[int, str] | None, program: str | None, period: str | None,
         progress: Progress | None, cancel: CancelToken | None,
         today: date | None) -> ImportReport:
    header = _check_header(reader.header, mapping)
    kind = "bnba" if program else "registry"
    report = ImportReport(source=path.name, kind=kind, dry_run=dry_run,
                          header={"sheet": header.sheet, "row": header.row + 1,
                                  "mapping": {header.columns[i]: k
                                              for i, k in header.mapping.items()},
                                  "unmapped": list(header.unmapped)})
    village = services.settings.village().code
    desil_period = period or f"impor {date.today().isoformat()}"
    # A preview reads only: it computes everything the import would do without
    # writing, so it never holds the write lock while the operator works.
    unit = services.db.read() if dry_run else services.db.write()
    with unit as s:
        if program and s.get(Program, program) is None:
            known = ", ".join(s.scalars(select(Program.code).order_by(Program.code)))
            raise InvalidInput(_("Unknown program {code}. Known programs: {known}.")
                               .format(code=program, known=known))
        index = _Index(s)
        batch = None
        if not dry_run:
            batch = ImportBatch(actor=actor.username, source_name=path.name,
                                source_sha256=_sha256(path), kind=kind, program_code=program,
                                period=period, counts={})
            s.add(batch)
            s.flush()
        state = _State(s, index, report, batch.id if batch else None, village, desil_period,
                       actor, dry_run=dry_run)
        switching = sys.getswitchinterval()
        if state.writer is not None:
            # the writer thread needs the interpreter lock for a moment after each
            # statement; by default it would wait up to 5 ms for the reading thread
            sys.setswitchinterval(min(switching, _Writer.SWITCH_INTERVAL))
        try:
            seen: set[str] = set()
            chunk: list[_Row] = []
            keys, blocks = reader.blocks(header.mapping, progress=progress, cancel=cancel)
            normaliser = _Normaliser(keys, today)
            if batch is not None and not program:
                state.defer_indexes(reader.expected_rows)
            pad = reader.col_offset
            issues = report.issues
            fused = not program and FUSED
            for block in blocks:
                report.rows += len(block)
                if fused:
                    # plainly new people in one loop; the rest of the block the general way
                    if chunk:
                        state.process(chunk, program, period)
                        chunk = []
                    taken = state.registry_block(normaliser, block, seen)
                    if taken:
                        block = block[taken:]
                        if not block:
                            continue
                # one answer per row of the block, in order
                answers = normaliser.block(block, pad)
                for (line, raw, _cells), (row, reason) in zip(block, answers):
                    if row is None:
                        report.rejected += 1
                        issues.append(RowIssue(line, "rejected", reason, display_cells(raw, pad)))
                        continue
                    if not row.placeholder:
                        if row.nik in seen:
                            report.duplicates += 1
                            issues.append(RowIssue(
                                row.line, "duplicate",
                                _("NIK {nik} appears earlier in this file; this row was not "
                                  "imported.").format(nik=row.nik), row.cells))
                            continue
                        seen.add(row.nik)
                    if row.warnings:
                        report.warnings += 1
                        issues.append(RowIssue(row.line, "warning", " ".join(row.warnings),
                                               row.cells))
                    chunk.append(row)
                    if len(chunk) >= CHUNK:
                        state.process(chunk, program, period)
                        chunk = []
            state.process(chunk, program, period)
            # by line (a conflict is found when its chunk is written, after the rows read
            # since): the same list whichever way, and however often, rows were written
            issues.sort(key=_line_of)
            state.sync()
            if batch is not None:
                state.flush_search_text()
                state.restore_indexes()
                batch.counts = report.summary()
                audit.append(s, actor, "import", [Change("import_batch", batch.id, None, None,
                                                         json.dumps(report.summary(),
                                                                    ensure_ascii=False))],
                             f"{path.name}")
                report.batch_id = batch.id
        except BaseException:
            state.close(failed=True)
            raise
        finally:
            try:
                state.close(failed=False)
            finally:
                sys.setswitchinterval(switching)
                state.reset_cache()
    return report


#: the columns an import fills when it creates a record (the others stay empty)
_MEMBER_INSERT = ("id", "household_id", "sort_order", "nik", "name", "sex", "birth_place",
                  "birth_date", "relationship_code", "presence", "created_at", "updated_at",
                  "version", "import_batch_id")
_HOUSEHOLD_INSERT = ("id", "region_code", "created_at", "updated_at", "version",
                     "desil_period", "import_batch_id", *HOUSEHOLD_FIELDS, "search_text")
#: of those, the ones all households made in one chunk share (by position)
_HOUSEHOLD_SHARED = (1, 2, 3, 4, 6)
_HOUSEHOLD_SHARED_NAMES = tuple(_HOUSEHOLD_INSERT[i] for i in _HOUSEHOLD_SHARED)
_household_shared = itemgetter(*_HOUSEHOLD_SHARED)
_household_own = itemgetter(*[i for i in range(len(_HOUSEHOLD_INSERT))
                              if i not in _HOUSEHOLD_SHARED])
_HOUSEHOLD_OWN = _household_own(_HOUSEHOLD_INSERT)


class _OrderedIds:
    """New primary keys for one import: UUIDs in the version 7 layout (the time of
    the import in milliseconds, 26 random bits, then a counter from a random
    start), so they come in ascending order.

    Random UUID4 keys land all over the primary key and household_id indexes,
    which made writing 100,000 members several times slower than appending.
    """

    _COUNTER = 1 << 40

    def __init__(self) -> None:
        self._random = random.Random(os.urandom(16))
        self._ms = 0
        self._restart()

    def _restart(self) -> None:
        self._ms = max(time.time_ns() // 1_000_000, self._ms + 1)
        high = ((self._ms & (1 << 48) - 1) << 80 | 0x7 << 76
                | self._random.getrandbits(12) << 64 | 0b10 << 62
                | self._random.getrandbits(14) << 48)
        h = "%032x" % high
        self._prefix = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"
        # the last 48 bits: a counter from a random start (at most 2**47 ids apart)
        self._count = self._random.getrandbits(47)
        self._end = self._count + self._COUNTER

    def __call__(self) -> str:
        count = self._count
        if count >= self._end:
            self._restart()
            count = self._count
        self._count = count + 1
        return f"{self._prefix}{count:012x}"

    def take(self, n: int) -> list[str]:
        """``n`` new keys at once (the same as ``n`` calls)."""
        if self._count + n > self._end:
            self._restart()
        count, prefix = self._count, self._prefix
        self._count = count + n
        return [f"{prefix}{c:012x}" for c in range(count, count + n)]


def _variable_limit(dbapi_connection) -> int:
    """Bound values per statement: 32766 in the SQLite builds Python ships, 999 in
    old ones."""
    try:
        return dbapi_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):
        return 999


def _write_rows(cursor, head: str, one: str, rows: list[tuple], variables: int,
                most: int) -> None:
    """Insert ``rows`` with statements ``head`` + ``one, one, ...`` of up to ``most``
    rows each (and at most ``variables`` bound values)."""
    if not rows:
        return
    width = len(rows[0])
    per = max(1, min(most, variables // max(width, 1)))
    full = len(rows) - len(rows) % per
    flat = chain.from_iterable
    if full:
        cursor.executemany(head + ", ".join([one] * per),
                           [tuple(flat(rows[i:i + per])) for i in range(0, full, per)])
    if full < len(rows):
        cursor.execute(head + ", ".join([one] * (len(rows) - full)),
                       tuple(flat(rows[full:])))


class _Writer:
    """A second thread that writes an import's new rows on SQLite while the import
    reads and checks the next block of the file.

    sqlite3 lets go of the interpreter lock while SQLite runs a statement and
    takes it back after; with ``executemany`` of one row per statement the
    writer thread would wait for the lock row by row.  Here one statement
    inserts up to :attr:`ROWS` rows (``VALUES (...), (...), ...``), so SQLite
    writes a block on the other core for each hand-over of the lock (and per
    row it does less work than for a one-row statement).

    The connection serves one thread at a time: whoever uses it for anything
    else first calls :meth:`sync`, which waits until every block sent is
    written (and raises the writer's error, if it had one).  The queue is
    bounded, so a slow disk holds the reading back instead of filling memory.
    A connection that cannot be used from another thread (an in-memory
    database) leaves :attr:`usable` false: the import then writes itself.
    """

    DEPTH = 4          # blocks waiting to be written at most
    ROWS = 5000        # rows per statement at most
    SWITCH_INTERVAL = 0.0002   # s, while an import writes (see _run)

    def __init__(self, dbapi_connection) -> None:
        self._conn = dbapi_connection
        self._variables = _variable_limit(dbapi_connection)
        self._jobs: queue.Queue = queue.Queue(self.DEPTH)
        self._error: BaseException | None = None
        self._raised = False
        self._skip = False
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._work, name="puskesos-import-writer",
                                        daemon=True)
        self._thread.start()
        self._ready.wait()
        #: False when the thread could not use the connection (it has ended then)
        self.usable = self._error is None

    def _work(self) -> None:
        try:
            lower_priority()
            cursor = self._conn.cursor()
        except BaseException as exc:     # e.g. a connection bound to its thread
            self._error = exc
            return
        finally:
            self._ready.set()
        try:
            while True:
                job = self._jobs.get()
                try:
                    if job is None:
                        return
                    if self._error is None and not self._skip:
                        _write_rows(cursor, *job, self._variables, self.ROWS)
                except BaseException as exc:   # handed to the importing thread
                    self._error = exc
                finally:
                    self._jobs.task_done()
        finally:
            cursor.close()

    def _check(self) -> None:
        if self._error is not None and not self._raised:
            self._raised = True
            raise self._error

    def submit(self, head: str, one: str, rows: list[tuple]) -> None:
        """Write ``rows`` with the statement ``head`` + ``one, one, ...`` (``one``:
        the VALUES tuple of one row, with a ``?`` for each of its values); returns
        at once unless :attr:`DEPTH` blocks are waiting.  ``rows`` must not change
        afterwards."""
        self._check()
        if rows:
            self._jobs.put((head, one, rows))

    def sync(self) -> None:
        """Wait until every block sent is written; raise the writer's error."""
        self._jobs.join()
        self._check()

    def close(self, *, abort: bool = False) -> None:
        """Stop the thread (``abort``: the transaction is being rolled back, blocks
        not yet written are dropped).  Returns when the thread has ended."""
        if abort:
            self._skip = True
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()


class _State:
    """Per-import working state: pending inserts/updates written chunk by chunk."""

    def __init__(self, s, index: _Index, report: ImportReport, batch_id: str | None,
                 village: str, desil_period: str, actor: Actor, dry_run: bool = False):
        self.s, self.index, self.report = s, index, report
        self.dry_run = dry_run
        self._conn = s.connection()
        self.sqlite = self._conn.dialect.name == "sqlite"
        self.batch_id, self.village, self.desil_period = batch_id, village, desil_period
        self.actor = actor
        self.new_id = _OrderedIds()
        self.raw_kk: dict[str, str] = {}   # an invalid KK text -> the household made for it
        # households whose search text is written at the end (the ones written before
        # they got all their members, and the ones already stored)
        self.touched_households: set[str] = set()
        self.changes: list[dict] = []
        # households made in this chunk: (id, values in _HOUSEHOLD_INSERT order)
        self.pending_households: list[tuple[str, list]] = []
        self.pending_ids: set[str] = set()
        self._deferred: list[str] = []      # CREATE INDEX of indexes dropped for the import
        self._cache_size: int | None = None  # the page cache size before the import
        self._stamps: tuple[Any, Any] | None = None
        # on SQLite, new rows are written on a second thread (see _Writer)
        self.writer: _Writer | None = None
        if self.sqlite and not dry_run:
            writer = _Writer(self._conn.connection.dbapi_connection)
            if writer.usable:
                self.writer = writer
            else:
                writer.close()

    def sync(self) -> None:
        """Before any statement on this thread: wait for the rows sent to the writer."""
        if self.writer is not None:
            self.writer.sync()

    def close(self, *, failed: bool) -> None:
        """Stop the writer thread; ``failed``: the import is being rolled back.
        Nothing else may use the connection before this returns."""
        if self.writer is not None:
            self.writer.close(abort=failed)     # interrupted: called again, waits again
            self.writer = None

    def _stamp(self) -> tuple[Any, Any]:
        """(now, now as the database stores it) for the records an import writes: one
        time for the whole import, which is one transaction."""
        if self._stamps is None:
            now = utcnow()
            self._stamps = (now, now.astimezone(timezone.utc).replace(tzinfo=None).strftime(
                "%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now)
        return self._stamps

    def _insert_rows(self, table, columns: tuple[str, ...], rows: list[tuple],
                     same: tuple[tuple[str, Any], ...] = ()) -> None:
        """Insert rows given as tuples in ``columns`` order, with values as the database
        stores them (see :meth:`_stamp`; dates as ISO text on SQLite); ``same`` gives
        (column, value) pairs that every row has (on SQLite written once, in the SQL).

        On SQLite the rows go to the writer thread (:class:`_Writer`) and are
        written while the import goes on."""
        if self.dry_run or not rows:
            return
        if not self.sqlite:
            more = dict(same)
            self._conn.execute(insert(table), [dict(zip(columns, r), **more) for r in rows])
            return
        values = ["?"] * len(columns)
        for _column, value in same:
            if value is None:
                values.append("NULL")
            elif type(value) is int:
                values.append(str(value))
            else:       # text (a time stamp, an id)
                values.append("'" + str(value).replace("'", "''") + "'")
        head = (f"INSERT INTO {table.name} ({', '.join(columns + tuple(c for c, _v in same))}) "
                "VALUES ")
        one = f"({', '.join(values)})"
        if self.writer is not None:
            self.writer.submit(head, one, rows)
        else:
            connection = self._conn.connection.dbapi_connection
            cursor = connection.cursor()
            try:
                _write_rows(cursor, head, one, rows, _variable_limit(connection),
                            _Writer.ROWS)
            finally:
                cursor.close()

    def _exec(self, statement, params=None) -> None:
        """Write to the database (a preview computes the same, writes nothing)."""
        if not self.dry_run:
            self.sync()
            self._conn.execute(statement, params) if params is not None else \
                self._conn.execute(statement)

    def _insert(self, table, rows: list[dict]) -> None:
        """Insert many rows; on SQLite straight through the driver (the ORM's per-row
        parameter processing was a third of an import's time)."""
        if self.dry_run or not rows:
            return
        self.sync()
        if self._conn.dialect.name != "sqlite":
            self._conn.execute(insert(table), rows)
            return
        columns = [c for c in table.columns if c.key in rows[0]]
        convert = [_sqlite_converter(c) for c in columns]
        sql = (f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        keys = [c.key for c in columns]
        data = [tuple(f(r[k]) if f else r[k] for k, f in zip(keys, convert)) for r in rows]
        self._conn.exec_driver_sql(sql, data)

    def _example(self, line, entity, name, fld, old, new) -> None:
        if len(self.report.changes) < EXAMPLES:
            self.report.changes.append(FieldChange(line, entity, name, fld, _json(old),
                                                   _json(new)))

    def _record(self, entity: str, entity_id: str, op: str, before: dict | None,
                after: dict | None) -> None:
        self.changes.append(dict(batch_id=self.batch_id, entity=entity, entity_id=entity_id,
                                 op=op, before={k: _json(v) for k, v in (before or {}).items()}
                                 if before is not None else None,
                                 after={k: _json(v) for k, v in (after or {}).items()}
                                 if after is not None else None))

    # ------------------------------------------------------------ indexes
    #: an import this large, and larger than what a table holds, writes that table's
    #: rows without its secondary indexes and builds them once at the end
    DEFER_INDEXES = 5000
    IMPORT_CACHE_KIB = 65536   # SQLite page cache while a large import writes (64 MiB)

    #: the indexes a large import builds once at the end (keys in random order:
    #: scattered inserts into them cost more than building them over the table)
    DEFERRED_INDEXES = ("ix_member_nik",)

    def defer_indexes(self, expected_rows: int) -> None:
        """On SQLite, drop :data:`DEFERRED_INDEXES` inside the import's transaction
        when the file brings more rows than the table has.

        New rows carry time-ordered keys (:class:`_OrderedIds`), so the member
        index on household_id and the household indexes (a quarter as many
        rows) take them cheaply as they are written, on the writer thread; the
        NIKs come in any order, and building that index once over the finished
        table is cheaper than 100,000 scattered inserts (measured on the
        100,000-member bench).  SQLite's DDL is transactional: the index comes
        back, exactly as it was (:meth:`restore_indexes`), in the same
        transaction, and a failed or cancelled import rolls the drop back with
        everything else.  Other connections keep reading the old snapshot.
        """
        if self.dry_run or not self.sqlite or expected_rows < self.DEFER_INDEXES:
            return
        # a page cache the size of the rows written, so index pages are not spilled
        # and read back during the transaction (the connection's setting is put back)
        self._cache_size = self._conn.exec_driver_sql("PRAGMA cache_size").scalar()
        self._conn.exec_driver_sql(f"PRAGMA cache_size = -{self.IMPORT_CACHE_KIB}")
        held = self._conn.exec_driver_sql("SELECT count(*) FROM member").scalar()
        if expected_rows <= held:
            return
        for name in self.DEFERRED_INDEXES:
            sql = self._conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ? "
                "AND sql IS NOT NULL", (name,)).scalar()
            if sql:
                self._conn.exec_driver_sql(f'DROP INDEX "{name}"')
                self._deferred.append(sql)

    def restore_indexes(self) -> None:
        """Create again the indexes :meth:`defer_indexes` dropped."""
        self.sync()
        for sql in self._deferred:
            self._conn.exec_driver_sql(sql)
        self._deferred = []

    def reset_cache(self) -> None:
        """Put back the connection's page cache size (also after a failed import)."""
        if self._cache_size is not None:
            size, self._cache_size = int(self._cache_size), None
            try:
                self._conn.exec_driver_sql(f"PRAGMA cache_size = {size}")
            except DBAPIError:
                pass   # a connection that failed: it is discarded with its cache

    # ------------------------------------------------------------ registry
    def process(self, rows: list[_Row], program: str | None, period: str | None) -> None:
        if not rows:
            return
        self.sync()      # the general way reads and writes on this thread
        if program:
            self._process_bnba(rows, program, period)
        else:
            self._process_registry(rows)
        self._write_changes()

    def _household_for(self, row: _Row, stamp) -> str:
        """Existing household for the row's KK/DTSEN id, else a new one (created once)."""
        return self._household_of(row.hvalues, row.raw_kk, stamp)

    def _household_of(self, values: tuple, raw_kk: str | None, stamp) -> str:
        """:meth:`_household_for` of a row's household values (in HOUSEHOLD_FIELDS order)
        and unusable KK text."""
        dtsen, kk, desil = values[0], values[1], values[6]
        index = self.index
        hid = (index.by_kk.get(kk) if kk else None) or \
            (index.by_dtsen.get(dtsen) if dtsen else None)
        if not hid and raw_kk:
            hid = self.raw_kk.get(raw_kk)
        if hid:
            return hid
        hid = self.new_id()
        if raw_kk:
            self.raw_kk[raw_kk] = hid
        desil_period = self.desil_period if desil else None
        self.pending_households.append((hid, [hid, self.village, stamp, stamp, 1, desil_period,
                                              self.batch_id, *values, None]))
        self.pending_ids.add(hid)
        entry = {"id": hid, "desil_period": desil_period}
        entry.update(zip(HOUSEHOLD_FIELDS, values))
        index.households[hid] = entry
        if kk:
            index.by_kk[kk] = hid
        if dtsen:
            index.by_dtsen[dtsen] = hid
        index.members_by_household[hid] = []
        self.report.created_households += 1
        return hid

    def _write_households(self) -> None:
        """Insert the households made in this chunk, with the search text of the
        members they have so far (a household that gets more later is updated at the end)."""
        if not self.pending_households:
            return
        if not self.dry_run:
            households = self.index.households
            members = self.index.members_by_household
            rows = []
            for hid, values in self.pending_households:
                if values[-1] is not None:      # composed as its members came
                    rows.append(tuple(values))
                    continue
                h = households[hid]
                parts = [h["no_kk"], h["dtsen_id"], h["address"], h["dusun"]]
                for m in members.get(hid, ()):
                    parts.append(m["name"])
                    parts.append(m.get("nik"))
                # compose_search_text(no_kk, dtsen_id, address, dusun, [(name, nik), ...])
                text = "|".join([p.strip() for p in parts if p])
                values[-1] = text.lower() if text.isascii() else \
                    "|".join([p.strip().lower() for p in parts if p])
                rows.append(values)
            # the values every household of one chunk shares (village, time stamps,
            # version, batch) are written once, in the statement
            by_shared: dict[tuple, list[tuple]] = {}
            for values in rows:
                by_shared.setdefault(_household_shared(values), []).append(
                    _household_own(values))
            for same, own in by_shared.items():
                self._insert_rows(Household.__table__, _HOUSEHOLD_OWN, own,
                                  tuple(zip(_HOUSEHOLD_SHARED_NAMES, same)))
        self.pending_households = []
        self.pending_ids.clear()

    def _match_member(self, row: _Row) -> dict | None:
        if not row.placeholder:
            found = self.index.members_by_nik.get(row.nik)
            if found:
                return found
        h = row.household
        hid = (self.index.by_kk.get(h["no_kk"]) if h["no_kk"] else None)
        if not hid:
            return None
        return self._match_in_family(row, hid)

    def _match_in_family(self, row: _Row, hid: str) -> dict | None:
        """The member of household ``hid`` (found by the row's No KK) the row is, by name
        and date of birth, or None (the second step of :meth:`_match_member`)."""
        placeholder = row.placeholder
        if not placeholder and hid not in self.index.unnumbered:
            return None     # every member has a real NIK: none of them can be this row
        for m in self.index.members_by_household.get(hid, []):
            # A person recorded with a real NIK is someone else (twins share a KK,
            # a birthday and nearly a name); only a record without one can be
            # this person.
            if not placeholder:
                nik = m.get("nik")
                if nik and not nik.startswith("99999999999999"):    # _real_nik
                    continue
            same_day = row.member["birth_date"] is None or m["birth_date"] == \
                row.member["birth_date"]
            if same_day and _similar(m["name"], row.member["name"]) >= NAME_MATCH:
                return m
        return None

    def _process_registry(self, rows: list[_Row]) -> None:
        member_updates: list[dict] = []
        household_updates: dict[str, dict] = {}
        inserts: list[tuple] = []
        now, stamp = self._stamp()
        iso_dates = self.sqlite
        members_by_household = self.index.members_by_household
        members_by_nik = self.index.members_by_nik
        pending_ids = self.pending_ids
        touched = self.touched_households
        kepala, lainnya = codes.Relationship.KEPALA.value, codes.Relationship.LAINNYA.value
        tinggal = codes.Presence.TINGGAL.value
        created = 0
        by_kk = self.index.by_kk
        match_in_family = self._match_in_family
        unnumbered = self.index.unnumbered
        for row in rows:
            # self._match_member(row), with the No KK's household kept for below
            existing = None if row.placeholder else members_by_nik.get(row.nik)
            if not existing:
                kk = row.hvalues[1]          # No KK
                hid = by_kk.get(kk) if kk else None
                existing = match_in_family(row, hid) if hid and (
                    row.placeholder or hid in unnumbered) else None
            if existing is not None:
                own_household = self.index.households.get(existing["household_id"], {})
                file_kk = row.household["no_kk"]
                other = self.index.by_kk.get(file_kk) if file_kk else None
                if other and other != existing["household_id"]:
                    self._conflict(row, _("The file puts NIK {nik} in KK {kk}, but the "
                                          "registry has this person in KK {stored}. Check "
                                          "the family and move the member by hand if it is "
                                          "right.").format(nik=row.nik, kk=file_kk,
                                                           stored=own_household.get("no_kk")))
                    continue
                if _similar(existing["name"], row.member["name"]) < NAME_CONFLICT:
                    self._conflict(row, _("NIK {nik} belongs to {stored} in the registry but "
                                          "to {name} in the file. Check which is right.")
                                   .format(nik=row.nik, stored=existing["name"],
                                           name=row.member["name"]))
                    continue
                hid = existing["household_id"]
                h = self.index.households.get(hid)
                identity = [f for f in ("no_kk", "dtsen_id") if h is not None and h[f]
                            and row.household[f] and row.household[f] != h[f]]
                if identity:
                    self._conflict(row, _("The file gives {field} {new} for {name}, but the "
                                          "family is registered under {old}. A new KK "
                                          "(pecah KK, moving) is recorded by hand in the "
                                          "household form.").format(
                        field="No KK" if identity[0] == "no_kk" else "ID DTSEN",
                        new=row.household[identity[0]], name=existing["name"],
                        old=h[identity[0]]))
                    continue
                changed = False
                diff = {f: row.member[f] for f in MEMBER_FIELDS
                        if row.member[f] not in (None, "") and row.member[f] != existing[f]}
                if not row.placeholder and not _real_nik(existing.get("nik")):
                    diff["nik"] = row.nik  # the file brings the NIK the registry lacked
                    self.index.members_by_nik[row.nik] = existing
                if diff:
                    before = {f: existing.get(f) for f in diff}
                    for f, new in diff.items():
                        self._example(row.line, "member", existing["name"], f,
                                      existing.get(f), new)
                    existing.update(diff)
                    member_updates.append({"id": existing["id"], **diff})
                    self._record("member", existing["id"], "update", before, diff)
                    changed = True
                if h is not None:
                    hdiff = {f: row.household[f] for f in HOUSEHOLD_FIELDS
                             if row.household[f] not in (None, "") and row.household[f] != h[f]}
                    if hdiff:
                        before = {f: h[f] for f in hdiff}
                        for f, new in hdiff.items():
                            self._example(row.line, "household", h.get("no_kk") or hid, f, h[f],
                                          new)
                        if "desil" in hdiff:
                            before["desil_period"] = h.get("desil_period")
                            hdiff["desil_period"] = self.desil_period
                        h.update(hdiff)
                        pending = household_updates.setdefault(hid, {"_before": {}})
                        for k, val in before.items():
                            pending["_before"].setdefault(k, val)
                        pending.update(hdiff)
                        changed = True
                if changed:
                    self.report.updated += 1
                    self.touched_households.add(hid)
                else:
                    self.report.unchanged += 1
                continue
            # A new member: the undo record is the batch id on the row itself.
            if not hid:                     # else the household of its No KK
                hid = self._household_for(row, stamp)
            family = members_by_household[hid]
            record = row.member            # becomes the registry's record of the person
            record["relationship_code"] = relationship = record["relationship_code"] or (
                lainnya if family else kepala)
            record["presence"] = presence = record["presence"] or tinggal
            record["sex"] = sex = record["sex"] or "L"
            record["id"] = mid = self.new_id()
            record["household_id"] = hid
            record["nik"] = nik = row.nik
            born = record["birth_date"]
            inserts.append((mid, hid, len(family), nik, record["name"], sex,
                            record["birth_place"],
                            born.isoformat() if iso_dates and born is not None else born,
                            relationship, presence))    # and stamp, stamp, 1, batch_id
            family.append(record)
            if not row.placeholder:
                members_by_nik[nik] = record
            if not nik or nik.startswith("99999999999999"):     # not _real_nik(nik)
                unnumbered.add(hid)
            if hid not in pending_ids:
                touched.add(hid)            # written before: its search text changes
            created += 1
        self.report.created += created
        self._write_households()            # before their members (foreign key)
        self._insert_members(inserts, stamp)
        member_table = Member.__table__
        for upd in member_updates:
            mid = upd.pop("id")
            self._exec(update(member_table).where(member_table.c.id == mid)
                              .values(**upd, updated_at=now,
                                      version=member_table.c.version + 1))
        household_table = Household.__table__
        for hid, upd in household_updates.items():
            before = upd.pop("_before")
            self._exec(update(household_table).where(household_table.c.id == hid)
                              .values(**upd, updated_at=now,
                                      version=household_table.c.version + 1))
            self._record("household", hid, "update", before, upd)

    def registry_block(self, normaliser: _Normaliser, block: list[tuple[int, list, tuple]],
                       seen: set[str]) -> int:
        """Import the leading rows of ``block`` that are plainly new people, in one loop;
        returns how many it took (the caller sends the others the general way).

        A row is taken when it is exactly what :meth:`_Normaliser.block`, the
        duplicate check of :func:`_run` and :meth:`_process_registry` would
        accept without a word and store as a new member: a well-formed NIK whose
        date part agrees with the row's date of birth and sex, no warning in
        any cell, a plain name, a NIK not seen earlier in the file nor in the
        registry, and no registered household of its No KK holding a member
        without a real NIK (who might be this person by name and date of
        birth).  It stores what those would store (same values, order and
        counts); tests/test_import_normaliser.py checks both ways agree.
        """
        if not block:
            return 0
        (nik_c, sex_r, born_r, name_c, rel_r, pres_r, place_r, kk_r, dtsen_r, rt_r, rw_r,
         desil_r, address_r, dusun_r) = normaliser.looked_up(block)
        second = itemgetter(1)
        for column in (sex_r, born_r, rel_r, pres_r, rt_r, rw_r, desil_r):
            if any(map(second, column)):
                return 0          # a warning in the block: the general way words it
        if any(map(itemgetter(2), kk_r)):
            return 0
        first = itemgetter(0)
        # names as the loop below would make them (None: not a plain ASCII text)
        names = [" ".join(n.split()).upper() if type(n) is str and n.isascii() else None
                 for n in name_c]
        nik_date, nik_birth_of = normaliser.nik_dates.get, normaliser._nik_date
        iso_of = normaliser.iso_dates
        provinces = PROVINCE_CODES
        _now, stamp = self._stamp()
        iso_dates = self.sqlite
        batch_id = self.batch_id
        index = self.index
        members_by_household, members_by_nik = index.members_by_household, index.members_by_nik
        by_kk, by_dtsen, unnumbered = index.by_kk, index.by_dtsen, index.unnumbered
        households = index.households
        pending_ids, touched = self.pending_ids, self.touched_households
        pending_households = self.pending_households
        household_of = self._household_of
        village, desil_period = self.village, self.desil_period
        member_ids = self.new_id.take(len(block))   # those not used are never used
        household_ids: list[str] = []
        spare = made = 0
        # households made below: (their insert values, the parts of their search text)
        texts: dict[str, tuple[list, list[str]]] = {}
        kepala, lainnya = codes.Relationship.KEPALA.value, codes.Relationship.LAINNYA.value
        tinggal = codes.Presence.TINGGAL.value
        inserts: list[tuple] = []
        append = inserts.append
        taken = 0
        for (nik, sex, born, name, relationship, presence, birth_place, (kk, raw_kk, _e5),
             dtsen, rt, rw, desil, address, dusun) in zip(
                nik_c, map(first, sex_r), map(first, born_r), names, map(first, rel_r),
                map(first, pres_r), place_r, kk_r, dtsen_r, map(first, rt_r),
                map(first, rw_r), map(first, desil_r), address_r, dusun_r):
            # _Normaliser.block: a well-formed NIK agreeing with the row, a plain name
            if not (type(nik) is str and len(nik) == 16 and nik[:2] in provinces
                    and nik[2:4] != "00" and nik[4:6] != "00" and nik[12:] != "0000"
                    and nik.isdigit() and nik.isascii()):
                break
            known = nik_date(nik[6:12], False)
            if known is False:
                known = nik_birth_of(nik)
            if known is None:
                break
            nik_born, nik_sex = known
            if (born is not None and nik_born != born
                    and (nik_born.day != born.day or nik_born.month != born.month
                         or nik_born.year % 100 != born.year % 100)):
                break
            if sex is None:
                sex = nik_sex
            elif sex != nik_sex:
                break
            if not name:
                break
            # _run: not a duplicate; _process_registry: no registered person to match
            if nik in seen or nik in members_by_nik:
                break
            if kk:
                hid = by_kk.get(kk)
                if hid is None:
                    hid = by_dtsen.get(dtsen) if dtsen else None
                    if hid is None:
                        # a new household (as _household_of makes it; raw_kk is None)
                        if spare == len(household_ids):
                            household_ids = self.new_id.take(256)   # a few unused
                            spare = 0
                        hid = household_ids[spare]
                        spare += 1
                        made += 1
                        hperiod = desil_period if desil else None
                        values = [hid, village, stamp, stamp, 1, hperiod, batch_id, dtsen, kk,
                                  address, dusun, rt, rw, desil, None]
                        pending_households.append((hid, values))
                        # its search text, member by member (see _write_households)
                        texts[hid] = (values, [p.strip() for p in (kk, dtsen, address, dusun)
                                               if p])
                        pending_ids.add(hid)
                        households[hid] = {"id": hid, "desil_period": hperiod,
                                           "dtsen_id": dtsen, "no_kk": kk, "address": address,
                                           "dusun": dusun, "rt": rt, "rw": rw, "desil": desil}
                        by_kk[kk] = hid
                        if dtsen:
                            by_dtsen[dtsen] = hid
                        members_by_household[hid] = []
                elif hid in unnumbered:
                    break
            else:
                hid = household_of((dtsen, kk, address, dusun, rt, rw, desil), raw_kk, stamp)
            # a new member (as _process_registry stores it)
            seen.add(nik)
            family = members_by_household[hid]
            relationship = relationship or (lainnya if family else kepala)
            presence = presence or tinggal
            sex = sex or "L"
            mid = member_ids[taken]
            record = {"name": name, "sex": sex, "birth_date": born, "birth_place": birth_place,
                      "relationship_code": relationship, "presence": presence, "id": mid,
                      "household_id": hid, "nik": nik}
            if iso_dates and born is not None:
                iso = iso_of.get(born)
                if iso is None:
                    iso = born.isoformat()
                    if len(iso_of) < _MEMO_LIMIT:
                        iso_of[born] = iso
            else:
                iso = born
            append((mid, hid, len(family), nik, name, sex, birth_place, iso,
                    relationship, presence))       # and stamp, stamp, 1, batch_id
            family.append(record)
            members_by_nik[nik] = record     # a well-formed NIK is a real one
            text = texts.get(hid)
            if text is not None:
                text[1].append(name)        # stripped already, as the NIK's digits
                text[1].append(nik)
            elif hid not in pending_ids:
                touched.add(hid)            # written before: its search text changes
            taken += 1
        self.report.created_households += made
        for values, parts in texts.values():
            # compose_search_text(no_kk, dtsen_id, address, dusun, [(name, nik), ...])
            text = "|".join(parts)
            values[-1] = text.lower() if text.isascii() else "|".join([p.lower() for p in parts])
        self.report.created += taken
        self._write_households()            # before their members (foreign key)
        self._insert_members(inserts, stamp)
        return taken

    def _insert_members(self, rows: list[tuple], stamp) -> None:
        """Insert new members given as tuples of the first ten :data:`_MEMBER_INSERT`
        columns (the others are the same for all)."""
        if rows:
            self._insert_rows(Member.__table__, _MEMBER_INSERT[:10], rows,
                              tuple(zip(_MEMBER_INSERT[10:], (stamp, stamp, 1, self.batch_id))))

    def _conflict(self, row: _Row, reason: str) -> None:
        self.report.conflicts += 1
        self.report.issues.append(RowIssue(row.line, "conflict", reason, row.cells))

    # ------------------------------------------------------------ recipient lists
    def _process_bnba(self, rows: list[_Row], program: str, period: str | None) -> None:
        target = self.s.get(Program, program).target
        existing = set(self.s.execute(select(Participation.household_id,
                                             Participation.member_id).where(
            Participation.program_code == program, Participation.period == period,
            Participation.deleted_at.is_(None))).all())
        inserts = []
        for row in rows:
            member = self._match_member(row)
            if member is None:
                self.report.rejected += 1
                self.report.issues.append(RowIssue(
                    row.line, "rejected",
                    _("NIK {nik} ({name}) is not in the village registry. Register the "
                      "family first, or check the NIK.").format(nik=row.nik,
                                                                name=row.member["name"]),
                    row.cells))
                continue
            hid = member["household_id"]
            mid = member["id"] if target == "individu" else None
            if (hid, mid) in existing:
                self.report.unchanged += 1
                continue
            existing.add((hid, mid))
            pid = new_id()
            now = utcnow()
            inserts.append(dict(id=pid, program_code=program, household_id=hid, member_id=mid,
                                period=period, source=codes.ParticipationSource.IMPORT.value,
                                status=codes.ParticipationStatus.AKTIF.value, note=None,
                                created_at=now, updated_at=now, version=1, deleted_at=None,
                                deleted_by=None, deleted_reason=None))
            self._record("participation", pid, "insert", None, None)
            self.report.created += 1
        if inserts:
            self._insert(Participation.__table__, inserts)

    # ------------------------------------------------------------ bookkeeping
    def _write_changes(self) -> None:
        if self.changes:
            self._insert(ImportChange.__table__, self.changes)
            self.changes = []

    def flush_search_text(self) -> None:
        self.sync()
        ids = list(self.touched_households)
        for start in range(0, len(ids), 1000):
            part = ids[start:start + 1000]
            params = []
            for hid in part:
                h = self.index.households.get(hid)
                if h is None:
                    continue
                people = [(m["name"], m.get("nik")) for m in
                          self.index.members_by_household.get(hid, [])]
                params.append({"hid": hid, "text": compose_search_text(
                    h.get("no_kk"), h.get("dtsen_id"), h.get("address"), h.get("dusun"),
                    people)})
            if params:
                from sqlalchemy import bindparam
                table = Household.__table__
                self._exec(update(table).where(table.c.id == bindparam("hid"))
                                  .values(search_text=bindparam("text")), params)


def _sqlite_converter(column):
    """How SQLAlchemy would store a value of ``column`` in SQLite, for raw inserts."""
    from sqlalchemy import JSON, Boolean, Date, DateTime

    from ..models.base import UTCDateTime
    kind = column.type
    if isinstance(kind, UTCDateTime) or isinstance(kind, DateTime):
        last: list = [None, None]

        def dt(value):
            if value is None:
                return None
            if value is last[0]:
                return last[1]
            text = value
            if text.tzinfo is not None:
                text = text.astimezone(timezone.utc).replace(tzinfo=None)
            last[:] = [value, text.strftime("%Y-%m-%d %H:%M:%S.%f")]
            return last[1]
        return dt
    if isinstance(kind, Date):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(kind, Boolean):
        return lambda value: None if value is None else int(bool(value))
    if isinstance(kind, JSON):
        return lambda value: None if value is None else json.dumps(value)
    return None


# ---------------------------------------------------------------- undo
@dataclass(frozen=True)
class BatchInfo:
    id: str
    created_at: Any
    actor: str
    source_name: str
    kind: str
    counts: dict
    status: str


def last_batch(services) -> BatchInfo | None:
    with services.db.read() as s:
        b = s.scalar(select(ImportBatch).where(ImportBatch.status == "applied")
                     .order_by(ImportBatch.created_at.desc()).limit(1))
        if b is None:
            return None
        return BatchInfo(b.id, b.created_at, b.actor, b.source_name, b.kind, b.counts, b.status)


_MODELS = {"household": Household, "member": Member, "participation": Participation}


def undo_last_import(services, *, actor: Actor, batch_id: str | None = None) -> BatchInfo:
    """Put back every value the last import changed and remove what it added.

    Refused when a record it touched was changed afterwards (undoing would
    lose that later change); nothing is changed then.
    """
    require(actor, Permission.EDIT_REGISTRY)
    with services.db.write() as s:
        batch = s.scalar(select(ImportBatch).where(ImportBatch.status == "applied")
                         .order_by(ImportBatch.created_at.desc()).limit(1)
                         .with_for_update())
        if batch is None:
            raise NotFound(_("There is no import to undo."))
        if batch_id and batch.id != batch_id:
            raise InvalidInput(_("Only the most recent import can be undone."))
        changes = list(s.scalars(select(ImportChange).where(ImportChange.batch_id == batch.id)
                                 .order_by(ImportChange.id.desc())))
        # what the import created carries its batch id (older imports: "insert" changes)
        created = {entity: list(s.scalars(select(_MODELS[entity].id).where(
            _MODELS[entity].import_batch_id == batch.id))) for entity in ("member", "household")}
        # A record changed after the import has audit entries newer than the import's.
        import_seq = s.scalar(select(AuditEvent.seq).where(
            AuditEvent.entity == "import_batch", AuditEvent.entity_id == batch.id,
            AuditEvent.action == "import"))
        ids = sorted({c.entity_id for c in changes}.union(*created.values()))
        later = 0
        for start in range(0, len(ids), 500):
            later += s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.entity_id.in_(ids[start:start + 500]),
                AuditEvent.seq > (import_seq or 0))) or 0
        if later:
            raise UserError(_("{n} records from this import were changed afterwards; undoing "
                              "the import would lose those changes. Nothing was undone.")
                            .format(n=later))
        touched: set[str] = set()
        try:
            _reverse(s, batch.id, changes, touched)
        except IntegrityError as exc:
            raise UserError(_("Records were added to families from this import afterwards "
                              "(a new member or program); undoing would leave them without a "
                              "family. Nothing was undone.")) from exc
        s.flush()
        from .registry import refresh_search_text
        existing = set(s.scalars(select(Household.id).where(Household.id.in_(touched))))
        refresh_search_text(s, existing)
        batch.status = "undone"
        batch.undone_at = utcnow()
        batch.undone_by = actor.username
        audit.append(s, actor, "undo_import", [Change("import_batch", batch.id, "status",
                                                      "applied", "undone")], batch.source_name)
        return BatchInfo(batch.id, batch.created_at, batch.actor, batch.source_name, batch.kind,
                         batch.counts, batch.status)


def _reverse(s, batch_id: str, changes: list[ImportChange], touched: set[str]) -> None:
    """Delete what the batch inserted and put back what it updated, newest first."""
    for entity in ("participation", "member", "household"):
        model = _MODELS[entity]
        table = model.__table__
        for c in changes:
            if c.entity != entity:
                continue
            if c.op == "insert":
                if entity == "member":
                    hid = s.scalar(select(Member.household_id).where(Member.id == c.entity_id))
                    if hid:
                        touched.add(hid)
                s.connection().execute(delete(table).where(table.c.id == c.entity_id))
            else:
                values = {k: (date.fromisoformat(v) if k in ("birth_date", "presence_date")
                              and isinstance(v, str) else v)
                          for k, v in (c.before or {}).items()}
                s.connection().execute(update(table).where(table.c.id == c.entity_id)
                                       .values(**values, version=table.c.version + 1))
                if entity == "household":
                    touched.add(c.entity_id)
                elif entity == "member":
                    hid = s.scalar(select(Member.household_id).where(Member.id == c.entity_id))
                    if hid:
                        touched.add(hid)
        if entity == "member":
            touched.update(s.scalars(select(Member.household_id).distinct().where(
                Member.import_batch_id == batch_id)))
        if entity in ("member", "household"):
            s.connection().execute(delete(table).where(table.c.import_batch_id == batch_id))
