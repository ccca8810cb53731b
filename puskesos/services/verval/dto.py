"""What the verval services return: cycles, entries, findings, proposals, musdes.

Also the fixed tables of the verval rules: the musdes decision a visit result
suggests, the member results that change a presence, the correctable fields.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from ...core import codes
from ...core.codes import MusdesDecision, VervalMemberResult, VervalResult
from ...core.validation import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from ..registry import HouseholdFilter

#: the musdes decision a result suggests (the operator may choose another)
SUGGESTED_DECISION = {
    VervalResult.TETAP.value: MusdesDecision.TETAP.value,
    VervalResult.PERBAIKAN_DATA.value: MusdesDecision.PERBAIKAN.value,
    VervalResult.TIDAK_DITEMUKAN.value: MusdesDecision.HAPUS.value,
    VervalResult.PINDAH.value: MusdesDecision.HAPUS.value,
    VervalResult.MENINGGAL.value: MusdesDecision.HAPUS.value,
    VervalResult.GANDA.value: MusdesDecision.HAPUS.value,
    VervalResult.MAMPU_TIDAK_LAYAK.value: MusdesDecision.HAPUS.value,
    VervalResult.USULAN_BARU.value: MusdesDecision.USULAN_BARU.value,
}
#: a member result that changes the member's presence when approved
MEMBER_PRESENCE = {
    VervalMemberResult.MENINGGAL.value: codes.Presence.MENINGGAL.value,
    VervalMemberResult.PINDAH.value: codes.Presence.PINDAH.value,
    VervalMemberResult.PINDAH_LN.value: codes.Presence.PINDAH_LN.value,
    VervalMemberResult.TIDAK_DITEMUKAN.value: codes.Presence.TIDAK_DITEMUKAN.value,
}
#: fields a visit may propose to correct
CORRECTABLE_HOUSEHOLD = tuple(f for f in HOUSEHOLD_FIELDS
                              if f not in ("assets", "note", "latitude", "longitude"))
CORRECTABLE_MEMBER = tuple(f for f in MEMBER_FIELDS if f not in ("pregnant",))


@dataclass(frozen=True)
class CycleDTO:
    id: str
    name: str
    period: str
    deadline: date | None
    status: str
    note: str | None
    households: int
    done: int
    version: int


@dataclass(frozen=True)
class CycleHouseholds:
    """Which households a new cycle takes: ``kind`` is "all", "target" (desil 1–4, see
    :data:`puskesos.core.targeting.AID_TARGET_DESILS`), "filter" (the households
    ``filter`` selects, e.g. the list as shown) or "prelist" (the households named in
    ``identifiers`` by No KK, NIK or ID DTSEN)."""

    kind: str = "target"
    filter: HouseholdFilter | None = None
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class CycleStart:
    """A cycle just started: the cycle, how many households it took, and the prelist
    identifiers that named nobody in the registry."""

    cycle: CycleDTO
    added: int
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntryRow:
    id: str
    seq: int
    household_id: str
    no_kk: str | None
    head_name: str | None
    head_nik: str | None
    dusun: str | None
    rw: str | None
    rt: str | None
    address: str | None
    result: str | None
    officer_id: str | None
    visited_on: date | None
    note: str | None
    decision: str | None
    decision_note: str | None
    version: int


@dataclass(frozen=True)
class AreaProgress:
    dusun: str
    rw: str
    rt: str
    total: int
    done: int

    @property
    def remaining(self) -> int:
        return self.total - self.done


@dataclass(frozen=True)
class MemberFinding:
    """What the visit found for a member; ``member_id`` None for a new member."""

    result: str
    member_id: str | None = None
    name: str | None = None
    nik: str | None = None
    note: str | None = None
    # a new member only: what the koordinator needs to add the person
    sex: str | None = None
    birth_date: date | None = None
    relationship_code: str | None = None


@dataclass(frozen=True)
class Correction:
    target: str          # "household" or "member"
    target_id: str
    field: str
    new_value: Any


@dataclass(frozen=True)
class ProposalDTO:
    id: str
    entry_id: str
    household_id: str
    head_name: str | None
    target: str
    target_id: str
    target_name: str
    field: str
    field_label: str
    old_value: str | None
    new_value: str | None
    status: str
    proposed_by: str
    decided_by: str | None
    decision_note: str | None


@dataclass(frozen=True)
class Attendee:
    name: str
    position: str | None = None
    officer_id: str | None = None


@dataclass(frozen=True)
class MusdesDTO:
    id: str
    cycle_id: str
    held_on: date
    place: str
    agenda: str | None
    notulen: str | None
    ketua_bpd: str | None
    note: str | None
    letter_id: str | None
    attendees: tuple[Attendee, ...]


def decision_counts(rows: list[EntryRow]) -> dict[str, int]:
    """How many households got each musdes decision."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.decision:
            counts[row.decision] += 1
    return dict(counts)
