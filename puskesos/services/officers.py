"""The Puskesos officers roster (TKSK, PSM, pendamping PKH, kader, operator …)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..core.codes import OfficerRole
from ..core.permissions import Permission
from ..db.engine import Database
from ..errors import InvalidInput, NotFound
from ..i18n import _
from ..models import Officer, utcnow
from . import audit
from .audit import Change
from .context import Actor, require


@dataclass(frozen=True)
class OfficerDTO:
    id: str
    name: str
    role: str
    phone: str | None
    nip: str | None
    active: bool


def _dto(o: Officer) -> OfficerDTO:
    return OfficerDTO(o.id, o.name, o.role, o.phone, o.nip, o.active)


class OfficerService:
    def __init__(self, db: Database):
        self._db = db

    def roster(self, *, include_inactive: bool = False) -> list[OfficerDTO]:
        with self._db.read() as s:
            stmt = select(Officer).where(Officer.deleted_at.is_(None)).order_by(Officer.name)
            if not include_inactive:
                stmt = stmt.where(Officer.active.is_(True))
            return [_dto(o) for o in s.scalars(stmt)]

    def add(self, *, actor: Actor, name: str, role: str, phone: str | None = None,
            nip: str | None = None) -> OfficerDTO:
        require(actor, Permission.MANAGE_SETTINGS)
        name = " ".join((name or "").split())
        if not name:
            raise InvalidInput(_("The name is empty. Type the name as on the KTP/KK."))
        try:
            OfficerRole.from_code(role)
        except ValueError:
            raise InvalidInput(_("Unknown role {role}.").format(role=role)) from None
        with self._db.write() as s:
            row = Officer(name=name, role=role, phone=(phone or "").strip() or None,
                          nip=(nip or "").strip() or None)
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [Change("officer", row.id, "name", None, name),
                                              Change("officer", row.id, "role", None, role)])
            return _dto(row)

    def deactivate(self, *, actor: Actor, officer_id: str, reason: str) -> None:
        require(actor, Permission.MANAGE_SETTINGS)
        with self._db.write() as s:
            row = s.get(Officer, officer_id)
            if row is None:
                raise NotFound(_("Officer not found."))
            row.active = False
            row.updated_at = utcnow()
            audit.append(s, actor, "update", [Change("officer", row.id, "active", True, False)],
                         reason)
