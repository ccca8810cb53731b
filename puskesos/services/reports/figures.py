"""The Sasaran dashboard's figures (issue 17 point 4), set-based: a few GROUP BY
queries over the households of an area, grouped by dusun, RW, RT and desil — never a
loop over households — summed into the area's lines; the open flags come from the
flags service.  Each figure has a key (:class:`~.dto.Figure`) that gives back the
households it counts, for the window's click-through."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, select

from ...core import codes
from ...core.identifiers import mask_nik
from ...core.normalize import area_number
from ...core.permissions import Permission
from ...errors import InvalidInput
from ...i18n import _
from ...db.engine import page_cache
from ...models import (FosterMatch, FosterSponsor, Household, Member, Orphan, Participation,
                       Program)
from ..context import Actor, require
from ..registry.queries import household_conditions
from ..registry.records import HouseholdFilter
from ..targeting.flags import (SCAN_CACHE_KIB, active_participation, elderly_alone,
                               severe_disability)
from .dto import (DESILS, FLAG_KINDS, KINDS, NO_DESIL, Area, AreaLine, Dashboard,
                  FamilyLine, Figure, ProgramLine, Vulnerable)

#: ids bound in one statement at most (SQLite's and PostgreSQL's limits are far above)
CHUNK = 500


#: an active participation, as the flags count it (not removed, status aktif)
_active = active_participation


def area_conditions(area: Area) -> list:
    """The households of ``area`` (not removed), as the household list selects them."""
    return household_conditions(HouseholdFilter(dusun=area.dusun or None,
                                                rw=area.rw or None, rt=area.rt or None))


def _receives(*conditions):
    """The household receives an active program (meeting ``conditions``)."""
    query = exists().where(Participation.household_id == Household.id, _active(),
                           *conditions)
    return query


def _of_kind(kind: str):
    return _receives(Participation.program_code.in_(
        select(Program.code).where(Program.kind == kind)))


def _extreme(extreme_desil: int):
    return and_(Household.desil.is_not(None), Household.desil <= extreme_desil)


def figure_condition(figure: Figure, extreme_desil: int):
    """The SQL condition on :class:`Household` that selects a figure's households
    (every figure but the flags, which come from the flags service)."""
    m, v = figure.measure, figure.value
    if m == "households":
        return True
    if m == "members":
        return exists().where(Member.household_id == Household.id,
                              Member.deleted_at.is_(None), Member.presence.in_(codes.LIVING))
    if m == "desil":
        if v == NO_DESIL:
            return Household.desil.is_(None)
        if v is None or not v.isdigit() or int(v) not in DESILS:
            raise InvalidInput(_("A desil is a number from 1 to 10."))
        return Household.desil == int(v)
    if m == "extreme":
        return _extreme(extreme_desil)
    if m == "extreme_covered":
        return and_(_extreme(extreme_desil), _receives())
    if m == "extreme_uncovered":
        return and_(_extreme(extreme_desil), ~_receives())
    if m == "reached":
        return _receives()
    if m in ("kind", "extreme_kind"):
        if v not in KINDS:
            raise InvalidInput(_("Unknown kind of program: {kind}.").format(kind=v))
        return _of_kind(v) if m == "kind" else and_(_extreme(extreme_desil), _of_kind(v))
    if m == "program":
        return _receives(Participation.program_code == v)
    raise ValueError(f"figure {figure} is not a condition")


def _key(dusun, rw, rt) -> tuple:
    """A group's key and place in the lines: by dusun, RW and RT, a part not recorded
    after those recorded."""
    return tuple((not part, part or "") for part in (dusun, rw, rt))


class _Tally:
    """One group's figures, added up from the grouped rows."""

    def __init__(self, dusun, rw, rt, level: str = "rt"):
        self.dusun, self.rw, self.rt, self.level = dusun, rw, rt, level
        self.households = self.members = self.extreme = self.covered = 0
        self.reached = self.flags = 0
        self.by_desil = [0] * 11
        self.by_kind = dict.fromkeys(KINDS, 0)

    def add(self, other: "_Tally") -> "_Tally":
        for name in ("households", "members", "extreme", "covered", "reached", "flags"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_desil = [a + b for a, b in zip(self.by_desil, other.by_desil)]
        for kind in KINDS:
            self.by_kind[kind] += other.by_kind[kind]
        return self

    def line(self) -> AreaLine:
        return AreaLine(self.dusun, self.rw, self.rt, self.households, self.members,
                        tuple(self.by_desil), self.extreme, self.covered, self.reached,
                        dict(self.by_kind), self.flags, self.level)


class FigureOps:
    """The figures part of :class:`~puskesos.services.reports.ReportService`."""

    def dashboard(self, *, actor: Actor, area: Area = Area(), today: date | None = None,
                  flags: list | None = None) -> Dashboard:
        """The Sasaran figures of ``area`` (the whole village by default): households
        and members, by desil, the extreme poor and how many receive a program,
        households reached by each kind of program and by each program, the open
        flags by kind; the same by RT and by dusun.  ``flags``: the open flags as
        ``TargetingService.flags`` gave them a moment ago (the window keeps them while
        only the area changes); computed here when not given."""
        require(actor, Permission.VIEW_REGISTRY)
        area = Area(area.dusun or None, area_number(area.rw) if area.rw else None,
                    area_number(area.rt) if area.rt else None)
        rules = self._targeting.rules(actor=actor)
        if flags is None:
            flags = self._targeting.flags(actor=actor, today=today)
        extreme_desil = rules.extreme_desil
        where = area_conditions(area)
        groups: dict[tuple[str, str, str], _Tally] = {}

        def group(dusun, rw, rt) -> _Tally:
            key = _key(dusun, rw, rt)
            if key not in groups:
                groups[key] = _Tally(dusun, rw, rt)
            return groups[key]

        extreme_by_kind = dict.fromkeys(KINDS, 0)
        program_counts: dict[str, list[int]] = {}
        # (the member table, read by several statements, decrypted once)
        with self._db.read() as s, page_cache(s.connection(), SCAN_CACHE_KIB):
            # each household's active programs, one row a household: any, and by kind
            reach = (select(Participation.household_id.label("hid"),
                            *[func.max(case((Program.kind == k, 1), else_=0)).label(k)
                              for k in KINDS])
                     .join(Program, Program.code == Participation.program_code)
                     .where(_active()).group_by(Participation.household_id)
                     .subquery("reach"))
            query = (select(Household.dusun, Household.rw, Household.rt, Household.desil,
                            func.count(), func.count(reach.c.hid),
                            *[func.coalesce(func.sum(reach.c[k]), 0) for k in KINDS])
                     .outerjoin(reach, reach.c.hid == Household.id).where(*where)
                     .group_by(Household.dusun, Household.rw, Household.rt, Household.desil))
            for dusun, rw, rt, desil, n, reached, *kinds in s.execute(query):
                g = group(dusun, rw, rt)
                g.households += n
                g.by_desil[desil - 1 if desil in DESILS else 10] += n
                g.reached += reached
                extreme = desil is not None and desil <= extreme_desil
                for kind, count in zip(KINDS, kinds):
                    g.by_kind[kind] += int(count)
                    if extreme:
                        extreme_by_kind[kind] += int(count)
                if extreme:
                    g.extreme += n
                    g.covered += reached
            members = (select(Household.dusun, Household.rw, Household.rt, func.count())
                       .join(Member, Member.household_id == Household.id)
                       .where(*where, Member.deleted_at.is_(None),
                              Member.presence.in_(codes.LIVING))
                       .group_by(Household.dusun, Household.rw, Household.rt))
            for dusun, rw, rt, n in s.execute(members):
                group(dusun, rw, rt).members += n
            recipients = (select(Participation.program_code, Household.desil,
                                 func.count(Participation.household_id.distinct()))
                          .join(Household, Household.id == Participation.household_id)
                          .where(*where, _active())
                          .group_by(Participation.program_code, Household.desil))
            for code, desil, n in s.execute(recipients):
                counts = program_counts.setdefault(code, [0, 0])
                counts[0] += n
                if desil is not None and desil <= extreme_desil:
                    counts[1] += n
            catalogue = {code: (name, kind, source) for code, name, kind, source in s.execute(
                select(Program.code, Program.name, Program.kind, Program.source))}
            # the flags' families placed in their areas (a loop over the flags, not the
            # households; a few hundred ids a statement)
            placed = self._places(s, where, {f.household_id for f in flags if f.household_id})
            vulnerable = self._vulnerable(s, where, rules, today or date.today())
        by_kind = dict.fromkeys(FLAG_KINDS, 0)
        families: dict[str, set[str]] = {k: set() for k in FLAG_KINDS}
        unplaced = 0
        for f in flags:
            if f.household_id is None:
                unplaced += 1
                if not area.whole:
                    continue
            elif f.household_id not in placed:
                continue
            else:
                families[f.kind].add(f.household_id)
                group(*placed[f.household_id]).flags += 1
            by_kind[f.kind] += 1
        lines = sorted(groups.values(), key=lambda g: _key(g.dusun, g.rw, g.rt))
        total = _Tally(area.dusun, area.rw, area.rt, "area")
        dusuns: dict[str, _Tally] = {}
        for g in lines:
            total.add(g)
            dusuns.setdefault(_key(g.dusun, None, None),
                              _Tally(g.dusun, None, None, "dusun")).add(g)
        programs = tuple(ProgramLine(code, *catalogue.get(code, (code, "", "")), n, extreme)
                         for code, (n, extreme) in sorted(program_counts.items()))
        return Dashboard(area, extreme_desil, total.line(), tuple(g.line() for g in lines),
                         tuple(d.line() for _k, d in sorted(dusuns.items())),
                         extreme_by_kind, programs, by_kind,
                         {k: len(v) for k, v in families.items()},
                         unplaced if area.whole else 0, today or date.today(), vulnerable)

    @staticmethod
    def _vulnerable(s, where: list, rules, today: date) -> Vulnerable:
        """The vulnerable groups living in the area: counts, one statement each."""
        living = and_(*where, Member.deleted_at.is_(None),
                      Member.presence.in_(codes.LIVING))

        def count(query) -> int:
            return int(s.scalar(query) or 0)
        people = select(func.count()).select_from(Member).join(
            Household, Household.id == Member.household_id)
        orphans = people.join(Orphan, Orphan.member_id == Member.id).where(
            living, Orphan.deleted_at.is_(None))
        sponsored = exists().where(FosterMatch.orphan_id == Orphan.id,
                                   FosterMatch.ended_on.is_(None))
        matched = (select(func.count()).select_from(FosterMatch)
                   .where(FosterMatch.sponsor_id == FosterSponsor.id,
                          FosterMatch.ended_on.is_(None)).scalar_subquery())
        sponsors = (select(func.count(), func.coalesce(func.sum(
                        case((FosterSponsor.capacity > matched,
                              FosterSponsor.capacity - matched), else_=0)), 0))
                    .select_from(FosterSponsor)
                    .join(Member, Member.id == FosterSponsor.member_id)
                    .join(Household, Household.id == Member.household_id)
                    .where(living, FosterSponsor.deleted_at.is_(None)))
        n_sponsors, free = s.execute(sponsors).one()
        return Vulnerable(
            orphans=count(orphans), orphans_unsponsored=count(orphans.where(~sponsored)),
            sponsors=int(n_sponsors or 0), places_free=int(free or 0),
            elderly_alone=count(people.where(living, elderly_alone(rules, today))),
            severe=count(people.where(living, severe_disability(rules))))

    @staticmethod
    def _places(s, where: list, ids: set[str]) -> dict[str, tuple]:
        """household id → (dusun, rw, rt) of those of ``ids`` in the area."""
        ordered = sorted(ids)
        out: dict[str, tuple] = {}
        for start in range(0, len(ordered), CHUNK):
            out.update((hid, (dusun, rw, rt)) for hid, dusun, rw, rt in s.execute(
                select(Household.id, Household.dusun, Household.rw, Household.rt)
                .where(*where, Household.id.in_(ordered[start:start + CHUNK]))))
        return out

    def figure_households(self, *, actor: Actor, figure: Figure, area: Area = Area(),
                          today: date | None = None, flags: list | None = None
                          ) -> list[str]:
        """The households a figure of ``area`` counts (their ids, by area and No KK):
        what a click on the figure lists.  ``Figure("flag")`` without a kind: the
        families of every open flag; ``flags`` as for :meth:`dashboard`."""
        require(actor, Permission.VIEW_REGISTRY)
        where = area_conditions(area)
        order = (Household.dusun, Household.rw, Household.rt, Household.no_kk, Household.id)
        if figure.measure == "flag":
            if figure.value is not None and figure.value not in FLAG_KINDS:
                raise InvalidInput(_("Unknown kind of flag: {kind}.").format(
                    kind=figure.value))
            if flags is None:
                flags = self._targeting.flags(actor=actor, kind=figure.value, today=today)
            ids = {f.household_id for f in flags
                   if f.household_id and figure.value in (None, f.kind)}
            with self._db.read() as s:
                placed = self._places(s, where, ids)
                rows = []
                keys = sorted(placed)
                for start in range(0, len(keys), CHUNK):
                    rows += s.execute(select(Household.id, *order[:-1]).where(
                        Household.id.in_(keys[start:start + CHUNK]))).all()
            return [r[0] for r in sorted(rows, key=lambda r: tuple(x or "" for x in r[1:])
                                         + (r[0],))]
        extreme_desil = self._targeting.rules(actor=actor).extreme_desil
        condition = figure_condition(figure, extreme_desil)
        with self._db.read() as s:
            return list(s.scalars(select(Household.id).where(*where, condition)
                                  .order_by(*order)))

    def family_lines(self, *, actor: Actor, household_ids: list[str]) -> list[FamilyLine]:
        """The households ``household_ids`` as a list shows them (in that order): No
        KK, the head (NIK masked for a role that may not see it whole), area, desil
        and active programs."""
        require(actor, Permission.VIEW_REGISTRY)
        show = actor.can(Permission.VIEW_FULL_NIK)
        ids = list(dict.fromkeys(household_ids))
        found: dict[str, Any] = {}
        heads: dict[str, tuple] = {}
        programs: dict[str, set[str]] = {}
        with self._db.read() as s:
            for start in range(0, len(ids), CHUNK):
                part = ids[start:start + CHUNK]
                found.update((h.id, h) for h in s.execute(
                    select(Household.id, Household.no_kk, Household.dusun, Household.rw,
                           Household.rt, Household.desil).where(Household.id.in_(part))))
                for hid, name, nik, presence in s.execute(
                        select(Member.household_id, Member.name, Member.nik, Member.presence)
                        .where(Member.household_id.in_(part),
                               Member.relationship_code == codes.Relationship.KEPALA.value,
                               Member.deleted_at.is_(None))
                        .order_by(Member.created_at, Member.id)):
                    living = presence in codes.LIVING
                    if hid not in heads or (living and not heads[hid][2]):
                        heads[hid] = (name, nik, living)
                for hid, code in s.execute(
                        select(Participation.household_id, Participation.program_code)
                        .where(Participation.household_id.in_(part), _active())):
                    programs.setdefault(hid, set()).add(code)
        out = []
        for hid in ids:
            h = found.get(hid)
            if h is None:
                continue
            name, nik, _living = heads.get(hid, (None, None, False))
            out.append(FamilyLine(hid, h.no_kk, name,
                                  nik if show or not nik else mask_nik(nik), h.dusun, h.rw,
                                  h.rt, h.desil, tuple(sorted(programs.get(hid, ())))))
        return out


__all__ = ["FigureOps", "area_conditions", "figure_condition"]
