"""Bad input survived: XML bombs and external entities, JSON-LD contexts that would be fetched,
decomposed å ä ö, empty and truncated files for every loader, malicious workbooks, queries
that would reach out, a slow or failing endpoint, and an export killed half-way."""

from __future__ import annotations

import contextlib
import http.server
import io
import os
import signal
import subprocess
import sys
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import Workbook

from planegraf.errors import InputError, PlanegrafError
from planegraf.ingest import ImportSettings, import_document, import_spreadsheet
from planegraf.ingest.spreadsheet import HEADERS_SV
from planegraf.pipeline import open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.resources import graph_dir
from planegraf.sparql.endpoint import Connection, EndpointError, RemoteEngine
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.queries import parse_query_text

from .conftest import PLAN_ROW
from .servers import http_server

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
REPOSITORY = Path(__file__).parent.parent
STRATEGY = ImportSettings(strategy="rjl-jamlik-halsa-2016-2025")


def _planegraf(*args: str, cwd: Path = REPOSITORY) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


@contextlib.contextmanager
def listening() -> Iterator[tuple[int, list[str]]]:
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            seen.append(self.path)
            body = b'{"@context": {"name": "http://schema.org/name"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    with http_server(Handler) as port:
        yield port, seen


# --- XML: external entities and billion laughs -------------------------------------------

@pytest.mark.parametrize(("fixture", "line", "words"), [
    ("external-entity.rdf", 3, "refers to an outside file or URL"),
    ("external-dtd.rdf", 2, "outside DTD"),
    ("parameter-entity.rdf", 3, "refers to an outside file or URL"),
    ("billion-laughs.rdf", 15, "XML bomb"),
    ("quadratic-blowup.rdf", 5, "XML bomb"),
])
def test_xml_entities_are_never_expanded_or_fetched(fixture: str, line: int, words: str
                                                     ) -> None:
    started = time.monotonic()
    with pytest.raises(InputError) as refused:
        EmbeddedStore().load_file(HOSTILE / fixture)
    assert refused.value.line == line and words in refused.value.message
    assert str(refused.value).startswith(f"{HOSTILE / fixture}:{line}:")
    assert time.monotonic() - started < 2


def test_validate_refuses_an_xml_bomb_with_exit_2() -> None:
    done = _planegraf("validate", str(HOSTILE / "billion-laughs.rdf"), "-q", "--lang", "en")
    assert done.returncode == 2
    assert "billion-laughs.rdf:15: " in done.stderr and "XML bomb" in done.stderr


def test_an_external_entity_naming_a_file_never_reads_it(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    document = (HOSTILE / "external-entity.rdf").read_text(encoding="utf-8")
    attack = tmp_path / "attack.rdf"
    attack.write_text(document.replace("file:///etc/hostname", secret.as_uri()),
                      encoding="utf-8")
    done = _planegraf("validate", str(attack), "-q", "--lang", "en")
    assert done.returncode == 2 and "never reads" in done.stderr
    assert "TOP-SECRET-VALUE" not in done.stdout + done.stderr


def test_namespace_entities_in_rdf_xml_still_load() -> None:
    store = EmbeddedStore()
    store.load_file(HOSTILE / "namespace-entities.rdf")
    (quad,) = list(store.oxigraph)
    assert quad.subject == ox.NamedNode("http://example.org/a")
    assert quad.object == ox.Literal("x", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#string"))


# --- JSON-LD contexts --------------------------------------------------------------------

@pytest.mark.parametrize("context", ["http://127.0.0.1:{port}/context.jsonld",
                                     "file://{folder}/context.jsonld", "context.jsonld",
                                     "[\"http://127.0.0.1:{port}/c\", {{}}]"])
def test_jsonld_context_is_never_fetched(tmp_path: Path, context: str) -> None:
    (tmp_path / "context.jsonld").write_text(
        '{"@context": {"name": "http://schema.org/name"}}', encoding="utf-8")
    with listening() as (port, seen):
        value = context.format(port=port, folder=tmp_path)
        value = value if value.startswith("[") else f'"{value}"'
        data = tmp_path / "data.jsonld"
        data.write_text('{\n  "@id": "http://example.org/a",\n  "@context": ' + value
                        + ',\n  "name": "x"\n}\n', encoding="utf-8")
        with pytest.raises(InputError) as refused:
            EmbeddedStore().load_file(data)
        done = _planegraf("validate", str(data), "-q")
        assert seen == []
    assert refused.value.line == 3 and "never fetches a context" in refused.value.message
    assert done.returncode == 2 and "data.jsonld:3: " in done.stderr


# --- composed and decomposed å ä ö ---------------------------------------------------------

def _decomposed_copy(source: Path, target: Path) -> None:
    text = source.read_text(encoding="utf-8")
    assert unicodedata.normalize("NFD", text) != text
    target.write_text(unicodedata.normalize("NFD", text), encoding="utf-8")


def test_a_decomposed_registry_loads_to_the_same_graph(tmp_path: Path) -> None:
    original = graph_dir() / "organisations.trig"
    decomposed = tmp_path / "organisations.trig"
    _decomposed_copy(original, decomposed)
    expected, loaded = EmbeddedStore(), EmbeddedStore()
    expected.load_file(original)
    loaded.load_file(decomposed)
    assert set(loaded.oxigraph) == set(expected.oxigraph)


def test_a_decomposed_registry_makes_no_duplicate_organisations(tmp_path: Path) -> None:
    decomposed = tmp_path / "organisations.trig"
    _decomposed_copy(graph_dir() / "organisations.trig", decomposed)
    store = open_store([decomposed])
    query = parse_query_text(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?label (COUNT(DISTINCT ?org) AS ?n) WHERE { ?org skos:prefLabel ?label }"
        " GROUP BY ?label HAVING (COUNT(DISTINCT ?org) > 1)", Path("duplicates.rq"))
    solutions = EmbeddedEngine(store).run(query).solutions
    assert solutions is not None and len(solutions) == len(
        EmbeddedEngine(open_store()).run(query).solutions or ())
    search = parse_query_text(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        'SELECT ?org WHERE { ?org skos:prefLabel "Jönköpings kommun"@sv }', Path("q.rq"))
    rows = EmbeddedEngine(store).run(search).solutions
    assert rows is not None and len(rows) == 1


def test_a_decomposed_workbook_imports_like_a_composed_one(tmp_path: Path) -> None:
    def workbook(path: Path, form: str) -> Path:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(HEADERS_SV))
        sheet.append([unicodedata.normalize(form, str(cell)) for cell in PLAN_ROW])
        book.save(path)
        return path

    (tmp_path / "nfc").mkdir()
    (tmp_path / "nfd").mkdir()
    composed = import_spreadsheet(workbook(tmp_path / "nfc" / "aktiviteter.xlsx", "NFC"))
    decomposed = import_spreadsheet(workbook(tmp_path / "nfd" / "aktiviteter.xlsx", "NFD"))
    assert set(decomposed.quads) == set(composed.quads)
    assert decomposed.complete


# --- empty and truncated files, every loader -----------------------------------------------

RDF_SAMPLE = {
    ".ttl": "@prefix ex: <http://example.org/> .\nex:a ex:b \"värde\"@sv ;\n  ex:c ex:d .\n",
    ".trig": "@prefix ex: <http://example.org/> .\nex:g {\n  ex:a ex:b \"värde\"@sv .\n}\n",
    ".nt": "<http://example.org/a> <http://example.org/b> \"värde\"@sv .\n",
    ".nq": "<http://example.org/a> <http://example.org/b> \"värde\" <http://example.org/g> .\n",
    ".jsonld": '{\n  "@id": "http://example.org/a",\n  "http://example.org/b": "värde"\n}\n',
    ".rdf": ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
             'syntax-ns#">\n<rdf:Description rdf:about="http://example.org/a">\n'
             '<rdf:value>värde</rdf:value>\n</rdf:Description>\n</rdf:RDF>\n'),
}


@pytest.mark.parametrize("suffix", sorted(RDF_SAMPLE))
def test_a_truncated_rdf_file_is_refused_with_its_line(tmp_path: Path, suffix: str) -> None:
    whole = RDF_SAMPLE[suffix].encode("utf-8")
    EmbeddedStore().load_file(_write(tmp_path / f"whole{suffix}", whole))
    # cut inside the literal: never valid in any syntax, and a multi-byte letter is split
    cut = whole[: whole.index("ä".encode()) + 1]
    with pytest.raises(InputError) as refused:
        EmbeddedStore().load_file(_write(tmp_path / f"cut{suffix}", cut))
    assert refused.value.line is not None and refused.value.hint


@pytest.mark.parametrize("suffix", sorted(RDF_SAMPLE))
def test_an_empty_rdf_file_loads_nothing_or_is_refused_clearly(tmp_path: Path, suffix: str
                                                                ) -> None:
    store = EmbeddedStore()
    empty = _write(tmp_path / f"empty{suffix}", b"")
    try:
        store.load_file(empty)
    except InputError as refused:  # JSON-LD and RDF/XML need a document element
        assert str(refused).startswith(str(empty)) and refused.hint
    assert len(store) == 0


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["empty.txt", "only-title.txt"])
def test_an_empty_plan_document_is_refused_clearly(tmp_path: Path, name: str) -> None:
    text = "" if name == "empty.txt" else "Handlingsplan 2019-2020\n"
    with pytest.raises(InputError, match="no activity table"):
        import_document(_write(tmp_path / name, text.encode()), STRATEGY)


def test_a_plan_document_cut_inside_a_letter_is_refused_at_that_line(tmp_path: Path) -> None:
    text = (REPOSITORY / "tests" / "fixtures" / "documents" / "plan-clean.txt").read_bytes()
    cut = text[: text.rindex("ö".encode()) + 1]
    with pytest.raises(InputError) as refused:
        import_document(_write(tmp_path / "cut.txt", cut), STRATEGY)
    assert refused.value.line == cut.count(b"\n") + 1


def test_empty_and_header_only_csv_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        import_spreadsheet(_write(tmp_path / "empty.csv", b""))
    header = ",".join(HEADERS_SV).encode() + b"\n"
    with pytest.raises(InputError, match="no activity rows"):
        import_spreadsheet(_write(tmp_path / "header.csv", header))


def _template_bytes() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(HEADERS_SV))
    sheet.append(list(PLAN_ROW))
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


@pytest.mark.parametrize("damage", ["empty", "truncated", "not-a-zip", "zip-without-sheet"])
def test_a_damaged_workbook_is_refused_through_the_cli(tmp_path: Path, damage: str) -> None:
    whole = _template_bytes()
    if damage == "empty":
        data = b""
    elif damage == "truncated":
        data = whole[: len(whole) // 2]
    elif damage == "not-a-zip":
        data = b"Plan;Handlingsomr\xe5de\n"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
        data = buffer.getvalue()
    book = _write(tmp_path / "aktiviteter.xlsx", data)
    done = _planegraf("import", str(book), "-q", "--lang", "en", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"{book}: not a readable XLSX workbook" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "aktiviteter.trig").exists()


def _with_sheet(xml_of_sheet: str, extra: dict[str, str] | None = None) -> bytes:
    """The template workbook with its first sheet's XML replaced (and extra parts added)."""
    source = zipfile.ZipFile(io.BytesIO(_template_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = xml_of_sheet.encode("utf-8")
            archive.writestr(item, data)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.'
              'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{ref}"/><sheetData>')


def test_a_workbook_claiming_huge_dimensions_imports_only_its_rows(tmp_path: Path) -> None:
    cells = "".join(f'<c r="{chr(65 + i)}{{row}}" t="inlineStr"><is><t>{{v{i}}}</t></is></c>'
                    for i in range(7))
    rows = [cells.format(row=1, **{f"v{i}": h for i, h in enumerate(HEADERS_SV)}),
            cells.format(row=2, **{f"v{i}": v for i, v in enumerate(PLAN_ROW)})]
    xml = (SHEET_HEAD.format(ref="A1:XFD1048576")
           + "".join(f'<row r="{n}">{r}</row>' for n, r in enumerate(rows, 1))
           + "</sheetData></worksheet>")
    started = time.monotonic()
    result = import_spreadsheet(_write(tmp_path / "huge.xlsx", _with_sheet(xml)))
    assert len(result.rows) == 1 and time.monotonic() - started < 30


def test_a_workbook_with_an_xml_bomb_in_a_sheet_is_refused(tmp_path: Path) -> None:
    bomb = (HOSTILE / "billion-laughs.rdf").read_text(encoding="utf-8")
    doctype = bomb[bomb.index("<!DOCTYPE"): bomb.index("]>") + 2].replace("rdf:RDF", "worksheet")
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n' + doctype
           + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
           "</sheetData></worksheet>")
    started = time.monotonic()
    with pytest.raises(InputError, match="not a readable XLSX"):
        import_spreadsheet(_write(tmp_path / "bomb.xlsx", _with_sheet(xml)))
    assert time.monotonic() - started < 10


def test_external_links_and_formulas_in_a_workbook_are_never_followed(tmp_path: Path) -> None:
    with listening() as (port, seen):
        cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
                        for i, h in enumerate(HEADERS_SV))
        formula = (f'<c r="C2" t="str"><f>WEBSERVICE("http://127.0.0.1:{port}/leak")</f>'
                   "<v>Aktivitet från formelns sparade värde</v></c>")
        row = "".join(formula if i == 2 else
                      f'<c r="{chr(65 + i)}2" t="inlineStr"><is><t>{v}</t></is></c>'
                      for i, v in enumerate(PLAN_ROW))
        xml = (SHEET_HEAD.format(ref="A1:G2") + f'<row r="1">{cells}</row>'
               f'<row r="2">{row}</row></sheetData></worksheet>')
        link = ('<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships"/></externalLink>')
        rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
                'org/officeDocument/2006/relationships/externalLinkPath" Target="http://'
                f'127.0.0.1:{port}/book.xlsx" TargetMode="External"/></Relationships>')
        book = _write(tmp_path / "linked.xlsx", _with_sheet(xml, {
            "xl/externalLinks/externalLink1.xml": link,
            "xl/externalLinks/_rels/externalLink1.xml.rels": rels}))
        result = import_spreadsheet(book)
        assert seen == []
    assert result.rows[0].row.activity == "Aktivitet från formelns sparade värde"


# --- queries that would reach out ----------------------------------------------------------

@pytest.mark.parametrize("dataset", ["FROM <{url}>", "FROM NAMED <{url}>",
                                     "FROM <{url}> FROM NAMED <{url}/2>"])
def test_from_and_from_named_never_fetch(tmp_path: Path, dataset: str) -> None:
    with listening() as (port, seen):
        url = f"http://127.0.0.1:{port}/data.ttl"
        query = tmp_path / "from.rq"
        query.write_text(f"SELECT (COUNT(*) AS ?n) {dataset.format(url=url)} "
                         "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }\n",
                         encoding="utf-8")
        done = _planegraf("sparql", str(query), "--format", "csv", "-q")
        assert seen == []
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "0"  # a dataset of graphs we do not hold is empty


def test_from_a_local_graph_answers_over_that_graph_only(tmp_path: Path) -> None:
    plan = "https://w3id.org/planegraf/id/graph/rjl-hp-2018-2020"
    query = tmp_path / "plan.rq"
    query.write_text(f"SELECT (COUNT(*) AS ?n) FROM <{plan}> WHERE {{ ?s ?p ?o }}\n",
                     encoding="utf-8")
    done = _planegraf("sparql", str(query), "--format", "csv", "-q")
    store = open_store()
    expected = len(list(store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(plan))))
    assert done.returncode == 0 and done.stdout.splitlines()[1] == str(expected)
    assert 0 < expected < len(store)


# --- an endpoint that is slow or fails ------------------------------------------------------

@contextlib.contextmanager
def endpoint(status: int, delay: float = 0.0, body: bytes = b"") -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    with http_server(Handler) as port:
        yield f"http://127.0.0.1:{port}/query"


COUNT = parse_query_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", Path("count.rq"))


def test_a_slow_endpoint_times_out_with_the_option_to_raise_it() -> None:
    with endpoint(200, delay=5) as url:
        started = time.monotonic()
        with pytest.raises(EndpointError, match=r"did not answer within 1 s.*--timeout"):
            RemoteEngine(Connection(url, timeout=1), graphs=()).run(COUNT)
        assert time.monotonic() - started < 4


def test_an_endpoint_error_500_is_named_with_its_message() -> None:
    with endpoint(500, body=b"Query evaluation failed: out of memory") as url, \
            pytest.raises(EndpointError, match="HTTP 500.*out of memory"):
        RemoteEngine(Connection(url), graphs=()).run(COUNT)


def test_the_cli_reports_a_failing_endpoint_without_a_traceback() -> None:
    with endpoint(500, body=b"boom") as url:
        done = _planegraf("query", "coordinators-ranked", "--endpoint", url, "-q")
    assert done.returncode == 2 and "HTTP 500" in done.stderr and "Traceback" not in done.stderr


# --- an interrupted export -------------------------------------------------------------------

def test_an_export_killed_while_writing_leaves_the_last_good_file(tmp_path: Path) -> None:
    target = tmp_path / "planegraf.nt"
    last_good = b"<urn:last> <urn:good> <urn:file> .\n"
    target.write_bytes(last_good)
    # A child writes a large export through planegraf.rdf.atomic, again and again, and is
    # killed as soon as a write is under way.
    script = ("import sys\nfrom pathlib import Path\nfrom planegraf.rdf import atomic\n"
              "data = b'<urn:a> <urn:b> <urn:c> .\\n' * 2_000_000\n"
              "print('writing', flush=True)\n"
              "while True:\n    atomic.write_bytes(Path(sys.argv[1]), data)\n")
    child = subprocess.Popen([sys.executable, "-c", script, str(target)],
                             stdout=subprocess.PIPE, cwd=tmp_path)
    assert child.stdout is not None and child.stdout.readline() == b"writing\n"
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob(".planegraf.nt.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.001)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert target.read_bytes() in (last_good, b"<urn:a> <urn:b> <urn:c> .\n" * 2_000_000)
    # What the killed write leaves is its hidden temporary beside the target, never a
    # half-written target.
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == {
        "planegraf.nt"}
    EmbeddedStore().load_file(target)


def test_a_failed_export_leaves_the_previous_file_and_no_temporary(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    out = tmp_path / "export.trig"
    done = _planegraf("export", "--format", "trig", "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    before = out.read_bytes()
    from planegraf.rdf import atomic

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        atomic.write_bytes(out, b"half")
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["export.trig"]


def test_the_embedded_store_refuses_service_even_in_a_subquery_of_a_from(tmp_path: Path
                                                                         ) -> None:
    query = parse_query_text("SELECT * FROM <http://x/> WHERE { { SELECT * WHERE { "
                             "SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }", Path("q.rq"))
    with pytest.raises(PlanegrafError, match="SERVICE"):
        EmbeddedEngine(EmbeddedStore()).run(query)
