"""The synthetic national data behind the benchmarks: deterministic, sized by its knob,
conforming to the shapes, and answering the catalogue."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.pipeline import derive, load_dataset
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.queries import bind_parameters, catalogue
from planegraf.synthetic import COUNTIES, generate, write_trig
from planegraf.validation.validate import validate_store

ORG = "http://www.w3.org/ns/org#"
SECTOR = "https://w3id.org/planegraf/id/sector/"


def test_sweden_has_21_regions_and_290_municipalities() -> None:
    assert len(COUNTIES) == 21 and sum(count for _, _, count in COUNTIES) == 290
    quads = list(generate(10_000, seed=1))
    sectors = [q.object.value for q in quads if q.predicate.value == ORG + "classification"]
    assert sectors.count(SECTOR + "region") == 21
    assert sectors.count(SECTOR + "municipality") == 290


@pytest.mark.parametrize("triples", [10_000, 200_000])
def test_the_size_knob_gives_about_that_many_triples(triples: int) -> None:
    assert abs(len(list(generate(triples, seed=2))) - triples) < 0.1 * triples


def test_the_seed_decides_the_data() -> None:
    assert list(generate(20_000, seed=4)) == list(generate(20_000, seed=4))
    assert list(generate(20_000, seed=4)) != list(generate(20_000, seed=5))


def test_synthetic_data_conforms_to_the_shapes_and_answers_the_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "national.trig"
    write_trig(path, 10_000, seed=3)
    store = load_dataset([path], bundled=False)
    derive(store)
    report = validate_store(store)
    assert report.conforms, report.text("en")
    engine = EmbeddedEngine(store)
    query = next(q for q in catalogue() if q.name == "coordinators-ranked")
    solutions = engine.run(query, bind_parameters(query, {})).solutions
    assert solutions is not None and len(solutions) > 21
    ranked = [int(row["activities"].value) for row in solutions.rows]  # type: ignore[union-attr]
    assert ranked == sorted(ranked, reverse=True)
    assert isinstance(solutions.rows[0]["agent"], ox.NamedNode)
