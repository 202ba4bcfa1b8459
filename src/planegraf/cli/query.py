"""Commands that ask the graph: ``queries`` (the catalogue), ``query NAME``, ``sparql FILE``
and ``publish`` (push the built dataset to a SPARQL store).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import click
import pyoxigraph as ox

from planegraf.cli.common import Run, data_options
from planegraf.errors import PlanegrafError
from planegraf.i18n import Message, in_language, text
from planegraf.rdf import atomic
from planegraf.rdf.outputs import BOOLEAN_OUTPUTS, GRAPH_OUTPUTS, TABLE_OUTPUTS, output_format
from planegraf.render.results import FORMATS, boolean_word, render, spreadsheet_table
from planegraf.sparql.endpoint import ENDPOINT_VARIABLE, Connection, publish
from planegraf.sparql.engines import Answer, Engine
from planegraf.sparql.limits import (
    DEFAULT_MAX_ROWS,
    DEFAULT_MEMORY_MIB,
    DEFAULT_TIMEOUT_S,
    QueryLimits,
)
from planegraf.sparql.lookup import parameter_kind, resolve_given
from planegraf.sparql.queries import (
    QueryFile,
    bind_parameters,
    catalogue,
    catalogue_query,
    check_query,
    parse_query_text,
)


def _engine(run: Run, timeout: float, max_rows: int = DEFAULT_MAX_ROWS,
            max_memory: int = DEFAULT_MEMORY_MIB) -> Engine:
    limits = QueryLimits(timeout_s=timeout or None, max_rows=max_rows or None,
                         memory_mib=max_memory or None)
    return run.engine(limits)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise PlanegrafError(Message("error_param_pair", pair=repr(pair)))
        given[name.strip()] = value
    return given


def _precheck(query: QueryFile, given: dict[str, str], lang: str) -> None:
    """Refuse unknown, missing or ill-typed parameters before the data is loaded; names
    (organisation=Qulturum …) are resolved later, by the engine."""
    kinds = {p.name: parameter_kind(p.name, p.type) for p in query.parameters}
    bind_parameters(query, {k: (v if kinds.get(k) is None else "urn:x-planegraf:name")
                            for k, v in given.items()}, lang)


def _output(answer: Answer, query: QueryFile, fmt: str, show_iris: bool, lang: str,
            headings: bool) -> bytes:
    if answer.solutions is not None:
        hidden = [p.name for p in query.parameters]
        text = render(answer.solutions, fmt, hidden, show_iris=show_iris,  # type: ignore[arg-type]
                      query=query, lang=lang, headings=headings)
        return (text if text.endswith("\n") else text + "\n").encode("utf-8")
    if answer.boolean is not None:
        if fmt in ("table", "md"):  # read by people: ja/nej, yes/no
            return f"{boolean_word(answer.boolean, lang)}\n".encode()
        return b"true\n" if answer.boolean else b"false\n"
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                 for t in answer.triples or ())
    return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""


def _print(answer: Answer, query: QueryFile, fmt: str, show_iris: bool, lang: str,
           headings: bool, output: Path | None = None) -> None:
    if fmt == "xlsx" and output is not None and answer.solutions is not None:
        from planegraf.render.xlsx import write_table  # openpyxl only when asked for

        hidden = [p.name for p in query.parameters]
        header, rows = spreadsheet_table(answer.solutions, query, lang, hidden)
        write_table(output, query.name, header, rows, lang)
        return
    data = _output(answer, query, fmt, show_iris, lang, headings)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        atomic.write_bytes(output, data)


def _say_defaults_of_an_empty_answer(answer: Answer, query: QueryFile,
                                     given: Mapping[str, str], run: Run) -> None:
    """An empty answer for defaults nobody chose (the demonstration's Jönköping, in a
    region's own project) says so on standard error: it is not "nothing matches"."""
    if answer.solutions is None or answer.solutions.rows:
        return
    from planegraf.publish.question_pages import defaults_taken

    taken = defaults_taken(query, given, run.lang)
    if taken:
        click.echo(text("cli_empty_with_defaults", run.lang, values=taken), err=True)


def _chosen_format(query: QueryFile, output: Path | None, fmt: str) -> str:
    """The output format: --format, or with -o the one its extension names (refusing an
    extension this query's answer cannot be written as, and a workbook to the terminal or
    of an answer that is not a table)."""
    if output is None and fmt != "xlsx":
        return fmt
    form = check_query(query.text, query.path, allow_service=True)
    if fmt == "xlsx" and form != "SELECT":
        raise PlanegrafError(Message("xlsx_not_a_table", form=form))
    if output is None:
        raise PlanegrafError(Message("xlsx_needs_file"))
    formats = {"SELECT": TABLE_OUTPUTS, "ASK": BOOLEAN_OUTPUTS}.get(form, GRAPH_OUTPUTS)
    given = click.get_current_context().get_parameter_source("fmt")
    explicit = fmt if given is click.core.ParameterSource.COMMANDLINE else None
    if form != "SELECT":
        output_format(output, formats)
        return fmt
    return output_format(output, formats, explicit)


def _engine_options(function: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT_S,
                     show_default=True,
                     help="Seconds a query may run before it is stopped (0: no limit); with "
                          "--endpoint a wall-clock deadline that covers retries and waits."),
        click.option("--max-rows", type=click.IntRange(min=0), default=DEFAULT_MAX_ROWS,
                     show_default=True,
                     help="Stop a query that gives more rows (or triples) than this, on the "
                          "embedded store or an endpoint (0: no limit)."),
        click.option("--max-memory", type=click.IntRange(min=0), default=DEFAULT_MEMORY_MIB,
                     show_default=True, metavar="MIB",
                     help="Stop a query that needs more memory than this, in MiB, beyond the "
                          "loaded data; with --endpoint, the MiB read (0: no limit)."),
        click.option("--format", "fmt", type=click.Choice((*FORMATS, "xlsx")),
                     default="table", show_default=True,
                     help="Output format; with -o the extension decides. xlsx (an Excel "
                          "workbook, headings in --lang) only with -o."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the answer to this file instead of standard output: .xlsx "
                          "(an Excel workbook), .csv, .json, .md or .txt (a table) for "
                          "SELECT, .txt for ASK, .nt for CONSTRUCT and DESCRIBE; another "
                          "extension is refused."),
        click.option("--iris", "show_iris", is_flag=True,
                     help="Show IRIs beside labels in table and md output."),
        click.option("--headings", is_flag=True,
                     help="CSV for people, as the site's downloads: headings in --lang "
                          "instead of variable names, values as the table shows them."),
        click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
                     help="A query parameter (repeatable)."),
    ]
    for option in reversed(options):
        function = option(function)
    return data_options(remote=True)(function)


def register(group: click.Group) -> None:
    """Add ``queries``, ``query``, ``sparql`` and ``publish`` to the command line."""

    @group.command("queries")
    @data_options()
    @click.option("-v", "--verbose", is_flag=True, help="Also show descriptions.")
    def list_queries(run: Run, verbose: bool) -> None:
        """List the catalogue of named questions with their parameters: planegraf's own and
        the project's (its queries/ folder).

        \b
        Example:
          planegraf queries --lang en -v
        """
        lang = run.lang
        for query in catalogue([run.project.queries_dir]):
            params = " ".join(
                f"{p.name}={p.default if p.default is not None else '…'}"
                for p in query.parameters if p.name != "lang"
            )
            click.echo(f"{query.name:<34} {query.title(lang)}"
                       + (f"  [{params}]" if params else ""))
            if verbose:
                click.echo(f"{'':<34} {query.description(lang)}")
                if query.tags:
                    click.echo(f"{'':<34} " + run.text("cli_tags", tags=", ".join(query.tags)))

    @group.command("query")
    @click.argument("name")
    @_engine_options
    @click.option("--show", is_flag=True, help="Print the query's SPARQL and do not run it.")
    def run_query(name: str, run: Run, timeout: float, max_rows: int, max_memory: int,
                  fmt: str, output: Path | None, show_iris: bool, headings: bool,
                  params: tuple[str, ...], show: bool) -> None:
        """Run a named question of the catalogue (planegraf queries lists them) on the
        project's dataset, or on --endpoint.

        Parameters are bound by the engine, never pasted into the query text. An
        organisation, area, plan, goal or county is named by a label, number or key
        (Qulturum, 6, rjl-hp-2018-2020, Kalmar län; an area with its plan:
        rjl-hp-2018-2020/6); nothing or several matching is an error that lists them.
        On the embedded store the query is stopped past --timeout, --max-rows or
        --max-memory (docs/limits.md).

        \b
        Example:
          planegraf query coordinators-ranked
          planegraf query organisations-in-many-areas --param min_areas=4 --format csv
          planegraf query coordinators-ranked -o svar.xlsx
          planegraf query organisation-activities --param organisation=Qulturum --lang en
          planegraf query activities-in-area --param area=kalmar-pa-2023/6
          planegraf query search-activities --param text=foraldrastod --endpoint http://127.0.0.1:7878/query
        """
        lang = run.lang
        query = catalogue_query(name, [run.project.queries_dir])
        if show:
            click.echo(query.text, nl=False)
            return
        fmt = _chosen_format(query, output, fmt)
        _precheck(query, _parse_params(params), lang)
        engine = _engine(run, timeout, max_rows, max_memory)
        given = resolve_given(engine, query, _parse_params(params))
        bindings = bind_parameters(query, given, lang)
        answer = engine.run(query, bindings)
        _print(answer, query, fmt, show_iris, lang, headings, output)
        _say_defaults_of_an_empty_answer(answer, query, given, run)

    @group.command("sparql")
    @click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
    @_engine_options
    def run_sparql(file: Path, run: Run, timeout: float, max_rows: int, max_memory: int,
                   fmt: str, output: Path | None, show_iris: bool, headings: bool,
                   params: tuple[str, ...]) -> None:
        """Run any read query from FILE (or - for standard input).

        SELECT prints a table (or --format), ASK prints true or false, CONSTRUCT and
        DESCRIBE print N-Triples. Updates are refused, and so is SERVICE on the embedded
        store: planegraf sends no request you did not ask for. On the embedded store a
        query is stopped with a clear message when it runs past --timeout, gives more than
        --max-rows rows or needs more than --max-memory (docs/limits.md).

        \b
        Example:
          planegraf sparql my-question.rq --format md
          echo 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' | planegraf sparql -
          planegraf sparql big.rq --timeout 300 --max-rows 0 --format csv
          planegraf sparql my-question.rq --lang en -o answer.xlsx
        """
        if str(file) == "-":
            text, path = sys.stdin.read(), Path("<stdin>")
        else:
            try:
                text, path = file.read_text(encoding="utf-8"), file
            except (OSError, UnicodeDecodeError) as err:
                raise PlanegrafError(Message("error_query_unreadable", file=file,
                                             reason=err)) from None
        lang = run.lang
        query = parse_query_text(text, path, name=path.stem)
        fmt = _chosen_format(query, output, fmt)
        given = _parse_params(params)
        _precheck(query, given, lang)
        engine = _engine(run, timeout, max_rows, max_memory)
        bindings = bind_parameters(query, resolve_given(engine, query, given), lang)
        _print(engine.run(query, bindings), query, fmt, show_iris, lang, headings, output)

    @group.command("publish")
    @click.option("--endpoint", envvar=ENDPOINT_VARIABLE, metavar="URL", required=True,
                  help=f"The store's SPARQL query URL (or ${ENDPOINT_VARIABLE}).")
    @click.option("--graph-store", metavar="URL",
                  help="Graph Store Protocol URL, when it is not the usual sibling of the "
                       "query URL (/query → /store, /sparql → /sparql-graph-crud).")
    @click.option("--project", "project_dir",
                  type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="The project whose last build to publish (default: found from here "
                       "upward; none: the bundled demonstration's out/).")
    @click.option("--dataset", type=click.Path(dir_okay=False, path_type=Path), hidden=True,
                  help="Deprecated: a built dataset file to publish instead of the project's.")
    @click.option("--timeout", type=float, default=120.0, show_default=True,
                  help="Seconds to wait for each graph upload.")
    @click.option("-q", "--quiet", is_flag=True, help="Do not show progress.")
    def publish_command(endpoint: str, graph_store: str | None, project_dir: Path | None,
                        dataset: Path | None, timeout: float, quiet: bool) -> None:
        """Load the project's last build into a SPARQL store, replacing each named graph as a
        whole.

        Uses the Graph Store Protocol (one HTTP PUT per named graph); graphs the dataset
        does not name stay as they are. Basic auth from $PLANEGRAF_ENDPOINT_USER and
        $PLANEGRAF_ENDPOINT_PASSWORD.

        \b
        Example:
          planegraf build && planegraf publish --endpoint http://127.0.0.1:7878/query
          planegraf query coordinators-ranked --endpoint http://127.0.0.1:7878/query
        """
        from planegraf.project import DATASET_NAME, Project

        # publish has no --lang: it speaks the project's language.
        project = Project.find(explicit=project_dir)
        lang = project.config.language
        if dataset is None:
            dataset = project.out_dir / DATASET_NAME
            state = project.staleness()
            if state.built and not state.fresh:
                click.echo("planegraf: " + text("cli_publishing_stale", lang,
                                                state=state.message().in_language(lang)),
                           err=True)
        if not dataset.is_file():
            raise PlanegrafError(Message("error_no_build", dataset=dataset))

        def progress(step: str) -> None:
            if not quiet:
                click.echo(f"… {in_language(step, lang)}", err=True)

        graphs = publish(dataset, Connection(endpoint, timeout=timeout), graph_store, progress)
        total = sum(g.triples for g in graphs)
        click.echo(text("cli_published", lang, graphs=len(graphs), triples=total))
