"""The program's log: the standard :mod:`logging` module, into a rotating file in the
log folder (``puskesos.log``; at most :data:`MAX_BYTES` per file and
:data:`BACKUPS` older files, so it never fills a disk).

Every module logs with ``logging.getLogger(__name__)``; the records of the
``puskesos`` logger go to the file.  A bug (anything that is not a
:class:`~puskesos.errors.UserError`) is written with its traceback by
:func:`crash_log`, whose path the message to the user names.  The window
routes Qt's own messages here too (``ui/launch.py``).
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from . import __version__, paths

LOG_NAME = "puskesos.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_handler: RotatingFileHandler | None = None


def log_file() -> Path:
    """The current log file (in the user's log folder)."""
    return paths.log_dir() / LOG_NAME


def setup() -> Path:
    """Send the ``puskesos`` logger's records to :func:`log_file` (again, when the log
    folder changed since); returns the file.  Safe to call more than once."""
    global _handler
    path = log_file()
    logger = logging.getLogger("puskesos")
    if _handler is not None and Path(_handler.baseFilename) == path.resolve():
        return path
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
    _handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                   encoding="utf-8", delay=True)
    _handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(_handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return path


def crash_log(exc: BaseException) -> Path:
    """Log a bug with its traceback; returns the log file to name to the user."""
    path = setup()
    logging.getLogger("puskesos").error("unexpected error in puskesos %s", __version__,
                                        exc_info=(type(exc), exc, exc.__traceback__))
    if _handler is not None:
        _handler.flush()
    return path
