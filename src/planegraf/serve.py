"""``planegraf serve``: the static site and a read-only SPARQL endpoint on 127.0.0.1.

SPARQL is answered by a real ``oxigraph serve-read-only`` over the built dataset; a small
static file server in a thread serves the site, applies the content-negotiation rules of
``docs/publishing.md`` and passes ``/sparql`` on to Oxigraph with size and time limits, so the
site's query page talks to its own origin.
"""

from __future__ import annotations

import contextlib
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

# Limits in front of Oxigraph (its own --timeout-s did not stop every slow query here).
MAX_QUERY_BYTES = 64 * 1024
DRAIN_LIMIT_BYTES = 8 * 1024 * 1024
MAX_RESULT_BYTES = 16 * 1024 * 1024
QUERY_TIMEOUT_S = 30
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


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files, content negotiation for ``/id/…`` and the ``/sparql`` pass-through."""

    sparql_url = ""
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
        try:
            with urllib.request.urlopen(request, timeout=QUERY_TIMEOUT_S) as answer:
                payload = answer.read(MAX_RESULT_BYTES + 1)
                status, media = answer.status, answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            payload, status = err.read(MAX_RESULT_BYTES), err.code
            media = err.headers.get("Content-Type", "text/plain")
        except (TimeoutError, urllib.error.URLError) as err:
            self.send_error(504, f"the SPARQL engine did not answer: {err}")
            return
        if len(payload) > MAX_RESULT_BYTES:
            self.send_error(507, f"results are limited to {MAX_RESULT_BYTES} bytes; add a LIMIT")
            return
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@dataclass
class RunningSite:
    """Where the site and its endpoint answer."""

    site_url: str
    sparql_url: str


@contextlib.contextmanager
def serve(site_dir: Path, dataset: Path, *, port: int = 0, timeout_s: int = QUERY_TIMEOUT_S
          ) -> Iterator[RunningSite]:
    """Serve ``site_dir`` and a read-only SPARQL endpoint over ``dataset`` on 127.0.0.1.

    ``port`` 0 picks a free port. Oxigraph listens on a port of its own, reached through the
    site's ``/sparql`` (and directly, for tools, at ``RunningSite.sparql_url``).
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
        sparql_port = free_port()
        engine = subprocess.Popen(
            [binary, "serve-read-only", "--location", location, "--bind",
             f"127.0.0.1:{sparql_port}", "--union-default-graph", "--timeout-s", str(timeout_s)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        sparql_url = f"http://127.0.0.1:{sparql_port}/query"
        handler = type("BoundSiteHandler", (SiteHandler,), {"sparql_url": sparql_url})
        httpd = ThreadingHTTPServer(("127.0.0.1", port),
                                    partial(handler, directory=str(site_dir)))
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        try:
            _wait_for(f"http://127.0.0.1:{sparql_port}/", engine)
            thread.start()
            yield RunningSite(f"http://127.0.0.1:{httpd.server_address[1]}/", sparql_url)
        finally:
            httpd.shutdown()
            httpd.server_close()
            engine.terminate()
            try:
                engine.wait(timeout=10)
            except subprocess.TimeoutExpired:
                engine.kill()
                engine.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
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
