"""The registry: the village's households (keluarga), their members, program
participation, and each household's history told in plain words.

Modules: :mod:`.households` (read, save, remove, restore), :mod:`.family`
(move, split, merge), :mod:`.queries` (search text, filter conditions),
:mod:`.records` (DTOs), :mod:`.programs`, :mod:`.history`.
"""

from __future__ import annotations

from .households import HouseholdService, raise_for_problems
from .queries import (compose_search_text, duplicate_niks, household_conditions,
                      refresh_search_text)
from .records import (HouseholdDTO, HouseholdFilter, HouseholdRow, MemberDTO,
                      NeedsConfirmation, ParticipationDTO, RegistryCounts)

__all__ = ["HouseholdDTO", "HouseholdFilter", "HouseholdRow", "HouseholdService", "MemberDTO",
           "NeedsConfirmation", "ParticipationDTO", "RegistryCounts", "compose_search_text",
           "duplicate_niks",
           "household_conditions", "raise_for_problems", "refresh_search_text"]
