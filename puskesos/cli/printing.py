"""``print verval|berita-acara|sktm|rujukan|rekap-rujukan --out FILE.pdf``: the official
printouts."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidInput
from ..i18n import _
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting

def _workbook(args, write) -> bool:
    """A report asked for as ``--out NAME.xlsx``: written by ``write(path)`` and said;
    False for a PDF."""
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        return False
    write(out)
    emit(args, {"path": str(out)}, _("Written to {path}.").format(path=out))
    return True


def cmd_print(args) -> int:
    from ..files import write_bytes
    from ..services.documents import check_target
    check_target(Path(args.out))  # before any number is taken from the register
    services = open_for(args)
    try:
        actor = current_actor(args)
        docs = services.documents
        if args.document == "verval":
            doc = docs.verval_forms(actor=actor, cycle_id=args.cycle, rt=args.rt, rw=args.rw)
        elif args.document == "berita-acara":
            doc = docs.berita_acara(actor=actor, cycle_id=args.cycle)
        elif args.document in ("stickers", "daftar-stiker"):
            from ..services.registry.records import HouseholdFilter
            area = HouseholdFilter(dusun=args.dusun, rw=args.rw, rt=args.rt)
            printer = (services.stickers.print_stickers if args.document == "stickers"
                       else services.stickers.print_field_list)
            doc = printer(actor=actor, campaign_id=args.campaign, area=area)
        elif args.document == "rekap-stiker":
            if _workbook(args, lambda out: services.stickers.rekap_xlsx(
                    actor=actor, campaign_id=args.campaign, path=out)):
                return EXIT_OK
            doc = services.stickers.rekap_pdf(actor=actor, campaign_id=args.campaign)
        elif args.document == "rujukan":
            referrals = services.referrals
            doc = referrals.print_letter(
                actor=actor, referral_id=referrals.resolve(args.id, actor=actor))
        elif args.document == "rekap-rujukan":
            from ..services.referrals import parse_month
            year, month = parse_month(args.month)
            if _workbook(args, lambda out: services.referrals.monthly_xlsx(
                    actor=actor, year=year, month=month, path=out)):
                return EXIT_OK
            doc = services.referrals.monthly_pdf(actor=actor, year=year, month=month)
        else:
            if not args.member:
                raise InvalidInput(_("Name the resident with --member ID (or NIK)."))
            member_id = services.verval.resolve_member(args.member, actor=actor)
            doc = docs.sktm(actor=actor, member_id=member_id,
                            purpose=args.purpose or "")
        out = Path(args.out)
        write_bytes(out, doc.pdf)
        emit(args, {"path": str(out), "pages": doc.pages, "letter_number": doc.letter_number,
                     "title": doc.title},
              _("{title}: {pages} pages written to {path}.").format(
                  title=doc.title, pages=doc.pages, path=out)
              + (" " + _("Number {number}.").format(number=doc.letter_number)
                 if doc.letter_number else ""))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    pp = sub.add_parser("print", help=_("print verval forms, a berita acara, an SKTM, a surat "
                                        "rujukan, the monthly referral report or stickers"))
    psub = pp.add_subparsers(dest="document", required=True, parser_class=Parser)
    for name in ("verval", "berita-acara", "sktm", "rujukan", "rekap-rujukan", "stickers",
                 "daftar-stiker", "rekap-stiker"):
        sp = reporting(psub.add_parser(name))
        sp.add_argument("--out", required=True, help=_(
            "the PDF file to write (.xlsx: the report as a workbook)")
            if name in ("rekap-rujukan", "rekap-stiker")
            else _("the PDF file to write"))
        if name == "rujukan":
            sp.add_argument("--id", required=True, help=_("referral id or tracking code"))
        if name == "rekap-rujukan":
            sp.add_argument("--month", help=_("YYYY-MM (default: this month)"))
        if name in ("stickers", "daftar-stiker", "rekap-stiker"):
            sp.add_argument("--campaign", help=_("campaign code or id (default: the newest)"))
        if name in ("stickers", "daftar-stiker"):
            for area in ("--dusun", "--rw", "--rt"):
                sp.add_argument(area)
        if name in ("verval", "berita-acara"):
            sp.add_argument("--cycle", help=_("cycle id (default: the latest cycle)"))
        if name == "verval":
            sp.add_argument("--rt")
            sp.add_argument("--rw")
        if name == "sktm":
            sp.add_argument("--member", help=_("member id or NIK"))
            sp.add_argument("--purpose", help=_("what the letter is for (keperluan)"))
        sp.set_defaults(func=cmd_print, cycle=None, rt=None, rw=None)
