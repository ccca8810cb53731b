"""The registry against its seals: households and members changed, added or removed
behind the program (see :mod:`puskesos.db.seals` for what a seal is and who makes it).

:func:`check_records` is what ``db check`` runs after the audit chain: every
row's seal computed again and compared, then, for the first rows found, who
they are (No KK, NIK masked unless the reader may see it whole, name) and which
fields differ from the values the audit trail last recorded for them, where the
trail holds them (a form's changes and the demo's rows do; an imported row's
values are only in its seal, so for it the fields cannot be told).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ..core import codes
from ..core.identifiers import mask_nik
from ..core.permissions import Permission
from ..db import seals
from ..db.engine import Database
from ..models import AuditEvent, Household, Member, RecordSeal
from .audit import to_text
from .context import Actor, require

#: rows described one by one at most (the others are counted)
DESCRIBED = 50
#: recorded values not comparable with the stored one (a form records the assets
#: owned, the row keeps every asset)
_NOT_COMPARED = frozenset({"assets"})
_TOMBSTONE = ("deleted_at", "deleted_by", "deleted_reason")
#: the fields a record created by the program has empty unless its creation names them
#: (not those the program fills without naming them: the id, the village, the order)
_EMPTY_AT_CREATE = {
    entity: tuple(sorted(set(seals.sealed_names(table)) - {"id", "region_code", "sort_order"}))
    for entity, table in seals.TABLES.items()}


@dataclass(frozen=True)
class RecordFinding:
    """One household or member that is not as the program last wrote it.

    ``kind``: "changed" (its content differs from its seal), "added" (a row
    without a seal: not written by the program) or "removed" (a seal without its
    row).  ``fields``: the fields that differ from what the audit trail last
    recorded, when it can tell (empty: it cannot)."""

    kind: str
    entity: str
    entity_id: str
    no_kk: str | None
    nik: str | None
    name: str | None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordCheck:
    """What :func:`check_records` found; ``sealed``: False when the database has no
    audit key to check seals with (the chain check says so)."""

    checked: int
    changed: int
    added: int
    removed: int
    findings: tuple[RecordFinding, ...] = field(default_factory=tuple)
    sealed: bool = True
    #: the seals' table itself was removed (nothing can be compared)
    seals_removed: bool = False

    @property
    def ok(self) -> bool:
        return not (self.changed or self.added or self.removed or self.seals_removed)


def check_database(db: Database, *, actor: Actor, limit: int = DESCRIBED) -> RecordCheck:
    """Every household and member of ``db`` against its seal, in one read (see
    :func:`check_records`)."""
    with db.read() as s:
        return check_records(s, actor=actor, limit=limit)


def check_records(s: Session, *, actor: Actor, limit: int = DESCRIBED) -> RecordCheck:
    """Compare every household and member with its seal; describe the first ``limit``
    found (NIK and No KK masked for a reader who may not see them whole)."""
    require(actor, Permission.VIEW_AUDIT)
    if not inspect(s.connection()).has_table(RecordSeal.__tablename__):
        return RecordCheck(0, 0, 0, 0, sealed=False, seals_removed=True)
    key = seals.read_key(s)
    if key is None:             # the chain check reports the removed key
        return RecordCheck(0, 0, 0, 0, sealed=False)
    found = seals.scan(s, key)
    whole = actor.can(Permission.VIEW_FULL_NIK)
    findings = []
    for kind, rows in (("changed", found.changed), ("added", found.added),
                       ("removed", found.removed)):
        for entity, entity_id in rows:
            if len(findings) >= limit:
                break
            findings.append(_describe(s, kind, entity, entity_id, whole))
    return RecordCheck(found.checked, len(found.changed), len(found.added),
                       len(found.removed), tuple(findings))


def _recorded(s: Session, entity: str, entity_id: str) -> dict[str, str | None]:
    """The values the audit trail last recorded for a record, by field.  A record
    created by a form was recorded with every field that had a value, so the others
    were empty; the demo records a created record's whole snapshot."""
    values: dict[str, str | None] = {}
    for fld, new, action in s.execute(
            select(AuditEvent.field, AuditEvent.new_value, AuditEvent.action)
            .where(AuditEvent.entity_id == entity_id).order_by(AuditEvent.seq)):
        if action == "create" and not values:
            values = dict.fromkeys(_EMPTY_AT_CREATE[entity])
        if action == "delete":
            for name in _TOMBSTONE:
                values.pop(name, None)          # set then, not recorded field by field
        elif action == "restore":
            values.update(dict.fromkeys(_TOMBSTONE))
        if fld:
            values[fld] = new
        elif action == "create" and new and new.startswith("{"):
            try:
                snapshot = json.loads(new)
            except ValueError:
                continue
            if isinstance(snapshot, dict):
                values.update({k: to_text(v) for k, v in snapshot.items()})
    return values


def _raw(s: Session, entity: str, entity_id: str):
    """A record's stored values as the driver gives them (read even when a database tool
    put a value of another type there), or None."""
    table = seals.TABLES[entity]
    names = [c.name for c in table.columns]
    return s.execute(seals.sealed_select(table, names).where(table.c.id == entity_id)
                     ).mappings().first()


def _describe(s: Session, kind: str, entity: str, entity_id: str,
              whole: bool) -> RecordFinding:
    recorded = _recorded(s, entity, entity_id)
    show = (lambda number: number) if whole else (lambda number: number and mask_nik(number))
    text = (lambda value: None if value is None else str(value))
    row = _raw(s, entity, entity_id) if kind != "removed" else None
    fields: tuple[str, ...] = ()
    if row is not None and kind == "changed":
        columns = set(row.keys()) - seals.UNSEALED - _NOT_COMPARED
        fields = tuple(sorted(f for f, value in recorded.items()
                              if f in columns and to_text(row[f]) != value))
    if entity == "member":
        if row is not None:
            no_kk = s.scalar(select(Household.no_kk).where(Household.id == row["household_id"]))
            return RecordFinding(kind, entity, entity_id, show(text(no_kk)),
                                 show(text(row["nik"])), text(row["name"]), fields)
        return RecordFinding(kind, entity, entity_id, None, show(recorded.get("nik")),
                             recorded.get("name"), fields)
    if row is not None:
        head = s.scalar(select(Member.name).where(
            Member.household_id == entity_id, Member.deleted_at.is_(None),
            Member.relationship_code == codes.Relationship.KEPALA.value).limit(1))
        return RecordFinding(kind, entity, entity_id, show(text(row["no_kk"])), None, head,
                             fields)
    return RecordFinding(kind, entity, entity_id, show(recorded.get("no_kk")), None, None,
                         fields)
