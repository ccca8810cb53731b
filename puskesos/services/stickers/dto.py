"""What the sticker service hands out: frozen records, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Campaign:
    id: str
    code: str
    name: str
    legal_basis: str | None
    starts_on: date | None
    ends_on: date | None
    sticker_text: str
    per_page: int
    programs: tuple[str, ...]
    desil: tuple[int, ...]
    targets: int
    version: int


@dataclass(frozen=True)
class TargetRow:
    """A household of a campaign, with its serial and where it stands."""

    id: str
    household_id: str
    serial: int
    serial_text: str
    head_name: str | None
    address: str | None
    dusun: str | None
    rw: str | None
    rt: str | None
    programs: tuple[str, ...]
    #: the latest outcome (None: not visited yet) and when it happened
    outcome: str | None
    outcome_at: datetime | None
    well_off: bool
    visits: int


@dataclass(frozen=True)
class LogRow:
    id: str
    target_id: str
    outcome: str
    at: datetime
    recorded_at: datetime
    actor: str
    officers: tuple[str, ...]
    witnesses: str | None
    note: str | None
    well_off: bool
    latitude: float | None
    longitude: float | None
    photos: int


@dataclass(frozen=True)
class VervalSignal:
    """Why the labelling sends a household to the next verval cycle and the musdes:
    its latest visit in a campaign (a refusal, a withdrawal, a family found well-off)."""

    campaign_id: str
    campaign_name: str
    #: the household in that campaign: its serial and where it stands
    target: TargetRow
    #: the visit that counts (the latest)
    visit: LogRow

    @property
    def household_id(self) -> str:
        return self.target.household_id
