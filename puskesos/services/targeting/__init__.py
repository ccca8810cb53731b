"""Program & Sasaran (issue 17): the program catalogue and the flags that show aid
going where it should not, or not going where it should (``flags.py``: each kind a
set-based query; ``catalogue.py``: the programs and the rules; ``care.py``: orphans
with their guardians, foster sponsors and their matches, elderly living alone and
severe disability)."""

from __future__ import annotations

from ...db.engine import Database
from .care import CareOps, OrphanEntry, SponsorEntry, VulnerablePerson
from .catalogue import CatalogueOps, ProgramEntry
from .flags import Flag, FlagOps


class TargetingService(CatalogueOps, FlagOps, CareOps):
    """The programs a village tracks, its targeting rules, and the flags they raise."""

    def __init__(self, db: Database):
        self._db = db


__all__ = ["Flag", "OrphanEntry", "ProgramEntry", "SponsorEntry", "TargetingService",
           "VulnerablePerson"]
