"""Vulnerable children and who looks after them (issue 17 point 3): orphans with their
guardians, residents willing to be foster sponsors (orang tua asuh) with what they
offer, and the matches the coordinator makes between them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Tracked, UTCDateTime, utcnow, uuid_pk


class Orphan(Tracked, Base):
    """A child of the registry who lost a parent (``core.targeting.OrphanStatus``),
    with the guardian who cares for them: a resident (``guardian_member_id``) or
    someone outside the registry named here."""

    __tablename__ = "orphan"

    id: Mapped[str] = uuid_pk()
    member_id: Mapped[str] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(12))
    guardian_member_id: Mapped[str | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"))
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    guardian_nik: Mapped[str | None] = mapped_column(String(16))
    #: how the guardian is related to the child ("kakek", "paman", "panti asuhan", …)
    guardian_relation: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(64))


class FosterSponsor(Tracked, Base):
    """A resident willing to be a foster sponsor: what they offer (codes of
    ``core.targeting.FosterOffer``, comma-separated) and for how many children."""

    __tablename__ = "foster_sponsor"

    id: Mapped[str] = uuid_pk()
    member_id: Mapped[str] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), unique=True)
    offers: Mapped[str] = mapped_column(String(80))
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(64))


class FosterMatch(Base):
    """A sponsor matched to an orphan by the coordinator, from a day until it ends."""

    __tablename__ = "foster_match"

    id: Mapped[str] = uuid_pk()
    orphan_id: Mapped[str] = mapped_column(ForeignKey("orphan.id", ondelete="CASCADE"),
                                           index=True)
    sponsor_id: Mapped[str] = mapped_column(
        ForeignKey("foster_sponsor.id", ondelete="CASCADE"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    matched_by: Mapped[str] = mapped_column(String(64))
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(String(300))
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_reason: Mapped[str | None] = mapped_column(String(300))
