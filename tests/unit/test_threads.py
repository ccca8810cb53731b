"""Helper threads of long jobs run below the thread that waits for them."""

import os
import sys
import threading

import pytest

from puskesos.threads import lower_priority


@pytest.mark.skipif(not hasattr(os, "getpriority") or sys.platform == "win32",
                    reason="Unix thread priorities")
def test_a_helper_thread_runs_at_a_lower_priority_than_the_main_thread():
    seen = {}

    def helper():
        lower_priority()
        seen["helper"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    thread = threading.Thread(target=helper)
    thread.start()
    thread.join()
    main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert seen["helper"] > main or main == 19


def test_throughput_mode_is_undone_when_the_job_ends_or_fails():
    """The command line's import runs with the collector off and a short switch
    interval; afterwards, even after an error, the process is as before."""
    import gc

    from puskesos.threads import SWITCH_INTERVAL, throughput_mode
    before = sys.getswitchinterval()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with throughput_mode():
            assert not gc.isenabled()
            assert sys.getswitchinterval() == pytest.approx(min(before, SWITCH_INTERVAL))
            raise RuntimeError("disk full")
    assert gc.isenabled() and sys.getswitchinterval() == before
    with throughput_mode():
        pass
    assert gc.isenabled() and sys.getswitchinterval() == before
