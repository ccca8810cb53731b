"""Proposals: corrections found at a visit, applied to the registry only when
the koordinator approves them (through the household form's own save).
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from ...core import codes
from ...core.labels import HOUSEHOLD_LABELS, MEMBER_LABELS
from ...core.permissions import Permission
from ...errors import Conflict, InvalidInput, NotFound
from ...i18n import _
from ...models import Member, VervalEntry, VervalMember, VervalProposal, utcnow
from .. import audit
from ..audit import Change
from ..settings.village import VILLAGE_KEEPS, village_records
from ..context import Actor, require
from .dto import ProposalDTO
from .values import (
    NEW_MEMBER,
    _matching_member,
    _new_member_name,
    _parse_value,
    _text,
    _with_new_member,
    new_member_text,
)


class ProposalOps:
    """The proposal half of :class:`~puskesos.services.verval.VervalService`."""

    # -- proposals ---------------------------------------------------------------

    def proposals(self, *, cycle_id: str, actor: Actor,
                  status: str | None = codes.ProposalStatus.DIUSULKAN.value,
                  entry_id: str | None = None) -> list[ProposalDTO]:
        """Proposed corrections; NIK and No KK values are masked for a reader without
        the right to see them."""
        from ...core.identifiers import mask_nik
        require(actor, Permission.VIEW_REGISTRY)
        show = actor.can(Permission.VIEW_FULL_NIK)

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
        village_records(self._db, _(VILLAGE_KEEPS))
        households = self._households
        with self._db.read() as s:
            p = s.get(VervalProposal, proposal_id)
            if p is None:
                raise NotFound(_("That proposal no longer exists. Refresh the list."))
            if p.status != codes.ProposalStatus.DIUSULKAN.value:
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
        import json
        details = json.loads(new_text or "{}") if target == NEW_MEMBER else {}

        def finish(s) -> None:
            """Mark the proposal decided, in the transaction that applies it: a decision
            taken meanwhile by someone else undoes this one whole (registry included)."""
            p = s.get(VervalProposal, proposal_id, with_for_update=True)
            if p.status != codes.ProposalStatus.DIUSULKAN.value:
                raise InvalidInput(_("That proposal was already decided."))
            if approve and target == NEW_MEMBER:
                person = _matching_member(list(s.scalars(select(Member).where(
                    Member.household_id == household_id, Member.deleted_at.is_(None)))),
                    details)
                if person is not None:
                    # the visit's finding now names the registered person (shown once)
                    for finding in s.scalars(select(VervalMember).where(
                            VervalMember.entry_id == p.entry_id,
                            VervalMember.proposal_key == p.field,
                            VervalMember.member_id.is_(None))):
                        finding.member_id = person.id
            p.status = (codes.ProposalStatus.DISETUJUI if approve
                        else codes.ProposalStatus.DITOLAK).value
            p.decided_by, p.decided_at = actor.username, utcnow()
            p.decision_note = (note or "").strip() or None
            audit.append(s, actor, "update", [Change(
                "verval_proposal", p.id, "status", codes.ProposalStatus.DIUSULKAN.value,
                p.status)], note)

        if approve and not already:
            households.save(actor=actor, household=data, members=member_inputs,
                            household_id=household_id, expected_version=current.version,
                            reason=audit.coded_reason("verval_approved"),
                            accept_warnings="verval", then=finish)
        else:
            with self._db.write() as s:
                finish(s)
        return next(x for x in self.proposals(cycle_id=cycle_id, status=None, actor=actor)
                    if x.id == proposal_id)
