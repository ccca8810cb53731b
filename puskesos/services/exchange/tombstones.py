"""Removals that must travel although their rows are gone: undoing an import deletes
what it added outright, and a scan attached by mistake is removed outright, but what
another office was sent of them would stay there.
Before such rows are deleted, those an office had been sent (the common version, or
a bundle awaiting its receipt) are remembered here; the next bundle to that village's
other office carries each as a removal (``records.collect_records``)."""

from __future__ import annotations

from sqlalchemy import insert, select, union

from ...models import (ExchangeBase, ExchangeSent, ExchangeTombstone, Household, Member,
                       Musdes, MusdesAttendee, Participation, Referral, ReferralAttachment,
                       VervalEntry, VervalMember, VervalProposal)

#: the records an undo removes, and the village each one's family is in
_VILLAGE_OF = {
    "household": lambda ids: select(Household.id, Household.region_code).where(
        Household.id.in_(ids)),
    "member": lambda ids: select(Member.id, Household.region_code).join(
        Household, Household.id == Member.household_id).where(Member.id.in_(ids)),
    "participation": lambda ids: select(Participation.id, Household.region_code).join(
        Household, Household.id == Participation.household_id).where(
        Participation.id.in_(ids)),
    "referral_attachment": lambda ids: select(ReferralAttachment.id, Referral.village_code)
    .join(Referral, Referral.id == ReferralAttachment.referral_id).where(
        ReferralAttachment.id.in_(ids)),
    # a visit's findings and proposals, a musdes' attendees: written again whole
    "verval_member": lambda ids: _verval_village(VervalMember, ids),
    "verval_proposal": lambda ids: _verval_village(VervalProposal, ids),
    "musdes_attendee": lambda ids: select(MusdesAttendee.id, Household.region_code)
    .join(Musdes, Musdes.id == MusdesAttendee.musdes_id)
    .join(VervalEntry, VervalEntry.cycle_id == Musdes.cycle_id)
    .join(Household, Household.id == VervalEntry.household_id)
    .where(MusdesAttendee.id.in_(ids)).distinct(),
}


def _verval_village(model, ids):
    """The village of each of a visit's findings or proposals (its household's)."""
    return (select(model.id, Household.region_code)
            .join(VervalEntry, VervalEntry.id == model.entry_id)
            .join(Household, Household.id == VervalEntry.household_id)
            .where(model.id.in_(ids)))


def remember_removed(s, entity: str, ids, *, actor: str, reason: str | None) -> int:
    """Before the rows of ``entity`` named by ``ids`` (a query of their ids) are
    deleted, keep a tombstone for each one another office was sent; returns how many."""
    sent = union(select(ExchangeBase.entity_id).where(ExchangeBase.entity == entity,
                                                      ExchangeBase.entity_id.in_(ids)),
                 select(ExchangeSent.entity_id).where(ExchangeSent.entity == entity,
                                                      ExchangeSent.entity_id.in_(ids)))
    known = set(s.scalars(select(sent.subquery().c[0])))
    if not known:
        return 0
    rows = []
    ordered = sorted(known)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        have = set(s.scalars(select(ExchangeTombstone.entity_id).where(
            ExchangeTombstone.entity == entity, ExchangeTombstone.entity_id.in_(chunk))))
        rows += [dict(entity=entity, entity_id=record_id, village=village or "",
                      removed_by=actor, reason=reason)
                 for record_id, village in s.execute(_VILLAGE_OF[entity](chunk))
                 if record_id not in have]
    for start in range(0, len(rows), 1000):
        s.execute(insert(ExchangeTombstone.__table__), rows[start:start + 1000])
    return len(rows)
