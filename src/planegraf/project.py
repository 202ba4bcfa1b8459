"""A planegraf project: what data a command works on.

A project is a folder with ``planegraf.toml`` (title, publisher, contact, counties, base URL,
licence, language), ``graph/`` (its plans), ``organisations.trig`` (its own organisations and
spellings) and ``queries/`` (its own named questions). Commands find it from the working
directory upward, as git finds its repository; with none, they work on the bundled
demonstration. :meth:`Project.dataset` gives the one dataset every command answers from.
"""

from __future__ import annotations

import hashlib
import json
import string
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from planegraf.counties import counties, find_county
from planegraf.errors import InputError, PlanegrafError
from planegraf.i18n import Message
from planegraf.ids import DATA, slugify
from planegraf.rdf import atomic
from planegraf.rdf.loading import Progress, derive, load_files, quiet
from planegraf.rdf.store import EmbeddedStore, iter_rdf_files
from planegraf.resources import data_root, graph_dir, registry_files

Language = Literal["sv", "en"]

CONFIG_NAME = "planegraf.toml"
ORGANISATIONS_NAME = "organisations.trig"
MANIFEST_NAME = "manifest.json"
DATASET_NAME = "planegraf.trig"
_PACKAGE = Path(__file__).resolve().parent
_TEMPLATES = _PACKAGE / "templates" / "project"
# What `init` may find in a folder without calling it someone else's content.
_HARMLESS = {".git", ".DS_Store"}
DEFAULT_LICENCE = "http://creativecommons.org/licenses/by/4.0/"
DEFAULT_BASE_URL = "https://w3id.org/planegraf/"


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectConfig:
    """What ``planegraf.toml`` says: how the dataset is titled, published and described."""

    key: str
    title_sv: str
    title_en: str
    publisher: str
    publisher_iri: str
    contact_name: str
    contact_email: str
    counties: tuple[str, ...]
    base_url: str = DEFAULT_BASE_URL
    licence: str = DEFAULT_LICENCE
    language: Language = "sv"
    issued: str | None = None
    description_sv: str | None = None
    description_en: str | None = None

    def title(self, lang: str) -> str:
        return self.title_sv if lang == "sv" else self.title_en

    @property
    def places(self) -> list[str]:
        """The place IRIs of the project's counties."""
        by_code = {c.code: c for c in counties()}
        return [by_code[code].place for code in self.counties if code in by_code]

    @classmethod
    def read(cls, path: Path) -> ProjectConfig:
        """Read and check ``planegraf.toml``; an error names the file, line and key."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise InputError(path, Message("config_not_toml", reason=err),
                             hint=Message("config_init_hint")) from None
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(path, Message("load_unreadable", reason=err)) from None

        def get(section: str, name: str, default: object = None) -> object:
            value = data.get(section, {}).get(name, default)
            if value is None:
                raise InputError(path, Message("config_missing", setting=f"[{section}] {name}"),
                                 hint=Message("config_missing_hint", name=name, section=section))
            return value

        def text(section: str, name: str, default: str | None = None) -> str:
            value = get(section, name, default)
            if not isinstance(value, str):
                raise InputError(path, Message("config_not_text", setting=f"[{section}] {name}"))
            return value

        title = get("project", "title")
        if not isinstance(title, dict) or not isinstance(title.get("sv"), str):
            raise InputError(path, Message("config_missing", setting="[project] title.sv"),
                             hint=Message("config_title_hint"))
        language = text("project", "language", "sv")
        if language not in ("sv", "en"):
            raise InputError(path, Message("config_language", language=repr(language)))
        codes = get("project", "counties", [])
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise InputError(path, Message("config_counties"), hint=Message("config_counties_hint"))
        for code in codes:
            find_county(code)
        issued = data.get("project", {}).get("issued")
        description = data.get("project", {}).get("description", {})
        if not isinstance(description, dict):
            raise InputError(path, Message("config_description"))
        return cls(
            key=text("project", "key"), title_sv=title["sv"],
            title_en=str(title.get("en") or title["sv"]),
            publisher=text("publisher", "name"), publisher_iri=text("publisher", "iri", ""),
            contact_name=text("contact", "name", ""), contact_email=text("contact", "email", ""),
            counties=tuple(find_county(c).code for c in codes),
            base_url=text("project", "base_url", DEFAULT_BASE_URL),
            licence=text("project", "licence", DEFAULT_LICENCE),
            language=language,  # type: ignore[arg-type]
            issued=str(issued) if issued else None,
            description_sv=description.get("sv"), description_en=description.get("en"),
        )


def demonstration_config() -> ProjectConfig:
    """The description of the bundled demonstration (``data/demonstration.toml``)."""
    return ProjectConfig.read(_PACKAGE / "data" / "demonstration.toml")


# --------------------------------------------------------------------------------------------
# The project
# --------------------------------------------------------------------------------------------


@dataclass
class Staleness:
    """Whether the last build still matches the sources, and what changed if not."""

    built: bool
    changed: list[str] = field(default_factory=list)

    @property
    def fresh(self) -> bool:
        return self.built and not self.changed

    def message(self) -> Message:
        """What is stale, as a catalogue text (English when printed as it is)."""
        if not self.built:
            return Message("cli_no_build_yet")
        shown = ", ".join(self.changed[:3]) + (" …" if len(self.changed) > 3 else "")
        return Message("cli_changed_since_build", changed=shown)


class Project:
    """What data a command works on: a project folder, or the bundled demonstration.

    >>> demo = Project.demonstration()
    >>> demo.is_demonstration, demo.config.publisher
    (True, 'Region Jönköpings län')
    >>> len(demo.dataset()) > 1000
    True
    """

    def __init__(self, root: Path | None, config: ProjectConfig,
                 extra_files: Sequence[Path] = (), out_dir: Path | None = None,
                 include_sources: bool = True) -> None:
        self.root = root.resolve() if root is not None else None
        self.config = config
        self.extra_files = tuple(Path(p) for p in extra_files)
        # False: the dataset is the ontology and extra_files alone (the old --alone).
        self.include_sources = include_sources
        self.out_dir = out_dir or (self.root / "out" if self.root else Path("out"))
        self._dataset: EmbeddedStore | None = None

    # -- finding one --------------------------------------------------------------------

    @classmethod
    def demonstration(cls, extra_files: Sequence[Path] = (),
                      out_dir: Path | None = None) -> Project:
        """The bundled demonstration (Jönköping and Kalmar), built into ``./out``."""
        return cls(None, demonstration_config(), extra_files, out_dir)

    @classmethod
    def open(cls, root: Path, extra_files: Sequence[Path] = (),
             out_dir: Path | None = None) -> Project:
        """The project whose ``planegraf.toml`` is in ``root``."""
        config = root / CONFIG_NAME
        if not config.is_file():
            raise PlanegrafError(Message("error_not_a_project", root=root,
                                         config=CONFIG_NAME))
        return cls(root, ProjectConfig.read(config), extra_files, out_dir)

    @classmethod
    def find(cls, start: Path | None = None, *, explicit: Path | None = None,
             extra_files: Sequence[Path] = (), out_dir: Path | None = None) -> Project:
        """``explicit`` (``--project``), else the nearest folder from ``start`` (the working
        directory) upward that holds ``planegraf.toml``, else the bundled demonstration."""
        if explicit is not None:
            return cls.open(explicit, extra_files, out_dir)
        folder = (start or Path.cwd()).resolve()
        for candidate in (folder, *folder.parents):
            if (candidate / CONFIG_NAME).is_file():
                return cls.open(candidate, extra_files, out_dir)
        return cls.demonstration(extra_files, out_dir)

    # -- what it holds ------------------------------------------------------------------

    @property
    def is_demonstration(self) -> bool:
        return self.root is None

    @property
    def name(self) -> str:
        return "the bundled demonstration" if self.root is None else str(self.root)

    @property
    def graph_dir(self) -> Path:
        """Where the project's plans live (the bundled ``graph/`` for the demonstration)."""
        return self.root / "graph" if self.root else graph_dir()

    @property
    def organisations_file(self) -> Path | None:
        return self.root / ORGANISATIONS_NAME if self.root else None

    @property
    def queries_dir(self) -> Path | None:
        """The project's own named questions (they join the catalogue)."""
        return self.root / "queries" if self.root else None

    @property
    def organisations_graph(self) -> str:
        return f"{DATA}graph/organisations-{self.config.key}"

    def plan_files(self) -> list[Path]:
        """The project's own plan files in ``graph/``."""
        folder = self.graph_dir
        return list(iter_rdf_files(folder)) if folder.is_dir() else []

    def registry_files(self) -> list[Path]:
        """The organisation registry every project builds on: the national registry
        (``registry/``) and the bundled organisations (``graph/organisations.trig``)."""
        return [*registry_files(), graph_dir() / "organisations.trig"]

    def source_files(self) -> list[Path]:
        """Every RDF file the dataset is made of, in load order (the ontology comes first)."""
        if not self.include_sources:
            return []
        if self.root is None:
            return [*registry_files(), *self.plan_files()]
        files = self.registry_files()
        organisations = self.organisations_file
        if organisations is not None and organisations.is_file():
            files.append(organisations)
        return files + self.plan_files()

    def bundled_plan_keys(self) -> set[str]:
        """Keys of the bundled data's graphs: a project's plan may not take one of them."""
        return {p.stem for p in iter_rdf_files(graph_dir())}

    # -- the last build and its freshness -----------------------------------------------

    def _label(self, path: Path) -> str:
        resolved = path.resolve()
        for base in (self.root, data_root().resolve()):
            if base is not None and resolved.is_relative_to(base):
                return resolved.relative_to(base).as_posix()
        return str(resolved)

    def input_hashes(self) -> dict[str, str]:
        """SHA-256 of every input of a build (sources, configuration), by shown name."""
        inputs = list(self.source_files())
        if self.root is not None:
            inputs.append(self.root / CONFIG_NAME)
        return {self._label(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs}

    def write_manifest(self, folder: Path, hashes: dict[str, str]) -> Path:
        """Write ``manifest.json`` (the input hashes of this build) into ``folder``."""
        from planegraf import __version__

        path = folder / MANIFEST_NAME
        path.write_text(json.dumps({"planegraf": __version__, "inputs": hashes},
                                   ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                        encoding="utf-8")
        return path

    def staleness(self) -> Staleness:
        """Compare the last build's manifest with the sources as they are now."""
        from planegraf import __version__

        manifest = self.out_dir / MANIFEST_NAME
        if not (self.out_dir / DATASET_NAME).is_file() or not manifest.is_file():
            return Staleness(built=False)
        try:
            recorded = json.loads(manifest.read_text(encoding="utf-8"))
            before: dict[str, str] = recorded["inputs"]
        except (OSError, ValueError, KeyError, TypeError):
            return Staleness(built=False)
        now = self.input_hashes()
        changed = sorted(name for name in before.keys() | now.keys()
                         if before.get(name) != now.get(name))
        if recorded.get("planegraf") != __version__:
            changed.append(f"planegraf {recorded.get('planegraf')} → {__version__}")
        return Staleness(built=True, changed=changed)

    def modified(self) -> str:
        """The date the sources last changed (``dct:modified``), YYYY-MM-DD."""
        newest = max((p.stat().st_mtime for p in self.source_files()), default=0.0)
        return date.fromtimestamp(newest).isoformat() if newest else date.today().isoformat()

    # -- the dataset --------------------------------------------------------------------

    def load_sources(self, progress: Progress = quiet) -> EmbeddedStore:
        """The sources (and ``--data`` files) loaded and derived, not validated: what
        ``build`` validates and writes."""
        store = load_files(self.source_files(), self.extra_files, progress=progress)
        progress(Message("cli_step_derive"))
        derive(store)
        return store

    def dataset(self, progress: Progress = quiet,
                warn: Callable[[str], None] | None = None, *,
                state: Staleness | None = None) -> EmbeddedStore:
        """The one dataset commands answer from, loaded once per process.

        The last build (``out/planegraf.trig``, validated when it was written) when it is
        fresh. When the sources changed since, or there is no build, the sources are loaded
        and derived here, in memory, and ``warn`` is told: answering from the current sources
        is what the user edited them for, and validating on every question would cost each
        command a build; ``planegraf build`` validates and saves. ``--data`` files are loaded
        on top either way. ``state`` is :meth:`staleness` if the caller just asked it (the
        sources are then not hashed a second time).
        """
        if self._dataset is not None:
            return self._dataset
        state = state or self.staleness()
        if state.fresh and self.include_sources:
            progress(Message("cli_step_last_build", path=self._label(self.out_dir / DATASET_NAME)))
            store = EmbeddedStore()
            store.load_file(self.out_dir / DATASET_NAME)
            if self.extra_files:
                load_files((), self.extra_files, progress=progress, store=store)
                derive(store)
        else:
            if state.built and warn is not None:
                warn(Message("cli_dataset_stale", state=state.message()))
            store = self.load_sources(progress)
        self._dataset = store
        return store

    def use(self, store: EmbeddedStore) -> None:
        """Adopt ``store`` as this project's dataset (``build`` hands over what it validated)."""
        self._dataset = store


# --------------------------------------------------------------------------------------------
# planegraf init
# --------------------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes), so no quoting rules of our own.
    return json.dumps(value, ensure_ascii=False)


def _render(template: str, values: dict[str, str]) -> str:
    return string.Template((_TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def init_project(folder: Path, *, county: str | None = None, publisher: str | None = None,
                 lang: Language = "sv") -> list[Path]:
    """Create a project in ``folder`` (made if missing); return the files written.

    Refuses a folder that already holds a project or anything of the user's: nothing is
    overwritten.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "ostergotland"
    >>> files = init_project(folder, county="05")
    >>> Project.open(folder).config.publisher
    'Region Östergötland'
    """
    if (folder / CONFIG_NAME).exists():
        raise PlanegrafError(Message("error_init_exists", folder=folder, config=CONFIG_NAME))
    if folder.exists() and not folder.is_dir():
        raise PlanegrafError(Message("error_init_file", folder=folder))
    if folder.is_dir():
        others = sorted(p.name for p in folder.iterdir() if p.name not in _HARMLESS)
        if others:
            shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
            raise PlanegrafError(Message("error_init_not_empty", folder=folder, shown=shown))
    chosen = find_county(county) if county else None
    region = publisher or (chosen.region if chosen else "")
    if not region:
        raise PlanegrafError(Message("error_init_publisher"))
    place_name = chosen.name if chosen else region
    key = slugify(place_name)
    values = {
        "key": _toml_string(key),
        "title_sv": _toml_string(f"Folkhälsoplaner i {place_name}"),
        "title_en": _toml_string(f"Public-health plans in {_english_county(place_name)}"),
        "language": _toml_string(lang),
        "counties": _toml_string(chosen.code) if chosen else "",
        "base_url": _toml_string(DEFAULT_BASE_URL),
        "licence": _toml_string(DEFAULT_LICENCE),
        "issued": _toml_string(date.today().isoformat()),
        "publisher": _toml_string(region),
        "publisher_iri": _toml_string(f"{DATA}org/{slugify(region)}"),
        "contact_name": _toml_string(region),
        "contact_email": _toml_string(""),
    }
    # The project's README speaks the project's language, as everything else it is told.
    english = lang == "en"
    readme_values = {"title": (f"Public-health plans in {_english_county(place_name)}"
                               if english else f"Folkhälsoplaner i {place_name}"),
                     "publisher": region,
                     "county_names": _english_county(place_name) if english else place_name}
    suffix = ".en.md" if english else ".md"
    written: list[Path] = []
    folder.mkdir(parents=True, exist_ok=True)
    for target, text in (
        (folder / CONFIG_NAME, _render("planegraf.toml", values)),
        (folder / ".gitignore", _render("gitignore", {})),
        (folder / "README.md", _render(f"README{suffix}", readme_values)),
        (folder / "queries" / "README.md", _render(f"queries-README{suffix}", {})),
    ):
        atomic.write_text(target, text)
        written.append(target)
    (folder / "graph").mkdir(exist_ok=True)
    written.append(folder / "graph")
    project = Project.open(folder)
    from planegraf.ingest.organisations import seed_organisations

    written.append(seed_organisations(project, chosen))
    return written


def _english_county(name: str) -> str:
    # "Östergötlands län" → "Östergötland County"; a publisher's name stays as it is.
    if name.endswith(" län"):
        stem = name.removesuffix(" län")
        stem = stem[:-1] if stem.endswith("s") and not stem.endswith("ss") else stem
        return f"{stem} County"
    return name


def warn_on_stderr(message: str) -> None:
    """Print a warning about the data to standard error (the CLI's default)."""
    print(f"planegraf: {message}", file=sys.stderr)
