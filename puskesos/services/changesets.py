"""Change sets: what a batch of writes created and changed, so that it can be undone.

An import is recorded as a batch (:class:`~puskesos.models.ImportBatch`): the
records it creates carry the batch id, and for every value it changes the
value before and after is kept (:class:`ChangeRecorder`, one
:class:`~puskesos.models.ImportChange` row each).  :func:`undo_last_import`
puts back every value and removes what was added, refusing when a record
was changed afterwards.  Exchange bundles (issue 16) are to record what they
apply the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..core.codes import ImportStatus
from ..core.permissions import Permission
from ..db import seals
from ..db.bulk import BulkWriter
from ..errors import InvalidInput, NotFound, UserError
from ..i18n import _
from ..models import (AuditEvent, Household, ImportBatch, ImportChange, Member, Participation,
                      UnregisteredRecipient, utcnow)
from . import audit
from .exchange.tombstones import remember_removed
from .audit import Change
from .context import Actor, require


def json_value(value: Any) -> Any:
    """``value`` as a change record keeps it (a date as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


class ChangeRecorder:
    """The before and after of each record a batch changes, written with the batch
    (:meth:`flush`) through its :class:`~puskesos.db.bulk.BulkWriter`."""

    def __init__(self, bulk: BulkWriter, batch_id: str | None, session=None) -> None:
        self.bulk, self.batch_id, self.session = bulk, batch_id, session
        self.pending: list[dict] = []

    def record(self, entity: str, entity_id: str, op: str, before: dict | None,
               after: dict | None) -> None:
        """Keep one change: ``op`` is "insert" or "update"; ``before`` and ``after``
        the changed fields' values (None for an insert)."""
        self.pending.append(dict(
            batch_id=self.batch_id, entity=entity, entity_id=entity_id, op=op,
            before={k: json_value(v) for k, v in before.items()} if before is not None
            else None,
            after={k: json_value(v) for k, v in after.items()} if after is not None else None))

    def flush(self) -> None:
        """Write the changes kept so far."""
        if self.pending:
            self.bulk.insert_dicts(ImportChange.__table__, self.pending)
            if self.session is not None:      # sealed as they are when the batch commits
                for change in self.pending:
                    seals.touch(self.session, change["entity"], (change["entity_id"],))
            self.pending = []


@dataclass(frozen=True)
class BatchInfo:
    id: str
    created_at: Any
    actor: str
    source_name: str
    kind: str
    counts: dict
    status: str


def last_batch(services) -> BatchInfo | None:
    """The most recent import that is still applied (None: nothing to undo)."""
    with services.db.read() as s:
        b = s.scalar(select(ImportBatch).where(ImportBatch.status == ImportStatus.APPLIED.value)
                     .order_by(ImportBatch.created_at.desc()).limit(1))
        if b is None:
            return None
        return BatchInfo(b.id, b.created_at, b.actor, b.source_name, b.kind, b.counts, b.status)


_MODELS = {"household": Household, "member": Member, "participation": Participation}
#: ids named in one statement (far below any database's limit on bound values)
IDS_PER_STATEMENT = 500


def undo_last_import(services, *, actor: Actor, batch_id: str | None = None) -> BatchInfo:
    """Put back every value the last import changed and remove what it added.

    Refused when a record it touched was changed afterwards (undoing would
    lose that later change); nothing is changed then.  Works at any size: the
    import's records are named by its batch id or read a page at a time, never
    listed in one statement.
    """
    require(actor, Permission.EDIT_REGISTRY)
    with services.db.write() as s:
        batch = s.scalar(select(ImportBatch).where(ImportBatch.status == ImportStatus.APPLIED.value)
                         .order_by(ImportBatch.created_at.desc()).limit(1)
                         .with_for_update())
        if batch is None:
            raise NotFound(_("There is no import to undo."))
        if batch_id and batch.id != batch_id:
            raise InvalidInput(_("Only the most recent import can be undone."))
        # A record changed after the import has audit entries newer than the import's.
        import_seq = s.scalar(select(AuditEvent.seq).where(
            AuditEvent.entity == "import_batch", AuditEvent.entity_id == batch.id,
            AuditEvent.action == "import"))
        later = _changed_afterwards(s, batch.id, import_seq or 0)
        if later:
            raise UserError(_("{n} records from this import were changed afterwards; undoing "
                              "the import would lose those changes. Nothing was undone.")
                            .format(n=later))
        try:
            touched = _reverse(s, batch.id, actor=actor.username,
                               reason=_("import undone: {file}").format(
                                   file=batch.source_name or "-"))
        except IntegrityError as exc:
            raise UserError(_("Records were added to families from this import afterwards "
                              "(a new member or program); undoing would leave them without a "
                              "family. Nothing was undone.")) from exc
        from .registry import refresh_search_text
        ids = sorted(touched)              # those the undo removed are simply not found
        for start in range(0, len(ids), IDS_PER_STATEMENT):
            refresh_search_text(s, ids[start:start + IDS_PER_STATEMENT])
        s.flush()
        batch.status = ImportStatus.UNDONE.value
        batch.undone_at = utcnow()
        batch.undone_by = actor.username
        audit.append(s, actor, "undo_import", [Change("import_batch", batch.id, "status",
                                                      ImportStatus.APPLIED.value,
                                                      ImportStatus.UNDONE.value)],
                     batch.source_name)
        return BatchInfo(batch.id, batch.created_at, batch.actor, batch.source_name, batch.kind,
                         batch.counts, batch.status)


def _chunks(ids: list[str]):
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        yield ids[start:start + IDS_PER_STATEMENT]


def _changed_afterwards(s, batch_id: str, import_seq: int) -> int:
    """How many audit entries newer than the import concern records of the batch: the
    records changed since (usually few) are looked up among the batch's."""
    later = dict(s.execute(select(AuditEvent.entity_id, func.count()).where(
        AuditEvent.seq > import_seq, AuditEvent.entity_id.is_not(None))
        .group_by(AuditEvent.entity_id)).all())
    mine: set[str] = set()
    for ids in _chunks(list(later)):
        for model in (Member, Household):
            mine.update(s.scalars(select(model.id).where(model.id.in_(ids),
                                                         model.import_batch_id == batch_id)))
        mine.update(s.scalars(select(ImportChange.entity_id).distinct().where(
            ImportChange.batch_id == batch_id, ImportChange.entity_id.in_(ids))))
    return sum(later[i] for i in mine)


def _reverse(s, batch_id: str, *, actor: str, reason: str) -> set[str]:
    """Delete what the batch inserted and put back what it updated; the households
    whose search text must be made again.  What another office was sent of the rows
    deleted is remembered, so that its removal travels in the next bundle."""
    touched: set[str] = set()
    con = s.connection()
    # the recipients of a list kept although not in the registry go with their list
    con.execute(delete(UnregisteredRecipient.__table__).where(
        UnregisteredRecipient.import_batch_id == batch_id))
    for entity in ("participation", "member", "household"):
        model = _MODELS[entity]
        table = model.__table__
        inserted = select(ImportChange.entity_id).where(
            ImportChange.batch_id == batch_id, ImportChange.entity == entity,
            ImportChange.op == "insert").scalar_subquery()
        if entity == "member":
            touched.update(con.scalars(select(Member.household_id).distinct().where(
                Member.id.in_(inserted))))
        if entity in seals.TABLES:        # what the undo deletes loses its seal
            seals.forget(s, select(ImportChange.entity_id).where(
                ImportChange.batch_id == batch_id, ImportChange.entity == entity,
                ImportChange.op == "insert"))
            seals.forget(s, select(table.c.id).where(table.c.import_batch_id == batch_id))
        remember_removed(s, entity, select(ImportChange.entity_id).where(
            ImportChange.batch_id == batch_id, ImportChange.entity == entity,
            ImportChange.op == "insert"), actor=actor, reason=reason)
        con.execute(delete(table).where(table.c.id.in_(inserted)))
        _restore_updates(s, batch_id, entity, touched)
        if entity == "member":
            # the families of people it added that were there before the import
            mine = Household.import_batch_id
            touched.update(con.scalars(
                select(Member.household_id).distinct()
                .join(Household, Household.id == Member.household_id)
                .where(Member.import_batch_id == batch_id,
                       (mine.is_(None)) | (mine != batch_id))))
        if entity in ("member", "household"):
            remember_removed(s, entity, select(table.c.id).where(
                table.c.import_batch_id == batch_id), actor=actor, reason=reason)
            con.execute(delete(table).where(table.c.import_batch_id == batch_id))
    return touched


def _restore_updates(s, batch_id: str, entity: str, touched: set[str]) -> None:
    """Put back the values the batch changed in ``entity``'s records, a page of its
    changes at a time from the newest (so a record changed twice gets its oldest
    value), one statement per set of changed fields."""
    table = _MODELS[entity].__table__
    con = s.connection()
    dates = {c.name for c in table.c if isinstance(c.type, Date)}
    last = None
    while True:
        page = select(ImportChange.id, ImportChange.entity_id, ImportChange.before).where(
            ImportChange.batch_id == batch_id, ImportChange.entity == entity,
            ImportChange.op == "update")
        if last is not None:
            page = page.where(ImportChange.id < last)
        rows = con.execute(page.order_by(ImportChange.id.desc())
                           .limit(IDS_PER_STATEMENT)).all()
        if not rows:
            return
        last = rows[-1].id
        values: dict[str, dict] = {}
        for row in rows:                   # newest first: an older value overwrites
            values.setdefault(row.entity_id, {}).update(row.before or {})
        ids = list(values)
        seals.touch(s, entity, ids)       # sealed as they are put back
        if entity == "member":
            touched.update(con.scalars(select(Member.household_id).where(Member.id.in_(ids))))
        elif entity == "household":
            touched.update(ids)
        by_fields: dict[tuple[str, ...], list[dict]] = {}
        for entity_id, before in values.items():
            params = {"_id": entity_id}
            for key, value in before.items():
                if key in dates and isinstance(value, str):
                    value = date.fromisoformat(value)
                params[f"v_{key}"] = value
            by_fields.setdefault(tuple(sorted(before)), []).append(params)
        for fields, params in by_fields.items():
            assigned = {table.c[k]: bindparam(f"v_{k}") for k in fields}
            assigned[table.c.version] = table.c.version + 1
            con.execute(update(table).where(table.c.id == bindparam("_id")).values(assigned),
                        params)
        if entity == "member":   # an undone move puts the person back in the old family
            touched.update(con.scalars(select(Member.household_id).where(Member.id.in_(ids))))
