"""Speed of ``planegraf network`` and ``planegraf gaps`` on synthetic national-scale data.

Target: each whole command under 5× the time Oxigraph needs to load the same data. Also
measures exact against sampled betweenness by graph size, which sets
``planegraf.network.EXACT_BETWEENNESS_LIMIT``.

    .venv/bin/python benchmarks/network_gaps.py --triples 1000000

The data is generated here (21 regions, each with a strategy of 9 areas, one plan, its own
units, municipalities and associations, and national agencies shared by all regions).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from planegraf.network import BETWEENNESS_DELTA, BETWEENNESS_EPSILON, sample_size

PREFIXES = """@prefix pg: <https://w3id.org/planegraf/def#> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/planegraf/id/> .
"""
TRIPLES_PER_ACTIVITY = 30  # measured on the generated data, derived shortcuts included
FOLLOW_UPS = ("Antal genomförda utbildningar", "Uppföljning av genomförda aktiviteter.",
              "Rutin etablerad", "Andel skolor som deltar", "Enligt projektplan")
SECTORS = ("regional-unit", "municipality", "civil-society", "university-research",
           "private")


def generate(path: Path, triples: int, seed: int = 1) -> None:
    """Write a TriG file of about ``triples`` triples (after derivation)."""
    rng = random.Random(seed)
    regions = 21
    activities_per_region = max(9, triples // TRIPLES_PER_ACTIVITY // regions)
    national = [f"id:org\\/agency-{i}" for i in range(12)]
    out = [PREFIXES, "id:graph\\/organisations {"]
    for i, agency in enumerate(national):
        out.append(f'{agency} a org:Organization ; skos:prefLabel "Myndighet {i}"@sv ; '
                   "org:classification id:sector\\/state-agency .")
    members: dict[int, list[str]] = {}
    for r in range(regions):
        orgs = []
        for k in range(60):
            sector = SECTORS[k % len(SECTORS)]
            iri = f"id:org\\/r{r}-o{k}"
            orgs.append(iri)
            out.append(f'{iri} a org:Organization ; skos:prefLabel "Region {r} aktör {k}"@sv ; '
                       f"org:classification id:sector\\/{sector} .")
        municipalities = [o for k, o in enumerate(orgs) if SECTORS[k % len(SECTORS)]
                          == "municipality"]
        out.append(f'id:group\\/r{r}-kommuner a pg:AgentGroup ; skos:prefLabel "Kommuner {r}"@sv ; '
                   "org:classification id:sector\\/group ; "
                   "pg:memberSector id:sector\\/municipality ; foaf:member "
                   + ", ".join(municipalities) + " .")
        members[r] = orgs + [f"id:group\\/r{r}-kommuner"]
    out.append("}")
    for r in range(regions):
        out.append(f"id:graph\\/r{r} {{")
        out.append(f'id:strategy\\/r{r} a pg:Strategy ; dct:title "Strategi {r}"@sv .')
        out.append(f'id:plan\\/r{r} a pg:ActionPlan ; dct:title "Plan {r}"@sv ; '
                   f"pg:implements id:strategy\\/r{r} .")
        for a in range(1, 10):
            out.append(f"id:area\\/r{r}\\/{a} a pg:ActionArea ; skos:inScheme id:strategy\\/r{r} ;"
                       f' skos:notation "{a}" ; skos:prefLabel "Område {a}"@sv .')
        for n in range(activities_per_region):
            area = n % 9 + 1
            key = f"r{r}\\/{area}-{n}"
            people = rng.sample(members[r], rng.randint(1, 5))
            if rng.random() < 0.15:
                people.append(rng.choice(national))
            parts = []
            for i, who in enumerate(people):
                role = "coordinator" if i == 0 else "partner"
                part = f"id:participation\\/{key}\\/{i}"
                parts.append(part)
                out.append(f"{part} a cv:Participation ; cv:role id:role\\/{role} ; "
                           f"cv:hasParticipant {who} .")
            out.append(f'id:activity\\/{key} a pg:Activity ; rdfs:label "Aktivitet {n}"@sv ; '
                       f'skos:notation "{area}.{n}" ; pg:inPlan id:plan\\/r{r} ; '
                       f"pg:actionArea id:area\\/r{r}\\/{area} ; "
                       f"pg:followUp id:follow-up\\/{key} ; cv:hasParticipation "
                       + ", ".join(parts) + " .")
            out.append(f"id:follow-up\\/{key} a pg:FollowUpMeasure ; "
                       f'rdfs:label "{rng.choice(FOLLOW_UPS)}"@sv .')
        out.append("}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def oxigraph_load_seconds(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TRIG)
    return time.perf_counter() - start, len(store)


def command_seconds(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "planegraf.cli", *args], check=True,
                   capture_output=True)
    return time.perf_counter() - start


def betweenness_by_size(sizes: list[int]) -> None:
    print("\nbetweenness on a collaboration-like graph (exact vs sampled, "
          f"ε = {BETWEENNESS_EPSILON}, δ = {BETWEENNESS_DELTA})")
    print(f"{'nodes':>7} {'edges':>8} {'exact s':>8} {'pivots':>7} {'sampled s':>9}")
    for n in sizes:
        graph = nx.connected_watts_strogatz_graph(n, 10, 0.2, seed=1)
        start = time.perf_counter()
        nx.betweenness_centrality(graph)
        exact = time.perf_counter() - start
        k = min(n, sample_size(n))
        start = time.perf_counter()
        nx.betweenness_centrality(graph, k=k, seed=1)
        sampled = time.perf_counter() - start
        print(f"{n:>7} {graph.number_of_edges():>8} {exact:>8.2f} {k:>7} {sampled:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--betweenness-sizes", default="500,1000,2000,3000,5000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "national.trig"
        generate(data, args.triples)
        load, count = oxigraph_load_seconds(data)
        print(f"data: {count} triples; Oxigraph load {load:.2f} s (the floor)")
        common = ["-q", "--alone", "--data", str(data)]
        network = command_seconds("network", *common, "-o", str(Path(folder) / "n.html"))
        gaps = command_seconds("gaps", *common, "-o", str(Path(folder) / "g.md"))
        html_mb = (Path(folder) / "n.html").stat().st_size / 1e6
        for name, seconds in (("planegraf network", network), ("planegraf gaps", gaps)):
            verdict = "meets" if seconds < 5 * load else "MISSES"
            print(f"{name:<18} {seconds:7.2f} s = {seconds / load:4.1f}× load  "
                  f"({verdict} the 5× target)")
        print(f"network page: {html_mb:.1f} MB")
    betweenness_by_size([int(s) for s in args.betweenness_sizes.split(",")])


if __name__ == "__main__":
    main()
