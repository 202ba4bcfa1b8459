"""Parameters by what people type: an organisation, area, plan, goal or county written as a
label, a number or a key ("Qulturum", "6", "rjl-hp-2018-2020", "Kalmar län") becomes the
IRI it names, or a clear error.

Names come from the data through the engine (``queries/lookup/*.rq``), so the same lookup
works on the embedded store and on an endpoint. They are compared as the importer compares
names (:func:`planegraf.ingest.resolver.normalise`: Unicode form, case, dashes, punctuation
and whitespace), on labels, alternative labels, numbers, identifiers and the key of the IRI.
Nothing found is an error naming the closest candidates; several found is an error listing
them (an area number is shared by the areas of several plans unless a plan narrows it).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import pyoxigraph as ox
from rapidfuzz import fuzz, process

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.ids import DATA
from planegraf.ingest.resolver import compact, normalise
from planegraf.resources import queries_dir
from planegraf.sparql.engines import EmbeddedEngine, Engine
from planegraf.sparql.queries import QueryFile, QueryForm, read_query

Kind = Literal["organisation", "area", "plan", "goal", "county"]
KINDS: tuple[Kind, ...] = ("organisation", "area", "plan", "goal", "county")
_QUERIES: dict[Kind, str] = {
    "organisation": "lookup/organisations.rq", "area": "lookup/areas.rq",
    "plan": "lookup/plans.rq", "goal": "lookup/goals.rq", "county": "lookup/counties.rq",
}
_SHOWN = 8


class NameLookupError(PlanegrafError):
    """A typed name matched nothing or several things; the message lists the candidates."""


@dataclass
class Candidate:
    """One thing a parameter can name, with every name it goes by."""

    iri: str
    label: str
    names: set[str] = field(default_factory=set)
    plans: set[str] = field(default_factory=set)
    contexts: set[str] = field(default_factory=set)

    def key(self) -> str:
        """What to type to name it without doubt: the IRI's path under the data namespace."""
        return self.iri.removeprefix(DATA)

    def describe(self) -> str:
        context = ", ".join(sorted(c for c in self.contexts if c))
        return f"{self.label} [{self.key()}]" + (f" ({context})" if context else "")


#: planegraf's own lookup questions that are SELECT queries (``queries/lookup/``): every
#: one is parsed with the full grammar by the test suite (tests/test_lookup_unparsed.py).
LOOKUP_SELECTS = frozenset({*_QUERIES.values(), "lookup/plan-counties.rq",
                            "lookup/area-plans.rq"})


class LookupEngine(EmbeddedEngine):
    """The embedded engine, answering planegraf's own lookup questions (:data:`LOOKUP_SELECTS`)
    without parsing them again with rdflib's grammar: that check (refusing updates and
    SERVICE) is for queries people write, and took 0.4 s of every site build for six files
    the test suite checks. Every other query is checked as by :class:`EmbeddedEngine`; limits,
    when given, apply to every query alike."""

    def _checked_form(self, query: QueryFile) -> QueryForm:
        return "SELECT" if _own_select(query) else super()._checked_form(query)


def _own_select(query: QueryFile) -> bool:
    """Whether ``query`` is one of :data:`LOOKUP_SELECTS` as the package holds it (its path
    and its text: a question given another's path is checked)."""
    return query.text == _own_texts().get(query.path)


@cache
def _own_texts() -> dict[Path, str]:
    return {queries_dir() / name: read_query(name).text for name in LOOKUP_SELECTS}


# Labels are chosen by language, so the same engine keeps one list per kind and language.
_CACHE: weakref.WeakKeyDictionary[Engine, dict[tuple[Kind, str], list[Candidate]]] = (
    weakref.WeakKeyDictionary())
#: The plans of each area with their titles by language (``lookup/area-plans.rq``): the same
#: in every language, so asked once per engine (it reads every activity: 0.2 s at a million
#: quads, which each language's areas asked again).
_AREA_PLANS: weakref.WeakKeyDictionary[Engine, dict[str, dict[str, dict[str, set[str]]]]] = (
    weakref.WeakKeyDictionary())


def candidates(engine: Engine, kind: Kind, lang: str = "sv") -> list[Candidate]:
    """Everything of ``kind`` in the data with its ``lang`` label, asked once per engine."""
    known = _CACHE.setdefault(engine, {})
    if (kind, lang) not in known:
        query: QueryFile = read_query(_QUERIES[kind])
        answer = engine.run(query, {"lang": ox.Literal(lang)})
        assert answer.solutions is not None
        found: dict[str, Candidate] = {}
        for row in answer.solutions.rows:
            item = row.get("item")
            if not isinstance(item, ox.NamedNode):
                continue
            label = row.get("label")
            candidate = found.setdefault(item.value, Candidate(
                item.value, label.value if label is not None else item.value))
            for column, target in (("name", candidate.names), ("plan", candidate.plans),
                                   ("context", candidate.contexts)):
                term = row.get(column)
                if term is not None:
                    target.add(term.value)
        if kind == "area":
            _add_area_plans(engine, found, lang)
        for candidate in found.values():
            path = candidate.key()
            candidate.names.update({candidate.iri, path, path.split("/", 1)[-1],
                                    path.rsplit("/", 1)[-1]})
        known[kind, lang] = sorted(found.values(), key=lambda c: c.iri)
    return known[kind, lang]


def _add_area_plans(engine: Engine, found: Mapping[str, Candidate], lang: str) -> None:
    """Each area's plans, and as its context their titles in ``lang``, else Swedish, else
    "" (and "" for an area of no plan), as one query choosing by language would."""
    plans = _area_plans(engine)
    for iri, candidate in found.items():
        titled = plans.get(iri, {})
        candidate.plans.update(titled)
        if not titled:
            candidate.contexts.add("")
        for titles in titled.values():
            candidate.contexts.update(titles.get(lang) or titles.get("sv") or {""})


def _area_plans(engine: Engine) -> dict[str, dict[str, dict[str, set[str]]]]:
    """Area IRI -> plan IRI -> language -> titles (``lookup/area-plans.rq``), once."""
    known = _AREA_PLANS.get(engine)
    if known is None:
        answer = engine.run(read_query("lookup/area-plans.rq"))
        assert answer.solutions is not None
        known = {}
        for row in answer.solutions.rows:
            item, plan, title = row.get("item"), row.get("plan"), row.get("title")
            if not isinstance(item, ox.NamedNode) or not isinstance(plan, ox.NamedNode):
                continue
            titles = known.setdefault(item.value, {}).setdefault(plan.value, {})
            if isinstance(title, ox.Literal):
                titles.setdefault(title.language or "", set()).add(title.value)
        _AREA_PLANS[engine] = known
    return known


def _keys(name: str) -> set[str]:
    key = normalise(name)
    return {key, compact(key)}


def resolve_parameter(engine: Engine, kind: Kind, text: str, *,
                      plan: str | None = None, origin: str | None = None) -> str:
    """The IRI that ``text`` names among the things of ``kind``.

    ``plan`` (an IRI) narrows areas and goals to that plan's. An area may also be written
    with its plan, ``rjl-hp-2018-2020/6``. ``origin`` names the option in messages
    (``--area``, ``--param area``). Raises :class:`PlanegrafError` (exit 2) listing the
    closest candidates when nothing matches, and every match when several do.
    """
    origin = origin or f"--{kind}"
    wanted = text.strip()
    if not wanted:
        raise NameLookupError(Message("error_lookup_empty", origin=origin))
    pool = candidates(engine, kind)
    if plan is None and kind in ("area", "goal") and "/" in wanted:
        plan_text, _, rest = wanted.rpartition("/")
        plan_iri = _quiet(engine, "plan", plan_text)
        if plan_iri is not None:
            return resolve_parameter(engine, kind, rest, plan=plan_iri, origin=origin)
    if plan is not None and kind in ("area", "goal"):
        pool = [c for c in pool if plan in c.plans]
    keys = _keys(wanted)
    found = [c for c in pool if any(keys & _keys(name) for name in c.names)]
    if len(found) == 1:
        return found[0].iri
    scope = Message("error_lookup_scope", plan=plan.removeprefix(DATA)) if plan else ""
    if found:
        listed = "; ".join(c.describe() for c in found[:_SHOWN])
        more = (Message("error_lookup_more", n=len(found) - _SHOWN)
                if len(found) > _SHOWN else "")
        hint = Message("error_lookup_hint_plan" if kind in ("area", "goal") and plan is None
                       else "error_lookup_hint_key")
        raise NameLookupError(Message("error_lookup_ambiguous", origin=origin, text=repr(text),
                                      n=len(found), words=Message(f"error_lookup_plural_{kind}"),
                                      scope=scope, listed=listed, more=more, hint=hint))
    raise NameLookupError(Message("error_lookup_missing", origin=origin,
                                  none=Message(f"error_lookup_none_{kind}"), text=repr(text),
                                  scope=scope, closest=_closest(wanted, pool)))


def _quiet(engine: Engine, kind: Kind, text: str) -> str | None:
    try:
        return resolve_parameter(engine, kind, text)
    except PlanegrafError:
        return None


def _closest(text: str, pool: Sequence[Candidate]) -> str:
    choices: dict[str, Candidate] = {}
    for candidate in pool:
        for name in candidate.names:
            choices.setdefault(normalise(name), candidate)
    if not choices:
        return Message("error_lookup_nothing")
    best = process.extract(normalise(text), list(choices), scorer=fuzz.WRatio, limit=20)
    shown: list[Candidate] = []
    for name, _score, _index in best:
        candidate = choices[name]
        if candidate not in shown:
            shown.append(candidate)
        if len(shown) == 5:
            break
    return "; ".join(c.describe() for c in shown)


def parameter_kind(name: str, xsd_type: str) -> Kind | None:
    """The kind a query parameter names, from its name: ``organisation``, ``area``,
    ``plan``, ``goal``, ``county`` or a name ending in one (``left_county``).

    >>> parameter_kind("left_county", "xsd:anyURI"), parameter_kind("text", "xsd:string")
    ('county', None)
    """
    if xsd_type != "xsd:anyURI":
        return None
    last = name.rsplit("_", 1)[-1]
    return next((k for k in KINDS if k == last), None)


def resolve_given(engine: Engine, query: QueryFile, given: Mapping[str, str]
                  ) -> dict[str, str]:
    """``given`` with every organisation, area, plan, goal or county parameter of ``query``
    turned into the IRI it names; a plan parameter narrows an area or goal parameter."""
    resolved = dict(given)
    kinds = {p.name: parameter_kind(p.name, p.type) for p in query.parameters}
    plan: str | None = None
    for name, value in given.items():
        if kinds.get(name) == "plan":
            plan = resolved[name] = resolve_parameter(engine, "plan", value,
                                                      origin=f"--param {name}")
    for name, value in given.items():
        kind = kinds.get(name)
        if kind is not None and kind != "plan":
            resolved[name] = resolve_parameter(
                engine, kind, value, plan=plan if kind in ("area", "goal") else None,
                origin=f"--param {name}")
    return resolved
