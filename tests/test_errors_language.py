"""planegraf's own errors are shown in the run's language: a Swedish strategist who gives a
county planegraf does not know, a broken setting, a ``--param`` without "=", a folder that
holds no site, one plan to compare or a plan key with capitals reads what is wrong and what
to do in Swedish ("planegraf: fel: …"), an English run reads it in English, always on
standard error with exit code 2. The run's language is known even when the error comes
before the command has its data: ``--lang`` as typed, else the project's, else Swedish.

The catalogue's ``error_`` texts are checked to exist in both languages with the same
fields, and the sources to give no :class:`PlanegrafError` a plain English text any more
(only the ``internal:`` ones, which are planegraf's own mistakes)."""

from __future__ import annotations

import ast
import pickle
import string
from pathlib import Path

import pytest

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message, catalogue
from planegraf.sparql.limits import QueryLimits, _outcome, unpack_answer

from .cli import Outcome, invoke

SOURCES = Path(__file__).resolve().parents[1] / "src" / "planegraf"
SHEET = "Handlingsområde;Aktivitet\n1;Föräldrastöd\n"
PLAN = "Handlingsplan för folkhälsa 2024–2025\nHandlingsområde 1: Trygg uppväxt\n"


def _folder_of_someone_else(tmp_path: Path) -> Path:
    folder = tmp_path / "mitt"
    folder.mkdir()
    (folder / "brev.docx").write_text("mitt brev", encoding="utf-8")
    return folder


def _service_query(tmp_path: Path) -> Path:
    query = tmp_path / "fjarr.rq"
    query.write_text("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }\n",
                     encoding="utf-8")
    return query


def _sheet(tmp_path: Path) -> Path:
    sheet = tmp_path / "handlingsplan.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    return sheet


# name -> (arguments (given tmp_path), environment, Swedish words, English words)
CASES = {
    "unknown county": (lambda tmp: ["init", str(tmp / "ny"), "--county", "Nowhere"], {},
                       "inget län 'Nowhere': ange länskod eller länets namn",
                       "no county 'Nowhere': give a county code or name"),
    "bad row limit": (lambda tmp: ["import", str(_sheet(tmp)), "--plan-key", "test-2024"],
                      {"PLANEGRAF_MAX_ROWS": "x"},
                      "PLANEGRAF_MAX_ROWS='x': ange ett heltal, minst 1",
                      "PLANEGRAF_MAX_ROWS='x': expected a whole number of at least 1"),
    "param without equals": (lambda tmp: ["query", "frequent-partner-pairs", "--param",
                                          "min_shared"], {},
                             "--param 'min_shared': skriv den som namn=värde",
                             "--param 'min_shared': write it as name=value"),
    "serve without a site": (lambda tmp: ["serve", "--site", str(_folder_of_someone_else(tmp)),
                                          "--port", "0"], {},
                             "innehåller filer som planegraf inte har skrivit (brev.docx)",
                             "holds files planegraf did not write (brev.docx)"),
    "compare one plan": (lambda tmp: ["compare", "--plan", "rjl-hp-2018-2020"], {},
                         "compare tar två --plan eller två --county (före, efter)",
                         "compare takes two --plan or two --county (before, after)"),
    "misspelt organisation": (lambda tmp: ["query", "organisation-activities", "--param",
                                           "organisation=Qultrum"], {},
                              "ingen organisation 'Qultrum' i data; närmast: Qulturum",
                              "no organisation 'Qultrum' in the data; closest: Qulturum"),
    "query reaching another server": (lambda tmp: ["sparql", str(_service_query(tmp))], {},
                                      "skulle skicka en förfrågan till en annan server",
                                      "would send a request to another server"),
    "plan key with capitals": (lambda tmp: ["import", str(_sheet(tmp)), "--plan-key",
                                            "Plan-2024"], {},
                               "--plan-key 'Plan-2024': en plannyckel består av små bokstäver",
                               "--plan-key 'Plan-2024': a plan key is lowercase letters"),
}


def _refused(done: Outcome) -> str:
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    assert done.stdout == ""
    return done.stderr


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_error_reads_in_the_language_of_the_run(tmp_path: Path, case: str, lang: str) -> None:
    arguments, environment, swedish, english = CASES[case]
    asked = ["--lang", "en"] if lang == "en" else []  # Swedish without asking: the default
    quiet = [] if case == "unknown county" else ["-q"]  # init has no --quiet
    done = invoke(*arguments(tmp_path), *quiet, *asked, cwd=tmp_path, env=environment)
    said = _refused(done)
    wanted, other = (swedish, english) if lang == "sv" else (english, swedish)
    assert wanted in said
    assert other not in said
    assert said.startswith("planegraf: fel: " if lang == "sv" else "planegraf: error: ")


def test_a_plan_key_with_capitals_in_a_projects_import_is_refused_in_swedish(
    tmp_path: Path,
) -> None:
    made = invoke("init", str(tmp_path / "region"), "--county", "06", cwd=tmp_path)
    assert made.exit_code == 0, made.output
    plan = tmp_path / "handlingsplan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    said = _refused(invoke("import", str(plan), "--plan-key", "Plan-2024", "-q",
                           cwd=tmp_path / "region"))
    assert "plannyckeln 'Plan-2024': använd små bokstäver, siffror och bindestreck" in said
    assert "lower-case" not in said


@pytest.fixture
def english_project(tmp_path: Path) -> Path:
    made = invoke("init", str(tmp_path / "region"), "--county", "06", "--lang", "en",
                  cwd=tmp_path)
    assert made.exit_code == 0, made.output
    return tmp_path / "region"


def test_an_english_projects_errors_are_english_without_asking(english_project: Path) -> None:
    said = _refused(invoke("compare", "--plan", "rjl-hp-2018-2020", "-q", cwd=english_project))
    assert "planegraf: error: compare takes two --plan" in said


def test_an_error_before_the_run_is_in_the_projects_language(english_project: Path) -> None:
    # --alone is refused before the command has its run: the project's language still holds.
    said = _refused(invoke("network", "--alone", "-o", "n.html", "-q", cwd=english_project))
    assert "planegraf: error: --alone needs at least one --data FILE" in said
    said = _refused(invoke("network", "--alone", "-o", "n.html", "-q", "--lang=sv",
                           cwd=english_project))
    assert "planegraf: fel: --alone kräver minst en --data FIL" in said


def test_an_error_from_a_query_worker_keeps_its_words_in_swedish() -> None:
    # A query runs in a worker process: its error travels back pickled, and must still be
    # a catalogue text the parent can put in Swedish, not English frozen into a string.
    def refuse() -> object:
        raise PlanegrafError(Message("error_no_where"))

    with pytest.raises(PlanegrafError) as refused:
        unpack_answer(_outcome(refuse), 0, QueryLimits())
    assert refused.value.in_language("sv") == "frågan har ingen WHERE-grupp att binda parametrar i"
    assert str(refused.value) == "the query has no WHERE group to bind parameters in"
    again = pickle.loads(pickle.dumps(PlanegrafError(Message("error_period", period="'x'"))))
    assert again.in_language("sv").startswith("--period 'x': skriv den som")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_error_text_is_in_both_languages_with_the_same_fields() -> None:
    texts = catalogue()
    swedish = {k: v for k, v in texts["sv"].items() if k.startswith("error_")}
    english = {k: v for k, v in texts["en"].items() if k.startswith("error_")}
    assert len(swedish) > 50
    assert set(swedish) == set(english)
    for key, text in swedish.items():
        assert _fields(text) == _fields(english[key]), key
        assert text.strip(), key


# The errors whose texts the catalogue holds; the others (EndpointError, QueryLimitError …)
# are still worded in English where they are raised, and are listed in the README.
CATALOGUED = {"PlanegrafError", "OutputFolderError", "QueryLimitError", "RefusedQueryError",
              "NameLookupError", "EndpointError"}


def _plain_texts() -> list[str]:
    found = []
    for path in sorted(SOURCES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            called = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            if called not in CATALOGUED:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if first.value.startswith("internal:"):
                    continue  # planegraf's own mistake, not the user's: English is fine
                found.append(f"{path.relative_to(SOURCES)}:{node.lineno}")
            elif isinstance(first, ast.JoinedStr | ast.BinOp):
                found.append(f"{path.relative_to(SOURCES)}:{node.lineno}")
    return found


def test_no_error_is_given_a_plain_english_text() -> None:
    # The next PlanegrafError(f"...") would reach a Swedish user in English: give it an
    # error_ key in templates/strings.json and raise PlanegrafError(Message(key, ...)).
    assert _plain_texts() == []
