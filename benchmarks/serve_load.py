"""Load on ``planegraf serve``: many clients asking a light GROUP BY at once, optionally with
clients that keep sending a query that hits the memory limit or the time limit, then a
SIGTERM (or SIGINT) and a look at what is left behind.

    .venv/bin/python benchmarks/serve_load.py --clients 50 --seconds 60 --heavy-clients 1

Only 127.0.0.1 is contacted: the script builds the site of the bundled data into a temporary
folder, starts ``planegraf serve --port 0`` on it and talks to that. It stops by itself after
``--seconds`` (each request also has its own timeout) and then stops the server.

Targets (issue 10, item 3): 0 server errors (5xx or no answer) for the light query; heavy
queries fail alone with 503/504; after the signal no process of the server's tree and no
file in the server's temporary folder remain.

What people open, at national scale (issue 15, item 3):

    .venv/bin/python benchmarks/serve_load.py --pages --quads 1000000 --clients 8 --seconds 60

writes the synthetic national data (``planegraf.synthetic``, seed 1) of about ``--quads``
quads, checks it (load, derive, validate) and writes its site with the report pages only
(``--pages reports``), then starts ``planegraf serve`` on it and lets ``--clients`` clients
ask for ``--seconds``: resource pages of random IRIs of several types (activities,
organisations, plans, areas, goals; ``.html``, rendered on request) and their Turtle, the
start page, a catalogue question (``/questions/NAME``) and a SPARQL query. Then the same
pages as static files (written by the function that writes the static site's pages) from a
plain file server (Python's ``http.server``), for reference. p50 and p95 latency per kind,
statuses and errors. Target: p95 under 100 ms for pages, 0 errors.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LIGHT = ("SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type "
         "ORDER BY DESC(?n)")
# A sort must hold every row of a three-way product before it gives one: memory grows
# until the limit stops it.
MEMORY_HEAVY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
# Counting a four-way product streams (constant memory) and never ends: the time limit.
TIME_HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
PLANEGRAF = str(Path(sys.executable).with_name("planegraf"))  # the console script
NO_ANSWER = 0  # the status recorded when the server closed or reset without answering


@dataclass
class Tally:
    """Statuses and latencies of one kind of client."""

    statuses: Counter[int] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, elapsed: float, body: bytes = b"") -> None:
        with self.lock:
            self.statuses[status] += 1
            if status == NO_ANSWER or status >= 500:
                self.failures[f"{status} {body[:60].decode('utf-8', 'replace').strip()}"] += 1
            self.seconds.append(elapsed)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items()
                   if status >= 500 or status == NO_ANSWER)

    def summary(self) -> dict[str, object]:
        ordered = sorted(self.seconds)
        def pick(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)
        return {
            "requests": len(ordered),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": self.server_errors,
            "failures": dict(self.failures.most_common(5)),
            "p50_s": pick(0.5) if ordered else None,
            "p95_s": pick(0.95) if ordered else None,
            "mean_s": round(statistics.fmean(ordered), 4) if ordered else None,
        }


def ask(host: str, port: int, query: str, timeout: float) -> tuple[int, bytes]:
    """POST one query to ``/sparql`` as the site's query page does; (status, body), the
    body being the error's name when nothing was answered."""
    return _request(host, port, "POST", "/sparql", timeout,
                    urllib.parse.urlencode({"query": query}).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded",
                     "Accept": "application/sparql-results+json"})


def _request(host: str, port: int, method: str, target: str, timeout: float,
             body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    except (OSError, http.client.HTTPException) as err:
        return NO_ANSWER, type(err).__name__.encode()
    finally:
        connection.close()


def load(site_url: str, clients: int, seconds: float, heavy_clients: int = 0,
         heavy_query: str = MEMORY_HEAVY, request_timeout: float = 120.0
         ) -> tuple[Tally, Tally]:
    """``clients`` threads asking ``LIGHT`` and ``heavy_clients`` asking ``heavy_query``
    back to back for ``seconds``; the tallies of (light, heavy)."""
    parts = urllib.parse.urlsplit(site_url)
    if parts.hostname != "127.0.0.1":
        raise SystemExit(f"refusing to load anything but 127.0.0.1, not {site_url}")
    host, port = parts.hostname, parts.port or 80
    light, heavy = Tally(), Tally()
    stop_at = time.monotonic() + seconds

    def client(query: str, tally: Tally) -> None:
        while True:  # at least one request each, however slow the machine
            started = time.monotonic()
            status, body = ask(host, port, query, request_timeout)
            tally.add(status, time.monotonic() - started, body)
            if time.monotonic() >= stop_at:
                return

    threads = [threading.Thread(target=client, args=(LIGHT, light)) for _ in range(clients)]
    threads += [threading.Thread(target=client, args=(heavy_query, heavy))
                for _ in range(heavy_clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return light, heavy


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (Linux ``/proc``)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextmanager
def running_server(site: Path, extra: list[str], temp: Path
                   ) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``planegraf serve --port 0`` on ``site`` with ``temp`` as its temporary folder (so
    what it leaves there is its own, not another program's); yields (process, site URL)."""
    process = subprocess.Popen(
        [PLANEGRAF, "serve", "--site", str(site), "--port", "0",
         "--quiet", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(temp)})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("site:"):
            raise SystemExit(f"serve did not start: {line}{process.stderr.read()}")
        yield process, line.split()[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop_and_inspect(process: subprocess.Popen[str], signum: int,
                     temp: Path) -> dict[str, object]:
    """Send ``signum``; report exit, processes left of the tree and what is left in its
    temporary folder ``temp``."""
    tree = descendants(process.pid)
    process.send_signal(signum)
    try:
        code: int | None = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = None
    time.sleep(0.5)
    left = sorted(pid for pid in tree if alive(pid))
    for pid in left:  # do not leave them running after the measurement
        os.kill(pid, signal.SIGKILL)
    if code is None:
        process.kill()
        process.wait()
    return {"signal": signal.Signals(signum).name, "exit": code,
            "processes_left": len(left),
            "temp_files_left": len(list(temp.iterdir()))}


# -- what people open: pages rendered on request against static files -----------------------

PAGE_CLASSES = {  # the kinds of resource whose pages are asked for, a sample of each
    "activity": "https://w3id.org/planegraf/def#Activity",
    "organisation": "http://www.w3.org/ns/org#Organization",
    "plan": "https://w3id.org/planegraf/def#ActionPlan",
    "area": "https://w3id.org/planegraf/def#ActionArea",
    "goal": "https://w3id.org/planegraf/def#StrategicGoal",
}
SAMPLE_PER_CLASS = 200
# What each client asks, in turn (pages most often, as people open them).
MIX = ("page", "page", "page", "page", "data", "start", "page", "page", "question", "sparql")
PAGES_ONLY = tuple(kind for kind in MIX if kind in ("page", "data", "start"))


def get(host: str, port: int, target: str, timeout: float) -> tuple[int, bytes]:
    """GET ``target``; (status, body), the body the error's name when nothing came back."""
    return _request(host, port, "GET", target, timeout, None, {"Accept": "*/*"})


def prepare_pages(work: Path, quads: int, data: Path | None = None
                  ) -> tuple[Path, Path, dict[str, list[str]], int, dict[str, list[str]]]:
    """The synthetic data's site (report pages only), the static reference folder with
    the sampled resource pages written beside them, the sample's paths by kind, the
    number of quads, and the paths of every resource of those kinds, by kind, shuffled.

    ``data`` is a TriG file to serve instead of writing ``quads`` quads of synthetic data
    (e.g. ``/work/tmp/data/synthetic-1000000.trig``). What the build does before the site is
    loading and deriving; validating is left out (the synthetic data is checked by the tests
    and by ``site_scale.py``) because it costs a minute at a million quads and changes nothing
    served. A site already prepared in ``work`` for the same file (same path, size and
    modification time, see :data:`PREPARED`) is reused: only the sample's static pages are
    written again.
    """
    import random

    import pyoxigraph as ox

    from planegraf.publish import lod
    from planegraf.publish.site import PageRenderer, page_name, resource_path, write_site
    from planegraf.rdf.loading import derive, load_dataset
    from planegraf.synthetic import write_trig

    if data is None:
        data = work / "national.trig"
        write_trig(data, quads, 1)
    stamp = {"data": str(data.resolve()), "bytes": data.stat().st_size,
             "mtime_ns": data.stat().st_mtime_ns}
    site = work / "site"
    marker = work / PREPARED
    store = ox.Store()
    if marker.is_file() and json.loads(marker.read_text("utf-8")) == stamp:
        # The served dataset itself (what planegraf serve loads) for the sample.
        # (the TriG, as planegraf serve loads it: a national site's N-Quads are compressed)
        store.bulk_load(path=str(site / lod.DATA_FOLDER / lod.SERIALISATIONS["trig"].file_name),
                        format=ox.RdfFormat.TRIG)
        print(f"reusing the site prepared in {work}", file=sys.stderr, flush=True)
    else:
        marker.unlink(missing_ok=True)
        subprocess.run(["rm", "-rf", str(site)], check=True)
        checked = load_dataset([data], bundled=False)
        derive(checked)
        write_site(checked, site, pages="reports")
        store = checked.oxigraph
        marker.write_text(json.dumps(stamp) + "\n", encoding="utf-8")
    rng = random.Random(1)
    sample: dict[str, list[str]] = {}
    population: dict[str, list[str]] = {}
    for kind, cls in PAGE_CLASSES.items():
        iris = sorted({q.subject.value for q in store.quads_for_pattern(
            None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(cls), None)})
        sample[kind] = rng.sample(iris, min(SAMPLE_PER_CLASS, len(iris)))
        every = [path for path in map(resource_path, iris) if path is not None]
        rng.shuffle(every)
        population[kind] = every
    # The reference: the same pages as static files, made by SiteWriter.resource_page (what
    # --pages all writes; tests/test_serve_pages.py checks served pages are the same bytes).
    static = work / "static"
    subprocess.run(["rm", "-rf", str(static)], check=True)
    subprocess.run(["cp", "-r", str(site), str(static)], check=True)
    renderer = PageRenderer(store, site)
    paths: dict[str, list[str]] = {}
    for kind, iris in sample.items():
        paths[kind] = []
        for iri in iris:
            path = resource_path(iri)
            assert path is not None
            html = renderer.page(iri, path, "sv")
            assert html is not None
            target = static / page_name(path, "sv", "sv")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
            paths[kind].append(path)
    return site, static, paths, len(store), population


#: In a kept ``--work`` folder: which data file its site was prepared from.
PREPARED = "prepared.json"


def page_load(url: str, clients: int, seconds: float, paths: dict[str, list[str]],
              question: str, kinds: tuple[str, ...] = MIX, request_timeout: float = 60.0,
              once: bool = False) -> dict[str, Tally]:
    """``clients`` threads asking, in turn, the kinds of ``kinds`` for ``seconds``.

    ``once``: every page (and its Turtle) is asked for at most once, a kind of page chosen
    at random each time and its next page taken from ``paths`` (shuffled), so no answer can
    come from what the server kept of an earlier request: what a first visit costs. A kind
    whose pages are all asked is no longer chosen; the phase ends early when none is left.
    """
    import random

    parts = urllib.parse.urlsplit(url)
    if parts.hostname != "127.0.0.1":
        raise SystemExit(f"refusing to load anything but 127.0.0.1, not {url}")
    host, port = parts.hostname, parts.port or 80
    tallies = {kind: Tally() for kind in (*PAGE_CLASSES, "data", "start", "question",
                                          "sparql")}
    every = [(kind, path) for kind, found in paths.items() for path in found]
    sparql = "/sparql?" + urllib.parse.urlencode({"query": LIGHT})
    stop_at = time.monotonic() + seconds
    unasked = {kind: (list(found), list(found)) for kind, found in paths.items() if found}
    taking = threading.Lock()

    def first_time(rng: random.Random, kind: str) -> tuple[str, str] | None:
        # (kind of page, path) not asked before for this kind of request, or None
        with taking:
            left = [k for k, lists in unasked.items() if lists[kind == "data"]]
            if not left:
                return None
            page_kind = rng.choice(left)
            return page_kind, unasked[page_kind][kind == "data"].pop()

    def client(number: int) -> None:
        rng = random.Random(number)
        turn = number
        while time.monotonic() < stop_at:
            kind = kinds[turn % len(kinds)]
            turn += 1
            if kind in ("page", "data"):
                if once:
                    chosen = first_time(rng, kind)
                    if chosen is None:
                        return
                    page_kind, path = chosen
                else:
                    page_kind, path = rng.choice(every)
                target = f"/{path}.html" if kind == "page" else f"/{path}.ttl"
                tally = tallies[page_kind if kind == "page" else "data"]
            elif kind == "start":
                target, tally = "/", tallies["start"]
            elif kind == "question":
                target, tally = f"/questions/{question}?lang=sv", tallies["question"]
            else:
                target, tally = sparql, tallies["sparql"]
            started = time.monotonic()
            status, body = get(host, port, target, request_timeout)
            tally.add(status, time.monotonic() - started, body)
            if status != 200 and status != NO_ANSWER and status < 500:
                with tally.lock:
                    tally.failures[f"{status} {target[:80]}"] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {kind: tally for kind, tally in tallies.items() if tally.seconds}


@contextmanager
def file_server(folder: Path) -> Iterator[str]:
    """Python's plain ``http.server`` (threading) on ``folder``, 127.0.0.1, any free port."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1",
         "--directory", str(folder), "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N (…) ..."
        port = int(line.split(" port ")[1].split()[0])
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=30)


def pages_main(args: argparse.Namespace) -> None:
    if not 0 < args.clients <= 200 or not 0 < args.seconds <= 600:
        raise SystemExit("at most 200 clients and 600 seconds")
    with contextlib.ExitStack() as stack:
        if args.work is not None:
            args.work.mkdir(parents=True, exist_ok=True)
            work = str(args.work)
        else:
            work = stack.enter_context(tempfile.TemporaryDirectory(prefix="planegraf-pages-"))
        started = time.monotonic()
        site, static, paths, quads, population = prepare_pages(Path(work), args.quads,
                                                               args.data)
        prepared = time.monotonic() - started
        temp = Path(work) / "tmp"
        subprocess.run(["rm", "-rf", str(temp)], check=True)
        temp.mkdir()
        results: dict[str, dict[str, object]] = {}
        with running_server(site, args.serve_option, temp) as (process, url):
            if args.pages_only_too:
                # First, on the fresh server: pages nobody asked for before, each once (what
                # the server keeps between requests cannot answer them).
                started = time.monotonic()
                first = page_load(url, args.clients, args.seconds, population, args.question,
                                  kinds=PAGES_ONLY, once=True)
                results["planegraf serve, pages asked for the first time"] = {
                    "seconds": round(time.monotonic() - started, 1),
                    "load_average": os.getloadavg(),
                    **{kind: tally.summary() for kind, tally in first.items()}}
            started = time.monotonic()
            served = page_load(url, args.clients, args.seconds, paths, args.question)
            results["planegraf serve"] = {
                "seconds": round(time.monotonic() - started, 1),
                "load_average": os.getloadavg(),
                **{kind: tally.summary() for kind, tally in served.items()}}
            if args.pages_only_too:
                # The same server without the queries' forked workers competing for the
                # CPU: what a page costs by itself (the sample's pages, asked again and again:
                # mostly answered from the pages the server keeps).
                started = time.monotonic()
                alone = page_load(url, args.clients, args.seconds, paths, args.question,
                                  kinds=PAGES_ONLY)
                results["planegraf serve, pages only, asked again"] = {
                    "seconds": round(time.monotonic() - started, 1),
                    "load_average": os.getloadavg(),
                    **{kind: tally.summary() for kind, tally in alone.items()}}
            ended = stop_and_inspect(process, signal.SIGTERM, temp)
        with file_server(static) as url:
            started = time.monotonic()
            plain = page_load(url, args.clients, args.seconds, paths, args.question,
                              kinds=tuple(k for k in MIX if k in ("page", "start")))
            results["static files (http.server)"] = {
                "seconds": round(time.monotonic() - started, 1),
                "load_average": os.getloadavg(),
                **{kind: tally.summary() for kind, tally in plain.items()}}
    report = {"quads": quads, "clients": args.clients, "prepared_s": round(prepared, 1),
              "question": args.question, "sparql": LIGHT, "results": results, "stop": ended,
              "load_average": os.getloadavg(), "cpus": os.cpu_count()}
    print(json.dumps(report, indent=2))
    met = True
    for phase in [name for name in results if name.startswith("planegraf serve")]:
        found = results[phase]
        errors = sum(n for kind, tally in found.items() if isinstance(tally, dict)
                     for status, n in tally.get("statuses", {}).items() if status != "200")
        worst_p95 = max(float(found[kind]["p95_s"] or 0)  # type: ignore[index]
                        for kind in PAGE_CLASSES if kind in found)
        met = met and errors == 0 and worst_p95 < 0.1
        print(f"{phase}: pages p95 (worst kind) {worst_p95 * 1000:.0f} ms, {errors} errors",
              file=sys.stderr)
    print(f"targets {'met' if met else 'NOT met'}", file=sys.stderr)
    sys.exit(0 if met else 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--heavy-clients", type=int, default=1)
    parser.add_argument("--heavy", choices=["memory", "time"], default="memory")
    parser.add_argument("--signal", choices=["SIGTERM", "SIGINT"], default="SIGTERM")
    parser.add_argument("--serve-option", action="append", default=[],
                        help="passed on to planegraf serve (repeatable), e.g. --timeout=10")
    parser.add_argument("--pages", action="store_true",
                        help="what people open on synthetic national data (see above)")
    parser.add_argument("--quads", type=int, default=100_000,
                        help="with --pages: about how many quads of synthetic data")
    parser.add_argument("--data", type=Path, default=None,
                        help="with --pages: serve this TriG file instead of writing --quads "
                             "quads of synthetic data")
    parser.add_argument("--work", type=Path, default=None,
                        help="with --pages: prepare in this folder and keep it; a site "
                             "prepared there from the same --data is reused")
    parser.add_argument("--pages-only-too", action="store_true",
                        help="with --pages: then the same server with pages only, no queries")
    parser.add_argument("--question", default="plans-overview",
                        help="with --pages: the catalogue question asked")
    args = parser.parse_args()
    if args.pages:
        pages_main(args)
        return
    if not 0 < args.clients <= 200 or not 0 < args.seconds <= 600:
        raise SystemExit("at most 200 clients and 600 seconds")
    with tempfile.TemporaryDirectory(prefix="planegraf-load-") as work:
        site = Path(work) / "site"
        subprocess.run([PLANEGRAF, "site", "-o", str(site), "--quiet"],
                       check=True, stdout=subprocess.DEVNULL)
        temp = Path(work) / "tmp"
        temp.mkdir()
        with running_server(site, args.serve_option, temp) as (process, url):
            started = time.monotonic()
            light, heavy = load(url, args.clients, args.seconds, args.heavy_clients,
                                MEMORY_HEAVY if args.heavy == "memory" else TIME_HEAVY)
            elapsed = time.monotonic() - started
            ended = stop_and_inspect(process, getattr(signal, args.signal), temp)
    report = {"clients": args.clients, "heavy_clients": args.heavy_clients,
              "heavy": args.heavy, "seconds": round(elapsed, 1),
              "light_per_s": round(len(light.seconds) / elapsed, 1),
              "light": light.summary(), "heavy_results": heavy.summary(), "stop": ended,
              "load_average": os.getloadavg()}
    print(json.dumps(report, indent=2))
    met = (light.server_errors == 0 and set(heavy.statuses) <= {503, 504}
           and ended["processes_left"] == 0 and ended["temp_files_left"] == 0)
    print("targets met" if met else "targets NOT met", file=sys.stderr)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
