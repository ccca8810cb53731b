"""Flags (issue 17 point 2): each kind one set-based query over the registry, the
programs' recipients, the labelling and the verval — never a loop over households —
each flag naming the person concerned (the recipient; for a family's flag its head),
its family and program, and why in words with the data behind it.  A flag set aside
with a reason (``dismiss``) is not shown again; the reason is in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from ...core.bahasa import short_date
from ...core.codes import MusdesDecision, Presence, VervalResult
from ...core.case_codes import StickerOutcome
from ...core.identifiers import PLACEHOLDER_KINDS, mask_nik
from ...core.permissions import Permission
from ...core.targeting import (QUARTER_MONTHS, FlagKind, OrphanStatus, TargetingRules,
                               explain)
from ...core.validation import checked_text, years_before
from ...db.engine import page_cache
from ...errors import InvalidInput
from ...i18n import _
from ...models import (FlagDismissal, FosterMatch, Household, Member, Orphan, Participation,
                       Program, StickerLog, StickerTarget, UnregisteredRecipient,
                       VervalEntry)
from .. import audit
from ..audit import Change
from ..context import Actor, require

ACTIVE = "aktif"
HEAD = "1"
LIVING = (Presence.TINGGAL.value, Presence.BARU.value)
MOVED = (Presence.PINDAH.value, Presence.PINDAH_LN.value, Presence.TIDAK_DITEMUKAN.value)
#: the page cache of the flags' read: the member table, read by several kinds, is
#: decrypted once (about 20 MB at 20,000 families)
SCAN_CACHE_KIB = 64 * 1024
#: the musdes decisions that keep a family (its well-off visit result overruled)
KEPT = (MusdesDecision.TETAP.value, MusdesDecision.PERBAIKAN.value)
DIFFICULTIES = ("difficulty_seeing", "difficulty_hearing", "difficulty_walking",
                "difficulty_hands", "difficulty_learning", "difficulty_behaviour",
                "difficulty_speaking", "difficulty_self_care", "difficulty_remembering")


@dataclass(frozen=True)
class Flag:
    """One flag: its kind, the family, the person concerned (None: the family has no
    head recorded), the program(s) it is about, and why in words."""

    kind: str
    #: None: a recipient of a list who is not in the registry
    household_id: str | None
    no_kk: str | None
    member_id: str | None
    nik: str | None
    name: str | None
    program_code: str | None
    text: str
    #: the data behind it (the desil, the ceiling, the other program, …)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str | None, str, str]:
        """What a dismissal names: kind, family, person, program."""
        return (self.kind, self.household_id, self.member_id or "",
                self.program_code or "")

    @property
    def kind_label(self) -> str:
        return FlagKind.label_of(self.kind)


def active_participation():
    """A participation that counts now: not removed, not ended."""
    return and_(Participation.deleted_at.is_(None), Participation.status == ACTIVE)


def periods_overlap(a, b):
    """SQL: two periods share a month (``core.targeting.periods_overlap``, the same
    rule in Python: a test holds the two equal)."""
    a, b = func.upper(func.trim(a)), func.upper(func.trim(b))

    def year_holds(year, part):
        return and_(func.length(year) == 4, func.substr(part, 1, 5) == year + "-")

    def quarter_holds(quarter, month):
        return and_(func.length(quarter) == 7, func.length(month) == 7,
                    func.substr(quarter, 1, 5) == func.substr(month, 1, 5),
                    or_(*(and_(func.substr(quarter, 6, 2) == q,
                               func.substr(month, 6, 2).in_(months))
                          for q, months in QUARTER_MONTHS.items())))
    return or_(a == b, year_holds(a, b), year_holds(b, a), quarter_holds(a, b),
               quarter_holds(b, a))


def elderly_alone(rules: TargetingRules, today: date):
    """SQL: a member at least the rules' elderly age and no other member living in the
    family (asked of a living member)."""
    other = aliased(Member)          # the family's members, not the one looked at
    # (asked only of the elderly, each by the household index: counting every
    # family's members instead read the whole wide table in household order)
    return and_(Member.birth_date.is_not(None),
                Member.birth_date <= years_before(today, rules.elderly_age),
                ~exists().where(other.household_id == Member.household_id,
                                other.id != Member.id, other.deleted_at.is_(None),
                                other.presence.in_(LIVING)))


def severe_disability(rules: TargetingRules):
    """SQL: a member answering one of the functional difficulty questions (428a–i) as
    the rules count severe."""
    return or_(*(getattr(Member, f).in_(rules.severe_difficulty) for f in DIFFICULTIES))


def vulnerable_why(severe: bool, alone: bool) -> str:
    """Why a person counts as vulnerable, in words."""
    return " · ".join(w for w, yes in ((_("severely disabled"), severe),
                                       (_("elderly and living alone"), alone)) if yes)


def _heads(s, household_id: str | None) -> dict[str, tuple[str, str]]:
    """Each family's head and where they are (presence): a living head first (a new
    one chosen after one died), then the first recorded; read once for every kind of
    flag, not joined into each."""
    query = (select(Member.household_id, Member.id, Member.presence, Member.created_at)
             .where(Member.relationship_code == HEAD, Member.deleted_at.is_(None)))
    if household_id is not None:
        query = query.where(Member.household_id == household_id)
    out: dict[str, tuple[str, str]] = {}
    best: dict[str, tuple] = {}
    for hid, mid, presence, created in s.execute(query):
        # a living head first (a new head chosen after one died), then the first recorded
        rank = (presence not in LIVING, created.timestamp() if created else 0.0, mid)
        if hid not in best or rank < best[hid]:
            best[hid], out[hid] = rank, (mid, presence)
    return out


class FlagOps:
    """The flags half of :class:`~puskesos.services.targeting.TargetingService`."""

    def flags(self, *, actor: Actor, kind: str | None = None,
              household_id: str | None = None, dismissed: bool = False,
              today: date | None = None) -> list[Flag]:
        """The flags the rules raise now (of ``kind``, of one family), without those set
        aside (only those, with ``dismissed``); NIKs masked for a role that may not
        see them whole."""
        require(actor, Permission.VIEW_REGISTRY)
        if kind is not None:
            FlagKind.from_code(kind)
        rules = self.rules(actor=actor)
        today = today or date.today()
        with self._db.read() as s, page_cache(s.connection(), SCAN_CACHE_KIB):
            found: list[dict[str, Any]] = []
            heads = _heads(s, household_id)
            for kinds, query in _QUERIES:
                wanted = [k for k in kinds if rules.on(k) and kind in (None, k.value)]
                if wanted:
                    found.extend(r for r in query(s, rules, today, household_id, heads)
                                 if r["kind"] in {k.value for k in wanted})
            for raw in found:             # a family's flag, or a family's program: its head
                if raw["member_id"] is None and raw["household_id"] is not None:
                    raw["member_id"] = heads.get(raw["household_id"], (None,))[0]
            set_aside = {(d.kind, d.household_id, d.member_id, d.program_code)
                         for d in s.scalars(select(FlagDismissal))}
            people = _people(s, found)
            names = dict(s.execute(select(Program.code, Program.name)).all())
        show = actor.can(Permission.VIEW_FULL_NIK)
        out = []
        for raw in found:
            member, no_kk = raw.get("person") or people.get(raw["member_id"]), raw.get("no_kk")
            nik = member[0] if member else None
            nik = nik if show or not nik else mask_nik(nik)
            shown = (nik, member[1]) if member else None
            flag = Flag(raw["kind"], raw["household_id"], no_kk, raw["member_id"], nik,
                        member[1] if member else None, raw.get("program"),
                        _text(raw, shown, names), raw.get("data", {}))
            if (flag.key in set_aside) == dismissed:
                out.append(flag)
        # one flag per kind, family, person and program (a program in two periods)
        unique = {f.key: f for f in out}
        return sorted(unique.values(), key=lambda f: (f.kind, f.no_kk or "", f.name or "",
                                                      f.program_code or ""))

    def dismiss(self, *, actor: Actor, flag: Flag, reason: str) -> None:
        """Set a flag aside with why (a person looked at it: e.g. the family's desil is
        out of date); the same flag is not shown again."""
        require(actor, Permission.APPROVE)
        reason = checked_text(_("Reason"), reason, 300)
        if not reason:
            raise InvalidInput(_("Say why this flag is set aside."))
        kind, household, member, program = flag.key
        with self._db.write() as s:
            if s.scalar(select(FlagDismissal.id).where(
                    FlagDismissal.kind == kind,
                    FlagDismissal.household_id.is_(None) if household is None
                    else FlagDismissal.household_id == household,
                    FlagDismissal.member_id == member,
                    FlagDismissal.program_code == program)):
                return
            row = FlagDismissal(kind=kind, household_id=household, member_id=member,
                                program_code=program, reason=reason,
                                dismissed_by=actor.username)
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [Change("flag_dismissal", row.id, "kind", None,
                                                     kind)], reason)


def _people(s, found: list[dict[str, Any]]) -> dict[str, tuple[str | None, str | None]]:
    ids = sorted({r["member_id"] for r in found if r["member_id"]})
    out = {}
    for start in range(0, len(ids), 500):
        out.update((i, (nik, name)) for i, nik, name in s.execute(
            select(Member.id, Member.nik, Member.name).where(
                Member.id.in_(ids[start:start + 500]))))
    return out


def _text(raw: dict[str, Any], member, names: dict[str, str]) -> str:
    """The reason in words: programs by their names, people by theirs."""
    data = dict(raw.get("data", {}))
    data.setdefault("nik", (member[0] if member else None) or "-")
    if "other" in data:
        data["other"] = names.get(data["other"], data["other"])
    data.setdefault("program", names.get(raw.get("program"), raw.get("program") or ""))
    data.setdefault("name", (member[1] if member else None) or "-")
    return explain(raw["kind"], **data)


def _households(query, household_id):
    return query if household_id is None else query.where(Household.id == household_id)


def _desil_above(s, rules: TargetingRules, today, household_id, heads) -> Iterable[dict]:
    above = aliased(Household)       # (not correlated with the outer one)
    query = (select(Participation.household_id, Household.no_kk,
                    Participation.member_id, Participation.program_code,
                    Household.desil, Program.desil_ceiling)
             .join(Household, Household.id == Participation.household_id)
             .join(Program, Program.code == Participation.program_code)
             .where(active_participation(), Household.deleted_at.is_(None),
                    Household.desil.is_not(None),
                    Program.desil_ceiling.is_not(None),
                    Household.desil > Program.desil_ceiling,
                    # (the families above the lowest ceiling first, in one scan, not a
                    # family looked up per participation)
                    Participation.household_id.in_(
                        select(above.id).where(above.desil > select(
                            func.min(Program.desil_ceiling)).scalar_subquery())))
             .distinct())
    for hid, no_kk, member, program, desil, ceiling in s.execute(
            _households(query, household_id)):
        yield {"kind": FlagKind.DESIL_ABOVE_THRESHOLD.value, "household_id": hid,
               "no_kk": no_kk, "member_id": member, "program": program,
               "data": {"desil": desil, "ceiling": ceiling}}


def _double_aid(s, rules: TargetingRules, today, household_id, heads) -> Iterable[dict]:
    """Two programs of a forbidden pair received by one family in periods that
    overlap (last year's BLT DD and this year's PKH are not double aid)."""
    for first, second in rules.forbidden_pairs:
        other = Participation.__table__.alias("other")
        query = (select(Household.id, Household.no_kk)
                 .join(Participation, Participation.household_id == Household.id)
                 .where(Household.deleted_at.is_(None), active_participation(),
                        Participation.program_code == first,
                        exists().where(other.c.household_id == Household.id,
                                       other.c.program_code == second,
                                       other.c.deleted_at.is_(None),
                                       other.c.status == ACTIVE,
                                       periods_overlap(Participation.period,
                                                       other.c.period)))
                 .distinct())
        for hid, no_kk in s.execute(_households(query, household_id)):
            yield {"kind": FlagKind.DOUBLE_AID.value, "household_id": hid, "no_kk": no_kk,
                   "member_id": None, "program": first,
                   "data": {"other": second}}


def _uncovered_extreme(s, rules: TargetingRules, today, household_id, heads) -> Iterable[dict]:
    query = (select(Household.id, Household.no_kk, Household.desil)
             .where(Household.deleted_at.is_(None), Household.desil.is_not(None),
                    Household.desil <= rules.extreme_desil,
                    ~exists().where(Participation.household_id == Household.id,
                                    active_participation())))
    for hid, no_kk, desil in s.execute(_households(query, household_id)):
        yield {"kind": FlagKind.UNCOVERED_EXTREME.value, "household_id": hid,
               "no_kk": no_kk, "member_id": None, "program": None,
               "data": {"desil": desil}}


def _recipient_gone(s, rules: TargetingRules, today, household_id, heads) -> Iterable[dict]:
    gone = (Presence.MENINGGAL.value, *MOVED)
    away = aliased(Member)           # (not correlated with the outer one)
    # a person's program: its recipient's presence
    query = (select(Participation.household_id, Household.no_kk, Member.id,
                     Participation.program_code, Member.presence)
             .join(Household, Household.id == Participation.household_id)
             .join(Member, Member.id == Participation.member_id)
             .where(active_participation(), Household.deleted_at.is_(None),
                    Member.presence.in_(gone),
                    # (the few members gone first, not a member looked up per program)
                    Participation.member_id.in_(select(away.id).where(
                        away.presence.in_(gone))))
             .distinct())
    rows = list(s.execute(_households(query, household_id)))
    # a family's program: its head's (the few heads who died or moved, looked up)
    left = {hid: head for hid, head in heads.items() if head[1] in gone}
    ids = sorted(left)
    for start in range(0, len(ids), 500):
        family = (select(Participation.household_id, Household.no_kk,
                         Participation.program_code)
                  .join(Household, Household.id == Participation.household_id)
                  .where(active_participation(), Household.deleted_at.is_(None),
                         Participation.member_id.is_(None),
                         Participation.household_id.in_(ids[start:start + 500]))
                  .distinct())
        rows += [(hid, no_kk, left[hid][0], program, left[hid][1])
                 for hid, no_kk, program in s.execute(family)]
    for hid, no_kk, member, program, presence in rows:
        died = presence == Presence.MENINGGAL.value
        kind = FlagKind.RECIPIENT_DIED if died else FlagKind.RECIPIENT_MOVED
        if rules.on(kind):
            yield {"kind": kind.value, "household_id": hid, "no_kk": no_kk,
                   "member_id": member, "program": program,
                   "data": {"presence": Presence.label_of(presence).lower()}}


def _latest_visits(outcome_filter):
    """Each family's latest labelling visit (the latest counts), as a subquery."""
    ranked = (select(StickerTarget.household_id, StickerLog.outcome, StickerLog.well_off,
                     StickerLog.at,
                     func.row_number().over(
                         partition_by=StickerTarget.household_id,
                         order_by=(StickerLog.at.desc(), StickerLog.recorded_at.desc(),
                                   StickerLog.id.desc())).label("n"))
              .join(StickerTarget, StickerTarget.id == StickerLog.target_id)
              .subquery("ranked"))
    return (select(ranked.c.household_id, ranked.c.at)
            .where(ranked.c.n == 1, outcome_filter(ranked)).subquery("latest"))


def _family_programs(s, families, household_id) -> list[tuple[str, str, str]]:
    """The active programs of the families ``families`` (a few, found first): each
    family, its No KK and program.  (Joining the few into every participation
    instead looked up each participation's family first.)"""
    ids = sorted(f for f in families if household_id in (None, f))
    out = []
    for start in range(0, len(ids), 500):
        out += list(s.execute(
            select(Participation.household_id, Household.no_kk, Participation.program_code)
            .join(Household, Household.id == Participation.household_id)
            .where(active_participation(), Household.deleted_at.is_(None),
                   Participation.household_id.in_(ids[start:start + 500]))
            .distinct()))
    return out


def _withdrew(s, rules: TargetingRules, today, household_id, heads) -> Iterable[dict]:
    latest = _latest_visits(lambda r: r.c.outcome == StickerOutcome.MUNDUR_SUKARELA.value)
    when = dict(s.execute(select(latest.c.household_id, latest.c.at)).all())
    for hid, no_kk, program in _family_programs(s, when, household_id):
        at = when[hid]
        yield {"kind": FlagKind.RECIPIENT_WITHDREW.value, "household_id": hid,
               "no_kk": no_kk, "member_id": None, "program": program,
               "data": {"when": short_date(at.date()) if at else "-"}}


def _well_off(s, rules: TargetingRules, today, household_id, heads) -> Iterable[dict]:
    labelled = _latest_visits(lambda r: r.c.well_off.is_(True))
    ranked = (select(VervalEntry.household_id, VervalEntry.result, VervalEntry.decision,
                     func.row_number().over(
                         partition_by=VervalEntry.household_id,
                         order_by=(VervalEntry.recorded_at.desc(), VervalEntry.id.desc()))
                     .label("n"))
              .where(VervalEntry.result.is_not(None), VervalEntry.deleted_at.is_(None))
              .subquery("visits"))
    by_verval = set(s.scalars(
        select(ranked.c.household_id)
        .where(ranked.c.n == 1, ranked.c.result == VervalResult.MAMPU_TIDAK_LAYAK.value,
               # the musdes kept the family (e.g. the visit was wrong): not well-off
               or_(ranked.c.decision.is_(None), ranked.c.decision.not_in(KEPT)))))
    by_labelling = set(s.scalars(select(labelled.c.household_id)))
    for hid, no_kk, program in _family_programs(s, by_verval | by_labelling, household_id):
        where = [w for w, yes in ((_("verval"), hid in by_verval),
                                  (_("labelling"), hid in by_labelling)) if yes]
        yield {"kind": FlagKind.RECIPIENT_WELL_OFF.value, "household_id": hid,
               "no_kk": no_kk, "member_id": None, "program": program,
               "data": {"where": ", ".join(where)}}


def _vulnerable(s, rules: TargetingRules, today, household_id, heads) -> Iterable[dict]:
    living = and_(Member.deleted_at.is_(None), Member.presence.in_(LIVING))
    severe, alone = severe_disability(rules), elderly_alone(rules, today)

    def covered(programs):
        return exists().where(
            Participation.household_id == Member.household_id, active_participation(),
            Participation.program_code.in_(programs),
            or_(Participation.member_id.is_(None), Participation.member_id == Member.id))
    query = (select(Member.household_id, Household.no_kk, Member.id, severe, alone)
             .join(Household, Household.id == Member.household_id)
             .where(living, Household.deleted_at.is_(None), or_(severe, alone),
                    ~covered(rules.vulnerable_programs)))
    programs = ", ".join(rules.vulnerable_programs) or "-"
    for hid, no_kk, member, is_severe, is_alone in s.execute(
            _households(query, household_id)):
        why = vulnerable_why(is_severe, is_alone)
        yield {"kind": FlagKind.VULNERABLE_UNCOVERED.value, "household_id": hid,
               "no_kk": no_kk, "member_id": member, "program": None,
               "data": {"why": why, "programs": programs}}
    # an orphan: neither a fitting program nor a foster sponsor matched now
    recorded = aliased(Orphan)       # (not correlated with the outer one)
    sponsored = exists().where(FosterMatch.orphan_id == Orphan.id,
                               FosterMatch.ended_on.is_(None))
    query = (select(Member.household_id, Household.no_kk, Member.id, Orphan.status)
             .join(Orphan, Orphan.member_id == Member.id)
             .join(Household, Household.id == Member.household_id)
             .where(living, Orphan.deleted_at.is_(None), Household.deleted_at.is_(None),
                    # (the few orphans first: the planner would scan every member)
                    Member.id.in_(select(recorded.member_id)
                                  .where(recorded.deleted_at.is_(None))),
                    ~covered(rules.orphan_programs), ~sponsored))
    programs = ", ".join(rules.orphan_programs) or "-"
    for hid, no_kk, member, status in s.execute(_households(query, household_id)):
        why = _("an orphan ({status})").format(status=OrphanStatus.short_of(status).lower())
        yield {"kind": FlagKind.VULNERABLE_UNCOVERED.value, "household_id": hid,
               "no_kk": no_kk, "member_id": member, "program": None,
               "data": {"why": why, "programs": programs + " " + _("or a foster sponsor")}}


def _not_in_registry(s, rules: TargetingRules, today, household_id, heads) -> Iterable[dict]:
    """A recipient kept from a list (``UnregisteredRecipient``) whose NIK no living
    member of the registry has: the family is still to be registered."""
    if household_id is not None:
        return
    registered = exists().where(Member.nik == UnregisteredRecipient.nik,
                                Member.deleted_at.is_(None))
    # a placeholder NIK (99…95: no NIK yet) names nobody: never "registered"
    placeholder = UnregisteredRecipient.nik.in_(tuple(PLACEHOLDER_KINDS))
    query = (select(UnregisteredRecipient.nik, UnregisteredRecipient.name,
                    UnregisteredRecipient.no_kk, UnregisteredRecipient.program_code,
                    UnregisteredRecipient.period)
             .where(or_(UnregisteredRecipient.nik.is_(None), placeholder, ~registered))
             .order_by(UnregisteredRecipient.period.desc()))
    for nik, name, no_kk, program, period in s.execute(query):
        # one flag per program and person, whichever lists they are on (the newest
        # period said): set aside once, it stays aside
        person = nik if nik and nik not in PLACEHOLDER_KINDS else "nama:" + name[:31]
        yield {"kind": FlagKind.NOT_IN_REGISTRY.value, "household_id": None,
               "no_kk": no_kk, "member_id": person, "program": program,
               "person": (nik, name), "data": {"period": period or "-"}}


#: the queries, each with the kinds of flag it raises (died and moved share one)
_QUERIES = (
    ((FlagKind.NOT_IN_REGISTRY,), _not_in_registry),
    ((FlagKind.DESIL_ABOVE_THRESHOLD,), _desil_above),
    ((FlagKind.DOUBLE_AID,), _double_aid),
    ((FlagKind.UNCOVERED_EXTREME,), _uncovered_extreme),
    ((FlagKind.RECIPIENT_DIED, FlagKind.RECIPIENT_MOVED), _recipient_gone),
    ((FlagKind.RECIPIENT_WITHDREW,), _withdrew),
    ((FlagKind.RECIPIENT_WELL_OFF,), _well_off),
    ((FlagKind.VULNERABLE_UNCOVERED,), _vulnerable),
)

__all__ = ["Flag", "FlagOps", "active_participation", "elderly_alone", "periods_overlap",
           "severe_disability", "vulnerable_why"]
