"""The named questions of the catalogue on ``planegraf serve``: their parameters as form
fields and their answers, bound by the engine.

``GET /questions/NAME/form?lang=en`` gives the question's title and its parameters, with
the choices for an organisation, area, plan, goal or county parameter read from the data
by the lookup queries (``queries/lookup/*.rq``, as :mod:`planegraf.sparql.lookup` reads them), in
the page's language; an area is labelled with its plan and the plan's county, since area
numbers repeat across plans. ``GET /questions/NAME?organisation=…&lang=en`` resolves the
parameters as the command line does (:func:`planegraf.sparql.lookup.resolve_given`: a label,
number or key), binds them as pyoxigraph substitutions and runs the question through the
same admission, worker and limits as ``/sparql``; ``format=csv`` gives a CSV download
(:mod:`planegraf.render.safe_csv`: spreadsheet-safe) instead of SPARQL JSON results.

The choices are read once when the server starts, before any query worker is forked, so
no request runs a query in the server process itself.
"""

from __future__ import annotations

import io
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from planegraf.errors import PlanegrafError
from planegraf.publish import serve_sparql
from planegraf.publish.serve_sparql import SparqlEndpoint
from planegraf.rdf.store import EmbeddedStore
from planegraf.render.safe_csv import SpreadsheetSafeWriter
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.lookup import Candidate, Kind, candidates, parameter_kind, resolve_given
from planegraf.sparql.queries import QueryFile, bind_parameters, catalogue, catalogue_query

LANGUAGES = ("sv", "en")
_RESERVED = frozenset({"lang", "format"})


def results_csv(body: bytes) -> bytes:
    """SPARQL JSON results as CSV (UTF-8 with a byte-order mark, which spreadsheets need
    to read å, ä, ö), every cell spreadsheet-safe."""
    data = json.loads(body)
    variables: list[str] = list(data.get("head", {}).get("vars", []))
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in data.get("results", {}).get("bindings", []):
        writer.writerow([str(row[v]["value"]) if v in row else "" for v in variables])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Choice:
    """One value a form field offers: what it sends and what it shows."""

    key: str
    label: str


class Questions:
    """The catalogue's questions over the endpoint's store, with their choices."""

    def __init__(self, endpoint: SparqlEndpoint) -> None:
        self.endpoint = endpoint
        self.engines: dict[str, EmbeddedEngine] = {}
        for lang in LANGUAGES:
            store = EmbeddedStore()
            store.oxigraph = endpoint.store
            self.engines[lang] = EmbeddedEngine(store)
        self.choices: dict[tuple[str, Kind], list[Choice]] = {}
        self.counties = {lang: self._plan_counties(lang) for lang in LANGUAGES}
        kinds = {parameter_kind(p.name, p.type) for q in catalogue() for p in q.parameters}
        for lang in LANGUAGES:
            for kind in sorted(k for k in kinds if k is not None):
                self.choices[(lang, kind)] = self._read_choices(lang, kind)

    def _read_choices(self, lang: str, kind: Kind) -> list[Choice]:
        engine = self.engines[lang]
        found = candidates(engine, kind, lang)
        counties = self.counties[lang]
        plans = {c.iri: _with_county(c.label, counties.get(c.iri, ""))
                 for c in candidates(engine, "plan", lang)}
        shown = [Choice(c.key(), self._label(c, kind, plans)) for c in found]
        return sorted(shown, key=lambda c: (_natural(c.label), c.key))

    def _plan_counties(self, lang: str) -> dict[str, str]:
        """Each plan's county, as the catalogue's plans-overview finds it (through the
        publisher, or the organisation the publisher is a unit of)."""
        query = catalogue_query("plans-overview")
        answer = self.engines[lang].run(query, bind_parameters(query, {}, lang=lang))
        assert answer.solutions is not None
        counties: dict[str, str] = {}
        for row in answer.solutions.rows:
            plan, county = row.get("plan"), row.get("countyLabel")
            if plan is not None and county is not None and county.value:
                counties[plan.value] = county.value
        return counties

    @staticmethod
    def _label(candidate: Candidate, kind: Kind, plans: Mapping[str, str]) -> str:
        if kind == "plan":
            return plans.get(candidate.iri, candidate.label)
        if kind in ("area", "goal"):
            where = sorted(plans[p] for p in candidate.plans if p in plans)
            return f"{candidate.label} — {'; '.join(where)}" if where else candidate.label
        context = ", ".join(sorted(c for c in candidate.contexts if c))
        return _with_county(candidate.label, context)

    def form(self, query: QueryFile, lang: str) -> dict[str, Any]:
        """The question's title, description and fields (``lang`` is the page's)."""
        fields = []
        for param in query.parameters:
            if param.name == "lang":
                continue
            kind = parameter_kind(param.name, param.type)
            field: dict[str, Any] = {"name": param.name, "type": param.type, "kind": kind,
                                     "default": param.default or ""}
            if kind is not None:
                field["choices"] = [{"key": c.key, "label": c.label}
                                    for c in self.choices.get((lang, kind), [])]
            fields.append(field)
        return {"name": query.name, "title": query.title(lang),
                "description": query.description(lang), "fields": fields}

    def request(self, query: QueryFile, given: Mapping[str, str], lang: str
                ) -> serve_sparql.Request:
        """The endpoint request for ``query`` with ``given`` resolved and bound."""
        resolved = resolve_given(self.engines["sv"], query, given)
        bindings = bind_parameters(query, resolved, lang=lang)
        return serve_sparql.Request(query.text, "application/sparql-results+json",
                                    bindings=tuple(bindings.items()))


def _natural(label: str) -> tuple[tuple[int, str], ...]:
    """A sort key that puts area 2 before area 10.

    >>> sorted(["10 b", "2 a"], key=_natural)
    ['2 a', '10 b']
    """
    return tuple((int(part), "") if part.isdigit() else (0, part.casefold())
                 for part in re.split(r"(\d+)", label))


def _with_county(label: str, county: str) -> str:
    return f"{label} ({county})" if county else label


def question_routes(endpoint: SparqlEndpoint) -> list[Route]:
    """``/questions/NAME/form`` and ``/questions/NAME``."""
    questions = Questions(endpoint)

    def _query(request: Request) -> QueryFile | Response:
        try:
            return catalogue_query(request.path_params["name"])
        except PlanegrafError as err:
            return PlainTextResponse(f"{err}\n", 404)

    def _question(request: Request) -> tuple[QueryFile, str] | Response:
        """The named question and the page's language, or the 404/400 that says why not."""
        query = _query(request)
        if isinstance(query, Response):
            return query
        lang = request.query_params.get("lang", "sv")
        if lang not in LANGUAGES:
            return PlainTextResponse(f"lang is one of {', '.join(LANGUAGES)}\n", 400)
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
        fmt = request.query_params.get("format", "json")
        if fmt not in ("json", "csv"):
            return PlainTextResponse("format is json or csv\n", 400)
        given = {name: value.strip() for name, value in request.query_params.items()
                 if name not in _RESERVED and value.strip()}
        try:
            sent = await anyio.to_thread.run_sync(questions.request, query, given, lang)
        except PlanegrafError as err:
            return PlainTextResponse(f"{err}\n", 400)
        reply = await endpoint.answer(sent)
        if reply.status != 200:
            return Response(reply.body, reply.status, headers=reply.headers,
                            media_type=reply.media_type)
        if fmt == "csv":
            filename = urllib.parse.quote(f"{query.name}.csv")
            return Response(results_csv(reply.body), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition":
                                     f"attachment; filename*=UTF-8''{filename}"})
        return Response(reply.body, media_type="application/sparql-results+json")

    return [Route("/questions/{name}/form", form, methods=["GET", "HEAD"]),
            Route("/questions/{name}", answer, methods=["GET", "HEAD"])]
