"""The start page's county and plan pages and the catalogue's forms at national scale (issue
15): what every language shares is made once. The catalogue's area choices read every
activity for the plans of the areas: once for both languages, not once each, with the same
choices; the strategy tree's list items are joined once per place and language, and read
exactly as the one-by-one items did, hostile names included."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from planegraf.pipeline import open_store
from planegraf.publish import site
from planegraf.publish.question_pages import ParameterChoices
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.lookup import LookupEngine, candidates
from planegraf.sparql.queries import QueryFile, catalogue

HOSTILE = '<script>alert("x")</script> & \'Tom\' {{ 7*7 }} <b>'
ID = "https://w3id.org/planegraf/id/"


def test_the_catalogue_reads_the_activities_for_the_area_choices_once_for_both_languages(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: Counter[str] = Counter()
    run = LookupEngine.run

    def counted(self: LookupEngine, query: QueryFile, *args: object, **kwargs: object
                ) -> object:
        if "pg:actionArea" in query.text:  # a question that reads the activities' areas
            asked[query.path.name] += 1
        return run(self, query, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(LookupEngine, "run", counted)
    choices = ParameterChoices(open_store(), catalogue())
    assert choices.choices[("sv", "area")] and choices.choices[("en", "area")]
    assert sum(asked.values()) == 1, asked


@pytest.fixture(scope="module")
def titled() -> EmbeddedStore:
    """The bundled data and an area whose plans are titled in Swedish and English, in
    Swedish only and not at all, one of them found only through an activity."""
    store = open_store()
    store.oxigraph.update(f"""
        PREFIX pg: <https://w3id.org/planegraf/def#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        INSERT DATA {{ GRAPH <{ID}graph/test> {{
            <{ID}area/test/1> a pg:ActionArea ; skos:prefLabel "Provområde"@sv ;
                skos:notation "1" .
            <{ID}area/test/2> a pg:ActionArea ; skos:prefLabel "Ensamt område"@sv .
            <{ID}plan/test-both> a pg:ActionPlan ; dct:title "Provplan"@sv, "Test plan"@en ;
                pg:coversArea <{ID}area/test/1> .
            <{ID}plan/test-sv> a pg:ActionPlan ; dct:title "Bara svenska"@sv .
            <{ID}activity/test/1> a pg:Activity ; pg:actionArea <{ID}area/test/1> ;
                pg:inPlan <{ID}plan/test-sv> .
            <{ID}plan/test-none> a pg:ActionPlan ; pg:coversArea <{ID}area/test/1> .
        }} }}""")
    return store


@pytest.mark.parametrize(("lang", "contexts"), [
    ("sv", {"Provplan", "Bara svenska", ""}),
    ("en", {"Test plan", "Bara svenska", ""}),
    ("de", {"Provplan", "Bara svenska", ""})])
def test_an_areas_plans_are_named_in_the_language_asked_for_else_swedish(
        titled: EmbeddedStore, lang: str, contexts: set[str]) -> None:
    found = {c.iri: c for c in candidates(EmbeddedEngine(titled), "area", lang)}
    area = found[f"{ID}area/test/1"]
    assert area.plans == {f"{ID}plan/test-both", f"{ID}plan/test-sv", f"{ID}plan/test-none"}
    assert area.contexts == contexts
    assert area.label == "1 Provområde"
    alone = found[f"{ID}area/test/2"]
    assert (alone.plans, alone.contexts) == (set(), {""})


def test_the_area_choices_are_the_same_asked_in_either_order(titled: EmbeddedStore) -> None:
    english_first = LookupEngine(titled)
    swedish_first = LookupEngine(titled)
    english = candidates(english_first, "area", "en")
    swedish = candidates(swedish_first, "area", "sv")
    assert candidates(english_first, "area", "sv") == swedish
    assert candidates(swedish_first, "area", "en") == english
    assert english != swedish


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("where", [0, 1, 2])
def test_a_plans_activities_read_as_the_items_made_one_by_one(
        tmp_path: Path, lang: str, where: int) -> None:
    writer = site.SiteWriter(open_store(), tmp_path, "sv", resource_pages=False)
    folder = "/".join(["counties", "x"][:where])
    file = f"{folder}/page.html" if folder else "page.html"
    activities = [f"{ID}activity/rjl-hp-2018-2020/6-3", f"{ID}activity/a/b-c.d",
                  "http://example.org/elsewhere", site.PG + "Activity",
                  f"{ID}activity/Upper Case"]
    for number, activity in enumerate(activities):
        writer._scoped[activity, lang] = [HOSTILE, "", "6.3 Hälsa & <liv>", "x", "y"][number]
    expected = "\n".join(str(site._activity_item(
        {"href": writer._activity_href(file, a, lang), "label": writer._scoped[a, lang]}))
        for a in activities) + "\n"
    assert str(writer._list_items(file, where, activities, lang)) == expected
    assert "<script>" not in expected and "<liv>" not in expected
