"""Family changes: moving a member to another household, splitting a family
and merging two, each in one transaction with its audit entries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import codes
from ...core.identifiers import normalize_number
from ...core.permissions import Permission
from ...core.validation import (HOUSEHOLD_FIELDS, MEMBER_FIELDS, HouseholdInput, MemberInput,
                               Problem, check_household)
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import Household, Member, Participation, utcnow
from .. import audit
from ..audit import Change
from ..context import Actor, require
from .queries import refresh_search_text
from .records import HouseholdDTO


def _move_programs(s: Session, member_ids: list[str], household_id: str) -> list[Change]:
    """A member's own programs (PBI, PIP …) follow the member to the new household.

    Household-level programs (PKH, BPNT …) stay with the family they were given to.
    """
    changes = []
    for p in s.scalars(select(Participation).where(Participation.member_id.in_(member_ids),
                                                   Participation.deleted_at.is_(None))):
        if p.household_id != household_id:
            changes.append(Change("participation", p.id, "household_id", p.household_id,
                                  household_id))
            p.household_id = household_id
    return changes


class FamilyOps:
    """The family-change half of :class:`~puskesos.services.registry.HouseholdService`."""

    @staticmethod
    def _present(s: Session, household_id: str) -> list[Member]:
        return list(s.scalars(select(Member).where(
            Member.household_id == household_id, Member.deleted_at.is_(None))
            .order_by(Member.sort_order, Member.created_at)))

    @staticmethod
    def _errors_after(h: Household, members: list[Member],
                      overrides: dict[str, dict[str, Any]]) -> list[Problem]:
        """Errors of household ``h`` if it held ``members`` with ``overrides`` applied."""
        inputs = [MemberInput(id=m.id, **{f: overrides.get(m.id, {}).get(f, getattr(m, f))
                                          for f in MEMBER_FIELDS}) for m in members]
        data = HouseholdInput(**{f: getattr(h, f) for f in HOUSEHOLD_FIELDS})
        return [p for p in check_household(data, inputs) if p.is_error
                and p.field in ("members",)]

    def _require_household(self, s: Session, household_id: str) -> Household:
        h = s.get(Household, household_id, with_for_update=True)
        if h is None or h.deleted_at is not None:
            raise NotFound(_("Household not found; it may have been removed by someone "
                             "else. Refresh the list."))
        return h

    @staticmethod
    def _raise_family_errors(problems: list[Problem], label: str) -> None:
        if problems:
            raise InvalidInput(f"{label}: {problems[0].message}", tuple(problems))

    def move_member(self, *, actor: Actor, member_id: str, target_household_id: str,
                    relationship_code: str, reason: str) -> None:
        """Move a present member to another household (marriage, moving in with family)."""
        require(actor, Permission.EDIT_REGISTRY)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for this change."))
        with self._db.write() as s:
            m = s.get(Member, member_id)
            if m is None or m.deleted_at is not None:
                raise NotFound(_("Member not found; it may have been removed already."))
            source = self._require_household(s, m.household_id)
            target = self._require_household(s, target_household_id)
            if source.id == target.id:
                raise InvalidInput(_("The member already belongs to that household."))
            remaining = [x for x in self._present(s, source.id) if x.id != m.id]
            if remaining:
                self._raise_family_errors(self._errors_after(source, remaining, {}),
                                          _("The household left behind"))
            arriving = self._present(s, target.id) + [m]
            self._raise_family_errors(
                self._errors_after(target, arriving, {m.id: {"relationship_code":
                                                             relationship_code}}),
                _("The receiving household"))
            changes = [Change("member", m.id, "household_id", source.id, target.id)]
            if m.relationship_code != relationship_code:
                changes.append(Change("member", m.id, "relationship_code",
                                      m.relationship_code, relationship_code))
            m.household_id, m.relationship_code = target.id, relationship_code
            m.sort_order = len(arriving)
            changes += _move_programs(s, [m.id], target.id)
            source.updated_at = target.updated_at = utcnow()
            audit.append(s, actor, "move", changes, reason)
            refresh_search_text(s, [source.id, target.id])

    def split(self, *, actor: Actor, household_id: str, member_ids: list[str],
              relationships: dict[str, str], reason: str,
              no_kk: str | None = None) -> HouseholdDTO:
        """Pecah KK: the chosen members form a new household at the same address.

        ``relationships`` gives each moving member's relationship to the new
        head (exactly one of them ``1``).  The old household becomes
        *keluarga induk*, the new one *keluarga pecahan*.
        """
        require(actor, Permission.EDIT_REGISTRY)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for this change."))
        if not member_ids:
            raise InvalidInput(_("Choose the members who form the new family."))
        kk = normalize_number(no_kk) if no_kk else None
        if kk:
            from ...core.identifiers import check_kk
            result = check_kk(kk)
            if not result.ok:
                raise InvalidInput(result.errors[0].message, result.issues)
        with self._db.write() as s:
            source = self._require_household(s, household_id)
            present = self._present(s, source.id)
            by_id = {m.id: m for m in present}
            if any(mid not in by_id for mid in member_ids):
                raise InvalidInput(_("A chosen member does not belong to this household."))
            moving = [by_id[mid] for mid in member_ids]
            staying = [m for m in present if m.id not in set(member_ids)]
            if not staying:
                raise InvalidInput(_("At least one member must stay in the old household."))
            self._raise_family_errors(self._errors_after(source, staying, {}),
                                      _("The household left behind"))
            overrides = {m.id: {"relationship_code": relationships.get(m.id,
                                                                       m.relationship_code)}
                         for m in moving}
            new = Household(region_code=source.region_code, no_kk=kk,
                            family_status=codes.FamilyStatus.PECAHAN.value,
                            **{f: getattr(source, f) for f in HOUSEHOLD_FIELDS
                               if f not in ("no_kk", "dtsen_id", "family_status", "note",
                                            "phone")})
            self._raise_family_errors(self._errors_after(new, moving, overrides),
                                      _("The new household"))
            s.add(new)
            s.flush()
            changes = [Change("household", new.id, f, None, getattr(new, f))
                       for f in HOUSEHOLD_FIELDS if getattr(new, f) is not None]
            changes.append(Change("household", new.id, "split_from", None, source.id))
            for order, m in enumerate(moving):
                changes.append(Change("member", m.id, "household_id", source.id, new.id))
                rel = overrides[m.id]["relationship_code"]
                if rel != m.relationship_code:
                    changes.append(Change("member", m.id, "relationship_code",
                                          m.relationship_code, rel))
                m.household_id, m.relationship_code, m.sort_order = new.id, rel, order
            changes += _move_programs(s, [m.id for m in moving], new.id)
            if source.family_status != codes.FamilyStatus.INDUK.value:
                changes.append(Change("household", source.id, "family_status",
                                      source.family_status, codes.FamilyStatus.INDUK.value))
                source.family_status = codes.FamilyStatus.INDUK.value
            source.updated_at = utcnow()
            audit.append(s, actor, "split", changes, reason)
            refresh_search_text(s, [source.id, new.id])
            return self._load(s, new.id)

    def merge(self, *, actor: Actor, source_id: str, target_id: str,
              relationships: dict[str, str], reason: str) -> None:
        """Bring every member of ``source`` into ``target``; ``source`` is removed
        (a tombstone that says where its people went)."""
        require(actor, Permission.EDIT_REGISTRY)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for this change."))
        with self._db.write() as s:
            source = self._require_household(s, source_id)
            target = self._require_household(s, target_id)
            if source.id == target.id:
                raise InvalidInput(_("Choose two different households to merge."))
            moving = self._present(s, source.id)
            arriving = self._present(s, target.id) + moving
            overrides = {m.id: {"relationship_code": relationships.get(m.id,
                                                                       m.relationship_code)}
                         for m in moving}
            self._raise_family_errors(self._errors_after(target, arriving, overrides),
                                      _("The receiving household"))
            changes = []
            start = len(arriving) - len(moving)
            for order, m in enumerate(moving, start=start):
                changes.append(Change("member", m.id, "household_id", source.id, target.id))
                rel = overrides[m.id]["relationship_code"]
                if rel != m.relationship_code:
                    changes.append(Change("member", m.id, "relationship_code",
                                          m.relationship_code, rel))
                m.household_id, m.relationship_code, m.sort_order = target.id, rel, order
            changes += _move_programs(s, [m.id for m in moving], target.id)
            now = utcnow()
            source.deleted_at, source.deleted_by = now, actor.username
            source.deleted_reason = f"merged into {target.id}: {reason}"
            target.updated_at = now
            changes.append(Change("household", source.id, "merged_into", None, target.id))
            audit.append(s, actor, "merge", changes, reason)
            refresh_search_text(s, [source.id, target.id])
