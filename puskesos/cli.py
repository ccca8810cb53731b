"""Command line: ``puskesos [--db PATH|URL] <command> ...``; no command opens the window.

Every command uses the same services as the window.  Commands that report
take ``--json``.  Exit code 0 on success; otherwise a one-line message on
stderr (Indonesian unless ``--lang en``) and 1 (the user's world: missing
file, locked database, full disk …) or 2 (invalid input or usage).
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import secrets
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

from . import __version__, i18n, paths
from .errors import InvalidInput, UserError
from .i18n import _
from .logs import crash_log

EXIT_OK, EXIT_USER, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
DEFAULT_DEMO_VILLAGE = "35.23.01.2001"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        self.exit(EXIT_USAGE, f"puskesos: {message}\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _emit(args, data: dict, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))
    else:
        print(text)


def _target(args) -> str:
    return args.db or str(paths.default_database())


def _open(args, *, create: bool = False):
    from .services import open_services
    return open_services(_target(args), create=create)


def _actor(args):
    from .services import Actor
    return Actor.command_line(os.environ.get("USER") or os.environ.get("USERNAME") or "cli")


# ---------------------------------------------------------------- commands
def cmd_init(args) -> int:
    from .core.regions import normalize_code, regions
    from .services.auth import AuthService
    if regions().path(normalize_code(args.village)) is None:
        raise InvalidInput(
            _("Village code {code} is not on the Kemendagri list. Use the form "
              "35.23.01.2001 (search with 'puskesos region search NAME').")
            .format(code=args.village))
    password, generated = args.password or os.environ.get("PUSKESOS_ADMIN_PASSWORD"), False
    if not password and sys.stdin.isatty():
        password = getpass.getpass(_("Password for the administrator: "))
    if not password:
        password, generated = secrets.token_urlsafe(9), True
    # Refuse a bad name or password before anything is written, so a failed
    # init can simply be run again.
    AuthService.check_new_credentials(args.admin, password)
    services = _open(args, create=True)
    try:
        identity = services.settings.init_village(actor=_actor(args), village_code=args.village)
        if not services.auth.has_users():
            services.auth.create_first_admin(username=args.admin, password=password,
                                             full_name=args.admin_name or "Administrator")
        else:
            generated = False
        data = {"village": dataclasses.asdict(identity), "database": services.db.location,
                "admin": args.admin}
        text = _("Village {desa} ({code}) is set up in {path}.").format(
            desa=identity.desa, code=identity.code, path=services.db.location)
        if generated:
            data["admin_password"] = password
            text += "\n" + _("Administrator '{user}' has the password {password}: change it "
                             "after the first login.").format(user=args.admin, password=password)
        _emit(args, data, text)
        return EXIT_OK
    finally:
        services.close()


DEMO_USERS = (("admin", "admin", "Administrator Desa"),
              ("operator", "operator", "Bagus Prasetyo"),
              ("koordinator", "koordinator", "Suhartini"),
              ("kades", "kepala_desa", "Kepala Desa"))
DEMO_PASSWORD = "demo123"


def cmd_demo(args) -> int:
    from .services import demo
    services = _open(args, create=True)
    try:
        actor = _actor(args)
        if not services.settings.is_initialised():
            services.settings.init_village(actor=actor, village_code=args.village)
            services.settings.update_village(
                actor=actor, kepala_desa="H. MUHAMMAD SHOLEH", ketua_puskesos="SUHARTINI",
                address="Jl. Raya Desa No. 1", postal_code="62362")
        users = []
        if not services.auth.has_users():
            for username, role, name in DEMO_USERS:
                if role == "admin":
                    services.auth.create_first_admin(username=username, password=DEMO_PASSWORD,
                                                     full_name=name)
                else:
                    services.auth.create_user(actor=actor, username=username,
                                              password=DEMO_PASSWORD, full_name=name, role=role)
                users.append(username)
        real = services.households.counts(actor=actor).households and not \
            services.settings.get("demo", False)
        if real and not args.force:
            raise InvalidInput(_("This database holds a real village's data; invented demo "
                                 "households would mix with it. Use a new file with --db, or "
                                 "add --force if you really mean it."))
        services.settings.set(actor=actor, key="demo", value=True)
        report = demo.generate(services, actor=actor, households=args.households, seed=args.seed)
        data = dataclasses.asdict(report) | {"database": services.db.location,
                                             "demo_users": users,
                                             "demo_password": DEMO_PASSWORD if users else None}
        text = _("Demo village: {h} households, {m} members added to {path}.").format(
            h=report.households, m=report.members, path=services.db.location)
        if users:
            text += "\n" + _("Demo users {users} all have the password {password}.").format(
                users=", ".join(users), password=DEMO_PASSWORD)
        _emit(args, data, text)
        return EXIT_OK
    finally:
        services.close()


def cmd_db(args) -> int:
    from .db.migrate import current_revision, head_revision
    if args.db_command == "upgrade":
        from .db.engine import open_engine as _oe
        engine = _oe(_target(args))
        before = current_revision(engine)
        engine.dispose()
        services = _open(args)
        services.close()
        head = head_revision()
        _emit(args, {"before": before, "after": head},
              _("The database is at schema {rev}.").format(rev=head) if before == head else
              _("The database was backed up and upgraded from schema {old} to {new}.")
              .format(old=before, new=head))
        return EXIT_OK
    if args.db_command == "check":
        return _db_check(args)
    if args.db_command == "backup":
        services = _open(args)
        try:
            info = services.backup.backup(actor=_actor(args),
                                          out=Path(args.out) if args.out else None)
        finally:
            services.close()
        _emit(args, dataclasses.asdict(info),
              _("Backup saved to {path} ({h} households, checksum {sha}).").format(
                  path=info.path, h=info.counts.get("household"), sha=info.sha256[:12]))
        return EXIT_OK
    if args.db_command == "restore":
        from .db.engine import is_url
        from .services.backup import restore
        target = _target(args)
        if is_url(target):
            raise UserError(_("Backups of a PostgreSQL database are made on the server with "
                              "pg_dump; this command works on the village's SQLite file."))
        manifest = restore(Path(args.file), Path(target))
        services = _open(args)  # upgrades an older backup to this program's schema
        services.close()
        _emit(args, manifest, _("Restored the backup of {at} into {path}. The previous "
                                "database was kept as {kept}.").format(
            at=manifest["created_at"], path=target, kept=manifest.get("kept") or "-"))
        return EXIT_OK
    raise InvalidInput(_("Unknown command."))


def _db_check(args) -> int:
    from .db.engine import Database, describe, open_engine
    from .db.migrate import current_revision, head_revision, sqlite_path
    from .services.audit import AuditTrail
    from .services.backup import check_sqlite
    engine = open_engine(_target(args))
    try:
        result: dict[str, Any] = {"database": describe(_target(args))}
        path = sqlite_path(engine)
        problems = []
        if path is not None:
            result.update(check_sqlite(path))
            if result["integrity"] != ["ok"]:
                problems.append(_("The database file is damaged: {detail}").format(
                    detail="; ".join(result["integrity"][:3])))
            if result["foreign_key_problems"]:
                problems.append(_("{n} records point to records that do not exist.").format(
                    n=result["foreign_key_problems"]))
        if result.get("integrity", ["ok"]) != ["ok"]:
            revision = None  # the rest cannot be trusted on a damaged file
        else:
            revision = current_revision(engine)
        result["schema_revision"], result["program_schema"] = revision, head_revision()
        if problems:
            pass
        elif revision == head_revision():
            chain = AuditTrail(Database(engine, result["database"])).verify()
            result["audit"] = dataclasses.asdict(chain)
            if not chain.ok:
                problems.append(_("The audit trail was tampered with at entry {seq} ({problem}). "
                                  "Keep this database as evidence and restore a backup.")
                                .format(seq=chain.first_bad_seq, problem=chain.problem))
        else:
            problems.append(_("The database is at schema {old}; this program uses {new}. Run "
                              "'puskesos db upgrade'.").format(old=revision, new=head_revision()))
        result["ok"] = not problems
        result["problems"] = problems
    finally:
        engine.dispose()
    _emit(args, result, "\n".join(problems) if problems else
          _("The database is healthy: the file, the links between records and the audit "
            "trail ({n} entries) are all in order.").format(n=result["audit"]["rows"]))
    return EXIT_OK if not problems else EXIT_USER


def cmd_region(args) -> int:
    from .core.regions import regions
    level = None if args.level == "all" else args.level
    found = regions().search(args.text, level=level, limit=args.limit)
    rows = []
    for r in found:
        path = regions().path(r.code) if r.level == "desa" else None
        rows.append({"code": r.code, "name": r.name, "kind": r.kind,
                     "label": path.label if path else f"{r.kind} {r.name}"})
    _emit(args, {"regions": rows}, "\n".join(f"{r['code']}\t{r['label']}" for r in rows)
          or _("No region matches '{text}'.").format(text=args.text))
    return EXIT_OK


def cmd_households(args) -> int:
    from .services.registry import HouseholdFilter
    services = _open(args)
    try:
        rows, total = services.households.search(
            actor=_actor(args), filter=HouseholdFilter(text=args.search or ""), limit=args.limit)
    finally:
        services.close()
    lines = [f"{r.no_kk or '-':16}  {r.head_name or '-':30}  {r.dusun or ''} RT {r.rt or '-'}"
             f"/RW {r.rw or '-'}  desil {r.desil or '-'}" for r in rows]
    _emit(args, {"total": total, "households": rows},
          "\n".join(lines + [_("{shown} of {total} households").format(shown=len(rows),
                                                                       total=total)]))
    return EXIT_OK


def cmd_user(args) -> int:
    services = _open(args)
    try:
        actor = _actor(args)
        if args.user_command == "add":
            password = args.password or (getpass.getpass(_("Password: "))
                                          if sys.stdin.isatty() else None)
            if not password:
                raise InvalidInput(_("Give the password with --password."))
            info = services.auth.create_user(actor=actor, username=args.username,
                                             password=password, full_name=args.name or "",
                                             role=args.role)
            _emit(args, dataclasses.asdict(info), _("User {name} added.").format(name=info.username))
        else:
            users = services.auth.users(actor=actor)
            _emit(args, {"users": users}, "\n".join(f"{u.username}\t{u.role}\t{u.full_name}"
                                                    for u in users))
        return EXIT_OK
    finally:
        services.close()


def cmd_import(args) -> int:
    from .services.imports import run_import, undo_last_import
    services = _open(args)
    try:
        actor = _actor(args)
        if args.undo:
            batch = undo_last_import(services, actor=actor)
            _emit(args, {"undone": batch.id, "source": batch.source_name},
                  _("The import of {name} was undone.").format(name=batch.source_name))
            return EXIT_OK
        if not args.file:
            raise InvalidInput(_("Name the file to import."))

        def show(done: int, total: int, _message: str = "") -> None:
            if sys.stderr.isatty() and total:
                print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

        from .jobs import Progress
        from .threads import throughput_mode
        with throughput_mode():
            report = run_import(services, actor=actor, path=args.file, dry_run=args.dry_run,
                                sheet=args.sheet, program=args.program, period=args.period,
                                progress=Progress(show))
        if sys.stderr.isatty():
            print("", file=sys.stderr)
        data = report.summary()
        if args.report:
            from .services.imports import open_header, write_report
            header = open_header(Path(args.file), args.sheet, None)
            data["report"] = str(write_report(report, args.report, list(header.columns)))
        data["issues"] = [dataclasses.asdict(i) for i in report.issues[:200]]
        text = _("{rows} rows: {created} new, {updated} updated, {unchanged} unchanged, "
                 "{rejected} rejected, {warnings} with warnings, {conflicts} conflicts, "
                 "{duplicates} duplicates.").format(**{k: data[k] for k in (
                     "rows", "created", "updated", "unchanged", "rejected", "warnings",
                     "conflicts", "duplicates")})
        if args.dry_run:
            text = _("Preview only, nothing was written.") + " " + text
        _emit(args, data, text)
        return EXIT_OK
    finally:
        services.close()


def cmd_export(args) -> int:
    from .services import excel_export
    services = _open(args)
    try:
        actor = _actor(args)
        out = Path(args.out)
        if args.template:
            excel_export.write_template(out)
            count = 0
        elif args.program:
            count = excel_export.export_bnba(services, actor=actor, path=out,
                                             program=args.program, period=args.period)
        else:
            count = excel_export.export_registry(services, actor=actor, path=out)
        _emit(args, {"path": str(out), "rows": count},
              _("{n} rows written to {path}.").format(n=count, path=out))
        return EXIT_OK
    finally:
        services.close()


def cmd_print(args) -> int:
    from .files import write_bytes
    from .services.documents import check_target
    check_target(Path(args.out))  # before any number is taken from the register
    services = _open(args)
    try:
        actor = _actor(args)
        docs = services.documents
        if args.document == "verval":
            doc = docs.verval_forms(actor=actor, cycle_id=args.cycle, rt=args.rt, rw=args.rw)
        elif args.document == "berita-acara":
            doc = docs.berita_acara(actor=actor, cycle_id=args.cycle)
        else:
            if not args.member:
                raise InvalidInput(_("Name the resident with --member ID (or NIK)."))
            member_id = services.verval.resolve_member(args.member)
            doc = docs.sktm(actor=actor, member_id=member_id,
                            purpose=args.purpose or "")
        out = Path(args.out)
        write_bytes(out, doc.pdf)
        _emit(args, {"path": str(out), "pages": doc.pages, "letter_number": doc.letter_number,
                     "title": doc.title},
              _("{title}: {pages} pages written to {path}.").format(
                  title=doc.title, pages=doc.pages, path=out)
              + (" " + _("Number {number}.").format(number=doc.letter_number)
                 if doc.letter_number else ""))
        return EXIT_OK
    finally:
        services.close()


def cmd_verval(args) -> int:
    services = _open(args)
    try:
        actor = _actor(args)
        if args.verval_command in ("close", "reopen"):
            cycle = services.verval.set_status(
                actor=actor, cycle_id=args.cycle or services.verval.cycle(None).id,
                status="closed" if args.verval_command == "close" else "open")
            _emit(args, {"cycle": cycle}, f"{cycle.name}: {cycle.status}")
        elif args.verval_command == "list":
            cycles = services.verval.cycles()
            _emit(args, {"cycles": cycles}, "\n".join(
                f"{c.id[:8]}  {c.name} ({c.period})  {c.done}/{c.households}" for c in cycles)
                or _("No verval cycle yet."))
        else:
            from .services.verval.export import export_results
            out = Path(args.out)
            count = export_results(services, actor=actor, cycle_id=args.cycle, path=out)
            _emit(args, {"path": str(out), "rows": count},
                  _("{n} rows written to {path}.").format(n=count, path=out))
        return EXIT_OK
    finally:
        services.close()


def cmd_gui(args) -> int:
    from .app import run_window
    return run_window(_target(args))


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="puskesos", description="Puskesos")
    p.add_argument("--db", help="SQLite file or database URL (postgresql://...)")
    p.add_argument("--lang", choices=sorted(i18n.LANGUAGES), help="id (default) or en")
    p.add_argument("--version", action="version", version=f"puskesos {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    def reporting(sp):
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output")
        # --db and --lang may also follow the command
        sp.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        sp.add_argument("--lang", choices=sorted(i18n.LANGUAGES), default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)
        return sp

    sp = reporting(sub.add_parser("init", help="create a new village database"))
    sp.add_argument("--village", required=True, help="Kemendagri code, e.g. 35.23.01.2001")
    sp.add_argument("--admin", default="admin")
    sp.add_argument("--admin-name")
    sp.add_argument("--password")
    sp.set_defaults(func=cmd_init)

    sp = reporting(sub.add_parser("demo", help="add a synthetic demo village"))
    sp.add_argument("--households", type=int, default=500)
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--village", default=DEFAULT_DEMO_VILLAGE)
    sp.add_argument("--force", action="store_true",
                    help="add demo households even to a database with real data")
    sp.set_defaults(func=cmd_demo)

    dbp = sub.add_parser("db", help="upgrade, check, back up or restore the database")
    dbsub = dbp.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    reporting(dbsub.add_parser("upgrade"))
    reporting(dbsub.add_parser("check"))
    reporting(dbsub.add_parser("backup")).add_argument("--out")
    reporting(dbsub.add_parser("restore")).add_argument("file")
    dbp.set_defaults(func=cmd_db)

    sp = reporting(sub.add_parser("region", help="search the Kemendagri region list"))
    rsub = sp.add_subparsers(dest="region_command", required=True, parser_class=_Parser)
    rs = reporting(rsub.add_parser("search"))
    rs.add_argument("text")
    rs.add_argument("--level", default="desa",
                    choices=["provinsi", "kabupaten", "kecamatan", "desa", "all"])
    rs.add_argument("--limit", type=int, default=20)
    sp.set_defaults(func=cmd_region)

    sp = reporting(sub.add_parser("households", help="list households"))
    sp.add_argument("--search")
    sp.add_argument("--limit", type=int, default=50)
    sp.set_defaults(func=cmd_households)

    up = sub.add_parser("user", help="manage users")
    usub = up.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    ua = reporting(usub.add_parser("add"))
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=["operator", "koordinator",
                                                       "kepala_desa", "admin"])
    ua.add_argument("--name")
    ua.add_argument("--password")
    reporting(usub.add_parser("list"))
    up.set_defaults(func=cmd_user)

    sp = reporting(sub.add_parser("import", help="import a DTSEN extract or a BNBA list"))
    sp.add_argument("file", nargs="?")
    sp.add_argument("--sheet")
    sp.add_argument("--program", help="program code: the file is a recipient list (BNBA)")
    sp.add_argument("--period", help="period of the program or of the desil, e.g. 2025-Q3")
    sp.add_argument("--dry-run", action="store_true", help="preview only, write nothing")
    sp.add_argument("--report", help="write rejected and warned rows to this .xlsx")
    sp.add_argument("--undo", action="store_true", help="undo the last import")
    sp.set_defaults(func=cmd_import)

    sp = reporting(sub.add_parser("export", help="export the registry or a BNBA list"))
    sp.add_argument("out")
    sp.add_argument("--program")
    sp.add_argument("--period")
    sp.add_argument("--template", action="store_true", help="a blank entry template")
    sp.set_defaults(func=cmd_export)

    pp = sub.add_parser("print", help="print verval forms, a berita acara or an SKTM to PDF")
    psub = pp.add_subparsers(dest="document", required=True, parser_class=_Parser)
    for name in ("verval", "berita-acara", "sktm"):
        sp = reporting(psub.add_parser(name))
        sp.add_argument("--out", required=True, help="the PDF file to write")
        if name != "sktm":
            sp.add_argument("--cycle", help="cycle id (default: the latest cycle)")
        if name == "verval":
            sp.add_argument("--rt")
            sp.add_argument("--rw")
        if name == "sktm":
            sp.add_argument("--member", help="member id or NIK")
            sp.add_argument("--purpose", help="what the letter is for (keperluan)")
        sp.set_defaults(func=cmd_print, cycle=None, rt=None, rw=None)

    vp = sub.add_parser("verval", help="verval cycles: list, close, reopen, export results")
    vsub = vp.add_subparsers(dest="verval_command", required=True, parser_class=_Parser)
    reporting(vsub.add_parser("list"))
    for name in ("close", "reopen"):
        reporting(vsub.add_parser(name)).add_argument("--cycle")
    ve = reporting(vsub.add_parser("export"))
    ve.add_argument("out")
    ve.add_argument("--cycle")
    vp.set_defaults(func=cmd_verval, cycle=None)

    reporting(sub.add_parser("gui", help="open the window (the default)")).set_defaults(
        func=cmd_gui)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        i18n.set_language(args.lang)
    func = getattr(args, "func", cmd_gui)
    try:
        return func(args)
    except UserError as exc:
        print(f"puskesos: {exc.message}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, InvalidInput) else EXIT_USER
    except KeyboardInterrupt:
        print("puskesos: " + _("Stopped; nothing was half-written."), file=sys.stderr)
        return EXIT_USER
    except Exception as exc:  # noqa: BLE001 - last line of defence
        from .db.engine import translate_db_error
        known = translate_db_error(exc, args.db or "")
        if known is not None:
            print(f"puskesos: {known.message}", file=sys.stderr)
            return EXIT_USER
        log = crash_log(exc)
        print("puskesos: " + _("An unexpected error happened (a bug). The details were saved "
                               "to {path}; please send that file to support.").format(path=log),
              file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    raise SystemExit(main())
