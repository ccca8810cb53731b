"""Composition root of the window: database → services → main window."""

from __future__ import annotations

import sys

from .core.codes import Role
from .errors import UserError
from .i18n import _


def run_window(target: str) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .services import Actor, open_services
    from .ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Puskesos")
    try:
        services = open_services(target)
    except UserError as exc:
        QMessageBox.critical(None, _("Puskesos"), exc.message)
        return 1
    # Until the login screen exists the window is a read-only view with masked NIKs.
    actor = Actor(username="viewer", role=Role.KEPALA_DESA.value,
                  full_name=_("View only (NIK masked)"))
    window = MainWindow(services, actor)
    window.show()
    try:
        return app.exec()
    finally:
        services.close()
