"""Collaboration networks from the store: the graphs (NetworkX), their scope, and the metrics.

Owns who works with whom: organisation–activity, organisation–organisation and
organisation–area graphs, PARTNER-style whole-network metrics, centralities, Gould–Fernandez
brokerage, Louvain communities compared with the declared action areas.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from typing import Any, Literal

import networkx as nx
import pyoxigraph as ox

from planegraf import i18n
from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.ids import DATA
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.queries import read_query
from planegraf.sparql.readers import Reader

Language = Literal["sv", "en"]

ROLE_PREFIX = DATA + "role/"
SECTOR_PREFIX = DATA + "sector/"
# When one organisation holds several roles in one activity (directly and through a group it
# belongs to, say), the edge keeps the most responsible one.
ROLE_RANK = {"coordinator": 0, "steering-group": 1, "funder": 2, "partner": 3}

#: Exact betweenness (Brandes) and closeness run one breadth-first search from every node
#: over the ties of its component: ``Σ n_c·m_c`` steps for components of ``n_c`` nodes and
#: ``m_c`` ties (see :func:`path_search_work`). NetworkX takes 250–400 ns a step for
#: betweenness on the build machine (benchmarks/network_gaps.py: 2 s at 600 nodes and 9 000
#: ties, 15 s at 1 293 nodes and 46 548 ties), so up to this many steps — about 2 s — both
#: are exact. Above it betweenness comes from a sample of pivots (see :func:`betweenness`)
#: and closeness is left out.
BETWEENNESS_WORK_LIMIT = 6_000_000
BETWEENNESS_EPSILON = 0.1
BETWEENNESS_DELTA = 0.05

BROKERAGE_ROLES = ("coordinator", "consultant", "gatekeeper_representative", "liaison")

#: One plain-language line per metric, in Swedish and English, for every report (the text
#: catalogue's "metric_explain_" keys).
METRIC_EXPLANATIONS: dict[str, dict[str, str]] = {
    metric: {lang: i18n.section("metric_explain", lang)[metric] for lang in i18n.LANGUAGES}
    for metric in i18n.section("metric_explain", "sv")}


def explain(metric: str, lang: Language = "sv") -> str:
    """The plain-language explanation of a metric.

    >>> explain("density", "en").split(":")[0]
    'Share of all possible pairs that actually work together'
    """
    return METRIC_EXPLANATIONS[metric][lang]


# --------------------------------------------------------------------------------------------
# The data, as read from the store
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agent:
    """An organisation, unit or group that can take part in activities."""

    iri: str
    label_sv: str
    label_en: str | None = None
    sector: str | None = None
    member_sector: str | None = None
    is_group: bool = False
    #: The county (a ``dct:Location`` IRI) where it, or the organisation it is a unit of, is;
    #: ``None`` for a national body or an unknown place.
    county: str | None = None

    def label(self, lang: Language = "sv") -> str:
        return (self.label_en if lang == "en" and self.label_en else self.label_sv) or self.iri

    @property
    def effective_sector(self) -> str:
        """The sector that counts in the analysis: a group's members' sector when known."""
        return self.member_sector or self.sector or "unknown"


@dataclass(frozen=True)
class Area:
    iri: str
    notation: str | None = None
    label_sv: str | None = None
    label_en: str | None = None
    strategy: str | None = None
    goal: str | None = None
    goal_notation: str | None = None

    def label(self, lang: Language = "sv") -> str:
        text = (self.label_en if lang == "en" and self.label_en else self.label_sv) or self.iri
        return f"{self.notation}. {text}" if self.notation else text


@dataclass(frozen=True)
class Plan:
    iri: str
    title_sv: str | None = None
    title_en: str | None = None
    strategy: str | None = None
    #: The county of the plan's publisher (a ``dct:Location`` IRI) and its names.
    county: str | None = None
    county_sv: str | None = None
    county_en: str | None = None
    #: The areas the plan states it covers (``pg:coversArea``); empty when it states none.
    covers: tuple[str, ...] = ()

    def title(self, lang: Language = "sv") -> str:
        return (self.title_en if lang == "en" and self.title_en else self.title_sv) or self.iri

    def county_label(self, lang: Language = "sv") -> str | None:
        return (self.county_en if lang == "en" and self.county_en else self.county_sv) \
            or self.county


@dataclass
class Activity:
    """One activity and who takes part in it, each participant with its role's short key."""

    iri: str
    plan: str | None = None
    area: str | None = None
    notation: str | None = None
    label: str | None = None
    follow_up: str | None = None
    follow_up_label: str | None = None
    participants: dict[str, str] = field(default_factory=dict)
    #: Participants whose every role in the activity is inferred (``pg:stated false``): the
    #: source does not name them here.
    inferred: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.notation or self.iri.rsplit("/", 1)[-1]

    def coordinators(self) -> list[str]:
        return sorted(a for a, role in self.participants.items() if role == "coordinator")

    def stated_participants(self) -> list[str]:
        """The participants the source names in this activity, in IRI order."""
        if not self.inferred:  # most activities: every participant is named
            return sorted(self.participants)
        return sorted(a for a in self.participants if a not in self.inferred)

    @property
    def names_no_one(self) -> bool:
        """True when the source names no participant at all (every role is inferred)."""
        return bool(self.participants) and not self.stated_participants()


@dataclass
class NetworkData:
    """Everything the network analysis and the gap rules read, keyed by IRI."""

    activities: dict[str, Activity]
    agents: dict[str, Agent]
    areas: dict[str, Area]
    plans: dict[str, Plan]
    members: dict[str, tuple[str, ...]]

    @cached_property
    def ordered_activities(self) -> list[Activity]:
        """Every activity in document order (natural IRI order), sorted once."""
        return sorted(self.activities.values(), key=lambda a: _flat_natural_key(a.iri))

    @cached_property
    def activities_by_plan(self) -> dict[str | None, list[Activity]]:
        """Each plan's activities in document order (``None``: activities of no plan),
        grouped once: comparing the plans of a national dataset pair by pair scanned every
        activity for every side."""
        grouped: dict[str | None, list[Activity]] = {}
        for activity in self.ordered_activities:
            grouped.setdefault(activity.plan, []).append(activity)
        return grouped

    def agent(self, iri: str) -> Agent:
        """The agent, or a stand-in named by its IRI when the registry lacks it."""
        return self.agents.get(iri) or Agent(iri, iri.rsplit("/", 1)[-1])

    def area_label(self, iri: str | None, lang: Language = "sv") -> str:
        if iri is None:
            return "—"
        area = self.areas.get(iri)
        return area.label(lang) if area else iri

    def plan_county(self, plan: str | None) -> str | None:
        """The county IRI of a plan (its publisher's), if known."""
        found = self.plans.get(plan or "")
        return found.county if found else None

    def county_label(self, county: str | None, lang: Language = "sv") -> str:
        """The name of a county IRI, from the plans that carry it."""
        for plan in self.plans.values():
            if plan.county == county and county is not None:
                return plan.county_label(lang) or county
        return county or "—"

    def scoped_area_label(self, plan: str | None, area: str | None,
                          lang: Language = "sv") -> str:
        """An area's label with its plan and county, for wherever plans or counties mix:
        "7. Civilsamhället (Tidsatta … 2023, Kalmar län)"."""
        found = self.plans.get(plan or "")
        if found is None:
            return self.area_label(area, lang)
        where = ", ".join(x for x in (found.title(lang), found.county_label(lang)) if x)
        return f"{self.area_label(area, lang)} ({where})"

    @cached_property
    def counties(self) -> tuple[str, ...]:
        """The counties of the plans, sorted."""
        return tuple(sorted({p.county for p in self.plans.values() if p.county}))

    @cached_property
    def _area_counties(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for plan in self.plans.values():
            if plan.county is None:
                continue
            for area in self.areas.values():
                if area.strategy == plan.strategy or area.iri in plan.covers:
                    found.setdefault(area.iri, plan.county)
        return found

    def area_county(self, area: str | None) -> str | None:
        """The county an area's plans belong to (an area is a strategy's or a plan's)."""
        return self._area_counties.get(area or "")

    def county_area_label(self, area: str | None, lang: Language = "sv") -> str:
        """An area's label with its county when the data holds more than one county:
        Jönköping's and Kalmar's areas 1–9 never look alike."""
        label = self.area_label(area, lang)
        county = self.area_county(area)
        if len(self.counties) > 1 and county:
            return f"{label} ({self.county_label(county, lang)})"
        return label


def _tail(iri: str | None, prefix: str) -> str | None:
    return iri[len(prefix):] if iri and iri.startswith(prefix) else iri


def _terms(store: Reader, query: str, *names: str) -> Iterator[Sequence[Any]]:
    """The rows of a SELECT in ``queries/`` as sequences of terms (each with its ``value``;
    ``None`` where unbound), one per variable in ``names``: the national network's 100 000
    rows are read term by term where they are used, without a tuple of values made first."""
    if not isinstance(store, EmbeddedStore):  # a remote endpoint: rows come back by name
        for row in store.select(read_query(query).text):
            yield tuple([row.get(n) for n in names])
        return
    solutions = store.oxigraph.query(read_query(query).text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions), f"{query} must be a SELECT"
    projected = [v.value for v in solutions.variables]
    missing = [name for name in names if name not in projected]
    if missing:
        raise PlanegrafError(Message("error_query_must_select", query=query,
                                     variables=", ?".join(missing)))
    order = [projected.index(name) for name in names]
    if order == list(range(len(projected))):  # every variable, in the query's order
        yield from solutions
        return
    for row in solutions:
        terms = tuple(row)
        yield tuple([terms[i] for i in order])


def _rows(store: Reader, query: str, *names: str) -> Iterator[tuple[Any, ...]]:
    """The rows of a SELECT in ``queries/`` as tuples of plain strings (``None`` where
    unbound), one per variable in ``names``."""
    for terms in _terms(store, query, *names):
        yield tuple([None if term is None else term.value for term in terms])


def load_network_data(store: Reader) -> NetworkData:
    """Read activities, participations, organisations, areas and plans with the queries in
    ``queries/network/``.

    >>> from planegraf.pipeline import open_store
    >>> data = load_network_data(open_store())
    >>> len([a for a in data.activities.values() if a.plan.endswith("rjl-hp-2018-2020")])
    55
    """
    activities: dict[str, Activity] = {}
    # The terms unpacked by name and read in place: 25 000 activities at a million quads,
    # without a list of values and a call per term made for each.
    for iri_term, plan, area, notation, label, follow_up, follow_up_label in _terms(
            store, "network/activities.rq", "activity", "plan", "area", "notation", "label",
            "followUp", "followUpLabel"):
        iri = iri_term.value
        if iri not in activities:
            activities[iri] = Activity(
                iri, None if plan is None else plan.value, None if area is None else area.value,
                None if notation is None else notation.value,
                None if label is None else label.value,
                None if follow_up is None else follow_up.value,
                None if follow_up_label is None else follow_up_label.value)
    # A role's short key once per role IRI, not once per participation (77 000 of them at
    # a million quads).
    role_keys: dict[str, str] = {}
    # What _add_participant does, written out: one call fewer per participation.
    rank = ROLE_RANK.get
    for iri_term, role_term, agent_term, stated_term in _terms(
            store, "network/participations.rq", "activity", "role", "agent", "stated"):
        activity = activities.get(iri_term.value)
        if activity is not None:
            role, agent = role_term.value, agent_term.value
            key = role_keys.get(role)
            if key is None:
                key = role_keys[role] = _tail(role, ROLE_PREFIX) or "partner"
            participants = activity.participants
            current = participants.get(agent)
            if current is None or rank(key, 9) < rank(current, 9):
                participants[agent] = key
            # A participant is inferred when every one of its roles in the activity is
            # (pg:stated false): it is one from its first role on, and stops being one at
            # its first stated role. A participation without pg:stated (data from before it
            # existed) counts as stated: it was read from the source like every other.
            if stated_term is not None and stated_term.value in ("false", "0"):
                if current is None:
                    activity.inferred.add(agent)
            elif activity.inferred:
                activity.inferred.discard(agent)
    agents: dict[str, Agent] = {}
    for iri, label_sv, label_en, sector, member_sector, is_group, county in _rows(
            store, "network/agents.rq", "agent", "labelSv", "labelEn", "sector",
            "memberSector", "isGroup", "county"):
        if iri not in agents or (county and not agents[iri].county):
            agents[iri] = Agent(
                iri, label_sv=label_sv or iri.rsplit("/", 1)[-1], label_en=label_en,
                sector=_tail(sector, SECTOR_PREFIX),
                member_sector=_tail(member_sector, SECTOR_PREFIX), is_group=is_group == "true",
                county=county,
            )
    areas: dict[str, Area] = {}
    for iri, notation, label_sv, label_en, strategy, goal, goal_notation in _rows(
            store, "network/areas.rq", "area", "notation", "labelSv", "labelEn", "strategy",
            "goal", "goalNotation"):
        areas.setdefault(iri, Area(iri, notation, label_sv, label_en, strategy, goal,
                                   goal_notation))
    covers: dict[str, list[str]] = defaultdict(list)
    for plan, area in _rows(store, "network/coverage.rq", "plan", "area"):
        covers[plan].append(area)
    plans: dict[str, Plan] = {}
    for iri, title_sv, title_en, strategy, county, county_sv, county_en in _rows(
            store, "network/plans.rq", "plan", "titleSv", "titleEn", "strategy", "county",
            "countySv", "countyEn"):
        plans.setdefault(iri, Plan(iri, title_sv, title_en, strategy, county, county_sv,
                                   county_en, tuple(sorted(covers.get(iri, ())))))
    members: dict[str, list[str]] = defaultdict(list)
    for group, member in _rows(store, "network/group-members.rq", "group", "member"):
        members[group].append(member)
    return NetworkData(activities, agents, areas, plans,
                       {g: tuple(sorted(m)) for g, m in members.items()})


def _add_participant(participants: dict[str, str], agent: str, role: str) -> None:
    current = participants.get(agent)
    if current is None or ROLE_RANK.get(role, 9) < ROLE_RANK.get(current, 9):
        participants[agent] = role


# --------------------------------------------------------------------------------------------
# Scope: one plan, one action area, one strategic goal; groups kept or expanded
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which activities count. ``None`` means no restriction."""

    plan: str | None = None
    area: str | None = None
    goal: str | None = None
    expand_groups: bool = False

    def with_area(self, area: str) -> Scope:
        return Scope(self.plan, area, self.goal, self.expand_groups)

    def with_plan(self, plan: str) -> Scope:
        return Scope(plan, self.area, self.goal, self.expand_groups)


def resolve_scope(
    data: NetworkData, plan: str | None = None, area: str | None = None,
    goal: str | None = None, expand_groups: bool = False,
) -> Scope:
    """Turn the user's keys into IRIs: ``plan`` as ``rjl-hp-2018-2020`` or its IRI, ``area`` as
    its number (``6``) or IRI, ``goal`` as ``strategiskt-3``, its number or IRI.

    Raises ``PlanegrafError`` naming the accepted keys when a key matches nothing or several.
    """
    plan_iri = _resolve(plan, "plan", {p: [p.rsplit("/", 1)[-1]] for p in data.plans})
    strategy = data.plans[plan_iri].strategy if plan_iri else None
    plan_areas = {a.area for a in data.activities.values() if a.plan == plan_iri}

    def in_plan(iri: str) -> bool:
        return plan_iri is None or data.areas[iri].strategy == strategy or iri in plan_areas

    area_keys = {
        iri: [k for k in (a.notation, iri.split("/area/", 1)[-1]) if k]
        for iri, a in data.areas.items() if in_plan(iri)
    }
    area_iri = _resolve(area, "area", area_keys)
    goal_keys: dict[str, list[str]] = {}
    for a in data.areas.values():
        if a.goal and in_plan(a.iri):
            goal_keys[a.goal] = [k for k in (a.goal_notation, a.goal.rsplit("/", 1)[-1]) if k]
    goal_iri = _resolve(goal, "goal", goal_keys)
    return Scope(plan_iri, area_iri, goal_iri, expand_groups)


def _resolve(key: str | None, kind: str, keys: Mapping[str, list[str]]) -> str | None:
    if key is None:
        return None
    if key in keys:
        return key
    found = sorted(iri for iri, names in keys.items() if key in names)
    if len(found) == 1:
        return found[0]
    known = sorted({names[-1] for names in keys.values()})
    if found:
        raise PlanegrafError(Message("error_ambiguous", kind=kind, name=repr(key),
                                     found=", ".join(found)))
    raise PlanegrafError(Message(f"error_not_in_data_{kind}", name=repr(key),
                                 known=", ".join(known) or Message("error_none_listed")))


def natural_key(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key that puts ``…/9-2`` before ``…/9-10``.

    >>> sorted(["a/9-10", "a/9-2"], key=natural_key)
    ['a/9-2', 'a/9-10']
    """
    return tuple([(int(part), "") if part.isdecimal() else (-1, part)
                  for part in _NUMBERS.split(text)])


_NUMBERS = re.compile(r"(\d+)")


def _flat_natural_key(text: str) -> tuple[int | str, ...]:
    """:func:`natural_key` with its pairs laid end to end: the same order (every pair has
    two items, so comparing the flat tuples compares the pairs in turn), sorted in about
    half the time (the 25 000 activities of a national dataset: 0.2 s of 0.4)."""
    flat: list[int | str] = []
    for part in _NUMBERS.split(text):
        if part.isdecimal():
            flat += (int(part), "")
        else:
            flat += (-1, part)
    return tuple(flat)


def scoped_activities(data: NetworkData, scope: Scope) -> list[Activity]:
    """The activities in scope, in document order (natural IRI order); with
    ``expand_groups`` each closed group is replaced by its members (in the group's role);
    generic groups stay as they are."""
    selected = []
    for activity in data.ordered_activities:
        if scope.plan and activity.plan != scope.plan:
            continue
        if scope.area and activity.area != scope.area:
            continue
        if scope.goal:
            area = data.areas.get(activity.area or "")
            if area is None or area.goal != scope.goal:
                continue
        if scope.expand_groups:
            activity = _expanded(activity, data.members)
        selected.append(activity)
    return selected


def _expanded(activity: Activity, members: Mapping[str, tuple[str, ...]]) -> Activity:
    participants: dict[str, str] = {}
    named: set[str] = set()
    for agent, role in activity.participants.items():
        for member in members.get(agent) or (agent,):
            _add_participant(participants, member, role)
            if agent not in activity.inferred:
                named.add(member)
    return Activity(activity.iri, activity.plan, activity.area, activity.notation,
                    activity.label, activity.follow_up, activity.follow_up_label, participants,
                    set(participants) - named)


# --------------------------------------------------------------------------------------------
# The three graphs
# --------------------------------------------------------------------------------------------


def _agent_attributes(data: NetworkData, iri: str) -> dict[str, Any]:
    agent = data.agent(iri)
    return {"kind": "group" if agent.is_group else "organisation", "label": agent.label("sv"),
            "label_en": agent.label("en"), "sector": agent.effective_sector,
            "county": agent.county or ""}


def activity_graph(data: NetworkData, scope: Scope = Scope()) -> nx.Graph:
    """The two-mode organisation–activity graph; each edge carries the ``role``."""
    graph = nx.Graph()
    for activity in scoped_activities(data, scope):
        graph.add_node(activity.iri, kind="activity", label=activity.label or activity.name,
                       notation=activity.name, area=activity.area, plan=activity.plan)
        for agent, role in activity.participants.items():
            if agent not in graph:
                graph.add_node(agent, **_agent_attributes(data, agent))
            graph.add_edge(agent, activity.iri, role=role,
                           stated=agent not in activity.inferred)
    return graph


def collaboration_graph(data: NetworkData, scope: Scope = Scope()) -> nx.Graph:
    """The organisation–organisation projection: an edge for every pair that shares an
    activity, ``weight`` = number of shared activities, with the shared ``activities`` and
    ``areas`` (sorted IRIs). Every participant is a node, also one that works alone.

    Node attributes: ``label``, ``label_en``, ``sector`` (a group's member sector), ``kind``,
    ``activities`` and ``coordinates`` (counts), ``areas`` (sorted IRIs).
    """
    return collaboration_graph_of(data, scoped_activities(data, scope))


def collaboration_graph_of(data: NetworkData, activities: Iterable[Activity]) -> nx.Graph:
    """The collaboration graph of the given activities (see :func:`collaboration_graph`)."""
    graph = nx.Graph()
    node_areas: dict[str, set[str]] = defaultdict(set)
    # Each tie's activities, in the order met; its areas are read from them at the end
    # (a set per tie, not an insertion per shared activity: 77 000 pairs at national scale).
    pair_activities: dict[tuple[str, str], list[str]] = {}
    area_of: dict[str, str] = {}
    activity_count: dict[str, int] = {}
    coordinate_count: dict[str, int] = {}
    for activity in activities:
        # Only roles the source states make a node or a tie: the publisher made coordinator
        # where the source names no one would otherwise tie itself to everyone (see
        # :func:`inferred_roles`, which the reports show).
        agents = activity.stated_participants()
        iri, area, roles = activity.iri, activity.area, activity.participants
        for agent in agents:
            activity_count[agent] = activity_count.get(agent, 0) + 1
            if roles[agent] == "coordinator":
                coordinate_count[agent] = coordinate_count.get(agent, 0) + 1
            if area:
                node_areas[agent].add(area)
        if area:
            area_of[iri] = area
        for pair in combinations(agents, 2):
            shared = pair_activities.get(pair)
            if shared is None:
                pair_activities[pair] = [iri]
            else:
                shared.append(iri)
    for agent in sorted(activity_count):
        graph.add_node(agent, **_agent_attributes(data, agent),
                       activities=activity_count[agent],
                       coordinates=coordinate_count.get(agent, 0),
                       areas=tuple(sorted(node_areas.get(agent, ()))))
    graph.add_edges_from(
        (first, second, {"weight": len(acts), "activities": tuple(acts),
                         "areas": tuple(sorted({area_of[a] for a in acts if a in area_of}))})
        for (first, second), acts in pair_activities.items()
    )
    return graph


def bare_collaboration_graph(activities: Iterable[Activity]) -> nx.Graph:
    """The collaboration graph of :func:`collaboration_graph_of` without its attributes:
    the same nodes and ties, added in the same order (so that betweenness, summed along
    that order, comes out the same to the last bit), for what needs only who is tied to
    whom (a comparison's sides: 105 plans of a national site)."""
    named: set[str] = set()
    pairs: dict[tuple[str, str], None] = {}
    for activity in activities:
        agents = activity.stated_participants()
        named.update(agents)
        pairs.update(dict.fromkeys(combinations(agents, 2)))
    graph = nx.Graph()
    graph.add_nodes_from(sorted(named))
    graph.add_edges_from(pairs)
    return graph


def area_graph(data: NetworkData, scope: Scope = Scope()) -> nx.Graph:
    """The organisation–action-area graph; ``weight`` = activities of the organisation in
    the area."""
    graph = nx.Graph()
    weights: Counter[tuple[str, str]] = Counter()
    for activity in scoped_activities(data, scope):
        if not activity.area:
            continue
        if activity.area not in graph:
            graph.add_node(activity.area, kind="area",
                           label=data.area_label(activity.area, "sv"),
                           label_en=data.area_label(activity.area, "en"))
        for agent in activity.participants:
            if agent not in graph:
                graph.add_node(agent, **_agent_attributes(data, agent))
            weights[agent, activity.area] += 1
    graph.add_edges_from((a, area, {"weight": w}) for (a, area), w in weights.items())
    return graph


# --------------------------------------------------------------------------------------------
# Whole-network metrics (PARTNER)
# --------------------------------------------------------------------------------------------


def density(graph: nx.Graph) -> float:
    """Share of possible ties present: ``2·m / (n·(n−1))`` (0 for fewer than two nodes).

    >>> density(nx.path_graph(4))
    0.5
    """
    return float(nx.density(graph)) if graph.number_of_nodes() > 1 else 0.0


def degree_centralization(graph: nx.Graph) -> float:
    """Freeman's degree centralization: ``Σ (d_max − d_i) / ((n−1)(n−2))``.

    0 when every node has the same degree, 1 for a star; 0 for fewer than three nodes.

    >>> degree_centralization(nx.star_graph(4)), degree_centralization(nx.cycle_graph(5))
    (1.0, 0.0)
    """
    n: int = graph.number_of_nodes()
    if n < 3:
        return 0.0
    degrees: list[int] = [int(d) for _, d in graph.degree()]
    top = max(degrees)
    return sum(top - d for d in degrees) / ((n - 1) * (n - 2))


def relative_connectivity(graph: nx.Graph) -> dict[str, float]:
    """Relative connectivity of each node, degree-based: ``degree / max degree`` (0–1).

    PARTNER's relative connectivity also weighs the trust and value partners report of each
    other; plans hold neither, so this is its degree part alone (the reports say so).

    >>> relative_connectivity(nx.star_graph(2))
    {0: 1.0, 1: 0.5, 2: 0.5}
    """
    degrees = dict(graph.degree())
    top = max(degrees.values(), default=0)
    return {node: (d / top if top else 0.0) for node, d in degrees.items()}


def non_redundant_ties(graph: nx.Graph) -> dict[str, float]:
    """Non-redundant ties (Burt's effective size, Borgatti's form for unweighted graphs):
    ``deg(v) − 2·t(v) / deg(v)`` where ``t(v)`` is the number of ties among v's contacts.
    0 for an isolated node.

    >>> non_redundant_ties(nx.complete_graph(3))[0], non_redundant_ties(nx.star_graph(3))[0]
    (1.0, 3.0)
    """
    result: dict[str, float] = {}
    for node in graph:
        neighbours = set(graph[node]) - {node}
        degree = len(neighbours)
        if degree == 0:
            result[node] = 0.0
            continue
        ties = sum(len(neighbours & set(graph[other])) for other in neighbours) / 2
        result[node] = degree - 2 * ties / degree
    return result


def burt_constraint(graph: nx.Graph, weight: str | None = None) -> dict[str, float | None]:
    """Burt's constraint: ``c_i = Σ_j (p_ij + Σ_q p_iq·p_qj)²`` over i's contacts j (q any
    contact of both). Unweighted by default, ``p_ij = 1/deg(i)``; with ``weight`` (an edge
    attribute such as ``"weight"``, the shared activities) ``p_ij = w_ij / Σ_k w_ik``, Burt's
    original form. ``None`` for an isolated node, where it is undefined. (NetworkX's
    ``constraint`` gives the same values but recomputes every proportion per pair: minutes on
    a thousand-node network.)

    >>> burt_constraint(nx.star_graph(2))[0], burt_constraint(nx.complete_graph(3))[0]
    (0.5, 1.125)
    """
    neighbours = {n: set(graph[n]) - {n} for n in graph}

    def tie(a: str, b: str) -> float:
        return float(graph[a][b].get(weight, 1)) if weight else 1.0

    strength = {n: math.fsum(tie(n, c) for c in contacts) for n, contacts in neighbours.items()}

    def share(a: str, b: str) -> float:
        return tie(a, b) / strength[a]

    result: dict[str, float | None] = {}
    for node, contacts in neighbours.items():
        if not contacts or not strength[node]:
            result[node] = None
            continue
        # fsum rounds once, whatever the order of the sets: the same value in every run.
        result[node] = math.fsum(
            (share(node, contact) + math.fsum(share(node, q) * share(q, contact)
                                              for q in contacts & neighbours[contact])) ** 2
            for contact in contacts)
    return result


@dataclass(frozen=True)
class Betweenness:
    """Betweenness (normalised, 0–1) and how it was computed.

    ``error_bound`` is ε such that, with probability at least 1 − δ, every sampled value is
    within ε of the exact one (0 when exact).
    """

    values: dict[str, float]
    exact: bool
    pivots: int
    error_bound: float
    confidence: float


def sample_size(nodes: int, epsilon: float = BETWEENNESS_EPSILON,
                delta: float = BETWEENNESS_DELTA) -> int:
    """Pivots needed so that sampled betweenness is within ``epsilon`` of the exact value for
    every node at once, with probability ``1 − delta``.

    Each pivot s contributes ``X_s = n·δ_s(v) / ((n−1)(n−2))``, in ``[0, R]`` with
    ``R = n/(n−1)``, and the estimate is the mean of k such terms; Hoeffding's inequality
    (valid for sampling without replacement too) and a union bound over the n nodes give
    ``k = ⌈R² · ln(2n/δ) / (2ε²)⌉``.

    >>> sample_size(10_000, epsilon=0.05)
    2581
    """
    if nodes < 3:
        return nodes
    spread = nodes / (nodes - 1)
    return math.ceil(spread ** 2 * math.log(2 * nodes / delta) / (2 * epsilon ** 2))


def sampling_error(nodes: int, pivots: int, delta: float = BETWEENNESS_DELTA) -> float:
    """The ε that ``pivots`` samples guarantee (the inverse of :func:`sample_size`)."""
    if pivots >= nodes or nodes < 3:
        return 0.0
    spread = nodes / (nodes - 1)
    return spread * math.sqrt(math.log(2 * nodes / delta) / (2 * pivots))


def path_search_work(graph: nx.Graph) -> int:
    """The steps of one breadth-first search from every node: ``Σ n_c·m_c`` over the
    components (``n_c`` nodes, ``m_c`` ties; a lone node counts one).

    >>> g = nx.path_graph(4); g.add_edge("a", "b"); path_search_work(g)
    14
    """
    component_of: dict[Any, int] = {}
    sizes: list[int] = []
    for number, component in enumerate(nx.connected_components(graph)):
        sizes.append(len(component))
        component_of.update(dict.fromkeys(component, number))
    ties = [0] * len(sizes)
    for first, _ in graph.edges():
        ties[component_of[first]] += 1
    return sum(size * max(count, 1) for size, count in zip(sizes, ties, strict=True))


def betweenness(graph: nx.Graph, *, work_limit: int = BETWEENNESS_WORK_LIMIT,
                epsilon: float = BETWEENNESS_EPSILON, delta: float = BETWEENNESS_DELTA,
                seed: int = 1) -> Betweenness:
    """Normalised betweenness: exact up to ``work_limit`` search steps
    (:func:`path_search_work`), sampled above it.

    The sample has :func:`sample_size` pivots for ``epsilon`` and ``delta`` (Hoeffding with
    a union bound over the nodes: 531 pivots at 1 001 nodes, 611 at 5 000), but no more than
    ``work_limit`` steps allow, so that a sample never takes longer than the largest exact
    computation. ``error_bound`` is the ε the pivots actually guarantee
    (:func:`sampling_error`), with confidence ``1 − delta``.

    >>> betweenness(nx.path_graph(3)).values[1]
    1.0
    """
    n = graph.number_of_nodes()
    work = path_search_work(graph)
    pivots = sample_size(n, epsilon, delta)
    if work <= work_limit or pivots >= n:
        return Betweenness(nx.betweenness_centrality(graph, normalized=True), True, n, 0.0,
                           1.0)
    # A pivot searches its own component: work / n steps on average.
    pivots = max(1, min(pivots, work_limit * n // work))
    values = nx.betweenness_centrality(graph, k=pivots, normalized=True, seed=seed)
    return Betweenness(values, False, pivots, sampling_error(n, pivots, delta), 1 - delta)


def closeness(graph: nx.Graph, *, work_limit: int = BETWEENNESS_WORK_LIMIT
              ) -> dict[str, float] | None:
    """Closeness (Wasserman–Faust, so that it compares across components); ``None`` above
    ``work_limit`` search steps, where its all-pairs cost is that of exact betweenness."""
    if path_search_work(graph) > work_limit:
        return None
    return {n: float(v) for n, v in nx.closeness_centrality(graph, wf_improved=True).items()}


# --------------------------------------------------------------------------------------------
# Brokerage (Gould–Fernandez), communities, bridges
# --------------------------------------------------------------------------------------------


def brokerage_roles(graph: nx.Graph, sector_of: Callable[[str], str] | None = None
                    ) -> dict[str, Counter[str]]:
    """Gould–Fernandez brokerage on the undirected collaboration graph.

    For every broker B, every pair of B's contacts A and C that have no tie of their own is
    one brokerage, classified by the sectors of A, B and C:

    - ``coordinator``: A, B and C in one sector;
    - ``consultant`` (itinerant broker): A and C in one sector, B in another;
    - ``gatekeeper_representative``: exactly one of A and C in B's sector. On directed ties
      a gatekeeper (outsider → insider) and a representative (insider → outsider) differ;
      collaboration in an activity has no direction, so the two roles are one here;
    - ``liaison``: three different sectors.

    ``sector_of`` defaults to the node attribute ``sector``.

    >>> g = nx.path_graph(3); nx.set_node_attributes(g, {0: "a", 1: "b", 2: "a"}, "sector")
    >>> dict(brokerage_roles(g)[1])
    {'consultant': 1}
    """
    sectors = {n: (sector_of(n) if sector_of else graph.nodes[n].get("sector", "unknown"))
               for n in graph}
    neighbour_sets = {n: set(graph[n]) - {n} for n in graph}
    result: dict[str, Counter[str]] = {}
    for broker, contacts in neighbour_sets.items():
        per_sector = Counter(sectors[c] for c in contacts)
        pairs: Counter[tuple[str, str]] = Counter()
        keys = sorted(per_sector)
        for i, first in enumerate(keys):
            pairs[first, first] += per_sector[first] * (per_sector[first] - 1) // 2
            for second in keys[i + 1:]:
                pairs[first, second] += per_sector[first] * per_sector[second]
        # Pairs of contacts tied to each other are closed triads: no brokerage.
        for contact in contacts:
            for other in neighbour_sets[contact] & contacts:
                if contact < other:
                    pairs[tuple(sorted((sectors[contact], sectors[other])))] -= 1  # type: ignore[index]
        roles: Counter[str] = Counter()
        own = sectors[broker]
        for (first, second), count in pairs.items():
            if count:
                roles[_brokerage_role(first, own, second)] += count
        result[broker] = roles
    return result


def _brokerage_role(first: str, broker: str, second: str) -> str:
    if first == second:
        return "coordinator" if first == broker else "consultant"
    if broker in (first, second):
        return "gatekeeper_representative"
    return "liaison"


def home_areas(graph: nx.Graph, data: NetworkData, scope: Scope) -> dict[str, str]:
    """Each organisation's main action area: where it has most activities (ties → lowest
    IRI)."""
    return _home_areas(graph, scoped_activities(data, scope))


def _home_areas(graph: nx.Graph, activities: Iterable[Activity]) -> dict[str, str]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for activity in activities:
        if activity.area:
            for agent in activity.participants:
                counts[agent][activity.area] += 1
    return {agent: min(c, key=lambda area: (-c[area], area)) for agent, c in counts.items()
            if agent in graph}


@dataclass(frozen=True)
class Community:
    members: tuple[str, ...]
    main_area: str | None
    share_in_main_area: float


@dataclass(frozen=True)
class CommunityComparison:
    """Louvain communities set against the declared action areas."""

    communities: tuple[Community, ...]
    modularity_communities: float
    modularity_areas: float
    purity: float


def compare_communities(graph: nx.Graph, areas_of: Mapping[str, str], seed: int = 1
                        ) -> CommunityComparison:
    """Louvain communities (weighted by shared activities) and how well they match the
    organisations' main areas: modularity of both partitions and purity (the share of
    organisations in a community whose most common main area is their own)."""
    if graph.number_of_edges() == 0:
        return CommunityComparison((), 0.0, 0.0, 0.0)
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    communities = []
    agreeing = 0
    for members in sorted(found, key=lambda c: (-len(c), min(c))):
        areas = Counter(areas_of[m] for m in members if m in areas_of)
        main, count = (min(areas.items(), key=lambda kv: (-kv[1], kv[0]))
                       if areas else (None, 0))
        agreeing += count
        communities.append(Community(tuple(sorted(members)), main,
                                     count / len(members) if members else 0.0))
    by_area: dict[str, set[str]] = defaultdict(set)
    for node in graph:
        by_area[areas_of.get(node, "")].add(node)
    return CommunityComparison(
        tuple(communities),
        float(nx.community.modularity(graph, found, weight="weight")),
        float(nx.community.modularity(graph, list(by_area.values()), weight="weight")),
        agreeing / graph.number_of_nodes(),
    )


# --------------------------------------------------------------------------------------------
# Everything together
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkSummary:
    """The whole-network figures of one scope."""

    nodes: int
    edges: int
    components: int
    density: float
    degree_centralization: float

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def summarise_network(graph: nx.Graph) -> NetworkSummary:
    """Nodes, ties, components, density and degree centralization of ``graph``."""
    return NetworkSummary(
        graph.number_of_nodes(), graph.number_of_edges(),
        nx.number_connected_components(graph) if graph.number_of_nodes() else 0,
        density(graph), degree_centralization(graph),
    )


@dataclass(frozen=True)
class OrganisationMetrics:
    """The metrics of one organisation or group in the collaboration graph."""

    iri: str
    label: str
    sector: str
    activities: int
    coordinates: int
    areas: tuple[str, ...]
    degree: int
    degree_centrality: float
    betweenness: float
    closeness: float | None
    relative_connectivity: float
    non_redundant_ties: float
    constraint: float | None
    brokerage: dict[str, int]
    articulation_point: bool
    community: int | None
    #: Burt's constraint with ties weighted by shared activities (``constraint`` is
    #: unweighted).
    weighted_constraint: float | None = None
    #: The county where the organisation is (``None`` for a national body): an unscoped
    #: network spans counties, and every node says which it belongs to.
    county: str | None = None


class NetworkMetrics:
    """All metrics of one scope: the whole network, each organisation, the communities, and
    the whole-network figures of each action area and plan inside it.

    Each part is computed the first time it is read: drawing a national network needs the
    summary and the one metric that sizes its nodes (:meth:`node_values`), not brokerage,
    constraint and communities, which take longest.
    """

    def __init__(self, data: NetworkData, scope: Scope, lang: Language,
                 activities: list[Activity], graph: nx.Graph, work_limit: int) -> None:
        self.scope = scope
        #: The collaboration graph the metrics describe (for drawing and exports).
        self.graph = graph
        self.summary = summarise_network(graph)
        self._data = data
        self._lang = lang
        self._activities = activities
        self._work_limit = work_limit
        #: Roles left out because planegraf inferred them (the source names no one there).
        self.inferred_roles = inferred_roles(activities)

    @property
    def activities(self) -> list[Activity]:
        """The activities of the scope, in document order (as the graph was made from)."""
        return self._activities

    @cached_property
    def betweenness(self) -> Betweenness:
        return betweenness(self.graph, work_limit=self._work_limit)

    @cached_property
    def _closeness(self) -> dict[str, float] | None:
        return closeness(self.graph, work_limit=self._work_limit)

    @cached_property
    def communities(self) -> CommunityComparison:
        return compare_communities(self.graph, _home_areas(self.graph, self._activities))

    @cached_property
    def organisations(self) -> tuple[OrganisationMetrics, ...]:
        """Every organisation with all its metrics, most ties first."""
        graph = self.graph
        between = self.betweenness.values
        close = self._closeness
        relative = relative_connectivity(graph)
        effective = non_redundant_ties(graph)
        constraint = burt_constraint(graph)
        weighted = burt_constraint(graph, weight="weight")
        brokerage = brokerage_roles(graph)
        cut_points = set(nx.articulation_points(graph))
        degree_c = nx.degree_centrality(graph) if graph.number_of_nodes() > 1 else {
            n: 0.0 for n in graph}
        community_of = {m: i for i, c in enumerate(self.communities.communities)
                        for m in c.members}
        return tuple(sorted((
            OrganisationMetrics(
                iri=node, label=self._data.agent(node).label(self._lang),
                sector=attrs["sector"], activities=attrs["activities"],
                coordinates=attrs["coordinates"], areas=attrs["areas"],
                degree=graph.degree(node), degree_centrality=float(degree_c[node]),
                betweenness=float(between[node]),
                closeness=close[node] if close is not None else None,
                relative_connectivity=relative[node], non_redundant_ties=effective[node],
                constraint=constraint.get(node), brokerage=dict(brokerage[node]),
                articulation_point=node in cut_points, community=community_of.get(node),
                county=attrs.get("county") or None, weighted_constraint=weighted.get(node),
            )
            for node, attrs in graph.nodes(data=True)
        ), key=lambda o: (-o.degree, o.label)))

    def node_values(self, metric: str) -> dict[str, float | None]:
        """One metric of every node — ``degree``, ``betweenness``, ``closeness``,
        ``relative_connectivity`` or ``non_redundant_ties`` — computing only that one
        unless :attr:`organisations` already holds it."""
        if "organisations" in self.__dict__:
            return {o.iri: getattr(o, metric) for o in self.organisations}
        graph = self.graph
        if metric == "degree":
            return {node: graph.degree(node) for node in graph}
        if metric == "betweenness":
            return {node: float(value) for node, value in self.betweenness.values.items()}
        if metric == "closeness":
            close = self._closeness
            return {node: close[node] if close is not None else None for node in graph}
        if metric == "relative_connectivity":
            return dict(relative_connectivity(graph))
        if metric == "non_redundant_ties":
            return dict(non_redundant_ties(graph))
        raise ValueError(f"no per-node metric {metric!r}")

    @cached_property
    def _by_area_and_plan(self) -> tuple[dict[tuple[str, str], NetworkSummary],
                                         dict[str, NetworkSummary], dict[str, NetworkSummary]]:
        # An area is counted per plan: the 2016–2017 and 2018–2020 plans share the strategy's
        # area 7, and one plan's area says nothing about the other's.
        by_area: dict[tuple[str, str], list[Activity]] = defaultdict(list)
        by_plan: dict[str, list[Activity]] = defaultdict(list)
        by_county: dict[str, list[Activity]] = defaultdict(list)
        for activity in self._activities:
            if activity.area:
                by_area[activity.plan or "", activity.area].append(activity)
            if activity.plan:
                by_plan[activity.plan].append(activity)
                county = self._data.plan_county(activity.plan)
                if county:
                    by_county[county].append(activity)
        area_summaries = {key: summarise_network(_ties_graph(by_area[key]))
                          for key in sorted(by_area, key=lambda k: (
                              k[0], natural_key(k[1])))} if len(by_area) > 1 else {}
        plan_summaries = {plan: summarise_network(_ties_graph(by_plan[plan]))
                          for plan in sorted(by_plan)} if len(by_plan) > 1 else {}
        county_summaries = {county: summarise_network(_ties_graph(by_county[county]))
                            for county in sorted(by_county)} if len(by_county) > 1 else {}
        return area_summaries, plan_summaries, county_summaries

    @property
    def by_area(self) -> dict[tuple[str, str], NetworkSummary]:
        """The whole-network figures of each action area of each plan in scope, keyed by
        ``(plan, area)`` (none for a single area)."""
        return self._by_area_and_plan[0]

    @property
    def by_plan(self) -> dict[str, NetworkSummary]:
        """The whole-network figures of each plan in scope (none for a single plan)."""
        return self._by_area_and_plan[1]

    @property
    def by_county(self) -> dict[str, NetworkSummary]:
        """The whole-network figures of each county in scope (none for a single county): an
        unscoped network spans the counties of the data, and its density is not a county's."""
        return self._by_area_and_plan[2]

    @property
    def articulation_points(self) -> list[OrganisationMetrics]:
        return [o for o in self.organisations if o.articulation_point]

    @property
    def area_bridges(self) -> list[OrganisationMetrics]:
        """Organisations taking part in two or more action areas, most areas first."""
        return sorted((o for o in self.organisations if len(o.areas) > 1),
                      key=lambda o: (-len(o.areas), o.label))


def network_metrics(data: NetworkData, scope: Scope = Scope(), lang: Language = "sv",
                    *, work_limit: int = BETWEENNESS_WORK_LIMIT) -> NetworkMetrics:
    """The metrics of the collaboration graph of ``scope`` (see :class:`NetworkMetrics`;
    each is computed when first read).

    >>> from planegraf.pipeline import open_store
    >>> metrics = network_metrics(load_network_data(open_store()))
    >>> metrics.summary.nodes == len(metrics.organisations) > 50
    True
    """
    activities = scoped_activities(data, scope)
    return NetworkMetrics(data, scope, lang, activities,
                          collaboration_graph_of(data, activities), work_limit)


def _ties_graph(activities: Iterable[Activity]) -> nx.Graph:
    # The bare collaboration graph, without attributes: enough for a summary, and an area
    # or plan at national scale has hundreds of them. Stated roles only, as in
    # collaboration_graph_of.
    graph = nx.Graph()
    for activity in activities:
        named = activity.stated_participants()
        graph.add_nodes_from(named)
        graph.add_edges_from(combinations(named, 2))
    return graph


def inferred_roles(activities: Iterable[Activity]) -> int:
    """How many roles in ``activities`` planegraf inferred (``pg:stated false``): they are
    left out of the collaboration graph and its metrics."""
    return sum(len(activity.inferred) for activity in activities)
