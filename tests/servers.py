"""Real servers for tests: an ``oxigraph serve`` on 127.0.0.1 on a free port, stopped after,
and a threaded HTTP server for a handler a test writes itself (an endpoint that drips, loops,
redirects or records what it was sent).

    with oxigraph_server(data=Path("out/planegraf.trig")) as base_url:
        ...  # SPARQL at f"{base_url}/query", updates at /update, Graph Store at /store
    with http_server(Handler) as port:
        ...
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import subprocess
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from planegraf.publish.serve import free_port, oxigraph_command, wait_until_up

__all__ = ["free_port", "http_server", "oxigraph_server", "wait_until_up"]


@contextlib.contextmanager
def oxigraph_server(
    data: Path | None = None, *, union_default_graph: bool = True
) -> Iterator[str]:
    """Start ``oxigraph serve`` (optionally preloaded with ``data``); yield its base URL."""
    binary = oxigraph_command()
    with tempfile.TemporaryDirectory(prefix="planegraf-oxigraph-") as location:
        if data is not None:
            subprocess.run(
                [binary, "load", "--location", location, "--file", str(data)],
                check=True, capture_output=True,
            )
        port = free_port()
        command = [binary, "serve", "--location", location, "--bind", f"127.0.0.1:{port}"]
        if union_default_graph:
            command.append("--union-default-graph")
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base_url + "/", process)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def http_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    """A threaded HTTP server with ``handler`` on 127.0.0.1; yields its port, stops after."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


def bundled_site(tmp_path_factory: Any, name: str) -> Path:
    """The bundled data's site, written into a fresh folder of its own (``name``) for one
    test module to serve."""
    from planegraf.pipeline import open_store
    from planegraf.publish.site import write_site

    folder = tmp_path_factory.mktemp(name) / "site"
    write_site(open_store(), folder)
    return folder


@contextlib.contextmanager
def static_host(folder: Path) -> Iterator[str]:
    """``folder`` served on 127.0.0.1 as a static host serves a site (a browser lets axe read
    the stylesheets of an http: page, not of a file: one); yields its address."""
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with http_server(Handler) as port:
        yield f"http://127.0.0.1:{port}/"


class CountingLookups:
    """A store for a page renderer (``planegraf serve``), counting the index lookups made of
    it in this process: what a served page costs."""

    def __init__(self, store: Any) -> None:
        self.store, self.lookups = store, 0

    def quads_for_pattern(self, *pattern: Any) -> Any:
        self.lookups += 1
        return self.store.quads_for_pattern(*pattern)

    def __len__(self) -> int:
        return len(self.store)


def ask_sparql(url: str, query: str, timeout: float = 900) -> tuple[int, bytes]:
    """POST ``query`` to a SPARQL endpoint: the status and body, or (0, b"") when the server
    answered nothing (it stopped first)."""
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode({"query": query}).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
        return 0, b""
