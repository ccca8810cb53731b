"""The rules of a referral (rujukan), with no database: which status may follow
which, what a step needs, when it is due for follow-up, its tracking code.

The states follow the SLRT front office's flow (../shared/domain.md §1): a
request is recorded, then solved in the village or referred to a service,
which receives it, processes it and closes it (done, rejected, or cannot be
followed up).  It can be cancelled while open.  A closed referral never
changes again: a resident who needs more gets a new referral, so the monthly
figures of a closed month stay what they were.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from statistics import median
from typing import Iterable

from ..errors import InvalidInput
from ..i18n import _
from .codes import ReferralCategory, ReferralStatus, ReferralUrgency

S = ReferralStatus

#: status → the statuses it may move to (a closed status is absent: no way out)
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.DRAFT: frozenset({S.TERCATAT, S.DIBATALKAN}),
    S.TERCATAT: frozenset({S.SELESAI_DI_DESA, S.DIRUJUK, S.DIBATALKAN}),
    S.DIRUJUK: frozenset({S.DITERIMA, S.DIBATALKAN}),
    S.DITERIMA: frozenset({S.DIPROSES, S.DIBATALKAN}),
    S.DIPROSES: frozenset({S.SELESAI, S.DITOLAK, S.TIDAK_DAPAT_DITINDAKLANJUTI,
                           S.DIBATALKAN}),
}
OPEN = frozenset(TRANSITIONS)
CLOSED = frozenset(S) - OPEN
#: the list's filters for every open or every closed referral (beside each status's code)
OPEN_FILTER, CLOSED_FILTER = "open", "closed"
#: the outcomes a service gives (the monthly report's "outcomes")
OUTCOMES = (S.SELESAI, S.DITOLAK, S.TIDAK_DAPAT_DITINDAKLANJUTI)
#: what a service's reply can say (the steps it implies are recorded with it)
REPLIES = (S.DITERIMA, S.DIPROSES, S.SELESAI, S.DITOLAK, S.TIDAK_DAPAT_DITINDAKLANJUTI)
#: a step that must say why (the note is required)
NEEDS_REASON = frozenset({S.DITOLAK, S.TIDAK_DAPAT_DITINDAKLANJUTI, S.DIBATALKAN})

#: days from intake to the first follow-up, by urgency
FOLLOW_UP_DAYS = {ReferralUrgency.DARURAT: 1, ReferralUrgency.SEGERA: 3,
                  ReferralUrgency.BIASA: 7}
#: days a referred case waits for the service's answer before it is chased
REPLY_DAYS = 14

#: where a village refers (configurable in the settings; these are the defaults)
DEFAULT_SERVICES = (
    "Dinas Sosial", "Dinas Kesehatan", "Puskesmas", "RSUD", "Disdukcapil",
    "Dinas Pendidikan", "BAZNAS", "Lembaga filantropi",
)

#: documents usually asked for, by category (Depok SLRT SOP, see domain.md §1);
#: the operator ticks what the resident brought, and may add others
BASIC_DOCUMENTS = ("Fotokopi KTP", "Fotokopi Kartu Keluarga")
DOCUMENTS_BY_CATEGORY = {
    ReferralCategory.KESEHATAN: ("SKTM", "Surat rujukan Puskesmas/RSUD", "Kartu BPJS/KIS"),
    ReferralCategory.PENDIDIKAN: ("SKTM", "Surat keterangan sekolah"),
    ReferralCategory.ADMINDUK: ("Surat pengantar RT/RW",),
    ReferralCategory.BANSOS: ("SKTM", "Kartu KKS (bila ada)"),
    ReferralCategory.DISABILITAS: ("Surat keterangan dokter",),
    ReferralCategory.ANAK: ("Akta kelahiran/KIA",),
    ReferralCategory.LANSIA: ("SKTM",),
    ReferralCategory.RTLH: ("SKTM", "Foto rumah", "Bukti kepemilikan tanah"),
    ReferralCategory.BENCANA: ("Surat keterangan bencana dari desa", "Foto kerusakan"),
}


def default_documents(category: ReferralCategory | str | None) -> list[str]:
    """The checklist a referral of ``category`` starts with."""
    if isinstance(category, str):
        category = ReferralCategory.from_code(category)
    return list(BASIC_DOCUMENTS) + list(DOCUMENTS_BY_CATEGORY.get(category, ()))


def status_of(value: ReferralStatus | str | None) -> ReferralStatus | None:
    """The status of a stored or typed code (None when it is not one)."""
    if isinstance(value, ReferralStatus) or value is None:
        return value
    try:
        return ReferralStatus.from_code(value)
    except ValueError:
        return None


def is_open(status: ReferralStatus | str) -> bool:
    """True while the referral may still change."""
    return status_of(status) in OPEN


def next_states(status: ReferralStatus | str) -> list[ReferralStatus]:
    """The statuses a referral in ``status`` may move to, in the code list's order."""
    current = status_of(status)
    allowed = TRANSITIONS.get(current, frozenset())
    return [s for s in ReferralStatus if s in allowed]


def check_transition(current: ReferralStatus | str, target: ReferralStatus | str) -> None:
    """Refuse a step the flow does not allow, saying what is possible instead."""
    current, target = status_of(current), status_of(target)
    if target is None:
        raise InvalidInput(_("Unknown status. Use one of: {codes}.").format(
            codes=", ".join(s.value for s in ReferralStatus)))
    if target in TRANSITIONS.get(current, frozenset()):
        return
    if current in CLOSED:
        raise InvalidInput(_("This referral is closed ({status}) and cannot change any more. "
                             "If the resident needs more help, record a new referral.")
                           .format(status=current.label))
    options = ", ".join(s.label for s in next_states(current))
    raise InvalidInput(_("A referral that is '{current}' cannot become '{target}'. "
                         "From '{current}' it can go to: {options}.")
                       .format(current=current.label, target=target.label, options=options))


def follow_up_after(status: ReferralStatus, on: date,
                    urgency: ReferralUrgency | None = None) -> date | None:
    """The next follow-up date after a step to ``status`` on ``on`` (None once closed)."""
    if status in CLOSED:
        return None
    if status in (S.DRAFT, S.TERCATAT):
        return on + timedelta(days=FOLLOW_UP_DAYS[urgency or ReferralUrgency.BIASA])
    return on + timedelta(days=REPLY_DAYS)


def is_overdue(status: ReferralStatus | str, follow_up_on: date | None, today: date) -> bool:
    """An open referral whose follow-up date has passed."""
    return follow_up_on is not None and follow_up_on < today and is_open(status)


# -- tracking code -------------------------------------------------------------------

#: Crockford's base 32: no I, L, O or U, so a code read aloud or typed is not confused
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE = re.compile(r"^RJ-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def new_tracking_code() -> str:
    """A random tracking code like ``RJ-7K2M-9QXD`` (40 bits: a village never sees two
    alike; the database's unique index refuses the one-in-a-trillion clash)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"RJ-{chars[:4]}-{chars[4:]}"


def normalize_tracking_code(text: str | None) -> str | None:
    """A typed or scanned tracking code in its stored form, or None if it is not one
    (lower case, spaces, O for 0 and I/L for 1 are forgiven)."""
    raw = re.sub(r"[\s\-_.]", "", (text or "").upper())
    if raw.startswith("RJ"):
        raw = raw[2:]
    raw = raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(raw) != 8:
        return None
    code = f"RJ-{raw[:4]}-{raw[4:]}"
    return code if _CODE.match(code) else None


QR_PREFIX = "PUSKESOS-RUJUKAN"


def qr_payload(referral_id: str, tracking_code: str) -> str:
    """What the surat rujukan's QR code carries: the referral's id and tracking code."""
    return f"{QR_PREFIX}:{referral_id}:{tracking_code}"


def parse_qr_payload(text: str) -> tuple[str, str] | None:
    """(id, tracking code) from a scanned QR code, or None if it is not a referral's."""
    parts = (text or "").strip().split(":")
    if len(parts) != 3 or parts[0] != QR_PREFIX:
        return None
    code = normalize_tracking_code(parts[2])
    return (parts[1], code) if code and parts[1] else None


def median_days(spans: Iterable[tuple[date, date]]) -> float | None:
    """The median number of days from start to end (None without any)."""
    days = [(end - start).days for start, end in spans]
    return float(median(days)) if days else None
