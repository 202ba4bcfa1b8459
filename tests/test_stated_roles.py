"""Only what the source says: stated and inferred roles apart, no timing words as follow-up
measures, no future parties or places as partners (issue 12, items 3 and 4).

Every number here was counted by hand in ``../shared/sources/``: the Kalmar document names no
coordinator in any row (Region Kalmar län, its publisher, is made coordinator of 24 of its 26
activities), the 2016–2017 page names none for any of its 11 activities (Sektion Folkhälsa,
its publisher, is made coordinator of all), and every participation of the 2018–2020 plan is
named in its row's cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS

from planegraf.namespaces import CV, PG
from planegraf.pipeline import open_store
from planegraf.render.results import json_value
from planegraf.resources import graph_dir
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.queries import bind_parameters, catalogue_query

ID = "https://w3id.org/planegraf/id/"
SEKTION = f"{ID}org/sektion-folkhalsa"
REGION_KALMAR = f"{ID}org/region-kalmar-lan"
KALMAR = "kalmar-pa-2023"
EARLY = "rjl-hp-2016-2017"
LATE = "rjl-hp-2018-2020"
SOURCES = {KALMAR: "kalmar-prioriterade-aktiviteter-2023.txt",
           EARLY: "rjl-forsorjning-och-sysselsattning-2016-2017.txt",
           LATE: "rjl-handlingsplan-2018-2020.txt"}


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(open_store())


def _rows(engine: EmbeddedEngine, name: str, **params: str) -> list[dict[str, object]]:
    query = catalogue_query(name)
    answer = engine.run(query, bind_parameters(query, params, "sv"))
    assert answer.solutions is not None
    return [{v: json_value(row[v]) for v in answer.solutions.variables}
            for row in answer.solutions.rows]


def _plan(key: str) -> Dataset:
    dataset = Dataset(default_union=True)
    dataset.parse(graph_dir() / f"{key}.trig", format="trig")
    return dataset


# --- pg:stated on the bundled data -------------------------------------------------------


@pytest.mark.parametrize("key,stated,inferred", [(KALMAR, 17, 24), (EARLY, 0, 11),
                                                 (LATE, 168, 0)])
def test_every_participation_says_whether_the_source_names_it(key: str, stated: int,
                                                              inferred: int) -> None:
    data = _plan(key)
    flags = [data.value(p, PG.stated) for p in data.subjects(RDF.type, CV.Participation)]
    assert None not in flags
    assert (flags.count(Literal(True)), flags.count(Literal(False))) == (stated, inferred)


@pytest.mark.parametrize("key", [KALMAR, EARLY])
def test_an_inferred_role_is_always_the_publisher_as_coordinator(key: str) -> None:
    data = _plan(key)
    publishers = {SEKTION, REGION_KALMAR}
    for participation in data.subjects(PG.stated, Literal(False)):
        assert str(data.value(participation, CV.role)) == f"{ID}role/coordinator"
        assert str(data.value(participation, CV.hasParticipant)) in publishers


@pytest.mark.parametrize("key", [KALMAR, LATE])
def test_a_stated_participant_is_named_in_its_source_lines(key: str, sources: Path) -> None:
    """Each stated participation's mention is in the lines its activity came from."""
    lines = (sources / SOURCES[key]).read_text(encoding="utf-8").splitlines()
    data = _plan(key)
    checked = 0
    for activity in data.subjects(RDF.type, PG.Activity):
        excerpt = data.value(activity, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
        first, last = int(data.value(excerpt, PG.line)), int(data.value(excerpt, PG.endLine))
        text = re.sub(r"\s+", " ", " ".join(lines[first - 1:last]))
        for participation in data.objects(activity, CV.hasParticipation):
            if data.value(participation, PG.stated) != Literal(True):
                continue
            mention = re.sub(r"\s+", " ", str(data.value(participation, PG.mention)))
            assert mention in text, (str(activity), mention)
            checked += 1
    assert checked == {KALMAR: 17, LATE: 168}[key]


# --- the catalogue shows inferred roles apart ----------------------------------------------


def test_coordinators_ranked_does_not_pass_inferred_roles_off_as_stated(
        engine: EmbeddedEngine) -> None:
    rows = {r["agent"]: r for r in _rows(engine, "coordinators-ranked")}
    # 43 activities, 11 of them the 2016–2017 page's, which names no coordinator.
    assert (rows[SEKTION]["activities"], rows[SEKTION]["stated"],
            rows[SEKTION]["inferred"]) == (43, 32, 11)
    # Region Kalmar län is never named as coordinator: 24 inferred roles, none stated.
    assert (rows[REGION_KALMAR]["stated"], rows[REGION_KALMAR]["inferred"]) == (0, 24)
    # Mörbylånga runs its pilot (line 22): a stated coordinator.
    assert rows[f"{ID}org/morbylanga-kommun"]["stated"] == 1


def test_organisations_in_both_periods_does_not_list_the_publisher_on_inferred_roles(
        engine: EmbeddedEngine) -> None:
    rows = _rows(engine, "organisations-in-both-periods")
    # The 2016–2017 page names no organisation in any role: no one is present in it.
    assert not [r for r in rows if r["earlierPlan"] == f"{ID}plan/{EARLY}"]


def test_organisations_in_many_areas_shows_areas_that_rest_on_inferred_roles(
        engine: EmbeddedEngine) -> None:
    rows = {r["agent"]: r for r in _rows(engine, "organisations-in-many-areas")}
    # Region Kalmar län coordinates in eight of the nine themes (not 1), named in none.
    assert (rows[REGION_KALMAR]["areas"], rows[REGION_KALMAR]["statedAreas"]) == (8, 0)


def test_single_organisation_activities_say_when_the_source_names_no_one(
        engine: EmbeddedEngine) -> None:
    rows = _rows(engine, "single-organisation-activities")
    unnamed = {str(r["activity"]).rsplit("/", 2)[-2] + "/" + str(r["activity"]).rsplit("/", 1)[-1]
               for r in rows if r["stated"] is False}
    assert f"{EARLY}/7-1" in unnamed and f"{KALMAR}/3-1" in unnamed
    assert all(r["stated"] is True for r in rows if f"/{LATE}/" in str(r["activity"]))


# --- only what the source says: Kalmar ---------------------------------------------------

TIMING = re.compile(r"\b(20\d\d|januari|augusti|våren|pågå\w*|klar\w*|antogs)\b", re.IGNORECASE)


def test_unmeasurable_follow_ups_does_not_take_timing_words_for_measures(
        engine: EmbeddedEngine) -> None:
    kalmar = [r for r in _rows(engine, "unmeasurable-follow-ups")
              if r["plan"] == f"{ID}plan/{KALMAR}"]
    # The document states no follow-up measure for any of its 26 activities.
    assert len(kalmar) == 26
    assert not [r for r in kalmar if TIMING.search(str(r["followUpLabel"]))]


def test_a_stated_deadline_is_kept_apart_from_the_follow_up() -> None:
    data = _plan(KALMAR)
    deadlines = {str(a).rsplit("/", 1)[-1]: str(d) for a, d in data.subject_objects(PG.deadline)}
    assert deadlines == {"1-1": "under år 2023", "1-2": "i slutet av år 2023",
                         "2-1": "i januari 2023", "5-1": "augusti 2023",
                         "8-1": "under våren 2023", "8-2": "januari 2023"}
    for follow_up in data.subjects(RDF.type, PG.FollowUpMeasure):
        assert str(data.value(follow_up, RDFS.label)) in {
            "Källan anger inget uppföljningsmått för aktiviteten.",
            "The source states no follow-up measure for this activity."}


def test_future_parties_are_not_current_partners(engine: EmbeddedEngine) -> None:
    """Line 117: the agreement "ska utökas med … Kommunförbund och Länsstyrelse"."""
    rows = _rows(engine, "activity-participants", activity=f"activity/{KALMAR}/7-2")
    assert {r["agent"] for r in rows} == {REGION_KALMAR, f"{ID}org/coompanion-kalmar-lan"}


def test_areas_without_municipality_reports_kalmar_civil_society(engine: EmbeddedEngine) -> None:
    rows = _rows(engine, "areas-without-municipality")
    assert f"{ID}area/kalmar-regionplan-2023-2025/7" in {r["area"] for r in rows}


def test_an_association_of_municipalities_is_not_a_municipality(engine: EmbeddedEngine) -> None:
    municipalities = [r for r in _rows(engine, "organisations-by-sector")
                      if r["sector"] == f"{ID}sector/municipality"]
    assert not [r for r in municipalities if "förbund" in str(r["agentLabel"]).lower()]


def test_a_place_is_not_a_partner() -> None:
    """Line 55: "Hälsolotssatsningen i Högsby": Högsby is where the work happens."""
    data = _plan(KALMAR)
    activity = URIRef(f"{ID}activity/{KALMAR}/3-1")
    agents = {str(data.value(p, CV.hasParticipant))
              for p in data.objects(activity, CV.hasParticipation)}
    assert agents == {REGION_KALMAR}
    place = data.value(activity, DCTERMS.spatial)
    assert place is not None and str(data.value(place, URIRef(
        "http://www.w3.org/2004/02/skos/core#prefLabel"))) == "Högsby"


@pytest.mark.parametrize("key,line", [("3-2", 56), ("4-5", 74)])
def test_some_municipalities_are_not_all_the_countys_twelve(key: str, line: int,
                                                            engine: EmbeddedEngine) -> None:
    """"med primärvård och kommuner", "med kommuner i länet": which ones the source does not
    say, so no municipality is made a partner by expanding the county's closed group."""
    rows = _rows(engine, "activity-participants", activity=f"activity/{KALMAR}/{key}")
    groups = {r["agent"] for r in rows if str(r["agent"]).startswith(f"{ID}group/")}
    assert groups == {f"{ID}group/kalmar-lan-kommuner-ej-angivna"}
    members = _rows(engine, "group-members")
    assert not [m for m in members if m["group"] == f"{ID}group/kalmar-lan-kommuner"
                and m["groupActivities"]]
