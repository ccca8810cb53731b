"""Where the program writes down what went wrong: the crash log in the log folder.

Used by the command line and the window alike (a bug in either ends here).
"""

from __future__ import annotations

import traceback
from datetime import datetime
from pathlib import Path

from . import __version__, paths


def crash_log(exc: BaseException) -> Path:
    """Append the traceback to the log folder and return the log file."""
    path = paths.log_dir() / "crash.log"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"--- {datetime.now().isoformat()} puskesos {__version__}\n")
        fh.write("".join(traceback.format_exception(exc)))
    return path
