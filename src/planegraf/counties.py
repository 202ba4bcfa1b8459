"""Sweden's 21 counties: their two-digit codes, names, place IRIs and regions (the default
publisher of a county's project). The national registry holds the full record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.ids import DATA, slugify

_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class County:
    """A Swedish county: its two-digit code, its name, its place IRI and its region."""

    code: str
    name: str
    region: str

    @property
    def place(self) -> str:
        return f"{DATA}place/{slugify(self.name)}"

    @property
    def region_iri(self) -> str:
        return f"{DATA}org/{slugify(self.region)}"


@cache
def counties() -> tuple[County, ...]:
    """The 21 counties, by code.

    >>> [c.region for c in counties() if c.code == "05"]
    ['Region Östergötland']
    """
    from planegraf.synthetic import COUNTIES

    regions = json.loads((_PACKAGE / "data" / "regions.json").read_text(encoding="utf-8"))
    return tuple(County(code, name, regions[code]) for name, code, _ in COUNTIES)


def find_county(text: str) -> County:
    """A county by its code (``05``, ``5``) or its name (``Östergötlands län``, ``Östergötland``).

    >>> find_county("Östergötlands län").code, find_county("5").name
    ('05', 'Östergötlands län')
    """
    wanted = text.strip()
    if wanted.isdigit():
        wanted = wanted.zfill(2)
    key = slugify(wanted)
    for county in counties():
        if wanted == county.code or key in (slugify(county.name),
                                            slugify(county.name).removesuffix("-lan"),
                                            slugify(county.name).removesuffix("s-lan")):
            return county
    known = ", ".join(f"{c.code} {c.name}" for c in counties())
    raise PlanegrafError(Message("error_no_county", county=repr(text), known=known))
