"""Remote answers are bounded: rows, bytes and wall-clock time, retries included, and a
redirect never takes the query or the credentials to another host.

Each server here is a real HTTP server on 127.0.0.1 in a thread, misbehaving the way the
issue measured (endless rows, a byte a second, ``Retry-After: 100``, a 302 to another host).
Time limits are asserted with generous upper bounds (a 2 s deadline must end within 15 s; it
used to take 40–180 s), so a loaded machine does not fail them.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from planegraf.sparql.endpoint import Connection, EndpointError, RemoteEngine
from planegraf.sparql.limits import QueryLimitError, QueryLimits
from planegraf.sparql.queries import parse_query_text

from .servers import http_server as threaded_http_server
from .servers import oxigraph_server

GRAPH = "https://w3id.org/planegraf/id/graph/test"
ROWS = parse_query_text("SELECT ?x WHERE { ?x ?p ?o }", Path("rows.rq"))
JSON_TYPE = "application/sparql-results+json"
Handler = Callable[[http.server.BaseHTTPRequestHandler, str], None]


@contextlib.contextmanager
def http_server(answer: Handler) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A real HTTP server on 127.0.0.1; ``answer(handler, query)`` writes each response.
    The graph discovery query is answered with one graph, so the engine goes on to ask."""
    seen: list[dict[str, str]] = []

    class Handle(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            self._answer(urllib.parse.parse_qs(body).get("query", [""])[0])

        def do_GET(self) -> None:  # noqa: N802
            query = urllib.parse.urlsplit(self.path).query
            self._answer(urllib.parse.parse_qs(query).get("query", [""])[0])

        def do_PUT(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer("PUT")

        def _answer(self, query: str) -> None:
            seen.append({"path": self.path, "authorization": self.headers.get(
                "Authorization") or "", "query": query})
            try:
                if "GRAPH ?g" in query:
                    body = json.dumps({"head": {"vars": ["g"]}, "results": {"bindings": [
                        {"g": {"type": "uri", "value": GRAPH}}]}}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", JSON_TYPE)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                answer(self, query)
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    with threaded_http_server(Handle) as port:
        yield f"http://127.0.0.1:{port}/query", seen


def _endless_rows(value: str) -> Handler:
    def answer(handler: http.server.BaseHTTPRequestHandler, query: str) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", JSON_TYPE)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b'{"head":{"vars":["x"]},"results":{"bindings":[')
        row = json.dumps({"x": {"type": "literal", "value": value}}).encode() + b","
        batch = row * 200
        deadline = time.monotonic() + 120  # the server gives up eventually; planegraf first
        while time.monotonic() < deadline:
            handler.wfile.write(batch)
    return answer


def _drip(handler: http.server.BaseHTTPRequestHandler, query: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", JSON_TYPE)
    handler.send_header("Connection", "close")
    handler.end_headers()
    for byte in b'{"head":{"vars":["x"]},"results":{"bindings":[]}}' * 10:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(1)


def _drip_headers(handler: http.server.BaseHTTPRequestHandler, query: str) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 200:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(1)


def _busy(handler: http.server.BaseHTTPRequestHandler, query: str) -> None:
    handler.send_response(503)
    handler.send_header("Retry-After", "100")
    handler.send_header("Content-Length", "4")
    handler.end_headers()
    handler.wfile.write(b"busy")


def _planegraf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_endless_rows_from_an_endpoint_stop_at_max_rows_instead_of_eating_memory() -> None:
    with http_server(_endless_rows("row")) as (url, _):
        engine = RemoteEngine(Connection(url, timeout=60),
                              QueryLimits(timeout_s=None, max_rows=5000, memory_mib=None))
        with pytest.raises(QueryLimitError, match="more than 5000 rows"):
            engine.run(ROWS)


def test_endless_rows_are_stopped_by_max_memory_as_bytes_read() -> None:
    with http_server(_endless_rows("x" * 1000)) as (url, _):
        engine = RemoteEngine(Connection(url, timeout=60),
                              QueryLimits(timeout_s=None, max_rows=None, memory_mib=2))
        with pytest.raises(QueryLimitError, match="more than 2 MiB.*--max-memory"):
            engine.run(ROWS)


def test_the_cli_stops_an_endless_endpoint_at_max_rows_with_exit_2() -> None:
    with http_server(_endless_rows("row")) as (url, _):
        done = _planegraf("query", "coordinators-ranked", "--endpoint", url,
                          "--max-rows", "1000", "-q", "--lang", "en")
    assert done.returncode == 2, done.stderr
    assert "more than 1000 rows" in done.stderr and "--max-rows" in done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr


@pytest.mark.parametrize("answer", [_drip, _drip_headers], ids=["body", "headers"])
def test_an_endpoint_dripping_a_byte_a_second_is_stopped_at_the_deadline(
    answer: Handler,
) -> None:
    with http_server(answer) as (url, _):
        engine = RemoteEngine(Connection(url, timeout=2), graphs=(GRAPH,))
        started = time.monotonic()
        with pytest.raises(EndpointError, match="did not answer within 2 s"):
            engine.run(ROWS)
        assert time.monotonic() - started < 15  # it used to take 40 s and more


def test_retry_after_100_does_not_hold_the_user_past_the_deadline() -> None:
    with http_server(_busy) as (url, seen):
        engine = RemoteEngine(Connection(url, timeout=2), graphs=(GRAPH,))
        started = time.monotonic()
        with pytest.raises(EndpointError, match="retry after 60 s.*--timeout of 2 s"):
            engine.run(ROWS)
        assert time.monotonic() - started < 15  # Retry-After waits used to add up to 180 s
    assert len(seen) == 1


def test_a_redirect_to_another_host_is_refused_and_the_credentials_stay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLANEGRAF_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("PLANEGRAF_ENDPOINT_PASSWORD", "s3cret")
    with http_server(_endless_rows("row")) as (other_url, other_seen):
        # The same machine under another name: a different host to a browser and to us.
        elsewhere = other_url.replace("127.0.0.1", "localhost")

        def redirect(handler: http.server.BaseHTTPRequestHandler, query: str) -> None:
            handler.send_response(302)
            handler.send_header("Location", elsewhere)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with http_server(redirect) as (url, seen):
            with pytest.raises(EndpointError, match="redirects to another host"):
                RemoteEngine(Connection(url), graphs=(GRAPH,)).run(ROWS)
            done = _planegraf("query", "coordinators-ranked", "--endpoint", url, "-q",
                              "--lang", "en")
    assert done.returncode == 2 and "another host" in done.stderr, done.stderr
    assert done.stdout == ""
    assert other_seen == []  # nothing, least of all the credentials, reached the other host
    assert seen and all(s["authorization"].startswith("Basic ") for s in seen)


def test_a_redirect_on_the_same_host_is_followed() -> None:
    result = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "moved"}}]}}).encode()

    def answer(handler: http.server.BaseHTTPRequestHandler, query: str) -> None:
        if handler.path.startswith("/new"):
            handler.send_response(200)
            handler.send_header("Content-Type", JSON_TYPE)
            handler.send_header("Content-Length", str(len(result)))
            handler.end_headers()
            handler.wfile.write(result)
            return
        handler.send_response(307)
        handler.send_header("Location", "/new/query")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    with http_server(answer) as (url, seen):
        solutions = RemoteEngine(Connection(url), graphs=(GRAPH,)).run(ROWS).solutions
    assert solutions is not None and [r["x"].value for r in solutions.rows] == ["moved"]  # type: ignore[union-attr]
    assert [s["path"] for s in seen] == ["/query", "/new/query"]


def test_an_empty_plain_store_is_refused_instead_of_answering_empty() -> None:
    with oxigraph_server(union_default_graph=False) as base_url, \
            pytest.raises(EndpointError, match="holds no data.*publish"):
        RemoteEngine(Connection(f"{base_url}/query")).run(ROWS)


def test_an_endpoint_that_cannot_list_its_graphs_is_refused_instead_of_answering_empty(
) -> None:
    class Handle(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b"GRAPH is not supported here"
            self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with threaded_http_server(Handle) as port:
        url = f"http://127.0.0.1:{port}/query"
        with pytest.raises(EndpointError, match="cannot tell which named graphs.*HTTP 400"):
            RemoteEngine(Connection(url)).run(ROWS)


def test_publish_redirected_to_another_host_sends_nothing_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    from planegraf.sparql.endpoint import publish

    monkeypatch.setenv("PLANEGRAF_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("PLANEGRAF_ENDPOINT_PASSWORD", "s3cret")
    dataset = tmp_path / "data.trig"
    dataset.write_text(f"<{GRAPH}> {{ <urn:a> <urn:b> <urn:c> . }}\n", encoding="utf-8")
    with http_server(_endless_rows("row")) as (other_url, other_seen):
        elsewhere = other_url.replace("127.0.0.1", "localhost").replace("/query", "/store")

        def redirect(handler: http.server.BaseHTTPRequestHandler, query: str) -> None:
            handler.send_response(307)
            handler.send_header("Location", elsewhere)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with http_server(redirect) as (url, seen), pytest.raises(
                EndpointError, match=r"redirected to http://localhost.*HTTP 307.*--graph-store"):
            publish(dataset, Connection(url), graph_store=url.replace("/query", "/store"))
    assert other_seen == []  # neither the data nor the credentials reached the other host
    assert [s["query"] for s in seen] == ["PUT"]


def _busy_superscript(handler: http.server.BaseHTTPRequestHandler, query: str) -> None:
    handler.send_response(503)
    handler.send_header("Retry-After", "²")  # '²'.isdigit() is true; float('²') fails
    handler.send_header("Content-Length", "4")
    handler.end_headers()
    handler.wfile.write(b"busy")


def test_a_retry_after_of_a_superscript_digit_is_an_endpoint_error_not_a_crash() -> None:
    with http_server(_busy_superscript) as (url, seen):
        engine = RemoteEngine(Connection(url, timeout=2), graphs=(GRAPH,))
        with pytest.raises(EndpointError):
            engine.run(ROWS)
    assert seen
