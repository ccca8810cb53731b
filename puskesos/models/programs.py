"""Aid programs and who takes part in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.codes import ParticipationStatus
from .base import Base, Tracked, UTCDateTime, utcnow, uuid_pk


class Program(Base):
    __tablename__ = "program"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: "keluarga" or "individu"
    target: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: who funds it (``core.targeting.ProgramSource``)
    source: Mapped[str] = mapped_column(String(15), default="nasional")
    #: what it does for a family (``core.targeting.ProgramKind``)
    kind: Mapped[str] = mapped_column(String(15), default="beban")
    #: the highest desil it is for (None: any)
    desil_ceiling: Mapped[int | None] = mapped_column(Integer)
    #: the periods it runs in, as the lists state them ("2026", "2026-Q1…Q4")
    periods: Mapped[str | None] = mapped_column(String(120))


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


class UnregisteredRecipient(Base):
    """A recipient on a program's list (BNBA) who is not in the village's registry:
    kept, never dropped, and flagged (Program & Sasaran) until the family is
    registered; undoing the list's import removes it."""

    __tablename__ = "unregistered_recipient"

    id: Mapped[str] = uuid_pk()
    program_code: Mapped[str] = mapped_column(ForeignKey("program.code"))
    period: Mapped[str | None] = mapped_column(String(20))
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    no_kk: Mapped[str | None] = mapped_column(String(16))
    import_batch_id: Mapped[str | None] = mapped_column(ForeignKey("import_batch.id"),
                                                        index=True)
    #: the line of the list it came from
    line: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FlagDismissal(Base):
    """A flag a person looked at and set aside, with why (also in the audit trail):
    the same flag (kind, person or family, program) is not shown again."""

    __tablename__ = "flag_dismissal"

    id: Mapped[str] = uuid_pk()
    kind: Mapped[str] = mapped_column(String(30))
    #: the family the flag is about (None: a recipient not in the registry), and the
    #: member concerned ("" for none; the unregistered recipient's id for such one)
    household_id: Mapped[str | None] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), index=True)   # (an undone import)
    member_id: Mapped[str] = mapped_column(String(36), default="")
    #: the program it is about ("" for none)
    program_code: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(String(300))
    dismissed_by: Mapped[str] = mapped_column(String(64))
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "household_id", "member_id", "program_code",
                                       name="uq_flag_dismissal_flag"),)
