"""Households (keluarga), members (anggota keluarga) and regions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Tracked, uuid_pk


class Region(Base):
    """A Kemendagri region this database works with (the village and its parents,
    or at the kabupaten every village that sent data)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))


class Household(Tracked, Base):
    """A family (keluarga) as registered in DTSEN, keyed by an internal UUID:
    the No KK changes when a family moves, splits or loses its head."""

    __tablename__ = "household"

    id: Mapped[str] = uuid_pk()
    no_kk: Mapped[str | None] = mapped_column(String(16), index=True)
    dtsen_id: Mapped[str | None] = mapped_column(String(40), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    dusun: Mapped[str | None] = mapped_column(String(80))
    rw: Mapped[str | None] = mapped_column(String(3))
    rt: Mapped[str | None] = mapped_column(String(3))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    family_status: Mapped[str | None] = mapped_column(String(2))
    # Perumahan (block 3); codes from puskesos.core.codes
    building_ownership: Mapped[str | None] = mapped_column(String(2))
    land_proof: Mapped[str | None] = mapped_column(String(2))
    floor_area: Mapped[float | None] = mapped_column(Float)
    floor: Mapped[str | None] = mapped_column(String(2))
    wall: Mapped[str | None] = mapped_column(String(2))
    roof: Mapped[str | None] = mapped_column(String(2))
    drinking_water: Mapped[str | None] = mapped_column(String(2))
    septic_distance: Mapped[str | None] = mapped_column(String(2))
    lighting: Mapped[str | None] = mapped_column(String(2))
    power_capacity: Mapped[str | None] = mapped_column(String(2))
    cooking_fuel: Mapped[str | None] = mapped_column(String(2))
    toilet_facility: Mapped[str | None] = mapped_column(String(2))
    toilet_type: Mapped[str | None] = mapped_column(String(2))
    sewage_disposal: Mapped[str | None] = mapped_column(String(2))
    # DTSEN questions of core.questions (205, 206, 503, 505, 506)
    enumeration_result: Mapped[str | None] = mapped_column(String(2))
    poverty_status: Mapped[str | None] = mapped_column(String(2))
    land_area: Mapped[float | None] = mapped_column(Float)
    internet: Mapped[str | None] = mapped_column(String(2))
    bank_account: Mapped[str | None] = mapped_column(String(2))
    #: asset code -> true/false, livestock code -> count (block 5)
    assets: Mapped[dict | None] = mapped_column(JSON)
    # Imported, read-only facts owned by BPS/Kemensos
    desil: Mapped[int | None] = mapped_column(Integer, index=True)
    desil_period: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    #: lower-case names, NIKs, No KK and address of the household, kept by the
    #: services, so that a search is one scan of one table (see households.py)
    search_text: Mapped[str | None] = mapped_column(Text)
    #: the import batch that created the household (undoing it deletes the household)
    import_batch_id: Mapped[str | None] = mapped_column(String(36))

    members: Mapped[list["Member"]] = relationship(
        back_populates="household", order_by="Member.sort_order"
    )

    __table_args__ = (Index("ix_household_area", "dusun", "rw", "rt"),)


class Member(Tracked, Base):
    """A person in a household (anggota keluarga)."""

    __tablename__ = "member"

    id: Mapped[str] = uuid_pk()
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))
    birth_place: Mapped[str | None] = mapped_column(String(80))
    birth_date: Mapped[date | None] = mapped_column(Date)
    relationship_code: Mapped[str] = mapped_column(String(2))
    marital_status: Mapped[str | None] = mapped_column(String(2))
    religion: Mapped[str | None] = mapped_column(String(2))
    school_attendance: Mapped[str | None] = mapped_column(String(2))
    education_level: Mapped[str | None] = mapped_column(String(2))
    work_status: Mapped[str | None] = mapped_column(String(2))
    occupation: Mapped[str | None] = mapped_column(String(80))
    disability: Mapped[str | None] = mapped_column(String(2))
    chronic_illness: Mapped[str | None] = mapped_column(String(2))
    pregnant: Mapped[bool | None] = mapped_column(Boolean)
    presence: Mapped[str] = mapped_column(String(2), default="1")
    presence_date: Mapped[date | None] = mapped_column(Date)
    presence_note: Mapped[str | None] = mapped_column(String(300))
    # DTSEN questions of core.questions (411–431f)
    documents: Mapped[str | None] = mapped_column(String(2))
    highest_grade: Mapped[int | None] = mapped_column(Integer)
    work_field: Mapped[str | None] = mapped_column(String(2))
    has_npwp: Mapped[str | None] = mapped_column(String(2))
    business_count: Mapped[int | None] = mapped_column(Integer)
    business_field: Mapped[str | None] = mapped_column(String(2))
    paid_workers: Mapped[int | None] = mapped_column(Integer)
    unpaid_workers: Mapped[int | None] = mapped_column(Integer)
    business_licence: Mapped[str | None] = mapped_column(String(2))
    business_turnover: Mapped[str | None] = mapped_column(String(2))
    business_internet: Mapped[str | None] = mapped_column(String(2))
    nutrition: Mapped[str | None] = mapped_column(String(2))
    difficulty_seeing: Mapped[str | None] = mapped_column(String(2))
    difficulty_hearing: Mapped[str | None] = mapped_column(String(2))
    difficulty_walking: Mapped[str | None] = mapped_column(String(2))
    difficulty_hands: Mapped[str | None] = mapped_column(String(2))
    difficulty_learning: Mapped[str | None] = mapped_column(String(2))
    difficulty_behaviour: Mapped[str | None] = mapped_column(String(2))
    difficulty_speaking: Mapped[str | None] = mapped_column(String(2))
    difficulty_self_care: Mapped[str | None] = mapped_column(String(2))
    difficulty_remembering: Mapped[str | None] = mapped_column(String(2))
    sadness: Mapped[str | None] = mapped_column(String(2))
    has_caregiver: Mapped[str | None] = mapped_column(String(2))
    health_insurance: Mapped[str | None] = mapped_column(String(2))
    prakerja: Mapped[str | None] = mapped_column(String(2))
    kur: Mapped[str | None] = mapped_column(String(2))
    umi: Mapped[str | None] = mapped_column(String(2))
    pip: Mapped[str | None] = mapped_column(String(2))
    employment_insurance: Mapped[str | None] = mapped_column(String(2))
    #: the import batch that created the member (undoing it deletes the member)
    import_batch_id: Mapped[str | None] = mapped_column(String(36))

    household: Mapped[Household] = relationship(back_populates="members")

