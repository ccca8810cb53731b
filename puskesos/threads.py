"""Helper threads of long jobs (the import's writer, the sheet parser)."""

from __future__ import annotations

import os
import sys
import threading

#: helper threads run at this lower priority (Unix nice; Windows "below normal"),
#: so the thread that waits for their work keeps its core
ENABLED = True
_NICE = 10


def lower_priority() -> None:
    """Give the calling thread a lower priority than the program's other threads.

    A job's helper threads (writing rows, parsing the next part of a sheet) do
    work that is needed later; the reading thread is the one everything waits
    for.  On a two-core PC with both helpers busy the system would share the
    cores evenly among the three threads and slow the reading thread by a third.
    Lowering a thread's priority needs no rights; a failure changes nothing.
    """
    if not ENABLED:
        return
    try:
        if sys.platform == "win32":
            import ctypes
            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            kernel32.SetThreadPriority(kernel32.GetCurrentThread(), -1)  # BELOW_NORMAL
        elif sys.platform.startswith("linux"):
            # on Linux a thread id names one thread of the process (elsewhere it
            # would name a process: left alone)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                           min(os.getpriority(os.PRIO_PROCESS, 0) + _NICE, 19))
    except (OSError, AttributeError, ValueError):
        pass
