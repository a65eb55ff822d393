"""The weekly circular (周通报): a Word document in the usual official layout and an Excel
workbook with the detail sheets, built from readiness snapshots only.

``build`` reads nothing but the two payloads it is given (this week's snapshot and last
week's), never live data or the clock, so any past week's circular is rebuilt byte for byte
from its snapshot. Both files are zip archives whose entry dates and document properties are
pinned to the snapshot's as-of date for the same reason.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
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
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import exports
from registry.kernel.i18n import translate
from registry.kernel.models import ReadinessSnapshot
from registry.readiness import board as readiness_board
from registry.readiness import scorecard as readiness
from registry.readiness import snapshots
from registry.readiness.board import Standing
from registry.readiness.payload import OverduePlan, OverdueRectification, SnapshotPayload

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
DASH = "—"
RANKING_WIDTHS = (1.2, 2.6, 1.6, 1.4, 2.8, 6.0)  # cm, 15.6 in all: A4 less the margins
RECTIFICATION_WIDTHS = (3.0, 4.0, 1.8, 2.2, 1.6, 3.0)
PLAN_WIDTHS = (7.6, 3.0, 5.0)
PLAN_OBLIGATIONS = ("filing", "evaluation", "drill")
NOTHING_YET = {"stock": "lines", "teams": "target", "plans": "obligations"}  # 0: none at all
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Circular:
    """The two files, the name to save them under, and the summary and ranking for a
    preview on screen."""

    docx: bytes
    xlsx: bytes
    filename_stem: str
    summary: str
    ranking: list[dict[str, Any]]


# --- reading the snapshots ------------------------------------------------------------------


def week_label(iso_week: str) -> str:
    """``2026-w7`` → ``2026-W07``; a malformed label raises ValueError."""
    monday, _ = snapshots.week_bounds(iso_week)
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def weeks_with_snapshots(session: Session) -> list[str]:
    """The ISO weeks a circular can be built for, newest first."""
    days = session.scalars(
        select(ReadinessSnapshot.as_of).distinct().order_by(ReadinessSnapshot.as_of.desc())
    )
    weeks: list[str] = []
    for day in days:
        iso = day.isocalendar()
        label = f"{iso.year}-W{iso.week:02d}"
        if label not in weeks:
            weeks.append(label)
    return weeks


def week_is_demo(session: Session, iso_week: str) -> bool:
    """Whether the week has demo snapshots, so the page can say the circular is a demo."""
    monday, sunday = snapshots.week_bounds(iso_week)
    query = select(ReadinessSnapshot.id).where(
        ReadinessSnapshot.as_of.between(monday, sunday), ReadinessSnapshot.is_demo.is_(True)
    )
    return session.scalar(query.limit(1)) is not None


def load(session: Session, iso_week: str) -> tuple[SnapshotPayload | None, SnapshotPayload | None]:
    """The week's snapshot and the one a week older (None, None when the week has none)."""
    payload = snapshots.for_week(session, iso_week)
    if payload is None:
        return None, None
    return payload, snapshots.week_before(session, payload)


# --- words and numbers ----------------------------------------------------------------------


def date_text(day: date, language: str = "zh", *, year: bool = True) -> str:
    """A date the way the language writes it in prose: 2026年11月22日 / 22 November 2026."""
    return translate(
        "circ.date" if year else "circ.date_short",
        language,
        year=day.year,
        day=day.day,
        month_name=translate(f"circ.month.{day.month}", language),
    )


def period_text(iso_week: str, language: str = "zh") -> str:
    """``2026年第47周（11月16日—11月22日）``."""
    monday, sunday = snapshots.week_bounds(iso_week)
    full = monday.year != sunday.year
    iso = monday.isocalendar()
    return translate(
        "circ.period",
        language,
        year=iso.year,
        week=iso.week,
        start=date_text(monday, language, year=full),
        end=date_text(sunday, language, year=full),
    )


def _number(value: float) -> str:
    return f"{value:.1f}"


def _signed(value: float) -> str:
    """``+1.2`` / ``-0.8`` / ``0.0`` (never ``-0.0``)."""
    value = round(value, 1)
    return "0.0" if value == 0 else f"{value:+.1f}"


def _chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十: the numbering of （一）（二） sub-headings."""
    if n < 10:
        return _DIGITS[n]
    tens, units = divmod(n, 10)
    return (_DIGITS[tens] if tens > 1 else "") + "十" + (_DIGITS[units] if units else "")


def _action_key(component: str, figures: dict[str, Any]) -> str:
    """The action for a component; a locality with nothing at all (no plan, no team, no
    quota) is told to set one up, and a rectification note skips "0 major"."""
    if figures.get(NOTHING_YET.get(component, "")) == 0:
        return f"circ.action.{component}_none"
    if component == "rectifications" and figures.get("major") == 0:
        return "circ.action.rectifications_minor"
    return f"circ.action.{component}"


class _Blank(dict[str, Any]):
    """Figures missing from an older or hand-made payload show as a dash, not a crash."""

    def __missing__(self, key: str) -> str:
        return DASH


def _fill(key: str, language: str, figures: dict[str, Any]) -> str:
    return translate(key, language).format_map(_Blank(figures or {}))


# --- what the circular says, computed once for both files -----------------------------------


class _Text:
    """The circular's wording in one language."""

    def __init__(
        self,
        payload: SnapshotPayload,
        previous: SnapshotPayload | None,
        iso_week: str,
        language: str,
    ) -> None:
        self.payload, self.previous, self.language = payload, previous, language
        self.week = week_label(iso_week)
        self.as_of = date.fromisoformat(payload["as_of"])
        self.board = readiness_board.build(payload, previous)
        self.rows = self.board.ranking
        self.names = {loc["id"]: loc["name"] for loc in payload["localities"]}

    def t(self, key: str, **values: Any) -> str:
        return translate(key, self.language, **values)

    def date(self, day: date | str, *, year: bool = True) -> str:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        return date_text(day, self.language, year=year)

    def colour(self, colour: str) -> str:
        return self.t(f"circ.colour.{colour}")

    def component(self, key: str) -> str:
        return self.t(f"circ.component.{key}")

    def problems(self, row: Standing) -> str:
        return self.t("circ.sep.list").join(map(self.component, row.worst)) or self.t("circ.none")

    def move(self, row: Standing) -> str:
        if row.move is None:
            return DASH
        if row.move > 0:
            return self.t("circ.move.up", n=row.move)
        if row.move < 0:
            return self.t("circ.move.down", n=-row.move)
        return self.t("circ.move.same")

    def change(self, row: Standing) -> str:
        if row.change is None:
            return DASH
        return self.t("circ.change.cell", delta=_signed(row.change), move=self.move(row))

    def locality_name(self, locality_id: int | None) -> str:
        if locality_id is None:
            return self.t("circ.overdue.district")
        return self.names.get(locality_id, f"#{locality_id}")

    def obligations(self, plan: OverduePlan) -> str:
        parts = [self.t(f"circ.plan_overdue.{k}") for k in PLAN_OBLIGATIONS if k in plan["overdue"]]
        return self.t("circ.sep.list").join(parts)

    def risk(self, value: str | None) -> str:
        return self.t(f"enum.RiskLevel.{value}") if value else DASH

    def status(self, value: str | None) -> str:
        return self.t(f"enum.RectificationStatus.{value}") if value else DASH

    # -- 一、总体情况

    def summary(self) -> str:
        """一、总体情况 in one paragraph: score and change, colours, overdue, campaign."""
        district = self.payload["district"]
        if self.previous is None:
            change = self.t("circ.summary.no_previous")
        else:
            delta = round(district["score"] - self.previous["district"]["score"], 1)
            key = "up" if delta > 0 else "down" if delta < 0 else "same"
            when = self.date(self.previous["as_of"])
            change = self.t(f"circ.summary.{key}", date=when, delta=_number(abs(delta)))
        tiles = self.board.tiles
        campaign = self.payload.get("campaign")
        return self.t(
            "circ.summary",
            district=self.t(
                "circ.summary.district",
                date=self.date(self.as_of),
                score=_number(district["score"]),
                colour=self.colour(district["colour"]),
            ),
            change=change,
            colours=self.t(
                "circ.summary.colours",
                total=len(self.payload["localities"]),
                red=tiles.red.value,
                amber=tiles.amber.value,
                green=tiles.green.value,
            ),
            overdue=self.t(
                "circ.summary.overdue",
                rect=tiles.overdue.value,
                major=tiles.major.value,
                plans=tiles.plans.value,
            ),
            campaign=self.t("circ.summary.no_campaign")
            if campaign is None
            else self.t(
                "circ.summary.campaign",
                name=campaign["name"],
                start=self.date(campaign["starts_on"]),
                end=self.date(campaign["ends_on"]),
                share=_number(100 * (campaign.get("share") or 0)),
            ),
        )

    # -- 三、逾期事项

    def overdue_groups(
        self,
    ) -> list[tuple[int | None, list[OverdueRectification], list[OverduePlan]]]:
        """(locality id, rectifications, plans) in the official order of localities, the
        district and department plans last; localities with nothing overdue are left out."""
        rects: dict[int | None, list[OverdueRectification]] = defaultdict(list)
        plans: dict[int | None, list[OverduePlan]] = defaultdict(list)
        for rect in self.payload["overdue_rectifications"]:
            rects[rect["locality_id"]].append(rect)
        for plan in self.payload["overdue_plans"]:
            plans[plan["locality_id"]].append(plan)
        order = [loc["id"] for loc in self.payload["localities"]]
        extra = sorted(lid for lid in {*rects, *plans} - {*order} if lid is not None)
        return [
            (lid, rects.get(lid, []), plans.get(lid, []))
            for lid in [*order, *extra, None]
            if rects.get(lid) or plans.get(lid)
        ]

    def listed_of(self, locality_id: int | None, shown: int) -> int:
        """How many overdue rectifications the locality has in all (the list may be capped)."""
        standing = self.board.standing(locality_id)
        return shown if standing is None else max(shown, standing.overdue)

    # -- 四、工作要求

    def actions(self) -> list[str]:
        """One sentence per red or amber locality, worst first, naming who leads and what
        to do about each of its worst components."""
        flagged = [row for row in self.rows if row.colour in ("red", "amber")]
        flagged.sort(key=lambda row: (row.colour != "red", row.score))
        sentences = []
        for row in flagged:
            todo = [
                _fill(_action_key(key, figures), self.language, figures)
                for key in row.worst
                for figures in [row.components[key].figures if key in row.components else {}]
            ]
            sentences.append(
                self.t(
                    "circ.actions.sentence",
                    locality=row.name,
                    colour=self.colour(row.colour),
                    score=_number(row.score),
                    responsible=row.responsible or self.t("circ.actions.no_officer"),
                    actions=self.t("circ.sep.actions").join(todo) or self.t("circ.actions.any"),
                )
            )
        return sentences

    def ranking_preview(self) -> list[dict[str, Any]]:
        return [
            {
                self.t("circ.col.rank"): row.rank,
                self.t("circ.col.locality"): row.name,
                self.t("circ.col.score"): row.score,
                self.t("circ.col.level"): self.colour(row.colour),
                self.t("circ.col.change"): self.change(row),
                self.t("circ.col.problems"): self.problems(row),
            }
            for row in self.rows
        ]


# --- Word -----------------------------------------------------------------------------------


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


def _docx(text: _Text, stamp: datetime) -> bytes:
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
            _number(row.score),
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
                cn=_chinese_number(number),
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
            document, t("circ.actions.item", n=number, cn=_chinese_number(number), text=sentence)
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


# --- Excel ----------------------------------------------------------------------------------


def _in_order(by_component: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The scorecard's order of components (the payload's JSON sorts them by name)."""
    rank = {key: i for i, key in enumerate(readiness.COMPONENTS)}
    return sorted(by_component.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def _sheet(workbook: Any, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """A sheet with a bold, frozen header; every text cell neutralised against formulas."""
    sheet = workbook.create_sheet(exports.safe_sheet_name(title))
    body = [[exports._cell(value) for value in row] for row in rows]
    sheet.append([exports._cell(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    exports._fit_columns(sheet, [header, *[[_shown(v) for v in row] for row in body]])


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _xlsx(text: _Text, stamp: datetime) -> bytes:
    t, payload = text.t, text.payload
    workbook = Workbook()
    workbook.remove(workbook.active)

    def cols(*keys: str) -> list[str]:
        return [t(f"circ.col.{k}") for k in keys]

    _sheet(
        workbook,
        t("circ.sheet.ranking"),
        cols(
            "rank",
            "locality",
            "score",
            "level",
            "previous_score",
            "score_change",
            "previous_rank",
            "rank_change",
            "problems",
            "responsible",
        ),
        [
            [
                row.rank,
                row.name,
                row.score,
                text.colour(row.colour),
                row.previous_score,
                row.change,
                row.previous_rank,
                row.move,
                text.problems(row),
                row.responsible or DASH,
            ]
            for row in text.rows
        ],
    )

    weights = payload.get("weights", {})
    parts = []
    for loc in payload["localities"]:
        for key, part in _in_order(loc.get("components", {})):
            score = part.get("score")
            parts.append(
                [
                    loc["name"],
                    text.component(key),
                    weights.get(key),
                    t("circ.not_applicable") if score is None else round(100 * score, 1),
                    _fill(f"circ.figures.{key}", text.language, part.get("figures")),
                    t("circ.sep.list").join(part.get("who") or []) or DASH,
                ]
            )
    _sheet(
        workbook,
        t("circ.sheet.components"),
        cols("locality", "component", "weight", "component_score", "figures", "who"),
        parts,
    )

    rects = [r for _, group, _ in text.overdue_groups() for r in group]
    _sheet(
        workbook,
        t("circ.sheet.rectifications"),
        cols(
            "locality",
            "id",
            "target",
            "problem",
            "risk",
            "status",
            "deadline",
            "days_overdue",
            "responsible",
        ),
        [
            [
                text.locality_name(r["locality_id"]),
                r["id"],
                r["target"],
                r["description"],
                text.risk(r["risk_level"]),
                text.status(r.get("status")),
                date.fromisoformat(r["deadline"]),
                r["days_overdue"],
                r["responsible"],
            ]
            for r in rects
        ],
    )

    plans = [p for _, _, group in text.overdue_groups() for p in group]
    _sheet(
        workbook,
        t("circ.sheet.plans"),
        cols("locality", "id", "plan", "responsible", "overdue_items"),
        [
            [
                text.locality_name(p["locality_id"]),
                p["id"],
                p["title"],
                p["owner"],
                text.obligations(p),
            ]
            for p in plans
        ],
    )

    thresholds = payload.get("thresholds", {})
    previous = text.previous
    notes: list[list[Any]] = [
        *([[t("circ.note.demo"), t("circ.demo")]] if payload.get("is_demo") else []),
        [t("circ.note.week"), text.week],
        [t("circ.note.period"), period_text(text.week, text.language)],
        [t("circ.note.as_of"), text.as_of],
        [
            t("circ.note.source"),
            t(
                "circ.note.source_value",
                date=text.date(text.as_of),
                version=payload.get("version", 1),
            ),
        ],
        [
            t("circ.note.previous"),
            t("circ.note.previous_none")
            if previous is None
            else t(
                "circ.note.source_value",
                date=text.date(previous["as_of"]),
                version=previous.get("version", 1),
            ),
        ],
        [t("circ.note.district_score"), payload["district"]["score"]],
        [t("circ.note.district_level"), text.colour(payload["district"]["colour"])],
        [t("circ.note.threshold_green"), thresholds.get("green")],
        [t("circ.note.threshold_amber"), thresholds.get("amber")],
        *[[t("circ.note.weight", component=text.component(k)), w] for k, w in _in_order(weights)],
        [t("circ.note.issuer"), t("circ.issuer")],
    ]
    _sheet(workbook, t("circ.sheet.notes"), cols("item", "value"), notes)

    props = workbook.properties
    props.title = f"{t('circ.title')} {text.week}"
    props.subject = period_text(text.week, text.language)
    props.creator = props.lastModifiedBy = t("circ.issuer")
    props.created = props.modified = stamp
    props.language = t("circ.doc_language")
    buffer = io.BytesIO()
    # ExcelWriter rather than workbook.save: save() stamps "modified" with the clock.
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return buffer.getvalue()


# --- reproducible archives ------------------------------------------------------------------


def _pinned(archive: bytes, stamp: datetime) -> bytes:
    """The same archive with every entry dated ``stamp``: zip writers otherwise record the
    time of writing, and two builds of one week would differ."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            target.writestr(fixed, source.read(entry.filename))
    return buffer.getvalue()


def build(
    payload: SnapshotPayload,
    previous: SnapshotPayload | None,
    *,
    iso_week: str,
    language: str = "zh",
) -> Circular:
    """The week's circular from its snapshot and last week's (for the ranking's change)."""
    monday, sunday = snapshots.week_bounds(iso_week)
    if not monday <= date.fromisoformat(payload["as_of"]) <= sunday:
        raise ValueError(f"week: the snapshot as of {payload['as_of']} is not in {iso_week}")
    text = _Text(payload, previous, iso_week, language)
    stamp = datetime.combine(text.as_of, time.min)
    return Circular(
        docx=_pinned(_docx(text, stamp), stamp),
        xlsx=_pinned(_xlsx(text, stamp), stamp),
        filename_stem=text.t("circ.filename", week=text.week),
        summary=text.summary(),
        ranking=text.ranking_preview(),
    )
