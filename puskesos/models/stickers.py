"""House labelling (penempelan stiker): campaigns, the households chosen with their
sticker's serial, what the officers found at each house, and their photos.

A target keeps a copy of what its sticker says (head's name, address, programs)
as it was when chosen, so that a sticker reprinted later says what was put up.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, Float, ForeignKey, Integer, LargeBinary, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Tracked, UTCDateTime, utcnow, uuid_pk


class StickerCampaign(Tracked, Base):
    """One labelling campaign (e.g. "Labelisasi KPM PKH dan BPNT 2026", SK Bupati …)."""

    __tablename__ = "sticker_campaign"

    id: Mapped[str] = uuid_pk()
    #: printed before each serial (STK2026-00012)
    code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    sticker_text: Mapped[str] = mapped_column(Text)
    #: how many stickers an A4 sheet holds (1, 2 or 4)
    per_page: Mapped[int] = mapped_column(Integer, default=4)
    #: who is targeted: program codes and desil (either may be empty)
    programs: Mapped[list | None] = mapped_column(JSON)
    desil: Mapped[list | None] = mapped_column(JSON)
    #: the last serial given (row-locked while targets are added: none skipped or reused)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))

    # a village's codes are its own (the service refuses one twice); the kabupaten
    # keeps every village's campaigns, and two villages may both have STK2026


class StickerTarget(Base):
    """A household chosen for a campaign, with its sticker's serial."""

    __tablename__ = "sticker_target"

    id: Mapped[str] = uuid_pk()
    campaign_id: Mapped[str] = mapped_column(ForeignKey("sticker_campaign.id"), index=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    serial: Mapped[int] = mapped_column(Integer)
    head_name: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(200))
    dusun: Mapped[str | None] = mapped_column(String(80))
    rw: Mapped[str | None] = mapped_column(String(3))
    rt: Mapped[str | None] = mapped_column(String(3))
    #: the programs the household received when it was chosen (names)
    programs: Mapped[list | None] = mapped_column(JSON)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("campaign_id", "serial", name="uq_sticker_target_campaign_serial"),
        UniqueConstraint("campaign_id", "household_id",
                         name="uq_sticker_target_campaign_household"),
    )


class StickerLog(Base):
    """What the officers found at a house on one visit."""

    __tablename__ = "sticker_log"

    id: Mapped[str] = uuid_pk()
    target_id: Mapped[str] = mapped_column(ForeignKey("sticker_target.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    #: when it happened (as the officers say); ``recorded_at`` when it was typed in
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    #: the officers who were there (names from the roster)
    officers: Mapped[list] = mapped_column(JSON)
    witnesses: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    #: the household was found well-off (goes to the next verval cycle)
    well_off: Mapped[bool] = mapped_column(Boolean, default=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: when it was last written (a photo added later gives the visit its place)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 onupdate=utcnow)
    #: the surat pernyataan of a voluntary withdrawal, once printed
    letter_id: Mapped[str | None] = mapped_column(ForeignKey("letter.id"))


class StickerPhoto(Base):
    """A photo of a visit, stored small inside the database; its own time and place
    (from the camera) kept as data, its checksum to recognise a photo imported twice."""

    __tablename__ = "sticker_photo"

    id: Mapped[str] = uuid_pk()
    log_id: Mapped[str] = mapped_column(ForeignKey("sticker_log.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    #: of the original file (a second import of the same photo is recognised)
    original_sha256: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
