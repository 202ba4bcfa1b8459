"""The organisation resolver on the bundled registry and on a two-county fixture registry."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planegraf.ingest.cells import extract_mentions
from planegraf.ingest.resolver import OrganisationRegistry, normalise
from planegraf.pipeline import load_dataset

FIXTURES = Path(__file__).parent / "fixtures" / "documents"
ID = "https://w3id.org/planegraf/id/"
JONKOPING = "jonkopings-lan"


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.bundled()


@pytest.fixture(scope="module")
def two_counties() -> OrganisationRegistry:
    store = load_dataset([FIXTURES / "two-counties-registry.trig"], bundled=False)
    return OrganisationRegistry.from_store(store)


def slugs(registry: OrganisationRegistry, cell: str, county: str | None = JONKOPING,
          role: str | None = "partner") -> list[tuple[str, str | None]]:
    mentions = extract_mentions(cell, registry, county, role)  # type: ignore[arg-type]
    return [(m.text, m.agent.rsplit("/", 1)[-1] if m.agent else None) for m in mentions]


def test_alternative_label_resolves_to_its_organisation(registry: OrganisationRegistry) -> None:
    assert registry.resolve("Kultorum", JONKOPING).agent == ID + "org/qulturum"


@pytest.mark.parametrize("spelling", [
    "sektionen  Folkhälsa", "SEKTION FOLKHÄLSA", "Sektion folkhälsa ", "Sektion\tFolkhälsa"])
def test_case_and_whitespace_variants_resolve(registry: OrganisationRegistry,
                                              spelling: str) -> None:
    assert registry.resolve(spelling, JONKOPING).agent == ID + "org/sektion-folkhalsa"


@pytest.mark.parametrize("spelling", ["CHILD-gruppen", "CHILD gruppen", "CHILD–gruppen"])
def test_hyphen_variants_resolve(registry: OrganisationRegistry, spelling: str) -> None:
    assert registry.resolve(spelling, JONKOPING).agent == ID + "org/child-gruppen"


def test_composed_and_decomposed_letters_are_equal(registry: OrganisationRegistry) -> None:
    decomposed = unicodedata.normalize("NFD", "Länsstyrelsen i Jönköpings län")
    assert decomposed != "Länsstyrelsen i Jönköpings län"
    assert registry.resolve(decomposed, JONKOPING).agent == \
        ID + "org/lansstyrelsen-i-jonkopings-lan"


def test_unit_named_with_parent_is_one_participant(registry: OrganisationRegistry) -> None:
    assert slugs(registry, "Sektion Folkhälsa, Region Jönköpings län") == [
        ("Sektion Folkhälsa, Region Jönköpings län", "sektion-folkhalsa")]
    assert slugs(registry, "CHILD gruppen Jönköping University") == [
        ("CHILD gruppen Jönköping University", "child-gruppen")]


def test_parent_after_a_list_of_units_is_dropped_from_each_mention(
        registry: OrganisationRegistry) -> None:
    assert slugs(registry, "Sektion Folkhälsa, Regional Utveckling och IT-centrum, "
                           "Region Jönköpings län") == [
        ("Sektion Folkhälsa", "sektion-folkhalsa"), ("Regional Utveckling", "regional-utveckling"),
        ("IT-centrum", "it-centrum")]


def test_parent_after_groups_still_qualifies_the_one_unit(registry: OrganisationRegistry) -> None:
    assert slugs(registry, "Länets föreningsliv, länets kommuner och Sektion Folkhälsa, "
                           "Region Jönköpings län")[-1] == (
        "Sektion Folkhälsa, Region Jönköpings län", "sektion-folkhalsa")


def test_compound_names_with_commas_and_parentheses_stay_whole(
        registry: OrganisationRegistry) -> None:
    assert slugs(registry, "Länet utbildnings-, kultur- och fritidsförvaltningar samt barn- och "
                           "ungdomshälsan") == [
        ("Länet utbildnings-, kultur- och fritidsförvaltningar",
         "jonkopings-lan-utbildnings-kultur-och-fritidsforvaltningar"),
        ("barn- och ungdomshälsan", "barn-och-ungdomshalsan")]
    assert slugs(registry, "CHAP - Barnhälsa och föräldraskap (Uppsala Universitet)") == [
        ("CHAP - Barnhälsa och föräldraskap (Uppsala Universitet)",
         "chap-barnhalsa-och-foraldraskap")]


def test_group_references_resolve_to_the_group(registry: OrganisationRegistry) -> None:
    assert slugs(registry, "länets kommuner, medverkande kommuner") == [
        ("länets kommuner", "jonkopings-lan-kommuner"),
        ("medverkande kommuner", "jonkopings-lan-medverkande-kommuner")]


def test_elliptical_name_borrows_the_last_word_of_the_next(registry: OrganisationRegistry) -> None:
    assert slugs(registry, "den privata samt ideella sektorn") == [
        ("den privata", "jonkopings-lan-privata-sektorn"),
        ("ideella sektorn", "jonkopings-lan-civilsamhallet")]


def test_kalmar_lansstyrelsen_resolves_to_kalmar_body(two_counties: OrganisationRegistry) -> None:
    assert two_counties.resolve("Länsstyrelsen", "kalmar-lan").agent == \
        ID + "org/lansstyrelsen-i-kalmar-lan"
    assert two_counties.resolve("länets kommuner", "kalmar-lan").agent == \
        ID + "group/kalmar-lan-kommuner"


def test_jonkoping_lansstyrelsen_resolves_to_jonkoping_body(
        two_counties: OrganisationRegistry) -> None:
    assert two_counties.resolve("Länsstyrelsen", JONKOPING).agent == \
        ID + "org/lansstyrelsen-i-jonkopings-lan"


def test_same_named_bodies_without_a_county_are_only_a_guess(
        two_counties: OrganisationRegistry) -> None:
    result = two_counties.resolve("Länsstyrelsen", None)
    assert result.status == "guessed" and result.agent is None
    assert {c.iri for c in result.candidates} == {
        ID + "org/lansstyrelsen-i-jonkopings-lan", ID + "org/lansstyrelsen-i-kalmar-lan"}


def test_unit_of_another_county_is_not_taken_without_its_name(
        two_counties: OrganisationRegistry) -> None:
    result = two_counties.resolve("Sektion Folkhälsa", "kalmar-lan")
    assert result.status == "unresolved" and result.agent is None
    assert "Jönköpings län" in result.candidates[0].note
    # A name that says its county is accepted anywhere.
    assert two_counties.resolve("Jönköping University", "kalmar-lan").agent == \
        ID + "org/jonkoping-university"
    # A national body is the same body in every county.
    assert two_counties.resolve("Försäkringskassan", "kalmar-lan").agent == \
        ID + "org/forsakringskassan"


def test_fuzzy_match_proposes_but_never_merges(registry: OrganisationRegistry) -> None:
    result = registry.resolve("Sektion Folkhälsan", JONKOPING)
    assert result.status == "guessed"
    assert result.agent is None
    assert result.candidates[0].iri == ID + "org/sektion-folkhalsa"
    assert result.candidates[0].score >= 88
    nothing = registry.resolve("Okänd förening för fiskevård", JONKOPING)
    assert nothing.status == "unresolved" and nothing.agent is None


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_registry_spelling_resolves_under_case_and_unicode_form(data: st.DataObject) -> None:
    registry = _bundled()
    iri = data.draw(st.sampled_from(sorted(registry.labels)))
    name, _ = data.draw(st.sampled_from(registry.labels[iri]))
    form = data.draw(st.sampled_from(["NFC", "NFD"]))
    variant = unicodedata.normalize(form, data.draw(st.sampled_from(
        [name, name.upper(), name.lower(), f"  {name} "])))
    place = registry.agents[iri].place
    result = registry.resolve_exactly(variant, place)
    assert normalise(variant) == normalise(name)
    assert result.agent == iri or (result.status == "guessed" and iri in
                                   {c.iri for c in result.candidates})


_REGISTRY: list[OrganisationRegistry] = []


def _bundled() -> OrganisationRegistry:
    if not _REGISTRY:
        _REGISTRY.append(OrganisationRegistry.bundled())
    return _REGISTRY[0]
