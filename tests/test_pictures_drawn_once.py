"""The site's network pictures are drawn once per language and saved as PNG and SVG (issue
15: at a million quads each drawing lays out 25 names and 10 641 ties). Saving one drawing in
several formats gives the same bytes as drawing it once per format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from planegraf.analysis.network import Language, Scope, load_network_data, network_metrics
from planegraf.pipeline import open_store
from planegraf.publish import site
from planegraf.render import pictures
from planegraf.render.viz import sector_labels


@pytest.mark.parametrize("plan", [None, "https://w3id.org/planegraf/id/plan/rjl-hp-2018-2020"])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_one_drawing_saved_in_each_format_is_the_picture_of_that_format(
        plan: str | None, lang: Language) -> None:
    store = open_store()
    data = load_network_data(store)
    metrics = network_metrics(data, Scope(plan=plan))
    sectors = sector_labels(store, lang)
    together = pictures.pictures_bytes(("png", "svg", "pdf"), data, metrics,
                                       lang=lang, sectors=sectors)
    assert list(together) == ["png", "svg", "pdf"]
    for fmt, drawing in together.items():
        assert drawing == pictures.picture_bytes(fmt, data, metrics, lang=lang,
                                                 sectors=sectors)


def test_a_format_it_cannot_draw_is_refused_before_drawing() -> None:
    store = open_store()
    data = load_network_data(store)
    with pytest.raises(Exception, match="cannot draw 'gif'"):
        pictures.pictures_bytes(("png", "gif"), data, network_metrics(data))


def test_the_network_section_draws_each_language_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Imported as planegraf imports it: a plain import of Matplotlib switches on pyparsing's
    # packrat cache for the whole process, and rdflib's SPARQL parser then overflows.
    pictures._import_matplotlib()
    from matplotlib.figure import Figure

    drawn: list[int] = []
    real = Figure.__init__

    def counted(self: Figure, *args: Any, **kwargs: Any) -> None:
        drawn.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "__init__", counted)
    writer = site.SiteWriter(open_store(), tmp_path, "sv", resource_pages=False)
    section = site._network_section(writer)
    assert section is not None
    writer.sections = [section]
    section.write(writer)
    # A PNG and an SVG in each language, from one drawing per language.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "network.en.html", "network.en.png", "network.en.svg",
        "network.html", "network.png", "network.svg"]
    assert len(drawn) == 2
