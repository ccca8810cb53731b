"""Bundles going out: what the next one to an office holds (everything since the
last one it acknowledged, or everything), cut into parts under a size for email,
each part whole families; the record of what was sent; the receipt an import
answers with, and the receipt coming back marking what was delivered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import delete, select

from ...core.exchange import BY_NAME, ENTITIES, OfficeKind
from ...core.codes import BundleStatus, ReceiptStatus
from ...core.permissions import Permission
from ...errors import InvalidInput
from ...i18n import _
from ...models import ExchangeBase, ExchangeBundle, ExchangeSent, new_id
from ..context import Actor, require
from .records import MEMBER_NAMES, collect_records, content_name, contents, write_lines
from .sync import last_sequence

#: a bundle's records by default stay under this (an email attachment's usual limit)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: how far before the last acknowledged bundle an incremental one reads again
EXPORT_OVERLAP = timedelta(hours=2)


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
    #: the records' JSON Lines (member name → bytes)
    lines: dict[str, bytes]
    counts: dict[str, int]
    #: the records in it, as they travel (entity → records)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)
    #: reads the bytes of its scans and photos (``files/<sha256>`` → bytes)
    files: Callable[[], dict[str, bytes]] = field(default=dict, repr=False, compare=False)

    @property
    def members(self) -> dict[str, bytes]:
        """Every member of the bundle: the records' lines, and the bytes of its scans
        and photos read from the database now — one part's at a time in memory, not
        a village's thousands of photos at once."""
        return {**self.lines, **self.files()}


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
    #: the sender's audit head its manifest carried (ours, for a bundle we sent)
    audit_head: str | None = None


def _sent(row: ExchangeBundle) -> SentBundle:
    return SentBundle(row.id, row.peer_code, row.sequence, row.created_at, row.file_name,
                      row.status, row.counts or {}, row.receipt, row.audit_head)


class OutgoingOps:
    """The outgoing half of :class:`~puskesos.services.exchange.ExchangeService`."""

    def prepare_export(self, *, actor: Actor, peer_code: str, village: str,
                       full: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
                       ) -> list[Outgoing]:
        """The next bundle(s) to ``peer_code`` with ``village``'s records: those
        written since the last bundle it acknowledged (all with ``full``), each part
        under ``max_bytes`` of records, whole families in each.  Nothing is recorded
        until :meth:`record_sent`."""
        require(actor, Permission.EXCHANGE)
        if max_bytes < 64 * 1024:
            raise InvalidInput(_("A bundle of less than 64 KB cannot hold a family; "
                                 "choose a larger size."))
        until = datetime.now(timezone.utc)
        with self._db.read() as s:
            since = None
            if not full:
                # from the latest export acknowledged whole: an export holds everything
                # since the one before it was, so one not acknowledged (lost, refused, a
                # part of it refused — the parts share one moment) is in every later one
                exports: dict = {}
                for status, watermark in s.execute(
                        select(ExchangeBundle.status, ExchangeBundle.watermark)
                        .where(ExchangeBundle.direction == "out",
                               ExchangeBundle.peer_code == peer_code,
                               ExchangeBundle.kind == "data")
                        .order_by(ExchangeBundle.sequence)):
                    exports.setdefault(watermark, []).append(status)
                for watermark, statuses in exports.items():
                    if watermark is not None and all(
                            st == BundleStatus.ACCEPTED.value for st in statuses):
                        # a row stamped before that moment but committed after it (a
                        # long import) is read again: the overlap costs a look, since
                        # what the other office has already is left out below
                        since = watermark - EXPORT_OVERLAP
            last = last_sequence(s, "out", peer_code, "data")
            # what the other office has already (it sent it, or acknowledged it) is left
            # out, except from a full bundle, which holds everything
            skip = None if full else {(b.entity, b.entity_id): b.fields for b in s.scalars(
                select(ExchangeBase).where(ExchangeBase.peer_code == peer_code))}
            # the kabupaten names the village it writes to; a village writes its own
            sender = OfficeKind.KABUPATEN if peer_code == village else OfficeKind.DESA
            records = collect_records(s, village=village, since=since, until=until,
                                      sender=sender, skip=skip)
            groups = _split(records, max_bytes)
        return [Outgoing(new_id(), peer_code, last + i + 1, i + 1, len(groups),
                         full, since, until,
                         {MEMBER_NAMES[name]: lines for name, (_rows, lines) in group.items()},
                         {name: len(rows) for name, (rows, _lines) in group.items()},
                         {name: rows for name, (rows, _lines) in group.items()},
                         self._files_of({name: rows for name, (rows, _l) in group.items()}))
                for i, group in enumerate(groups)]

    def _files_of(self, records: dict[str, list[dict[str, Any]]]
                  ) -> Callable[[], dict[str, bytes]]:
        """What reads the scans and photos of a part's ``records`` when its bundle is
        written; one removed since the part was made stops the export (the parts
        written before it stand; the next export holds the rest)."""
        wanted = {content_name(r["sha256"]) for name, rows in records.items()
                  if BY_NAME[name].content for r in rows if r.get("sha256")}

        def read() -> dict[str, bytes]:
            if not wanted:
                return {}
            with self._db.read() as s:
                found = contents(s, records)
            if wanted - set(found):
                raise InvalidInput(_("A scan or photo was removed while the bundle was "
                                     "being made. Make the bundle again."))
            return found
        return read

    def record_sent(self, *, actor: Actor, outgoing: Outgoing, file_name: str,
                    created_at: datetime, audit_head: str | None = None) -> SentBundle:
        """Keep a bundle written: it waits for its receipt."""
        require(actor, Permission.EXCHANGE)
        with self._db.write() as s:
            row = ExchangeBundle(id=outgoing.bundle_id, direction="out",
                                 peer_code=outgoing.peer_code, kind="data",
                                 sequence=outgoing.sequence, created_at=created_at,
                                 file_name=file_name, status=BundleStatus.SENT.value,
                                 watermark=outgoing.until, actor=actor.username,
                                 audit_head=audit_head,
                                 counts=dict(outgoing.counts, full=outgoing.full,
                                             part=outgoing.part, parts=outgoing.parts))
            s.add(row)
            s.flush()
            # what it carries becomes the common version once it is acknowledged
            sent = [{"bundle_id": row.id, "entity": name, "entity_id": record["id"],
                     "fields": {k: v for k, v in record.items() if k not in ("id", "version")}}
                    for name, rows in outgoing.records.items() for record in rows]
            for start in range(0, len(sent), 1000):
                s.execute(ExchangeSent.__table__.insert(), sent[start:start + 1000])
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

    def received(self, *, actor: Actor, peer_code: str | None = None) -> list[SentBundle]:
        """The data bundles received (from ``peer_code`` only, when given), newest first,
        each with the sender's audit head its signed manifest carried: anchors of the
        sender's trail that an auditor can take to it (``db check --anchor``)."""
        require(actor, Permission.VIEW_AUDIT)
        with self._db.read() as s:
            query = select(ExchangeBundle).where(ExchangeBundle.direction == "in",
                                                 ExchangeBundle.kind == "data")
            if peer_code is not None:
                query = query.where(ExchangeBundle.peer_code == peer_code)
            return [_sent(r) for r in s.scalars(query.order_by(
                ExchangeBundle.peer_code, ExchangeBundle.sequence.desc()))]

    def apply_receipt(self, *, actor: Actor, peer_code: str,
                      body: dict[str, Any]) -> SentBundle:
        """A receipt from ``peer_code``: the bundle it answers is marked accepted (its
        records delivered; the next incremental bundle starts after them) or rejected
        with the reasons.  A receipt for a bundle we did not send it is refused; the
        same receipt again changes nothing."""
        require(actor, Permission.EXCHANGE)
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
                accepted = status != ReceiptStatus.REFUSED.value
                row.status = (BundleStatus.ACCEPTED if accepted
                              else BundleStatus.REJECTED).value
                row.receipt = body
                if accepted:
                    self._agreed(s, row)
                s.execute(delete(ExchangeSent).where(ExchangeSent.bundle_id == row.id))
            return _sent(row)

    @staticmethod
    def _agreed(s, bundle: ExchangeBundle) -> None:
        """The values a bundle acknowledged carried are now the common version."""
        for sent in s.scalars(select(ExchangeSent).where(ExchangeSent.bundle_id == bundle.id)):
            base = s.get(ExchangeBase, (bundle.peer_code, sent.entity, sent.entity_id))
            if base is None:
                s.add(ExchangeBase(peer_code=bundle.peer_code, entity=sent.entity,
                                   entity_id=sent.entity_id, fields=sent.fields,
                                   bundle_id=bundle.id))
            else:
                base.fields = dict(base.fields, **sent.fields)
                base.bundle_id = bundle.id
        s.flush()


def receipt_body(*, bundle_id: str, sequence: int, status: str, counts: dict | None = None,
                 reasons: list[str] | None = None, audit_head: str | None = None
                 ) -> dict[str, Any]:
    """What a receipt tells the sender: its bundle, applied (or already, or refused
    with the reasons), what it did, and the sender's audit head as the receiver saw it."""
    return {"bundle_id": bundle_id, "sequence": sequence, "status": status,
            "counts": counts or {}, "reasons": reasons or [], "audit_head_seen": audit_head}


def _split(records: dict[str, list[dict[str, Any]]], max_bytes: int
           ) -> list[dict[str, tuple[list[dict[str, Any]], bytes]]]:
    """The records cut into parts of at most ``max_bytes`` of JSON Lines and scans
    (a family larger than that alone in its part), each part whole families — a
    household with its members and its program recipients: entity → (records,
    lines) per part."""
    lines = {name: [write_lines([r]) for r in rows] for name, rows in records.items()}

    def weight(name: str, record: dict[str, Any], line: bytes) -> int:
        return len(line) + ((record.get("size") or 0) if BY_NAME[name].content else 0)

    scans = sum(r.get("size") or 0 for name, rows in records.items()
                if BY_NAME[name].content for r in rows)
    if sum(len(x) for rows in lines.values() for x in rows) + scans <= max_bytes:
        return [{name: (records[name], b"".join(lines[name])) for name in records}]
    families: dict[str, dict[str, list]] = {}      # household id → entity → (record, line)
    # a referral goes with its family (or alone, for a person not in the registry), its
    # steps, visits and replies with it; a labelling visit with its house's family; a
    # campaign or a verval cycle goes into every part holding one of its households
    referral_family = {r["id"]: r.get("household_id") or r["id"]
                       for r in records.get("referral", [])}
    target_family = {r["id"]: r["household_id"] for r in records.get("sticker_target", [])}
    log_family = {r["id"]: target_family.get(r["target_id"], r["target_id"])
                  for r in records.get("sticker_log", [])}
    # a visit's findings and proposals go with its household; a musdes and its
    # attendees together, with their cycle
    entry_family = {r["id"]: r["household_id"] for r in records.get("verval_entry", [])}
    musdes_family = {r["id"]: "musdes:" + r["cycle_id"] for r in records.get("musdes", [])}
    shared: dict[str, tuple[str, dict[str, Any], bytes]] = {}
    for spec in ENTITIES:
        for record, line in zip(records.get(spec.name, []), lines.get(spec.name, [])):
            if spec.name in _SHARED:
                shared[record["id"]] = (spec.name, record, line)
                continue
            if spec.name == "household":
                family = record["id"]
            elif spec.parent == "referral":
                family = referral_family.get(record.get("referral_id"),
                                             record.get("referral_id"))
            elif spec.name == "sticker_log":
                family = log_family[record["id"]]
            elif spec.name == "sticker_photo":
                family = log_family.get(record["log_id"], record["log_id"])
            elif spec.parent == "verval_entry":
                family = entry_family.get(record.get("entry_id"), record.get("entry_id"))
            elif spec.name == "musdes":
                family = musdes_family[record["id"]]
            elif spec.name == "musdes_attendee":
                family = musdes_family.get(record.get("musdes_id"), record.get("musdes_id"))
            else:
                family = record.get("household_id") or record["id"]
            families.setdefault(family, {}).setdefault(spec.name, []).append((record, line))
    parts: list[dict[str, list]] = []
    size = max_bytes + 1
    for family in families.values():
        family_size = sum(weight(name, record, line) for name, pairs in family.items()
                          for record, line in pairs)
        if size + family_size > max_bytes:
            parts.append({name: [] for name in records})
            size = 0
        for name, pairs in family.items():
            parts[-1][name].extend(pairs)
        size += family_size
    if not parts:
        parts.append({name: [] for name in records})
    placed: set[str] = set()
    for part in parts:
        wanted = {r[_SHARED_PARENT[name]] for name in _SHARED_PARENT
                  for r, _l in part.get(name, [])}
        for record_id in sorted(wanted & set(shared)):
            name, record, line = shared[record_id]
            part[name].append((record, line))
            placed.add(record_id)
    for record_id in sorted(set(shared) - placed):
        name, record, line = shared[record_id]
        parts[0][name].append((record, line))
    return [{name: ([r for r, _l in pairs], b"".join(line for _r, line in pairs))
             for name, pairs in part.items()} for part in parts]


#: the records that belong to no family but to many (a campaign, a verval cycle)
_SHARED = frozenset({"sticker_campaign", "verval_cycle"})
#: the records naming one of them, and the field that does
_SHARED_PARENT = {"sticker_target": "campaign_id", "verval_entry": "cycle_id",
                  "musdes": "cycle_id"}

__all__ = ["DEFAULT_MAX_BYTES", "Outgoing", "OutgoingOps", "SentBundle", "receipt_body",
           "write_lines"]
