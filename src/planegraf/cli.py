"""The ``planegraf`` command line: a thin layer that parses arguments, calls the API, prints.

Exit codes: 0 ok, 1 findings (SHACL violations), 2 usage or input errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .build import build as run_build
from .build import check
from .cli_common import Run, data_options
from .errors import PlanegrafError


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
    """


@cli.command()
@data_options()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder to write the results into (default: the project's "
                                 "out/, or ./out for the bundled demonstration).")
@click.option("--site/--no-site", default=True, show_default=True,
              help="Also write the web report, exports and DCAT description into OUT/site.")
@click.option("--base-url", metavar="URL", default=None,
              help="Where the site will be published (default: the project's base_url).")
def build(run: Run, out_dir: Path | None, site: bool, base_url: str | None) -> None:
    """Load, derive, validate and write the project's dataset.

    Writes planegraf.trig (the whole dataset, a named graph per source), the validation
    report (validation-report.txt and .ttl), a summary (summary.txt and .json), the
    manifest of input hashes (manifest.json, by which other commands tell a stale build)
    and the static web report with every export and the DCAT-AP description (site/) into
    OUT. When the data violates the shapes nothing is written, the previous OUT stays as
    it was, the report is printed and the exit code is 1.

    \b
    Example:
      planegraf build --lang en
      planegraf build --no-site        # only the dataset, report and summary
      planegraf build --project ~/ostergotland
    """
    lang = run.lang
    result = run_build(out_dir, project=run.project, lang=lang, site=site, base_url=base_url,
                       progress=run.progress)
    out_dir = result.out_dir
    if not result.conforms:
        click.echo(result.report.text(lang), nl=False)
        message = (f"bygget avbröts: data bryter mot reglerna; {out_dir} är oförändrad"
                   if lang == "sv" else
                   f"build stopped: the data violates the shapes; {out_dir} is unchanged")
        click.echo(message, err=True)
        sys.exit(1)
    click.echo(result.summary.text(lang), nl=False)
    verdict = ("Validering: inga fel" if lang == "sv" else "Validation: no violations")
    warnings = len(result.report.findings) - len(result.report.violations)
    if warnings:
        verdict += f" ({warnings} {'varningar' if lang == 'sv' else 'warnings'})"
    click.echo(f"\n{verdict}\n" + ("Skrev" if lang == "sv" else "Wrote") + f" {out_dir}/: "
               + ", ".join(p.name for p in result.written))


@cli.command()
@click.argument("files", nargs=-1,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_options(alone=True)
def validate(files: tuple[Path, ...], run: Run) -> None:
    """Validate the project's data, with RDF files added, against the shapes.

    FILES (or --data FILE) may be Turtle, TriG, N-Triples, N-Quads, JSON-LD or RDF/XML (by
    extension). A named graph in a file replaces the project's graph of that name. Exit 0
    when the data conforms, 1 on violations, 2 when a file cannot be read (the error names
    the line).

    \b
    Example:
      planegraf validate graph/rjl-hp-2018-2020.trig --lang en
      planegraf validate --data my-edit.trig --project ~/ostergotland
    """
    project = run.project
    _, report = check(list(files), bundled=project.include_sources, project=project,
                      progress=run.progress)
    click.echo(report.text(run.lang), nl=False)
    sys.exit(0 if report.conforms else 1)


# Each concern registers its commands from a module of its own (cli_ingest.py defines
# ``register(group)`` and so on). The modules are imported only when one of their commands
# runs, so ``planegraf build`` does not pay for NetworkX, Jinja2 or openpyxl.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "cli_project": ("init", "organisations"),
    "cli_ingest": ("import", "template"),
    "cli_query": ("queries", "query", "sparql", "publish"),
    "cli_network": ("network", "metrics", "gaps"),
    "cli_lod": ("export", "describe", "site", "serve"),
}


def _load_commands(module_name: str) -> dict[str, click.Command]:
    import importlib

    module = importlib.import_module(f"planegraf.{module_name}")
    holder = click.Group()
    module.register(holder)
    return dict(holder.commands)


class _LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        # planegraf's own errors end every command the same way, in-process (CliRunner) too:
        # the message on standard error and the error's exit code (2).
        try:
            return super().invoke(ctx)
        except PlanegrafError as err:
            click.echo(f"planegraf: error: {err}", err=True)
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
        cli.main(args=argv, prog_name="planegraf", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except PlanegrafError as err:
        click.echo(f"planegraf: error: {err}", err=True)
        sys.exit(err.exit_code)


if __name__ == "__main__":
    main()
