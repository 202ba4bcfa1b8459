"""Synthetic national-scale data in planegraf's own vocabulary, for benchmarks: all 21
Swedish regions and their 290 municipalities, regional units, partners, groups and ten
years of strategies and action plans, deterministic for a seed and sized by a triple count.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from planegraf.ids import DATA, slugify
from planegraf.namespaces import PREFIXES
from planegraf.rdf import atomic

# The 21 regions (counties), their county codes and how many municipalities each has.
COUNTIES: tuple[tuple[str, str, int], ...] = (
    ("Stockholms län", "01", 26), ("Uppsala län", "03", 8), ("Södermanlands län", "04", 9),
    ("Östergötlands län", "05", 13), ("Jönköpings län", "06", 13),
    ("Kronobergs län", "07", 8), ("Kalmar län", "08", 12), ("Gotlands län", "09", 1),
    ("Blekinge län", "10", 5), ("Skåne län", "12", 33), ("Hallands län", "13", 6),
    ("Västra Götalands län", "14", 49), ("Värmlands län", "17", 16),
    ("Örebro län", "18", 12), ("Västmanlands län", "19", 10), ("Dalarnas län", "20", 15),
    ("Gävleborgs län", "21", 10), ("Västernorrlands län", "22", 7),
    ("Jämtlands län", "23", 8), ("Västerbottens län", "24", 15), ("Norrbottens län", "25", 14),
)
AREAS = ("Statistik och analys", "Medborgarmedverkan", "Hälso- och samhällsekonomi",
         "Förbättringsarbete och forskning", "Samverkan och samlärande",
         "Barn och ungas livsvillkor", "Försörjning och sysselsättning",
         "Samhällsplanering och närmiljö", "Äldres hälsa och livsvillkor")
UNITS = ("Sektion Folkhälsa", "Kommunal utveckling", "Qulturum", "Futurum",
         "Regional utveckling", "Barnhälsovården", "Kommunikationsavdelningen",
         "Folktandvården", "Primärvården", "Habiliteringscentrum")
VERBS = ("Utveckla", "Sprida", "Kartlägga", "Samordna", "Utbilda om", "Följa upp",
         "Ta fram", "Pröva", "Stärka", "Förankra")
TOPICS = ("föräldrastöd", "fysisk aktivitet", "psykisk hälsa", "matvanor", "tobaksprevention",
          "suicidprevention", "hälsosamtal", "sociala investeringar", "närmiljö", "språkstöd",
          "äldres delaktighet", "samhällsentreprenörskap", "medborgardialog", "skolnärvaro")
FOLLOW_UPS = ("Antal genomförda {x}", "Andel kommuner som arbetar med {x}",
              "Rutin för {x} etablerad", "Uppföljning av {x}", "Genomförd kartläggning av {x}",
              "Klar {year}")
PLAN_YEARS = tuple((start, start + 1) for start in range(2015, 2025, 2))  # ten years, 2-year plans
PER_ACTIVITY = 40  # triples per activity on average, measured from the generator's output

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")

# Values for the catalogue parameters that name things of the bundled data, in the synthetic
# data's own IRIs (relative to the data namespace), so benchmarks ask questions that match.
CATALOGUE_PARAMETERS: dict[str, str] = {
    "organisation": "org/region-jonkopings-lan",
    "area": "area/jonkopings-lan-folkhalsostrategi-2015-2024/6",
    "activity": "activity/jonkopings-lan-hp-2019-2020/6-1",
    "plan": "plan/jonkopings-lan-hp-2019-2020",
    "right_county": "place/kalmar-lan",
}


def _iri(*segments: str) -> ox.NamedNode:
    return ox.NamedNode(DATA + "/".join(segments))


def _p(curie: str) -> ox.NamedNode:
    prefix, local = curie.split(":", 1)
    return ox.NamedNode(PREFIXES[prefix] + local)


def _sv(text: str) -> ox.Literal:
    return ox.Literal(text, language="sv")


def _int(number: int) -> ox.Literal:
    return ox.Literal(str(number), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))


@dataclass
class _County:
    name: str
    code: str
    key: str
    region: ox.NamedNode
    units: list[ox.NamedNode] = field(default_factory=list)
    municipalities: list[ox.NamedNode] = field(default_factory=list)
    partners: list[ox.NamedNode] = field(default_factory=list)
    groups: list[ox.NamedNode] = field(default_factory=list)


def activities_for(triples: int) -> int:
    """How many activities per action plan give about ``triples`` triples in all."""
    registry = 6_500  # the registry, strategies and plans without activities
    plans = len(COUNTIES) * len(PLAN_YEARS)
    return max(1, round((triples - registry) / (plans * PER_ACTIVITY)))


def generate(triples: int = 100_000, seed: int = 1) -> Iterator[ox.Quad]:
    """Quads of a synthetic national dataset of about ``triples`` triples.

    Each region's registry, strategy and plans are named graphs of their own; the shortcut
    properties (``pg:coordinator`` …) are left to ``planegraf.pipeline.derive``, as for real data.

    >>> quads = list(generate(10_000, seed=7))
    >>> 8_000 < len(quads) < 14_000, quads == list(generate(10_000, seed=7))
    (True, True)
    """
    rng = random.Random(seed)
    per_plan = activities_for(triples)
    registry = _iri("graph", "synthetic-organisations")
    counties: list[_County] = []
    for name, code, municipality_count in COUNTIES:
        county_key = slugify(name)
        place = _iri("place", county_key)
        yield from _describe(registry, place, [("rdf:type", _p("dct:Location")),
                                               ("skos:prefLabel", _sv(name)),
                                               ("dct:identifier", ox.Literal(code))])
        region = _iri("org", f"region-{county_key}")
        county = _County(name, code, county_key, region)
        yield from _organisation(registry, region, f"Region {name}", "region", place,
                                 public=True)
        for number, unit_name in enumerate(UNITS):
            unit = _iri("org", f"{county_key}-{slugify(unit_name)}")
            parent = county.units[0] if number >= 8 and county.units else region
            yield from _organisation(registry, unit, f"{unit_name} ({name})", "regional-unit",
                                     place, unit_of=parent)
            county.units.append(unit)
        for number in range(1, municipality_count + 1):
            municipality = _iri("org", f"{county_key}-kommun-{number}")
            yield from _organisation(registry, municipality, f"Kommun {number} i {name}",
                                     "municipality", place, public=True,
                                     identifier=f"{code}{number:02d}")
            county.municipalities.append(municipality)
        for slug, label, sector in (
            ("lansstyrelsen", "Länsstyrelsen i {c}", "state-agency"),
            ("polisen", "Polisen i {c}", "state-agency"),
            ("hogskolan", "Högskolan i {c}", "university-research"),
            ("studieforbundet", "Studieförbundet i {c}", "civil-society"),
            ("idrottsforbundet", "Idrottsförbundet i {c}", "civil-society"),
            ("foretagarna", "Företagarna i {c}", "private"),
        ):
            partner = _iri("org", f"{county_key}-{slug}")
            yield from _organisation(registry, partner, label.format(c=name), sector, place)
            county.partners.append(partner)
        all_municipalities = _iri("group", f"{county_key}-kommuner")
        yield from _group(registry, all_municipalities, f"Länets kommuner ({name})",
                          "municipality", place, members=county.municipalities)
        civil_society = _iri("group", f"{county_key}-civilsamhallet")
        yield from _group(registry, civil_society, f"Civilsamhället ({name})", "civil-society",
                          place)
        county.groups = [all_municipalities, civil_society]
        counties.append(county)
    for county in counties:
        yield from _plans(county, per_plan, rng)


def _describe(graph: ox.NamedNode, subject: ox.NamedNode,
              pairs: list[tuple[str, ox.NamedNode | ox.Literal]]) -> Iterator[ox.Quad]:
    for predicate, value in pairs:
        yield ox.Quad(subject, _p(predicate), value, graph)


def _organisation(graph: ox.NamedNode, iri: ox.NamedNode, label: str, sector: str,
                  place: ox.NamedNode, *, public: bool = False,
                  unit_of: ox.NamedNode | None = None,
                  identifier: str | None = None) -> Iterator[ox.Quad]:
    kind = "org:OrganizationalUnit" if unit_of is not None else "org:Organization"
    pairs: list[tuple[str, ox.NamedNode | ox.Literal]] = [
        ("rdf:type", _p(kind)), ("skos:prefLabel", _sv(label)),
        ("org:classification", _iri("sector", sector)), ("dct:spatial", place)]
    if public:
        pairs.append(("rdf:type", _p("cv:PublicOrganisation")))
    if unit_of is not None:
        pairs.append(("org:unitOf", unit_of))
    if identifier:
        pairs.append(("dct:identifier", ox.Literal(identifier)))
    yield from _describe(graph, iri, pairs)


def _group(graph: ox.NamedNode, iri: ox.NamedNode, label: str, member_sector: str,
           place: ox.NamedNode, members: Sequence[ox.NamedNode] = ()) -> Iterator[ox.Quad]:
    pairs: list[tuple[str, ox.NamedNode | ox.Literal]] = [
        ("rdf:type", _p("pg:AgentGroup")), ("skos:prefLabel", _sv(label)),
        ("org:classification", _iri("sector", "group")),
        ("pg:memberSector", _iri("sector", member_sector)), ("dct:spatial", place)]
    pairs += [("foaf:member", m) for m in members]
    yield from _describe(graph, iri, pairs)


def _plans(county: _County, per_plan: int, rng: random.Random) -> Iterator[ox.Quad]:
    strategy_key = f"{county.key}-folkhalsostrategi-2015-2024"
    strategy = _iri("strategy", strategy_key)
    graph = _iri("graph", strategy_key)
    yield from _describe(graph, strategy, [
        ("rdf:type", _p("pg:Strategy")), ("rdf:type", _p("skos:ConceptScheme")),
        ("dct:title", _sv(f"Folkhälsostrategi för {county.name} 2015–2024")),
        ("dct:publisher", county.region), ("pg:startYear", _int(2015)),
        ("pg:endYear", _int(2024))])
    goals = []
    for number in range(1, 4):
        goal = _iri("goal", strategy_key, f"strategiskt-{number}")
        goals.append(goal)
        yield from _describe(graph, goal, [
            ("rdf:type", _p("pg:StrategicGoal")), ("skos:inScheme", strategy),
            ("skos:notation", ox.Literal(str(number))),
            ("skos:prefLabel", _sv(f"Strategiskt mål {number}"))])
    areas = []
    for number, label in enumerate(AREAS, start=1):
        area = _iri("area", strategy_key, str(number))
        areas.append(area)
        yield from _describe(graph, area, [
            ("rdf:type", _p("pg:ActionArea")), ("skos:inScheme", strategy),
            ("skos:notation", ox.Literal(str(number))), ("skos:prefLabel", _sv(label)),
            ("pg:underGoal", goals[(number - 1) % 3])])
    for start, end in PLAN_YEARS:
        plan_key = f"{county.key}-hp-{start}-{end}"
        plan = _iri("plan", plan_key)
        document = _iri("document", plan_key)
        plan_graph = _iri("graph", plan_key)
        yield from _describe(plan_graph, plan, [
            ("rdf:type", _p("pg:ActionPlan")), ("dct:title", _sv(f"Handlingsplan {start}–{end}")),
            ("pg:implements", strategy), ("dct:publisher", county.region),
            ("pg:startYear", _int(start)), ("pg:endYear", _int(end)),
            ("prov:wasDerivedFrom", document)])
        yield from _describe(plan_graph, document, [
            ("rdf:type", _p("foaf:Document")), ("rdf:type", _p("prov:Entity")),
            ("dct:title", _sv(f"Handlingsplan {start}–{end}, {county.name}")),
            ("pg:fileName", ox.Literal(f"{plan_key}.txt"))])
        for index in range(per_plan):
            area_number = index % len(AREAS) + 1
            row = index // len(AREAS) + 1
            yield from _activity(plan_graph, plan_key, plan, document, areas[area_number - 1],
                                 area_number, row, county, rng, start)


def _activity(graph: ox.NamedNode, plan_key: str, plan: ox.NamedNode, document: ox.NamedNode,
              area: ox.NamedNode, area_number: int, row: int, county: _County,
              rng: random.Random, year: int) -> Iterator[ox.Quad]:
    local = f"{area_number}-{row}"
    activity = _iri("activity", plan_key, local)
    follow_up = _iri("follow-up", plan_key, local)
    excerpt = _iri("excerpt", plan_key, local)
    topic = rng.choice(TOPICS)
    coordinators = [rng.choice(county.units[:5])]
    if rng.random() < 0.2:
        coordinators.append(rng.choice(county.partners + county.units))
    pool = county.units + county.partners + county.groups + county.municipalities
    partners = [p for p in rng.sample(pool, rng.randint(0, 4)) if p not in coordinators]
    participations = [("coordinator", c) for c in dict.fromkeys(coordinators)]
    participations += [("partner", p) for p in partners]
    cell = "Samordningsansvarig: " + ", ".join(c.value.rsplit("/", 1)[1] for c in coordinators)
    line = 10 + row * 12 + area_number
    pairs: list[tuple[str, ox.NamedNode | ox.Literal]] = [
        ("rdf:type", _p("pg:Activity")),
        ("rdfs:label", _sv(f"{rng.choice(VERBS)} arbetet med {topic} i {county.name}.")),
        ("skos:notation", ox.Literal(f"{area_number}.{row}")), ("pg:inPlan", plan),
        ("pg:actionArea", area), ("pg:followUp", follow_up), ("prov:wasDerivedFrom", excerpt)]
    for role, agent in participations:
        slug = agent.value.rsplit("/", 1)[1]
        participation = _iri("participation", plan_key, local, role, slug)
        pairs.append(("cv:hasParticipation", participation))
        yield from _describe(graph, participation, [
            ("rdf:type", _p("cv:Participation")),
            ("dct:identifier", ox.Literal(f"{plan_key}/{local}/{role}/{slug}")),
            ("cv:role", _iri("role", role)), ("cv:hasParticipant", agent),
            ("pg:mention", ox.Literal(slug)), ("dct:description", _sv(cell)),
            # The synthetic cell names every participant: each role is stated.
            ("pg:stated", ox.Literal("true", datatype=_p("xsd:boolean")))])
    yield from _describe(graph, activity, pairs)
    yield from _describe(graph, follow_up, [
        ("rdf:type", _p("pg:FollowUpMeasure")),
        ("rdfs:label", _sv(rng.choice(FOLLOW_UPS).format(x=topic, year=year)))])
    yield from _describe(graph, excerpt, [
        ("rdf:type", _p("pg:SourceExcerpt")), ("dct:isPartOf", document),
        ("pg:table", _int(area_number)), ("pg:row", _int(row)), ("pg:line", _int(line)),
        ("pg:endLine", _int(line + 1))])


def write_trig(path: Path, triples: int = 100_000, seed: int = 1) -> int:
    """Write the synthetic dataset to ``path`` as TriG (atomically); return its size in quads."""
    store = ox.Store()
    store.extend(generate(triples, seed))
    atomic.write_bytes(path, store.dump(format=ox.RdfFormat.TRIG, prefixes=PREFIXES) or b"")
    return len(store)
