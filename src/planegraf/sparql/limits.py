"""Limits on what one query may cost — wall-clock time, rows and memory — enforced by running
it in a forked worker that is stopped when it goes over, so a runaway query cannot take the
machine down with it.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import pickle
import resource
import select
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MEMORY_MIB = 2048
DECODED_PER_ENCODED = 16
"""How much larger an answer may grow when the parent decodes it: many small terms take
about ten times their pickled size as Python objects, so the parent accepts at most
``memory_mib / 16`` MiB of encoded answer and stays within ``memory_mib`` itself."""
#: With ``QueryLimits.cpu_time``: the clock time after which a query is stopped whatever
#: CPU time it has had, in multiples of its time limit.
CPU_TIMEOUT_WALL_FACTOR = 3
_FORKING = threading.Lock()


class QueryLimitError(PlanegrafError):
    """A query went over one of its limits and was stopped; the message says which and how
    to narrow the query or raise the limit."""


@dataclass(frozen=True)
class QueryLimits:
    """What one query may cost. ``None`` switches a limit off.

    ``memory_mib`` is memory the query may take *on top of* what the process already holds
    (the loaded store); it is enforced with ``RLIMIT_DATA`` on Linux.

    >>> QueryLimits().max_rows
    100000
    """

    timeout_s: float | None = DEFAULT_TIMEOUT_S
    max_rows: int | None = DEFAULT_MAX_ROWS
    memory_mib: int | None = DEFAULT_MEMORY_MIB
    #: ``timeout_s`` counts the worker's CPU time, not the clock: a query that waits for the
    #: CPU (a busy server, a machine shared with other work) is not stopped for the waiting,
    #: and is stopped at :data:`CPU_TIMEOUT_WALL_FACTOR` times ``timeout_s`` on the clock
    #: whatever its CPU time. ``planegraf serve``'s workers run niced below the pages.
    cpu_time: bool = False

    def check_rows(self, count: int, what: str = "rows") -> None:
        """Raise :class:`QueryLimitError` once ``count`` goes over ``max_rows``.

        >>> QueryLimits(max_rows=2).check_rows(3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        planegraf.sparql.limits.QueryLimitError: the query gives more than 2 rows and was ...
        """
        if self.max_rows is not None and count > self.max_rows:
            unit = Message(f"error_unit_{what}") if what in ("rows", "triples") else what
            raise QueryLimitError(Message("error_rows_limit", max_rows=self.max_rows,
                                          what=unit))


def run_limited(work: Callable[[], T], limits: QueryLimits) -> T:
    """``work()`` in a forked child under ``limits``; its result comes back pickled.

    The child shares the parent's memory copy-on-write, so the loaded store is not copied.
    It is killed when the time is up; when it runs out of its memory it dies (Oxigraph
    aborts on a failed allocation) and the caller gets a :class:`QueryLimitError` either way.
    A :class:`PlanegrafError` raised by ``work`` reaches the caller with its message.

    >>> run_limited(lambda: sum(range(10)), QueryLimits(timeout_s=10))
    45
    """
    # From pipe to closing its write end, no other thread may fork: a worker forked in
    # between would hold this pipe open, and its end of file would wait for that worker
    # (planegraf serve runs queries from several threads).
    with _FORKING:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the caller's code
            os.close(read_fd)
            work_in_worker(work, limits, write_fd)
        os.close(write_fd)
    try:
        payload = collect_answer(read_fd, pid, limits)
    finally:
        os.close(read_fd)
        status = _reap(pid)
    return cast(T, unpack_answer(payload, status, limits))


def work_in_worker(work: Callable[[], object], limits: QueryLimits, write_fd: int) -> None:
    """The worker's side of :func:`run_limited` (also that of ``planegraf serve``'s fork
    server): ``work()`` under the memory limit, its outcome pickled into ``write_fd``, then
    the process ends. Never returns."""
    try:
        _silence_stderr()
        if limits.memory_mib is not None:
            _cap_memory(limits.memory_mib)
        _write_all(write_fd, _outcome(work))
    finally:
        os._exit(0)


def collect_answer(read_fd: int, pid: int, limits: QueryLimits,
                   kill: Callable[[], None] | None = None) -> bytearray:
    """The parent's side: the answer of worker ``pid`` read from ``read_fd`` under the time
    and size limits; ``kill`` stops the worker (default: SIGKILL to ``pid``)."""
    max_payload = (None if limits.memory_mib is None
                   else limits.memory_mib * 1024 * 1024 // DECODED_PER_ENCODED)
    return _collect(read_fd, pid, limits.timeout_s, max_payload, limits.memory_mib,
                    limits.cpu_time, kill)


def _outcome(work: Callable[[], object]) -> bytes:
    try:
        return pickle.dumps(("ok", work()))
    except MemoryError:
        return pickle.dumps(("memory", ""))
    except QueryLimitError as err:
        return pickle.dumps(("limit", err.said()))  # a Message: the parent's language
    except PlanegrafError as err:
        return pickle.dumps(("error", err.said()))
    except BaseException as err:  # noqa: BLE001 (reported to the parent, which re-raises)
        return pickle.dumps(("crash", f"{type(err).__name__}: {err}"))


def _collect(read_fd: int, pid: int, timeout_s: float | None, max_payload: int | None = None,
             memory_mib: int | None = None, cpu_time: bool = False,
             kill: Callable[[], None] | None = None) -> bytearray:
    """The worker's answer as it arrives, in one growing buffer (no copies), stopped past
    the deadline or past ``max_payload`` bytes: the parent is held to --max-memory too.
    With ``cpu_time`` the deadline moves on by the time the worker spent waiting for the
    CPU, up to :data:`CPU_TIMEOUT_WALL_FACTOR` times ``timeout_s``."""
    stop = kill if kill is not None else lambda: _kill(pid)
    started = time.monotonic()
    deadline = None if timeout_s is None else started + timeout_s
    payload = bytearray()
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0 and cpu_time and timeout_s is not None:
            used = _cpu_seconds(pid)
            if used is not None and used < timeout_s:
                cap = started + CPU_TIMEOUT_WALL_FACTOR * timeout_s
                assert deadline is not None
                deadline = min(cap, time.monotonic() + max(timeout_s - used, 0.05))
                remaining = deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            stop()
            raise QueryLimitError(Message("error_timeout", seconds=f"{timeout_s:g}"))
        ready, _, _ = select.select([read_fd], [], [], remaining)
        if ready:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                return payload
            payload += chunk
            if max_payload is not None and len(payload) > max_payload:
                stop()
                raise QueryLimitError(Message("error_answer_too_large", memory_mib=memory_mib,
                                              payload_mib=max_payload // (1 << 20),
                                              factor=DECODED_PER_ENCODED))


def _cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system) of process ``pid`` so far; None where ``/proc`` does
    not say (then the clock counts)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def unpack_answer(payload: bytes | bytearray, status: int, limits: QueryLimits) -> Any:
    """The value a worker sent, or the error that says which limit stopped it; ``status``
    is the worker's exit status (for a worker that died without a word)."""
    if not payload:
        if limits.memory_mib is not None and _ran_out_of_memory(status):
            raise QueryLimitError(Message("error_memory_sorted",
                                          memory_mib=limits.memory_mib))
        raise PlanegrafError(Message("error_engine_stopped", ending=_ending(status)))
    kind, value = pickle.loads(payload)
    if kind == "ok":
        return value
    if kind == "memory":
        raise QueryLimitError(Message("error_memory", memory_mib=limits.memory_mib))
    if kind == "limit":
        raise QueryLimitError(value)
    if kind == "error":
        raise PlanegrafError(value)
    raise RuntimeError(f"the query failed in its worker: {value}")


def _ran_out_of_memory(status: int) -> bool:
    """Whether a worker that ended without a word died as one out of memory does: aborted
    (Oxigraph aborts when an allocation fails) or killed (the kernel's out-of-memory
    killer); -1 is a status nobody could learn (its fork server died with it)."""
    if status == -1:
        return True
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGKILL)


def _ending(status: int) -> Message:
    if status == -1:
        return Message("error_ending_unreported")
    if os.WIFSIGNALED(status):
        return Message("error_ending_signal", name=signal.Signals(os.WTERMSIG(status)).name)
    return Message("error_ending_exit", code=os.WEXITSTATUS(status))


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _reap(pid: int) -> int:
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _silence_stderr() -> None:
    # Oxigraph prints a Rust backtrace when an allocation fails, and faulthandler (pytest
    # enables it) a Python one on the abort that follows; the parent says it better.
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _cap_memory(extra_mib: int) -> None:
    """Let this process grow its data segment by at most ``extra_mib`` MiB from now."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        current = int(fields["VmData"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return  # not Linux: time and rows are still limited
    ceiling = current + extra_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (ceiling, ceiling))
