"""Every command documents itself with an example (found from the click group, not a list)."""

from __future__ import annotations

import click
import pytest

from planegraf.cli import cli

from .cli import invoke


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    context = click.Context(group)
    found: list[tuple[str, ...]] = []
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


COMMANDS = _commands(cli)


def test_the_command_list_is_complete() -> None:
    names = {c[0] for c in COMMANDS}
    assert {"init", "organisations", "build", "import", "query", "network", "gaps",
            "describe", "publish"} <= names
    assert ("organisations", "add") in COMMANDS and ("organisations", "list") in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    shown = invoke(*command, "--help")
    assert shown.exit_code == 0, shown.output
    assert "Example:" in shown.stdout
    assert f"planegraf {' '.join(command)}" in shown.stdout.split("Example:", 1)[1]


@pytest.mark.parametrize("command", [c for c in COMMANDS if c[0] in (
    "build", "validate", "query", "sparql", "queries", "network", "metrics", "gaps", "export",
    "describe", "site", "serve", "import")], ids=" ".join)
def test_every_data_command_takes_project_and_data(command: tuple[str, ...]) -> None:
    shown = invoke(*command, "--help").stdout
    assert "--project" in shown and "--data" in shown
