"""Finding households: the search text kept on each household, and the SQL
conditions of a :class:`HouseholdFilter` (shared by the list, exports and verval).
"""

from __future__ import annotations


from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import codes
from ...core.identifiers import normalize_number
from ...core.normalize import area_number
from ...models import Household, Member, Participation
from .records import HouseholdFilter


#: the start of the DTSEN placeholders (9999999999999995 no NIK under 17, …96, …99, …94):
#: shared by many people, never a person's own number
PLACEHOLDER_PREFIX = "99999999999999"


def duplicate_niks(s: Session, *, examples: int = 5) -> tuple[int, list[tuple[str, int]]]:
    """NIKs held by more than one living member (placeholders excepted): how many,
    and the first ``examples`` of them with how many people hold each."""
    shared = (select(Member.nik, func.count().label("n"))
              .where(Member.deleted_at.is_(None), Member.presence.in_(codes.LIVING),
                     Member.nik.is_not(None), Member.nik != "",
                     Member.nik.not_like(PLACEHOLDER_PREFIX + "%"))
              .group_by(Member.nik).having(func.count() > 1).subquery())
    total = s.scalar(select(func.count()).select_from(shared)) or 0
    first = [(nik, n) for nik, n in s.execute(select(shared.c.nik, shared.c.n)
                                              .order_by(shared.c.nik).limit(examples))]
    return total, first


def dusun_names(s: Session) -> list[str]:
    """The dusun names in use, in order (the filters; a dusun typed elsewhere is matched
    against them)."""
    return list(s.scalars(select(Household.dusun).distinct()
                          .where(Household.dusun.is_not(None)).order_by(Household.dusun)))


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

def _verval_condition(status: str):
    """Households by their status in the most recent verval cycle."""
    from ...models import VervalCycle, VervalEntry, VervalProposal
    latest = (select(VervalCycle.id).where(VervalCycle.deleted_at.is_(None))
              .order_by(VervalCycle.created_at.desc()).limit(1).scalar_subquery())
    entries = select(VervalEntry.household_id).where(VervalEntry.cycle_id == latest,
                                                     VervalEntry.deleted_at.is_(None))
    if status == codes.VervalState.PENDING.value:
        entries = entries.where(VervalEntry.result.is_(None))
    elif status == codes.VervalState.VISITED.value:
        entries = entries.where(VervalEntry.result.is_not(None))
    elif status == codes.VervalState.PROPOSAL.value:
        entries = entries.where(VervalEntry.id.in_(select(VervalProposal.entry_id).where(
            VervalProposal.status == codes.ProposalStatus.DIUSULKAN.value)))
    if status == codes.VervalState.NOT_IN_CYCLE.value:
        return Household.id.not_in(entries)
    return Household.id.in_(entries)


def household_conditions(filter: HouseholdFilter) -> list:
    """The SQL conditions on :class:`Household` that select what ``filter`` selects.

    The same semantics as the household list (:meth:`HouseholdService.search`):
    the village (at the kabupaten), dusun, RW/RT (``"1"`` matches ``"001"``), desil, program, presence
    (``"gone"``/``"no_head"``) and the words of the search text.
    """
    conditions: list = []
    if not filter.include_removed:
        conditions.append(Household.deleted_at.is_(None))
    if filter.village:
        conditions.append(Household.region_code == filter.village)
    if filter.dusun:
        conditions.append(Household.dusun == filter.dusun)
    for value, column in ((filter.rw, Household.rw), (filter.rt, Household.rt)):
        if value:
            conditions.append(column == area_number(value))
    if filter.desil:
        conditions.append(Household.desil.in_(filter.desil))
    if filter.program:
        conditions.append(Household.id.in_(select(Participation.household_id).where(
            Participation.program_code == filter.program,
            Participation.deleted_at.is_(None))))
    if filter.presence == "gone":
        conditions.append(Household.id.in_(select(Member.household_id).where(
            Member.deleted_at.is_(None),
            Member.presence.not_in(codes.LIVING))))
    elif filter.presence == "no_head":
        conditions.append(Household.id.not_in(select(Member.household_id).where(
            Member.relationship_code == codes.Relationship.KEPALA.value,
            Member.deleted_at.is_(None),
            Member.presence.in_(codes.LIVING))))
    if filter.verval:
        conditions.append(_verval_condition(filter.verval))
    for word in search_words(filter.text):
        conditions.append(Household.search_text.like(f"%{word}%"))
    return conditions


def search_words(text: str) -> list[str]:
    """The words of a search as the search text holds them (lower case; a number
    written with separators as its digits)."""
    return [normalize_number(word) or word for word in (text or "").lower().split()]
