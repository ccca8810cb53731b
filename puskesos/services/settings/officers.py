"""The Puskesos officers roster (TKSK, PSM, pendamping PKH, kader, operator …)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from ...core.codes import OfficerRole
from ...core.validation import checked_text
from ...core.permissions import Permission
from ...db.engine import Database
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import Officer, utcnow
from .. import audit
from ..audit import Change
from ..context import Actor, require

NAME_MAX = 120
PHONE_MAX = 20
NIP_MAX = 30
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]*$")


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

    def roster(self, *, actor: Actor, include_inactive: bool = False) -> list[OfficerDTO]:
        """The officers, by name (the inactive ones only when asked)."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            stmt = select(Officer).where(Officer.deleted_at.is_(None)).order_by(Officer.name)
            if not include_inactive:
                stmt = stmt.where(Officer.active.is_(True))
            return [_dto(o) for o in s.scalars(stmt)]

    def get(self, *, officer_id: str, actor: Actor) -> OfficerDTO:
        """One officer of the roster."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            row = s.get(Officer, officer_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(_("Officer not found."))
            return _dto(row)

    def add(self, *, actor: Actor, name: str, role: str, phone: str | None = None,
            nip: str | None = None) -> OfficerDTO:
        """Add an officer to the roster."""
        require(actor, Permission.MANAGE_SETTINGS)
        name, role, phone, nip = _clean(name, role, phone, nip)
        with self._db.write() as s:
            row = Officer(name=name, role=role, phone=phone, nip=nip)
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [Change("officer", row.id, "name", None, name),
                                              Change("officer", row.id, "role", None, role)])
            return _dto(row)

    def update(self, *, actor: Actor, officer_id: str, name: str, role: str,
               phone: str | None, nip: str | None, reason: str | None = None) -> OfficerDTO:
        """Correct an officer's name, role, phone or NIP/NIK; each changed field is audited."""
        require(actor, Permission.MANAGE_SETTINGS)
        name, role, phone, nip = _clean(name, role, phone, nip)
        with self._db.write() as s:
            row = _live(s, officer_id)
            changes = [Change("officer", row.id, field, getattr(row, field), new)
                       for field, new in (("name", name), ("role", role), ("phone", phone),
                                          ("nip", nip))
                       if getattr(row, field) != new]
            if not changes:
                return _dto(row)
            for change in changes:
                setattr(row, change.field, change.new)
            row.updated_at = utcnow()
            s.flush()
            audit.append(s, actor, "update", changes, (reason or "").strip() or None)
            return _dto(row)

    def deactivate(self, *, actor: Actor, officer_id: str, reason: str) -> OfficerDTO:
        """Take an officer off the active roster with a reason (the history keeps them)."""
        require(actor, Permission.MANAGE_SETTINGS)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for this change."))
        return self._set_active(actor, officer_id, False, reason.strip())

    def reactivate(self, *, actor: Actor, officer_id: str,
                   reason: str | None = None) -> OfficerDTO:
        """Put a deactivated officer back on the active roster."""
        require(actor, Permission.MANAGE_SETTINGS)
        return self._set_active(actor, officer_id, True, (reason or "").strip() or None)

    def _set_active(self, actor: Actor, officer_id: str, active: bool,
                    reason: str | None) -> OfficerDTO:
        with self._db.write() as s:
            row = _live(s, officer_id)
            if row.active == active:
                return _dto(row)
            row.active = active
            row.updated_at = utcnow()
            s.flush()
            audit.append(s, actor, "update",
                         [Change("officer", row.id, "active", not active, active)], reason)
            return _dto(row)


def _live(s, officer_id: str) -> Officer:
    row = s.get(Officer, officer_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(_("Officer not found."))
    return row


def _clean(name: str, role: str, phone: str | None,
           nip: str | None) -> tuple[str, str, str | None, str | None]:
    """Check and tidy an officer's fields; phone and NIP stay text (leading zeros kept)."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("The name is empty. Type the name as on the KTP/KK."))
    if len(name) > NAME_MAX:
        raise InvalidInput(_("The name is longer than {n} characters.").format(n=NAME_MAX))
    checked_text(_("Name"), name, NAME_MAX)     # no control or text-direction characters
    try:
        member = OfficerRole.from_code(role)
    except ValueError:
        member = None
    if member is None:
        raise InvalidInput(_("Unknown role {role}.").format(role=role))
    phone = " ".join(str(phone or "").split()) or None
    if phone is not None and (len(phone) > PHONE_MAX or not PHONE_RE.match(phone)):
        raise InvalidInput(_("The phone number {phone} is not valid. Type digits only, "
                             "for example 081234567890.").format(phone=phone))
    nip = "".join(str(nip or "").split()) or None
    if nip is not None and (len(nip) > NIP_MAX or not nip.isdigit()):
        raise InvalidInput(_("The NIP/NIK {nip} is not valid. Type its digits only (at most "
                             "{n}).").format(nip=nip, n=NIP_MAX))
    return name, member.code, phone, nip
