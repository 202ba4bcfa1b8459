"""A Swedish run is Swedish throughout, an English run English (issue 11: one bilingual text
catalogue). The command line's messages and progress, the validation report and the words
of answers come from ``templates/strings.json``; they follow ``--lang`` where the command has
it, else the project's default language (the bundled demonstration's is Swedish).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph

from planegraf import i18n
from planegraf.i18n import Message
from planegraf.render.results import boolean_word
from planegraf.validation.validate import ValidationReport

from .cli import invoke

# Words that give a message away as the other language's (progress, verdicts, "wrote").
ENGLISH = re.compile(r"\b(derive|validate|write|Wrote|Validation|ontology|last build)\b")
SWEDISH = re.compile(r"\b(härleder|validerar|skriver|Skrev|Validering|ontologin|senaste)\b")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_build_speaks_one_language_in_its_progress_and_messages(lang: str,
                                                                  tmp_path: Path) -> None:
    done = invoke("build", "--no-site", "--out", str(tmp_path / "out"), "--lang", lang)
    assert done.exit_code == 0, done.output
    own, other = (SWEDISH, ENGLISH) if lang == "sv" else (ENGLISH, SWEDISH)
    progress = [line for line in done.stderr.splitlines() if line.startswith("… ")]
    steps = [line for line in progress if "/" not in line]  # file names are no language
    assert steps and all(own.search(line) for line in steps), progress
    assert not other.search(done.stderr), done.stderr
    assert not other.search(done.stdout), done.stdout
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("Skrev " if lang == "sv" else "Wrote "), last


def test_without_lang_a_command_speaks_the_projects_language(tmp_path: Path) -> None:
    region = tmp_path / "region"
    assert invoke("init", str(region), "--county", "05", "--lang", "en").exit_code == 0
    sheet = tmp_path / "aktiviteter.csv"
    english = invoke("template", "-o", str(sheet), cwd=region)
    assert english.exit_code == 0, english.output
    assert english.stdout == f"Wrote {sheet}\n"
    swedish = invoke("template", "-o", str(sheet), "--lang", "sv", cwd=region)
    assert swedish.stdout == f"Skrev {sheet}\n"
    outside = invoke("template", "-o", str(sheet), cwd=tmp_path)  # the demonstration: sv
    assert outside.stdout == f"Skrev {sheet}\n"


def test_the_validation_report_is_in_the_language_asked_for() -> None:
    report = ValidationReport(findings=[], results_graph=Graph())
    assert report.text("sv").splitlines()[:4] == [
        "Valideringsrapport (SHACL)", "==========================", "Datan följer reglerna.",
        "fel: 0, varning: 0, information: 0"]
    assert report.text("en").splitlines()[:4] == [
        "Validation report (SHACL)", "=========================", "The data conforms.",
        "violations: 0, warnings: 0, infos: 0"]


def test_a_yes_or_no_answer_is_read_in_the_language_asked_for() -> None:
    assert [boolean_word(v, "sv") for v in (True, False)] == ["ja", "nej"]
    assert [boolean_word(v, "en") for v in (True, False)] == ["yes", "no"]
    assert boolean_word(True, "de") == "yes"  # a language the catalogue lacks: English


def test_an_ask_question_answers_ja_or_yes(tmp_path: Path) -> None:
    ask = tmp_path / "ask.rq"
    ask.write_text("ASK { ?s ?p ?o }\n", encoding="utf-8")
    assert invoke("sparql", str(ask), "-q").stdout == "ja\n"
    assert invoke("sparql", str(ask), "-q", "--lang", "en").stdout == "yes\n"


def test_a_message_from_the_library_is_put_in_the_runs_language() -> None:
    stale = Message("cli_dataset_stale",
                    state=Message("cli_changed_since_build", changed="graph/plan.trig"))
    assert stale.in_language("sv") == (
        "datamängden är inaktuell: graph/plan.trig har ändrats sedan det senaste bygget; "
        "svarar utifrån källorna (inte validerade): kör planegraf build")
    assert str(stale).startswith("the dataset is stale: graph/plan.trig changed since")


def test_every_cli_report_and_results_text_is_in_both_languages() -> None:
    for prefix in ("cli", "report", "results"):
        swedish, english = i18n.section(prefix, "sv"), i18n.section(prefix, "en")
        assert swedish and swedish.keys() == english.keys(), prefix
        for key in swedish:  # the same fields in both languages
            fields = set(re.findall(r"{(\w+)}", swedish[key]))
            assert fields == set(re.findall(r"{(\w+)}", english[key])), key
