"""The organisation resolver: which registry organisation, unit or group a name in a source means.

Exact and alternative labels after normalisation, units written with their parent, context
by county, and fuzzy proposals (rapidfuzz) that are reported but never merged silently.

County context: names every county's body goes by ("Länsstyrelsen", "Regionen", "Länets
kommuner", all in the national registry for each of the 21 counties) mean the body of the
document's county; the county is given as a place slug, IRI, county code ("05") or name
("Östergötlands län"). A municipality's own name ("Malmö stad") means that municipality in
any county's document.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from planegraf.i18n import Message
from planegraf.ids import DATA
from planegraf.rdf.loading import open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.queries import read_query

AgentKind = Literal["organisation", "unit", "group"]
Status = Literal["resolved", "guessed", "unresolved"]

PLACE = DATA + "place/"
NATIONAL_PLACE = PLACE + "sverige"

# Dashes and punctuation that spelling variants differ by; they separate words in the key.
_PUNCTUATION = re.compile(r"[\-‐‑‒–—−,;:()\[\]/\"'“”’.!?*]+")
_SPACES = re.compile(r"\s+")
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)\s*$")

GUESS_THRESHOLD = 88.0
"""Fuzzy score (0–100) from which the best candidate is reported as a guess."""
PROPOSAL_THRESHOLD = 60.0
"""Fuzzy score from which a candidate is shown at all."""


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """The comparison key of a name: composed Unicode, case-folded, punctuation and dashes as
    spaces, whitespace collapsed.

    >>> normalise("CHILD-gruppen") == normalise("CHILD gruppen")
    True
    >>> normalise("Sektion Folkha\\u0308lsa") == normalise("sektion  folkhälsa")
    True
    >>> normalise("Länet utbildnings-, kultur- och fritidsförvaltningar")
    'länet utbildnings kultur och fritidsförvaltningar'
    """
    composed = unicodedata.normalize("NFC", text).casefold()
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", composed)).strip()


def compact(key: str) -> str:
    """The key without spaces: "IT centrum", "IT-centrum" and "ITcentrum" meet here."""
    return key.replace(" ", "")


@dataclass(frozen=True)
class Agent:
    """An organisation, unit or group of the registry."""

    iri: str
    label: str
    kind: AgentKind
    place: str | None
    parents: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return self.iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Candidate:
    """A registry agent proposed for a mention, with the label that matched and a score."""

    iri: str
    label: str
    score: float
    note: str = ""


@dataclass(frozen=True)
class Resolution:
    """What one mention resolved to.

    ``qualifier`` is the text of a parent organisation written after a unit
    ("…, Region Jönköpings län"); ``unit_text`` is the mention without it.
    """

    mention: str
    status: Status
    agent: str | None = None
    method: str = ""
    candidates: tuple[Candidate, ...] = ()
    qualifier: str | None = None
    unit_text: str | None = None
    parent: str | None = None


@dataclass
class OrganisationRegistry:
    """The registry's agents and every name they go by, indexed for resolution."""

    agents: dict[str, Agent]
    labels: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    county_names: dict[str, str] = field(default_factory=dict)
    county_codes: dict[str, str] = field(default_factory=dict)
    """County place IRI → its two-digit code."""
    municipality_codes: dict[str, str] = field(default_factory=dict)
    """Municipality IRI → its four-digit code."""
    county_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """County place IRI → other words that name it (from its region's name: "Sörmland")."""

    def __post_init__(self) -> None:
        self._by_key: dict[str, set[str]] = defaultdict(set)
        self._by_compact: dict[str, set[str]] = defaultdict(set)
        self._label_of_key: dict[tuple[str, str], str] = {}
        for iri, names in self.labels.items():
            for name, _lang in names:
                key = normalise(name)
                if not key:
                    continue
                self._by_key[key].add(iri)
                self._by_compact[compact(key)].add(iri)
                self._label_of_key.setdefault((key, iri), name)
        parents = {p for agent in self.agents.values() for p in agent.parents}
        # Parent names by their last word, so a span is only checked against parents it
        # could end with.
        self._parent_keys: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key, iris in sorted(self._by_key.items(), key=lambda pair: -len(pair[0])):
            for iri in sorted(iris & parents):
                self._parent_keys[key.rsplit(" ", 1)[-1]].append((key, iri))
        self._fuzzy_keys = sorted(self._by_key)
        self._county_stems: dict[str, set[str]] = {
            place: {normalise(name).split(" ")[0].removesuffix("s"),
                    *self.county_aliases.get(place, ())}
            for place, name in self.county_names.items()
        }
        self._cache: dict[tuple[str, str | None], Resolution] = {}

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_store(cls, store: EmbeddedStore) -> OrganisationRegistry:
        """Read the registry from a loaded store (the queries live in ``queries/ingest/``)."""
        rows = store.select(read_query("ingest/agent-labels.rq").text)
        kinds: dict[str, AgentKind] = {}
        places: dict[str, str] = {}
        parents: dict[str, set[str]] = defaultdict(set)
        pref: dict[str, str] = {}
        labels: dict[str, list[tuple[str, str]]] = defaultdict(list)
        rank = {"group": 0, "unit": 1, "organisation": 2}
        for row in rows:
            iri = row["agent"].value
            kind: AgentKind = row["kind"].value
            if iri not in kinds or rank[kind] < rank[kinds[iri]]:
                kinds[iri] = kind
            label = row["label"]
            entry = (label.value, label.language or "")
            if entry not in labels[iri]:
                labels[iri].append(entry)
            if row["preferred"].value == "true" and (label.language == "sv" or iri not in pref):
                pref[iri] = label.value
            if row["place"] is not None:
                places[iri] = row["place"].value
            if row["parent"] is not None:
                parents[iri].add(row["parent"].value)
        agents = {
            iri: Agent(iri, pref.get(iri, labels[iri][0][0]), kind, places.get(iri),
                       tuple(sorted(parents[iri])))
            for iri, kind in kinds.items()
        }
        county_rows = [row for row in store.select(read_query("ingest/county-places.rq").text)
                       if row["code"] is not None]
        counties = {row["place"].value: row["label"].value for row in county_rows}
        codes = {row["place"].value: row["code"].value for row in county_rows}
        municipalities = {
            row["agent"].value: row["code"].value
            for row in store.select(read_query("ingest/municipality-codes.rq").text)
        }
        # "Region Sörmland", "Västra Götalandsregionen": the words of a region's name, less
        # the generic ones, name its county as well as the county's own name does.
        generic = {"region", "regionen", "län", "läns"}
        aliases: dict[str, set[str]] = defaultdict(set)
        for row in store.select(read_query("ingest/county-region.rq").text):
            region, place = row["region"].value, row["place"].value
            if place in counties and region in pref:
                aliases[place].update(word for word in normalise(pref[region]).split(" ")
                                      if word not in generic and len(word) > 3)
        return cls(agents, dict(labels), counties, codes, municipalities,
                   {place: tuple(sorted(words)) for place, words in aliases.items()})

    @classmethod
    def bundled(cls, extra_files: Sequence[object] = ()) -> OrganisationRegistry:
        """The registry of the bundled ``graph/`` (plus ``extra_files``, e.g. a draft registry).

        >>> registry = OrganisationRegistry.bundled()
        >>> registry.resolve("Kultorum", county="jonkopings-lan").agent.rsplit("/", 1)[-1]
        'qulturum'
        """
        from pathlib import Path

        return cls.from_store(open_store([Path(str(f)) for f in extra_files]))

    # -- questions about agents -----------------------------------------------------------

    def ancestors(self, iri: str) -> set[str]:
        """Every organisation an agent is a unit of, directly or through other units."""
        found: set[str] = set()
        todo = list(self.agents[iri].parents) if iri in self.agents else []
        while todo:
            parent = todo.pop()
            if parent not in found:
                found.add(parent)
                if parent in self.agents:
                    todo.extend(self.agents[parent].parents)
        return found

    def label_of(self, iri: str) -> str:
        agent = self.agents.get(iri)
        return agent.label if agent else iri

    def county_place(self, county: str | None) -> str | None:
        """The place IRI of a county given as slug, IRI, two-digit code or Swedish name.

        >>> registry = OrganisationRegistry.bundled()
        >>> [registry.county_place(c).rsplit("/", 1)[-1]
        ...  for c in ("05", "Östergötlands län", "östergötland", "ostergotlands-lan")]
        ['ostergotlands-lan', 'ostergotlands-lan', 'ostergotlands-lan', 'ostergotlands-lan']

        A code or name of no county is refused (``ValueError``), never taken as no county.
        """
        if county is None or county.strip() == "":
            return None
        county = county.strip()
        if county.startswith("http"):
            return county
        if county.isdigit():
            for place, code in self.county_codes.items():
                if code == county.zfill(2):
                    return place
            # A Message: the import that catches it says it in the run's language.
            raise ValueError(Message("error_county_code", code=repr(county),
                                     codes=", ".join(sorted(self.county_codes.values()))))
        key = normalise(county)
        for place, name in self.county_names.items():
            full = normalise(name)
            if key in (full, full.removesuffix(" län").removesuffix("s"),
                       *self.county_aliases.get(place, ())):
                return place
        if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", county):
            return PLACE + county  # a place slug, as the bundled data writes them
        raise ValueError(Message("error_county_name", county=repr(county)))

    def place_label(self, place: str | None) -> str:
        if place is None:
            return ""
        return self.county_names.get(place, place.rsplit("/", 1)[-1])

    # -- resolution -----------------------------------------------------------------------

    def resolve(self, mention: str, county: str | None = None) -> Resolution:
        """Resolve one mention exactly (labels, normalisation, unit with parent), or else
        propose fuzzy candidates without accepting them.

        ``county`` is a place slug (``jonkopings-lan``) or IRI: names such as "Länsstyrelsen"
        mean that county's body, and bodies of other counties are only accepted when the name
        itself says which county (e.g. "Jönköping University" in a Kalmar text).
        """
        exact = self.resolve_exactly(mention, county)
        if exact.status != "unresolved":  # resolved, or ambiguous between same-named bodies
            return exact
        return self.propose(mention, county, exact.candidates)

    def resolve_exactly(self, mention: str, county: str | None = None) -> Resolution:
        """Resolution without fuzzy matching: ``unresolved`` (with county conflicts as
        candidates) when no label fits."""
        place = self.county_place(county)
        cache_key = (mention, place)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        result = self._resolve_exactly(mention, place)
        self._cache[cache_key] = result
        return result

    def _resolve_exactly(self, mention: str, place: str | None) -> Resolution:
        mention = unicodedata.normalize("NFC", mention)
        key = normalise(mention)
        if not key:
            return Resolution(mention, "unresolved", method="empty")
        found = self._lookup(key, mention, place, "label")
        if found.status != "unresolved" or found.candidates:
            return found
        found = self._lookup_set(self._by_compact.get(compact(key), set()), key, mention, place,
                                 "normalised")
        if found.status != "unresolved" or found.candidates:
            return found
        # "CHAP - Barnhälsa och föräldraskap (Uppsala Universitet)": the parenthesis adds the
        # parent or the members; the name is what stands before it.
        stripped = _PARENTHETICAL.sub("", mention)
        if stripped != mention and stripped:
            inner = self.resolve_exactly(stripped, place)
            if inner.status == "resolved":
                return Resolution(mention, "resolved", inner.agent, "parenthetical")
        return self._unit_with_parent(key, mention, place)

    def _unit_with_parent(self, key: str, mention: str, place: str | None) -> Resolution:
        """"Sektion Folkhälsa, Region Jönköpings län" and "CHILD gruppen Jönköping University":
        a unit followed by an organisation it belongs to is the unit."""
        for parent_key, parent in self._parent_keys.get(key.rsplit(" ", 1)[-1], ()):
            if not key.endswith(" " + parent_key) or len(key) == len(parent_key) + 1:
                continue
            unit_text, qualifier = _split_trailing(mention, len(parent_key.split(" ")))
            if not unit_text:
                continue
            unit = self.resolve_exactly(unit_text, place)
            options = [unit.agent] if unit.agent else [c.iri for c in unit.candidates]
            # The parent locates the unit: "CHAP … (Uppsala Universitet)" in a Jönköping text
            # is Uppsala's unit, which the county context alone would have set aside.
            fitting = [iri for iri in options if parent in self.ancestors(iri)]
            if len(fitting) == 1:
                return Resolution(mention, "resolved", fitting[0], "unit-with-parent",
                                  qualifier=qualifier, unit_text=unit_text, parent=parent)
        return Resolution(mention, "unresolved")

    def _lookup(self, key: str, mention: str, place: str | None, method: str) -> Resolution:
        return self._lookup_set(self._by_key.get(key, set()), key, mention, place, method)

    def _lookup_set(self, iris: set[str], key: str, mention: str, place: str | None,
                    method: str) -> Resolution:
        if not iris:
            return Resolution(mention, "unresolved")
        usable, elsewhere = self._in_context(iris, key, place)
        if len(usable) == 1:
            return Resolution(mention, "resolved", usable[0], method)
        if len(usable) > 1:
            candidates = tuple(Candidate(i, self.label_of(i), 100.0, "ambiguous")
                               for i in sorted(usable))
            return Resolution(mention, "guessed", None, "ambiguous", candidates)
        candidates = tuple(
            Candidate(i, self.label_of(i), 100.0, f"other county: {self.place_label(p)}")
            for i, p in sorted(elsewhere)
        )
        return Resolution(mention, "unresolved", None, "other-county", candidates)

    def _in_context(self, iris: Iterable[str], key: str, place: str | None
                    ) -> tuple[list[str], list[tuple[str, str]]]:
        """The agents a name can mean in a document of ``place``, and those it cannot because
        they belong to another county and the name does not say so."""
        local: list[str] = []
        unplaced: list[str] = []
        elsewhere: list[tuple[str, str]] = []
        for iri in iris:
            agent_place = self.agents[iri].place if iri in self.agents else None
            if place is None or agent_place is None or agent_place == NATIONAL_PLACE:
                unplaced.append(iri)
            elif agent_place == place:
                local.append(iri)
            elif iri in self.municipality_codes or self._names_county(key, agent_place):
                unplaced.append(iri)
            else:
                elsewhere.append((iri, agent_place))
        if place is not None and local:
            return sorted(local), elsewhere
        return sorted(unplaced), elsewhere

    def _names_county(self, key: str, place: str) -> bool:
        stems = self._county_stems.get(place)
        if stems:
            return any(word.startswith(stem) for word in key.split(" ") for stem in stems)
        # A place the registry knows no county name for (a city, a country): the name counts.
        return True

    def propose(self, mention: str, county: str | None = None,
                known: tuple[Candidate, ...] = ()) -> Resolution:
        """Fuzzy candidates for a mention no label fits: a guess from GUESS_THRESHOLD,
        otherwise unresolved; in neither case is the mention taken as that agent."""
        place = self.county_place(county)
        key = normalise(mention)
        scored: dict[str, Candidate] = {c.iri: c for c in known}
        if key:
            for choice, score, _ in process.extract(key, self._fuzzy_keys, scorer=fuzz.ratio,
                                                    limit=8, score_cutoff=PROPOSAL_THRESHOLD):
                usable, elsewhere = self._in_context(self._by_key[choice], choice, place)
                for iri in usable:
                    label = self._label_of_key.get((choice, iri), self.label_of(iri))
                    if iri not in scored or scored[iri].score < score:
                        scored[iri] = Candidate(iri, label, round(float(score), 1))
                for iri, other in elsewhere:
                    scored.setdefault(iri, Candidate(
                        iri, self.label_of(iri), round(float(score), 1),
                        f"other county: {self.place_label(other)}"))
        ranked = tuple(sorted(scored.values(), key=lambda c: (-c.score, c.iri))[:3])
        best = ranked[0] if ranked else None
        if best and best.score >= GUESS_THRESHOLD and not best.note:
            return Resolution(mention, "guessed", None, "fuzzy", ranked)
        return Resolution(mention, "unresolved", None, "no-match" if not ranked else "fuzzy",
                          ranked)


def _split_trailing(text: str, words: int) -> tuple[str, str]:
    """Split the last ``words`` words (of the normalised form) off ``text``, returning the
    head without its trailing separator and the tail as written."""
    tokens = list(re.finditer(r"[^\W_]+", text))
    if len(tokens) <= words:
        return "", text
    cut = tokens[-words].start()
    head = text[:cut].rstrip(" ,;:-–(")
    return head, text[cut:]
