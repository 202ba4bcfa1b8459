"""The one Markdown escaping: text from a document, a sheet or the data shown literally in
every Markdown report (query answers, metrics, gaps, comparisons, the import report).

HTML is escaped, Markdown's special characters are backslash-escaped (emphasis, code,
links and images, headings, table pipes, strikethrough) and line breaks become spaces, so a
name cannot become a link, an image, a heading, a table break or HTML. HTML pages escape
through the one Jinja environment (:mod:`planegraf.render.templates`), CSV cells through
:mod:`planegraf.render.safe_csv`.
"""

from __future__ import annotations

import re

# Enough to keep text literal where a report puts it (never at the start of a line).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def markdown(text: object) -> str:
    """``text`` as Markdown that shows it literally.

    >>> print(markdown('<img src=x> **fet** [länk](http://a) | a\\nb'))
    &lt;img src=x&gt; \\*\\*fet\\*\\* \\[länk\\](http://a) \\| a b
    """
    plain = " ".join(str(text).split())
    plain = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain)
