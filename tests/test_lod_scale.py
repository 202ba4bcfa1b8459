"""The downloads at national scale (issue 15): above ``AUTO_PAGES_QUADS`` the site keeps the
TriG and the gzip-compressed N-Quads as files, the description still offers every format
(the others where ``planegraf serve`` answers them, streamed from the dataset), and the
build never writes the same TriG twice.

The threshold is lowered for these tests so that the bundled data stands in for the
national data: what changes above it is which files are written, not how.
"""

from __future__ import annotations

import gzip
import os
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef, namespace

import planegraf.publish.site as site
from planegraf.cli import cli
from planegraf.pipeline import build, open_store
from planegraf.publish import lod
from planegraf.publish.serve import serve
from planegraf.rdf import atomic
from planegraf.rdf.store import EmbeddedStore

ON_REQUEST = ("ttl", "jsonld", "nt", "rdfxml")


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return open_store()


@pytest.fixture(scope="module")
def national_site(store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled data's site written as a site above the threshold is."""
    folder = tmp_path_factory.mktemp("national") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site, "AUTO_PAGES_QUADS", len(store) - 1)
        site.write_site(store, folder)
    return folder


def _quads(quads: Any) -> set[tuple[str, str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in quads}


def test_a_national_site_keeps_only_the_trig_and_the_gzipped_nquads(national_site: Path) -> None:
    names = sorted(p.name for p in (national_site / "data").iterdir())
    assert names == ["planegraf.nq.gz", "planegraf.trig"]


def test_the_gzipped_nquads_hold_the_same_quads_as_the_trig(
        national_site: Path, store: EmbeddedStore) -> None:
    data = national_site / "data"
    from_nquads, from_trig = ox.Store(), ox.Store()
    from_nquads.load(gzip.decompress((data / "planegraf.nq.gz").read_bytes()),
                     format=ox.RdfFormat.N_QUADS)
    from_trig.load(path=str(data / "planegraf.trig"), format=ox.RdfFormat.TRIG)
    assert _quads(from_nquads) == _quads(from_trig) == _quads(store.oxigraph)


def test_the_gzipped_nquads_are_the_same_bytes_at_every_build(
        national_site: Path, store: EmbeddedStore, tmp_path: Path) -> None:
    again = lod.export_compressed(store, "nq", tmp_path / "planegraf.nq.gz")
    assert again.read_bytes() == (national_site / "data" / "planegraf.nq.gz").read_bytes()
    # The plain dump it compressed (in a folder of its own beside) is gone.
    assert [p.name for p in tmp_path.iterdir()] == ["planegraf.nq.gz"]
    # The header names the plain file and no time (gzip's FNAME and MTIME fields).
    header = again.read_bytes()[:32]
    assert header[4:8] == b"\0\0\0\0" and b"planegraf.nq\0" in header


def _description(national_site: Path) -> Graph:
    return Graph().parse(national_site / "dataset.ttl", format="turtle")


def _distribution(key: str) -> URIRef:
    return URIRef(f"{lod.DATASET}/distribution/{key}")


def test_a_national_description_still_offers_every_format(national_site: Path) -> None:
    description = _description(national_site)
    distributions = set(description.objects(lod.DATASET, namespace.DCAT.distribution))
    assert distributions == {_distribution(key) for key in lod.SERIALISATIONS}
    base = lod.DEFAULT_BASE_URL + "data/"
    for key in ON_REQUEST:
        s = lod.SERIALISATIONS[key]
        assert description.value(_distribution(key), namespace.DCAT.accessURL) == URIRef(
            base + s.file_name)
        # Not a file of the site: no download URL, no size, no void:dataDump.
        assert description.value(_distribution(key), namespace.DCAT.downloadURL) is None
        assert description.value(_distribution(key), namespace.DCAT.byteSize) is None
        assert (lod.DATASET, namespace.VOID.dataDump, URIRef(base + s.file_name)) \
            not in description
    dumps = set(description.objects(lod.DATASET, namespace.VOID.dataDump))
    assert dumps == {URIRef(base + "planegraf.trig"), URIRef(base + "planegraf.nq.gz")}


def test_the_gzipped_nquads_are_described_with_their_compression_and_size(
        national_site: Path) -> None:
    description = _description(national_site)
    nq = _distribution("nq")
    file = national_site / "data" / "planegraf.nq.gz"
    assert description.value(nq, namespace.DCAT.downloadURL) == URIRef(
        lod.DEFAULT_BASE_URL + "data/planegraf.nq.gz")
    assert description.value(nq, namespace.DCAT.compressFormat) == URIRef(
        "https://www.iana.org/assignments/media-types/application/gzip")
    assert description.value(nq, namespace.DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/application/n-quads")
    size = description.value(nq, namespace.DCAT.byteSize)
    assert isinstance(size, Literal) and int(size) == file.stat().st_size
    # One file of one format: no package format (that is for files bundled together).
    assert description.value(nq, namespace.DCAT.packageFormat) is None


def test_a_national_description_passes_the_dcat_ap_shapes(
        national_site: Path, shared: Path) -> None:
    report = lod.check_description(_description(national_site), shared / "external")
    assert report.conforms, report.text()


def test_the_start_page_links_only_the_files_a_national_site_holds(national_site: Path) -> None:
    page = (national_site / "index.html").read_text("utf-8")
    assert 'href="data/planegraf.nq.gz" type="application/gzip"' in page
    assert 'href="data/planegraf.trig"' in page
    for key in ON_REQUEST:
        assert f'href="data/{lod.SERIALISATIONS[key].file_name}"' not in page


def test_a_small_site_keeps_every_format_as_a_file(store: EmbeddedStore, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site, "AUTO_PAGES_QUADS", len(store))
        site.write_site(store, tmp_path / "site", pages="reports")
    assert sorted(p.name for p in (tmp_path / "site" / "data").iterdir()) == sorted(
        s.file_name for s in lod.SERIALISATIONS.values())


def test_pages_all_keeps_every_format_above_the_threshold_too(
        store: EmbeddedStore, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site, "AUTO_PAGES_QUADS", 10)
        assert site.every_download_written(store, "all")
        assert not site.every_download_written(store, "auto")
        assert not site.every_download_written(store, "reports")


# -- the dataset written once ------------------------------------------------------------------


def test_the_build_writes_the_trig_once_for_out_and_the_site(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build(out)
    assert result.conforms
    dataset, download = out / "planegraf.trig", out / "site" / "data" / "planegraf.trig"
    assert os.path.samefile(dataset, download)
    first = dataset.read_bytes()
    # A second build replaces the folder whole; the files are again one, with the same bytes.
    build(out)
    assert os.path.samefile(dataset, download)
    assert dataset.read_bytes() == first


def test_a_failed_build_leaves_the_shared_trig_of_the_last_good_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(out)
    before = (out / "planegraf.trig").read_bytes()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the description could not be written")

    monkeypatch.setattr(lod, "write_dataset_description", broken)
    with pytest.raises(RuntimeError):
        build(out)
    assert (out / "planegraf.trig").read_bytes() == before
    assert os.path.samefile(out / "planegraf.trig", out / "site" / "data" / "planegraf.trig")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_the_trig_is_copied_where_it_cannot_be_linked(tmp_path: Path) -> None:
    other = Path("/dev/shm")
    if not other.is_dir() or os.stat(other).st_dev == os.stat(tmp_path).st_dev:
        pytest.fail("this test needs /dev/shm on a file system of its own")
    source = tmp_path / "planegraf.trig"
    source.write_bytes(b"<http://ex/a> <http://ex/b> <http://ex/c> .\n" * 1000)
    target = other / f"planegraf-test-{os.getpid()}" / "x.trig"
    try:
        atomic.link_or_copy(source, target)
        assert target.read_bytes() == source.read_bytes()
        assert not os.path.samefile(source, target)
        assert oct(target.stat().st_mode & 0o444) == "0o444"
    finally:
        target.unlink(missing_ok=True)
        target.parent.rmdir()


# -- serve and export answer every format -----------------------------------------------------


def _get(url: str) -> tuple[int, Message, bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


@pytest.fixture(scope="module")
def served(national_site: Path) -> Any:
    with serve(national_site, national_site / "data" / "planegraf.trig") as running:
        yield running


@pytest.mark.parametrize("key", ON_REQUEST)
def test_serve_streams_a_format_the_national_site_has_no_file_for(
        served: Any, store: EmbeddedStore, national_site: Path, key: str) -> None:
    target = lod.SERIALISATIONS[key]
    assert not (national_site / "data" / target.file_name).exists()
    status, headers, body = _get(served.site_url + "data/" + target.file_name)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == target.media_type
    reread = ox.Store()
    reread.load(body, format=target.rdf_format)
    assert {q[:3] for q in _quads(reread)} == {q[:3] for q in _quads(store.oxigraph)}


def test_serve_answers_the_national_sites_files_as_they_are(
        served: Any, national_site: Path) -> None:
    status, _, body = _get(served.site_url + "data/planegraf.nq.gz")
    assert status == 200 and body == (national_site / "data" / "planegraf.nq.gz").read_bytes()


def test_serve_says_404_for_a_download_that_is_no_format(served: Any) -> None:
    status, headers, body = _get(served.site_url + "data/planegraf.xlsx")
    assert status == 404 and headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("key", ON_REQUEST)
def test_export_writes_a_format_the_national_site_has_no_file_for(
        tmp_path: Path, store: EmbeddedStore, key: str) -> None:
    target = lod.SERIALISATIONS[key]
    path = tmp_path / target.file_name
    result = CliRunner().invoke(cli, ["export", "-o", str(path)])
    assert result.exit_code == 0, result.output
    reread = ox.Store()
    reread.load(path=str(path), format=target.rdf_format)
    assert {q[:3] for q in _quads(reread)} == {q[:3] for q in _quads(store.oxigraph)}


def test_describe_of_a_national_dataset_names_the_files_its_site_holds_and_checks_clean(
        store: EmbeddedStore, shared: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site, "AUTO_PAGES_QUADS", len(store) - 1)
    monkeypatch.setenv("PLANEGRAF_SHARED", str(shared))
    path = tmp_path / "dataset.ttl"
    result = CliRunner().invoke(cli, ["describe", "-o", str(path), "--check", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "DCAT-AP 3.0.1: 0 violation(s)" in result.output
    description = Graph().parse(path, format="turtle")
    assert description.value(_distribution("nq"), namespace.DCAT.downloadURL) == URIRef(
        lod.DEFAULT_BASE_URL + "data/planegraf.nq.gz")
    assert description.value(_distribution("ttl"), namespace.DCAT.downloadURL) is None
