"""Plans written as headings, bullets and prose rather than tables, and the participants their
running text names.

Two layouts are read:

- **themes** (Region Kalmar län 2023): a title, then per theme a heading, a "Planskrivning"
  section (the plan statements: objectives) and an "Aktivitet" section whose bullets and
  paragraphs are the activities. A sentence about the previous activity that states a role
  ("Styrgrupp för projektet är …", "… finansierar …") describes that activity instead of
  being one.
- **titles** (Region Jönköpings län 2016–2017 web page): the publisher's name, the area's
  title, "En del av strategin: …", the goals of "handlingsplan 2016-2017" as bullets, then
  under "Aktivitet och uppföljning" each activity as a bulleted title with its description
  on the next line. Reading stops at "Kontakt": contact persons never enter the graph.

Neither layout has a column of participants, so the participants are the organisations of
the registry that the text names, with rules for what is not a participant (see
``prose_mentions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from planegraf.errors import InputError
from planegraf.i18n import Message
from planegraf.ingest.cells import Mention, Role
from planegraf.ingest.model import ActivityRow, AreaHeading, Note, Objective, PlanSource
from planegraf.ingest.resolver import OrganisationRegistry

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+(\S.*)$")
_MARKUP = re.compile(r"</?(?:p|i|b|em|strong|u|span|br|div)\b[^>]*>|\*{1,2}", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_OBJECTIVES = {"planskrivning", "planskrivningar"}
_ACTIVITIES = {"aktivitet", "aktiviteter"}
_TITLES_START = {"aktivitet och uppföljning", "aktiviteter och uppföljning"}
_STRATEGY_LINE = re.compile(r"^En del av strategin\s*:\s*(\S.*)$", re.IGNORECASE)
_PLAN_YEARS = re.compile(r"handlingsplan\w*\s+(\d{4})\s*[-–]\s*(\d{4})", re.IGNORECASE)
_UPDATED = re.compile(r"^Uppdaterad\s*:?\s*(\d{4}-\d{2}-\d{2})\s*$", re.IGNORECASE)
_STOP = re.compile(r"^(?:Kontakt(?:person(?:er)?|a oss|uppgifter)?|Uppdaterad)\b\s*:?",
                   re.IGNORECASE)
_URL = re.compile(r"^(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")
# A sentence about the activity before it that states who steers or funds it.
_STEERING = re.compile(r"^Styrgrupp(?:en)?\b", re.IGNORECASE)
_FUNDER = re.compile(r"\bfinansiera[rt]\b", re.IGNORECASE)
_MONTHS = ("januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|"
           "december|våren|hösten|sommaren|vintern|vårterminen|höstterminen")
# When the activity is to be done or takes place, in the source's words: "klart augusti
# 2023" (→ "augusti 2023"), "under år 2023", "i slutet av år 2023", "under våren 2023".
# A year alone ("nikotinfritt län 2025", "ANDTS-strategi 2023–2026") is no timing.
_DEADLINE = re.compile(
    rf"\bklar[t]?\s+((?:i\s+)?(?:{_MONTHS})\s+\d{{4}})(?![\d–-])"
    rf"|\b((?:under|i slutet av|i början av|i)\s+(?:år|{_MONTHS})\s+\d{{4}})(?![\d–-])",
    re.IGNORECASE)
_WORD = re.compile(r"[\wÅÄÖåäöÉéÜü]+(?:[-–+][\wÅÄÖåäöÉéÜü]*)*")
_MAX_WORDS = 8
# Parties that will join later are not current participants ("Överenskommelsen ska utökas
# med fler intressenter som Kommunförbund och Länsstyrelse").
_FUTURE = re.compile(r"\b(?:ska|skall|kommer att|planeras)\s+(?:\w+\s+)?(?:utökas|utvidgas|"
                     r"breddas|kompletteras)\b", re.IGNORECASE)
# Earlier work by someone is a source, not a participation ("Förstudie genomförd av X").
_PAST_WORK = re.compile(r"\b(?:genomförd|genomfört|gjord|gjort|framtagen|framtaget)\s+av\s+$",
                        re.IGNORECASE)
# Where the work happens is a place, not a participant ("Hälsolotssatsningen i Högsby").
_PLACE = re.compile(r"\b(?:i|inom)\s+(?:flera|alla|några|många|olika|vissa)?\s*$",
                    re.IGNORECASE)
# A genitive names something of the organisation, not its taking part ("genom LRF:s satsning").
_GENITIVE = re.compile(r"^(?::s|'s|’s)\b")
# Who decides or runs it: "Beslut … tas i X", "X driver …".
_DECIDES = re.compile(r"\bBeslut\b.*\btas\s+(?:i|av)\s+$", re.IGNORECASE)
_RUNS = re.compile(r"^\s+(?:driver|leder|ansvarar|samordnar)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Block:
    kind: str  # "heading", "bullet" or "para"
    text: str
    line: int
    end_line: int
    level: int = 0


def _clean(text: str) -> str:
    return _SPACES.sub(" ", _MARKUP.sub("", text)).strip()


def _blocks(lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    para: list[tuple[int, str]] = []

    def flush() -> None:
        if para:
            text = _clean(" ".join(t for _, t in para))
            if text:
                blocks.append(_Block("para", text, para[0][0], para[-1][0]))
            para.clear()

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if heading := _HEADING.match(stripped):
            flush()
            if text := _clean(heading[2]):
                blocks.append(_Block("heading", text, number, number, len(heading[1])))
            continue
        if bullet := _BULLET.match(line):
            flush()
            blocks.append(_Block("bullet", _clean(bullet[1]), number, number))
            continue
        para.append((number, stripped))
    flush()
    return blocks


def _section(block: _Block) -> str | None:
    name = block.text.casefold().rstrip(":").strip()
    if block.kind == "bullet":
        return None
    if name in _OBJECTIVES:
        return "objectives"
    if name in _ACTIVITIES:
        return "activities"
    return None


def detect_layout(text: str) -> str | None:
    """``"themes"``, ``"titles"`` or ``None`` (not a prose layout planegraf knows).

    >>> detect_layout("# Plan\\n\\n# Tema\\n\\n## Planskrivning\\n\\nX ska göras.\\n")
    'themes'
    """
    for line in text.split("\n"):
        stripped = _clean(line.strip().lstrip("#")).casefold().rstrip(":")
        if stripped in _TITLES_START:
            return "titles"
        if stripped in _OBJECTIVES:
            return "themes"
    return None


def parse_prose_document(text: str, file_name: str, path: Path | str) -> PlanSource | None:
    """Parse a plan written in one of the prose layouts, or ``None`` if it is in neither."""
    layout = detect_layout(text)
    lines = text.split("\n")
    if layout == "themes":
        return _Themes(file_name, path).parse(_blocks(lines))
    if layout == "titles":
        return _titles(lines, file_name, path)
    return None


def _split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s]


def _drop_lead_in(text: str) -> str:
    """"X antogs i januari 2023. Utifrån handlingsplanen sker bland annat:" introduces the
    bullets after it; the activity is the sentence before."""
    if not text.endswith(":"):
        return text
    sentences = _split_sentences(text)
    if len(sentences) > 1:
        return " ".join(sentences[:-1])
    return text.rstrip(":").strip()


def _role_statement(text: str) -> Role | None:
    if _STEERING.match(text):
        return "steering-group"
    if _FUNDER.search(text):
        return "funder"
    return None


def deadline_of(text: str) -> str | None:
    """The stated deadline in an activity's words, if any.

    >>> deadline_of("Tillhandahålla diplomering via Kompetensportalen, klart augusti 2023")
    'augusti 2023'
    >>> deadline_of("Beslut tas i Läns-gemensam ledning i slutet av år 2023")
    'i slutet av år 2023'
    >>> deadline_of("Tobaks- och nikotinfritt län 2025") is None
    True
    """
    match = _DEADLINE.search(text)
    return (match[1] or match[2]) if match else None


class _Themes:
    def __init__(self, file_name: str, path: Path | str) -> None:
        self.path = path
        self.source = PlanSource(file_name=file_name, locator="line", layout="themes")
        self.intro: list[str] = []

    def parse(self, blocks: list[_Block]) -> PlanSource:
        source = self.source
        area: AreaHeading | None = None
        section: str | None = None
        current: ActivityRow | None = None
        for index, block in enumerate(blocks):
            kind = _section(block)
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            then = _section(following) if following is not None else None
            # A heading opens a theme when a section follows it; in plain text (no "#") a
            # short paragraph does when "Planskrivning" follows it.
            opens_theme = then is not None and (block.kind == "heading"
                                                or (then == "objectives"
                                                    and len(block.text) <= 120))
            if kind is not None:
                if area is None:
                    raise InputError(self.path, Message("doc_before_theme", text=f"'{block.text}'"),
                                     line=block.line, hint=Message("doc_before_theme_hint"))
                section, current = kind, None
                continue
            if block.kind == "heading" or (block.kind == "para" and opens_theme
                                           and source.title is not None):
                if source.title is None:
                    source.title = block.text
                elif opens_theme:
                    number = len(source.areas) + 1
                    area = AreaHeading(number, block.text, None, block.line)
                    source.areas[number] = area
                else:
                    area = None  # a section that is no theme ("Slutsats och fortsatt arbete")
                section, current = None, None
                continue
            if source.title is None:
                source.title = block.text
                continue
            if area is None or section is None:
                if not source.areas:
                    self.intro.append(block.text)
                continue
            if section == "objectives":
                count = sum(1 for o in source.objectives if o.area == area.number)
                source.objectives.append(Objective(area.number, count + 1, block.text,
                                                   block.line))
                continue
            role = _role_statement(block.text)
            if role is not None and current is not None:
                current.statements.append((role, block.text))
                current.description = (f"{current.description} {block.text}"
                                       if current.description else block.text)
                current.end_line = block.end_line
                source.notes.append(Note(
                    block.line,
                    f"Rad {block.line} beskriver aktivitet {current.area}.{current.row} "
                    "(anger en roll) och blev ingen egen aktivitet.",
                    f"Line {block.line} describes activity {current.area}.{current.row} "
                    "(it states a role) and did not become an activity of its own."))
                continue
            label = _drop_lead_in(block.text)
            count = sum(1 for r in source.rows if r.area == area.number)
            current = ActivityRow(
                area=area.number, table=None, row=count + 1, activity=label, follow_up="",
                participants=label, line=block.line, end_line=block.end_line, prose=True,
                deadline=deadline_of(label))
            source.rows.append(current)
        if not source.rows:
            raise InputError(self.path, Message("doc_no_theme_activities"),
                             hint=Message("doc_no_theme_activities_hint"))
        source.intro = " ".join(self.intro)
        return source


def _titles(lines: list[str], file_name: str, path: Path | str) -> PlanSource:
    source = PlanSource(file_name=file_name, locator="line", layout="titles")
    texts = [(n, _clean(line)) for n, line in enumerate(lines, start=1)]
    nonblank = [(n, t) for n, t in texts if t]
    strategy_at = next((i for i, (_, t) in enumerate(nonblank) if _STRATEGY_LINE.match(t)), None)
    if strategy_at is not None and strategy_at >= 1:
        source.title = nonblank[strategy_at - 1][1]
        match = _STRATEGY_LINE.match(nonblank[strategy_at][1])
        assert match is not None
        source.strategy_hint = match[1]
        before = [t for _, t in nonblank[:strategy_at - 1] if not _URL.match(t)]
        if before:
            source.publisher_mention = before[0]
    elif nonblank:
        source.title = nonblank[0][1]
    title_line = next((n for n, t in nonblank if t == source.title), 1)
    # The page's date is kept; the contact persons around it are not read.
    source.modified = next((m[1] for _, t in nonblank if (m := _UPDATED.match(t))), None)
    area = AreaHeading(1, source.title or "", None, title_line)
    source.areas[1] = area
    in_goals = in_activities = False
    current: ActivityRow | None = None
    for number, line in enumerate(lines, start=1):
        text = _clean(line)
        if not text:
            continue
        if _STOP.match(text):
            break  # contact persons and their numbers follow: never read
        if in_activities:
            bullet = _BULLET.match(line)
            if bullet:
                current = ActivityRow(
                    area=1, table=None, row=len(source.rows) + 1, activity=_clean(bullet[1]),
                    follow_up="", participants=_clean(bullet[1]), line=number,
                    end_line=number, prose=True)
                current.deadline = deadline_of(current.activity)
                source.rows.append(current)
            elif current is not None:
                current.description = (f"{current.description} {text}"
                                       if current.description else text)
                current.participants = f"{current.participants}. {text}"
                current.end_line = number
            continue
        if text.casefold().rstrip(":") in _TITLES_START:
            in_goals, in_activities = False, True
            continue
        if years := _PLAN_YEARS.search(text):
            source.start_year, source.end_year = int(years[1]), int(years[2])
            in_goals = True
            continue
        if in_goals and (bullet := _BULLET.match(line)):
            count = len(source.objectives)
            source.objectives.append(Objective(1, count + 1, _clean(bullet[1]), number))
    if not source.rows:
        raise InputError(path, Message("doc_no_listed_activities"),
                         hint=Message("doc_no_listed_activities_hint"))
    return source


def prose_mentions(text: str, registry: OrganisationRegistry, county: str | None,
                   role: Role | None = None) -> tuple[list[Mention], list[tuple[str, str]]]:
    """The organisations of the registry that running text names, and what was passed over.

    Longest names first, word by word. Not participants: a name after "i"/"inom" (a place:
    "Hälsolotssatsningen i Högsby"), parties that will join later ("ska utökas med …"), and
    authors of earlier work ("Förstudie genomförd av …"), and a genitive ("LRF:s satsning").
    A name that decides or runs the
    activity ("Beslut … tas i X", "X driver …") is its coordinator; any other is a partner,
    unless ``role`` is given. Returns the mentions and ``(text, reason)`` pairs of the names
    passed over, reason one of ``place``, ``future``, ``earlier``, ``genitive``.
    """
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    found: list[Mention] = []
    skipped: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        hit = None
        for j in range(min(len(words), i + _MAX_WORDS) - 1, i - 1, -1):
            span = text[words[i][0]:words[j][1]]
            result = registry.resolve_exactly(span, county)
            if result.status == "resolved":
                hit = (j, span, result)
                break
        if hit is None:
            i += 1
            continue
        j, span, result = hit
        start, end = words[i][0], words[j][1]
        if span.count("(") > span.count(")") and (close := text.find(")", end)) >= 0:
            end = close + 1  # "SPES (Riksförbundet för … efterlevandestöd)": the whole name
            span = text[start:end]
        stop = text.rfind(". ", 0, start)
        before = text[stop + 2 if stop >= 0 else 0:start]
        sentence = text.strip()
        if _FUTURE.search(before):
            skipped.append((span, "future"))
        elif role is None and _DECIDES.search(before):
            found.append(Mention("coordinator", span, result, context=sentence))
        elif _PAST_WORK.search(before):
            skipped.append((span, "earlier"))
        elif _PLACE.search(before):
            skipped.append((span, "place"))
        elif _GENITIVE.match(text[end:]):
            skipped.append((span, "genitive"))
        elif role is None and not before.strip() and _RUNS.match(text[end:]):
            found.append(Mention("coordinator", span, result, context=sentence))
        else:
            found.append(Mention(role or "partner", span, result, context=sentence))
        i = j + 1
    return found, skipped
