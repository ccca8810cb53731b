"""Campaigns and their households: who is targeted (by program and/or desil), each
household's serial (given once, in area order, never skipped or reused)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, or_, select

from ...core import codes
from ...core import stickers as rules
from ...core.normalize import area_number
from ...core.permissions import Permission
from ...core.validation import LONG_NOTE_LIMIT, PLACE_LIMIT, checked_text
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import (Household, Member, Participation, Program, StickerCampaign,
                       StickerLog, StickerTarget)
from .. import audit
from ..audit import Change
from ..settings.village import VILLAGE_KEEPS, village_records
from ..context import Actor, require
from ..registry.queries import household_conditions
from ..registry.records import HouseholdFilter
from .dto import Campaign, TargetRow

PER_PAGE = (1, 2, 4)


def target_row(code: str, t: StickerTarget, logs: list[StickerLog]) -> TargetRow:
    """A household of a campaign as handed out, where it stands by its visits."""
    last = rules.latest(logs)
    return TargetRow(t.id, t.household_id, t.serial, rules.serial_text(code, t.serial),
                     t.head_name, t.address, t.dusun, t.rw, t.rt, tuple(t.programs or ()),
                     last.outcome if last else None, last.at if last else None,
                     bool(last and last.well_off), len(logs))


def to_campaign(c: StickerCampaign, targets: int) -> Campaign:
    """A campaign as the window and the command line show it."""
    return Campaign(c.id, c.code, c.name, c.legal_basis, c.starts_on, c.ends_on,
                    c.sticker_text, c.per_page, tuple(c.programs or ()),
                    tuple(c.desil or ()), targets, c.version)


class CampaignOps:
    """The campaign half of :class:`~puskesos.services.stickers.StickerService`."""

    def campaigns(self, *, actor: Actor) -> list[Campaign]:
        """Every campaign, newest first, with its number of households."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            counts = dict(s.execute(select(StickerTarget.campaign_id, func.count())
                                    .group_by(StickerTarget.campaign_id)).all())
            return [to_campaign(c, counts.get(c.id, 0)) for c in s.scalars(
                select(StickerCampaign).where(StickerCampaign.deleted_at.is_(None))
                .order_by(StickerCampaign.created_at.desc()))]

    def campaign(self, campaign_id: str | None = None, *, actor: Actor) -> Campaign:
        """One campaign (by id, id prefix or code; the newest when none is named)."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            query = select(StickerCampaign).where(StickerCampaign.deleted_at.is_(None))
            if campaign_id:
                key = campaign_id.strip()
                query = query.where(or_(StickerCampaign.id == key,
                                        StickerCampaign.code == key.upper(),
                                        StickerCampaign.id.like(f"{key}%") if len(key) >= 6
                                        else StickerCampaign.id == key))
            found = s.scalars(query.order_by(StickerCampaign.created_at.desc())).all()
            if not found or (campaign_id and len(found) > 1):
                raise NotFound(_("No labelling campaign found{which}. Create one first "
                                 "(Stiker → Kampanye baru).").format(
                    which=f" ({campaign_id})" if campaign_id else ""))
            c = found[0]
            count = s.scalar(select(func.count()).select_from(StickerTarget).where(
                StickerTarget.campaign_id == c.id)) or 0
            return to_campaign(c, count)

    def create_campaign(self, *, actor: Actor, code: str, name: str, sticker_text: str,
                        programs: list[str] = (), desil: list[int] = (),
                        legal_basis: str | None = None, starts_on: date | None = None,
                        ends_on: date | None = None, per_page: int = 4,
                        area: HouseholdFilter | None = None) -> Campaign:
        """A campaign with its households chosen at once (those receiving one of
        ``programs`` and/or in one of the ``desil``, in ``area`` if given), each given
        its serial in area order.  A campaign that would have no household is refused."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        code = rules.campaign_code(code)
        name = checked_text(_("Name"), name, PLACE_LIMIT)
        text = checked_text(_("Sticker text"), sticker_text, LONG_NOTE_LIMIT, lines=True)
        basis = checked_text(_("Legal basis"), legal_basis, PLACE_LIMIT)
        if not name or not text:
            raise InvalidInput(_("Give the campaign a name and the text its stickers carry."))
        if not programs and not desil:
            raise InvalidInput(_("Choose who is labelled: the programs (e.g. PKH, BPNT) "
                                 "and/or the desil."))
        if starts_on and ends_on and ends_on < starts_on:
            raise InvalidInput(_("The campaign ends before it starts. Check the dates."))
        if per_page not in PER_PAGE:
            raise InvalidInput(_("A sheet holds 1, 2 or 4 stickers."))
        bad_desil = [d for d in desil if not 1 <= int(d) <= 10]
        if bad_desil:
            raise InvalidInput(_("A desil is 1 to 10."))
        with self._db.write() as s:
            known = set(s.scalars(select(Program.code)))
            unknown = [p for p in programs if p not in known]
            if unknown:
                raise InvalidInput(_("Unknown program {codes}. Programs: {known}.").format(
                    codes=", ".join(unknown), known=", ".join(sorted(known))))
            if s.scalar(select(StickerCampaign.id).where(StickerCampaign.code == code)):
                raise InvalidInput(_("A campaign with the code {code} exists already. Choose "
                                     "another code.").format(code=code))
            c = StickerCampaign(code=code, name=name, sticker_text=text, legal_basis=basis,
                                starts_on=starts_on, ends_on=ends_on, per_page=per_page,
                                programs=sorted(programs), desil=sorted(int(d) for d in desil),
                                created_by=actor.username)
            s.add(c)
            s.flush()
            audit.append(s, actor, "create", [Change("sticker_campaign", c.id, "code", None,
                                                     code)], name)
            added = self._add_targets(s, actor, c, area or HouseholdFilter())
            if not added:
                raise InvalidInput(_("No household receives those programs or is in that "
                                     "desil{area}: the campaign would label nobody. Choose "
                                     "other programs or desil.").format(
                    area=_(" in the area chosen") if area else ""))
            return to_campaign(c, added)

    def add_targets(self, *, actor: Actor, campaign_id: str,
                    area: HouseholdFilter | None = None) -> int:
        """Add the households that now fit the campaign and are not in it yet (a new
        recipient), with the next serials; returns how many were added."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        with self._db.write() as s:
            c = s.get(StickerCampaign, campaign_id)
            if c is None or c.deleted_at is not None:
                raise NotFound(_("That campaign is not in the database (removed?)."))
            return self._add_targets(s, actor, c, area or HouseholdFilter())

    def _add_targets(self, s, actor: Actor, c: StickerCampaign,
                     area: HouseholdFilter) -> int:
        """Choose the campaign's households that are not in it yet and give each the
        next serial, the campaign row locked (two writers never share a serial)."""
        s.refresh(c, with_for_update=True)
        active = and_(Participation.household_id == Household.id,
                      Participation.deleted_at.is_(None),
                      Participation.status == codes.ParticipationStatus.AKTIF.value)
        chosen = []
        if c.programs:
            chosen.append(Household.id.in_(select(Participation.household_id).where(
                active, Participation.program_code.in_(c.programs))))
        if c.desil:
            chosen.append(Household.desil.in_(c.desil))
        already = select(StickerTarget.household_id).where(StickerTarget.campaign_id == c.id)
        rows = s.execute(select(Household).where(
            *household_conditions(area), or_(*chosen), Household.id.not_in(already))
            .order_by(Household.dusun, Household.rw, Household.rt, Household.address,
                      Household.id)).scalars().all()
        if not rows:
            return 0
        ids = [h.id for h in rows]
        heads, programs = {}, {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            for hid, name in s.execute(select(Member.household_id, Member.name).where(
                    Member.household_id.in_(part), Member.deleted_at.is_(None),
                    Member.relationship_code == codes.Relationship.KEPALA.value,
                    Member.presence.in_(codes.LIVING))):
                heads.setdefault(hid, name)
            for hid, name in s.execute(select(Participation.household_id, Program.name)
                                       .join(Program,
                                             Program.code == Participation.program_code)
                                       .where(Participation.household_id.in_(part),
                                              Participation.deleted_at.is_(None),
                                              Participation.status
                                              == codes.ParticipationStatus.AKTIF.value)):
                programs.setdefault(hid, set()).add(name)
        serial = c.last_serial
        for h in rows:
            serial += 1
            s.add(StickerTarget(campaign_id=c.id, household_id=h.id, serial=serial,
                                head_name=heads.get(h.id), address=h.address, dusun=h.dusun,
                                rw=h.rw, rt=h.rt, programs=sorted(programs.get(h.id, ())),
                                added_by=actor.username))
        audit.append(s, actor, "update", [Change("sticker_campaign", c.id, "last_serial",
                                                 c.last_serial, serial)],
                     f"{len(rows)} households")
        c.last_serial = serial
        s.flush()
        return len(rows)

    def targets(self, *, actor: Actor, campaign_id: str,
                area: HouseholdFilter | None = None) -> list[TargetRow]:
        """The campaign's households in serial order, each with its latest outcome."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            c = s.get(StickerCampaign, campaign_id)
            if c is None:
                raise NotFound(_("That campaign is not in the database (removed?)."))
            query = select(StickerTarget).where(StickerTarget.campaign_id == c.id)
            if area is not None:
                # the area the campaign recorded for the household (what its sticker and
                # the officers' checklist say, and what the Stiker page lists by), not
                # where the registry has it since
                if area.dusun:
                    query = query.where(StickerTarget.dusun == area.dusun)
                for value, column in ((area.rw, StickerTarget.rw), (area.rt, StickerTarget.rt)):
                    if value:
                        query = query.where(column == area_number(value))
            targets = s.scalars(query.order_by(StickerTarget.serial)).all()
            logs: dict[str, list[StickerLog]] = {}
            ids = [t.id for t in targets]
            for start in range(0, len(ids), 500):
                for log in s.scalars(select(StickerLog).where(
                        StickerLog.target_id.in_(ids[start:start + 500]))):
                    logs.setdefault(log.target_id, []).append(log)
            return [target_row(c.code, t, logs.get(t.id, [])) for t in targets]
