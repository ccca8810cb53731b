"""Command line: ``puskesos [--db PATH|URL] [--user NAME] <verb> ...``; no verb opens
the window.

A verb runs as a logged-in user (``--user``/``PUSKESOS_USER``, the password from
``PUSKESOS_PASSWORD`` or a prompt) unless it declares that it needs none; the
dispatch in :func:`main` logs in once for every verb (:func:`.common.log_in`).

Every verb uses the same services as the window.  Verbs that report take
``--json``.  Exit code 0 on success; otherwise a one-line message on stderr
(Indonesian unless ``--lang en``) and 1 (the user's world: missing file,
locked database, full disk …) or 2 (invalid input or usage); 3 for a bug,
whose details go to the crash log.

One module per group of verbs; each has a ``register(subparsers)`` that adds
its verbs, each verb's handler set as ``func``.  :data:`VERB_GROUPS` is the
table; a new capability adds its module there.  The window is not imported
here: the composition root (:mod:`puskesos.app`) hands :func:`main` the
function that opens it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from .. import __version__, i18n
from ..errors import InvalidInput, UserError
from ..i18n import _
from ..logs import crash_log
from . import (bundles, care, database, keys, printing, referrals, registry, reports,
               settings, setup, stickers, targeting, verval)
from .common import (EXIT_BUG, EXIT_OK, EXIT_USAGE, EXIT_USER, NO_LOGIN, Parser,
                     database_target, log_in, reporting, speak_argparse)

__all__ = ["EXIT_BUG", "EXIT_OK", "EXIT_USAGE", "EXIT_USER", "VERB_GROUPS", "build_parser",
           "main"]

#: the verb groups, in the order ``--help`` lists them
VERB_GROUPS = (setup, database, registry, printing, verval, referrals, stickers, targeting,
               care, reports, settings, keys, bundles)

#: opens the window on a database target; returns the exit code
Window = Callable[[str], int]


def build_parser(window: Window | None = None) -> Parser:
    p = Parser(prog="puskesos", description="Puskesos")
    p.add_argument("--db", help=_("SQLite file or database URL (postgresql://...)"))
    p.add_argument("--lang", choices=sorted(i18n.LANGUAGES), help=_("id (default) or en"))
    p.add_argument("--user", metavar="NAME", help=_("log in as this user (or PUSKESOS_USER); the password "
                                    "comes from PUSKESOS_PASSWORD or is asked"))
    p.add_argument("--version", action="version", version=f"puskesos {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=Parser)
    for group in VERB_GROUPS:
        group.register(sub)
    if window is not None:
        reporting(sub.add_parser("gui", help=_("open the window (the default)"))).set_defaults(
            func=lambda args: window(database_target(args)), login=NO_LOGIN)
    return p


def one_line(message: str) -> str:
    """A message as one line of stderr: a list of problems joined with '; '."""
    lines = [line.strip().lstrip("•").strip() for line in message.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    head = lines[0] if lines[0].endswith(":") else lines[0] + ":"
    return head + " " + "; ".join(lines[1:])


#: verbs that touch no database
_NO_DATABASE = frozenset({"region"})


def _remove_leftovers(target: str) -> None:
    """Once at start: what a killed backup or restore left beside the database and in
    its backup folder is removed, unless another program is still at work there."""
    import logging
    from pathlib import Path

    from ..db.engine import is_url
    from ..files import remove_leftovers
    if is_url(target):
        return
    folder = Path(target).resolve().parent
    # the backup folder holds backups' parts; the database's own folder may be any
    # folder, so there only the restore's leftovers go
    removed = remove_leftovers(folder, zips=False) + remove_leftovers(folder / "backup")
    for path in removed:
        logging.getLogger(__name__).info("removed %s, left by a backup or restore that "
                                         "was stopped", path)


def _no_window(_args) -> int:
    print("puskesos: " + _("Name a command (see 'puskesos --help')."), file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None, *, window: Window | None = None) -> int:
    """Run one verb; without a verb, open the window (when ``window`` is given)."""
    words = list(sys.argv[1:] if argv is None else argv)
    # the language first: the help and argparse's own messages are in it too
    for i, word in enumerate(words):
        lang = word.split("=", 1)[1] if word.startswith("--lang=") else (
            words[i + 1] if word == "--lang" and i + 1 < len(words) else None)
        if lang in i18n.LANGUAGES:
            i18n.set_language(lang)
    speak_argparse()
    parser = build_parser(window)
    args = parser.parse_args(argv)
    if getattr(args, "lang", None):
        i18n.set_language(args.lang)
    func = getattr(args, "func", None)
    if func is None:  # the window, which has its own login dialog
        func = (lambda a: window(database_target(a))) if window is not None else _no_window
        args.login = NO_LOGIN
    try:
        before_login = getattr(args, "before_login", None)
        if before_login is not None:
            before_login(args)       # work that needs no login, started meanwhile
        args.actor = log_in(args)
        if getattr(args, "command", None) not in _NO_DATABASE:
            _remove_leftovers(database_target(args))
        return func(args)
    except UserError as exc:
        print(f"puskesos: {one_line(exc.message)}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, InvalidInput) else EXIT_USER
    except BrokenPipeError:
        # the reader stopped reading (``… --json | head``): nothing more to say; what
        # is left unwritten goes nowhere instead of failing again at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("puskesos: " + _("Stopped; nothing was half-written."), file=sys.stderr)
        return EXIT_USER
    except Exception as exc:  # noqa: BLE001 - last line of defence
        from ..db.engine import translate_db_error
        known = translate_db_error(exc, args.db or "")
        if known is not None:
            print(f"puskesos: {known.message}", file=sys.stderr)
            return EXIT_USER
        log = crash_log(exc)
        print("puskesos: " + _("An unexpected error happened (a bug). The details were saved "
                               "to {path}; please send that file to support.").format(path=log),
              file=sys.stderr)
        return EXIT_BUG
