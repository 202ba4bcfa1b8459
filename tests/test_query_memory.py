"""``--max-memory`` holds the whole process on the embedded store, not only the worker that
evaluates the query: an answer too large for the parent to decode within the limit is
refused before it is decoded (the parent once reached 2.46 GB under a 2048 MiB limit).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Long strings: every row repeats a label 1024 times, about 18 MB of answer in all.
BIG = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s WHERE {
    ?a rdfs:label ?l .
    BIND (CONCAT(?l, ?l, ?l, ?l) AS ?b) BIND (CONCAT(?b, ?b, ?b, ?b) AS ?c)
    BIND (CONCAT(?c, ?c, ?c, ?c) AS ?d) BIND (CONCAT(?d, ?d, ?d, ?d) AS ?e)
    BIND (CONCAT(?e, ?e, ?e, ?e) AS ?s)
}
"""
SMALL = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT (COUNT(*) AS ?n) WHERE { ?a rdfs:label ?l }
"""
PEAK = """import resource, sys
from planegraf.cli import main
sys.argv = ["planegraf", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as done:
    code = done.code
print("PEAK", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, code, file=sys.stderr)
"""


def _peak_mib(tmp_path: Path, query: str, *args: str) -> tuple[int, str]:
    (tmp_path / "peak.py").write_text(PEAK, encoding="utf-8")
    (tmp_path / "q.rq").write_text(query, encoding="utf-8")
    done = subprocess.run([sys.executable, str(tmp_path / "peak.py"), "sparql",
                           str(tmp_path / "q.rq"), "--format", "csv", "-q", *args],
                          capture_output=True, text=True, timeout=600)
    last = done.stderr.strip().splitlines()[-1].split()
    assert last[0] == "PEAK", done.stderr
    return int(last[1]), done.stderr


def test_a_large_answer_does_not_take_the_parent_past_max_memory(tmp_path: Path) -> None:
    baseline, _ = _peak_mib(tmp_path, SMALL, "--max-memory", "100", "--lang", "en")
    peak, stderr = _peak_mib(tmp_path, BIG, "--max-memory", "100", "--max-rows", "0",
                             "--lang", "en")
    assert "too large to hold within --max-memory 100 MiB" in stderr
    assert "Traceback" not in stderr
    assert peak - baseline <= 100, f"the parent grew by {peak - baseline} MiB"


def test_the_same_answer_arrives_when_max_memory_allows_it(tmp_path: Path) -> None:
    _, stderr = _peak_mib(tmp_path, BIG, "--max-memory", "2048", "--max-rows", "0")
    assert stderr.startswith("PEAK") and stderr.split()[2] == "0", stderr
