"""The bilingual text catalogue: every word planegraf's pages and reports show, in Swedish
and English, from ``templates/strings.json``.

One catalogue, read once, so that a Swedish page is Swedish throughout and no module keeps
its own copy of a phrase. Numbers are written the way each language writes them.

>>> text("home", "sv"), text("home", "en")
('Start', 'Home')
>>> counted(1, "participants", "sv"), counted(2, "participants", "en")
('1 deltagare', '2 participants')
>>> number(0.4216, "sv"), number(0.4216, "en")
('0,42', '0.42')
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")
STRINGS = Path(__file__).resolve().parent / "templates" / "strings.json"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every text by language, then key: ``catalogue()["sv"]["home"]``."""
    data: dict[str, dict[str, str]] = json.loads(STRINGS.read_text(encoding="utf-8"))
    return data


def strings(lang: str) -> dict[str, str]:
    """All texts of one language (what the templates see as ``t``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, not {lang!r}")
    return catalogue()[lang]


def text(key: str, lang: str, **fields: object) -> str:
    """The text ``key`` in ``lang``, with ``{name}`` fields filled in."""
    found = strings(lang)[key]
    return found.format(**fields) if fields else found


def section(prefix: str, lang: str) -> dict[str, str]:
    """One module's words in ``lang``: the texts whose keys start with ``prefix_``, without it.

    >>> section("picture", "en")["legend"]
    'Sector'
    """
    start = prefix + "_"
    return {key.removeprefix(start): value for key, value in strings(lang).items()
            if key.startswith(start)}


class Message(str):
    """A text of the catalogue not yet put in a language: its key and fields.

    Library code hands one to a progress or warning callback, which knows the run's
    language and shows :meth:`in_language`; used as a plain string it reads in English.
    A field that is itself a Message is put in the same language.

    >>> step = Message("cli_step_write", target="out")
    >>> step.in_language("sv"), str(step)
    ('skriver out', 'write out')
    """

    key: str
    fields: dict[str, object]

    def __new__(cls, key: str, **fields: object) -> Message:
        message = super().__new__(cls, text(key, "en", **fields))
        message.key, message.fields = key, fields
        return message

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled by key and fields (an error sent back by a query worker), not as its text.
        return (_message, (self.key, self.fields))

    def in_language(self, lang: str) -> str:
        filled = {name: value.in_language(lang)
                  if isinstance(value, (Message, ByLanguage)) else value
                  for name, value in self.fields.items()}
        return text(self.key, lang, **filled)


class ByLanguage(str):
    """A text given in each language by the data rather than the catalogue (the sectors'
    names, as a list a hint offers); as a field of a :class:`Message` it is put in that
    message's language, and used as a plain string it reads in English.

    >>> sectors = ByLanguage(sv="kommun, region", en="municipality, region")
    >>> Message("decisions_unknown_sector_hint", sectors=sectors).in_language("sv")
    'en av kommun, region'
    """

    texts: dict[str, str]

    def __new__(cls, *, sv: str, en: str) -> ByLanguage:
        worded = super().__new__(cls, en)
        worded.texts = {"sv": sv, "en": en}
        return worded

    def __reduce__(self) -> tuple[object, ...]:
        return (_by_language, (self.texts["sv"], self.texts["en"]))

    def in_language(self, lang: str) -> str:
        return self.texts.get(lang, str(self))


def _by_language(sv: str, en: str) -> ByLanguage:
    return ByLanguage(sv=sv, en=en)


def _message(key: str, fields: dict[str, object]) -> Message:
    return Message(key, **fields)


def in_language(message: str, lang: str) -> str:
    """``message`` in ``lang`` when it is a :class:`Message`; any other text as it is."""
    return (message.in_language(lang) if isinstance(message, (Message, ByLanguage))
            else message)


def suffix_named(suffix: str) -> str:
    """A file's extension as an error names it: quoted, or "none" in the run's language
    (a :class:`Message`), where ``repr(suffix or "(none)")`` put English into a Swedish
    error.

    >>> suffix_named(".odt"), suffix_named("").in_language("sv")
    ("'.odt'", '(ingen ändelse)')
    """
    return repr(suffix) if suffix else Message("file_no_suffix")


def counted(n: int, key: str, lang: str) -> str:
    """``n`` with the word ``key`` in its singular (``key_one``) or plural (``key_other``)."""
    return text(f"{key}_{'one' if n == 1 else 'other'}", lang, n=n)


def number(value: float, lang: str, digits: int = 2) -> str:
    """A decimal number as the language writes it: "0,42" in Swedish, "0.42" in English."""
    written = f"{value:.{digits}f}"
    return written.replace(".", ",") if lang == "sv" else written
