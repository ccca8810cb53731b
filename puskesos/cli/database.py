"""The database itself: ``db upgrade|check|backup|restore``, and ``region search``
in the Kemendagri list."""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, UserError
from ..i18n import _
from .common import (EXIT_OK, EXIT_USER, LOGIN, LOGIN_IF_USERS, NO_LOGIN, Parser, current_actor,
                     database_target, emit, open_for, recovery_key, reporting)


def _when(stamp: str | None) -> str:
    """A stored ISO time as people read it (dd-mm-yyyy hh:mm, local time)."""
    from datetime import datetime

    from ..core.bahasa import short_datetime
    try:
        return short_datetime(datetime.fromisoformat(stamp or ""))
    except ValueError:
        return stamp or "?"

def cmd_db(args) -> int:
    from ..db.migrate import current_revision, head_revision
    if args.db_command == "upgrade":
        from ..db.engine import open_engine as _oe
        engine = _oe(database_target(args))
        # the login opened the database first, which upgraded it
        before = getattr(args, "upgraded_from", None) or current_revision(engine)
        engine.dispose()
        services = open_for(args)
        services.close()
        head = head_revision()
        emit(args, {"before": before, "after": head},
              _("The database is at schema {rev}.").format(rev=head) if before == head else
              _("The database was backed up and upgraded from schema {old} to {new}.")
              .format(old=before, new=head))
        return EXIT_OK
    if args.db_command == "check":
        return _db_check(args)
    if args.db_command == "backup":
        services = open_for(args)
        try:
            info = services.backup.backup(actor=current_actor(args),
                                          out=Path(args.out) if args.out else None)
        finally:
            services.close()
        emit(args, dataclasses.asdict(info),
              _("Backup saved to {path} ({h} households, checksum {sha}).").format(
                  path=info.path, h=info.counts.get("household"), sha=info.sha256[:12]))
        return EXIT_OK
    if args.db_command == "restore":
        from ..core.permissions import Permission
        from ..db.engine import is_url
        from ..services.backup import restore
        from ..services.context import require
        target = database_target(args)
        if getattr(args, "actor", None) is not None:  # over a village that has users
            require(current_actor(args), Permission.RESTORE)
        if is_url(target):
            raise UserError(_("Backups of a PostgreSQL database are made on the server with "
                              "pg_dump; this command works on the village's SQLite file."))
        manifest = restore(Path(args.file), Path(target),
                           credentials=getattr(args, "credentials", None)
                           or _offered_credentials(args),
                           recovery_key=recovery_key(args))
        services = open_for(args)  # upgrades an older backup to this program's schema
        try:
            # nobody logged in into a new or damaged file: the trail says so
            services.backup.record_restore(actor=getattr(args, "actor", None),
                                           manifest=manifest, source=args.file)
        finally:
            services.close()
        emit(args, manifest, _("Restored the backup of {at} into {path}. The previous "
                                "database was kept as {kept}.").format(
            at=_when(manifest.get("created_at")), path=target,
            kept=manifest.get("kept") or "-"))
        return EXIT_OK
    raise InvalidInput(_("Unknown command."))


def _offered_credentials(args) -> tuple[str, str] | None:
    """A user name and password given to a command that needed no login (a restore
    into a new file), to open an encrypted backup with."""
    from .common import USER_VARIABLE, _password
    name = (getattr(args, "user", None) or os.environ.get(USER_VARIABLE) or "").strip()
    return (name, _password(name)) if name else None


def cmd_recover(args) -> int:
    """``db recover``: the recovery key opens the database and gives a user (the
    administrator) a new password, which also lifts a lock."""
    from ..services.signin import recover
    from .setup import new_password
    key = recovery_key(args, required=True)
    password = new_password(args, _("New password for {user}: ").format(user=args.username))
    recover(database_target(args), key, args.username, password)
    emit(args, {"username": args.username, "unlocked": True},
         _("User {name} has a new password (opened with the recovery key) and is unlocked.")
         .format(name=args.username))
    return EXIT_OK


def cmd_recovery_sheet(args) -> int:
    """``db recovery-sheet``: print the recovery key's sheet (checked against the file)."""
    from ..db.keys import KeyFile, new_recovery_key
    from ..files import write_bytes
    from ..printing.recovery import recovery_sheet
    target = database_target(args)
    keys = KeyFile.beside(target)
    if args.new:
        from ..core.permissions import Permission
        from ..services.context import require
        require(current_actor(args), Permission.MANAGE_USERS)
        services = open_for(args)
        try:
            key = new_recovery_key()
            keys.set_recovery(key, services.db.data_key)
            village = services.settings.village().title
        finally:
            services.close()
    else:
        key = recovery_key(args, required=True)
        keys.unlock_recovery(key)
        village = ""
    out = Path(args.out)
    write_bytes(out, recovery_sheet(key, village=village, database=Path(target).name))
    text = _("The recovery key sheet was saved to {path}. Print it, keep it in the office's "
             "safe and delete the file.").format(path=out)
    if args.new:
        text += "\n" + _("The new recovery key is {key}; the old sheet no longer opens this "
                         "database (copies of it kept before, such as older backups, still "
                         "open with the old one).").format(key=key)
    emit(args, {"path": str(out), "new_key": key if args.new else None}, text)
    return EXIT_OK


def _db_check(args) -> int:
    from ..core.permissions import Permission
    from ..db.engine import Database, describe, open_engine
    from ..db.migrate import current_revision, head_revision, sqlite_path
    from ..services.audit import Anchor, AuditTrail
    from ..db.migrate import check_sqlite
    from ..services.context import require
    require(current_actor(args), Permission.VIEW_AUDIT)
    anchors = list(args.anchor or ())  # read by the parser (_anchor)
    engine = open_engine(database_target(args))
    try:
        result: dict[str, Any] = {"database": describe(database_target(args))}
        path = sqlite_path(engine)
        problems: list[str] = []
        warnings: list[str] = []
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
            chain = AuditTrail(Database(engine, result["database"])).verify(anchors)
            result["audit"] = dataclasses.asdict(chain)
            if not chain.ok:
                problems.append(_("The audit trail was tampered with: {what}. Keep this "
                                  "database as evidence and restore a backup.")
                                .format(what=chain.describe()))
            warnings.extend(_registry_findings(Database(engine, result["database"]), result,
                                               current_actor(args)))
        else:
            problems.append(_("The database is at schema {old}; this program uses {new}. Run "
                              "'puskesos db upgrade'.").format(old=revision, new=head_revision()))
        result["ok"] = not problems
        result["problems"] = problems
        result["warnings"] = warnings
    finally:
        engine.dispose()
    if problems:
        text = "\n".join(problems + warnings)
    elif warnings:
        text = "\n".join([_("The file, the links between records and the audit trail ({n} "
                            "entries) are in order, but the registry needs checking:").format(
                                n=result["audit"]["rows"])] + warnings)
    else:
        text = _("The database is healthy: the file, the links between records and the audit "
                 "trail ({n} entries) are all in order.").format(n=result["audit"]["rows"])
    emit(args, result, text)
    return EXIT_OK if not problems else EXIT_USER


def _anchor(text: str):
    """An --anchor as the parser reads it: a mistyped one is a usage error, said
    before any login."""
    from ..services.audit import Anchor
    try:
        return Anchor.parse(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _registry_findings(db, result: dict, actor) -> list[str]:
    """What in the registry's data needs a person's look (not damage): NIKs held by
    more than one living member (masked for a reader who may not see full NIKs)."""
    from ..core.identifiers import mask_nik
    from ..core.permissions import Permission
    from ..services.registry import duplicate_niks
    with db.read() as s:
        count, first = duplicate_niks(s)
    if not actor.can(Permission.VIEW_FULL_NIK):
        first = [(mask_nik(nik), k) for nik, k in first]
    result["duplicate_niks"] = count
    if not count:
        return []
    return [_("{n} NIKs are each held by more than one living member (for example {examples}). "
              "Open them in the household list (search for the NIK), keep the right person "
              "and correct or remove the others.").format(
                  n=count, examples=", ".join(f"{nik} ×{k}" for nik, k in first))]


def cmd_region(args) -> int:
    from ..core.regions import regions
    level = None if args.level == "all" else args.level
    found = regions().search(args.text, level=level, limit=args.limit)
    rows = []
    for r in found:
        path = regions().path(r.code) if r.level == "desa" else None
        rows.append({"code": r.code, "name": r.name, "kind": r.kind,
                     "label": path.label if path else f"{r.kind} {r.name}"})
    emit(args, {"regions": rows}, "\n".join(f"{r['code']}\t{r['label']}" for r in rows)
          or _("No region matches '{text}'.").format(text=args.text))
    return EXIT_OK


def register(sub) -> None:
    dbp = sub.add_parser("db", help=_("upgrade, check, back up or restore the database"))
    dbsub = dbp.add_subparsers(dest="db_command", required=True, parser_class=Parser)
    reporting(dbsub.add_parser("upgrade"))
    reporting(dbsub.add_parser("check")).add_argument(
        "--anchor", action="append", metavar="SEQ:HASH", type=_anchor,
        help=_("an audit anchor printed on a berita acara; the check fails if the history "
               "up to it was rewritten (may be given more than once)"))
    reporting(dbsub.add_parser("backup")).add_argument("--out")
    rp = reporting(dbsub.add_parser("restore"))
    rp.add_argument("file")
    rp.add_argument("--recovery-key", action="store_true", help=_(
        "open an encrypted backup with its recovery key (PUSKESOS_RECOVERY_KEY, or asked)"))
    # over a village with users, an administrator logs in; into a new file, the
    # backup in hand is the data already
    rp.set_defaults(login=LOGIN_IF_USERS)
    dbp.set_defaults(func=cmd_db)
    rc = reporting(dbsub.add_parser("recover", help=_(
        "every password lost: the recovery key gives a user a new password")))
    rc.add_argument("--username", "--for", dest="username", default="admin")
    rc.add_argument("--password", help=argparse.SUPPRESS)
    rc.set_defaults(func=cmd_recover, login=NO_LOGIN)
    rs = reporting(dbsub.add_parser("recovery-sheet", help=_(
        "print the recovery key's sheet (or, with --new, make a new key)")))
    rs.add_argument("--out", required=True, help=_("the PDF file to write"))
    rs.add_argument("--new", action="store_true", help=_(
        "an administrator makes a new recovery key (the old sheet was lost)"))
    rs.set_defaults(func=cmd_recovery_sheet,
                    login=lambda a: LOGIN if a.new else NO_LOGIN)

    sp = reporting(sub.add_parser("region", help=_("search the Kemendagri region list")))
    rsub = sp.add_subparsers(dest="region_command", required=True, parser_class=Parser)
    rs = reporting(rsub.add_parser("search"))
    rs.add_argument("text")
    rs.add_argument("--level", default="desa",
                    choices=["provinsi", "kabupaten", "kecamatan", "desa", "all"])
    rs.add_argument("--limit", type=int, default=20)
    sp.set_defaults(func=cmd_region, login=NO_LOGIN)
