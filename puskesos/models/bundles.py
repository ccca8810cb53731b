"""Exchange bundles (issue 16): the bundles sent and received, the values last
received of each record from each peer (the common version of the three-way
merge, core/exchange.py) and those sent awaiting their receipt, and the queue of conflicts and proposals waiting for a
person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.codes import QueueStatus
from .base import Base, UTCDateTime, utcnow, uuid_pk


class ExchangeBundle(Base):
    """A bundle this office made (``out``) or received (``in``)."""

    __tablename__ = "exchange_bundle"

    #: the bundle's own UUID (its manifest's ``bundle_id``)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    #: the other office's code (a village's or a kabupaten's)
    peer_code: Mapped[str] = mapped_column(String(13), index=True)
    #: "data" or "receipt"
    kind: Mapped[str] = mapped_column(String(10))
    sequence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    file_name: Mapped[str | None] = mapped_column(String(120))
    #: out: sent / accepted / rejected; in: applied / waiting / refused
    status: Mapped[str] = mapped_column(String(10))
    #: out: the records changed up to this moment are in it (the next incremental
    #: bundle starts here once this one is acknowledged)
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: records per entity, and what the import did (new, changed, queued, …)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the receipt's body (out: as received back; in: as sent)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the sender's audit head as the bundle's signed manifest gave it ("SEQ:HASH";
    #: out: ours when it was made, in: the other office's) — an anchor of its trail
    #: kept outside its database (``db check`` at the sender compares those its
    #: receipts acknowledged; ``bundle list`` shows them at the receiver)
    audit_head: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("direction", "peer_code", "kind", "sequence",
                                       name="uq_exchange_bundle_sequence"),)


class ExchangeBase(Base):
    """The values of one record as last received from one peer: what both sides
    agree on until either changes it."""

    __tablename__ = "exchange_base"

    peer_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: field → value as it travels (JSON)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    bundle_id: Mapped[str] = mapped_column(ForeignKey("exchange_bundle.id"))
    #: the peer's own version of the record as last received: an older one, in a bundle
    #: arriving late, is left as it is
    version: Mapped[int | None] = mapped_column(Integer)


class ExchangeSent(Base):
    """The values of one record as sent in a bundle still waiting for its receipt: once
    the other office acknowledges the bundle they become the common version
    (:class:`ExchangeBase`), so its later changes to fields it owns are taken."""

    __tablename__ = "exchange_sent"

    bundle_id: Mapped[str] = mapped_column(ForeignKey("exchange_bundle.id"),
                                           primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)


class ExchangeQueueItem(Base):
    """One field waiting for a person: a conflict (both sides changed it) or a
    proposal (the sender changed a field this office owns)."""

    __tablename__ = "exchange_queue"

    id: Mapped[str] = uuid_pk()
    bundle_id: Mapped[str] = mapped_column(ForeignKey("exchange_bundle.id"))
    peer_code: Mapped[str] = mapped_column(String(13))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(40))
    #: "conflict" or "proposal"
    kind: Mapped[str] = mapped_column(String(10))
    base: Mapped[Any] = mapped_column(JSON, nullable=True)
    ours: Mapped[Any] = mapped_column(JSON, nullable=True)
    theirs: Mapped[Any] = mapped_column(JSON, nullable=True)
    #: open / ours / theirs (and who chose, when, why)
    status: Mapped[str] = mapped_column(String(10), default=QueueStatus.OPEN.value)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_exchange_queue_open", "status", "peer_code"),)


class ExchangeTombstone(Base):
    """A record removed outright (an import undone) that an office had been sent: the
    next bundle carries its removal, so the other office does not keep it."""

    __tablename__ = "exchange_tombstone"

    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: the village whose family it was (the kabupaten keeps many)
    village: Mapped[str] = mapped_column(String(13))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    removed_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
