"""Handling: solve in the village or refer to a service, the steps after it,
the service's reply, follow-up dates, home visits, and the lists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from ...core import referrals as rules
from ...core.codes import ReferralStatus
from ...core.permissions import Permission
from ...core.validation import (LONG_NOTE_LIMIT, NAME_LIMIT, PLACE_LIMIT, checked_text)
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import Referral, ReferralReply, ReferralVisit
from .. import audit
from ..audit import Change
from ..context import Actor, require
from ..registry.queries import search_words
from ..settings.village import at_kabupaten
from .common import (check_step, get_referral, letter_numbers, step, to_detail, to_row,
                     village_writes)
from .dto import ReferralDetail, ReferralRow

S = ReferralStatus
SERVICES_KEY = "referral_services"
#: a reply from the service and the steps it implies from "referred"
REPLY_PATH = (S.DITERIMA, S.DIPROSES)
REPLIES = rules.REPLIES


def check_reply(r: Referral, target: S) -> None:
    """Refuse a reply the referral cannot take where it stands, saying why."""
    current = rules.status_of(r.status)
    if current not in (S.DIRUJUK, *REPLY_PATH):
        rules.check_transition(current, target)   # says what is possible
    elif current in REPLY_PATH and REPLIES.index(target) < REPLIES.index(current):
        rules.check_transition(current, target)


def apply_reply(s, actor: Actor, r: Referral, target: S, on: date, reference: str | None,
                note: str | None, source: str) -> None:
    """The reply rule, in the caller's transaction: the reply's reference and note
    kept, and the steps between where the referral stands and the reply recorded with
    the reply's date (a reply "done" to a referral sent is received, processed and
    done).  Used for a reply on paper and for one arriving in a bundle."""
    current = rules.status_of(r.status)
    path = [x for x in REPLY_PATH if REPLIES.index(x) < REPLIES.index(target)
            and (current not in REPLY_PATH
                 or REPLY_PATH.index(x) > REPLY_PATH.index(current))]
    if current not in (S.DIRUJUK, *REPLY_PATH):
        rules.check_transition(current, target)   # says what is possible
    changes = []
    if reference and reference != r.reply_reference:
        changes.append(Change("referral", r.id, "reply_reference", r.reply_reference,
                              reference))
        r.reply_reference = reference
    if note and note != r.reply_note:
        changes.append(Change("referral", r.id, "reply_note", r.reply_note, note))
        r.reply_note = note
    if changes:
        audit.append(s, actor, "update", changes, None)
    for passing in path:
        step(s, actor, r, passing, on, audit.coded_reason(
            "referral_reply", status=target.label), source=source)
    step(s, actor, r, target, on, note, source=source)


class FlowOps:
    """The handling half of :class:`~puskesos.services.referrals.ReferralService`."""

    # -- reading -------------------------------------------------------------------

    def list(self, *, actor: Actor, status: str | None = None, text: str | None = None,
             overdue_only: bool = False, category: str | None = None,
             limit: int = 1000, today: date | None = None) -> list[ReferralRow]:
        """Referrals, newest first: by status (a code, "open" or "closed"), category,
        words of the name/NIK/tracking code, or only those overdue."""
        require(actor, Permission.VIEW_REGISTRY)
        today = today or date.today()
        query = select(Referral).where(Referral.deleted_at.is_(None))
        if status == rules.OPEN_FILTER:
            query = query.where(Referral.status.in_([s.value for s in rules.OPEN]))
        elif status == rules.CLOSED_FILTER:
            query = query.where(Referral.status.in_([s.value for s in rules.CLOSED]))
        elif status:
            if rules.status_of(status) is None:
                raise InvalidInput(_("Unknown status {status}. Use one of: {codes}.").format(
                    status=status, codes=", ".join([rules.OPEN_FILTER, rules.CLOSED_FILTER]
                                         + [s.value for s in S])))
            query = query.where(Referral.status == status)
        if category:
            query = query.where(Referral.category == category)
        if overdue_only:
            query = query.where(Referral.follow_up_on < today,
                                Referral.status.in_([s.value for s in rules.OPEN]))
        for word in search_words(text or ""):
            query = query.where(or_(Referral.person_name.ilike(f"%{word}%"),
                                    Referral.person_nik.like(f"%{word}%"),
                                    Referral.tracking_code.ilike(f"%{word}%")))
        query = query.order_by(Referral.received_on.desc(), Referral.created_at.desc())
        with self._db.read() as s:
            rows = list(s.scalars(query.limit(limit)))
            numbers = letter_numbers(s, rows)
            return [to_row(r, actor, today, numbers) for r in rows]

    def overdue(self, *, actor: Actor, today: date | None = None) -> list[ReferralRow]:
        """Open referrals whose follow-up date has passed, the longest overdue first."""
        rows = self.list(actor=actor, overdue_only=True, today=today)
        return sorted(rows, key=lambda r: (r.follow_up_on, r.received_on))

    def detail(self, referral_id: str, *, actor: Actor) -> ReferralDetail:
        """One referral with its steps, visits and attachments."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            return to_detail(s, get_referral(s, referral_id), actor, date.today())

    def find_by_code(self, code: str, *, actor: Actor) -> ReferralDetail | None:
        """The referral of a tracking code (typed, or read from the letter's QR code)."""
        require(actor, Permission.VIEW_REGISTRY)
        parsed = rules.parse_qr_payload(code)
        tracking = parsed[1] if parsed else rules.normalize_tracking_code(code)
        if not tracking:
            return None
        with self._db.read() as s:
            r = s.scalar(select(Referral).where(Referral.tracking_code == tracking,
                                                Referral.deleted_at.is_(None)))
            return to_detail(s, r, actor, date.today()) if r else None

    def resolve(self, key: str, *, actor: Actor) -> str:
        """A referral's id from its id, an id prefix (6 characters or more) or its
        tracking code (for the command line)."""
        require(actor, Permission.VIEW_REGISTRY)
        key = (key or "").strip()
        code = rules.normalize_tracking_code(key)
        with self._db.read() as s:
            found = s.scalars(select(Referral.id).where(
                Referral.deleted_at.is_(None),
                (Referral.id == key) | (Referral.tracking_code == (code or key)) |
                (Referral.id.like(f"{key}%") if len(key) >= 6 else Referral.id == key))).all()
        if len(found) != 1:
            raise NotFound(_("No single referral matches {key}. Give its tracking code "
                             "(RJ-…) or its id.").format(key=key))
        return found[0]

    # -- the services a village refers to ------------------------------------------------

    def services(self) -> list[str]:
        """The services a referral can go to (the office's list, or the defaults)."""
        configured = self._settings.get(SERVICES_KEY)
        return list(configured) if configured else list(rules.DEFAULT_SERVICES)

    def set_services(self, *, actor: Actor, names: list[str]) -> list[str]:
        """Replace the list of services referrals go to (empty names left out)."""
        cleaned = []
        for name in names:
            name = checked_text(_("Service"), name, NAME_LIMIT)
            if name and name not in cleaned:
                cleaned.append(name)
        if not cleaned:
            raise InvalidInput(_("Keep at least one service to refer to."))
        self._settings.set(actor=actor, key=SERVICES_KEY, value=cleaned,
                           reason=audit.coded_reason("referral_services"))
        return cleaned

    # -- steps ------------------------------------------------------------------------

    def refer(self, *, actor: Actor, referral_id: str, target_service: str,
              service_requested: str, documents: list[tuple[str, bool]] | None = None,
              on: date | None = None, note: str | None = None,
              expected_version: int | None = None) -> ReferralDetail:
        """Refer a recorded request to a service: which one, what is asked of it and the
        documents it needs (name, brought or not).  The letter is printed after."""
        village_writes(self._db, actor)
        target = checked_text(_("Target service"), target_service, NAME_LIMIT)
        if not target:
            raise InvalidInput(_("Choose the service the resident is referred to (e.g. "
                                 "Dinas Sosial). Services can be added in Settings."))
        requested = checked_text(_("Service requested"), service_requested, LONG_NOTE_LIMIT,
                                 lines=True)
        if not requested:
            raise InvalidInput(_("Say what the service is asked to do (the service "
                                 "requested)."))
        note = checked_text(_("Note"), note, LONG_NOTE_LIMIT, lines=True)
        checklist = None
        if documents is not None:
            checklist = [{"name": checked_text(_("Document"), name, PLACE_LIMIT),
                          "present": bool(present)}
                         for name, present in documents if (name or "").strip()]
        with self._db.write() as s:
            r = get_referral(s, referral_id, expected_version=expected_version, lock=True)
            rules.check_transition(r.status, S.DIRUJUK)
            changes = [Change("referral", r.id, "target_service", r.target_service, target),
                       Change("referral", r.id, "service_requested", r.service_requested,
                              requested)]
            r.target_service, r.service_requested = target, requested
            if checklist is not None:
                changes.append(Change("referral", r.id, "documents", r.documents, checklist))
                r.documents = checklist
            audit.append(s, actor, "update", changes, None)
            step(s, actor, r, S.DIRUJUK, on or date.today(), note)
            s.flush()
            return to_detail(s, r, actor, date.today())

    def solve_in_village(self, *, actor: Actor, referral_id: str, action_taken: str,
                         on: date | None = None,
                         expected_version: int | None = None) -> ReferralDetail:
        """Close a recorded request as solved in the village, saying what was done."""
        village_writes(self._db, actor)
        action = checked_text(_("Action taken"), action_taken, LONG_NOTE_LIMIT, lines=True)
        if not action:
            raise InvalidInput(_("Say what was done in the village to solve it."))
        with self._db.write() as s:
            r = get_referral(s, referral_id, expected_version=expected_version, lock=True)
            rules.check_transition(r.status, S.SELESAI_DI_DESA)
            audit.append(s, actor, "update", [Change("referral", r.id, "action_taken",
                                                     r.action_taken, action)], None)
            r.action_taken = action
            step(s, actor, r, S.SELESAI_DI_DESA, on or date.today(), action)
            s.flush()
            return to_detail(s, r, actor, date.today())

    def transition(self, *, actor: Actor, referral_id: str, status: str,
                   on: date | None = None, note: str | None = None,
                   expected_version: int | None = None) -> ReferralDetail:
        """Move a referral one step (a step the flow does not allow is refused with what
        is possible; rejecting, "cannot be followed up" and cancelling need a note).
        Referring and solving in the village have their own calls (they need more)."""
        village_writes(self._db, actor)
        target = rules.status_of(status)
        if target is None:
            raise InvalidInput(_("Unknown status {status}.").format(status=status))
        if target is S.DIRUJUK:
            raise InvalidInput(_("Refer it with the target service and what is asked "
                                 "(Rujuk…)."))
        if target is S.SELESAI_DI_DESA:
            raise InvalidInput(_("Close it as solved in the village with what was done "
                                 "(Selesai di desa…)."))
        note = checked_text(_("Note"), note, LONG_NOTE_LIMIT, lines=True)
        with self._db.write() as s:
            r = get_referral(s, referral_id, expected_version=expected_version, lock=True)
            step(s, actor, r, target, on or date.today(), note)
            s.flush()
            return to_detail(s, r, actor, date.today())

    def record_reply(self, *, actor: Actor, referral_id: str, outcome: str,
                     on: date | None = None, reference: str | None = None,
                     note: str | None = None, source: str = "manual",
                     expected_version: int | None = None) -> ReferralDetail:
        """The service's reply (on paper now, from a bundle later): received, in
        process, done, rejected or cannot be followed up, with its letter's number.
        The steps between where the referral stands and the reply are recorded with
        the reply's date (a reply "done" to a referral sent is received, processed and
        done)."""
        require(actor, Permission.EDIT_REGISTRY)
        target = rules.status_of(outcome)
        if target not in REPLIES:
            raise InvalidInput(_("A reply is one of: {choices}.").format(
                choices=", ".join(s.label for s in REPLIES)))
        reference = checked_text(_("Reply reference"), reference, NAME_LIMIT)
        note = checked_text(_("Note"), note, LONG_NOTE_LIMIT, lines=True)
        on = on or date.today()
        with self._db.write() as s:
            r = get_referral(s, referral_id, expected_version=expected_version, lock=True)
            if at_kabupaten(self._db):
                # the kabupaten does not keep the village's referral: the reply travels
                # to the village in the next bundle, where this rule moves it
                check_reply(r, target)
                check_step(s, r, target, on, note)    # what the village will check
                reply = ReferralReply(referral_id=r.id, outcome=target.value, on_date=on,
                                      reference=reference, note=note, actor=actor.username)
                s.add(reply)
                s.flush()
                audit.append(s, actor, "create", [Change(
                    "referral_reply", reply.id, "outcome", None, target.value)],
                    audit.coded_reason("referral_reply_sent", tracking=r.tracking_code))
                return to_detail(s, r, actor, date.today())
            apply_reply(s, actor, r, target, on, reference, note, source)
            s.flush()
            return to_detail(s, r, actor, date.today())

    def set_follow_up(self, *, actor: Actor, referral_id: str, on: date,
                      note: str | None = None) -> ReferralDetail:
        """Set the next date this referral is followed up (it shows as overdue after)."""
        village_writes(self._db, actor)
        note = checked_text(_("Note"), note, LONG_NOTE_LIMIT, lines=True)
        with self._db.write() as s:
            r = get_referral(s, referral_id, lock=True)
            if not rules.is_open(r.status):
                raise InvalidInput(_("This referral is closed; it needs no follow-up."))
            audit.append(s, actor, "update", [Change("referral", r.id, "follow_up_on",
                                                     r.follow_up_on, on)], note)
            r.follow_up_on = on
            s.flush()
            return to_detail(s, r, actor, date.today())

    def set_documents(self, *, actor: Actor, referral_id: str,
                      documents: list[tuple[str, bool]]) -> ReferralDetail:
        """The documents checklist: each document's name and whether it was brought."""
        village_writes(self._db, actor)
        checklist = [{"name": checked_text(_("Document"), name, PLACE_LIMIT),
                      "present": bool(present)}
                     for name, present in documents if (name or "").strip()]
        with self._db.write() as s:
            r = get_referral(s, referral_id, lock=True)
            if not rules.is_open(r.status):
                raise InvalidInput(_("This referral is closed and cannot change any more."))
            if checklist != (r.documents or []):
                audit.append(s, actor, "update", [Change("referral", r.id, "documents",
                                                         r.documents, checklist)], None)
                r.documents = checklist
            s.flush()
            return to_detail(s, r, actor, date.today())

    def add_visit(self, *, actor: Actor, referral_id: str, visited_on: date, visitor: str,
                  findings: str, next_follow_up: date | None = None) -> ReferralDetail:
        """Record a home visit made for this referral (and, if given, the next
        follow-up date)."""
        village_writes(self._db, actor)
        visitor = checked_text(_("Visitor"), visitor, NAME_LIMIT)
        findings = checked_text(_("Findings"), findings, LONG_NOTE_LIMIT, lines=True)
        if not visitor or not findings:
            raise InvalidInput(_("Fill in who visited and what they found."))
        if visited_on > date.today():
            raise InvalidInput(_("A visit cannot be recorded for a day in the future."))
        with self._db.write() as s:
            r = get_referral(s, referral_id, lock=True)
            if not rules.is_open(r.status):
                raise InvalidInput(_("This referral is closed and cannot change any more."))
            if visited_on < r.received_on:
                raise InvalidInput(_("The visit is dated before the request was received."))
            visit = ReferralVisit(referral_id=r.id, visited_on=visited_on, visitor=visitor,
                                  findings=findings, actor=actor.username)
            s.add(visit)
            s.flush()
            changes = [Change("referral_visit", visit.id, "findings", None, findings)]
            if next_follow_up and rules.is_open(r.status):
                changes.append(Change("referral", r.id, "follow_up_on", r.follow_up_on,
                                      next_follow_up))
                r.follow_up_on = next_follow_up
            audit.append(s, actor, "create", changes,
                         audit.coded_reason("referral_visit", tracking=r.tracking_code))
            s.flush()
            return to_detail(s, r, actor, date.today())
