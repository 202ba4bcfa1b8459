"""planegraf: public-health strategies and action plans as a validated knowledge graph.

The typed Python API behind the ``planegraf`` command line. The main entry points:

>>> import planegraf
>>> planegraf.__version__ == planegraf.version()
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

try:
    __version__ = _dist_version("planegraf")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"


def version() -> str:
    """The installed package version, also written into the ontology as ``owl:versionInfo``."""
    return __version__


__all__ = ["__version__", "version"]
