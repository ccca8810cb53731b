"""What a bundle's records do to this database: the plan shown before anything is
touched (new, changed field by field, removed, conflicts, proposals, the same NIK
in two villages), and its application in one transaction.

The rule for each record is ``core.exchange.merge_record``; the values last
received from each office (the common version) are kept in ``exchange_base``,
the conflicts and proposals wait in ``exchange_queue``, and every bundle
received is recorded in ``exchange_bundle``, so the same bundle again changes
nothing.  The records of a village are keyed by it: a bundle from a village may
only carry its own households (``region_code``), and a kabupaten's bundle to a
village only that village's (``checks.py``).  The services' replies a kabupaten's
bundle brings move their referrals through the flow's reply rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from ...core import regions as region_list
from ...core.bahasa import short_date
from ...core.exchange import (BY_NAME, ENTITIES, FieldChange, OfficeKind, merge_record,
                              wire_record)
from ...core.codes import BundleStatus, QueueStatus, ReferralStatus
from ...core.permissions import Permission
from ...errors import InvalidInput
from ...i18n import _
from ...models import (ExchangeBase, ExchangeBundle, ExchangeQueueItem, Referral,
                       ReferralReply, Region, new_id, utcnow)
from .. import audit
from ..audit import Change
from ..context import Actor, require
from ..referrals.flow import apply_reply, check_reply
from ..registry.queries import refresh_search_text
from ..settings.village import ensure_regions
from .checks import check_village, shared_niks
from .records import LABELS, MODELS, REMOVED, RecordError, required_fields


class BundleWaits(InvalidInput):
    """A bundle whose earlier ones have not arrived: it is not refused, it waits (or
    the user applies it anyway)."""


class RefusedBefore(InvalidInput):
    """A bundle refused here once: the same file again is refused again, with why."""


def last_sequence(s, direction: str, peer_code: str, kind: str) -> int:
    """The highest sequence number of the bundles of one kind to or from an office
    (0 for none)."""
    return s.scalar(select(func.max(ExchangeBundle.sequence)).where(
        ExchangeBundle.direction == direction, ExchangeBundle.peer_code == peer_code,
        ExchangeBundle.kind == kind)) or 0


def refused_before(known: ExchangeBundle | None) -> None:
    """Refuse again a bundle refused here once, saying when and why."""
    if known is not None and known.status == BundleStatus.REJECTED.value:
        raise RefusedBefore(_("This bundle was refused here on {date}: {why} Ask the "
                              "sender for a new one.").format(
            date=short_date(known.recorded_at.astimezone().date()),
            why=" ".join((known.receipt or {}).get("reasons", []))))


@dataclass(frozen=True)
class Source:
    """Who sent a bundle: the office's code and kind, and the village its records
    are of (a village's own code; for a kabupaten's bundle, the receiving village)."""

    code: str
    kind: OfficeKind
    village: str


@dataclass(frozen=True)
class RecordPlan:
    """What one record received does here."""

    entity: str
    entity_id: str
    new: bool
    #: field → value as the column holds it, taken now
    apply: dict[str, Any]
    conflicts: tuple[FieldChange, ...]
    proposals: tuple[FieldChange, ...]
    #: the values as received (JSON), kept as the common version once applied
    theirs: dict[str, Any]
    #: what the fields taken held here before (a record we had)
    before: dict[str, Any] = field(default_factory=dict)

    @property
    def removes(self) -> bool:
        return self.apply.get("deleted_at") is not None or bool(self.apply.get(REMOVED))


@dataclass(frozen=True)
class ReplyPlan:
    """A service's reply in a kabupaten's bundle, and what it does to the referral
    here (``problem``: why it cannot move it, e.g. the village cancelled it)."""

    reply_id: str
    referral_id: str
    tracking_code: str
    person_name: str
    outcome: str
    on_date: Any
    problem: str | None = None


@dataclass(frozen=True)
class ImportPlan:
    """What a bundle would do, shown before it is applied."""

    bundle_id: str
    source: Source
    sequence: int
    #: the bundle was applied before: it changes nothing
    already: bool
    #: the sequence numbers missing before this one (a bundle not received yet)
    missing: tuple[int, ...]
    #: the records that change something (the others are counted in ``unchanged``)
    records: tuple[RecordPlan, ...]
    received: dict[str, int]
    unchanged: int
    #: (NIK, the other village's code): the same person registered in two villages
    shared_niks: tuple[tuple[str, str], ...] = ()
    #: every record received, for the common version (entity, id) → values as received
    seen: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, repr=False)
    #: the records as read from the bundle, to make the plan again when it is applied
    source_records: dict[str, list] = field(default_factory=dict, repr=False, compare=False)
    #: (entity, id) → the sender's version of each record taken
    versions: dict[tuple[str, str], int] = field(default_factory=dict, repr=False,
                                                 compare=False)
    #: the services' replies it brings (from the kabupaten)
    replies: tuple[ReplyPlan, ...] = ()

    def count(self, what: str) -> int:
        if what == "new":
            return sum(1 for r in self.records if r.new)
        if what == "changed":
            return sum(1 for r in self.records if not r.new and r.apply and not r.removes)
        if what == "removed":
            return sum(1 for r in self.records if not r.new and r.removes)
        return sum(len(getattr(r, what)) for r in self.records)   # conflicts, proposals


class SyncOps:
    """The records half of :class:`~puskesos.services.exchange.ExchangeService`."""

    def plan_import(self, *, actor: Actor, source: Source, bundle_id: str, sequence: int,
                    records: dict[str, list[tuple[str, int, dict[str, Any]]]]) -> ImportPlan:
        """What the records of a bundle (read and checked by ``records.read_lines``)
        would do; nothing is written."""
        require(actor, Permission.EDIT_REGISTRY)
        with self._db.read() as s:
            return self._plan(s, source, bundle_id, sequence, records)

    def _plan(self, s, source: Source, bundle_id: str, sequence: int,
              records: dict[str, list[tuple[str, int, dict[str, Any]]]]) -> ImportPlan:
        received = {name: len(records.get(name, ())) for name in BY_NAME}
        known = s.get(ExchangeBundle, bundle_id)
        refused_before(known)
        if known is not None:
            return ImportPlan(bundle_id, source, sequence, True, (), (), received, 0,
                              source_records=records)
        last = last_sequence(s, "in", source.code, "data")
        missing = tuple(range(last + 1, sequence))
        records, unknown = _without_unknown_removals(s, records)
        check_village(s, source, records)
        plans: list[RecordPlan] = []
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        versions: dict[tuple[str, str], int] = {}
        unchanged = unknown
        for spec in ENTITIES:
            rows = records.get(spec.name, [])
            model = MODELS[spec.name]
            ids = [r[0] for r in rows]
            ours, bases, last = {}, {}, {}
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                ours.update((r.id, r) for r in s.scalars(select(model).where(
                    model.id.in_(chunk))))
                for record_id, fields, version in s.execute(
                        select(ExchangeBase.entity_id, ExchangeBase.fields,
                               ExchangeBase.version)
                        .where(ExchangeBase.peer_code == source.code,
                               ExchangeBase.entity == spec.name,
                               ExchangeBase.entity_id.in_(chunk))):
                    bases[record_id], last[record_id] = fields, version
            for record_id, version, values in rows:
                if last.get(record_id) and version < last[record_id]:
                    unchanged += 1      # older than what came before it: a late bundle's
                    continue
                row = ours.get(record_id)
                if values.get(REMOVED):     # a scan removed at the sender: remove it here
                    plans.append(RecordPlan(spec.name, record_id, False, {REMOVED: True},
                                            (), (), {REMOVED: True}))
                    continue
                # (a scan's bytes are checked against its checksum, which travels)
                theirs = wire_record(values, leave_out=spec.content)
                seen[(spec.name, record_id)] = theirs
                versions[(spec.name, record_id)] = version
                if row is None:         # a record we never had: taken whole (the rule's
                    missing_fields = required_fields(spec.name) - {
                        n for n, v in values.items() if v is not None}
                    if missing_fields:
                        raise RecordError(_(
                            "The bundle's {entity} {id} is new here but lacks {fields}. "
                            "Nothing was changed; ask the sender to make the bundle again "
                            "with --full.").format(entity=_(LABELS[spec.name]),
                                                   id=record_id,
                                                   fields=", ".join(sorted(missing_fields))))
                    plans.append(RecordPlan(spec.name, record_id, True, dict(values), (),
                                            (), theirs))           # first case, quickly)
                    continue
                mine = {n: getattr(row, n) for n in values if n != spec.content}
                merged = merge_record(spec, sender=source.kind, theirs=theirs, ours=mine,
                                      base=bases.get(record_id))
                if merged.changes_nothing:
                    unchanged += 1
                    continue
                plans.append(RecordPlan(spec.name, record_id, False,
                                        {n: values[n] for n in merged.apply},
                                        merged.conflicts, merged.proposals, theirs,
                                        {n: mine[n] for n in merged.apply}))
        shared = shared_niks(s, source, records) \
            if source.kind is OfficeKind.DESA else ()
        replies = self._replies(s, [r for r in plans if r.new
                                    and r.entity == "referral_reply"])
        return ImportPlan(bundle_id, source, sequence, False, missing, tuple(plans),
                          received, unchanged, shared, seen, records, versions, replies)

    @staticmethod
    def _replies(s, records: list[RecordPlan]) -> tuple[ReplyPlan, ...]:
        """What each reply received does to its referral here, in the order they are
        applied (by the reply's date, then when it was recorded)."""
        out = []
        for record in sorted(records, key=lambda r: (r.apply["on_date"],
                                                     r.apply.get("recorded_at") or EPOCH)):
            values = record.apply
            referral = s.get(Referral, values["referral_id"])
            target = ReferralStatus(values["outcome"])
            problem = None
            if referral.deleted_at is not None:
                problem = _("the referral was removed here")
            else:
                try:
                    check_reply(referral, target)
                except InvalidInput as exc:
                    problem = exc.message
            out.append(ReplyPlan(record.entity_id, referral.id, referral.tracking_code,
                                 referral.person_name, target.value, values["on_date"],
                                 problem))
        return tuple(out)

    def apply_import(self, *, actor: Actor, plan: ImportPlan, file_name: str | None = None,
                     created_at: datetime | None = None,
                     out_of_order: bool = True, audit_head: str | None = None) -> ImportPlan:
        """Apply a plan in one transaction (the same bundle again changes nothing): the
        records taken, the common version kept, the conflicts and proposals queued, the
        bundle recorded.  Returns the plan as applied (made again inside the
        transaction, so a change made meanwhile is not overwritten).  Without
        ``out_of_order`` a bundle whose earlier ones have not arrived is refused."""
        require(actor, Permission.EDIT_REGISTRY)
        try:
            return self._apply(actor, plan, file_name, created_at, out_of_order, audit_head)
        except IntegrityError as exc:       # a record colliding with one of ours
            raise InvalidInput(_(
                "The bundle's records collide with records here (the same tracking code, "
                "or the same house twice in a campaign). Nothing was changed; ask the "
                "sender to check the bundle.")) from exc

    def _apply(self, actor: Actor, plan: ImportPlan, file_name: str | None,
               created_at: datetime | None, out_of_order: bool,
               audit_head: str | None = None) -> ImportPlan:
        with self._db.write() as s:
            plan = self._plan(s, plan.source, plan.bundle_id, plan.sequence, plan.source_records)
            if plan.already:
                return plan
            if plan.missing and not out_of_order:
                raise BundleWaits(_(
                    "Bundle {n} from {source} is here, but bundle {missing} has not been "
                    "imported yet. Import the earlier bundle first, or apply this one anyway "
                    "(it holds whole families; what the earlier one changed may come "
                    "later).").format(n=plan.sequence, source=plan.source.code,
                                      missing=", ".join(str(x) for x in plan.missing)))
            source = plan.source
            if source.kind is OfficeKind.DESA:          # a village's families, keyed by it
                path = region_list.regions().path(source.village)
                if path is not None:
                    ensure_regions(s, (path.provinsi, path.kabupaten, path.kecamatan,
                                       path.desa))
                elif s.get(Region, source.village) is None:
                    raise InvalidInput(_("{code} is not a village of the region list. "
                                         "Nothing was changed.").format(code=source.village))
            s.add(ExchangeBundle(id=plan.bundle_id, direction="in", peer_code=source.code,
                                 kind="data", sequence=plan.sequence,
                                 created_at=created_at or datetime.now().astimezone(),
                                 file_name=file_name, status=BundleStatus.APPLIED.value,
                                 actor=actor.username, audit_head=audit_head,
                                 counts=_counts(plan)))
            s.flush()
            changes: list[Change] = []
            touched: set[str] = set()
            queued: list[dict[str, Any]] = []
            for spec in ENTITIES:      # households first: members and programs name them
                model = MODELS[spec.name]
                mine = [r for r in plan.records if r.entity == spec.name]
                fresh = [dict(r.apply, id=r.entity_id) for r in mine if r.new]
                for start in range(0, len(fresh), 1000):   # many at once (defaults filled)
                    s.execute(insert(model.__table__), fresh[start:start + 1000])
                gone = sorted(r.entity_id for r in mine if r.apply.get(REMOVED))
                for start in range(0, len(gone), 500):
                    s.execute(delete(model.__table__).where(
                        model.__table__.c.id.in_(gone[start:start + 500])))
                changes.extend(Change(spec.name, record_id, None, REMOVED, None)
                               for record_id in gone)
                changed = {r.entity_id: r for r in mine
                           if not r.new and r.apply and not r.apply.get(REMOVED)}
                ids = sorted(changed)
                for start in range(0, len(ids), 500):
                    for row in s.scalars(select(model).where(model.id.in_(
                            ids[start:start + 500]))):
                        for name, value in changed[row.id].apply.items():
                            changes.append(Change(spec.name, row.id, name, getattr(row, name),
                                                  value))
                            setattr(row, name, value)
                        if spec.name in _REGISTRY:
                            touched.add(row.id if spec.name == "household"
                                        else row.household_id)
                for record in mine:
                    if record.new:
                        changes.append(Change(spec.name, record.entity_id, None, None,
                                              _snapshot(record.theirs)))
                        if spec.name in _REGISTRY:
                            touched.add(record.entity_id if spec.name == "household"
                                        else record.apply.get("household_id"))
                    queued.extend(
                        dict(id=new_id(), bundle_id=plan.bundle_id, peer_code=source.code,
                             entity=spec.name, entity_id=record.entity_id, field=item.field,
                             kind=kind, base=item.base, ours=item.ours, theirs=item.theirs,
                             status=QueueStatus.OPEN.value)
                        for item, kind in ([(c, "conflict") for c in record.conflicts]
                                           + [(p, "proposal") for p in record.proposals]))
            if queued:
                self._queue(s, source.code, queued)
            self._keep_bases(s, source.code, plan)
            if changes:
                audit.append(s, actor, "update", changes, audit.coded_reason(
                    "bundle", source=source.code, sequence=plan.sequence))
            refresh_search_text(s, [t for t in touched if t])
            self._apply_replies(s, actor, plan)
            return plan

    @staticmethod
    def _apply_replies(s, actor: Actor, plan: ImportPlan) -> None:
        """The services' replies a kabupaten's bundle brought move their referrals
        through the flow's reply rule (the steps marked as from a bundle); one that
        cannot (the village closed the referral meanwhile) is kept with why."""
        for reply in plan.replies:
            row = s.get(ReferralReply, reply.reply_id)
            referral = s.get(Referral, reply.referral_id)
            if reply.problem is None:
                try:
                    with s.begin_nested():
                        apply_reply(s, actor, referral, ReferralStatus(row.outcome),
                                    row.on_date, row.reference, row.note, "bundle")
                except InvalidInput as exc:
                    row.not_applied = exc.message[:300]
                else:
                    row.applied_at = utcnow()
            else:
                row.not_applied = reply.problem[:300]
        s.flush()

    @staticmethod
    def _queue(s, peer_code: str, queued: list[dict[str, Any]]) -> None:
        """Queue the fields waiting; a field already waiting from this office takes the
        newer value (one item a field, never a stale one beside it)."""
        ids = sorted({q["entity_id"] for q in queued})
        waiting = {}
        for start in range(0, len(ids), 500):
            for item in s.scalars(select(ExchangeQueueItem).where(
                    ExchangeQueueItem.peer_code == peer_code,
                    ExchangeQueueItem.status == QueueStatus.OPEN.value,
                    ExchangeQueueItem.entity_id.in_(ids[start:start + 500]))):
                waiting[(item.entity, item.entity_id, item.field)] = item
        fresh = []
        for q in queued:
            item = waiting.get((q["entity"], q["entity_id"], q["field"]))
            if item is None:
                fresh.append(q)
                continue
            item.bundle_id, item.kind = q["bundle_id"], q["kind"]
            item.base, item.ours, item.theirs = q["base"], q["ours"], q["theirs"]
        if fresh:
            s.execute(insert(ExchangeQueueItem.__table__), fresh)

    @staticmethod
    def _keep_bases(s, peer_code: str, plan: ImportPlan) -> None:
        """What the bundle carried becomes the common version of each of its records."""
        by_entity: dict[str, dict[str, dict[str, Any]]] = {}
        for (entity, record_id), values in plan.seen.items():
            by_entity.setdefault(entity, {})[record_id] = values
        for entity, records in by_entity.items():
            ids = sorted(records)
            known = {}
            for start in range(0, len(ids), 500):
                known.update((b.entity_id, b) for b in s.scalars(select(ExchangeBase).where(
                    ExchangeBase.peer_code == peer_code, ExchangeBase.entity == entity,
                    ExchangeBase.entity_id.in_(ids[start:start + 500]))))
            fresh = [dict(peer_code=peer_code, entity=entity, entity_id=record_id,
                          fields=values, bundle_id=plan.bundle_id,
                          version=plan.versions.get((entity, record_id)))
                     for record_id, values in records.items() if record_id not in known]
            for start in range(0, len(fresh), 1000):
                s.execute(insert(ExchangeBase.__table__), fresh[start:start + 1000])
            for record_id, base in known.items():
                base.fields = dict(base.fields, **records[record_id])
                base.bundle_id = plan.bundle_id
                base.version = max(base.version or 0,
                                   plan.versions.get((entity, record_id)) or 0) or None
        s.flush()


def _without_unknown_removals(s, records) -> tuple[dict[str, list], int]:
    """The records without the removals (a removal alone: ``deleted_at`` and not the
    record's fields, as an undone import sends them) of records we never had — they
    change nothing here — and how many were left out."""
    out, left_out = {}, 0
    for name, rows in records.items():
        required = required_fields(name)
        removals = [r[0] for r in rows if r[2].get(REMOVED) or (
            r[2].get("deleted_at") is not None and required - set(r[2]))]
        if not removals:
            out[name] = rows
            continue
        model = MODELS[name]
        here = set()
        for start in range(0, len(removals), 500):
            here.update(s.scalars(select(model.id).where(
                model.id.in_(removals[start:start + 500]))))
        absent = set(removals) - here
        out[name] = [r for r in rows if r[0] not in absent]
        left_out += len(absent)
    return out, left_out


#: the earliest time (a reply without its recording time sorts first)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: the records of the registry (their family's search text follows them)
_REGISTRY = frozenset({"household", "member", "participation"})


def _snapshot(values: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in values.items() if v not in (None, "")},
                      ensure_ascii=False, sort_keys=True, default=str)


def _counts(plan: ImportPlan) -> dict[str, Any]:
    return {"received": plan.received, "new": plan.count("new"),
            "changed": plan.count("changed"), "removed": plan.count("removed"),
            "conflicts": plan.count("conflicts"), "proposals": plan.count("proposals"),
            "unchanged": plan.unchanged, "shared_niks": len(plan.shared_niks),
            "missing": list(plan.missing), "replies": len(plan.replies)}
