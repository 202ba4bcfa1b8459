"""``planegraf serve`` forks its query workers from a fork server, never from the serving
process (issue 15: a fork of the server loaded with a million quads held its interpreter
lock for 15-25 ms, and the start page beside the catalogue questions had a p95 of 207 ms).
A worker that crashes fails its query alone, a fork server that dies is replaced, and the
server's stop leaves no fork server and no worker behind. Nothing here depends on speed:
each test waits for the state it looks at (a worker computing), never for a time.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.serve_load import alive, descendants
from planegraf.publish.serve import RunningSite, serve
from planegraf.publish.serve_forks import ForkServer, available, children_of
from planegraf.sparql.limits import QueryLimitError, QueryLimits

from .servers import ask_sparql as ask
from .servers import bundled_site

pytestmark = pytest.mark.skipif(not available() or not Path("/proc/self/stat").is_file(),
                                reason="the fork server needs Linux (pidfd, /proc)")

# Counting every combination of four triples never ends on any machine: a worker that
# computes until it is stopped.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LIGHT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_site(tmp_path_factory, "forks")


@pytest.fixture
def running(site: Path) -> Iterator[RunningSite]:
    with serve(site, site / "data" / "planegraf.nq", timeout_s=600, memory_mib=None) as running:
        yield running


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _computing(pid: int) -> bool:
    """Whether ``pid`` has had 20 ticks of CPU: a worker past its setup, evaluating."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return int(fields[11]) + int(fields[12]) >= 20


def endless_query(running: RunningSite) -> tuple[threading.Thread, list[tuple[int, bytes]], int]:
    """Ask :data:`ENDLESS` in a thread; the thread, where its answer goes, and the pid of its
    worker once it computes."""
    before = descendants(os.getpid())
    answers: list[tuple[int, bytes]] = []
    asking = threading.Thread(target=lambda: answers.append(ask(running.sparql_url, ENDLESS)),
                              daemon=True)
    asking.start()
    while True:
        assert asking.is_alive(), answers
        computing = [pid for pid in descendants(os.getpid()) - before if _computing(pid)]
        if computing:
            return asking, answers, computing[0]
        time.sleep(0.05)


def test_a_query_worker_is_not_forked_by_the_serving_process(running: RunningSite) -> None:
    """What stalled the pages: the server forking itself for every query."""
    forks = running.endpoint.forks
    assert forks is not None and forks.pid is not None
    children = set(children_of(os.getpid()))
    asking, _answers, worker = endless_query(running)
    assert _parent_of(worker) == forks.pid
    assert set(children_of(os.getpid())) == children  # the server forked nothing
    os.kill(worker, signal.SIGKILL)
    asking.join(timeout=600)
    for _ in range(20):
        assert ask(running.sparql_url, LIGHT)[0] == 200
    assert set(children_of(os.getpid())) == children
    assert forks.forks == 1


def test_a_query_worker_that_crashes_fails_its_query_alone(running: RunningSite) -> None:
    forks = running.endpoint.forks
    assert forks is not None
    asking, answers, worker = endless_query(running)
    os.kill(worker, signal.SIGKILL)  # as a crash of the engine would end it
    asking.join(timeout=600)
    assert answers and answers[0][0] != 200
    assert b"stopped unexpectedly" in answers[0][1], answers
    status, body = ask(running.sparql_url, LIGHT)
    assert status == 200 and b'"n"' in body
    assert forks.forks == 1  # the same fork server forked the next worker


def test_a_fork_server_that_dies_is_forked_again_for_the_next_query(
        running: RunningSite) -> None:
    forks = running.endpoint.forks
    assert forks is not None and forks.pid is not None
    first = forks.pid
    os.kill(first, signal.SIGKILL)
    for _ in range(3):
        status, body = ask(running.sparql_url, LIGHT)
        assert status == 200 and b'"n"' in body
    assert forks.forks == 2 and forks.pid != first
    assert not alive(first)  # reaped, not left a zombie


def test_a_running_query_dies_when_its_fork_server_does(running: RunningSite) -> None:
    forks = running.endpoint.forks
    assert forks is not None and forks.pid is not None
    asking, answers, worker = endless_query(running)
    os.kill(forks.pid, signal.SIGKILL)
    asking.join(timeout=600)
    assert answers and answers[0][0] != 200
    deadline = time.monotonic() + 60  # the kernel's kill lands a moment later
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker)
    assert ask(running.sparql_url, LIGHT)[0] == 200


def test_the_servers_stop_leaves_no_fork_server_and_no_worker(site: Path) -> None:
    with serve(site, site / "data" / "planegraf.nq", timeout_s=600,
               memory_mib=None) as running:
        forks = running.endpoint.forks
        assert forks is not None and forks.pid is not None
        fork_server = forks.pid
        asking, answers, worker = endless_query(running)
    asking.join(timeout=600)
    assert answers and answers[0][0] in (0, 503), answers
    deadline = time.monotonic() + 60
    while (alive(worker) or alive(fork_server)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker) and not alive(fork_server)


def _constant(store: object) -> int:
    return 42


def _endless(store: object) -> None:
    while True:
        pass


def _raises(store: object) -> None:
    raise ValueError("out of range")


def test_the_fork_servers_workers_keep_the_limits_and_say_what_failed() -> None:
    forks: ForkServer[object] = ForkServer(object())
    forks.start()
    try:
        assert forks.run(_constant, QueryLimits(timeout_s=600)) == 42
        with pytest.raises(QueryLimitError, match="longer than 0.5 s"):
            forks.run(_endless, QueryLimits(timeout_s=0.5, memory_mib=None))
        with pytest.raises(RuntimeError, match="ValueError: out of range"):
            forks.run(_raises, QueryLimits(timeout_s=600))
        assert forks.run(_constant, QueryLimits(timeout_s=600)) == 42
        fork_server = forks.pid
        assert fork_server is not None
        assert descendants(fork_server) == set()  # every worker is reaped
    finally:
        forks.stop()
    assert not alive(fork_server)
