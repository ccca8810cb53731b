"""The house visit: a household's result and its members' findings; each
correction found becomes a proposal for the koordinator.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ...core.codes import ProposalStatus, VervalMemberResult, VervalResult
from ...core.labels import field_label
from ...core.normalize import text_limit
from ...core.validation import LONG_NOTE_LIMIT, SHORT_NOTE_LIMIT, checked_text
from ...core.permissions import Permission
from ...errors import Conflict, InvalidInput, NotFound
from ...i18n import _
from ...models import Household, Member, Officer, VervalCycle, VervalMember, VervalProposal, utcnow
from .. import audit
from ..audit import Change
from ..exchange.tombstones import remember_removed
from ..settings.village import VILLAGE_KEEPS, village_records
from ..context import Actor, require
from .dto import (
    CORRECTABLE_HOUSEHOLD,
    CORRECTABLE_MEMBER,
    MEMBER_PRESENCE,
    Correction,
    EntryRow,
    MemberFinding,
)
from .values import (
    NEW_MEMBER,
    _coded,
    _json_text,
    _new_member,
    _new_member_key,
    _parse_value,
    _text,
)


class VisitOps:
    """The visit half of :class:`~puskesos.services.verval.VervalService`."""

    def member_findings(self, entry_id: str, *, actor: Actor) -> list[MemberFinding]:
        """What the visit found per member; a new member with the details of its
        proposal (sex, date of birth, relationship).  A new member's NIK is masked
        for an ``actor`` without the right to see NIKs."""
        require(actor, Permission.VIEW_REGISTRY)
        import json

        from ...core.identifiers import mask_nik
        show = actor.can(Permission.VIEW_FULL_NIK)
        with self._db.read() as s:
            details: dict[str, dict] = {}
            # the waiting proposal of a key wins over decided ones, the newest otherwise
            for p in s.scalars(select(VervalProposal).where(
                    VervalProposal.entry_id == entry_id, VervalProposal.target == NEW_MEMBER)
                    .order_by(VervalProposal.status == ProposalStatus.DIUSULKAN.value,
                              VervalProposal.proposed_at)):
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
        village_records(self._db, _(VILLAGE_KEEPS))
        try:
            VervalResult(result)
        except ValueError:
            raise InvalidInput(_("Choose a result for this household.")) from None
        if visited_on and visited_on > date.today():
            raise InvalidInput(_("The visit date is in the future."))
        note = checked_text(_("Note"), note, LONG_NOTE_LIMIT, lines=True)
        for finding in members:
            checked_text(_("Name"), finding.name, None)   # its length: _new_member
            checked_text(_("Note"), finding.note, SHORT_NOTE_LIMIT)
        for c in corrections:
            if isinstance(c.new_value, str):
                checked_text(field_label(c.target, c.field), c.new_value,
                             text_limit(c.field) or LONG_NOTE_LIMIT)
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
                select(VervalProposal).where(
                    VervalProposal.entry_id == entry.id,
                    VervalProposal.status == ProposalStatus.DIUSULKAN.value))}
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
                # (the kabupaten was sent them: the next bundle removes them there too)
                remember_removed(s, "verval_member", [f.id for f in previous],
                                 actor=actor.username, reason=None)
                for old in previous:
                    s.delete(old)
                s.flush()
                after = []
                # new members whose proposal was decided are not proposed again
                decided = set(s.scalars(select(VervalProposal.field).where(
                    VervalProposal.entry_id == entry.id, VervalProposal.target == NEW_MEMBER,
                    VervalProposal.status != ProposalStatus.DIUSULKAN.value)))
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
                            remember_removed(s, "verval_proposal", [proposal.id],
                                             actor=actor.username, reason=None)
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
                              proposed_by=actor.username, status=ProposalStatus.DIUSULKAN.value)

    def _entry_row(self, actor: Actor, entry_id: str) -> EntryRow:
        with self._db.read() as s:
            entry = self._get_entry(s, entry_id)
            cycle_id = entry.cycle_id
        for row in self.entries(actor=actor, cycle_id=cycle_id, entry_id=entry_id):
            return row
        raise NotFound(_("That household is no longer in the cycle. Refresh the list."))
