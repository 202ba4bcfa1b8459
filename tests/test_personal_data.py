"""Contact persons' names and phone numbers in the sources never reach the graph or out/."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from planegraf.resources import graph_dir

PHONE = re.compile(r"\b0\d{1,3}-\d{2,3}[ \d]{4,8}\b")
TITLES = {"Folkhälsoutvecklare", "Folkhälsochef"}


def contact_details(sources: Path) -> set[str]:
    """Names and phone numbers, read from the sources' "Kontakt" blocks and "Uppdaterad" lines."""
    found: set[str] = set()
    for source in sources.glob("*.txt"):
        lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines()]
        for index, line in enumerate(lines):
            if line == "Kontakt":
                for entry in lines[index + 1:index + 16]:
                    if entry.startswith(("Läs mer", "Uppdaterad")):
                        break
                    if entry and entry not in TITLES:
                        found.add(entry)
            if line.startswith("Uppdaterad:") and index + 1 < len(lines):
                found.add(lines[index + 1].split(",")[0])
        found.update(PHONE.findall(source.read_text(encoding="utf-8")))
    return {f for f in found if f}


def test_the_sources_do_hold_contact_details(sources: Path) -> None:
    details = contact_details(sources)
    assert {"Jesper Ekberg", "010-24 350 38"} <= details  # the check below checks something


def test_no_contact_detail_in_the_graph_or_the_build(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "planegraf.cli", "build", "-q", "--out", str(out)],
                   check=True, capture_output=True)
    details = contact_details(sources)
    files = [p for p in [*graph_dir().glob("*"), *out.rglob("*")] if p.is_file()]
    assert any(p.suffix == ".html" for p in files)  # the site is among what is checked
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        leaked = sorted(d for d in details if d in text)
        assert not leaked, f"{path.name} holds {leaked}"
        assert not PHONE.search(text), f"{path.name} holds a phone number"


@pytest.mark.parametrize("name", ["Ottosson", "Wilderoth", "Ekberg", "Marie Persson"])
def test_known_contact_names_are_nowhere_in_the_graph(name: str) -> None:
    for path in graph_dir().glob("*"):
        assert name not in path.read_text(encoding="utf-8"), path.name
