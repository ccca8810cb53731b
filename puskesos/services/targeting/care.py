"""Vulnerable groups (issue 17 point 3): orphans (yatim, piatu, yatim piatu) with their
guardians; residents willing to be foster sponsors (orang tua asuh) with what they
offer, matched to orphans by the coordinator; elderly living alone; severe
disability.  Every change is in the audit trail; a record is removed with a reason,
never deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from ...core.codes import LIVING, Presence, Relationship
from ...core.identifiers import PLACEHOLDER_KINDS, check_nik, mask_nik
from ...core.permissions import Permission
from ...core.targeting import CHILD_AGE_LIMIT, FosterOffer, OrphanStatus
from ...core.validation import age_in_years, checked_text, years_before
from ...errors import Conflict, InvalidInput, NotFound
from ...i18n import _
from ...models import (FosterMatch, FosterSponsor, Household, Member, Orphan, Participation,
                       utcnow)
from .. import audit
from ..audit import Change
from ..context import Actor, require
from .flags import (active_participation, elderly_alone, severe_disability,
                    vulnerable_why)


@dataclass(frozen=True)
class Person:
    """A resident as the vulnerable-group lists show them."""

    member_id: str
    household_id: str
    no_kk: str
    nik: str | None
    name: str
    birth_date: date | None
    dusun: str | None
    rt: str | None
    rw: str | None

    def age(self, today: date) -> int | None:
        return age_in_years(self.birth_date, today) if self.birth_date else None


@dataclass(frozen=True)
class OrphanEntry:
    id: str
    child: Person
    status: str
    guardian_member_id: str | None
    guardian_name: str | None
    guardian_nik: str | None
    guardian_relation: str | None
    note: str | None
    #: the sponsors matched to the child now: (match id, sponsor's name)
    sponsors: tuple[tuple[str, str], ...]
    #: the programs the child or the family receives now
    programs: tuple[str, ...]

    @property
    def status_label(self) -> str:
        return OrphanStatus.label_of(self.status)


@dataclass(frozen=True)
class SponsorEntry:
    id: str
    person: Person
    offers: tuple[str, ...]
    capacity: int
    note: str | None
    #: the children matched now: (match id, child's name)
    children: tuple[tuple[str, str], ...]

    @property
    def free(self) -> int:
        return max(0, self.capacity - len(self.children))

    @property
    def offers_label(self) -> str:
        return ", ".join(FosterOffer.label_of(o) for o in self.offers)


@dataclass(frozen=True)
class VulnerablePerson:
    """An elderly person living alone or a severely disabled one, with the programs
    that reach them now (none: a ``vulnerable_uncovered`` flag)."""

    person: Person
    severe: bool
    elderly_alone: bool
    programs: tuple[str, ...]

    @property
    def why(self) -> str:
        return vulnerable_why(self.severe, self.elderly_alone)


#: who a child's parents are in a family card: its head and the head's spouse
PARENTS = (Relationship.KEPALA.value, Relationship.PASANGAN.value)
#: the children of a family card who may be orphans: the head's children (a grandchild
#: whose grandparent died is not one)
CHILDREN = (Relationship.ANAK.value,)

#: the vulnerable groups the window and the command line list
GROUPS = ("orphans", "sponsors", "elderly_alone", "severe_disability")


def _person_query():
    return (select(Member.id, Member.household_id, Household.no_kk, Member.nik, Member.name,
                   Member.birth_date, Household.dusun, Household.rt, Household.rw)
            .join(Household, Household.id == Member.household_id))


def _person(row, show: bool) -> Person:
    mid, hid, no_kk, nik, name, born, dusun, rt, rw = row[:9]
    return Person(mid, hid, no_kk, nik if show or not nik else mask_nik(nik), name, born,
                  dusun, rt, rw)


def _programs(s, member_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The programs each member receives now, themselves or through their family."""
    ids = sorted(set(member_ids))
    out: dict[str, set[str]] = {i: set() for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = s.execute(
            select(Member.id, Participation.program_code)
            .join(Participation, Participation.household_id == Member.household_id)
            .where(Member.id.in_(chunk), active_participation(),
                   or_(Participation.member_id.is_(None),
                       Participation.member_id == Member.id)))
        for mid, code in rows:
            out[mid].add(code)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _living_member(s, member_id: str | None, what: str) -> Member:
    member = s.get(Member, member_id) if member_id else None
    if member is None or member.deleted_at is not None:
        raise NotFound(_("{what} is not in the registry.").format(what=what))
    household = s.get(Household, member.household_id)
    if household is None or household.deleted_at is not None:
        raise NotFound(_("{what} is not in the registry.").format(what=what))
    if member.presence not in LIVING:
        raise InvalidInput(_("{name} is not recorded as living in the village.").format(
            name=member.name))
    return member


def _offers(values: Iterable[str]) -> str:
    codes = []
    for value in values:
        code = FosterOffer.checked(value, _("What the sponsor offers")).value
        if code not in codes:
            codes.append(code)
    if not codes:
        raise InvalidInput(_("Say what the sponsor offers (education costs, daily needs, "
                             "health costs or care at home)."))
    return ",".join(codes)


def _changes(entity: str, row, values: dict) -> list[Change]:
    out = []
    for name, value in values.items():
        old = getattr(row, name)
        if old != value:
            out.append(Change(entity, row.id, name, old, value))
            setattr(row, name, value)
    return out


class CareOps:
    """The vulnerable-groups half of :class:`~puskesos.services.targeting.TargetingService`."""

    def resident(self, *, actor: Actor, nik: str) -> Person:
        """The living resident with this NIK (as the command line names people)."""
        require(actor, Permission.VIEW_REGISTRY)
        result = check_nik(nik)
        if result.errors or result.value in PLACEHOLDER_KINDS:
            raise InvalidInput(_("Give the person's 16-digit NIK."))
        with self._db.read() as s:
            rows = list(s.execute(_person_query().where(
                Member.nik == result.value, Member.deleted_at.is_(None),
                Member.presence.in_(LIVING), Household.deleted_at.is_(None))))
        if not rows:
            raise NotFound(_("No resident living in the village has NIK {nik}.").format(
                nik=result.value))
        if len(rows) > 1:
            raise Conflict(_("NIK {nik} is recorded for {n} residents; settle the duplicate "
                             "in the registry first.").format(nik=result.value, n=len(rows)))
        return _person(rows[0], actor.can(Permission.VIEW_FULL_NIK))

    # -- orphans -------------------------------------------------------------------

    def orphans(self, *, actor: Actor, household_id: str | None = None) -> list[OrphanEntry]:
        """The orphans recorded (of one family), with their guardians, sponsors and
        programs; NIKs masked for a role that may not see them whole."""
        require(actor, Permission.VIEW_REGISTRY)
        show = actor.can(Permission.VIEW_FULL_NIK)
        with self._db.read() as s:
            query = (_person_query().add_columns(Orphan)
                     .join(Orphan, Orphan.member_id == Member.id)
                     .where(Orphan.deleted_at.is_(None), Member.deleted_at.is_(None),
                            Household.deleted_at.is_(None))
                     .order_by(Household.dusun, Household.rt, Member.name))
            if household_id is not None:
                query = query.where(Member.household_id == household_id)
            rows = list(s.execute(query))
            ids = [r[-1].id for r in rows]
            sponsors: dict[str, list[tuple[str, str]]] = {i: [] for i in ids}
            person = aliased(Member)
            for start in range(0, len(ids), 500):
                for orphan_id, match_id, name in s.execute(
                        select(FosterMatch.orphan_id, FosterMatch.id, person.name)
                        .join(FosterSponsor, FosterSponsor.id == FosterMatch.sponsor_id)
                        .join(person, person.id == FosterSponsor.member_id)
                        .where(FosterMatch.orphan_id.in_(ids[start:start + 500]),
                               FosterMatch.ended_on.is_(None))
                        .order_by(FosterMatch.started_on)):
                    sponsors[orphan_id].append((match_id, name))
            guardians = {g.id: g for g in s.scalars(select(Member).where(Member.id.in_(
                {r[-1].guardian_member_id for r in rows if r[-1].guardian_member_id})))}
            programs = _programs(s, [r[0] for r in rows])
            out = []
            for row in rows:
                o = row[-1]
                g = guardians.get(o.guardian_member_id)
                g_nik = g.nik if g is not None else o.guardian_nik
                out.append(OrphanEntry(
                    o.id, _person(row, show), o.status, o.guardian_member_id,
                    g.name if g is not None else o.guardian_name,
                    g_nik if show or not g_nik else mask_nik(g_nik), o.guardian_relation,
                    o.note, tuple(sponsors[o.id]), programs.get(row[0], ())))
            return out

    def orphan_candidates(self, *, actor: Actor, today: date | None = None
                          ) -> list[tuple[Person, str]]:
        """Children of the registry who may have lost a parent and are not on the list
        yet: living, under 18, a child of a family whose head or the head's spouse
        is recorded as died; with the status the data suggests (the father died:
        yatim; the mother: piatu; both: yatim piatu).  For the operator to confirm."""
        require(actor, Permission.VIEW_REGISTRY)
        today = today or date.today()
        parent = aliased(Member)

        def died(sex: str):
            return exists().where(parent.household_id == Member.household_id,
                                  parent.relationship_code.in_(PARENTS), parent.sex == sex,
                                  parent.deleted_at.is_(None),
                                  parent.presence == Presence.MENINGGAL.value)
        father, mother = died("L"), died("P")
        query = (_person_query().add_columns(father, mother)
                 .where(Member.deleted_at.is_(None), Member.presence.in_(LIVING),
                        Household.deleted_at.is_(None),
                        Member.relationship_code.in_(CHILDREN),
                        Member.birth_date > years_before(today, CHILD_AGE_LIMIT),
                        or_(father, mother),
                        ~Member.id.in_(select(Orphan.member_id)
                                       .where(Orphan.deleted_at.is_(None))))
                 .order_by(Household.dusun, Household.rt, Member.name))
        show = actor.can(Permission.VIEW_FULL_NIK)
        with self._db.read() as s:
            rows = list(s.execute(query))
        status = {(True, False): OrphanStatus.YATIM, (False, True): OrphanStatus.PIATU,
                  (True, True): OrphanStatus.YATIM_PIATU}
        return [(_person(r, show), status[(bool(r[-2]), bool(r[-1]))].value) for r in rows]

    def record_orphan(self, *, actor: Actor, member_id: str, status: str,
                      guardian_member_id: str | None = None, guardian_name: str | None = None,
                      guardian_nik: str | None = None, guardian_relation: str | None = None,
                      note: str | None = None, today: date | None = None) -> str:
        """Record a child as an orphan with who cares for them (or change the record):
        the child is a living member under 18; the guardian a living resident, or a
        person outside the registry named here.  Returns the record's id."""
        require(actor, Permission.EDIT_REGISTRY)
        status = OrphanStatus.checked(status, _("Orphan status")).value
        today = today or date.today()
        guardian_name = checked_text(_("Guardian's name"), guardian_name, 120) or None
        guardian_relation = checked_text(_("Relation to the child"), guardian_relation,
                                         60) or None
        note = checked_text(_("Note"), note, 300) or None
        if guardian_nik:
            result = check_nik(guardian_nik, today=today)
            if result.errors:
                raise InvalidInput(_("The guardian's NIK: {why}").format(
                    why=result.errors[0].message))
            guardian_nik = result.value
            if guardian_nik in PLACEHOLDER_KINDS:
                guardian_nik = None
        with self._db.write() as s:
            child = _living_member(s, member_id, _("The child"))
            if child.birth_date and age_in_years(child.birth_date, today) >= CHILD_AGE_LIMIT:
                raise InvalidInput(_("{name} is {age} years old: an orphan recorded here is a "
                                     "child under {limit}.").format(
                    name=child.name, age=age_in_years(child.birth_date, today),
                    limit=CHILD_AGE_LIMIT))
            if guardian_member_id:
                if guardian_member_id == child.id:
                    raise InvalidInput(_("A child cannot be their own guardian."))
                _living_member(s, guardian_member_id, _("The guardian"))
                guardian_name = guardian_nik = None
            elif not guardian_name:
                raise InvalidInput(_("Name the guardian who cares for the child: a resident "
                                     "of the registry, or a person outside it."))
            values = {"status": status, "guardian_member_id": guardian_member_id or None,
                      "guardian_name": guardian_name, "guardian_nik": guardian_nik,
                      "guardian_relation": guardian_relation, "note": note}
            row = s.scalar(select(Orphan).where(Orphan.member_id == child.id))
            if row is None:
                row = Orphan(member_id=child.id, recorded_by=actor.username, **values)
                s.add(row)
                s.flush()
                audit.append(s, actor, "create", [
                    Change("orphan", row.id, name, None, value)
                    for name, value in (("member_id", child.id), *values.items())
                    if value is not None])
                return row.id
            changes = _changes("orphan", row, values)
            if row.deleted_at is not None:       # recorded again after a removal
                changes += _changes("orphan", row, {"deleted_at": None, "deleted_by": None,
                                                    "deleted_reason": None})
            if changes:
                audit.append(s, actor, "update", changes)
            return row.id

    def remove_orphan(self, *, actor: Actor, orphan_id: str, reason: str) -> None:
        """Take a child off the orphans' list (recorded by mistake, grown up), with
        why; their sponsors' matches end the same day."""
        require(actor, Permission.EDIT_REGISTRY)
        reason = _reason(reason)
        with self._db.write() as s:
            row = s.get(Orphan, orphan_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(_("This orphan's record is no longer there."))
            row.deleted_at, row.deleted_by, row.deleted_reason = (
                utcnow(), actor.username, reason)
            changes = [Change("orphan", row.id, "deleted_at", None, row.deleted_at)]
            changes += _end_matches(s, FosterMatch.orphan_id == row.id, reason)
            audit.append(s, actor, "delete", changes, reason)

    # -- foster sponsors -----------------------------------------------------------

    def sponsors(self, *, actor: Actor) -> list[SponsorEntry]:
        """The residents willing to be foster sponsors, with what they offer and the
        children matched to them."""
        require(actor, Permission.VIEW_REGISTRY)
        show = actor.can(Permission.VIEW_FULL_NIK)
        with self._db.read() as s:
            rows = list(s.execute(
                _person_query().add_columns(FosterSponsor)
                .join(FosterSponsor, FosterSponsor.member_id == Member.id)
                .where(FosterSponsor.deleted_at.is_(None), Member.deleted_at.is_(None),
                       Household.deleted_at.is_(None))
                .order_by(Household.dusun, Household.rt, Member.name)))
            children: dict[str, list[tuple[str, str]]] = {r[-1].id: [] for r in rows}
            child = aliased(Member)
            for sponsor_id, match_id, name in s.execute(
                    select(FosterMatch.sponsor_id, FosterMatch.id, child.name)
                    .join(Orphan, Orphan.id == FosterMatch.orphan_id)
                    .join(child, child.id == Orphan.member_id)
                    .where(FosterMatch.ended_on.is_(None))
                    .order_by(FosterMatch.started_on)):
                children.setdefault(sponsor_id, []).append((match_id, name))
            return [SponsorEntry(r[-1].id, _person(r, show), tuple(r[-1].offers.split(",")),
                                 r[-1].capacity, r[-1].note, tuple(children[r[-1].id]))
                    for r in rows]

    def record_sponsor(self, *, actor: Actor, member_id: str, offers: Iterable[str],
                       capacity: int = 1, note: str | None = None,
                       today: date | None = None) -> str:
        """Record a resident willing to be a foster sponsor (an adult living in the
        village), what they offer and for how many children; or change it."""
        require(actor, Permission.EDIT_REGISTRY)
        today = today or date.today()
        offers_text = _offers(offers)
        try:
            capacity = int(capacity)
        except (TypeError, ValueError):
            capacity = 0
        if not 1 <= capacity <= 20:
            raise InvalidInput(_("A sponsor takes 1 to 20 children."))
        note = checked_text(_("Note"), note, 300) or None
        with self._db.write() as s:
            member = _living_member(s, member_id, _("The sponsor"))
            if member.birth_date and age_in_years(member.birth_date, today) < CHILD_AGE_LIMIT:
                raise InvalidInput(_("{name} is a child: a foster sponsor is an adult.")
                                   .format(name=member.name))
            if s.scalar(select(Orphan.id).where(Orphan.member_id == member.id,
                                                Orphan.deleted_at.is_(None))):
                raise InvalidInput(_("{name} is recorded as an orphan.").format(
                    name=member.name))
            row = s.scalar(select(FosterSponsor).where(FosterSponsor.member_id == member.id))
            active = _active_count(s, row.id) if row is not None else 0
            if capacity < active:
                raise Conflict(_("{name} is matched to {n} children now; end a match "
                                 "first.").format(name=member.name, n=active))
            values = {"offers": offers_text, "capacity": capacity, "note": note}
            if row is None:
                row = FosterSponsor(member_id=member.id, recorded_by=actor.username, **values)
                s.add(row)
                s.flush()
                audit.append(s, actor, "create", [
                    Change("foster_sponsor", row.id, name, None, value)
                    for name, value in (("member_id", member.id), *values.items())
                    if value is not None])
                return row.id
            changes = _changes("foster_sponsor", row, values)
            if row.deleted_at is not None:
                changes += _changes("foster_sponsor", row, {
                    "deleted_at": None, "deleted_by": None, "deleted_reason": None})
            if changes:
                audit.append(s, actor, "update", changes)
            return row.id

    def remove_sponsor(self, *, actor: Actor, sponsor_id: str, reason: str) -> None:
        """Take a resident off the sponsors' list, with why; their matches end."""
        require(actor, Permission.EDIT_REGISTRY)
        reason = _reason(reason)
        with self._db.write() as s:
            row = s.get(FosterSponsor, sponsor_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(_("This sponsor's record is no longer there."))
            row.deleted_at, row.deleted_by, row.deleted_reason = (
                utcnow(), actor.username, reason)
            changes = [Change("foster_sponsor", row.id, "deleted_at", None, row.deleted_at)]
            changes += _end_matches(s, FosterMatch.sponsor_id == row.id, reason)
            audit.append(s, actor, "delete", changes, reason)

    # -- matches (the coordinator's) ------------------------------------------------

    def match(self, *, actor: Actor, orphan_id: str, sponsor_id: str,
              started_on: date | None = None, note: str | None = None) -> str:
        """Match a sponsor to an orphan (the coordinator decides): both recorded now,
        the sponsor with room for another child, not already matched to this one."""
        require(actor, Permission.APPROVE)
        note = checked_text(_("Note"), note, 300) or None
        with self._db.write() as s:
            orphan = s.get(Orphan, orphan_id)
            sponsor = s.get(FosterSponsor, sponsor_id)
            if orphan is None or orphan.deleted_at is not None:
                raise NotFound(_("This orphan's record is no longer there."))
            if sponsor is None or sponsor.deleted_at is not None:
                raise NotFound(_("This sponsor's record is no longer there."))
            child = _living_member(s, orphan.member_id, _("The child"))
            person = _living_member(s, sponsor.member_id, _("The sponsor"))
            if s.scalar(select(FosterMatch.id).where(
                    FosterMatch.orphan_id == orphan.id, FosterMatch.sponsor_id == sponsor.id,
                    FosterMatch.ended_on.is_(None))):
                raise Conflict(_("{sponsor} is already matched to {child}.").format(
                    sponsor=person.name, child=child.name))
            active = _active_count(s, sponsor.id)
            if active >= sponsor.capacity:
                raise Conflict(_("{sponsor} offered to support {n} children and is matched "
                                 "to {n} already.").format(sponsor=person.name, n=active))
            row = FosterMatch(orphan_id=orphan.id, sponsor_id=sponsor.id,
                              started_on=started_on or date.today(),
                              matched_by=actor.username, note=note)
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [
                Change("foster_match", row.id, "orphan_id", None, orphan.id),
                Change("foster_match", row.id, "sponsor_id", None, sponsor.id),
                Change("foster_match", row.id, "started_on", None, row.started_on)])
            return row.id

    def end_match(self, *, actor: Actor, match_id: str, reason: str,
                  ended_on: date | None = None) -> None:
        """End a match (the sponsor stopped, the child grew up), with why."""
        require(actor, Permission.APPROVE)
        reason = _reason(reason)
        with self._db.write() as s:
            row = s.get(FosterMatch, match_id)
            if row is None or row.ended_on is not None:
                raise NotFound(_("This match has ended already."))
            changes = _end_matches(s, FosterMatch.id == row.id, reason, ended_on)
            audit.append(s, actor, "update", changes, reason)

    def suggested_sponsors(self, *, actor: Actor, orphan_id: str) -> list[SponsorEntry]:
        """The sponsors with room for another child, those nearest the child first
        (the same RT, then the same dusun), for the coordinator to choose from."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            row = s.get(Orphan, orphan_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(_("This orphan's record is no longer there."))
            child_id = row.member_id
            dusun, rw, rt = s.execute(
                select(Household.dusun, Household.rw, Household.rt)
                .join(Member, Member.household_id == Household.id)
                .where(Member.id == child_id)).one()
            taken = set(s.scalars(select(FosterMatch.sponsor_id).where(
                FosterMatch.orphan_id == orphan_id, FosterMatch.ended_on.is_(None))))

        def distance(e: SponsorEntry) -> tuple:
            p = e.person
            return (p.dusun != dusun, (p.rw, p.rt) != (rw, rt), p.name)
        return sorted((e for e in self.sponsors(actor=actor)
                       if e.free > 0 and e.id not in taken and e.person.member_id != child_id),
                      key=distance)

    # -- the other vulnerable groups ------------------------------------------------

    def vulnerable(self, *, actor: Actor, today: date | None = None) -> list[VulnerablePerson]:
        """Elderly people living alone and severely disabled people (the rules say
        who counts), with the programs that reach them now."""
        require(actor, Permission.VIEW_REGISTRY)
        show = actor.can(Permission.VIEW_FULL_NIK)
        rules = self.rules(actor=actor)
        today = today or date.today()
        severe, alone = severe_disability(rules), elderly_alone(rules, today)
        with self._db.read() as s:
            rows = list(s.execute(
                _person_query().add_columns(severe, alone)
                .where(Member.deleted_at.is_(None), Member.presence.in_(LIVING),
                       Household.deleted_at.is_(None), or_(severe, alone))
                .order_by(Household.dusun, Household.rt, Member.name)))
            programs = _programs(s, [r[0] for r in rows])
        return [VulnerablePerson(_person(r, show), bool(r[-2]), bool(r[-1]),
                                 programs.get(r[0], ())) for r in rows]


def _reason(reason: str | None) -> str:
    reason = checked_text(_("Reason"), reason, 300)
    if not reason:
        raise InvalidInput(_("Say why."))
    return reason


def _active_count(s, sponsor_id: str) -> int:
    return s.scalar(select(func.count()).select_from(FosterMatch).where(
        FosterMatch.sponsor_id == sponsor_id, FosterMatch.ended_on.is_(None))) or 0


def _end_matches(s, which, reason: str, ended_on: date | None = None) -> list[Change]:
    ended_on = ended_on or date.today()
    changes = []
    for match in s.scalars(select(FosterMatch).where(which, FosterMatch.ended_on.is_(None))):
        match.ended_on, match.ended_reason = ended_on, reason
        changes.append(Change("foster_match", match.id, "ended_on", None, ended_on))
    return changes


__all__ = ["CareOps", "GROUPS", "OrphanEntry", "Person", "SponsorEntry", "VulnerablePerson"]
