"""How fast the interactive network page draws the national synthetic network in Chromium.

    .venv/bin/python benchmarks/network_page.py [--triples 100000] [--runs 5] [--width 1400]

The data is ``planegraf.synthetic`` (seed 1; at 100 000 triples about 670 organisations and
5 200 ties, the national network of 21 regions and 290 municipalities). The page is written
as ``planegraf network -o network.html`` writes it, then opened ``--runs`` times, each time
in a freshly launched headless Chromium (Debian's ``/usr/bin/chromium``, as the tests use
it). For each load the page's own clock (``performance.now()``, from the start of the
navigation) records:

- *first stable drawing*: the first frame drawn once the network stands still, names sized
  and placed. The page is written with its first layout (``viz.page_layout``: a seeded
  spring layout per connected part, the parts packed in rows), so no simulation runs before
  it; a page laid out by vis-network's physics instead (``forceAtlas2Based``, 150
  iterations, its "improved layout" off above 150 nodes) took 5–12 s here in single loads
  at load average 10–16;
- *filter*: from choosing one county in the filter to the first frame of the re-laid-out
  network (the physics runs on the visible organisations only, then stops), and from
  clearing it to the whole network again (each filter's layout is kept, so this one is
  redrawn, not simulated).

The time Python takes to write the page (``network_html``, with its layout) is printed too.

Medians of the runs are printed as a Markdown table row for the README's benchmark section.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("PLANEGRAF_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def write_page(triples: int, seed: int, folder: Path) -> tuple[Path, int, int]:
    """The national synthetic network's page; its path, organisations and ties."""
    from planegraf.analysis.network import load_network_data, network_metrics
    from planegraf.pipeline import open_store
    from planegraf.render.viz import sector_labels, write_export
    from planegraf.synthetic import write_trig

    trig = folder / "national.trig"
    write_trig(trig, triples, seed)
    store = open_store([trig], bundled=False)
    data = load_network_data(store)
    metrics = network_metrics(data)
    page = folder / "network.html"
    started = time.perf_counter()
    write_export(page, "html", data, metrics, sectors=sector_labels(store, "sv"))
    print(f"network_html and write: {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return page, metrics.summary.nodes, metrics.summary.edges


def _poll(page: Any, expression: str) -> Any:
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        page.wait_for_timeout(20)


def one_load(path: Path, width: int) -> dict[str, float]:
    """Open the page in a fresh browser; the page's own timings in milliseconds."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            first = _poll(page, "window.planegraf && window.planegraf.timings.firstStable")
            shown = page.evaluate("window.planegraf.visibleNodeCount()")
            filtered = _filter(page, "filter-county", 1, 2)
            cleared = _filter(page, "filter-county", 0, 3)
            if errors:
                raise SystemExit(f"the page failed: {errors}")
            return {"first": float(first), "filter": filtered, "clear": cleared,
                    "nodes": float(shown)}
        finally:
            browser.close()


def _filter(page: Any, select: str, option: int, layouts: int) -> float:
    # Choose the option as a reader does (a change event), stamped by the page's clock.
    started = page.evaluate(
        f"(() => {{ const s = document.getElementById({select!r});"
        f" s.selectedIndex = {option}; const t = performance.now();"
        " s.dispatchEvent(new Event('change')); return t; })()")
    done = _poll(page, f"window.planegraf.timings.drawn >= {layouts} && "
                       "window.planegraf.timings.lastStable")
    return float(done) - float(started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--width", type=int, default=1400)
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path, nodes, edges = write_page(args.triples, args.seed, Path(folder))
        written = time.perf_counter() - started
        size = path.stat().st_size
        print(f"page: {nodes} organisations, {edges} ties, {size / 1e6:.1f} MB "
              f"(data and page written in {written:.1f} s)", file=sys.stderr)
        runs = []
        for number in range(args.runs):
            run = one_load(path, args.width)
            runs.append(run)
            print(f"run {number + 1}: first stable drawing {run['first'] / 1000:.2f} s, "
                  f"county filter {run['filter'] / 1000:.2f} s, cleared "
                  f"{run['clear'] / 1000:.2f} s", file=sys.stderr)
    first = statistics.median(r["first"] for r in runs) / 1000
    filtered = statistics.median(r["filter"] for r in runs) / 1000
    cleared = statistics.median(r["clear"] for r in runs) / 1000
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"| the network page of the synthetic national data ({nodes} organisations, "
          f"{edges} ties, {size / 1e6:.1f} MB) in headless Chromium at {args.width} px, "
          f"median of {args.runs} fresh browsers (load average {load}) | "
          f"`python benchmarks/network_page.py --triples {args.triples} --runs {args.runs}` | "
          f"first stable drawing **{first:.2f} s**; one county chosen in the filter, laid out "
          f"and drawn again: **{filtered:.2f} s**; filter cleared: {cleared:.2f} s | "
          "responsive (issue 14 sets no number) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
