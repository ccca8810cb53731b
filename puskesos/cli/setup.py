"""Setting up: ``init`` (a new village or kabupaten database), ``demo`` (a synthetic demo
village) and ``user`` (add and list users).

``init`` needs no login: it makes the database and its administrator, whose
password comes from ``PUSKESOS_PASSWORD``, a prompt, or is generated and shown
once.  ``demo`` needs none on a new file (it makes the demo users); on a
database that has users it runs as the logged-in user."""

from __future__ import annotations

import dataclasses
import getpass
import os
import secrets
import sys

from ..errors import InvalidInput
from ..i18n import _
from .common import (EXIT_OK, LOGIN_IF_USERS, NO_LOGIN, PASSWORD_VARIABLE, Parser,
                     current_actor, database_target, emit, open_for, recovery_text,
                     reporting)

DEFAULT_DEMO_VILLAGE = "35.23.01.2001"


def _admin_password(args) -> tuple[str, bool]:
    """The new administrator's password, and whether it was generated: --password,
    PUSKESOS_PASSWORD, asked (twice) on a terminal, else a strong generated one."""
    password = args.password or os.environ.get(PASSWORD_VARIABLE)
    if password:
        return password, False
    if sys.stdin.isatty():
        password = getpass.getpass(_("Password for the administrator: "))
        if password and getpass.getpass(_("The same password again: ")) != password:
            raise InvalidInput(_("The two passwords differ; run the command again."))
        if password:
            return password, False
    return secrets.token_urlsafe(12), True


def new_password(args, prompt: str) -> str:
    """A new password someone sets: --password, PUSKESOS_PASSWORD, or asked twice."""
    password = getattr(args, "password", None) or os.environ.get(PASSWORD_VARIABLE)
    if not password and sys.stdin.isatty():
        password = getpass.getpass(prompt)
        if password and getpass.getpass(_("The same password again: ")) != password:
            raise InvalidInput(_("The two passwords differ; run the command again."))
    if not password:
        raise InvalidInput(_("Give the new password in PUSKESOS_PASSWORD (or run the command "
                             "in a terminal to be asked for it)."))
    return password


def cmd_init(args) -> int:
    from ..core.codes import Role
    from ..core.regions import kabupaten, normalize_code, regions
    from ..services import Actor
    from ..services.auth import AuthService
    if args.kabupaten is not None:
        if kabupaten(args.kabupaten) is None:
            raise InvalidInput(
                _("Kabupaten code {code} is not on the Kemendagri list. Use the form 35.23 "
                  "(search with 'puskesos region search NAME --level kabupaten').")
                .format(code=args.kabupaten))
    elif regions().path(normalize_code(args.village)) is None:
        raise InvalidInput(
            _("Village code {code} is not on the Kemendagri list. Use the form "
              "35.23.01.2001 (search with 'puskesos region search NAME').")
            .format(code=args.village))
    password, generated = _admin_password(args)
    # Refuse a bad name or password before anything is written, so a failed
    # init can simply be run again.
    AuthService.check_new_credentials(args.admin, password)
    from ..db.engine import describe, is_encrypted
    from ..services import open_services
    from ..services.signin import new_village_file
    target = database_target(args)
    location = describe(target)
    if is_encrypted(target):
        raise InvalidInput(_("{path} already holds a village (an encrypted one). Give another "
                             "file with --db, or log in to the program to work on it.")
                           .format(path=location))
    # a new file is made whole or not at all (a killed init leaves nothing to lock one out)
    with new_village_file(target) as where:
        services = open_services(where, create=True)
        try:
            # the administrator being made sets the village up
            actor = Actor(args.admin.strip().lower(), Role.ADMIN.value,
                          args.admin_name or "Administrator")
            if services.auth.has_users() and not services.settings.is_initialised():
                raise InvalidInput(_("This database already has users. Log in to the "
                                     "program as an administrator to set the village up."))
            with services.db.transaction():   # the office, its keys and administrator
                if args.kabupaten is not None:
                    identity = services.settings.init_kabupaten(
                        actor=actor, kabupaten_code=args.kabupaten)
                else:
                    identity = services.settings.init_village(actor=actor,
                                                              village_code=args.village)
                own = services.keys.ensure_keys(actor=actor)
                services.auth.create_first_admin(username=args.admin, password=password,
                                                 full_name=args.admin_name or "Administrator")
            recovery_key = services.db.recovery_key
        finally:
            services.close()
    data = {"village": dataclasses.asdict(identity), "database": location,
            "admin": args.admin, "office": {"kind": own.kind, "code": own.code,
                                            "name": own.name},
            "fingerprint": own.fingerprint}
    if args.kabupaten is not None:
        text = _("{name} ({code}) is set up in {path}.").format(
            name=own.name, code=own.code, path=location)
    else:
        text = _("Village {desa} ({code}) is set up in {path}.").format(
            desa=identity.desa, code=identity.code, path=location)
    text += "\n" + _("Its exchange key fingerprint: {fingerprint}").format(
        fingerprint=own.fingerprint)
    if generated:
        data["admin_password"] = password
        text += "\n" + _("Administrator '{user}' has the password {password}. Write it down "
                         "now and keep it safe: it is shown only this once. Change it "
                         "after the first login.").format(user=args.admin, password=password)
    if recovery_key:
        data["recovery_key"] = recovery_key
        text += "\n" + recovery_text(recovery_key)
    emit(args, data, text)
    return EXIT_OK


DEMO_USERS = (("admin", "admin", "Administrator Desa"),
              ("operator", "operator", "Bagus Prasetyo"),
              ("koordinator", "koordinator", "Suhartini"),
              ("kades", "kepala_desa", "Kepala Desa"))
DEMO_PASSWORD = "demo123"


def cmd_demo(args) -> int:
    from ..db.engine import describe
    from ..services import demo, open_services
    from ..services.signin import new_village_file
    target = database_target(args)
    # a new file is made whole or not at all; in one that exists, the demo is one
    # transaction: stopped half-way (killed, a full disk), nothing of it stays, and the
    # next run starts from the same database
    with new_village_file(target) as where:
        services = open_services(where, create=True)
        try:
            with services.db.transaction():
                data, text = _demo(services, args, demo)
        finally:
            services.close()
    location = describe(target)
    data["database"] = location
    emit(args, data, text.replace(describe(where), location))   # once it is committed
    return EXIT_OK


def _demo(services, args, demo) -> tuple[dict, str]:
    """Everything ``demo`` does, inside its one transaction: (what to report, its text)."""
    from ..services import Actor
    if getattr(args, "actor", None) is not None:
        actor = current_actor(args)
    else:  # a new database: the demo administrator made below sets it up
        username, role, name = DEMO_USERS[0]
        actor = Actor(username, role, name)
    if not services.settings.is_initialised():
        services.settings.init_village(actor=actor, village_code=args.village)
        services.keys.ensure_keys(actor=actor)
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
                                         "demo_password": DEMO_PASSWORD if users else None,
                                         "recovery_key": services.db.recovery_key}
    text = _("Demo village: {h} households, {m} members added to {path}.").format(
        h=report.households, m=report.members, path=services.db.location)
    if users:
        text += "\n" + _("Demo users {users} all have the password {password}.").format(
            users=", ".join(users), password=DEMO_PASSWORD)
    if services.db.recovery_key:
        text += "\n" + recovery_text(services.db.recovery_key)
    return data, text


def cmd_user(args) -> int:
    services = open_for(args)
    try:
        actor = current_actor(args)
        if args.user_command in ("add", "reset-password"):
            password = args.password or (getpass.getpass(_("Password: "))
                                          if sys.stdin.isatty() else None)
            if not password:
                raise InvalidInput(_("Give the password with --password."))
        if args.user_command == "reset-password":
            services.auth.reset_password(actor=actor, username=args.username,
                                         new_password=password)
            emit(args, {"username": args.username, "unlocked": True},
                 _("User {name} has a new password and is unlocked.").format(
                     name=args.username))
        elif args.user_command == "add":
            info = services.auth.create_user(actor=actor, username=args.username,
                                             password=password, full_name=args.name or "",
                                             role=args.role)
            emit(args, dataclasses.asdict(info), _("User {name} added.").format(name=info.username))
        else:
            users = services.auth.users(actor=actor)
            emit(args, {"users": users}, "\n".join(f"{u.username}\t{u.role}\t{u.full_name}"
                                                    for u in users))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    sp = reporting(sub.add_parser("init", help=_("create a new village (or kabupaten) "
                                                 "database")))
    office = sp.add_mutually_exclusive_group(required=True)
    office.add_argument("--village", help=_("Kemendagri code, e.g. 35.23.01.2001"))
    office.add_argument("--kabupaten", help=_("a kabupaten/kota's database: its Kemendagri "
                                              "code, e.g. 35.23"))
    sp.add_argument("--admin", default="admin")
    sp.add_argument("--admin-name")
    sp.add_argument("--password", help=_("the administrator's password (better: "
                                         "PUSKESOS_PASSWORD, or be asked)"))
    sp.set_defaults(func=cmd_init, login=NO_LOGIN)

    sp = reporting(sub.add_parser("demo", help=_("add a synthetic demo village")))
    sp.add_argument("--households", type=int, default=500)
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--village", default=DEFAULT_DEMO_VILLAGE)
    sp.add_argument("--force", action="store_true",
                    help=_("add demo households even to a database with real data"))
    sp.set_defaults(func=cmd_demo, login=LOGIN_IF_USERS)

    up = sub.add_parser("user", help=_("manage users"))
    usub = up.add_subparsers(dest="user_command", required=True, parser_class=Parser)
    ua = reporting(usub.add_parser("add"))
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=["operator", "koordinator",
                                                       "kepala_desa", "admin"])
    ua.add_argument("--name")
    ua.add_argument("--password")
    reporting(usub.add_parser("list"))
    ur = reporting(usub.add_parser("reset-password", help=_(
        "an administrator gives a user a new password, which also lifts a lock")))
    ur.add_argument("username")
    ur.add_argument("--password")
    up.set_defaults(func=cmd_user)
