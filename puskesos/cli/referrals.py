"""``referral list|show|add|refer|solve|transition|reply|visit|attach|services``:
residents' requests and their referrals (rujukan), as the window's Rujukan page."""

from __future__ import annotations

from datetime import date

from ..core import referrals as rules
from ..core.codes import ReferralCategory, ReferralChannel, ReferralStatus, ReferralUrgency
from ..core.normalize import date_cell
from ..errors import InvalidInput
from ..i18n import _
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting


def _date(text: str | None, what: str) -> date | None:
    """A date given on the command line (dd-mm-yyyy or yyyy-mm-dd), None when absent."""
    if not text:
        return None
    value, problem = date_cell(text)
    if value is None:
        raise InvalidInput(_("{what}: {text} is not a date; write it as dd-mm-yyyy.")
                           .format(what=what, text=text))
    return value


def _line(r) -> str:
    late = " !" if r.overdue else ""
    return (f"{r.tracking_code}  {r.received_on:%d-%m-%Y}  {ReferralStatus.label_of(r.status):<28}"
            f"  {ReferralCategory.label_of(r.category):<26}  {r.person_name}"
            + (f"  → {r.target_service}" if r.target_service else "") + late)


def _describe(d) -> str:
    name, category, description = _("Name"), _("Category"), _("Description")
    target, letter, follow_up = _("Target service"), _("Letter"), _("Follow-up")
    lines = [f"{d.tracking_code}  {ReferralStatus.label_of(d.status)}",
             f"{name}: {d.person_name}" + (f" ({d.person_nik})" if d.person_nik else ""),
             f"{category}: {ReferralCategory.label_of(d.category)} · "
             f"{ReferralUrgency.label_of(d.urgency)} · {ReferralChannel.label_of(d.channel)}",
             f"{description}: {d.description}"]
    if d.target_service:
        lines.append(f"{target}: {d.target_service} — {d.service_requested}")
    if d.letter_number:
        lines.append(f"{letter}: {d.letter_number}")
    if d.follow_up_on:
        late = " (" + _("overdue") + ")" if d.overdue else ""
        lines.append(f"{follow_up}: {d.follow_up_on:%d-%m-%Y}{late}")
    for e in d.events:
        lines.append(f"  {e.on_date:%d-%m-%Y}  {ReferralStatus.label_of(e.to_status)}  "
                     f"{e.actor}" + (f"  {e.note}" if e.note else ""))
    return "\n".join(lines)


def cmd_referral(args) -> int:
    services = open_for(args)
    try:
        actor = current_actor(args)
        ref = services.referrals
        verb = args.referral_command
        if verb == "list":
            rows = ref.list(actor=actor, status=args.status, category=args.category,
                            text=args.search, overdue_only=args.overdue)
            # a list of objects (id, tracking_code, status, category, …), as scripts read it
            emit(args, rows,
                 "\n".join(_line(r) for r in rows) or _("No referral yet."))
            return EXIT_OK
        if verb == "services":
            names = (ref.set_services(actor=actor, names=args.set) if args.set
                     else ref.services())
            emit(args, {"services": names}, "\n".join(names))
            return EXIT_OK
        if verb == "add":
            kwargs = {}
            if args.member:
                kwargs["member_id"] = services.verval.resolve_member(args.member, actor=actor)
            else:
                kwargs.update(person_name=args.name, person_nik=args.nik,
                              nik_absent_reason=args.no_nik_reason,
                              person_birth_date=_date(args.born, _("Date of birth")),
                              person_address=args.address)
            detail = ref.add(actor=actor, category=args.category, description=args.description,
                             urgency=args.urgency, channel=args.channel, dusun=args.dusun,
                             rt=args.rt, rw=args.rw, phone=args.phone,
                             received_on=_date(args.received, _("Date received")),
                             draft=args.draft, **kwargs)
        else:
            referral_id = ref.resolve(args.id, actor=actor)
            when = _date(getattr(args, "date", None), _("Date"))
            if verb == "show":
                detail = ref.detail(referral_id, actor=actor)
            elif verb == "refer":
                documents = None
                if args.document:
                    documents = [(d.rsplit("=", 1)[0], d.rsplit("=", 1)[1].lower() in (
                        "ada", "ya", "yes", "1")) if "=" in d else (d, False)
                        for d in args.document]
                detail = ref.refer(actor=actor, referral_id=referral_id,
                                   target_service=args.service,
                                   service_requested=args.request, documents=documents,
                                   on=when, note=args.note)
            elif verb == "solve":
                detail = ref.solve_in_village(actor=actor, referral_id=referral_id,
                                              action_taken=args.action, on=when)
            elif verb == "transition":
                detail = ref.transition(actor=actor, referral_id=referral_id, status=args.to,
                                        on=when, note=args.note)
            elif verb == "reply":
                detail = ref.record_reply(actor=actor, referral_id=referral_id,
                                          outcome=args.outcome, on=when,
                                          reference=args.reference, note=args.note)
            elif verb == "visit":
                detail = ref.add_visit(actor=actor, referral_id=referral_id,
                                       visited_on=when or date.today(), visitor=args.visitor,
                                       findings=args.findings,
                                       next_follow_up=_date(args.next, _("Next follow-up")))
            else:                                                   # attach
                for path in args.files:
                    detail = ref.add_attachment(actor=actor, referral_id=referral_id,
                                                path=path)
        emit(args, {"referral": detail}, _describe(detail))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    rp = sub.add_parser("referral", help=_("residents' requests and referrals (rujukan)"))
    rsub = rp.add_subparsers(dest="referral_command", required=True, parser_class=Parser)
    statuses = [rules.OPEN_FILTER, rules.CLOSED_FILTER] + [s.value for s in ReferralStatus]

    ls = reporting(rsub.add_parser("list", help=_("list referrals")))
    ls.add_argument("--status", choices=statuses)
    ls.add_argument("--category", choices=[c.value for c in ReferralCategory])
    ls.add_argument("--search", help=_("words of the name, NIK or tracking code"))
    ls.add_argument("--overdue", action="store_true",
                    help=_("only those past their follow-up date"))

    sv = reporting(rsub.add_parser("services", help=_("the services referrals go to")))
    sv.add_argument("--set", nargs="+", metavar="NAME", help=_("replace the list"))

    add = reporting(rsub.add_parser("add", help=_("record a resident's request")))
    add.add_argument("--member", help=_("member id or NIK of a resident in the registry"))
    add.add_argument("--name", help=_("name of a person who is not in the registry"))
    add.add_argument("--nik")
    add.add_argument("--no-nik-reason", help=_("why the person has no NIK here"))
    add.add_argument("--born", help=_("date of birth (dd-mm-yyyy)"))
    add.add_argument("--address")
    for name in ("--dusun", "--rt", "--rw", "--phone"):
        add.add_argument(name)
    add.add_argument("--category", required=True, choices=[c.value for c in ReferralCategory])
    add.add_argument("--description", required=True)
    add.add_argument("--urgency", default=ReferralUrgency.BIASA.value,
                     choices=[u.value for u in ReferralUrgency])
    add.add_argument("--channel", default=ReferralChannel.DATANG.value,
                     choices=[c.value for c in ReferralChannel])
    add.add_argument("--received", help=_("date received (dd-mm-yyyy; default today)"))
    add.add_argument("--draft", action="store_true", help=_("keep it as a draft"))

    def one(name: str, text: str):
        p = reporting(rsub.add_parser(name, help=text))
        p.add_argument("id", help=_("referral id or tracking code"))
        return p

    one("show", _("show a referral with its steps"))
    refer = one("refer", _("refer a request to a service"))
    refer.add_argument("--service", required=True)
    refer.add_argument("--request", required=True, help=_("the service requested"))
    refer.add_argument("--document", action="append",
                       help=_("a required document; NAME=ada when it was brought"))
    refer.add_argument("--note")
    solve = one("solve", _("close a request as solved in the village"))
    solve.add_argument("--action", required=True, help=_("what was done"))
    step = one("transition", _("move a referral one step (diterima, diproses, selesai, "
                               "ditolak, tidak_dapat, dibatalkan)"))
    step.add_argument("--to", required=True, choices=[s.value for s in ReferralStatus])
    step.add_argument("--note")
    reply = one("reply", _("record the service's reply (on paper)"))
    reply.add_argument("--outcome", required=True,
                       choices=[s.value for s in rules.REPLIES])
    reply.add_argument("--reference", help=_("the number of the reply letter"))
    reply.add_argument("--note")
    visit = one("visit", _("record a home visit"))
    visit.add_argument("--visitor", required=True)
    visit.add_argument("--findings", required=True)
    visit.add_argument("--next", help=_("next follow-up date (dd-mm-yyyy)"))
    attach = one("attach", _("attach scans or photos (images, PDF)"))
    attach.add_argument("files", nargs="+")
    for p in (refer, solve, step, reply, visit):
        p.add_argument("--date", help=_("the day it happened (dd-mm-yyyy; default today)"))
    rp.set_defaults(func=cmd_referral)
