"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class AuditEvent(Base):
    """One change of one field (or one event such as a login).

    ``seq`` is assigned by the audit service from the chain head, not by a
    database sequence, so a gap means a removed row.  ``hash`` covers every
    other column and the previous row's hash.
    """

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(36), index=True)
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class RecordSeal(Base):
    """A household's or member's content as the program last wrote it: a keyed
    digest of its columns (``puskesos.db.seals``), written in the same transaction
    as the audit entries of that write, so ``db check`` finds a row changed, added
    or removed behind the program."""

    __tablename__ = "record_seal"
    #: on SQLite the rows are kept in the key's own tree (one tree to write, not two:
    #: the import writes one seal per new row)
    __table_args__ = {"sqlite_with_rowid": False}

    entity_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(10))
    digest: Mapped[str] = mapped_column(String(32))
