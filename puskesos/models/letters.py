"""The letter register: one sequence per letter type and year, without gaps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.codes import LetterStatus
from .base import Base, UTCDateTime, utcnow, uuid_pk


class LetterCounter(Base):
    """The last number given for a letter type in a year (row-locked while numbering)."""

    __tablename__ = "letter_counter"

    letter_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Letter(Base):
    """A number taken from the register: issued here, recorded from outside, or void."""

    __tablename__ = "letter"

    id: Mapped[str] = uuid_pk()
    letter_type: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    number_text: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(200))
    entity: Mapped[str | None] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(36))
    #: True for a letter typed outside the program whose number is recorded here
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    #: "issued" or "void" (a void letter keeps its number, with the reason)
    status: Mapped[str] = mapped_column(String(10), default=LetterStatus.ISSUED.value)
    void_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("letter_type", "year", "number",
                                       name="uq_letter_type_year_number"),)
