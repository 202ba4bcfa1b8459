"""Parameters by what people type: a label, number or key names an organisation, area, plan,
goal or county, compared as the importer compares names; nothing or several matching is an
error (exit 2) that lists the candidates, never an empty table.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from planegraf.errors import PlanegrafError
from planegraf.ids import DATA
from planegraf.pipeline import open_store
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.lookup import resolve_parameter


def _planegraf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(open_store())


def test_an_organisation_by_its_name_gives_its_activities_not_an_empty_table() -> None:
    by_name = _planegraf("query", "organisation-activities", "--param",
                         "organisation=Qulturum", "--format", "csv", "-q")
    by_key = _planegraf("query", "organisation-activities", "--param",
                        "organisation=org/qulturum", "--format", "csv", "-q")
    assert by_name.returncode == by_key.returncode == 0, by_name.stderr + by_key.stderr
    assert by_name.stdout == by_key.stdout
    assert len(by_name.stdout.splitlines()) > 2


@pytest.mark.parametrize("typed", ["Qulturum", "qulturum", "  QULTURUM ", "Kultorum",
                                   "org/qulturum", DATA + "org/qulturum"])
def test_an_organisation_is_found_by_label_alt_label_key_or_iri(
    engine: EmbeddedEngine, typed: str,
) -> None:
    assert resolve_parameter(engine, "organisation", typed) == DATA + "org/qulturum"


def test_names_compare_as_the_importer_compares_them(engine: EmbeddedEngine) -> None:
    decomposed = "Region Jo\u0308nko\u0308pings la\u0308n"  # Unicode NFD, as some PDFs give it
    assert resolve_parameter(engine, "organisation", decomposed) == \
        DATA + "org/region-jonkopings-lan"
    # A hyphen where the title has an en dash
    assert resolve_parameter(engine, "plan", "handlingsplan 2018-2020") == \
        DATA + "plan/rjl-hp-2018-2020"


@pytest.mark.parametrize(("kind", "typed", "iri"), [
    ("plan", "rjl-hp-2018-2020", "plan/rjl-hp-2018-2020"),
    ("plan", "Handlingsplan 2016–2017", "plan/rjl-hp-2016-2017"),
    ("county", "Kalmar län", "place/kalmar-lan"),
    ("county", "Kalmar County", "place/kalmar-lan"),
    ("county", "06", "place/jonkopings-lan"),
    ("goal", "strategiskt-3", "goal/rjl-jamlik-halsa-2016-2025/strategiskt-3"),
    ("area", "kalmar-pa-2023/6", "area/kalmar-regionplan-2023-2025/6"),
    ("area", "rjl-hp-2018-2020/6", "area/rjl-jamlik-halsa-2016-2025/6"),
])
def test_plans_counties_goals_and_areas_by_what_people_type(
    engine: EmbeddedEngine, kind: str, typed: str, iri: str,
) -> None:
    assert resolve_parameter(engine, kind, typed) == DATA + iri  # type: ignore[arg-type]


def test_an_area_number_is_narrowed_by_the_plan(engine: EmbeddedEngine) -> None:
    assert resolve_parameter(engine, "area", "6", plan=DATA + "plan/kalmar-pa-2023") == \
        DATA + "area/kalmar-regionplan-2023-2025/6"


def test_an_area_number_shared_by_plans_lists_the_choices_with_their_plans() -> None:
    done = _planegraf("query", "activities-in-area", "--param", "area=6", "-q",
                      "--lang", "en")
    assert done.returncode == 2 and done.stdout == ""
    assert "ambiguous" in done.stderr
    assert "area/kalmar-regionplan-2023-2025/6" in done.stderr
    assert "area/rjl-jamlik-halsa-2016-2025/6" in done.stderr
    assert "Handlingsplan 2018–2020" in done.stderr and "--plan" in done.stderr


def test_an_area_with_its_plan_gives_that_areas_activities() -> None:
    done = _planegraf("query", "activities-in-area", "--param", "area=kalmar-pa-2023/6",
                      "--format", "csv", "-q")
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()[1:]
    assert rows and all("/activity/kalmar-pa-2023/6-" in row for row in rows)


def test_a_misspelt_organisation_is_exit_2_with_the_closest_names() -> None:
    done = _planegraf("query", "organisation-activities", "--param", "organisation=Qultrum",
                      "-q", "--lang", "en")
    assert done.returncode == 2 and done.stdout == ""
    assert "no organisation 'Qultrum'" in done.stderr
    assert "Qulturum [org/qulturum]" in done.stderr


def test_a_county_by_name_in_the_side_by_side_question() -> None:
    by_name = _planegraf("query", "counties-side-by-side", "--param", "left_county=Kalmar län",
                         "--param", "right_county=Jönköpings län", "--format", "csv", "-q")
    by_key = _planegraf("query", "counties-side-by-side", "--format", "csv", "-q",
                        "--param", "left_county=place/kalmar-lan",
                        "--param", "right_county=place/jonkopings-lan")
    assert by_name.returncode == by_key.returncode == 0, by_name.stderr
    assert by_name.stdout == by_key.stdout and len(by_name.stdout.splitlines()) > 2


def test_nothing_of_a_kind_in_the_data_is_refused(engine: EmbeddedEngine) -> None:
    with pytest.raises(PlanegrafError, match="no action plan 'Handlingsplan 1999'"):
        resolve_parameter(engine, "plan", "Handlingsplan 1999")


def test_the_english_choices_are_english_after_the_swedish_were_asked(
        engine: EmbeddedEngine) -> None:
    from planegraf.sparql.lookup import candidates

    swedish = {c.iri: c.label for c in candidates(engine, "county", "sv")}
    english = {c.iri: c.label for c in candidates(engine, "county", "en")}
    assert swedish.keys() == english.keys()
    # Jönköpings län is "Jönköping County" in English: the second language is not the first's.
    assert any("County" in label for label in english.values()), english
    assert not any("County" in label for label in swedish.values()), swedish
