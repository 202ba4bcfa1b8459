"""Commands for linked open data: ``export``, ``describe``, ``site`` and ``serve``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from planegraf.cli.common import Run, data_options
from planegraf.publish import lod
from planegraf.rdf.outputs import TURTLE_OUTPUTS, format_by_extension, output_format

if TYPE_CHECKING:
    from planegraf.publish.serve import RunningSite


def register(group: click.Group) -> None:
    """Add the linked-open-data commands to the ``planegraf`` group."""

    @group.command()
    @click.option("--format", "fmt", type=click.Choice(list(lod.SERIALISATIONS)),
                  default="trig", show_default=True,
                  help="RDF serialisation; with -o the extension decides (.ttl, .trig, "
                       ".jsonld, .nt, .nq, .rdf) and another extension is refused.")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                  help="File to write (default: standard output).")
    @data_options()
    def export(fmt: str, output: Path | None, run: Run) -> None:
        """Write the built dataset in one RDF serialisation.

        Turtle, N-Triples and RDF/XML hold the union of the named graphs; TriG, N-Quads and
        JSON-LD keep one named graph per source. JSON-LD is compact, with the published
        context (ontology/context.jsonld) embedded: no reader has to fetch anything.

        \b
        Example:
          planegraf export --format jsonld -o planegraf.jsonld
          planegraf export --format ttl | head
        """
        if output is not None:
            # The extension decides; a --format the user gave must agree with it.
            given = click.get_current_context().get_parameter_source("fmt")
            fmt = output_format(
                output, format_by_extension({k: s.suffix for k, s in lod.SERIALISATIONS.items()}),
                fmt if given is click.core.ParameterSource.COMMANDLINE else None)
        # Streamed: a national dataset is never held whole as one string.
        store = run.validated_dataset()
        if output is None:
            lod.write_serialisation(store, fmt, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            lod.export(store, fmt, output)
            run.progress(run.text("cli_wrote", what=output))

    @group.command()
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write the description (Turtle) here instead of standard output.")
    @click.option("--base-url", default=None,
                  help="Where the site and downloads are published (default: the project's "
                       "base_url).")
    @click.option("--sparql-endpoint", help="Public SPARQL endpoint URL, if there is one.")
    @click.option("--check", "check_shapes", is_flag=True,
                  help="Check the description against DCAT-AP 3.0.1 and the organisations and "
                       "participations against CPOV and CPSV-AP (needs ../shared/external/).")
    @data_options()
    def describe(output: Path | None, base_url: str | None, sparql_endpoint: str | None,
                 check_shapes: bool, run: Run) -> None:
        """The DCAT-AP and VoID description of the project's dataset.

        Title, description, publisher, contact point, licence, dct:issued and spatial
        coverage come from the project's planegraf.toml; dct:modified from its sources.
        With --check the description is checked against the DCAT-AP 3.0.1 shapes and the
        organisations and participations against CPOV and CPSV-AP; the exit code is 1 when
        any violation is printed. Recommendations are warnings, and the deviations planegraf
        makes on purpose are listed as such. DCAT-AP-SE is claimed only for what these
        checks cover.

        \b
        Example:
          planegraf describe --base-url https://data.example.se/planegraf/ --check
        """
        if output is not None:
            output_format(output, TURTLE_OUTPUTS)
        from planegraf.publish.site import every_download_written

        store = run.validated_dataset()
        about = lod.DatasetInfo.of(run.project)
        # The downloads a default site of this dataset holds (above 50000 quads the TriG
        # and the gzip-compressed N-Quads; the other formats where serve answers them).
        description = lod.describe_dataset(
            store, base_url, sparql_endpoint=sparql_endpoint, about=about,
            downloads=lod.download_files(every_download_written(store, "auto")))
        text = description.serialize(format="longturtle")
        if output is None and not check_shapes:
            click.echo(text, nl=False)
        elif output is not None:
            from planegraf.rdf import atomic

            atomic.write_text(output, text)
        if check_shapes:
            reports = [report.setting_aside(lod.DELIBERATE_RESULTS) for report in
                       (lod.check_description(description), *lod.check_claimed_profiles(store))]
            for report in reports:
                click.echo(report.text(run.lang), nl=False)
            click.echo(lod.deliberate_deviations_text(run.lang), nl=False)
            sys.exit(0 if all(r.conforms for r in reports) else 1)

    @group.command()
    @click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                  default=None, help="Folder of the site (default: the project's out/site).")
    @click.option("--base-url", default=None,
                  help="Where the site will be published (default: the project's base_url).")
    @click.option("--pages", type=click.Choice(["auto", "all", "reports"]), default="auto",
                  show_default=True,
                  help="all: a page per resource; reports: only the report pages and "
                       "downloads (planegraf serve shows the resource pages); auto: all up to "
                       "50000 quads, reports above.")
    @data_options(remote=True)
    def site(out_dir: Path | None, base_url: str | None, pages: str, run: Run) -> None:
        """Write the static, offline web report.

        The strategy as a tree, a page per activity, organisation, area and every other
        resource at the path its IRI dereferences to (with .ttl and .jsonld beside each
        page), the downloads, the dataset description at dataset.ttl, the ontology
        documentation at def/ and, where those modules are installed, the gap report, the
        network and the query catalogue. Links are relative: open index.html from disk or
        put the folder on any static host (docs/publishing.md).

        A dataset of more than 50000 quads gets only the report pages and downloads
        (--pages auto): its hundreds of thousands of resource pages are left to planegraf
        serve. --pages all writes them anyway, --pages reports never.

        With --endpoint the site is made from that store's data (copied into this process
        and validated first).

        \b
        Example:
          planegraf site -o out/site && xdg-open out/site/index.html
          planegraf site --endpoint http://127.0.0.1:7878/query -o site
        """
        from planegraf.publish.site import write_site
        from planegraf.rdf.atomic import output_folder

        out_dir = out_dir or run.project.out_dir / "site"
        output_folder(out_dir)  # refuse a folder of someone else's files before the work
        store = run.validated_dataset()
        about = lod.DatasetInfo.of(run.project)
        started = time.monotonic()
        files = write_site(store, out_dir, lang=run.lang, base_url=base_url or about.base_url,
                           about=about, queries_dir=run.project.queries_dir,
                           pages=pages)
        run.progress(run.text("cli_site_written", n=len(files), out=out_dir,
                              seconds=f"{time.monotonic() - started:.1f}"))
        click.echo(out_dir / "index.html")

    @group.command()
    @click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
                  default=None,
                  help="The site folder (default: the project's out/site; written first if "
                       "it does not exist).")
    @click.option("--port", type=int, default=8000, show_default=True,
                  help="Port of the site on 127.0.0.1 (0: any free port).")
    @click.option("--timeout", "timeout_s", type=click.IntRange(min=1), default=30,
                  show_default=True,
                  help="Seconds a SPARQL query may run; a longer one is stopped (HTTP 504).")
    @click.option("--max-memory", "memory_mib", type=click.IntRange(min=0), default=2048,
                  show_default=True, metavar="MIB",
                  help="Memory one SPARQL query may take beyond the loaded data, in MiB; a "
                       "query that needs more is stopped alone (HTTP 503) (0: no limit).")
    @click.option("--public-host", "public_hosts", multiple=True, metavar="NAME",
                  help="Also answer requests for this host name (repeatable), e.g. behind "
                       "a reverse proxy; otherwise only 127.0.0.1 and localhost are served.")
    @click.option("--page-workers", type=click.IntRange(min=0), default=None, metavar="N",
                  help="Processes rendering the resource pages beside the server, sharing "
                       "the loaded data; for a machine with idle cores (default 0: the "
                       "server process renders them).")
    @data_options()
    def serve(site_dir: Path | None, port: int, timeout_s: int, memory_mib: int,
              public_hosts: tuple[str, ...], page_workers: int | None, run: Run) -> None:
        """Serve the site and a read-only SPARQL endpoint on 127.0.0.1 until Ctrl-C.

        Every resource page (/id/…, with .ttl, .jsonld, .nt and .rdf) is rendered from the
        data when asked for, so a site written with --pages reports is complete; a data
        IRI and /def are negotiated by Accept and Accept-Language (docs/publishing.md).

        SPARQL is answered from the site's data/planegraf.trig, each query in a worker of
        its own; the site's query page (query.html) sends its questions to /sparql, and each
        question of the catalogue (the project's own too) answers its form at
        /questions/NAME. Nothing listens beyond 127.0.0.1, requests for other host names
        and cross-origin queries are refused: for a public server see docs/publishing.md.
        Queries are limited to 64 KiB, 16 MiB of results, --timeout and --max-memory
        (docs/limits.md); updates, LOAD and SERVICE are refused.

        \b
        Example:
          planegraf serve --port 8000    # then open http://127.0.0.1:8000/
        """
        from planegraf.publish.serve import serve_forever
        from planegraf.publish.site import write_site
        from planegraf.rdf.atomic import output_folder

        site_dir = site_dir or run.project.out_dir / "site"
        if not (site_dir / "index.html").is_file():
            # Written only into a missing, empty or planegraf-made folder: serve never
            # deletes a folder of the user's (write_site refuses it, exit 2).
            output_folder(site_dir)
            about = lod.DatasetInfo.of(run.project)
            write_site(run.validated_dataset(), site_dir, lang=run.lang, about=about,
                       queries_dir=run.project.queries_dir)
        # The TriG: the one download every site holds (above 50000 quads N-Quads is only
        # there gzip-compressed).
        dataset = site_dir / lod.DATA_FOLDER / lod.SERIALISATIONS["trig"].file_name

        def ready(running: RunningSite) -> None:
            click.echo(f"site:   {running.site_url}\nsparql: {running.sparql_url}")

        try:
            serve_forever(site_dir, dataset, port=port, timeout_s=timeout_s,
                          memory_mib=memory_mib or None, public_hosts=public_hosts,
                          ready=ready, queries_dir=run.project.queries_dir,
                          page_workers=page_workers)
        except KeyboardInterrupt:
            run.progress(run.text("cli_stopping"))
