"""Plan documents rendered by the tests themselves: the same plan as extracted text, as a PDF
(reportlab) and as a Word file (python-docx), so each format can be imported and compared.

A plan is a list of blocks:

- ``Para(text)``, ``Heading(text)``, ``Bullet(text)``;
- ``Table(header, rows, merge_down=…, merge_across=…)``: ``rows`` are 3-tuples; a row whose
  first cell is empty continues the row above (as a row broken across a page is extracted);
  ``merge_down`` holds (row, column) cells merged with the cell below in the Word file
  (the text version repeats the text in both rows), ``merge_across`` rows whose activity
  spans the activity and follow-up columns (the text version leaves the follow-up empty);
- ``PageBreak()`` between two tables: in the PDF the second starts on a new page and repeats
  the header, in the text it continues the table after a blank line, in Word it is the same
  table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Bullet:
    text: str


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Table:
    header: tuple[str, str, str]
    rows: list[tuple[str, str, str]]
    merge_down: list[tuple[int, int]] = field(default_factory=list)
    merge_across: list[int] = field(default_factory=list)


Block = Para | Heading | Bullet | PageBreak | Table


def _cells(table: Table, index: int) -> tuple[str, str, str]:
    activity, follow_up, participants = table.rows[index]
    if index in table.merge_across:
        follow_up = ""
    cells = [activity, follow_up, participants]
    for row, column in table.merge_down:
        if row + 1 == index:
            cells[column] = table.rows[row][column]
    return cells[0], cells[1], cells[2]


def render_text(blocks: list[Block]) -> str:
    """The plan as text extracted from a PDF in the layout planegraf reads."""
    out: list[str] = []
    after_break = False
    for block in blocks:
        if isinstance(block, (Para, Heading)):
            out += [block.text, ""]
        elif isinstance(block, Bullet):
            out.append(f"- {block.text}")
        elif isinstance(block, PageBreak):
            after_break = True
        else:
            if after_break:
                out.append("")  # the page break: the table continues after a blank line
            else:
                out += ["", "\t".join(block.header)]
            out += ["\t".join(_cells(block, i)) for i in range(len(block.rows))]
            out.append("")
            after_break = False
    return "\n".join(out) + "\n"


def render_pdf(blocks: list[Block], path: Path, font_size: float = 9) -> None:
    """The plan as a PDF: headings in a larger font, ruled tables whose header repeats on
    every page they run onto, cells that wrap."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import PageBreak as PdfPageBreak
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as PdfTable

    body = ParagraphStyle("body", fontName="Helvetica", fontSize=font_size,
                          leading=font_size * 1.25)
    heading = ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=font_size * 1.6,
                             leading=font_size * 2, spaceAfter=6)

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped, style)

    story: list[object] = []
    header: tuple[str, str, str] | None = None
    for block in blocks:
        if isinstance(block, Heading):
            story.append(para(block.text, heading))
        elif isinstance(block, Para):
            story += [para(block.text), Spacer(1, font_size)]
        elif isinstance(block, Bullet):
            story.append(para(f"- {block.text}"))
        elif isinstance(block, PageBreak):
            story.append(PdfPageBreak())
        else:
            header = block.header
            data = [[para(c) for c in header]] + [
                [para(c) for c in _cells(block, i)] for i in range(len(block.rows))]
            table = PdfTable(data, colWidths=[7 * cm, 4 * cm, 6 * cm], repeatRows=1)
            table.setStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                            ("VALIGN", (0, 0), (-1, -1), "TOP")])
            story += [Spacer(1, font_size), table, Spacer(1, font_size)]
    document = SimpleDocTemplate(str(path), pagesize=A4, title="Handlingsplan")

    def footer(canvas: object, doc: object) -> None:
        # Page numbers: running text between the parts of a table on two pages.
        canvas.setFont("Helvetica", 8)  # type: ignore[attr-defined]
        canvas.drawString(A4[0] / 2, 1 * cm,  # type: ignore[attr-defined]
                          f"Sida {doc.page}")  # type: ignore[attr-defined]

    document.build(story, onFirstPage=footer, onLaterPages=footer)


def render_docx(blocks: list[Block], path: Path) -> None:
    """The plan as a Word file: heading styles, bulleted lists, tables with merged cells."""
    import docx

    document = docx.Document()
    open_table = None
    for block in blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=1)
        elif isinstance(block, Para):
            document.add_paragraph(block.text)
        elif isinstance(block, Bullet):
            document.add_paragraph(block.text, style="List Bullet")
        elif isinstance(block, PageBreak):
            continue
        else:
            if open_table is None or blocks[blocks.index(block) - 1] != PageBreak():
                open_table = document.add_table(rows=1, cols=3)
                open_table.style = "Table Grid"
                for cell, text in zip(open_table.rows[0].cells, block.header, strict=True):
                    cell.text = text
            first = len(open_table.rows)
            for activity, follow_up, participants in block.rows:
                cells = open_table.add_row().cells
                cells[0].text, cells[1].text, cells[2].text = activity, follow_up, participants
            for index in block.merge_across:
                row = open_table.rows[first + index]
                row.cells[1].text = ""
                row.cells[0].merge(row.cells[1])
            for index, column in block.merge_down:
                below = open_table.cell(first + index + 1, column)
                below.text = ""
                open_table.cell(first + index, column).merge(below)
    document.save(str(path))
