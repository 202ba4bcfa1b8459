"""The named questions of the catalogue on ``planegraf serve``: planegraf's own and the
project's (its ``queries/`` folder), each a page with its form and answer, bound by the
engine.

``GET /questions/NAME?organisation=…&lang=en`` from a browser is the question's page: the
same template as the static site's ``queries/NAME.html``
(:mod:`planegraf.publish.question_pages`), with the form's values answered. The parameters
are resolved as the command line resolves them (:func:`planegraf.sparql.lookup.resolve_given`:
a label, number or key), bound as pyoxigraph substitutions and run through the same
admission, worker and limits as ``/sparql``. ``format=csv`` gives the answer as the CSV
people download (spreadsheet-safe, with the page's headings), ``format=xlsx`` the same as
an Excel workbook (answers of at most ``SERVED_XLSX_CELLS`` cells); ``format=json`` (or an
``Accept`` without ``text/html``) SPARQL JSON results, which the SPARQL editor (query.html)
reads. ``GET /questions/NAME/form?lang=en`` gives the editor the question's fields with
their choices, read from the data by the lookup queries in the page's language.

The choices are read once when the server starts, before any query worker is forked, so
no request runs a query in the server process itself.
"""

from __future__ import annotations

import difflib
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message, in_language, text
from planegraf.publish import question_pages, serve_sparql
from planegraf.publish.question_pages import (
    XLSX_MEDIA_TYPE,
    ParameterChoices,
    answer_csv,
    answer_table,
    answer_xlsx,
    command,
    hidden_columns,
    page_context,
    served_xlsx_rows,
    solutions_from_json,
    words,
)
from planegraf.publish.serve_sparql import SparqlEndpoint
from planegraf.publish.site import _environment, _strings, page_name, resource_path
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.engines import Solutions
from planegraf.sparql.lookup import resolve_given
from planegraf.sparql.queries import QueryFile, bind_parameters, catalogue

LANGUAGES = question_pages.LANGUAGES
_RESERVED = frozenset({"lang", "format"})
#: The site's report pages the navigation names when the site holds them, in the order the
#: static site lists its sections (publish/site.py, ``optional_sections``).
_SECTION_PAGES = (("queries", "query_catalogue"), ("gaps", "gap_report"),
                  ("network", "network"), ("compare", "compare"))


class Questions:
    """The catalogue's questions over the endpoint's store, with their choices and pages."""

    def __init__(self, endpoint: SparqlEndpoint, queries: Sequence[QueryFile],
                 site_dir: Path | None = None) -> None:
        self.endpoint = endpoint
        self.queries = {q.name: q for q in queries}
        self.site_dir = site_dir
        store = EmbeddedStore()
        store.oxigraph = endpoint.store
        self.choices = ParameterChoices(store, queries)
        self.engine = self.choices.engines["sv"]
        # The site's own language is the one of its plain .html pages.
        self.default_lang = ("en" if site_dir is not None
                             and (site_dir / "index.sv.html").is_file() else "sv")

    def query(self, name: str) -> QueryFile:
        """The question named ``name``, or an error naming the closest."""
        if name in self.queries:
            return self.queries[name]
        close = difflib.get_close_matches(name, list(self.queries), n=3)
        hint = Message("error_did_you_mean", names=", ".join(close)) if close else ""
        raise PlanegrafError(Message("error_no_question", name=repr(name), hint=hint))

    def form(self, query: QueryFile, lang: str) -> dict[str, Any]:
        """The question's title, description, fields and headings (``lang`` is the page's)."""
        return {"name": query.name, "title": query.title(lang),
                "description": query.description(lang),
                "fields": self.choices.fields(query, lang),
                "headings": {v: query.heading(v, lang) for v in query.columns},
                "hidden": hidden_columns(query)}

    def request(self, query: QueryFile, given: Mapping[str, str], lang: str
                ) -> serve_sparql.Request:
        """The endpoint request for ``query`` with ``given`` resolved and bound."""
        resolved = resolve_given(self.engine, query, given)
        bindings = bind_parameters(query, resolved, lang=lang)
        return serve_sparql.Request(query.text, "application/sparql-results+json",
                                    bindings=tuple(bindings.items()))

    def link(self, iri: str, lang: str) -> str | None:
        """The page of ``iri`` relative to ``/questions/``, when the data describes it."""
        path = resource_path(iri)
        if path is None:
            return None
        described = self.endpoint.store.quads_for_pattern(ox.NamedNode(iri), None, None, None)
        if next(iter(described), None) is None:
            return None
        return "../" + page_name(path, lang, self.default_lang)

    def page(self, query: QueryFile, lang: str, given: Mapping[str, str],
             solutions: Solutions | None, problem: str | None) -> str:
        """The question's page: the template of the static site's question pages."""
        table = csv_href = xlsx_href = None
        if solutions is not None:
            table = answer_table(solutions, query, lang, link=lambda iri: self.link(iri, lang))
            csv_href = _address(query.name, {**given, "lang": lang, "format": "csv"})
            if len(solutions.rows) <= served_xlsx_rows(solutions, query, lang):
                xlsx_href = _address(query.name, {**given, "lang": lang, "format": "xlsx"})
        context = page_context(
            query, lang, fields=self.choices.fields(query, lang, given), table=table,
            csv_href=csv_href, xlsx_href=xlsx_href, served=True, given=given,
            catalogue_href=page_name("queries", lang, self.default_lang),
            action=f"questions/{query.name}", problem=problem)
        return _environment().get_template("question.html").render(
            **self._frame(query, lang, given), title=query.title(lang), **context)

    def _frame(self, query: QueryFile, lang: str, given: Mapping[str, str]) -> dict[str, Any]:
        """What the site's pages around the question page give its base template."""
        default = self.default_lang
        strings = _strings()[lang]
        nav = [{"href": page_name("organisations", lang, default),
                "label": strings["organisations"]}]
        for page, key in _SECTION_PAGES:
            if self.site_dir is None or (self.site_dir / f"{page}.html").is_file():
                nav.append({"href": page_name(page, lang, default), "label": strings[key]})
        other = next(o for o in LANGUAGES if o != lang)
        return {"lang": lang, "t": strings, "root": "../",
                "home": page_name("index", lang, default), "nav": nav, "other_lang": other,
                "other_page": _address(query.name, {**given, "lang": other}),
                "alternates": ()}


def _address(name: str, fields: Mapping[str, str]) -> str:
    """``NAME?field=…`` relative to ``/questions/``."""
    return f"{urllib.parse.quote(name)}?{urllib.parse.urlencode(fields)}"


def _wants_html(accept: str | None) -> bool:
    return accept is not None and "text/html" in accept


def question_routes(endpoint: SparqlEndpoint, site_dir: Path | None = None,
                    queries_dirs: Sequence[Path | None] = ()) -> list[Route]:
    """``/questions/NAME/form`` and ``/questions/NAME`` for planegraf's questions and those
    of ``queries_dirs`` (a project's ``queries/``)."""
    questions = Questions(endpoint, catalogue(queries_dirs), site_dir)
    # Downloads are made one at a time, off the event loop: a workbook holds Python's lock
    # for up to a second or two, and several at once would hold up every page.
    makers: list[anyio.CapacityLimiter] = []

    def one_at_a_time() -> anyio.CapacityLimiter:
        if not makers:  # made in the server's event loop, on the first download
            makers.append(anyio.CapacityLimiter(1))
        return makers[0]

    def _question(request: Request) -> tuple[QueryFile, str] | Response:
        """The named question and the page's language, or the 404/400 that says why not."""
        lang = request.query_params.get("lang", questions.default_lang)
        if lang not in LANGUAGES:
            return PlainTextResponse(f"lang is one of {', '.join(LANGUAGES)}\n", 400)
        try:
            query = questions.query(request.path_params["name"])
        except PlanegrafError as err:
            return PlainTextResponse(f"{err.in_language(lang)}\n", 404)
        return query, lang

    async def form(request: Request) -> Response:
        asked = _question(request)
        if isinstance(asked, Response):
            return asked
        query, lang = asked
        return JSONResponse(questions.form(query, lang))

    async def answer(request: Request) -> Response:
        asked = _question(request)
        if isinstance(asked, Response):
            return asked
        query, lang = asked
        fmt = request.query_params.get("format") or (
            "html" if _wants_html(request.headers.get("accept")) else "json")
        if fmt not in ("html", "json", "csv", "xlsx"):
            return PlainTextResponse("format is html, json, csv or xlsx\n", 400)
        given = {name: value.strip() for name, value in request.query_params.items()
                 if name not in _RESERVED and value.strip()}

        async def page(solutions: Solutions | None, problem: str | None,
                       status: int = 200) -> Response:
            html = await anyio.to_thread.run_sync(questions.page, query, lang, given,
                                                  solutions, problem)
            return HTMLResponse(html, status)

        unset = [p.name for p in query.parameters
                 if p.default is None and p.name != "lang" and p.name not in given]
        if fmt == "html" and unset:  # a question without defaults: first the form
            return await page(None, None)
        try:
            sent = await anyio.to_thread.run_sync(questions.request, query, given, lang)
        except PlanegrafError as err:  # a value that names nothing: said in the page's language
            said = err.in_language(lang)
            if fmt == "html":
                return await page(None, said, 400)
            return PlainTextResponse(f"{said}\n", 400)
        reply = await endpoint.answer(sent)
        if reply.status != 200:
            if fmt == "html":
                said = (in_language(reply.said, lang) if reply.said is not None
                        else reply.body.decode("utf-8", "replace").strip())
                return await page(None, f"{words(lang)['refused']} ({reply.status}): {said}",
                                  reply.status)
            return Response(reply.body, reply.status, headers=reply.headers,
                            media_type=reply.media_type)
        if fmt == "json":
            return Response(reply.body, media_type="application/sparql-results+json")
        solutions = await anyio.to_thread.run_sync(solutions_from_json, reply.body)
        if fmt == "csv":
            filename = urllib.parse.quote(f"{query.name}.csv")
            table = await anyio.to_thread.run_sync(answer_csv, solutions, query, lang,
                                                   limiter=one_at_a_time())
            return Response(table, media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition":
                                     f"attachment; filename*=UTF-8''{filename}"})
        if fmt == "xlsx":
            most = served_xlsx_rows(solutions, query, lang)
            if len(solutions.rows) > most:
                return PlainTextResponse(text(
                    "q_xlsx_too_many", lang, n=len(solutions.rows), most=most,
                    command=command(query, lang)) + "\n", 400)
            book = await anyio.to_thread.run_sync(answer_xlsx, solutions, query, lang,
                                                  limiter=one_at_a_time())
            filename = urllib.parse.quote(f"{query.name}.xlsx")
            return Response(book, media_type=XLSX_MEDIA_TYPE,
                            headers={"Content-Disposition":
                                     f"attachment; filename*=UTF-8''{filename}"})
        return await page(solutions, None)

    return [Route("/questions/{name}/form", form, methods=["GET", "HEAD"]),
            Route("/questions/{name}", answer, methods=["GET", "HEAD"])]
