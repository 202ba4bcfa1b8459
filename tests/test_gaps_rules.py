"""Each coordination-gap rule fires on a fixture built to trigger it and stays silent on one
built not to; the rules on the bundled action plan 2018–2020, checked against the source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planegraf.analysis.gaps import (
    RULES,
    Gap,
    coordination_gaps,
    detail,
    gaps_csv,
    gaps_json,
    gaps_markdown,
    load_objectives,
    measurability,
)
from planegraf.analysis.network import NetworkData, load_network_data, resolve_scope
from planegraf.pipeline import open_store

from .conftest import FIXTURES

ID = "https://w3id.org/planegraf/id/"
TRIGGER = FIXTURES / "network" / "gaps-trigger.trig"
QUIET = FIXTURES / "network" / "gaps-quiet.trig"
UNNAMED = FIXTURES / "network" / "gaps-trigger-unnamed.trig"
COVERAGE = FIXTURES / "network" / "gaps-coverage.trig"
MANY_PAIRS = FIXTURES / "network" / "gaps-many-pairs.trig"


def _gaps(path: Path, *more: Path, **scope: str) -> tuple[list[Gap], NetworkData]:
    store = open_store([path, *more], bundled=False)
    data = load_network_data(store)
    return coordination_gaps(data, load_objectives(store), resolve_scope(data, **scope)), data


@pytest.fixture(scope="module")
def triggered() -> list[Gap]:
    return _gaps(TRIGGER, UNNAMED)[0]


# rule → (subject, organisations the evidence must name)
EXPECTED = {
    "activity-source-names-no-one": (f"{ID}activity/t-plan/2-3", {f"{ID}org/t-region"}),
    "area-without-municipality": (f"{ID}area/t/1", {f"{ID}org/t-region"}),
    "area-without-civil-society": (f"{ID}area/t/1", {f"{ID}org/t-universitet"}),
    "area-single-coordinator": (f"{ID}area/t/1", {f"{ID}org/t-region"}),
    "activity-single-organisation": (f"{ID}activity/t-plan/1-3", {f"{ID}org/t-region"}),
    "same-area-never-together": (f"{ID}area/t/1",
                                 {f"{ID}org/t-myndighet", f"{ID}org/t-universitet"}),
    "area-without-activities": (f"{ID}area/t/3", set()),
    "objective-without-activities": (f"{ID}objective/t-plan/3-1", set()),
    "sole-link-between-areas": (f"{ID}area/t/1 {ID}area/t/2", {f"{ID}org/t-universitet"}),
    "unmeasurable-follow-up": (f"{ID}activity/t-plan/1-1", {f"{ID}org/t-region"}),
}


def test_every_rule_has_a_trigger_case() -> None:
    assert set(EXPECTED) == {rule.id for rule in RULES}


def test_every_rule_is_explained_in_swedish_and_english() -> None:
    for rule in RULES:
        assert rule.name["sv"] and rule.name["en"] and rule.name["sv"] != rule.name["en"]
        assert rule.explanation["sv"] and rule.explanation["en"]


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_rule_fires_exactly_where_the_fixture_triggers_it(rule: str,
                                                          triggered: list[Gap]) -> None:
    subject, organisations = EXPECTED[rule]
    found = [g for g in triggered if g.rule == rule]
    assert [g.subject for g in found] == [subject]
    assert organisations <= set(found[0].organisations)


def test_single_coordinator_names_all_the_areas_activities(triggered: list[Gap]) -> None:
    (gap,) = [g for g in triggered if g.rule == "area-single-coordinator"]
    assert gap.activities == tuple(f"{ID}activity/t-plan/1-{n}" for n in (1, 2, 3))


def test_a_group_of_municipalities_counts_as_a_municipality(triggered: list[Gap]) -> None:
    # Area 2 has no municipality of its own, only "Länets kommuner (T)".
    assert not [g for g in triggered if g.rule == "area-without-municipality"
                and g.subject.endswith("/area/t/2")]


def test_the_quiet_fixture_has_no_gap_at_all() -> None:
    gaps, _ = _gaps(QUIET)
    assert gaps == []


def test_scope_to_one_area_keeps_only_its_findings() -> None:
    gaps, _ = _gaps(TRIGGER, area="3")
    assert {g.rule for g in gaps} == {"area-without-activities", "objective-without-activities"}


@pytest.mark.parametrize("text,kind", [
    ("Antal genomförda utbildningar", "count"),
    ("Andel skolor som omsätter resultat", "share"),
    ("Klart senast december 2019", "date"),
    ("Modell för samverkan framtagen och förankrad.", "milestone"),
    ("Samordnare på plats", "milestone"),
    ("Uppföljning av genomförda aktiviteter.", None),
    ("Enligt projektplan", None),
    ("Företagsrådgivarnas insatser.", None),
    ("", None),
])
def test_measurability_of_a_follow_up(text: str, kind: str | None) -> None:
    assert measurability(text) == kind


def test_reports_carry_the_evidence_in_every_format(triggered: list[Gap]) -> None:
    _, data = _gaps(TRIGGER)
    markdown = gaps_markdown(triggered, data, "en")
    assert "Action area without civil society" in markdown and "Universitet U" in markdown
    document = json.loads(gaps_json(triggered, data, "sv"))
    assert {g["rule"] for g in document["gaps"]} == set(EXPECTED)
    rows = gaps_csv(triggered, data, "en").splitlines()
    assert len(rows) == 1 + len(triggered)


def test_markdown_escapes_names_from_the_data() -> None:
    _, data = _gaps(TRIGGER)
    gap = Gap("activity-single-organisation", None, "x", "<img src=x onerror=alert(1)>", "d")
    assert "<img" not in gaps_markdown([gap], data)


# --- the bundled action plan 2018–2020, against ../shared/sources/rjl-handlingsplan-2018-2020.txt

PLAN = "rjl-hp-2018-2020"


@pytest.fixture(scope="module")
def bundled() -> tuple[list[Gap], NetworkData]:
    store = open_store()
    data = load_network_data(store)
    return coordination_gaps(data, load_objectives(store), resolve_scope(data, plan=PLAN)), data


def _line_of(source: str, text: str) -> str:
    (line,) = [line for line in source.splitlines() if line.startswith(text)]
    return line


def test_bundled_single_organisation_activities_match_the_source(
        bundled: tuple[list[Gap], NetworkData], sources: Path) -> None:
    gaps, _ = bundled
    text = (sources / "rjl-handlingsplan-2018-2020.txt").read_text(encoding="utf-8")
    single = {g.subject.rsplit("/", 1)[-1] for g in gaps
              if g.rule == "activity-single-organisation"}
    # 7.3: "Arbetsförmedlingen är samordningsansvarig." and nobody else (source line 242).
    assert _line_of(text, "Samlat stöd och fortsatt samverkan").endswith(
        "Arbetsförmedlingen är samordningsansvarig.")
    # 3.1: "Samordningsansvarig: Sektion Folkhälsa, Region Jönköpings län" (a unit with its
    # parent: one participant).
    assert _line_of(text, "Strategiska dialogseminarier").endswith(
        "Samordningsansvarig: Sektion Folkhälsa, Region Jönköpings län")
    assert {"7-3", "3-1"} <= single
    # 6.3 has a coordinator and three partners in the source: not a single organisation.
    assert "6-3" not in single


def test_bundled_areas_without_municipality_are_3_and_4(
        bundled: tuple[list[Gap], NetworkData], sources: Path) -> None:
    gaps, _ = bundled
    areas = {g.subject.rsplit("/", 1)[-1] for g in gaps if g.rule == "area-without-municipality"}
    # Tables 3 and 4 (source lines 119–172) name Sektion Folkhälsa, Futurum, Kommunal
    # utveckling (a regional unit), JIBS, Jönköping University, CHILD … but no municipality
    # and not "länets kommuner"; every other table does.
    lines = (sources / "rjl-handlingsplan-2018-2020.txt").read_text(encoding="utf-8").splitlines()
    start = lines.index(next(x for x in lines if x.startswith("Tabell 3")))
    end = lines.index(next(x for x in lines if x.startswith("Tabell 5")))
    rows = [x for x in lines[start:end]
            if "\t" in x and "amordningsansvarig" in x and not x.startswith("Aktivitet\t")]
    assert len(rows) == 4 + 3
    assert not any("kommuner" in row.lower() or "kommun " in row.lower() for row in rows)
    assert areas == {"3", "4"}


def test_bundled_unmeasurable_follow_ups_include_the_vague_ones(
        bundled: tuple[list[Gap], NetworkData], sources: Path) -> None:
    gaps, data = bundled
    text = (sources / "rjl-handlingsplan-2018-2020.txt").read_text(encoding="utf-8")
    vague = {g.subject.rsplit("/", 1)[-1]: detail(g, data) for g in gaps
             if g.rule == "unmeasurable-follow-up"}
    assert "\tEnligt projektplan\t" in _line_of(text, "Fortsatt samverkan med samhällsaktörer")
    assert vague["5-3"] == "Enligt projektplan"
    assert vague["7-3"] == "Företagsrådgivarnas insatser."
    # 1.1 "Antal genomförda utbildningar …" is a count: measurable.
    assert "1-1" not in vague


def test_gap_rule_and_catalogue_query_agree_on_unmeasurable_follow_ups() -> None:
    """The gap report and the named question apply one rule of measurability."""
    import subprocess
    import sys

    def planegraf_json(*args: str) -> object:
        result = subprocess.run([sys.executable, "-m", "planegraf.cli", *args],
                                capture_output=True, text=True, check=True)
        return json.loads(result.stdout)

    rows = planegraf_json("query", "unmeasurable-follow-ups", "--format", "json")
    report = planegraf_json("gaps", "--format", "json")
    by_query = {row["activity"] for row in rows}  # type: ignore[attr-defined]
    by_rule = {gap["subject"] for gap in report["gaps"]  # type: ignore[index]
               if gap["rule"] == "unmeasurable-follow-up"}
    assert by_query and by_query == by_rule


# --- gap rules that report gaps (issue 13, item 6) -----------------------------------------


def test_an_area_the_plan_does_not_cover_is_no_gap() -> None:
    gaps, _ = _gaps(COVERAGE)
    # C1 covers area 1 only; C2 covers areas 1 and 2 and has no activity in 2.
    assert [(g.plan, g.subject) for g in gaps if g.rule == "area-without-activities"] == [
        (f"{ID}plan/c2", f"{ID}area/c/2")]


def test_an_activity_whose_source_names_no_one_is_not_reported_as_missing_a_municipality() -> None:
    gaps, _ = _gaps(COVERAGE)
    assert [g.subject for g in gaps if g.rule == "activity-source-names-no-one"] == [
        f"{ID}activity/c1/1-1"]
    assert not [g for g in gaps if g.rule in ("area-without-municipality",
                                              "area-without-civil-society")]


def test_a_long_pair_list_is_ranked_by_what_the_pairs_share_and_capped_with_the_total() -> None:
    gaps, data = _gaps(MANY_PAIRS, area="1")
    (gap,) = [g for g in gaps if g.rule == "same-area-never-together"]
    assert gap.count == 89 and len(gap.pairs) == 12
    # Organisations 13 and 14 never meet in area 1 but share a partner (01) in area 2.
    assert gap.pairs[0] == (f"{ID}org/p-o13", f"{ID}org/p-o14")
    assert detail(gap, data).startswith("12 av 89 par visas")
    assert detail(gap, data, "en").startswith("12 of 89 pairs shown")


@pytest.fixture(scope="module")
def everything() -> tuple[list[Gap], NetworkData]:
    store = open_store()
    data = load_network_data(store)
    return coordination_gaps(data, load_objectives(store), resolve_scope(data)), data


def test_the_2016_2017_page_covers_only_area_7_so_its_other_areas_are_no_gaps(
        everything: tuple[list[Gap], NetworkData]) -> None:
    gaps, _ = everything
    assert not [g for g in gaps if g.rule == "area-without-activities"]


def test_a_kalmar_theme_whose_source_names_no_one_is_not_reported_as_without_municipality(
        everything: tuple[list[Gap], NetworkData]) -> None:
    """Theme 2 (suicide prevention, lines 36–42) names no organisation at all."""
    gaps, _ = everything
    theme = f"{ID}area/kalmar-regionplan-2023-2025/2"
    assert not [g for g in gaps if g.subject == theme]
    unnamed = {g.subject for g in gaps if g.rule == "activity-source-names-no-one"}
    assert {f"{ID}activity/kalmar-pa-2023/2-{n}" for n in (1, 2, 3, 4)} <= unnamed
    # 15 Kalmar activities and all 11 of the 2016–2017 page name no one.
    assert len(unnamed) == 26
    # Theme 7 names Coompanion, SPES, Suicide Zero and NSPH, no municipality (line 117).
    assert (f"{ID}plan/kalmar-pa-2023", f"{ID}area/kalmar-regionplan-2023-2025/7") in {
        (g.plan, g.subject) for g in gaps if g.rule == "area-without-municipality"}


def test_every_finding_names_its_plan_and_county(
        everything: tuple[list[Gap], NetworkData]) -> None:
    gaps, data = everything
    assert all(g.plan and g.county for g in gaps)
    counties = {g.county for g in gaps}
    assert counties == {f"{ID}place/jonkopings-lan", f"{ID}place/kalmar-lan"}
    markdown = gaps_markdown(gaps, data, "sv")
    assert "(Tidsatta, prioriterade aktiviteter för länets folkhälsoarbete 2023, Kalmar län)" \
        in markdown
    assert "(Handlingsplan 2018–2020, Jönköpings län)" in markdown
    header = gaps_csv(gaps, data, "en").splitlines()[0].split(",")
    assert {"plan_label", "county", "county_label"} <= set(header)
    document = json.loads(gaps_json(gaps, data, "en"))
    assert {g["county_label"] for g in document["gaps"]} == {"Jönköping County", "Kalmar County"}


def test_findings_are_computed_once_and_told_in_either_language(
        bundled: tuple[list[Gap], NetworkData]) -> None:
    """Issue 11.7: the rules run once, without a language; the words come at the edge."""
    import inspect

    assert "lang" not in inspect.signature(coordination_gaps).parameters
    gaps, data = bundled
    swedish, english = gaps_markdown(gaps, data, "sv"), gaps_markdown(gaps, data, "en")
    assert swedish.startswith("# Luckor i samordningen") and "fynd" in swedish
    assert english.startswith("# Coordination gaps") and "findings" in english
    assert "Enligt projektplan" in swedish and "Enligt projektplan" in english  # quoted
    assert "the source names no one" not in swedish and "källan nämner ingen" not in english


FOLLOW_UP = "<https://w3id.org/planegraf/id/follow-up/p/1>"
FOLLOW_UP_LABELS = {
    "sv": f'{FOLLOW_UP} rdfs:label "Källan anger inget uppföljningsmått för aktiviteten."@sv .',
    "en": f'{FOLLOW_UP} rdfs:label '
          '"The source states no follow-up measure for this activity."@en .',
}


@pytest.mark.parametrize("first", ["sv", "en"])
def test_a_follow_up_is_quoted_in_the_source_language_whatever_order_the_store_holds(first):
    """A follow-up labelled in two languages (what ingest writes when the source states none)
    was quoted in whichever label the store gave first: loading straight into the store
    turned the bundled report's 37 findings from English to Swedish on both pages. The
    source's text is quoted, as the activity's own label is: the Swedish one."""
    import pyoxigraph as ox

    from planegraf.rdf.store import EmbeddedStore

    store = EmbeddedStore()
    prefixes = "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    activity = ("<https://w3id.org/planegraf/id/activity/p/1> a "
                "<https://w3id.org/planegraf/def#Activity> ; "
                f"<https://w3id.org/planegraf/def#followUp> {FOLLOW_UP} .\n")
    for lang in (first, "en" if first == "sv" else "sv"):  # the store keeps this order
        store.load_data((prefixes + activity + FOLLOW_UP_LABELS[lang]).encode(),
                        ox.RdfFormat.TURTLE, graph=ox.NamedNode("https://w3id.org/planegraf/g"))
    (activity_read,) = load_network_data(store).activities.values()
    assert activity_read.follow_up_label == "Källan anger inget uppföljningsmått för aktiviteten."


NO_FOLLOW_UP_SV = "Källan anger inget uppföljningsmått för aktiviteten."
NO_FOLLOW_UP_EN = "The source states no follow-up measure for this activity."


def test_the_english_report_says_no_follow_up_was_stated_in_english(tmp_path: Path) -> None:
    """The English gap report quoted the Swedish placeholder ingest writes where the source
    states no follow-up (37 findings of the bundled data), though the graph labels it in
    English too: the site's English page, and the CLI's English report in every format."""
    import subprocess
    import sys

    from planegraf.publish import site

    out = tmp_path / "site"
    site.write_site(open_store(), out, pages="reports")
    english = (out / "gaps.en.html").read_text(encoding="utf-8")
    swedish = (out / "gaps.html").read_text(encoding="utf-8")
    assert NO_FOLLOW_UP_SV not in english
    assert english.count(NO_FOLLOW_UP_EN) == swedish.count(NO_FOLLOW_UP_SV) == 37
    assert NO_FOLLOW_UP_EN not in swedish
    # What the source itself says is quoted as it says it, on both pages.
    assert "Enligt projektplan" in english and "Enligt projektplan" in swedish
    for fmt in ("md", "csv", "json"):
        report = subprocess.run(
            [sys.executable, "-m", "planegraf.cli", "gaps", "--lang", "en", "--format", fmt],
            capture_output=True, text=True, check=True).stdout
        assert NO_FOLLOW_UP_SV not in report and NO_FOLLOW_UP_EN in report, fmt


def test_a_follow_up_labelled_only_in_swedish_is_quoted_in_swedish_in_english() -> None:
    """The source's own words have no English label: the English report quotes them."""
    store = open_store()
    data = load_network_data(store)
    from planegraf.analysis.gaps import load_follow_up_labels

    labels = load_follow_up_labels(store)
    assert labels and all(set(by_lang) == {"en"} for by_lang in labels.values())
    found = coordination_gaps(data, load_objectives(store), follow_ups=labels,
                              rules=["unmeasurable-follow-up"])
    quoted = [g for g in found if g.quoted and g.quoted != NO_FOLLOW_UP_SV]
    assert quoted and all(detail(g, data, "en") == g.quoted for g in quoted)
    placeholders = [g for g in found if g.quoted == NO_FOLLOW_UP_SV]
    assert len(placeholders) == 37
    assert {detail(g, data, "en") for g in placeholders} == {NO_FOLLOW_UP_EN}
    assert {detail(g, data, "sv") for g in placeholders} == {NO_FOLLOW_UP_SV}


def test_an_action_area_numbered_with_a_superscript_digit_does_not_crash_the_gap_report(
    tmp_path: Path,
) -> None:
    # '²'.isdigit() is true but int('²') fails: the areas are ordered by their number.
    text = TRIGGER.read_text(encoding="utf-8")
    odd = text.replace('id:area\\/t\\/1 a pg:ActionArea ; skos:inScheme id:strategy\\/t ; '
                       'skos:notation "1"', 'id:area\\/t\\/1 a pg:ActionArea ; skos:inScheme '
                       'id:strategy\\/t ; skos:notation "²"')
    assert odd != text
    written = tmp_path / "gaps-superscript.trig"
    written.write_text(odd, encoding="utf-8")
    found, _ = _gaps(written, UNNAMED)
    assert {gap.rule for gap in found} == {gap.rule for gap in _gaps(TRIGGER, UNNAMED)[0]}


def test_a_finding_about_one_activity_says_it_in_the_singular(
        everything: tuple[list[Gap], NetworkData]) -> None:
    # "samordnar alla 1 aktiviteter" and "1 aktiviteter, 1 deltagare" read as a machine's.
    import dataclasses

    gaps, data = everything
    alone = next(g for g in gaps if g.rule == "activity-single-organisation")
    sole = dataclasses.replace(alone, rule="area-single-coordinator")
    name = {lang: data.agent(sole.organisations[0]).label(lang) for lang in ("sv", "en")}
    one = dataclasses.replace(sole, numbers=(("activities", 1),))
    assert detail(one, data) == f"{name['sv']} samordnar områdets enda aktivitet"
    assert detail(one, data, "en") == f"{name['en']} coordinates the area's only activity"
    assert "alla" in detail(dataclasses.replace(sole, numbers=(("activities", 3),)), data)
    lacking = next(g for g in gaps if g.rule in ("area-without-municipality",
                                                 "area-without-civil-society"))
    single = dataclasses.replace(lacking, numbers=(("activities", 1), ("participants", 1)))
    assert detail(single, data) == "1 aktivitet, 1 deltagare som källan nämner, ingen av dem"
    assert detail(single, data, "en") == (
        "1 activity, 1 participant the source names, none of them")
    many = dataclasses.replace(lacking, numbers=(("activities", 4), ("participants", 2)))
    assert detail(many, data, "en") == (
        "4 activities, 2 participants the source names, none of them")
