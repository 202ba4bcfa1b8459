"""How much time ``planegraf build`` adds over just importing its libraries.

Runs each command as a fresh process several times and reports the medians:

    python benchmarks/build_vs_floor.py --runs 7 [--with-site]

Target (issue 2): the build of the bundled data (load, derive, validate, write the dataset,
report and summary: ``build --no-site``) adds less than 1 s over the floor on a 2-core
machine; issue 11 asks for at most 1.1× the floor. The commands run in turn within each
round (interleaved), so a change in the machine's load falls on all of them. With
``--with-site`` the full build (web report, six exports, DCAT description) is timed too
(minutes: its network pictures). A question after a build reads the built dataset alone
(one file, no second load of the sources): ``query`` in the built folder is timed beside
it. The compiled shapes and the literals as written are cached between processes
(``PLANEGRAF_CACHE``); the first, warming round fills the cache, as any earlier build on the
machine would have. The warming round also writes planegraf's byte code: the processes run
without ``PYTHONDONTWRITEBYTECODE``, as an installed package (pip compiles it at install)
does, since otherwise each build would compile planegraf's own modules again (about 0.1 s)
while the floor's libraries come compiled. Results go in the README's benchmark table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = "import pyoxigraph, rdflib, pyshacl, click"
# What build --no-site itself imports of them: with the compiled shapes cached it never needs
# pyshacl. Timed beside the floor for reference; the target stays against FLOOR.
FLOOR_WITHOUT_PYSHACL = "import pyoxigraph, rdflib, click"


# As installed: byte code written once, then read (see the module docstring).
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=ENVIRONMENT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (default 7)")
    parser.add_argument("--with-site", action="store_true",
                        help="also time the build with its site")
    args = parser.parse_args()
    python = sys.executable
    start_load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        build_cmd = [python, "-m", "planegraf.cli", "build", "--quiet", "--out", str(out)]
        commands = {
            "import floor": [python, "-c", FLOOR],
            "import floor without pyshacl": [python, "-c", FLOOR_WITHOUT_PYSHACL],
            "planegraf build --no-site": [*build_cmd, "--no-site"],
            **({"planegraf build (with site)": build_cmd} if args.with_site else {}),
            "planegraf query after the build": [
                python, "-c", "import os, sys; os.chdir(sys.argv[1]); "
                "from planegraf.cli import main; main(sys.argv[2:])", tmp,
                "query", "coordinators-ranked", "-q"],
        }
        for command in commands.values():
            timed(command)  # warm the file cache and byte-code
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians["import floor"]
    print(f"| command ({args.runs} runs) | median | over the floor |")
    print("|---|---:|---:|")
    for name, median in medians.items():
        print(f"| {name} | {median:.2f} s | {median - floor:+.2f} s |")
    ratio = medians["planegraf build --no-site"] / floor
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nbuild --no-site / floor: {ratio:.2f}× (load average at the start {start_load}, "
          f"at the end {load})")
    print("build --no-site / floor without pyshacl: "
          f"{medians['planegraf build --no-site'] / medians['import floor without pyshacl']:.2f}×")
    if medians["planegraf build --no-site"] - floor >= 1.0:
        print("target missed: build adds 1 s or more over the floor", file=sys.stderr)
    if ratio > 1.1:
        print("target missed: build --no-site takes more than 1.1× the floor", file=sys.stderr)


if __name__ == "__main__":
    main()
