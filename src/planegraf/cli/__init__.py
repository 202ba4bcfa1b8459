"""The ``planegraf`` command line: a thin layer that parses arguments, calls the API, prints.

Exit codes: 0 ok, 1 findings (SHACL violations), 2 usage or input errors.
"""

from __future__ import annotations

import sys

import click

from planegraf import __version__
from planegraf.errors import PlanegrafError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="planegraf")
def cli() -> None:
    """planegraf: public-health strategies and action plans as a validated knowledge graph.

    Every command works on the project found from the working directory upward (the
    folder with planegraf.toml, made by planegraf init), or --project DIR; with none, on
    the bundled demonstration. --data FILE adds RDF files for one run, and the commands
    that read (query, sparql, network, metrics, gaps) take --endpoint URL to read a
    remote SPARQL store instead. Questions are answered from the project's last build
    (out/planegraf.trig); when its sources changed since, they are answered from the
    sources and a warning says so.

    \b
    Example:
      planegraf init ostergotland --county 05 && cd ostergotland
      planegraf import handlingsplan.txt --period 2024-2025
      planegraf build && xdg-open out/site/index.html
      planegraf validate my.ttl --shapes their-shapes.ttl --report report.ttl
    """


# Every command is registered the same way: each concern has a module (cli_build.py,
# cli_ingest.py …) whose ``register(group)`` adds its commands, with the shared options of
# cli_common.py. The modules are imported only when one of their commands runs, so
# ``planegraf build`` does not pay for NetworkX, Jinja2 or openpyxl.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "build": ("build", "validate"),
    "project": ("init", "organisations"),
    "ingest": ("import", "template"),
    "query": ("queries", "query", "sparql", "publish"),
    "network": ("network", "metrics", "gaps"),
    "lod": ("export", "describe", "site", "serve"),
    "compare": ("compare",),
}


def _load_commands(module_name: str) -> dict[str, click.Command]:
    import importlib

    module = importlib.import_module(f"planegraf.cli.{module_name}")
    holder = click.Group()
    module.register(holder)
    return dict(holder.commands)


def show_error(err: PlanegrafError, meta: dict[str, object],
               arguments: list[str] | None = None) -> None:
    """Print a planegraf error to standard error in the run's language (see
    :func:`planegraf.cli.common.error_language`)."""
    from planegraf.cli.common import error_language
    from planegraf.i18n import text

    lang = error_language(meta, arguments)
    click.echo(text("error_said", lang, message=err.in_language(lang)), err=True)


class _LazyGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Kept for an error raised before the command knows its run's language.
        from planegraf.cli.common import ARGUMENTS_META

        ctx.meta[ARGUMENTS_META] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        # planegraf's own errors end every command the same way, in-process (CliRunner) too:
        # the message on standard error, in the run's language, and the error's exit code (2).
        try:
            return super().invoke(ctx)
        except PlanegrafError as err:
            show_error(err, ctx.meta)
            ctx.exit(err.exit_code)

    def list_commands(self, ctx: click.Context) -> list[str]:
        lazy = [name for names in COMMAND_MODULES.values() for name in names]
        return sorted({*super().list_commands(ctx), *lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        for module_name, names in COMMAND_MODULES.items():
            if cmd_name in names:
                for name, loaded in _load_commands(module_name).items():
                    self.add_command(loaded, name)
                return super().get_command(ctx, cmd_name)
        return None


cli.__class__ = _LazyGroup


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the CLI and turns planegraf's own errors into exit code 2."""
    try:
        # Without standalone mode click returns the code of ctx.exit() instead of raising.
        code = cli.main(args=argv, prog_name="planegraf", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except PlanegrafError as err:
        show_error(err, {}, sys.argv[1:] if argv is None else argv)
        sys.exit(err.exit_code)


if __name__ == "__main__":
    main()
