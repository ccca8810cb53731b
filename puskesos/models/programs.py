"""Aid programs and who takes part in them."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.codes import ParticipationStatus
from .base import Base, Tracked, uuid_pk


class Program(Base):
    __tablename__ = "program"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: "keluarga" or "individu"
    target: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Participation(Tracked, Base):
    """One household (or one member) receiving one program in one period."""

    __tablename__ = "participation"

    id: Mapped[str] = uuid_pk()
    program_code: Mapped[str] = mapped_column(ForeignKey("program.code"))
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    member_id: Mapped[str | None] = mapped_column(ForeignKey("member.id"))
    #: "2025", "2025-Q3" or "2025-09": whatever the source list states
    period: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=ParticipationStatus.AKTIF.value)
    note: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_participation_program", "program_code", "period"),)
