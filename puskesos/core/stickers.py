"""The rules of house labelling (penempelan stiker), with no database: what an
outcome needs, what it leads to, the sticker's serial and QR code.

A campaign's households each get a serial number when they are chosen, in
area order, never skipped or reused; the officers log what happened at each
house, as often as it happens (a sticker torn off is put up again), and the
latest entry is where the household stands.  A refusal, a voluntary withdrawal
(graduasi mandiri) and a household found well-off are carried to the next
verval cycle and the musdes; a torn or removed sticker and a house not found
are to be visited again.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..errors import InvalidInput
from ..i18n import _
from .codes import StickerOutcome

O = StickerOutcome

#: outcomes the next verval cycle and the musdes must look at (with "found well-off")
TO_VERVAL = frozenset({O.DITOLAK, O.MUNDUR_SUKARELA})
#: outcomes that call for another visit
REVISIT = frozenset({O.RUSAK_ATAU_DILEPAS, O.TIDAK_DITEMUKAN})
#: outcomes that must say why or what was seen (the note)
NEEDS_NOTE = frozenset({O.DITOLAK, O.RUSAK_ATAU_DILEPAS, O.TIDAK_DITEMUKAN, O.PINDAH,
                        O.MENINGGAL})
#: outcomes that end the household's part in the campaign (no sticker will stay up)
ENDS = frozenset({O.DITOLAK, O.MUNDUR_SUKARELA, O.PINDAH, O.MENINGGAL})
#: a voluntary withdrawal is signed on paper (the surat pernyataan)
NEEDS_STATEMENT = frozenset({O.MUNDUR_SUKARELA})

QR_PREFIX = "PUSKESOS-STIKER"
_CODE = re.compile(r"^[A-Z0-9]{2,12}$")


def outcome_of(value: StickerOutcome | str | None) -> StickerOutcome | None:
    """The outcome of a stored or typed code (None when it is not one)."""
    if isinstance(value, StickerOutcome) or value is None:
        return value
    try:
        return StickerOutcome.from_code(value)
    except ValueError:
        return None


def check_outcome(outcome: StickerOutcome | str | None, *, at: datetime, now: datetime,
                  note: str | None, officers: list[str], well_off: bool = False) -> O:
    """Refuse a log entry that is not whole, saying what is missing; the outcome."""
    chosen = outcome_of(outcome)
    if chosen is None:
        raise InvalidInput(_("Choose what happened: one of {choices}.").format(
            choices=", ".join(o.label for o in StickerOutcome)))
    if at > now:
        raise InvalidInput(_("The time of the visit is in the future. Record it as it "
                             "happened."))
    if not officers:
        raise InvalidInput(_("Name at least one officer who was there (from the officers' "
                             "roster)."))
    if chosen in NEEDS_NOTE and not (note or "").strip():
        raise InvalidInput(_("Write what happened (the note) when the outcome is '{outcome}'.")
                           .format(outcome=chosen.label))
    if well_off and chosen is O.TERPASANG:
        raise InvalidInput(_("A household found well-off does not get a sticker: record it "
                             "as refused or withdrawn, with what was seen."))
    return chosen


def goes_to_verval(outcome: StickerOutcome | str, well_off: bool = False) -> bool:
    """Whether the next verval cycle and the musdes must look at this household."""
    return well_off or outcome_of(outcome) in TO_VERVAL


def campaign_code(text: str | None) -> str:
    """A campaign's short code as stored (upper case letters and digits, 2–12), printed
    before each serial: ``STK26`` → ``STK26-00012``."""
    code = re.sub(r"[\s\-_./]", "", (text or "").upper())
    if not _CODE.match(code):
        raise InvalidInput(_("The campaign code is 2 to 12 letters or digits, e.g. STK2026."))
    return code


def serial_text(code: str, serial: int) -> str:
    """The serial as printed on the sticker."""
    return f"{code}-{serial:05d}"


def qr_payload(campaign_id: str, serial: int) -> str:
    """What a sticker's QR code carries: the campaign and the serial."""
    return f"{QR_PREFIX}:{campaign_id}:{serial}"


def parse_qr_payload(text: str) -> tuple[str, int] | None:
    """(campaign id, serial) from a scanned sticker, or None if it is not one."""
    parts = (text or "").strip().split(":")
    if len(parts) != 3 or parts[0] != QR_PREFIX or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def latest(entries):
    """The entry that says where a household stands: the latest by the time it
    happened, then by when it was recorded (entries have ``at`` and ``recorded_at``)."""
    return max(entries, key=lambda e: (e.at, e.recorded_at), default=None)
