"""Spreadsheet imports: one batch per import, with what each row changed (for undo)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.codes import ImportStatus
from .base import Base, UTCDateTime, utcnow, uuid_pk


class ImportBatch(Base):
    __tablename__ = "import_batch"

    id: Mapped[str] = uuid_pk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(260))
    source_sha256: Mapped[str] = mapped_column(String(64))
    #: "registry" (households and members) or "bnba" (program participation)
    kind: Mapped[str] = mapped_column(String(10))
    program_code: Mapped[str | None] = mapped_column(String(20))
    period: Mapped[str | None] = mapped_column(String(20))
    counts: Mapped[dict] = mapped_column(JSON)
    #: "applied" or "undone"
    status: Mapped[str] = mapped_column(String(10), default=ImportStatus.APPLIED.value)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(64))


class ImportChange(Base):
    """One record an import inserted or updated, with its values before and after."""

    __tablename__ = "import_change"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("import_batch.id"), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(10))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
