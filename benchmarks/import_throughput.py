"""Import throughput: read + parse + resolve + RDF on synthetic plan documents.

The plan is generated (fixed seed) from real registry names and spelling variants, with the
artefacts of the real sources (units with their parent, lists, unlabelled coordinators,
page-break continuations), then written as

- extracted text (``--format txt``, 10 000 rows; target ≥ 2 000 rows/s),
- a Word file with one 10 000-row table per action area (``--format docx``; ≥ 2 000 rows/s),
- a 200-page PDF whose ruled tables run over the pages and repeat their header
  (``--format pdf``, rendered with reportlab; ≥ 200 rows/s).

Rendering is not timed. The machine is shared, so CPU time is reported beside wall time.

    .venv/bin/python benchmarks/import_throughput.py [--format txt|docx|pdf] [--rows 10000]
        [--pages 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from planegraf.ingest import ImportSettings, import_document
from planegraf.ingest.resolver import OrganisationRegistry
from planegraf.pipeline import open_store

TARGET_ROWS_PER_SECOND = {"txt": 2000, "docx": 2000, "pdf": 200}
TABLE_HEADER = ("Aktivitet", "Uppföljning", "Samordningsansvarig och samverkansparter")
TITLE = ("Handlingsplan 2018-2020 till strategin Tillsammans för jämlik hälsa och ett bra liv "
         "i Jönköpings län, RJL 2017/3229")
HEADER = ("Handlingsplan 2018-2020 till strategin *Tillsammans för jämlik hälsa och ett bra liv "
          "i Jönköpings län*, RJL 2017/3229\n\n")


def synthetic_rows(rows: int, registry: OrganisationRegistry, seed: int = 2018
                   ) -> list[tuple[int, str, str, str, bool]]:
    """(area, activity, follow-up, participants, continued after a page break) per row."""
    rng = random.Random(seed)
    jonkoping = "https://w3id.org/planegraf/id/place/jonkopings-lan"
    names = sorted(
        name for iri, labels in registry.labels.items()
        if registry.agents[iri].place in (jonkoping, None,
                                          "https://w3id.org/planegraf/id/place/sverige")
        for name, lang in labels if lang == "sv"
    )
    units = sorted(registry.labels[i][0][0] for i, a in registry.agents.items()
                   if "https://w3id.org/planegraf/id/org/region-jonkopings-lan" in a.parents)

    def names_list(count: int) -> str:
        picked = rng.sample(names, count)
        return ", ".join(picked[:-1]) + (" och " if count > 1 else "") + picked[-1]

    def cell() -> str:
        form = rng.random()
        if form < 0.4:
            return (f"Samordningsansvarig: {rng.choice(units)}, Region Jönköpings län "
                    f"Samverkansparter: {names_list(rng.randint(1, 4))}")
        if form < 0.6:
            return (f"Samordningsansvarig: {names_list(2)}, Region Jönköpings län "
                    f"Samverkanspartner: {names_list(rng.randint(1, 3))}")
        if form < 0.8:
            return f"{rng.choice(names)} är samordningsansvarig. Samverkanspart: {names_list(2)}"
        return f"Samordningsansvarig: {rng.choice(names).lower()}"

    out: list[tuple[int, str, str, str, bool]] = []
    per_area = -(-rows // 9)
    for area in range(1, 10):
        for number in range(min(per_area, rows - len(out))):
            activity = f"Aktivitet {area}.{number + 1} för jämlik hälsa i länet"
            out.append((area, activity, "Antal genomförda insatser", cell(),
                        rng.random() < 0.05))
    return out


def synthetic_document(rows: int, registry: OrganisationRegistry, seed: int = 2018) -> str:
    """The plan as extracted text, a row in 20 continued after a page break."""
    out = [HEADER]
    area_open = 0
    for area, activity, follow_up, cell, broken in synthetic_rows(rows, registry, seed):
        if area != area_open:
            out.append(("\n" if area_open else "")
                       + f"Handlingsområde {area}: Område {area}\n\nTabell {area} Aktiviteter"
                       "\n\nAktivitet\tUppföljning\tSamordningsansvarig och samverkansparter\n")
            area_open = area
        if broken:
            out.append(f"{activity} som fortsätter\tUppföljning\t{cell}\n\n"
                       "på nästa sida.\t\tSamverkansparter: länets kommuner\n")
        else:
            out.append(f"{activity}.\t{follow_up}\t{cell}\n")
    return "".join(out) + "\n"


def write_docx(path: Path, rows: int, registry: OrganisationRegistry) -> None:
    """A Word plan: a heading and a ruled table per action area. The rows are copied at the
    XML level (python-docx's add_row is quadratic in a 10 000-row table)."""
    import docx

    document = docx.Document()
    document.add_heading(TITLE, level=1)
    tables: dict[int, object] = {}
    templates: dict[int, object] = {}
    for area, activity, follow_up, cell, _ in synthetic_rows(rows, registry):
        if area not in tables:
            document.add_heading(f"Handlingsområde {area}: Område {area}", level=2)
            document.add_paragraph(f"Tabell {area} Aktiviteter")
            table = document.add_table(rows=2, cols=3)
            table.style = "Table Grid"
            for target, text in zip(table.rows[0].cells, TABLE_HEADER, strict=True):
                target.text = text
            template = table.rows[1]._tr
            tables[area], templates[area] = table._tbl, template
            template.getparent().remove(template)
        tr = copy.deepcopy(templates[area])
        for tc, text in zip(tr.iter(docx.oxml.ns.qn("w:tc")), (activity, follow_up, cell),
                            strict=True):
            paragraph = tc.find(docx.oxml.ns.qn("w:p"))
            run = paragraph.makeelement(docx.oxml.ns.qn("w:r"), {})
            text_element = run.makeelement(docx.oxml.ns.qn("w:t"), {})
            text_element.text = text
            run.append(text_element)
            paragraph.append(run)
        tables[area].append(tr)  # type: ignore[attr-defined]
    document.save(str(path))


def write_pdf(path: Path, pages: int, registry: OrganisationRegistry) -> int:
    """A PDF plan of about ``pages`` pages; returns its rows. The row count is calibrated on
    a short render so that the tables fill the pages asked for."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.plan_documents import Block, Heading, Para, Table, render_pdf

    def blocks(rows: int) -> list[Block]:
        out: list[Block] = [Heading(TITLE)]
        by_area: dict[int, list[tuple[str, str, str]]] = {}
        for area, activity, follow_up, cell, _ in synthetic_rows(rows, registry):
            by_area.setdefault(area, []).append((activity, follow_up, cell))
        for area, table in by_area.items():
            out += [Heading(f"Handlingsområde {area}: Område {area}"),
                    Para(f"Tabell {area} Aktiviteter"), Table(TABLE_HEADER, table)]
        return out

    import pypdfium2 as pdfium

    def page_count() -> int:
        document = pdfium.PdfDocument(str(path))
        try:
            return len(document)
        finally:
            document.close()

    rows = 450
    for _ in range(3):  # a short render, then refine: headings and wrapping vary the density
        render_pdf(blocks(rows), path)
        rendered = page_count()
        if abs(rendered - pages) <= pages // 100:
            break
        rows = round(rows * pages / rendered)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--format", choices=("txt", "docx", "pdf"), default="txt")
    parser.add_argument("--rows", type=int, default=10_000, help="rows (txt, docx)")
    parser.add_argument("--pages", type=int, default=200, help="pages (pdf)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    store = open_store()
    registry = OrganisationRegistry.from_store(store)
    target = TARGET_ROWS_PER_SECOND[args.format]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"synthetic-plan.{args.format}"
        if args.format == "txt":
            path.write_text(synthetic_document(args.rows, registry), encoding="utf-8")
        elif args.format == "docx":
            write_docx(path, args.rows, registry)
        else:
            write_pdf(path, args.pages, registry)
            import pypdfium2 as pdfium

            document = pdfium.PdfDocument(str(path))
            print(f"pages: {len(document)}")
            document.close()
        settings = ImportSettings(plan_key="synthetic")
        timings, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = import_document(path, settings, store=store)  # fresh resolver each run
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    median = statistics.median(timings)
    # On a shared machine wall time includes other people's work; CPU time does not.
    cpu_rate = len(result.rows) / statistics.median(cpu)
    mentions = sum(len(r.mentions) for r in result.rows)
    rate = len(result.rows) / median
    print(f"rows: {len(result.rows)}, mentions: {mentions}, "
          f"unresolved or guessed: {len(result.unresolved)}")
    print(f"{args.format}: median of {args.runs} runs: {median:.2f} s → {rate:,.0f} rows/s "
          f"(target ≥ {target} rows/s: {'met' if rate >= target else 'NOT met'}); "
          f"by CPU time {cpu_rate:,.0f} rows/s "
          f"({'met' if cpu_rate >= target else 'NOT met'})")


if __name__ == "__main__":
    main()
