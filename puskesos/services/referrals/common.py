"""What the parts of the referral service share: reading a row into its DTOs,
finding a referral to change, and recording a step."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import referrals as rules
from ...core.codes import LetterStatus, ReferralStatus, ReferralUrgency
from ...core.identifiers import mask_nik
from ...core.permissions import Permission
from ...errors import Conflict, InvalidInput, NotFound
from ...i18n import _
from ...models import (ExchangeBase, ExchangeSent, Letter, Referral, ReferralAttachment,
                       ReferralEvent, ReferralReply, ReferralVisit, utcnow)
from .. import audit
from ..audit import Change
from ..context import Actor, require
from ..settings.village import village_records
from .dto import (AttachmentRow, Document, EventRow, ReferralDetail, ReferralRow, ReplyRow,
                  VisitRow)


def village_writes(db, actor: Actor) -> None:
    """A change to a referral is the village's: at the kabupaten, which keeps the
    villages' referrals as their bundles bring them, only the service's reply is
    recorded (it travels back); anything else would be lost at the next bundle."""
    require(actor, Permission.EDIT_REGISTRY)
    village_records(db, _("The village keeps its referrals: at the kabupaten only the "
                          "service's reply is recorded (Record the reply), and it goes "
                          "to the village in the next bundle."))


def shown_nik(actor: Actor, nik: str | None) -> str | None:
    """The NIK as this actor may see it (masked without the right to see NIKs)."""
    if not nik or actor.can(Permission.VIEW_FULL_NIK):
        return nik
    return mask_nik(nik)


def letter_numbers(s: Session, referrals: list[Referral]) -> dict[str, str]:
    """The number text of each referral's letter in force (void ones left out)."""
    ids = [r.letter_id for r in referrals if r.letter_id]
    if not ids:
        return {}
    return {lid: text for lid, text in s.execute(
        select(Letter.id, Letter.number_text).where(
            Letter.id.in_(ids), Letter.status == LetterStatus.ISSUED.value))}


def to_row(r: Referral, actor: Actor, today: date, numbers: dict[str, str]) -> ReferralRow:
    """A referral as a line of a list (its NIK as ``actor`` may see it)."""
    return ReferralRow(r.id, r.tracking_code, r.status, r.category, r.urgency, r.person_name,
                       shown_nik(actor, r.person_nik), r.dusun, r.received_on,
                       r.target_service, r.follow_up_on,
                       rules.is_overdue(r.status, r.follow_up_on, today),
                       numbers.get(r.letter_id or ""))


def to_detail(s: Session, r: Referral, actor: Actor, today: date) -> ReferralDetail:
    """A referral whole, with its steps, visits and attachments (without their content)."""
    events = tuple(EventRow(e.id, e.from_status, e.to_status, e.on_date, e.recorded_at,
                            e.actor, audit.reason_text(e.note), e.source)
                   for e in s.scalars(select(ReferralEvent).where(
                       ReferralEvent.referral_id == r.id)
                       .order_by(ReferralEvent.recorded_at, ReferralEvent.on_date)))
    visits = tuple(VisitRow(v.id, v.visited_on, v.visitor, v.findings, v.actor)
                   for v in s.scalars(select(ReferralVisit).where(
                       ReferralVisit.referral_id == r.id).order_by(ReferralVisit.visited_on,
                                                                   ReferralVisit.recorded_at)))
    attachments = tuple(AttachmentRow(*row) for row in s.execute(select(
        ReferralAttachment.id, ReferralAttachment.filename, ReferralAttachment.media_type,
        ReferralAttachment.size, ReferralAttachment.sha256, ReferralAttachment.added_at,
        ReferralAttachment.actor).where(ReferralAttachment.referral_id == r.id)
        .order_by(ReferralAttachment.added_at)))
    rows = list(s.scalars(select(ReferralReply).where(ReferralReply.referral_id == r.id)
                          .order_by(ReferralReply.recorded_at)))
    ids = [x.id for x in rows]
    # where a reply recorded here stands on its way (the kabupaten's side)
    delivered = set(s.scalars(select(ExchangeBase.entity_id).where(
        ExchangeBase.entity == "referral_reply", ExchangeBase.entity_id.in_(ids)))) \
        if ids else set()
    sent = set(s.scalars(select(ExchangeSent.entity_id).where(
        ExchangeSent.entity == "referral_reply", ExchangeSent.entity_id.in_(ids)))) \
        if ids else set()
    replies = tuple(ReplyRow(x.id, x.outcome, x.on_date, x.reference, x.note, x.actor,
                             x.recorded_at, x.applied_at, x.not_applied,
                             "delivered" if x.id in delivered else "sent" if x.id in sent
                             else "waiting")
                    for x in rows)
    number = letter_numbers(s, [r]).get(r.letter_id or "")
    return ReferralDetail(
        r.id, r.tracking_code, r.village_code, r.status, r.version, r.member_id,
        r.household_id, r.person_name, shown_nik(actor, r.person_nik), r.nik_absent_reason,
        r.person_birth_date, r.person_address, r.dusun, r.rt, r.rw, r.phone, r.category,
        r.description, r.urgency, r.channel, r.received_on, r.received_by, r.action_taken,
        r.target_service, r.service_requested,
        tuple(Document(d.get("name", ""), bool(d.get("present")))
              for d in (r.documents or [])),
        r.letter_id, number, r.reply_reference, r.reply_note, r.follow_up_on, r.closed_on,
        rules.is_overdue(r.status, r.follow_up_on, today),
        tuple(x.value for x in rules.next_states(r.status)), events, visits, attachments,
        replies)


def get_referral(s: Session, referral_id: str, *, expected_version: int | None = None,
                 lock: bool = False) -> Referral:
    """The referral to read or change; a removed one is not found, and one changed
    since the caller read it is a :class:`Conflict`."""
    r = s.get(Referral, referral_id, with_for_update=lock)
    if r is None or r.deleted_at is not None:
        raise NotFound(_("That referral is not in the database (removed?)."))
    if expected_version is not None and r.version != expected_version:
        raise Conflict(_("This referral was changed by someone else since you opened it. "
                         "Close it and open it again to see the change."))
    return r


def check_step(s: Session, r: Referral, target: ReferralStatus, on: date,
               note: str | None):
    """Refuse a step whose note is missing where it must say why, or whose date is in
    the future, before the referral was received or before its last step; returns the
    last step (its day and time) or None."""
    if target in rules.NEEDS_REASON and not (note or "").strip():
        raise InvalidInput(_("Say why (the note) when a referral becomes '{status}'.")
                           .format(status=target.label))
    if on > date.today():
        raise InvalidInput(_("The date {on} is in the future. Record a step on the day it "
                             "happened.").format(on=on.strftime("%d-%m-%Y")))
    if on < r.received_on:
        raise InvalidInput(_("The date {on} is before the referral was received ({received})."
                             " Check the date.").format(on=on.strftime("%d-%m-%Y"),
                                                        received=r.received_on
                                                        .strftime("%d-%m-%Y")))
    last = s.execute(select(ReferralEvent.on_date, ReferralEvent.recorded_at).where(
        ReferralEvent.referral_id == r.id).order_by(ReferralEvent.recorded_at.desc())
        .limit(1)).first()
    if last is not None and on < last.on_date:
        raise InvalidInput(_("The date {on} is before the referral's last step "
                             "({last}). Steps are recorded in the order they happened.")
                           .format(on=on.strftime("%d-%m-%Y"),
                                   last=last.on_date.strftime("%d-%m-%Y")))
    return last


def step(s: Session, actor: Actor, r: Referral, target: ReferralStatus, on: date,
         note: str | None, *, source: str = "manual") -> None:
    """Move ``r`` to ``target`` (the flow's rules checked), record the event, the
    next follow-up date, the closing date, and the audit entry — in the caller's
    transaction."""
    rules.check_transition(r.status, target)
    last = check_step(s, r, target, on, note)
    # several steps of one call get distinct times, in order (a clock that ticks
    # coarsely, as on Windows, would otherwise give them the same)
    recorded = utcnow()
    if last is not None and recorded <= last.recorded_at:
        recorded = last.recorded_at + timedelta(microseconds=1)
    old = r.status
    r.status = target.value
    r.follow_up_on = rules.follow_up_after(target, on,
                                            ReferralUrgency.from_code(r.urgency))
    if target in rules.CLOSED:
        r.closed_on = on
    s.add(ReferralEvent(referral_id=r.id, from_status=old, to_status=target.value,
                        on_date=on, actor=actor.username, note=note, source=source,
                        recorded_at=recorded))
    s.flush()
    audit.append(s, actor, "update", [Change("referral", r.id, "status", old, target.value)],
                 note)

