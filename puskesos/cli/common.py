"""What every verb shares: the parser class, exit codes, output (text or --json),
opening the services and the actor."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from datetime import date, datetime
from typing import Any

from .. import i18n, paths
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


def emit(args, data: dict, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, default=json_default, ensure_ascii=False, indent=2))
    else:
        print(text)


def database_target(args) -> str:
    return args.db or str(paths.default_database())


def open_for(args, *, create: bool = False):
    from ..services import open_services
    return open_services(database_target(args), create=create)


def current_actor(args):
    from ..services import Actor
    return Actor.command_line(os.environ.get("USER") or os.environ.get("USERNAME") or "cli")

