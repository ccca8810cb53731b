"""What the registry returns and takes: household and member DTOs, the list's
rows, its filter and counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


from ...core import codes
from ...core.questions import MEMBER_QUESTIONS, with_answers
from ...core.validation import (MEMBER_FIELDS, HouseholdInput, MemberInput)
from ...errors import InvalidInput


class NeedsConfirmation(InvalidInput):
    """Only warnings stand in the way: save again with ``accept_warnings=reason``."""


@dataclass(frozen=True)
class _MemberDTOBase:
    id: str
    household_id: str
    version: int
    name: str
    sex: str
    relationship_code: str
    nik: str | None
    birth_place: str | None
    birth_date: date | None
    marital_status: str | None
    religion: str | None
    school_attendance: str | None
    education_level: str | None
    work_status: str | None
    occupation: str | None
    disability: str | None
    chronic_illness: str | None
    pregnant: bool | None
    presence: str
    presence_date: date | None
    presence_note: str | None
    removed: bool

    def as_input(self) -> MemberInput:
        return MemberInput(id=self.id, **{f: getattr(self, f) for f in MEMBER_FIELDS})


#: a member as stored, with the answers to the DTSEN questions of core.questions
MemberDTO = with_answers("MemberDTO", _MemberDTOBase, MEMBER_QUESTIONS, module=__name__,
                         doc="A member as stored (the DTSEN answers included).")


@dataclass(frozen=True)
class ParticipationDTO:
    id: str
    program_code: str
    member_id: str | None
    period: str
    source: str
    status: str


@dataclass(frozen=True)
class HouseholdDTO:
    id: str
    version: int
    region_code: str
    desil: int | None
    desil_period: str | None
    created_at: datetime
    updated_at: datetime
    removed: bool
    removed_reason: str | None
    data: HouseholdInput
    members: tuple[MemberDTO, ...]
    programs: tuple[ParticipationDTO, ...]

    @property
    def head(self) -> MemberDTO | None:
        for m in self.members:
            if (m.relationship_code == codes.Relationship.KEPALA.value and not m.removed
                    and m.presence in codes.LIVING):
                return m
        return None


@dataclass(frozen=True)
class HouseholdRow:
    """One line of the household list."""

    id: str
    no_kk: str | None
    head_name: str | None
    head_nik: str | None
    dusun: str | None
    rw: str | None
    rt: str | None
    address: str | None
    desil: int | None
    member_count: int
    programs: tuple[str, ...]
    #: the member a search found, when it is not the head (None otherwise)
    matched: str | None = None


@dataclass(frozen=True)
class HouseholdFilter:
    text: str = ""
    #: a village's Kemendagri code (at the kabupaten, which holds many villages)
    village: str | None = None
    dusun: str | None = None
    rw: str | None = None
    rt: str | None = None
    desil: tuple[int, ...] = ()
    program: str | None = None
    #: "gone": households with a member who died or moved; "no_head": without a head
    presence: str | None = None
    #: status in the most recent verval cycle: in_cycle, pending, visited, proposal,
    #: not_in_cycle
    verval: str | None = None
    include_removed: bool = False


@dataclass(frozen=True)
class RegistryCounts:
    households: int
    members: int
    by_desil: dict[int | None, int]
