"""A file planegraf cannot read is explained in the run's language: a Swedish strategist
whose export is Latin-1, or whose RDF/XML points at an outside DTD, reads what is wrong and
what to do in Swedish, with the file, line and column, and exit code 2. The parser's own
words (Oxigraph's syntax messages) stay as the parser wrote them, inside a Swedish frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from planegraf.errors import InputError
from planegraf.i18n import in_language
from planegraf.ingest.organisations import read_decisions

from .cli import invoke

EX = "@prefix ex: <http://example.org/> .\n"
# name -> (file name, bytes, line, Swedish words, English words)
CASES: dict[str, tuple[str, bytes, int, tuple[str, ...], tuple[str, ...]]] = {
    "latin-1": ("latin1.ttl", (EX + 'ex:a ex:b "Jönköping" .\n').encode("latin-1"), 2,
                ("filen är inte giltig UTF-8", "spara den som UTF-8"),
                ("the file is not valid UTF-8", "save it as UTF-8")),
    "syntax": ("open.ttl", (EX + 'ex:a ex:b "open .\n').encode(), 2,
               ("syntaxfel: ", "rätta Turtle-syntaxen där"), ("fix the Turtle syntax there",)),
    "outside-dtd": ("dtd.rdf", b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM '
                    b'"http://example.org/x.dtd">\n<rdf:RDF xmlns:rdf="http://www.w3.org/'
                    b'1999/02/22-rdf-syntax-ns#"/>\n', 2,
                    ("yttre DTD", "ta bort SYSTEM- eller PUBLIC-delen"),
                    ("outside DTD", "remove the SYSTEM or PUBLIC part")),
    "remote-context": ("remote.jsonld", b'{\n  "@context": "https://example.org/ctx.jsonld",\n'
                       b'  "@id": "http://example.org/a"\n}\n', 2,
                       ("hämtar aldrig en kontext", "lägg in själva kontextobjektet"),
                       ("never fetches a context", "put the context object itself")),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_unreadable_file_is_explained_in_the_runs_language(
    tmp_path: Path, case: str, lang: str,
) -> None:
    name, data, line, swedish, english = CASES[case]
    bad_file = tmp_path / name
    bad_file.write_bytes(data)
    done = invoke("validate", str(bad_file), "-q", "--lang", lang, cwd=tmp_path)
    assert done.exit_code == 2, done.output
    assert f"{bad_file}:{line}" in done.stderr
    wanted, other = (swedish, english) if lang == "sv" else (english, swedish)
    for words in wanted:
        assert words in done.stderr
    for words in other:
        assert words not in done.stderr
    assert "Traceback" not in done.output


def test_a_sheet_over_the_row_limit_is_refused_in_swedish_with_the_setting_to_raise(
    tmp_path: Path,
) -> None:
    sheet = tmp_path / "handlingsplan.csv"
    sheet.write_text("Handlingsområde;Aktivitet\n1;Ett\n1;Två\n1;Tre\n", encoding="utf-8")
    done = invoke("import", str(sheet), "--plan-key", "test-2024", "-q", "--lang", "sv",
                  cwd=tmp_path, env={"PLANEGRAF_MAX_ROWS": "2"})
    assert done.exit_code == 2, done.output
    assert "arket har för många rader: över gränsen 2 rader" in done.stderr
    assert "höj gränsen: PLANEGRAF_MAX_ROWS=20" in done.stderr
    assert "over the limit" not in done.stderr


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_sheet_without_the_templates_columns_is_explained_in_the_runs_language(
    tmp_path: Path, lang: str,
) -> None:
    sheet = tmp_path / "handlingsplan.csv"
    sheet.write_text("Handlingsområde;Åtgärd\n1;Ett\n", encoding="utf-8")
    done = invoke("import", str(sheet), "--plan-key", "test-2024", "-q", "--lang", lang,
                  cwd=tmp_path)
    assert done.exit_code == 2, done.output
    assert f"{sheet}:1:" in done.stderr
    if lang == "sv":
        assert "okänd kolumn 'Åtgärd'" in done.stderr and "använd kolumnerna" in done.stderr
    else:
        assert "unknown column 'Åtgärd'" in done.stderr and "use the columns" in done.stderr


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_plan_document_with_a_broken_table_is_explained_in_the_runs_language(
    tmp_path: Path, lang: str,
) -> None:
    document = tmp_path / "handlingsplan.txt"
    document.write_text("Handlingsplan för folkhälsa 2024–2025\n"
                        "Handlingsområde 1: Trygg uppväxt\n"
                        "Aktivitet\tUppföljning\tSamordningsansvarig och samverkansparter\n"
                        "Föräldrastöd\tAntal grupper\tRegionen\tEn tabb för mycket\n",
                        encoding="utf-8")
    done = invoke("import", str(document), "--strategy", "rjl-jamlik-halsa-2016-2025", "-q",
                  "--lang", lang, cwd=tmp_path)
    assert done.exit_code == 2, done.output
    assert f"{document}:4:" in done.stderr
    if lang == "sv":
        assert "tabellrad med 4 kolumner, inte 3" in done.stderr
        assert "ta bort den extra tabben" in done.stderr
    else:
        assert "table row with 4 columns, not 3" in done.stderr
        assert "remove the extra tab" in done.stderr


def test_a_decision_sheet_with_an_unknown_decision_is_refused_in_swedish(tmp_path: Path) -> None:
    sheet = tmp_path / "organisationer.csv"
    sheet.write_text("Omnämnande;Beslut\nKommunen;okänt\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read_decisions(sheet)
    error = refused.value
    assert error.line == 2
    assert in_language(error.message, "sv") == "okänt beslut 'okänt'"
    assert error.hint is not None
    assert "skriv 'samma som N' eller 'ny organisation'" in in_language(error.hint, "sv")


@pytest.mark.parametrize(("lang", "words"), [
    ("sv", "[project] language måste vara \"sv\" eller \"en\", inte 'fi'"),
    ("en", "[project] language must be \"sv\" or \"en\", not 'fi'"),
])
def test_a_broken_project_file_is_explained_in_the_language_asked_for(
    tmp_path: Path, lang: str, words: str,
) -> None:
    # The project's own language cannot be read from a broken planegraf.toml: --lang decides.
    (tmp_path / "planegraf.toml").write_text(
        '[project]\nkey = "x"\ntitle.sv = "X"\nlanguage = "fi"\n[publisher]\nname = "X"\n',
        encoding="utf-8")
    done = invoke("validate", "-q", "--lang", lang, cwd=tmp_path)
    assert done.exit_code == 2, done.output
    assert f"{tmp_path / 'planegraf.toml'}: {words}" in done.stderr


@pytest.mark.parametrize(("lang", "words", "other"), [
    ("sv", "okänd sorts indata: (ingen ändelse)", "(none)"),
    ("en", "unknown input type '(none)'", "ingen ändelse"),
])
def test_a_file_without_an_extension_is_named_so_in_the_runs_language(
    tmp_path: Path, lang: str, words: str, other: str,
) -> None:
    # The extension's absence was written "(none)" into the Swedish sentence too.
    plan = tmp_path / "handlingsplan"
    plan.write_text("Handlingsområde 1: Statistik\n", encoding="utf-8")
    done = invoke("import", str(plan), "-q", "--lang", lang, cwd=tmp_path)
    assert done.exit_code == 2, done.output
    assert f"{plan}: {words}" in done.stderr
    assert other not in done.stderr


@pytest.mark.parametrize(("lang", "words"), [
    ("sv", "okänd sorts kalkylark: '.txt' (ge mallen ändelsen .csv eller .xlsx)"),
    ("en", "unknown spreadsheet type '.txt' (name the template .csv or .xlsx)"),
])
def test_a_template_of_an_unknown_type_is_refused_in_the_language_asked_for(
    tmp_path: Path, lang: str, words: str,
) -> None:
    # planegraf template reads no data, so its error was not put in --lang's language.
    done = invoke("template", "-o", str(tmp_path / "mall.txt"), "--lang", lang, cwd=tmp_path)
    assert done.exit_code == 2, done.output
    assert words in done.stderr
    assert not (tmp_path / "mall.txt").exists()


@pytest.mark.parametrize(("text", "line", "swedish", "english"), [
    ("#+ title Trasig\nSELECT * WHERE { ?s ?p ?o }\n", "1",
     "oläslig huvudrad (skriv den som '#+ nyckel: värde')",
     "unreadable header line (write it as '#+ key: value')"),
    ("#+ param: n xsd:hex = 1\nSELECT * WHERE { ?s ?p ?o }\n", "1",
     "parametertypen xsd:hex stöds inte (använd en av ", "unsupported parameter type xsd:hex"),
    ("SELEKT * WHERE { ?s ?p ?o }\n", "1:1", "inte en SPARQL-fråga: ",
     "not a SPARQL query: "),
])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_broken_question_file_is_explained_in_the_runs_language(
    tmp_path: Path, text: str, line: str, swedish: str, english: str, lang: str,
) -> None:
    # The question file's header and syntax errors were English in a Swedish run.
    query = tmp_path / "fraga.rq"
    query.write_text(text, encoding="utf-8")
    done = invoke("sparql", str(query), "-q", "--lang", lang, cwd=tmp_path)
    assert done.exit_code == 2, done.output
    wanted, other = (swedish, english) if lang == "sv" else (english, swedish)
    assert f"{query}:{line}: {wanted}" in done.stderr
    assert other not in done.stderr


@pytest.mark.parametrize(("lang", "words", "other"), [
    ("sv", "kan inte läsa reglerna (SHACL-former): ", "cannot read the shapes"),
    ("en", "cannot read the shapes: ", "kan inte läsa reglerna"),
])
def test_a_broken_shapes_file_is_explained_in_the_runs_language(
    tmp_path: Path, lang: str, words: str, other: str,
) -> None:
    shapes = tmp_path / "regler.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nex:a sh:path .\n",
                      encoding="utf-8")
    done = invoke("validate", "-q", "--shapes", str(shapes), "--lang", lang, cwd=tmp_path)
    assert done.exit_code == 2, done.output
    assert f"{shapes}:1: {words}" in done.stderr
    assert other not in done.stderr
