"""What every verb shares: the parser class, exit codes, output (text or --json),
opening the services, and the login that gives the actor.

Every verb runs as a logged-in user unless it declares otherwise with
``set_defaults(login=...)`` (:data:`NO_LOGIN`, :data:`LOGIN_IF_USERS`, or a
function of the arguments giving one of them).  :func:`log_in` is called once by
the dispatch (:func:`puskesos.cli.main`) before the verb runs: the user name comes
from ``--user`` or ``PUSKESOS_USER``, the password from ``PUSKESOS_PASSWORD`` or a
prompt on a terminal, and the check is the window's (``AuthService.login``, with
its shared lockout).  The verb then reads the actor with :func:`current_actor`;
the services check its role.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .. import i18n, paths
from ..errors import DatabaseDamaged, LoginRequired
from ..i18n import N_, _

EXIT_OK, EXIT_USER, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3

#: argparse's own words (headings, the help option, its errors), in the catalogue so
#: that `puskesos --help` speaks the program's language (see speak_argparse)
ARGPARSE_TEXTS = (
    N_("usage: "), N_("positional arguments"), N_("options"),
    N_("show this help message and exit"), N_("show program's version number and exit"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"), N_("expected one argument"),
    N_("invalid %(type)s value: %(value)r"), N_("%(prog)s: error: %(message)s\n"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"), N_("one of the arguments %s is required"),
)


def speak_argparse() -> None:
    """Let argparse say its words through the program's catalogue (it looks them up
    through its module's ``_`` each time it needs one)."""
    argparse._ = i18n._  # type: ignore[attr-defined]


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        self.exit(EXIT_USAGE, f"puskesos: {message}\n")


def reporting(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """A verb that reports: ``--json``, and ``--db``/``--lang`` after the verb too."""
    sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                    help=_("machine-readable output"))
    sp.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sp.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sp.add_argument("--lang", choices=sorted(i18n.LANGUAGES), default=argparse.SUPPRESS,
                    help=argparse.SUPPRESS)
    return sp


def json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def emit(args, data: dict | list, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, default=json_default, ensure_ascii=False, indent=2))
    else:
        print(text)


def database_target(args) -> str:
    return args.db or str(paths.default_database())


def open_for(args, *, create: bool = False):
    from ..services import open_services
    return open_services(database_target(args), create=create)


#: what a verb needs before it runs, set with ``set_defaults(login=...)``
LOGIN = "login"                 # a user logs in (the default)
NO_LOGIN = "none"               # reads and writes no personal data (region search, init)
LOGIN_IF_USERS = "if_users"     # only when the database opens and has users (demo, restore)

#: the environment variables of a script's login (as PGUSER/PGPASSWORD)
USER_VARIABLE, PASSWORD_VARIABLE = "PUSKESOS_USER", "PUSKESOS_PASSWORD"


def login_need(args) -> str:
    """What the verb named by ``args`` needs: LOGIN, NO_LOGIN or LOGIN_IF_USERS."""
    need = getattr(args, "login", LOGIN)
    return need(args) if callable(need) else need


def _username(args) -> str:
    name = (getattr(args, "user", None) or os.environ.get(USER_VARIABLE) or "").strip()
    if not name:
        raise LoginRequired(_("Login required: --user NAME (password from PUSKESOS_PASSWORD "
                              "or a prompt)."))
    return name


def _password(username: str) -> str:
    password = os.environ.get(PASSWORD_VARIABLE)
    if password:
        return password
    if sys.stdin.isatty():
        return getpass.getpass(_("Password for {user}: ").format(user=username))
    raise LoginRequired(_("No password for {user}: set PUSKESOS_PASSWORD, or run the command "
                          "in a terminal to be asked for it.").format(user=username))


def _new_database(args) -> bool:
    from ..db.engine import is_url
    target = database_target(args)
    return not is_url(target) and not Path(target).exists()


def log_in(args):
    """Check who runs the verb (see the module's docstring); the logged-in user's
    :class:`~puskesos.services.Actor`, or None when the verb needs no login.

    Without a user name or a password nothing is opened.  A wrong password
    counts toward the lockout exactly as in the window.  An encrypted village
    file is unlocked with the password (the verb then opens it with the key this
    process holds); a plain one is encrypted after the login, and its recovery
    key is shown once (on stderr, so that ``--json`` output stays whole)."""
    from ..db.engine import data_key_for, is_encrypted
    from ..db.keys import KeyFile
    from ..services.signin import sign_in
    need = login_need(args)
    if need == NO_LOGIN or (need == LOGIN_IF_USERS and _new_database(args)):
        return None
    target = database_target(args)
    services = None
    if need == LOGIN_IF_USERS and is_encrypted(target) and \
            not KeyFile.beside(target).exists():
        return None           # damaged (or its key file lost): a restore may replace it
    if need == LOGIN_IF_USERS and (not is_encrypted(target) or data_key_for(target)):
        # a plain file, or one this process holds the key of: are there users at all?
        try:
            services = open_for(args, create=True)
        except DatabaseDamaged:
            # a damaged file holds no users to log in as: a restore puts a backup in
            # its place (the way out its message gives), as into a new file
            return None
        args.upgraded_from = services.db.upgraded_from
        if not services.auth.has_users():
            services.close()
            return None
    try:
        username = _username(args)
        password = _password(username)
    except BaseException:
        if services is not None:
            services.close()
        raise
    # each command is no session of its own: its writes are recorded under the user
    # (a right password writes nothing, so a command runs while another writes)
    # a restore opens a backup encrypted under another key with the same password
    args.credentials = (username, password)
    try:
        signed = sign_in(target, username, password, session=False, services=services)
    except DatabaseDamaged:
        if need == LOGIN_IF_USERS and services is None:
            return None    # the password opened the key, but the file is damaged: restore
        raise
    try:
        if services is None:
            # opening upgrades an older schema; `db upgrade` reports what it was
            args.upgraded_from = signed.services.db.upgraded_from
        if signed.recovery_key:
            print(encrypted_notice(signed.recovery_key, signed.safety_copy), file=sys.stderr)
        return signed.user.actor
    finally:
        signed.services.close()


def recovery_text(recovery_key: str) -> str:
    """What the command line says of a recovery key it has just made (shown once)."""
    return _("The database is encrypted. Its RECOVERY KEY is {key}: write it down (or print "
             "a sheet with 'puskesos db recovery-sheet') and keep it in the office's safe. "
             "With it the data can be opened when every password is lost; it is shown "
             "only this once.").format(key=recovery_key)


def encrypted_notice(recovery_key: str, safety_copy) -> str:
    """What the command line says when a login encrypted a plain village file."""
    return recovery_text(recovery_key) + "\n" + _(
        "A checked encrypted copy was put in {copy}. Copies made before today (older "
        "backups) are not encrypted: keep them safe or delete them.").format(copy=safety_copy)


#: the recovery key of a command, when given (as the password, never on the command line)
RECOVERY_VARIABLE = "PUSKESOS_RECOVERY_KEY"


def recovery_key(args, *, required: bool = False) -> str | None:
    """The recovery key: ``PUSKESOS_RECOVERY_KEY``, or asked on a terminal when
    ``--recovery-key`` was given or ``required``."""
    key = os.environ.get(RECOVERY_VARIABLE)
    if key:
        return key
    if (required or getattr(args, "recovery_key", False)) and sys.stdin.isatty():
        return getpass.getpass(_("Recovery key (from the sheet in the safe): "))
    if required or getattr(args, "recovery_key", False):
        raise LoginRequired(_("No recovery key: set PUSKESOS_RECOVERY_KEY, or run the command "
                              "in a terminal to be asked for it."))
    return None


def current_actor(args):
    """The logged-in user who runs the verb (set by the dispatch's :func:`log_in`)."""
    actor = getattr(args, "actor", None)
    if actor is None:
        raise RuntimeError("this verb declared that it needs no login, yet asks for the actor")
    return actor
