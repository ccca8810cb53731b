"""Where things are: the user's data folder and the packaged resources.

``forms/`` and ``migrations/`` live at the top of the source checkout; an
installed wheel carries them as ``puskesos/_forms`` and
``puskesos/_migrations``; a PyInstaller build puts them beside the program
(``sys._MEIPASS``).  Everything resolves them here and nowhere else.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

PACKAGE_DIR = Path(__file__).resolve().parent
APP_NAME = "Puskesos"


def _resource_dir(name: str) -> Path:
    candidates = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen) / name)
    candidates.append(PACKAGE_DIR / f"_{name}")  # installed wheel
    candidates.append(PACKAGE_DIR.parent / name)  # source checkout
    for path in candidates:
        if path.is_dir():
            return path
    raise FileNotFoundError(f"resource folder {name!r} not found in {candidates}")


def forms_dir() -> Path:
    return _resource_dir("forms")


def migrations_dir() -> Path:
    return _resource_dir("migrations")


def data_dir() -> Path:
    """The user's data folder (created on demand); PUSKESOS_HOME overrides it."""
    override = os.environ.get("PUSKESOS_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database() -> Path:
    return data_dir() / "puskesos.sqlite"


def backup_dir() -> Path:
    path = data_dir() / "backup"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    path = data_dir() / "log"
    path.mkdir(parents=True, exist_ok=True)
    return path
