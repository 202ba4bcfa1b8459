"""``planegraf serve``: the static site and a read-only SPARQL endpoint on 127.0.0.1.

SPARQL is answered by a real ``oxigraph serve-read-only`` over the built dataset; a small
static file server in a thread serves the site, applies the content-negotiation rules of
``docs/publishing.md`` and passes ``/sparql`` on to Oxigraph with size and time limits, so the
site's query page talks to its own origin.
"""

from __future__ import annotations

import contextlib
import http.client
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import PlanegrafError

# Limits in front of Oxigraph: its own --timeout-s cancels a COUNT but not a sort, and one
# heavy ORDER BY grew it past 7 GB in 8 s here. So the proxy stops a query that runs too
# long by restarting the engine, and the engine's memory is capped (it aborts when a query
# needs more, and is restarted). docs/limits.md explains them.
MAX_QUERY_BYTES = 64 * 1024
DRAIN_LIMIT_BYTES = 8 * 1024 * 1024
MAX_RESULT_BYTES = 16 * 1024 * 1024
QUERY_TIMEOUT_S = 30
ENGINE_MEMORY_MIB = 2048
_CANCELLED = b"operation has been cancelled"
ALTERNATES = (("text/turtle", ".ttl"), ("application/ld+json", ".jsonld"),
              ("application/json", ".jsonld"), ("text/html", ".html"))


def negotiate(path: str, accept: str | None) -> str:
    """The site file for a request path without extension, by the ``Accept`` header.

    >>> negotiate("/id/activity/p/6-3", "text/turtle")
    '/id/activity/p/6-3.ttl'
    >>> negotiate("/id/activity/p/6-3", "text/html,application/xhtml+xml")
    '/id/activity/p/6-3.html'
    >>> negotiate("/id/activity/p/6-3", "application/ld+json;q=0.9, text/turtle;q=0.5")
    '/id/activity/p/6-3.jsonld'
    """
    best, best_q = ".html", -1.0
    for part in (accept or "text/html").split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                with contextlib.suppress(ValueError):
                    q = float(value)
        for media_type, suffix in ALTERNATES:
            if media.strip() == media_type and q > best_q:
                best, best_q = suffix, q
    return path + best


def oxigraph_command() -> str:
    """The ``oxigraph`` program of the PyPI package ``oxigraph``."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise PlanegrafError("the oxigraph server is not installed: pip install oxigraph")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SparqlEngine:
    """The ``oxigraph serve-read-only`` process behind ``/sparql``, its memory capped, and
    restarted when a query has to be stopped (Oxigraph cannot cancel one from outside)."""

    def __init__(self, binary: str, location: str, port: int, timeout_s: int,
                 memory_mib: int | None) -> None:
        self.binary, self.location, self.port = binary, location, port
        self.timeout_s, self.memory_mib = timeout_s, memory_mib
        self.url = f"http://127.0.0.1:{port}/query"
        self.restarts = 0
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        process = subprocess.Popen(
            [self.binary, "serve-read-only", "--location", self.location, "--bind",
             f"127.0.0.1:{self.port}", "--union-default-graph", "--timeout-s",
             str(self.timeout_s)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        if self.memory_mib is not None and hasattr(resource, "prlimit"):
            ceiling = self.memory_mib * 1024 * 1024
            resource.prlimit(process.pid, resource.RLIMIT_DATA, (ceiling, ceiling))
        self._process = process
        wait_until_up(f"http://127.0.0.1:{self.port}/", process)

    def died(self, within: float) -> bool:
        """Whether the engine has exited, waiting up to ``within`` seconds for it to."""
        process = self._process
        if process is None:
            return True
        try:
            process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            return False
        return True

    def restart(self) -> None:
        """Stop the engine (and whatever it was computing) and start it again."""
        with self._lock:
            self.stop(graceful=False)
            self.restarts += 1
            self.start()

    def stop(self, graceful: bool = True) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if graceful:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        process.kill()
        process.wait()


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files, content negotiation for ``/id/…`` and the ``/sparql`` pass-through."""

    sparql_url = ""
    engine: SparqlEngine | None = None
    server_version = "planegraf"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet: progress goes to the CLI's own stderr lines

    def do_GET(self) -> None:  # noqa: N802
        parsed = urllib.parse.urlsplit(self.path)
        if parsed.path == "/sparql":
            self._sparql(parsed.query.encode("ascii"), None)
            return
        if parsed.path.startswith("/id/") and "." not in parsed.path.rsplit("/", 1)[-1]:
            self.path = negotiate(parsed.path.rstrip("/"), self.headers.get("Accept"))
            self.send_response(303)
            self.send_header("Location", self.path)
            self.send_header("Vary", "Accept")
            self.end_headers()
            return
        super().do_GET()

    def do_POST(self) -> None:  # noqa: N802
        if urllib.parse.urlsplit(self.path).path != "/sparql":
            self.send_error(405, "only /sparql takes POST")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_QUERY_BYTES:
            # Read (and drop) a body of reasonable size first: answering while the client is
            # still sending makes it see a broken pipe instead of the 413.
            if length <= DRAIN_LIMIT_BYTES:
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 65536))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            self.close_connection = True
            self.send_error(413, f"queries are limited to {MAX_QUERY_BYTES} bytes")
            return
        self._sparql(self.rfile.read(length), self.headers.get("Content-Type"))

    def _sparql(self, body: bytes, content_type: str | None) -> None:
        if len(body) > MAX_QUERY_BYTES:
            self.send_error(413, f"queries are limited to {MAX_QUERY_BYTES} bytes")
            return
        if content_type is None:  # a GET: turn ?query=… into a form POST
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            self.sparql_url, data=body, method="POST",
            headers={"Content-Type": content_type,
                     "Accept": self.headers.get("Accept") or "application/sparql-results+json"},
        )
        timeout_s = self.engine.timeout_s if self.engine else QUERY_TIMEOUT_S
        deadline = time.monotonic() + timeout_s
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:
                payload = _read_until(answer, MAX_RESULT_BYTES + 1, deadline)
                status, media = answer.status, answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            payload, status = err.read(MAX_RESULT_BYTES), err.code
            media = err.headers.get("Content-Type", "text/plain")
        except (TimeoutError, urllib.error.URLError, ConnectionError,
                http.client.HTTPException) as err:
            self._stopped(err, timeout_s)
            return
        if status == 200 and _CANCELLED in payload[-200:]:
            self._stopped(TimeoutError(), timeout_s)
            return
        if len(payload) > MAX_RESULT_BYTES:
            self.send_error(507, f"results are limited to {MAX_RESULT_BYTES} bytes; add a LIMIT")
            return
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stopped(self, err: BaseException, timeout_s: int) -> None:
        """Answer for a query the engine did not finish, and make sure it stops computing."""
        engine = self.engine
        timed_out = isinstance(err, TimeoutError) or isinstance(
            getattr(err, "reason", None), TimeoutError)
        if timed_out:
            if engine is not None:
                engine.restart()
            self.send_error(504, f"the query ran longer than {timeout_s} s and was stopped; "
                                 "narrow it or add a LIMIT")
        elif engine is not None and engine.died(within=2.0):
            engine.restart()
            self.send_error(503, f"the query needed more memory than the endpoint allows "
                                 f"({engine.memory_mib} MiB) and was stopped; narrow it")
        else:
            self.send_error(502, f"the SPARQL engine did not answer: {err}")


@dataclass
class RunningSite:
    """Where the site and its endpoint answer."""

    site_url: str
    sparql_url: str
    engine: SparqlEngine | None = None


def _read_until(answer: http.client.HTTPResponse, limit: int, deadline: float) -> bytes:
    """Up to ``limit`` bytes of the answer, or ``TimeoutError`` once ``deadline`` passes
    (the socket timeout alone lets a slow trickle of rows run for ever)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the query ran out of time")
        chunk = answer.read1(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


@contextlib.contextmanager
def serve(site_dir: Path, dataset: Path, *, port: int = 0, timeout_s: int = QUERY_TIMEOUT_S,
          memory_mib: int | None = ENGINE_MEMORY_MIB) -> Iterator[RunningSite]:
    """Serve ``site_dir`` and a read-only SPARQL endpoint over ``dataset`` on 127.0.0.1.

    ``port`` 0 picks a free port. Oxigraph listens on a port of its own, reached through the
    site's ``/sparql`` (and directly, for tools, at ``RunningSite.sparql_url``). A query
    through ``/sparql`` that runs past ``timeout_s`` is stopped (504) by restarting the
    engine; the engine may hold at most ``memory_mib`` MiB and is restarted when a query
    needs more (503). Queries sent to ``sparql_url`` directly get the memory cap and
    Oxigraph's own timeout only.
    """
    if not (site_dir / "index.html").is_file():
        raise PlanegrafError(f"{site_dir} holds no site: run planegraf site -o {site_dir}")
    if not dataset.is_file():
        raise PlanegrafError(f"{dataset} not found: run planegraf build (or export) first")
    binary = oxigraph_command()
    with tempfile.TemporaryDirectory(prefix="planegraf-serve-") as location:
        loaded = subprocess.run([binary, "load", "--location", location, "--file", str(dataset)],
                                capture_output=True, text=True)
        if loaded.returncode != 0:
            raise PlanegrafError(f"oxigraph could not load {dataset}: {loaded.stderr.strip()}")
        engine = SparqlEngine(binary, location, free_port(), timeout_s, memory_mib)
        handler = type("BoundSiteHandler", (SiteHandler,),
                       {"sparql_url": engine.url, "engine": engine})
        httpd = ThreadingHTTPServer(("127.0.0.1", port),
                                    partial(handler, directory=str(site_dir)))
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        try:
            engine.start()
            thread.start()
            yield RunningSite(f"http://127.0.0.1:{httpd.server_address[1]}/", engine.url,
                              engine)
        finally:
            httpd.shutdown()
            httpd.server_close()
            engine.stop()


def wait_until_up(
    url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 30.0
) -> None:
    """Poll ``url`` until it answers (any HTTP status); fail if ``process`` dies or time
    runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise PlanegrafError(f"oxigraph stopped at start (exit {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise PlanegrafError(f"oxigraph did not answer at {url}") from None
            time.sleep(0.1)
