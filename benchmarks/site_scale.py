"""``planegraf build`` with its default site on synthetic national data, against the floor.

    .venv/bin/python benchmarks/site_scale.py [--sizes 10000,100000,1000000] [--runs 3] [--readme]

For each size the synthetic data (``planegraf.synthetic``, seed 1) is written once as TriG.
Each run then starts two fresh processes: the floor, Oxigraph's bulk load of that file, and
the build: load, derive, validate, summarise and write ``out/`` with the site as
``planegraf build`` does (``--pages auto``: above ``planegraf.publish.site.AUTO_PAGES_QUADS`` only
the report pages and downloads). For each the script records the wall time of the whole
process, the time of the work itself (without starting Python and importing), and the peak
memory (the child's maximum resident set, from ``os.wait4``); then the size of ``out/`` on
disk (allocated blocks, as ``du`` counts them) against the TriG file. Medians of the runs.

Targets (issue 15) at a million triples: build at most 3x the floor in time, 1.5x its peak
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
import time
from dataclasses import asdict, dataclass
from pathlib import Path

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


def child_build(data: Path, out: Path) -> dict[str, float]:
    # What planegraf build does (build.build), over the synthetic file instead of the
    # bundled data.
    from planegraf.pipeline import _write_outputs, _write_site, check, summarise
    from planegraf.project import Project
    from planegraf.rdf import atomic
    from planegraf.validation.validate import compiled_shapes
    compiled_shapes()  # compiled once per process: part of starting, not of the data
    started = time.perf_counter()
    store, report = check([data], bundled=False)
    summary = summarise(store)
    if report.has_violations:
        raise SystemExit("the synthetic data violates the shapes")
    with atomic.staged_directory(out) as stage:
        _write_outputs(stage, store, report, summary, "sv")
        _write_site(stage / "site", store, "sv", None, Project.demonstration())
    return {"seconds": time.perf_counter() - started, "quads": len(store)}


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
    peak_mb: float


def run_child(step: str, data: Path, out: Path) -> Run:
    """One fresh process; its own peak memory from wait4 (not the maximum over children)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", step, "--data", str(data), "--out", str(out)],
        stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{step} failed (exit code {process.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    LAST_CHILD.clear()
    LAST_CHILD.update(result)
    return Run(wall, float(result["seconds"]), usage.ru_maxrss / 1024)


def disk_bytes(folder: Path) -> int:
    """Bytes allocated to every file under ``folder`` (what ``du`` counts)."""
    return sum(p.lstat().st_blocks * 512 for p in folder.rglob("*") if p.is_file())


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


def median_run(runs: list[Run]) -> Run:
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.seconds for r in runs),
               statistics.median(r.peak_mb for r in runs))


def measure_site_all(triples: int, runs: int, folder: Path) -> dict[str, object]:
    """``--pages all``: the static site with every resource page, fresh processes."""
    from planegraf.synthetic import write_trig
    data = folder / f"national-{triples}.trig"
    quads = write_trig(data, triples, 1)
    out = folder / f"site-all-{triples}"
    found, cpu = [], []
    for _ in range(runs):
        found.append(run_child("site-all", data, out))
        cpu.append(LAST_CHILD["cpu_seconds"])
    middle = median_run(found)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    result = {"quads": quads, "runs": runs, "site_s": round(middle.seconds, 2),
              "wall_s": round(middle.wall, 2), "peak_mb": round(middle.peak_mb),
              "files": files, "disk_mb": round(disk_bytes(out) / 1e6, 1),
              "cpu_s": round(statistics.median(cpu), 2),
              "cpu_us_per_quad": round(statistics.median(cpu) / quads * 1e6, 1),
              "all_s": [round(r.seconds, 2) for r in found]}
    print(json.dumps(result), file=sys.stderr, flush=True)
    data.unlink()
    return result


def measure(triples: int, runs: int, folder: Path) -> Size:
    from planegraf.synthetic import write_trig
    data = folder / f"national-{triples}.trig"
    quads = write_trig(data, triples, 1)
    out = folder / f"out-{triples}"
    floors, builds = [], []
    for _ in range(runs):
        floors.append(run_child("floor", data, out))
        builds.append(run_child("build", data, out))
        print(f"{triples}: floor {floors[-1]}, build {builds[-1]}", file=sys.stderr, flush=True)
    files = [p for p in out.rglob("*") if p.is_file()]
    size = Size(triples, quads, data.stat().st_size, median_run(floors), median_run(builds),
                len(files), disk_bytes(out), (out / "site" / "id").is_dir())
    data.unlink()
    # Each size as it is done, so that a long run stopped later keeps what it measured.
    print(json.dumps({"size": asdict(size)}), file=sys.stderr, flush=True)
    return size


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB".replace(",", " ")


def table(sizes: list[Size], runs: int, runs_at_1m: int | None = None) -> str:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    big = f" --runs-at-1m {runs_at_1m}" if runs_at_1m else ""
    counted = (f"{runs} fresh processes each ({runs_at_1m} at a million triples)"
               if runs_at_1m else f"{runs} fresh processes each")
    lines = [
        f"`python benchmarks/site_scale.py --runs {runs}{big} --readme`: `planegraf build` with "
        "its default site (`--pages auto`) on the synthetic national data against Oxigraph's "
        f"bulk load of the same TriG file; medians of {counted}; 2 shared "
        f"cores, load average at the end {load}. Time is the work without starting Python "
        "(wall time of the whole process in brackets); memory is the process's peak resident "
        "set; disk is everything the build writes (`out/` with `site/`), as `du` counts it.",
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
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.data, args.out)), flush=True)
        return 0
    if args.pages_all:
        with tempfile.TemporaryDirectory(prefix="site-all-") as folder:
            results = [measure_site_all(int(n), args.runs, Path(folder))
                       for n in args.sizes.split(",")]
        print(json.dumps({"pages_all": results, "load_average": os.getloadavg()}, indent=1))
        return 0
    sizes = []
    with tempfile.TemporaryDirectory(prefix="site-scale-") as folder:
        for triples in (int(n) for n in args.sizes.split(",")):
            runs = args.runs if triples < 1_000_000 else (args.runs_at_1m or args.runs)
            sizes.append(measure(triples, runs, Path(folder)))
    text = table(sizes, args.runs, args.runs_at_1m)
    print(text)
    if args.readme:
        write_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
