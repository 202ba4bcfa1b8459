"""Names that carry HTML or script stay text in every HTML planegraf writes.

The bundled data gets hostile names on an organisation, a group, an activity, a follow-up,
an action area, an objective, a goal and a plan (``fixtures/hostile/hostile-labels.ru``);
then the whole site (strategy tree, resource pages, organisations, gap report, network,
query catalogue with current answers, ontology docs) and the standalone network page are
written, checked as text for any raw payload, and opened in headless Chromium, where no
dialog may open and no injected element may appear.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.pipeline import open_store
from planegraf.publish.site import write_site
from planegraf.rdf.store import EmbeddedStore

from .browser import chromium_page
from .conftest import FIXTURES

UPDATE = FIXTURES / "hostile" / "hostile-labels.ru"
PAYLOADS = re.findall(r'"((?:[^"\\]|\\.)*)"@sv\)', UPDATE.read_text(encoding="utf-8"))
RAW = [p.replace('\\"', '"') for p in PAYLOADS]


@pytest.fixture(scope="module")
def hostile_store() -> EmbeddedStore:
    store = open_store()
    before = len(store)
    store.oxigraph.update(UPDATE.read_text(encoding="utf-8"))
    assert len(store) == before  # every name was replaced, none added
    return store


@pytest.fixture(scope="module")
def outputs(hostile_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    write_site(hostile_store, folder / "site")
    data = folder / "hostile.trig"
    data.write_bytes(hostile_store.oxigraph.dump(format=ox.RdfFormat.TRIG) or b"")
    subprocess.run(
        [sys.executable, "-m", "planegraf.cli", "network", "--alone", "--data", str(data),
         "--plan", "rjl-hp-2018-2020", "-o", str(folder / "network.html")],
        check=True, capture_output=True,
    )
    return folder


def test_the_payloads_are_in_the_data(hostile_store: EmbeddedStore) -> None:
    assert len(RAW) == 8
    dumped = (hostile_store.oxigraph.dump(format=ox.RdfFormat.N_QUADS) or b"").decode()
    for payload in RAW:
        assert payload.replace('"', '\\"') in dumped


def test_no_html_output_holds_a_payload_raw(outputs: Path) -> None:
    pages = sorted(outputs.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        text = page.read_text(encoding="utf-8")
        leaked = [p for p in RAW if p in text]
        assert not leaked, f"{page.relative_to(outputs)} prints {leaked} raw"


def _pages_to_open(outputs: Path) -> list[Path]:
    site = outputs / "site"
    chosen = [outputs / "network.html"]
    for name in ("index.html", "organisations.html", "gaps.html", "network.html",
                 "queries.html", "def/index.html",
                 "id/org/sektion-folkhalsa.html", "id/group/jonkopings-lan-kommuner.html",
                 "id/activity/rjl-hp-2018-2020/6-3.html",
                 "id/follow-up/rjl-hp-2018-2020/6-3.html",
                 "id/area/rjl-jamlik-halsa-2016-2025/6.html",
                 "id/objective/rjl-hp-2018-2020/6-1.html",
                 "id/goal/rjl-jamlik-halsa-2016-2025/strategiskt-3.html",
                 "id/plan/rjl-hp-2018-2020.html"):
        if (site / name).exists():
            chosen.append(site / name)
    return chosen


def test_hostile_names_never_run_in_the_browser(outputs: Path) -> None:
    pages = _pages_to_open(outputs)
    assert len(pages) >= 12
    injected = "img[src='x'], svg[onload], iframe[src^='javascript'], [onmouseover]"
    with chromium_page() as (page, watcher):
        for path in pages:
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            assert page.locator(injected).count() == 0, path.name
        assert watcher.dialogs == []
        assert watcher.page_errors == []
        assert watcher.outside_requests == []
