"""Speed of ``planegraf network`` and ``planegraf gaps`` on synthetic national-scale data.

Target (issue 5): each whole command under 5× the time Oxigraph needs to load the same data
(``pyoxigraph.Store().bulk_load(path=…)``, the floor). Runs each as a fresh process and
reports medians, the time of each phase in one process, the size of the network page, and
exact against sampled betweenness by graph size, which sets
``planegraf.analysis.network.BETWEENNESS_WORK_LIMIT``.

    .venv/bin/python benchmarks/network_gaps.py --triples 1000000 --seed 1 --runs 3

The data comes from ``planegraf.synthetic`` (as ``benchmarks/synthetic_data.py`` writes it),
so every benchmark measures the same dataset.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from planegraf.analysis.network import (
    BETWEENNESS_DELTA,
    BETWEENNESS_EPSILON,
    BETWEENNESS_WORK_LIMIT,
    betweenness,
    path_search_work,
)
from planegraf.synthetic import write_trig


def floor_seconds(path: Path) -> tuple[float, int]:
    """Oxigraph's own bulk load of the file into a fresh in-memory store."""
    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
    return time.perf_counter() - start, len(store)


def command_seconds(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "planegraf.cli", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def phases(data: Path, out: Path) -> list[tuple[str, float, float]]:
    """The time of each phase of ``network`` and ``gaps`` in this process: wall and CPU
    seconds (on a shared machine the wall time is mostly other jobs')."""
    from planegraf.analysis.gaps import coordination_gaps, gaps_markdown, load_objectives
    from planegraf.analysis.network import load_network_data, network_metrics
    from planegraf.pipeline import derive, load_dataset
    from planegraf.render.viz import sector_labels, write_export

    timings: list[tuple[str, float, float]] = []

    def timed(name: str, step: Callable[[], Any]) -> Any:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = step()
        timings.append((name, time.perf_counter() - start, time.process_time() - start_cpu))
        return result

    store = timed("load (ontology + file)", lambda: load_dataset([data], bundled=False))
    timed("derive (build only: network and gaps skip it)", lambda: derive(store))
    network = timed("network data (SPARQL)", lambda: load_network_data(store))
    metrics = timed("collaboration graph + summary", lambda: network_metrics(network))
    timed("network page (sized by degree)",
          lambda: write_export(out, "html", network, metrics, sectors=sector_labels(store, "sv")))
    timed("every other metric (metrics command, exports)", lambda: metrics.organisations)
    found = timed("gap rules", lambda: coordination_gaps(network, load_objectives(store)))
    timed("gap report (Markdown)", lambda: gaps_markdown(found, network))
    between = metrics.betweenness
    print(f"collaboration graph: {metrics.summary.nodes} nodes, {metrics.summary.edges} ties, "
          f"{metrics.summary.components} components, "
          f"{path_search_work(metrics.graph):,} search steps; betweenness "
          + ("exact" if between.exact else
             f"sampled ({between.pivots} pivots, ±{between.error_bound:.3f})"))
    return timings


def betweenness_by_size(sizes: list[int], degree: int) -> None:
    print("\n| nodes | ties | search steps | exact s | planegraf | pivots | ±ε (95 %) | "
          "planegraf s |\n|---:|---:|---:|---:|---|---:|---:|---:|")
    for n in sizes:
        graph = nx.connected_watts_strogatz_graph(n, degree, 0.2, seed=1)
        start = time.perf_counter()
        nx.betweenness_centrality(graph)
        exact = time.perf_counter() - start
        start = time.perf_counter()
        ours = betweenness(graph)
        took = time.perf_counter() - start
        print(f"| {n} | {graph.number_of_edges()} | {path_search_work(graph):,} | {exact:.2f} | "
              f"{'exact' if ours.exact else 'sampled'} | {ours.pivots} | "
              f"{ours.error_bound:.3f} | {took:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="runs per command (default 3)")
    parser.add_argument("--betweenness-sizes", default="300,600,1000,1500")
    parser.add_argument("--betweenness-degree", type=int, default=30,
                        help="ties per node of the test graphs (default 30)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "national.trig"
        quads = write_trig(data, args.triples, args.seed)
        print(f"data: {quads} quads ({data.stat().st_size / 1e6:.0f} MB TriG), "
              f"seed {args.seed}")
        common = ["-q", "--alone", "--data", str(data)]
        commands = {
            "planegraf network": ["network", *common, "-o", str(Path(folder) / "n.html")],
            "planegraf gaps": ["gaps", *common, "-o", str(Path(folder) / "g.md")],
        }
        times: dict[str, list[float]] = {"floor": [], **{name: [] for name in commands}}
        for _ in range(args.runs):
            times["floor"].append(floor_seconds(data)[0])
            for name, command in commands.items():
                times[name].append(command_seconds(*command))
        medians = {name: statistics.median(values) for name, values in times.items()}
        floor = medians["floor"]
        print(f"\n| command ({args.runs} runs, {quads:,} quads) | median | × floor | target |")
        print("|---|---:|---:|---|")
        print(f"| Oxigraph `bulk_load` (the floor) | {floor:.2f} s | 1.0 | |")
        for name in commands:
            ratio = medians[name] / floor
            verdict = "met" if ratio < 5 else "**missed**"
            print(f"| `{name}` | {medians[name]:.2f} s | {ratio:.1f} | < 5×: {verdict} |")
        print(f"\nnetwork page: {(Path(folder) / 'n.html').stat().st_size / 1e6:.1f} MB")
        print()
        timings = phases(data, Path(folder) / "phases.html")
        print("\n| phase (one process) | seconds | CPU seconds |\n|---|---:|---:|")
        for name, seconds, cpu in timings:
            print(f"| {name} | {seconds:.2f} | {cpu:.2f} |")
    print(f"\nbetweenness: exact up to {BETWEENNESS_WORK_LIMIT:,} search steps, sampled above "
          f"(ε = {BETWEENNESS_EPSILON}, δ = {BETWEENNESS_DELTA}, pivots capped by the same "
          "steps); test graphs: connected Watts–Strogatz")
    betweenness_by_size([int(s) for s in args.betweenness_sizes.split(",")],
                        args.betweenness_degree)


if __name__ == "__main__":
    main()
