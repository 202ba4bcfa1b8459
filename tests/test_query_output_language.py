"""Query answers in the chosen language (issue 14.1): tables and Markdown carry the headings
of the query's header, ja/nej (yes/no) and decimal commas in Swedish; CSV and JSON are data
(variable names, values as written) unless a CSV is asked for with headings."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from planegraf.pipeline import open_store
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.queries import bind_parameters, catalogue, parse_query_text

from .cli import invoke

QUESTION = "single-organisation-activities"


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(open_store())


@pytest.mark.parametrize("query", catalogue(), ids=lambda q: q.name)
def test_every_column_a_catalogue_question_answers_has_a_heading_in_swedish_and_english(
        query: object, engine: EmbeddedEngine) -> None:
    answer = engine.run(query, bind_parameters(query, {}, lang="sv"))  # type: ignore[arg-type]
    assert answer.solutions is not None
    missing = [(variable, lang) for variable in answer.solutions.variables
               for lang in ("sv", "en") if not query.has_heading(variable, lang)]  # type: ignore[attr-defined]
    assert missing == []
    for variable in answer.solutions.variables:
        # a heading of its own language: the English heading is not a copy of the Swedish
        # one unless the word is the same in both (Organisation, Sektor/Sector differ)
        assert query.heading(variable, "sv") != variable or variable == "lang"  # type: ignore[attr-defined]


def test_the_swedish_table_shows_swedish_headings_and_ja_nej_not_variable_names() -> None:
    done = invoke("query", QUESTION, "--lang", "sv", "-q")
    assert done.exit_code == 0, done.stderr
    heading, _, *rows = done.stdout.splitlines()
    assert heading.split() == ["Handlingsplan", "Nummer", "Aktivitet", "Organisation",
                               "Angiven"]
    assert "activityNumber" not in done.stdout and "agent" not in heading
    stated = {row.split()[-1] for row in rows}
    assert stated <= {"ja", "nej"} and "nej" in stated
    assert "true" not in done.stdout and "false" not in done.stdout


def test_the_english_markdown_shows_english_headings_and_yes_no() -> None:
    done = invoke("query", QUESTION, "--lang", "en", "--format", "md", "-q")
    assert done.exit_code == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "| Action plan | Number | Activity | Organisation | Stated |"
    assert {line.rsplit("|", 2)[-2].strip() for line in lines[2:]} <= {"yes", "no"}


def _sparql_file(tmp_path: Path) -> Path:
    query = tmp_path / "decimals.rq"
    query.write_text(
        "#+ column: share Andel @sv\n#+ column: share Share @en\n"
        "#+ column: ok Godkänd @sv\n#+ column: ok Approved @en\n"
        "SELECT ?share ?ok WHERE { VALUES (?share ?ok) { (2.5 true) (0.125 false) } }\n",
        encoding="utf-8")
    return query


def test_swedish_tables_and_markdown_write_decimal_commas(tmp_path: Path) -> None:
    query = _sparql_file(tmp_path)
    table = invoke("sparql", str(query), "--lang", "sv", "-q")
    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == ["Andel", "Godkänd"]
    assert "2,5" in table.stdout and "0,125" in table.stdout and "2.5" not in table.stdout
    markdown = invoke("sparql", str(query), "--lang", "sv", "--format", "md", "-q")
    assert "| 2,5 | ja |" in markdown.stdout and "| 0,125 | nej |" in markdown.stdout
    english = invoke("sparql", str(query), "--lang", "en", "--format", "md", "-q")
    assert "| 2.5 | yes |" in english.stdout


def test_csv_and_json_keep_variable_names_and_values_whatever_the_language(
        tmp_path: Path) -> None:
    query = _sparql_file(tmp_path)
    sv = invoke("sparql", str(query), "--lang", "sv", "--format", "csv", "-q").stdout
    en = invoke("sparql", str(query), "--lang", "en", "--format", "csv", "-q").stdout
    assert sv == en
    assert list(csv.reader(io.StringIO(sv))) == [["share", "ok"], ["2.5", "true"],
                                                 ["0.125", "false"]]
    data = json.loads(invoke("sparql", str(query), "--lang", "sv", "--format", "json",
                             "-q").stdout)
    assert data == [{"share": 2.5, "ok": True}, {"share": 0.125, "ok": False}]


def test_a_csv_for_people_carries_the_headings_and_values_of_its_language(
        tmp_path: Path) -> None:
    decimals = list(csv.reader(io.StringIO(invoke(
        "sparql", str(_sparql_file(tmp_path)), "--lang", "sv", "--format", "csv", "--headings",
        "-q").stdout)))
    assert decimals == [["Andel", "Godkänd"], ["2,5", "ja"], ["0,125", "nej"]]
    done = invoke("query", QUESTION, "--lang", "sv", "--format", "csv", "--headings", "-q")
    assert done.exit_code == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["Handlingsplan (IRI)", "Handlingsplan", "Aktivitet (IRI)", "Nummer",
                       "Aktivitet", "Organisation (IRI)", "Organisation", "Angiven"]
    plain = list(csv.reader(io.StringIO(invoke("query", QUESTION, "--format", "csv",
                                               "-q").stdout)))
    # the same rows; the values as the Swedish table shows them
    words = {"true": "ja", "false": "nej"}
    assert rows[1:] == [row[:-1] + [words[row[-1]]] for row in plain[1:]]


def test_an_ask_answer_reads_ja_in_swedish_and_true_in_json(tmp_path: Path) -> None:
    query = tmp_path / "ask.rq"
    query.write_text("ASK { ?s ?p ?o }\n", encoding="utf-8")
    assert invoke("sparql", str(query), "--lang", "sv", "-q").stdout == "ja\n"
    assert invoke("sparql", str(query), "--lang", "en", "-q").stdout == "yes\n"
    assert invoke("sparql", str(query), "--format", "json", "-q").stdout == "true\n"


def test_a_column_line_that_cannot_be_read_names_file_and_line(tmp_path: Path) -> None:
    query = tmp_path / "bad.rq"
    query.write_text("#+ title: Prov @sv\n#+ column: Andel @sv\nSELECT ?x WHERE {}\n",
                     encoding="utf-8")
    done = invoke("sparql", str(query), "-q")
    assert done.exit_code == 2
    assert "bad.rq" in done.stderr and ":2" in done.stderr and "column" in done.stderr


def test_a_query_without_headings_shows_its_variable_names() -> None:
    query = parse_query_text("SELECT ?x WHERE {}", Path("q.rq"))
    assert query.heading("x", "sv") == "x" and not query.has_heading("x", "sv")
