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
        raise InvalidInput(f"{what}: {problem}" if problem else _(
            "{what}: {text} is not a date; write it as dd-mm-yyyy.").format(what=what,
                                                                           text=text))
    return value


def _documents(given: list[str] | None) -> list[tuple[str, bool]]:
    """``NAME`` or ``NAME=ada`` (brought) as the checklist's (name, brought)."""
    out = []
    for item in given or []:
        name, sep, state = item.rpartition("=")
        out.append((name, state.strip().lower() in ("ada", "ya", "yes", "1")) if sep
                   else (item, False))
    return out


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
    for x in d.replies:
        state = x.state_text()
        lines.append(f"  {_('Reply')} {x.on_date:%d-%m-%Y}  "
                     f"{ReferralStatus.label_of(x.outcome)}  {x.actor}  ({state})")
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
        elif verb == "attachment-save":
            target = ref.save_attachment(actor=actor, attachment_id=args.attachment,
                                         target=args.out)
            emit(args, {"path": str(target)}, _("Written to {path}.").format(path=target))
            return EXIT_OK
        elif verb == "attachment-remove":
            detail = ref.remove_attachment(actor=actor, attachment_id=args.attachment,
                                           reason=args.reason)
        else:
            detail = _step(ref, actor, verb, args, ref.resolve(args.id, actor=actor))
        emit(args, {"referral": detail}, _describe(detail))
        return EXIT_OK
    finally:
        services.close()


def _step(ref, actor, verb: str, args, referral_id: str):
    """The verbs that act on one referral, named by its id or tracking code."""
    when = _date(getattr(args, "date", None), _("Date"))
    if verb == "show":
        return ref.detail(referral_id, actor=actor)
    if verb == "refer":
        return ref.refer(actor=actor, referral_id=referral_id, target_service=args.service,
                         service_requested=args.request,
                         documents=_documents(args.document) if args.document else None,
                         on=when, note=args.note)
    if verb == "solve":
        return ref.solve_in_village(actor=actor, referral_id=referral_id,
                                    action_taken=args.action, on=when)
    if verb == "transition":
        return ref.transition(actor=actor, referral_id=referral_id, status=args.to, on=when,
                              note=args.note)
    if verb == "reply":
        return ref.record_reply(actor=actor, referral_id=referral_id, outcome=args.outcome,
                                on=when, reference=args.reference, note=args.note)
    if verb == "visit":
        return ref.add_visit(actor=actor, referral_id=referral_id,
                             visited_on=when or date.today(), visitor=args.visitor,
                             findings=args.findings,
                             next_follow_up=_date(args.next, _("Next follow-up")))
    if verb == "follow-up":
        return ref.set_follow_up(actor=actor, referral_id=referral_id,
                                 on=_date(args.on, _("Next follow-up")), note=args.note)
    if verb == "documents":
        return ref.set_documents(actor=actor, referral_id=referral_id,
                                 documents=_documents(args.document))
    if verb == "update":
        changes = {k: v for k, v in (
            ("category", args.category), ("description", args.description),
            ("urgency", args.urgency), ("channel", args.channel), ("phone", args.phone),
            ("person_address", args.address), ("dusun", args.dusun), ("rt", args.rt),
            ("rw", args.rw), ("received_on", _date(args.received, _("Date received"))))
            if v is not None}
        current = ref.detail(referral_id, actor=actor)
        return ref.update_intake(actor=actor, referral_id=referral_id,
                                 expected_version=current.version, **changes)
    detail = None                                                   # attach
    for path in args.files:
        detail = ref.add_attachment(actor=actor, referral_id=referral_id, path=path)
    return detail


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
    reply = one("reply", _("record the service's reply (on paper; at the kabupaten, to "
                           "send to the village in the next bundle)"))
    reply.add_argument("--outcome", "--status", dest="outcome", required=True,
                       choices=[s.value for s in rules.REPLIES])
    reply.add_argument("--reference", help=_("the number of the reply letter"))
    reply.add_argument("--note")
    visit = one("visit", _("record a home visit"))
    visit.add_argument("--visitor", required=True)
    visit.add_argument("--findings", required=True)
    visit.add_argument("--next", help=_("next follow-up date (dd-mm-yyyy)"))
    attach = one("attach", _("attach scans or photos (images, PDF)"))
    attach.add_argument("files", nargs="+")
    follow = one("follow-up", _("set the next follow-up date"))
    follow.add_argument("--on", required=True, help=_("the date (dd-mm-yyyy)"))
    follow.add_argument("--note")
    docs = one("documents", _("the documents checklist (replaces it)"))
    docs.add_argument("--document", action="append", required=True,
                      help=_("a required document; NAME=ada when it was brought"))
    update = one("update", _("correct what was taken at intake (draft or recorded)"))
    update.add_argument("--category", choices=[c.value for c in ReferralCategory])
    update.add_argument("--urgency", choices=[u.value for u in ReferralUrgency])
    update.add_argument("--channel", choices=[c.value for c in ReferralChannel])
    for name in ("--description", "--phone", "--address", "--dusun", "--rt", "--rw"):
        update.add_argument(name)
    update.add_argument("--received", help=_("date received (dd-mm-yyyy; default today)"))
    save = reporting(rsub.add_parser("attachment-save", help=_("save an attachment to a file")))
    save.add_argument("attachment", help=_("the attachment's id (referral show --json)"))
    save.add_argument("--out", required=True)
    remove = reporting(rsub.add_parser("attachment-remove", help=_("remove an attachment")))
    remove.add_argument("attachment", help=_("the attachment's id (referral show --json)"))
    remove.add_argument("--reason", required=True)
    for p in (refer, solve, step, reply, visit):
        p.add_argument("--date", help=_("the day it happened (dd-mm-yyyy; default today)"))
    rp.set_defaults(func=cmd_referral)
