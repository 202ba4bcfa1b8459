"""The import report: every row read, every mention and what it resolved to, and what could
not be resolved (with candidates), as Markdown in Swedish or English and as JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planegraf import i18n
from planegraf.ingest.model import ActivityRow
from planegraf.render.escape import markdown

if TYPE_CHECKING:
    from planegraf.ingest import ImportResult

# The report's words live in the one text catalogue (templates/strings.json, "import_" keys).
_TEXT = {key: (sv, i18n.section("import", "en")[key])
         for key, sv in i18n.section("import", "sv").items()}


markdown_text = markdown  # the one Markdown escaping (planegraf.render.escape)


def _t(key: str, lang: str) -> str:
    sv, en = _TEXT[key]
    return sv if lang == "sv" else en


def _status(status: str, lang: str) -> str:
    return _t(status, lang)


def where(row: ActivityRow, locator: str, lang: str) -> str:
    """Where a row is in its document: lines, pages, a paragraph, or a table row.

    >>> from .model import ActivityRow
    >>> where(ActivityRow(1, 2, 3, "", "", "", 4, 4, page=1, end_page=2), "page", "en")
    'pages 1–2'
    """
    if locator == "page" and row.page is not None:
        if row.end_page is None or row.end_page == row.page:
            return f"{_t('page', lang)} {row.page}"
        return f"{_t('pages', lang)} {row.page}–{row.end_page}"
    if locator == "paragraph":
        if row.paragraph is not None:
            return f"{_t('paragraph', lang)} {row.paragraph}"
        return f"{_t('table', lang)} {row.table} {_t('row', lang)} {row.row}"
    lines = f"{row.line}" if row.line == row.end_line else f"{row.line}–{row.end_line}"
    return f"{_t('lines', lang)} {lines}"


def checks(result: ImportResult, lang: str) -> list[str]:
    """What the checks at import found: activity periods outside the plan's, and activities
    whose only coordinator was guessed (they will not validate)."""
    found = [note.text(lang) for note in result.source.checks]
    for row_result in result.rows:
        coordinators = [m for m in row_result.mentions if m.role == "coordinator"]
        if coordinators and all(m.resolution.status != "resolved" for m in coordinators) \
                and any(m.resolution.status == "guessed" for m in coordinators):
            row = row_result.row
            found.append(_t("guessed_only", lang).format(
                key=f"{row.area}.{row.row}", where=where(row, result.source.locator, lang),
                text="», «".join(m.text for m in coordinators)))
    return found


def report_markdown(result: ImportResult, lang: str = "sv", sheet: str | None = None) -> str:
    """The report for people, in Markdown.

    ``sheet`` is the decision sheet written beside it (in a project): what to do about an
    open mention is then to fill that sheet in, not to write Turtle.
    """
    source, context = result.source, result.context
    mentions = [m for r in result.rows for m in r.mentions]
    counts = {s: sum(1 for m in mentions if m.resolution.status == s)
              for s in ("resolved", "guessed", "unresolved")}
    participations = sum(len(r.participations()) for r in result.rows)
    md = markdown_text
    inferred = sum(1 for r in result.rows for m in r.participations() if not m.stated)
    found_checks = checks(result, lang)
    out: list[str] = [f"# {_t('title', lang)}: {md(source.file_name)}", ""]
    out += [
        f"- {_t('file', lang)}: {md(source.file_name)}",
        f"- {_t('encoding', lang)}: {md(source.encoding)}",
        f"- {_t('plan', lang)}: {md(context.plan_key)}",
        f"- {_t('strategy', lang)}: <{context.strategy}>",
        f"- {_t('county', lang)}: {md(context.county or '–')}",
        "",
        f"## {_t('summary', lang)}",
        "",
        f"- {len(source.rows)} {_t('rows', lang)}, {len(source.rejected)} {_t('rejected', lang)}",
        f"- {len(mentions)} {_t('mentions', lang)}: {counts['resolved']} {_t('resolved', lang)}, "
        f"{counts['guessed']} {_t('guessed', lang)}, {counts['unresolved']} "
        f"{_t('unresolved', lang)}",
        f"- {participations} {_t('participations', lang)}",
        f"- {inferred} {_t('inferred_count', lang)}",
        "",
        f"## {_t('checks', lang)}",
        "",
        *([f"- {finding}" for finding in found_checks] or [_t("none_checks", lang)]),
        "",
        f"## {_t('open', lang)}",
        "",
    ]
    open_mentions = [(r, m) for r in result.rows for m in r.mentions
                     if m.resolution.status != "resolved"]
    if not open_mentions:
        out.append(_t("none_open", lang))
    else:
        out += [_t("open_hint", lang) if sheet is None
                else _t("open_hint_sheet", lang).format(sheet=md(sheet)), ""]
        for row_result, mention in open_mentions:
            row = row_result.row
            cands = "; ".join(
                f"{md(c.label)} <{c.iri}> ({c.score:g}{', ' + md(c.note) if c.note else ''})"
                for c in mention.resolution.candidates) or _t("no_candidates", lang)
            out.append(f"- {row.area}.{row.row} ({where(row, source.locator, lang)}): "
                       f"{_t(mention.role, lang)} «{md(mention.text)}» — "
                       f"{_status(mention.resolution.status, lang)}; "
                       f"{_t('candidates', lang)}: {cands}")
    if source.rejected:
        out += ["", f"## {_t('rejected_rows', lang)}", ""]
        out += [f"- {md(note.text(lang))}" for note in source.rejected]
    if source.notes:
        out += ["", f"## {_t('notes', lang)}", ""]
        out += [f"- {md(note.text(lang))}" for note in source.notes]
    out += ["", f"## {_t('all_rows', lang)}", ""]
    for row_result in result.rows:
        row = row_result.row
        label = row.activity if len(row.activity) <= 80 else row.activity[:77] + "…"
        out.append(f"- **{row.area}.{row.row}** ({where(row, source.locator, lang)}) {md(label)}")
        kept = row_result.participations()
        if not any(m.role == "coordinator" for m in kept):
            out.append(f"  - ⚠ {_t('no_participants', lang)}")
        if not row.follow_up:
            out.append(f"  - ⚠ {_t('no_follow_up', lang)}" if source.layout == "table"
                       else f"  - {_t('no_follow_up_stated', lang)}")
        if row.deadline:
            out.append(f"  - {_t('deadline', lang)}: {row.deadline}")
        for mention in row_result.mentions:
            res = mention.resolution
            target = (f"{md(result.registry.label_of(res.agent))} <{res.agent}> [{res.method}]"
                      if res.agent else _status(res.status, lang))
            merged = f" ({_t('merged', lang)})" if mention in row_result.merged else ""
            if not mention.stated:
                merged += f" ({_t('inferred', lang)})"
            out.append(f"  - {_t(mention.role, lang)}: «{md(mention.text)}» → {target}{merged}")
    return "\n".join(out) + "\n"


def report_json(result: ImportResult) -> dict[str, Any]:
    """The same report as data."""
    source, context = result.source, result.context
    return {
        "file": source.file_name,
        "encoding": source.encoding,
        "plan": context.plan_key,
        "strategy": context.strategy,
        "county": context.county,
        "complete": result.complete,
        "layout": source.layout,
        "checks": {"sv": checks(result, "sv"), "en": checks(result, "en")},
        "notes": [{"line": n.line, "sv": n.sv, "en": n.en} for n in source.notes],
        "rejected": [{"line": n.line, "sv": n.sv, "en": n.en} for n in source.rejected],
        "rows": [
            {
                "area": r.row.area, "table": r.row.table, "row": r.row.row,
                "line": r.row.line, "end_line": r.row.end_line, "activity": r.row.activity,
                "page": r.row.page, "end_page": r.row.end_page, "paragraph": r.row.paragraph,
                "deadline": r.row.deadline,
                "mentions": [
                    {
                        "role": m.role, "mention": m.text, "status": m.resolution.status,
                        "stated": m.stated,
                        "agent": m.resolution.agent, "method": m.resolution.method,
                        "candidates": [{"iri": c.iri, "label": c.label, "score": c.score,
                                        "note": c.note} for c in m.resolution.candidates],
                    }
                    for m in r.mentions
                ],
            }
            for r in result.rows
        ],
    }
