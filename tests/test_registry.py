"""The national registry of Swedish public organisations: complete, generated from its CSV
files, loaded by every build, and the resolver's county context over all 21 counties."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.ingest.resolver import OrganisationRegistry
from planegraf.pipeline import open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.registry import GRAPH, main, read_registry, render
from planegraf.resources import registry_dir

ID = "https://w3id.org/planegraf/id/"

# Statistics Sweden's county codes and how many municipalities each county has (290 in all).
OFFICIAL_COUNTS = {
    "01": 26, "03": 8, "04": 9, "05": 13, "06": 13, "07": 8, "08": 12, "09": 1, "10": 5,
    "12": 33, "13": 6, "14": 49, "17": 16, "18": 12, "19": 10, "20": 15, "21": 10, "22": 7,
    "23": 8, "24": 15, "25": 14,
}
REGIONS = (
    "Region Stockholm", "Region Uppsala", "Region Sörmland", "Region Östergötland",
    "Region Jönköpings län", "Region Kronoberg", "Region Kalmar län", "Region Gotland",
    "Region Blekinge", "Region Skåne", "Region Halland", "Västra Götalandsregionen",
    "Region Värmland", "Region Örebro län", "Region Västmanland", "Region Dalarna",
    "Region Gävleborg", "Region Västernorrland", "Region Jämtland Härjedalen",
    "Region Västerbotten", "Region Norrbotten",
)
AGENCIES = (
    "Folkhälsomyndigheten", "Socialstyrelsen", "Försäkringskassan", "Arbetsförmedlingen",
    "Polismyndigheten", "Skolverket", "Migrationsverket", "Kriminalvården", "Trafikverket",
    "Myndigheten för delaktighet", "Sveriges Kommuner och Regioner",
)
# The organisations of the bundled Jönköping and Kalmar data, whose IRIs must not change.
BUNDLED_IRIS = (
    "org/jonkopings-kommun", "org/habo-kommun", "org/vaggeryds-kommun", "org/kalmar-kommun",
    "org/hogsby-kommun", "org/vasterviks-kommun", "org/region-jonkopings-lan",
    "org/region-kalmar-lan", "org/lansstyrelsen-i-jonkopings-lan",
    "org/lansstyrelsen-i-kalmar-lan", "org/arbetsformedlingen", "org/forsakringskassan",
    "group/jonkopings-lan-kommuner", "group/kalmar-lan-kommuner", "place/jonkopings-lan",
    "place/kalmar-lan", "place/sverige",
)


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return open_store()


@pytest.fixture(scope="module")
def resolver(store: EmbeddedStore) -> OrganisationRegistry:
    return OrganisationRegistry.from_store(store)


SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"


def _objects(store: EmbeddedStore, subject: str, predicate: str) -> list[ox.NamedNode | ox.Literal]:
    found = []
    for quad in store.oxigraph.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate),
                                                 None, None):
        if isinstance(quad.object, (ox.NamedNode, ox.Literal)) and quad.object not in found:
            found.append(quad.object)
    return found


def _subjects(store: EmbeddedStore, predicate: str, value: ox.NamedNode | ox.Literal,
              graph: str | None = None) -> list[str]:
    named = ox.NamedNode(graph) if graph else None
    return sorted({quad.subject.value for quad in store.oxigraph.quads_for_pattern(
        None, ox.NamedNode(predicate), value, named) if isinstance(quad.subject, ox.NamedNode)})


def _labels(store: EmbeddedStore, iri: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for label in _objects(store, iri, SKOS + "prefLabel"):
        assert isinstance(label, ox.Literal)
        found.setdefault(label.language or "", []).append(label.value)
    return found


def _sector(store: EmbeddedStore, iri: str) -> list[str]:
    return [o.value.rsplit("/", 1)[-1] for o in _objects(store, iri, ORG + "classification")]


def _one(store: EmbeddedStore, iri: str, predicate: str) -> str:
    (value,) = _objects(store, iri, predicate)
    return value.value


def _municipality_codes(store: EmbeddedStore) -> list[tuple[str, str, str]]:
    """(organisation, code, county code) for every four-digit code in the registry graph."""
    found = []
    for quad in store.oxigraph.quads_for_pattern(None, ox.NamedNode(DCT + "identifier"), None,
                                                 ox.NamedNode(GRAPH)):
        if len(quad.object.value) == 4:
            org = quad.subject.value
            place = _one(store, org, DCT + "spatial")
            found.append((org, quad.object.value, _one(store, place, DCT + "identifier")))
    return found


def _counties(store: EmbeddedStore) -> dict[str, str]:
    """County code → Swedish name."""
    found = {}
    for quad in store.oxigraph.quads_for_pattern(None, ox.NamedNode(DCT + "identifier"), None,
                                                 ox.NamedNode(GRAPH)):
        if len(quad.object.value) == 2:
            (name,) = _labels(store, quad.subject.value)["sv"]
            found[quad.object.value] = name
    return found


def _members(store: EmbeddedStore, group: str) -> set[str]:
    return {o.value for o in _objects(store, group, FOAF + "member")}


def test_every_county_has_its_official_number_of_municipalities(store: EmbeddedStore) -> None:
    codes = _municipality_codes(store)
    assert len(codes) == 290
    assert len({code for _, code, _ in codes}) == 290
    assert len({org for org, _, _ in codes}) == 290
    assert Counter(code[:2] for _, code, _ in codes) == OFFICIAL_COUNTS


def test_every_municipality_code_starts_with_its_countys_code(store: EmbeddedStore) -> None:
    wrong = [(org, code, county) for org, code, county in _municipality_codes(store)
             if not re.fullmatch(r"\d{4}", code) or code[:2] != county]
    assert wrong == []


@pytest.mark.parametrize("code, iri, county", [
    ("0180", "org/stockholms-kommun", "place/stockholms-lan"),
    ("0580", "org/linkopings-kommun", "place/ostergotlands-lan"),
    ("0680", "org/jonkopings-kommun", "place/jonkopings-lan"),
    ("0880", "org/kalmar-kommun", "place/kalmar-lan"),
    ("1280", "org/malmo-kommun", "place/skane-lan"),
    ("1480", "org/goteborgs-kommun", "place/vastra-gotalands-lan"),
    ("0980", "org/region-gotland", "place/gotlands-lan"),
])
def test_known_municipality_codes(store: EmbeddedStore, code: str, iri: str,
                                  county: str) -> None:
    (org,) = _subjects(store, DCT + "identifier", ox.Literal(code))
    assert org == ID + iri
    assert _one(store, org, DCT + "spatial") == ID + county


def test_each_region_county_board_and_agency_has_a_sector_and_both_labels(
        store: EmbeddedStore) -> None:
    counties = _counties(store)
    assert sorted(counties) == sorted(OFFICIAL_COUNTS)
    expected = {name: "region" for name in REGIONS}
    expected |= {f"Länsstyrelsen i {name}": "state-agency" for name in counties.values()}
    expected |= {name: "state-agency" for name in AGENCIES}
    expected["Sveriges Kommuner och Regioner"] = "civil-society"  # a member association
    missing = []
    for name, sector in expected.items():
        owners = _subjects(store, SKOS + "prefLabel", ox.Literal(name, language="sv"))
        if len(owners) != 1:
            missing.append((name, len(owners)))
            continue
        iri = owners[0]
        labels = _labels(store, iri)
        if _sector(store, iri) != [sector] or len(labels.get("sv", [])) != 1 \
                or len(labels.get("en", [])) != 1:
            missing.append((name, _sector(store, iri), labels))
    assert missing == []
    assert _labels(store, ID + "org/lansstyrelsen-i-ostergotlands-lan")["en"] == [
        "County Administrative Board of Östergötland"]


def test_bundled_organisations_keep_their_iris_and_one_swedish_name(
        store: EmbeddedStore) -> None:
    for iri in BUNDLED_IRIS:
        labels = _labels(store, ID + iri)
        assert len(labels.get("sv", [])) == 1, (iri, labels)
    assert _labels(store, ID + "org/jonkopings-kommun")["sv"] == ["Jönköpings kommun"]
    assert _labels(store, ID + "org/region-kalmar-lan")["sv"] == ["Region Kalmar län"]
    assert len(_members(store, ID + "group/jonkopings-lan-kommuner")) == 13
    assert len(_members(store, ID + "group/kalmar-lan-kommuner")) == 12


def test_habo_and_habo_with_a_ring_are_two_municipalities(store: EmbeddedStore) -> None:
    # Both names fold to the slug "habo": the bundled IRI stays Habo's (Jönköpings län).
    assert _labels(store, ID + "org/habo-kommun")["sv"] == ["Habo kommun"]
    assert _labels(store, ID + "org/habo-kommun-uppsala-lan")["sv"] == ["Håbo kommun"]


def test_the_committed_trig_is_what_the_csv_files_say() -> None:
    committed = (registry_dir() / "sweden.trig").read_bytes()
    assert committed == render(read_registry()), \
        "registry/sweden.trig is stale: run python -m planegraf.registry --write"
    assert main(["--check"]) == 0


def test_a_stale_trig_is_reported_and_rewritten(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    shutil.copytree(registry_dir(), folder)
    csv = folder / "municipalities.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("Malmö stad", "Malmö Stad"),
                   encoding="utf-8")
    assert main(["--check", "--folder", str(folder)]) == 1
    assert main(["--write", "--folder", str(folder)]) == 0
    assert b'"Malm\xc3\xb6 Stad"@sv' in (folder / "sweden.trig").read_bytes()
    assert main(["--check", "--folder", str(folder)]) == 0


def test_a_municipality_code_of_no_county_is_refused_with_file_and_line(
        tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    shutil.copytree(registry_dir(), folder)
    csv = folder / "municipalities.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("0114,", "0214,"),
                   encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "planegraf.registry", "--check",
                             "--folder", str(folder)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "municipalities.csv:2:" in result.stderr and "'0214'" in result.stderr


@pytest.mark.parametrize("spelling", ["Malmö stad", "Malmö kommun", "malmö  STAD"])
def test_malmo_stad_and_malmo_kommun_are_one_organisation(
        resolver: OrganisationRegistry, spelling: str) -> None:
    for county in (None, "12", "jonkopings-lan"):  # its own name says which one it is
        assert resolver.resolve(spelling, county).agent == ID + "org/malmo-kommun"


@pytest.mark.parametrize("spelling", [
    "Länsstyrelsen", "Länsstyrelsen Östergötland", "Länsstyrelsen i Östergötlands län",
    "Länsstyrelsen Östergötlands län"])
def test_lansstyrelsen_in_an_ostergotland_document_is_ostergotlands_board(
        resolver: OrganisationRegistry, spelling: str) -> None:
    assert resolver.resolve(spelling, "05").agent == \
        ID + "org/lansstyrelsen-i-ostergotlands-lan"


def test_lanets_kommuner_in_an_ostergotland_document_is_its_13_municipalities(
        resolver: OrganisationRegistry, store: EmbeddedStore) -> None:
    group = resolver.resolve("Länets kommuner", "05").agent
    assert group == ID + "group/ostergotlands-lan-kommuner"
    assert group is not None
    members = _members(store, group)
    assert len(members) == 13
    assert ID + "org/linkopings-kommun" in members and ID + "org/motala-kommun" in members


@pytest.mark.parametrize("code", sorted(OFFICIAL_COUNTS))
def test_county_context_works_for_every_county(resolver: OrganisationRegistry,
                                               store: EmbeddedStore, code: str) -> None:
    registry = read_registry()
    county = registry.county(code)
    assert resolver.resolve("Länsstyrelsen", code).agent == county.board
    assert resolver.resolve("Regionen", code).agent == county.region
    group = resolver.resolve("länets kommuner", code).agent
    assert group == county.municipalities_group
    assert len(_members(store, group)) == OFFICIAL_COUNTS[code]
    assert resolver.county_place(county.name_sv) == county.place


def test_same_named_bodies_of_other_counties_are_not_taken(
        resolver: OrganisationRegistry) -> None:
    kalmar = resolver.resolve("Länsstyrelsen", "08")
    assert kalmar.agent == ID + "org/lansstyrelsen-i-kalmar-lan"
    assert resolver.resolve("Länsstyrelsen", "05").agent != kalmar.agent
    # Without a county, "Länsstyrelsen" could be any of 21: a question, not an answer.
    unplaced = resolver.resolve("Länsstyrelsen")
    assert unplaced.agent is None and len(unplaced.candidates) >= 3


def test_an_unknown_county_code_is_refused(resolver: OrganisationRegistry) -> None:
    with pytest.raises(ValueError, match="no county has the code '02'"):
        resolver.resolve("Länsstyrelsen", "02")


@pytest.mark.parametrize("spelling, agent", [
    ("Region Sörmland", "org/region-sormland"),
    ("Länsstyrelsen Sörmland", "org/lansstyrelsen-i-sodermanlands-lan"),
    ("Västra Götalandsregionen", "org/vastra-gotalandsregionen"),
    ("Länsstyrelsen i Östergötlands län", "org/lansstyrelsen-i-ostergotlands-lan"),
    ("Göteborgs stad", "org/goteborgs-kommun"),
])
def test_a_name_that_says_its_county_resolves_in_another_countys_document(
        resolver: OrganisationRegistry, spelling: str, agent: str) -> None:
    assert resolver.resolve(spelling, "jonkopings-lan").agent == ID + agent
