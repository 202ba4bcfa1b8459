"""The SPARQL 1.1 Protocol request planegraf sends is the one SPARQLWrapper writes.

planegraf asks SPARQLWrapper for the request through its private ``_createRequest`` (and
sends it itself, under its own bounds), so these tests pin down what that request must be:
if a SPARQLWrapper release changes the method, they fail here, loudly, rather than an
endpoint answering something else. The wire tests use a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import SPARQLWrapper as sparqlwrapper

from planegraf.errors import PlanegrafError
from planegraf.sparql.endpoint import Connection, RemoteEngine, _Question
from planegraf.sparql.queries import parse_query_text

from .servers import http_server

GRAPHS = ("https://w3id.org/planegraf/id/graph/a", "https://w3id.org/planegraf/id/graph/b")
SELECT = "SELECT ?x WHERE { ?x ?p ?o }"
# A CONSTRUCT with a sub-SELECT: a guess from the first keyword would ask for JSON.
CONSTRUCT = "CONSTRUCT { ?x a ?c } WHERE { { SELECT ?x ?c WHERE { ?x a ?c } } }"


def _fields(request: urllib.request.Request) -> list[tuple[str, str]]:
    assert isinstance(request.data, bytes)
    return urllib.parse.parse_qsl(request.data.decode("ascii"))


def _connection(url: str = "http://127.0.0.1:7878/query", user: str | None = None,
                password: str | None = None) -> Connection:
    return Connection(url, user=user, password=password)


def test_sparqlwrapper_writes_the_protocol_post_planegraf_sends() -> None:
    request = _Question(SELECT, "SELECT", GRAPHS, _connection()).request(
        "http://127.0.0.1:7878/query", "POST")
    assert request.get_method() == "POST"
    assert request.full_url == "http://127.0.0.1:7878/query"
    assert request.get_header("Content-type") == "application/x-www-form-urlencoded"
    assert request.get_header("Accept", "").split(",")[0] == "application/sparql-results+json"
    assert request.get_header("User-agent") == "planegraf"
    assert request.get_header("Authorization") is None
    fields = _fields(request)
    assert ("query", SELECT) in fields
    assert [v for k, v in fields if k == "default-graph-uri"] == list(GRAPHS)
    assert [v for k, v in fields if k == "named-graph-uri"] == list(GRAPHS)
    # Content negotiation only: no non-standard format/output/results parameters.
    assert {k for k, _ in fields} == {"query", "default-graph-uri", "named-graph-uri"}


def test_a_construct_with_a_select_inside_still_asks_for_turtle() -> None:
    request = _Question(CONSTRUCT, "CONSTRUCT", (), _connection()).request(
        "http://127.0.0.1:7878/query", "POST")
    assert "text/turtle" in request.get_header("Accept", "")
    assert "json" not in request.get_header("Accept", "")


def test_credentials_reach_the_request_as_basic_auth() -> None:
    request = _Question(SELECT, "SELECT", (), _connection(user="analyst", password="s3cret")
                        ).request("http://127.0.0.1:7878/query", "POST")
    expected = "Basic " + base64.b64encode(b"analyst:s3cret").decode()
    assert request.get_header("Authorization") == expected
    only_user = _Question(SELECT, "SELECT", (), _connection(user="analyst")).request(
        "http://127.0.0.1:7878/query", "POST")
    assert only_user.get_header("Authorization") == (
        "Basic " + base64.b64encode(b"analyst:").decode())


def test_a_get_keeps_the_parameters_the_endpoint_url_already_has() -> None:
    request = _Question(SELECT, "SELECT", GRAPHS[:1], _connection()).request(
        "http://127.0.0.1:7878/sparql?key=abc&x=", "GET")
    assert request.get_method() == "GET" and request.data is None
    parts = urllib.parse.urlsplit(request.full_url)
    assert parts.path == "/sparql"
    fields = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    assert ("key", "abc") in fields and ("x", "") in fields
    assert ("query", SELECT) in fields and ("default-graph-uri", GRAPHS[0]) in fields


def test_a_sparqlwrapper_without_create_request_is_refused_with_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A SPARQLWrapper release without the method cannot be installed here; remove it instead.
    monkeypatch.delattr(sparqlwrapper.SPARQLWrapper, "_createRequest")
    with pytest.raises(PlanegrafError, match="sparqlwrapper>=2.0,<2.1"):
        _Question(SELECT, "SELECT", (), _connection()).request(
            "http://127.0.0.1:7878/query", "POST")


# --- on the wire ---------------------------------------------------------------------------

@contextlib.contextmanager
def recording_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Answers every query with one row, recording method, path, headers and fields; a POST
    to ``/moved`` is sent on to ``/new?key=abc`` with a 303."""
    seen: list[dict[str, Any]] = []
    row = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "ok"}}]}}).encode()

    class Handle(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            self._record("POST", urllib.parse.parse_qsl(body))
            if self.path.startswith("/moved"):
                self.send_response(303)
                self.send_header("Location", "/new?key=abc")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._answer()

        def do_GET(self) -> None:  # noqa: N802
            query = urllib.parse.urlsplit(self.path).query
            self._record("GET", urllib.parse.parse_qsl(query, keep_blank_values=True))
            self._answer()

        def _record(self, method: str, fields: list[tuple[str, str]]) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.append({"method": method, "path": urllib.parse.urlsplit(self.path).path,
                         "headers": headers, "fields": fields})

        def _answer(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(row)))
            self.end_headers()
            self.wfile.write(row)

        def log_message(self, *args: object) -> None:
            pass

    with http_server(Handle) as port:
        yield f"http://127.0.0.1:{port}", seen


def test_the_endpoint_receives_the_dataset_the_format_and_the_credentials() -> None:
    with recording_server() as (base, seen):
        engine = RemoteEngine(Connection(f"{base}/query", user="analyst", password="s3cret"),
                              graphs=GRAPHS)
        answer = engine.run(parse_query_text(SELECT, Path("rows.rq")))
    assert answer.solutions is not None
    assert [r["x"].value for r in answer.solutions.rows] == ["ok"]  # type: ignore[union-attr]
    [request] = seen
    assert request["method"] == "POST" and request["path"] == "/query"
    headers = request["headers"]  # names in lower case: HTTP does not mind the case
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert "application/sparql-results+json" in headers["accept"]
    assert headers["user-agent"] == "planegraf"
    assert headers["authorization"] == "Basic " + base64.b64encode(b"analyst:s3cret").decode()
    fields = request["fields"]
    assert [v for k, v in fields if k == "default-graph-uri"] == list(GRAPHS)
    assert [v for k, v in fields if k == "named-graph-uri"] == list(GRAPHS)
    assert ("query", SELECT) in fields


def test_a_303_is_followed_as_a_get_with_the_same_question() -> None:
    with recording_server() as (base, seen):
        engine = RemoteEngine(Connection(f"{base}/moved"), graphs=GRAPHS)
        answer = engine.run(parse_query_text(SELECT, Path("rows.rq")))
    assert answer.solutions is not None and len(answer.solutions.rows) == 1
    assert [(s["method"], s["path"]) for s in seen] == [("POST", "/moved"), ("GET", "/new")]
    fields = seen[1]["fields"]
    assert ("key", "abc") in fields and ("query", SELECT) in fields
    assert [v for k, v in fields if k == "named-graph-uri"] == list(GRAPHS)
