"""All reads and writes of the program go through these services.

:func:`open_services` is the composition root used by the command line and
the window alike.

The bag builds each service the first time it is used, importing its module
then: a command that imports a file never loads the printing or verval code,
which would cost a tenth of a second or more of every command's start.  A
service is still built once per bag and handed the services it uses (no
service constructs another).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..db.engine import Database
from ..db.migrate import open_database
from .context import Actor

if TYPE_CHECKING:                                  # the modules are imported when used
    from .audit import AuditTrail
    from .auth import AuthService
    from .backup import BackupService
    from .documents import DocumentService
    from .exchange import ExchangeService
    from .exchange import KeyService
    from .letters import LetterRegister
    from .referrals import ReferralService
    from .registry import HouseholdService
    from .reports import ReportService
    from .registry.programs import ProgramService
    from .settings import OfficerService, SettingsService
    from .stickers import StickerService
    from .targeting import TargetingService
    from .verval import VervalService


class Services:
    """The services over one database, each built when first used."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @cached_property
    def audit(self) -> AuditTrail:
        """The audit trail: history of records and the check of its chain."""
        from .audit import AuditTrail
        return AuditTrail(self.db)

    @cached_property
    def auth(self) -> AuthService:
        """Users, passwords, roles and the lockout."""
        from .. import paths
        from .auth import AuthService
        from .lockout import FILE_NAME, LockoutFile
        return AuthService(self.db, lockout=LockoutFile(paths.data_dir() / FILE_NAME))

    @cached_property
    def backup(self) -> BackupService:
        """Backups of the village database and their restore."""
        from .backup import BackupService
        return BackupService(self.db, settings=self.settings)

    @cached_property
    def documents(self) -> DocumentService:
        """Printed forms and letters (verval form, berita acara, SKTM)."""
        from .documents import DocumentService
        return DocumentService(self.db, settings=self.settings, letters=self.letters,
                               verval=self.verval)

    @cached_property
    def exchange(self) -> ExchangeService:
        """Exchange bundles: the records they carry and what they do here."""
        from .exchange import ExchangeService
        return ExchangeService(self.db, keys=self.keys)

    @cached_property
    def households(self) -> HouseholdService:
        """Households and their members: search, forms and history."""
        from .registry import HouseholdService
        return HouseholdService(self.db, settings=self.settings)

    @cached_property
    def keys(self) -> KeyService:
        """This office's exchange keys and the offices it trusts (issue 16)."""
        from .exchange import KeyService
        return KeyService(self.db, settings=self.settings)

    @cached_property
    def letters(self) -> LetterRegister:
        """The letter register: numbers, voided letters and gaps."""
        from .letters import LetterRegister
        return LetterRegister(self.db, settings=self.settings)

    @cached_property
    def officers(self) -> OfficerService:
        """The officers who sign letters and forms."""
        from .settings import OfficerService
        return OfficerService(self.db)

    @cached_property
    def programs(self) -> ProgramService:
        """Aid programs and who receives them."""
        from .registry.programs import ProgramService
        return ProgramService(self.db)

    @cached_property
    def referrals(self) -> ReferralService:
        """Residents' requests and their referrals (rujukan), letters and reports."""
        from .referrals import ReferralService
        return ReferralService(self.db, settings=self.settings, documents=self.documents)

    @cached_property
    def reports(self) -> ReportService:
        """The Sasaran dashboard's figures and the forum report (PDF and workbook)."""
        from .reports import ReportService
        return ReportService(self.db, targeting=self.targeting, documents=self.documents)

    @cached_property
    def settings(self) -> SettingsService:
        """The village identity and the program's settings."""
        from .settings import SettingsService
        return SettingsService(self.db)

    @cached_property
    def stickers(self) -> StickerService:
        """House labelling: campaigns, their households and serials, the field log."""
        from .stickers import StickerService
        return StickerService(self.db, documents=self.documents, verval=self.verval)

    @cached_property
    def targeting(self) -> TargetingService:
        """Program & Sasaran: the program catalogue, the targeting rules, the flags."""
        from .targeting import TargetingService
        return TargetingService(self.db)

    @cached_property
    def verval(self) -> VervalService:
        """Verification and validation cycles, visits, proposals and the musdes."""
        from .verval import VervalService
        return VervalService(self.db, households=self.households)

    def close(self) -> None:
        """Let go of the database's connections."""
        self.db.dispose()


def build_services(db: Database) -> Services:
    """The composition root: the bag of services over ``db`` (see the module's note)."""
    return Services(db)


def open_services(target: str, *, create: bool = False,
                  backup_dir: Path | None = None) -> Services:
    """Open (or with ``create`` make) the database at ``target`` and build the
    services over it; an older schema is backed up into ``backup_dir`` and upgraded."""
    return build_services(open_database(target, create=create, backup_dir=backup_dir))


__all__ = ["Actor", "Services", "build_services", "open_services"]
