"""Composition root of the window: database → services → main window."""

from __future__ import annotations

from pathlib import Path

from .core.codes import Role
from .errors import UserError


def first_start_creator(target: str):
    """The function the first-start dialog calls to create the village database."""
    from .services import Actor, open_services

    def create(village_code: str, username: str, full_name: str, password: str) -> str | None:
        try:
            services = open_services(target, create=True)
        except UserError as exc:
            return exc.message
        try:
            services.settings.init_village(actor=Actor("setup", Role.ADMIN.value),
                                           village_code=village_code)
            services.auth.create_first_admin(username=username, password=password,
                                             full_name=full_name or username)
        except UserError as exc:
            return exc.message
        finally:
            services.close()
        return None

    return create


def needs_first_start(target: str) -> bool:
    from .db.engine import is_url
    return not is_url(target) and not Path(target).exists()


def run_window(target: str) -> int:
    """Open the window on ``target`` (the Qt side lives in puskesos.ui.launch)."""
    from .ui.launch import run_window as launch
    return launch(target, first_start=needs_first_start(target),
                  create_village=first_start_creator(target))


def main(argv=None) -> int:
    """The program's entry point: the command line, whose default verb opens the window."""
    from .cli import main as cli_main
    return cli_main(argv, window=run_window)
