"""Aid programs and participation (who receives what, in which period)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...core import codes
from ...core.permissions import Permission
from ...db.engine import Database
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import Household, Member, Participation, Program, utcnow
from .. import audit
from ..audit import Change
from ..context import Actor, require


@dataclass(frozen=True)
class ProgramDTO:
    code: str
    name: str
    target: str
    active: bool


class ProgramService:
    def __init__(self, db: Database):
        self._db = db

    def programs(self) -> list[ProgramDTO]:
        """The program catalogue, by code."""
        with self._db.read() as s:
            return [ProgramDTO(p.code, p.name, p.target, p.active)
                    for p in s.scalars(select(Program).order_by(Program.code))]

    def add_participation(self, *, actor: Actor, household_id: str, program_code: str,
                          period: str, source: str = codes.ParticipationSource.MANUAL.value,
                          member_id: str | None = None, note: str | None = None) -> str:
        """Record that a household (or one member) receives a program in a period;
        returns the participation's id."""
        require(actor, Permission.EDIT_REGISTRY)
        if not period.strip():
            raise InvalidInput(_("Give the period of the program (e.g. 2025 or 2025-Q3)."))
        codes.ParticipationSource.from_code(source)
        with self._db.write() as s:
            if s.get(Program, program_code) is None:
                raise InvalidInput(_("Unknown program {code}.").format(code=program_code))
            if s.get(Household, household_id) is None:
                raise NotFound(_("Household not found; it may have been removed by someone "
                                 "else. Refresh the list."))
            if member_id is not None:
                member = s.get(Member, member_id)
                if member is None or member.household_id != household_id:
                    raise InvalidInput(_("That member does not belong to this household."))
            duplicate = s.scalar(select(Participation).where(
                Participation.household_id == household_id,
                Participation.program_code == program_code,
                Participation.period == period.strip(),
                Participation.member_id.is_(None) if member_id is None
                else Participation.member_id == member_id,
                Participation.deleted_at.is_(None)))
            if duplicate:
                return duplicate.id
            row = Participation(household_id=household_id, program_code=program_code,
                                member_id=member_id, period=period.strip(), source=source,
                                status=codes.ParticipationStatus.AKTIF.value, note=note)
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [
                Change("participation", row.id, "program_code", None, program_code),
                Change("participation", row.id, "household_id", None, household_id),
                Change("participation", row.id, "period", None, row.period)])
            return row.id

    def end_participation(self, *, actor: Actor, participation_id: str, reason: str) -> None:
        """End a program participation with a reason (kept in the audit trail)."""
        require(actor, Permission.EDIT_REGISTRY)
        with self._db.write() as s:
            row = s.get(Participation, participation_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(_("That program participation no longer exists."))
            old = row.status
            row.status = codes.ParticipationStatus.BERHENTI.value
            row.updated_at = utcnow()
            audit.append(s, actor, "update",
                         [Change("participation", row.id, "status", old, row.status)], reason)
