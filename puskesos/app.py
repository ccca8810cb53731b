"""Composition root of the window: database → services → main window."""

from __future__ import annotations

from pathlib import Path

from .core.codes import Role
from .errors import UserError


def first_start_creator(target: str):
    """The function the first-start dialog calls to create the village database."""
    from .services import Actor, open_services

    def create(village_code: str, username: str, full_name: str, password: str) -> str | None:
        from .services.signin import new_village_file
        try:
            # made whole or not at all: a failure leaves no half-made, locked file
            with new_village_file(target) as where:
                services = open_services(where, create=True)
                try:
                    identity = services.settings.init_village(
                        actor=Actor("setup", Role.ADMIN.value), village_code=village_code)
                    services.auth.create_first_admin(username=username, password=password,
                                                     full_name=full_name or username)
                    create.recovery_key = services.db.recovery_key
                    create.village_name = identity.title
                finally:
                    services.close()
        except UserError as exc:
            return exc.message
        return None

    create.recovery_key = None
    create.village_name = ""
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


def run() -> None:
    """The process's entry point (``python -m puskesos``, the ``puskesos`` script, the
    installed program): :func:`main`, then the end of the process.

    Python's own shutdown takes apart every module and object one by one, a
    tenth of a second or more after an import, which the user waits for with
    nothing left to do.  Once the output is flushed, the exit handlers have run
    (temporary folders, the log) and no thread of ours is still working, the
    process ends at once instead.  A thread still running (which no command
    leaves) gets the ordinary shutdown, which waits for it, and so does the
    window, whose Qt objects are let go in their own order.
    """
    import atexit
    import logging
    import os
    import sys
    import threading

    code = main()
    busy = any(t is not threading.main_thread() and not t.daemon and t.is_alive()
               for t in threading.enumerate())
    if busy or "PySide6.QtCore" in sys.modules:
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):     # a closed pipe or stream: nothing more to tell
        pass
    atexit._run_exitfuncs()
    logging.shutdown()
    os._exit(code if isinstance(code, int) else 1)
