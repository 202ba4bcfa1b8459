"""``planegraf build`` with its default site on synthetic national data, against the floor.

    .venv/bin/python benchmarks/site_scale.py [--sizes 10000,100000,1000000] [--runs 3] [--readme]

For each size the synthetic data (``planegraf.synthetic``, seed 1) is written once as TriG.
Each run then starts two fresh processes, one after the other (the order alternating from
run to run, so a change in the machine's load falls on both): the floor, Oxigraph's bulk
load of that file (``pyoxigraph.Store().bulk_load``), and the build, ``planegraf.build``
of a project made of that file alone, with the default site (``--pages auto``: above
``planegraf.publish.site.AUTO_PAGES_QUADS`` quads only the report pages and downloads).

Recorded for each: the time of the work (without starting Python and importing) and the
wall time of the whole process; the peak memory of the process tree: the larger of the
main process's maximum resident set (``wait4``, exact) and the largest sum over the tree
of proportional set sizes (``/proc/PID/smaps_rollup``, sampled every 20 ms: forked workers
share the parent's pages, which a sum of resident sets would count twice); and the size of
``out/`` on disk (allocated blocks, each file once, as ``du`` counts) against the TriG file,
with its largest parts. Medians of the runs.

Targets (issue 15) at a million quads: the build at most 3x the floor in time, 1.5x its peak
memory, and at most 10x the TriG file on disk. With ``--readme`` the table goes between the
site-scale markers of README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
START, END = "<!-- site-scale:start -->", "<!-- site-scale:end -->"
TIME_TARGET, MEMORY_TARGET, DISK_TARGET = 3.0, 1.5, 10.0


# -- the children ---------------------------------------------------------------------------

def child_floor(data: Path, _out: Path) -> dict[str, float]:
    import pyoxigraph as ox
    started = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.TRIG)
    return {"seconds": time.perf_counter() - started, "quads": len(store)}


def child_build(data: Path, out: Path) -> dict[str, object]:
    # What `planegraf build` runs (the CLI is a thin layer over planegraf.pipeline.build),
    # on a project whose only source is the synthetic file: the bundled plans and registry
    # would clash with the synthetic organisations.
    from planegraf.pipeline import build
    from planegraf.project import Project, demonstration_config
    project = Project(None, demonstration_config(), [data], out, include_sources=False)
    marks: list[tuple[float, str]] = []
    phases = _time_site_parts()
    _time_validation(phases)
    started, main_cpu, process_cpu = time.perf_counter(), time.thread_time(), time.process_time()
    result = build(out, project=project,
                   progress=lambda step: marks.append((time.perf_counter(), step)))
    ended = time.perf_counter()
    phases["CPU of the main thread"] = time.thread_time() - main_cpu
    phases["CPU of the whole process"] = time.process_time() - process_cpu
    if not result.conforms:
        raise SystemExit("the synthetic data violates the shapes")
    # The build's own steps, from its progress messages: load (every file), derive,
    # validate (only what precedes the writing: the shapes are checked beside it), write
    # out/ (the dataset), write out/site (then the wait for the validation, the reports).
    names = {"derive": "derive", "validate": "validate"}
    steps: dict[str, float] = {}
    for (at, step), (until, _) in zip(marks, [*marks[1:], (ended, "")], strict=True):
        name = names.get(step) or ("site" if step.endswith("/site") else
                                   "outputs" if step.startswith("write ") else "load")
        steps[name] = steps.get(name, 0.0) + until - at
    steps["load"] = steps.get("load", 0.0) + (marks[0][0] - started if marks else 0.0)
    return {"seconds": ended - started, "quads": len(result.store),
            "steps": {**steps, **{k if "beside" in k or "validation" in k or "literals" in k
                                  or "CPU" in k else f"site: {k}": v
                                  for k, v in phases.items()}}}


def _timed(phases: dict[str, float], name: str, function: Any) -> Any:
    """``function``, adding the time each call takes to ``phases[name]``; for the work
    done in threads beside the main one, also the CPU its thread spent on it (``name, CPU``):
    on two cores the build is as fast as its busiest core."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        begun, begun_cpu = time.perf_counter(), time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - begun
            if "beside" in name:
                used = time.thread_time() - begun_cpu
                phases[f"{name}, CPU"] = phases.get(f"{name}, CPU", 0.0) + used
    return wrapper


def _time_validation(phases: dict[str, float]) -> None:
    """The shapes are checked beside the writing (``planegraf.pipeline.build``), and the
    dataset, the summary, the downloads and the site's imports are done in threads too, so
    the build's progress marks do not show their time: record how long each took in its
    thread (the validation: reading the literals as written, then the queries), and how
    long the build then waited for the validation's report."""
    import planegraf.pipeline as pipeline
    import planegraf.publish.site as site
    import planegraf.validation.validate as validate

    pending = validate.PendingValidation
    for owner, name, shown in (
            (pending, "_beside", "validation (beside the writing)"),
            (validate, "scan", "of which literals as written"),
            (pending, "result", "waiting for the validation"),
            (pipeline, "_write_dataset", "dataset written (beside the site)"),
            (pipeline, "summarise", "summary (beside the site)"),
            (site, "prepare", "site's libraries imported (beside the load)"),
            (site.SiteWriter, "write_downloads", "downloads and VoID counts (beside the pages)")):
        setattr(owner, name, _timed(phases, shown, getattr(owner, name)))


def _time_site_parts() -> dict[str, float]:
    """Time each part of the site (its sections, the downloads, the start page …) by
    wrapping the site module's functions: where the site's time goes, for the report."""
    import planegraf.publish.site as site
    phases: dict[str, float] = {}

    for method, name in (("write_data", "exports and DCAT"), ("write_index", "start page"),
                         ("write_organisations", "organisations"),
                         ("write_ontology_docs", "ontology pages"),
                         ("write_remaining", "resource pages")):
        owner = site._ResourcePages if method == "write_remaining" else site.SiteWriter
        setattr(owner, method, _timed(phases, name, getattr(owner, method)))
    sections = site.optional_sections

    def timed_sections() -> list[Any]:
        made = []
        for make in sections():
            def make_timed(writer: Any, make: Any = make) -> Any:
                section = make(writer)
                if section is not None:
                    name = make.__name__.strip("_").removesuffix("_section")
                    section.write = _timed(phases, name, section.write)
                return section
            made.append(make_timed)
        return made

    site.optional_sections = timed_sections
    return phases


def child_site_all(data: Path, out: Path) -> dict[str, float]:
    # Issue 15, item 2: the static site with every resource page (--pages all) of checked
    # data; only writing the site is timed (and its peak memory is the process's).
    from planegraf.pipeline import check
    from planegraf.publish.site import write_site
    store, report = check([data], bundled=False)
    if report.has_violations:
        raise SystemExit("the synthetic data violates the shapes")
    import resource

    def cpu() -> float:  # this process and the forked workers that write pages
        own, workers = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
        return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime

    started, started_cpu = time.perf_counter(), cpu()
    files = write_site(store, out / "site", pages="all")
    return {"seconds": time.perf_counter() - started, "cpu_seconds": cpu() - started_cpu,
            "quads": len(store), "files": len(files)}


CHILDREN = {"floor": child_floor, "build": child_build, "site-all": child_site_all}
LAST_CHILD: dict[str, float] = {}  # what the last child reported


# -- the parent ------------------------------------------------------------------------------

@dataclass
class Run:
    wall: float
    seconds: float
    peak_mb: float  # the process tree's peak, see the module's docstring
    steps: dict[str, float] = field(default_factory=dict)


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    queue += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return found


def _tree_pss_kb(pid: int) -> int:
    total = 0
    for process in _descendants(pid):
        try:
            with open(f"/proc/{process}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


#: How often the tree's memory is read. Reading ``smaps_rollup`` walks the page tables of
#: the process under its memory lock: about 9 ms of kernel time for a store of a million
#: quads, so every 20 ms took almost half of one of the two cores from the build it measured.
#: The process's own peak is exact anyway (``ru_maxrss``); the samples add what forked
#: children hold beside it.
PSS_EVERY = float(os.environ.get("SITE_SCALE_PSS_EVERY", "0.25"))


def run_child(step: str, data: Path, out: Path) -> Run:
    """One fresh process and the peak memory of its tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", step, "--data", str(data), "--out", str(out)],
        stdout=subprocess.PIPE, text=True)
    peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss
        while not done.wait(PSS_EVERY):
            peak_pss = max(peak_pss, _tree_pss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{step} failed (exit code {process.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    LAST_CHILD.clear()
    LAST_CHILD.update(result)
    return Run(wall, float(result["seconds"]), max(usage.ru_maxrss, peak_pss) / 1024,
               result.get("steps", {}))


def disk_bytes(folder: Path) -> int:
    """Bytes allocated to the files under ``folder``, each file once (what ``du`` counts)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for path in folder.rglob("*"):
        stat = path.lstat()
        if path.is_file() and (stat.st_dev, stat.st_ino) not in seen:
            seen.add((stat.st_dev, stat.st_ino))
            total += stat.st_blocks * 512
    return total


def disk_parts(out: Path) -> dict[str, int]:
    """The largest parts of ``out/``: each export, the build's own files, the site's pages."""
    parts: dict[str, int] = {}
    data = out / "site" / "data"
    for path in sorted(data.glob("planegraf.*")) if data.is_dir() else []:
        parts[f"site/data/{path.name}"] = path.lstat().st_blocks * 512
    # A download that is the same file as one of out/'s (the TriG, a hard link) is counted
    # once, as the download.
    shared = {(p.lstat().st_dev, p.lstat().st_ino) for p in data.glob("planegraf.*")
              } if data.is_dir() else set()
    parts["out/ (dataset, reports)"] = sum(
        p.lstat().st_blocks * 512 for p in out.iterdir()
        if p.is_file() and (p.lstat().st_dev, p.lstat().st_ino) not in shared)
    parts["site/ pages and pictures"] = (disk_bytes(out / "site") - sum(
        v for k, v in parts.items() if k.startswith("site/data/")))
    return parts


@dataclass
class Size:
    triples: int
    quads: int
    trig_bytes: int
    floor: Run
    build: Run
    files: int
    out_bytes: int
    pages: bool
    parts: dict[str, int] = field(default_factory=dict)
    runs: list[dict[str, object]] = field(default_factory=list)


def median_run(runs: list[Run]) -> Run:
    steps = {name: statistics.median(r.steps.get(name, 0.0) for r in runs)
             for name in runs[0].steps}
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.seconds for r in runs),
               statistics.median(r.peak_mb for r in runs), steps)


def measure_site_all(triples: int, runs: int, folder: Path,
                     data_dir: Path | None = None) -> dict[str, object]:
    """``--pages all``: the static site with every resource page, fresh processes. The
    synthetic data of ``data_dir`` (``synthetic-TRIPLES.trig``, seed 1) is read when it is
    there, else written into ``folder``."""
    from planegraf.synthetic import write_trig
    shared = data_dir / f"synthetic-{triples}.trig" if data_dir else None
    if shared is not None and shared.is_file():
        data, quads = shared, 0  # counted by the first run (the checked store's quads)
    else:
        data = folder / f"national-{triples}.trig"
        quads = write_trig(data, triples, 1)
    out = folder / f"site-all-{triples}"
    found, cpu = [], []
    for _ in range(runs):
        found.append(run_child("site-all", data, out))
        cpu.append(LAST_CHILD["cpu_seconds"])
        quads = quads or int(LAST_CHILD["quads"])
    middle = median_run(found)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    result = {"quads": quads, "runs": runs, "site_s": round(middle.seconds, 2),
              "wall_s": round(middle.wall, 2), "peak_mb": round(middle.peak_mb),
              "files": files, "disk_mb": round(disk_bytes(out) / 1e6, 1),
              "cpu_s": round(statistics.median(cpu), 2),
              "cpu_us_per_quad": round(statistics.median(cpu) / quads * 1e6, 1),
              "all_s": [round(r.seconds, 2) for r in found]}
    result["load_average"] = os.getloadavg()
    print(json.dumps(result), file=sys.stderr, flush=True)
    if data.parent == folder:
        data.unlink()
    return result


def measure(triples: int, runs: int, folder: Path) -> Size:
    from planegraf.synthetic import write_trig
    data = folder / f"national-{triples}.trig"
    quads = write_trig(data, triples, 1)
    out = folder / f"out-{triples}"
    floors, builds = [], []
    for number in range(runs):
        # Alternate the order, so that neither always runs on a machine the other warmed.
        for step in (("floor", "build") if number % 2 == 0 else ("build", "floor")):
            measured = run_child(step, data, out)
            (floors if step == "floor" else builds).append(measured)
        print(f"{triples}: floor {floors[-1]}, build {builds[-1]}, load "
              f"{os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    files = [p for p in out.rglob("*") if p.is_file()]
    size = Size(triples, quads, data.stat().st_size, median_run(floors), median_run(builds),
                len(files), disk_bytes(out), (out / "site" / "id").is_dir(), disk_parts(out),
                [{"floor": asdict(f), "build": asdict(b)} for f, b in zip(floors, builds,
                                                                            strict=True)])
    data.unlink()
    # Each size as it is done, so that a long run stopped later keeps what it measured.
    print(json.dumps({"size": asdict(size)}), file=sys.stderr, flush=True)
    return size


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB".replace(",", " ")


def table(sizes: list[Size], runs: int, runs_at_1m: int | None = None,
          load_seen: tuple[float, float] | None = None) -> str:
    big = f" --runs-at-1m {runs_at_1m}" if runs_at_1m else ""
    counted = (f"{runs} fresh processes each ({runs_at_1m} at a million triples)"
               if runs_at_1m else f"{runs} fresh processes each")
    load = (f"load average (1 min) between {load_seen[0]:.1f} and {load_seen[1]:.1f}"
            if load_seen else "")
    lines = [
        f"`python benchmarks/site_scale.py --runs {runs}{big} --readme`: `planegraf build` with "
        "its default site (`--pages auto`) on the synthetic national data against Oxigraph's "
        f"bulk load of the same TriG file (the floor), interleaved; medians of {counted}; 2 "
        f"cores shared with other jobs, {load}. Time is the work without starting Python "
        "(wall time of the whole process in brackets); memory is the peak of the process "
        "tree; disk is everything the build writes (`out/` with `site/`), as `du` counts it.",
        "",
        "| quads | resource pages | floor | build | × floor (time) | peak memory floor / build "
        "| × floor (memory) | files | disk / TriG file |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sizes:
        lines.append(
            f"| {s.quads:,} | {'all' if s.pages else 'served by `planegraf serve`'} "
            f"| {s.floor.seconds:.2f} s ({s.floor.wall:.2f} s) "
            f"| {s.build.seconds:.2f} s ({s.build.wall:.2f} s) "
            f"| {s.build.seconds / s.floor.seconds:.1f}× "
            f"| {s.floor.peak_mb:.0f} / {s.build.peak_mb:.0f} MB "
            f"| {s.build.peak_mb / s.floor.peak_mb:.2f}× | {s.files:,} "
            f"| {_mb(s.out_bytes)} / {_mb(s.trig_bytes)}: {s.out_bytes / s.trig_bytes:.1f}× |"
            .replace(",", " "))
    largest = max(sizes, key=lambda s: s.quads)
    verdicts = [
        ("time", largest.build.seconds / largest.floor.seconds, TIME_TARGET),
        ("peak memory", largest.build.peak_mb / largest.floor.peak_mb, MEMORY_TARGET),
        ("disk", largest.out_bytes / largest.trig_bytes, DISK_TARGET),
    ]
    lines.append("")
    for name, ratio, target in verdicts:
        met = "**met**" if ratio <= target else "**missed**"
        lines.append(f"- {name} at {largest.quads:,} quads: {ratio:.1f}× (target ≤ {target:g}×) "
                     f"— {met}".replace(",", " "))
    parts = ", ".join(f"{name} {_mb(size)}" for name, size in
                      sorted(largest.parts.items(), key=lambda item: -item[1]))
    quads = f"{largest.quads:,}".replace(",", " ")
    lines.append(f"- on disk at {quads} quads: {parts}")
    steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in
                      sorted(largest.build.steps.items(), key=lambda item: -item[1]))
    lines.append(f"- where the build's time goes at {quads} quads (medians; the site's parts "
                 f"are within its total): {steps}")
    return "\n".join(lines) + "\n"


def write_readme(text: str) -> None:
    readme = README.read_text("utf-8")
    start, end = readme.index(START) + len(START), readme.index(END)
    README.write_text(readme[:start] + "\n" + text + readme[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="triples of synthetic data, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (default 3)")
    parser.add_argument("--runs-at-1m", type=int, default=None,
                        help="runs for sizes of a million triples or more (default: --runs)")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--pages-all", action="store_true",
                        help="time writing the static site with every resource page (--pages "
                             "all) instead of the build (issue 15, item 2)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="with --pages-all: read synthetic-TRIPLES.trig from this folder "
                             "when it is there (e.g. /work/tmp/data) instead of writing it")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.data, args.out)), flush=True)
        return 0
    if args.pages_all:
        with tempfile.TemporaryDirectory(prefix="site-all-") as folder:
            results = [measure_site_all(int(n), args.runs, Path(folder), args.data_dir)
                       for n in args.sizes.split(",")]
        print(json.dumps({"pages_all": results, "load_average": os.getloadavg()}, indent=1))
        return 0
    sizes = []
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="site-scale-") as folder:
        for triples in (int(n) for n in args.sizes.split(",")):
            runs = args.runs if triples < 1_000_000 else (args.runs_at_1m or args.runs)
            sizes.append(measure(triples, runs, Path(folder)))
            loads.append(os.getloadavg()[0])
    text = table(sizes, args.runs, args.runs_at_1m, (min(loads), max(loads)))
    print(text)
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in sizes], indent=2) + "\n")
    if args.readme:
        write_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
