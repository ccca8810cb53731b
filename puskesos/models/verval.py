"""Verval cycles: households to verify, visit results, proposed corrections, musdes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.codes import CycleStatus, ProposalStatus
from .base import Base, Tracked, UTCDateTime, utcnow, uuid_pk


class VervalCycle(Tracked, Base):
    """One round of verification (e.g. "Verval DTSEN Semester II 2026")."""

    __tablename__ = "verval_cycle"

    id: Mapped[str] = uuid_pk()
    name: Mapped[str] = mapped_column(String(120))
    period: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[date | None] = mapped_column(Date)
    #: "open" while visits are recorded, "closed" after the results were sent
    status: Mapped[str] = mapped_column(String(10), default=CycleStatus.OPEN.value)
    created_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class VervalEntry(Tracked, Base):
    """A household in a cycle, with the visit result and the musdes decision."""

    __tablename__ = "verval_entry"

    id: Mapped[str] = uuid_pk()
    cycle_id: Mapped[str] = mapped_column(ForeignKey("verval_cycle.id"), index=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    #: running number in the cycle (the prelist number on the form)
    seq: Mapped[int] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(String(2))
    officer_id: Mapped[str | None] = mapped_column(ForeignKey("officer.id"))
    visited_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_note: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("cycle_id", "household_id",
                                       name="uq_verval_entry_cycle_household"),)


class VervalMember(Base):
    """What the visit found for one member (or a new member to add)."""

    __tablename__ = "verval_member"

    id: Mapped[str] = uuid_pk()
    entry_id: Mapped[str] = mapped_column(ForeignKey("verval_entry.id"), index=True)
    member_id: Mapped[str | None] = mapped_column(ForeignKey("member.id"))
    result: Mapped[str] = mapped_column(String(2))
    #: for a new member: the name (and NIK when known) as written on the form
    name: Mapped[str | None] = mapped_column(String(120))
    nik: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(300))
    #: a new member: the key of its proposal (VervalProposal.field), see services.verval
    proposal_key: Mapped[str | None] = mapped_column(String(40))
    #: when it was last written (the findings are written again whole at each save;
    #: what an exchange bundle reads by)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 onupdate=utcnow)


class VervalProposal(Base):
    """A correction found at the visit, applied only when the koordinator approves."""

    __tablename__ = "verval_proposal"

    id: Mapped[str] = uuid_pk()
    entry_id: Mapped[str] = mapped_column(ForeignKey("verval_entry.id"), index=True)
    #: "household" or "member"
    target: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=ProposalStatus.DIUSULKAN.value)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(300))
    #: when it was last written (its value changed, or decided)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 onupdate=utcnow)


class Musdes(Tracked, Base):
    """The village deliberation on a cycle's results."""

    __tablename__ = "musdes"

    id: Mapped[str] = uuid_pk()
    cycle_id: Mapped[str] = mapped_column(ForeignKey("verval_cycle.id"), unique=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str | None] = mapped_column(String(300))
    notulen: Mapped[str | None] = mapped_column(String(120))
    ketua_bpd: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    letter_id: Mapped[str | None] = mapped_column(ForeignKey("letter.id"))


class MusdesAttendee(Base):
    __tablename__ = "musdes_attendee"

    id: Mapped[str] = uuid_pk()
    musdes_id: Mapped[str] = mapped_column(ForeignKey("musdes.id"), index=True)
    officer_id: Mapped[str | None] = mapped_column(ForeignKey("officer.id"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str | None] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    #: when it was last written (the list is written again whole at each save)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 onupdate=utcnow)


class PrintLog(Base):
    """Every document the program produced: what, who, when (also in the footer)."""

    __tablename__ = "print_log"

    id: Mapped[str] = uuid_pk()
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(120))
    pages: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
