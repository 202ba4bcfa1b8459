"""The curated action plan 2018–2020 against its source document.

The expectations here are read from ``../shared/sources/rjl-handlingsplan-2018-2020.txt``
by a deliberately simple, independent reading of its tables (not by planegraf's importer),
so the graph and the text are checked against each other.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.pipeline import open_store
from planegraf.rdf.store import EmbeddedStore

from .conftest import FIXTURES

DATA = "https://w3id.org/planegraf/id/"
REGION = DATA + "org/region-jonkopings-lan"
QUERIES = FIXTURES / "queries"

# The 13 municipalities of Jönköpings län and their official codes (SCB).
JONKOPING_COUNTY_CODES = {
    "0604", "0617", "0642", "0643", "0662", "0665", "0680",
    "0682", "0683", "0684", "0685", "0686", "0687",
}


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return open_store()


@pytest.fixture(scope="module")
def source_rows(sources: Path) -> dict[int, list[tuple[int, str]]]:
    """Activity rows per table as (line number, activity text), read straight from the text.

    A row is a line of a table with at least three tab-separated cells whose first two
    (activity and follow-up) are not empty; lines that continue a row across a page break
    leave the follow-up cell empty, and the header and ``---`` separators are skipped.
    """
    text = (sources / "rjl-handlingsplan-2018-2020.txt").read_text(encoding="utf-8")
    rows: dict[int, list[tuple[int, str]]] = defaultdict(list)
    table = None
    for number, line in enumerate(text.split("\n"), start=1):
        heading = re.match(r"Tabell (\d+) ", line)
        if heading:
            table = int(heading.group(1))
            continue
        if re.match(r"(Handlingsområde \d+:|Strategiskt mål \d+:)", line):
            table = None
        if table is None:
            continue
        cells = [re.sub(r"</?[pi]>", "", c).strip() for c in line.split("\t")]
        if len(cells) < 3 or not cells[0] or not cells[1]:
            continue
        if cells[0] == "Aktivitet" or set(cells[0]) <= {"-"}:
            continue
        rows[table].append((number, cells[0]))
    return rows


def _select(store: EmbeddedStore, name: str) -> list[dict[str, str]]:
    """Rows of ``fixtures/queries/NAME.rq`` as dicts of plain strings."""
    query = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    solutions = store.oxigraph.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [
        {name: (row[name].value if row[name] is not None else "") for name in names}
        for row in solutions
    ]


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_source_has_nine_tables(source_rows: dict[int, list[tuple[int, str]]]) -> None:
    assert sorted(source_rows) == list(range(1, 10))


def test_activity_count_per_area_equals_the_rows_of_each_table(
    store: EmbeddedStore, source_rows: dict[int, list[tuple[int, str]]]
) -> None:
    counted = _select(store, "activities-per-area-2018-2020")
    in_graph = {int(r["n"]): int(r["count"]) for r in counted}
    in_text = {table: len(rows) for table, rows in source_rows.items()}
    assert in_graph == in_text


def test_every_row_is_an_activity_with_its_text_and_line(
    store: EmbeddedStore, source_rows: dict[int, list[tuple[int, str]]]
) -> None:
    activities = _select(store, "activity-excerpts-2018-2020")
    by_position = {(int(a["table"]), int(a["row"])): a for a in activities}
    assert len(by_position) == sum(len(rows) for rows in source_rows.values())
    for table, rows in source_rows.items():
        for index, (line, text) in enumerate(rows, start=1):
            activity = by_position[(table, index)]
            assert int(activity["line"]) == line, (table, index)
            # a row split across a page break continues after this line; its start must match
            assert _norm(activity["label"]).startswith(_norm(text)[:60]), (table, index)


def test_page_break_row_joins_its_continuation(store: EmbeddedStore) -> None:
    (row,) = [a for a in _select(store, "activity-excerpts-2018-2020")
              if a["activity"] == DATA + "activity/rjl-hp-2018-2020/1-4"]
    assert row["label"].endswith(
        "ökad samordning, samt större spridning och användning av resultaten.")
    assert int(row["endLine"]) > int(row["line"])


def test_unit_named_with_parent_is_one_participant(store: EmbeddedStore) -> None:
    coordinators = [c["coordinator"] for c in _select(store, "coordinators")
                    if c["activity"] == DATA + "activity/rjl-hp-2018-2020/1-1"]
    assert coordinators == [DATA + "org/regional-utveckling"]
    # wherever a cell names "…, Region Jönköpings län", the participant is a unit, never
    # the region beside it
    naming_the_region = [p for p in _select(store, "participations-2018-2020")
                         if "region jönköpings län" in p["description"].lower()]
    assert len(naming_the_region) > 50
    assert all(p["participant"] != REGION for p in naming_the_region)
    units = {r["unit"] for r in _select(store, "units-of-region-jonkoping")}
    assert DATA + "org/sektion-folkhalsa" in units
    assert DATA + "org/barndialogen" in units  # through Sektion Folkhälsa


def test_every_mention_is_verbatim_text_of_its_cell(store: EmbeddedStore) -> None:
    for participation in _select(store, "participations-2018-2020"):
        assert participation["mention"] in participation["description"], participation


@pytest.mark.parametrize("variants, organisation", [
    (["Qulturum", "Kultorum"], "org/qulturum"),
    (["Sektion Folkhälsa", "Sektion folkhälsa", "Sektionen Folkhälsa", "sektionen Folkhälsa"],
     "org/sektion-folkhalsa"),
    (["Försäkringskassan", "försäkringskassa"], "org/forsakringskassan"),
    (["Arbetsförmedlingen", "arbetsförmedling"], "org/arbetsformedlingen"),
    (["Region Jönköpings län", "Region Jönköpings Län"], "org/region-jonkopings-lan"),
    (["Regional utveckling", "Regional Utveckling"], "org/regional-utveckling"),
    (["CHILD-gruppen", "CHILD gruppen"], "org/child-gruppen"),
    (["länets kommuner", "Länets kommuner"], "group/jonkopings-lan-kommuner"),
])
def test_spelling_variants_resolve_to_one_organisation(
    store: EmbeddedStore, variants: list[str], organisation: str
) -> None:
    # Within the plan's county: the national registry gives every county its own
    # "Länets kommuner" and "Länsstyrelsen", which are other organisations.
    labels = [row for row in _select(store, "agent-labels")
              if row["place"] in ("", DATA + "place/jonkopings-lan", DATA + "place/sverige")]
    for variant in variants:
        owners = {row["agent"] for row in labels if row["label"] == variant}
        assert owners == {DATA + organisation}, variant


def test_no_label_names_two_organisations_in_the_same_county(store: EmbeddedStore) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in _select(store, "agent-labels"):
        owners[(_norm(row["label"]).casefold(), row["place"])].add(row["agent"])
    ambiguous = {key: agents for key, agents in owners.items() if len(agents) > 1}
    assert ambiguous == {}


def test_lanets_kommuner_is_the_countys_13_municipalities(store: EmbeddedStore) -> None:
    members = [m for m in _select(store, "group-members")
               if m["group"] == DATA + "group/jonkopings-lan-kommuner"]
    assert len(members) == 13
    assert {m["code"] for m in members} == JONKOPING_COUNTY_CODES
    assert {m["sector"] for m in members} == {DATA + "sector/municipality"}


@pytest.mark.parametrize("group", [
    "group/jonkopings-lan-patientforeningar", "group/jonkopings-lan-andra-berorda-aktorer",
])
def test_generic_categories_are_groups_without_members(store: EmbeddedStore, group: str) -> None:
    types = {r["type"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
             for r in _select(store, "agent-types") if r["agent"] == DATA + group}
    assert types == {"AgentGroup"}
    assert not [m for m in _select(store, "group-members") if m["group"] == DATA + group]
