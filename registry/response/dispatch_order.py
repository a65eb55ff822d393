"""The dispatch order (调拨单) as a Word document, printable and signed on paper: number,
event, date, one table row per line (item, from, to, quantity, unit), a signatures line,
and a demo label when the event is a demonstration."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from registry.kernel import i18n
from registry.kernel.clock import local
from registry.response.dispatch_queries import DispatchView

WESTERN_FONT, BODY_FONT, TITLE_FONT = "Times New Roman", "仿宋_GB2312", "方正小标宋简体"


def _fonts(element: Any, east_asian: str) -> None:
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:ascii"), WESTERN_FONT)
    fonts.set(qn("w:hAnsi"), WESTERN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


def _write(
    paragraph: Paragraph, text: str, *, size: float = 14, bold: bool = False, font: str = BODY_FONT
) -> None:
    run = paragraph.add_run(ILLEGAL_CHARACTERS_RE.sub("", text))  # XML refuses control chars
    _fonts(run._r, font)
    run.font.size, run.bold = Pt(size), bold


def filename(order: DispatchView) -> str:
    return f"{order.number or 'draft'}.docx"


def document(order: DispatchView, language: str = i18n.DEFAULT_LANGUAGE) -> bytes:
    """The order as .docx bytes, in ``language`` (Chinese for the official copy)."""

    def t(key: str, **values: object) -> str:
        return i18n.translate(key, language, **values)

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    if order.is_demo:
        _write(doc.add_paragraph(), t("dispatch.doc.demo"), size=10.5, bold=True)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _write(title, t("dispatch.doc.title"), size=22, font=TITLE_FONT)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _write(number, order.number or t("dispatch.doc.draft"))
    when = local(order.issued_at or order.created_at)
    _write(doc.add_paragraph(), t("dispatch.doc.event", title=order.event_title))
    _write(doc.add_paragraph(), t("dispatch.doc.date", date=when.strftime("%Y-%m-%d %H:%M")))
    headers = ["item", "from", "to", "quantity", "unit"]
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, key in zip(table.rows[0].cells, headers, strict=True):
        _write(cell.paragraphs[0], t(f"dispatch.doc.col.{key}"), size=12, bold=True)
    for line in order.lines:
        values = [line.item, line.from_depot, line.to_depot, str(line.quantity), line.unit]
        for cell, value in zip(table.add_row().cells, values, strict=True):
            _write(cell.paragraphs[0], value, size=12)
    doc.add_paragraph()
    _write(doc.add_paragraph(), t("dispatch.doc.signatures"))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
