"""Who a row of the file is in the registry: :class:`Index` (the registry as an
import needs it, loaded once) and the matching rules.

A person is matched by NIK; a row without a real NIK (a DTSEN placeholder
99999999999999xx) is matched in the family of its No KK by name
(similarity at least :data:`NAME_MATCH`) and date of birth.  A stored NIK
with a name this different (below :data:`NAME_CONFLICT`) is a conflict for a
person to look at, never an update.
"""

from __future__ import annotations

import difflib

from sqlalchemy import select

from ...models import Household, Member
from .rows import HOUSEHOLD_BASE, MEMBER_FIELDS, Row

NAME_MATCH = 0.85        # similarity for matching a person without a usable NIK
NAME_CONFLICT = 0.5      # same NIK but a name this different: a person must look


def real_nik(nik: str | None) -> bool:
    """Whether ``nik`` is a person's own NIK (not empty, not a DTSEN placeholder)."""
    return bool(nik) and not nik.startswith("99999999999999")


def similar(a: str | None, b: str | None) -> float:
    """How alike two names are, 0 to 1 (case ignored; 0 when one is missing)."""
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a.upper(), b.upper()).ratio()


class _Family:
    """The members of a household an import made, once they are written: how many,
    and their records only when someone asks for them (then read back from the
    database, in their order): :meth:`Index.forget_written`.  The records are
    dicts, as every record of the index (a dict of plain values is not tracked by
    the cyclic garbage collector, which the window's import runs with).

    Few are asked for (a row without a NIK matched by name in a family made
    earlier in the file, the search text of a family whose rows came in two
    chunks); keeping a record of every person of a file of a million rows was
    most of an import's memory.  Members added later are kept in :attr:`tail`.
    """

    __slots__ = ("written", "tail", "hid", "index")

    def __init__(self, written: int, hid: str, index: "Index") -> None:
        self.written = written        # members in the database and not read back
        self.tail: list[dict] | None = None
        self.hid, self.index = hid, index

    def __len__(self) -> int:
        return self.written + (len(self.tail) if self.tail else 0)

    def __bool__(self) -> bool:
        return bool(self.written or self.tail)

    def append(self, record: dict) -> None:
        """Add a member made after the others were written (kept here)."""
        if self.tail is None:
            self.tail = []
        self.tail.append(record)

    def __iter__(self):
        if self.written:
            self.index.read_families([self.hid])
        return iter(self.tail or ())


class Index:
    """The registry as the importer needs it, loaded once per import.

    The people of the file that an import adds are kept in their family's list
    (:attr:`members_by_household`) but not by NIK: a NIK of the file is in the
    import's set of NIKs seen, so no later row looks it up here.  Once written,
    the families an import made keep only their size (:class:`_Family`).
    """

    def __init__(self, s, member_answers: tuple[str, ...] = (),
                 household_answers: tuple[str, ...] = ()):
        """``member_answers`` and ``household_answers``: the DTSEN questions the file
        answers, whose stored answers an update is compared with (only those are
        loaded: a file without them costs nothing more)."""
        self.member_answers = tuple(member_answers)
        self.household_answers = tuple(household_answers)
        self.s = s
        #: called before the database is read back (the import's writes are finished)
        self.before_read = lambda: None
        #: households made since :meth:`forget_written` (None: all are kept whole)
        self.fresh: list[str] | None = None
        self.members_by_nik: dict[str, dict] = {}
        self.members_by_household: dict[str, list[dict]] = {}
        # households with a member recorded without a real NIK (a superset: a member
        # given its NIK later stays counted); only such a member can be matched by
        # name and date of birth for a row with a real NIK (see Index.match_in_family)
        self.unnumbered: set[str] = set()
        cols = [Member.id, Member.household_id, Member.nik,
                *[getattr(Member, f) for f in MEMBER_FIELDS + tuple(member_answers)]]
        for row in s.execute(select(*cols).where(Member.deleted_at.is_(None))
                             .execution_options(yield_per=5000)):
            m = dict(row._mapping)
            self.members_by_household.setdefault(m["household_id"], []).append(m)
            if m["nik"] and not m["nik"].startswith("9999999999999"):
                self.members_by_nik.setdefault(m["nik"], m)
            if not real_nik(m["nik"]):
                self.unnumbered.add(m["household_id"])
        self.households: dict[str, dict] = {}
        self.by_kk: dict[str, str] = {}
        self.by_dtsen: dict[str, str] = {}
        hcols = [Household.id, Household.desil_period,
                 *[getattr(Household, f) for f in HOUSEHOLD_BASE + tuple(household_answers)]]
        for row in s.execute(select(*hcols).where(Household.deleted_at.is_(None))
                             .execution_options(yield_per=5000)):
            h = dict(row._mapping)
            self.households[h["id"]] = h
            self.members_by_household.setdefault(h["id"], [])
            if h["no_kk"]:
                self.by_kk.setdefault(h["no_kk"], h["id"])
            if h["dtsen_id"]:
                self.by_dtsen.setdefault(h["dtsen_id"], h["id"])

    def new_family(self, hid: str) -> None:
        """Household ``hid`` is made by this import (its members are added to it)."""
        self.members_by_household[hid] = []
        if self.fresh is not None:
            self.fresh.append(hid)

    def forget_written(self) -> None:
        """The households made since the last call are written with their members
        (and the changes to them): keep only how many members each has
        (:class:`_Family`); a preview, which writes nothing, never calls this."""
        fresh = self.fresh
        if not fresh:
            return
        self.fresh = []
        families = self.members_by_household
        for hid in fresh:
            family = families.get(hid)
            if type(family) is list:
                families[hid] = _Family(len(family), hid, self)

    def read_families(self, hids) -> None:
        """Read back the written members of those of the households ``hids`` that
        :meth:`forget_written` left with only their size."""
        families = self.members_by_household
        wanted = {hid: family for hid in hids
                  if type(family := families.get(hid)) is _Family and family.written}
        if not wanted:
            return
        self.before_read()
        loaded: dict[str, list[dict]] = {hid: [] for hid in wanted}
        cols = [Member.id, Member.household_id, Member.nik,
                *[getattr(Member, f) for f in MEMBER_FIELDS + self.member_answers]]
        keys = list(wanted)
        for start in range(0, len(keys), 500):
            for row in self.s.execute(
                    select(*cols).where(Member.household_id.in_(keys[start:start + 500]),
                                        Member.deleted_at.is_(None))
                    .order_by(Member.household_id, Member.sort_order)):
                loaded[row.household_id].append(dict(row._mapping))
        for hid, family in wanted.items():
            # the first `written` by their order; the later ones are in the tail
            family.tail = loaded[hid][:family.written] + (family.tail or [])
            family.written = 0

    def match_member(self, row: Row) -> dict | None:
        """The stored member the row is: by NIK, else in the family of its No KK by
        name and date of birth (:meth:`match_in_family`); None for a new person."""
        if not row.placeholder:
            found = self.members_by_nik.get(row.nik)
            if found:
                return found
        h = row.household
        hid = (self.by_kk.get(h["no_kk"]) if h["no_kk"] else None)
        if not hid:
            return None
        return self.match_in_family(row, hid)

    def match_in_family(self, row: Row, hid: str) -> dict | None:
        """The member of household ``hid`` (found by the row's No KK) the row is, by name
        and date of birth, or None (the second step of :meth:`match_member`)."""
        placeholder = row.placeholder
        if not placeholder and hid not in self.unnumbered:
            return None     # every member has a real NIK: none of them can be this row
        for m in self.members_by_household.get(hid, []):
            # A person recorded with a real NIK is someone else (twins share a KK,
            # a birthday and nearly a name); only a record without one can be
            # this person.
            if not placeholder:
                nik = m.get("nik")
                if nik and not nik.startswith("99999999999999"):    # real_nik
                    continue
            same_day = row.member["birth_date"] is None or m["birth_date"] == \
                row.member["birth_date"]
            if same_day and similar(m["name"], row.member["name"]) >= NAME_MATCH:
                return m
        return None
