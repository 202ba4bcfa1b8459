"""What every command shares: one way to name the data (the project, ``--project DIR``,
``--data FILE``, ``--endpoint URL``), the language, progress, and the :class:`Run` that hands
a command its dataset or engine. Commands import this; it holds no command of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import click

from planegraf.errors import InputError, PlanegrafError
from planegraf.i18n import Message, in_language, text
from planegraf.project import Project

if TYPE_CHECKING:
    from planegraf.rdf.store import EmbeddedStore
    from planegraf.sparql.engines import Engine
    from planegraf.sparql.limits import QueryLimits
    from planegraf.sparql.readers import Reader

Language = Literal["sv", "en"]
LANG = click.Choice(["sv", "en"])
ENDPOINT_VARIABLE = "PLANEGRAF_ENDPOINT"
# Where a command's context keeps the run's language once it is known, and the group's
# arguments, so that an error is shown in the run's language wherever it is raised.
LANGUAGE_META = "planegraf.language"
ARGUMENTS_META = "planegraf.arguments"
F = TypeVar("F", bound=Callable[..., Any])

DATA_HELP = """\b
Which data: the project found from the working directory upward (the folder with
planegraf.toml), or --project DIR; with none, the bundled demonstration. --data FILE adds
RDF files for one run (a named graph in one replaces the graph of that name).
"""


@dataclass
class Run:
    """One command's view of its data: the project, an endpoint if given, language, progress."""

    project: Project
    endpoint: str | None
    lang: Language
    quiet: bool
    timeout: float = 60.0

    def progress(self, step: str) -> None:
        """Show a step (an :class:`~planegraf.i18n.Message` in the run's language)."""
        if not self.quiet:
            click.echo(f"… {in_language(step, self.lang)}", err=True)

    def warn(self, message: str) -> None:
        # Warnings about the data are shown even with --quiet: they change what an answer means.
        click.echo(f"planegraf: {in_language(message, self.lang)}", err=True)

    def text(self, key: str, **fields: object) -> str:
        """The catalogue's text ``key`` in the run's language."""
        return text(key, self.lang, **fields)

    def dataset(self) -> EmbeddedStore:
        """The project's dataset in this process, loaded once (see :meth:`Project.dataset`)."""
        if self.endpoint:
            raise PlanegrafError("internal: dataset() asked for with --endpoint")
        return self.project.dataset(self.progress, self.warn)

    def validated_dataset(self) -> EmbeddedStore:
        """The dataset for what gets published (exports, the description, the site): the
        fresh last build as it is, else the sources validated now, or the endpoint's data
        with ``--endpoint``; violations are refused."""
        if self.endpoint:
            return self._endpoint_dataset()
        project = self.project
        state = project.staleness()
        if state.fresh and not project.extra_files and project.include_sources:
            return project.dataset(self.progress, self.warn, state=state)
        from planegraf.pipeline import check

        store, report = check(project=project, bundled=project.include_sources,
                              progress=self.progress)
        if report.has_violations:  # warnings and infos do not stop it, as in build
            click.echo(report.text(self.lang), nl=False, err=True)
            raise PlanegrafError(Message("error_violates_shapes"))
        project.use(store)
        return store

    def _endpoint_dataset(self) -> EmbeddedStore:
        """The endpoint's dataset copied into this process and validated like the sources:
        what is published from it must pass the same shapes."""
        from planegraf.sparql.endpoint import Connection, RemoteEngine, copy_dataset
        from planegraf.validation.validate import validate_store

        assert self.endpoint is not None
        self.progress(Message("cli_step_copying", endpoint=self.endpoint))
        engine = RemoteEngine(Connection(self.endpoint, timeout=self.timeout))
        store = copy_dataset(engine, self.progress)
        report = validate_store(store)
        if report.has_violations:
            click.echo(report.text(self.lang), nl=False, err=True)
            raise PlanegrafError(Message("error_endpoint_violates_shapes",
                                         endpoint=self.endpoint))
        return store

    def reader(self) -> Reader:
        """What the analyses read through: the embedded dataset, or the endpoint."""
        if self.endpoint:
            from planegraf.sparql.endpoint import Connection, RemoteEngine
            from planegraf.sparql.readers import EngineReader

            self.progress(Message("cli_step_reading_from", endpoint=self.endpoint))
            return EngineReader(RemoteEngine(Connection(self.endpoint, timeout=self.timeout)))
        return self.dataset()

    def engine(self, limits: QueryLimits | None = None) -> Engine:
        """Where queries run: the endpoint, or the embedded dataset under ``limits``."""
        if self.endpoint:
            from planegraf.sparql.endpoint import Connection, RemoteEngine

            return RemoteEngine(Connection(self.endpoint, timeout=self.timeout), limits)
        from planegraf.sparql.engines import EmbeddedEngine

        return EmbeddedEngine(self.dataset(), limits)

    def emit(self, text: str, output: Path | None, detail: str = "") -> None:
        """A report to standard output, or written atomically to ``output`` (saying so)."""
        if output is None:
            click.echo(text, nl=False)
            return
        from planegraf.rdf.atomic import write_text

        write_text(output, text)
        click.echo(self.text("cli_wrote", what=f"{output}{detail}"), err=True)



def data_options(*, remote: bool = False, alone: bool = False) -> Callable[[F], F]:
    """The shared options --project, --data, --lang, -q/--quiet (and --endpoint with
    ``remote``); the command receives one ``run: Run`` in their place."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, project_dir: Path | None, data_files: tuple[Path, ...],
                    lang: Language | None, quiet: bool, endpoint: str | None = None,
                    alone_flag: bool = False, **kwargs: Any) -> Any:
            if alone_flag and not data_files and not kwargs.get("files"):
                raise PlanegrafError(Message("error_alone_needs_data"))
            try:
                project = Project.find(explicit=project_dir, extra_files=data_files)
            except InputError as err:
                # planegraf.toml unreadable: its language unknown, --lang or planegraf's own
                remember_language(lang or "sv")
                in_run_language(err, lang or "sv")
                raise
            if alone_flag:
                project.include_sources = False
            run = Run(project, endpoint or None, lang or project.config.language, quiet)
            remember_language(run.lang)
            if "timeout" in kwargs and isinstance(kwargs["timeout"], (int, float)):
                run.timeout = float(kwargs["timeout"]) or run.timeout
            try:
                return function(*args, run=run, **kwargs)
            except InputError as err:
                in_run_language(err, run.lang)
                raise

        options = [
            click.option("--project", "project_dir",
                         type=click.Path(exists=True, file_okay=False, path_type=Path),
                         help="The project folder (default: found from here upward; none: the "
                              "bundled demonstration)."),
            click.option("--data", "data_files", multiple=True,
                         type=click.Path(exists=True, dir_okay=False, path_type=Path),
                         help="Also load this RDF file for this run (repeatable); a named "
                              "graph in it replaces the graph of that name."),
        ]
        if remote:
            options.append(click.option(
                "--endpoint", envvar=ENDPOINT_VARIABLE, metavar="URL",
                help=f"Read from this SPARQL 1.1 endpoint (or ${ENDPOINT_VARIABLE}) instead of "
                     "the project's data; basic auth from $PLANEGRAF_ENDPOINT_USER and "
                     "$PLANEGRAF_ENDPOINT_PASSWORD."))
        if alone:
            options.append(click.option("--alone", "alone_flag", is_flag=True, hidden=True,
                                        help="Deprecated: the --data files without the "
                                             "project's sources."))
        options += [
            click.option("--lang", type=LANG, default=None,
                         help="Language of the output (default: the project's, else sv)."),
            click.option("-q", "--quiet", is_flag=True, help="Do not show progress."),
        ]
        command = cast(F, wrapper)
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def remember_language(lang: Language) -> None:
    """Note the run's language where the error handler of the command line finds it."""
    context = click.get_current_context(silent=True)
    if context is not None:
        context.meta[LANGUAGE_META] = lang


def error_language(meta: dict[str, Any], arguments: list[str] | None = None) -> Language:
    """The language an error is shown in: the run's once known; before there is a run (a
    broken option, ``init``), ``--lang`` on the command line, else the language of the
    project found (``--project DIR`` or from here upward) if it reads without error, else
    Swedish."""
    known = meta.get(LANGUAGE_META)
    if known in ("sv", "en"):
        return cast(Language, known)
    given = arguments if arguments is not None else meta.get(ARGUMENTS_META, [])
    asked = _option_value(given, "--lang")
    if asked in ("sv", "en"):
        return cast(Language, asked)
    folder = _option_value(given, "--project")
    try:
        return Project.find(explicit=Path(folder) if folder else None).config.language
    except (PlanegrafError, OSError, ValueError):
        return "sv"


def _option_value(arguments: list[str], name: str) -> str | None:
    """The value of option ``name`` as typed (``--name VALUE`` or ``--name=VALUE``), the last
    one given; none after ``--``, where arguments are no longer options."""
    found = None
    for at, argument in enumerate(arguments):
        if argument == "--":
            break
        if argument == name and at + 1 < len(arguments):
            found = arguments[at + 1]
        elif argument.startswith(name + "="):
            found = argument.split("=", 1)[1]
    return found


def in_run_language(err: InputError, lang: Language) -> None:
    """Put an error worded from the catalogue (its message and hint) in the run's language."""
    err.message = in_language(err.message, lang)
    err.hint = in_language(err.hint, lang) if err.hint else err.hint


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """A progress callback printing ``… step`` to standard error unless ``quiet``."""
    def show(step: str) -> None:
        if not quiet:
            click.echo(f"… {step}", err=True)
    return show
