"""The registry: ``households`` (list), ``import`` (a DTSEN extract or a BNBA
list, its preview, report and undo) and ``export``."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from ..errors import InvalidInput
from ..i18n import _
from .common import EXIT_OK, current_actor, emit, open_for, reporting

def cmd_households(args) -> int:
    from ..services.registry import HouseholdFilter
    services = open_for(args)
    try:
        rows, total = services.households.search(
            actor=current_actor(args), filter=HouseholdFilter(text=args.search or ""),
            limit=args.limit)
    finally:
        services.close()
    lines = [f"{r.no_kk or '-':16}  {r.head_name or '-':30}  {r.dusun or ''} RT {r.rt or '-'}"
             f"/RW {r.rw or '-'}  desil {r.desil or '-'}" for r in rows]
    emit(args, {"total": total, "households": rows},
          "\n".join(lines + [_("{shown} of {total} households").format(shown=len(rows),
                                                                       total=total)]))
    return EXIT_OK



def cmd_import(args) -> int:
    if args.file and not args.undo:
        from ..formats.books import read_ahead
        read_ahead(args.file, args.sheet)   # parsed while the rest is loaded and opened
    from ..services.imports import run_import, undo_last_import
    services = open_for(args)
    try:
        actor = current_actor(args)
        if args.undo:
            batch = undo_last_import(services, actor=actor)
            emit(args, {"undone": batch.id, "source": batch.source_name},
                  _("The import of {name} was undone.").format(name=batch.source_name))
            return EXIT_OK
        if not args.file:
            raise InvalidInput(_("Name the file to import."))

        def show(done: int, total: int, _message: str = "") -> None:
            if sys.stderr.isatty() and total:
                print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

        from ..jobs import Progress
        from ..threads import throughput_mode
        with throughput_mode():
            report = run_import(services, actor=actor, path=args.file, dry_run=args.dry_run,
                                sheet=args.sheet, program=args.program, period=args.period,
                                progress=Progress(show))
        if sys.stderr.isatty():
            print("", file=sys.stderr)
        data = report.summary()
        if args.report:
            from ..services.imports import write_report
            data["report"] = str(write_report(report, args.report))
        data["issues"] = [dataclasses.asdict(i) for i in report.issues[:200]]
        text = _("{rows} rows: {created} new, {updated} updated, {unchanged} unchanged, "
                 "{rejected} rejected, {warnings} with warnings, {conflicts} conflicts, "
                 "{duplicates} duplicates.").format(**{k: data[k] for k in (
                     "rows", "created", "updated", "unchanged", "rejected", "warnings",
                     "conflicts", "duplicates")})
        if args.dry_run:
            text = _("Preview only, nothing was written.") + " " + text
        if report.known_note():
            text += " " + report.known_note()
        data["known"] = report.known
        emit(args, data, text)
        return EXIT_OK
    finally:
        services.close()


def cmd_export(args) -> int:
    from ..services import excel_export
    services = open_for(args)
    try:
        actor = current_actor(args)
        out = Path(args.out)
        if args.template:
            excel_export.write_template(out)
            count = 0
        elif args.program:
            count = excel_export.export_bnba(services, actor=actor, path=out,
                                             program=args.program, period=args.period)
        else:
            count = excel_export.export_registry(services, actor=actor, path=out)
        emit(args, {"path": str(out), "rows": count},
              _("{n} rows written to {path}.").format(n=count, path=out))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    sp = reporting(sub.add_parser("households", help=_("list households")))
    sp.add_argument("--search")
    sp.add_argument("--limit", type=int, default=50)
    sp.set_defaults(func=cmd_households)

    sp = reporting(sub.add_parser("import", help=_("import a DTSEN extract or a BNBA list")))
    sp.add_argument("file", nargs="?")
    sp.add_argument("--sheet")
    sp.add_argument("--program", help=_("program code: the file is a recipient list (BNBA)"))
    sp.add_argument("--period", help=_("period of the program or of the desil, e.g. 2025-Q3"))
    sp.add_argument("--dry-run", action="store_true", help=_("preview only, write nothing"))
    sp.add_argument("--report", help=_("write rejected and warned rows to this .xlsx"))
    sp.add_argument("--undo", action="store_true", help=_("undo the last import"))
    sp.set_defaults(func=cmd_import)

    sp = reporting(sub.add_parser("export", help=_("export the registry or a BNBA list")))
    sp.add_argument("out")
    sp.add_argument("--program")
    sp.add_argument("--period")
    sp.add_argument("--template", action="store_true", help=_("a blank entry template"))
    sp.set_defaults(func=cmd_export)
