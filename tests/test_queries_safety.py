"""Parameters cannot change a query, local queries never reach the network, and a broken
endpoint gives a clear error (unreachable, an HTML page, a truncated result, 429/503)."""

from __future__ import annotations

import contextlib
import http.server
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.errors import InputError, PlanegrafError, RefusedQueryError
from planegraf.pipeline import open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.endpoint import Connection, EndpointError, RemoteEngine
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.queries import (
    bind_parameters,
    catalogue_query,
    check_query,
    parse_query_text,
    with_values_block,
)

from .servers import free_port, http_server, oxigraph_server

INJECTIONS = [
    'x" || true || "',
    'x") || true || ("',
    'föräldrastöd"\n} UNION { ?activity ?p ?o } #',
    'a \\" b\nc',
    "' || true || '",
    '"""x""" ) } INSERT DATA { <urn:a> <urn:b> <urn:c> } #',
]


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return open_store()


@pytest.fixture(scope="module")
def server(store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("data") / "planegraf.trig"
    data.write_bytes(store.dump(ox.RdfFormat.TRIG))
    with oxigraph_server(data=data) as base_url:
        yield f"{base_url}/query"


@pytest.mark.parametrize("value", INJECTIONS)
def test_injected_search_text_matches_nothing_and_changes_nothing(
    store: EmbeddedStore, server: str, value: str
) -> None:
    query = catalogue_query("search-activities")
    size = len(store)
    bindings = bind_parameters(query, {"text": value})
    local = EmbeddedEngine(store).run(query, bindings).solutions
    remote = RemoteEngine(Connection(server)).run(query, bindings).solutions
    assert local is not None and remote is not None
    assert len(local) == 0 and len(remote) == 0
    assert len(store) == size


def test_a_quoted_value_is_one_literal_in_the_values_block() -> None:
    text = with_values_block("SELECT ?text ?x WHERE { ?x ?p ?text }",
                             {"text": ox.Literal('x" || true || "\n\\"')})
    check_query(text, "q.rq")
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"),
                      ox.Literal('x" || true || "\n\\"'), ox.DefaultGraph()))
    store.add(ox.Quad(ox.NamedNode("urn:b"), ox.NamedNode("urn:p"), ox.Literal("x"),
                      ox.DefaultGraph()))
    assert [row["x"].value for row in store.query(text)] == ["urn:a"]


def test_the_values_block_skips_comments_strings_and_iris() -> None:
    # '#' inside an IRI does not start a comment; '{' in a comment or string is no group
    text = ('# a comment with { a brace\nPREFIX ex: <http://ex/#>\n'
            "SELECT ?v (<http://ex/#> AS ?i) ('{' AS ?b) (\"\"\"{\"\"\" AS ?c) "
            "WHERE { ?s ex:p ?v }")
    bound = with_values_block(text, {"v": ox.Literal("1")})
    assert 'WHERE { VALUES (?v) { ("1") }' in bound
    check_query(bound, "q.rq")


def test_an_iri_parameter_that_is_not_an_iri_is_refused() -> None:
    query = catalogue_query("organisation-activities")
    with pytest.raises(PlanegrafError, match="expected an IRI"):
        bind_parameters(query, {"organisation": "org/x> } ; DROP ALL ; <y"})


def test_an_integer_parameter_takes_only_a_number() -> None:
    query = catalogue_query("organisations-in-many-areas")
    with pytest.raises(PlanegrafError, match="whole number"):
        bind_parameters(query, {"min_areas": "3 || true"})


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://example.org/s> { ?s ?q ?r } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE ?where { ?s ?p ?o } } } }",
])
def test_local_service_queries_are_refused(store: EmbeddedStore, text: str) -> None:
    query = parse_query_text(text, Path("q.rq"))
    with pytest.raises(RefusedQueryError, match="SERVICE"):
        EmbeddedEngine(store).run(query)


def test_the_word_service_in_a_string_is_not_refused(store: EmbeddedStore) -> None:
    query = parse_query_text('SELECT ("SERVICE <http://x>" AS ?s) WHERE {} # LOAD <http://x>',
                             Path("q.rq"))
    solutions = EmbeddedEngine(store).run(query).solutions
    assert solutions is not None and len(solutions) == 1


@pytest.mark.parametrize("text", [
    "LOAD <http://example.org/data.ttl>",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DROP ALL",
])
def test_updates_are_refused_everywhere(store: EmbeddedStore, text: str) -> None:
    size = len(store)
    with pytest.raises(RefusedQueryError, match="update"):
        check_query(text, "q.rq")
    with pytest.raises(RefusedQueryError):
        RemoteEngine(Connection("http://127.0.0.1:9/query")).run(
            parse_query_text(text, Path("q.rq")))
    assert len(store) == size


def test_a_syntax_error_names_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        check_query("SELECT ?s\nWHERE { ?s ?p }", "broken.rq")
    assert caught.value.line == 2 and str(caught.value).startswith("broken.rq:2:")


# --- a broken endpoint -------------------------------------------------------------------

@contextlib.contextmanager
def answering(
    responses: list[tuple[int, dict[str, str], bytes]],
) -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 that gives ``responses`` in turn (the last repeats)."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(self.headers.get("Authorization") or "")
            status, headers, body = responses[min(len(seen) - 1, len(responses) - 1)]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with http_server(Handler) as port:
        yield f"http://127.0.0.1:{port}/query", seen


RESULT = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [
    {"n": {"type": "literal", "value": "3",
           "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}).encode()
JSON_TYPE = {"Content-Type": "application/sparql-results+json"}
COUNT = parse_query_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", Path("count.rq"))


def test_429_and_503_are_retried_with_back_off_and_basic_auth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLANEGRAF_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("PLANEGRAF_ENDPOINT_PASSWORD", "s3cret")
    waits: list[float] = []
    busy = [(429, {"Retry-After": "2"}, b"slow down"), (503, {}, b"busy"), (200, JSON_TYPE, RESULT)]
    with answering(busy) as (url, seen):
        engine = RemoteEngine(Connection(url, sleep=waits.append), graphs=())
        solutions = engine.run(COUNT).solutions
    assert solutions is not None and solutions.rows[0]["n"].value == "3"  # type: ignore[union-attr]
    assert waits == [2.0, 1.0]
    assert len(seen) == 3 and all(h.startswith("Basic ") for h in seen)


def test_a_server_that_stays_busy_gives_up_with_a_clear_error() -> None:
    with answering([(503, {}, b"busy")]) as (url, seen), \
            pytest.raises(EndpointError, match="HTTP 503.*after retries"):
        RemoteEngine(Connection(url, attempts=3, sleep=lambda _: None), graphs=()).run(COUNT)
    assert len(seen) == 3


def test_an_html_page_is_not_taken_for_results() -> None:
    page = b"<!DOCTYPE html><html><head><title>Sign in</title></head></html>"
    with answering([(200, {"Content-Type": "text/html"}, page)]) as (url, _), \
            pytest.raises(EndpointError, match="HTML page.*Sign in"):
        RemoteEngine(Connection(url), graphs=()).run(COUNT)


def test_a_truncated_result_is_reported() -> None:
    with answering([(200, JSON_TYPE, RESULT[: len(RESULT) // 2])]) as (url, _), \
            pytest.raises(EndpointError, match="truncated"):
        RemoteEngine(Connection(url), graphs=()).run(COUNT)


def test_a_row_capped_result_is_reported() -> None:
    with answering([(200, {**JSON_TYPE, "X-SPARQL-MaxRows": "10000"}, RESULT)]) as (url, _), \
            pytest.raises(EndpointError, match="10000 rows"):
        RemoteEngine(Connection(url), graphs=()).run(COUNT)


def test_an_unreachable_endpoint_is_named() -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(EndpointError, match=f"cannot reach the SPARQL endpoint {url}"):
        RemoteEngine(Connection(url, timeout=5), graphs=()).run(COUNT)


def test_an_endpoint_that_is_not_http_is_refused() -> None:
    with pytest.raises(PlanegrafError, match="not an http"):
        Connection("file:///etc/passwd")
