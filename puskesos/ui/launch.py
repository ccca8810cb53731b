"""Start the window: first start, login, main window, error hook."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from .. import logs
from ..errors import UserError
from ..threads import freeze_startup_objects

#: the modules of the window's long jobs that it does not import to start: imported
#: (and frozen with the rest) once the window is up, see freeze_startup_objects
JOB_MODULES = ("puskesos.services.imports", "puskesos.formats.xlsx_parts",
               "puskesos.formats.books")


def install_qt_message_handler():
    """Route Qt's own messages (warnings about widgets, fonts, plugins) into the
    program's log instead of the console nobody sees; returns the handler before."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    log = logging.getLogger("puskesos.qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}

    def handler(kind, context, message) -> None:
        where = f" ({context.file}:{context.line})" if context.file else ""
        log.log(levels.get(kind, logging.WARNING), "%s%s", message, where)

    return qInstallMessageHandler(handler)


def install_error_hook() -> None:
    """An error escaping a window action: shown (user world) or logged (bug), never lost."""
    from .jobs import show_error

    def hook(kind, exc, tb):
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        try:
            show_error(None, exc)
        except Exception:  # noqa: BLE001 - the last resort must not raise
            sys.__excepthook__(kind, exc, tb)

    sys.excepthook = hook


def run_window(target: str, *, first_start: bool,
               create_village: Callable[[str, str, str, str], str | None]) -> int:
    """The window's life: first start (when ``first_start``), login, main window.

    ``create_village`` is the composition root's function that creates the
    village database for the first-start dialog.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog

    from .. import i18n
    from ..services import open_services
    from .first_start import FirstStartDialog
    from .jobs import show_error
    from . import qt_catalog
    from ..services.signin import encrypted_file as is_encrypted
    from .login import LoginDialog, RecoveryKeyDialog
    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Puskesos")
    logs.setup()
    install_qt_message_handler()
    install_error_hook()
    qt_catalog.install(app)
    if first_start:
        dialog = FirstStartDialog(create_village)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return 0
        if dialog.recovery_key:
            RecoveryKeyDialog(dialog.recovery_key, village=dialog.village_name).exec()
    services = None
    try:
        if not is_encrypted(target):     # an encrypted file is read after the login
            services = open_services(target)
            if "PUSKESOS_LANG" not in os.environ:
                i18n.set_language(services.settings.preferences().language)
                qt_catalog.install(app)
    except UserError as exc:
        show_error(None, exc)
        return 1
    try:
        login = LoginDialog(services, target=target)
        accepted = login.exec() == QDialog.DialogCode.Accepted and login.user is not None
        services = login.services
        if not accepted:
            return 0
        if login.signed is not None and login.signed.recovery_key:
            RecoveryKeyDialog(login.signed.recovery_key,
                              village=services.settings.village().title).exec()
        if "PUSKESOS_LANG" not in os.environ:
            i18n.set_language(services.settings.preferences().language)
            qt_catalog.install(app)
        window = MainWindow(services, login.user.actor)
        window.show()
        # once the window is painted: what it made lives as long as the program
        QTimer.singleShot(200, lambda: freeze_startup_objects(JOB_MODULES))
        window.backup_if_due()
        return app.exec()
    finally:
        if services is not None:
            services.close()
