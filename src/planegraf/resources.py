"""Finds the data folders (ontology/, graph/, queries/, registry/) in a checkout or a wheel.

In a checkout they sit at the top of the repository; a wheel carries them under
``planegraf/_data``. Everything else in planegraf asks this module, never a path of its own.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_FOLDERS = ("ontology", "graph", "queries")


@cache
def data_root() -> Path:
    """The folder that holds ``ontology/``, ``graph/`` and ``queries/``.

    ``PLANEGRAF_DATA`` points planegraf at another such folder (a region's own copy, say).

    >>> (data_root() / "ontology" / "planegraf.ttl").is_file()
    True
    """
    override = os.environ.get("PLANEGRAF_DATA")
    if override:
        folder = Path(override)
        missing = [name for name in _FOLDERS if not (folder / name).is_dir()]
        if missing:
            raise FileNotFoundError(
                f"PLANEGRAF_DATA={override} lacks {', '.join(missing)}/; "
                "point it at a folder with ontology/, graph/ and queries/"
            )
        return folder
    installed = _PACKAGE_DIR / "_data"
    if (installed / "ontology").is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent.parent
    if all((checkout / name).is_dir() for name in _FOLDERS):
        return checkout
    raise FileNotFoundError(
        f"planegraf data folders not found in {installed} or {checkout}; "
        "reinstall the package (pip install .) or run from a full checkout"
    )


def ontology_dir() -> Path:
    """``ontology/``: the vocabulary, concept schemes and ``shapes/``."""
    return data_root() / "ontology"


def shapes_dir() -> Path:
    """``ontology/shapes/``: the SHACL shapes, one file per concern."""
    return ontology_dir() / "shapes"


def graph_dir() -> Path:
    """``graph/``: the curated data, one TriG file per source."""
    return data_root() / "graph"


def queries_dir() -> Path:
    """``queries/``: the catalogue of named questions and the derivation rules."""
    return data_root() / "queries"


def registry_dir() -> Path:
    """``registry/``: the national registry of Swedish public organisations (CSV and TriG).

    A ``PLANEGRAF_DATA`` folder may bring its own ``registry/``; without one, the registry
    shipped with planegraf is used.

    >>> (registry_dir() / "municipalities.csv").is_file()
    True
    """
    own = data_root() / "registry"
    if own.is_dir():
        return own
    for root in (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent.parent):
        if (root / "registry").is_dir():
            return root / "registry"
    raise FileNotFoundError(
        f"planegraf's registry/ not found beside {data_root()}; "
        "reinstall the package (pip install .) or run from a full checkout"
    )


def registry_files() -> list[Path]:
    """The registry's RDF files (``registry/*.trig``), which every build loads.

    >>> [path.name for path in registry_files()]
    ['sweden.trig']
    """
    return sorted(registry_dir().glob("*.trig"))


def shared_dir() -> Path | None:
    """``../shared`` beside the checkout (source documents, external test suites), if present.

    ``PLANEGRAF_SHARED`` overrides the location.
    """
    override = os.environ.get("PLANEGRAF_SHARED")
    if override:
        path = Path(override)
        return path if path.is_dir() else None
    candidate = _PACKAGE_DIR.parent.parent.parent / "shared"
    return candidate if candidate.is_dir() else None


def cache_dir() -> Path | None:
    """Where planegraf keeps what it can compute again (compiled shapes, literals as
    written): ``$PLANEGRAF_CACHE``, ``off`` to keep nothing (None), else
    ``$XDG_CACHE_HOME/planegraf`` or ``~/.cache/planegraf``. Entries are named by a hash of
    everything they depend on, so a stale one is never read; deleting the folder is safe.
    """
    setting = os.environ.get("PLANEGRAF_CACHE", "")
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "planegraf"
