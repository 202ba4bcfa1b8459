"""The one bilingual text catalogue and the one Jinja environment (issue 11, item 7)."""

from __future__ import annotations

import re
from pathlib import Path

from planegraf import i18n
from planegraf.render.templates import environment

SRC = Path(__file__).resolve().parent.parent / "src" / "planegraf"


def test_every_text_is_in_both_languages_with_the_same_fields() -> None:
    catalogue = i18n.catalogue()
    assert set(catalogue) == {"sv", "en"}
    assert set(catalogue["sv"]) == set(catalogue["en"])
    for key in catalogue["sv"]:
        sv, en = catalogue["sv"][key], catalogue["en"][key]
        assert sv.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", sv)) == set(re.findall(r"{(\w+)}", en)), key


def test_a_swedish_count_and_decimal_read_as_swedish() -> None:
    assert i18n.counted(1, "participants", "sv") == "1 deltagare"
    assert i18n.counted(2, "activities_count", "sv") == "2 aktiviteter"
    assert i18n.counted(1, "activities_count", "en") == "1 activity"
    assert i18n.number(0.4216, "sv") == "0,42" and i18n.number(0.4216, "en") == "0.42"


def test_one_jinja_environment_escapes_every_label() -> None:
    assert environment() is environment()
    rendered = environment().from_string("{{ label }}").render(label="<script>x</script>")
    assert "<script>" not in rendered
    # No module but render/templates.py makes a Jinja environment of its own for the site.
    makers = [p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
              if "jinja2.Environment(" in p.read_text("utf-8")]
    assert set(makers) <= {"render/templates.py"}, makers
