"""What the referral service hands out: frozen records, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ...i18n import _


@dataclass(frozen=True)
class PersonChoice:
    """A member found at intake (search by name or NIK)."""

    member_id: str
    household_id: str
    name: str
    nik: str | None
    birth_date: date | None
    no_kk: str | None
    address: str | None
    dusun: str | None
    rt: str | None
    rw: str | None


@dataclass(frozen=True)
class ReferralRow:
    """One line of the referral list."""

    id: str
    tracking_code: str
    status: str
    category: str
    urgency: str
    person_name: str
    person_nik: str | None
    dusun: str | None
    received_on: date
    target_service: str | None
    follow_up_on: date | None
    overdue: bool
    letter_number: str | None


@dataclass(frozen=True)
class PersonContext:
    """What the window shows about the person at intake: the household, its DTSEN
    status and desil, its current programs, and earlier referrals of the person."""

    member_id: str | None
    name: str
    nik: str | None
    household_id: str | None
    no_kk: str | None
    address: str | None
    in_dtsen: bool
    dtsen_id: str | None
    desil: int | None
    members: tuple[str, ...]
    programs: tuple[str, ...]
    earlier: tuple[ReferralRow, ...]


@dataclass(frozen=True)
class EventRow:
    id: str
    from_status: str | None
    to_status: str
    on_date: date
    recorded_at: datetime
    actor: str
    note: str | None
    source: str


@dataclass(frozen=True)
class VisitRow:
    id: str
    visited_on: date
    visitor: str
    findings: str
    actor: str


@dataclass(frozen=True)
class AttachmentRow:
    id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    added_at: datetime
    actor: str


@dataclass(frozen=True)
class ReplyRow:
    """A service's reply that travels by bundle: recorded at the kabupaten (waiting to
    be sent, or sent), and at the village when it was applied or why it could not be."""

    id: str
    outcome: str
    on_date: date
    reference: str | None
    note: str | None
    actor: str
    recorded_at: datetime
    applied_at: datetime | None
    not_applied: str | None
    #: at the kabupaten: "waiting" (for the next bundle), "sent" (no receipt yet) or
    #: "delivered" (the village acknowledged the bundle that carried it)
    delivery: str = "waiting"

    def state_text(self) -> str:
        """Where the reply stands, as a person reads it: at the village, applied or
        why not; at the kabupaten, waiting for a bundle, sent or delivered."""
        if self.applied_at:
            return _("applied")
        if self.not_applied:
            return _("not applied: {why}").format(why=self.not_applied)
        return {"sent": _("sent to the village, no receipt yet"),
                "delivered": _("delivered to the village")}.get(
            self.delivery, _("goes to the village in the next bundle"))


@dataclass(frozen=True)
class Document:
    """An item of the documents checklist: its name and whether it was brought."""

    name: str
    present: bool = False


@dataclass(frozen=True)
class ReferralDetail:
    """A whole referral, as its page and its letter show it."""

    id: str
    tracking_code: str
    village_code: str
    status: str
    version: int
    member_id: str | None
    household_id: str | None
    person_name: str
    person_nik: str | None
    nik_absent_reason: str | None
    person_birth_date: date | None
    person_address: str | None
    dusun: str | None
    rt: str | None
    rw: str | None
    phone: str | None
    category: str
    description: str
    urgency: str
    channel: str
    received_on: date
    received_by: str
    action_taken: str | None
    target_service: str | None
    service_requested: str | None
    documents: tuple[Document, ...]
    letter_id: str | None
    letter_number: str | None
    reply_reference: str | None
    reply_note: str | None
    follow_up_on: date | None
    closed_on: date | None
    overdue: bool
    next_states: tuple[str, ...]
    events: tuple[EventRow, ...] = field(default=())
    visits: tuple[VisitRow, ...] = field(default=())
    attachments: tuple[AttachmentRow, ...] = field(default=())
    replies: tuple[ReplyRow, ...] = field(default=())


@dataclass(frozen=True)
class Tally:
    """The figures of one group of the monthly report (a category, a dusun, all)."""

    name: str
    received: int = 0
    solved_in_village: int = 0
    referred: int = 0
    done: int = 0
    rejected: int = 0
    cannot: int = 0
    cancelled: int = 0
    still_open: int = 0
    median_days: float | None = None


@dataclass(frozen=True)
class MonthlyReport:
    """The month's referrals for the Kepala Desa and the forum."""

    year: int
    month: int
    total: Tally
    by_category: tuple[Tally, ...]
    by_dusun: tuple[Tally, ...]
    #: the referrals counted (received in the month), for the report's list
    rows: tuple[ReferralRow, ...]
