"""Data holding RDF 1.2 triple terms (quoted triples, annotations, reifiers) is refused at
load with the file, the line and what to do, exit code 2, in every syntax and command:
Oxigraph reads such terms, and the site then crashed in the network section and the
JSON-LD download. "<<" inside a string literal is ordinary text and still loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from planegraf.errors import InputError
from planegraf.rdf.loading import load_files

from .cli import invoke

EX = "@prefix ex: <http://example.org/> .\n"
# (suffix, text with a triple term, its line, text with "<<" only in literals and comments)
CASES = {
    "quoted-trig": (".trig", EX + "ex:g {\n  ex:a ex:says \"x\" .\n"
                    "  << ex:a ex:b ex:c >> ex:d ex:e .\n}\n", 4,
                    EX + "# << not a term >>\nex:g { ex:a ex:says \"<< a >> <<( b )>>\" . }\n"),
    "annotation-turtle": (".ttl", EX + "ex:a ex:says 'x <<' .\n"
                          "ex:a ex:b ex:c {| ex:d ex:e |} .\n", 3,
                          EX + "ex:a ex:says '''<< {| ~ |} >>''' .\n"),
    "reifier-turtle": (".ttl", EX + "ex:a ex:b ex:c ~ ex:r .\n", 2,
                       EX + "ex:a ex:b <http://example.org/~user> .\n"),
    "triple-term-nquads": (".nq", '<http://example.org/a> <http://example.org/b> "<<( x )>>" '
                           "<http://example.org/g> .\n"
                           "<http://example.org/a> <http://example.org/b> <<( "
                           "<http://example.org/a> <http://example.org/b> "
                           "<http://example.org/c> )>> <http://example.org/g> .\n", 2,
                           '<http://example.org/a> <http://example.org/b> "<<( x )>>" '
                           "<http://example.org/g> .\n"),
    "triple-term-ntriples": (".nt", "<http://example.org/a> <http://example.org/b> <<( "
                             "<http://example.org/a> <http://example.org/b> "
                             "<http://example.org/c> )>> .\n", 1,
                             '<http://example.org/a> <http://example.org/b> "<< x >>" .\n'),
    "parse-type-rdfxml": (".rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf='
                          '"http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                          'xmlns:ex="http://example.org/" rdf:version="1.2">\n'
                          '<rdf:Description rdf:about="http://example.org/a">\n'
                          '<ex:b rdf:parseType="Triple"><rdf:Description '
                          'rdf:about="http://example.org/s"><ex:q rdf:resource='
                          '"http://example.org/o"/></rdf:Description></ex:b>\n'
                          "</rdf:Description>\n</rdf:RDF>\n", 4,
                          '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf='
                          '"http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                          'xmlns:ex="http://example.org/">\n'
                          '<rdf:Description rdf:about="http://example.org/a">\n'
                          "<ex:b>parseType=\"Triple\" &lt;&lt; annotation</ex:b>\n"
                          "</rdf:Description>\n</rdf:RDF>\n"),
}


def _files(tmp_path: Path, case: str) -> tuple[Path, int, Path]:
    suffix, bad, line, fine = CASES[case]
    (tmp_path / "data").mkdir()
    bad_file = tmp_path / "data" / f"annotated{suffix}"
    bad_file.write_text(bad, encoding="utf-8")
    fine_file = tmp_path / "data" / f"plain{suffix}"
    fine_file.write_text(fine, encoding="utf-8")
    return bad_file, line, fine_file


def _refused(outcome_stderr: str, exit_code: int, bad_file: Path, line: int) -> None:
    assert exit_code == 2, outcome_stderr
    assert f"{bad_file}:{line}:" in outcome_stderr, outcome_stderr
    assert "triple term" in outcome_stderr and "RDF 1.1" in outcome_stderr
    assert "pg:SourceExcerpt" in outcome_stderr
    assert "Traceback" not in outcome_stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_build_refuses_a_triple_term_and_writes_nothing(tmp_path: Path, case: str) -> None:
    bad_file, line, _ = _files(tmp_path, case)
    out = tmp_path / "out"
    done = invoke("build", "--data", str(bad_file), "--out", str(out), "-q", "--lang", "en",
                  cwd=tmp_path)
    _refused(done.stderr, done.exit_code, bad_file, line)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_refuses_a_triple_term_but_reads_angle_brackets_in_text(
        tmp_path: Path, case: str) -> None:
    bad_file, line, fine_file = _files(tmp_path, case)
    done = invoke("validate", str(bad_file), "-q", "--lang", "en", cwd=tmp_path)
    _refused(done.stderr, done.exit_code, bad_file, line)
    fine = invoke("validate", str(fine_file), "-q", cwd=tmp_path)
    assert fine.exit_code == 0, fine.output


@pytest.mark.parametrize("case", sorted(CASES))
def test_query_refuses_a_triple_term_but_reads_angle_brackets_in_text(
        tmp_path: Path, case: str) -> None:
    bad_file, line, fine_file = _files(tmp_path, case)
    done = invoke("query", "coordinators-ranked", "--data", str(bad_file), "-q", "--lang", "en",
                  cwd=tmp_path)
    _refused(done.stderr, done.exit_code, bad_file, line)
    assert done.stdout == ""
    fine = invoke("query", "coordinators-ranked", "--data", str(fine_file), "-q", "--format",
                  "csv", cwd=tmp_path)
    assert fine.exit_code == 0, fine.output
    assert fine.stdout.count("\n") > 1


def test_a_build_of_a_file_with_angle_brackets_in_a_literal_writes_the_site(
        tmp_path: Path) -> None:
    _, _, fine_file = _files(tmp_path, "quoted-trig")
    out = tmp_path / "out"
    done = invoke("build", "--data", str(fine_file), "--out", str(out), "-q", cwd=tmp_path)
    assert done.exit_code == 0, done.output
    for published in ("index.html", "data/planegraf.jsonld"):
        assert (out / "site" / published).is_file(), published


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_project_source_with_a_triple_term_is_refused_at_its_line(
        tmp_path: Path, case: str) -> None:
    # a project's own sources are parsed straight into a fresh store, not beside it
    bad_file, line, fine_file = _files(tmp_path, case)
    with pytest.raises(InputError) as refused:
        load_files([fine_file, bad_file])
    assert (refused.value.path, refused.value.line) == (bad_file, line)
    assert refused.value.column is not None and "pg:SourceExcerpt" in str(refused.value.hint)
    assert len(load_files([fine_file])) > len(load_files([]))


def test_a_triple_term_after_many_parentheses_in_literals_is_still_refused(
        tmp_path: Path) -> None:
    # past 10 000 "(" the bytes are searched for "<<(" at once instead of at each one
    text = EX + 'ex:a ex:says "' + "(" * 20_000 + '" .\n' + "ex:a ex:b <<( ex:a ex:b ex:c )>> .\n"
    bad_file = tmp_path / "many.ttl"
    bad_file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_files([bad_file])
    assert (refused.value.line, refused.value.column) == (3, 11)


def test_a_swedish_run_refuses_a_triple_term_in_swedish(tmp_path: Path) -> None:
    bad_file, line, _ = _files(tmp_path, "annotation-turtle")
    done = invoke("validate", str(bad_file), "-q", "--lang", "sv", cwd=tmp_path)
    assert done.exit_code == 2, done.output
    assert f"{bad_file}:{line}:" in done.stderr
    assert "trippelterm" in done.stderr and "till exempel en pg:SourceExcerpt" in done.stderr
    assert "triple term" not in done.stderr and "instead" not in done.stderr
