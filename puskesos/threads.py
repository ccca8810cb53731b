"""Helper threads of long jobs (the import's writer, the sheet parser), and the
command line's throughput mode."""

from __future__ import annotations

import gc
import importlib
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

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


#: the interpreter's switch interval in throughput mode (s); the default is 5 ms
SWITCH_INTERVAL = 0.0002


@contextmanager
def throughput_mode() -> Iterator[None]:
    """For the command line only: run one long job with the cyclic garbage collector
    off and a short thread switch interval; both are put back when it ends.

    An import makes a few hundred thousand small objects and no reference
    cycles, and the collector would walk the growing registry index again and
    again; the writer thread needs the interpreter lock for a moment after each
    statement and would otherwise wait up to 5 ms for the reading thread.
    Both switches are process-wide, so the window never uses this: its other
    threads and its objects must not depend on what one job needs
    (docs/architecture.md gives the measured cost).
    """
    collecting = gc.isenabled()
    switching = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(min(switching, SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(switching)
        if collecting:
            gc.enable()


def freeze_startup_objects(modules: Iterable[str] = ()) -> None:
    """Move the objects made while the program started (modules, classes, the
    libraries' tables, the main window) out of the cyclic collector's sight, once.

    ``modules``: the modules of the long jobs, imported first.  Imported during
    the first job instead, their objects would stay in the collector's sight
    and every full collection of that job would walk them again (measured:
    the window's 100,000-row import took 2.2 times its limit so, 1.9 times with
    them frozen).  They live as long as the program; the collector stays on for
    everything made afterwards.
    """
    for name in modules:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()


_pause_lock = threading.Lock()
_pauses = 0
_was_collecting = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a window's background work with the cyclic garbage collector paused.

    The collector runs in whichever thread happens to allocate; run in a worker
    thread, it may free the Python side of a Qt object (a dialog just closed, a
    widget's cycle) there, off the thread that owns it, and PySide crashes the
    program (seen: a segmentation fault while a bundle was written). Paused for
    as long as any such work runs (a count, for work that overlaps), the
    collector runs again on the main thread afterwards. Work of this kind makes
    few reference cycles, so memory does not grow meanwhile.
    """
    global _pauses, _was_collecting
    with _pause_lock:
        if _pauses == 0:
            _was_collecting = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_collecting:
                gc.enable()
