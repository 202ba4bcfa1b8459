"""What a query may cost: a runaway query on the embedded store or behind ``planegraf serve``
is stopped with a clear message within its limit, and the machine is left as it was."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planegraf.errors import PlanegrafError
from planegraf.pipeline import open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql import limits
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.limits import QueryLimitError, QueryLimits
from planegraf.sparql.queries import catalogue_query, parse_query_text

REPOSITORY = Path(__file__).parent.parent
# Every triple with every other, four times over: about 10^14 rows on the bundled data.
FOUR_WAY = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l"
COUNT_FOUR_WAY = f"SELECT (COUNT(*) AS ?n) WHERE {{ {FOUR_WAY} }}"
ROWS_FOUR_WAY = f"SELECT * WHERE {{ {FOUR_WAY} }}"
# A sort must hold every row before it gives the first: memory grows until it is stopped.
SORTED_THREE_WAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return open_store()


def _query(text: str):  # type: ignore[no-untyped-def]
    return parse_query_text(text, Path("heavy.rq"))


def test_a_query_past_its_time_is_stopped_within_the_limit(store: EmbeddedStore) -> None:
    engine = EmbeddedEngine(store, QueryLimits(timeout_s=1.5))
    started = time.monotonic()
    with pytest.raises(QueryLimitError, match=r"longer than 1\.5 s.*--timeout"):
        engine.run(_query(COUNT_FOUR_WAY))
    assert time.monotonic() - started < 5


def test_a_query_with_too_many_rows_is_stopped_at_the_cap(store: EmbeddedStore) -> None:
    engine = EmbeddedEngine(store, QueryLimits(timeout_s=30, max_rows=500))
    started = time.monotonic()
    with pytest.raises(QueryLimitError, match="more than 500 rows.*--max-rows"):
        engine.run(_query(ROWS_FOUR_WAY))
    assert time.monotonic() - started < 10


def test_the_row_cap_counts_construct_triples_too(store: EmbeddedStore) -> None:
    engine = EmbeddedEngine(store, QueryLimits(max_rows=10))
    with pytest.raises(QueryLimitError, match="more than 10 triples"):
        engine.run(_query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))


def test_a_query_that_would_exhaust_memory_is_stopped(store: EmbeddedStore) -> None:
    engine = EmbeddedEngine(store, QueryLimits(timeout_s=60, memory_mib=256))
    started = time.monotonic()
    with pytest.raises(QueryLimitError, match="more than 256 MiB.*--max-memory"):
        engine.run(_query(SORTED_THREE_WAY))
    assert time.monotonic() - started < 30


def test_the_store_is_unchanged_and_answers_after_a_stopped_query(
    store: EmbeddedStore,
) -> None:
    size = len(store)
    with pytest.raises(QueryLimitError):
        EmbeddedEngine(store, QueryLimits(timeout_s=0.5)).run(_query(COUNT_FOUR_WAY))
    assert len(store) == size
    query = catalogue_query("coordinators-ranked")
    limited = EmbeddedEngine(store, QueryLimits()).run(query).solutions
    unlimited = EmbeddedEngine(store).run(query).solutions
    assert limited is not None and unlimited is not None
    assert limited.rows == unlimited.rows and len(limited) > 10


def test_an_error_in_the_worker_reaches_the_caller_as_planegrafs_own(
    store: EmbeddedStore,
) -> None:
    # ?x is bound but not projected: Oxigraph refuses, and the worker passes that on.
    query = parse_query_text("SELECT ?s WHERE { ?s ?p ?x } LIMIT 1", Path("unprojected.rq"))
    from planegraf.sparql.queries import Parameter

    bindings = {"x": Parameter("x", "xsd:string", None).term("a")}
    with pytest.raises(PlanegrafError, match="unprojected.rq.*projected"):
        EmbeddedEngine(store, QueryLimits()).run(query, bindings)


def test_a_worker_that_ends_without_a_word_is_not_said_to_need_more_memory() -> None:
    # Memory is what aborts a worker under its cap (or gets it killed); a worker that
    # exits on its own or is stopped by another signal must not send the user off to
    # raise --max-memory.
    capped = QueryLimits(timeout_s=60, memory_mib=256)
    with pytest.raises(PlanegrafError, match=r"stopped unexpectedly \(exit status 3\)") as ended:
        limits.run_limited(lambda: os._exit(3), capped)
    assert not isinstance(ended.value, QueryLimitError)
    assert "memory" not in str(ended.value)
    with pytest.raises(PlanegrafError, match=r"stopped unexpectedly \(signal SIGTERM\)"):
        limits.run_limited(lambda: os.kill(os.getpid(), signal.SIGTERM), capped)
    with pytest.raises(QueryLimitError, match="more than 256 MiB"):
        limits.run_limited(lambda: os.abort(), capped)


def _children() -> set[str]:
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {pid for task in tasks.iterdir()
            for pid in (task / "children").read_text().split()}


def test_no_worker_is_left_behind() -> None:
    before = _children()
    with pytest.raises(QueryLimitError):
        limits.run_limited(lambda: time.sleep(30), QueryLimits(timeout_s=0.3))
    assert _children() == before


def _planegraf(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPOSITORY)


def test_cli_stops_a_cartesian_product_with_a_clear_message(tmp_path: Path) -> None:
    heavy = tmp_path / "heavy.rq"
    heavy.write_text(COUNT_FOUR_WAY + "\n", encoding="utf-8")
    started = time.monotonic()
    done = _planegraf("sparql", str(heavy), "--timeout", "2", "-q", "--lang", "en")
    assert done.returncode == 2, done.stderr
    assert "longer than 2 s and was stopped" in done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 30


def test_cli_limits_memory_and_rows(tmp_path: Path) -> None:
    sorted_query = tmp_path / "sorted.rq"
    sorted_query.write_text(SORTED_THREE_WAY + "\n", encoding="utf-8")
    done = _planegraf("sparql", str(sorted_query), "--max-memory", "256", "-q",
                      "--lang", "en")
    assert done.returncode == 2 and "more than 256 MiB" in done.stderr, done.stderr
    assert "memory allocation" not in done.stderr  # Oxigraph's own abort text is kept out
    rows = tmp_path / "rows.rq"
    rows.write_text(ROWS_FOUR_WAY + "\n", encoding="utf-8")
    done = _planegraf("sparql", str(rows), "--max-rows", "100", "-q", "--lang", "en")
    assert done.returncode == 2 and "more than 100 rows" in done.stderr, done.stderr


def test_limits_are_documented_in_the_help_and_in_docs_limits() -> None:
    docs = (REPOSITORY / "docs" / "limits.md").read_text(encoding="utf-8")
    for command in ("query", "sparql"):
        text = " ".join(_planegraf(command, "--help").stdout.split())
        for option, default in (("--timeout", limits.DEFAULT_TIMEOUT_S),
                                ("--max-rows", limits.DEFAULT_MAX_ROWS),
                                ("--max-memory", limits.DEFAULT_MEMORY_MIB)):
            assert re.search(rf"{option}.*default: {default:g}", text), (command, option)
            assert f"`{option}`" in docs and f"{default:g}" in docs
    serve_help = " ".join(_planegraf("serve", "--help").stdout.split())
    assert "--max-memory" in serve_help and "--timeout" in serve_help
    from planegraf.publish import serve as serving

    for value in (serving.QUERY_TIMEOUT_S, serving.ENGINE_MEMORY_MIB):
        assert f"{value}" in docs
    assert "64 KiB" in docs and "16 MiB" in docs
