"""``build`` and ``validate``: load, derive, validate (and write) the project's dataset."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planegraf.cli.common import Run, data_options
from planegraf.i18n import text
from planegraf.pipeline import build as run_build
from planegraf.pipeline import check


def register(group: click.Group) -> None:
    """Add ``build`` and ``validate`` to the planegraf command group."""
    group.add_command(build)
    group.add_command(validate)


@click.command()
@data_options()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder to write the results into (default: the project's "
                                 "out/, or ./out for the bundled demonstration).")
@click.option("--site/--no-site", default=True, show_default=True,
              help="Also write the web report, exports and DCAT description into OUT/site.")
@click.option("--base-url", metavar="URL", default=None,
              help="Where the site will be published (default: the project's base_url).")
@click.option("--pages", type=click.Choice(["auto", "all", "reports"]), default="auto",
              show_default=True,
              help="Pages of the site: all (one per resource), reports (report pages and "
                   "downloads; planegraf serve shows the rest) or auto (all up to 50000 "
                   "quads).")
def build(run: Run, out_dir: Path | None, site: bool, base_url: str | None, pages: str) -> None:
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
                       pages=pages, progress=run.progress)
    out_dir = result.out_dir
    if not result.conforms:
        click.echo(result.report.text(lang), nl=False)
        click.echo(text("cli_build_stopped", lang, out=out_dir), err=True)
        sys.exit(1)
    click.echo(result.summary.text(lang), nl=False)
    verdict = text("cli_no_violations", lang)
    warnings = len(result.report.findings) - len(result.report.violations)
    if warnings:
        verdict += text("cli_warnings_pass", lang, n=warnings)
    written = f"{out_dir}/: " + ", ".join(p.name for p in result.written)
    click.echo(f"\n{verdict}\n" + text("cli_wrote", lang, what=written))


@click.command()
@click.argument("files", nargs=-1,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--shapes", "shapes_files", multiple=True, metavar="SHAPES",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Check against these shapes instead of planegraf's own (repeatable). "
                   "FILES are then validated alone, without the ontology or the project's data.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.ttl", help="Also write the SHACL validation report (Turtle).")
@data_options(alone=True)
def validate(files: tuple[Path, ...], shapes_files: tuple[Path, ...], report_file: Path | None,
             run: Run) -> None:
    """Validate the project's data, with RDF files added, against the shapes.

    FILES (or --data FILE) may be Turtle, TriG, N-Triples, N-Quads, JSON-LD or RDF/XML (by
    extension). A named graph in a file replaces the project's graph of that name. Values are
    checked as the files write them. With --shapes the bundled shapes are replaced by the
    given ones and FILES are checked on their own (your shapes, DCAT-AP-SE, CPOV …). Shapes
    using SHACL that planegraf cannot check (custom constraint components, SHACL-AF rules …)
    are refused, never skipped, and nothing is fetched over the network.

    Exit 0 when there are no violations (warnings and infos are listed; SHACL's sh:conforms
    in --report is false when there is any result), 1 on violations, 2 when a file cannot
    be read or the shapes use a feature planegraf does not support.

    \b
    Example:
      planegraf validate graph/rjl-hp-2018-2020.trig --lang en
      planegraf validate --data my-edit.trig --project ~/ostergotland
      planegraf validate my-catalogue.ttl --shapes dcat-ap-se.ttl --report report.ttl
    """
    project = run.project
    if shapes_files:
        from planegraf.rdf.store import EmbeddedStore
        from planegraf.validation.lexical import Source
        from planegraf.validation.validate import load_shapes, validate_store

        given = [*files, *project.extra_files]
        store = EmbeddedStore()
        for path in given:
            store.load_file(path)
        shapes = load_shapes(list(shapes_files))
        report = validate_store(store, shapes, sources=[Source(path) for path in given])
    else:
        _, report = check(list(files), bundled=project.include_sources, project=project,
                          progress=run.progress)
    if report_file is not None:
        from planegraf.rdf import atomic

        atomic.write_text(report_file, report.results_graph.serialize(format="turtle"))
    click.echo(report.text(run.lang), nl=False)
    sys.exit(1 if report.has_violations else 0)
