"""The village deliberation (musdes): attendance, minutes, and the decision per
household; the berita acara's letter number.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ...core.codes import MusdesDecision, VervalResult
from ...core.validation import (LONG_NOTE_LIMIT, NAME_LIMIT, PLACE_LIMIT, SHORT_NOTE_LIMIT,
                                checked_text)
from ...core.permissions import Permission
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import Member, Musdes, MusdesAttendee, VervalCycle, VervalEntry
from .. import audit
from ..audit import Change
from ..exchange.tombstones import remember_removed
from ..settings.village import VILLAGE_KEEPS, village_records
from ..context import Actor, require
from .dto import SUGGESTED_DECISION, Attendee, MusdesDTO


class MusdesOps:
    """The musdes half of :class:`~puskesos.services.verval.VervalService`."""

    # -- musdes --------------------------------------------------------------------

    def save_musdes(self, *, actor: Actor, cycle_id: str, held_on: date, place: str,
                    attendees: list[Attendee], agenda: str | None = None,
                    notulen: str | None = None, ketua_bpd: str | None = None,
                    note: str | None = None) -> MusdesDTO:
        """Record (or correct) the musdes of a cycle: date, place, attendees and
        minutes; refused once its berita acara is signed."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        if not (place or "").strip():
            raise InvalidInput(_("Where was the musdes held? Fill in the place."))
        checked_text(_("Place"), place, PLACE_LIMIT)
        agenda = checked_text(_("Agenda"), agenda, SHORT_NOTE_LIMIT, lines=True)
        notulen = checked_text(_("Minutes taker (notulen)"), notulen, NAME_LIMIT)
        ketua_bpd = checked_text(_("Head of the BPD"), ketua_bpd, NAME_LIMIT)
        note = checked_text(_("Note"), note, LONG_NOTE_LIMIT, lines=True)
        for a in attendees:
            checked_text(_("Name"), a.name, NAME_LIMIT)
            checked_text(_("Position"), a.position, NAME_LIMIT)
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
            previous = list(s.scalars(select(MusdesAttendee).where(
                MusdesAttendee.musdes_id == row.id)))
            # (the kabupaten was sent them: the next bundle removes them there too)
            remember_removed(s, "musdes_attendee", [a.id for a in previous],
                             actor=actor.username, reason=None)
            for old in previous:
                s.delete(old)
            for order, a in enumerate(people):
                s.add(MusdesAttendee(musdes_id=row.id, officer_id=a.officer_id,
                                     name=a.name.strip(),
                                     position=(a.position or "").strip() or None,
                                     sort_order=order))
            s.flush()
            audit.append(s, actor, action, [Change("musdes", row.id, "held_on", None,
                                                   held_on)], place)
        return self.musdes(cycle_id, actor=actor)

    def musdes(self, cycle_id: str | None, *, actor: Actor) -> MusdesDTO | None:
        """The musdes of a cycle (None before it was recorded)."""
        require(actor, Permission.VIEW_REGISTRY)
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
        village_records(self._db, _(VILLAGE_KEEPS))
        checked_text(_("Reason / note"), note, SHORT_NOTE_LIMIT)
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
        village_records(self._db, _(VILLAGE_KEEPS))
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

    def resolve_member(self, key: str, *, actor: Actor) -> str:
        """A member id from an id, an id prefix or a NIK (for the command line)."""
        require(actor, Permission.VIEW_REGISTRY)
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
        from ..letters import keep_first_letter
        row = s.scalars(select(Musdes).where(Musdes.cycle_id == cycle_id)
                        .with_for_update()).one()
        return keep_first_letter(s, row, letter_id)
