"""``sticker list|campaign add|campaigns|log|photos``: house labelling campaigns, their
households and the officers' field log."""

from __future__ import annotations

from datetime import datetime

from ..core.codes import StickerOutcome
from ..core.normalize import date_cell
from ..errors import InvalidInput
from ..i18n import _
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting


def _when(text: str | None) -> datetime:
    """``dd-mm-yyyy [HH:MM]`` as a local time; now when empty."""
    if not text:
        return datetime.now().replace(microsecond=0)
    day, _sep, clock = text.strip().partition(" ")
    value, _problem = date_cell(day)
    try:
        hour, minute = (int(p) for p in (clock or "12:00").split(":"))
        return datetime(value.year, value.month, value.day, hour, minute)
    except (AttributeError, ValueError):
        raise InvalidInput(_("{text} is not a time; write it as dd-mm-yyyy HH:MM.")
                           .format(text=text)) from None


def cmd_sticker(args) -> int:
    services = open_for(args)
    try:
        actor = current_actor(args)
        stickers = services.stickers
        verb = args.sticker_command
        if verb == "campaigns":
            rows = stickers.campaigns(actor=actor)
            emit(args, rows, "\n".join(f"{c.code:<12} {c.targets:>5}  {c.name}" for c in rows)
                 or _("No labelling campaign yet."))
        elif verb == "campaign":
            campaign = stickers.create_campaign(
                actor=actor, code=args.code, name=args.name, sticker_text=args.text,
                programs=args.program or [], desil=args.desil or [],
                legal_basis=args.basis, per_page=args.per_page)
            emit(args, campaign, _("Campaign {code}: {n} households, serials 1 to {n}.")
                 .format(code=campaign.code, n=campaign.targets))
        elif verb == "list":
            campaign = stickers.campaign(args.campaign, actor=actor)
            rows = stickers.targets(actor=actor, campaign_id=campaign.id)
            # a list of objects (household, outcome, serial, …), as scripts read it
            emit(args, [{"household": r.household_id, "outcome": r.outcome,
                         "serial": r.serial_text, "head_name": r.head_name,
                         "dusun": r.dusun, "rw": r.rw, "rt": r.rt, "visits": r.visits,
                         "target": r.id} for r in rows],
                 "\n".join(f"{r.serial_text}  {StickerOutcome.short_of(r.outcome) or '-':<18}"
                           f"  {r.head_name or '-'}  {r.dusun or ''} RT {r.rt or '-'}"
                           for r in rows))
        elif verb == "to-verval":
            added = stickers.carry_to_verval(actor=actor, cycle_id=args.cycle)
            emit(args, {"added": added}, _("{n} households added to the verval cycle.")
                 .format(n=added))
        elif verb == "log":
            campaign = stickers.campaign(args.campaign, actor=actor)
            household = _household(stickers, actor, campaign.id, args.serial)
            row = stickers.record_outcome(
                actor=actor, campaign_id=campaign.id, household_id=household,
                outcome=args.outcome, at=_when(args.at), officers=args.officer,
                witnesses=args.witness, note=args.note, well_off=args.well_off,
                latitude=args.lat, longitude=args.lon)
            if args.photo:
                done = stickers.add_photos(actor=actor, log_id=row.id, paths=args.photo)
                for name, why in done.refused:
                    print(_("{name}: not kept ({why}).").format(name=name, why=why))
            emit(args, row, _("Recorded: {outcome}.").format(
                outcome=StickerOutcome.label_of(row.outcome)))
        return EXIT_OK
    finally:
        services.close()


def _household(stickers, actor, campaign_id: str, serial: str) -> str:
    """The household of a serial (12, 00012 or STK26-00012) in the campaign."""
    digits = serial.rsplit("-", 1)[-1]
    if not digits.isdigit():
        raise InvalidInput(_("Give the sticker's serial, e.g. 12 or STK26-00012."))
    for row in stickers.targets(actor=actor, campaign_id=campaign_id):
        if row.serial == int(digits):
            return row.household_id
    raise InvalidInput(_("The campaign has no sticker {serial}.").format(serial=serial))


def register(sub) -> None:
    sp = sub.add_parser("sticker", help=_("house labelling campaigns and the field log"))
    ssub = sp.add_subparsers(dest="sticker_command", required=True, parser_class=Parser)
    reporting(ssub.add_parser("campaigns", help=_("list the labelling campaigns")))
    ls = reporting(ssub.add_parser("list", help=_("a campaign's households and outcomes")))
    ls.add_argument("--campaign", help=_("campaign code or id (default: the newest)"))
    cp = ssub.add_parser("campaign", help=_("labelling campaigns"))
    csub = cp.add_subparsers(dest="campaign_command", required=True, parser_class=Parser)
    add = reporting(csub.add_parser("add", help=_("a new campaign and its households")))
    add.add_argument("--code", required=True, help=_("short code printed before serials"))
    add.add_argument("--name", required=True)
    add.add_argument("--text", required=True, help=_("the text the stickers carry"))
    add.add_argument("--program", action="append", help=_("program code (repeat)"))
    add.add_argument("--desil", action="append", type=int, help=_("desil (repeat)"))
    add.add_argument("--basis", help=_("legal basis, e.g. the SK Bupati's number"))
    add.add_argument("--per-page", type=int, default=4, choices=(1, 2, 4))
    add.set_defaults(sticker_command="campaign")
    tv = reporting(ssub.add_parser("to-verval", help=_(
        "put households that refused, withdrew or were found well-off into a verval cycle")))
    tv.add_argument("--cycle", help=_("cycle id (default: the latest cycle)"))
    log = reporting(ssub.add_parser("log", help=_("record what was found at a house")))
    log.add_argument("serial", help=_("the sticker's serial (12 or STK26-00012)"))
    log.add_argument("--campaign", help=_("campaign code or id (default: the newest)"))
    log.add_argument("--outcome", required=True, choices=[o.value for o in StickerOutcome])
    log.add_argument("--officer", action="append", required=True,
                     help=_("an officer who was there (repeat)"))
    log.add_argument("--at", help=_("when (dd-mm-yyyy HH:MM; default now)"))
    log.add_argument("--witness")
    log.add_argument("--note")
    log.add_argument("--well-off", action="store_true",
                     help=_("the household was found well-off"))
    log.add_argument("--lat", type=float)
    log.add_argument("--lon", type=float)
    log.add_argument("--photo", action="append", help=_("a photo of the visit (repeat)"))
    sp.set_defaults(func=cmd_sticker)
