"""Parity of every catalogue query on a second real engine, Virtuoso: start the Debian
package's ``virtuoso-t`` on 127.0.0.1, publish the bundled dataset to it, run each named
question in Swedish and English there and on the embedded store, and compare the rows.

Needs only the Debian package (``apt-get install virtuoso-opensource``). Exits 1 when any
query differs, 2 when the data or Virtuoso cannot be used, 130 on Ctrl-C (Virtuoso is
stopped and its files removed in every case). See docs/virtuoso.md.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pyoxigraph as ox

from planegraf.errors import PlanegrafError
from planegraf.pipeline import open_store
from planegraf.sparql.endpoint import Connection, RemoteEngine, publish
from planegraf.sparql.engines import EmbeddedEngine, Solutions, Term, term_key
from planegraf.sparql.queries import QueryFile, bind_parameters, catalogue, read_query

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import free_port  # noqa: E402  (the test suite's helper)

EXAMPLE = """\
example:
  .venv/bin/python benchmarks/virtuoso_parity.py
  .venv/bin/python benchmarks/virtuoso_parity.py --only search-activities --diff
  .venv/bin/python benchmarks/virtuoso_parity.py --dataset out/planegraf.trig --lang en
"""
PACKAGE_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
XSD = "http://www.w3.org/2001/XMLSchema#"
# Virtuoso types COUNT() as xsd:int, Oxigraph as xsd:integer: the same number.
INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "byte",
                                   "nonNegativeInteger", "positiveInteger", "unsignedInt")}
# Besides the defaults, values that reach the dialect points: a number compared with
# COUNT()'s xsd:int, accent folding of non-ASCII text, the counties the other way round.
MORE_PARAMETERS: dict[str, list[dict[str, str]]] = {
    "organisations-in-many-areas": [{"min_areas": "1"}, {"min_areas": "50"}],
    "frequent-partner-pairs": [{"min_shared": "1"}],
    "search-activities": [{"text": "FORALDRASTOD"}, {"text": "Hälsa"}, {"text": "Å"}],
    "counties-side-by-side": [{"left_county": "place/kalmar-lan",
                               "right_county": "place/jonkopings-lan"}],
}


class VirtuosoError(PlanegrafError):
    """Virtuoso could not be found, started or prepared."""


@dataclass(frozen=True)
class Virtuoso:
    """A running Virtuoso: its SPARQL URL and its SQL (isql) port."""

    sparql_url: str
    sql_port: int
    folder: Path


def configuration(template: str, folder: Path, sql_port: int, http_port: int,
                  max_rows: int | None = None) -> str:
    """The package's ``virtuoso.ini`` with every file in ``folder`` and loopback ports
    (and ``max_rows`` as its cap on result rows, ``ResultSetMaxRows``, if given).

    >>> ini = configuration("[Database]\\nDatabaseFile = /var/x.db\\n[HTTPServer]\\n"
    ...                     "ServerPort = 8890\\n[Zero Config]\\nServerName = v\\n",
    ...                     Path("/tmp/v"), 1111, 8890)
    >>> print(ini, end="")
    [Database]
    DatabaseFile = /tmp/v/virtuoso.db
    [HTTPServer]
    ServerPort = 127.0.0.1:8890
    [Zero Config]
    """
    files = {
        "Database": {"DatabaseFile": "virtuoso.db", "ErrorLogFile": "virtuoso.log",
                     "LockFile": "virtuoso.lck", "TransactionFile": "virtuoso.trx",
                     "xa_persistent_file": "virtuoso.pxa"},
        "TempDatabase": {"DatabaseFile": "virtuoso-temp.db",
                         "TransactionFile": "virtuoso-temp.trx"},
    }
    ports = {"Parameters": f"127.0.0.1:{sql_port}", "HTTPServer": f"127.0.0.1:{http_port}"}
    lines: list[str] = []
    section = ""
    for line in template.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
            lines.append(line)
            continue
        key = stripped.split("=", 1)[0].strip() if "=" in stripped else ""
        if key and not stripped.startswith(";"):
            if key in files.get(section, {}):
                line = f"{key} = {folder / files[section][key]}"
            elif key == "ServerPort" and section in ports:
                line = f"ServerPort = {ports[section]}"
            elif key == "ResultSetMaxRows" and section == "SPARQL" and max_rows is not None:
                line = f"ResultSetMaxRows = {max_rows}"
            elif section == "Zero Config":
                continue  # Zero Config announces the server on the local network (mDNS)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _answers(url: str) -> bool:
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    try:
        with urllib.request.urlopen(probe, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _log_tail(folder: Path) -> str:
    log = folder / "virtuoso.log"
    if not log.exists():
        return "(no log)"
    return "\n".join(log.read_text("utf-8", "replace").splitlines()[-15:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # virtuoso-t shuts down cleanly on SIGTERM
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def virtuoso_server(startup_timeout: float = 120.0, max_rows: int | None = None
                    ) -> Iterator[Virtuoso]:
    """Start Virtuoso on 127.0.0.1 on free ports with a temporary database; yield it.

    Virtuoso is stopped and its folder removed on leaving, also on an error or Ctrl-C.
    """
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if not binary or not isql or not PACKAGE_INI.exists():
        raise VirtuosoError("Virtuoso is not installed: apt-get install virtuoso-opensource")
    folder = Path(tempfile.mkdtemp(prefix="planegraf-virtuoso-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        sql_port, http_port = free_port(), free_port()
        while http_port == sql_port:
            http_port = free_port()
        ini = folder / "virtuoso.ini"
        ini.write_text(configuration(PACKAGE_INI.read_text("utf-8"), folder, sql_port,
                                     http_port, max_rows), "utf-8")
        # Its own session, so Ctrl-C reaches only this script, which then stops it.
        process = subprocess.Popen(
            [binary, "-c", str(ini), "+foreground"], cwd=folder, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sparql_url = f"http://127.0.0.1:{http_port}/sparql"
        deadline = time.monotonic() + startup_timeout
        while not _answers(sparql_url):
            if process.poll() is not None:
                raise VirtuosoError(f"virtuoso-t exited with {process.returncode}:\n"
                                    f"{_log_tail(folder)}")
            if time.monotonic() > deadline:
                raise VirtuosoError(f"Virtuoso did not answer at {sparql_url} in "
                                    f"{startup_timeout:g} s:\n{_log_tail(folder)}")
            time.sleep(0.5)
        grant = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba",
             'exec=grant SPARQL_UPDATE to "SPARQL";'],
            capture_output=True, text=True, timeout=60)
        if grant.returncode != 0 or "Error" in grant.stdout + grant.stderr:
            raise VirtuosoError(f"isql-vt could not grant SPARQL_UPDATE: "
                                f"{(grant.stdout + grant.stderr).strip()}")
        yield Virtuoso(sparql_url, sql_port, folder)
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through virtuoso_server's finally


# --- comparison ---------------------------------------------------------------------------

def normalised(term: Term | None) -> tuple[str, str, str, str]:
    """The comparable form of a term after the documented normalisations (docs/virtuoso.md).

    Integers of any XSD integer type compare by value as ``xsd:integer``.

    >>> normalised(ox.Literal("07", datatype=ox.NamedNode(XSD + "int")))
    ('literal', '7', 'http://www.w3.org/2001/XMLSchema#integer', '')
    """
    if isinstance(term, ox.Literal) and term.datatype.value in INTEGER_TYPES:
        try:
            return ("literal", str(int(term.value)), XSD + "integer", "")
        except ValueError:
            pass
    return term_key(term)


def normalised_rows(solutions: Solutions) -> list[tuple[tuple[str, str, str, str], ...]]:
    return [tuple(normalised(row.get(name)) for name in solutions.variables)
            for row in solutions.rows]


@dataclass(frozen=True)
class Comparison:
    run: str
    lang: str
    embedded_rows: int
    virtuoso_rows: int | None
    verdict: str  # "same", "order", "rows", "columns" or "error: …"

    @property
    def same(self) -> bool:
        return self.verdict == "same"


def compare(query: QueryFile, given: dict[str, str], lang: str, local: EmbeddedEngine,
            remote: RemoteEngine, show_diff: bool) -> Comparison:
    run = " ".join([query.name, *(f"{k}={v}" for k, v in given.items())])
    bindings = bind_parameters(query, given, lang)
    mine = local.run(query, bindings).solutions
    assert mine is not None
    try:
        theirs = remote.run(query, bindings).solutions
    except PlanegrafError as err:
        return Comparison(run, lang, len(mine), None, f"error: {err}")
    assert theirs is not None
    if theirs.variables != mine.variables:
        return Comparison(run, lang, len(mine), len(theirs), "columns")
    left, right = normalised_rows(mine), normalised_rows(theirs)
    if left == right:
        verdict = "same"
    elif sorted(left) == sorted(right):
        verdict = "order"
    else:
        verdict = "rows"
    if verdict != "same" and show_diff:
        _print_diff(run, lang, mine.variables, left, right)
    return Comparison(run, lang, len(mine), len(theirs), verdict)


def _print_diff(name: str, lang: str, variables: tuple[str, ...],
                left: list[tuple[tuple[str, str, str, str], ...]],
                right: list[tuple[tuple[str, str, str, str], ...]]) -> None:
    print(f"--- {name} [{lang}]: first differences (embedded < / Virtuoso >)", file=sys.stderr)
    shown = 0
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        if a != b:
            for variable, x, y in zip(variables, a, b, strict=True):
                if x != y:
                    print(f"  row {index} ?{variable}: < {x}\n  {' ' * len(str(index))}"
                          f"     {' ' * len(variable)}  > {y}", file=sys.stderr)
            shown += 1
            if shown == 5:
                break
    for extra, side in ((left[len(right):], "<"), (right[len(left):], ">")):
        for row in extra[:3]:
            print(f"  only {side} {row}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path,
                        help="TriG or N-Quads to publish (default: the bundled data, built here)")
    parser.add_argument("--lang", choices=["sv", "en"], action="append",
                        help="run in this language only (repeatable; default: sv and en)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this catalogue query, or summary/totals (repeatable)")
    parser.add_argument("--diff", action="store_true",
                        help="print the first differing rows of each query that differs")
    parser.add_argument("--max-rows", type=int, metavar="N",
                        help="Virtuoso's cap on result rows (ResultSetMaxRows; the package "
                             "sets 10000); a result it cuts off is refused, so differs")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds to wait for Virtuoso to start (default 120)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # summary/totals counts what publish loaded, so a lost triple shows up there too
    everything = [*catalogue(), read_query("summary/totals.rq")]
    queries = [q for q in everything if not args.only or q.name in args.only]
    unknown = sorted(set(args.only or ()) - {q.name for q in queries})
    if unknown:
        parser.error(f"no catalogue query named {', '.join(unknown)}")
    langs = args.lang or ["sv", "en"]
    with tempfile.TemporaryDirectory(prefix="planegraf-parity-") as tmp:
        try:
            if args.dataset:
                dataset = args.dataset
                store = open_store([dataset], bundled=False)
            else:
                print("… building the bundled dataset", file=sys.stderr)
                store = open_store()
                dataset = Path(tmp) / "planegraf.trig"
                dataset.write_bytes(store.dump(ox.RdfFormat.TRIG))
            local = EmbeddedEngine(store)
            print("… starting Virtuoso on 127.0.0.1", file=sys.stderr)
            started = time.monotonic()
            with virtuoso_server(args.timeout, args.max_rows) as server:
                print(f"… Virtuoso answers at {server.sparql_url} after "
                      f"{time.monotonic() - started:.0f} s; publishing", file=sys.stderr)
                connection = Connection(server.sparql_url, timeout=120)
                published = publish(dataset, connection,
                                    progress=lambda step: print(f"… {step}", file=sys.stderr))
                print(f"… published {sum(g.triples for g in published)} triples in "
                      f"{len(published)} graphs", file=sys.stderr)
                remote = RemoteEngine(connection)
                results = []
                runs = [(q, given) for q in queries
                        for given in [{}, *MORE_PARAMETERS.get(q.name, [])]]
                width = max(len(" ".join([q.name, *(f"{k}={v}" for k, v in g.items())]))
                            for q, g in runs)
                print(f"{'query':<{width}}  lang  {'embedded':>8}  {'Virtuoso':>8}  same?")
                print(f"{'-' * width}  ----  {'-' * 8}  {'-' * 8}  -----")
                for query, given in runs:
                    for lang in langs:
                        result = compare(query, given, lang, local, remote, args.diff)
                        results.append(result)
                        theirs = "-" if result.virtuoso_rows is None else result.virtuoso_rows
                        verdict = "yes" if result.same else f"NO ({result.verdict})"
                        print(f"{result.run:<{width}}  {lang:<4}  {result.embedded_rows:>8}  "
                              f"{theirs:>8}  {verdict}", flush=True)
        except KeyboardInterrupt:
            print("interrupted: Virtuoso stopped and its files removed", file=sys.stderr)
            return 130
        except PlanegrafError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    differing = [r for r in results if not r.same]
    print(f"\n{len(results) - len(differing)} of {len(results)} query runs return the same rows "
          "on Virtuoso as on the embedded store")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
