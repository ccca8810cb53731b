"""The office's settings: the village's identity (region, address, logo), the
office preferences (language, backups), the aid programs offered, and the
roster of officers who sign letters and visit households.

Modules: :mod:`.village` (``SettingsService``), :mod:`.officers` (``OfficerService``).
"""

from __future__ import annotations

from .officers import OfficerDTO, OfficerService
from .village import (BACKUP_SCHEDULES, PREFERENCES_KEY, VILLAGE_KEY, Office,
                      OfficePreferences, SettingsService, VillageIdentity)

__all__ = ["BACKUP_SCHEDULES", "PREFERENCES_KEY", "VILLAGE_KEY", "Office", "OfficePreferences",
           "OfficerDTO", "OfficerService", "SettingsService", "VillageIdentity"]
