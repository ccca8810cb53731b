"""Bundles going out: what the next one to an office holds (everything since the
last one it acknowledged, or everything), cut into parts under a size for email,
each part whole families; the record of what was sent; the receipt an import
answers with, and the receipt coming back marking what was delivered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select

from ...core.exchange import BY_NAME, ENTITIES
from ...core.codes import BundleStatus, ReceiptStatus
from ...core.permissions import Permission
from ...errors import InvalidInput
from ...i18n import _
from ...models import ExchangeBase, ExchangeBundle
from ..context import Actor, require
from .records import MEMBER_NAMES, collect, read_lines, write_lines

#: a bundle's records by default stay under this (an email attachment's usual limit)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Outgoing:
    """One bundle to write: its id and sequence, the records in it (member name →
    JSON Lines) and how many of each, and up to when records were read."""

    bundle_id: str
    peer_code: str
    sequence: int
    part: int
    parts: int
    full: bool
    since: datetime | None
    until: datetime
    members: dict[str, bytes]
    counts: dict[str, int]


@dataclass(frozen=True)
class SentBundle:
    bundle_id: str
    peer_code: str
    sequence: int
    created_at: datetime
    file_name: str | None
    status: str
    counts: dict[str, Any]
    receipt: dict[str, Any] | None


def _sent(row: ExchangeBundle) -> SentBundle:
    return SentBundle(row.id, row.peer_code, row.sequence, row.created_at, row.file_name,
                      row.status, row.counts or {}, row.receipt)


class OutgoingOps:
    """The outgoing half of :class:`~puskesos.services.exchange.ExchangeService`."""

    def prepare_export(self, *, actor: Actor, peer_code: str, village: str,
                       full: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
                       ) -> list[Outgoing]:
        """The next bundle(s) to ``peer_code`` with ``village``'s records: those
        written since the last bundle it acknowledged (all with ``full``), each part
        under ``max_bytes`` of records, whole families in each.  Nothing is recorded
        until :meth:`record_sent`."""
        require(actor, Permission.EXPORT)
        if max_bytes < 64 * 1024:
            raise InvalidInput(_("A bundle of less than 64 KB cannot hold a family; "
                                 "choose a larger size."))
        until = datetime.now(timezone.utc)
        with self._db.read() as s:
            since = None
            if not full:        # up to the first bundle not acknowledged (or refused)
                for status, watermark in s.execute(
                        select(ExchangeBundle.status, ExchangeBundle.watermark)
                        .where(ExchangeBundle.direction == "out",
                               ExchangeBundle.peer_code == peer_code,
                               ExchangeBundle.kind == "data")
                        .order_by(ExchangeBundle.sequence)):
                    if status != BundleStatus.ACCEPTED.value:
                        break
                    since = watermark
            last = s.scalar(select(func.max(ExchangeBundle.sequence)).where(
                ExchangeBundle.direction == "out", ExchangeBundle.peer_code == peer_code,
                ExchangeBundle.kind == "data")) or 0
            skip = {(b.entity, b.entity_id): b.fields for b in s.scalars(
                select(ExchangeBase).where(ExchangeBase.peer_code == peer_code))}
            members, _counts = collect(s, village=village, since=since, until=until,
                                       skip=skip)
        groups = _split(members, max_bytes)
        return [Outgoing(str(uuid.uuid4()), peer_code, last + i + 1, i + 1, len(groups),
                         full, since, until, group,
                         {spec.name: group[MEMBER_NAMES[spec.name]].count(b"\n")
                          for spec in ENTITIES})
                for i, group in enumerate(groups)]

    def record_sent(self, *, actor: Actor, outgoing: Outgoing, file_name: str,
                    created_at: datetime) -> SentBundle:
        """Keep a bundle written: it waits for its receipt."""
        require(actor, Permission.EXPORT)
        with self._db.write() as s:
            row = ExchangeBundle(id=outgoing.bundle_id, direction="out",
                                 peer_code=outgoing.peer_code, kind="data",
                                 sequence=outgoing.sequence, created_at=created_at,
                                 file_name=file_name, status=BundleStatus.SENT.value,
                                 watermark=outgoing.until, actor=actor.username,
                                 counts=dict(outgoing.counts, full=outgoing.full,
                                             part=outgoing.part, parts=outgoing.parts))
            s.add(row)
            s.flush()
            return _sent(row)

    def sent(self, *, actor: Actor, unacknowledged: bool = False) -> list[SentBundle]:
        """The bundles sent, newest first (only those without a receipt yet)."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            query = select(ExchangeBundle).where(ExchangeBundle.direction == "out")
            if unacknowledged:
                query = query.where(ExchangeBundle.status == BundleStatus.SENT.value)
            return [_sent(r) for r in s.scalars(query.order_by(
                ExchangeBundle.created_at.desc(), ExchangeBundle.sequence.desc()))]

    def apply_receipt(self, *, actor: Actor, peer_code: str,
                      body: dict[str, Any]) -> SentBundle:
        """A receipt from ``peer_code``: the bundle it answers is marked accepted (its
        records delivered; the next incremental bundle starts after them) or rejected
        with the reasons.  A receipt for a bundle we did not send it is refused; the
        same receipt again changes nothing."""
        require(actor, Permission.EXPORT)
        bundle_id, status = body.get("bundle_id"), body.get("status")
        if not isinstance(bundle_id, str) or status not in {s.value for s in ReceiptStatus}:
            raise InvalidInput(_("The receipt is not one this program can read. Nothing "
                                 "was changed."))
        with self._db.write() as s:
            row = s.get(ExchangeBundle, bundle_id)
            if row is None or row.direction != "out" or row.peer_code != peer_code:
                raise InvalidInput(_("The receipt answers a bundle this office did not "
                                     "send to {peer}. Nothing was changed.").format(
                    peer=peer_code))
            if row.status == BundleStatus.SENT.value:
                row.status = (BundleStatus.REJECTED if status == ReceiptStatus.REFUSED.value
                              else BundleStatus.ACCEPTED).value
                row.receipt = body
            return _sent(row)


def receipt_body(*, bundle_id: str, sequence: int, status: str, counts: dict | None = None,
                 reasons: list[str] | None = None, audit_head: str | None = None
                 ) -> dict[str, Any]:
    """What a receipt tells the sender: its bundle, applied (or already, or refused
    with the reasons), what it did, and the sender's audit head as the receiver saw it."""
    return {"bundle_id": bundle_id, "sequence": sequence, "status": status,
            "counts": counts or {}, "reasons": reasons or [], "audit_head_seen": audit_head}


def _split(members: dict[str, bytes], max_bytes: int) -> list[dict[str, bytes]]:
    """The records cut into parts of at most ``max_bytes`` (a family larger than that
    alone in its part), each part whole families: a household with its members and
    its program recipients."""
    if sum(len(v) for v in members.values()) <= max_bytes:
        return [members]
    lines: dict[str, dict[str, list[bytes]]] = {}      # household id → entity → lines
    for spec in ENTITIES:
        data = members[MEMBER_NAMES[spec.name]]
        for (record_id, _version, values), raw in zip(read_lines(BY_NAME[spec.name], data),
                                                      (x for x in data.splitlines() if x)):
            family = record_id if spec.name == "household" else values.get("household_id")
            lines.setdefault(family, {}).setdefault(spec.name, []).append(raw + b"\n")
    parts: list[dict[str, list[bytes]]] = []
    size = max_bytes + 1
    for family in lines.values():
        family_size = sum(len(x) for rows in family.values() for x in rows)
        if size + family_size > max_bytes:
            parts.append({spec.name: [] for spec in ENTITIES})
            size = 0
        for name, rows in family.items():
            parts[-1][name].extend(rows)
        size += family_size
    return [{MEMBER_NAMES[name]: b"".join(rows) for name, rows in part.items()}
            for part in parts]


__all__ = ["DEFAULT_MAX_BYTES", "Outgoing", "OutgoingOps", "SentBundle", "receipt_body",
           "write_lines"]
