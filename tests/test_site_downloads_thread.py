"""The site's downloads are written by a thread beside the pages (issue 15). An error in
that thread must fail the whole site as an error in the pages does: the site already in
place stays as it was, nothing half-written replaces it, and no thread is left running."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from planegraf.pipeline import open_store
from planegraf.publish.site import write_site


def test_a_download_that_cannot_be_written_leaves_the_previous_site_as_it_was(
        tmp_path: Path) -> None:
    store = open_store()
    out = tmp_path / "site"
    write_site(store, out, pages="reports")
    before = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    # The TriG download shares the build's file: one that is not there fails the thread.
    with pytest.raises(FileNotFoundError):
        write_site(store, out, pages="reports", dataset_file=tmp_path / "missing.trig")
    after = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before
    assert not [t for t in threading.enumerate() if t.name == "planegraf-downloads"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []
