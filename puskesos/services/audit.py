"""The audit trail: who changed what, when, from which value to which, and why.

Rows are only ever appended.  Each row's hash covers its content and the
previous row's hash, and the chain head (last seq and hash) is kept in the
``setting`` table in the same transaction, so an edited, removed or
appended-by-hand row is found by :meth:`AuditTrail.verify`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.permissions import Permission
from ..db.engine import Database
from ..i18n import N_, _
from ..models import AuditEvent, Setting, utcnow
from .context import Actor, require

HEAD_KEY = "audit_head"
GENESIS = "0" * 64


# ---------------------------------------------------------------- reasons
#: the reasons the program gives itself, by code: stored as the code and its values
#: (``@demo {"seed": 1}``) and told in the reader's language when shown, so a change
#: of language neither leaves them in the language of the day they were written nor
#: makes them unknown to the code that looks for them
REASONS = {
    "demo": N_("demo data (seed {seed})"),
    "verval_approved": N_("verval correction approved"),
    "warnings_accepted": N_("warnings accepted: {accepted}"),
    "reason_warnings_accepted": N_("{reason} (warnings accepted: {accepted})"),
}
_MARK = "@"


def coded_reason(code: str, **values: Any) -> str:
    """The stored form of the program's own reason ``code`` (a key of :data:`REASONS`)
    with the ``values`` its words need."""
    if code not in REASONS:
        raise ValueError(f"unknown reason code {code!r}")
    return _MARK + code + (" " + json.dumps(values, sort_keys=True, ensure_ascii=False)
                           if values else "")


def reason_code(stored: str | None) -> tuple[str, dict] | None:
    """(code, values) of a reason stored by :func:`coded_reason`; None for a reason
    someone typed (or none)."""
    if not stored or not stored.startswith(_MARK):
        return None
    code, _sep, rest = stored[1:].partition(" ")
    if code not in REASONS:
        return None
    try:
        values = json.loads(rest) if rest else {}
    except ValueError:
        return None
    return (code, values) if isinstance(values, dict) else None


def reason_text(stored: str | None) -> str | None:
    """A stored reason as the reader reads it: the program's own reasons in the
    window's language, a typed reason as it was typed."""
    coded = reason_code(stored)
    if coded is None:
        return stored
    code, values = coded
    shown = {key: reason_text(value) if isinstance(value, str) else value
             for key, value in values.items()}
    try:
        return _(REASONS[code]).format(**shown)
    except (KeyError, IndexError):
        return stored


def to_text(value: Any) -> str | None:
    """The stored text form of a field value (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def row_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity: str,
             entity_id: str | None, field: str | None, old: str | None, new: str | None,
             reason: str | None) -> str:
    """The SHA-256 that links an audit event to the one before it: every field,
    the reason included, and the previous event's hash."""
    payload = json.dumps(
        [prev_hash, seq, at.isoformat(timespec="microseconds"), actor, action, entity,
         entity_id, field, old, new, reason],
        ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Change:
    """One field of one record: from ``old`` to ``new``."""

    entity: str
    entity_id: str | None
    field: str | None
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    first_bad_seq: int | None
    problem: str | None


def _ensure_head(session: Session) -> None:
    """Create the chain head once; two first writers at the same time both succeed."""
    if session.get(Setting, HEAD_KEY) is not None:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(Setting).values(key=HEAD_KEY, value={"seq": 0, "hash": GENESIS})
                    .on_conflict_do_nothing(index_elements=["key"]))


def append(session: Session, actor: Actor | str, action: str, changes: Iterable[Change],
           reason: str | None = None) -> int:
    """Append events for ``changes`` inside the caller's transaction.

    Returns the number of rows written.  Must be called inside a write unit:
    the chain head row is locked (PostgreSQL) or the database is already
    write-locked (SQLite ``BEGIN IMMEDIATE``).
    """
    name = actor.username if isinstance(actor, Actor) else actor
    _ensure_head(session)
    head = session.execute(
        select(Setting).where(Setting.key == HEAD_KEY).with_for_update()
    ).scalar_one()
    seq, prev = int(head.value["seq"]), head.value["hash"]
    at = utcnow()
    rows = []
    for change in changes:
        seq += 1
        old, new = to_text(change.old), to_text(change.new)
        digest = row_hash(prev, seq, at, name, action, change.entity, change.entity_id,
                          change.field, old, new, reason)
        rows.append(dict(seq=seq, at=at, actor=name, action=action, entity=change.entity,
                         entity_id=change.entity_id, field=change.field, old_value=old,
                         new_value=new, reason=reason, prev_hash=prev, hash=digest))
        prev = digest
    if rows:
        session.execute(AuditEvent.__table__.insert(), rows)
        head.value = {"seq": seq, "hash": prev}
    return len(rows)


class AuditTrail:
    def __init__(self, db: Database):
        self._db = db

    def history(self, *, actor: Actor, entity_ids: Sequence[str],
                limit: int = 500) -> list[AuditEntry]:
        """Events about the given records, newest first."""
        require(actor, Permission.VIEW_AUDIT)
        with self._db.read() as s:
            rows = s.execute(
                select(AuditEvent).where(AuditEvent.entity_id.in_(list(entity_ids)))
                .order_by(AuditEvent.seq.desc()).limit(limit)
            ).scalars().all()
            return [_entry(r) for r in rows]

    def recent(self, *, actor: Actor, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` audit events, newest first."""
        require(actor, Permission.VIEW_AUDIT)
        with self._db.read() as s:
            rows = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())
                             .limit(limit)).scalars().all()
            return [_entry(r) for r in rows]

    def verify(self) -> ChainReport:
        """Recompute the whole chain; report the first row that does not fit."""
        with self._db.read() as s:
            head = s.get(Setting, HEAD_KEY)
            expected_prev, expected_seq, count = GENESIS, 0, 0
            result = s.execute(select(AuditEvent).order_by(AuditEvent.seq)
                               .execution_options(yield_per=5000))
            for row in result.scalars():
                count += 1
                expected_seq += 1
                if row.seq != expected_seq:
                    return ChainReport(False, count, expected_seq, "missing")
                if row.prev_hash != expected_prev:
                    return ChainReport(False, count, row.seq, "broken_link")
                digest = row_hash(row.prev_hash, row.seq, row.at, row.actor, row.action,
                                  row.entity, row.entity_id, row.field, row.old_value,
                                  row.new_value, row.reason)
                if digest != row.hash:
                    return ChainReport(False, count, row.seq, "altered")
                expected_prev = row.hash
            head_seq = int(head.value["seq"]) if head else 0
            head_hash = head.value["hash"] if head else GENESIS
            if head_seq != expected_seq or head_hash != expected_prev:
                return ChainReport(False, count, expected_seq + 1 if head_seq > expected_seq
                                   else head_seq, "head_mismatch")
            return ChainReport(True, count, None, None)


def _entry(r: AuditEvent) -> AuditEntry:
    return AuditEntry(r.seq, r.at, r.actor, r.action, r.entity, r.entity_id, r.field,
                      r.old_value, r.new_value, r.reason)
