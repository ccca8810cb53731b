"""BNBA imports ("sanding data"): each row of a program's recipient list becomes the
participation of the registered person (or family) it matches, for one period.

A recipient who is not in the registry is kept, never dropped
(``UnregisteredRecipient``, of this import's batch: its undo removes it), with a
warning saying so; Program & Sasaran flags it (``not_in_registry``) until the
family is registered.
"""

from __future__ import annotations

from sqlalchemy import select

from ...core import codes
from ...i18n import _
from ...models import Participation, Program, UnregisteredRecipient, new_id, utcnow
from .report import RowIssue
from .rows import Row
from .state import ImportState


class BnbaRows:
    """The rows of a recipient list for ``program`` and ``period``, a chunk at a time."""

    def __init__(self, state: ImportState, program: str, period: str | None) -> None:
        self.state, self.report, self.bulk = state, state.report, state.bulk
        self.program, self.period = program, period
        self.target = state.s.get(Program, program).target

    def finish(self) -> None:
        """Once every row is read: nothing is left to do (each row stands alone)."""

    def process(self, rows: list[Row]) -> None:
        """Add a participation for each row's person, unless it is there already."""
        if not rows:
            return
        self.bulk.sync()
        program, period, target = self.program, self.period, self.target
        existing = set(self.state.s.execute(
            select(Participation.household_id, Participation.member_id).where(
                Participation.program_code == program, Participation.period == period,
                Participation.deleted_at.is_(None))).all())
        kept = set(self.state.s.execute(
            select(UnregisteredRecipient.nik, UnregisteredRecipient.name).where(
                UnregisteredRecipient.program_code == program,
                UnregisteredRecipient.period == period)).all())
        inserts, strangers = [], []
        for row in rows:
            member = self.state.index.match_member(row)
            if member is None:
                who = (row.nik, row.member["name"])
                if who in kept:
                    self.report.unchanged += 1
                    continue
                kept.add(who)
                self.report.warnings += 1
                self.report.issues.append(RowIssue(
                    row.line, "warning",
                    _("NIK {nik} ({name}) is not in the village registry: kept as a "
                      "recipient of {program} and flagged under Program & Sasaran until "
                      "the family is registered (or the NIK corrected).").format(
                        nik=row.nik or "-", name=row.member["name"], program=program),
                    row.cells, code="not_in_registry"))
                strangers.append(dict(id=new_id(), program_code=program, period=period,
                                      nik=row.nik, name=row.member["name"],
                                      no_kk=row.household.get("no_kk"),
                                      import_batch_id=self.state.batch_id, line=row.line,
                                      created_at=utcnow()))
                continue
            hid = member["household_id"]
            mid = member["id"] if target == "individu" else None
            if (hid, mid) in existing:
                self.report.unchanged += 1
                continue
            existing.add((hid, mid))
            self.state.new_row(row.line, member["name"], row.household["no_kk"])
            pid = new_id()
            now = utcnow()
            inserts.append(dict(id=pid, program_code=program, household_id=hid, member_id=mid,
                                period=period, source=codes.ParticipationSource.IMPORT.value,
                                status=codes.ParticipationStatus.AKTIF.value, note=None,
                                created_at=now, updated_at=now, version=1, deleted_at=None,
                                deleted_by=None, deleted_reason=None))
            self.state.changes.record("participation", pid, "insert", None, None)
            self.report.created += 1
        if inserts:
            self.bulk.insert_dicts(Participation.__table__, inserts)
        if strangers:
            self.bulk.insert_dicts(UnregisteredRecipient.__table__, strangers)
