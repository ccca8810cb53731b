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

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..core.codes import ImportStatus
from ..core.permissions import Permission
from ..db.bulk import BulkWriter
from ..errors import InvalidInput, NotFound, UserError
from ..i18n import _
from ..models import AuditEvent, Household, ImportBatch, ImportChange, Member, Participation, utcnow
from . import audit
from .audit import Change
from .context import Actor, require


def json_value(value: Any) -> Any:
    """``value`` as a change record keeps it (a date as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


class ChangeRecorder:
    """The before and after of each record a batch changes, written with the batch
    (:meth:`flush`) through its :class:`~puskesos.db.bulk.BulkWriter`."""

    def __init__(self, bulk: BulkWriter, batch_id: str | None) -> None:
        self.bulk, self.batch_id = bulk, batch_id
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


def undo_last_import(services, *, actor: Actor, batch_id: str | None = None) -> BatchInfo:
    """Put back every value the last import changed and remove what it added.

    Refused when a record it touched was changed afterwards (undoing would
    lose that later change); nothing is changed then.
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
        changes = list(s.scalars(select(ImportChange).where(ImportChange.batch_id == batch.id)
                                 .order_by(ImportChange.id.desc())))
        # what the import created carries its batch id (older imports: "insert" changes)
        created = {entity: list(s.scalars(select(_MODELS[entity].id).where(
            _MODELS[entity].import_batch_id == batch.id))) for entity in ("member", "household")}
        # A record changed after the import has audit entries newer than the import's.
        import_seq = s.scalar(select(AuditEvent.seq).where(
            AuditEvent.entity == "import_batch", AuditEvent.entity_id == batch.id,
            AuditEvent.action == "import"))
        ids = sorted({c.entity_id for c in changes}.union(*created.values()))
        later = 0
        for start in range(0, len(ids), 500):
            later += s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.entity_id.in_(ids[start:start + 500]),
                AuditEvent.seq > (import_seq or 0))) or 0
        if later:
            raise UserError(_("{n} records from this import were changed afterwards; undoing "
                              "the import would lose those changes. Nothing was undone.")
                            .format(n=later))
        touched: set[str] = set()
        try:
            _reverse(s, batch.id, changes, touched)
        except IntegrityError as exc:
            raise UserError(_("Records were added to families from this import afterwards "
                              "(a new member or program); undoing would leave them without a "
                              "family. Nothing was undone.")) from exc
        s.flush()
        from .registry import refresh_search_text
        existing = set(s.scalars(select(Household.id).where(Household.id.in_(touched))))
        refresh_search_text(s, existing)
        batch.status = ImportStatus.UNDONE.value
        batch.undone_at = utcnow()
        batch.undone_by = actor.username
        audit.append(s, actor, "undo_import", [Change("import_batch", batch.id, "status",
                                                      ImportStatus.APPLIED.value,
                                                      ImportStatus.UNDONE.value)],
                     batch.source_name)
        return BatchInfo(batch.id, batch.created_at, batch.actor, batch.source_name, batch.kind,
                         batch.counts, batch.status)


def _reverse(s, batch_id: str, changes: list[ImportChange], touched: set[str]) -> None:
    """Delete what the batch inserted and put back what it updated, newest first."""
    for entity in ("participation", "member", "household"):
        model = _MODELS[entity]
        table = model.__table__
        for c in changes:
            if c.entity != entity:
                continue
            if c.op == "insert":
                if entity == "member":
                    hid = s.scalar(select(Member.household_id).where(Member.id == c.entity_id))
                    if hid:
                        touched.add(hid)
                s.connection().execute(delete(table).where(table.c.id == c.entity_id))
            else:
                values = {k: (date.fromisoformat(v) if k in ("birth_date", "presence_date")
                              and isinstance(v, str) else v)
                          for k, v in (c.before or {}).items()}
                s.connection().execute(update(table).where(table.c.id == c.entity_id)
                                       .values(**values, version=table.c.version + 1))
                if entity == "household":
                    touched.add(c.entity_id)
                elif entity == "member":
                    hid = s.scalar(select(Member.household_id).where(Member.id == c.entity_id))
                    if hid:
                        touched.add(hid)
        if entity == "member":
            touched.update(s.scalars(select(Member.household_id).distinct().where(
                Member.import_batch_id == batch_id)))
        if entity in ("member", "household"):
            s.connection().execute(delete(table).where(table.c.import_batch_id == batch_id))
