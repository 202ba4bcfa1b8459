"""The remote engine: any SPARQL 1.1 endpoint (a wall-clock deadline that covers retries on
429/503, the answer read in pieces under a row and byte cap, redirects followed on the same
host only, basic auth from the environment, clear errors) and ``publish`` through the Graph
Store Protocol, each named graph replaced as a whole.

SPARQLWrapper writes each SPARQL 1.1 Protocol request (URL, GET or POST, the ``query``,
``default-graph-uri`` and ``named-graph-uri`` parameters, ``Accept`` for the result format,
basic credentials); planegraf sends that request itself with :mod:`http.client`, because
SPARQLWrapper's own ``query()`` reads the whole answer with no deadline, no size cap and
urllib's redirect handling, which would carry the query to any host.
"""

from __future__ import annotations

import base64
import contextlib
import email.message
import email.utils
import http.client
import io
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from SPARQLWrapper import GET, JSON, POST, TURTLE, URLENCODED, SPARQLWrapper

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.engines import Answer, Bindings, Solutions
from planegraf.sparql.limits import QueryLimitError, QueryLimits
from planegraf.sparql.queries import (
    QueryFile,
    QueryForm,
    check_query,
    declares_dataset,
    read_query,
    with_values_block,
)

ENDPOINT_VARIABLE = "PLANEGRAF_ENDPOINT"
USER_VARIABLE = "PLANEGRAF_ENDPOINT_USER"
PASSWORD_VARIABLE = "PLANEGRAF_ENDPOINT_PASSWORD"
RETRY_STATUSES = (429, 503)
USER_AGENT = "planegraf"

T = TypeVar("T")
R = TypeVar("R")


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
            raise PlanegrafError(Message("error_endpoint_url", url=repr(self.url)))

    def graph_store_url(self, explicit: str | None = None) -> str:
        """The Graph Store Protocol URL: ``explicit``, or the usual sibling of the query URL."""
        if explicit:
            return explicit
        for query_path, store_path in (("/query", "/store"), ("/sparql", "/sparql-graph-crud")):
            if self.url.rstrip("/").endswith(query_path):
                return self.url.rstrip("/")[: -len(query_path)] + store_path
        raise PlanegrafError(Message("error_graph_store_url", url=self.url))

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
                self.sleep(_retry_delay(err.headers, self.backoff * 2 ** (number - 1)))
        raise AssertionError("unreachable")


def _retry_delay(headers: email.message.Message | None, fallback: float) -> float:
    header = headers.get("Retry-After") if headers else None
    if header:
        if header.strip().isdecimal():  # float() reads no '²'
            return min(float(header), 60.0)
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return fallback
        if when is not None:
            return max(0.0, min(when.timestamp() - time.time(), 60.0))
    return fallback


class _Deadline:
    """The wall-clock end of one question: connecting, waiting, retrying and reading all
    count against it, so a server that drips a byte a second cannot hold planegraf longer."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if not seconds else time.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    def passed(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0


@dataclass
class _Reply:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: _BodyReader


class _Stopped(Exception):
    """Raised inside the body reader: the answer went over a limit (the message says which)."""


class _BodyReader(io.RawIOBase):
    """The response body read in pieces, counting bytes against ``max_bytes`` and time
    against the deadline; the parsers pull from it, so nothing holds the whole answer."""

    def __init__(self, response: http.client.HTTPResponse, connection: http.client.HTTPConnection,
                 deadline: _Deadline, max_bytes: int | None, url: str, timeout: float) -> None:
        self.response = response
        self.connection = connection
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.url = url
        self.timeout = timeout
        self.count = 0
        self.stopped: EndpointError | QueryLimitError | None = None
        self.watchdog: threading.Timer | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.deadline.passed():
            self._stop(_too_slow(self.url, self.timeout))
        try:
            # read1: whatever has arrived, so a slow server is checked against the deadline
            data = self.response.read1(min(len(buffer), 1 << 16))
        except (OSError, http.client.HTTPException, ValueError) as err:
            if self.deadline.passed():
                self._stop(_too_slow(self.url, self.timeout))
            if isinstance(err, http.client.IncompleteRead):
                self._stop(EndpointError(Message("error_endpoint_truncated", url=self.url,
                                                 count=self.count)))
            self._stop(EndpointError(Message("error_endpoint_read_failed", url=self.url,
                                             reason=err)))
        size = len(data)
        buffer[:size] = data
        self.count += size
        if self.max_bytes is not None and self.count > self.max_bytes:
            self._stop(QueryLimitError(Message("error_endpoint_too_much", url=self.url,
                                               mib=self.max_bytes // (1 << 20))))
        return size

    def _stop(self, error: EndpointError | QueryLimitError) -> None:
        self.stopped = error
        self.close_connection()
        raise _Stopped(str(error))

    def close_connection(self) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
        with contextlib.suppress(OSError):
            self.response.close()
            self.connection.close()


def _detail(detail: str) -> Message | str:
    """": DETAIL" after an HTTP status, nothing when the server said nothing."""
    return Message("error_endpoint_detail", detail=detail) if detail else ""


def _too_slow(url: str, timeout: float) -> EndpointError:
    return EndpointError(Message("error_endpoint_too_slow", url=url, seconds=f"{timeout:g}"))


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


class RemoteEngine:
    """Queries on any SPARQL 1.1 endpoint, answered as if its default graph were the union of
    its named graphs.

    Parameters reach the endpoint as a ``VALUES`` block of escaped RDF terms
    (:func:`planegraf.sparql.queries.with_values_block`). ``SERVICE`` is the endpoint's business
    and passes; updates are refused as everywhere.

    The dataset is named in every request (``default-graph-uri`` and ``named-graph-uri`` for
    each named graph, discovered once with ``SELECT DISTINCT ?g WHERE { GRAPH ?g {} }``), so
    a store whose default graph is only its own default graph (plain ``oxigraph serve``,
    Fuseki) answers the same as one whose default graph is the union. A query that names its
    own dataset (``FROM``) is sent as it is.

    The answer is read in pieces and parsed as it comes: ``limits.max_rows`` rows (or
    triples), ``limits.memory_mib`` MiB read and ``connection.timeout`` seconds of wall clock
    (retries and ``Retry-After`` waits included) bound it. Without ``limits`` only the
    deadline applies, as for the program's own queries on the embedded store; the command
    line always passes limits. ``graphs`` names the dataset when it is known (a test server
    that is not a store), so it is not asked.
    """

    name = "remote"

    def __init__(self, connection: Connection, limits: QueryLimits | None = None,
                 graphs: Sequence[str] | None = None) -> None:
        self.connection = connection
        self.limits = limits or QueryLimits(timeout_s=None, max_rows=None, memory_mib=None)
        self._graphs: tuple[str, ...] | None = tuple(graphs) if graphs is not None else None

    # --- the dataset ----------------------------------------------------------------------

    def dataset_graphs(self) -> tuple[str, ...]:
        """The named graphs the endpoint holds, asked once; refuses an empty store."""
        if self._graphs is None:
            query = read_query("lookup/graphs.rq")
            try:
                answer = self._ask(query.text, query.path, "SELECT", graphs=())
            except EndpointError as err:
                raise EndpointError(Message("error_endpoint_graphs_unknown",
                                            url=self.connection.url, reason=err.said())
                                    ) from None
            assert answer.solutions is not None
            graphs = sorted({term.value for row in answer.solutions.rows
                             if isinstance(term := row.get("g"), ox.NamedNode)})
            if not graphs:
                holds = self._ask("ASK { ?s ?p ?o }", "ask.rq", "ASK", graphs=())
                if not holds.boolean:
                    raise EndpointError(Message("error_endpoint_empty",
                                                url=self.connection.url))
            self._graphs = tuple(graphs)
        return self._graphs

    # --- queries --------------------------------------------------------------------------

    def run(self, query: QueryFile, bindings: Bindings | None = None) -> Answer:
        form = check_query(query.text, query.path, allow_service=True)
        text = with_values_block(query.text, bindings) if bindings else query.text
        graphs = () if declares_dataset(query.text) else self.dataset_graphs()
        return self._ask(text, query.path, form, graphs)

    def _ask(self, text: str, path: Path | str, form: QueryForm,
             graphs: Sequence[str]) -> Answer:
        question = _Question(text, form, tuple(graphs), self.connection)
        deadline = _Deadline(self.connection.timeout)
        reply = self._post(question, deadline)
        try:
            return self._read(reply, form)
        finally:
            reply.body.close_connection()

    def _read(self, reply: _Reply, form: QueryForm) -> Answer:
        url = self.connection.url
        content_type = reply.headers.get("Content-Type", "").split(";")[0].strip().lower()
        stream = io.BufferedReader(reply.body, buffer_size=1 << 16)
        try:
            start = stream.peek(64)[:64]
        except _Stopped:
            raise _stopped(reply.body) from None
        if "html" in content_type or start.lstrip()[:15].lower().startswith((b"<!doctype",
                                                                             b"<html")):
            raise EndpointError(Message("error_endpoint_html", url=url,
                                        title=_html_title(stream.read(4000))))
        max_rows = reply.headers.get("X-SPARQL-MaxRows")
        if max_rows:
            raise EndpointError(Message("error_endpoint_max_rows", url=url,
                                        max_rows=max_rows))
        try:
            if form in ("CONSTRUCT", "DESCRIBE"):
                fmt = ox.RdfFormat.from_media_type(content_type) or ox.RdfFormat.TURTLE
                return Answer(triples=tuple(
                    ox.Triple(q.subject, q.predicate, q.object)
                    for q in _capped(ox.parse(stream, format=fmt), self.limits, "triples")))
            fmt_results = (ox.QueryResultsFormat.from_media_type(content_type)
                           or ox.QueryResultsFormat.JSON)
            parsed = ox.parse_query_results(stream, format=fmt_results)
            if isinstance(parsed, ox.QueryBoolean):
                if form != "ASK":
                    raise EndpointError(Message("error_endpoint_boolean", url=url, form=form))
                return Answer(boolean=bool(parsed))
            if form == "ASK":
                raise EndpointError(Message("error_endpoint_no_boolean", url=url))
            variables = tuple(v.value for v in parsed.variables)
            rows = tuple({name: row[name] for name in variables}
                         for row in _capped(parsed, self.limits, "rows"))
            return Answer(solutions=Solutions(variables, rows))
        except _Stopped:
            raise _stopped(reply.body) from None
        except (SyntaxError, OSError, ValueError) as err:
            if reply.body.stopped is not None:
                raise _stopped(reply.body) from None
            message = err.msg if isinstance(err, SyntaxError) else str(err)
            raise EndpointError(Message("error_endpoint_not_results", url=url,
                                        count=reply.body.count, reason=message)) from None

    # --- HTTP -----------------------------------------------------------------------------

    def _post(self, question: _Question, deadline: _Deadline) -> _Reply:
        """POST the query, following redirects on the same host only and retrying 429/503
        within the deadline."""
        connection = self.connection
        for number in range(1, connection.attempts + 1):
            reply = self._post_following(question, deadline)
            if reply.status not in RETRY_STATUSES:
                return self._checked(reply)
            detail = _short_body(reply)
            if number == connection.attempts:
                raise EndpointError(Message("error_endpoint_after_retries",
                                            url=connection.url, status=reply.status,
                                            reason=reply.reason, detail=_detail(detail)))
            wait = _retry_delay(reply.headers, connection.backoff * 2 ** (number - 1))
            left = deadline.remaining()
            if left is not None and wait >= left:
                raise EndpointError(Message("error_endpoint_retry_past_timeout",
                                            url=connection.url, status=reply.status,
                                            wait=f"{wait:g}",
                                            timeout=f"{connection.timeout:g}"))
            connection.sleep(wait)
        raise AssertionError("unreachable")

    def _post_following(self, question: _Question, deadline: _Deadline) -> _Reply:
        url = self.connection.url
        method = POST
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._send(question.request(url, method), deadline)
            if reply.status not in REDIRECTS:
                return reply
            reply.body.close_connection()
            location = reply.headers.get("Location")
            if not location:
                raise EndpointError(Message("error_endpoint_no_location", url=url,
                                                    status=reply.status))
            target = urllib.parse.urljoin(url, location)
            if _origin(target) != _origin(self.connection.url):
                raise EndpointError(Message("error_endpoint_other_host",
                                            url=self.connection.url, target=target))
            if reply.status == 303 or (reply.status in (301, 302) and method == POST):
                method = GET
            url = target
        raise EndpointError(Message("error_endpoint_redirects", url=self.connection.url,
                                    n=MAX_REDIRECTS))

    def _send(self, request: urllib.request.Request, deadline: _Deadline) -> _Reply:
        parts = urllib.parse.urlsplit(request.full_url)
        timeout = self.connection.timeout
        left = deadline.remaining()
        if left is not None and left <= 0:
            raise _too_slow(self.connection.url, timeout)
        per_read = left if left is not None else None
        factory = (http.client.HTTPSConnection if parts.scheme == "https"
                   else http.client.HTTPConnection)
        conn = factory(parts.hostname or "", parts.port, timeout=per_read)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        # A watchdog closes the socket when the time is up: a server that sends its headers
        # a byte at a time never lets a per-read timeout expire.
        watchdog = (threading.Timer(left, _shut, (conn,)) if left is not None else None)
        if watchdog is not None:
            watchdog.daemon = True
            watchdog.start()
        try:
            conn.request(request.get_method(), target, body=request.data,
                         headers=dict(request.header_items()))
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as err:
            conn.close()
            if deadline.passed() or isinstance(err, TimeoutError):
                raise _too_slow(self.connection.url, timeout) from None
            raise EndpointError(Message("error_endpoint_unreachable",
                                        url=self.connection.url, reason=err,
                                        variable=ENDPOINT_VARIABLE)) from None
        finally:
            if watchdog is not None:
                watchdog.cancel()
        left = deadline.remaining()
        if left is not None:
            watchdog = threading.Timer(max(left, 0.0), _shut, (conn,))
            watchdog.daemon = True
            watchdog.start()
        max_bytes = (None if self.limits.memory_mib is None
                     else self.limits.memory_mib * 1024 * 1024)
        reader = _BodyReader(response, conn, deadline, max_bytes, self.connection.url, timeout)
        reader.watchdog = watchdog
        return _Reply(response.status, response.reason, response.msg, reader)

    def _checked(self, reply: _Reply) -> _Reply:
        url = self.connection.url
        status = reply.status
        if 200 <= status < 300:
            return reply
        detail = _short_body(reply)
        if status == 401:
            raise EndpointError(Message("error_endpoint_credentials", url=url,
                                        user=USER_VARIABLE, password=PASSWORD_VARIABLE))
        if status == 404:
            raise EndpointError(Message("error_endpoint_not_found", url=url))
        if status == 400:
            raise EndpointError(Message("error_endpoint_rejected", url=url, detail=detail))
        if status == 500:
            raise EndpointError(Message("error_endpoint_failed", url=url, detail=detail))
        raise EndpointError(Message("error_endpoint_http", url=url, status=status,
                                    reason=reply.reason, detail=_detail(detail)))


@dataclass(frozen=True)
class _Question:
    """One query as the SPARQL 1.1 Protocol sends it; :meth:`request` has SPARQLWrapper
    write the HTTP request for a URL and method (the method changes to GET after a 303)."""

    text: str
    form: QueryForm
    graphs: tuple[str, ...]
    connection: Connection

    def request(self, url: str, method: str) -> urllib.request.Request:
        parts = urllib.parse.urlsplit(url)
        # SPARQLWrapper appends "?query=…" to the URL of a GET, so parameters the URL
        # already carries (an API key, say) are handed to it as parameters instead.
        plain = url if method == POST else urllib.parse.urlunsplit(parts._replace(query=""))
        wrapper = SPARQLWrapper(plain, agent=USER_AGENT)
        if method == GET:
            for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
                wrapper.addParameter(name, value)
        wrapper.setMethod(method)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setQuery(self.text)
        # planegraf has parsed the query already; SPARQLWrapper's guess from a regular
        # expression would pick the wrong Accept header for a CONSTRUCT with a SELECT inside.
        wrapper.queryType = self.form
        # Only the Accept header asks for the format: the extra format/output/results
        # parameters SPARQLWrapper would add are not SPARQL 1.1 and some stores reject them.
        wrapper.setOnlyConneg(True)
        wrapper.setReturnFormat(TURTLE if self.form in ("CONSTRUCT", "DESCRIBE") else JSON)
        for graph in self.graphs:
            wrapper.addParameter("default-graph-uri", graph)
        for graph in self.graphs:
            wrapper.addParameter("named-graph-uri", graph)
        user, password = self.connection.user, self.connection.password
        if user and password:
            wrapper.setCredentials(user, password)
        elif user:  # SPARQLWrapper sends no credentials without a password; Basic allows one
            wrapper.addCustomHttpHeader("Authorization", self.connection.authorization() or "")
        return _create_request(wrapper)


def _create_request(wrapper: SPARQLWrapper) -> urllib.request.Request:
    """The request SPARQLWrapper would send. ``_createRequest`` is SPARQLWrapper's own
    (private) builder, present from 1.x to 2.0; pyproject pins the range it is known in and
    tests/test_remote_request.py fails if it changes."""
    create = getattr(wrapper, "_createRequest", None)
    if create is None:
        raise PlanegrafError(Message("error_sparqlwrapper_no_request"))
    request = create()
    if not isinstance(request, urllib.request.Request):
        raise PlanegrafError(Message("error_sparqlwrapper_request"))
    return request


def _shut(conn: http.client.HTTPConnection) -> None:
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _short_body(reply: _Reply) -> str:
    try:
        data = reply.body.response.read(4000)
    except (OSError, http.client.HTTPException, ValueError):
        data = b""
    reply.body.close_connection()
    return _first_line(data.decode("utf-8", "replace"))


def _stopped(body: _BodyReader) -> EndpointError | QueryLimitError:
    assert body.stopped is not None
    return body.stopped


def _capped(results: Iterable[R], limits: QueryLimits, what: str) -> Iterator[R]:
    for count, item in enumerate(results, start=1):
        limits.check_rows(count, what)
        yield item


def _first_line(err: Exception | str) -> str:
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


# --- copy -----------------------------------------------------------------------------------

def copy_dataset(engine: RemoteEngine, progress: Callable[[str], None] = lambda _: None
                 ) -> EmbeddedStore:
    """The endpoint's named graphs in an embedded store, one CONSTRUCT per graph: for what
    needs the whole dataset in this process (the site). The engine's limits and deadline
    bound each graph's answer, as for any question."""
    store = EmbeddedStore()
    query = read_query("lookup/graph-triples.rq")
    for name in engine.dataset_graphs():
        graph = ox.NamedNode(name)
        answer = engine.run(query, {"g": graph})
        triples = answer.triples or ()
        progress(Message("cli_step_copied_graph", name=name, n=len(triples)))
        store.oxigraph.extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                              for t in triples)
    return store


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
        progress(Message("cli_step_put_graph", name=name, n=count))
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
        if 300 <= err.code < 400:
            # urllib follows no redirect of a PUT; say where it pointed instead of "HTTP 307",
            # and never send the data and credentials on by ourselves.
            raise EndpointError(Message(
                "error_put_redirected", url=url, code=err.code,
                location=err.headers.get("Location") or Message("error_another_address"))
            ) from None
        detail = err.read()[:300].decode("utf-8", "replace").strip()
        hint = (Message("error_put_credentials", user=USER_VARIABLE,
                        password=PASSWORD_VARIABLE) if err.code in (401, 403) else "")
        raise EndpointError(Message("error_put_failed", url=url, code=err.code,
                                    reason=err.reason, hint=hint,
                                    detail=Message("error_endpoint_detail", detail=detail))
                            ) from None
    except urllib.error.URLError as err:
        raise EndpointError(Message("error_graph_store_unreachable", url=url,
                                    reason=err.reason)) from None
    except TimeoutError:
        raise EndpointError(Message("error_graph_store_too_slow", url=url,
                                    seconds=f"{connection.timeout:g}")) from None
