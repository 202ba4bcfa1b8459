"""The site written by forked workers is the site written by one process, file for file; a
worker that fails fails the whole site and leaves the previous one in place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import planegraf.publish.site as site
from planegraf.pipeline import open_store
from planegraf.rdf.atomic import MARKER
from planegraf.rdf.store import EmbeddedStore


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return open_store()


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_forked_workers_write_the_same_site_as_one_process(
        store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site, "_cpu_count", lambda: 3)
    resources = site.SiteWriter(store, tmp_path / "probe").resources()
    assert len(resources) >= site.PARALLEL_RESOURCES  # so that the workers are forked
    forked = site.write_site(store, tmp_path / "forked")
    monkeypatch.setattr(site, "PARALLEL_RESOURCES", len(resources) + 1)
    alone = site.write_site(store, tmp_path / "alone")
    assert _tree(tmp_path / "forked") == _tree(tmp_path / "alone")
    assert sorted(p.relative_to(tmp_path / "forked") for p in forked) == \
        sorted(p.relative_to(tmp_path / "alone") for p in alone)
    assert len(forked) == len(set(forked))
    assert {p for p in (tmp_path / "forked").rglob("*")
            if p.is_file() and p.name != MARKER} == set(forked)


def test_a_failing_worker_fails_the_site_and_keeps_the_old_one(
        store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "previous.txt").write_text("the site before", encoding="utf-8")
    (out / MARKER).write_text("an earlier site of planegraf's", encoding="utf-8")
    parent = os.getpid()
    page = site.SiteWriter._resource_page

    def broken_in_workers(self: site.SiteWriter, *args: str) -> None:
        if os.getpid() != parent:
            raise OSError("disk full")
        page(self, *args)

    monkeypatch.setattr(site, "_cpu_count", lambda: 2)
    monkeypatch.setattr(site.SiteWriter, "_resource_page", broken_in_workers)
    with pytest.raises(RuntimeError, match="worker writing resource pages failed"):
        site.write_site(store, out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "previous.txt"]
