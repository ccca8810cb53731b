"""Verval cycles: choose households, record visit results, approve corrections, musdes.

A cycle lists the households to verify (all, a prelist from a spreadsheet,
or a filter of the household list).  A visit result is recorded per
household and per member; a correction found at the visit is a *proposal*
that changes the registry only when the koordinator approves it, through
the same save as the household form (validation, audit, search text).  The
musdes records who attended and what was decided per household.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from ..core import codes
from ..core.codes import MusdesDecision, VervalMemberResult, VervalResult
from ..core.labels import HOUSEHOLD_LABELS, MEMBER_LABELS
from ..core.normalize import date_cell
from ..core.permissions import Permission
from ..core.validation import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from ..db.engine import Database
from ..errors import Conflict, InvalidInput, NotFound
from ..i18n import _
from ..models import (Household, Member, Musdes, MusdesAttendee, Officer, VervalCycle,
                      VervalEntry, VervalMember, VervalProposal, utcnow)
from . import audit
from .audit import Change
from .context import Actor, require
from .households import HouseholdFilter, HouseholdService, household_conditions

#: the musdes decision a result suggests (the operator may choose another)
SUGGESTED_DECISION = {
    VervalResult.TETAP.value: MusdesDecision.TETAP.value,
    VervalResult.PERBAIKAN_DATA.value: MusdesDecision.PERBAIKAN.value,
    VervalResult.TIDAK_DITEMUKAN.value: MusdesDecision.HAPUS.value,
    VervalResult.PINDAH.value: MusdesDecision.HAPUS.value,
    VervalResult.MENINGGAL.value: MusdesDecision.HAPUS.value,
    VervalResult.GANDA.value: MusdesDecision.HAPUS.value,
    VervalResult.MAMPU_TIDAK_LAYAK.value: MusdesDecision.HAPUS.value,
    VervalResult.USULAN_BARU.value: MusdesDecision.USULAN_BARU.value,
}
#: a member result that changes the member's presence when approved
MEMBER_PRESENCE = {
    VervalMemberResult.MENINGGAL.value: codes.Presence.MENINGGAL.value,
    VervalMemberResult.PINDAH.value: codes.Presence.PINDAH.value,
    VervalMemberResult.TIDAK_DITEMUKAN.value: codes.Presence.TIDAK_DITEMUKAN.value,
}
#: fields a visit may propose to correct
CORRECTABLE_HOUSEHOLD = tuple(f for f in HOUSEHOLD_FIELDS
                              if f not in ("assets", "note", "latitude", "longitude"))
CORRECTABLE_MEMBER = tuple(f for f in MEMBER_FIELDS if f not in ("pregnant",))


@dataclass(frozen=True)
class CycleDTO:
    id: str
    name: str
    period: str
    deadline: date | None
    status: str
    note: str | None
    households: int
    done: int
    version: int


@dataclass(frozen=True)
class EntryRow:
    id: str
    seq: int
    household_id: str
    no_kk: str | None
    head_name: str | None
    head_nik: str | None
    dusun: str | None
    rw: str | None
    rt: str | None
    address: str | None
    result: str | None
    officer_id: str | None
    visited_on: date | None
    note: str | None
    decision: str | None
    decision_note: str | None
    version: int


@dataclass(frozen=True)
class AreaProgress:
    dusun: str
    rw: str
    rt: str
    total: int
    done: int

    @property
    def remaining(self) -> int:
        return self.total - self.done


@dataclass(frozen=True)
class MemberFinding:
    """What the visit found for a member; ``member_id`` None for a new member."""

    result: str
    member_id: str | None = None
    name: str | None = None
    nik: str | None = None
    note: str | None = None
    # a new member only: what the koordinator needs to add the person
    sex: str | None = None
    birth_date: date | None = None
    relationship_code: str | None = None


@dataclass(frozen=True)
class Correction:
    target: str          # "household" or "member"
    target_id: str
    field: str
    new_value: Any


@dataclass(frozen=True)
class ProposalDTO:
    id: str
    entry_id: str
    household_id: str
    head_name: str | None
    target: str
    target_id: str
    target_name: str
    field: str
    field_label: str
    old_value: str | None
    new_value: str | None
    status: str
    proposed_by: str
    decided_by: str | None
    decision_note: str | None


@dataclass(frozen=True)
class Attendee:
    name: str
    position: str | None = None
    officer_id: str | None = None


@dataclass(frozen=True)
class MusdesDTO:
    id: str
    cycle_id: str
    held_on: date
    place: str
    agenda: str | None
    notulen: str | None
    ketua_bpd: str | None
    note: str | None
    letter_id: str | None
    attendees: tuple[Attendee, ...]


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).strip()


def _coded(target: str, field: str, text: str | None) -> str | None:
    """A coded field's value as its code: "Keramik" or "1" → "1"; unknown → InvalidInput."""
    from ..core.validation import HOUSEHOLD_CODE_FIELDS, MEMBER_CODE_FIELDS
    code_list = (HOUSEHOLD_CODE_FIELDS if target == "household" else MEMBER_CODE_FIELDS) \
        .get(field)
    if code_list is None or not text:
        return text
    try:
        member = code_list.from_code(text)
    except ValueError:
        wanted = text.strip().lower()
        member = next((m for m in code_list if m.label.lower() == wanted
                       or m.label.lower().startswith(wanted)), None)
    if member is None:
        raise InvalidInput(_("{value} is not a choice for this field; use one of: "
                             "{choices}.").format(value=text, choices="; ".join(
                                 f"{m.value} {m.label}" for m in code_list)))
    return member.value


def _parse_value(field: str, text: str | None, example: Any) -> Any:
    """The typed value of a proposal's text for a registry field."""
    if text is None or text == "":
        return None
    if field in ("birth_date", "presence_date"):
        value, problem = date_cell(text)
        if problem:
            raise InvalidInput(problem)
        return value
    if field in ("floor_area",):
        try:
            return float(str(text).replace(",", "."))
        except ValueError:
            raise InvalidInput(_("{value} is not a number.").format(value=text)) from None
    return str(text).strip()


#: the target of a proposal to add a person found at the visit (target_id: the
#: household, field: the person's name, new value: the details as JSON)
NEW_MEMBER = "new_member"


def _json_text(details: dict) -> str:
    import json
    return json.dumps(details, ensure_ascii=False, sort_keys=True)


def _new_member(finding: "MemberFinding") -> dict:
    """The details of a new member found at the visit, checked: sex and date of birth
    from a valid NIK when not given."""
    from ..core.identifiers import check_nik
    name = " ".join((finding.name or "").split()).upper()
    if len(name) > 120:
        raise InvalidInput(_("The name {name}… is longer than 120 letters.").format(
            name=name[:40]))
    nik = (finding.nik or "").strip() or None
    sex, born = finding.sex or None, finding.birth_date
    if nik:
        checked = check_nik(nik, birth_date=born, sex=sex)
        error = next((i.message for i in checked.errors), None)
        if error:
            raise InvalidInput(_("New member {name}: {error}").format(name=name, error=error))
        nik = checked.value
        if checked.info is not None:
            sex = sex or checked.info.sex
            born = born or checked.info.birth_date
    if sex not in (None, "L", "P"):
        raise InvalidInput(_("New member {name}: write the sex as L or P.").format(name=name))
    relationship = finding.relationship_code or None
    if relationship is not None:
        try:
            codes.Relationship(relationship)
        except ValueError:
            raise InvalidInput(_("New member {name}: choose the relationship to the head of "
                                 "the family.").format(name=name)) from None
    return {"name": name, "nik": nik, "sex": sex,
            "birth_date": born.isoformat() if born else None,
            "relationship_code": relationship}


def _new_member_key(details: dict) -> str:
    """The key of a new member's proposal: the NIK, else a digest of name and date of
    birth (two people of one name are two proposals)."""
    import hashlib
    if details.get("nik"):
        return "nik:" + details["nik"]
    text = f"{details['name']}|{details.get('birth_date') or ''}"
    return "nama:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:32]


def new_member_text(value: str | None, show_nik: bool = True) -> str:
    """A new member's details as a person reads them (NIK masked unless ``show_nik``)."""
    import json
    from ..core.identifiers import mask_nik
    try:
        d = json.loads(value or "{}")
    except ValueError:
        return value or ""
    parts = [d.get("name") or "-"]
    if d.get("nik"):
        parts.append("NIK " + (d["nik"] if show_nik else mask_nik(d["nik"])))
    if d.get("sex"):
        parts.append(d["sex"])
    if d.get("birth_date"):
        parts.append(date.fromisoformat(d["birth_date"]).strftime("%d-%m-%Y"))
    if d.get("relationship_code"):
        parts.append(codes.Relationship.label_of(d["relationship_code"]))
    return " · ".join(parts)


def _matching_member(members, details: dict):
    """The member (input or record) who is the person of a new-member proposal: the
    same NIK, or without one the same name and date of birth; else None."""
    for m in members:
        if (details.get("nik") and m.nik == details["nik"]) or (
                not details.get("nik") and m.name == details.get("name")
                and (m.birth_date.isoformat() if m.birth_date else None)
                == details.get("birth_date")):
            return m
    return None


def _new_member_name(details_text: str | None) -> str:
    import json
    try:
        return json.loads(details_text or "{}").get("name") or ""
    except ValueError:
        return ""


def _with_new_member(members: list, details_text: str | None) -> tuple[list, bool]:
    """The household's members with the person of a new-member proposal added, and
    whether the person is there already (an approval interrupted after the save)."""
    import json

    from ..core.validation import MemberInput
    d = json.loads(details_text or "{}")
    if _matching_member(members, d) is not None:
        return members, True
    if not d.get("sex"):
        raise InvalidInput(_("The sex of {name} is not known (no valid NIK). Add the person "
                             "in the household form, then reject this proposal.")
                           .format(name=d.get("name") or "-"))
    person = MemberInput(name=d["name"], sex=d["sex"], nik=d.get("nik"),
                         relationship_code=d.get("relationship_code")
                         or codes.Relationship.LAINNYA.value,
                         birth_date=date.fromisoformat(d["birth_date"])
                         if d.get("birth_date") else None)
    return [*members, person], False


class VervalService:
    def __init__(self, db: Database):
        self._db = db

    # -- cycles ---------------------------------------------------------------

    def create_cycle(self, *, actor: Actor, name: str, period: str,
                     deadline: date | None = None, note: str | None = None) -> CycleDTO:
        require(actor, Permission.EDIT_REGISTRY)
        name, period = (name or "").strip(), (period or "").strip()
        if not name:
            raise InvalidInput(_("Give the cycle a name, e.g. Verval DTSEN Semester II 2026."))
        if not period:
            raise InvalidInput(_("Give the cycle a period, e.g. 2026-S2."))
        with self._db.write() as s:
            row = VervalCycle(name=name, period=period, deadline=deadline,
                              note=(note or "").strip() or None, created_by=actor.username)
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [Change("verval_cycle", row.id, "name", None,
                                                     name)])
            return self._cycle_dto(s, row)

    @staticmethod
    def _cycle_dto(s, row: VervalCycle) -> CycleDTO:
        total, done = s.execute(select(func.count(VervalEntry.id),
                                       func.count(VervalEntry.result))
                                .where(VervalEntry.cycle_id == row.id,
                                       VervalEntry.deleted_at.is_(None))).one()
        return CycleDTO(row.id, row.name, row.period, row.deadline, row.status, row.note,
                        total, done, row.version)

    def cycles(self) -> list[CycleDTO]:
        with self._db.read() as s:
            rows = s.scalars(select(VervalCycle).where(VervalCycle.deleted_at.is_(None))
                             .order_by(VervalCycle.created_at.desc()))
            return [self._cycle_dto(s, r) for r in rows]

    def cycle(self, cycle_id: str | None = None) -> CycleDTO:
        """A cycle by id; without an id, the most recent one."""
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
        require(actor, Permission.APPROVE)
        if status not in ("open", "closed"):
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
        with self._db.write() as s:
            cycle = self._get_cycle(s, cycle_id)
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
        wanted = [i.strip() for i in identifiers if i and i.strip()]
        with self._db.read() as s:
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
        added = self.add_households(actor=actor, cycle_id=cycle_id,
                                    household_ids=[found[i] for i in wanted if i in found])
        return added, missing

    @staticmethod
    def identifiers_from_file(path) -> list[str]:
        """Every No KK / NIK / ID DTSEN-like value in a prelist spreadsheet, in order.

        The kabupaten's prelists come in every shape; rather than guess the
        column, every cell that holds a 16-digit number (as text or as a
        number Excel kept exactly) is taken.
        """
        from ..core.normalize import identifier_cell
        from ..errors import UserError
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
        require(actor, Permission.EDIT_REGISTRY)
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
        from ..models import Letter
        row = s.scalar(select(Musdes).where(Musdes.cycle_id == cycle_id))
        if row is None or row.letter_id is None:
            return
        letter = s.get(Letter, row.letter_id)
        if letter is not None and letter.status != "void":
            raise InvalidInput(_("The berita acara {number} of this musdes is already issued; "
                                 "what it records can no longer change. To change it, void "
                                 "that number in the letter register (File → Letter register) "
                                 "and print a new berita acara.").format(
                number=letter.number_text))

    @staticmethod
    def _require_open(cycle: VervalCycle) -> None:
        if cycle.status != "open":
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
                    query = query.where(column == (f"{int(value):03d}" if value.isdigit()
                                                   else value))
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
            from ..core.identifiers import mask_nik
            return [EntryRow(entry, seq, household, no_kk, name,
                             nik if show_nik or not nik else mask_nik(nik), *rest)
                    for entry, seq, household, no_kk, name, nik, *rest in s.execute(query)]

    def progress(self, *, cycle_id: str) -> list[AreaProgress]:
        """Done and remaining per dusun/RW/RT."""
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

    def cycle_of_entry(self, entry_id: str) -> str:
        with self._db.read() as s:
            return self._get_entry(s, entry_id).cycle_id

    def member_findings(self, entry_id: str, actor: Actor | None = None
                        ) -> list[MemberFinding]:
        """What the visit found per member; a new member with the details of its
        proposal (sex, date of birth, relationship).  A new member's NIK is masked
        for an ``actor`` without the right to see NIKs."""
        import json

        from ..core.identifiers import mask_nik
        show = actor is None or actor.can(Permission.VIEW_FULL_NIK)
        with self._db.read() as s:
            details: dict[str, dict] = {}
            # the waiting proposal of a key wins over decided ones, the newest otherwise
            for p in s.scalars(select(VervalProposal).where(
                    VervalProposal.entry_id == entry_id, VervalProposal.target == NEW_MEMBER)
                    .order_by(VervalProposal.status == "usulan", VervalProposal.proposed_at)):
                details[p.field] = json.loads(p.new_value or "{}")
            out = []
            for r in s.scalars(select(VervalMember).where(
                    VervalMember.entry_id == entry_id).order_by(VervalMember.name)):
                d = details.get(r.proposal_key or "", {}) if r.member_id is None else {}
                nik = r.nik if show or not r.nik else mask_nik(r.nik)
                out.append(MemberFinding(
                    r.result, r.member_id, r.name, nik, r.note, d.get("sex"),
                    date.fromisoformat(d["birth_date"]) if d.get("birth_date") else None,
                    d.get("relationship_code")))
            return out

    # -- recording results -----------------------------------------------------

    def record_result(self, *, actor: Actor, entry_id: str, result: str,
                      officer_id: str | None = None, visited_on: date | None = None,
                      note: str | None = None, members: list[MemberFinding] = (),
                      corrections: list[Correction] = (),
                      expected_version: int | None = None) -> EntryRow:
        """Record what the visit found; corrections become proposals for the koordinator."""
        require(actor, Permission.EDIT_REGISTRY)
        try:
            VervalResult(result)
        except ValueError:
            raise InvalidInput(_("Choose a result for this household.")) from None
        if visited_on and visited_on > date.today():
            raise InvalidInput(_("The visit date is in the future."))
        with self._db.write() as s:
            entry = self._get_entry(s, entry_id)
            cycle = s.get(VervalCycle, entry.cycle_id)
            self._require_open(cycle)
            if expected_version is not None and entry.version != expected_version:
                raise Conflict(_("Someone else recorded this household meanwhile. Open it "
                                 "again to see their result."))
            if officer_id and s.get(Officer, officer_id) is None:
                raise NotFound(_("That officer is not in the roster any more."))
            household = s.get(Household, entry.household_id)
            stored = {m.id: m for m in s.scalars(select(Member).where(
                Member.household_id == household.id, Member.deleted_at.is_(None)))}
            changes = [Change("verval_entry", entry.id, "result", entry.result, result)]
            entry.result, entry.officer_id = result, officer_id
            entry.visited_on, entry.note = visited_on, (note or "").strip() or None
            entry.recorded_by, entry.recorded_at = actor.username, utcnow()
            if entry.decision is None:
                entry.decision = None  # decided in the musdes, not here
            pending = {(p.target, p.target_id, p.field): p for p in s.scalars(
                select(VervalProposal).where(VervalProposal.entry_id == entry.id,
                                             VervalProposal.status == "usulan"))}
            new_proposals: list[VervalProposal] = []

            def propose(target, target_id, field, old, new) -> None:
                """A pending proposal for the same field is updated, never duplicated."""
                existing = pending.get((target, target_id, field))
                if existing is not None:
                    if existing.new_value != _text(new):
                        changes.append(Change("verval_proposal", existing.id, field,
                                              existing.new_value, _text(new)))
                        existing.new_value = _text(new)
                    return
                proposal = self._proposal(entry, target, target_id, field, old, new, actor)
                pending[(target, target_id, field)] = proposal
                new_proposals.append(proposal)

            if members:  # the findings are replaced only when the caller gives them
                previous = list(s.scalars(select(VervalMember).where(
                    VervalMember.entry_id == entry.id)))
                before = sorted(f"{f.member_id or f.name}:{f.result}" for f in previous)
                for old in previous:
                    s.delete(old)
                s.flush()
                after = []
                # new members whose proposal was decided are not proposed again
                decided = set(s.scalars(select(VervalProposal.field).where(
                    VervalProposal.entry_id == entry.id, VervalProposal.target == NEW_MEMBER,
                    VervalProposal.status != "usulan")))
                keys: set[str] = set()
                for finding in members:
                    try:
                        VervalMemberResult(finding.result)
                    except ValueError:
                        raise InvalidInput(_("Choose what was found for every member.")) \
                            from None
                    if finding.member_id is None:
                        if finding.result != VervalMemberResult.ANGGOTA_BARU.value \
                                or not (finding.name or "").strip():
                            raise InvalidInput(_("A new member needs a name."))
                    elif finding.member_id not in stored:
                        raise NotFound(_("A member of this household was removed meanwhile. "
                                         "Refresh and try again."))
                    key = None
                    if finding.member_id is None:
                        details = _new_member(finding)
                        key = _new_member_key(details)
                        if key in keys:
                            raise InvalidInput(_("{name} is written twice among the new "
                                                 "members.").format(name=details["name"]))
                        keys.add(key)
                        if key not in decided:
                            propose(NEW_MEMBER, household.id, key, None, _json_text(details))
                    s.add(VervalMember(entry_id=entry.id, member_id=finding.member_id,
                                       result=finding.result,
                                       name=" ".join((finding.name or "").split()).upper()
                                       or None,
                                       nik=(finding.nik or "").strip() or None,
                                       note=(finding.note or "").strip() or None,
                                       proposal_key=key))
                    after.append(f"{finding.member_id or ' '.join((finding.name or '').split()).upper()}:"
                                 f"{finding.result}")
                    presence = MEMBER_PRESENCE.get(finding.result)
                    member = stored.get(finding.member_id)
                    if presence and member is not None and member.presence != presence:
                        propose("member", member.id, "presence", member.presence, presence)
                if sorted(after) != before:
                    changes.append(Change("verval_entry", entry.id, "members",
                                          "; ".join(before) or None, "; ".join(sorted(after))))
                # a new member no longer on the form: the waiting proposal goes with it
                for key, proposal in list(pending.items()):
                    if key[0] == NEW_MEMBER and key[2] not in keys:
                        del pending[key]
                        if proposal in new_proposals:
                            new_proposals.remove(proposal)
                        else:
                            changes.append(Change("verval_proposal", proposal.id, key[2],
                                                  proposal.new_value, None))
                            s.delete(proposal)
            for correction in corrections:
                if correction.target == "household":
                    if correction.target_id != household.id or \
                            correction.field not in CORRECTABLE_HOUSEHOLD:
                        raise InvalidInput(_("{field} cannot be corrected here.").format(
                            field=correction.field))
                    old = getattr(household, correction.field)
                elif correction.target == "member":
                    member = stored.get(correction.target_id)
                    if member is None or correction.field not in CORRECTABLE_MEMBER:
                        raise InvalidInput(_("{field} cannot be corrected here.").format(
                            field=correction.field))
                    old = getattr(member, correction.field)
                else:
                    raise InvalidInput(_("{field} cannot be corrected here.").format(
                        field=correction.target))
                new_text = _coded(correction.target, correction.field,
                                  _text(correction.new_value))
                _parse_value(correction.field, new_text, old)  # refuse nonsense now
                if _text(old) == new_text:
                    continue
                propose(correction.target, correction.target_id, correction.field,
                        _text(old), new_text)
            s.add_all(new_proposals)
            s.flush()
            for p in new_proposals:
                changes.append(Change("verval_proposal", p.id, p.field, p.old_value,
                                      p.new_value))
            audit.append(s, actor, "update", changes, note)
            s.flush()
        return self._entry_row(actor, entry_id)

    @staticmethod
    def _proposal(entry, target, target_id, field, old, new, actor) -> VervalProposal:
        return VervalProposal(entry_id=entry.id, target=target, target_id=target_id,
                              field=field, old_value=_text(old), new_value=_text(new),
                              proposed_by=actor.username, status="usulan")

    def _entry_row(self, actor: Actor, entry_id: str) -> EntryRow:
        with self._db.read() as s:
            entry = self._get_entry(s, entry_id)
            cycle_id = entry.cycle_id
        for row in self.entries(actor=actor, cycle_id=cycle_id, entry_id=entry_id):
            return row
        raise NotFound(_("That household is no longer in the cycle. Refresh the list."))

    # -- proposals ---------------------------------------------------------------

    def proposals(self, *, cycle_id: str, status: str | None = "usulan",
                  actor: Actor | None = None, entry_id: str | None = None
                  ) -> list[ProposalDTO]:
        """Proposed corrections; NIK and No KK values are masked for a reader without
        the right to see them (and when no actor is given)."""
        from ..core.identifiers import mask_nik
        show = actor is not None and actor.can(Permission.VIEW_FULL_NIK)

        def shown(field: str, value: str | None) -> str | None:
            return value if show or field not in ("nik", "no_kk") or not value \
                else mask_nik(value)

        with self._db.read() as s:
            cycle = self._get_cycle(s, cycle_id)
            query = (select(VervalProposal, VervalEntry.household_id)
                     .join(VervalEntry, VervalEntry.id == VervalProposal.entry_id)
                     .where(VervalEntry.cycle_id == cycle.id)
                     .order_by(VervalEntry.seq, VervalProposal.proposed_at))
            if status:
                query = query.where(VervalProposal.status == status)
            if entry_id:
                query = query.where(VervalProposal.entry_id == entry_id)
            rows = s.execute(query).all()
            member_ids = {p.target_id for p, _h in rows if p.target == "member"}
            household_ids = {h for _p, h in rows}
            names = dict(s.execute(select(Member.id, Member.name).where(
                Member.id.in_(member_ids))).all()) if member_ids else {}
            heads = dict(s.execute(select(Member.household_id, Member.name).where(
                Member.household_id.in_(household_ids),
                Member.relationship_code == codes.Relationship.KEPALA.value,
                Member.deleted_at.is_(None))).all()) if household_ids else {}
            out = []
            for p, household_id in rows:
                if p.target == NEW_MEMBER:
                    out.append(ProposalDTO(p.id, p.entry_id, household_id,
                                           heads.get(household_id), p.target, p.target_id,
                                           _new_member_name(p.new_value), p.field,
                                           _("New member"), None,
                                           new_member_text(p.new_value, show), p.status,
                                           p.proposed_by, p.decided_by, p.decision_note))
                    continue
                labels = MEMBER_LABELS if p.target == "member" else HOUSEHOLD_LABELS
                target_name = names.get(p.target_id, "") if p.target == "member" \
                    else _("Household")
                out.append(ProposalDTO(p.id, p.entry_id, household_id, heads.get(household_id),
                                       p.target, p.target_id, target_name, p.field,
                                       _(labels.get(p.field, p.field)),
                                       shown(p.field, p.old_value),
                                       shown(p.field, p.new_value), p.status, p.proposed_by,
                                       p.decided_by, p.decision_note))
            return out

    def decide_proposal(self, *, actor: Actor, proposal_id: str, approve: bool,
                        note: str | None = None) -> ProposalDTO:
        """Approve (apply to the registry) or reject a proposed correction."""
        require(actor, Permission.APPROVE)
        households = HouseholdService(self._db)
        with self._db.read() as s:
            p = s.get(VervalProposal, proposal_id)
            if p is None:
                raise NotFound(_("That proposal no longer exists. Refresh the list."))
            if p.status != "usulan":
                raise InvalidInput(_("That proposal was already decided."))
            entry = s.get(VervalEntry, p.entry_id)
            cycle_id, household_id = entry.cycle_id, entry.household_id
            target, target_id, field_name = p.target, p.target_id, p.field
            new_text, old_text = p.new_value, p.old_value
        already = False
        if approve:
            current = households.get(actor=actor, household_id=household_id)
            data = current.data
            members = [m for m in current.members if not m.removed]
            member_inputs = [m.as_input() for m in members]
            if target == NEW_MEMBER:
                member_inputs, already = _with_new_member(member_inputs, new_text)
            else:
                stored_now = _text(getattr(data, field_name)) if target == "household" \
                    else next((_text(getattr(m, field_name)) for m in member_inputs
                               if m.id == target_id), None)
                # an approval interrupted after the registry was saved: just finish it
                already = stored_now == new_text and stored_now != old_text
            if already or target == NEW_MEMBER:
                pass
            elif target == "household":
                if _text(getattr(data, field_name)) != old_text:
                    raise Conflict(_("{field} was changed after the visit (now {value}). "
                                     "Reject this proposal or record the visit again.")
                                   .format(field=_(HOUSEHOLD_LABELS.get(field_name, field_name)),
                                           value=_text(getattr(data, field_name)) or "-"))
                data = dataclasses.replace(data, **{field_name: _parse_value(
                    field_name, new_text, getattr(data, field_name))})
            else:
                index = next((i for i, m in enumerate(member_inputs) if m.id == target_id),
                             None)
                if index is None:
                    raise NotFound(_("That member was removed meanwhile."))
                old_member = member_inputs[index]
                if _text(getattr(old_member, field_name)) != old_text:
                    raise Conflict(_("{field} was changed after the visit (now {value}). "
                                     "Reject this proposal or record the visit again.")
                                   .format(field=_(MEMBER_LABELS.get(field_name, field_name)),
                                           value=_text(getattr(old_member, field_name)) or "-"))
                member_inputs[index] = dataclasses.replace(old_member, **{
                    field_name: _parse_value(field_name, new_text,
                                             getattr(old_member, field_name))})
            if not already:
                households.save(actor=actor, household=data, members=member_inputs,
                                household_id=household_id, expected_version=current.version,
                                reason=_("verval correction approved"),
                                accept_warnings="verval")
        person = None
        if approve and target == NEW_MEMBER:
            import json
            person = _matching_member(
                households.get(actor=actor, household_id=household_id).members,
                json.loads(new_text or "{}"))
        with self._db.write() as s:
            p = s.get(VervalProposal, proposal_id, with_for_update=True)
            if p.status != "usulan":
                raise InvalidInput(_("That proposal was already decided."))
            if person is not None:
                # the visit's finding now names the registered person (shown once)
                for finding in s.scalars(select(VervalMember).where(
                        VervalMember.entry_id == p.entry_id,
                        VervalMember.proposal_key == p.field,
                        VervalMember.member_id.is_(None))):
                    finding.member_id = person.id
            p.status = "setuju" if approve else "tolak"
            p.decided_by, p.decided_at = actor.username, utcnow()
            p.decision_note = (note or "").strip() or None
            audit.append(s, actor, "update", [Change("verval_proposal", p.id, "status",
                                                     "usulan", p.status)], note)
        return next(x for x in self.proposals(cycle_id=cycle_id, status=None)
                    if x.id == proposal_id)

    # -- musdes --------------------------------------------------------------------

    def save_musdes(self, *, actor: Actor, cycle_id: str, held_on: date, place: str,
                    attendees: list[Attendee], agenda: str | None = None,
                    notulen: str | None = None, ketua_bpd: str | None = None,
                    note: str | None = None) -> MusdesDTO:
        require(actor, Permission.EDIT_REGISTRY)
        if not (place or "").strip():
            raise InvalidInput(_("Where was the musdes held? Fill in the place."))
        if held_on is None:
            raise InvalidInput(_("Fill in the date of the musdes."))
        people = [a for a in attendees if (a.name or "").strip()]
        if not people:
            raise InvalidInput(_("List at least one attendee of the musdes."))
        with self._db.write() as s:
            cycle = self._get_cycle(s, cycle_id)
            self._require_open(cycle)
            self._require_unsigned(s, cycle.id)
            row = s.scalar(select(Musdes).where(Musdes.cycle_id == cycle.id))
            action = "update"
            if row is None:
                row = Musdes(cycle_id=cycle.id, held_on=held_on, place=place.strip())
                s.add(row)
                action = "create"
            row.held_on, row.place = held_on, place.strip()
            row.agenda = (agenda or "").strip() or None
            row.notulen = (notulen or "").strip() or None
            row.ketua_bpd = (ketua_bpd or "").strip() or None
            row.note = (note or "").strip() or None
            s.flush()
            for old in s.scalars(select(MusdesAttendee).where(
                    MusdesAttendee.musdes_id == row.id)):
                s.delete(old)
            for order, a in enumerate(people):
                s.add(MusdesAttendee(musdes_id=row.id, officer_id=a.officer_id,
                                     name=a.name.strip(),
                                     position=(a.position or "").strip() or None,
                                     sort_order=order))
            s.flush()
            audit.append(s, actor, action, [Change("musdes", row.id, "held_on", None,
                                                   held_on)], place)
        return self.musdes(cycle_id)

    def musdes(self, cycle_id: str | None) -> MusdesDTO | None:
        with self._db.read() as s:
            cycle = self._get_cycle(s, cycle_id)
            row = s.scalar(select(Musdes).where(Musdes.cycle_id == cycle.id))
            if row is None:
                return None
            people = tuple(Attendee(a.name, a.position, a.officer_id) for a in s.scalars(
                select(MusdesAttendee).where(MusdesAttendee.musdes_id == row.id)
                .order_by(MusdesAttendee.sort_order)))
            return MusdesDTO(row.id, row.cycle_id, row.held_on, row.place, row.agenda,
                             row.notulen, row.ketua_bpd, row.note, row.letter_id, people)

    def decide(self, *, actor: Actor, entry_id: str, decision: str | None,
               note: str | None = None) -> None:
        """Record the musdes decision for a household of the cycle."""
        require(actor, Permission.EDIT_REGISTRY)
        if decision is not None:
            try:
                MusdesDecision(decision)
            except ValueError:
                raise InvalidInput(_("Unknown decision {decision}.").format(
                    decision=decision)) from None
            if decision == MusdesDecision.HAPUS.value and not (note or "").strip():
                raise InvalidInput(_("Give the reason why the household is removed from the "
                                     "list."))
        with self._db.write() as s:
            entry = self._get_entry(s, entry_id)
            self._require_open(s.get(VervalCycle, entry.cycle_id))
            self._require_unsigned(s, entry.cycle_id)
            audit.append(s, actor, "update", [Change("verval_entry", entry.id, "decision",
                                                     entry.decision, decision)], note)
            entry.decision = decision
            entry.decision_note = (note or "").strip() or None

    def decide_suggested(self, *, actor: Actor, cycle_id: str) -> int:
        """Fill the suggested decision (from the visit result) where none is recorded."""
        require(actor, Permission.EDIT_REGISTRY)
        count = 0
        with self._db.write() as s:
            cycle = self._get_cycle(s, cycle_id)
            self._require_open(cycle)
            self._require_unsigned(s, cycle.id)
            for entry in s.scalars(select(VervalEntry).where(
                    VervalEntry.cycle_id == cycle.id, VervalEntry.deleted_at.is_(None),
                    VervalEntry.decision.is_(None), VervalEntry.result.is_not(None))):
                decision = SUGGESTED_DECISION.get(entry.result)
                if decision is None:
                    continue
                entry.decision = decision
                if decision == MusdesDecision.HAPUS.value and not entry.decision_note:
                    entry.decision_note = VervalResult.label_of(entry.result)
                count += 1
            if count:
                audit.append(s, actor, "update", [Change("verval_cycle", cycle.id,
                                                         "decisions", None, count)],
                             "suggested decisions")
        return count

    def resolve_member(self, key: str) -> str:
        """A member id from an id, an id prefix or a NIK (for the command line)."""
        key = (key or "").strip()
        with self._db.read() as s:
            found = s.scalars(select(Member.id).where(
                Member.deleted_at.is_(None),
                (Member.id == key) | (Member.nik == key) |
                (Member.id.like(f"{key}%") if len(key) >= 6 else Member.id == key))).all()
        if len(found) != 1:
            raise NotFound(_("No single resident matches {key}. Give the member id or the "
                             "NIK.").format(key=key))
        return found[0]

    def link_letter(self, s, cycle_id: str, letter_id: str) -> str:
        """Link the berita acara's number to the musdes (row locked); returns the letter
        id in force — another operator's, when theirs was linked first."""
        from ..models import Letter
        row = s.scalars(select(Musdes).where(Musdes.cycle_id == cycle_id)
                        .with_for_update()).one()
        if row.letter_id and row.letter_id != letter_id:
            current = s.get(Letter, row.letter_id)
            if current is not None and current.status != "void":
                return current.id
        row.letter_id = letter_id
        return letter_id


def decision_counts(rows: list[EntryRow]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.decision:
            counts[row.decision] += 1
    return dict(counts)
