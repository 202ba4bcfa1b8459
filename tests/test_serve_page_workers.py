"""``planegraf serve`` renders resource pages in forked page workers (issue 15, item 3: one
server process saturated at about 55 pages/s at a million quads, whatever the cores): the
same pages, none of their work in the server process, and a worker that dies costs no page.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from planegraf.pipeline import open_store
from planegraf.publish.serve_pages import PageWorkers
from planegraf.publish.site import PageRenderer

from .servers import CountingLookups, bundled_site

ROOT = "https://w3id.org/planegraf/"
PAGES = ("id/org/qulturum", "id/activity/rjl-hp-2018-2020/6-3", "id/plan/rjl-hp-2018-2020")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_site(tmp_path_factory, "page-workers")


@pytest.fixture
def workers(site: Path):  # type: ignore[no-untyped-def]
    counting = CountingLookups(open_store().oxigraph)
    pool = PageWorkers(PageRenderer(counting, site))  # type: ignore[arg-type]
    pool.start(2)
    yield pool, counting
    pool.stop()


def test_pages_are_rendered_outside_the_server_process_and_are_the_static_pages(
        workers, site):
    """The server process stays free to answer other requests while pages render."""
    pool, counting = workers
    assert len(pool.processes) == 2
    assert all(p.pid != os.getpid() and p.is_alive() for p in pool.processes)
    before = counting.lookups
    for stem in PAGES:
        assert pool.page(ROOT + stem, stem, "sv") == (site / f"{stem}.html").read_text("utf-8")
        assert pool.page(ROOT + stem, stem, "en") == (site / f"{stem}.en.html").read_text(
            "utf-8")
        assert pool.data(ROOT + stem, ".ttl") == (site / f"{stem}.ttl").read_bytes()
    assert counting.lookups == before  # every lookup was a worker's


def test_a_page_worker_that_dies_costs_no_page(workers, site):
    """A worker killed (out of memory, by hand) loses no request: the page comes from the
    other worker, and with none left from the server process itself."""
    pool, counting = workers
    stem = PAGES[0]
    expected = (site / f"{stem}.html").read_text("utf-8")
    for process in pool.processes:
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=10)
        for _ in range(3):
            assert pool.page(ROOT + stem, stem, "sv") == expected
    assert counting.lookups > 0  # rendered here once no worker was left


def test_an_iri_the_data_does_not_describe_has_no_page_from_a_worker(workers):
    pool, _ = workers
    assert pool.page(ROOT + "id/org/no-such-organisation", "id/org/no-such-organisation",
                     "sv") is None
    assert pool.data(ROOT + "id/org/no-such-organisation", ".ttl") is None
