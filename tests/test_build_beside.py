"""``planegraf build`` checks the shapes while it writes the dataset and the site (issue 15):
a verdict that arrives after the writing began must still keep the last good output."""

from __future__ import annotations

from pathlib import Path

import pytest

from planegraf.i18n import Message
from planegraf.pipeline import build, check
from planegraf.project import Project
from planegraf.resources import graph_dir

PLAN = "rjl-hp-2018-2020.trig"


def _broken_plan(tmp_path: Path) -> Path:
    """The bundled 2018–2020 plan with one activity's action area left out (a violation)."""
    text = (graph_dir() / PLAN).read_text(encoding="utf-8")
    broken = text.replace(
        "pg:actionArea <https://w3id.org/planegraf/id/area/rjl-jamlik-halsa-2016-2025/6>", "", 1)
    assert broken != text
    path = tmp_path / PLAN
    path.write_text(broken, encoding="utf-8")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("beside") / "out"
    result = build(out, lang="en", pages="reports")
    assert result.conforms and result.written
    return out


def test_violation_found_while_the_site_was_written_leaves_the_last_good_output(
        good_build: Path, tmp_path: Path) -> None:
    before = _files(good_build)
    steps: list[str] = []
    project = Project.demonstration([_broken_plan(tmp_path)], out_dir=good_build)
    result = build(good_build, project=project, lang="en", pages="reports",
                   progress=lambda step: steps.append(step))
    # The site was begun before the verdict was known (reports only: no page workers are
    # forked, so the shapes are checked beside it) ...
    wrote = [str(s.fields["target"]) for s in steps
             if isinstance(s, Message) and s.key == "cli_step_write"]
    assert wrote == [str(good_build), f"{good_build}/site"], steps
    # ... and the violation still stops the build: nothing of it reaches out/.
    assert not result.conforms and result.written == []
    assert any("exactly one action area" in f.message("en") for f in result.report.violations)
    assert _files(good_build) == before
    assert not [p for p in good_build.parent.iterdir() if p.name.startswith(".out.")]


def test_build_beside_reports_what_validate_reports(good_build: Path, tmp_path: Path) -> None:
    project = Project.demonstration([_broken_plan(tmp_path)], out_dir=tmp_path / "out")
    beside = build(tmp_path / "out", project=project, lang="en", pages="reports")
    _, alone = check([_broken_plan(tmp_path)], lang="en")
    assert beside.report.text("en") == alone.text("en")
    assert beside.report.has_violations
    assert not (tmp_path / "out").exists()


def test_build_beside_writes_the_report_and_summary_after_the_site(good_build: Path) -> None:
    report = (good_build / "validation-report.txt").read_text(encoding="utf-8")
    assert "The data conforms." in report
    assert "Activities per action area" in (good_build / "summary.txt").read_text("utf-8")
    assert (good_build / "site" / "index.html").is_file()
    assert (good_build / "site" / "data" / "planegraf.trig").samefile(
        good_build / "planegraf.trig")


def test_validation_beside_the_caller_finds_what_validation_alone_finds(tmp_path: Path) -> None:
    from planegraf.pipeline import dataset_sources, open_store
    from planegraf.validation.validate import start_validation, validate_store

    broken = _broken_plan(tmp_path)
    store = open_store([broken])
    sources = dataset_sources([broken])
    alone = validate_store(store, sources=sources)
    pending = start_validation(store, sources=sources, beside=True)
    assert pending.beside  # in a thread, the caller taking the queries left when it waits
    beside = pending.result()
    assert alone.has_violations
    assert beside.text("en") == alone.text("en")
    assert beside.text("sv") == alone.text("sv")
    assert len(beside.results_graph) == len(alone.results_graph)


def test_validation_that_swaps_literals_waits_for_the_caller_and_finds_the_same(
        tmp_path: Path) -> None:
    # "01"^^xsd:integer is stored as "1": SHACL judges the term as written, so the validator
    # swaps it into the store while it checks; beside a caller that reads the store it must
    # not, and runs when the caller waits for the report instead.
    from planegraf.rdf.store import EmbeddedStore
    from planegraf.validation.lexical import Source
    from planegraf.validation.validate import load_shapes, start_validation, validate_store

    shapes_file, data = tmp_path / "shapes.ttl", tmp_path / "data.ttl"
    prefixes = ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                "@prefix ex: <http://example.org/> .\n")
    shapes_file.write_text(prefixes + 'ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; '
                           'sh:property [ sh:path ex:p ; sh:hasValue "1"^^xsd:integer ] .\n',
                           encoding="utf-8")
    data.write_text(prefixes + 'ex:a ex:p "01"^^xsd:integer .\n', encoding="utf-8")
    store = EmbeddedStore()
    store.load_file(data)
    before = sorted(str(q) for q in store.oxigraph)
    shapes = load_shapes([shapes_file])
    alone = validate_store(store, shapes, sources=[Source(data)])
    pending = start_validation(store, shapes, sources=[Source(data)], beside=True)
    beside = pending.result()
    assert alone.has_violations  # only as written: the stored "1" has the value
    assert beside.text("en") == alone.text("en")
    assert sorted(str(q) for q in store.oxigraph) == before


def test_the_dataset_written_beside_the_site_is_whole_and_shared_by_the_download(
        good_build: Path) -> None:
    # The TriG is dumped in a thread while the pages are written; the download links it
    # only once it is whole: the same file, parsing to the same statements as the store.
    import pyoxigraph as ox

    dataset = good_build / "planegraf.trig"
    assert (good_build / "site" / "data" / "planegraf.trig").samefile(dataset)
    reread = ox.Store()
    reread.bulk_load(path=str(dataset), format=ox.RdfFormat.TRIG)
    assert len(reread) == len(build(good_build.parent / "again", lang="en",
                                    pages="reports").store)


def test_a_site_that_fails_while_the_dataset_is_written_leaves_the_last_good_output(
        good_build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from planegraf.publish.site import SiteWriter

    before = _files(good_build)

    def full_disk(self: SiteWriter) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SiteWriter, "write_index", full_disk)
    with pytest.raises(OSError, match="No space left"):
        build(good_build, lang="en", pages="reports")
    assert _files(good_build) == before
    assert not [p for p in good_build.parent.iterdir() if p.name.startswith(".out.")]


def test_a_failed_build_leaves_no_thread_reading_the_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A site that fails at once, while the validation and the summary have just begun
    # beside it: the error must not leave them reading the store (in a program that goes
    # on, or through the interpreter's exit).
    import threading

    import planegraf.pipeline as pipeline

    def fails_at_once(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "_write_site", fails_at_once)
    before = {t.ident for t in threading.enumerate()}
    with pytest.raises(OSError, match="No space left"):
        build(tmp_path / "out", lang="en", pages="reports")
    left = [t.name for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert left == []
    assert not (tmp_path / "out").exists()


def test_the_site_s_libraries_are_imported_while_the_data_loads(tmp_path: Path) -> None:
    # Matplotlib and NetworkX take about a second to import; the build imports them in a
    # thread while Oxigraph loads the data, so they are there before the shapes are checked.
    # A fresh interpreter: other tests have imported them already.
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from planegraf.i18n import Message\n"
        "from planegraf.pipeline import build\n"
        "seen = {}\n"
        "def progress(step):\n"
        "    if isinstance(step, Message) and step.key == 'cli_step_validate':\n"
        "        seen.update({m: m in sys.modules for m in "
        "('matplotlib.figure', 'networkx', 'planegraf.publish.site')})\n"
        f"result = build(Path({str(tmp_path / 'out')!r}), pages='reports', progress=progress)\n"
        "assert result.conforms\n"
        "print(seen)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == str({"matplotlib.figure": True, "networkx": True,
                                       "planegraf.publish.site": True}), done.stderr


def test_a_source_that_fails_to_load_stops_the_build_with_the_site_half_prepared(
        tmp_path: Path) -> None:
    from planegraf.errors import InputError

    bad = tmp_path / "bad.trig"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    project = Project.demonstration([bad], out_dir=tmp_path / "out")
    with pytest.raises(InputError) as raised:
        build(tmp_path / "out", project=project, pages="reports")
    assert raised.value.path == bad
    assert not (tmp_path / "out").exists()


def test_a_build_walks_its_site_s_objects_rarely_and_leaves_the_collector_as_it_found_it(
        tmp_path: Path) -> None:
    # Full garbage collections walk every object the site keeps (millions at a million
    # quads); a build makes them rare while it runs. A program that calls build() gets its
    # collector back as it set it, also when the build fails.
    import gc

    from planegraf.errors import InputError
    from planegraf.pipeline import FULL_COLLECTION_AFTER

    seen: list[tuple[int, int, int]] = []

    def progress(step: object) -> None:
        seen.append(gc.get_threshold())

    before = gc.get_threshold()
    gc.set_threshold(900, 11, 12)
    try:
        assert build(tmp_path / "out", pages="reports", progress=progress).conforms
        assert gc.get_threshold() == (900, 11, 12)
        assert seen and all(t == (900, 11, FULL_COLLECTION_AFTER) for t in seen)
        bad = tmp_path / "bad.trig"
        bad.write_text("<a> <b> .\n", encoding="utf-8")
        with pytest.raises(InputError):
            build(tmp_path / "out2", project=Project.demonstration([bad]), pages="reports")
        assert gc.get_threshold() == (900, 11, 12)
    finally:
        gc.set_threshold(*before)


def test_plans_sharing_a_title_each_get_their_own_heading_in_the_summary() -> None:
    # The national data has one "Handlingsplan …" per region and period with the same title:
    # the summary listed them all under one heading, their areas interleaved.
    from planegraf.pipeline import summarise
    from planegraf.rdf.store import EmbeddedStore
    from planegraf.synthetic import generate

    store = EmbeddedStore()
    store.oxigraph.extend(generate(10_000, seed=1))
    summary = summarise(store, "sv")
    plans = {area.plan for area in summary.areas}
    titles = {area.plan_title for area in summary.areas}
    assert len(titles) < len(plans)  # the case: titles repeat
    lines = summary.text("sv").splitlines()
    headings = [line for line in lines if line and not line[0].isspace()
                and not line[0].isdecimal() and line not in (
                    "Sammanfattning", "Aktiviteter per handlingsområde") and set(line) != {"="}
                and set(line) != {"-"}]
    assert len(headings) == len(plans) == len(set(headings))
    # each plan's areas come together, under its heading
    seen = [area.plan for area in summary.areas]
    assert seen == sorted(seen, key=seen.index)
