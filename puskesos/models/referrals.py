"""Referrals (rujukan): a resident's request, its steps, home visits and attachments.

A referral keeps its own copy of who the person is (name, NIK, address, dusun)
as it was at intake: the person may not be in the registry, a member may later
move or die, and a letter once sent must be reprinted as it was.  ``id`` and
``tracking_code`` are stable, ``village_code`` says whose it is, and every step
is an event with its own id: what an exchange bundle needs to carry a referral
to the kabupaten and bring the service's reply back (issue 16).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Date, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from ..core.codes import ReferralStatus
from .base import Base, Tracked, UTCDateTime, utcnow, uuid_pk


class Referral(Tracked, Base):
    """One request of one person, from intake to its close."""

    __tablename__ = "referral"

    id: Mapped[str] = uuid_pk()
    tracking_code: Mapped[str] = mapped_column(String(16))
    village_code: Mapped[str] = mapped_column(String(13))
    status: Mapped[str] = mapped_column(String(20), default=ReferralStatus.DRAFT.value,
                                        index=True)
    # who: a member of the registry, or a person who is not in it
    member_id: Mapped[str | None] = mapped_column(ForeignKey("member.id"), index=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("household.id"))
    person_name: Mapped[str] = mapped_column(String(120))
    person_nik: Mapped[str | None] = mapped_column(String(16), index=True)
    nik_absent_reason: Mapped[str | None] = mapped_column(String(300))
    person_birth_date: Mapped[date | None] = mapped_column(Date)
    person_address: Mapped[str | None] = mapped_column(String(200))
    dusun: Mapped[str | None] = mapped_column(String(80))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(20))
    # what
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    received_on: Mapped[date] = mapped_column(Date)
    received_by: Mapped[str] = mapped_column(String(64))
    # handled in the village
    action_taken: Mapped[str | None] = mapped_column(Text)
    # referred
    target_service: Mapped[str | None] = mapped_column(String(120))
    service_requested: Mapped[str | None] = mapped_column(Text)
    #: the documents asked for, each {"name": …, "present": bool}
    documents: Mapped[list | None] = mapped_column(JSON)
    letter_id: Mapped[str | None] = mapped_column(ForeignKey("letter.id"))
    #: what the surat rujukan said when it was first printed (a reprint says the same)
    letter_snapshot: Mapped[dict | None] = mapped_column(JSON)
    # the service's reply (on paper now, from a bundle later)
    reply_reference: Mapped[str | None] = mapped_column(String(120))
    reply_note: Mapped[str | None] = mapped_column(Text)
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("tracking_code", name="uq_referral_tracking_code"),)


class ReferralEvent(Base):
    """A step of a referral: from one status to another, when, by whom, why."""

    __tablename__ = "referral_event"

    id: Mapped[str] = uuid_pk()
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    #: the day it happened, as the user says (a reply on paper arrives later)
    on_date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    #: "manual" (the window or a command) or "bundle" (a reply imported, issue 16)
    source: Mapped[str] = mapped_column(String(10), default="manual")


class ReferralVisit(Base):
    """A home visit made to follow a referral up."""

    __tablename__ = "referral_visit"

    id: Mapped[str] = uuid_pk()
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    visitor: Mapped[str] = mapped_column(String(120))
    findings: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))


class ReferralAttachment(Base):
    """A scan or photo kept inside the database (so it travels with backups and
    bundles): images downscaled, PDFs as they were, with their checksum."""

    __tablename__ = "referral_attachment"

    id: Mapped[str] = uuid_pk()
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))


class ReferralReply(Base):
    """A service's reply recorded at the kabupaten (``referral reply``), travelling
    to the village in the kabupaten's next bundle; there the flow's reply rule moves
    the referral (issue 16).  The village keeps the reply too, with what it did."""

    __tablename__ = "referral_reply"

    id: Mapped[str] = uuid_pk()
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    #: the status the reply brings (a ReferralStatus of the reply path)
    outcome: Mapped[str] = mapped_column(String(20))
    on_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # at the village, where it arrived: when it was applied, or why it could not be
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_applied: Mapped[str | None] = mapped_column(String(300))
