"""The registry: ``households`` (list), ``import`` (a DTSEN extract or a BNBA
list, its preview, report and undo) and ``export``."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from ..core.regions import normalize_code
from ..errors import InvalidInput, NotFound, ReportNotWritten, UserError
from ..i18n import _
from .common import EXIT_OK, LOGIN, NO_LOGIN, current_actor, emit, open_for, reporting


def cmd_households(args) -> int:
    from ..services.registry import HouseholdFilter
    services = open_for(args)
    try:
        rows, total = services.households.search(
            actor=current_actor(args), filter=HouseholdFilter(
                text=args.search or "", village=normalize_code(args.village or "") or None),
            limit=args.limit)
    finally:
        services.close()
    lines = [f"{r.no_kk or '-':16}  {r.head_name or '-':30}  {r.dusun or ''} RT {r.rt or '-'}"
             f"/RW {r.rw or '-'}  desil {r.desil or '-'}" for r in rows]
    emit(args, {"total": total, "households": rows},
          "\n".join(lines + [_("{shown} of {total} households").format(shown=len(rows),
                                                                       total=total)]))
    return EXIT_OK



def _read_ahead(args) -> None:
    """Before the login: start parsing the file to import on a second thread, while
    the password is checked and the rest of the program loads (it reads no data of
    the village; the file is the user's own)."""
    if args.file and not args.undo:
        from ..formats.books import read_ahead
        read_ahead(args.file, args.sheet)


def cmd_import(args) -> int:
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
        if args.report and not Path(args.report).resolve().parent.is_dir():
            raise NotFound(_("Folder {path} does not exist, so the report cannot be written "
                             "there. Create it or name another report file; nothing was "
                             "imported.").format(path=Path(args.report).resolve().parent))

        def show(done: int, total: int, _message: str = "") -> None:
            if sys.stderr.isatty() and total:
                print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

        from ..jobs import Progress
        from ..threads import throughput_mode
        if args.report:
            # the report's workbook writer (openpyxl, with PIL: some 190 modules) is
            # loaded now, while the file is still being parsed on the read-ahead thread
            # (_read_ahead) and the import would only wait for it; loaded after the
            # import, it added its 0.15-0.2 s to the command's time
            from ..formats import xlsx_write  # noqa: F401
        with throughput_mode():
            report = run_import(services, actor=actor, path=args.file, dry_run=args.dry_run,
                                sheet=args.sheet, program=args.program, period=args.period,
                                progress=Progress(show))
        if sys.stderr.isatty():
            print("", file=sys.stderr)
        data = report.summary()
        failed = None
        if args.report:
            failed = _write_report(report, args.report, data)
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
        if failed is not None:
            raise failed
        return EXIT_OK
    finally:
        services.close()


def _write_report(report, path: str, data: dict) -> UserError | None:
    """Write the report of ``report`` to ``path`` (its path goes into ``data``), or
    answer the error to give once the import's own result is shown: after a real
    import the data is in the database whatever happens to the report, and the
    message must say so."""
    from ..logs import crash_log
    from ..services.imports import write_report
    try:
        data["report"] = str(write_report(report, path))
        return None
    except UserError as exc:
        reason = exc.message
    except Exception as exc:  # noqa: BLE001 - the import is done; say so, log the bug
        reason = _("An unexpected error happened (a bug). The details were saved to "
                   "{path}; please send that file to support.").format(path=crash_log(exc))
    if report.batch_id is None:
        return UserError(_("The report could not be written: {reason} This was a preview; "
                           "nothing was imported.").format(reason=reason))
    return ReportNotWritten(_(
        "The data WAS imported ({created} new, {updated} updated, {rejected} rejected), but "
        "the report {path} could not be written: {reason} Do not import the file again. To "
        "get the rows to check, run the same import with --dry-run and --report to another "
        "file; to take the import back, run 'puskesos import --undo'.").format(
            created=report.created, updated=report.updated, rejected=report.rejected,
            path=path, reason=reason))


def cmd_export(args) -> int:
    from ..services import excel_export
    out = Path(args.out)
    if args.template:  # a blank sheet: no database, no login
        excel_export.write_template(out)
        emit(args, {"path": str(out), "rows": 0},
             _("{n} rows written to {path}.").format(n=0, path=out))
        return EXIT_OK
    services = open_for(args)
    try:
        actor = current_actor(args)
        if args.program:
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
    sp.add_argument("--village", help=_("only this village's families (its code; at the "
                                        "kabupaten)"))
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
    sp.set_defaults(func=cmd_import, before_login=_read_ahead)

    sp = reporting(sub.add_parser("export", help=_("export the registry or a BNBA list")))
    sp.add_argument("out")
    sp.add_argument("--program")
    sp.add_argument("--period")
    sp.add_argument("--template", action="store_true", help=_("a blank entry template"))
    sp.set_defaults(func=cmd_export, login=lambda args: NO_LOGIN if args.template else LOGIN)
