"""The field log: what the officers found at each house, as often as they went, and
which households the next verval cycle and the musdes must look at."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from ...core import stickers as rules
from ...core.permissions import Permission
from ...core.validation import LONG_NOTE_LIMIT, NAME_LIMIT, SHORT_NOTE_LIMIT, checked_text
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import StickerCampaign, StickerLog, StickerPhoto, StickerTarget
from .. import audit
from ..audit import Change
from ..settings.village import VILLAGE_KEEPS, village_records
from ..context import Actor, require
from .campaigns import target_row
from .dto import LogRow, VervalSignal


def _aware(at: datetime) -> datetime:
    """A time as the program stores it (a naive time is the computer's local time)."""
    return at.astimezone(timezone.utc) if at.tzinfo else at.astimezone().astimezone(
        timezone.utc)


class LogOps:
    """The field-log half of :class:`~puskesos.services.stickers.StickerService`."""

    def record_outcome(self, *, actor: Actor, campaign_id: str, household_id: str,
                       outcome: str, at: datetime, officers: list[str],
                       witnesses: str | None = None, note: str | None = None,
                       well_off: bool = False, latitude: float | None = None,
                       longitude: float | None = None) -> LogRow:
        """Record what was found at a house of the campaign (a house outside it is
        refused); earlier entries stay, the latest counts."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        names = [checked_text(_("Officer"), n, NAME_LIMIT) for n in officers]
        names = [n for n in names if n]
        note = checked_text(_("Note"), note, LONG_NOTE_LIMIT, lines=True)
        witnesses = checked_text(_("Witnesses"), witnesses, SHORT_NOTE_LIMIT)
        now = datetime.now(timezone.utc)
        at = _aware(at)
        chosen = rules.check_outcome(outcome, at=at, now=now, note=note, officers=names,
                                     well_off=well_off)
        for value, low, high in ((latitude, -90, 90), (longitude, -180, 180)):
            if value is not None and not low <= value <= high:
                raise InvalidInput(_("The GPS position is not a place on earth; leave it "
                                     "empty or read it again."))
        with self._db.write() as s:
            target = s.scalar(select(StickerTarget).where(
                StickerTarget.campaign_id == campaign_id,
                StickerTarget.household_id == household_id))
            if target is None:
                campaign = s.get(StickerCampaign, campaign_id)
                raise InvalidInput(_("This household is not in the campaign {name}: only its "
                                     "households get a sticker. Add it to the campaign first "
                                     "if it now fits.").format(
                    name=campaign.name if campaign else campaign_id))
            row = StickerLog(target_id=target.id, outcome=chosen.value, at=at,
                             actor=actor.username, officers=names, witnesses=witnesses,
                             note=note, well_off=well_off, latitude=latitude,
                             longitude=longitude)
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [Change("sticker_log", row.id, "outcome", None,
                                                     chosen.value)],
                         f"{target.serial} {note or ''}".strip())
            return self._log_row(row, 0)

    @staticmethod
    def _log_row(row: StickerLog, photos: int) -> LogRow:
        return LogRow(row.id, row.target_id, row.outcome, row.at, row.recorded_at, row.actor,
                      tuple(row.officers or ()), row.witnesses, row.note, row.well_off,
                      row.latitude, row.longitude, photos)

    def history(self, *, actor: Actor, target_id: str) -> list[LogRow]:
        """Every entry of one household of a campaign, the latest first."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            if s.get(StickerTarget, target_id) is None:
                raise NotFound(_("That household is not in the campaign."))
            logs = s.scalars(select(StickerLog).where(StickerLog.target_id == target_id)
                             .order_by(StickerLog.at.desc(),
                                       StickerLog.recorded_at.desc())).all()
            photos = self._photo_counts(s, [r.id for r in logs])
            return [self._log_row(r, photos.get(r.id, 0)) for r in logs]

    def for_verval(self, *, actor: Actor,
                   household_ids: list[str] | None = None) -> dict[str, VervalSignal]:
        """The households whose latest visit in a campaign sends them to the next verval
        cycle and the musdes (refused, withdrew, found well-off), each with that visit
        and its campaign: household id → signal; only ``household_ids`` when given."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            query = (select(StickerLog, StickerTarget, StickerCampaign.code,
                            StickerCampaign.name)
                     .join(StickerTarget, StickerTarget.id == StickerLog.target_id)
                     .join(StickerCampaign, StickerCampaign.id == StickerTarget.campaign_id))
            if household_ids is not None:
                if not household_ids:
                    return {}
                query = query.where(StickerTarget.household_id.in_(set(household_ids)))
            visits: dict[str, list] = {}
            for log, target, code, name in s.execute(query):
                visits.setdefault(target.household_id, []).append((log, target, code, name))
            chosen = {}
            for hid, entries in visits.items():
                last = rules.latest([log for log, *_rest in entries])
                if rules.goes_to_verval(last.outcome, last.well_off):
                    chosen[hid] = next(e for e in entries if e[0] is last)
            photos = self._photo_counts(s, [log.id for log, *_rest in chosen.values()])
            out = {}
            for hid, (log, target, code, name) in chosen.items():
                logs = [e[0] for e in visits[hid] if e[1].id == target.id]
                out[hid] = VervalSignal(target.campaign_id, name,
                                        target_row(code, target, logs),
                                        self._log_row(log, photos.get(log.id, 0)))
            return out

    @staticmethod
    def _photo_counts(s, log_ids: list[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for start in range(0, len(log_ids), 500):
            counts.update(s.execute(select(StickerPhoto.log_id, func.count())
                                    .where(StickerPhoto.log_id.in_(log_ids[start:start + 500]))
                                    .group_by(StickerPhoto.log_id)).all())
        return counts

    def carry_to_verval(self, *, actor: Actor, cycle_id: str | None = None) -> int:
        """Put the households the labelling found refusing, withdrawing or well-off into
        the verval cycle (the latest when none is named) for the visit and the musdes;
        returns how many were added (those already in it stay as they are)."""
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        signals = self.for_verval(actor=actor)
        if not signals:
            return 0
        cycle = self._verval.cycle(cycle_id, actor=actor)
        return self._verval.add_households(actor=actor, cycle_id=cycle.id,
                                           household_ids=sorted(signals))
