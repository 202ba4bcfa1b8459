"""``planegraf serve`` under hostile requests and load (issue 10, items 2 and 3): raw bytes
sent over sockets to a real server on 127.0.0.1, a web page's requests as a browser sends
them, many clients at once, and the signals that stop it. Every assertion is on what is
answered, never on how fast."""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.serve_load import MEMORY_HEAVY, TIME_HEAVY, alive, descendants, load
from planegraf.publish.serve import RunningSite, serve

from .servers import bundled_site, http_server

PLANEGRAF = str(Path(sys.executable).with_name("planegraf"))
LIGHT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_site(tmp_path_factory, "hostile")


@pytest.fixture(scope="module")
def running(site: Path) -> Iterator[RunningSite]:
    with serve(site, site / "data" / "planegraf.nq", public_hosts=["data.example.se"]
               ) as running:
        yield running


def port_of(running: RunningSite) -> int:
    port = urllib.parse.urlsplit(running.site_url).port
    assert port is not None
    return port


def raw(port: int, data: bytes, timeout: float = 60) -> bytes:
    """Send ``data`` as is and read what comes back until the server closes (or gives
    nothing for ``timeout`` seconds)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return received


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1."), f"no HTTP answer at all: {answer[:200]!r}"
    return int(answer.split(b" ", 2)[1])


def get(port: int, target: str, *headers: str, host: str | None = None) -> bytes:
    lines = [f"GET {target} HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}",
             "Connection: close", *headers, "", ""]
    return raw(port, "\r\n".join(lines).encode("latin-1"))


def post(port: int, body: bytes, *headers: str, host: str | None = None) -> bytes:
    lines = ["POST /sparql HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}",
             "Connection: close", "Content-Type: application/x-www-form-urlencoded",
             f"Content-Length: {len(body)}", *headers, "", ""]
    return raw(port, "\r\n".join(lines).encode("latin-1") + body)


def form(query: str) -> bytes:
    return urllib.parse.urlencode({"query": query}).encode()


# --- malformed requests get an answer, not a dropped connection ------------------------

@pytest.mark.parametrize("target", [b"/\x00", b"/index.html%00.txt", b"/id/%00"],
                         ids=["raw-nul", "encoded-nul", "encoded-nul-in-id"])
def test_a_nul_in_the_path_gets_400_instead_of_a_dropped_connection(running, target):
    port = port_of(running)
    request = (b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode()
               + b"\r\nConnection: close\r\n\r\n")
    assert status_of(raw(port, request)) == 400


def test_raw_non_ascii_in_the_query_string_gets_400(running):
    port = port_of(running)
    request = (b"GET /sparql?query=SELECT%20*%20{?s%20?p%20\xc3\xa5} HTTP/1.1\r\nHost: "
               b"127.0.0.1:" + str(port).encode() + b"\r\nConnection: close\r\n\r\n")
    assert status_of(raw(port, request)) == 400


@pytest.mark.parametrize("length", ["abc", "12abc", "1e3"])
def test_a_non_numeric_content_length_gets_400(running, length):
    port = port_of(running)
    head = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: "
            f"application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n")
    assert status_of(raw(port, head.encode() + form(LIGHT))) == 400


def test_content_length_minus_one_is_refused_before_the_body_is_read(running):
    """Today's server read such a body to its end, past the 64 KiB cap (400 MiB in the
    issue); the answer must come while the client is still sending."""
    port = port_of(running)
    head = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: "
            "application/x-www-form-urlencoded\r\nContent-Length: -1\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head + b"query=" + b"%20" * 40_000)  # more to come: never closed
        answer = sock.recv(4096)
    assert status_of(answer) == 400


def test_an_oversized_chunked_body_is_refused(running):
    port = port_of(running)
    chunk = b"%20" * 30_000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4)) + b"0\r\n\r\n"
    head = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: "
            "application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n").encode()
    assert status_of(raw(port, head + body)) == 413


# --- other sites cannot use the server -------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1:1",
                                  "attacker.example.127.0.0.1.nip.io"])
def test_a_page_rebound_to_127_0_0_1_under_another_host_name_is_refused(running, host):
    port = port_of(running)
    answer = get(port, "/sparql?" + urllib.parse.urlencode({"query": LIGHT}), host=host)
    assert status_of(answer) == 421
    assert status_of(get(port, "/index.html", host=host)) == 421


@pytest.mark.parametrize("host", [None, "localhost:{port}", "data.example.se",
                                  "DATA.example.se:443"])
def test_the_bound_address_and_public_hosts_are_served(running, host):
    port = port_of(running)
    answer = get(port, "/sparql?" + urllib.parse.urlencode({"query": LIGHT}),
                 host=host.format(port=port) if host else None)
    assert status_of(answer) == 200


@pytest.mark.parametrize("header", ["Origin: http://evil.example",
                                    "Origin: null",
                                    "Sec-Fetch-Site: cross-site",
                                    "Sec-Fetch-Site: same-site"])
def test_a_cross_origin_post_is_refused(running, header):
    port = port_of(running)
    answer = post(port, form(LIGHT), header)
    assert status_of(answer) == 403 and b"cross-origin" in answer


def test_the_query_page_own_post_is_answered(running):
    port = port_of(running)
    answer = post(port, form(LIGHT), f"Origin: http://127.0.0.1:{port}",
                  "Sec-Fetch-Site: same-origin", "Accept: application/sparql-results+json")
    assert status_of(answer) == 200 and b'"n"' in answer


@pytest.fixture()
def listener() -> Iterator[tuple[int, list[str]]]:
    """A local web server that records every request it gets: the 'other server' a
    SERVICE clause would make planegraf fetch."""
    seen: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    with http_server(Recorder) as port:
        yield port, seen


@pytest.mark.parametrize("headers", [
    ("Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: no-cors", "Sec-Fetch-Dest: image"),
    (),  # a browser without fetch metadata, or a link followed by hand
], ids=["img-tag", "plain-get"])
def test_an_img_tag_on_another_site_cannot_make_serve_fetch_a_url(running, listener, headers):
    port = port_of(running)
    other, seen = listener
    query = (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{other}/sparql> "
             "{ ?s ?p ?o } }")
    answer = get(port, "/sparql?" + urllib.parse.urlencode({"query": query}), *headers)
    assert status_of(answer) in (400, 403)
    assert b"SERVICE" in answer or b"cross-origin" in answer
    assert seen == []


@pytest.mark.parametrize("query", [
    "LOAD <http://127.0.0.1:{other}/data.ttl>",
    "INSERT DATA { <http://ex/a> <http://ex/b> <http://ex/c> }",
    "DROP ALL",
])
@pytest.mark.parametrize("field", ["query", "update"])
def test_updates_and_load_are_refused_before_the_engine_sees_them(running, listener, query,
                                                                  field):
    port = port_of(running)
    other, seen = listener
    body = urllib.parse.urlencode({field: query.replace("{other}", str(other))}).encode()
    answer = post(port, body)
    assert status_of(answer) == 400 and (b"read-only" in answer or b"update" in answer)
    assert seen == []
    count = post(port, form(LIGHT), "Accept: text/csv")
    assert status_of(count) == 200 and int(count.rsplit(b"\n", 2)[-2]) > 0


def test_an_update_sent_as_application_sparql_update_is_refused(running):
    port = port_of(running)
    body = b"DROP ALL"
    head = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
            f"Content-Type: application/sparql-update\r\nContent-Length: {len(body)}\r\n\r\n")
    assert status_of(raw(port, head.encode() + body)) == 400


def test_a_syntax_error_is_a_400_naming_the_position(running):
    answer = post(port_of(running), form("SELECT * WHERE { ?s ?p "))
    assert status_of(answer) == 400 and b"not a SPARQL query" in answer
    assert b"line 1" in answer or b":1:" in answer, answer


# --- load ---------------------------------------------------------------------------

def test_twenty_clients_and_a_memory_hog_get_no_server_error(site):
    """The short form of benchmarks/serve_load.py: every light query is answered 200
    while one client keeps sending a query that hits the memory limit, which fails alone
    with 503."""
    with serve(site, site / "data" / "planegraf.nq", timeout_s=600, memory_mib=64) as running:
        light, heavy = load(running.site_url, clients=20, seconds=3, heavy_clients=1,
                            heavy_query=MEMORY_HEAVY, request_timeout=600)
    assert dict(light.statuses) == {200: len(light.seconds)}, light.summary()
    assert set(heavy.statuses) == {503}, heavy.summary()


def test_a_full_queue_answers_503_with_retry_after(site):
    with serve(site, site / "data" / "planegraf.nq", timeout_s=600, memory_mib=None,
               workers=1, queue=0) as running:
        port = port_of(running)
        before = descendants(os.getpid())
        hog = threading.Thread(target=post, args=(port, form(TIME_HEAVY)), daemon=True)
        hog.start()
        deadline = time.monotonic() + 120
        while not descendants(os.getpid()) - before:  # the hog's worker is running
            assert time.monotonic() < deadline, "the long query never started"
            time.sleep(0.05)
        answer = post(port, form(LIGHT))
    assert status_of(answer) == 503 and b"\r\nretry-after: " in answer.lower()
    hog.join(timeout=60)


# --- stopping -----------------------------------------------------------------------

def _listening_ports(pids: set[int]) -> set[int]:
    """TCP ports on which any of ``pids`` listens (Linux /proc)."""
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_a_stop_signal_leaves_no_process_and_no_temp_folder(site, signum, tmp_path):
    """Also when the server is killed outright: its query workers die with it."""
    temp = tmp_path / "tmp"  # the server's own temporary folder: what is left is its own
    temp.mkdir()
    process = subprocess.Popen(
        [PLANEGRAF, "serve", "--site", str(site), "--port", "0", "--timeout", "600", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(temp)})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("site:"), line + process.stderr.read()
        port = int(line.split(":")[-1].strip("/\n "))
        started = descendants(process.pid)  # the fork server
        hog = threading.Thread(target=post, args=(port, form(TIME_HEAVY)), daemon=True)
        hog.start()
        deadline = time.monotonic() + 120
        while not descendants(process.pid) - started:  # a query's worker is running
            assert time.monotonic() < deadline, "the long query never started"
            time.sleep(0.05)
        tree = {process.pid} | descendants(process.pid)
        # One port only: the engine has none of its own for other programs to reach.
        assert _listening_ports(tree) == {port}
        process.send_signal(signum)
        process.wait(timeout=120)
        deadline = time.monotonic() + 60  # the kernel's kill of a worker lands a moment later
        while (left := {pid for pid in tree if alive(pid)}) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert left == set()
        assert list(temp.iterdir()) == []
    finally:
        for pid in descendants(process.pid):
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.wait()
