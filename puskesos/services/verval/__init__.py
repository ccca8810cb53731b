"""Verval: verifying and validating the DTSEN data, house by house and in the musdes.

A cycle lists the households to verify (all, a prelist from a spreadsheet, or
a filter of the household list).  A visit result is recorded per household
and per member; a correction found at the visit is a *proposal* that changes
the registry only when the koordinator approves it, through the same save as
the household form (validation, audit, search text).  The musdes records who
attended and what was decided per household.

:class:`VervalService` is one service made of four parts, one module each:
cycles, visits, proposals, musdes.  The DTOs live in :mod:`.dto`.
"""

from __future__ import annotations

from ...db.engine import Database
from ..registry import HouseholdService
from .cycles import CycleOps
from .dto import (
    CORRECTABLE_HOUSEHOLD,
    CORRECTABLE_MEMBER,
    MEMBER_PRESENCE,
    SUGGESTED_DECISION,
    AreaProgress,
    Attendee,
    Correction,
    CycleDTO,
    CycleHouseholds,
    CycleStart,
    EntryRow,
    MemberFinding,
    MusdesDTO,
    ProposalDTO,
    decision_counts,
)
from .musdes import MusdesOps
from .proposals import ProposalOps
from .values import NEW_MEMBER, new_member_text
from .visits import VisitOps


class VervalService(CycleOps, VisitOps, ProposalOps, MusdesOps):
    """Verval cycles, visits, proposals and the musdes of one village database."""

    def __init__(self, db: Database, *, households: HouseholdService):
        self._db = db
        self._households = households


__all__ = ["CORRECTABLE_HOUSEHOLD", "CORRECTABLE_MEMBER", "MEMBER_PRESENCE", "NEW_MEMBER",
           "SUGGESTED_DECISION", "AreaProgress", "Attendee", "Correction", "CycleDTO",
           "CycleHouseholds", "CycleStart", "EntryRow", "MemberFinding", "MusdesDTO",
           "ProposalDTO", "VervalService", "decision_counts", "new_member_text"]
