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


def test_the_site_does_other_work_before_it_waits_for_its_downloads(tmp_path: Path) -> None:
    # The build hands the site its validation's queries: a core is not left idle waiting for
    # the downloads while some remain.
    calls: list[str] = []
    write_site(open_store(), tmp_path / "site", pages="reports",
               while_waiting=lambda: calls.append(threading.current_thread().name))
    assert calls == [threading.current_thread().name]


def test_a_validation_beside_lets_its_caller_run_the_queries_it_has_not_begun() -> None:
    from planegraf.validation.validate import start_validation

    store = open_store()
    alone = start_validation(store, beside=False)
    alone.help()  # nothing to do: it is over
    pending = start_validation(store, beside=True)
    pending.help()  # runs queries not yet begun, if any, on this thread
    assert pending.result().text("en") == alone.result().text("en")
