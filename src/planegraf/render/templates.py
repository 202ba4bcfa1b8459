"""The one Jinja environment for every HTML page planegraf writes or serves.

Autoescape is on for every template (labels come from the data and reach HTML only
escaped); an undefined name is an error, not an empty string. The filters write numbers
and counts in the page's language through :mod:`planegraf.i18n`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from planegraf import i18n

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def environment() -> jinja2.Environment:
    """The environment over ``templates/``.

    >>> environment().from_string("{{ x }}").render(x="<b>")
    '&lt;b&gt;'
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
        # The templates do not change while a site is written: no stat() per page.
        auto_reload=False,
    )
    env.filters["number"] = i18n.number
    env.filters["counted"] = lambda n, key, lang: i18n.counted(n, key, lang)
    return env
