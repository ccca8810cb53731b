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
