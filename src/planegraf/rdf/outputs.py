"""What a file name promises: the format of an output file follows its extension, and an
extension a command cannot write is refused before anything runs, never silently written in
another format (``network -o x.png`` once wrote HTML and exited 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message

NETWORK_OUTPUTS: dict[str, str] = {
    ".html": "html", ".htm": "html", ".gexf": "gexf", ".graphml": "graphml", ".csv": "csv",
    ".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Two-part names that pick a format their last extension does not (``net.kumu.csv``).
NETWORK_COMPOUND_OUTPUTS: dict[str, str] = {".kumu.csv": "kumu"}
REPORT_OUTPUTS: dict[str, str] = {
    ".md": "md", ".markdown": "md", ".csv": "csv", ".json": "json", ".xlsx": "xlsx"}
TABLE_OUTPUTS: dict[str, str] = {
    ".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".md": "md", ".markdown": "md",
    ".txt": "table"}
GRAPH_OUTPUTS: dict[str, str] = {".nt": "nt"}
BOOLEAN_OUTPUTS: dict[str, str] = {".txt": "table"}
TURTLE_OUTPUTS: dict[str, str] = {".ttl": "ttl"}


def output_format(path: Path, formats: Mapping[str, str], given: str | None = None, *,
                  option: str = "-o") -> str:
    """The format ``path`` names among ``formats`` (extension → format), checked against a
    ``--format`` the user ``given``; a :class:`PlanegrafError` (exit 2) otherwise.

    >>> output_format(Path("network.GEXF"), NETWORK_OUTPUTS)
    'gexf'
    >>> output_format(Path("x.jpg"), NETWORK_OUTPUTS)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planegraf.errors.PlanegrafError: x.jpg: cannot write a .jpg file here; -o takes ...
    >>> output_format(Path("gaps.csv"), REPORT_OUTPUTS, given="json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planegraf.errors.PlanegrafError: gaps.csv: the name says csv but --format json ...
    """
    suffix = path.suffix.lower()
    chosen = formats.get(suffix)
    if chosen is None:
        what = (Message("error_a_file_of", suffix=suffix) if suffix
                else Message("error_a_file_without_extension"))
        known = ", ".join(f"{ext} ({fmt})" if ext.lstrip(".") != fmt else ext
                          for ext, fmt in formats.items())
        raise PlanegrafError(Message("error_cannot_write_here", path=path, what=what,
                                     option=option, known=known))
    if given is not None and given != chosen:
        raise PlanegrafError(Message("error_name_and_format", path=path, chosen=chosen,
                                     given=given))
    return chosen


def format_by_extension(serialisations: Mapping[str, str]) -> dict[str, str]:
    """Turn a format → extension table into the extension → format one ``output_format``
    takes.

    >>> format_by_extension({"ttl": ".ttl", "rdfxml": ".rdf"})
    {'.ttl': 'ttl', '.rdf': 'rdfxml'}
    """
    return {extension.lower(): fmt for fmt, extension in serialisations.items()}
