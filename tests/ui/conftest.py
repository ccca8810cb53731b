"""Helpers for driving the real window: a demo village copy and modal answers."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog

from puskesos.services import open_services


@pytest.fixture
def village(tmp_path, demo_db):
    """Services over a private copy of the 300-household demo village."""
    path = tmp_path / "desa.sqlite"
    shutil.copy(demo_db, path)
    services = open_services(str(path))
    yield services
    services.close()


def answer_modals(*handlers):
    """Answer the next modal dialogs in order: each handler gets the dialog widget.

    A modal dialog blocks in exec(); the handlers run from the event loop it spins.
    Progress dialogs are not answered (they close by themselves).
    """
    queue = list(handlers)
    seen = set()

    def poll():
        if not queue:
            return
        widget = QApplication.activeModalWidget()
        if widget is None or id(widget) in seen or not widget.isVisible() \
                or isinstance(widget, QProgressDialog):
            QTimer.singleShot(20, poll)
            return
        seen.add(id(widget))
        queue.pop(0)(widget)
        QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return queue
