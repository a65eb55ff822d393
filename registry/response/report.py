"""The duty report (值班信息 / 情况快报) of an event as of a chosen time: its first paragraph
as plain text for the page ("截至X时，…已转移群众N人，出动队伍M支K人，调拨物资…"), and the
whole report as a Word document with the situation map embedded, in the 公文 style of the
weekly circular (A4, 仿宋 body, 黑体 headings), so it can be sent on as it is."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.text.paragraph import Paragraph
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import i18n
from registry.kernel.clock import local
from registry.kernel.enums import EventState
from registry.kernel.models import Event
from registry.response import situation_map
from registry.response.situation import LEVEL_CHANGES, Situation, situation
from registry.response.situation_map import translator

WESTERN_FONT = "Times New Roman"
TITLE_FONT, HEADING_FONT, BODY_FONT, TABLE_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312", "宋体"
TITLE_SIZE, BODY_SIZE, TABLE_SIZE = Pt(22), Pt(16), Pt(10.5)
BODY_LINE = Pt(28)
MAP_WIDTH = Cm(25)  # the map's own landscape page: A4 less the margins
EXCERPT = 60  # characters of a broadcast's text in its table row


@dataclass(frozen=True)
class EventChoice:
    id: int
    title: str
    state: EventState
    opened_at: datetime
    closed_at: datetime | None
    is_demo: bool


def event_choices(session: Session) -> list[EventChoice]:
    """Every event for the report page: open ones first, then the newest."""
    events = session.scalars(select(Event).order_by(Event.opened_at.desc(), Event.id.desc()))
    rows = [
        EventChoice(e.id, e.title, e.state, e.opened_at, e.closed_at, e.is_demo) for e in events
    ]
    return sorted(rows, key=lambda r: r.state is not EventState.OPEN)


def time_text(moment: datetime, language: str) -> str:
    """A stored time as a report writes it, in China Standard Time: 2026年7月8日16时30分."""
    shown = local(moment)
    if language == "zh":
        minutes = f"{shown.minute:02d}分" if shown.minute else ""
        return f"{shown.year}年{shown.month}月{shown.day}日{shown.hour}时{minutes}"
    return f"{shown:%H:%M} on {shown.day} {shown:%B %Y}"


def _join(parts: list[str], language: str) -> str:
    return ("、" if language == "zh" else ", ").join(parts)


def materials_text(state: Situation, language: str) -> str:
    t = translator("report.text", language)
    parts = [
        t("material", name=name if language == "zh" else name_en, quantity=total, unit=unit)
        for name, name_en, unit, total in state.materials()
    ]
    return _join(parts, language) if parts else t("no_materials")


def tasks_text(state: Situation, language: str) -> str:
    t = translator("report.text", language)
    parts = [
        t("task_count", status=i18n.label(status, language), n=count)
        for status, count in state.tasks_by_status.items()
    ]
    return t("tasks", n=len(state.tasks), detail=_join(parts, language) if parts else "-")


def level_text(state: Situation, language: str) -> str:
    return i18n.translate(f"report.level.{state.level.value}", language)


def summary_text(state: Situation, language: str) -> str:
    """The report's first paragraph."""
    t = translator("report.text", language)
    return t(
        "summary",
        time=time_text(state.at, language),
        title=state.title,
        level=level_text(state, language),
        closed=t("closed") if state.closed else "",
        evacuated=state.evacuated,
        teams=len(state.teams_sent),
        people=state.people_sent,
        materials=materials_text(state, language),
        tasks=tasks_text(state, language),
        broadcasts=len(state.broadcasts),
        terminals=state.terminals_reached,
    )


def summary(session: Session, event_id: int, at: datetime, language: str) -> str:
    """The first paragraph of the event's report as of ``at`` (naive UTC)."""
    return summary_text(situation(session, event_id, at), language)


def _fonts(element: object, east_asian: str) -> None:
    """Chinese text in ``east_asian``, Latin letters and digits in Times New Roman."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    fonts.set(qn("w:ascii"), WESTERN_FONT)
    fonts.set(qn("w:hAnsi"), WESTERN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


def _paragraph(
    document: DocxDocument,
    text: str,
    *,
    font: str = BODY_FONT,
    size: Length = BODY_SIZE,
    bold: bool = False,
    centred: bool = False,
    indent: bool = True,
) -> Paragraph:
    paragraph = document.add_paragraph()
    layout = paragraph.paragraph_format
    layout.first_line_indent = BODY_SIZE * 2 if indent and not centred else Pt(0)
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = max(BODY_LINE, Pt(size.pt * 1.4))
    layout.space_before = layout.space_after = Pt(0)
    if centred:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    _fonts(run._r, font)
    run.font.size = size
    run.bold = bold
    return paragraph


def _table(document: DocxDocument, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, values in enumerate([header, *rows]):
        for cell, value in zip(table.rows[index].cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(value)
            _fonts(run._r, TABLE_FONT)
            run.font.size = TABLE_SIZE
            run.bold = index == 0


def _page_setup(document: DocxDocument) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _map_page(document: DocxDocument, image: bytes, caption: str) -> None:
    """The map on a landscape page of its own, as wide as the page allows."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.top_margin = section.bottom_margin = Cm(1.5)
    section.left_margin = section.right_margin = Cm(2.3)
    _paragraph(document, caption, font=HEADING_FONT, indent=False)
    document.add_picture(io.BytesIO(image), width=MAP_WIDTH)
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _sections(state: Situation, language: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """(heading, paragraphs, table rows with the header first) of each part after the summary."""
    t = translator("report.doc", language)

    def when(moment: datetime) -> str:
        return time_text(moment, language)

    def label(member: StrEnum) -> str:
        return i18n.label(member, language)

    warnings = [
        t("warning", headline=w.headline, level=label(w.level), start=when(w.effective_at),
          end=when(w.expires_at), sender=w.sender_name or "-")
        for w in state.warnings
    ] or [t("no_warnings")]  # fmt: skip
    changes = [f"{when(line.at)} {line.text(language)}" for line in state.timeline
               if line.kind in LEVEL_CHANGES]  # fmt: skip
    level = [t("level", level=level_text(state, language), opened=when(state.opened_at))]
    level += changes + ([t("closed")] if state.closed else [])
    tasks = [
        [t("col.task"), t("col.kind"), t("col.locality"), t("col.assignee"), t("col.status"),
         t("col.evacuated")],
        *[[x.title, label(x.kind), x.locality, x.assignee or "-", label(x.status),
           str(x.evacuated)] for x in state.tasks],
    ]  # fmt: skip
    teams = [
        [t("col.team"), t("col.locality"), t("col.status"), t("col.head_count")],
        *[[x.team, x.locality, label(x.status), str(x.head_count)] for x in state.teams],
    ]
    shipments = [
        [t("col.number"), t("col.time"), t("col.item"), t("col.quantity"), t("col.from"),
         t("col.to")],
        *[[x.number, when(x.issued_at), x.item if language == "zh" else x.item_en,
           f"{x.quantity} {x.unit}", x.from_depot, x.to_depot] for x in state.shipments],
    ]  # fmt: skip
    broadcasts = [
        [t("col.time"), t("col.kind"), t("col.text"), t("col.reached"), t("col.failed")],
        *[[when(x.at), label(x.kind), x.text[:EXCERPT], str(x.reached), str(x.failed)]
          for x in state.broadcasts],
    ]  # fmt: skip
    lines = [
        [t("col.time"), t("col.actor"), t("col.event")],
        *[[when(x.at), x.actor, x.text(language)] for x in state.timeline],
    ]
    none = t("none")
    localities = _join(list(state.localities), language) or none
    return [
        (t("h.warnings"), warnings, []),
        (t("h.level"), level, []),
        (t("h.localities"), [localities], []),
        (t("h.tasks"), [tasks_text(state, language)], tasks if state.tasks else []),
        (t("h.teams"), [t("teams", teams=len(state.teams_sent), people=state.people_sent)],
         teams if state.teams else []),
        (t("h.materials"), [materials_text(state, language)],
         shipments if state.shipments else []),
        (t("h.broadcasts"), [t("broadcasts", n=len(state.broadcasts),
                                terminals=state.terminals_reached)],
         broadcasts if state.broadcasts else []),
        (t("h.timeline"), [] if state.timeline else [none], lines if state.timeline else []),
    ]  # fmt: skip


def build_document(state: Situation, image: bytes, language: str) -> bytes:
    """The report of ``state`` with ``image`` (the situation map, PNG) embedded."""
    t = translator("report.doc", language)
    document = Document()
    _page_setup(document)
    normal = document.styles["Normal"]
    _fonts(normal.element, BODY_FONT)
    normal.font.size = BODY_SIZE
    _paragraph(document, t("title"), font=TITLE_FONT, size=TITLE_SIZE, bold=True, centred=True)
    _paragraph(document, state.title, font=TABLE_FONT, centred=True)
    _paragraph(
        document, t("as_of", time=time_text(state.at, language)), font=TABLE_FONT, centred=True
    )
    if state.is_demo:
        _paragraph(document, t("demo"), font=HEADING_FONT, centred=True)
    _paragraph(document, t("h.summary"), font=HEADING_FONT)
    _paragraph(document, summary_text(state, language))
    for heading, paragraphs, table in _sections(state, language):
        _paragraph(document, heading, font=HEADING_FONT)
        for text in paragraphs:
            _paragraph(document, text)
        if table:
            _table(document, table[0], table[1:])
    _paragraph(document, "", indent=False)
    duty = t("duty", leader=state.duty_leader or "-", officer=state.duty_officer or "-")
    _paragraph(document, duty, indent=False)
    _paragraph(document, t("issuer"), indent=False)
    _map_page(document, image, t("h.map"))
    props = document.core_properties
    props.title = f"{t('title')} {state.title}"
    props.author = props.last_modified_by = t("issuer")
    props.comments = props.keywords = props.category = ""
    props.created = props.modified = state.at
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Report:
    """Everything the page offers for one event and time."""

    summary: str
    docx: bytes
    png: bytes
    pdf: bytes
    is_demo: bool
    filename_stem: str


def report(session: Session, event_id: int, at: datetime, language: str) -> Report:
    """The report of event ``event_id`` as of ``at`` with the map as PNG and PDF."""
    state = situation(session, event_id, at)
    png = situation_map.draw(session, state, language, "png")
    pdf = situation_map.draw(session, state, language, "pdf")
    stem = f"{i18n.translate('report.doc.file', language)}-{event_id}-{local(at):%Y%m%d-%H%M}"
    return Report(
        summary=summary_text(state, language),
        docx=build_document(state, png, language),
        png=png,
        pdf=pdf,
        is_demo=state.is_demo,
        filename_stem=stem,
    )


def document(session: Session, event_id: int, at: datetime, language: str) -> bytes:
    """The Word document alone (the map drawn once, as PNG)."""
    state = situation(session, event_id, at)
    return build_document(state, situation_map.draw(session, state, language, "png"), language)
