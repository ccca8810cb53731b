"""The household registry: households (keluarga) and their members.

Every change is validated with :mod:`puskesos.core.validation`, written in
one transaction and recorded field by field in the audit trail.  Removal is a
tombstone with a reason; :meth:`HouseholdService.restore` brings it back.
Family changes (move, split, merge) are in :mod:`.family`.
"""

from __future__ import annotations

from dataclasses import fields
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ...core import codes
from ...core.identifiers import Severity, mask_nik, normalize_number
from ...core.normalize import area_number
from ...core.permissions import Permission
from ...core.validation import (HOUSEHOLD_FIELDS, MEMBER_FIELDS, HouseholdInput, MemberInput,
                               Problem, check_household)
from ...db.engine import Database
from ...errors import Conflict, InvalidInput, NotFound
from ...i18n import _, ngettext
from ...models import AuditEvent, Household, Member, Participation, Region, utcnow
from .. import audit
from ..audit import Change
from ..context import Actor, require
from ..settings import SettingsService
from .family import FamilyOps
from .queries import dusun_names, household_conditions, refresh_search_text, search_words
from .records import (HouseholdDTO, HouseholdFilter, HouseholdRow, MemberDTO, NeedsConfirmation,
                      ParticipationDTO, RegistryCounts)


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


def owned(assets: dict | None) -> dict | None:
    """The assets a household has (ticked, or a count above 0); None when none."""
    kept = {code: value for code, value in (assets or {}).items() if value}
    return kept or None


def _clean_household(h: HouseholdInput) -> HouseholdInput:
    values = {f.name: _clean(getattr(h, f.name)) for f in fields(HouseholdInput)}
    if values["no_kk"]:
        values["no_kk"] = normalize_number(values["no_kk"]) or None
    for name in ("rt", "rw"):
        if values[name]:
            values[name] = area_number(values[name])
    values["assets"] = owned(values["assets"])
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


class HouseholdService(FamilyOps):
    """Households and members of one village database: read, save, remove, restore."""

    def __init__(self, db: Database, *, settings: SettingsService):
        self._db = db
        self._settings = settings

    # ------------------------------------------------------------ reading
    def get(self, *, actor: Actor, household_id: str) -> HouseholdDTO:
        """One household with its members; NIKs masked for a role that may not see them."""
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
                       Member.presence.in_(codes.LIVING))
                .subquery())
        count_members = (select(func.count()).where(
            Member.household_id == Household.id, Member.deleted_at.is_(None),
            Member.presence.in_(codes.LIVING))
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
            matched = self._matched_members(s, rows, filter.text)
        out = []
        seen = set()
        for r in rows:
            if r.id in seen:  # a household with two heads shows once
                continue
            seen.add(r.id)
            nik = r.head_nik if show_nik or not r.head_nik else mask_nik(r.head_nik)
            out.append(HouseholdRow(r.id, r.no_kk, r.head_name, nik, r.dusun, r.rw, r.rt,
                                    r.address, r.desil, r.n,
                                    tuple(sorted(programs.get(r.id, ()))),
                                    matched.get(r.id)))
        return out, int(total or 0)

    @staticmethod
    def _matched_members(s: Session, rows, text: str) -> dict[str, str]:
        """Household id -> the name of the member the search ``text`` found there, for
        the households where that is not the head (the list shows it under the head)."""
        words = search_words(text)
        if not words or not rows:
            return {}
        # households whose head the words already find need nothing more
        others = [r.id for r in rows
                  if not all(w in f"{r.head_name or ''} {r.head_nik or ''}".lower()
                             for w in words)]
        if not others:
            return {}
        found: dict[str, str] = {}
        for hid, name in s.execute(
                select(Member.household_id, Member.name)
                .where(Member.household_id.in_(others), Member.deleted_at.is_(None),
                       *[or_(func.lower(Member.name).like(f"%{w}%"),
                             Member.nik.like(f"%{w}%")) for w in words])
                .order_by(Member.sort_order)):
            found.setdefault(hid, name)
        return found

    def counts(self, *, actor: Actor) -> RegistryCounts:
        """How many households and members the registry holds, by dusun and desil."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            households = s.scalar(select(func.count()).select_from(Household)
                                  .where(Household.deleted_at.is_(None)))
            members = s.scalar(select(func.count()).select_from(Member).join(Household).where(
                Member.deleted_at.is_(None), Household.deleted_at.is_(None),
                Member.presence.in_(codes.LIVING)))
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

    def villages(self) -> list[tuple[str, str]]:
        """The villages whose families this database holds (code, name), by name: one
        for a village's own database, each village that sent a bundle at the
        kabupaten's."""
        with self._db.read() as s:
            rows = s.execute(select(Household.region_code, Region.name)
                             .join(Region, Region.code == Household.region_code,
                                   isouter=True)
                             .where(Household.deleted_at.is_(None)).distinct()).all()
        return sorted(((code, name or code) for code, name in rows if code),
                      key=lambda r: (r[1], r[0]))

    def dusun_names(self) -> list[str]:
        """The dusun names in use, for the filters."""
        with self._db.read() as s:
            return dusun_names(s)

    # ------------------------------------------------------------ writing
    def save(self, *, actor: Actor, household: HouseholdInput, members: list[MemberInput],
             household_id: str | None = None, expected_version: int | None = None,
             region_code: str | None = None, reason: str | None = None,
             accept_warnings: str | None = None,
             then: Callable[[Session], None] | None = None) -> HouseholdDTO:
        """Create a household, or update one with all its present members.

        ``members`` lists every member that is not removed: those with an
        ``id`` are updated, those without are added.  A member left out of an
        update is refused (remove it with :meth:`remove_member`, which asks
        for a reason).  ``expected_version`` guards against overwriting a
        change saved meanwhile by someone else.  ``then(session)`` runs in the same
        transaction after the save (the caller's own writes that must stand or fall
        with it, e.g. marking a verval proposal approved); it may raise to undo all.
        """
        require(actor, Permission.EDIT_REGISTRY)
        h_in = _clean_household(household)
        m_in = [_clean_member(m) for m in members]
        problems = check_household(h_in, m_in)
        with self._db.write() as s:
            if household_id is None:
                raise_for_problems(problems, accept_warnings)
                region = region_code or self._settings.village().code
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
                             _saved_because(reason, accept_warnings))
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
                    if f == "assets":
                        # a form sends every asset, ticked or not: only what is owned
                        # counts, so an untouched list is no change
                        old, new = owned(old), owned(new)
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
                    note = _saved_because(reason, accept_warnings)
                    s.flush()
                    if created:
                        audit.append(s, actor, "create", created, note)
                    if changes:
                        audit.append(s, actor, "update", changes, note)
                    refresh_search_text(s, [household_id])
            s.flush()
            if then is not None:
                then(s)
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
        """Bring back a removed household (with a reason, in the audit trail)."""
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


    def history_ids(self, *, actor: Actor, household_id: str) -> list[str]:
        """Every record id whose audit entries belong to this household's history."""
        require(actor, Permission.VIEW_AUDIT)
        with self._db.read() as s:
            ids = [household_id]
            ids += list(s.scalars(select(Member.id).where(Member.household_id == household_id)))
            ids += list(s.scalars(select(Participation.id).where(
                Participation.household_id == household_id)))
            return ids

    def moved_out(self, *, actor: Actor, household_id: str) -> dict[str, Any]:
        """Members who moved from this household to another and are not back: member id
        -> when they left (their history here ends then)."""
        require(actor, Permission.VIEW_AUDIT)
        with self._db.read() as s:
            left = dict(s.execute(
                select(AuditEvent.entity_id, func.max(AuditEvent.at)).where(
                    AuditEvent.entity == "member", AuditEvent.field == "household_id",
                    AuditEvent.old_value == household_id)
                .group_by(AuditEvent.entity_id)).all())
            back = set(s.scalars(select(Member.id).where(Member.household_id == household_id,
                                                          Member.id.in_(list(left)))))
            return {mid: at for mid, at in left.items() if mid not in back}

    def member_names(self, member_ids: list[str], *, actor: Actor) -> dict[str, str]:
        """The names of the given members (removed ones too: a history names them)."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            return dict(s.execute(select(Member.id, Member.name).where(
                Member.id.in_(member_ids))).all())


def _saved_because(reason: str | None, accept_warnings: str | None) -> str | None:
    """The audit reason of a save: the caller's reason, and the warnings accepted (a
    reason code, told in the reader's language)."""
    if not accept_warnings:
        return reason
    if reason:
        return audit.coded_reason("reason_warnings_accepted", reason=reason,
                                  accepted=accept_warnings)
    return audit.coded_reason("warnings_accepted", accepted=accept_warnings)
