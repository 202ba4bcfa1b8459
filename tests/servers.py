"""Real servers for tests: an ``oxigraph serve`` on 127.0.0.1 on a free port, stopped after.

    with oxigraph_server(data=Path("out/planegraf.trig")) as base_url:
        ...  # SPARQL at f"{base_url}/query", updates at /update, Graph Store at /store
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> str:
    """The ``oxigraph`` command of the PyPI package ``oxigraph`` (a test dependency)."""
    beside_python = Path(sys.executable).with_name("oxigraph")
    found = str(beside_python) if beside_python.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the oxigraph server is not installed: pip install -e '.[test]'")
    return found


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers (any HTTP status) or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"server at {url} did not come up in {timeout} s") from None
            time.sleep(0.1)


@contextlib.contextmanager
def oxigraph_server(
    data: Path | None = None, *, union_default_graph: bool = True
) -> Iterator[str]:
    """Start ``oxigraph serve`` (optionally preloaded with ``data``); yield its base URL."""
    binary = oxigraph_binary()
    with tempfile.TemporaryDirectory(prefix="planegraf-oxigraph-") as location:
        if data is not None:
            subprocess.run(
                [binary, "load", "--location", location, "--file", str(data)],
                check=True, capture_output=True,
            )
        port = free_port()
        command = [binary, "serve", "--location", location, "--bind", f"127.0.0.1:{port}"]
        if union_default_graph:
            command.append("--union-default-graph")
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base_url + "/")
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
