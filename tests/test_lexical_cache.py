"""Literals as written, without parsing every source again on every build (issue 11, speed).

The validator reads each source's typed literals as the file wrote them
(:mod:`planegraf.validation.lexical`). That second parse cost each build of the bundled data
about a tenth of its time and seconds at 100 000 quads; what a file holds of them is now kept
in the cache folder by a hash of its bytes. These tests pin that the cache never changes an
answer: an edited file is read again, a damaged entry is read as missing, and spellings of one
value spread over files (one cached, one not) are still all swapped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from planegraf.pipeline import dataset_sources
from planegraf.validation import lexical
from planegraf.validation.lexical import Source, scan

PREFIXES = """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PLANEGRAF_CACHE", str(folder))
    return folder


class Parses:
    """Counts the parses of source files for their literals."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        parse = lexical._parse_examined

        def counted(*args: Any) -> list[ox.Quad]:
            self.count += 1
            return parse(*args)

        monkeypatch.setattr(lexical, "_parse_examined", counted)


def _written(swaps: lexical.Rewritten) -> set[str]:
    """The literals as written that take the place of what the store holds."""
    return {str(lexical.as_written(q.object)) for quads in swaps.swaps.values() for q in quads}


def test_an_unchanged_source_is_not_parsed_again_for_its_literals(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(PREFIXES + 'ex:a ex:size "05"^^xsd:int ; ex:ok "2020-01-01"^^xsd:date .\n',
                    encoding="utf-8")
    parses = Parses(monkeypatch)
    first = scan([Source(data)])
    second = scan([Source(data)])
    assert parses.count == 1
    assert first.swaps == second.swaps
    assert _written(second) == {f'"05"^^<{XSD}int>'}


def test_an_edited_source_is_read_again_never_taken_stale_from_the_cache(
        tmp_path: Path, cache: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(PREFIXES + 'ex:a ex:size "05"^^xsd:int .\n', encoding="utf-8")
    assert _written(scan([Source(data)])) == {f'"05"^^<{XSD}int>'}
    data.write_text(PREFIXES + 'ex:a ex:size "07"^^xsd:int .\n', encoding="utf-8")
    assert _written(scan([Source(data)])) == {f'"07"^^<{XSD}int>'}
    data.write_text(PREFIXES + 'ex:a ex:size "7"^^xsd:integer .\n', encoding="utf-8")
    assert not scan([Source(data)])


def test_a_damaged_cache_entry_is_read_as_missing(tmp_path: Path, cache: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(PREFIXES + 'ex:a ex:size "05"^^xsd:int .\n', encoding="utf-8")
    expected = scan([Source(data)]).swaps
    (entry,) = cache.glob("lexical-*.nq")
    header = entry.read_bytes().splitlines(keepends=True)[0]
    entry.write_bytes(header + b"<not n-quads\n")
    assert scan([Source(data)]).swaps == expected
    entry.write_bytes(b"")  # no header: scanned as if new
    assert scan([Source(data)]).swaps == expected


def test_two_spellings_of_one_value_in_two_files_are_both_kept_with_the_cache(
        tmp_path: Path, cache: Path) -> None:
    canonical, other = tmp_path / "a.ttl", tmp_path / "b.ttl"
    canonical.write_text(PREFIXES + "ex:a ex:flag true .\n", encoding="utf-8")
    other.write_text(PREFIXES + 'ex:a ex:flag "1"^^xsd:boolean .\n', encoding="utf-8")
    sources = [Source(canonical), Source(other)]
    for _ in range(2):  # the second time both files come from the cache
        swaps = scan(sources).swaps
        assert len(swaps) == 1
        (replacements,) = swaps.values()
        assert {str(q.object) for q in replacements} == {
            f'"true"^^<{XSD}boolean>', f'"1"^^<urn:x-planegraf:as-written:{XSD}boolean>'}


def test_a_build_of_unchanged_sources_reads_none_of_their_literals_again(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = dataset_sources()
    assert not scan(sources)
    parses = Parses(monkeypatch)

    def no_reading(*_: Any) -> Any:
        raise AssertionError("read the examined quads although every literal is as stored")

    monkeypatch.setattr(lexical._FileScan, "quads", no_reading)
    assert not scan(sources)
    assert parses.count == 0


def test_without_a_cache_folder_the_sources_are_parsed_every_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANEGRAF_CACHE", "off")
    data = tmp_path / "data.ttl"
    data.write_text(PREFIXES + 'ex:a ex:size "05"^^xsd:int .\n', encoding="utf-8")
    parses = Parses(monkeypatch)
    assert _written(scan([Source(data)])) == _written(scan([Source(data)]))
    assert parses.count == 2


def test_a_source_whose_literals_are_as_stored_costs_one_line_of_cache(
        tmp_path: Path, cache: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(PREFIXES + "".join(f"ex:a{i} ex:size {i} ; ex:flag true .\n"
                                       for i in range(200)), encoding="utf-8")
    assert not scan([Source(data)])
    (entry,) = cache.glob("lexical-*.nq")
    assert entry.read_bytes() == lexical._AS_STORED


def _big_source(tmp_path: Path, rewritten: bool) -> Path:
    """A file over SCAN_AHEAD_BYTES, with one literal the store rewrites when asked."""
    data = tmp_path / "big.ttl"
    line = 'ex:s{} ex:label "{}" ; ex:on "2020-01-01"^^xsd:date .\n'
    filler = "x" * 200
    count = lexical.SCAN_AHEAD_BYTES // 250 + 10
    body = "".join(line.format(n, filler) for n in range(count))
    odd = 'ex:odd ex:size "05"^^xsd:int .\n' if rewritten else ""
    data.write_text(PREFIXES + body + odd, encoding="utf-8")
    assert data.stat().st_size >= lexical.SCAN_AHEAD_BYTES
    return data


@pytest.mark.parametrize("rewritten", [False, True])
def test_a_big_file_new_to_the_cache_is_read_on_another_core_while_the_store_loads(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, rewritten: bool) -> None:
    data = _big_source(tmp_path, rewritten)
    ahead = lexical.scan_ahead([Source(data)])
    assert ahead is not None
    ahead.join()
    # The child filled the cache, so the scan here parses nothing and finds the same.
    parses = Parses(monkeypatch)
    found = scan([Source(data)])
    assert parses.count == 0
    assert list(cache.glob("lexical-*.nq"))
    assert _written(found) == ({f'"05"^^<{XSD}int>'} if rewritten else set())


def test_small_files_are_scanned_where_they_are_needed_not_in_a_process_of_their_own(
        tmp_path: Path, cache: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(PREFIXES + 'ex:a ex:size "05"^^xsd:int .\n', encoding="utf-8")
    assert lexical.scan_ahead([Source(data)]) is None


def test_a_cancelled_scan_ahead_leaves_no_half_written_entry(
        tmp_path: Path, cache: Path) -> None:
    data = _big_source(tmp_path, rewritten=True)
    ahead = lexical.scan_ahead([Source(data)])
    assert ahead is not None
    ahead.cancel()
    # Whether or not the child got to write its entry, what is there reads whole, and the
    # scan finds the rewritten literal.
    assert not [p for p in cache.glob("*") if p.name.endswith(".tmp")]
    assert _written(scan([Source(data)])) == {f'"05"^^<{XSD}int>'}


def _children() -> set[str]:
    """The processes this one has started and not yet waited for (Linux)."""
    found: set[str] = set()
    for task in Path("/proc/self/task").iterdir():
        found.update((task / "children").read_text().split())
    return found


def test_a_build_whose_site_libraries_fail_to_import_leaves_no_scan_behind(
        tmp_path: Path, cache: Path) -> None:
    """The build imports the site's libraries in a thread while the data loads; when that
    fails (a broken installation), the error stops the build, and the scan of the
    literals started beside the load is stopped and waited for as on any other error, not
    left running (or unreaped) in a process that goes on."""
    from planegraf.pipeline import _check_started
    from planegraf.rdf.loading import quiet

    data = _big_source(tmp_path, rewritten=False)
    before = _children()

    def broken() -> None:
        raise ImportError("matplotlib cannot be imported")

    with pytest.raises(ImportError, match="matplotlib"):
        _check_started([data], bundled=False, progress=quiet, project=None,
                       beside=lambda _: False, prepare=broken)
    assert _children() == before
