"""``flags [dismiss|rules]`` and ``program list|add|set|grant|end``: Program & Sasaran on the
command line — the flags the targeting rules raise, each with the person concerned
and why; the rules themselves; and the program catalogue."""

from __future__ import annotations

from ..core.codes import ParticipationStatus
from ..core.targeting import FlagKind, ProgramKind, ProgramSource, TargetingRules
from ..errors import InvalidInput
from ..i18n import _
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting


def _flag_json(f) -> dict:
    return {"kind": f.kind, "nik": f.nik, "name": f.name, "no_kk": f.no_kk,
            "household": f.household_id, "member": f.member_id, "program": f.program_code,
            "text": f.text, "data": f.data}


def _flag_line(f) -> str:
    return f"{f.kind_label:<34} {f.nik or '-':<16} {f.name or '-':<24} {f.text}"


def _rule_value(name: str, text: str):
    """A rule's value as typed: numbers, lists (``A,B``) and pairs (``A+B,C+D``)."""
    if name == "forbidden_pairs":
        return [p.split("+") for p in text.split(",") if p.strip()]
    if name in ("extreme_desil", "elderly_age"):
        return text
    return [v for v in text.split(",") if v.strip()]


def cmd_flags(args) -> int:
    services = open_for(args)
    try:
        actor = current_actor(args)
        targeting = services.targeting
        verb = getattr(args, "flags_command", None)
        if verb == "rules":
            rules = targeting.rules(actor=actor)
            if args.set:
                values = rules.as_json()
                for item in args.set:
                    name, sep, text = item.partition("=")
                    if not sep:
                        raise InvalidInput(_("Write a rule as NAME=VALUE, e.g. "
                                             "extreme_desil=1."))
                    values[name.strip()] = _rule_value(name.strip(), text.strip())
                rules = targeting.set_rules(actor=actor, rules=TargetingRules.from_json(values))
            shown = rules.as_json()
            emit(args, shown, "\n".join(f"{k}: {v}" for k, v in shown.items()))
        elif verb == "dismiss":
            wanted = [f for f in targeting.flags(actor=actor, kind=args.kind)
                      if args.who in (f.nik, f.household_id, f.no_kk, f.member_id)
                      and args.program in (None, f.program_code)]
            if len(wanted) != 1:
                raise InvalidInput(_("{n} flags match; name one by its kind, the person's "
                                     "NIK (or the No KK) and, if need be, its program.")
                                   .format(n=len(wanted)))
            targeting.dismiss(actor=actor, flag=wanted[0], reason=args.reason)
            emit(args, _flag_json(wanted[0]), _("Set aside: {text}").format(
                text=wanted[0].text))
        else:
            found = targeting.flags(actor=actor, kind=args.kind, dismissed=args.dismissed)
            emit(args, [_flag_json(f) for f in found],
                 "\n".join(_flag_line(f) for f in found) or _("No flag."))
        return EXIT_OK
    finally:
        services.close()


def _entry_json(p) -> dict:
    return {"code": p.code, "name": p.name, "target": p.target, "source": p.source,
            "kind": p.kind, "desil_ceiling": p.desil_ceiling, "periods": p.periods,
            "active": p.active}


def cmd_program(args) -> int:
    services = open_for(args)
    try:
        actor = current_actor(args)
        targeting = services.targeting
        if args.program_command in ("grant", "end"):
            person = targeting.resident(actor=actor, nik=args.nik)
            member = None if args.family else person.member_id
            if args.program_command == "grant":
                services.programs.add_participation(
                    actor=actor, household_id=person.household_id,
                    program_code=args.code.strip().upper(), period=args.period,
                    member_id=member, note=args.note)
                text = _("{code} ({period}) entered for {who}.")
            else:
                dto = services.households.get(actor=actor, household_id=person.household_id)
                found = [p for p in dto.programs if p.program_code == args.code.strip().upper()
                         and p.period == args.period.strip() and p.member_id == member
                         and p.status == ParticipationStatus.AKTIF.value]
                if not found:
                    raise InvalidInput(_("{who} does not receive {code} in {period}.").format(
                        who=_("the family of {name}").format(name=person.name) if member is None
                        else person.name, code=args.code, period=args.period))
                services.programs.end_participation(actor=actor,
                                                    participation_id=found[0].id,
                                                    reason=args.reason)
                text = _("{code} ({period}) ended for {who}.")
            who = (_("the family of {name}").format(name=person.name) if member is None
                   else person.name)
            emit(args, {"program": args.code.strip().upper(), "period": args.period,
                        "household": person.household_id, "member": member},
                 text.format(code=args.code.strip().upper(), period=args.period, who=who))
        elif args.program_command == "list":
            rows = targeting.catalogue(actor=actor)
            emit(args, [_entry_json(p) for p in rows], "\n".join(
                f"{p.code:<16} {p.name:<40} {p.source_label:<20} {p.kind_label:<22} "
                f"{_('desil') + ' ≤ ' + str(p.desil_ceiling) if p.desil_ceiling else '-'}"
                + ("" if p.active else "  " + _("(inactive)")) for p in rows))
        else:
            ceiling = "" if args.desil_ceiling is None else (
                None if args.desil_ceiling == 0 else args.desil_ceiling)
            active = None if args.active is None else args.active == "yes"
            entry = targeting.save_program(
                actor=actor, code=args.code, name=args.name, target=args.target,
                source=args.source, kind=args.kind, desil_ceiling=ceiling,
                periods=args.periods, active=active, new=args.program_command == "add")
            emit(args, _entry_json(entry), _("Program {code} saved.").format(
                code=entry.code))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    fp = reporting(sub.add_parser("flags", help=_(
        "aid going where it should not, or not where it should (Program & Sasaran)")))
    fp.add_argument("--kind", choices=[k.value for k in FlagKind])
    fp.add_argument("--dismissed", action="store_true", help=_("those set aside"))
    fsub = fp.add_subparsers(dest="flags_command", parser_class=Parser)
    ds = reporting(fsub.add_parser("dismiss", help=_("set a flag aside, with why")))
    ds.add_argument("who", help=_("the person's NIK (or the family's No KK)"))
    ds.add_argument("--kind", required=True, choices=[k.value for k in FlagKind])
    ds.add_argument("--program")
    ds.add_argument("--reason", required=True)
    rl = reporting(fsub.add_parser("rules", help=_("the targeting rules (and change them)")))
    rl.add_argument("--set", action="append", metavar="NAME=VALUE", help=_(
        "e.g. forbidden_pairs=BLT_DD+PKH,BLT_DD+BPNT · extreme_desil=1 · elderly_age=60 · "
        "vulnerable_programs=ATENSI,PERMAKANAN · off=recipient_withdrew"))
    fp.set_defaults(func=cmd_flags)

    pp = reporting(sub.add_parser("program", help=_("the program catalogue")))
    psub = pp.add_subparsers(dest="program_command", required=True, parser_class=Parser)
    reporting(psub.add_parser("list", help=_("every program")))
    for verb, helptext in (("add", _("add a program")), ("set", _("change a program"))):
        sp = reporting(psub.add_parser(verb, help=helptext))
        sp.add_argument("code")
        sp.add_argument("--name", required=verb == "add")
        sp.add_argument("--target", choices=["keluarga", "individu"])
        sp.add_argument("--source", choices=[s.value for s in ProgramSource])
        sp.add_argument("--kind", choices=[k.value for k in ProgramKind])
        sp.add_argument("--desil-ceiling", type=int, metavar="N",
                        help=_("the highest desil it is for (0: none)"))
        sp.add_argument("--periods")
        sp.add_argument("--active", choices=["yes", "no"])
    for verb, helptext in (("grant", _("enter by hand that a person or their family "
                                       "receives a program")),
                           ("end", _("end a program a person or their family receives, "
                                     "with why"))):
        gp = reporting(psub.add_parser(verb, help=helptext))
        gp.add_argument("code")
        gp.add_argument("nik", help=_("the recipient's NIK (with --family: a member's)"))
        gp.add_argument("--period", required=True, help=_("e.g. 2026 or 2026-Q3"))
        gp.add_argument("--family", action="store_true",
                        help=_("to the whole family, not the person"))
        if verb == "grant":
            gp.add_argument("--note")
        else:
            gp.add_argument("--reason", required=True)
    pp.set_defaults(func=cmd_program)
