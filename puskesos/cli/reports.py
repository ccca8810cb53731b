"""``report sasaran --out FILE.pdf|FILE.xlsx [--dusun D] [--rw RW] [--rt RT]``: the
forum report of the village or one of its areas (issue 17 point 4), as a PDF with
its charts or as a workbook; it says where it wrote the file."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidInput
from ..i18n import _
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting


def cmd_report(args) -> int:
    from ..files import write_bytes
    from ..services.reports import Area
    out = Path(args.out)
    kind = out.suffix.lower()
    if kind not in (".pdf", ".xlsx"):
        raise InvalidInput(_("The report is written as a PDF (.pdf) or a workbook (.xlsx): "
                             "name the file with one of these endings."))
    services = open_for(args)
    try:
        actor = current_actor(args)
        area = Area(dusun=args.dusun or None, rw=args.rw or None, rt=args.rt or None)
        if kind == ".xlsx":
            services.reports.forum_xlsx(actor=actor, path=out, area=area)
            emit(args, {"path": str(out), "area": area.words()},
                 _("The forum report ({area}) was written to {path}.").format(
                     area=area.words(), path=out))
            return EXIT_OK
        doc = services.reports.forum_pdf(actor=actor, area=area)
        write_bytes(out, doc.pdf)
        emit(args, {"path": str(out), "area": area.words(), "pages": doc.pages},
             _("The forum report ({area}, {pages} pages) was written to {path}.").format(
                 area=area.words(), pages=doc.pages, path=out))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    rp = sub.add_parser("report", help=_("reports for the forum (Laporan)"))
    rsub = rp.add_subparsers(dest="report", required=True, parser_class=Parser)
    sp = reporting(rsub.add_parser("sasaran", help=_(
        "the targeting report for the kabupaten's TKPK forum: households by desil, the "
        "extreme poor and their coverage, programs by kind, open flags")))
    sp.add_argument("--out", required=True, help=_(
        "the file to write: FILE.pdf (with charts) or FILE.xlsx (a workbook)"))
    sp.add_argument("--dusun", help=_("only this dusun"))
    sp.add_argument("--rw", help=_("only this RW"))
    sp.add_argument("--rt", help=_("only this RT"))
    sp.set_defaults(func=cmd_report)
