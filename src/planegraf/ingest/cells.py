"""Participant cells: splitting "Samordningsansvarig: … Samverkansparter: …" into role segments,
each segment into the mentions that name one participant, and resolving them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from planegraf.ingest.resolver import OrganisationRegistry, Resolution

Role = Literal["coordinator", "partner", "steering-group", "funder"]

_ROLE_WORDS = {
    "samordningsansvarig": "coordinator", "samordningsansvariga": "coordinator",
    "samverkanspart": "partner", "samverkansparter": "partner", "samverkanspartner": "partner",
}
# A role label that opens a segment: capitalised, optionally with a colon ("Samverkansparter
# Länets primärvård" lost its colon in the PDF). Lower-case "samverkansparter" is a name part.
_LABEL = re.compile(
    r"(?<![\w-])(?P<word>Samordningsansvariga?|Samverkanspart(?:ner|er)?)(?![\w-])\s*:?\s*"
)
# "Kommunal utveckling är samordningsansvarig", "X är tillsammans med Y samordningsansvarig",
# "Qulturum är samordningsansvarig tillsammans med Y".
_IS_ROLE = re.compile(
    r"^(?P<who>.+?)\s+är\s+(?:tillsammans\s+med\s+(?P<with1>.+?)\s+)?"
    r"(?P<word>samordningsansvariga?|samverkanspart(?:ner|er)?)"
    r"(?:\s+tillsammans\s+med\s+(?P<with2>.+?))?\s*\.?$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-ZÅÄÖ])")
_CONTACT = re.compile(r"(?<![\w-])Kontakt(?:person(?:er)?)?\s*:.*?(?=(?:Samordningsansvarig|"
                      r"Samverkanspart)|$)", re.IGNORECASE)
# A number goes with the word that announces it ("tel 036-…", "e-post: …"): left behind, the
# word would be read as a participant's name.
# The number as Swedes write it: "036-10 20 30", "036 – 10 20 30" (a spaced dash), "+46 36 10
# 20 30" and "+46 (0)36-10 20 30" (a space or the dropped 0 after the country code).
_PHONE = re.compile(r"(?:(?<![\w-])(?i:tel(?:efon(?:nummer)?|\.?\s?nr)?|tfn|mob(?:il)?"
                    r"(?:nummer|nr)?|växel)\.?\s*:?\s*)?"
                    r"(?<!\d)(?:\+46\s?(?:\(0\)\s?)?|0)\d{1,3}(?:\s?[-–]\s?|\s)?\d{2,3}"
                    r"(?:[\s-]?\d{2,3}){1,3}(?!\d)")
_EMAIL = re.compile(r"(?:(?<![\w-])(?i:e-?post(?:adress)?|mejl(?:adress)?|e-?mail|mail)"
                    r"\s*:?\s*)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Separators between participants; a name can contain them too ("Hälso- och sjukvård",
# "Länet utbildnings-, kultur- och fritidsförvaltningar"), which the longest-match pass
# below puts back together.
_SEPARATOR = re.compile(r",\s+|;\s+|\s+och\s+|\s+samt\s+|\s+tillsammans\s+med\s+|\s+&\s+")
_TRAILING = re.compile(r"[\s.,;:]+$")
_DANGLING_VERB = re.compile(r"\s+är$")


@dataclass(frozen=True)
class RoleSegment:
    """Text naming the participants of one role; ``labelled`` is False when the role was
    inferred (an unlabelled first segment is the coordinator's)."""

    role: Role
    text: str
    labelled: bool


@dataclass(frozen=True)
class Mention:
    """One participant as the cell names it, and what it resolved to."""

    role: Role
    text: str
    resolution: Resolution
    # False when planegraf inferred the role (the publisher as coordinator of an activity
    # whose source names none); written as pg:stated.
    stated: bool = True
    # The source text the participation is described by when it is not the row's cell: a
    # sentence of running text, or (for an inferred role) why it was inferred, as "sv\ten".
    context: str | None = None

    @property
    def agent(self) -> str | None:
        return self.resolution.agent if self.resolution.status == "resolved" else None


def scrub_personal_data(text: str) -> tuple[str, bool]:
    """Remove contact details (a "Kontakt:" part, phone numbers, e-mail addresses).

    >>> scrub_personal_data("Samordningsansvarig: Futurum Kontakt: Anna A, 036-32 42 01")
    ('Samordningsansvarig: Futurum', True)
    """
    cleaned = _CONTACT.sub("", text)
    cleaned = _EMAIL.sub("", _PHONE.sub("", cleaned))
    cleaned = re.sub(r"\s{2,}", " ", cleaned).strip()
    return cleaned, cleaned != text.strip()


def split_roles(cell: str) -> list[RoleSegment]:
    """The role segments of a participants cell.

    >>> [(s.role, s.text) for s in split_roles(
    ...     "Samordningsansvarig: Futurum Samverkansparter: Kommunal utveckling")]
    [('coordinator', 'Futurum'), ('partner', 'Kommunal utveckling')]
    >>> [(s.role, s.text) for s in split_roles("Arbetsförmedlingen är samordningsansvarig.")]
    [('coordinator', 'Arbetsförmedlingen')]
    """
    chunks: list[tuple[Role | None, str]] = []
    position = 0
    current: Role | None = None
    for match in _LABEL.finditer(cell):
        chunks.append((current, cell[position:match.start()]))
        current = _ROLE_WORDS[match["word"].lower()]  # type: ignore[assignment]
        position = match.end()
    chunks.append((current, cell[position:]))
    segments: list[RoleSegment] = []
    for role, text in chunks:
        if not text.strip():
            continue
        for sentence in _sentences(text):
            stated = _IS_ROLE.match(sentence.strip())
            if stated:
                stated_role: Role = _ROLE_WORDS[stated["word"].lower()]  # type: ignore[assignment]
                for part in ("who", "with1", "with2"):
                    if stated[part]:
                        segments.append(RoleSegment(stated_role, _clean(stated[part]), True))
            elif _clean(sentence):
                segments.append(RoleSegment(role or "coordinator", _clean(sentence),
                                            role is not None))
    return segments


def _sentences(text: str) -> list[str]:
    parts = _SENTENCE_END.split(text.strip())
    # Only split where a sentence states a role ("X är samordningsansvarig."); elsewhere a
    # full stop may sit inside a list of names.
    if len(parts) > 1 and any(_IS_ROLE.match(p.strip()) for p in parts):
        return parts
    return [text]


def _clean(text: str) -> str:
    text = _TRAILING.sub("", text.strip())
    # "Projektgrupp med olika länsaktörer är": the rest of "är samverkanspart" was lost.
    return _DANGLING_VERB.sub("", text)


def extract_mentions(cell: str, registry: OrganisationRegistry, county: str | None,
                     role: Role | None = None) -> list[Mention]:
    """The participants a cell names, in order, each resolved.

    With ``role`` the whole cell is one segment of that role (a spreadsheet column);
    otherwise the cell's own labels decide.
    """
    segments = ([RoleSegment(role, _clean(cell), True)] if role is not None
                else split_roles(cell))
    mentions: list[Mention] = []
    for segment in segments:
        mentions.extend(_segment_mentions(segment, registry, county))
    return mentions


def _segment_mentions(segment: RoleSegment, registry: OrganisationRegistry,
                      county: str | None) -> list[Mention]:
    text = segment.text
    tokens = _tokens(text)
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        resolved = None
        for j in range(len(tokens) - 1, i - 1, -1):
            span = text[tokens[i][0]:tokens[j][1]]
            result = registry.resolve_exactly(span, county)
            if result.status == "resolved":
                resolved = (j, result)
                break
        if resolved is None:
            span = text[tokens[i][0]:tokens[i][1]]
            guess = _elliptical(span, tokens, i, text, registry, county)
            found.append(Mention(segment.role, span, guess or registry.resolve(span, county)))
            i += 1
            continue
        j, result = resolved
        found.append(Mention(segment.role, result.mention, result))
        i = j + 1
    return _drop_list_qualifiers(found, registry)


def _tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of the pieces between separators, ignoring separators in parentheses."""
    spans: list[tuple[int, int]] = []
    start = 0
    depth_at = _paren_depths(text) if "(" in text else None
    for match in _SEPARATOR.finditer(text):
        if depth_at is not None and depth_at[match.start()] > 0:
            continue
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _paren_depths(text: str) -> list[int]:
    depths: list[int] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        depths.append(depth)
        if char == ")":
            depth = max(0, depth - 1)
    return depths


def _elliptical(span: str, tokens: list[tuple[int, int]], i: int, text: str,
                registry: OrganisationRegistry, county: str | None) -> Resolution | None:
    """"den privata samt ideella sektorn": the first name borrows the last word of the next
    ("den privata [sektorn]")."""
    if i + 1 >= len(tokens):
        return None
    following = text[tokens[i + 1][0]:tokens[i + 1][1]].split()
    if len(following) < 2:
        return None
    result = registry.resolve_exactly(f"{span} {following[-1]}", county)
    if result.status != "resolved":
        return None
    return Resolution(span, "resolved", result.agent, "elliptical")


def _drop_list_qualifiers(found: list[Mention], registry: OrganisationRegistry) -> list[Mention]:
    """"Sektion Folkhälsa och Futurum, Region Jönköpings län": a parent written after a list of
    its units qualifies the whole list, so it belongs to no single mention."""
    result: list[Mention] = []
    for index, mention in enumerate(found):
        res = mention.resolution
        previous = found[index - 1] if index else None
        if (res.method == "unit-with-parent" and res.unit_text and previous is not None
                and previous.agent and previous.resolution.qualifier is None
                and res.parent in registry.ancestors(previous.agent)):
            mention = Mention(mention.role, res.unit_text,
                              Resolution(res.unit_text, "resolved", res.agent, "list-with-parent"))
        result.append(mention)
    return result

