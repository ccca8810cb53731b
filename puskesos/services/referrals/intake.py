"""Intake: who asks (a member of the registry, or a person who is not in it), what
they need, and what the window shows about them while the request is taken."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from ...core import codes
from ...core import referrals as rules
from ...core.codes import ReferralCategory, ReferralChannel, ReferralStatus, ReferralUrgency
from ...core.identifiers import check_nik
from ...core.labels import address_text
from ...core.normalize import area_number
from ...core.permissions import Permission
from ...core.validation import (LONG_NOTE_LIMIT, NAME_LIMIT, PLACE_LIMIT, SHORT_NOTE_LIMIT,
                                checked_text)
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import Household, Member, Participation, Program, Referral, ReferralEvent
from .. import audit
from ..audit import Change
from ..context import Actor, require
from ..registry.queries import dusun_names, search_words
from .common import (get_referral, letter_numbers, shown_nik, to_detail, to_row,
                     village_writes)
from .dto import PersonChoice, PersonContext, ReferralDetail

#: the intake fields that may be corrected while a referral is still at the front office
EDITABLE = ("category", "description", "urgency", "channel", "phone", "person_address",
            "dusun", "rt", "rw", "received_on")


def _code(code_list, value, label: str) -> str:
    try:
        member = code_list.from_code(value)
    except ValueError:
        member = None
    if member is None:
        choices = ", ".join(m.label for m in code_list)
        raise InvalidInput(_("Choose the {field}: one of {choices}.").format(
            field=label, choices=choices))
    return member.value


def _known_dusun(s, name: str | None) -> str | None:
    """A dusun typed at intake in the registry's spelling ("krajan" → "KRAJAN"), so the
    report counts one dusun once."""
    if not name:
        return name
    return next((known for known in dusun_names(s) if known.casefold() == name.casefold()),
                name)


class IntakeOps:
    """The intake half of :class:`~puskesos.services.referrals.ReferralService`."""

    def find_people(self, text: str, *, actor: Actor, limit: int = 30) -> list[PersonChoice]:
        """Living members whose name or NIK holds every word of ``text``."""
        require(actor, Permission.VIEW_REGISTRY)
        words = search_words(text)
        if not words:
            return []
        query = (select(Member, Household).join(Household, Household.id == Member.household_id)
                 .where(Member.deleted_at.is_(None), Household.deleted_at.is_(None),
                        Member.presence.in_(codes.LIVING)))
        for word in words:
            query = query.where(Household.search_text.like(f"%{word}%"),
                                or_(func.lower(Member.name).like(f"%{word}%"),
                                    Member.nik.like(f"%{word}%")))
        with self._db.read() as s:
            return [PersonChoice(m.id, h.id, m.name, shown_nik(actor, m.nik), m.birth_date,
                                 h.no_kk, h.address, h.dusun, h.rt, h.rw)
                    for m, h in s.execute(query.order_by(Member.name).limit(limit))]

    def person_context(self, *, actor: Actor, member_id: str | None = None,
                       nik: str | None = None, name: str | None = None) -> PersonContext:
        """The person's household, DTSEN status and desil, current programs and earlier
        referrals (by member, else by NIK), for the intake window."""
        require(actor, Permission.VIEW_REGISTRY)
        today = date.today()
        with self._db.read() as s:
            m = h = None
            if member_id:
                m = s.get(Member, member_id)
                if m is None or m.deleted_at is not None:
                    raise NotFound(_("That resident is not in the registry (removed?)."))
                h = s.get(Household, m.household_id)
                nik = m.nik
            earlier_q = select(Referral).where(Referral.deleted_at.is_(None))
            keys = []
            if m is not None:
                keys.append(Referral.member_id == m.id)
            if nik:
                keys.append(Referral.person_nik == nik)
            earlier = list(s.scalars(earlier_q.where(or_(*keys)).order_by(
                Referral.received_on.desc()).limit(50))) if keys else []
            numbers = letter_numbers(s, earlier)
            members: tuple[str, ...] = ()
            programs: tuple[str, ...] = ()
            if h is not None:
                members = tuple(f"{x.name} ({codes.Relationship.label_of(x.relationship_code)})"
                                if x.relationship_code else x.name
                                for x in s.scalars(select(Member).where(
                                    Member.household_id == h.id, Member.deleted_at.is_(None),
                                    Member.presence.in_(codes.LIVING))
                                    .order_by(Member.sort_order)))
                programs = tuple(sorted({name for name, in s.execute(
                    select(Program.name).join(Participation,
                                              Participation.program_code == Program.code)
                    .where(Participation.household_id == h.id,
                           Participation.deleted_at.is_(None),
                           Participation.status == codes.ParticipationStatus.AKTIF.value))}))
            return PersonContext(
                m.id if m else None, m.name if m else (name or ""), shown_nik(actor, nik),
                h.id if h else None, h.no_kk if h else None,
                address_text(h.address, h.rt, h.rw, h.dusun) if h else None, bool(h and (h.dtsen_id or h.desil)),
                h.dtsen_id if h else None, h.desil if h else None, members, programs,
                tuple(to_row(r, actor, today, numbers) for r in earlier))

    def add(self, *, actor: Actor, category: str, description: str,
            urgency: str = ReferralUrgency.BIASA.value,
            channel: str = ReferralChannel.DATANG.value, member_id: str | None = None,
            person_name: str | None = None, person_nik: str | None = None,
            nik_absent_reason: str | None = None, person_birth_date: date | None = None,
            person_address: str | None = None, dusun: str | None = None,
            rt: str | None = None, rw: str | None = None, phone: str | None = None,
            received_on: date | None = None, documents: list[str] | None = None,
            draft: bool = False) -> ReferralDetail:
        """Record a resident's request: for a member of the registry (``member_id``) or
        a person not in it (name required; NIK, or the reason it is absent).  A
        ``draft`` is kept for later; otherwise it is recorded (TERCATAT) at once."""
        village_writes(self._db, actor)
        fields = self._intake_fields(category=category, description=description,
                                     urgency=urgency, channel=channel, phone=phone,
                                     person_address=person_address, dusun=dusun, rt=rt, rw=rw,
                                     received_on=received_on or date.today())
        status = ReferralStatus.DRAFT if draft else ReferralStatus.TERCATAT
        village = self._settings.village().code
        if not village:
            raise InvalidInput(_("The village is not set up yet (puskesos init)."))
        with self._db.write() as s:
            if member_id:
                m = s.get(Member, member_id)
                if m is None or m.deleted_at is not None:
                    raise NotFound(_("That resident is not in the registry (removed?)."))
                if m.presence not in codes.LIVING:
                    raise InvalidInput(_("{name} is recorded as {presence}: a request is taken "
                                         "for a resident who lives here. For someone else of "
                                         "the family, choose that person.").format(
                        name=m.name, presence=codes.Presence.label_of(m.presence).lower()))
                h = s.get(Household, m.household_id)
                person = dict(member_id=m.id, household_id=h.id, person_name=m.name,
                              person_nik=m.nik, person_birth_date=m.birth_date)
                # the household's address unless the request gives another one
                fields.setdefault("person_address", None)
                fields["person_address"] = fields["person_address"] or address_text(
                    h.address, h.rt, h.rw, h.dusun)
                for key in ("dusun", "rt", "rw"):
                    fields[key] = fields[key] or getattr(h, key)
            else:
                person = self._outside_person(person_name, person_nik, nik_absent_reason,
                                              person_birth_date)
            fields["dusun"] = _known_dusun(s, fields["dusun"])
            checklist = [{"name": checked_text(_("Document"), d, PLACE_LIMIT), "present": False}
                         for d in (documents if documents is not None
                                   else rules.default_documents(fields["category"]))
                         if (d or "").strip()]
            r = Referral(tracking_code=rules.new_tracking_code(), village_code=village,
                         status=status.value, received_by=actor.username,
                         documents=checklist, **person, **fields)
            r.follow_up_on = rules.follow_up_after(status, r.received_on,
                                                   ReferralUrgency.from_code(r.urgency))
            s.add(r)
            s.flush()
            s.add(ReferralEvent(referral_id=r.id, from_status=None, to_status=status.value,
                                on_date=r.received_on, actor=actor.username, note=None))
            audit.append(s, actor, "create", [Change("referral", r.id, "status", None,
                                                     status.value)],
                         f"{r.tracking_code} {ReferralCategory.label_of(r.category)}")
            s.flush()
            return to_detail(s, r, actor, date.today())

    def update_intake(self, *, actor: Actor, referral_id: str, expected_version: int,
                      **changes) -> ReferralDetail:
        """Correct what was taken at intake (category, description, urgency, channel,
        contact, address, date) while the referral is a draft or recorded."""
        village_writes(self._db, actor)
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InvalidInput(_("These fields cannot be changed here: {fields}.")
                               .format(fields=", ".join(sorted(unknown))))
        with self._db.write() as s:
            r = get_referral(s, referral_id, expected_version=expected_version, lock=True)
            if r.status not in (ReferralStatus.DRAFT.value, ReferralStatus.TERCATAT.value):
                raise InvalidInput(_("Only a draft or recorded referral can be corrected; "
                                     "this one is '{status}'. Add a note or a visit instead.")
                                   .format(status=ReferralStatus.label_of(r.status)))
            current = {k: getattr(r, k) for k in EDITABLE}
            fields = self._intake_fields(**{**current, **changes})
            fields["dusun"] = _known_dusun(s, fields["dusun"])
            out = []
            for key, value in fields.items():
                if getattr(r, key) != value:
                    out.append(Change("referral", r.id, key, getattr(r, key), value))
                    setattr(r, key, value)
            if out:
                audit.append(s, actor, "update", out, None)
            s.flush()
            return to_detail(s, r, actor, date.today())

    def record(self, *, actor: Actor, referral_id: str) -> ReferralDetail:
        """A draft becomes a recorded request (TERCATAT) today."""
        from .common import step
        village_writes(self._db, actor)
        with self._db.write() as s:
            r = get_referral(s, referral_id, lock=True)
            step(s, actor, r, ReferralStatus.TERCATAT, max(date.today(), r.received_on), None)
            s.flush()
            return to_detail(s, r, actor, date.today())

    # -- checks ---------------------------------------------------------------------

    @staticmethod
    def _intake_fields(*, category, description, urgency, channel, phone, person_address,
                       dusun, rt, rw, received_on) -> dict:
        description = checked_text(_("Description"), description, LONG_NOTE_LIMIT, lines=True)
        if not description:
            raise InvalidInput(_("Describe the request (what the resident needs)."))
        if received_on > date.today():
            raise InvalidInput(_("The date received cannot be in the future."))
        rt_, rw_ = (area_number(checked_text(label, v, 3) or "") or None
                    for label, v in ((_("RT"), rt), (_("RW"), rw)))
        return dict(
            category=_code(ReferralCategory, category, _("category")),
            description=description,
            urgency=_code(ReferralUrgency, urgency, _("urgency")),
            channel=_code(ReferralChannel, channel, _("channel")),
            phone=checked_text(_("Phone"), phone, 20),
            person_address=checked_text(_("Address"), person_address, PLACE_LIMIT),
            dusun=checked_text(_("Dusun"), dusun, 80), rt=rt_, rw=rw_,
            received_on=received_on)

    @staticmethod
    def _outside_person(name, nik, absent_reason, birth_date) -> dict:
        name = checked_text(_("Name"), name, NAME_LIMIT)
        if not name:
            raise InvalidInput(_("Type the person's name (as on the KTP, or as they say it "
                                 "when they have none), or choose a resident from the "
                                 "registry."))
        if birth_date is not None and not (date(1900, 1, 1) <= birth_date <= date.today()):
            raise InvalidInput(_("The date of birth {date} cannot be right. Check it, or leave "
                                 "it empty.").format(date=birth_date.strftime("%d-%m-%Y")))
        nik = (nik or "").strip() or None
        reason = checked_text(_("Reason the NIK is missing"), absent_reason, SHORT_NOTE_LIMIT)
        if nik:
            result = check_nik(nik, birth_date=birth_date)
            if result.errors:
                raise InvalidInput(_("NIK: {problem}").format(problem=result.errors[0].message))
            nik, reason = result.value, None
        elif not reason:
            raise InvalidInput(_("This person has no NIK here: say why (e.g. not yet recorded "
                                 "by Dukcapil, KTP lost), so the service knows."))
        return dict(member_id=None, household_id=None, person_name=name, person_nik=nik,
                    nik_absent_reason=reason, person_birth_date=birth_date)
