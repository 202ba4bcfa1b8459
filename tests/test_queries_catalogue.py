"""The catalogue of named questions: every query is well described, parses, runs on the
bundled graph and gives the expected rows checked in under ``tests/expected/queries/``.

The expected files are reviewed by hand against the source documents. Regenerate them
after a data change (then review the diff) with::

    PLANEGRAF_UPDATE_EXPECTED=1 .venv/bin/python -m pytest tests/test_queries_catalogue.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from planegraf.pipeline import open_store
from planegraf.render.results import json_value
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.queries import (
    PARAMETER_TYPES,
    QueryFile,
    bind_parameters,
    catalogue,
    check_query,
)

EXPECTED = Path(__file__).parent / "expected" / "queries"
UPDATE = os.environ.get("PLANEGRAF_UPDATE_EXPECTED") == "1"
QUERIES = catalogue()
REQUIRED_TOPICS = [
    "activities-per-area", "activities-per-goal", "coordinators-ranked",
    "organisations-in-many-areas", "areas-without-municipality", "areas-without-civil-society",
    "single-organisation-activities", "frequent-partner-pairs", "organisation-activities",
    "unmeasurable-follow-ups", "organisations-in-both-periods", "counties-side-by-side",
    "organisations-by-sector", "search-activities",
]


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(open_store())


def rows_for_file(engine: EmbeddedEngine, query: QueryFile) -> list[dict[str, object]]:
    answer = engine.run(query, bind_parameters(query, {}, "sv"))
    assert answer.solutions is not None
    return [{name: json_value(row[name]) for name in answer.solutions.variables}
            for row in answer.solutions.rows]


def test_catalogue_has_at_least_twenty_questions_covering_the_issue() -> None:
    names = {q.name for q in QUERIES}
    assert len(names) >= 20
    assert not set(REQUIRED_TOPICS) - names


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_header_is_bilingual_and_typed(query: QueryFile) -> None:
    assert query.name == query.name.lower() and " " not in query.name
    assert set(query.titles) >= {"sv", "en"} and set(query.descriptions) >= {"sv", "en"}
    assert query.tags
    for param in query.parameters:
        assert param.type in PARAMETER_TYPES and param.default is not None
    assert check_query(query.text, query.path) == "SELECT"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_projects_its_parameters_and_orders_its_rows(query: QueryFile) -> None:
    # Oxigraph binds only projected variables; ORDER BY keeps files and tables stable.
    head = query.text.split("WHERE", 1)[0]
    for param in query.parameters:
        assert f"?{param.name}" in head, f"{query.name} does not project ?{param.name}"
    assert "ORDER BY" in query.text


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_gives_the_expected_rows_on_the_bundled_graph(
    engine: EmbeddedEngine, query: QueryFile
) -> None:
    rows = rows_for_file(engine, query)
    path = EXPECTED / f"{query.name}.json"
    if UPDATE:
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert path.exists(), f"no expected result: run with PLANEGRAF_UPDATE_EXPECTED=1 ({path})"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert rows == expected


def test_every_expected_file_belongs_to_a_query() -> None:
    names = {q.name for q in QUERIES}
    assert {p.stem for p in EXPECTED.glob("*.json")} <= names


def test_english_labels_fall_back_to_swedish(engine: EmbeddedEngine) -> None:
    query = next(q for q in QUERIES if q.name == "activities-in-area")
    sv = engine.run(query, bind_parameters(query, {}, "sv")).solutions
    en = engine.run(query, bind_parameters(query, {}, "en")).solutions
    assert sv is not None and en is not None and len(sv) == len(en) > 0
    # activities are written in Swedish only: the English run shows the Swedish text
    assert [r["activityLabel"] for r in sv.rows] == [r["activityLabel"] for r in en.rows]
    assert sv.rows[0]["planLabel"] != en.rows[0]["planLabel"]


def test_search_ignores_case_and_diacritics(engine: EmbeddedEngine) -> None:
    query = next(q for q in QUERIES if q.name == "search-activities")
    found = {
        text: {r["activity"] for r in engine.run(
            query, bind_parameters(query, {"text": text})).solutions.rows}  # type: ignore[union-attr]
        for text in ("föräldrastöd", "FORALDRASTOD", "Föräldrastöd", "foraldrastöd")
    }
    assert len({frozenset(v) for v in found.values()}) == 1
    assert found["föräldrastöd"]


def test_organisation_activities_reaches_the_region_through_its_units(
    engine: EmbeddedEngine,
) -> None:
    query = next(q for q in QUERIES if q.name == "organisation-activities")
    rows = engine.run(query, bind_parameters(query, {}, "en")).solutions.rows  # type: ignore[union-attr]
    routes = {r["route"].value for r in rows}  # type: ignore[union-attr]
    assert "through a unit" in routes
    unit = engine.run(query, bind_parameters(
        query, {"organisation": "org/sektion-folkhalsa"}, "en")).solutions.rows  # type: ignore[union-attr]
    assert 0 < len(unit) < len(rows)
