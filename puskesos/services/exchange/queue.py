"""The queue: the fields a bundle could not settle alone (a conflict — both offices
changed the field since they last agreed — or a proposal — the sender changed a
field this office owns), each shown as theirs, ours and the common value, for a
person to resolve.  Resolving writes the chosen value into the record (audited)
and marks it written, so the decision travels back to the other office in the
next bundle."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select

from ...core.codes import QueueStatus, Relationship
from ...core.exchange import BY_NAME, wire_value
from ...core.identifiers import mask_nik
from ...core.permissions import Permission
from ...core.validation import SHORT_NOTE_LIMIT, checked_text
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import ExchangeQueueItem, Household, Member
from .. import audit
from ..audit import Change
from ..context import Actor, require
from ..registry.queries import refresh_search_text
from .records import MODELS, parse_record

OPEN = QueueStatus.OPEN.value
CHOICES = (QueueStatus.OURS.value, QueueStatus.THEIRS.value)


@dataclass(frozen=True)
class QueueItem:
    id: str
    bundle_id: str
    peer_code: str
    entity: str
    entity_id: str
    field: str
    #: "conflict" or "proposal"
    kind: str
    base: Any
    ours: Any
    theirs: Any
    status: str
    resolved_by: str | None
    resolved_at: datetime | None
    note: str | None
    #: whose record it is, as a person knows it (a member's name, a family's head and
    #: No KK)
    record: str = ""


def _item(row: ExchangeQueueItem, record: str = "") -> QueueItem:
    return QueueItem(row.id, row.bundle_id, row.peer_code, row.entity, row.entity_id,
                     row.field, row.kind, row.base, row.ours, row.theirs, row.status,
                     row.resolved_by, row.resolved_at, row.note, record)


def _records(s, rows: list[ExchangeQueueItem]) -> dict[tuple[str, str], str]:
    """(entity, id) → how a person knows the record."""
    out: dict[tuple[str, str], str] = {}
    ids = {entity: sorted({r.entity_id for r in rows if r.entity == entity})
           for entity in ("household", "member", "participation")}
    for start in range(0, len(ids["member"]), 500):
        for mid, name in s.execute(select(Member.id, Member.name).where(
                Member.id.in_(ids["member"][start:start + 500]))):
            out[("member", mid)] = name
    families = ids["household"]
    for start in range(0, len(families), 500):
        chunk = families[start:start + 500]
        heads = dict(s.execute(select(Member.household_id, func.min(Member.name)).where(
            Member.household_id.in_(chunk), Member.deleted_at.is_(None),
            Member.relationship_code == Relationship.KEPALA.value)
            .group_by(Member.household_id)).all())
        for hid, no_kk in s.execute(select(Household.id, Household.no_kk).where(
                Household.id.in_(chunk))):
            out[("household", hid)] = f"{heads.get(hid) or '-'} · {no_kk or '-'}"
    return out


class QueueOps:
    """The queue half of :class:`~puskesos.services.exchange.ExchangeService`."""

    def queue(self, *, actor: Actor, open_only: bool = True) -> list[QueueItem]:
        """The fields waiting (or, with ``open_only`` False, every one ever queued),
        oldest first."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            query = select(ExchangeQueueItem)
            if open_only:
                query = query.where(ExchangeQueueItem.status == OPEN)
            rows = s.scalars(query.order_by(
                ExchangeQueueItem.peer_code, ExchangeQueueItem.entity_id,
                ExchangeQueueItem.field, ExchangeQueueItem.id)).all()
            names = _records(s, rows)
            items = [_item(r, names.get((r.entity, r.entity_id), "")) for r in rows]
        if actor.can(Permission.VIEW_FULL_NIK):
            return items
        # a NIK is shown masked to who may not see it whole, here as in the registry
        return [replace(i, **{k: mask_nik(v) if isinstance(v, str) and v else v
                              for k, v in (("base", i.base), ("ours", i.ours),
                                           ("theirs", i.theirs))})
                if i.field == "nik" else i for i in items]

    def resolve(self, *, actor: Actor, item_id: str, choice: str,
                note: str | None = None) -> QueueItem:
        """Settle one field: ``theirs`` takes the other office's value, ``ours`` keeps
        ours; either way the record is marked written, so the decision goes back in
        the next bundle."""
        require(actor, Permission.APPROVE)
        if choice not in CHOICES:
            raise InvalidInput(_("Choose whose value stays: ours or theirs."))
        note = checked_text(_("Note"), note, SHORT_NOTE_LIMIT)
        stale = result = None
        with self._db.write() as s:
            row = s.get(ExchangeQueueItem, item_id)
            if row is None:
                raise NotFound(_("That item is no longer in the queue."))
            if row.status != OPEN:
                raise InvalidInput(_("This field was settled already ({by}).").format(
                    by=row.resolved_by))
            spec = BY_NAME[row.entity]
            record = s.get(MODELS[row.entity], row.entity_id)
            if record is None:
                raise NotFound(_("The record of this field is no longer in the database."))
            old = getattr(record, row.field)
            if wire_value(old) != row.ours:
                # changed here since it was queued: the item now shows what we have, and
                # the choice, made on what we had, waits for a second look
                row.ours = wire_value(old)
                stale = "-" if row.ours is None else str(row.ours)
            else:
                if choice == QueueStatus.THEIRS.value:
                    # checked as a bundle's value is, then written as the column holds it
                    _id, _version, values = parse_record(spec, {
                        "id": row.entity_id, "version": 1, row.field: row.theirs})
                    new = values[row.field]
                else:
                    new = old
                setattr(record, row.field, new)
                # written now, either way: the next bundle carries the decision back
                record.updated_at = datetime.now(timezone.utc)
                row.status, row.resolved_by = choice, actor.username
                row.resolved_at, row.note = datetime.now(timezone.utc), note
                audit.append(s, actor, "update", [Change(row.entity, row.entity_id,
                                                         row.field, old, new)],
                             note or audit.coded_reason(f"queue_{choice}",
                                                        source=row.peer_code))
                s.flush()
                refresh_search_text(s, [record.id if row.entity == "household"
                                        else record.household_id])
                result = _item(row)
        if stale is not None:
            raise InvalidInput(_("Our value of this field changed since it was queued (it is "
                                 "now {value}). Look at it again, then choose.").format(
                value=stale))
        return result
