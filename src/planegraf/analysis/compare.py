"""Two plans or two counties side by side: which organisations and ties are new, gone and
kept, each organisation's roles (coordinator and partner, stated and inferred) and centrality
before and after, the action areas, and the whole-network measures.

The result (:class:`Comparison`) holds IRIs and numbers only; :func:`comparison_markdown`,
:func:`comparison_csv` and :func:`comparison_json` put names on it in the language asked.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import networkx as nx

from planegraf import i18n
from planegraf.analysis.network import (
    Activity,
    Language,
    NetworkData,
    NetworkSummary,
    bare_collaboration_graph,
    summarise_network,
)
from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.render.escape import markdown
from planegraf.render.safe_csv import SpreadsheetSafeWriter

SideKind = Literal["plan", "county"]


@dataclass(frozen=True)
class Role:
    """One organisation's part on one side: activities it coordinates and is a partner in
    (any other role), each split into stated by the source and inferred by planegraf, and
    its centrality in that side's collaboration network (``None``: not on that side)."""

    coordinator_stated: int = 0
    coordinator_inferred: int = 0
    partner_stated: int = 0
    partner_inferred: int = 0
    degree: int | None = None
    betweenness: float | None = None


@dataclass(frozen=True)
class OrganisationChange:
    iri: str
    status: Literal["new", "gone", "kept"]
    before: Role
    after: Role


@dataclass(frozen=True)
class Comparison:
    """Side A ("before") against side B ("after"); every set sorted by IRI."""

    kind: SideKind
    before: str
    after: str
    organisations: tuple[OrganisationChange, ...]
    ties_new: tuple[tuple[str, str], ...]
    ties_gone: tuple[tuple[str, str], ...]
    ties_kept: tuple[tuple[str, str], ...]
    #: Action area IRI → number of activities, on each side.
    areas_before: dict[str, int]
    areas_after: dict[str, int]
    network_before: NetworkSummary
    network_after: NetworkSummary
    #: False for a comparison made without betweenness (the site's page shows none): each
    #: organisation's ``betweenness`` is then ``None`` and the reports refuse it.
    with_betweenness: bool = True

    def by_status(self, status: str) -> list[str]:
        return [o.iri for o in self.organisations if o.status == status]


def side_activities(data: NetworkData, kind: SideKind, iri: str) -> list[Activity]:
    """The activities of a plan, or of every plan whose publisher is in a county."""
    if kind == "plan":
        found = list(data.activities_by_plan.get(iri, ()))
    else:
        plans = {p for p, plan in data.plans.items() if plan.county == iri}
        found = [a for a in data.ordered_activities if a.plan in plans]
    if not found:
        raise PlanegrafError(Message("error_compare_no_activities", kind=kind, iri=iri))
    return found


def _roles(activities: list[Activity]) -> dict[str, list[int]]:
    """Each organisation's roles on a side, counted as [coordinator stated, coordinator
    inferred, partner stated, partner inferred]."""
    counts: dict[str, list[int]] = {}
    for activity in activities:
        inferred = activity.inferred
        for agent, role in activity.participants.items():
            # A list of four counts per organisation, not a Counter of named keys: 80 000
            # participations in a national site's comparisons.
            slot = (0 if role == "coordinator" else 2) + (agent in inferred)
            counted = counts.get(agent)
            if counted is None:
                counted = counts[agent] = [0, 0, 0, 0]
            counted[slot] += 1
    return counts


_NO_ROLES = [0, 0, 0, 0]


def _ties(graph: nx.Graph) -> set[tuple[str, str]]:
    return {(a, b) if a < b else (b, a) for a, b in graph.edges}


@dataclass(frozen=True)
class _Side:
    """What one side of a comparison needs, computed once per side."""

    graph: nx.Graph
    roles: dict[str, list[int]]
    betweenness: dict[str, float] | None
    members: frozenset[str]
    ties: frozenset[tuple[str, str]]
    areas: dict[str, int]
    summary: NetworkSummary


def _side(data: NetworkData, kind: SideKind, iri: str, betweenness: bool) -> _Side:
    activities = side_activities(data, kind, iri)
    graph = bare_collaboration_graph(activities)
    roles = _roles(activities)
    between = (None if not betweenness else nx.betweenness_centrality(graph)
               if graph.number_of_nodes() > 2 else {n: 0.0 for n in graph})
    return _Side(graph, roles, between, frozenset(set(roles) | set(graph.nodes)),
                 frozenset(_ties(graph)),
                 dict(sorted(Counter(a.area for a in activities if a.area).items())),
                 summarise_network(graph))


def compare_plans(data: NetworkData, kind: SideKind, before: str, after: str, *,
                  sides: dict[tuple[str, str], _Side] | None = None,
                  betweenness: bool = True) -> Comparison:
    """Compare two plans (``kind="plan"``) or two counties (``kind="county"``), given as IRIs.

    Organisations are those taking part in an activity on a side (stated or inferred);
    ties are the collaboration network's (stated participants sharing an activity).
    ``sides`` keeps each side once computed, for comparisons sharing a side (see
    :func:`compare_pairs`); ``betweenness=False`` leaves out the organisations' betweenness
    (exact, so most of the work on a dense plan network) where nothing shows it.
    """
    if before == after:
        raise PlanegrafError(Message("error_compare_same", kind=kind,
                                     what=Message(f"error_kind_{kind}")))
    known = sides if sides is not None else {}
    for iri in (before, after):
        if (kind, iri) not in known:
            known[kind, iri] = _side(data, kind, iri, betweenness)
    first, second = known[kind, before], known[kind, after]

    def role(side: _Side, agent: str) -> Role:
        counts = side.roles.get(agent, _NO_ROLES)
        graph = side.graph
        return Role(counts[0], counts[1], counts[2], counts[3],
                    graph.degree(agent) if agent in graph else None,
                    float(side.betweenness[agent])
                    if agent in graph and side.betweenness is not None else None)

    organisations = []
    for agent in sorted(first.members | second.members):
        status: Literal["new", "gone", "kept"] = (
            "kept" if agent in first.members and agent in second.members
            else "gone" if agent in first.members else "new")
        organisations.append(OrganisationChange(agent, status, role(first, agent),
                                                role(second, agent)))
    return Comparison(kind, before, after, tuple(organisations),
                      tuple(sorted(second.ties - first.ties)),
                      tuple(sorted(first.ties - second.ties)),
                      tuple(sorted(first.ties & second.ties)), dict(first.areas),
                      dict(second.areas), first.summary, second.summary,
                      first.betweenness is not None and second.betweenness is not None)


def compare_pairs(data: NetworkData, kind: SideKind, pairs: Sequence[tuple[str, str]], *,
                  betweenness: bool = True) -> list[Comparison]:
    """:func:`compare_plans` of each pair, each side computed once: consecutive plans share
    one (a plan is the "after" of one pair and the "before" of the next), whose network,
    roles and betweenness were computed twice."""
    sides: dict[tuple[str, str], _Side] = {}
    return [compare_plans(data, kind, before, after, sides=sides, betweenness=betweenness)
            for before, after in pairs]


def _reported(result: Comparison) -> None:
    if not result.with_betweenness:
        raise PlanegrafError(Message("error_compare_betweenness"))


# --------------------------------------------------------------------------------------------
# Rendering, in the language asked
# --------------------------------------------------------------------------------------------

# The words live in the one text catalogue (templates/strings.json, "comparison_" keys).
_WORDS = {lang: i18n.section("comparison", lang) for lang in i18n.LANGUAGES}
_MEASURES = ("nodes", "edges", "components", "density", "degree_centralization")


def side_label(data: NetworkData, kind: SideKind, iri: str, lang: Language) -> str:
    if kind == "plan":
        plan = data.plans.get(iri)
        if plan is None:
            return iri
        county = plan.county_label(lang)
        return plan.title(lang) + (f" ({county})" if county else "")
    return data.county_label(iri, lang)


def _cell(text: str) -> str:
    return markdown(text)


def _num(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def comparison_markdown(result: Comparison, data: NetworkData, lang: Language = "sv") -> str:
    """The comparison as Markdown: network measures, organisations, ties, areas."""
    _reported(result)
    w = _WORDS[lang]
    a = side_label(data, result.kind, result.before, lang)
    b = side_label(data, result.kind, result.after, lang)

    def name(iri: str) -> str:
        return _cell(data.agent(iri).label(lang))

    lines = [f"# {w['title']}: {_cell(a)} → {_cell(b)}", "", f"## {w['network']}", "",
             f"| {w['measure']} | {_cell(a)} | {_cell(b)} |", "|---|---|---|"]
    names: dict[str, str] = _PAGE_WORDS[lang]["measures"]  # type: ignore[assignment]

    def num(value: float | int | None) -> str:
        text = _num(value)
        return text.replace(".", ",") if lang == "sv" else text

    for key in _MEASURES:
        lines.append(f"| {names[key]} | {num(getattr(result.network_before, key))} | "
                     f"{num(getattr(result.network_after, key))} |")
    inferred = [sum(getattr(o, side).coordinator_inferred + getattr(o, side).partner_inferred
                    for o in result.organisations) for side in ("before", "after")]
    if any(inferred):
        # Without it, a plan whose roles are all inferred shows 0 organisations in the
        # measures and one "kept" below, and the two look like a contradiction.
        lines += ["", w["stated_only"].format(before=inferred[0], after=inferred[1])]
    counts = Counter(o.status for o in result.organisations)
    lines += ["", f"## {w['orgs']}", "",
              ", ".join(f"{counts[s]} {w[s]}" for s in ("new", "gone", "kept")), "",
              f"| {w['org']} | {w['status']} | {w['coord']} {w['before']} | "
              f"{w['coord']} {w['after']} | {w['partner']} {w['before']} | "
              f"{w['partner']} {w['after']} | {w['degree']} {w['before']} | "
              f"{w['degree']} {w['after']} | {w['betweenness']} {w['before']} | "
              f"{w['betweenness']} {w['after']} |", "|---" * 10 + "|"]
    for org in sorted(result.organisations,
                      key=lambda o: (("new", "gone", "kept").index(o.status),
                                     data.agent(o.iri).label(lang).casefold())):
        x, y = org.before, org.after
        lines.append(
            f"| {name(org.iri)} | {w[org.status]} | "
            f"{x.coordinator_stated}/{x.coordinator_inferred} | "
            f"{y.coordinator_stated}/{y.coordinator_inferred} | "
            f"{x.partner_stated}/{x.partner_inferred} | {y.partner_stated}/{y.partner_inferred}"
            f" | {num(x.degree)} | {num(y.degree)} | {num(x.betweenness)} | "
            f"{num(y.betweenness)} |")
    lines += ["", f"## {w['ties']}", ""]
    for status, ties in (("new", result.ties_new), ("gone", result.ties_gone),
                         ("kept", result.ties_kept)):
        listed = "; ".join(f"{name(p)} – {name(q)}" for p, q in ties) or w["none"]
        lines += [f"**{w[status]}** ({len(ties)}): {listed}", ""]
    lines += [f"## {w['areas']}", "", f"| {w['area']} | {_cell(a)} | {_cell(b)} |",
              "|---|---|---|"]
    for area in sorted(set(result.areas_before) | set(result.areas_after),
                       key=lambda i: (data.area_label(i, lang), i)):
        lines.append(f"| {_cell(data.county_area_label(area, lang))} | "
                     f"{result.areas_before.get(area, 0)} | {result.areas_after.get(area, 0)} |")
    return "\n".join(lines) + "\n"


def comparison_rows(result: Comparison, data: NetworkData, lang: Language = "sv"
                    ) -> tuple[list[str], list[list[object]]]:
    """The organisations compared: the column names and one row per organisation, its
    status and its roles and centrality on each side (the CSV and the workbook)."""
    _reported(result)
    fields = ("coordinator_stated", "coordinator_inferred", "partner_stated",
              "partner_inferred", "degree", "betweenness")
    columns = ["iri", "label", "status", *(f"{f}_before" for f in fields),
               *(f"{f}_after" for f in fields)]
    rows: list[list[object]] = [
        [org.iri, data.agent(org.iri).label(lang), org.status,
         *("" if getattr(org.before, f) is None else getattr(org.before, f) for f in fields),
         *("" if getattr(org.after, f) is None else getattr(org.after, f) for f in fields)]
        for org in result.organisations]
    return columns, rows


def comparison_csv(result: Comparison, data: NetworkData, lang: Language = "sv") -> str:
    """One row per organisation: its status and its roles and centrality on each side."""
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out, lineterminator="\n")
    columns, rows = comparison_rows(result, data, lang)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def comparison_json(result: Comparison, data: NetworkData, lang: Language = "sv") -> str:
    """Everything, with names in ``lang``, as JSON."""
    _reported(result)
    document = {
        "kind": result.kind,
        "before": {"iri": result.before,
                   "label": side_label(data, result.kind, result.before, lang)},
        "after": {"iri": result.after,
                  "label": side_label(data, result.kind, result.after, lang)},
        "network": {"before": result.network_before.as_dict(),
                    "after": result.network_after.as_dict()},
        "organisations": [{"iri": o.iri, "label": data.agent(o.iri).label(lang),
                           "status": o.status, "before": asdict(o.before),
                           "after": asdict(o.after)} for o in result.organisations],
        "ties": {status: [list(t) for t in ties] for status, ties in (
            ("new", result.ties_new), ("gone", result.ties_gone), ("kept", result.ties_kept))},
        "areas": [{"iri": area, "label": data.county_area_label(area, lang),
                   "before": result.areas_before.get(area, 0),
                   "after": result.areas_after.get(area, 0)}
                  for area in sorted(set(result.areas_before) | set(result.areas_after))],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------------------------
# The site's page
# --------------------------------------------------------------------------------------------

_PAGE_WORDS = {
    lang: {**i18n.section("compare_page", lang),
           "measures": i18n.section("compare_measure", lang)}
    for lang in i18n.LANGUAGES}


def consecutive_plans(data: NetworkData, periods: dict[str, tuple[int, int]]
                      ) -> list[tuple[str, str]]:
    """Each plan with a period paired with the next plan of the same county (by start year)."""
    by_county: dict[str, list[str]] = {}
    with_activities = data.activities_by_plan
    for iri, plan in data.plans.items():
        if iri in periods and plan.county and iri in with_activities:
            by_county.setdefault(plan.county, []).append(iri)
    pairs = []
    for county in sorted(by_county):
        plans = sorted(by_county[county], key=lambda p: (periods[p], p))
        pairs += list(zip(plans, plans[1:], strict=False))
    return pairs


def page_words(lang: Language) -> dict[str, object]:
    """The words of the site's comparison page in ``lang``."""
    return dict(_PAGE_WORDS[lang])


def page_context(result: Comparison, data: NetworkData, lang: Language) -> dict[str, object]:
    """One comparison as plain values for the page template (the template escapes them)."""
    w = _WORDS[lang]
    pw = _PAGE_WORDS[lang]
    measures: dict[str, str] = pw["measures"]  # type: ignore[assignment]

    def fmt(value: float | int | None) -> str:
        text = _num(value)
        return text.replace(".", ",") if lang == "sv" else text

    def pair(x: Role, y: Role, part: str) -> str:
        return (f"{getattr(x, part + '_stated')}/{getattr(x, part + '_inferred')} → "
                f"{getattr(y, part + '_stated')}/{getattr(y, part + '_inferred')}")

    counts = Counter(o.status for o in result.organisations)
    name = {o.iri: data.agent(o.iri).label(lang) for o in result.organisations}

    def label(iri: str) -> str:
        # A tie's ends are organisations of the comparison: named once above (a national
        # comparison page lists 100 000 ties).
        found = name.get(iri)
        return data.agent(iri).label(lang) if found is None else found

    return {
        "before": side_label(data, result.kind, result.before, lang),
        "after": side_label(data, result.kind, result.after, lang),
        "measures": [{"label": measures[k], "before": fmt(getattr(result.network_before, k)),
                      "after": fmt(getattr(result.network_after, k))} for k in _MEASURES],
        "counts": ", ".join(f"{counts[s]} {w[s]}" for s in ("new", "gone", "kept")),
        "organisations": [
            {"label": name[o.iri], "status": w[o.status],
             "coord": pair(o.before, o.after, "coordinator"),
             "partner": pair(o.before, o.after, "partner"),
             "degree": f"{_num(o.before.degree)} → {_num(o.after.degree)}"}
            for o in sorted(result.organisations,
                            key=lambda o: (("new", "gone", "kept").index(o.status),
                                           name[o.iri].casefold()))],
        "ties": [{"status": w[s], "count": len(t),
                  "pairs": [f"{label(p)} – {label(q)}" for p, q in t]}
                 for s, t in (("new", result.ties_new), ("gone", result.ties_gone),
                              ("kept", result.ties_kept))],
        "areas": [{"label": data.county_area_label(a, lang),
                   "before": result.areas_before.get(a, 0),
                   "after": result.areas_after.get(a, 0)}
                  for a in sorted(set(result.areas_before) | set(result.areas_after),
                                  key=lambda i: (data.area_label(i, lang), i))],
    }
