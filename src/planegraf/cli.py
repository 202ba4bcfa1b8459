"""The ``planegraf`` command line: a thin layer that parses arguments, calls the API, prints.

Exit codes: 0 ok, 1 findings (SHACL violations), 2 usage or input errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .build import build as run_build
from .build import check
from .errors import PlanegrafError

LANG = click.Choice(["sv", "en"])


def _progress(quiet: bool) -> Any:
    def show(step: str) -> None:
        if not quiet:
            click.echo(f"… {step}", err=True)
    return show


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="planegraf")
def cli() -> None:
    """planegraf: public-health strategies and action plans as a validated knowledge graph.

    \b
    Example:
      planegraf build            # build the bundled data into out/
      planegraf validate my.ttl  # check a file against the shapes
      planegraf validate my.ttl --shapes their-shapes.ttl --report report.ttl
    """


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True, help="Folder to write the results into.")
@click.option("--lang", type=LANG, default="sv", show_default=True,
              help="Language of the validation report and summary.")
@click.option("--site/--no-site", default=True, show_default=True,
              help="Also write the web report, exports and DCAT description into OUT/site.")
@click.option("--base-url", metavar="URL", default=None,
              help="Where the site will be published (for the DCAT download URLs).")
@click.option("-q", "--quiet", is_flag=True, help="Do not show progress.")
def build(out_dir: Path, lang: str, site: bool, base_url: str | None, quiet: bool) -> None:
    """Load, derive, validate and write the bundled dataset.

    Writes planegraf.trig (the whole dataset, a named graph per source), the validation
    report (validation-report.txt and .ttl), a summary (summary.txt and .json) and the
    static web report with every export and the DCAT-AP description (site/) into OUT.
    When the data violates the shapes nothing is written, the previous OUT stays as it
    was, the report is printed and the exit code is 1.

    \b
    Example:
      planegraf build --out out --lang en
      planegraf build --no-site        # only the dataset, report and summary
    """
    result = run_build(out_dir, lang=lang, site=site, base_url=base_url,  # type: ignore[arg-type]
                       progress=_progress(quiet))
    if not result.conforms:
        click.echo(result.report.text(lang), nl=False)  # type: ignore[arg-type]
        message = (f"bygget avbröts: data bryter mot reglerna; {out_dir} är oförändrad"
                   if lang == "sv" else
                   f"build stopped: the data violates the shapes; {out_dir} is unchanged")
        click.echo(message, err=True)
        sys.exit(1)
    click.echo(result.summary.text(lang), nl=False)  # type: ignore[arg-type]
    verdict = ("Validering: inga fel" if lang == "sv" else "Validation: no violations")
    warnings = len(result.report.findings) - len(result.report.violations)
    if warnings:
        verdict += (f" ({warnings} varningar eller information; de stoppar inte bygget)"
                    if lang == "sv" else
                    f" ({warnings} warnings or infos; they do not stop the build)")
    click.echo(f"\n{verdict}\n" + ("Skrev" if lang == "sv" else "Wrote") + f" {out_dir}/: "
               + ", ".join(p.name for p in result.written))


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--shapes", "shapes_files", multiple=True, metavar="SHAPES",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Check against these shapes instead of planegraf's own (repeatable). "
                   "FILES are then validated alone, without the ontology or bundled data.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.ttl", help="Also write the SHACL validation report (Turtle).")
@click.option("--lang", type=LANG, default="sv", show_default=True, help="Language of the report.")
@click.option("--alone", is_flag=True,
              help="Validate the files with the ontology only, without the bundled graph.")
@click.option("-q", "--quiet", is_flag=True, help="Do not show progress.")
def validate(files: tuple[Path, ...], shapes_files: tuple[Path, ...], report_file: Path | None,
             lang: str, alone: bool, quiet: bool) -> None:
    """Validate RDF files against the shapes, with the ontology and bundled data as context.

    FILES may be Turtle, TriG, N-Triples, N-Quads, JSON-LD or RDF/XML (by extension). A
    named graph in a file replaces the bundled graph of that name. Values are checked as the
    files write them. With --shapes the bundled shapes are replaced by the given ones and
    FILES are checked on their own (your shapes, DCAT-AP-SE, CPOV …). Shapes using SHACL
    that planegraf cannot check (custom constraint components, SHACL-AF rules …) are refused,
    never skipped, and nothing is fetched over the network.

    Exit 0 when there are no violations (warnings and infos are listed; SHACL's sh:conforms
    in --report is false when there is any result), 1 on violations, 2 when a file cannot
    be read or the shapes use a feature planegraf does not support.

    \b
    Example:
      planegraf validate graph/rjl-hp-2018-2020.trig --lang en
      planegraf validate my-catalogue.ttl --shapes dcat-ap-se.ttl --report report.ttl
    """
    if shapes_files:
        from .lexical import Source
        from .store import EmbeddedStore
        from .validate import load_shapes, validate_store

        store = EmbeddedStore()
        for path in files:
            store.load_file(path)
        shapes = load_shapes(list(shapes_files))
        report = validate_store(store, shapes, sources=[Source(path) for path in files])
    else:
        _, report = check(list(files), bundled=not alone, progress=_progress(quiet))
    if report_file is not None:
        from . import atomic

        atomic.write_text(report_file, report.results_graph.serialize(format="turtle"))
    click.echo(report.text(lang), nl=False)  # type: ignore[arg-type]
    sys.exit(1 if report.has_violations else 0)


# Each concern registers its commands from a module of its own (cli_ingest.py defines
# ``register(group)`` and so on). The modules are imported only when one of their commands
# runs, so ``planegraf build`` does not pay for NetworkX, Jinja2 or openpyxl.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
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
