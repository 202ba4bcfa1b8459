"""Plans written as headings, bullets and prose: the Kalmar 2023 document (themes with
"Planskrivning" and "Aktivitet") and the 2016–2017 page (titled activities). Importing them
reproduces the curated graphs; every difference left is listed here with its reason.

Also: only what the source says (follow-ups, deadlines, future parties, places, inferred
roles marked ``pg:stated false``) and the checks at import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from planegraf.ids import graph_iri
from planegraf.ingest import ImportResult, ImportSettings, import_document, import_spreadsheet
from planegraf.ingest.report import report_json, report_markdown
from planegraf.namespaces import CV, PG
from planegraf.pipeline import check
from planegraf.resources import graph_dir

ID = "https://w3id.org/planegraf/id/"
Triple = tuple[str, str, str]

# Each difference between the import and the curated graph that is right, with its reason:
# (reason, test on a triple that only one side has, "+" import only / "-" curated only).
Justification = tuple[str, Callable[[Triple], bool], str]

LOCATORS = (str(PG.line), str(PG.endLine))
JUSTIFIED: dict[str, list[Justification]] = {
    "kalmar-pa-2023": [
        ("The curated Kalmar graph also defines Region Kalmar's strategy and its nine areas "
         "(the document is the only source for them); the importer links to them and does "
         "not define them again.",
         lambda t: t[0].startswith((ID + "strategy/", ID + "area/")), "-"),
        ("The plan's English title and its description (a bullet of the introduction chosen "
         "by the curator) are the curator's words; the importer writes the Swedish title "
         "and the period.",
         lambda t: t[0] == ID + "plan/kalmar-pa-2023"
         and t[1] in (str(DCTERMS.description), str(DCTERMS.title)), "-"),
        ("A steering group's participation is described by the sentence that names it "
         "(line 24), not by the activity's label (the curated graph repeats the label).",
         lambda t: t[0].endswith("/1-1/steering-group/kalmar-lan-lansgemensam-ledning-i-"
                                 "samverkan") and t[1] == str(DCTERMS.description), "+-"),
    ],
    "rjl-hp-2016-2017": [
        ("The inferred coordinator's description: the curated graph quotes the page's "
         "header ('Region Jnkpings ln Folkhälsa'); the importer says the same in the "
         "words it uses for every document.",
         lambda t: "/coordinator/sektion-folkhalsa" in t[0]
         and t[1] == str(DCTERMS.description), "+-"),
        ("The curator's note that only area 7 is held, and the strategy's alternative "
         "title the page uses ('Tillsammans för en jämlik hälsa …'), are notes on the data, "
         "not readings of the page.",
         lambda t: t[1] in (str(SKOS.editorialNote), str(DCTERMS.alternative)), "-"),
    ],
}


def _triples(dataset: Dataset, key: str) -> set[Triple]:
    graph = dataset.graph(URIRef(str(graph_iri(key))))
    return {(str(s), str(p), str(o)) for s, p, o in graph}


def _import(sources: Path, name: str, key: str) -> ImportResult:
    return import_document(sources / name, ImportSettings(plan_key=key))


@pytest.fixture(scope="module")
def kalmar(sources: Path) -> ImportResult:
    return _import(sources, "kalmar-prioriterade-aktiviteter-2023.txt", "kalmar-pa-2023")


@pytest.fixture(scope="module")
def page_2016(sources: Path) -> ImportResult:
    return _import(sources, "rjl-forsorjning-och-sysselsattning-2016-2017.txt",
                   "rjl-hp-2016-2017")


@pytest.mark.parametrize("key", ["kalmar-pa-2023", "rjl-hp-2016-2017"])
def test_importing_a_prose_plan_reproduces_the_curated_graph(
        key: str, kalmar: ImportResult, page_2016: ImportResult) -> None:
    result = kalmar if key == "kalmar-pa-2023" else page_2016
    curated = Dataset()
    curated.parse(graph_dir() / f"{key}.trig", format="trig")
    imported, expected = _triples(result.dataset, key), _triples(curated, key)
    unexplained: list[str] = []
    used: set[str] = set()
    for side, triples in (("+", imported - expected), ("-", expected - imported)):
        for triple in sorted(triples):
            reason = next((r for r, applies, sides in JUSTIFIED[key]
                           if side in sides and applies(triple)), None)
            if reason is None:
                unexplained.append(f"{side} {triple}")
            else:
                used.add(reason)
    assert not unexplained, "unjustified differences:\n" + "\n".join(unexplained)
    assert used == {reason for reason, _, _ in JUSTIFIED[key]}, "a listed difference is gone"


def _participants(result: ImportResult) -> set[tuple[str, str, str, bool]]:
    return {(r.key, m.role, (m.agent or "").rsplit("/", 1)[-1], m.stated)
            for r in result.rows for m in r.participations()}


def test_kalmar_activities_only_what_the_source_says(kalmar: ImportResult) -> None:
    rows = {r.key: r for r in kalmar.rows}
    assert len(rows) == 26 and sorted(kalmar.source.areas) == list(range(1, 10))
    participants = _participants(kalmar)
    # Line 55: Högsby is where the work happens, not a partner.
    assert not any(p[0] == "3-1" and p[2] == "hogsby-kommun" for p in participants)
    assert rows["3-1"].row.places == ["Högsby"]
    # Line 117: parties the agreement "ska utökas med" are not current partners.
    assert {p[2] for p in participants if p[0] == "7-2"} == {"region-kalmar-lan",
                                                            "coompanion-kalmar-lan"}
    # Stated roles: Mörbylånga runs 1-1 (line 22); no one is named for 2-1.
    assert ("1-1", "coordinator", "morbylanga-kommun", True) in participants
    assert ("2-1", "coordinator", "region-kalmar-lan", False) in participants
    assert sum(1 for p in participants if not p[3]) == 24
    # Timing words are a deadline, never a follow-up measure.
    assert rows["5-1"].row.deadline == "augusti 2023"
    assert rows["8-2"].row.deadline == "januari 2023"
    assert all(not r.row.follow_up for r in kalmar.rows)
    notes = " ".join(n.en for n in kalmar.source.notes)
    assert "«Högsby» is a place" in notes and "«Länsstyrelse» is a future party" in notes


def test_the_2016_page_names_no_coordinator_so_each_is_inferred(
        page_2016: ImportResult) -> None:
    participants = _participants(page_2016)
    assert len(page_2016.rows) == 11
    assert participants == {(f"7-{n}", "coordinator", "sektion-folkhalsa", False)
                            for n in range(1, 12)}
    # "Förstudie genomförd av Coompanion" (earlier work), "LRF:s satsning" (a genitive).
    notes = " ".join(n.en for n in page_2016.source.notes)
    assert "author of earlier work" in notes and "a genitive" in notes


def test_no_contact_person_of_the_2016_page_is_read(page_2016: ImportResult) -> None:
    out = page_2016.trig().decode("utf-8") + report_markdown(page_2016, "sv")
    for personal in ("Jesper Ekberg", "036-32 42 01", "Marie Persson"):
        assert personal not in out


@pytest.mark.parametrize("name", ["kalmar-prioriterade-aktiviteter-2023.txt",
                                  "rjl-forsorjning-och-sysselsattning-2016-2017.txt"])
def test_import_command_no_longer_refuses_the_prose_layouts(
        name: str, sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.trig"
    done = subprocess.run([sys.executable, "-m", "planegraf.cli", "import",
                           str(sources / name), "-o", str(out), "--lang", "en"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.with_suffix(".report.json").read_text(encoding="utf-8"))
    assert data["layout"] in ("themes", "titles")
    assert any(m["stated"] is False for r in data["rows"] for m in r["mentions"])
    report = out.with_suffix(".report.md").read_text(encoding="utf-8")
    assert "roles inferred (the publisher as coordinator)" in report


def test_imported_prose_plans_pass_the_shapes(sources: Path, page_2016: ImportResult,
                                              tmp_path: Path) -> None:
    # Under a key of its own: the curated Kalmar graph also holds the strategy and its
    # areas, which an import under the same key would replace.
    kalmar = _import(sources, "kalmar-prioriterade-aktiviteter-2023.txt", "kalmar-import")
    for name, result in (("kalmar.trig", kalmar), ("2016.trig", page_2016)):
        (tmp_path / name).write_bytes(result.trig())
    _, report = check([tmp_path / "kalmar.trig", tmp_path / "2016.trig"])
    assert report.conforms, report.text("en")


def test_every_participation_says_whether_it_is_stated(kalmar: ImportResult) -> None:
    graph = kalmar.dataset.graph(URIRef(str(graph_iri("kalmar-pa-2023"))))
    participations = set(graph.subjects(None, CV.Participation))
    assert participations
    for node in participations:
        values = list(graph.objects(node, PG.stated))
        assert len(values) == 1 and isinstance(values[0], Literal)
    no_measure = {str(o) for f in graph.objects(None, PG.followUp)
                  for o in graph.objects(f, RDFS.label)}
    assert no_measure == {"Källan anger inget uppföljningsmått för aktiviteten.",
                          "The source states no follow-up measure for this activity."}


# -- checks at import --------------------------------------------------------------------------

SHEET_HEADER = ("Plan,Handlingsområde,Aktivitet,Uppföljning,Samordningsansvariga,"
                "Samverkansparter,Period\n")


def test_an_activity_period_outside_the_plans_is_reported(tmp_path: Path) -> None:
    sheet = tmp_path / "aktiviteter.csv"
    sheet.write_text(SHEET_HEADER
                     + "rjl-hp-2018-2020,1,Inom planen,Rapport,Futurum,,2018-2019\n"
                     + "rjl-hp-2018-2020,1,Utanför planen,Rapport,Futurum,,2019-2022\n",
                     encoding="utf-8")
    result = import_spreadsheet(sheet)
    data = report_json(result)
    assert len(data["checks"]["en"]) == 1
    assert "2019–2022 lies outside the plan's 2018–2020" in data["checks"]["en"][0]
    assert "ligger utanför planens 2018–2020" in report_markdown(result, "sv")


def test_an_activity_whose_only_coordinator_was_guessed_is_reported(tmp_path: Path) -> None:
    sheet = tmp_path / "aktiviteter.csv"
    sheet.write_text(SHEET_HEADER
                     + "rjl-hp-2018-2020,1,Gissad,Rapport,Futurumm,Qulturum,2019\n"
                     + "rjl-hp-2018-2020,1,Säker,Rapport,Futurum,Qulturum,2019\n",
                     encoding="utf-8")
    result = import_spreadsheet(sheet)
    found = report_json(result)["checks"]["en"]
    assert len(found) == 1
    assert "only coordinator was only guessed («Futurumm»)" in found[0]
    assert "will not validate" in found[0]
    assert "kommer inte att klara valideringen" in report_markdown(result, "sv")
