"""Read rows → one named graph in the curated shape: plan, document, objectives, activities,
follow-ups, participations (resolved mentions only) and line-level provenance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, RDFS, Dataset, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, SKOS, XSD

from planegraf.ids import data_iri, graph_iri, slugify
from planegraf.ingest.cells import Mention
from planegraf.ingest.model import ActivityRow, PlanSource
from planegraf.namespaces import CV, PG, PREFIXES, ROLE


@dataclass(frozen=True)
class PlanContext:
    """Which plan and strategy the rows belong to, and the IRIs the document cannot name."""

    plan_key: str
    strategy: str
    county: str | None
    publisher: str | None
    areas: dict[int, str]
    goals: dict[int, str]
    document_key: str

    @property
    def strategy_key(self) -> str:
        return self.strategy.rstrip("/").rsplit("/", 1)[-1]

    def area_iri(self, number: int) -> URIRef:
        return URIRef(self.areas.get(number) or data_iri("area", self.strategy_key, str(number)))


@dataclass
class RowResult:
    """One row with the mentions its participants cell named."""

    row: ActivityRow
    mentions: list[Mention] = field(default_factory=list)
    merged: list[Mention] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.row.area}-{self.row.row}"

    def participations(self) -> list[Mention]:
        """Resolved mentions, one per role and participant (a repeat is merged)."""
        seen: set[tuple[str, str]] = set()
        kept: list[Mention] = []
        self.merged = []
        for mention in self.mentions:
            if mention.agent is None:
                continue
            pair = (mention.role, mention.agent)
            if pair in seen:
                self.merged.append(mention)
                continue
            seen.add(pair)
            kept.append(mention)
        return kept


class _Quads:
    """Quads of one named graph, built with Oxigraph terms (rdflib's store is ~50× slower to
    fill, which the 10 000-row benchmark showed)."""

    def __init__(self, graph: URIRef) -> None:
        self.graph = ox.NamedNode(str(graph))
        self.quads: list[ox.Quad] = []

    def add(self, subject: ox.NamedNode, predicate: ox.NamedNode,
            obj: ox.NamedNode | ox.Literal) -> None:
        self.quads.append(ox.Quad(subject, predicate, obj, self.graph))


class _V:
    """The vocabulary as Oxigraph terms, made once."""

    type = ox.NamedNode(str(RDF.type))
    label = ox.NamedNode(str(RDFS.label))
    title = ox.NamedNode(str(DCTERMS.title))
    identifier = ox.NamedNode(str(DCTERMS.identifier))
    publisher = ox.NamedNode(str(DCTERMS.publisher))
    description = ox.NamedNode(str(DCTERMS.description))
    is_part_of = ox.NamedNode(str(DCTERMS.isPartOf))
    derived_from = ox.NamedNode(str(PROV.wasDerivedFrom))
    pref_label = ox.NamedNode(str(SKOS.prefLabel))
    notation = ox.NamedNode(str(SKOS.notation))
    document = ox.NamedNode(str(FOAF.Document))
    entity = ox.NamedNode(str(PROV.Entity))
    has_participation = ox.NamedNode(str(CV.hasParticipation))
    participation = ox.NamedNode(str(CV.Participation))
    role = ox.NamedNode(str(CV.role))
    has_participant = ox.NamedNode(str(CV.hasParticipant))
    plan = ox.NamedNode(str(PG.ActionPlan))
    objective = ox.NamedNode(str(PG.AreaObjective))
    activity = ox.NamedNode(str(PG.Activity))
    follow_up_measure = ox.NamedNode(str(PG.FollowUpMeasure))
    excerpt = ox.NamedNode(str(PG.SourceExcerpt))
    start_year = ox.NamedNode(str(PG.startYear))
    end_year = ox.NamedNode(str(PG.endYear))
    implements = ox.NamedNode(str(PG.implements))
    file_name = ox.NamedNode(str(PG.fileName))
    in_plan = ox.NamedNode(str(PG.inPlan))
    action_area = ox.NamedNode(str(PG.actionArea))
    under_goal = ox.NamedNode(str(PG.underGoal))
    follow_up = ox.NamedNode(str(PG.followUp))
    table = ox.NamedNode(str(PG.table))
    row = ox.NamedNode(str(PG.row))
    line = ox.NamedNode(str(PG.line))
    end_line = ox.NamedNode(str(PG.endLine))
    page = ox.NamedNode(str(PG.page))
    end_page = ox.NamedNode(str(PG.endPage))
    paragraph = ox.NamedNode(str(PG.paragraph))
    mention = ox.NamedNode(str(PG.mention))
    stated = ox.NamedNode(str(PG.stated))
    deadline = ox.NamedNode(str(PG.deadline))
    covers_area = ox.NamedNode(str(PG.coversArea))
    spatial = ox.NamedNode(str(DCTERMS.spatial))
    modified = ox.NamedNode(str(DCTERMS.modified))
    subject = ox.NamedNode(str(DCTERMS.subject))
    location = ox.NamedNode(str(DCTERMS.Location))


def _iri(value: object) -> ox.NamedNode:
    return ox.NamedNode(str(value))


def _text(value: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


_INTEGER = ox.NamedNode(str(XSD.integer))
_BOOLEAN = ox.NamedNode(str(XSD.boolean))
_DATE = ox.NamedNode(str(XSD.date))
_TRUE = ox.Literal("true", datatype=_BOOLEAN)
_FALSE = ox.Literal("false", datatype=_BOOLEAN)
# What the curated graphs say where the source states no follow-up measure: timing and
# status words ("klart augusti 2023", "Samverkan pågår") are not one.
NO_FOLLOW_UP = ("Källan anger inget uppföljningsmått för aktiviteten.",
                "The source states no follow-up measure for this activity.")


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_INTEGER)


def plan_quads(source: PlanSource, context: PlanContext, results: Sequence[RowResult],
               goal_of_area: dict[int, int | None]) -> list[ox.Quad]:
    """The plan's named graph as Oxigraph quads, sorted for stable output."""
    out = _Quads(graph_iri(context.plan_key))
    key = context.plan_key
    plan = _iri(data_iri("plan", key))
    document = _iri(data_iri("document", context.document_key))

    out.add(plan, _V.type, _V.plan)
    if source.start_year and source.end_year and source.layout == "themes" and source.title:
        years = (str(source.start_year) if source.start_year == source.end_year
                 else f"{source.start_year}–{source.end_year}")
        out.add(plan, _V.title, _text(f"{source.title} {years}", "sv"))
        out.add(plan, _V.start_year, _integer(source.start_year))
        out.add(plan, _V.end_year, _integer(source.end_year))
    elif source.start_year and source.end_year and not source.period_known:
        years = f"{source.start_year}–{source.end_year}"
        out.add(plan, _V.title, _text(f"Handlingsplan {years}", "sv"))
        out.add(plan, _V.title, _text(f"Action plan {years}", "en"))
        out.add(plan, _V.start_year, _integer(source.start_year))
        out.add(plan, _V.end_year, _integer(source.end_year))
    elif source.title:
        out.add(plan, _V.title, _text(source.title, "sv"))
    if source.identifier:
        out.add(plan, _V.identifier, _text(source.identifier))
    if context.publisher:
        out.add(plan, _V.publisher, _iri(context.publisher))
    out.add(plan, _V.implements, _iri(context.strategy))
    out.add(plan, _V.derived_from, document)

    out.add(document, _V.type, _V.document)
    out.add(document, _V.type, _V.entity)
    if source.title:
        out.add(document, _V.title, _text(source.title, "sv"))
    out.add(document, _V.file_name, _text(source.file_name))
    if source.publisher_agent:
        out.add(document, _V.publisher, _iri(source.publisher_agent))
    if source.modified:
        out.add(document, _V.modified, ox.Literal(source.modified, datatype=_DATE))
    if source.layout == "titles":  # the page of one action area
        for number in sorted(source.areas):
            out.add(document, _V.subject, _iri(context.area_iri(number)))

    for objective in source.objectives:
        node = _iri(data_iri("objective", key, f"{objective.area}-{objective.number}"))
        out.add(node, _V.type, _V.objective)
        out.add(node, _V.pref_label, _text(objective.text, "sv"))
        out.add(node, _V.notation, _text(f"{objective.area}.{objective.number}"))
        out.add(node, _V.in_plan, plan)
        out.add(node, _V.action_area, _iri(context.area_iri(objective.area)))
        goal = context.goals.get(objective.area)
        if goal is None and goal_of_area.get(objective.area) is not None:
            goal = str(data_iri("goal", context.strategy_key,
                                f"strategiskt-{goal_of_area[objective.area]}"))
        if goal:
            out.add(node, _V.under_goal, _iri(goal))

    # The plan covers the areas it has a section for (objectives or activities): an area it
    # does not cover is not a gap in it.
    covered = {o.area for o in source.objectives} | {r.row.area for r in results}
    for area in sorted(covered):
        out.add(plan, _V.covers_area, _iri(context.area_iri(area)))
    for result in results:
        _add_activity(out, result, context, plan, document, source)
    # Insertion order is already deterministic; grouping by subject keeps the TriG readable.
    return sorted(out.quads, key=lambda q: str(q.subject))


def _add_activity(out: _Quads, result: RowResult, context: PlanContext, plan: ox.NamedNode,
                  document: ox.NamedNode, source: PlanSource) -> None:
    row, key, rowkey = result.row, context.plan_key, result.key
    activity = _iri(data_iri("activity", key, rowkey))
    excerpt = _iri(data_iri("excerpt", key, rowkey))
    out.add(activity, _V.type, _V.activity)
    if row.activity:
        out.add(activity, _V.label, _text(row.activity, "sv"))
    out.add(activity, _V.notation, _text(f"{row.area}.{row.row}"))
    out.add(activity, _V.in_plan, plan)
    out.add(activity, _V.action_area, _iri(context.area_iri(row.area)))
    out.add(activity, _V.derived_from, excerpt)
    if row.period:
        out.add(activity, _V.start_year, _integer(row.period[0]))
        out.add(activity, _V.end_year, _integer(row.period[1]))
    if row.description:
        out.add(activity, _V.description, _text(row.description, "sv"))
    if row.deadline:
        out.add(activity, _V.deadline, _text(row.deadline, "sv"))
    for name in row.places:
        place = _iri(data_iri("place", slugify(name)))
        out.add(activity, _V.spatial, place)
        out.add(place, _V.type, _V.location)
        out.add(place, _V.pref_label, _text(name, "sv"))
    # Every activity gets its follow-up: what the source states, or that it states none.
    follow_up = _iri(data_iri("follow-up", key, rowkey))
    out.add(activity, _V.follow_up, follow_up)
    out.add(follow_up, _V.type, _V.follow_up_measure)
    if row.follow_up:
        out.add(follow_up, _V.label, _text(row.follow_up, "sv"))
    else:
        out.add(follow_up, _V.label, _text(NO_FOLLOW_UP[0], "sv"))
        out.add(follow_up, _V.label, _text(NO_FOLLOW_UP[1], "en"))

    out.add(excerpt, _V.type, _V.excerpt)
    out.add(excerpt, _V.is_part_of, document)
    if row.table is not None:
        out.add(excerpt, _V.table, _integer(row.table))
    out.add(excerpt, _V.row, _integer(row.row))
    _add_locator(out, excerpt, row, source)

    for mention in result.participations():
        assert mention.agent is not None
        slug = mention.agent.rstrip("/").rsplit("/", 1)[-1]
        identifier = f"{key}/{rowkey}/{mention.role}/{slug}"
        participation = _iri(data_iri("participation", identifier))
        out.add(activity, _V.has_participation, participation)
        out.add(participation, _V.type, _V.participation)
        out.add(participation, _V.identifier, _text(identifier))
        out.add(participation, _V.role, _iri(ROLE[mention.role]))
        out.add(participation, _V.has_participant, _iri(mention.agent))
        out.add(participation, _V.stated, _TRUE if mention.stated else _FALSE)
        if mention.text:
            out.add(participation, _V.mention, _text(mention.text))
        if mention.context and "\t" in mention.context:
            sv, en = mention.context.split("\t", 1)
            out.add(participation, _V.description, _text(sv, "sv"))
            out.add(participation, _V.description, _text(en, "en"))
        else:
            out.add(participation, _V.description,
                    _text(mention.context or _description(row, mention), "sv"))


def _add_locator(out: _Quads, excerpt: ox.NamedNode, row: ActivityRow,
                 source: PlanSource) -> None:
    """Where the row is: lines of a text, pages of a PDF, a paragraph of a Word file (a Word
    table row is its table and row)."""
    if source.locator == "page" and row.page is not None:
        out.add(excerpt, _V.page, _integer(row.page))
        out.add(excerpt, _V.end_page, _integer(row.end_page or row.page))
    elif source.locator == "paragraph":
        if row.paragraph is not None:
            out.add(excerpt, _V.paragraph, _integer(row.paragraph))
    else:
        out.add(excerpt, _V.line, _integer(row.line))
        out.add(excerpt, _V.end_line, _integer(row.end_line))


def _description(row: ActivityRow, mention: Mention) -> str:
    if row.coordinators is not None or row.partners is not None:
        return (row.coordinators if mention.role == "coordinator" else row.partners) or ""
    return row.participants


def serialise_trig(quads: Sequence[ox.Quad]) -> bytes:
    """TriG with the project's prefixes."""
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=dict(PREFIXES)) or b""


def to_rdflib(quads: Sequence[ox.Quad]) -> Dataset:
    """The quads as an rdflib Dataset (for comparison with ``rdflib.compare``)."""
    dataset = Dataset()
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    dataset.parse(data=data, format="nquads")
    return dataset
