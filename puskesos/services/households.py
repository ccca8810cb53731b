"""The household registry: households (keluarga) and their members.

Every change is validated with :mod:`puskesos.core.validation`, written in
one transaction and recorded field by field in the audit trail.  Removal is a
tombstone with a reason; :meth:`HouseholdService.restore` brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..core import codes
from ..core.identifiers import Severity, mask_nik, normalize_number
from ..core.permissions import Permission
from ..core.validation import (HOUSEHOLD_FIELDS, MEMBER_FIELDS, HouseholdInput, MemberInput,
                               Problem, check_household)
from ..db.engine import Database
from ..errors import Conflict, InvalidInput, NotFound
from ..i18n import _, ngettext
from ..models import Household, Member, Participation, utcnow
from . import audit
from .audit import Change
from .context import Actor, require


class NeedsConfirmation(InvalidInput):
    """Only warnings stand in the way: save again with ``accept_warnings=reason``."""


@dataclass(frozen=True)
class MemberDTO:
    id: str
    household_id: str
    version: int
    name: str
    sex: str
    relationship_code: str
    nik: str | None
    birth_place: str | None
    birth_date: date | None
    marital_status: str | None
    religion: str | None
    school_attendance: str | None
    education_level: str | None
    work_status: str | None
    occupation: str | None
    disability: str | None
    chronic_illness: str | None
    pregnant: bool | None
    presence: str
    presence_date: date | None
    presence_note: str | None
    removed: bool

    def as_input(self) -> MemberInput:
        return MemberInput(id=self.id, **{f: getattr(self, f) for f in MEMBER_FIELDS})


@dataclass(frozen=True)
class ParticipationDTO:
    id: str
    program_code: str
    member_id: str | None
    period: str
    source: str
    status: str


@dataclass(frozen=True)
class HouseholdDTO:
    id: str
    version: int
    region_code: str
    desil: int | None
    desil_period: str | None
    created_at: datetime
    updated_at: datetime
    removed: bool
    removed_reason: str | None
    data: HouseholdInput
    members: tuple[MemberDTO, ...]
    programs: tuple[ParticipationDTO, ...]

    @property
    def head(self) -> MemberDTO | None:
        for m in self.members:
            if (m.relationship_code == codes.Relationship.KEPALA.value and not m.removed
                    and m.presence == codes.Presence.TINGGAL.value):
                return m
        return None


@dataclass(frozen=True)
class HouseholdRow:
    """One line of the household list."""

    id: str
    no_kk: str | None
    head_name: str | None
    head_nik: str | None
    dusun: str | None
    rw: str | None
    rt: str | None
    address: str | None
    desil: int | None
    member_count: int
    programs: tuple[str, ...]


@dataclass(frozen=True)
class HouseholdFilter:
    text: str = ""
    dusun: str | None = None
    rw: str | None = None
    rt: str | None = None
    desil: tuple[int, ...] = ()
    program: str | None = None
    #: "gone": households with a member who died or moved; "no_head": without a head
    presence: str | None = None
    #: status in the most recent verval cycle: in_cycle, pending, visited, proposal,
    #: not_in_cycle
    verval: str | None = None
    include_removed: bool = False


@dataclass(frozen=True)
class RegistryCounts:
    households: int
    members: int
    by_desil: dict[int | None, int]


def compose_search_text(no_kk: str | None, dtsen_id: str | None, address: str | None,
                        dusun: str | None, members: list[tuple[str | None, str | None]]) -> str:
    """The lower-case text a household is found by (names, NIKs, KK, address)."""
    parts = [no_kk, dtsen_id, address, dusun]
    for name, nik in members:
        parts.extend((name, nik))
    return "|".join(p.strip().lower() for p in parts if p)


def refresh_search_text(s: Session, household_ids) -> None:
    """Recompute ``search_text`` of the given households inside a write unit."""
    ids = list(set(household_ids))
    if not ids:
        return
    s.flush()
    members: dict[str, list[tuple[str | None, str | None]]] = {}
    for hid, name, nik in s.execute(select(Member.household_id, Member.name, Member.nik).where(
            Member.household_id.in_(ids), Member.deleted_at.is_(None))
            .order_by(Member.sort_order)):
        members.setdefault(hid, []).append((name, nik))
    for h in s.scalars(select(Household).where(Household.id.in_(ids))):
        text = compose_search_text(h.no_kk, h.dtsen_id, h.address, h.dusun,
                                   members.get(h.id, []))
        if h.search_text != text:
            h.search_text = text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = " ".join(value.split())
        return value or None
    return value


def _clean_member(m: MemberInput) -> MemberInput:
    nik = normalize_number(m.nik) if m.nik not in (None, "") else None
    values = {f.name: _clean(getattr(m, f.name)) for f in fields(MemberInput)}
    values["nik"] = nik or None
    values["name"] = (values["name"] or "").upper()
    values["presence"] = values["presence"] or codes.Presence.TINGGAL.value
    return MemberInput(**values)


def _clean_household(h: HouseholdInput) -> HouseholdInput:
    values = {f.name: _clean(getattr(h, f.name)) for f in fields(HouseholdInput)}
    if values["no_kk"]:
        values["no_kk"] = normalize_number(values["no_kk"]) or None
    for name in ("rt", "rw"):
        if values[name] and values[name].isascii() and values[name].isdigit():
            values[name] = f"{int(values[name]):03d}"
    return HouseholdInput(**values)


def _member_dto(m: Member, show_nik: bool) -> MemberDTO:
    return MemberDTO(
        id=m.id, household_id=m.household_id, version=m.version,
        nik=m.nik if show_nik or not m.nik else mask_nik(m.nik),
        removed=m.deleted_at is not None,
        **{f: getattr(m, f) for f in MEMBER_FIELDS if f != "nik"})


def _household_dto(h: Household, members: list[Member], programs: list[Participation],
                   show_nik: bool) -> HouseholdDTO:
    return HouseholdDTO(
        id=h.id, version=h.version, region_code=h.region_code, desil=h.desil,
        desil_period=h.desil_period, created_at=h.created_at, updated_at=h.updated_at,
        removed=h.deleted_at is not None, removed_reason=h.deleted_reason,
        data=HouseholdInput(**{f: getattr(h, f) for f in HOUSEHOLD_FIELDS}),
        members=tuple(_member_dto(m, show_nik) for m in members),
        programs=tuple(ParticipationDTO(p.id, p.program_code, p.member_id, p.period,
                                        p.source, p.status) for p in programs))


def raise_for_problems(problems: list[Problem], accept_warnings: str | None) -> None:
    """Raise on any error; on warnings unless they were accepted with a reason."""
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise InvalidInput(
            ngettext("{n} problem must be fixed before saving: {first}",
                     "{n} problems must be fixed before saving: {first}",
                     len(errors)).format(n=len(errors), first=errors[0].message),
            tuple(problems))
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    if warnings and not (accept_warnings or "").strip():
        raise NeedsConfirmation(
            ngettext("{n} warning needs a reason before saving: {first}",
                     "{n} warnings need a reason before saving: {first}",
                     len(warnings)).format(n=len(warnings), first=warnings[0].message),
            tuple(warnings))


def _verval_condition(status: str):
    """Households by their status in the most recent verval cycle."""
    from ..models import VervalCycle, VervalEntry, VervalProposal
    latest = (select(VervalCycle.id).where(VervalCycle.deleted_at.is_(None))
              .order_by(VervalCycle.created_at.desc()).limit(1).scalar_subquery())
    entries = select(VervalEntry.household_id).where(VervalEntry.cycle_id == latest,
                                                     VervalEntry.deleted_at.is_(None))
    if status == "pending":
        entries = entries.where(VervalEntry.result.is_(None))
    elif status == "visited":
        entries = entries.where(VervalEntry.result.is_not(None))
    elif status == "proposal":
        entries = entries.where(VervalEntry.id.in_(select(VervalProposal.entry_id).where(
            VervalProposal.status == "usulan")))
    if status == "not_in_cycle":
        return Household.id.not_in(entries)
    return Household.id.in_(entries)


def household_conditions(filter: HouseholdFilter) -> list:
    """The SQL conditions on :class:`Household` that select what ``filter`` selects.

    The same semantics as the household list (:meth:`HouseholdService.search`):
    dusun, RW/RT (``"1"`` matches ``"001"``), desil, program, presence
    (``"gone"``/``"no_head"``) and the words of the search text.
    """
    conditions: list = []
    if not filter.include_removed:
        conditions.append(Household.deleted_at.is_(None))
    if filter.dusun:
        conditions.append(Household.dusun == filter.dusun)
    for value, column in ((filter.rw, Household.rw), (filter.rt, Household.rt)):
        if value:
            conditions.append(column == (f"{int(value):03d}"
                                         if value.isascii() and value.isdigit() else value))
    if filter.desil:
        conditions.append(Household.desil.in_(filter.desil))
    if filter.program:
        conditions.append(Household.id.in_(select(Participation.household_id).where(
            Participation.program_code == filter.program,
            Participation.deleted_at.is_(None))))
    if filter.presence == "gone":
        conditions.append(Household.id.in_(select(Member.household_id).where(
            Member.deleted_at.is_(None),
            Member.presence != codes.Presence.TINGGAL.value)))
    elif filter.presence == "no_head":
        conditions.append(Household.id.not_in(select(Member.household_id).where(
            Member.relationship_code == codes.Relationship.KEPALA.value,
            Member.deleted_at.is_(None),
            Member.presence == codes.Presence.TINGGAL.value)))
    if filter.verval:
        conditions.append(_verval_condition(filter.verval))
    for word in filter.text.lower().split():
        digits = normalize_number(word)
        conditions.append(Household.search_text.like(f"%{digits or word}%"))
    return conditions


def _move_programs(s: Session, member_ids: list[str], household_id: str) -> list[Change]:
    """A member's own programs (PBI, PIP …) follow the member to the new household.

    Household-level programs (PKH, BPNT …) stay with the family they were given to.
    """
    changes = []
    for p in s.scalars(select(Participation).where(Participation.member_id.in_(member_ids),
                                                   Participation.deleted_at.is_(None))):
        if p.household_id != household_id:
            changes.append(Change("participation", p.id, "household_id", p.household_id,
                                  household_id))
            p.household_id = household_id
    return changes


class HouseholdService:
    def __init__(self, db: Database):
        self._db = db

    # ------------------------------------------------------------ reading
    def get(self, *, actor: Actor, household_id: str) -> HouseholdDTO:
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            return self._load(s, household_id, actor.can(Permission.VIEW_FULL_NIK))

    def _load(self, s: Session, household_id: str, show_nik: bool = True) -> HouseholdDTO:
        h = s.get(Household, household_id)
        if h is None:
            raise NotFound(_("Household not found; it may have been removed by someone "
                             "else. Refresh the list."))
        members = list(s.scalars(select(Member).where(Member.household_id == h.id)
                                 .order_by(Member.sort_order, Member.created_at)))
        programs = list(s.scalars(select(Participation).where(
            Participation.household_id == h.id, Participation.deleted_at.is_(None))
            .order_by(Participation.period.desc(), Participation.program_code)))
        return _household_dto(h, members, programs, show_nik)

    def search(self, *, actor: Actor, filter: HouseholdFilter = HouseholdFilter(),
               limit: int = 200, offset: int = 0,
               order_by: str = "area") -> tuple[list[HouseholdRow], int]:
        """One page of households matching ``filter`` and the total count."""
        require(actor, Permission.VIEW_REGISTRY)
        show_nik = actor.can(Permission.VIEW_FULL_NIK)
        head = (select(Member.household_id.label("hid"), Member.name.label("head_name"),
                       Member.nik.label("head_nik"))
                .where(Member.relationship_code == codes.Relationship.KEPALA.value,
                       Member.deleted_at.is_(None),
                       Member.presence == codes.Presence.TINGGAL.value)
                .subquery())
        count_members = (select(func.count()).where(
            Member.household_id == Household.id, Member.deleted_at.is_(None),
            Member.presence == codes.Presence.TINGGAL.value)
            .correlate(Household).scalar_subquery())
        conditions = household_conditions(filter)
        where = and_(*conditions) if conditions else True
        descending = order_by.startswith("-")
        key = order_by.lstrip("-")
        columns = {
            "area": (Household.dusun, Household.rw, Household.rt, head.c.head_name),
            "name": (head.c.head_name,),
            "nik": (head.c.head_nik,),
            "desil": (Household.desil, head.c.head_name),
            "kk": (Household.no_kk,),
            "members": (count_members, head.c.head_name),
        }.get(key, (Household.dusun, Household.rw, Household.rt))
        order = tuple(c.desc() for c in columns) if descending else columns
        with self._db.read() as s:
            total = s.scalar(select(func.count()).select_from(Household).where(where))
            stmt = (select(Household.id, Household.no_kk, head.c.head_name, head.c.head_nik,
                           Household.dusun, Household.rw, Household.rt, Household.address,
                           Household.desil, count_members.label("n"))
                    .outerjoin(head, head.c.hid == Household.id)
                    .where(where).order_by(*order, Household.id).limit(limit).offset(offset))
            rows = s.execute(stmt).all()
            ids = [r.id for r in rows]
            programs: dict[str, set[str]] = {}
            if ids:
                for hid, code in s.execute(select(Participation.household_id,
                                                  Participation.program_code).where(
                        Participation.household_id.in_(ids),
                        Participation.deleted_at.is_(None),
                        Participation.status == codes.ParticipationStatus.AKTIF.value)):
                    programs.setdefault(hid, set()).add(code)
        out = []
        seen = set()
        for r in rows:
            if r.id in seen:  # a household with two heads shows once
                continue
            seen.add(r.id)
            nik = r.head_nik if show_nik or not r.head_nik else mask_nik(r.head_nik)
            out.append(HouseholdRow(r.id, r.no_kk, r.head_name, nik, r.dusun, r.rw, r.rt,
                                    r.address, r.desil, r.n,
                                    tuple(sorted(programs.get(r.id, ())))))
        return out, int(total or 0)

    def counts(self, *, actor: Actor) -> RegistryCounts:
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            households = s.scalar(select(func.count()).select_from(Household)
                                  .where(Household.deleted_at.is_(None)))
            members = s.scalar(select(func.count()).select_from(Member).join(Household).where(
                Member.deleted_at.is_(None), Household.deleted_at.is_(None),
                Member.presence == codes.Presence.TINGGAL.value))
            by_desil = dict(s.execute(select(Household.desil, func.count())
                                      .where(Household.deleted_at.is_(None))
                                      .group_by(Household.desil)).all())
        return RegistryCounts(int(households or 0), int(members or 0), by_desil)

    def areas(self) -> dict[str, list[tuple[str, str]]]:
        """dusun -> sorted (rw, rt) pairs in use, for the filters."""
        with self._db.read() as s:
            out: dict[str, set[tuple[str, str]]] = {}
            for dusun, rw, rt in s.execute(select(Household.dusun, Household.rw, Household.rt)
                                           .where(Household.deleted_at.is_(None)).distinct()):
                out.setdefault(dusun or "", set()).add((rw or "", rt or ""))
        return {k: sorted(v) for k, v in sorted(out.items())}

    def dusun_names(self) -> list[str]:
        with self._db.read() as s:
            return [d for d in s.scalars(select(Household.dusun).distinct()
                                         .where(Household.dusun.is_not(None))
                                         .order_by(Household.dusun))]

    # ------------------------------------------------------------ writing
    def save(self, *, actor: Actor, household: HouseholdInput, members: list[MemberInput],
             household_id: str | None = None, expected_version: int | None = None,
             region_code: str | None = None, reason: str | None = None,
             accept_warnings: str | None = None) -> HouseholdDTO:
        """Create a household, or update one with all its present members.

        ``members`` lists every member that is not removed: those with an
        ``id`` are updated, those without are added.  A member left out of an
        update is refused (remove it with :meth:`remove_member`, which asks
        for a reason).  ``expected_version`` guards against overwriting a
        change saved meanwhile by someone else.
        """
        require(actor, Permission.EDIT_REGISTRY)
        h_in = _clean_household(household)
        m_in = [_clean_member(m) for m in members]
        problems = check_household(h_in, m_in)
        with self._db.write() as s:
            if household_id is None:
                raise_for_problems(problems, accept_warnings)
                from .settings import SettingsService  # late: avoids an import cycle
                region = region_code or SettingsService(self._db).village().code
                if not region:
                    raise InvalidInput(_("Set up the village first (puskesos init)."))
                row = Household(region_code=region,
                                **{f: getattr(h_in, f) for f in HOUSEHOLD_FIELDS})
                s.add(row)
                s.flush()
                changes = [Change("household", row.id, f, None, getattr(h_in, f))
                           for f in HOUSEHOLD_FIELDS if getattr(h_in, f) is not None]
                for order, m in enumerate(m_in):
                    changes += self._add_member(s, row.id, m, order)
                audit.append(s, actor, "create", changes,
                             reason or (accept_warnings and f"warnings accepted: {accept_warnings}"))
                household_id = row.id
                refresh_search_text(s, [household_id])
            else:
                row = s.get(Household, household_id, with_for_update=True)
                if row is None or row.deleted_at is not None:
                    raise NotFound(_("Household not found; it may have been removed by "
                                     "someone else. Refresh the list."))
                if expected_version is not None and row.version != expected_version:
                    raise Conflict(_("Someone else saved this household meanwhile. Close "
                                     "it, open it again and repeat your change."))
                current = {m.id: m for m in s.scalars(select(Member).where(
                    Member.household_id == row.id, Member.deleted_at.is_(None)))}
                given = {m.id for m in m_in if m.id}
                unknown = given - set(current)
                if unknown:
                    raise NotFound(_("A member of this household was removed by someone "
                                     "else meanwhile. Refresh and try again."))
                missing = set(current) - given
                if missing:
                    raise InvalidInput(_("Removing a member needs a reason: use 'remove "
                                         "member'."))
                changed = self._changed_problem_scope(row, current, h_in, m_in, problems)
                raise_for_problems(changed, accept_warnings)
                changes, created = [], []
                for f in HOUSEHOLD_FIELDS:
                    old, new = getattr(row, f), getattr(h_in, f)
                    if old != new:
                        setattr(row, f, new)
                        changes.append(Change("household", row.id, f, old, new))
                for order, m in enumerate(m_in):
                    if m.id is None:
                        created += self._add_member(s, row.id, m, order)
                        continue
                    existing = current[m.id]
                    for f in MEMBER_FIELDS:
                        old, new = getattr(existing, f), getattr(m, f)
                        if old != new:
                            setattr(existing, f, new)
                            changes.append(Change("member", existing.id, f, old, new))
                    existing.sort_order = order
                if changes or created:
                    row.updated_at = utcnow()  # bumps the household version too
                    note = reason
                    if accept_warnings:
                        note = f"{reason or ''} (warnings accepted: {accept_warnings})".strip()
                    s.flush()
                    if created:
                        audit.append(s, actor, "create", created, note)
                    if changes:
                        audit.append(s, actor, "update", changes, note)
                    refresh_search_text(s, [household_id])
            s.flush()
            return self._load(s, household_id)

    @staticmethod
    def _changed_problem_scope(row: Household, current: dict[str, Member],
                               h_in: HouseholdInput, m_in: list[MemberInput],
                               problems: list[Problem]) -> list[Problem]:
        """Errors always count; warnings only on what this save changes."""
        changed_h = {f for f in HOUSEHOLD_FIELDS if getattr(row, f) != getattr(h_in, f)}
        out = []
        for p in problems:
            if p.severity is Severity.ERROR:
                out.append(p)
            elif p.member is None:
                if p.field in changed_h:
                    out.append(p)
            else:
                m = m_in[p.member]
                if m.id is None or getattr(current[m.id], p.field, None) != getattr(m, p.field, None):
                    out.append(p)
        return out

    @staticmethod
    def _add_member(s: Session, household_id: str, m: MemberInput, order: int) -> list[Change]:
        member = Member(household_id=household_id, sort_order=order,
                        **{f: getattr(m, f) for f in MEMBER_FIELDS})
        s.add(member)
        s.flush()
        return [Change("member", member.id, "household_id", None, household_id)] + [
            Change("member", member.id, f, None, getattr(m, f))
            for f in MEMBER_FIELDS if getattr(m, f) is not None]

    def remove_member(self, *, actor: Actor, member_id: str, reason: str) -> None:
        """Tombstone a member entered by mistake (deaths and moves are a presence
        status, not a removal)."""
        require(actor, Permission.EDIT_REGISTRY)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for removing this record."))
        with self._db.write() as s:
            m = s.get(Member, member_id)
            if m is None or m.deleted_at is not None:
                raise NotFound(_("Member not found; it may have been removed already."))
            household = s.get(Household, m.household_id, with_for_update=True)
            m.deleted_at, m.deleted_by, m.deleted_reason = utcnow(), actor.username, reason
            household.updated_at = utcnow()
            s.flush()
            audit.append(s, actor, "delete", [Change("member", m.id, None, m.name, None)],
                         reason)
            refresh_search_text(s, [m.household_id])

    def remove(self, *, actor: Actor, household_id: str, reason: str) -> None:
        """Tombstone a household (it stays in the database and can be restored)."""
        require(actor, Permission.EDIT_REGISTRY)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for removing this record."))
        with self._db.write() as s:
            h = s.get(Household, household_id, with_for_update=True)
            if h is None or h.deleted_at is not None:
                raise NotFound(_("Household not found; it may have been removed by someone "
                                 "else. Refresh the list."))
            h.deleted_at, h.deleted_by, h.deleted_reason = utcnow(), actor.username, reason
            audit.append(s, actor, "delete", [Change("household", h.id, None, h.no_kk, None)],
                         reason)

    def restore(self, *, actor: Actor, household_id: str, reason: str) -> None:
        require(actor, Permission.EDIT_REGISTRY)
        with self._db.write() as s:
            h = s.get(Household, household_id, with_for_update=True)
            if h is None or h.deleted_at is None:
                raise NotFound(_("There is no removed household to restore."))
            old = h.deleted_reason
            h.deleted_at = h.deleted_by = h.deleted_reason = None
            audit.append(s, actor, "restore",
                         [Change("household", h.id, "deleted_reason", old, None)], reason)

    def set_desil(self, *, actor: Actor, household_id: str, desil: int | None,
                  period: str, reason: str = "imported") -> None:
        """Record the BPS desil from an import (the window never edits it)."""
        require(actor, Permission.EDIT_REGISTRY)
        if desil is not None and not 1 <= desil <= 10:
            raise InvalidInput(_("Desil must be between 1 and 10."))
        with self._db.write() as s:
            h = s.get(Household, household_id)
            if h is None:
                raise NotFound(_("Household not found; it may have been removed by someone "
                                 "else. Refresh the list."))
            changes = []
            if h.desil != desil:
                changes.append(Change("household", h.id, "desil", h.desil, desil))
            if h.desil_period != period:
                changes.append(Change("household", h.id, "desil_period", h.desil_period, period))
            h.desil, h.desil_period = desil, period
            if changes:
                audit.append(s, actor, "update", changes, reason)

    # ------------------------------------------------------------ family changes
    @staticmethod
    def _present(s: Session, household_id: str) -> list[Member]:
        return list(s.scalars(select(Member).where(
            Member.household_id == household_id, Member.deleted_at.is_(None))
            .order_by(Member.sort_order, Member.created_at)))

    @staticmethod
    def _errors_after(h: Household, members: list[Member],
                      overrides: dict[str, dict[str, Any]]) -> list[Problem]:
        """Errors of household ``h`` if it held ``members`` with ``overrides`` applied."""
        inputs = [MemberInput(id=m.id, **{f: overrides.get(m.id, {}).get(f, getattr(m, f))
                                          for f in MEMBER_FIELDS}) for m in members]
        data = HouseholdInput(**{f: getattr(h, f) for f in HOUSEHOLD_FIELDS})
        return [p for p in check_household(data, inputs) if p.is_error
                and p.field in ("members",)]

    def _require_household(self, s: Session, household_id: str) -> Household:
        h = s.get(Household, household_id, with_for_update=True)
        if h is None or h.deleted_at is not None:
            raise NotFound(_("Household not found; it may have been removed by someone "
                             "else. Refresh the list."))
        return h

    @staticmethod
    def _raise_family_errors(problems: list[Problem], label: str) -> None:
        if problems:
            raise InvalidInput(f"{label}: {problems[0].message}", tuple(problems))

    def move_member(self, *, actor: Actor, member_id: str, target_household_id: str,
                    relationship_code: str, reason: str) -> None:
        """Move a present member to another household (marriage, moving in with family)."""
        require(actor, Permission.EDIT_REGISTRY)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for this change."))
        with self._db.write() as s:
            m = s.get(Member, member_id)
            if m is None or m.deleted_at is not None:
                raise NotFound(_("Member not found; it may have been removed already."))
            source = self._require_household(s, m.household_id)
            target = self._require_household(s, target_household_id)
            if source.id == target.id:
                raise InvalidInput(_("The member already belongs to that household."))
            remaining = [x for x in self._present(s, source.id) if x.id != m.id]
            if remaining:
                self._raise_family_errors(self._errors_after(source, remaining, {}),
                                          _("The household left behind"))
            arriving = self._present(s, target.id) + [m]
            self._raise_family_errors(
                self._errors_after(target, arriving, {m.id: {"relationship_code":
                                                             relationship_code}}),
                _("The receiving household"))
            changes = [Change("member", m.id, "household_id", source.id, target.id)]
            if m.relationship_code != relationship_code:
                changes.append(Change("member", m.id, "relationship_code",
                                      m.relationship_code, relationship_code))
            m.household_id, m.relationship_code = target.id, relationship_code
            m.sort_order = len(arriving)
            changes += _move_programs(s, [m.id], target.id)
            source.updated_at = target.updated_at = utcnow()
            audit.append(s, actor, "move", changes, reason)
            refresh_search_text(s, [source.id, target.id])

    def split(self, *, actor: Actor, household_id: str, member_ids: list[str],
              relationships: dict[str, str], reason: str,
              no_kk: str | None = None) -> HouseholdDTO:
        """Pecah KK: the chosen members form a new household at the same address.

        ``relationships`` gives each moving member's relationship to the new
        head (exactly one of them ``1``).  The old household becomes
        *keluarga induk*, the new one *keluarga pecahan*.
        """
        require(actor, Permission.EDIT_REGISTRY)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for this change."))
        if not member_ids:
            raise InvalidInput(_("Choose the members who form the new family."))
        kk = normalize_number(no_kk) if no_kk else None
        if kk:
            from ..core.identifiers import check_kk
            result = check_kk(kk)
            if not result.ok:
                raise InvalidInput(result.errors[0].message, result.issues)
        with self._db.write() as s:
            source = self._require_household(s, household_id)
            present = self._present(s, source.id)
            by_id = {m.id: m for m in present}
            if any(mid not in by_id for mid in member_ids):
                raise InvalidInput(_("A chosen member does not belong to this household."))
            moving = [by_id[mid] for mid in member_ids]
            staying = [m for m in present if m.id not in set(member_ids)]
            if not staying:
                raise InvalidInput(_("At least one member must stay in the old household."))
            self._raise_family_errors(self._errors_after(source, staying, {}),
                                      _("The household left behind"))
            overrides = {m.id: {"relationship_code": relationships.get(m.id,
                                                                       m.relationship_code)}
                         for m in moving}
            new = Household(region_code=source.region_code, no_kk=kk,
                            family_status=codes.FamilyStatus.PECAHAN.value,
                            **{f: getattr(source, f) for f in HOUSEHOLD_FIELDS
                               if f not in ("no_kk", "dtsen_id", "family_status", "note",
                                            "phone")})
            self._raise_family_errors(self._errors_after(new, moving, overrides),
                                      _("The new household"))
            s.add(new)
            s.flush()
            changes = [Change("household", new.id, f, None, getattr(new, f))
                       for f in HOUSEHOLD_FIELDS if getattr(new, f) is not None]
            changes.append(Change("household", new.id, "split_from", None, source.id))
            for order, m in enumerate(moving):
                changes.append(Change("member", m.id, "household_id", source.id, new.id))
                rel = overrides[m.id]["relationship_code"]
                if rel != m.relationship_code:
                    changes.append(Change("member", m.id, "relationship_code",
                                          m.relationship_code, rel))
                m.household_id, m.relationship_code, m.sort_order = new.id, rel, order
            changes += _move_programs(s, [m.id for m in moving], new.id)
            if source.family_status != codes.FamilyStatus.INDUK.value:
                changes.append(Change("household", source.id, "family_status",
                                      source.family_status, codes.FamilyStatus.INDUK.value))
                source.family_status = codes.FamilyStatus.INDUK.value
            source.updated_at = utcnow()
            audit.append(s, actor, "split", changes, reason)
            refresh_search_text(s, [source.id, new.id])
            return self._load(s, new.id)

    def merge(self, *, actor: Actor, source_id: str, target_id: str,
              relationships: dict[str, str], reason: str) -> None:
        """Bring every member of ``source`` into ``target``; ``source`` is removed
        (a tombstone that says where its people went)."""
        require(actor, Permission.EDIT_REGISTRY)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for this change."))
        with self._db.write() as s:
            source = self._require_household(s, source_id)
            target = self._require_household(s, target_id)
            if source.id == target.id:
                raise InvalidInput(_("Choose two different households to merge."))
            moving = self._present(s, source.id)
            arriving = self._present(s, target.id) + moving
            overrides = {m.id: {"relationship_code": relationships.get(m.id,
                                                                       m.relationship_code)}
                         for m in moving}
            self._raise_family_errors(self._errors_after(target, arriving, overrides),
                                      _("The receiving household"))
            changes = []
            start = len(arriving) - len(moving)
            for order, m in enumerate(moving, start=start):
                changes.append(Change("member", m.id, "household_id", source.id, target.id))
                rel = overrides[m.id]["relationship_code"]
                if rel != m.relationship_code:
                    changes.append(Change("member", m.id, "relationship_code",
                                          m.relationship_code, rel))
                m.household_id, m.relationship_code, m.sort_order = target.id, rel, order
            changes += _move_programs(s, [m.id for m in moving], target.id)
            now = utcnow()
            source.deleted_at, source.deleted_by = now, actor.username
            source.deleted_reason = f"merged into {target.id}: {reason}"
            target.updated_at = now
            changes.append(Change("household", source.id, "merged_into", None, target.id))
            audit.append(s, actor, "merge", changes, reason)
            refresh_search_text(s, [source.id, target.id])

    def history_ids(self, *, actor: Actor, household_id: str) -> list[str]:
        """Every record id whose audit entries belong to this household's history."""
        require(actor, Permission.VIEW_AUDIT)
        with self._db.read() as s:
            ids = [household_id]
            ids += list(s.scalars(select(Member.id).where(Member.household_id == household_id)))
            ids += list(s.scalars(select(Participation.id).where(
                Participation.household_id == household_id)))
            return ids

    def member_names(self, member_ids: list[str]) -> dict[str, str]:
        with self._db.read() as s:
            return dict(s.execute(select(Member.id, Member.name).where(
                Member.id.in_(member_ids))).all())


__all__ = ["HouseholdService", "HouseholdDTO", "HouseholdRow", "HouseholdFilter", "MemberDTO",
           "NeedsConfirmation", "raise_for_problems"]
