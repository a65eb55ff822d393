"""The circular as a Word document in the usual official layout (GB/T 9704: A4, 公文
margins and fonts, title, headings, tables)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from registry.readiness.circular.text import (
    DASH,
    CircularText,
    chinese_number,
    number_text,
    period_text,
)

WESTERN_FONT = "Times New Roman"
TITLE_FONT = "方正小标宋简体"  # GB/T 9704: 2号小标宋 title, 3号黑体 headings, 3号仿宋 body
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "宋体"
TITLE_SIZE, BODY_SIZE, TABLE_SIZE, FOOTER_SIZE = Pt(22), Pt(16), Pt(10.5), Pt(14)
BODY_LINE = Pt(28)  # fixed spacing: about 22 lines on an A4 page
TABLE_STYLE = "Circular Table"
LEVEL_FILL = {"red": "FFC7CE", "amber": "FFEB9C", "green": "C6EFCE"}
HEADER_FILL = "D9D9D9"
RANKING_WIDTHS = (1.2, 2.6, 1.6, 1.4, 2.8, 6.0)  # cm, 15.6 in all: A4 less the margins
RECTIFICATION_WIDTHS = (3.0, 4.0, 1.8, 2.2, 1.6, 3.0)
PLAN_WIDTHS = (7.6, 3.0, 5.0)


def _fonts(element: Any, east_asian: str) -> None:  # an oxml element
    """Chinese text in ``east_asian``, Latin letters and digits in Times New Roman."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:ascii"), WESTERN_FONT)
    fonts.set(qn("w:hAnsi"), WESTERN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


def _styles(document: DocxDocument) -> None:
    normal = document.styles["Normal"]
    _fonts(normal.element, BODY_FONT)
    normal.font.size = BODY_SIZE
    spacing = normal.paragraph_format
    spacing.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    spacing.line_spacing = BODY_LINE
    spacing.space_before = spacing.space_after = Pt(0)
    table = document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table.base_style = normal
    _fonts(table.element, TABLE_FONT)
    table.font.size = TABLE_SIZE
    table.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    table.paragraph_format.first_line_indent = Pt(0)


def _page(document: DocxDocument) -> None:
    """A4 portrait with the 公文 margins and a centred ``— 1 —`` page number."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Pt(0)
    _run(footer, f"{DASH} ", TABLE_FONT, size=FOOTER_SIZE)
    for part in ("begin", " PAGE ", "separate", "1", "end"):  # a PAGE field, shown as 1
        run = _run(footer, "", TABLE_FONT, size=FOOTER_SIZE)
        if part.strip() == "PAGE":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = part
            run._r.append(code)
        elif part.isdigit():
            run.text = part
        else:
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), part)
            run._r.append(mark)
    _run(footer, f" {DASH}", TABLE_FONT, size=FOOTER_SIZE)


def _run(
    paragraph: Paragraph,
    text: str,
    east_asian: str,
    *,
    size: Length | None = None,
    bold: bool = False,
) -> Run:
    run = paragraph.add_run(ILLEGAL_CHARACTERS_RE.sub("", text))  # XML refuses control chars
    _fonts(run._r, east_asian)
    if size is not None:
        run.font.size = size
    if bold:
        run.bold = True
    return run


def _paragraph(
    document: DocxDocument,
    text: str,
    *,
    font: str = BODY_FONT,
    size: Length | None = None,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = True,
) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = BODY_SIZE * 2 if indent else Pt(0)
    if align is not None:
        paragraph.alignment = align
    _run(paragraph, text, font, size=size, bold=bold)
    return paragraph


def _shade(cell: _Cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _table(
    document: DocxDocument,
    header: list[str],
    rows: list[list[str]],
    widths: Sequence[float],
    fills: Mapping[tuple[int, int], str | None] | None = None,
) -> Table:
    """A bordered table with a shaded header row that repeats on every page."""
    table: Table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header_row = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_row._tr.get_or_add_trPr().append(repeat)
    for index, values in enumerate([header, *rows]):
        for column, (cell, value) in enumerate(zip(table.rows[index].cells, values, strict=True)):
            cell.width = Cm(widths[column])
            fill = HEADER_FILL if index == 0 else (fills or {}).get((index - 1, column))
            if fill:
                _shade(cell, fill)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = document.styles[TABLE_STYLE]
            paragraph.paragraph_format.first_line_indent = Pt(0)
            if index == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(paragraph, str(value), TABLE_FONT, bold=index == 0)
    return table


def document(text: CircularText, stamp: datetime) -> bytes:
    t = text.t
    document = Document()
    _styles(document)
    _page(document)
    _paragraph(
        document,
        t("circ.title"),
        font=TITLE_FONT,
        size=TITLE_SIZE,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _paragraph(
        document,
        period_text(text.week, text.language),
        font=TABLE_FONT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _paragraph(
        document,
        t("circ.as_of", date=text.date(text.as_of)),
        font=TABLE_FONT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    if text.payload.get("is_demo"):
        _paragraph(
            document, t("circ.demo"), font=TABLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER,
            indent=False,
        )  # fmt: skip

    _paragraph(document, t("circ.heading.summary"), font=HEADING_FONT)
    _paragraph(document, text.summary())

    _paragraph(document, t("circ.heading.ranking"), font=HEADING_FONT)
    header = [t(f"circ.col.{k}") for k in ("rank", "locality", "score", "level", "change")]
    rows = [
        [
            str(row.rank),
            row.name,
            number_text(row.score),
            text.colour(row.colour),
            text.change(row),
            text.problems(row),
        ]
        for row in text.rows
    ]
    fills = {(i, 3): LEVEL_FILL.get(row.colour) for i, row in enumerate(text.rows)}
    _table(document, [*header, t("circ.col.problems")], rows, RANKING_WIDTHS, fills)

    _paragraph(document, t("circ.heading.overdue"), font=HEADING_FONT)
    groups = text.overdue_groups()
    if not groups:
        _paragraph(document, t("circ.overdue.none"))
    for number, (locality_id, rects, plans) in enumerate(groups, start=1):
        _paragraph(
            document,
            t(
                "circ.overdue.heading",
                cn=chinese_number(number),
                n=number,
                locality=text.locality_name(locality_id),
                rect=len(rects),
                plans=len(plans),
            ),
            font=TABLE_FONT,
            bold=True,
        )
        if rects:
            total = text.listed_of(locality_id, len(rects))
            caption = t("circ.overdue.rectifications")
            if total > len(rects):
                caption += t("circ.overdue.truncated", shown=len(rects), total=total)
            _paragraph(document, caption, font=TABLE_FONT, indent=False)
            header = [
                t(f"circ.col.{k}")
                for k in ("target", "problem", "risk", "deadline", "days_overdue", "responsible")
            ]
            _table(
                document,
                header,
                [
                    [
                        r["target"] or DASH,
                        r["description"] or DASH,
                        text.risk(r["risk_level"]),
                        r["deadline"],
                        str(r["days_overdue"]),
                        r["responsible"] or DASH,
                    ]
                    for r in rects
                ],
                RECTIFICATION_WIDTHS,
            )
        if plans:
            _paragraph(document, t("circ.overdue.plans"), font=TABLE_FONT, indent=False)
            header = [t(f"circ.col.{k}") for k in ("plan", "responsible", "overdue_items")]
            _table(
                document,
                header,
                [[p["title"] or DASH, p["owner"] or DASH, text.obligations(p)] for p in plans],
                PLAN_WIDTHS,
            )

    _paragraph(document, t("circ.heading.actions"), font=HEADING_FONT)
    actions = text.actions()
    _paragraph(document, t("circ.actions.intro") if actions else t("circ.actions.none"))
    for number, sentence in enumerate(actions, start=1):
        _paragraph(
            document, t("circ.actions.item", n=number, cn=chinese_number(number), text=sentence)
        )
    if actions:
        _paragraph(document, t("circ.actions.general"))

    _paragraph(document, "", indent=False)
    for line in (t("circ.issuer"), text.date(text.as_of)):
        closing = _paragraph(document, line, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        closing.paragraph_format.right_indent = BODY_SIZE * 2

    props = document.core_properties
    props.title = f"{t('circ.title')} {text.week}"
    props.subject = period_text(text.week, text.language)
    props.author = props.last_modified_by = t("circ.issuer")
    props.comments = props.keywords = props.category = ""
    props.language = t("circ.doc_language")
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
