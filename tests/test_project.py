"""A region's own planegraf: init, import into the project, organisations fixed through the
sheet, build, and every command answering from the project's one dataset (issue 11)."""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from planegraf.project import Project

from .cli import invoke
from .conftest import FIXTURES
from .servers import oxigraph_server

# A plan document of Östergötland in the table layout the importer reads (written for these
# tests: Region Östergötland coordinates; one spelling is wrong, one association is unknown).
PLAN = (FIXTURES / "documents" / "ostergotland-plan-2024-2025.txt").read_text(encoding="utf-8")
TITLE = "Handlingsplan för folkhälsa i Östergötland"


def _sheet(path: Path) -> Path:
    """An activity sheet of the same county, as a user fills the template in a spreadsheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Plan", "Handlingsområde", "Aktivitet", "Uppföljning",
                  "Samordningsansvariga", "Samverkansparter", "Period"])
    sheet.append(["og-aktiviteter-2025", 2, "Kartlägga vägar till arbete för unga vuxna",
                  "Genomförd kartläggning", "Region Östergötland", "Arbetsförmedlingen",
                  "2025-2025"])
    book.save(path)
    return path


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project made, filled and built as a new user would, step by step."""
    home = tmp_path_factory.mktemp("region")
    documents = home / "documents"
    documents.mkdir()
    plan = documents / "handlingsplan-2024-2025.txt"
    plan.write_text(PLAN, encoding="utf-8")

    made = invoke("init", "ostergotland", "--county", "05", cwd=home)
    assert made.exit_code == 0, made.output
    project = home / "ostergotland"

    first = invoke("import", str(plan), "--title", TITLE, "--period", "2024-2025", "-q",
                   cwd=project)
    assert first.exit_code == 1, first.output  # two mentions left to decide on
    decisions = project / "imports" / "handlingsplan-2024-2025-organisationer.xlsx"
    book = load_workbook(decisions)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        mention = row[header.index("Omnämnande")].value
        if mention == "Regon Östergötland":
            row[header.index("Beslut")].value = "samma som 1"
        elif mention == "Friskvårdsförbundet Öst":
            row[header.index("Beslut")].value = "ny organisation"
            row[header.index("Sektor")].value = "civil-society"
    book.save(decisions)
    added = invoke("organisations", "add", str(decisions), "-q", cwd=project)
    assert added.exit_code == 0, added.output

    again = invoke("import", str(plan), "--title", TITLE, "--period", "2024-2025",
                   "--replace", "-q", cwd=project)
    assert again.exit_code == 0, again.output
    sheet_import = invoke("import", str(_sheet(documents / "aktiviteter.xlsx")), "-q",
                          cwd=project)
    assert sheet_import.exit_code == 0, sheet_import.output

    built = invoke("build", "-q", cwd=project)
    assert built.exit_code == 0, built.output
    yield project


def test_a_new_region_gets_a_project_with_its_county_and_region(region: Path) -> None:
    config = Project.open(region).config
    assert config.counties == ("05",)
    assert config.publisher == "Region Östergötland"
    for made in ("planegraf.toml", "graph", "organisations.trig", "queries", ".gitignore",
                 "README.md"):
        assert (region / made).exists(), made
    assert "out/" in (region / ".gitignore").read_text(encoding="utf-8")
    assert "planegraf import" in (region / "README.md").read_text(encoding="utf-8")


def test_an_unknown_organisation_fixed_in_the_sheet_resolves_on_the_next_import(
        region: Path) -> None:
    plan = (region / "graph" / "handlingsplan-2024-2025.trig").read_text(encoding="utf-8")
    assert "org/friskvardsforbundet-ost" in plan
    assert plan.count("org/region-ostergotland") >= 2  # "Regon Östergötland" is the region
    organisations = (region / "organisations.trig").read_text(encoding="utf-8")
    assert '"Regon Östergötland"@sv' in organisations


def test_the_site_shows_the_imported_plan_with_its_title(region: Path) -> None:
    site = region / "out" / "site"
    pages = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html")
                    if "plan" in p.as_posix())
    assert f"{TITLE} 2024–2025" in pages
    dataset = (site / "dataset.ttl").read_text(encoding="utf-8")
    assert "region-ostergotland" in dataset and "region-jonkopings-lan" not in dataset
    assert "place/ostergotlands-lan" in dataset


def test_the_regions_site_opens_with_the_projects_title(region: Path) -> None:
    # Not planegraf's generic "folkhälsostrategi och handlingsplaner": the title the region
    # gave its project (planegraf.toml), which its DCAT description publishes too.
    site = region / "out" / "site"
    config = Project.open(region).config
    for page, lang in (("index.html", "sv"), ("index.en.html", "en")):
        text = (site / page).read_text(encoding="utf-8")
        title = html.escape(config.title(lang), quote=False)
        assert f"<h1>{title}</h1>" in text, page
        assert f"<title>{title} – planegraf</title>" in text, page
    assert "Östergötland" in config.title("sv")


def test_an_empty_answer_for_the_demonstrations_defaults_says_so(region: Path) -> None:
    # The catalogue's defaults name Jönköping and Kalmar: in Östergötland's project their
    # empty answers must not read as "nothing in the data answers the question".
    asked = invoke("query", "counties-side-by-side", cwd=region)
    assert asked.exit_code == 0, asked.output
    assert "standardvärden" in asked.stderr and "place/jonkopings-lan" in asked.stderr
    chosen = invoke("query", "counties-side-by-side", "--param", "left_county=05",
                    "--param", "right_county=05", "--lang", "en", cwd=region)
    assert chosen.exit_code == 0, chosen.output
    assert "default" not in chosen.stderr and "Östergötland" in chosen.stdout
    page = (region / "out" / "site" / "queries" / "counties-side-by-side.html").read_text(
        encoding="utf-8")
    assert 'id="answer-defaults"' in page and "place/kalmar-lan" in page
    assert "ingenting i datan svarar mot frågan" not in page  # not known: the note says why
    english = (region / "out" / "site" / "queries" / "counties-side-by-side.en.html")
    english_page = english.read_text(encoding="utf-8")
    assert "default values (Left county = place/jonkopings-lan" in english_page
    assert "nothing in the data answers the question" not in english_page


def test_network_and_gap_report_include_the_imported_plan(region: Path) -> None:
    network = invoke("metrics", "--plan", "handlingsplan-2024-2025", "--format", "json", "-q",
                     cwd=region)
    assert network.exit_code == 0, network.output
    names = {o["label"] for o in json.loads(network.stdout)["organisations"]}
    assert {"Region Östergötland", "Friskvårdsförbundet Öst", "Arbetsförmedlingen"} <= names
    gaps = invoke("gaps", "--plan", "handlingsplan-2024-2025", "--format", "json", "-q",
                  cwd=region)
    assert gaps.exit_code == 0, gaps.output
    assert any("handlingsplan-2024-2025" in (g.get("plan") or "")
               for g in json.loads(gaps.stdout)["gaps"])


def test_query_answers_on_the_imported_plan_locally_and_after_publish(region: Path) -> None:
    local = invoke("query", "plans-overview", "--format", "csv", "-q", cwd=region)
    assert local.exit_code == 0, local.output
    assert TITLE in local.stdout and "og-aktiviteter-2025" in local.stdout
    assert "planegraf: datamängden är inaktuell" not in local.stderr
    with oxigraph_server() as base_url:
        published = invoke("publish", "--endpoint", f"{base_url}/query", "-q", cwd=region)
        assert published.exit_code == 0, published.output
        remote = invoke("query", "plans-overview", "--format", "csv", "-q",
                        "--endpoint", f"{base_url}/query", cwd=region)
        assert remote.exit_code == 0, remote.output
        assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())
        gaps = invoke("gaps", "--plan", "handlingsplan-2024-2025", "--format", "csv", "-q",
                      "--endpoint", f"{base_url}/query", cwd=region)
        assert gaps.exit_code == 0, gaps.output
        local_gaps = invoke("gaps", "--plan", "handlingsplan-2024-2025", "--format", "csv",
                            "-q", cwd=region)
        assert gaps.stdout == local_gaps.stdout
        remote_metrics = invoke("metrics", "--plan", "handlingsplan-2024-2025", "--format",
                                "json", "-q", "--endpoint", f"{base_url}/query", cwd=region)
        local_metrics = invoke("metrics", "--plan", "handlingsplan-2024-2025", "--format",
                               "json", "-q", cwd=region)
        assert remote_metrics.exit_code == 0, remote_metrics.output
        remote_json, local_json = json.loads(remote_metrics.stdout), json.loads(
            local_metrics.stdout)
        assert remote_json.keys() == local_json.keys()
        assert sorted(o["label"] for o in remote_json["organisations"]) == sorted(
            o["label"] for o in local_json["organisations"])


def test_commands_find_the_project_from_a_subfolder(region: Path) -> None:
    inside = region / "graph"
    answer = invoke("query", "plans-overview", "--format", "csv", "-q", cwd=inside)
    assert TITLE in answer.stdout
    assert "rjl-hp-2018-2020" not in answer.stdout and "Jönköping" not in answer.stdout


def test_a_changed_source_makes_commands_say_the_dataset_is_stale(
        region: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(region, copy)
    plan = copy / "graph" / "handlingsplan-2024-2025.trig"
    plan.write_text(plan.read_text(encoding="utf-8").replace(TITLE, "Ny titel"),
                    encoding="utf-8")
    # The project's language is Swedish: so is the warning, unless --lang says otherwise.
    answer = invoke("query", "plans-overview", "--format", "csv", "-q", cwd=copy)
    assert answer.exit_code == 0, answer.output
    assert ("datamängden är inaktuell: graph/handlingsplan-2024-2025.trig har ändrats sedan "
            "det senaste bygget") in answer.stderr
    assert "Ny titel" in answer.stdout  # answered from the sources as they are now
    english = invoke("query", "plans-overview", "--format", "csv", "-q", "--lang", "en",
                     cwd=copy)
    assert ("the dataset is stale: graph/handlingsplan-2024-2025.trig changed since the last "
            "build") in english.stderr


def test_import_refuses_to_overwrite_a_plan_without_replace(region: Path, tmp_path: Path
                                                            ) -> None:
    plan = tmp_path / "handlingsplan-2024-2025.txt"
    plan.write_text(PLAN, encoding="utf-8")
    before = (region / "graph" / "handlingsplan-2024-2025.trig").read_bytes()
    refused = invoke("import", str(plan), "-q", cwd=region)
    assert refused.exit_code == 2
    assert "--replace" in refused.stderr
    assert (region / "graph" / "handlingsplan-2024-2025.trig").read_bytes() == before


def test_import_never_takes_the_key_of_a_bundled_plan(region: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    refused = invoke("import", str(plan), "--plan-key", "rjl-hp-2018-2020", "--replace", "-q",
                     "--lang", "en", cwd=region)
    assert refused.exit_code == 2
    assert "bundled plan" in refused.stderr
    assert not (region / "graph" / "rjl-hp-2018-2020.trig").exists()


def test_decision_sheet_lists_every_open_mention_with_candidates(region: Path) -> None:
    rows = list(csv.DictReader((region / "imports" / "handlingsplan-2024-2025-organisationer.csv"
                                ).open(encoding="utf-8")))
    by_mention = {r["Omnämnande"]: r for r in rows}
    assert set(by_mention) == {"Regon Östergötland", "Friskvårdsförbundet Öst"}
    assert "org/region-ostergotland" in by_mention["Regon Östergötland"]["Kandidat 1"]


def test_organisations_list_filters_by_county_and_text(region: Path) -> None:
    listed = invoke("organisations", "list", "--county", "05", "-q", cwd=region)
    assert listed.exit_code == 0, listed.output
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert "Region Östergötland" in names and "Friskvårdsförbundet Öst" in names
    assert "Region Jönköpings län" not in names
    searched = invoke("organisations", "list", "--search", "friskvård", "-q", cwd=region)
    assert [line.split("\t")[0] for line in searched.stdout.splitlines()] == [
        "Friskvårdsförbundet Öst"]


def test_init_refuses_a_folder_with_the_users_files(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "anteckningar.docx").write_bytes(b"my notes")
    refused = invoke("init", str(folder), "--county", "05")
    assert refused.exit_code == 2
    assert "anteckningar.docx" in refused.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["anteckningar.docx"]


def test_init_refuses_an_existing_project(region: Path) -> None:
    before = (region / "planegraf.toml").read_bytes()
    refused = invoke("init", str(region), "--county", "08")
    assert refused.exit_code == 2
    assert (region / "planegraf.toml").read_bytes() == before


def test_init_takes_the_county_by_name_and_the_publisher_and_language(tmp_path: Path) -> None:
    made = invoke("init", str(tmp_path / "k"), "--county", "Kronobergs län", "--publisher",
                  "Kronobergs folkhälsoråd", "--lang", "en")
    assert made.exit_code == 0, made.output
    config = Project.open(tmp_path / "k").config
    assert (config.counties, config.publisher, config.language) == (
        ("07",), "Kronobergs folkhälsoråd", "en")


def test_the_dataset_description_names_the_projects_publisher_not_jonkoping(
        tmp_path: Path) -> None:
    made = invoke("init", str(tmp_path / "kalmar"), "--county", "08")
    assert made.exit_code == 0, made.output
    described = invoke("describe", "-q", cwd=tmp_path / "kalmar")
    assert described.exit_code == 0, described.output
    text = described.stdout
    assert "org/region-kalmar-lan" in text and "region-jonkopings-lan" not in text
    assert "dct:issued" in text and "dct:modified" in text
    assert "place/kalmar-lan" in text


def test_describe_check_exits_1_when_it_prints_a_violation(tmp_path: Path) -> None:
    data = tmp_path / "address.trig"
    data.write_text(
        "@prefix cv: <http://data.europa.eu/m8g/> .\n"
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://w3id.org/planegraf/id/graph/test> {\n"
        "  <https://w3id.org/planegraf/id/org/testmyndigheten> a cv:PublicOrganisation ,"
        " org:Organization ;\n"
        '    skos:prefLabel "Testmyndigheten"@sv ;\n'
        "    org:classification <https://w3id.org/planegraf/id/sector/state-agency> ;\n"
        '    <http://www.w3.org/ns/locn#address> "Storgatan 1" .\n}\n', encoding="utf-8")
    checked = invoke("describe", "--check", "--data", str(data), "-q", "--lang", "en",
                     cwd=tmp_path)
    assert "[Violation]" in checked.stdout
    assert checked.exit_code == 1
    assert "Deliberate deviations" in checked.stdout


def test_describe_check_lists_the_deliberate_deviations_apart(tmp_path: Path) -> None:
    checked = invoke("describe", "--check", "-q", "--lang", "en", cwd=tmp_path)
    assert checked.exit_code == 0, checked.output
    assert "[Violation]" not in checked.stdout
    assert "[Deliberate]" in checked.stdout and "skos:altLabel" in checked.stdout


def test_a_swedish_describe_check_reports_in_swedish(tmp_path: Path) -> None:
    checked = invoke("describe", "--check", "-q", "--lang", "sv", cwd=tmp_path)
    assert checked.exit_code == 0, checked.output
    text = checked.stdout
    assert "DCAT-AP 3.0.1: 0 fel" in text
    assert "Avsiktliga avvikelser (räknas inte som fel):" in text
    assert "[Avsiktlig]" in text and "planegraf behåller varje stavning" in text
    # planegraf's own words are Swedish; only the SEMIC shapes' quoted messages are not.
    for english in ("violation(s)", "Deliberate", "recommendation", "claimed only",
                    "never invents", "are checked"):
        assert english not in text, english


def test_the_projects_own_questions_join_the_catalogue(region: Path) -> None:
    question = region / "queries" / "activities-of-the-region.rq"
    question.write_text(
        "#+ title: Regionens aktiviteter @sv\n"
        "#+ title: The region's activities @en\n"
        "PREFIX pg: <https://w3id.org/planegraf/def#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?label WHERE { ?activity a pg:Activity ; rdfs:label ?label } ORDER BY ?label\n",
        encoding="utf-8")
    try:
        listed = invoke("queries", "-q", cwd=region)
        assert "activities-of-the-region" in listed.stdout and "Regionens aktiviteter" in (
            listed.stdout)
        answer = invoke("query", "activities-of-the-region", "--format", "csv", "-q",
                        cwd=region)
        assert answer.exit_code == 0, answer.output
        assert "Utveckla föräldrastöd i länet." in answer.stdout
    finally:
        question.unlink()


def test_the_site_from_an_unreachable_endpoint_is_a_clear_error_and_writes_nothing(
        region: Path, tmp_path: Path) -> None:
    refused = invoke("site", "-o", str(tmp_path / "site"), "--endpoint",
                     "http://127.0.0.1:9/query", "-q", cwd=region)
    assert refused.exit_code == 2
    assert "http://127.0.0.1:9/query" in refused.stderr
    assert not (tmp_path / "site").exists()
