"""What a large answer costs as an Excel workbook beside the CSV for people.

    python benchmarks/xlsx_answer.py --rows 100000 --runs 3

Each run is a fresh process that makes an answer of ``--rows`` rows (an activity's IRI and
label, an integer, a decimal, a boolean: the shape of the catalogue's answers), then writes
it either as ``-o svar.xlsx`` does (:func:`planegraf.render.xlsx.write_table`) or as
``--format csv --headings`` does. The formats alternate within each round, so a change in
the machine's load falls on both; the medians are printed with the CPU seconds of the write
(``time.process_time``), the peak memory the write added over the answer already held
(resident set, ``ru_maxrss``) and the file's size. CPU, not wall time: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import pyoxigraph as ox
from planegraf.render.results import render, spreadsheet_table
from planegraf.render.xlsx import write_table
from planegraf.sparql.engines import Solutions

kind, rows, target = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
XSD = "http://www.w3.org/2001/XMLSchema#"
answer = Solutions(("activity", "activityLabel", "n", "share", "stated"), tuple(
    {"activity": ox.NamedNode(f"https://w3id.org/planegraf/id/activity/a{i}"),
     "activityLabel": ox.Literal(f"Aktivitet nummer {i} i handlingsområdet", language="sv"),
     "n": ox.Literal(str(i), datatype=ox.NamedNode(XSD + "integer")),
     "share": ox.Literal(f"{i / 7:.4f}", datatype=ox.NamedNode(XSD + "decimal")),
     "stated": ox.Literal("true" if i % 3 else "false", datatype=ox.NamedNode(XSD + "boolean"))}
    for i in range(rows)))
import openpyxl  # noqa: F401  (imported before the measurement, as for the CSV's csv module)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
if kind == "xlsx":
    header, body = spreadsheet_table(answer, None, "sv")
    write_table(target, "many", header, body, "sv")
else:
    target.write_text(render(answer, "csv", query=None, lang="sv", headings=True),
                      encoding="utf-8")
cpu = time.process_time() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"cpu": cpu, "added_mib": (after - before) / 1024,
                  "bytes": target.stat().st_size}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"xlsx": [], "csv": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.runs):
            for kind in results:
                target = Path(folder) / f"svar.{kind}"
                done = subprocess.run([sys.executable, "-c", CHILD, kind, str(args.rows),
                                       str(target)], capture_output=True, text=True,
                                      check=True)
                results[kind].append(json.loads(done.stdout))
    print(f"{args.rows} rows, {args.runs} runs each, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for kind, runs in results.items():
        cpu = statistics.median(r["cpu"] for r in runs)
        added = statistics.median(r["added_mib"] for r in runs)
        size = statistics.median(r["bytes"] for r in runs) / 2**20
        print(f"  {kind:<5} CPU {cpu:6.2f} s   peak memory added {added:6.1f} MiB   "
              f"file {size:5.1f} MiB")


if __name__ == "__main__":
    main()
