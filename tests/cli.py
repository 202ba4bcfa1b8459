"""The one way tests run the command line: in-process with click's CliRunner (``invoke``), or
as a real process where that is the point (``run_process``: exit codes of the installed
entry point, signals, a fresh interpreter)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from planegraf.cli import cli


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Outcome:
    """Run ``planegraf ARGS`` in this process, in ``cwd``; never raises for a failing command."""
    runner = CliRunner()
    with contextlib.chdir(cwd or Path.cwd()):
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_process(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
                ) -> Outcome:
    """Run ``python -m planegraf.cli ARGS`` as a child process."""
    done = subprocess.run([sys.executable, "-m", "planegraf.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, **(env or {})})
    return Outcome(done.returncode, done.stdout, done.stderr)
