"""How much time ``planegraf build`` adds over just importing its libraries.

Runs each command as a fresh process several times and reports the medians:

    python benchmarks/build_vs_floor.py --runs 7

Target (issue 2): the build of the bundled data adds less than 1 s over the floor on a
2-core machine. Results go in the README's benchmark table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = "import pyoxigraph, rdflib, pyshacl, click"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (default 7)")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        build_cmd = [python, "-m", "planegraf.cli", "build", "--quiet", "--out", str(out)]
        floor_cmd = [python, "-c", FLOOR]
        timed(build_cmd)  # warm the file cache and byte-code
        builds, floors = [], []
        for _ in range(args.runs):
            floors.append(timed(floor_cmd))
            builds.append(timed(build_cmd))
    floor, build = statistics.median(floors), statistics.median(builds)
    print("| runs | import floor (median) | planegraf build (median) | added by build |")
    print("|---:|---:|---:|---:|")
    print(f"| {args.runs} | {floor:.2f} s | {build:.2f} s | {build - floor:.2f} s |")
    if build - floor >= 1.0:
        print("target missed: build adds 1 s or more over the floor", file=sys.stderr)


if __name__ == "__main__":
    main()
