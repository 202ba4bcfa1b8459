"""Work beside the caller (``planegraf.threads.Beside``: the build's validation, dumps and
downloads) makes way for the caller's own work, the build's critical path: on Linux its
thread runs at a lower priority, the caller's stays as it was."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from planegraf.threads import BESIDE_NICENESS, Beside


def _nice(thread_id: int) -> int:
    # The 19th field of the task's stat (after the parenthesised name) is its nice value.
    with open(f"/proc/self/task/{thread_id}/stat", encoding="ascii") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice is per thread on Linux")
def test_work_beside_the_build_yields_the_core_to_the_build_s_own_work() -> None:
    caller = threading.get_native_id()
    before = _nice(caller)
    seen = Beside(lambda: (threading.get_native_id(), _nice(threading.get_native_id()))
                  ).result()
    assert seen[0] != caller
    assert seen[1] == min(before + BESIDE_NICENESS, 19)
    assert _nice(caller) == before == os.getpriority(os.PRIO_PROCESS, 0)


def test_work_done_here_and_now_keeps_the_caller_s_priority() -> None:
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert Beside(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()),
                  beside=False).result() == before
