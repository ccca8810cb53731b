"""The audit trail: who changed what, when, from which value to which, and why.

Rows are only ever appended.  Each row's hash covers its content and the
previous row's hash, and the chain head (last seq and hash) is kept in the
``setting`` table in the same transaction, so an edited, removed or
appended-by-hand row is found by :meth:`AuditTrail.verify`.

The hash is keyed (HMAC-SHA-256) with a secret made once per database and
kept in it (``audit_key``): without the secret a rewritten history cannot be
hashed again so that it fits.  Events written before the key existed (by an
older version) keep their plain SHA-256; the key says from which event on it
applies.  The key protects against a reader of the file once the database is
encrypted at rest; until then, and against anyone who can run the program,
the **anchor** does: the head (seq and the start of its hash) printed on the
berita acara and carried out of the database, which
:meth:`AuditTrail.verify` compares with the history as it is now.  A history
rewritten, cut short or wiped behind an anchor no longer fits it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.permissions import Permission
from ..db import seals
from ..db.engine import Database
from ..i18n import N_, _
from ..models import AuditEvent, Household, Setting, utcnow
from .context import Actor, require

HEAD_KEY = "audit_head"
KEY_KEY = "audit_key"
GENESIS = "0" * 64
#: an anchor names the head's hash by at least this many hex digits (64 bits)
ANCHOR_DIGITS = 16


# ---------------------------------------------------------------- reasons
#: the reasons the program gives itself, by code: stored as the code and its values
#: (``@demo {"seed": 1}``) and told in the reader's language when shown, so a change
#: of language neither leaves them in the language of the day they were written nor
#: makes them unknown to the code that looks for them
REASONS = {
    "demo": N_("demo data (seed {seed})"),
    "bundle": N_("bundle {sequence} from {source}"),
    "queue_theirs": N_("the value of {source} taken from the exchange queue"),
    "queue_ours": N_("our value kept against {source}'s in the exchange queue"),
    "verval_approved": N_("verval correction approved"),
    "warnings_accepted": N_("warnings accepted: {accepted}"),
    "reason_warnings_accepted": N_("{reason} (warnings accepted: {accepted})"),
    "attempt_before_open": N_("wrong password at {at}, before the encrypted database "
                              "was opened"),
    "locked_before_open": N_("wrong password at {at}, before the encrypted database was "
                             "opened: locked"),
    "encrypted": N_("the database file was encrypted (it was a plain file)"),
    "referral_reply": N_("the service's reply: {status}"),
    "referral_visit": N_("home visit for referral {tracking}"),
    "referral_reply_sent": N_("the service's reply to referral {tracking}, to send to "
                              "the village"),
    "referral_services": N_("the services referrals go to"),
    "key_replaced_signed": N_("the office made new exchange keys; its old key signed them"),
    "seal_baseline": N_("the registry's content sealed as it was at the upgrade; changes "
                        "made to it before cannot be checked"),
}
#: the actor of what the program does by itself (the seals of an upgrade)
SYSTEM_ACTOR = "system"
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
             reason: str | None, key: bytes | None = None) -> str:
    """The hash that links an audit event to the one before it: every field, the
    reason included, and the previous event's hash; keyed with ``key`` (HMAC-SHA-256)
    when the event is from after the database's key was made."""
    payload = json.dumps(
        [prev_hash, seq, at.isoformat(timespec="microseconds"), actor, action, entity,
         entity_id, field, old, new, reason],
        ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Anchor:
    """The head of the trail at one moment: its last event and that event's hash."""

    seq: int
    hash: str

    @property
    def text(self) -> str:
        """The form printed on paper and typed back (``1234:9f3a1c2b7d4e5f60``)."""
        return f"{self.seq}:{self.hash[:ANCHOR_DIGITS]}"

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        """An anchor as printed; refused with what it should look like."""
        from ..errors import InvalidInput
        from ..i18n import _
        found = re.fullmatch(r"\s*#?(\d{1,12})\s*[:·]\s*([0-9a-fA-F]{%d,64})\s*" % ANCHOR_DIGITS,
                             text or "")
        if not found:
            raise InvalidInput(_(
                "\"{text}\" is not an audit anchor. Type it as printed at the foot of the berita "
                "acara: the entry number, a colon and at least {digits} letters and digits of "
                "its hash, e.g. 1234:9f3a1c2b7d4e5f60.").format(text=text, digits=ANCHOR_DIGITS))
        return cls(int(found.group(1)), found.group(2).lower())


def head(session: Session) -> Anchor:
    """The trail's head as it is in ``session`` (seq 0 and the genesis hash when empty)."""
    row = session.get(Setting, HEAD_KEY)
    if row is None:
        return Anchor(0, GENESIS)
    return Anchor(int(row.value["seq"]), row.value["hash"])


def _key(session: Session) -> tuple[bytes, int] | None:
    """The database's audit key and the first event it applies to (None: not made yet)."""
    row = session.get(Setting, KEY_KEY)
    if row is None:
        return None
    return bytes.fromhex(row.value["key"]), int(row.value["from_seq"])


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

    def describe(self) -> str:
        """What is wrong, in the user's words (empty when the trail is whole)."""
        from ..i18n import _
        if self.ok:
            return ""
        where = self.first_bad_seq
        texts = {
            "missing": _("entry {seq} is missing from the audit trail"),
            "broken_link": _("entry {seq} of the audit trail is no longer linked to the "
                             "entry before it"),
            "altered": _("entry {seq} of the audit trail was changed after it was written"),
            "head_mismatch": _("the end of the audit trail does not match its recorded "
                               "last entry (near entry {seq})"),
            "cut_short": _("the audit trail was cut short: it ends before entry {seq}, "
                           "which it once held"),
            "wiped": _("the audit trail was emptied although the village has households"),
            "key_missing": _("the audit trail's key was removed from the database"),
            "anchor_mismatch": _("the audit trail no longer holds entry {seq} as it was "
                                 "anchored (printed): the history up to it was rewritten, "
                                 "cut short or wiped"),
        }
        return texts.get(self.problem or "", _("the audit trail does not verify (near "
                                               "entry {seq})")).format(seq=where)


def _insert_once(session: Session, key: str, value: dict) -> None:
    """Insert a setting unless it exists; two first writers at the same time both succeed."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(Setting).values(key=key, value=value)
                    .on_conflict_do_nothing(index_elements=["key"]))


def _ensure_head(session: Session) -> None:
    """Create the chain head and the key once."""
    if session.get(Setting, HEAD_KEY) is None:
        _insert_once(session, HEAD_KEY, {"seq": 0, "hash": GENESIS})


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
    keyed = _key(session)
    if keyed is None:                      # the first event since the key exists
        _insert_once(session, KEY_KEY, {"key": secrets.token_hex(32), "from_seq": seq + 1})
        keyed = _key(session)
    key, from_seq = keyed
    at = utcnow()
    rows = []
    for change in changes:
        seq += 1
        old, new = to_text(change.old), to_text(change.new)
        digest = row_hash(prev, seq, at, name, action, change.entity, change.entity_id,
                          change.field, old, new, reason, key if seq >= from_seq else None)
        rows.append(dict(seq=seq, at=at, actor=name, action=action, entity=change.entity,
                         entity_id=change.entity_id, field=change.field, old_value=old,
                         new_value=new, reason=reason, prev_hash=prev, hash=digest))
        prev = digest
    if rows:
        session.execute(AuditEvent.__table__.insert(), rows)
        head.value = {"seq": seq, "hash": prev}
        for row in rows:       # sealed as they are when the write commits
            seals.touch(session, row["entity"], (row["entity_id"],))
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

    def anchor(self) -> Anchor:
        """The head of the trail now, to be kept outside the database (printed on the
        berita acara) and given back to :meth:`verify`."""
        with self._db.read() as s:
            return head(s)

    def verify(self, anchors: Sequence[Anchor] = ()) -> ChainReport:
        """Recompute the whole chain; report the first row that does not fit, and any
        anchor that the history as it is now does not hold."""
        report = self._verify_chain()
        if not report.ok:
            return report
        with self._db.read() as s:
            for anchor in sorted(anchors, key=lambda a: a.seq):
                if anchor.seq == 0:
                    continue
                row = s.get(AuditEvent, anchor.seq)
                if row is None or not row.hash.startswith(anchor.hash.lower()):
                    return ChainReport(False, report.rows, anchor.seq, "anchor_mismatch")
        return report

    def _verify_chain(self) -> ChainReport:
        with self._db.read() as s:
            head = s.get(Setting, HEAD_KEY)
            keyed = _key(s)
            if keyed is None:      # made by the schema upgrade (0009): removed since
                return ChainReport(False, 0, None, "key_missing")
            key, from_seq = keyed
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
                                  row.new_value, row.reason,
                                  key if row.seq >= from_seq else None)
                if digest != row.hash:
                    return ChainReport(False, count, row.seq, "altered")
                expected_prev = row.hash
            head_seq = int(head.value["seq"]) if head else 0
            head_hash = head.value["hash"] if head else GENESIS
            if head_seq != expected_seq or head_hash != expected_prev:
                return ChainReport(False, count, expected_seq + 1 if head_seq > expected_seq
                                   else head_seq, "head_mismatch")
            if expected_seq < from_seq - 1:
                # the key was made when the trail had from_seq - 1 entries: it never
                # gets shorter, so its end was cut off (and the head moved back)
                return ChainReport(False, count, expected_seq + 1, "cut_short")
            if count == 0 and s.execute(select(Household.id).limit(1)).first() is not None:
                # every household was written with an entry: the trail was wiped
                return ChainReport(False, 0, None, "wiped")
            return ChainReport(True, count, None, None)


def _entry(r: AuditEvent) -> AuditEntry:
    return AuditEntry(r.seq, r.at, r.actor, r.action, r.entity, r.entity_id, r.field,
                      r.old_value, r.new_value, r.reason)
