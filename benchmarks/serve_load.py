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
"""

from __future__ import annotations

import argparse
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
    body = urllib.parse.urlencode({"query": query}).encode()
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("POST", "/sparql", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json"})
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--heavy-clients", type=int, default=1)
    parser.add_argument("--heavy", choices=["memory", "time"], default="memory")
    parser.add_argument("--signal", choices=["SIGTERM", "SIGINT"], default="SIGTERM")
    parser.add_argument("--serve-option", action="append", default=[],
                        help="passed on to planegraf serve (repeatable), e.g. --timeout=10")
    args = parser.parse_args()
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
