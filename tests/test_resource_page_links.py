"""A resource page links the IRIs of its properties and types that have no page to the IRI
itself: only for a web address. A ``javascript:`` IRI (valid RDF, from someone's data) made a
link that ran script on the site's origin when clicked; escaping does not stop that."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from planegraf.namespaces import DATA
from planegraf.publish.site import write_site
from planegraf.rdf.store import EmbeddedStore

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SCRIPT = "javascript:alert(document.domain)"


def test_a_property_or_type_iri_with_a_script_scheme_is_never_a_link(tmp_path: Path) -> None:
    store = EmbeddedStore()
    thing = ox.NamedNode(DATA + "org/x")
    store.oxigraph.extend([
        ox.Quad(thing, RDF_TYPE, ox.NamedNode("http://www.w3.org/ns/org#Organization")),
        ox.Quad(thing, RDF_TYPE, ox.NamedNode(SCRIPT + "//type")),
        ox.Quad(thing, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                ox.Literal("X", language="sv")),
        ox.Quad(thing, ox.NamedNode(SCRIPT), ox.Literal("v")),
        ox.Quad(thing, ox.NamedNode("https://example.org/p"), ox.Literal("w")),
    ])
    write_site(store, tmp_path / "site")
    for page in ("x.html", "x.en.html"):
        html = (tmp_path / "site/id/org" / page).read_text("utf-8")
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert not [h for h in hrefs if h.lower().startswith("javascript:")], page
        assert SCRIPT in html  # still shown, as text
        # A property with a web address is still linked to it.
        assert 'href="https://example.org/p"' in html
