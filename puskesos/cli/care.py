"""``orphan list|add|remove``, ``sponsor list|add|remove|match|unmatch`` and
``vulnerable``: the vulnerable groups of Program & Sasaran on the command line —
orphans with their guardians, foster sponsors and the coordinator's matches, elderly
people living alone and severely disabled people.  People are named by their NIK."""

from __future__ import annotations

from ..core.targeting import FosterOffer, OrphanStatus
from ..errors import NotFound
from ..i18n import _
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting


def _person_json(p) -> dict:
    return {"nik": p.nik, "name": p.name, "no_kk": p.no_kk, "birth_date": p.birth_date,
            "dusun": p.dusun, "rw": p.rw, "rt": p.rt}


def _orphan_json(o) -> dict:
    return {"id": o.id, **_person_json(o.child), "status": o.status,
            "guardian": o.guardian_name, "guardian_nik": o.guardian_nik,
            "guardian_relation": o.guardian_relation, "note": o.note,
            "sponsors": [name for _m, name in o.sponsors], "programs": list(o.programs)}


def _sponsor_json(e) -> dict:
    return {"id": e.id, **_person_json(e.person), "offers": list(e.offers),
            "capacity": e.capacity, "free": e.free, "note": e.note,
            "children": [name for _m, name in e.children]}


def _orphan_of(targeting, actor, nik: str):
    person = targeting.resident(actor=actor, nik=nik)
    for entry in targeting.orphans(actor=actor, household_id=person.household_id):
        if entry.child.member_id == person.member_id:
            return entry
    raise NotFound(_("{name} is not recorded as an orphan.").format(name=person.name))


def _sponsor_of(targeting, actor, nik: str):
    person = targeting.resident(actor=actor, nik=nik)
    for entry in targeting.sponsors(actor=actor):
        if entry.person.member_id == person.member_id:
            return entry
    raise NotFound(_("{name} is not recorded as a foster sponsor.").format(name=person.name))


def cmd_orphan(args) -> int:
    services = open_for(args)
    try:
        actor, targeting = current_actor(args), services.targeting
        verb = args.orphan_command
        if verb == "list":
            rows = targeting.orphans(actor=actor)
            def line(o) -> str:
                text = (f"{o.child.nik or '-':<16} {o.child.name:<24} {o.status_label:<38} "
                        f"{_('guardian')}: {o.guardian_name or '-'}")
                if o.sponsors:
                    text += f" · {_('sponsor')}: " + ", ".join(n for _m, n in o.sponsors)
                return text
            emit(args, [_orphan_json(o) for o in rows],
                 "\n".join(line(o) for o in rows) or _("No orphan recorded."))
        elif verb == "add":
            child = targeting.resident(actor=actor, nik=args.nik)
            guardian = (targeting.resident(actor=actor, nik=args.guardian).member_id
                        if args.guardian else None)
            targeting.record_orphan(
                actor=actor, member_id=child.member_id, status=args.status,
                guardian_member_id=guardian, guardian_name=args.guardian_name,
                guardian_nik=args.guardian_nik, guardian_relation=args.relation,
                note=args.note)
            entry = _orphan_of(targeting, actor, args.nik)
            emit(args, _orphan_json(entry), _("{name} recorded as {status}.").format(
                name=entry.child.name, status=entry.status_label.lower()))
        else:
            entry = _orphan_of(targeting, actor, args.nik)
            targeting.remove_orphan(actor=actor, orphan_id=entry.id, reason=args.reason)
            emit(args, {"removed": entry.id}, _("{name} taken off the orphans' list.")
                 .format(name=entry.child.name))
        return EXIT_OK
    finally:
        services.close()


def cmd_sponsor(args) -> int:
    services = open_for(args)
    try:
        actor, targeting = current_actor(args), services.targeting
        verb = args.sponsor_command
        if verb == "list":
            rows = targeting.sponsors(actor=actor)
            emit(args, [_sponsor_json(e) for e in rows], "\n".join(
                f"{e.person.nik or '-':<16} {e.person.name:<24} {e.offers_label:<40} "
                + _("{n} of {capacity} places taken").format(
                    n=len(e.children), capacity=e.capacity)
                for e in rows) or _("No foster sponsor recorded."))
        elif verb == "add":
            person = targeting.resident(actor=actor, nik=args.nik)
            targeting.record_sponsor(actor=actor, member_id=person.member_id,
                                     offers=[o for o in args.offers.split(",") if o.strip()],
                                     capacity=args.capacity, note=args.note)
            entry = _sponsor_of(targeting, actor, args.nik)
            emit(args, _sponsor_json(entry), _("{name} recorded as a foster sponsor.")
                 .format(name=entry.person.name))
        elif verb == "remove":
            entry = _sponsor_of(targeting, actor, args.nik)
            targeting.remove_sponsor(actor=actor, sponsor_id=entry.id, reason=args.reason)
            emit(args, {"removed": entry.id}, _("{name} taken off the sponsors' list.")
                 .format(name=entry.person.name))
        else:
            sponsor = _sponsor_of(targeting, actor, args.nik)
            orphan = _orphan_of(targeting, actor, args.orphan)
            if verb == "match":
                match = targeting.match(actor=actor, orphan_id=orphan.id,
                                        sponsor_id=sponsor.id, note=args.note)
                text = _("{sponsor} matched to {child}.")
            else:
                match = next(iter({m for m, _n in sponsor.children}
                                  & {m for m, _n in orphan.sponsors}), None)
                if match is None:
                    raise NotFound(_("{sponsor} is not matched to {child}.").format(
                        sponsor=sponsor.person.name, child=orphan.child.name))
                targeting.end_match(actor=actor, match_id=match, reason=args.reason)
                text = _("The match of {sponsor} with {child} has ended.")
            emit(args, {"match": match}, text.format(sponsor=sponsor.person.name,
                                                     child=orphan.child.name))
        return EXIT_OK
    finally:
        services.close()


def cmd_vulnerable(args) -> int:
    services = open_for(args)
    try:
        actor = current_actor(args)
        rows = services.targeting.vulnerable(actor=actor)

        emit(args, [{**_person_json(v.person), "severe": v.severe,
                     "elderly_alone": v.elderly_alone, "programs": list(v.programs)}
                    for v in rows], "\n".join(
            f"{v.person.nik or '-':<16} {v.person.name:<24} {v.why:<44} "
            f"{', '.join(v.programs) or _('no program')}" for v in rows)
            or _("Nobody in these groups."))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    op = sub.add_parser("orphan", help=_("orphans and their guardians"))
    osub = op.add_subparsers(dest="orphan_command", required=True, parser_class=Parser)
    reporting(osub.add_parser("list", help=_("every orphan recorded")))
    add = reporting(osub.add_parser("add", help=_("record a child as an orphan (or change "
                                                  "the record)")))
    add.add_argument("nik", help=_("the child's NIK"))
    add.add_argument("--status", required=True, choices=[s.value for s in OrphanStatus])
    add.add_argument("--guardian", metavar="NIK", help=_("the guardian's NIK, a resident"))
    add.add_argument("--guardian-name", help=_("a guardian outside the registry"))
    add.add_argument("--guardian-nik", help=_("that guardian's NIK, if known"))
    add.add_argument("--relation", help=_("the guardian's relation to the child"))
    add.add_argument("--note")
    rm = reporting(osub.add_parser("remove", help=_("take a child off the list, with why")))
    rm.add_argument("nik")
    rm.add_argument("--reason", required=True)
    op.set_defaults(func=cmd_orphan)

    sp = sub.add_parser("sponsor", help=_("foster sponsors (orang tua asuh) and their "
                                          "matches to orphans"))
    ssub = sp.add_subparsers(dest="sponsor_command", required=True, parser_class=Parser)
    reporting(ssub.add_parser("list", help=_("every foster sponsor")))
    add = reporting(ssub.add_parser("add", help=_("record a resident willing to sponsor")))
    add.add_argument("nik")
    add.add_argument("--offers", required=True, help=", ".join(o.value for o in FosterOffer))
    add.add_argument("--capacity", type=int, default=1, help=_("how many children"))
    add.add_argument("--note")
    rm = reporting(ssub.add_parser("remove", help=_("take a sponsor off the list, with why")))
    rm.add_argument("nik")
    rm.add_argument("--reason", required=True)
    for verb, helptext in (("match", _("match a sponsor to an orphan (the coordinator)")),
                           ("unmatch", _("end a match, with why"))):
        mp = reporting(ssub.add_parser(verb, help=helptext))
        mp.add_argument("nik", help=_("the sponsor's NIK"))
        mp.add_argument("orphan", help=_("the orphan's NIK"))
        if verb == "match":
            mp.add_argument("--note")
        else:
            mp.add_argument("--reason", required=True)
    sp.set_defaults(func=cmd_sponsor)

    vp = reporting(sub.add_parser("vulnerable", help=_(
        "elderly people living alone and severely disabled people, with their programs")))
    vp.set_defaults(func=cmd_vulnerable)
