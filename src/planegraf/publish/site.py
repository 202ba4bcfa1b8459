"""The static web report: strategy tree, a page per resource with ``.ttl``/``.jsonld``
alternates at the path its IRI dereferences to, in Swedish and English, working offline.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import posixpath
import re
import sys
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache, partial
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pyoxigraph as ox
from markupsafe import Markup, escape

from planegraf import i18n
from planegraf.ids import DATA
from planegraf.namespaces import PREFIXES
from planegraf.publish import lod
from planegraf.rdf.store import EmbeddedStore
from planegraf.render import templates
from planegraf.sparql.queries import read_query
from planegraf.threads import Beside

Term = ox.NamedNode | ox.BlankNode | ox.Literal
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = ("sv", "en")
ONTOLOGY_NS = "https://w3id.org/planegraf/def"
_SAFE_PATH = re.compile(r"[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*")

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PG = ONTOLOGY_NS + "#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
CV = "http://data.europa.eu/m8g/"
PROV = "http://www.w3.org/ns/prov#"
ROLE = DATA + "role/"
#: A participant's leading role in an activity, first first.
_ROLE_ORDER = {ROLE + "coordinator": 0, ROLE + "steering-group": 1, ROLE + "partner": 2,
               ROLE + "funder": 3}
AGENT_TYPES = frozenset({ORG + "Organization", ORG + "OrganizationalUnit",
                         "http://data.europa.eu/m8g/PublicOrganisation", PG + "AgentGroup"})
#: The organisation page's summary and ego network show this many most frequent partners.
EGO_PARTNERS = 8
LABEL_PROPERTIES = (SKOS + "prefLabel", RDFS_LABEL, "http://purl.org/dc/terms/title",
                    "http://xmlns.com/foaf/0.1/name")
# Statements shown first on a page, in this order; the rest follow by property label.
LEADING_PROPERTIES = (SKOS + "notation", SKOS + "prefLabel", RDFS_LABEL,
                      "http://purl.org/dc/terms/title", PG + "inPlan", PG + "actionArea",
                      PG + "coordinator", PG + "partner", PG + "followUp")


def resource_path(iri: str) -> str | None:
    """Where a data IRI's files live in the site, without extension; None outside the site.

    >>> resource_path("https://w3id.org/planegraf/id/activity/rjl-hp-2018-2020/6-3")
    'id/activity/rjl-hp-2018-2020/6-3'
    >>> resource_path("http://example.org/x") is None
    True
    """
    if not iri.startswith(DATA):
        return None
    rest = iri[len(DATA):]
    if not _SAFE_PATH.fullmatch(rest) or ".." in rest:
        return None
    return "id/" + rest


def page_name(path: str, lang: str, default_lang: str) -> str:
    """The HTML file of a page in one language: ``x.html`` by default, else ``x.en.html``.

    >>> page_name("id/org/a", "en", "sv")
    'id/org/a.en.html'
    """
    return f"{path}.html" if lang == default_lang else f"{path}.{lang}.html"


class StatementIndex:
    """Statements by subject and by object, and the labels made from them: what the pages
    read. :class:`ResourceIndex` holds every statement; :class:`PredicateIndex` only the
    predicates the report pages ask for."""

    _literals: dict[tuple[str, tuple[str, ...], str], str | None]

    def values(self, subject: str, predicate: str) -> list[Term]:
        raise NotImplementedError

    def subjects(self, predicate: str, obj: str) -> list[str]:
        raise NotImplementedError

    def has_statements(self, iri: str) -> bool:
        """Whether ``iri`` is the subject of a statement (and so gets a page)."""
        raise NotImplementedError

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [t.value for t in self.values(subject, predicate) if isinstance(t, ox.NamedNode)]

    def of_type(self, cls: str) -> list[str]:
        return self.subjects(RDF_TYPE, cls)

    def is_a(self, iri: str, classes: frozenset[str]) -> bool:
        """Whether ``iri`` has one of ``classes`` as a type."""
        return not classes.isdisjoint(self.iris(iri, RDF_TYPE))

    def literal(self, subject: str, predicates: tuple[str, ...], lang: str) -> str | None:
        """The first literal of ``predicates`` in ``lang``, else Swedish, English, any."""
        key = (subject, predicates, lang)
        if key not in self._literals:
            self._literals[key] = self._find_literal(subject, predicates, lang)
        return self._literals[key]

    def _find_literal(self, subject: str, predicates: tuple[str, ...], lang: str) -> str | None:
        for predicate in predicates:
            found = _pick_literal(self.values(subject, predicate), lang)
            if found is not None:
                return found
        return None

    def label(self, iri: str, lang: str) -> str:
        """A name for people: prefLabel, label or title in ``lang`` (else any), else the IRI."""
        return _named(iri, self.literal(iri, LABEL_PROPERTIES, lang),
                      self.literal(iri, (SKOS + "notation",), lang))

    def labels(self, iris: Iterable[str], lang: str,
               notations: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """:meth:`label` of each of ``iris`` (``notations``: their :meth:`literals` of
        skos:notation in ``lang``, when found already)."""
        return {iri: self.label(iri, lang) for iri in iris}

    def literals(self, iris: Iterable[str], predicate: str, lang: str) -> dict[str, str | None]:
        """:meth:`literal` of one predicate for each of ``iris``."""
        return {iri: self.literal(iri, (predicate,), lang) for iri in iris}


@dataclass
class ResourceIndex(StatementIndex):
    """Every statement of the dataset by subject and by object, read from the store once."""

    outgoing: dict[str, dict[str, list[Term]]] = field(default_factory=dict)
    incoming: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    _literals: dict[tuple[str, tuple[str, ...], str], str | None] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: EmbeddedStore) -> ResourceIndex:
        index = cls()
        seen: set[tuple[str, str, Term]] = set()
        outgoing: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        incoming: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for quad in store.oxigraph:
            if not isinstance(quad.subject, ox.NamedNode):
                continue
            key = (quad.subject.value, quad.predicate.value, quad.object)
            if key in seen:  # the same triple in several named graphs
                continue
            seen.add(key)
            outgoing[key[0]][key[1]].append(quad.object)
            if isinstance(quad.object, ox.NamedNode):
                incoming[quad.object.value][key[1]].add(key[0])
        # Each predicate's objects in one order whatever the store's (see _canonical).
        index.outgoing = {s: {p: _canonical(o) for p, o in ps.items()}
                          for s, ps in outgoing.items()}
        index.incoming = {o: dict(p) for o, p in incoming.items()}
        return index

    def values(self, subject: str, predicate: str) -> list[Term]:
        return self.outgoing.get(subject, {}).get(predicate, [])

    def subjects(self, predicate: str, obj: str) -> list[str]:
        return sorted(self.incoming.get(obj, {}).get(predicate, set()))

    def has_statements(self, iri: str) -> bool:
        return iri in self.outgoing


class PredicateIndex(StatementIndex):
    """The statements of one predicate at a time, read from the store (one pattern scan of
    that predicate) the first time a page asks for it.

    The report pages need a dozen predicates (labels, types, the strategy tree's links);
    reading only those keeps a national dataset's site from holding every statement in
    Python, which is what the resource pages need and why they are not written for it.
    """

    #: The classes of what the report pages show and link to: their members are read class
    #: by class (a scan each, however big the data), and whether such a thing has a page or
    #: is a strategy is answered from them, so the types are not read whole: the store
    #: types every participation and source excerpt too (150 000 statements at a million
    #: quads, a sixth of the start page's time read into Python).
    PAGE_CLASSES = (PG + "Activity", PG + "ActionArea", PG + "StrategicGoal",
                    PG + "OverarchingGoal", PG + "Strategy", PG + "ActionPlan",
                    *sorted(AGENT_TYPES))

    def __init__(self, store: EmbeddedStore) -> None:
        self._store = store.oxigraph
        self._literals = {}
        self._outgoing: dict[str, dict[str, list[Term]]] = {}
        self._incoming: dict[str, dict[str, set[str]]] = {}
        self._subjects: dict[str, bool] = {}
        self._members: dict[str, frozenset[str]] = {}
        #: How many pattern scans of the store the index made (one per predicate read).
        self.scans = 0

    def _load(self, predicate: str) -> None:
        outgoing: dict[str, list[Term]] = {}
        incoming: dict[str, set[str]] = {}
        # The objects of a subject that has more than one, as a set: asked of the list, the
        # question "seen already?" made a subject with many objects quadratic (20 000
        # labels of one thing in hostile data: 4 s; 100 000: minutes).
        several: dict[str, set[Term]] = {}
        self.scans += 1
        # Each quad read once and each term taken from it once: a predicate of every
        # activity is 25 000 to 50 000 quads at a million, where the Python work per quad
        # (not Oxigraph's scan) is the time.
        for quad in self._store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
            subject, obj = quad.subject, quad.object
            if not isinstance(subject, ox.NamedNode) or isinstance(obj, ox.Triple):
                continue
            name = subject.value
            objects = outgoing.get(name)
            if objects is None:
                outgoing[name] = [obj]
            else:
                known = several.get(name)
                if known is None:
                    known = several[name] = set(objects)
                if obj in known:  # the same triple in several named graphs
                    continue
                known.add(obj)
                objects.append(obj)
            if isinstance(obj, ox.NamedNode):
                target = obj.value
                found = incoming.get(target)
                if found is None:
                    incoming[target] = {name}
                else:
                    found.add(name)
        # Each subject's objects in one order whatever the store's (see _canonical); one
        # object is in order already (most subjects have one: a label, an area).
        self._outgoing[predicate] = {s: o if len(o) == 1 else _canonical(o)
                                     for s, o in outgoing.items()}
        self._incoming[predicate] = incoming

    def values(self, subject: str, predicate: str) -> list[Term]:
        if predicate not in self._outgoing:
            self._load(predicate)
        return self._outgoing[predicate].get(subject, [])

    def subjects(self, predicate: str, obj: str) -> list[str]:
        if predicate == RDF_TYPE and predicate not in self._incoming:
            return sorted(self._class_members(obj))
        if predicate not in self._incoming:
            self._load(predicate)
        return sorted(self._incoming[predicate].get(obj, set()))

    def _class_members(self, cls: str) -> frozenset[str]:
        """The subjects typed ``cls`` (one scan of its members, once)."""
        if cls not in self._members:
            if RDF_TYPE in self._incoming:  # every type read already
                found: Iterable[str] = self._incoming[RDF_TYPE].get(cls, set())
            else:
                self.scans += 1
                try:
                    node = ox.NamedNode(cls)
                except ValueError:  # no class of a store
                    found = ()
                else:
                    found = (q.subject.value for q in self._store.quads_for_pattern(
                        None, ox.NamedNode(RDF_TYPE), node, None)
                        if isinstance(q.subject, ox.NamedNode))
            self._members[cls] = frozenset(found)
        return self._members[cls]

    def _table(self, predicate: str) -> dict[str, list[Term]]:
        if predicate not in self._outgoing:
            self._load(predicate)
        return self._outgoing[predicate]

    def labels(self, iris: Iterable[str], lang: str,
               notations: Mapping[str, str | None] | None = None) -> dict[str, str]:
        # The labels of thousands of things at once (every activity of a national start
        # page's county and plan pages): each predicate's statements looked up directly,
        # the same choice as label()'s, without its per-call lookups and cache.
        tables = [self._table(p) for p in LABEL_PROPERTIES]
        if notations is None:
            notations = self.literals(iris, SKOS + "notation", lang)
        else:
            notations = {iri: notations[iri] for iri in iris}
        found: dict[str, str] = {}
        for iri, notation in notations.items():
            literal = None
            for table in tables:
                values = table.get(iri)
                if values and (literal := _pick_literal(values, lang)) is not None:
                    break
            found[iri] = _named(iri, literal, notation)
        return found

    def literals(self, iris: Iterable[str], predicate: str, lang: str) -> dict[str, str | None]:
        table = self._table(predicate)
        return {iri: _pick_literal(values, lang) if (values := table.get(iri)) else None
                for iri in iris}

    def is_a(self, iri: str, classes: frozenset[str]) -> bool:
        if RDF_TYPE not in self._outgoing and classes.issubset(self.PAGE_CLASSES):
            return any(iri in self._class_members(cls) for cls in classes)
        return super().is_a(iri, classes)

    def has_statements(self, iri: str) -> bool:
        # Asked only for the IRIs the report pages link to. Nearly all of them are of the
        # classes the pages show (PAGE_CLASSES); the others are looked up among every type,
        # then, with none, in the store (one index lookup each).
        if any(iri in self._class_members(cls) for cls in self.PAGE_CLASSES):
            return True
        if self.values(iri, RDF_TYPE):
            return True
        if iri not in self._subjects:
            quads = self._store.quads_for_pattern(ox.NamedNode(iri), None, None, None)
            self._subjects[iri] = next(iter(quads), None) is not None
        return self._subjects[iri]


def _pick_literal(values: Sequence[Term], lang: str) -> str | None:
    """The literal among ``values`` in ``lang``, else Swedish, English, any (the least by
    value of equals); None without a literal."""
    if len(values) == 1:  # most things have one: it is the choice in any language
        return str(values[0].value) if isinstance(values[0], ox.Literal) else None
    literals = [t for t in values if isinstance(t, ox.Literal)]
    if not literals:
        return None
    if len(literals) > 1:  # sorted once, not once per language tried
        literals.sort(key=lambda t: t.value)
    for wanted in (lang, "sv", "en", None):
        for term in literals:
            if (term.language or None) == wanted or wanted is None:
                return str(term.value)
    return None


def _named(iri: str, label: str | None, notation: str | None) -> str:
    """What :meth:`StatementIndex.label` makes of a label and a notation found for ``iri``."""
    if label is None:
        label = iri.rsplit("#", 1)[-1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]
    if notation and not label.startswith(notation):
        return f"{notation} {label}"
    return label


#: What is always named with its county (:meth:`SiteWriter._scoped_label`).
_SCOPED = frozenset({PG + "Strategy", PG + "ActionPlan"})


def _canonical(objects: list[Term]) -> list[Term]:
    """A predicate's objects in their N-Triples order: a page lists values of equal label
    (one name in two languages) alike whether its index read the whole store or only one
    resource's statements, which come in another order."""
    return sorted(objects, key=str) if len(objects) > 1 else objects


#: The literal lookups a :class:`StoreIndex` keeps from one page to the next: the names of
#: what pages link to (labels, notations, property and type labels), not a page's details.
_NAMES = frozenset({LABEL_PROPERTIES, (SKOS + "notation",), (RDFS_LABEL,),
                    (RDFS_LABEL, SKOS + "prefLabel")})
#: At most this many names are kept; beyond, they are forgotten at once and looked up again,
#: so the static site's memory does not grow with the data (labels only, bounded).
KEPT_NAMES = 200_000
#: At most this many lookups (an IRI's values of one predicate, the subjects naming an IRI
#: by one predicate) are kept between the pages of ``planegraf serve``
#: (:class:`PageRenderer`) and between the resources of one static site's pages; beyond,
#: they are forgotten at once.
KEPT_VALUES = 200_000
#: At most this many bytes of rendered pages are kept by ``planegraf serve``
#: (:class:`PageRenderer`): a page asked again is the page rendered before (the dataset
#: never changes under the server), the oldest forgotten first. The biggest organisation
#: page of the national synthetic data is 0.25 MB and costs 30 to 80 ms of CPU to render;
#: kept, nothing.
KEPT_PAGE_BYTES = 64 * 2**20
_UNSEEN = object()


@dataclass
class KeptLookups:
    """Store lookups kept from one page to the next: an IRI's values of a predicate, the
    names of IRIs (:data:`_NAMES`) and the subjects naming an IRI by a predicate."""

    values: dict[tuple[str, str], list[Term]] = field(default_factory=dict)
    names: dict[tuple[str, tuple[str, ...], str], str | None] = field(default_factory=dict)
    naming: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    #: Whether an IRI is the subject of a statement (has a page): asked for every link,
    #: in each language's page alike.
    has_page: dict[str, bool] = field(default_factory=dict)
    #: Whole predicates read once (``planegraf serve``: :meth:`PageRenderer.read_tables`),
    #: never forgotten: their lookups are answered from them.
    tables: LinkTables | None = None


#: The predicates a resource page reads of what it links to, not of itself: the names of
#: its links (a plan's or area's page names every activity in it) and, for an organisation's
#: page, the participations of each of its activities (their roles, whether stated, who
#: takes part) and their plan and area. :class:`LinkTables` holds each of them whole.
LINK_PREDICATES = (*LABEL_PROPERTIES, SKOS + "notation", PG + "inPlan", PG + "actionArea",
                   CV + "hasParticipation", CV + "hasParticipant", CV + "role", PG + "stated")
#: Of these, the ones whose subjects are also looked up by object (an organisation's page
#: goes from each of its participations to the activity holding it).
LINK_PREDICATES_NAMING = (CV + "hasParticipation",)
#: Of these, the ones with few objects, each named by thousands of statements (a role, an
#: organisation, a plan): each object is held once.
_FEW_OBJECTS = frozenset({PG + "inPlan", PG + "actionArea", CV + "hasParticipant",
                          CV + "role", PG + "stated"})


@dataclass
class LinkTables:
    """Every statement of :data:`LINK_PREDICATES`, by subject (and those of
    :data:`LINK_PREDICATES_NAMING` by object too), and the members of the classes whose
    things are named with their county (:data:`_SCOPED`): what ``planegraf serve`` reads
    once at start (:meth:`PageRenderer.read_tables`, one scan per predicate) so that a page
    asked for the first time looks up only its own statements, not several per link.

    Why: at a million quads an organisation's page lists some hundred activities, each
    with three participations: 1 600 store lookups and 30 ms of CPU per page (80 ms for the
    biggest), a plan's page 1 000 lookups for the names of its activities; with 8 clients
    the pages waited for each other (p95 of first requests 288 ms for organisations).
    What it costs at a million quads: 2 s of CPU at start (450 000 statements read into
    Python) and 56 MB (README, serve at national scale). Read-only once made, so any
    thread (and a forked worker) reads it without a lock.

    An answer from a table is the answer of a lookup (:meth:`StoreIndex.values`,
    :meth:`StoreIndex.subjects`): each triple once whatever the named graphs, objects in
    their canonical order (:func:`_canonical`), no RDF-star triple as an object.
    """

    #: predicate -> subject -> its object (one) or objects (several, canonical order)
    values: dict[str, dict[str, Term | list[Term]]] = field(default_factory=dict)
    #: predicate -> object -> the subject (one) or subjects (several, sorted)
    naming: dict[str, dict[str, str | list[str]]] = field(default_factory=dict)
    #: class -> its members
    members: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, store: ox.Store) -> LinkTables:
        tables = cls()
        strings: dict[str, str] = {}  # one str per IRI, whatever the tables holding it
        terms: dict[Term, Term] = {}  # one object per term of the predicates of few objects
        for predicate in LINK_PREDICATES:
            table: dict[str, Term | list[Term]] = {}
            several: dict[str, set[Term]] = {}
            named: dict[str, str | set[str]] | None = (
                {} if predicate in LINK_PREDICATES_NAMING else None)
            few = predicate in _FEW_OBJECTS
            for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                subject, obj = quad.subject, quad.object
                if not isinstance(subject, ox.NamedNode) or isinstance(obj, ox.Triple):
                    continue
                value = subject.value
                name = strings.setdefault(value, value)
                if few:
                    obj = terms.setdefault(obj, obj)
                found = table.get(name)
                if found is None:
                    table[name] = obj
                else:
                    known = several.get(name)
                    if known is None:
                        assert not isinstance(found, list)
                        known = several[name] = {found}
                        table[name] = found = [found]
                    if obj in known:  # the same triple in several named graphs
                        continue
                    known.add(obj)
                    assert isinstance(found, list)
                    found.append(obj)
                if named is not None and isinstance(obj, ox.NamedNode):
                    value = obj.value
                    target = strings.setdefault(value, value)
                    by = named.get(target)
                    if by is None:
                        named[target] = name
                    elif isinstance(by, str):
                        named[target] = {by, name}
                    else:
                        by.add(name)
            for name in several:
                objects = table[name]
                assert isinstance(objects, list)
                table[name] = _canonical(objects)
            tables.values[predicate] = table
            if named is not None:
                tables.naming[predicate] = {
                    target: by if isinstance(by, str) else sorted(by)
                    for target, by in named.items()}
        rdf_type = ox.NamedNode(RDF_TYPE)
        for cls_iri in sorted(_SCOPED):
            tables.members[cls_iri] = frozenset(
                strings.get(q.subject.value, q.subject.value)
                for q in store.quads_for_pattern(None, rdf_type, ox.NamedNode(cls_iri), None)
                if isinstance(q.subject, ox.NamedNode))
        return tables

    def holds(self, predicate: str) -> bool:
        return predicate in self.values

    def objects(self, subject: str, predicate: str) -> list[Term]:
        found = self.values[predicate].get(subject)
        if found is None:
            return []
        return found if isinstance(found, list) else [found]

    def subjects(self, predicate: str, obj: str) -> list[str]:
        found = self.naming[predicate].get(obj)
        if found is None:
            return []
        return [found] if isinstance(found, str) else found

    def is_subject(self, iri: str) -> bool:
        """Whether ``iri`` is the subject of a statement of a table (and so has a page);
        False says nothing."""
        return any(iri in table for table in self.values.values())


class StoreIndex(ResourceIndex):
    """The statements of one resource (what its page lists, as :class:`ResourceIndex` holds
    them) and, for every other IRI its page names, lookups in the store when asked: what
    ``planegraf serve`` renders a page from, and what the static site writes every resource
    page from, without reading the whole dataset into Python.

    :meth:`focus` moves it to the next resource: what it looked up for the last page is
    forgotten except the names (:data:`_NAMES`, at most :data:`KEPT_NAMES`), which the next
    pages mostly link to again. ``subjects``, when given, is every IRI that is the subject of
    a statement: whether an IRI has a page is then a set lookup, not a store lookup.
    One instance per thread.
    """

    def __init__(self, store: ox.Store, iri: str | None = None, *,
                 subjects: frozenset[str] | None = None,
                 kept: KeptLookups | None = None) -> None:
        super().__init__()
        self._store = store
        self._subjects = subjects
        # ``kept`` given: the lookups kept by the caller from one index to the next
        # (PageRenderer's, shared by every request of planegraf serve: the data never
        # changes under it), each bounded.
        self._kept = kept is not None
        kept = kept or KeptLookups()
        self._values, self._names, self._naming = kept.values, kept.names, kept.naming
        self._has_page = kept.has_page
        self._tables = kept.tables
        if iri is not None:
            self.focus(iri)

    def focus(self, iri: str) -> dict[str, list[Term]]:
        """Read the statements of ``iri`` and those naming it (two index lookups); its
        statements by predicate, empty when the dataset says nothing about it."""
        if not self._kept or len(self._values) >= KEPT_VALUES:
            self._values.clear()
        if not self._kept or len(self._naming) >= KEPT_VALUES:
            self._naming.clear()
        if not self._kept or len(self._has_page) >= KEPT_VALUES:
            self._has_page.clear()
        self._literals.clear()
        outgoing: dict[str, list[Term]] = defaultdict(list)
        seen: set[tuple[str, Term]] = set()
        for quad in self._store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
            if isinstance(quad.object, ox.Triple):
                continue
            key = (quad.predicate.value, quad.object)
            if key not in seen:  # the same triple in several named graphs
                seen.add(key)
                outgoing[key[0]].append(quad.object)
        incoming: dict[str, set[str]] = defaultdict(set)
        for quad in self._store.quads_for_pattern(None, None, ox.NamedNode(iri), None):
            if isinstance(quad.subject, ox.NamedNode):
                incoming[quad.predicate.value].add(quad.subject.value)
        self.outgoing = {iri: {p: _canonical(o) for p, o in outgoing.items()}} if outgoing \
            else {}
        self.incoming = {iri: dict(incoming)} if incoming else {}
        return self.outgoing.get(iri, {})

    def literal(self, subject: str, predicates: tuple[str, ...], lang: str) -> str | None:
        if predicates not in _NAMES:
            return super().literal(subject, predicates, lang)
        key = (subject, predicates, lang)
        found = self._names.get(key, _UNSEEN)
        if found is _UNSEEN:
            if len(self._names) >= KEPT_NAMES:
                self._names.clear()
            found = self._names[key] = self._find_literal(subject, predicates, lang)
        assert found is None or isinstance(found, str)
        return found

    def _find_literal(self, subject: str, predicates: tuple[str, ...], lang: str) -> str | None:
        tables = self._tables
        if tables is None or subject in self.outgoing:
            return super()._find_literal(subject, predicates, lang)
        # A name of a link (most of a page's work): straight from the tables.
        for predicate in predicates:
            table = tables.values.get(predicate)
            if table is None:
                values = self.values(subject, predicate)
            else:
                found = table.get(subject)
                if found is None:
                    continue
                values = found if isinstance(found, list) else [found]
            literal = _pick_literal(values, lang)
            if literal is not None:
                return literal
        return None

    def values(self, subject: str, predicate: str) -> list[Term]:
        if subject in self.outgoing:
            return super().values(subject, predicate)
        if self._tables is not None and self._tables.holds(predicate):
            return self._tables.objects(subject, predicate)
        key = (subject, predicate)
        # Read into a local: a dictionary kept between requests may be emptied by another
        # thread between storing and returning (see PageRenderer).
        kept = self._values.get(key)
        if kept is None:
            found: list[Term] = []
            for quad in self._store.quads_for_pattern(ox.NamedNode(subject),
                                                      ox.NamedNode(predicate), None, None):
                if not isinstance(quad.object, ox.Triple) and quad.object not in found:
                    found.append(quad.object)
            kept = self._values[key] = _canonical(found)
        return kept

    def subjects(self, predicate: str, obj: str) -> list[str]:
        if obj in self.incoming:
            return super().subjects(predicate, obj)
        if self._tables is not None and predicate in self._tables.naming:
            return self._tables.subjects(predicate, obj)
        key = (predicate, obj)
        found = self._naming.get(key)
        if found is None:
            found = self._naming[key] = sorted({q.subject.value for q in (
                self._store.quads_for_pattern(None, ox.NamedNode(predicate), ox.NamedNode(obj),
                                              None)) if isinstance(q.subject, ox.NamedNode)})
        return found

    def is_a(self, iri: str, classes: frozenset[str]) -> bool:
        if (self._tables is not None and iri not in self.outgoing
                and classes.issubset(self._tables.members)):
            return any(iri in self._tables.members[cls] for cls in classes)
        return super().is_a(iri, classes)

    def has_statements(self, iri: str) -> bool:
        if iri in self.outgoing:
            return True
        if self._subjects is not None:
            return iri in self._subjects
        if self._tables is not None and self._tables.is_subject(iri):
            return True
        found = self._has_page.get(iri)
        if found is None:
            try:
                node = ox.NamedNode(iri)
            except ValueError:
                return False
            found = self._has_page[iri] = next(
                iter(self._store.quads_for_pattern(node, None, None, None)), None) is not None
        return found


def _strings() -> dict[str, dict[str, str]]:
    return i18n.catalogue()


@cache
def _predicate_labels() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(
        (TEMPLATES / "predicate-labels.json").read_text("utf-8"))
    return data


def _environment() -> jinja2.Environment:
    return templates.environment()


@lru_cache(maxsize=65_536)  # a national dataset's 25 000 activities share a few hundred
def _notation_key(text: str | None) -> tuple[Any, ...]:
    parts = re.split(r"[.\-]", text or "")
    return tuple((0, int(p), "") if p.isdecimal() else (1, 0, p) for p in parts)


#: ``--pages``: every resource page, only the report pages, or every page for a dataset of at
#: most :data:`AUTO_PAGES_QUADS` quads and the report pages above that.
PAGE_MODES = ("auto", "all", "reports")
#: Up to this many quads (the bundled data has about 8 000, the synthetic national data at
#: 50 000 quads about 8 000 resources and 33 000 files) ``--pages auto`` writes every
#: resource page; above it, ``planegraf serve`` shows them.
AUTO_PAGES_QUADS = 50_000

#: The start page's strategy tree lists the activities of a dataset of at most this many
#: (a region's plans have hundreds); above it the tree counts them per area and plan and the
#: county and plan pages list them.
START_PAGE_ACTIVITIES = 2_000

#: The comparison page draws the two networks of each pair of consecutive plans when there
#: are at most this many pairs (a region has a handful); above it, tables only.
DRAWN_PAIRS = 12


def resource_pages_written(store: EmbeddedStore, pages: str) -> bool:
    """Whether a site written with ``--pages pages`` holds the resource pages.

    >>> from planegraf.pipeline import open_store
    >>> resource_pages_written(open_store(), "auto")
    True
    """
    return _at_scale(store, pages)[0]


def every_download_written(store: EmbeddedStore, pages: str) -> bool:
    """Whether a site written with ``--pages pages`` holds every format as a file in
    ``data/``: up to :data:`AUTO_PAGES_QUADS` quads, or with every page asked for. Above,
    only the TriG and the gzip-compressed N-Quads are files (:data:`lod.AT_SCALE_DOWNLOADS`;
    six formats were 11.6x the TriG on disk at a million quads); the description lists the
    other formats where ``planegraf serve`` answers them, and ``planegraf export`` writes
    any of them.

    >>> from planegraf.pipeline import open_store
    >>> every_download_written(open_store(), "reports")
    True
    """
    return _at_scale(store, pages)[1]


def _at_scale(store: EmbeddedStore, pages: str) -> tuple[bool, bool]:
    """(:func:`resource_pages_written`, :func:`every_download_written`), reading at most
    :data:`AUTO_PAGES_QUADS` quads of the store (counting them all holds Python's lock for
    0.2 s at a million)."""
    if pages not in PAGE_MODES:
        raise ValueError(f"pages must be one of {PAGE_MODES}")
    if pages == "all":
        return True, True
    small = not store.holds_more_than(AUTO_PAGES_QUADS)
    return pages == "auto" and small, small


@dataclass
class SiteSection:
    """An optional part of the site made from another module (gaps, network, queries):
    its page, its name in each language and the function that writes it.
    """

    href: str
    labels: dict[str, str]
    write: Callable[[SiteWriter], None]


class SiteWriter:
    """Writes the site into a folder; one instance per build, one pass over the index."""

    #: Whether ``data/`` holds every format (:func:`every_download_written`).
    every_format: bool = True

    def __init__(self, store: EmbeddedStore, folder: Path, default_lang: str = "sv", *,
                 resource_pages: bool = True, index: StatementIndex | None = None,
                 writes: bool = True) -> None:
        self.store = store
        self.folder = folder
        #: False for a writer that only renders pages to strings, of a site already in
        #: ``folder`` (:class:`PageRenderer`, for ``planegraf serve``).
        self.writes = writes
        self.default_lang = default_lang
        #: Whether this site holds a page per resource; without them it is only read from
        #: the store for the predicates the report pages need.
        self.resource_pages = resource_pages
        # The report pages read the predicates they need; the resource pages are written
        # one resource at a time from the store (see _page_writer), so neither holds the
        # dataset in Python.
        self.index: StatementIndex = index or PredicateIndex(store)
        self.env = _environment()
        self.sections: list[SiteSection] = []
        self.written: list[Path] = []
        self._folders: set[Path] = set()
        self.queries_dirs: tuple[Path, ...] = ()
        #: The start page's title by language: the project's (``planegraf.toml``) when the
        #: site is written for one, else planegraf's own.
        self.titles: dict[str, str] = {}
        #: The dataset's counts, once the downloads are written (they count them).
        self.statistics: lod.Statistics | None = None
        self._network_data: Any = None
        self._gaps: list[Any] | None = None
        self._counties: dict[tuple[str, str], str | None] = {}
        # Per IRI and language, once per writer: a national start page names 300 000 nodes
        # (its strategy trees and their county and plan pages), most of them many times.
        self._scoped: dict[tuple[str, str], str] = {}
        self._targets: dict[tuple[str, str], str | None] = {}
        self._in_area: dict[tuple[str, str], list[str]] = {}
        self._area_groups: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}
        self._nodes: dict[tuple[str | int, str, str], dict[str, Any]] = {}
        self._listings: dict[tuple[str | int, str, str, str], Markup] = {}
        self._in_plan: dict[str, frozenset[str]] | None = None
        self._by_plan: dict[str | None, _PlanFigures] | None = None
        self._gaps_by_plan: Counter[str | None] = Counter()
        self._figure_numbers: dict[frozenset[str], list[tuple[str, int]]] = {}

    def write_ontology_docs(self) -> None:
        """``def/index.html`` (and the other language): the ontology's documentation."""
        from planegraf.publish import ontodoc

        for lang in LANGUAGES:
            strings = _strings()[lang]
            self._render("ontology.html", page_name("def/index", lang, self.default_lang), lang,
                         page_path="def/index", **ontodoc.ontology_page(lang),
                         fact_names={key: strings[key] for key, _ in ontodoc.FACTS})

    def gaps(self, gaps: Any, network: Any) -> list[Any]:
        """The gap findings of the whole dataset, found once (they have no language) for
        the gap report and the key figures of the start, county and plan pages."""
        if self._gaps is None:
            self._gaps = gaps.coordination_gaps(
                self.network_data(network), gaps.load_objectives(self.store),
                follow_ups=gaps.load_follow_up_labels(self.store))
        return list(self._gaps)

    def network_data(self, network: Any) -> Any:
        """The network data of the store, read once for every section that needs it."""
        if self._network_data is None:
            self._network_data = network.load_network_data(self.store)
        return self._network_data

    # -- paths and links --------------------------------------------------------------

    def href(self, from_file: str, target_iri: str, lang: str) -> str | None:
        """A relative link from one site file to the page of an IRI, if it has one."""
        if target_iri.startswith(ONTOLOGY_NS):
            fragment = target_iri[len(ONTOLOGY_NS):].lstrip("#")
            target = page_name("def/index", lang, self.default_lang)
            return self._relative(from_file, target) + (f"#{fragment}" if fragment else "")
        key = (target_iri, lang)
        found = self._targets.get(key, _UNSEEN)
        if found is _UNSEEN:
            path = resource_path(target_iri)
            found = self._targets[key] = (
                page_name(path, lang, self.default_lang)
                if path is not None and self.index.has_statements(target_iri) else None)
        assert found is None or isinstance(found, str)
        return None if found is None else self._relative(from_file, found)

    @staticmethod
    def _relative(from_file: str, target: str) -> str:
        """``target`` relative to the folder of ``from_file`` (both relative to the site root).

        posixpath.relpath does the same, ten times slower (it resolves against the cwd).
        """
        here = from_file.split("/")[:-1]
        there = target.split("/")
        common = 0
        while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
            common += 1
        return "/".join([".."] * (len(here) - common) + there[common:])

    def _root(self, file: str) -> str:
        depth = file.count("/")
        return "../" * depth

    def _other_lang(self, lang: str) -> str:
        return next(other for other in LANGUAGES if other != lang)

    def _write(self, relative: str, data: bytes | str) -> None:
        if not self.writes:  # a renderer: the pages are returned, not written
            return
        path = self.folder / relative
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        self.written.append(path)

    def _render(self, template: str, file: str, lang: str, *, page_path: str,
                title: str, alternates: Sequence[dict[str, str]] = (), **context: Any) -> str:
        """Render ``template`` as the site file ``file``, write it and return it."""
        other = self._other_lang(lang)
        other_file = page_name(page_path, other, self.default_lang)
        strings = _strings()[lang]
        nav = [{"href": page_name("organisations", lang, self.default_lang),
                "label": strings["organisations"]}]
        nav += [{"href": section.href if lang == self.default_lang
                 else section.href.replace(".html", f".{lang}.html"),
                 "label": section.labels[lang]} for section in self.sections]
        html = self.env.get_template(template).render(
            lang=lang, t=strings, title=title, root=self._root(file),
            home=page_name("index", lang, self.default_lang), nav=nav,
            other_lang=other, other_page=self._relative(file, other_file),
            alternates=alternates, **context,
        )
        self._write(file, html)
        return html

    # -- pages ------------------------------------------------------------------------

    def resources(self) -> list[tuple[str, str]]:
        """The data IRIs that get a page, each with its path, sorted by IRI."""
        return list(self._resources)

    @cached_property
    def _resources(self) -> tuple[tuple[str, str], ...]:
        if isinstance(self.index, ResourceIndex):  # an index given (one resource: serve)
            subjects: Iterable[str] = self.index.outgoing
        elif self.resource_pages:
            subjects = self._subjects
        else:
            return ()
        # In IRI order, which is by kind (id/activity/…, id/org/…): one kind after another.
        return tuple(sorted((iri, p) for iri in subjects if (p := resource_path(iri))))

    @cached_property
    def _subjects(self) -> frozenset[str]:
        """Every IRI that is the subject of a statement (and so has a page), from one pass
        over the store: what the resource pages ask when they link."""
        return frozenset(quad.subject.value for quad in self.store.oxigraph
                         if isinstance(quad.subject, ox.NamedNode))

    @cached_property
    def _page_writer(self) -> SiteWriter:
        """The writer of the resource pages: this one when it was given an index of its
        resources (``planegraf serve``'s one-resource index), else one over a
        :class:`StoreIndex` moved from resource to resource, writing into this writer's
        folder and list of files."""
        if isinstance(self.index, ResourceIndex):
            return self
        writer = SiteWriter(self.store, self.folder, self.default_lang,
                            index=StoreIndex(self.store.oxigraph, subjects=self._subjects),
                            writes=self.writes)
        writer.sections = self.sections
        writer.written = self.written
        writer._folders = self._folders
        writer.queries_dirs = self.queries_dirs
        writer.titles = self.titles
        writer._counties = self._counties
        return writer

    @cached_property
    def _stems(self) -> dict[str, list[str]]:
        folders = {posixpath.dirname(path) for _, path in self._resources}
        # An IRI that is also a folder (id/role and id/role/coordinator) gets its page a
        # second time as the folder's index.html, where a static host mapping /id/role to
        # the folder looks for it.
        return {path: [path, f"{path}/index"] if path in folders else [path]
                for _, path in self._resources}

    def write_resources(self, share: Sequence[tuple[str, str]] | None = None) -> int:
        """A page per data IRI in both languages, plus its ``.ttl`` and ``.jsonld``: for
        every resource, or for the ``share`` of :meth:`resources` given."""
        chosen = self._resources if share is None else share
        if not chosen:  # a site of report pages only
            return 0
        pages = self._page_writer
        for iri, path in chosen:
            statements = self._statements_of(pages, iri)
            for suffix in STATIC_DATA_SUFFIXES:
                self._write(f"{path}{suffix}", resource_data(iri, statements, suffix))
            for file_stem in self._stems[path]:
                for lang in LANGUAGES:
                    pages._resource_page(iri, path, file_stem, lang)
        return len(chosen)

    def _statements_of(self, pages: SiteWriter, iri: str) -> dict[str, list[Term]]:
        """The statements of ``iri``, with ``pages``' index focused on it."""
        if isinstance(pages.index, StoreIndex) and pages is not self:
            return pages.index.focus(iri)
        assert isinstance(pages.index, ResourceIndex)
        return pages.index.outgoing[iri]

    def resource_page(self, iri: str, file_stem: str, lang: str) -> str:
        """The page of ``iri`` in ``lang`` as the site file ``file_stem`` (its path, or the
        ``…/index`` of an IRI that is also a folder) in that language: written when this
        writer has a folder, and returned. The static site and ``planegraf serve`` both make
        every resource page here."""
        path = resource_path(iri)
        if path is None:
            raise ValueError(f"{iri} has no page in the site")
        pages = self._page_writer
        self._statements_of(pages, iri)
        return pages._resource_page(iri, path, file_stem, lang)

    def resource_files(self, share: Sequence[tuple[str, str]]) -> list[Path]:
        """The files :meth:`write_resources` writes for ``share``, in the order it writes
        them (for a share written by another process)."""
        return [self.folder / file for _, path in share
                for file in (*(f"{path}{suffix}" for suffix in STATIC_DATA_SUFFIXES),
                             *(page_name(stem, lang, self.default_lang)
                               for stem in self._stems[path] for lang in LANGUAGES))]

    def _resource_page(self, iri: str, path: str, file_stem: str, lang: str) -> str:
        file = page_name(file_stem, lang, self.default_lang)
        assert isinstance(self.index, ResourceIndex)
        statements = self.index.outgoing[iri]
        rows = []
        order = {p: i for i, p in enumerate(LEADING_PROPERTIES)}
        for predicate in sorted(statements, key=lambda p: (order.get(p, len(order)),
                                                            self._property_label(p, lang))):
            if predicate == RDF_TYPE:
                continue
            values = [self._value(file, term, lang) for term in statements[predicate]]
            values.sort(key=lambda v: (_notation_key(v.get("notation")), v["label"]))
            rows.append({"iri": predicate, "label": self._property_label(predicate, lang),
                         "href": self.href(file, predicate, lang) or _web_link(predicate),
                         "objects": values, "items": _value_items(values)})
        incoming = []
        for predicate, subjects in sorted(self.index.incoming.get(iri, {}).items()):
            if predicate == RDF_TYPE:
                continue
            values = [self._value(file, ox.NamedNode(s), lang) for s in sorted(subjects)]
            values.sort(key=lambda v: (_notation_key(v.get("notation")), v["label"]))
            incoming.append({"label": self._property_label(predicate, lang), "objects": values,
                             "items": _value_items(values, data_iri=False),
                             "curie": _curie(predicate)})
        # Two properties with one name ("deltagare") are told apart, never shown twice alike.
        names = [row["label"] for row in incoming]
        for row in incoming:
            if names.count(row["label"]) > 1:
                row["label"] = f"{row['label']} ({row['curie']})"
        types = [{"href": self.href(file, t, lang) or _web_link(t),
                  "label": self._type_label(t, lang)}
                 for t in sorted(self.index.iris(iri, RDF_TYPE))]
        base = posixpath.basename(path)
        up = "../" if file_stem.endswith("/index") else ""
        alternates = [
            {"type": "text/turtle", "href": f"{up}{base}.ttl", "name": "Turtle"},
            {"type": "application/ld+json", "href": f"{up}{base}.jsonld", "name": "JSON-LD"},
        ]
        return self._render("resource.html", file, lang, page_path=file_stem,
                            title=self._scoped_label(iri, lang), iri=iri, types=types,
                            statements=rows, incoming=incoming, alternates=alternates,
                            content=self._resource_content(iri, file, lang))

    # -- what a resource page says (its content; how pages are produced is elsewhere) ---

    def _types(self, iri: str) -> set[str]:
        return set(self.index.iris(iri, RDF_TYPE))

    def _scoped_label(self, iri: str, lang: str) -> str:
        """A label that says whose it is: a strategy or plan always with its county, so that
        Kalmar's "Regionplan 2023–2025" never appears without saying it is Kalmar's."""
        key = (iri, lang)
        found = self._scoped.get(key)
        if found is None:
            found = self._scoped[key] = self._find_scoped_label(iri, lang)
        return found

    def _find_scoped_label(self, iri: str, lang: str) -> str:
        label = self.index.label(iri, lang)
        if self.index.is_a(iri, _SCOPED):
            county = self._county_of(iri, lang)
            if county and county not in label:
                return f"{label} ({county})"
        return label

    def _node(self, file: str, iri: str, lang: str) -> dict[str, Any]:
        return {"iri": iri, "href": self.href(file, iri, lang),
                "label": self._scoped_label(iri, lang)}

    def _context(self, iri: str, file: str, lang: str) -> list[dict[str, Any]]:
        """Where a resource sits, top down: county, strategy, goal, area, plan; each level
        named (and linked), so a page never leaves its plan and county unsaid."""
        types = self._types(iri)
        plans: list[str] = []
        area = goal = strategy = None
        if PG + "Activity" in types:
            plans = self.index.iris(iri, PG + "inPlan")
            area = next(iter(self.index.iris(iri, PG + "actionArea")), None)
        elif PG + "ActionPlan" in types:
            strategy = next(iter(self.index.iris(iri, PG + "implements")), None)
        elif PG + "ActionArea" in types:
            area = iri
        elif PG + "StrategicGoal" in types or PG + "OverarchingGoal" in types:
            goal = iri
        elif PG + "Strategy" in types:
            strategy = iri
        if area:
            goal = next(iter(self.index.iris(area, PG + "underGoal")), None)
            strategy = strategy or next(iter(self.index.iris(area, SKOS + "inScheme")), None)
        if goal and not strategy:
            strategy = next(iter(self.index.iris(goal, SKOS + "inScheme")), None)
        if strategy and not plans and PG + "ActionPlan" not in types:
            plans = self.index.subjects(PG + "implements", strategy)
        t = _strings()[lang]
        levels = []
        county = self._county_of(strategy or (plans[0] if plans else iri), lang)
        if county:
            levels.append({"name": t["county"], "items": [{"iri": "", "href": None,
                                                            "label": county}]})
        for name, level in ((t["strategy"], strategy), (t["goal"], goal), (t["area"], area)):
            if level and level != iri:
                levels.append({"name": name, "items": [self._node(file, level, lang)]})
        if plans:
            levels.append({"name": t["plans"] if len(plans) > 1 else t["plan"],
                           "items": [self._node(file, p, lang) for p in plans]})
        return levels

    def _participations(self, activity: str) -> list[tuple[str, str, bool]]:
        """(organisation, role, stated) of every participation of an activity."""
        found = []
        for part in self.index.iris(activity, CV + "hasParticipation"):
            role = next(iter(self.index.iris(part, CV + "role")), "")
            stated = self.index.literal(part, (PG + "stated",), "sv") not in ("false", "0")
            for agent in self.index.iris(part, CV + "hasParticipant"):
                found.append((agent, role, stated))
        if not found:  # data without participation records: the shortcut properties
            for prop, role in ((PG + "coordinator", ROLE + "coordinator"),
                               (PG + "partner", ROLE + "partner")):
                found += [(a, role, True) for a in self.index.iris(activity, prop)]
        return found

    def _roles(self, activity: str) -> dict[str, tuple[str, bool]]:
        """Each organisation of an activity once: its leading role, and whether the source
        states it (an organisation both stated and inferred in a role counts as stated)."""
        best: dict[str, tuple[str, bool]] = {}
        for agent, role, stated in self._participations(activity):
            rank = (_ROLE_ORDER.get(role, 9), not stated)
            if agent not in best or rank < (_ROLE_ORDER.get(best[agent][0], 9),
                                            not best[agent][1]):
                best[agent] = (role, stated)
        return best

    def _role_text(self, role: str, stated: bool, lang: str) -> str:
        # The role's name without its code ("samordningsansvarig", not "coordinator …").
        name = (self.index.literal(role, LABEL_PROPERTIES, lang) if role else None) \
            or _strings()[lang]["participant"]
        return f"{name} ({_strings()[lang]['stated' if stated else 'inferred']})"

    def _activity_content(self, iri: str, file: str, lang: str) -> dict[str, Any]:
        t = _strings()[lang]
        roles = self._roles(iri)
        organisations = sorted(
            ({**self._node(file, agent, lang), "role": self._role_text(role, stated, lang),
              "order": _ROLE_ORDER.get(role, 9)} for agent, (role, stated) in roles.items()),
            key=lambda o: (o["order"], o["label"]))
        follow_ups = [self.index.label(f, lang) for f in self.index.iris(iri, PG + "followUp")]
        sources = []
        for excerpt in self.index.iris(iri, PROV + "wasDerivedFrom"):
            documents = self.index.iris(excerpt, DCT + "isPartOf")
            where = []
            for prop, key in ((PG + "page", "source_page"), (PG + "paragraph", "source_paragraph"),
                              (PG + "table", "source_table"), (PG + "row", "source_row")):
                value = self.index.literal(excerpt, (prop,), lang)
                if value:
                    where.append(f"{t[key]} {value}")
            first = self.index.literal(excerpt, (PG + "line",), lang)
            last = self.index.literal(excerpt, (PG + "endLine",), lang)
            if first:
                where.append(f"{t['source_lines']} {first}" + (f"–{last}" if last and
                                                                 last != first else ""))
            sources.append({"documents": [self._node(file, d, lang) for d in documents],
                            "where": ", ".join(where)})
        return {"kind": "activity", "organisations": organisations,
                "follow_ups": follow_ups, "sources": sources,
                "count": i18n.counted(len(organisations), "organisations_count", lang)}

    def _organisation_content(self, iri: str, file: str, lang: str) -> dict[str, Any]:
        coordinates: list[str] = []
        partner_in: list[str] = []
        activities = []
        partners: dict[str, int] = defaultdict(int)
        areas: dict[str, set[str]] = defaultdict(set)
        plans: dict[str, int] = defaultdict(int)
        part_of = {a for part in self.index.subjects(CV + "hasParticipant", iri)
                   for a in self.index.subjects(CV + "hasParticipation", part)}
        for prop in (PG + "coordinator", PG + "partner", PG + "participant"):
            part_of.update(self.index.subjects(prop, iri))
        for activity in sorted(part_of, key=lambda a: (_notation_key(
                self.index.literal(a, (SKOS + "notation",), lang)), a)):
            roles = self._roles(activity)
            if iri not in roles:
                continue
            role, stated = roles[iri]
            (coordinates if role == ROLE + "coordinator" else partner_in).append(activity)
            plan = next(iter(self.index.iris(activity, PG + "inPlan")), "")
            plans[plan] += 1
            for area in self.index.iris(activity, PG + "actionArea"):
                areas[area].add(plan)
            for other, (_, other_stated) in roles.items():
                if other != iri and stated and other_stated:
                    partners[other] += 1
            activities.append({**self._node(file, activity, lang),
                               "role": self._role_text(role, stated, lang),
                               "plan": self._node(file, plan, lang) if plan else None})
        top = sorted(partners.items(), key=lambda kv: (-kv[1], self.index.label(kv[0], lang)))
        return {
            "kind": "organisation", "activities": activities,
            "activity_items": _activity_roles(activities),
            "coordinates": i18n.counted(len(coordinates), "activities_count", lang),
            "partner_in": i18n.counted(len(partner_in), "activities_count", lang),
            "areas": [{**self._node(file, a, lang),
                       "plans": ", ".join(self._scoped_label(p, lang) for p in sorted(ps) if p)}
                      for a, ps in sorted(areas.items(), key=lambda kv: (
                          self._scoped_label(next(iter(sorted(kv[1]))), lang),
                          _notation_key(self.index.literal(kv[0], (SKOS + "notation",), lang))))],
            "plans": [{**self._node(file, p, lang),
                       "count": i18n.counted(n, "activities_count", lang)}
                      for p, n in sorted(plans.items()) if p],
            "partners": [{**self._node(file, p, lang),
                          "count": i18n.counted(n, "shared_activities", lang)}
                         for p, n in top[:EGO_PARTNERS]],
            "ego": _ego_network(self.index.label(iri, lang),
                                [(self.index.label(p, lang), n) for p, n in top[:EGO_PARTNERS]]),
            "organisation": self.index.label(iri, lang),
        }

    def _resource_content(self, iri: str, file: str, lang: str) -> dict[str, Any]:
        """What a resource page says above its data: the story of an organisation, an
        activity with its organisations and source, and for every page where it sits."""
        types = self._types(iri)
        content: dict[str, Any] = {"kind": "other"}
        if PG + "Activity" in types:
            content = self._activity_content(iri, file, lang)
        elif types & AGENT_TYPES:
            content = self._organisation_content(iri, file, lang)
        content["context"] = self._context(iri, file, lang)
        return content

    def _value(self, file: str, term: Term, lang: str) -> dict[str, Any]:
        if isinstance(term, ox.NamedNode):
            if term.value.startswith(DATA + "participation/"):
                # A participation record is named by what it records, not its last segment
                # (nine records of one organisation would all read "qulturum"); no name is
                # looked up for it (six lookups each, for an organisation's hundreds).
                label = term.value[len(DATA + "participation/"):]
            else:
                label = self._scoped_label(term.value, lang)
            return {"iri": term.value, "href": self.href(file, term.value, lang),
                    "label": label,
                    "notation": self.index.literal(term.value, (SKOS + "notation",), lang)}
        if isinstance(term, ox.Literal):
            return {"iri": None, "href": None, "label": term.value, "lang": term.language}
        return {"iri": None, "href": None, "label": "_:" + term.value}

    def _property_label(self, iri: str, lang: str) -> str:
        known = _predicate_labels().get(iri)
        if known:
            return known[lang]
        label = self.index.literal(iri, (RDFS_LABEL,), lang)
        if label:
            return label
        return _curie(iri)

    def _type_label(self, iri: str, lang: str) -> str:
        return self.index.literal(iri, (RDFS_LABEL, SKOS + "prefLabel"), lang) or _curie(iri)

    def write_index(self) -> None:
        """The start page (whose plans these are, a section per county with its plans and
        key figures, the strategy tree) and a page per county and per plan."""
        from planegraf.analysis import gaps as gap_rules
        from planegraf.analysis import network

        data = self.network_data(network)
        found = self.gaps(gap_rules, network)
        counties: dict[str, list[str]] = defaultdict(list)
        for plan in sorted(data.plans, key=lambda p: (self.index.literal(
                p, (PG + "startYear",), "sv") or "", p)):
            counties[data.plans[plan].county or ""].append(plan)
        # A national start page listing every activity would be megabytes (4 MB at a
        # million quads): above START_PAGE_ACTIVITIES its tree stops at the areas (how many
        # activities in which plan), and each county's and plan's page lists them.
        listed = len(self._activities) <= START_PAGE_ACTIVITIES
        for lang in LANGUAGES:
            file = page_name("index", lang, self.default_lang)
            downloads = self.downloads()
            sections = [{"href": s.href if lang == self.default_lang
                         else s.href.replace(".html", f".{lang}.html"), "label": s.labels[lang]}
                        for s in self.sections]
            pages = {"organisations": page_name("organisations", lang, self.default_lang),
                     "ontology": page_name("def/index", lang, self.default_lang)}
            blocks = [self._county_block(county, plans, data, found, file, lang)
                      for county, plans in sorted(counties.items(), key=lambda kv: (
                          data.county_label(kv[0], lang) if kv[0] else "~"))]
            publishers = sorted({self.index.label(p, lang) for plan in data.plans
                                 for p in self.index.iris(plan, DCT + "publisher")})
            strategies = [self._strategy_tree(s, file, lang, list_activities=listed)
                          for s in self.index.of_type(PG + "Strategy")]
            self._render("index.html", file, lang, page_path="index",
                         title=self.titles.get(lang) or _strings()[lang]["site_title"],
                         strategies=strategies,
                         downloads=downloads, sections=sections, pages=pages,
                         resource_pages=self.resource_pages, counties=blocks,
                         activities_listed=listed,
                         publishers=publishers,
                         key_figures=self._figures(data, set(data.plans), found, lang))
            for block in blocks:
                if block["page"]:
                    self._write_county(block, data, found, lang)
                for plan in block["plans"]:
                    self._write_plan(plan, data, found, lang)

    def _county_block(self, county: str, plans: list[str], data: Any, found: list[Any],
                      file: str, lang: str) -> dict[str, Any]:
        slug = _slug(county) if county else ""
        return {
            "iri": county, "label": data.county_label(county, lang) if county
            else _strings()[lang]["no_county"],
            "page": f"counties/{slug}" if slug else None,
            "href": self._relative(file, page_name(f"counties/{slug}", lang, self.default_lang))
            if slug else None,
            "figures": self._figures(data, set(plans), found, lang),
            "plans": [self._plan_card(plan, data, found, file, lang) for plan in plans],
        }

    def _plan_card(self, plan: str, data: Any, found: list[Any], file: str, lang: str
                   ) -> dict[str, Any]:
        slug = _slug(plan)
        strategy = data.plans[plan].strategy
        start = self.index.literal(plan, (PG + "startYear",), "sv")
        end = self.index.literal(plan, (PG + "endYear",), "sv")
        return {
            "iri": plan, "slug": slug, "page": f"plans/{slug}",
            "label": self._scoped_label(plan, lang),
            "title": data.plans[plan].title(lang),
            "href": self._relative(file, page_name(f"plans/{slug}", lang, self.default_lang)),
            "period": (f"{start}–{end}" if end and end != start else start) if start else None,
            "strategy": strategy,
            "figures": self._figures(data, {plan}, found, lang),
        }

    def _figures(self, data: Any, plans: set[str], found: list[Any], lang: str
                 ) -> list[dict[str, Any]]:
        """The key figures of some plans: what a steering group asks first."""
        key = frozenset(plans)
        figures = self._figure_numbers.get(key)
        if figures is None:  # once per set of plans: each card is on three pages, two languages
            figures = self._figure_numbers[key] = self._count_figures(data, plans, found)
        t = _strings()[lang]
        return [{"key": key, "n": n, "label": t[key]} for key, n in figures]

    def _count_figures(self, data: Any, plans: set[str], found: list[Any]
                       ) -> list[tuple[str, int]]:
        if self._by_plan is None:  # once per site: a national dataset has hundreds of plans
            self._by_plan = {}
            grouped: dict[str | None, list[Any]] = defaultdict(list)
            for activity in data.activities.values():
                grouped[activity.plan].append(activity)
            # Each plan's figures counted once from its activities (a plan's card is on
            # three pages, its county's and the whole dataset's figures sum it again): the
            # figures of some plans are then unions and sums of theirs.
            for plan, acts in grouped.items():
                stated: set[str] = set()
                inferred = 0
                for activity in acts:
                    for coordinator in activity.coordinators():
                        if coordinator in activity.inferred:
                            inferred += 1
                        else:
                            stated.add(coordinator)
                self._by_plan[plan] = _PlanFigures(
                    len(acts), frozenset(p for a in acts for p in a.participants),
                    frozenset(stated), inferred, frozenset(a.area for a in acts if a.area))
            self._gaps_by_plan = Counter(g.plan for g in found)
        counted = [self._by_plan[p] for p in plans if p in self._by_plan]
        return [
            ("fig_activities", sum(f.activities for f in counted)),
            ("fig_organisations", len(frozenset().union(*(f.organisations for f in counted)))),
            ("fig_coordinators_stated", len(frozenset().union(*(f.stated for f in counted)))),
            ("fig_coordinators_inferred", sum(f.inferred for f in counted)),
            ("fig_areas", len(frozenset().union(*(f.areas for f in counted)))),
            ("fig_gaps", sum(self._gaps_by_plan[p] for p in plans)),
        ]

    def _write_county(self, block: dict[str, Any], data: Any, found: list[Any],
                      lang: str) -> None:
        file = page_name(block["page"], lang, self.default_lang)
        plans = [self._plan_card(p["iri"], data, found, file, lang) for p in block["plans"]]
        strategies = sorted({p["strategy"] for p in plans if p["strategy"]})
        publishers = sorted({self.index.label(p, lang) for plan in plans
                             for p in self.index.iris(plan["iri"], DCT + "publisher")})
        self._render("county.html", file, lang, page_path=block["page"], title=block["label"],
                     key_figures=block["figures"], plans=plans, publishers=publishers,
                     strategies=[self._strategy_tree(s, file, lang) for s in strategies])

    def _write_plan(self, card: dict[str, Any], data: Any, found: list[Any],
                    lang: str) -> None:
        plan = card["iri"]
        file = page_name(card["page"], lang, self.default_lang)
        county = data.plans[plan].county
        strategy = card["strategy"]
        context = []
        t = _strings()[lang]
        if county:
            slug = _slug(county)
            context.append({"name": t["county"], "items": [{
                "label": data.county_label(county, lang),
                "href": self._relative(file, page_name(f"counties/{slug}", lang,
                                                       self.default_lang))}]})
        if strategy:
            context.append({"name": t["strategy"],
                            "items": [self._node(file, strategy, lang)]})
        publishers = [self._node(file, p, lang) for p in self.index.iris(plan, DCT + "publisher")]
        if publishers:
            context.append({"name": t["publisher"], "items": publishers})
        self._render("plan.html", file, lang, page_path=card["page"], title=card["label"],
                     card=self._plan_card(plan, data, found, file, lang), context=context,
                     data_page=self.href(file, plan, lang),
                     gaps_page=self._relative(file, page_name("gaps", lang, self.default_lang))
                     if any(s.href == "gaps.html" for s in self.sections) else None,
                     plan_tree=self._strategy_tree(strategy, file, lang, plan) if strategy
                     else None)

    def _strategy_tree(self, strategy: str, file: str, lang: str,
                       plan: str | None = None, *, list_activities: bool = True
                       ) -> dict[str, Any]:
        """A strategy's goals, areas and activities, the activities grouped by plan and each
        level saying how many it has in which plan; only ``plan``'s activities if given, and
        only their counts without ``list_activities``."""
        folder = file.rpartition("/")[0]
        # A link from a folder outside id/ and def/ (where every linked page is) is the
        # same from any folder as deep: counties/ and plans/ list the same activities.
        where = folder if folder.split("/")[0] in ("id", "def") else folder.count("/") + (
            1 if folder else 0)

        def node(iri: str) -> dict[str, Any]:
            # Once per place: the county and plan pages list the same activities with the
            # same links. Read, never changed, by the templates.
            key = (where, iri, lang)
            if key not in self._nodes:
                self._nodes[key] = {"iri": iri, "href": self.href(file, iri, lang),
                                    "label": self._scoped_label(iri, lang)}
            return self._nodes[key]

        def listing(area: str, plan: str, activities: list[str], whole: bool) -> Markup:
            # A plan's activities in an area as their list items, each on its line (what
            # macros.html's link() wrote, one call per activity: 100 000 at a million
            # quads): made once per place and language for the county page and the plan
            # page alike (``whole``: every activity of the group, not a plan's share).
            key = (where, area, plan, lang)
            found = self._listings.get(key) if whole else None
            if found is None:
                found = self._list_items(file, where, activities, lang)
                if whole:
                    self._listings[key] = found
            return found

        def by_notation(iris: Iterable[str]) -> list[str]:
            return sorted(iris, key=lambda i: (_notation_key(
                self.index.literal(i, (SKOS + "notation",), lang)), i))

        in_scheme = set(self.index.subjects(SKOS + "inScheme", strategy))
        areas_in_scheme = [a for a in self.index.of_type(PG + "ActionArea") if a in in_scheme]
        goals = []
        placed: set[str] = set()
        for goal in by_notation(g for g in self.index.of_type(PG + "StrategicGoal")
                                if g in in_scheme):
            areas = [a for a in areas_in_scheme if goal in self.index.iris(a, PG + "underGoal")]
            placed.update(areas)
            goals.append({**node(goal), "areas": [
                self._area(a, node, listing, lang, plan, list_activities)
                for a in by_notation(areas)]})
        rest = [a for a in areas_in_scheme if a not in placed]
        if rest:
            goals.append({"iri": "", "href": None, "label": _strings()[lang]["other_areas"],
                          "areas": [self._area(a, node, listing, lang, plan, list_activities)
                                    for a in by_notation(rest)]})
        # Every level says in which plan its activities are (two plans share an area).
        plan_label = self._scoped_label(plan, lang) if plan else None
        for goal_node in goals:
            goal_node["in_plans"] = _in_plans(goal_node["areas"], lang, plan_label)
            for area_node in goal_node["areas"]:
                area_node["in_plans"] = _in_plans([area_node], lang, plan_label)
                area_node["html"] = _tree_area(area_node, lang)
        overarching = by_notation(g for g in self.index.of_type(PG + "OverarchingGoal")
                                  if g in in_scheme)
        return {**node(strategy), "goals": goals, "county": self._county_of(strategy, lang),
                "overarching": [node(g) for g in overarching]}

    def _county_of(self, resource: str, lang: str) -> str | None:
        """The county of a strategy or plan: where its publisher (or the organisation the
        publisher is a unit of) is; for a strategy without one, where its plans' are."""
        key = (resource, lang)
        found = self._counties.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = self._counties[key] = self._find_county(resource, lang)
        assert found is None or isinstance(found, str)
        return found

    def _find_county(self, resource: str, lang: str) -> str | None:
        publishers = self.index.iris(resource, DCT + "publisher")
        if not publishers:
            plans = self.index.subjects(PG + "implements", resource)
            publishers = [p for plan in plans for p in self.index.iris(plan, DCT + "publisher")]
        seen: set[str] = set()
        while publishers:
            agent = publishers.pop(0)
            if agent in seen:
                continue
            seen.add(agent)
            for place in self.index.iris(agent, DCT + "spatial"):
                return self.index.label(place, lang)
            publishers += self.index.iris(agent, ORG + "unitOf")
        return None

    def _area(self, area: str, node: Callable[[str], dict[str, Any]],
              listing: Callable[[str, str, list[str], bool], Markup], lang: str,
              only_plan: str | None = None, list_activities: bool = True) -> dict[str, Any]:
        """An area with its activities grouped by plan: two plans' "7.1" are never listed
        side by side as if they were one plan's (the 2016–2017 and 2018–2020 plans share the
        strategy's area 7)."""
        grouped = self._area_plans(area, lang)
        count = len(self._activities_in(area, lang))
        if only_plan is not None:
            in_plan = self._plan_activities(only_plan)
            shares = [(plan, [a for a in listed_in if a in in_plan])
                      for plan, listed_in in grouped]
            count = sum(len(share) for _, share in shares)
            # A group kept whole is the same list as on the county page (one plan's own
            # activities): its items are made once for both pages.
            grouped = [(plan, listed_in if len(share) == len(listed_in) else share)
                       for (plan, listed_in), (_, share) in zip(grouped, shares, strict=True)]
        whole = dict(self._area_plans(area, lang))
        plans = []
        for plan, listed_in in grouped:
            if not listed_in:
                continue
            # Each activity as its list item (macros.html's tree writes them as they are).
            plans.append({**(node(plan) if plan else {"iri": "", "href": None, "label": ""}),
                          "listed": listing(area, plan, listed_in, listed_in is whole[plan])
                          if list_activities else Markup(""),
                          "count": len(listed_in)})
        return {**node(area), "count": count, "plans": plans}

    def _activities_in(self, area: str, lang: str) -> list[str]:
        """The activities of an area by notation: once per area and language, however many
        trees (start, county and plan pages) show the area."""
        key = (area, lang)
        if key not in self._in_area:
            places = self._places
            members = (places[1].get(area, []) if places is not None else
                       [a for a in self.index.subjects(PG + "actionArea", area)
                        if a in self._activities])
            notations = self.index.literals(members, SKOS + "notation", lang)
            self._in_area[key] = sorted(members, key=lambda i: (_notation_key(notations[i]), i))
            self._name(members, lang, notations)
        return self._in_area[key]

    def _activity_href(self, file: str, activity: str, lang: str) -> str | None:
        """:meth:`href` of an activity, which has statements (its type: that is how it was
        found), so the index is not asked (50 000 times at a million quads)."""
        if activity.startswith(ONTOLOGY_NS):
            return self.href(file, activity, lang)
        path = resource_path(activity)
        return None if path is None else self._relative(
            file, page_name(path, lang, self.default_lang))

    def _list_items(self, file: str, where: str | int, activities: Sequence[str], lang: str
                    ) -> Markup:
        """``activities`` as the tree's list items (:func:`_activity_item`), each on its
        line: from a folder outside id/ and def/ (``where`` its depth) an activity's link is
        its page's path under as many ``../``, made here without a call per activity."""
        if not activities:
            return Markup("")
        if not isinstance(where, int):
            return Markup("\n".join([_activity_item(
                {"href": self._activity_href(file, a, lang),
                 "label": self._scoped_label(a, lang)}) for a in activities]) + "\n")
        up = "../" * where
        suffix = page_name("", lang, self.default_lang)
        scoped = self._scoped_label
        items = []
        for activity in activities:
            label = scoped(activity, lang)
            if "&" in label or "<" in label or ">" in label or '"' in label or "'" in label:
                label = str(escape(label))  # else as escape() writes it: unchanged
            path = None if activity.startswith(ONTOLOGY_NS) else resource_path(activity)
            # A path of _SAFE_PATH's characters and a language's suffix: nothing to escape.
            items.append(f'<li><a href="{up}{path}{suffix}" class="activity">{label}</a></li>'
                         if path is not None else str(_activity_item(
                             {"href": self._activity_href(file, activity, lang),
                              "label": scoped(activity, lang)})))
        return Markup("\n".join(items) + "\n")

    @cached_property
    def _scoped_things(self) -> frozenset[str]:
        """What :meth:`_scoped_label` names with its county: every strategy and plan."""
        return frozenset(iri for cls in sorted(_SCOPED) for iri in self.index.of_type(cls))

    def _name(self, iris: Sequence[str], lang: str,
              notations: Mapping[str, str | None] | None = None) -> None:
        """Find the labels of many things at once (:meth:`StatementIndex.labels`) for
        :meth:`_scoped_label`: an area's activities, listed by the county and plan pages."""
        unnamed = [iri for iri in iris if (iri, lang) not in self._scoped]
        scoped = self._scoped_things
        for iri, label in self.index.labels(unnamed, lang, notations).items():
            if iri not in scoped:  # else named with its county when asked
                self._scoped[iri, lang] = label

    def _area_plans(self, area: str, lang: str) -> list[tuple[str, list[str]]]:
        """The activities of an area (:meth:`_activities_in`) by the plan they are in (the
        first, for one in several; "" for none), the plans by start year: once per area
        and language, for every tree that shows the area."""
        key = (area, lang)
        if key not in self._area_groups:
            by_plan: dict[str, list[str]] = {}
            first_plan = self._first_plan
            for activity in self._activities_in(area, lang):
                by_plan.setdefault(first_plan[activity], []).append(activity)
            self._area_groups[key] = [(plan, by_plan[plan]) for plan in sorted(
                by_plan, key=lambda p: (self.index.literal(p, (PG + "startYear",), "sv") or "",
                                        p))]
        return self._area_groups[key]

    def _plan_activities(self, plan: str) -> frozenset[str]:
        if self._in_plan is None:
            by_plan: dict[str, set[str]] = defaultdict(set)
            places = self._places
            if places is not None:
                for activity, in_plan in places[0].items():
                    if in_plan:
                        by_plan[in_plan].add(activity)
            else:
                for activity in self._activities:
                    for in_plan in self.index.iris(activity, PG + "inPlan"):
                        by_plan[in_plan].add(activity)
            self._in_plan = {p: frozenset(a) for p, a in by_plan.items()}
        return self._in_plan.get(plan, frozenset())

    @cached_property
    def _first_plan(self) -> dict[str, str]:
        """The plan of each activity (the first, for one in several; "" for none): once,
        not once per language."""
        places = self._places
        if places is not None:
            return places[0]
        return {a: next(iter(self.index.iris(a, PG + "inPlan")), "") for a in self._activities}

    @cached_property
    def _places(self) -> tuple[dict[str, str], dict[str, list[str]]] | None:
        """Each activity's plan ("" for none) and each area's activities, taken from the
        network data, which read them with the activities (``network/activities.rq``):
        read again into Python they were 50 000 statements at a million quads, a sixth of
        the start page's time. Only when the activities have as many ``pg:inPlan``
        statements as the network data has activities with a plan, and as many
        ``pg:actionArea`` as with an area, every one an IRI (``site/activity-places.rq``,
        counted in the store): then none has two. None (they are read from the index)
        without the network data, or when some activity has two plans or two areas: the
        network data keeps one of them, the index all."""
        data = self._network_data
        if data is None:
            return None
        planned = sum(1 for a in data.activities.values() if a.plan is not None)
        placed = sum(1 for a in data.activities.values() if a.area is not None)
        counted = next(self.store.select(read_query("site/activity-places.rq").text), None)
        if counted is None or any(
                term is None or int(term.value) != expected for term, expected in (
                    (counted["plans"], planned), (counted["areas"], placed),
                    (counted["others"], 0))):
            return None
        plan_of: dict[str, str] = {}
        in_area: dict[str, list[str]] = defaultdict(list)
        for iri in self._activities:
            activity = data.activities.get(iri)
            if activity is None:  # typed, but not read by the network's query
                return None
            plan_of[iri] = activity.plan or ""
            if activity.area:
                in_area[activity.area].append(iri)
        return plan_of, dict(in_area)

    @cached_property
    def _activities(self) -> frozenset[str]:
        # Once per site: built per area (as it was) it made the start page quadratic.
        return frozenset(self.index.of_type(PG + "Activity"))

    def write_organisations(self) -> None:
        agents = set()
        for cls in ("http://www.w3.org/ns/org#Organization",
                    "http://www.w3.org/ns/org#OrganizationalUnit",
                    "http://data.europa.eu/m8g/PublicOrganisation", PG + "AgentGroup"):
            agents.update(self.index.of_type(cls))
        # Counted in the store, one number per organisation and role: reading the two
        # properties into Python to count them was a pass over 100 000 statements at a
        # million quads.
        activities: Counter[tuple[str, str]] = Counter()
        for row in self.store.select(read_query("site/organisation-activities.rq").text):
            agent, role, count = row["agent"], row["role"], row["activities"]
            if isinstance(agent, ox.NamedNode) and role is not None and count is not None:
                activities[agent.value, role.value] = int(count.value)
        for lang in LANGUAGES:
            file = page_name("organisations", lang, self.default_lang)
            counted = sorted(
                ((activities[agent, "coordinator"], activities[agent, "participant"],
                  self.index.label(agent, lang), agent) for agent in agents),
                key=lambda row: (-row[0], -row[1], row[2]))
            rows = [{"href": self.href(file, agent, lang), "label": label,
                     "coordinates": coordinates, "participates": participates}
                    for coordinates, participates, label, agent in counted]
            self._render("organisations.html", file, lang, page_path="organisations",
                         title=_strings()[lang]["organisations"], organisations=rows)

    def write_settings(self) -> None:
        """:data:`SETTINGS_FILE`: what ``planegraf serve`` needs to render a page of this
        site as the site itself would (its default language and the sections its navigation
        names), so served and written pages are the same."""
        settings = {"default_lang": self.default_lang,
                    "sections": [{"href": s.href, "labels": s.labels} for s in self.sections]}
        self._write(SETTINGS_FILE, json.dumps(settings, ensure_ascii=False, indent=1) + "\n")

    def write_assets(self) -> None:
        for asset in sorted((TEMPLATES / "assets").iterdir()):
            self._write(f"assets/{asset.name}", asset.read_bytes())

    def downloads(self) -> list[dict[str, str]]:
        """The files of ``data/`` as the start page links them."""
        links = []
        for key, name in lod.download_files(self.every_format).items():
            s = lod.SERIALISATIONS[key]
            compressed = name.endswith(lod.GZIP_SUFFIX)
            links.append({"href": f"{lod.DATA_FOLDER}/{name}",
                          "type": "application/gzip" if compressed else s.media_type,
                          "label": f"{s.name}{', gzip' if compressed else ''} ({name})"})
        return links

    def write_downloads(self, dataset_file: Path | None = None,
                        dataset_written: Callable[[], object] | None = None) -> list[Path]:
        """The downloads of ``data/`` (:func:`lod.write_exports`) and the dataset's VoID
        counts (:func:`lod.dataset_statistics`, kept for :meth:`write_data`): Oxigraph's
        work almost all of it (the dump, the counting queries) and zlib's, both without
        Python's lock, so :func:`write_site` runs this in a thread beside the pages.

        ``dataset_file``: the same store's TriG already written (the build's
        ``out/planegraf.trig``), which the TriG download then shares instead of a second dump;
        ``dataset_written`` waits until that file is whole (it is written beside).
        """
        data = self.folder / lod.DATA_FOLDER
        data.mkdir(parents=True, exist_ok=True)
        written = list(lod.write_exports(self.store, data, every_format=self.every_format,
                                         dataset_file=dataset_file,
                                         dataset_written=dataset_written).values())
        self.statistics = lod.dataset_statistics(self.store)
        return written

    def write_data(self, base_url: str | None, about: lod.DatasetInfo | None = None,
                   dataset_file: Path | None = None,
                   downloads: Callable[[], list[Path]] | None = None) -> None:
        """The downloads, the JSON-LD context and the dataset description at stable paths.

        ``downloads`` waits for :meth:`write_downloads` run elsewhere and returns its files;
        without it they are written here (``dataset_file``: see :meth:`write_downloads`).
        The description follows them: it states their sizes.
        """
        self.written += downloads() if downloads else self.write_downloads(dataset_file)
        self.written.append(lod.write_context(self.folder))
        self.written += lod.write_dataset_description(self.store, self.folder, base_url,
                                                      about=about, statistics=self.statistics)


@dataclass(frozen=True)
class _PlanFigures:
    """What one plan's key figures are made of (:meth:`SiteWriter._count_figures`)."""

    activities: int
    organisations: frozenset[str]
    stated: frozenset[str]
    inferred: int
    areas: frozenset[str]


def _activity_item(node: dict[str, Any]) -> Markup:
    """An activity of the strategy tree as its list item: linked when it has a page."""
    label = escape(node["label"])
    return Markup(f'<li><a href="{escape(node["href"])}" class="activity">{label}</a></li>'
                  if node["href"] else f"<li>{label}</li>")


def _tree_area(area: dict[str, Any], lang: str) -> Markup:
    """An area of the strategy tree (macros.html's ``tree``) as its list item, with its link,
    its plans and their activities (``listed``), written here rather than by the template:
    a national site's county and plan pages show 5 000 areas and 10 000 plans in them, and
    the template's loop and its ``link`` macro for each were a sixth of the start page's
    time. The same bytes as the template wrote, every text escaped as it escaped it
    (tests/test_start_page_work.py)."""
    count = area["in_plans"] or i18n.counted(area["count"], "activities_count", lang)
    parts = ['      <li><details><summary>', escape(area["label"]), ' <span class="count">(',
             escape(count), ')</span></summary>\n        <ul>\n']
    if area["href"]:
        parts += ['<li class="tree-link">', _tree_link(area, "area"), "</li>"]
    for plan in area["plans"]:
        parts += ['<li class="plan">', _tree_link(plan, "plan"), "\n          <ul>\n",
                  escape(plan["listed"]) if plan["listed"] else "", "          </ul></li>\n"]
    parts.append("        </ul>\n      </details></li>\n")
    return Markup("".join(parts))


def _tree_link(node: dict[str, Any], cls: str) -> str:
    """macros.html's ``link(node, cls)``."""
    if node["href"]:
        return f'<a href="{escape(node["href"])}" class="{cls}">{escape(node["label"])}</a>'
    return str(escape(node["label"]))


def _activity_roles(activities: Sequence[dict[str, Any]]) -> Markup:
    """An organisation's activities as list items (linked, with its role and plan), escaped
    as the template would: made here for the same reason as :func:`_value_items`."""
    items = []
    for activity in activities:
        label = _escape(activity["label"])
        link = (f'<a href="{_escape(activity["href"])}">{label}</a>' if activity["href"]
                else label)
        plan = f', {_escape(activity["plan"]["label"])}' if activity["plan"] else ""
        items.append(f'<li>{link} <span class="role">— {_escape(activity["role"])}{plan}'
                     "</span></li>\n")
    return Markup("".join(items))


def _value_items(values: Sequence[dict[str, Any]], data_iri: bool = True) -> Markup:
    """The values of a resource page's statement (or of the statements naming it) as list
    items, escaped as the template would: made here, not by a template loop, because an
    organisation's or plan's page lists hundreds (the template's lookups, tests and escaping
    per value were half of such a page's CPU)."""
    items = []
    for value in values:
        label = _escape(value["label"])
        if value["href"]:
            named = f' data-iri="{_escape(value["iri"])}"' if data_iri else ""
            items.append(f'<li><a href="{_escape(value["href"])}"{named}>{label}</a></li>')
        elif value["iri"] or not data_iri:
            items.append(f'<li><code>{_escape(value["iri"])}</code></li>')
        else:
            lang = value.get("lang")
            spoken = f' lang="{_escape(lang)}"' if lang else ""
            items.append(f"<li><span{spoken}>{label}</span></li>")
    return Markup("".join(items))


def _in_plans(areas: Sequence[dict[str, Any]], lang: str, plan_label: str | None) -> str:
    """How many activities some areas have in each plan: "3 aktiviteter i Handlingsplan
    2018–2020 (Jönköpings län)"; with one plan given, its count even when 0."""
    counts: dict[str, int] = {}
    for area in areas:
        for plan in area["plans"]:
            counts[plan["label"]] = counts.get(plan["label"], 0) + plan["count"]
    if plan_label is not None and not counts:
        counts[plan_label] = 0
    return "; ".join(i18n.text("in_plan", lang, count=i18n.counted(n, "activities_count", lang),
                               plan=label) for label, n in counts.items())


def _slug(iri: str) -> str:
    """The last segment of an IRI as a safe file name: ``.../plan/rjl-hp-2018-2020``."""
    tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower()
    return re.sub(r"[^a-z0-9._-]+", "-", tail).strip("-.") or "x"


def _ego_network(centre: str, partners: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """A small ego network drawn on the server: the organisation in the middle, its most
    frequent partners around it, each tie as wide as the activities they share. Plain SVG
    coordinates for the template; no script, no request."""
    import math

    width, height, radius = 760, 360, 130
    cx, cy = width / 2, height / 2
    most = max((n for _, n in partners), default=1)
    nodes = []
    for i, (label, shared) in enumerate(partners):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(partners), 1)
        x, y = cx + radius * 1.25 * math.cos(angle), cy + radius * math.sin(angle)
        nodes.append({"label": label if len(label) <= 26 else label[:25] + "…",
                      "x": round(x, 1), "y": round(y, 1), "shared": shared,
                      "stroke": round(1 + 5 * shared / most, 1),
                      "anchor": "middle" if abs(x - cx) < 40 else
                      ("start" if x > cx else "end"),
                      "dx": 0 if abs(x - cx) < 40 else (12 if x > cx else -12),
                      "dy": -14 if y < cy - 40 else (22 if y > cy + 40 else 4)})
    return {"width": width, "height": height, "cx": cx, "cy": cy, "nodes": nodes,
            "centre": centre if len(centre) <= 40 else centre[:39] + "…"}


def _web_link(iri: str) -> str | None:
    """``iri`` as a link of its own where it is a web address, else None (shown as text):
    escaping keeps an IRI such as ``javascript:alert(1)``, valid RDF, from breaking out of
    the attribute, not from running as a link's script when clicked."""
    return iri if iri.startswith(("http://", "https://")) else None


def _curie(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


#: The data files beside each resource page of the static site; ``planegraf serve`` also
#: answers :data:`DATA_SUFFIXES` from the store.
STATIC_DATA_SUFFIXES = (".ttl", ".jsonld")
DATA_SUFFIXES = {".ttl": "text/turtle", ".jsonld": "application/ld+json",
                 ".nt": "application/n-triples", ".rdf": "application/rdf+xml"}
_TRIPLE_FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML}


def resource_data(subject: str, statements: dict[str, list[Term]], suffix: str) -> bytes:
    """One resource's statements in the format of a data file's ``suffix``
    (:data:`DATA_SUFFIXES`): Turtle and JSON-LD as the static site writes them, N-Triples
    and RDF/XML as ``planegraf serve`` answers them."""
    if suffix == ".ttl":
        return _turtle(subject, statements)
    if suffix == ".jsonld":
        return lod.resource_jsonld(subject, statements)
    node = ox.NamedNode(subject)
    triples = [ox.Triple(node, ox.NamedNode(p), o) for p in sorted(statements)
               for o in statements[p]]
    return ox.serialize(triples, format=_TRIPLE_FORMATS[suffix]) or b""


def _turtle(subject: str, statements: dict[str, list[Term]]) -> bytes:
    node = ox.NamedNode(subject)
    triples = [ox.Triple(node, ox.NamedNode(p), o) for p in sorted(statements)
               for o in statements[p]]
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""


SectionWriter = Callable[[SiteWriter], SiteSection | None]

#: The site's own settings, written last (see :meth:`SiteWriter.write_settings`).
SETTINGS_FILE = ".planegraf-site.json"


class PageRenderer:
    """The pages of a written site rendered on request from the store it was written from:
    each resource's page by :meth:`SiteWriter.resource_page` (the templates and code of the
    static site), its data files, and a page for what does not exist. What
    ``planegraf serve`` answers ``/id/…`` with; it never reads a resource page from disk.

    Every call reads what it needs from ``store`` (an index of one resource and lookups of
    the IRIs its page names), so a national dataset costs no more per page than a small one;
    what is the same for every request (the names, labels and links of what pages name) is
    kept between requests, bounded, and so are the pages rendered (at most ``page_bytes``,
    :data:`KEPT_PAGE_BYTES`). Calls may run in several threads at once.
    """

    def __init__(self, store: ox.Store, site_dir: Path, *,
                 page_bytes: int = KEPT_PAGE_BYTES) -> None:
        from planegraf.errors import PlanegrafError
        from planegraf.i18n import Message

        try:
            settings = json.loads((site_dir / SETTINGS_FILE).read_text("utf-8"))
            self.default_lang: str = settings["default_lang"]
            self.sections = [SiteSection(str(s["href"]), dict(s["labels"]), _written_already)
                             for s in settings["sections"]]
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise PlanegrafError(Message("error_site_settings",
                                         settings=site_dir / SETTINGS_FILE, reason=err,
                                         site=site_dir)) from None
        if self.default_lang not in LANGUAGES:
            raise PlanegrafError(Message("error_site_language",
                                         settings=site_dir / SETTINGS_FILE,
                                         language=repr(self.default_lang)))
        self.store, self.site_dir = store, site_dir
        self._embedded = EmbeddedStore()
        self._embedded.oxigraph = store
        # What is the same for every request, found once and kept (each bounded by
        # KEPT_NAMES): the names of what pages link to, their labels with county, whether
        # they have a page, and the county of a plan or strategy. The store never changes
        # under a renderer, so a kept answer is the answer a fresh lookup would give.
        self._kept = KeptLookups()
        self._scoped: dict[tuple[str, str], str] = {}
        self._targets: dict[tuple[str, str], str | None] = {}
        self._counties: dict[tuple[str, str], str | None] = {}
        # Rendered pages, oldest first, at most ``page_bytes`` of them (KEPT_PAGE_BYTES).
        self._pages: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._page_bytes, self._pages_size = page_bytes, 0
        self._pages_lock = threading.Lock()

    def _writer(self, index: StatementIndex, kept_names: bool = True) -> SiteWriter:
        writer = SiteWriter(self._embedded, self.site_dir, self.default_lang, index=index,
                            writes=False)
        writer.sections = self.sections
        if not kept_names:  # an index that is not the store's (the 404 page's empty one)
            return writer
        for kept in (self._scoped, self._targets, self._counties):
            if len(kept) >= KEPT_NAMES:
                kept.clear()
        writer._scoped, writer._targets = self._scoped, self._targets
        writer._counties = self._counties
        return writer

    def _index(self, iri: str) -> StoreIndex:
        return StoreIndex(self.store, iri, kept=self._kept)

    def page(self, iri: str, file_stem: str, lang: str) -> str | None:
        """The page of ``iri`` as the site file ``file_stem`` in ``lang``; None when the
        dataset says nothing about ``iri``."""
        key = (iri, file_stem, lang)
        with self._pages_lock:
            kept = self._pages.get(key)
            if kept is not None:
                self._pages.move_to_end(key)
                return kept
        index = self._index(iri)
        if iri not in index.outgoing:
            return None
        html = self._writer(index).resource_page(iri, file_stem, lang)
        self._keep(key, html)
        return html

    def _keep(self, key: tuple[str, str, str], html: str) -> None:
        size = sys.getsizeof(html)
        if size > self._page_bytes // 4:  # one page never pushes out most of the others
            return
        with self._pages_lock:
            if key in self._pages:  # rendered by another thread meanwhile
                return
            self._pages[key] = html
            self._pages_size += size
            while self._pages_size > self._page_bytes:
                _, oldest = self._pages.popitem(last=False)
                self._pages_size -= sys.getsizeof(oldest)

    def warm_up(self) -> None:
        """Compile the templates of the pages served (the first page otherwise waits for
        it: 90 ms)."""
        for template in ("resource.html", "not_found.html"):
            _environment().get_template(template)

    def read_tables(self) -> None:
        """Read the statements every page reads of what it links to, whole, once
        (:class:`LinkTables`): a page asked for the first time then looks up only its own
        statements and the few others it names. Called before the server runs a thread
        (one scan per predicate of the store; the tables are read-only afterwards)."""
        self._kept.tables = LinkTables.read(self.store)

    def data(self, iri: str, suffix: str) -> bytes | None:
        """The statements of ``iri`` as a data file (:data:`DATA_SUFFIXES`); None when there
        are none."""
        index = self._index(iri)
        if iri not in index.outgoing:
            return None
        return resource_data(iri, index.outgoing[iri], suffix)

    def exists(self, iri: str) -> bool:
        """Whether the dataset says anything about ``iri`` (and so it has a page)."""
        return StoreIndex(self.store, "urn:x-planegraf:none").has_statements(iri)

    def not_found(self, file: str, lang: str, shown: str) -> str:
        """A page in the site's style saying that nothing is at ``shown``, as if it were the
        site file ``file`` (so its links resolve from there)."""
        return self._writer(ResourceIndex(), kept_names=False)._render(
            "not_found.html", file, lang, page_path="index", title=_strings()[lang]["not_found"],
            path=shown)


def _written_already(writer: SiteWriter) -> None:
    raise AssertionError("a served site's sections are written by planegraf site")


def write_site(
    store: EmbeddedStore, out_dir: Path, *, lang: str = "sv",
    base_url: str | None = None, extra_sections: Sequence[SectionWriter] = (),
    about: lod.DatasetInfo | None = None, queries_dir: Path | None = None,
    pages: str = "auto", dataset_file: Path | None = None,
    dataset_written: Callable[[], object] | None = None,
    while_waiting: Callable[[], None] | None = None,
) -> list[Path]:
    """Write the static site for ``store`` into ``out_dir`` (replacing it atomically).

    ``lang`` is the language of the plain ``.html`` pages; the other language gets
    ``.en.html`` / ``.sv.html``. ``about`` describes the dataset (the project's
    ``planegraf.toml``; the bundled demonstration's by default) and ``queries_dir`` holds the
    project's own named questions, answered beside planegraf's. ``pages`` (one of
    :data:`PAGE_MODES`) says whether the page of every resource is written or only the
    report pages and downloads (see :func:`resource_pages_written`), and whether every
    format is a download (:func:`every_download_written`). ``dataset_file`` is the store's
    TriG already written elsewhere on the same file system (the build's), shared by
    ``data/planegraf.trig``; when it is being written beside, ``dataset_written`` waits
    until it is. ``while_waiting`` is work this thread does before it waits for the downloads
    (the build's validation queries), so that its core is not idle. Returns the files
    written.

    >>> import tempfile
    >>> from planegraf.pipeline import open_store
    >>> out = Path(tempfile.mkdtemp()) / "site"
    >>> files = write_site(open_store(), out)
    >>> (out / "id/activity/rjl-hp-2018-2020/6-3.ttl").is_file()
    True
    """
    from planegraf.rdf import atomic

    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}")
    with_pages, every_format = _at_scale(store, pages)
    with atomic.staged_directory(out_dir) as stage:
        writer = SiteWriter(store, stage, lang, resource_pages=with_pages)
        writer.every_format = every_format
        writer.queries_dirs = (queries_dir,) if queries_dir else ()
        if about is not None:  # a region's site opens with its own title
            writer.titles = {"sv": about.title_sv, "en": about.title_en}
        for make_section in (*optional_sections(), *extra_sections):
            section = make_section(writer)
            if section is not None:
                writer.sections.append(section)
        # The resource pages are most of the work: forked workers write them while this
        # process writes the rest of the site, then joins in.
        workers = _ResourcePages(writer)
        # The downloads and the dataset's counts are Oxigraph's and zlib's work, which run
        # without Python's lock: a thread writes them beside the pages (started after the
        # workers fork: a forked process must not inherit a thread's half-held locks).
        downloads = Beside(partial(writer.write_downloads, dataset_file, dataset_written),
                           help_with=while_waiting, name="planegraf-downloads")
        try:
            for section in writer.sections:
                section.write(writer)
            writer.write_assets()
            data_at = len(writer.written)
            workers.write_remaining()
            writer.write_organisations()
            writer.write_ontology_docs()
            writer.write_index()
            # Last of the pages, so the thread has had the most time: the description
            # states the downloads' sizes, so it waits for them if they are not done.
            before = len(writer.written)
            writer.write_data(base_url, about, downloads=downloads.result)
            # Listed where they always were, after the assets.
            moved = writer.written[before:]
            del writer.written[before:]
            writer.written[data_at:data_at] = moved
            writer.write_settings()
        finally:
            downloads.wait()
            workers.finish()
        written = [out_dir / p.relative_to(stage) for p in writer.written]
    return written


#: Below this many resources the site is written in one process: forking costs more.
PARALLEL_RESOURCES = 200
_MAX_WORKERS = 4
_CHUNK = 8


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _ResourcePages:
    """The resource pages written by forked workers (one per spare CPU, up to three) and by
    this process once it has written everything else: each takes the next few resources
    from a shared counter until none are left, so a busy process simply takes fewer.

    Forked workers share the index (nothing is pickled); where fork is missing, or the
    site is small, this process writes every page itself.
    """

    def __init__(self, writer: SiteWriter) -> None:
        self.writer = writer
        self.resources = writer.resources()
        if self.resources:
            # Made before the workers fork, so that they share its set of subjects (a pass
            # over every statement: 1.5 s at a million quads, for nothing without pages).
            writer._page_writer  # noqa: B018
        self.workers: list[Any] = []
        processes = min(_cpu_count(), _MAX_WORKERS)
        self.next_start: Any = None
        if (processes < 2 or len(self.resources) < PARALLEL_RESOURCES
                or "fork" not in multiprocessing.get_all_start_methods()):
            return
        context = multiprocessing.get_context("fork")
        self.next_start = context.Value("i", 0)
        sys.stdout.flush()
        sys.stderr.flush()
        # Objects the workers inherit stay out of their garbage collector: collecting would
        # touch, and so copy, every page of the parent's heap.
        gc.freeze()
        try:
            for _ in range(processes - 1):
                process = context.Process(target=self._write_chunks, daemon=True)
                process.start()
                self.workers.append(process)
        finally:
            gc.unfreeze()

    def _write_chunks(self) -> None:
        while True:
            with self.next_start.get_lock():
                start = self.next_start.value
                self.next_start.value = min(start + _CHUNK, len(self.resources))
            if start >= len(self.resources):
                return
            self.writer.write_resources(self.resources[start:start + _CHUNK])

    def write_remaining(self) -> None:
        """Write the pages no worker has taken (all of them without workers)."""
        if self.next_start is None:
            self.writer.write_resources()
            return
        before = len(self.writer.written)
        self._write_chunks()
        # Every page is listed once, in resource order, whoever wrote it.
        del self.writer.written[before:]
        self.writer.written += self.writer.resource_files(self.resources)

    def finish(self) -> None:
        """Wait for the workers; an error if one of them failed."""
        failed = []
        for process in self.workers:
            process.join()
            if process.exitcode != 0:
                failed.append(process.exitcode)
        if failed:
            raise RuntimeError(f"a worker writing resource pages failed (exit code "
                               f"{failed[0]}); its error is printed above")


def prepare() -> None:
    """Import what writing a site imports on its way: the sections' modules (NetworkX,
    with NumPy's random numbers for its seeded layouts; pyvis) and Matplotlib's drawing
    parts, about a second at the start of the network section. The build does it in a
    thread while Oxigraph loads and derives the data outside Python's lock."""
    for module in ("sparql.queries", "publish.question_pages", "analysis.gaps", "render.viz",
                   "analysis.compare"):
        _available(module)
    import numpy.random  # noqa: F401  (NetworkX imports it at the first seeded layout)

    from planegraf.render import pictures

    pictures.prepare()


def optional_sections() -> list[SectionWriter]:
    """The sections whose modules are part of this installation (none is a stub)."""
    return [_query_section, _gaps_section, _network_section, _compare_section]


def _available(module: str, *names: str) -> Any:
    """The module if it is installed and offers ``names``, else None."""
    import importlib
    import importlib.util

    if importlib.util.find_spec(f"planegraf.{module}") is None:
        return None
    loaded = importlib.import_module(f"planegraf.{module}")
    return loaded if all(hasattr(loaded, n) for n in names) else None


def _query_section(writer: SiteWriter) -> SiteSection | None:
    """The query catalogue: a contents page, a page per question with its default answer
    and that answer's CSV, and the SPARQL editor.

    The standing answers follow the resource pages: a site without them (``--pages
    reports``, or ``auto`` above :data:`AUTO_PAGES_QUADS`) has question pages that say the
    answer is computed when asked (the command, the served form) instead of running every
    question twice at build time (at a million quads that was most of the build)."""
    queries = _available("sparql.queries", "catalogue")
    pages = _available("publish.question_pages", "answer_table", "ParameterChoices")
    if queries is None or pages is None or not queries.catalogue():
        return None

    def write(writer: SiteWriter) -> None:
        catalogue = queries.catalogue(writer.queries_dirs)
        choices = pages.ParameterChoices(writer.store, catalogue)
        for lang in LANGUAGES:
            file = page_name("queries", lang, writer.default_lang)
            for query in catalogue:
                _question_page(writer, pages, choices, query, lang, file)
            groups = pages.contents(catalogue, lang, lambda q, lang=lang: page_name(
                f"queries/{q.name}", lang, writer.default_lang))
            editor = page_name("query", lang, writer.default_lang)
            writer._render("queries.html", file, lang, page_path="queries",
                           title=_strings()[lang]["query_catalogue"], groups=groups,
                           editor=editor, q=pages.words(lang),
                           on_request=not writer.resource_pages)
            # Each language's editor lists the questions with their titles in that language.
            listed = [{"name": q.name, "title": q.title(lang), "text": q.text,
                       "parameters": [p.name for p in q.parameters if p.name != "lang"]}
                      for q in catalogue]
            writer._render("query.html", editor, lang, page_path="query",
                           title=_strings()[lang]["query_editor"],
                           catalogue_json=_script_json(listed),
                           default_lang=writer.default_lang)

    return SiteSection("queries.html",
                       {lang: _strings()[lang]["query_catalogue"] for lang in LANGUAGES}, write)


def _question_page(writer: SiteWriter, pages: Any, choices: Any, query: Any, lang: str,
                   catalogue_file: str) -> None:
    """``queries/NAME.html``: the question's form (working when served), its answer with
    the default values (each language's answer with its own labels) and that answer's CSV."""
    file = page_name(f"queries/{query.name}", lang, writer.default_lang)
    standing = writer.resource_pages
    answer = (pages.default_answer(writer.store, query, lang) if standing
              else pages.no_default_answer(query, lang))
    table, csv_href, problem = None, None, None
    if answer is None:  # answered when asked
        pass
    elif isinstance(answer, str):
        problem = answer
    else:
        csv_file = file.removesuffix(".html") + ".csv"
        writer._write(csv_file, pages.answer_csv(answer, query, lang))
        csv_href = posixpath.basename(csv_file)
        table = pages.answer_table(
            answer, query, lang, link=lambda iri: writer.href(file, iri, lang),
            label=lambda iri: writer.index.label(iri, lang))
    writer._render("question.html", file, lang, page_path=f"queries/{query.name}",
                   title=query.title(lang), **pages.page_context(
                       query, lang, fields=choices.fields(query, lang), table=table,
                       csv_href=csv_href, served=False, catalogue_href=catalogue_file,
                       action=f"questions/{query.name}", problem=problem,
                       on_request=not standing))


def _script_json(value: Any) -> str:
    """JSON safe inside a <script type="application/json"> element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


#: Above this many findings the gap report is one page per county: ``gaps.html`` keeps the
#: summary and names each county's page. At a million quads of the synthetic national data
#: (9 277 findings) one page was 10.6 MB in each language; the bundled data has a few hundred.
GAP_FINDINGS_ON_ONE_PAGE = 2000


def _gaps_section(writer: SiteWriter) -> SiteSection | None:
    gaps = _available("analysis.gaps", "coordination_gaps", "load_objectives",
                      "load_follow_up_labels", "RULES", "subject_label", "detail")
    network = _available("analysis.network", "load_network_data")
    if gaps is None or network is None:
        return None

    def write(writer: SiteWriter) -> None:
        data = writer.network_data(network)
        # Once, without a language: both pages say the same findings in their own words.
        found = writer.gaps(gaps, network)
        # Where each IRI's page is and each activity's name: once for both languages.
        links = _GapLinks(writer, data)
        for lang in LANGUAGES:
            _GapPages(writer, gaps, data, found, lang, links).write()

    return SiteSection("gaps.html", {lang: _strings()[lang]["gap_report"] for lang in LANGUAGES},
                       write)


class _GapPages:
    """The gap report in one language: ``gaps.html``, and with more than
    :data:`GAP_FINDINGS_ON_ONE_PAGE` findings one page per county under ``gaps/``."""

    def __init__(self, writer: SiteWriter, gaps: Any, data: Any, found: Sequence[Any],
                 lang: str, links: _GapLinks | None = None) -> None:
        self.writer, self.gaps, self.data, self.found, self.lang = (
            writer, gaps, data, found, lang)
        self.links = links or _GapLinks(writer, data)
        self.file = page_name("gaps", lang, writer.default_lang)
        self.t = _strings()[lang]
        self.plans = sorted({g.plan for g in found},
                            key=lambda p: (data.plan_county(p) or "", p or ""))
        self.counts = Counter((g.rule, g.plan) for g in found)
        self.by_county: dict[str | None, list[Any]] = defaultdict(list)
        for g in found:
            self.by_county[g.county].append(g)
        # A county's name is looked up through the plans: once per county, not per finding.
        self.county_names: dict[str | None, str] = {
            c: data.county_label(c, lang) for c in self.by_county if c}
        self.items: dict[tuple[str, str], str] = {}
        #: What ends the name of a page in this language (``.en.html``), escaped.
        self.suffix = _escape(page_name("", lang, writer.default_lang))
        #: "3 aktiviteter" escaped, per number.
        self.counted: dict[int, str] = {}
        #: Each finding's paragraph naming its plan and county, per folder, plan and county.
        self.where: dict[tuple[str, str, str | None], str] = {}
        #: Each list of activities (an area's is evidence in several rules), per folder.
        self.lists: dict[tuple[str, tuple[str, ...]], str] = {}

    def write(self) -> None:
        county_pages = []
        if len(self.found) > GAP_FINDINGS_ON_ONE_PAGE:
            ranked = sorted(self.by_county, key=lambda c: (
                c is None, (self.county_names.get(c) or "").casefold(), c or ""))
            county_pages = [self._county_page(county) for county in ranked]
        self.writer._render("gaps.html", self.file, self.lang, page_path="gaps",
                            title=self.t["gap_report"],
                            rules=self._rules(self.file, self.found, self.plans,
                                              not county_pages),
                            plans=self._columns(self.plans), total=len(self.found),
                            county_pages=county_pages, summary_href=None)

    def _county_page(self, county: str | None) -> dict[str, Any]:
        slug = _slug(county) if county else "no-county"
        page = page_name(f"gaps/{slug}", self.lang, self.writer.default_lang)
        label = self.county_names.get(county) or self.t["gap_no_county"]
        listed = self.by_county[county]
        shown = [p for p in self.plans if self.data.plan_county(p) == county]
        self.writer._render("gaps.html", page, self.lang, page_path=f"gaps/{slug}",
                            title=f"{self.t['gap_report']}: {label}",
                            rules=self._rules(page, listed, shown, True),
                            plans=self._columns(shown), total=len(listed),
                            summary_href=self.writer._relative(page, self.file),
                            county_pages=[])
        return {"href": self.writer._relative(self.file, page), "label": label,
                "total": len(listed)}

    def _rules(self, page: str, listed: Sequence[Any], shown: Sequence[str | None],
               with_findings: bool) -> list[dict[str, Any]]:
        of_rule: dict[str, list[Any]] = defaultdict(list)
        for g in listed:
            of_rule[g.rule].append(g)
        lang = self.lang
        return [{"id": rule.id, "name": rule.name[lang], "explanation": rule.explanation[lang],
                 "findings": self.findings_html(page, of_rule[rule.id])
                 if with_findings else markupsafe.Markup(),
                 "counts": [self.counts[rule.id, p] for p in shown],
                 "total": len(of_rule[rule.id])} for rule in self.gaps.RULES]

    def _columns(self, shown: Sequence[str | None]) -> list[dict[str, str]]:
        data, lang = self.data, self.lang
        return [{"label": data.plans[p].title(lang) if p in data.plans else (p or "—"),
                 "county": self.county_names.get(data.plan_county(p), "")
                 if data.plan_county(p) else ""} for p in shown]

    def findings_html(self, page: str, listed: Sequence[Any]) -> markupsafe.Markup:
        """The findings of one rule on ``page`` as the items of its list, written here
        rather than by the template: a national report has 9 000 findings naming 100 000
        activities in each language, and the template's loop over them was most of the
        report's time (1 M quads: the report's pages took 2.2 s of CPU, now 1.0 s, the
        same bytes; tests/test_gaps_site_html.py). Every text is escaped as the template
        escapes it."""
        data, lang, gaps = self.data, self.lang, self.gaps
        # Links, items and lists are made once per folder (every county page is in gaps/).
        folder = page.rpartition("/")[0]
        where, lists = self.where, self.lists
        linked = self._linked
        parts: list[str] = []
        for g in listed:
            plan = g.plan or ""
            place = where.get((folder, plan, g.county))
            if place is None:
                place = where[folder, plan, g.county] = self._where(page, folder, plan, g.county)
            parts += ['<li class="finding">\n<p class="subject"><strong>',
                      linked(page, folder, g.subject, gaps.subject_label(g, data, lang)),
                      place, '<p class="detail">', _escape(gaps.detail(g, data, lang)),
                      "</p>\n"]
            if g.activities:
                key = (folder, g.activities)
                evidence = lists.get(key)
                if evidence is None:
                    evidence = lists[key] = self._activity_list(page, folder, g.activities)
                parts.append(evidence)
            parts.append("</li>\n")
        return markupsafe.Markup("".join(parts))

    def _where(self, page: str, folder: str, plan: str, county: str | None) -> str:
        """The end of a finding's subject and the paragraph naming its plan and county: two
        counties' "area 7" must never look alike."""
        data, lang = self.data, self.lang
        parts = ['</strong></p>\n<p class="where"><span class="label">', _escape(self.t["plan"]),
                 ":</span> ", self._linked(page, folder, plan, data.plans[plan].title(lang)
                                           if plan in data.plans else None)]
        name = self.county_names.get(county, "") if county else ""
        if name:
            parts += [' · <span class="label">', _escape(self.t["county"]), ":</span> ",
                      _escape(name)]
        parts.append("</p>\n")
        return "".join(parts)

    def _activity_list(self, page: str, folder: str, activities: tuple[str, ...]) -> str:
        number = len(activities)
        if number not in self.counted:
            self.counted[number] = _escape(i18n.counted(number, "activities_count", self.lang))
        item = self._activity_item
        return "".join(["<details><summary>", self.counted[number], "</summary>\n<ul>",
                        *[item(page, folder, a) for a in activities], "</ul></details>"])

    def _activity_item(self, page: str, folder: str, iri: str) -> str:
        """An activity as an item of a finding's list; the same activity is evidence in
        several findings, each item is written once per folder."""
        key = (folder, iri)
        found = self.items.get(key)
        if found is None:
            shared = self.links.activity(page, folder, iri)
            if shared is None:
                label = _activity_label(self.data, iri)
                found = f"<li>{self._linked(page, folder, iri, label)}</li>"
            elif shared[0] is None:
                found = f"<li>{shared[1]}</li>"
            else:
                found = f'<li><a href="{shared[0]}{self.suffix}">{shared[1]}</a></li>'
            self.items[key] = found
        return found

    def _linked(self, page: str, folder: str, iri: str, label: str | None = None) -> str:
        """``label`` linked to the page of ``iri`` when it is one of the site's IRIs, else
        plain text (escaped)."""
        href = self.links.href(page, folder, iri, self.lang)
        text = _escape(label or (self.writer.index.label(iri, self.lang) if href else iri))
        return text if href is None else f'<a href="{_escape(href)}">{text}</a>'


class _GapLinks:
    """What the gap report's pages in both languages link to, found once: a national report
    names 25 000 activities in each language. Where an IRI's page is (relative to a folder)
    is the same in both languages but for the page's suffix (:func:`page_name`), which only
    ever ends the last part of the path, so it is looked up once (:meth:`SiteWriter.href`,
    in the site's language) and given each language's suffix."""

    def __init__(self, writer: SiteWriter, data: Any) -> None:
        self.writer, self.data = writer, data
        #: Per folder and IRI: the path of its page without the suffix, or None.
        self.stems: dict[tuple[str, str], str | None] = {}
        #: Per folder and activity: the path of its page without the suffix (or None) and
        #: its name, both escaped for HTML; None where it is not the same in both languages.
        self.activities: dict[tuple[str, str], tuple[str | None, str] | None] = {}
        #: Per folder outside id/ and def/, the "../" that leads from it to the site's root.
        self.up: dict[str, str | None] = {}

    def href(self, page: str, folder: str, iri: str, lang: str) -> str | None:
        """:meth:`SiteWriter.href` from ``page`` (in ``folder``) to ``iri`` in ``lang``."""
        if not iri.startswith("http") or " " in iri:
            return None
        if iri.startswith(ONTOLOGY_NS):  # the vocabulary's page, with a fragment
            return self.writer.href(page, iri, lang)
        stem = self._stem(page, folder, iri)
        return None if stem is None else page_name(stem, lang, self.writer.default_lang)

    def _stem(self, page: str, folder: str, iri: str) -> str | None:
        key = (folder, iri)
        if key not in self.stems and iri in self.data.activities:
            # An activity has statements (its type), so it has a page wherever its IRI
            # makes a path; from a folder outside id/ and def/ the link is that path under
            # as many "../" as the folder is deep (SiteWriter._relative's answer, made here
            # without its walk for each of a national report's 25 000 activities).
            if folder not in self.up:
                self.up[folder] = (None if folder.split("/")[0] in ("id", "def") else
                                   "../" * (folder.count("/") + 1 if folder else 0))
            up = self.up[folder]
            if up is not None:
                path = resource_path(iri)
                self.stems[key] = None if path is None else up + path
        if key not in self.stems:
            default = self.writer.default_lang
            found = self.writer.href(page, iri, default)
            suffix = page_name("", default, default)
            assert found is None or found.endswith(suffix)
            self.stems[key] = None if found is None else found[:-len(suffix)]
        return self.stems[key]

    def activity(self, page: str, folder: str, iri: str) -> tuple[str | None, str] | None:
        """Where an activity's page is, without the suffix (or None), and its notation and
        label, escaped; None for the rare IRI whose link differs by language otherwise (of
        the vocabulary, or an activity without a name, named by its page's label)."""
        key = (folder, iri)
        if key not in self.activities:
            label = _activity_label(self.data, iri)
            linked = iri.startswith("http") and " " not in iri
            if not label or (linked and iri.startswith(ONTOLOGY_NS)):
                self.activities[key] = None
            else:
                stem = self._stem(page, folder, iri) if linked else None
                self.activities[key] = (None if stem is None else _escape(stem), _escape(label))
        return self.activities[key]


def _escape(text: str) -> str:
    """``text`` escaped as Jinja's autoescape (MarkupSafe) escapes it, the same five
    characters the same way, without making a ``Markup`` for each of the 230 000 texts
    of a national gap report."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    return (text.replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


def _activity_label(data: Any, iri: str) -> str:
    activity = data.activities.get(iri)
    return f"{activity.name} {activity.label or ''}".strip() if activity else iri


def _network_section(writer: SiteWriter) -> SiteSection | None:
    viz = _available("render.viz", "network_html", "sector_labels", "first_layout", "SiteLinks")
    network = _available("analysis.network", "load_network_data", "network_metrics")
    if viz is None or network is None:
        return None

    def write(writer: SiteWriter) -> None:
        data = writer.network_data(network)
        # The metrics are numbers on a language-free graph; only the page is per language.
        metrics = network.network_metrics(data)
        pictures = _available("render.pictures", "pictures_bytes", "network_layout")
        # One layout for the page and the pictures in both languages: computed once, drawn
        # at once, the same network in the same place everywhere. A small network is laid
        # out by the page itself; its pictures share one layout of their own.
        layout = viz.first_layout(metrics.graph)
        drawn = layout
        if drawn is None and pictures is not None:
            drawn = pictures.network_layout(metrics.graph)
        for lang in LANGUAGES:
            sectors = viz.sector_labels(writer.store, lang)
            page = page_name("network", lang, writer.default_lang)
            downloads = []
            if pictures is not None:  # the same network as a picture for reports
                # Drawn once, saved in both formats.
                drawings = pictures.pictures_bytes(("png", "svg"), data, metrics, lang=lang,
                                                   sectors=sectors, positions=drawn)
                for fmt, drawing in drawings.items():
                    name = page.removesuffix(".html") + f".{fmt}"
                    writer._write(name, drawing)
                    downloads.append((name, fmt.upper()))
            html = viz.network_html(data, metrics, lang=lang, sectors=sectors,
                                    downloads=downloads, positions=layout,
                                    site=_network_site_links(writer, viz, page, lang))
            writer._write(page, html)

    return SiteSection("network.html", {lang: _strings()[lang]["network"] for lang in LANGUAGES},
                       write)


def _network_site_links(writer: SiteWriter, viz: Any, page: str, lang: str) -> Any:
    """The network page's way into the site: the same header links as base.html (start,
    organisations, the sections, the other language) and the pages of its IRIs."""
    strings = _strings()[lang]
    nav = [(page_name("index", lang, writer.default_lang), strings["home"]),
           (page_name("organisations", lang, writer.default_lang), strings["organisations"])]
    nav += [(section.href if lang == writer.default_lang
             else section.href.replace(".html", f".{lang}.html"), section.labels[lang])
            for section in writer.sections]
    other = writer._other_lang(lang)
    return viz.SiteLinks(
        nav=nav, current=page,
        other_language=(page_name("network", other, writer.default_lang),
                        strings["other_language"], other),
        page=lambda iri: writer.href(page, iri, lang))


def _compare_section(writer: SiteWriter) -> SiteSection | None:
    compare = _available("analysis.compare", "compare_pairs", "consecutive_plans", "page_context")
    pictures = _available("render.pictures", "picture_bytes", "plan_periods", "network_layout")
    network = _available("analysis.network", "load_network_data", "network_metrics", "Scope")
    viz = _available("render.viz", "sector_labels")
    if compare is None or pictures is None or network is None or viz is None:
        return None
    data = writer.network_data(network)
    pairs = compare.consecutive_plans(data, pictures.plan_periods(writer.store))
    if not pairs:
        return None

    # Drawing is most of the work (two matplotlib pictures per pair and language: 636 of
    # 1 368 s of a build at a million quads, where the synthetic data has 85 pairs), so the
    # pictures go with the resource pages, and only for a county's or a few counties' pairs:
    # a national site, or 85 pairs of small plans (14-20 s of a 10 000-quad build), gets the
    # tables and the command that draws a pair.
    draw = writer.resource_pages and len(pairs) <= DRAWN_PAIRS
    # Each plan's side once, though most plans are on two pairs; no betweenness: the page
    # shows none (it was half of this work at a million quads).
    comparisons_of = compare.compare_pairs(data, "plan", pairs, betweenness=False)
    layouts: dict[int, Any] = {}
    # Each plan's network once: it is on two pairs, drawn in two languages, and its metrics
    # (the graph and the degree that sizes the nodes) have no language.
    plan_metrics: dict[str, Any] = {}

    def metrics_of(plan: str) -> Any:
        if plan not in plan_metrics:
            plan_metrics[plan] = network.network_metrics(data, network.Scope(plan))
        return plan_metrics[plan]

    def write(writer: SiteWriter) -> None:
        import networkx as nx

        for lang in LANGUAGES:
            file = page_name("compare", lang, writer.default_lang)
            sectors = viz.sector_labels(writer.store, lang)
            comparisons = []
            for number, (before, after) in enumerate(pairs, start=1):
                context = compare.page_context(comparisons_of[number - 1], data, lang)
                context["before_picture"] = context["after_picture"] = None
                comparisons.append(context)
                if not draw:
                    continue
                sides = [metrics_of(plan) for plan in (before, after)]
                # Both networks in one layout: an organisation stands in the same place, in
                # both languages too.
                if number not in layouts:
                    layouts[number] = pictures.network_layout(
                        nx.compose(sides[0].graph, sides[1].graph))
                layout = layouts[number]
                for side, metrics in zip(("before", "after"), sides, strict=True):
                    name = file.removesuffix(".html") + f"-{number}-{side}.svg"
                    writer._write(name, pictures.picture_bytes(
                        "svg", data, metrics, lang=lang, sectors=sectors, positions=layout,
                        title=context[side]))
                    context[f"{side}_picture"] = name
            words = compare.page_words(lang)
            writer._render("compare.html", file, lang, page_path="compare",
                           title=_strings()[lang]["compare"], intro=words["intro"],
                           words=words, comparisons=comparisons)

    return SiteSection("compare.html", {lang: _strings()[lang]["compare"] for lang in LANGUAGES},
                       write)
