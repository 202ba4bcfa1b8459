"""What the site's network and compare sections cost, part by part, at national scale.

    .venv/bin/python benchmarks/network_section.py --trig /work/tmp/data/synthetic-1000000.trig \
        [--runs 3]

Each run is a fresh process that loads and derives the TriG once (not timed here: the floor
and the build's other steps have their own benchmarks), then times, in this order:

- ``load_network_data`` (once per build: ``SiteWriter.network_data``), ``network_metrics``
  with what the page reads (summary, node degree), the first layout (``viz.first_layout``),
  one PNG and one SVG picture in Swedish and the Swedish page (``viz.network_html``) as
  separate parts;
- the whole network section as the site writes it (the page, PNG and SVG in both
  languages), then the whole compare section (its comparisons when the section is made,
  then its pages when written), with the sizes of the files they write.

The network data and metrics objects of the first part are not shared with the sections,
which read their own as a build does (the section's metrics are its own; the network data
is the writer's, read once). Medians of the runs are printed with the load average at the
end of each run, and the CPU time of each part: the machine is shared, so compare
before/after in interleaved runs, by CPU time when the load is high.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def one_run(trig: Path) -> dict[str, Any]:
    from planegraf.analysis import network
    from planegraf.publish import site
    from planegraf.rdf.loading import open_store
    from planegraf.render import pictures, viz

    store = open_store([trig], bundled=False)
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    sizes: dict[str, int] = {}

    def timed(name: str, work: Any) -> Any:
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        times[name] = time.perf_counter() - started
        cpu[name] = time.process_time() - started_cpu
        return result

    data = timed("load_network_data", lambda: network.load_network_data(store))

    def metrics_for_page() -> Any:
        metrics = network.network_metrics(data)
        metrics.node_values("degree")
        return metrics

    metrics = timed("network_metrics", metrics_for_page)
    layout = timed("first_layout", lambda: viz.first_layout(metrics.graph))
    sectors = viz.sector_labels(store, "sv")
    for fmt in ("png", "svg"):
        picture = timed(f"picture {fmt} (sv)", lambda fmt=fmt: pictures.picture_bytes(
            fmt, data, metrics, lang="sv", sectors=sectors, positions=layout))
        sizes[f"picture {fmt}"] = len(picture)
    page = timed("network_html (sv)", lambda: viz.network_html(
        data, metrics, lang="sv", sectors=sectors, positions=layout))
    sizes["network_html"] = len(page.encode())

    with tempfile.TemporaryDirectory() as folder:
        writer = site.SiteWriter(store, Path(folder), "sv", resource_pages=False)
        writer._network_data = data  # read once per build, timed above
        # The report pages' type index, read by whichever section links first.
        timed("type index (shared)", lambda: writer.index.has_statements(trig.as_uri()))
        network_section = site._network_section(writer)
        compare_section = timed("compare section: made", lambda: site._compare_section(writer))
        writer.sections = [s for s in (network_section, compare_section) if s is not None]
        if network_section is not None:
            timed("network section: written", lambda: network_section.write(writer))
        if compare_section is not None:
            timed("compare section: written", lambda: compare_section.write(writer))
        for path in sorted(Path(folder).iterdir()):
            sizes[path.name] = path.stat().st_size
    return {"times": times, "cpu": cpu, "sizes": sizes, "load": os.getloadavg()[0],
            "nodes": metrics.summary.nodes, "edges": metrics.summary.edges}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trig", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.trig)))
        return
    runs = []
    for number in range(args.runs):
        done = subprocess.run([sys.executable, __file__, "--trig", str(args.trig), "--one"],
                              capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"run {number + 1}: load average {runs[-1]['load']:.2f}", file=sys.stderr)
    first = runs[0]
    loads = ", ".join(f"{r['load']:.1f}" for r in runs)
    print(f"{args.trig.name}: {first['nodes']} organisations, {first['edges']} ties; "
          f"load averages {loads}")
    # CPU time of this process beside the wall time: on a shared machine the wall time is
    # mostly other jobs' (the SPARQL and the drawing run in this process alone).
    print("| part | median s | runs | median CPU s |\n|---|---|---|---|")
    for name in first["times"]:
        values = [r["times"][name] for r in runs]
        print(f"| {name} | {statistics.median(values):.2f} | "
              f"{', '.join(f'{v:.2f}' for v in values)} | "
              f"{statistics.median(r['cpu'][name] for r in runs):.2f} |")
    print("\n| file | bytes |\n|---|---|")
    for name, size in first["sizes"].items():
        print(f"| {name} | {size:,} |")


if __name__ == "__main__":
    main()
