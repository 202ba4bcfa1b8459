"""The web application of ``planegraf serve`` (Starlette, on uvicorn): the static site, the
content negotiation of ``docs/publishing.md`` (:mod:`planegraf.publish.serve_pages`) and the
read-only ``/sparql``.

A guard in front of everything answers only for the address the server is bound to (and
the ``--public-host`` names): a page elsewhere on the web that points an ``<img>`` or a form
at ``127.0.0.1`` — or a DNS name rebound to it — gets 421, and ``/sparql`` and every POST
refuse cross-origin requests (``Origin``, ``Sec-Fetch-Site``) with 403, and so do the
named questions under ``/questions/``. The routes are a
plain list (:func:`build_app` takes more, ahead of the static files): the pages rendered on
request (:mod:`planegraf.publish.serve_pages`) come in that way.
"""

from __future__ import annotations

import mimetypes
import os
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from planegraf.publish import serve_sparql
from planegraf.publish.serve_sparql import MAX_QUERY_BYTES, SparqlEndpoint

DRAIN_LIMIT_BYTES = 8 * 1024 * 1024
ALTERNATES = (("text/turtle", ".ttl"), ("application/ld+json", ".jsonld"),
              ("application/json", ".jsonld"), ("application/n-triples", ".nt"),
              ("application/rdf+xml", ".rdf"), ("text/html", ".html"))
# The site's files by extension, whatever this machine's /etc/mime.types says.
for _media, _suffix in (("text/turtle", ".ttl"), ("application/ld+json", ".jsonld"),
                        ("application/n-quads", ".nq"), ("application/n-triples", ".nt"),
                        ("application/trig", ".trig"), ("application/rdf+xml", ".rdf"),
                        ("application/sparql-query", ".rq"), ("text/csv", ".csv")):
    mimetypes.add_type(_media, _suffix)


#: A site file is sent in pieces of this size: a national site's report pages are several
#: MB (the start page 4 MB at a million quads), and each piece read is a trip to a worker
#: thread (Starlette reads 64 KiB at a time: 64 trips for the start page).
FILE_CHUNK_BYTES = 1 << 20


class SiteFiles(StaticFiles):
    """The site's files, as Starlette's :class:`StaticFiles` serves them, sent in pieces of
    :data:`FILE_CHUNK_BYTES`."""

    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result,
                      scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if isinstance(response, FileResponse):
            response.chunk_size = FILE_CHUNK_BYTES
        return response


def negotiate(path: str, accept: str | None) -> str:
    """The site file for a request path without extension, by the ``Accept`` header.

    >>> negotiate("/id/activity/p/6-3", "text/turtle")
    '/id/activity/p/6-3.ttl'
    >>> negotiate("/id/activity/p/6-3", "text/html,application/xhtml+xml")
    '/id/activity/p/6-3.html'
    >>> negotiate("/id/activity/p/6-3", "application/ld+json;q=0.9, text/turtle;q=0.5")
    '/id/activity/p/6-3.jsonld'
    >>> negotiate("/id/activity/p/6-3", "application/n-triples")
    '/id/activity/p/6-3.nt'
    """
    best, best_q = ".html", -1.0
    for media, q in weighted(accept or "text/html", unreadable_q=1.0):
        for media_type, suffix in ALTERNATES:
            if media == media_type and q > best_q:
                best, best_q = suffix, q
    return path + best


def weighted(header: str, unreadable_q: float) -> list[tuple[str, float]]:
    """The values of an ``Accept``-style header with their ``q`` weights (1 when not given,
    ``unreadable_q`` when not a number).

    >>> weighted("text/turtle;q=0.5, text/html", unreadable_q=0.0)
    [('text/turtle', 0.5), ('text/html', 1.0)]
    """
    found = []
    for part in header.split(","):
        value, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, number = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(number)
                except ValueError:
                    q = unreadable_q
        found.append((value.strip(), q))
    return found


def allowed_hosts(port: int, public_hosts: Iterable[str] = ()) -> frozenset[str]:
    """The ``Host`` values served: the bound address and ``localhost`` with the port, and
    each public name (with or without a port).

    >>> sorted(allowed_hosts(8000))
    ['127.0.0.1:8000', 'localhost:8000']
    """
    hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
    if port == 80:
        hosts |= {"127.0.0.1", "localhost"}
    return frozenset(hosts | {name.strip().lower() for name in public_hosts if name.strip()})


class Guard:
    """Refuse, before any route sees it, a request for another host (421), a path with a
    control character (400) and a cross-origin ``/sparql`` request or POST (403)."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app, self.hosts = app, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> Response | None:
        headers = Headers(scope=scope)
        host = (headers.get("host") or "").strip().lower()
        if not host:
            return PlainTextResponse("a Host header is required\n", 400)
        if host not in self.hosts and host.rsplit(":", 1)[0] not in self.hosts:
            served = ", ".join(sorted(self.hosts))
            return PlainTextResponse(
                f"this server answers for {served} only, not {host}; behind a public name, "
                "start it with --public-host NAME\n", 421)
        path = scope["path"]
        if any(ord(c) < 32 or ord(c) == 127 for c in path):
            return PlainTextResponse("the path holds a control character\n", 400)
        # /questions/… runs queries as /sparql does: the same rule for other sites.
        if (scope["method"] not in ("GET", "HEAD") or path == "/sparql"
                or path.startswith("/questions/")):
            site = headers.get("sec-fetch-site")
            origin = headers.get("origin")
            cross = site is not None and site not in ("same-origin", "none")
            if origin is not None and urllib.parse.urlsplit(origin).netloc.lower() != host:
                cross = True
            if cross:
                return PlainTextResponse(
                    f"cross-origin requests to {path} are refused (Origin: {origin}, "
                    f"Sec-Fetch-Site: {site})\n", 403)
        return None


def sparql_route(endpoint: SparqlEndpoint) -> Route:
    """``/sparql`` by the SPARQL 1.1 Protocol: GET ``?query=`` and POST (form or
    ``application/sparql-query``); updates are refused."""

    async def sparql(request: Request) -> Response:
        if request.method == "POST":
            body = await _bounded_body(request)
            if body is None:
                return PlainTextResponse(
                    f"queries are limited to {MAX_QUERY_BYTES} bytes\n", 413,
                    headers={"Connection": "close"})
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media == "application/sparql-update":
                return _refuse_update()
            if media == "application/sparql-query":
                try:
                    fields = {"query": [body.decode("utf-8")]}
                except UnicodeDecodeError:
                    return PlainTextResponse("the query is not UTF-8\n", 400)
                for name, values in (_fields(request.scope["query_string"]) or {}).items():
                    if name in ("default-graph-uri", "named-graph-uri"):
                        fields[name] = values
            elif media == "application/x-www-form-urlencoded":
                fields = _fields(body) or {}
                if not fields and body:
                    return PlainTextResponse("the form is not UTF-8 form data\n", 400)
            else:
                return PlainTextResponse(
                    "send the query as application/x-www-form-urlencoded (query=…) or "
                    "application/sparql-query\n", 415)
        else:
            raw = request.scope["query_string"]
            if len(raw) > 3 * MAX_QUERY_BYTES:
                return PlainTextResponse(f"queries are limited to {MAX_QUERY_BYTES} bytes\n",
                                         413)
            parsed = _fields(raw)
            if parsed is None:
                return PlainTextResponse("the query string is not UTF-8\n", 400)
            fields = parsed
        if "update" in fields:
            return _refuse_update()
        queries = fields.get("query", [])
        if len(queries) != 1:
            return PlainTextResponse(
                "give exactly one query: /sparql?query=… or a form field query\n", 400)
        reply = await endpoint.answer(serve_sparql.Request(
            queries[0], request.headers.get("accept"),
            tuple(fields.get("default-graph-uri", ())),
            tuple(fields.get("named-graph-uri", ()))))
        return Response(reply.body, reply.status, headers=reply.headers,
                        media_type=reply.media_type)

    return Route("/sparql", sparql, methods=["GET", "POST"])


def _refuse_update() -> Response:
    return PlainTextResponse("updates are refused: this endpoint is read-only\n", 400)


def _fields(raw: bytes) -> dict[str, list[str]] | None:
    """Form or query-string fields, or None when they are not UTF-8."""
    try:
        text = raw.decode("utf-8")
        return urllib.parse.parse_qs(text, keep_blank_values=True, encoding="utf-8",
                                     errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None


async def _bounded_body(request: Request) -> bytes | None:
    """The request body, or None when it is over the query cap. An over-long body of
    reasonable size is read to its end first: answering while the client is still sending
    makes it see a broken pipe instead of the 413."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdecimal() and int(declared) > MAX_QUERY_BYTES:
        if int(declared) <= DRAIN_LIMIT_BYTES:
            await _drain(request)
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_QUERY_BYTES:
            await _drain(request, size)
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _drain(request: Request, already: int = 0) -> None:
    size = already
    async for chunk in request.stream():
        size += len(chunk)
        if size > DRAIN_LIMIT_BYTES:
            return


ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


def build_app(site_dir: Path, endpoint: SparqlEndpoint, hosts: frozenset[str],
              routes: Sequence[BaseRoute] = (),
              exception_handlers: Mapping[int, ExceptionHandler] | None = None) -> ASGIApp:
    """The whole application: ``routes`` first (the named questions, the pages rendered on
    request: :mod:`planegraf.publish.serve_pages`), then ``/sparql`` and the static site;
    ``exception_handlers`` by status (the site's 404 page)."""
    app = Starlette(routes=[
        *routes,
        sparql_route(endpoint),
        Mount("/", app=SiteFiles(directory=site_dir, html=True, follow_symlink=False)),
    ], exception_handlers=dict(exception_handlers or {}))
    return Guard(app, hosts)
