"""The whole benchmark suite in one command: planegraf against the floor and the naive stack.

    .venv/bin/python benchmarks/run_all.py [--sizes 10000,100000,1000000] [--quick] [--readme]

For each size the synthetic national data (``planegraf.synthetic``, seeded) is generated
once; then every step runs in a fresh process, which reports its time and its peak memory
(the process's maximum resident set). The floor is Oxigraph's bulk load of the same file;
the naive stack is rdflib's in-memory store and SPARQL engine with pyshacl on the rdflib
dataset, each of its steps cut off after ``--naive-timeout`` seconds. Writes
``benchmarks/results.md`` and, with ``--readme``, the table between the benchmark markers of
README.md. Targets (issue 7): the build at a million triples within 4x of the floor and at
least 20x faster than the naive stack.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rdflib import Dataset

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"



# -- the steps, each run in a child process (python run_all.py --step NAME --data FILE) ----

def _emit(name: str, seconds: float, **extra: object) -> None:
    """One measurement as a JSON line, with the process's peak memory so far."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"step": name, "seconds": seconds, "peak_mb": peak_kb / 1024, **extra}),
          flush=True)


def _timed(run: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def step_floor(data: Path) -> None:
    import pyoxigraph as ox
    store = ox.Store()
    seconds, _ = _timed(lambda: store.bulk_load(path=str(data), format=ox.RdfFormat.TRIG))
    _emit("floor", seconds, quads=len(store))


def step_load(data: Path) -> None:
    from planegraf.pipeline import load_dataset
    seconds, store = _timed(lambda: load_dataset([data], bundled=False))
    _emit("load", seconds, quads=len(store))


def step_build(data: Path) -> None:
    from planegraf.pipeline import derive, load_dataset
    from planegraf.validation.validate import compiled_shapes, validate_store
    compiled_shapes()  # compiling the shapes once per process is part of import, not data
    load, store = _timed(lambda: load_dataset([data], bundled=False))
    derived, _ = _timed(lambda: derive(store))
    validated, report = _timed(lambda: validate_store(store))
    _emit("derive", derived)
    _emit("validate", validated, findings=len(report.findings))
    _emit("build", load + derived + validated, quads=len(store))


def step_queries(data: Path) -> None:
    from planegraf.pipeline import open_store
    from planegraf.sparql.engines import EmbeddedEngine
    from planegraf.sparql.queries import bind_parameters, catalogue
    from planegraf.synthetic import CATALOGUE_PARAMETERS
    engine = EmbeddedEngine(open_store([data], bundled=False))
    for query in catalogue():
        given = {k: v for k, v in CATALOGUE_PARAMETERS.items() if query.parameter(k)}
        bindings = bind_parameters(query, given, "sv")
        seconds, answer = _timed(partial(engine.run, query, bindings))
        rows = answer.solutions
        _emit(f"query {query.name}", seconds, rows=len(rows) if rows is not None else 0)


def step_cli(data: Path, command: str, out: Path) -> None:
    from planegraf.cli import main
    arguments = {"metrics": ["metrics", "--format", "json"],
                 "gaps": ["gaps", "-o", str(out / "gaps.md")],
                 "html": ["network", "-o", str(out / "network.html")]}[command]
    started = time.perf_counter()
    stdout = sys.stdout
    try:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (metrics output)
        main([*arguments, "-q", "--alone", "--data", str(data)])
    except SystemExit as done:  # gaps exits 1 when it finds gaps and is asked to fail
        if done.code not in (0, 1, None):
            raise
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    _emit(command, time.perf_counter() - started)


def _naive_dataset(data: Path) -> Dataset:
    from rdflib import Dataset, URIRef

    from planegraf.ids import ONTOLOGY_GRAPH
    from planegraf.resources import ontology_dir
    dataset = Dataset(default_union=True)
    ontology = dataset.graph(URIRef(str(ONTOLOGY_GRAPH)))
    for path in sorted(ontology_dir().glob("*.ttl")):  # as planegraf loads it beside the data
        ontology.parse(path, format="turtle")
    dataset.parse(data, format="trig")
    return dataset


def _naive_derive(dataset: Dataset) -> None:
    from planegraf.sparql.queries import derivation_rules
    for rule in derivation_rules():  # the same SPARQL updates planegraf runs on Oxigraph
        dataset.update(rule.text)


def step_naive(data: Path, part: str) -> None:
    seconds, dataset = _timed(lambda: _naive_dataset(data))
    _emit("naive load", seconds)
    if part == "load":
        return
    seconds, _ = _timed(lambda: _naive_derive(dataset))
    _emit("naive derive", seconds)
    if part == "validate":
        import pyshacl

        from planegraf.validation.validate import shapes_graph
        seconds, _ = _timed(lambda: pyshacl.validate(
            dataset, shacl_graph=shapes_graph(), inference="none", allow_infos=True,
            allow_warnings=True))
        _emit("naive validate", seconds)
    elif part == "queries":
        from planegraf.rdf.store import to_rdflib_term
        from planegraf.sparql.queries import bind_parameters, catalogue
        from planegraf.synthetic import CATALOGUE_PARAMETERS
        for query in catalogue():
            given = {k: v for k, v in CATALOGUE_PARAMETERS.items() if query.parameter(k)}
            bindings: dict[str, Any] = {k: to_rdflib_term(v) for k, v in
                                        bind_parameters(query, given, "sv").items()}
            seconds, _ = _timed(partial(_all_rows, dataset, query.text, bindings))
            _emit(f"naive query {query.name}", seconds)


def _all_rows(dataset: Dataset, text: str, bindings: dict[str, Any]) -> list[object]:
    return list(dataset.query(text, initBindings=bindings))


# -- the parent: generate, run the children, tabulate -------------------------------------

@dataclass
class Measure:
    seconds: float
    peak_mb: float | None
    cut_off: bool = False  # stopped by the timeout: ``seconds`` is a lower bound


@dataclass
class SizeResults:
    triples: int
    quads: int = 0
    measures: dict[str, Measure] = field(default_factory=dict)


def run_child(args: list[str], timeout: float) -> tuple[list[dict[str, object]], bool]:
    """The JSON lines a step printed, and whether it was cut off by the timeout."""
    with subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as child:
        try:
            out, _ = child.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            child.kill()
            out, _ = child.communicate()
            timed_out = True
    if child.returncode != 0 and not timed_out:
        raise RuntimeError(f"step {args} failed with exit code {child.returncode}")
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")], timed_out


def _number(line: dict[str, object], key: str) -> float:
    value = line[key]
    assert isinstance(value, (int, float))
    return float(value)


def naive_steps(part: str) -> list[str]:
    """The measurements a naive child reports, in the order it makes them."""
    from planegraf.sparql.queries import catalogue
    steps = ["naive load"]
    if part == "validate":
        steps += ["naive derive", "naive validate"]
    elif part == "queries":
        steps += ["naive derive"] + [f"naive query {q.name}" for q in catalogue()]
    return steps


def measure_size(triples: int, seed: int, folder: Path, naive_timeout: float,
                 naive: bool, progress: Callable[[str], None]) -> SizeResults:
    from planegraf.synthetic import write_trig
    data = folder / f"national-{triples}.trig"
    progress(f"{triples}: generating {data.name}")
    results = SizeResults(triples, quads=write_trig(data, triples, seed))
    steps = [(step, 3600.0) for step in ("floor", "load", "build", "queries", "metrics",
                                          "gaps", "html")]
    if naive:
        steps += [(f"naive-{part}", naive_timeout) for part in ("load", "validate", "queries")]
    for step, timeout in steps:
        progress(f"{triples}: {step}")
        lines, timed_out = run_child(["--step", step, "--data", str(data), "--out", str(folder)],
                                     timeout)
        for line in lines:
            name = str(line["step"])
            if name not in results.measures:  # naive load and derive repeat in each child
                results.measures[name] = Measure(_number(line, "seconds"),
                                                 _number(line, "peak_mb"))
        if timed_out:
            # The step that was running when the child was stopped had run for at least the
            # timeout less what the child had finished (imports not counted: a lower bound).
            done = {str(line["step"]) for line in lines}
            spent = sum(_number(line, "seconds") for line in lines)
            expected = naive_steps(step.removeprefix("naive-")) if step.startswith("naive-") \
                else [step]
            running = next((name for name in expected if name not in done), step)
            if running not in results.measures:
                results.measures[running] = Measure(max(timeout - spent, 0.0), None, True)
            progress(f"{triples}: {running} cut off after {timeout:.0f} s")
    data.unlink()
    return results


# -- the report ----------------------------------------------------------------------------

MAIN_STEPS = ("floor", "load", "derive", "validate", "build", "metrics", "gaps", "html")
NAIVE_OF = {"load": "naive load", "derive": "naive derive", "validate": "naive validate",
            "build": "naive build"}


def _get(size: SizeResults, step: str) -> Measure | None:
    if step != "naive build":
        return size.measures.get(step)
    parts = [size.measures.get(n) for n in ("naive load", "naive derive", "naive validate")]
    if any(p is None for p in parts):
        return None
    known = [p for p in parts if p is not None]
    peaks = [p.peak_mb for p in known if p.peak_mb is not None]
    return Measure(sum(p.seconds for p in known), max(peaks) if peaks else None,
                   any(p.cut_off for p in known))


def _seconds(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def _time(size: SizeResults, step: str) -> str:
    measure = _get(size, step)
    if measure is None:
        return "not run"
    if measure.cut_off:
        return f"> {measure.seconds:.0f} s (cut off)"
    return _seconds(measure.seconds)


def _peak(size: SizeResults, step: str) -> str:
    measure = _get(size, step)
    return f"{measure.peak_mb:.0f}" if measure and measure.peak_mb else "—"


def _ratio(fast: Measure | None, slow: Measure | None) -> str:
    """How many times ``slow`` takes ``fast``; a lower bound where ``slow`` was cut off."""
    if fast is None or slow is None or fast.cut_off or not fast.seconds:
        return "—"
    ratio = slow.seconds / fast.seconds
    shown = f"{ratio:.1f}×" if ratio < 100 else f"{ratio:.0f}×"
    return f"> {shown}" if slow.cut_off else shown


def _exponent(first: SizeResults, second: SizeResults, step: str) -> str:
    a, b = _get(first, step), _get(second, step)
    if not (a and b and a.seconds and b.seconds) or a.cut_off or b.cut_off:
        return "—"
    return f"{math.log(b.seconds / a.seconds) / math.log(second.quads / first.quads):.2f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _size_names(sizes: list[SizeResults]) -> list[str]:
    return [f"{s.quads:,} quads".replace(",", " ") for s in sizes]


def report(sizes: list[SizeResults], context: str) -> str:
    """The full results as Markdown."""
    names = _size_names(sizes)
    query_steps = sorted({k for s in sizes for k in s.measures if k.startswith("query ")})
    lines = ["# Benchmark results", "", "Written by `benchmarks/run_all.py`. " + context, "",
             "## Time and peak memory per step", "",
             "Each step runs in a fresh process; peak = that process's maximum resident set "
             "in MB. *load*, *derive*, *validate* and *build* (= load + derive + validate) are "
             "timed inside `planegraf.pipeline`; each catalogue query is one run on the loaded "
             "and derived store (the query process's peak is shown); *metrics*, *gaps* and "
             "*html* (`planegraf network`) are whole commands including load and derive. "
             "*naive*: rdflib `Dataset` parse (with the ontology), the same derivation "
             "updates and catalogue queries on rdflib's SPARQL engine, pyshacl on the rdflib "
             "dataset; *cut off* is a lower bound.", ""]
    rows = [[step] + [f"{_time(s, step)} / {_peak(s, step)}" for s in sizes]
            for step in [*MAIN_STEPS, *query_steps, "naive load", "naive derive",
                         "naive validate", "naive build",
                         *(f"naive {q}" for q in query_steps)]]
    lines += _table(["step (time / peak MB)", *names], rows)
    lines += ["", "## Ratios", "",
              "Build over the floor (Oxigraph's bulk load of the same file), and how many "
              "times faster planegraf is than the naive stack.", ""]
    rows = [["build / floor"] + [_ratio(_get(s, "floor"), _get(s, "build")) for s in sizes]]
    rows += [[f"{step}: naive / planegraf"] + [_ratio(_get(s, step), _get(s, naive))
                                               for s in sizes]
             for step, naive in NAIVE_OF.items()]
    rows += [[f"{step}: naive / planegraf"] + [_ratio(_get(s, step), _get(s, "naive " + step))
                                               for s in sizes]
             for step in query_steps]
    lines += _table(["ratio", *names], rows)
    if len(sizes) > 1:
        lines += ["", "## How cost grows with size", "",
                  "Exponent k in time ∝ size^k between consecutive sizes (1 = linear; fixed "
                  "costs such as a query's parse make small steps look sub-linear).", ""]
        pairs = list(zip(sizes, sizes[1:], strict=False))
        header = ["step"] + [f"{a.triples // 1000}k → {b.triples // 1000}k" for a, b in pairs]
        rows = [[step] + [_exponent(a, b, step) for a, b in pairs]
                for step in [*MAIN_STEPS, *query_steps, "naive load", "naive derive",
                             "naive validate", "naive build"]]
        lines += _table(header, rows)
    lines += ["", "## Targets", "", *_targets(sizes)]
    return "\n".join(lines) + "\n"


def _targets(sizes: list[SizeResults]) -> list[str]:
    largest = max(sizes, key=lambda s: s.triples)
    build, floor, naive = (_get(largest, "build"), _get(largest, "floor"),
                           _get(largest, "naive build"))
    where = f"at {largest.quads:,} quads".replace(",", " ")
    out = []
    if build and floor:
        ratio = build.seconds / floor.seconds
        out.append(f"- build (load + derive + validate) within 4× of the floor {where}: "
                   f"{ratio:.1f}× — " + ("**met**" if ratio <= 4 else "**missed**"))
    if build and naive:
        speed = naive.seconds / build.seconds
        verdict = "**met**" if speed >= 20 else ("not shown" if naive.cut_off else "**missed**")
        bound = "at least " if naive.cut_off else ""
        out.append(f"- build at least 20× faster than the naive stack {where}: {bound}"
                   f"{speed:.0f}× — {verdict}")
    elif build:
        out.append(f"- the naive stack was not run {where}")
    if largest.triples < 1_000_000:
        out.append("- the targets are set at one million triples; the largest size here is "
                   "smaller")
    return out


def readme_section(sizes: list[SizeResults], context: str) -> str:
    """The short table for README.md."""
    names = _size_names(sizes)
    rows = [[step] + [f"{_time(s, step)} / {_peak(s, step)} MB" for s in sizes]
            for step in ("floor", "load", "build", "validate", "metrics", "gaps", "html",
                         "naive build")]
    rows.append(["build / floor"] + [_ratio(_get(s, "floor"), _get(s, "build")) for s in sizes])
    rows.append(["naive build / build"] + [_ratio(_get(s, "build"), _get(s, "naive build"))
                                           for s in sizes])
    lines = ["National scale: `python benchmarks/run_all.py --readme` on synthetic data for all "
             "21 regions (`planegraf.synthetic`). " + context + " Each step is a fresh process "
             "(time / peak memory); the floor is Oxigraph's bulk load of the same file; the "
             "naive stack is rdflib + pyshacl. Every catalogue query, all ratios and the growth "
             "with size: [`benchmarks/results.md`](benchmarks/results.md).", ""]
    lines += _table(["step", *names], rows)
    lines += ["", *_targets(sizes)]
    return "\n".join(lines)


def replace_readme_section(readme: Path, section: str) -> None:
    text = readme.read_text(encoding="utf-8")
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not (start and end):
        raise SystemExit(f"{readme}: the markers {START} and {END} are missing")
    from planegraf.rdf import atomic
    atomic.write_text(readme, f"{head}{START}\n{section}\n{END}{tail}")


def machine_context() -> str:
    from importlib.metadata import version
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"Python {platform.python_version()}, pyoxigraph {version('pyoxigraph')}, "
            f"rdflib {version('rdflib')}, pyshacl {version('pyshacl')}; {os.cpu_count()} cores, "
            f"load average at start {load}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="triple counts, comma-separated (default 10000,100000,1000000)")
    parser.add_argument("--quick", action="store_true",
                        help="only 10 000 and 100 000 triples, naive steps cut off at 60 s")
    parser.add_argument("--naive-timeout", type=float, default=600,
                        help="seconds before a naive-stack step is cut off (default 600)")
    parser.add_argument("--naive-up-to", type=int, default=10_000_000,
                        help="run the naive stack only up to this many triples")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--readme", action="store_true", help="update README.md's section")
    parser.add_argument("--save-raw", type=Path, metavar="FILE",
                        help="also save the measurements as JSON")
    parser.add_argument("--from-raw", type=Path, metavar="FILE",
                        help="measure nothing: rewrite the reports from a --save-raw file")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        return run_step(args.step, args.data, args.out)
    sizes = [10_000, 100_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    timeout = 60.0 if args.quick else args.naive_timeout

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    if args.from_raw:
        raw = json.loads(args.from_raw.read_text(encoding="utf-8"))
        results = [SizeResults(r["triples"], r["quads"],
                               {k: Measure(**m) for k, m in r["measures"].items()})
                   for r in raw["sizes"]]
        write_reports(results, raw["context"], args.output, args.readme)
        return 0
    context = machine_context()
    results = []
    with tempfile.TemporaryDirectory(prefix="planegraf-bench-") as folder:
        for triples in sizes:
            results.append(measure_size(triples, args.seed, Path(folder), timeout,
                                        naive=triples <= args.naive_up_to, progress=progress))
    if args.naive_up_to < max(sizes):
        context += (f" The naive stack was run up to {args.naive_up_to:,} triples only."
                    .replace(",", " "))
    context += f" Naive steps are cut off after {timeout:.0f} s."
    if args.save_raw:
        from planegraf.rdf import atomic
        atomic.write_text(args.save_raw, json.dumps(
            {"context": context, "sizes": [asdict(r) for r in results]}, indent=1) + "\n")
    write_reports(results, context, args.output, args.readme)
    return 0


def write_reports(results: list[SizeResults], context: str, output: Path,
                  readme: bool) -> None:
    """results.md and, if asked, the README table."""
    from planegraf.rdf import atomic
    full = report(results, context)
    atomic.write_text(output, full)
    print(full)
    if readme:
        replace_readme_section(README, readme_section(results, context))


def run_step(step: str, data: Path, out: Path) -> int:
    steps: dict[str, Callable[[], None]] = {
        "floor": lambda: step_floor(data), "load": lambda: step_load(data),
        "build": lambda: step_build(data), "queries": lambda: step_queries(data),
        "metrics": lambda: step_cli(data, "metrics", out),
        "gaps": lambda: step_cli(data, "gaps", out), "html": lambda: step_cli(data, "html", out),
        "naive-load": lambda: step_naive(data, "load"),
        "naive-validate": lambda: step_naive(data, "validate"),
        "naive-queries": lambda: step_naive(data, "queries"),
    }
    steps[step]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
