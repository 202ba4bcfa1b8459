"""Latency of every catalogue query on synthetic national data (about a million triples):
the embedded engine (planegraf's API), pyoxigraph called directly, an ``oxigraph serve``
on 127.0.0.1 through the remote engine, and rdflib's own SPARQL engine on a smaller copy.

    .venv/bin/python benchmarks/query_latency.py --triples 1000000 --runs 5

Targets (reported, not asserted): the embedded median within 1.5x of pyoxigraph direct,
and at least 20x faster than rdflib.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef, Variable

from planegraf.pipeline import derive, load_dataset
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.endpoint import Connection, RemoteEngine
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.queries import bind_parameters, catalogue
from planegraf.synthetic import CATALOGUE_PARAMETERS, write_trig

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import oxigraph_server  # noqa: E402  (the test suite's real-server helper)


def median_seconds(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def prepared(triples: int, seed: int, folder: Path) -> tuple[EmbeddedStore, Path]:
    data = folder / f"national-{triples}.trig"
    write_trig(data, triples, seed)
    store = load_dataset([data], bundled=False)
    derive(store)
    derived = folder / f"national-{triples}-derived.trig"
    derived.write_bytes(store.dump(ox.RdfFormat.TRIG))
    return store, derived


def to_rdflib(term: ox.NamedNode | ox.Literal) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rdflib-triples", type=int, default=50_000,
                        help="size of the copy rdflib runs on (it is far slower)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-rdflib", action="store_true")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this query (repeatable)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="planegraf-bench-") as tmp:
        folder = Path(tmp)
        print(f"generating {args.triples} triples …", file=sys.stderr)
        store, derived = prepared(args.triples, args.seed, folder)
        print(f"{len(store)} quads loaded and derived", file=sys.stderr)
        small_store, _ = prepared(args.rdflib_triples, args.seed, folder)
        small_engine = EmbeddedEngine(small_store)
        rdflib_data = Dataset(default_union=True)
        rdflib_data.parse(data=small_store.dump(ox.RdfFormat.N_QUADS), format="nquads")
        engine = EmbeddedEngine(store)
        header = (f"{'query':<32} {'rows':>6} {'pyoxigraph':>10} {'embedded':>10} {'ratio':>6} "
                  f"{'server':>10} | {'small emb.':>10} {'rdflib':>10} {'speed-up':>8}")
        print(header)
        print("-" * len(header))
        with oxigraph_server(data=derived) as base_url:
            remote = RemoteEngine(Connection(f"{base_url}/query", timeout=600))
            for query in catalogue():
                if args.only and query.name not in args.only:
                    continue
                given = {k: v for k, v in CATALOGUE_PARAMETERS.items() if query.parameter(k)}
                bindings = bind_parameters(query, given, "sv")
                substitutions = {ox.Variable(k): v for k, v in bindings.items()}
                answer = engine.run(query, bindings)
                rows = len(answer.solutions) if answer.solutions is not None else 0
                direct = median_seconds(lambda q=query, s=substitutions: list(store.oxigraph.query(
                    q.text, use_default_graph_as_union=True, substitutions=s)), args.runs)
                embedded = median_seconds(lambda q=query, b=bindings: engine.run(q, b), args.runs)
                served = median_seconds(lambda q=query, b=bindings: remote.run(q, b), args.runs)
                small = median_seconds(lambda q=query, b=bindings: small_engine.run(q, b),
                                       args.runs)
                if args.no_rdflib:
                    slow_text, speed_up = "-", "-"
                else:
                    init = {Variable(k): to_rdflib(v) for k, v in bindings.items()}
                    slow = median_seconds(lambda q=query, i=init: list(
                        rdflib_data.query(q.text, initBindings=i)), 1)
                    slow_text, speed_up = f"{slow * 1000:9.0f}ms", f"{slow / small:7.0f}x"
                print(f"{query.name:<32} {rows:>6} {direct * 1000:8.1f}ms {embedded * 1000:8.1f}ms "
                      f"{embedded / direct:5.2f}x {served * 1000:8.1f}ms | {small * 1000:8.1f}ms "
                      f"{slow_text:>10} {speed_up:>8}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
