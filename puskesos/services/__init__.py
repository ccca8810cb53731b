"""All reads and writes of the program go through these services.

:func:`open_services` is the composition root used by the command line and
the window alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..db.engine import Database
from ..db.migrate import open_database
from .audit import AuditTrail
from .auth import AuthService
from .backup import BackupService
from .context import Actor
from .documents import DocumentService
from .registry import HouseholdService
from .letters import LetterRegister
from .lockout import FILE_NAME as LOCKOUT_FILE, LockoutFile
from .settings import OfficerService
from .registry.programs import ProgramService
from .settings import SettingsService
from .verval import VervalService


@dataclass
class Services:
    db: Database
    audit: AuditTrail
    auth: AuthService
    backup: BackupService
    documents: DocumentService
    households: HouseholdService
    letters: LetterRegister
    officers: OfficerService
    programs: ProgramService
    settings: SettingsService
    verval: VervalService

    def close(self) -> None:
        self.db.dispose()


def build_services(db: Database) -> Services:
    """The composition root: every service built once, each handed the services it
    uses (no service constructs another)."""
    settings = SettingsService(db)
    letters = LetterRegister(db, settings=settings)
    households = HouseholdService(db, settings=settings)
    verval = VervalService(db, households=households)
    lockout = LockoutFile(paths.data_dir() / LOCKOUT_FILE)
    return Services(db=db, audit=AuditTrail(db), auth=AuthService(db, lockout=lockout),
                    backup=BackupService(db, settings=settings),
                    documents=DocumentService(db, settings=settings, letters=letters,
                                              verval=verval),
                    households=households, letters=letters, officers=OfficerService(db),
                    programs=ProgramService(db), settings=settings, verval=verval)


def open_services(target: str, *, create: bool = False,
                  backup_dir: Path | None = None) -> Services:
    """Open (or with ``create`` make) the database at ``target`` and build the
    services over it; an older schema is backed up into ``backup_dir`` and upgraded."""
    return build_services(open_database(target, create=create, backup_dir=backup_dir))


__all__ = ["Actor", "Services", "build_services", "open_services"]
