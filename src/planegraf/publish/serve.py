"""``planegraf serve``: the site, its resource pages rendered on request and a read-only
SPARQL endpoint on 127.0.0.1.

The application (:mod:`planegraf.publish.serve_app`: Starlette) runs on uvicorn; SPARQL is answered
from an in-memory Oxigraph store loaded in this process, each query in a worker forked
(by a fork server, :mod:`planegraf.publish.serve_forks`) under its limits
(:mod:`planegraf.publish.serve_sparql`), so the site's query page talks to its own origin and
no other port is opened. ``docs/limits.md`` gives the limits, ``docs/publishing.md`` the
content negotiation and how to run it behind a public name.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import uvicorn

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.publish.serve_app import DRAIN_LIMIT_BYTES, allowed_hosts, build_app, negotiate
from planegraf.publish.serve_pages import ServedPages, default_page_workers
from planegraf.publish.serve_questions import question_routes
from planegraf.publish.serve_sparql import (
    ENGINE_MEMORY_MIB,
    MAX_QUERY_BYTES,
    MAX_RESULT_BYTES,
    QUERY_TIMEOUT_S,
    QUEUE_LIMIT,
    SparqlEndpoint,
)
from planegraf.publish.site import PageRenderer

__all__ = ["DRAIN_LIMIT_BYTES", "ENGINE_MEMORY_MIB", "MAX_QUERY_BYTES", "MAX_RESULT_BYTES",
           "QUERY_TIMEOUT_S", "QUEUE_LIMIT", "RunningSite", "free_port", "negotiate",
           "oxigraph_command", "serve", "serve_forever", "wait_until_up"]

CONNECTION_LIMIT = 512  # open connections and requests at once; uvicorn answers 503 beyond
GRACE_S = 5
BACKLOG = 2048  # how long a stopping server lets requests finish


@dataclass
class RunningSite:
    """Where the site and its endpoint answer."""

    site_url: str
    sparql_url: str
    endpoint: SparqlEndpoint


class _Server(uvicorn.Server):
    """uvicorn's server; on SIGINT/SIGTERM it also stops the running queries' workers at
    once, so the process tree is gone when it exits."""

    def __init__(self, config: uvicorn.Config, endpoint: SparqlEndpoint) -> None:
        super().__init__(config)
        self.endpoint = endpoint

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.endpoint.stop()
        super().handle_exit(sig, frame)


@contextlib.contextmanager
def _prepared(site_dir: Path, dataset: Path, port: int, timeout_s: float,
              memory_mib: int | None, public_hosts: Iterable[str], workers: int | None,
              queue: int, queries_dir: Path | None = None, page_workers: int | None = None,
              ) -> Iterator[tuple[_Server, socket.socket, RunningSite]]:
    if not (site_dir / "index.html").is_file():
        raise PlanegrafError(Message("error_serve_no_site", site=site_dir))
    if not dataset.is_file():
        raise PlanegrafError(Message("error_serve_no_dataset", dataset=dataset))
    # Garbage left in this thread (a site just written here) is collected here: pyoxigraph's
    # query results may only be dropped by the thread that made them, and a collection
    # started by a page rendered in a worker thread would otherwise find them there.
    gc.collect()
    endpoint = SparqlEndpoint(dataset, timeout_s=timeout_s, memory_mib=memory_mib,
                              workers=workers, queue=queue)
    pages: ServedPages | None = None
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Right after the load, before the pages' tables are made and before any thread of
        # the server runs: the fork server shares the store and little else.
        endpoint.start()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", port))
        except OSError as err:
            raise PlanegrafError(Message("error_port_in_use", port=port,
                                         reason=err.strerror)) from None
        # Listening before anyone is told the address: a client that comes before uvicorn
        # has started waits in the backlog instead of being refused.
        listener.listen(BACKLOG)
        bound = int(listener.getsockname()[1])
        pages = ServedPages(PageRenderer(endpoint.store, site_dir), site_dir)
        app = build_app(site_dir, endpoint, allowed_hosts(bound, public_hosts),
                        [*question_routes(endpoint, site_dir, [queries_dir]),
                         *pages.routes()],
                        pages.exception_handlers())
        config = uvicorn.Config(
            app, loop="asyncio", http="h11", ws="none", lifespan="off", log_config=None,
            log_level="warning", access_log=False, server_header=False,
            limit_concurrency=CONNECTION_LIMIT, backlog=BACKLOG, timeout_graceful_shutdown=GRACE_S,
            h11_max_incomplete_event_size=3 * MAX_QUERY_BYTES + 16 * 1024)
        site_url = f"http://127.0.0.1:{bound}/"
        # Last, before the server runs a thread: everything the workers need is made.
        pages.workers.start(default_page_workers() if page_workers is None else page_workers)
        yield (_Server(config, endpoint), listener,
               RunningSite(site_url, site_url + "sparql", endpoint))
    finally:
        endpoint.stop()
        if pages is not None:
            pages.workers.stop()
            gc.unfreeze()  # frozen since the pages' tables were read (ServedPages)
        listener.close()


@contextlib.contextmanager
def serve(site_dir: Path, dataset: Path, *, port: int = 0, timeout_s: float = QUERY_TIMEOUT_S,
          memory_mib: int | None = ENGINE_MEMORY_MIB, public_hosts: Iterable[str] = (),
          workers: int | None = None, queue: int = QUEUE_LIMIT,
          queries_dir: Path | None = None, page_workers: int | None = None
          ) -> Iterator[RunningSite]:
    """Serve ``site_dir`` and a read-only SPARQL endpoint over ``dataset`` on 127.0.0.1,
    in a background thread, for as long as the ``with`` block runs.

    ``port`` 0 picks a free port. A query runs at most ``timeout_s`` seconds (then 504) and
    may take ``memory_mib`` MiB beyond the loaded data (then 503); ``workers`` queries run at
    once (default: two per core, at least four), ``queue`` more wait, and beyond that a query
    gets 503 with ``Retry-After``. Only ``Host`` 127.0.0.1/localhost with the port and the
    ``public_hosts`` names are answered. The named questions under ``/questions/`` are
    planegraf's and those of ``queries_dir`` (a project's ``queries/``). The resource pages
    are rendered by ``page_workers`` forked processes (default and 0: in the server process;
    :class:`planegraf.publish.serve_pages.PageWorkers`).
    """
    with _prepared(site_dir, dataset, port, timeout_s, memory_mib, public_hosts, workers,
                   queue, queries_dir, page_workers) as (server, listener, running):
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]},
                                  name="planegraf-serve", daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise PlanegrafError(Message("error_web_server_start"))
            time.sleep(0.02)
        try:
            yield running
        finally:
            running.endpoint.stop()
            server.should_exit = True
            thread.join(timeout=GRACE_S + 10)


def serve_forever(site_dir: Path, dataset: Path, *, port: int = 0,
                  timeout_s: float = QUERY_TIMEOUT_S,
                  memory_mib: int | None = ENGINE_MEMORY_MIB,
                  public_hosts: Iterable[str] = (), workers: int | None = None,
                  queue: int = QUEUE_LIMIT,
                  ready: Callable[[RunningSite], None] | None = None,
                  queries_dir: Path | None = None, page_workers: int | None = None) -> None:
    """Like :func:`serve`, in this (main) thread until SIGINT or SIGTERM; ``ready`` is
    called once the server listens. The running queries' workers are killed on the signal,
    then the signal takes its usual course (SIGINT: ``KeyboardInterrupt``)."""
    with _prepared(site_dir, dataset, port, timeout_s, memory_mib, public_hosts, workers,
                   queue, queries_dir, page_workers) as (server, listener, running):
        if ready is not None:
            ready(running)
        server.run(sockets=[listener])


def oxigraph_command() -> str:
    """The ``oxigraph`` program of the PyPI package ``oxigraph`` (the tests' real server)."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise PlanegrafError(Message("error_oxigraph_missing"))
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 30.0
) -> None:
    """Poll ``url`` until it answers (any HTTP status); fail if ``process`` dies or time
    runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise PlanegrafError(Message("error_server_stopped", code=process.returncode))
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise PlanegrafError(Message("error_nothing_answered", url=url)) from None
            time.sleep(0.1)
