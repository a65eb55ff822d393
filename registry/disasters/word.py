"""The district's disaster report (灾情报告) as a Word document in the usual form: title,
统计截止时间, 一、灾情概况 (the district totals in words), 二、各镇（街道）灾情 (a table and
each town's figures and description), 三、救灾工作开展情况, 四、下一步工作; laid out in the
公文 style of the weekly circular, whose page and paragraph helpers it shares."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from registry.disasters import district_report as words
from registry.disasters.district_report import DistrictReport
from registry.kernel import i18n
from registry.kernel.clock import local
from registry.readiness.circular import word as layout
from registry.readiness.circular.text import DASH, chinese_number

TABLE_KEYS = ("affected_people", "deaths", "missing", "relocated", "collapsed_rooms", "direct_loss")
TABLE_WIDTHS = (2.8, 2.2, 1.8, 1.8, 2.4, 2.2, 2.4)  # cm, 15.6 in all


def document(report: DistrictReport, language: str = "zh") -> bytes:
    """The Word text of ``report``: the same bytes whenever it is taken again."""

    def t(key: str, **values: object) -> str:
        return i18n.translate(key, language, **values)

    stage = i18n.label(report.stage, language)
    doc = Document()
    layout._styles(doc)
    layout._page(doc)
    layout._paragraph(
        doc, t("rollup.doc.title", title=report.title), font=layout.TITLE_FONT,
        size=layout.TITLE_SIZE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
    )  # fmt: skip
    lines = [t("rollup.doc.stage", stage=stage)]
    lines.append(t("rollup.doc.as_of", time=words.time_text(report.at, language)))
    if report.is_demo:
        lines.append(t("rollup.book.demo"))
    for text in lines:
        layout._paragraph(
            doc, text, font=layout.TABLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
        )

    layout._paragraph(doc, t("rollup.doc.heading.summary"), font=layout.HEADING_FONT)
    layout._paragraph(doc, words.summary(report, language))
    if missing := words.missing_text(report, language):
        layout._paragraph(doc, missing)

    layout._paragraph(doc, t("rollup.doc.heading.towns"), font=layout.HEADING_FONT)
    counted = [town for town in report.towns if town.report is not None]
    header = [t("rollup.book.town"), *[words.header(key, language) for key in TABLE_KEYS]]
    rows = [
        [
            town.locality,
            *[
                DASH if town.report is None else words.number(town.report.figures[key])
                for key in TABLE_KEYS
            ],
        ]
        for town in report.towns
    ]
    rows.append(
        [t("rollup.book.total"), *[words.number(report.total.figures[k]) for k in TABLE_KEYS]]
    )
    layout._table(doc, header, rows, TABLE_WIDTHS)
    for number, town in enumerate(counted, start=1):
        line = town.report
        assert line is not None
        layout._paragraph(
            doc,
            t(
                "rollup.doc.town",
                cn=chinese_number(number),
                n=number,
                town=town.locality,
                stage=words.stage_text(line.stage, line.sequence, language),
                time=words.time_text(line.figures_to, language),
                figures=words.figures_text(line.figures, language),
            ),
        )
        if line.situation:
            layout._paragraph(doc, line.situation)

    layout._paragraph(doc, t("rollup.doc.heading.relief"), font=layout.HEADING_FONT)
    layout._paragraph(doc, words.relief_text(report.total.figures, language))
    for town in counted:
        if town.report is not None and town.report.relief:
            layout._paragraph(
                doc, t("rollup.doc.town_relief", town=town.locality, text=town.report.relief)
            )

    layout._paragraph(doc, t("rollup.doc.heading.next"), font=layout.HEADING_FONT)
    layout._paragraph(doc, t(f"rollup.doc.next.{report.stage.value}"))

    layout._paragraph(doc, "", indent=False)
    day = local(report.at)
    date_text = t("rollup.doc.date", year=day.year, month=day.month, day=day.day)
    for line_text in (t("rollup.issuer"), date_text):
        closing = layout._paragraph(doc, line_text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        closing.paragraph_format.right_indent = layout.BODY_SIZE * 2

    props = doc.core_properties
    props.title = t("rollup.doc.title", title=report.title)
    props.subject = stage
    props.author = props.last_modified_by = t("rollup.issuer")
    props.comments = props.keywords = props.category = ""
    props.created = props.modified = props.last_printed = report.at
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return words.fixed_zip(buffer.getvalue(), report.at)
