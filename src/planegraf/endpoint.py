"""The remote engine: any SPARQL 1.1 endpoint through SPARQLWrapper (timeout, retries on
429/503, basic auth from the environment, clear errors) and ``publish`` through the Graph
Store Protocol, each named graph replaced as a whole.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from SPARQLWrapper import BASIC, JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
)

from .engines import Answer, Bindings, Solutions, Term
from .errors import PlanegrafError
from .queries import QueryFile, check_query, with_values_block
from .store import EmbeddedStore

ENDPOINT_VARIABLE = "PLANEGRAF_ENDPOINT"
USER_VARIABLE = "PLANEGRAF_ENDPOINT_USER"
PASSWORD_VARIABLE = "PLANEGRAF_ENDPOINT_PASSWORD"
RETRY_STATUSES = (429, 503)

T = TypeVar("T")


class EndpointError(PlanegrafError):
    """The endpoint could not be reached or gave an answer that cannot be used."""


@dataclass
class Connection:
    """How to talk to an endpoint: URL, timeout, retries and credentials.

    >>> Connection("http://127.0.0.1:7878/query").graph_store_url()
    'http://127.0.0.1:7878/store'
    >>> Connection("http://127.0.0.1:8890/sparql").graph_store_url()
    'http://127.0.0.1:8890/sparql-graph-crud'
    """

    url: str
    timeout: float = 60.0
    attempts: int = 4
    backoff: float = 0.5
    user: str | None = field(default_factory=lambda: os.environ.get(USER_VARIABLE))
    password: str | None = field(default_factory=lambda: os.environ.get(PASSWORD_VARIABLE))
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PlanegrafError(
                f"endpoint {self.url!r} is not an http(s) URL "
                "(for example http://127.0.0.1:7878/query)"
            )

    def graph_store_url(self, explicit: str | None = None) -> str:
        """The Graph Store Protocol URL: ``explicit``, or the usual sibling of the query URL."""
        if explicit:
            return explicit
        for query_path, store_path in (("/query", "/store"), ("/sparql", "/sparql-graph-crud")):
            if self.url.rstrip("/").endswith(query_path):
                return self.url.rstrip("/")[: -len(query_path)] + store_path
        raise PlanegrafError(
            f"cannot tell the Graph Store URL of {self.url}; give it with --graph-store URL"
        )

    def authorization(self) -> str | None:
        if not self.user:
            return None
        token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
        return f"Basic {token}"

    def with_retries(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt``, retrying with exponential back-off while the server says 429/503."""
        for number in range(1, self.attempts + 1):
            try:
                return attempt()
            except urllib.error.HTTPError as err:
                if err.code not in RETRY_STATUSES or number == self.attempts:
                    raise
                self.sleep(_retry_delay(err, self.backoff * 2 ** (number - 1)))
        raise AssertionError("unreachable")


def _retry_delay(err: urllib.error.HTTPError, fallback: float) -> float:
    header = err.headers.get("Retry-After") if err.headers else None
    if header:
        if header.strip().isdigit():
            return min(float(header), 60.0)
        when = email.utils.parsedate_to_datetime(header)
        if when is not None:
            return max(0.0, min(when.timestamp() - time.time(), 60.0))
    return fallback


class RemoteEngine:
    """Queries on a SPARQL 1.1 endpoint whose default graph is the union of its graphs.

    Parameters reach the endpoint as a ``VALUES`` block of escaped RDF terms
    (:func:`planegraf.queries.with_values_block`). ``SERVICE`` is the endpoint's business
    and passes; updates are refused as everywhere.
    """

    name = "remote"

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def run(self, query: QueryFile, bindings: Bindings | None = None) -> Answer:
        form = check_query(query.text, query.path, allow_service=True)
        text = with_values_block(query.text, bindings) if bindings else query.text
        sparql = SPARQLWrapper(self.connection.url)
        sparql.setQuery(text)
        sparql.setMethod(POST)
        sparql.setRequestMethod(URLENCODED)
        sparql.setTimeout(int(max(1, self.connection.timeout)))
        sparql.setReturnFormat(TURTLE if form in ("CONSTRUCT", "DESCRIBE") else JSON)
        if self.connection.user:
            sparql.setHTTPAuth(BASIC)
            sparql.setCredentials(self.connection.user, self.connection.password or "")
        headers, body = self._fetch(sparql)
        content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
        looks_like_html = body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))
        if "html" in content_type or looks_like_html:
            raise EndpointError(
                f"{self.connection.url} answered with an HTML page ({_html_title(body)}) "
                "instead of SPARQL results: is this the query URL of the endpoint, or a "
                "login or proxy page?"
            )
        max_rows = headers.get("X-SPARQL-MaxRows")
        if max_rows:
            raise EndpointError(
                f"{self.connection.url} cut the result off at {max_rows} rows (its own limit, "
                "e.g. Virtuoso's ResultSetMaxRows): raise the limit on the server or narrow "
                "the query"
            )
        if form in ("CONSTRUCT", "DESCRIBE"):
            return Answer(triples=self._triples(body, content_type))
        document = self._json(body)
        if form == "ASK":
            if not isinstance(document.get("boolean"), bool):
                raise EndpointError(f"{self.connection.url}: the ASK result has no boolean")
            return Answer(boolean=document["boolean"])
        return Answer(solutions=self._solutions(document))

    def _fetch(self, sparql: SPARQLWrapper) -> tuple[http.client.HTTPMessage, bytes]:
        url = self.connection.url

        def attempt() -> tuple[http.client.HTTPMessage, bytes]:
            result = sparql.query()
            response = result.response
            try:
                return response.info(), response.read()
            except http.client.IncompleteRead as err:
                raise EndpointError(
                    f"{url}: the result was truncated after {len(err.partial)} bytes "
                    "(the connection closed early); try again or ask a smaller question"
                ) from None

        try:
            return self.connection.with_retries(attempt)
        except urllib.error.HTTPError as err:
            raise EndpointError(f"{url} answered HTTP {err.code} {err.reason}"
                                + (" after retries" if err.code in RETRY_STATUSES else "")
                                ) from None
        except Unauthorized:
            raise EndpointError(
                f"{url} refused the credentials (HTTP 401): set {USER_VARIABLE} and "
                f"{PASSWORD_VARIABLE}") from None
        except EndPointNotFound:
            raise EndpointError(
                f"{url} has no SPARQL endpoint there (HTTP 404): Oxigraph answers at /query, "
                "Virtuoso at /sparql") from None
        except QueryBadFormed as err:
            raise EndpointError(
                f"{url} rejected the query (HTTP 400): {_first_line(err)}") from None
        except EndPointInternalError as err:
            raise EndpointError(
                f"{url} failed on the query (HTTP 500): {_first_line(err)}") from None
        except TimeoutError:
            raise EndpointError(
                f"{url} did not answer within {self.connection.timeout:g} s "
                "(--timeout raises the limit)") from None
        except urllib.error.URLError as err:
            reason = err.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise EndpointError(
                    f"{url} did not answer within {self.connection.timeout:g} s "
                    "(--timeout raises the limit)") from None
            raise EndpointError(
                f"cannot reach the SPARQL endpoint {url}: {reason} "
                f"(is the server running? check --endpoint or {ENDPOINT_VARIABLE})") from None
        except (ConnectionError, http.client.HTTPException) as err:
            raise EndpointError(f"cannot reach the SPARQL endpoint {url}: {err}") from None

    def _json(self, body: bytes) -> dict[str, Any]:
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise EndpointError(
                f"{self.connection.url}: the result is truncated or not SPARQL JSON "
                f"({len(body)} bytes read; {err})") from None
        if not isinstance(document, dict):
            raise EndpointError(f"{self.connection.url}: the result is not SPARQL JSON")
        return document

    def _solutions(self, document: dict[str, Any]) -> Solutions:
        try:
            variables = tuple(str(v) for v in document["head"]["vars"])
            bindings = document["results"]["bindings"]
        except (KeyError, TypeError):
            raise EndpointError(
                f"{self.connection.url}: the result lacks head.vars or results.bindings "
                "(truncated?)") from None
        rows = tuple(
            {name: _term(binding[name]) if name in binding else None for name in variables}
            for binding in bindings
        )
        return Solutions(variables, rows)

    def _triples(self, body: bytes, content_type: str) -> tuple[ox.Triple, ...]:
        fmt = ox.RdfFormat.from_media_type(content_type) or ox.RdfFormat.TURTLE
        try:
            return tuple(ox.Triple(q.subject, q.predicate, q.object)
                         for q in ox.parse(body, format=fmt))
        except SyntaxError as err:
            raise EndpointError(
                f"{self.connection.url}: the graph result is truncated or unreadable: {err.msg}"
            ) from None


def _term(value: dict[str, str]) -> Term:
    kind = value.get("type")
    if kind == "uri":
        return ox.NamedNode(value["value"])
    if kind == "bnode":
        return ox.BlankNode(value["value"])
    if kind in ("literal", "typed-literal"):  # "typed-literal": SPARQL 1.0 JSON (Virtuoso)
        if "xml:lang" in value:
            return ox.Literal(value["value"], language=value["xml:lang"])
        if "datatype" in value:
            return ox.Literal(value["value"], datatype=ox.NamedNode(value["datatype"]))
        return ox.Literal(value["value"])
    raise EndpointError(f"unknown term type {kind!r} in the SPARQL JSON result")


def _first_line(err: Exception) -> str:
    text = str(err).replace("\\n", "\n")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:3])[:400]


def _html_title(body: bytes) -> str:
    text = body[:4000].decode("utf-8", "replace")
    start = text.lower().find("<title>")
    end = text.lower().find("</title>")
    if 0 <= start < end:
        return "title: " + text[start + 7: end].strip()[:120]
    return "no title"


# --- publish ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedGraph:
    graph: str
    triples: int


def publish(
    dataset: Path, connection: Connection, graph_store: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> list[PublishedGraph]:
    """Load ``dataset`` (TriG or N-Quads) into the endpoint's store, one PUT per named graph.

    A PUT replaces the graph as a whole, so publishing twice leaves the same data; graphs
    the dataset does not name are left as they are.
    """
    store = EmbeddedStore()
    store.load_file(dataset)
    target = connection.graph_store_url(graph_store)
    published: list[PublishedGraph] = []
    graphs: list[ox.NamedNode | ox.DefaultGraph] = list(store.named_graphs())
    if any(True for _ in store.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph())):
        graphs.insert(0, ox.DefaultGraph())
    for graph in graphs:
        body = store.oxigraph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""
        count = body.count(b"\n")
        name = graph.value if isinstance(graph, ox.NamedNode) else "default graph"
        progress(f"PUT {name} ({count} triples)")
        query = ("default" if isinstance(graph, ox.DefaultGraph)
                 else "graph=" + urllib.parse.quote(graph.value, safe=""))
        _put(connection, f"{target}?{query}", body)
        published.append(PublishedGraph(name, count))
    return published


def _put(connection: Connection, url: str, body: bytes) -> None:
    headers = {"Content-Type": "application/n-triples"}
    authorization = connection.authorization()
    if authorization:
        headers["Authorization"] = authorization

    def attempt() -> None:
        request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
        with urllib.request.urlopen(request, timeout=connection.timeout) as response:
            response.read()

    try:
        connection.with_retries(attempt)
    except urllib.error.HTTPError as err:
        detail = err.read()[:300].decode("utf-8", "replace").strip()
        hint = (f" (set {USER_VARIABLE} and {PASSWORD_VARIABLE})"
                if err.code in (401, 403) else "")
        raise EndpointError(f"PUT {url} failed: HTTP {err.code} {err.reason}{hint}: {detail}"
                            ) from None
    except urllib.error.URLError as err:
        raise EndpointError(f"cannot reach the Graph Store at {url}: {err.reason}") from None
    except TimeoutError:
        raise EndpointError(f"{url} did not answer within {connection.timeout:g} s") from None
