"""The read-only SPARQL endpoint behind ``planegraf serve``: the dataset in an in-memory
Oxigraph store in this process, every query evaluated in a forked worker under
:func:`planegraf.sparql.limits.run_limited`.

The workers are forked by a fork server (:mod:`planegraf.publish.serve_forks`), a process
forked once the dataset is loaded, so that the server itself never forks while it serves:
a fork of the loaded server held its interpreter lock for 15-25 ms at a million quads.

Why not an ``oxigraph serve`` child process, as before: one engine shared by every client
means that a query which hits the memory cap aborts the engine and fails every other
query running at that moment, and a query past the timeout can only be stopped by
restarting the engine for everyone. A worker per query fails alone: the store is shared
copy-on-write, the worker is killed at the time limit or dies at its memory cap, and the
next query gets a fresh worker. There is no engine port for anyone else to reach. What it
costs: a fork per query, about 10 ms of CPU where the bare query takes 0.3 ms on the bundled
data (README, benchmarks; ``benchmarks/serve_load.py`` measures it under load).

Workers run at a lower scheduling priority than the server (:data:`QUERY_NICENESS`), so
the pages it renders keep the CPU while queries run. Concurrency is bounded: at most
``workers`` queries are evaluated at once and at most
``queue`` more wait for a worker; beyond that a query is answered at once with 503 and
``Retry-After`` instead of piling up.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
import pyoxigraph as ox

from planegraf.errors import InputError, PlanegrafError, RefusedQueryError
from planegraf.i18n import Message
from planegraf.publish.serve_forks import (
    EngineGoneError,
    ForkServer,
    available,
    children_of,
    close_sockets,
    die_with,
)
from planegraf.sparql.limits import QueryLimitError, QueryLimits, run_limited
from planegraf.sparql.queries import QueryForm, check_query, declares_dataset

if TYPE_CHECKING:
    from typing_extensions import Buffer

MAX_QUERY_BYTES = 64 * 1024
MAX_RESULT_BYTES = 16 * 1024 * 1024
QUERY_TIMEOUT_S = 30
ENGINE_MEMORY_MIB = 2048
QUEUE_LIMIT = 64
RETRY_AFTER_S = 2
#: How much lower a query worker's scheduling priority is than the server's (``nice``):
#: the pages, rendered in the server's process, keep the CPU while queries run beside them,
#: and a query still gets every cycle the pages leave (docs/limits.md).
QUERY_NICENESS = 10

SOLUTION_FORMATS: tuple[tuple[str, ox.QueryResultsFormat], ...] = (
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("application/xml", ox.QueryResultsFormat.XML),
    ("text/csv", ox.QueryResultsFormat.CSV),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
)
GRAPH_FORMATS: tuple[tuple[str, ox.RdfFormat], ...] = (
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
)


def default_workers() -> int:
    """Queries evaluated at once by default: two per core, at least four, so that a heavy
    query running to its limit leaves light ones workers to run in."""
    return max(4, 2 * (os.cpu_count() or 2))


@dataclass(frozen=True)
class Reply:
    """What ``/sparql`` answers: status, body, media type and extra headers."""

    status: int
    body: bytes
    media_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: The refusal as a catalogue text, for a page that shows it in its own language (the
    #: question pages); the body is its English, what a SPARQL client reads.
    said: str | None = None

    @classmethod
    def text(cls, status: int, message: str, **headers: str) -> Reply:
        return cls(status, (message.rstrip() + "\n").encode("utf-8"), headers=headers,
                   said=message)


@dataclass(frozen=True)
class Request:
    """One query as it came in, with the dataset it names in the protocol, if any."""

    query: str
    accept: str | None = None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    # Values the engine binds (pyoxigraph substitutions; the query text is never changed):
    # how the named questions of the query page get their parameters.
    bindings: tuple[tuple[str, ox.NamedNode | ox.Literal], ...] = ()


class SparqlEndpoint:
    """The dataset of ``dataset`` (an RDF file, loaded whole into memory) and the limits
    every query runs under; :meth:`answer` is what ``/sparql`` calls."""

    def __init__(self, dataset: Path, *, timeout_s: float = QUERY_TIMEOUT_S,
                 memory_mib: int | None = ENGINE_MEMORY_MIB,
                 max_result_bytes: int = MAX_RESULT_BYTES, workers: int | None = None,
                 queue: int = QUEUE_LIMIT) -> None:
        self.store = ox.Store()
        try:
            self.store.bulk_load(path=str(dataset), format=_rdf_format(dataset))
        except (SyntaxError, OSError, ValueError) as err:
            raise PlanegrafError(Message("error_serve_cannot_load", dataset=dataset,
                                         reason=err)) from None
        self.timeout_s, self.memory_mib = timeout_s, memory_mib
        self.max_result_bytes = max_result_bytes
        self.workers = workers or default_workers()
        self.queue = queue
        self.stopping = False
        self._admitted = 0  # queries evaluating or waiting for a worker
        self._limiter: anyio.CapacityLimiter | None = None
        # rdflib's parser (pyparsing) is not made for several threads at once; parsing
        # happens in this process only, never in a worker, so a worker forked while another
        # thread parses cannot inherit a held lock.
        self._parse_lock = threading.Lock()
        # The fork server holds the loaded store and nothing the server makes later (its
        # pages' tables): :meth:`start` forks it.
        self.forks: ForkServer[ox.Store] | None = ForkServer(self.store) if available() else None

    def start(self) -> None:
        """Fork the fork server that forks the query workers (before the server runs
        threads); without it (or where it is missing) each query is forked from here."""
        if self.forks is not None:
            self.forks.start()

    @property
    def limits(self) -> QueryLimits:
        # CPU time: a question is not refused because the pages (or the machine's other
        # work) kept its niced worker waiting; the clock still stops it at 3x the limit.
        return QueryLimits(timeout_s=self.timeout_s, max_rows=None, memory_mib=self.memory_mib,
                           cpu_time=True)

    async def answer(self, request: Request) -> Reply:
        """Check, admit and evaluate one query; never raises for anything a client sends."""
        if self.stopping:
            return Reply.text(503, Message("serve_stopping"), **{"Retry-After": "10"})
        if len(request.query.encode("utf-8")) > MAX_QUERY_BYTES:
            return Reply.text(413, Message("serve_query_bytes", most=MAX_QUERY_BYTES))
        try:
            form, union = await anyio.to_thread.run_sync(self._check, request.query)
        except (InputError, RefusedQueryError) as err:
            return Reply.text(400, err.said())
        chosen = _choose(request.accept, form)
        if chosen is None:
            offered = ", ".join(m for m, _ in (GRAPH_FORMATS if form in (
                "CONSTRUCT", "DESCRIBE") else SOLUTION_FORMATS))
            return Reply.text(406, Message("serve_not_acceptable", form=form, offered=offered))
        media_type, fmt = chosen
        if self._admitted >= self.workers + self.queue:
            return Reply.text(503, Message("serve_busy", n=self._admitted),
                              **{"Retry-After": str(RETRY_AFTER_S)})
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.workers)
        self._admitted += 1
        try:
            return await anyio.to_thread.run_sync(
                self._evaluate, request, union, fmt, media_type, limiter=self._limiter)
        finally:
            self._admitted -= 1

    def _check(self, query: str) -> tuple[QueryForm, bool]:
        with self._parse_lock:
            form = check_query(query, "query")
            return form, not declares_dataset(query)

    def _evaluate(self, request: Request, union: bool,
                  fmt: ox.QueryResultsFormat | ox.RdfFormat, media_type: str) -> Reply:
        if self.stopping:
            return Reply.text(503, Message("serve_stopping"), **{"Retry-After": "10"})
        cap = self.max_result_bytes
        job = _QueryJob(request, union, media_type, cap)
        started = time.monotonic()
        try:
            if self.forks is not None:
                kind, value = self.forks.run(job, self.limits)
            else:
                store, parent = self.store, os.getpid()
                kind, value = run_limited(lambda: job(store, parent), self.limits)
        except QueryLimitError as err:
            if self.stopping:
                return Reply.text(503, Message("serve_stopping"), **{"Retry-After": "10"})
            if "longer than" in str(err) or time.monotonic() - started >= self.timeout_s:
                return Reply.text(504, Message("serve_timeout", seconds=f"{self.timeout_s:g}"))
            return Reply.text(503, Message("serve_memory", memory_mib=self.memory_mib))
        except EngineGoneError as err:
            if self.stopping:
                return Reply.text(503, Message("serve_stopping"), **{"Retry-After": "10"})
            return Reply.text(503, str(err), **{"Retry-After": str(RETRY_AFTER_S)})
        except PlanegrafError as err:
            if self.stopping:  # its worker was stopped with the server
                return Reply.text(503, Message("serve_stopping"), **{"Retry-After": "10"})
            return Reply.text(400, err.said())
        if kind == "too-large":
            return Reply.text(507, Message("serve_results_bytes", most=cap))
        if kind == "bad":
            return Reply.text(400, str(value))
        assert isinstance(value, bytes)
        return Reply(200, value, media_type)

    def stop(self) -> None:
        """Refuse new queries and kill the workers of the ones running: the fork server
        (its workers die with it) and, on Linux, every child of this process (a page worker,
        or a query worker forked here where there is no fork server)."""
        self.stopping = True
        if self.forks is not None:
            self.forks.stop()
        for pid in children_of(os.getpid()):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


class _ResultTooLarge(Exception):
    pass


class _CappedSink(io.BytesIO):
    """A buffer that refuses to hold more than ``cap`` bytes."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def write(self, data: Buffer, /) -> int:
        if self.tell() + memoryview(data).nbytes > self.cap:
            raise _ResultTooLarge
        return super().write(data)


@dataclass(frozen=True)
class _QueryJob:
    """One query as its worker runs it (sent pickled to the fork server): evaluate and
    serialise as ``media_type``; nothing here parses with rdflib."""

    request: Request
    union: bool
    media_type: str
    cap: int

    def __call__(self, store: ox.Store, parent: int | None = None) -> tuple[str, object]:
        if parent is not None:  # forked from the server itself, not by the fork server
            die_with(parent)
        _lower_priority()
        # No collection here: a finalizer could wait for a lock another thread of the
        # server held when this worker (or its fork server) was forked.
        gc.disable()
        close_sockets()
        return _evaluate_in_worker(store, self.request, self.union,
                                   _FORMATS[self.media_type], self.cap)


_FORMATS: dict[str, ox.QueryResultsFormat | ox.RdfFormat] = {
    **dict(SOLUTION_FORMATS), **dict(GRAPH_FORMATS)}


def _evaluate_in_worker(store: ox.Store, request: Request, union: bool,
                        fmt: ox.QueryResultsFormat | ox.RdfFormat, cap: int
                        ) -> tuple[str, object]:
    graphs: dict[str, object] = {}
    if request.default_graphs:
        graphs["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
    elif union:
        graphs["use_default_graph_as_union"] = True
    if request.named_graphs:
        graphs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    if request.bindings:
        graphs["substitutions"] = {ox.Variable(name): term for name, term in request.bindings}
    sink = _CappedSink(cap)
    try:
        result = store.query(request.query, **graphs)  # type: ignore[arg-type]
        if isinstance(result, ox.QueryTriples):
            assert isinstance(fmt, ox.RdfFormat)
            result.serialize(sink, fmt)
        else:
            assert isinstance(fmt, ox.QueryResultsFormat)
            result.serialize(sink, fmt)
    except _ResultTooLarge:
        return "too-large", None
    except SyntaxError as err:
        return "bad", f"query: not a SPARQL query Oxigraph accepts: {err}"
    except ValueError as err:
        return "bad", f"query: {err}"
    return "ok", sink.getvalue()


def _lower_priority() -> None:
    """Run this worker :data:`QUERY_NICENESS` steps below the server, which renders the
    pages: on a busy machine a page waits for no query."""
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: no os.nice
        os.nice(QUERY_NICENESS)


def _rdf_format(path: Path) -> ox.RdfFormat:
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
    if fmt is None:
        raise PlanegrafError(Message("error_serve_not_rdf", path=path))
    return fmt


def _choose(accept: str | None, form: QueryForm
            ) -> tuple[str, ox.QueryResultsFormat | ox.RdfFormat] | None:
    """The media type and format for ``form`` that ``accept`` likes best; the first one
    offered when it takes anything; None when it takes none of them.

    >>> _choose("text/csv;q=0.5, application/sparql-results+xml", "SELECT")[0]
    'application/sparql-results+xml'
    >>> _choose(None, "CONSTRUCT")[0]
    'text/turtle'
    >>> _choose("image/png", "ASK") is None
    True
    """
    offers: Sequence[tuple[str, ox.QueryResultsFormat | ox.RdfFormat]] = (
        GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else SOLUTION_FORMATS)
    best: tuple[str, ox.QueryResultsFormat | ox.RdfFormat] | None = None
    best_q = 0.0
    for part in (accept or "*/*").split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                with contextlib.suppress(ValueError):
                    q = float(value)
        for offered in offers:
            kind = offered[0].split("/")[0]
            if media in (offered[0], "*/*", f"{kind}/*") and q > best_q:
                best, best_q = offered, q
                break
    return best
