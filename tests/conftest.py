"""Shared fixtures: where the repository, the fixtures and ../shared are."""

from __future__ import annotations

from pathlib import Path

import pytest

from planegraf.resources import shared_dir

FIXTURES = Path(__file__).parent / "fixtures"

# A row of a bundled plan (Jönköping's 2018–2020 action plan): it imports without a project.
PLAN_ROW = (
    "rjl-hp-2018-2020", "6",
    "Samverkan för spridning av evidensbaserat universellt föräldrastöd.",
    "Uppföljning av genomförda föräldrastödsprogram.",
    "Länsstyrelsen i Jönköpings län",
    "Sektion Folkhälsa, Barnhälsovården, Region Jönköpings län, länets kommuner",
    "2018-2020",
)


@pytest.fixture(autouse=True, scope="session")
def _compilation_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The compiled shapes are kept in a folder of the test session's own, never in the
    user's ~/.cache (processes the tests start inherit it)."""
    import os

    os.environ["PLANEGRAF_CACHE"] = str(tmp_path_factory.mktemp("planegraf-cache"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the checkout; tests that need it skip with a reason without it."""
    folder = shared_dir()
    if folder is None:
        pytest.skip("../shared (source documents, external test suites) is not beside the checkout")
    return folder


@pytest.fixture(scope="session")
def sources(shared: Path) -> Path:
    return shared / "sources"
