"""Verval cycles and the households in them: create, open/close, add (all, a
prelist, a filter), remove, list with progress per area.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from ...core import codes
from ...core.normalize import area_number
from ...core.permissions import Permission
from ...core.targeting import AID_TARGET_DESILS
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import Household, Member, Musdes, VervalCycle, VervalEntry, utcnow
from .. import audit
from ..audit import Change
from ..settings.village import VILLAGE_KEEPS, village_records
from ..context import Actor, require
from ..registry import HouseholdFilter, household_conditions
from .dto import AreaProgress, CycleDTO, CycleHouseholds, CycleStart, EntryRow


class CycleOps:
    """The cycle half of :class:`~puskesos.services.verval.VervalService`."""

    # -- cycles ---------------------------------------------------------------

    def create_cycle(self, *, actor: Actor, name: str, period: str,
                     deadline: date | None = None, note: str | None = None) -> CycleDTO:
        """A new, empty cycle (households are added with :meth:`add_households`; to
        create a cycle with its households at once, :meth:`start_cycle`)."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        with self._db.write() as s:
            row = self._new_cycle(s, actor, name, period, deadline, note)
            return self._cycle_dto(s, row)

    def start_cycle(self, *, actor: Actor, name: str, period: str,
                    households: CycleHouseholds, deadline: date | None = None,
                    note: str | None = None) -> CycleStart:
        """Create a cycle and add its households in one transaction: when anything
        fails, no cycle is left behind (an empty one would confuse the count)."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        with self._db.write() as s:
            row = self._new_cycle(s, actor, name, period, deadline, note)
            missing: list[str] = []
            if households.kind == "prelist":
                found, missing = self._prelist_ids(s, households.identifiers)
                added = self._add_entries(s, actor, row, household_ids=found)
            else:
                chosen = {"all": HouseholdFilter(),
                          "target": HouseholdFilter(desil=AID_TARGET_DESILS),
                          "filter": households.filter or HouseholdFilter()}.get(households.kind)
                if chosen is None:
                    raise InvalidInput(_("Unknown choice of households: {kind}.").format(
                        kind=households.kind))
                added = self._add_entries(s, actor, row, filter=chosen)
            return CycleStart(self._cycle_dto(s, row), added, tuple(missing))

    @staticmethod
    def _new_cycle(s, actor: Actor, name: str, period: str, deadline: date | None,
                   note: str | None) -> VervalCycle:
        name, period = (name or "").strip(), (period or "").strip()
        if not name:
            raise InvalidInput(_("Give the cycle a name, e.g. Verval DTSEN Semester II 2026."))
        if not period:
            raise InvalidInput(_("Give the cycle a period, e.g. 2026-S2."))
        row = VervalCycle(name=name, period=period, deadline=deadline,
                          note=(note or "").strip() or None, created_by=actor.username)
        s.add(row)
        s.flush()
        audit.append(s, actor, "create", [Change("verval_cycle", row.id, "name", None, name)])
        return row

    @staticmethod
    def _cycle_dto(s, row: VervalCycle) -> CycleDTO:
        total, done = s.execute(select(func.count(VervalEntry.id),
                                       func.count(VervalEntry.result))
                                .where(VervalEntry.cycle_id == row.id,
                                       VervalEntry.deleted_at.is_(None))).one()
        return CycleDTO(row.id, row.name, row.period, row.deadline, row.status, row.note,
                        total, done, row.version)

    def cycles(self, *, actor: Actor) -> list[CycleDTO]:
        """Every cycle, the most recent first, with its progress."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            rows = s.scalars(select(VervalCycle).where(VervalCycle.deleted_at.is_(None))
                             .order_by(VervalCycle.created_at.desc()))
            return [self._cycle_dto(s, r) for r in rows]

    def cycle(self, cycle_id: str | None = None, *, actor: Actor) -> CycleDTO:
        """A cycle by id; without an id, the most recent one."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            return self._cycle_dto(s, self._get_cycle(s, cycle_id))

    @staticmethod
    def _get_cycle(s, cycle_id: str | None) -> VervalCycle:
        if cycle_id:
            row = s.get(VervalCycle, cycle_id)
            if row is None:
                row = s.scalars(select(VervalCycle).where(
                    VervalCycle.id.like(f"{cycle_id}%"))).first() if len(cycle_id) >= 4 else None
        else:
            row = s.scalars(select(VervalCycle).where(VervalCycle.deleted_at.is_(None))
                            .order_by(VervalCycle.created_at.desc())).first()
        if row is None or row.deleted_at is not None:
            raise NotFound(_("No verval cycle found. Create one first (Verval → New cycle)."))
        return row

    def set_status(self, *, actor: Actor, cycle_id: str, status: str) -> CycleDTO:
        """Open or close a cycle (a closed cycle takes no visits and no households)."""
        require(actor, Permission.APPROVE)
        village_records(self._db, _(VILLAGE_KEEPS))
        if status not in (codes.CycleStatus.OPEN.value, codes.CycleStatus.CLOSED.value):
            raise InvalidInput(_("Unknown cycle status {status}.").format(status=status))
        with self._db.write() as s:
            row = self._get_cycle(s, cycle_id)
            if row.status != status:
                audit.append(s, actor, "update", [Change("verval_cycle", row.id, "status",
                                                         row.status, status)])
                row.status = status
            s.flush()
            return self._cycle_dto(s, row)

    # -- choosing households ---------------------------------------------------

    def add_households(self, *, actor: Actor, cycle_id: str,
                       filter: HouseholdFilter | None = None,
                       household_ids: list[str] | None = None) -> int:
        """Add households chosen by a filter (all when empty) or by id; returns how many
        were added (those already in the cycle are left as they are)."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        with self._db.write() as s:
            cycle = self._get_cycle(s, cycle_id)
            return self._add_entries(s, actor, cycle, filter=filter,
                                     household_ids=household_ids)

    def _add_entries(self, s, actor: Actor, cycle: VervalCycle, *,
                     filter: HouseholdFilter | None = None,
                     household_ids: list[str] | None = None) -> int:
        self._require_open(cycle)
        if household_ids is not None:
            chosen = list(dict.fromkeys(household_ids))
            present = set(s.scalars(select(Household.id).where(
                Household.id.in_(chosen), Household.deleted_at.is_(None))))
            chosen = [h for h in chosen if h in present]
        else:
            chosen = list(s.scalars(select(Household.id).where(
                *household_conditions(filter or HouseholdFilter()))
                .order_by(*(func.coalesce(c, "") for c in (
                    Household.dusun, Household.rw, Household.rt)), Household.id)))
        existing = set(s.scalars(select(VervalEntry.household_id).where(
            VervalEntry.cycle_id == cycle.id)))
        seq = s.scalar(select(func.max(VervalEntry.seq)).where(
            VervalEntry.cycle_id == cycle.id)) or 0
        added = []
        for household_id in chosen:
            if household_id in existing:
                continue
            seq += 1
            added.append(VervalEntry(cycle_id=cycle.id, household_id=household_id, seq=seq))
        s.add_all(added)
        if added:
            s.flush()
            audit.append(s, actor, "update", [Change("verval_cycle", cycle.id, "households",
                                                     len(existing),
                                                     len(existing) + len(added))])
        return len(added)

    def add_prelist(self, *, actor: Actor, cycle_id: str, identifiers: list[str]
                    ) -> tuple[int, list[str]]:
        """Add the households named in a prelist by No KK, NIK (of any member) or ID
        DTSEN; returns (added, identifiers not found)."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        with self._db.write() as s:
            cycle = self._get_cycle(s, cycle_id)
            found, missing = self._prelist_ids(s, identifiers)
            return self._add_entries(s, actor, cycle, household_ids=found), missing

    @staticmethod
    def _prelist_ids(s, identifiers: list[str]) -> tuple[list[str], list[str]]:
        """(the households a prelist names by No KK, NIK or ID DTSEN, in its order;
        the identifiers not found)."""
        wanted = [i.strip() for i in identifiers if i and i.strip()]
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for hid, kk, dtsen in s.execute(select(
                    Household.id, Household.no_kk, Household.dtsen_id).where(
                    Household.deleted_at.is_(None),
                    (Household.no_kk.in_(chunk)) | (Household.dtsen_id.in_(chunk)))):
                for key in (kk, dtsen):
                    if key in chunk:
                        found[key] = hid
            for hid, nik in s.execute(select(Member.household_id, Member.nik).where(
                    Member.nik.in_(chunk), Member.deleted_at.is_(None))):
                found.setdefault(nik, hid)
        missing = [i for i in wanted if i not in found]
        return [found[i] for i in wanted if i in found], missing

    @staticmethod
    def identifiers_from_file(path) -> list[str]:
        """Every No KK / NIK / ID DTSEN-like value in a prelist spreadsheet, in order.

        The kabupaten's prelists come in every shape; rather than guess the
        column, every cell that holds a 16-digit number (as text or as a
        number Excel kept exactly) is taken.
        """
        from ...core.normalize import identifier_cell
        from ...errors import UserError
        try:
            from python_calamine import CalamineWorkbook
            book = CalamineWorkbook.from_path(str(path))
            found: list[str] = []
            for name in book.sheet_names:
                for row in book.get_sheet_by_name(name).to_python(skip_empty_area=True):
                    for cell in row:
                        if cell in (None, ""):
                            continue
                        value, problem = identifier_cell(cell, "NIK")
                        if value and not problem and len(value) == 16 \
                                and value.isdigit() and value not in found:
                            found.append(value)
        except OSError as exc:
            raise UserError(_("{path} cannot be read ({error}).").format(
                path=path, error=exc.strerror or exc)) from None
        except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
            raise UserError(_("{path} is not a spreadsheet the program can read ({error}). "
                              "Save it as .xlsx and try again.").format(path=path,
                                                                         error=exc)) from None
        if not found:
            raise UserError(_("{path} holds no No KK or NIK (16 digits).").format(path=path))
        return found

    def remove_entry(self, *, actor: Actor, entry_id: str) -> None:
        """Take a household out of an open cycle, unless it already has a visit result."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        with self._db.write() as s:
            entry = self._get_entry(s, entry_id)
            self._require_open(s.get(VervalCycle, entry.cycle_id))
            if entry.result is not None:
                raise InvalidInput(_("This household already has a visit result; it stays in "
                                     "the cycle. Record another result instead."))
            entry.deleted_at, entry.deleted_by = utcnow(), actor.username
            audit.append(s, actor, "delete", [Change("verval_entry", entry.id, "household_id",
                                                     entry.household_id, None)])

    @staticmethod
    def _require_unsigned(s, cycle_id: str) -> None:
        """Once the berita acara has its number, what it records may not change."""
        from ...models import Letter
        row = s.scalar(select(Musdes).where(Musdes.cycle_id == cycle_id))
        if row is None or row.letter_id is None:
            return
        letter = s.get(Letter, row.letter_id)
        if letter is not None and letter.status != codes.LetterStatus.VOID.value:
            raise InvalidInput(_("The berita acara {number} of this musdes is already issued; "
                                 "what it records can no longer change. To change it, void "
                                 "that number in the letter register (File → Letter register) "
                                 "and print a new berita acara.").format(
                number=letter.number_text))

    @staticmethod
    def _require_open(cycle: VervalCycle) -> None:
        if cycle.status != codes.CycleStatus.OPEN.value:
            raise InvalidInput(_("The cycle {name} is closed. Reopen it first.").format(
                name=cycle.name))

    @staticmethod
    def _get_entry(s, entry_id: str) -> VervalEntry:
        entry = s.get(VervalEntry, entry_id)
        if entry is None or entry.deleted_at is not None:
            raise NotFound(_("That household is no longer in the cycle. Refresh the list."))
        return entry

    # -- reading ---------------------------------------------------------------

    def entries(self, *, actor: Actor, cycle_id: str, rt: str | None = None,
                rw: str | None = None, dusun: str | None = None,
                pending_only: bool = False, entry_id: str | None = None,
                area: tuple[str, str, str] | None = None) -> list[EntryRow]:
        """The cycle's households ordered by dusun, RW, RT and head name."""
        require(actor, Permission.VIEW_REGISTRY)
        show_nik = actor.can(Permission.VIEW_FULL_NIK)
        with self._db.read() as s:
            cycle = self._get_cycle(s, cycle_id)
            head = (select(Member.household_id, func.min(Member.name).label("name"),
                           func.min(Member.nik).label("nik"))
                    .where(Member.relationship_code == codes.Relationship.KEPALA.value,
                           Member.deleted_at.is_(None)))
            if entry_id:  # one row: do not group the whole village's members
                head = head.where(Member.household_id == select(
                    VervalEntry.household_id).where(VervalEntry.id == entry_id)
                    .scalar_subquery())
            head = head.group_by(Member.household_id).subquery()
            # columns, not records: loading 20,000 household records cost seconds
            e, h = VervalEntry, Household
            query = (select(e.id, e.seq, h.id, h.no_kk, head.c.name, head.c.nik, h.dusun, h.rw,
                            h.rt, h.address, e.result, e.officer_id, e.visited_on, e.note,
                            e.decision, e.decision_note, e.version)
                     .join(Household, Household.id == VervalEntry.household_id)
                     .outerjoin(head, head.c.household_id == Household.id)
                     .where(VervalEntry.cycle_id == cycle.id, VervalEntry.deleted_at.is_(None)))
            for value, column in ((rt, Household.rt), (rw, Household.rw)):
                if value:
                    query = query.where(column == area_number(value))
            if dusun:
                query = query.where(Household.dusun == dusun)
            if area is not None:
                # one area of progress(): an empty part means "not filled in"
                for value, column in zip(area, (Household.dusun, Household.rw, Household.rt)):
                    query = query.where(column == value if value else
                                        or_(column.is_(None), column == ""))
            # a household removed from the registry after joining stays only if visited
            query = query.where(or_(Household.deleted_at.is_(None),
                                    VervalEntry.result.is_not(None)))
            if pending_only:
                query = query.where(VervalEntry.result.is_(None))
            if entry_id:
                query = query.where(VervalEntry.id == entry_id)
            # coalesce: SQLite and PostgreSQL sort NULLs differently; the order must not
            query = query.order_by(*(func.coalesce(c, "") for c in (
                Household.dusun, Household.rw, Household.rt, head.c.name)), VervalEntry.seq)
            from ...core.identifiers import mask_nik
            return [EntryRow(entry, seq, household, no_kk, name,
                             nik if show_nik or not nik else mask_nik(nik), *rest)
                    for entry, seq, household, no_kk, name, nik, *rest in s.execute(query)]

    def progress(self, *, cycle_id: str, actor: Actor) -> list[AreaProgress]:
        """Done and remaining per dusun/RW/RT."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            cycle = self._get_cycle(s, cycle_id)
            rows = s.execute(select(Household.dusun, Household.rw, Household.rt,
                                    func.count(VervalEntry.id), func.count(VervalEntry.result))
                             .join(Household, Household.id == VervalEntry.household_id)
                             .where(VervalEntry.cycle_id == cycle.id,
                                    VervalEntry.deleted_at.is_(None))
                             .group_by(Household.dusun, Household.rw, Household.rt)
                             .order_by(*(func.coalesce(c, "") for c in (
                                 Household.dusun, Household.rw, Household.rt))))
            return [AreaProgress(d or "", rw or "", rt or "", total, done)
                    for d, rw, rt, total, done in rows]

    def cycle_of_entry(self, entry_id: str, *, actor: Actor) -> str:
        """The cycle a household entry belongs to."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            return self._get_entry(s, entry_id).cycle_id
