"""The fork server of ``planegraf serve``: one process, forked from the server once the
dataset is loaded, that forks every query's worker, so the server never forks while it
serves.

Why: a query runs in a forked worker under its limits (:mod:`planegraf.sparql.limits`), and
forking costs the forking process a copy of its page tables. At a million quads the server
holds about 1.3 GB, and ``os.fork`` there took 15-25 ms with the interpreter lock held: every
page being rendered meanwhile waited, and the start page beside the catalogue questions had
a p95 of about 200 ms (issue 15). The fork server pays that copy instead, in its own
process, on the other core; it holds the loaded store (forked right after the load, before
the server builds its page tables), so a worker forked from it still shares the store
copy-on-write and sees the same data (``planegraf serve`` never changes it).

Alternatives weighed: multiprocessing's ``forkserver`` start method imports afresh and cannot
share the loaded store; a pool of workers forked at start and reused would have to die after
a query that went over its memory or time (and be forked again, by the server) and would
keep what one query touched for the next; ``posix_spawn`` starts a new program that would
have to load the store again.

The protocol, per query: the server sends the pickled work and two descriptors over a
``SOCK_SEQPACKET`` pair (the write end of the answer's pipe and one end of a reply socket);
the fork server forks the worker, gives it the pipe, and answers on the reply socket with
the worker's pid and a pidfd (so the server can kill it at its time limit without a race
with pid reuse), later with its exit status once it has reaped it. The worker writes its
outcome into the pipe exactly as :func:`planegraf.sparql.limits.run_limited`'s worker does.

No worker outlives the server: the server kills the fork server when it stops (SIGTERM,
Ctrl-C, the end of :func:`planegraf.publish.serve.serve`); each worker dies with the fork
server (``PR_SET_PDEATHSIG``); and the fork server kills its workers and ends as soon as the
server's end of its socket closes, which the kernel does when the server dies in any way,
SIGKILL included. A fork server that dies while the server runs is forked again for the
next query (one fork of the server, not one per query).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import select
import signal
import socket
import stat
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.sparql.limits import (
    QueryLimits,
    collect_answer,
    unpack_answer,
    work_in_worker,
)

C = TypeVar("C")
_STATUS = struct.Struct("=i")
#: The largest pickled work the fork server accepts (a query is at most 64 KiB of text).
MAX_WORK_BYTES = 1 << 20


class EngineGoneError(PlanegrafError):
    """The fork server went before it forked the query's worker (it is forked again for
    the next query): the query was not run, and may be asked again."""


def available() -> bool:
    """Whether this system has what the fork server needs (fork, pidfd: Linux 5.3+)."""
    return hasattr(os, "fork") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


class ForkServer(Generic[C]):
    """Runs ``work(context)`` in workers forked by a fork server that holds ``context`` (the
    loaded store), each under its :class:`QueryLimits`; see the module's docstring.

    ``work`` must pickle (it is sent to the fork server); what it returns comes back
    pickled, and errors come back as :func:`planegraf.sparql.limits.run_limited` raises them.
    """

    def __init__(self, context: C) -> None:
        self.context = context
        self.pid: int | None = None
        self.forks = 0  # fork servers forked, the first one included
        self._control: socket.socket | None = None
        self._lock = threading.Lock()  # one sender at a time; no pipe open across a fork
        self._stopped = False

    def start(self) -> None:
        """Fork the fork server (call it before the server runs threads of its own)."""
        with self._lock:
            self._spawn()

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with contextlib.suppress(OSError):
            ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, MAX_WORK_BYTES)
        parent = os.getpid()
        # Only a fork from the main thread may ask to die with it: PR_SET_PDEATHSIG follows
        # the thread that forked, and a request thread ends when it has been idle a while.
        # Either way the fork server ends when its socket to the server closes.
        with_parent = threading.current_thread() is threading.main_thread()
        pid = os.fork()
        if pid == 0:  # the fork server: never returns into the caller's code
            try:
                ours.close()
                _fork_server(theirs, self.context, parent if with_parent else None)
            finally:
                os._exit(0)
        theirs.close()
        self.pid, self._control = pid, ours
        self.forks += 1

    def _alive(self) -> socket.socket:
        """The socket to a running fork server: forked again when the last one died."""
        if self._stopped:
            raise EngineGoneError("the server is stopping")
        if self.pid is not None:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                    assert self._control is not None
                    return self._control
            self._forget()
        self._spawn()
        assert self._control is not None
        return self._control

    def _forget(self) -> None:
        if self._control is not None:
            self._control.close()
        self.pid = self._control = None

    def run(self, work: Callable[[C], Any], limits: QueryLimits) -> Any:
        """``work(context)`` in a new worker under ``limits``; its value, or the error of
        the limit that stopped it (:class:`planegraf.sparql.limits.QueryLimitError`)."""
        sent = pickle.dumps((work, limits))
        if len(sent) > MAX_WORK_BYTES:
            raise PlanegrafError(Message("error_query_too_large", size=len(sent)))
        reply, read_fd, pid, pidfd = self._start_worker(sent)
        kill = _killer(pidfd)
        payload = bytearray()
        try:
            payload = collect_answer(read_fd, pid, limits, kill)
        except BaseException:
            kill()
            raise
        finally:
            os.close(read_fd)
            status = _status(reply)
            reply.close()
            os.close(pidfd)
        return unpack_answer(payload, status, limits)

    def _start_worker(self, sent: bytes) -> tuple[socket.socket, int, int, int]:
        """Hand ``sent`` to the fork server and get its worker: the reply socket, the read
        end of the answer's pipe, the worker's pid and pidfd. A fork server found dead
        (before or while it was asked: then it forked no worker, or one that died with it)
        is reaped and forked again, once."""
        for attempt in (1, 2):
            with self._lock:
                control = self._alive()
                asked = self.pid
                reply, theirs = socket.socketpair()
                read_fd, write_fd = os.pipe()
                try:
                    socket.send_fds(control, [sent], [theirs.fileno(), write_fd])
                    sent_ok = True
                except OSError:
                    sent_ok = False
                finally:
                    theirs.close()
                    os.close(write_fd)
            if sent_ok:
                try:
                    said, fds, _, _ = socket.recv_fds(reply, 64, 1)
                except OSError:
                    said, fds = b"", []
                if said and fds:
                    return reply, read_fd, int(said), fds[0]
                for fd in fds:
                    os.close(fd)
            reply.close()
            os.close(read_fd)
            self._bury(asked)
            if attempt == 2 or self._stopped:
                break
        raise EngineGoneError("the query engine stopped unexpectedly before it ran the "
                              "query; ask again")

    def _bury(self, pid: int | None) -> None:
        """Kill and reap fork server ``pid`` if it is still the current one (another
        thread may have replaced it already): the next query forks a new one."""
        with self._lock:
            if pid is None or pid != self.pid:
                return
            self._forget()
        _kill_and_reap(pid)

    def stop(self) -> None:
        """Kill the fork server (its workers die with it) and reap it."""
        with self._lock:
            self._stopped = True
            pid = self.pid
            self._forget()
        if pid is not None:
            _kill_and_reap(pid)


def _kill_and_reap(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _killer(pidfd: int) -> Callable[[], None]:
    def kill() -> None:
        with contextlib.suppress(ProcessLookupError, OSError):
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    return kill


def _status(reply: socket.socket) -> int:
    """The worker's exit status as the fork server reports it once it has reaped it (-1
    when the fork server went first)."""
    try:
        said = reply.recv(_STATUS.size)
    except OSError:
        return -1
    return _STATUS.unpack(said)[0] if len(said) == _STATUS.size else -1


def _fork_server(control: socket.socket, context: object, parent: int | None) -> None:
    """The fork server's loop: fork a worker per request, report its pid and its end."""
    if parent is not None:
        die_with(parent)
    # Ctrl-C reaches the whole process group: the server stops the fork server itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # What was inherited stays out of the collector: collecting would touch, and so copy,
    # the server's heap; what this loop makes has no cycles.
    gc.disable()
    gc.freeze()
    _close_inherited(keep=control.fileno())
    me = os.getpid()
    running: dict[int, tuple[int, socket.socket]] = {}  # pidfd: (pid, reply socket)
    while True:
        watched: list[Any] = [control, *running]
        ready, _, _ = select.select(watched, [], [])
        for ready_one in ready:
            if ready_one is control:
                if not _fork_worker(control, context, me, running):
                    for pid, _reply in running.values():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                    return  # the server has gone: so do the workers
            else:
                assert isinstance(ready_one, int)
                pid, reply = running.pop(ready_one)
                try:
                    status = os.waitpid(pid, 0)[1]
                except ChildProcessError:
                    status = -1
                os.close(ready_one)
                with contextlib.suppress(OSError):
                    reply.send(_STATUS.pack(status))
                reply.close()


def _fork_worker(control: socket.socket, context: object, me: int,
                 running: dict[int, tuple[int, socket.socket]]) -> bool:
    """Read one request and fork its worker; False once the server's end has closed."""
    try:
        sent, fds, flags, _ = socket.recv_fds(control, MAX_WORK_BYTES, 2)
    except OSError:
        return False
    if not sent and not fds:
        return False
    if len(fds) != 2:
        for fd in fds:
            os.close(fd)
        return True
    reply, write_fd = socket.socket(fileno=fds[0]), fds[1]
    try:
        work, limits = pickle.loads(sent)
    except Exception:  # noqa: BLE001 (the server's thread is told: no worker)
        reply.close()
        os.close(write_fd)
        return True
    pid = os.fork()
    if pid == 0:  # the worker: whatever happens, it never goes back to the fork server's loop
        try:
            die_with(me)
            _close_inherited(keep=write_fd, sockets_only=True)
            work_in_worker(lambda: work(context), limits, write_fd)
        finally:
            os._exit(1)
    os.close(write_fd)
    pidfd = os.pidfd_open(pid)
    try:
        socket.send_fds(reply, [str(pid).encode("ascii")], [pidfd])
    except OSError:  # the server's thread is gone (stopping): the worker is not needed
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    running[pidfd] = (pid, reply)
    return True


def _close_inherited(keep: int, sockets_only: bool = False) -> None:
    """Close the sockets (and, unless ``sockets_only``, the pipes) this process inherited
    but ``keep``: the server's listening socket and connections, other queries' reply
    sockets, a pipe another thread of the server had open at the fork."""
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else ():
        with contextlib.suppress(OSError, ValueError):
            fd = int(name)
            if fd <= 2 or fd == keep:
                continue
            mode = os.fstat(fd).st_mode
            if stat.S_ISSOCK(mode) or (not sockets_only and stat.S_ISFIFO(mode)):
                os.close(fd)


def _find_prctl() -> Callable[..., int] | None:
    try:
        return cast(Callable[..., int], ctypes.CDLL(None, use_errno=True).prctl)
    except (OSError, AttributeError):
        return None


# Looked up once here: a worker forked while another thread was inside the dynamic loader
# must not need its lock.
_PRCTL = _find_prctl()


def die_with(parent: int) -> None:
    """Have the kernel kill this worker when the thread that forked it goes (Linux), so a
    server killed with SIGKILL leaves no query running."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def close_sockets() -> None:
    """Close the server's sockets in this worker: a long query must not hold the listening
    socket or another client's connection open after the server has let go of them."""
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else ():
        with contextlib.suppress(OSError, ValueError):
            fd = int(name)
            if fd > 2 and stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)


def children_of(pid: int) -> list[int]:
    """The living child processes of ``pid`` (Linux ``/proc``; empty elsewhere)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found
