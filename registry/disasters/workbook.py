"""The district's 快报表 as an Excel workbook: 自然灾害情况统计快报表 (the losses) and
救灾工作情况统计快报表 (the relief work), one row per township and 合计, every indicator headed
with its unit, as the report goes up to the city. Text a user typed (a town's or an event's
name) is neutralised against formulas as every export is."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from registry.disasters import district_report as words
from registry.disasters.district_report import DistrictReport
from registry.disasters.indicators import INDICATORS
from registry.kernel import exports, i18n

FIRST_COLUMNS = 3  # 乡镇（街道）, 报送阶段, 统计截止时间
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _town_cells(report: DistrictReport, town: Any, keys: list[str], language: str) -> list[Any]:
    line = town.report
    if line is None:
        return [
            town.locality,
            i18n.translate("rollup.book.none", language),
            None,
            *[None] * len(keys),
        ]
    stage = words.stage_text(line.stage, line.sequence, language)
    if line.is_zero:
        stage += i18n.translate("rollup.book.zero", language)
    figures_to = words.time_text(line.figures_to, language)
    return [town.locality, stage, figures_to, *[line.figures[key] for key in keys]]


def _sheet(workbook: Workbook, report: DistrictReport, relief: bool, language: str) -> Worksheet:
    def t(key: str, **values: object) -> str:
        return i18n.translate(key, language, **values)

    kind = "relief" if relief else "losses"
    keys = [i.key for i in INDICATORS if i.relief is relief]
    sheet: Worksheet = workbook.create_sheet(
        exports.safe_sheet_name(t(f"rollup.book.sheet_{kind}"))
    )
    width = FIRST_COLUMNS + len(keys)
    stage = i18n.label(report.stage, language)
    sheet.append([t(f"rollup.book.title_{kind}", stage=stage)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(
        [
            t("rollup.book.issuer", issuer=t("rollup.issuer")),
            None,
            None,
            exports._cell(t("rollup.book.event", title=report.title)),
            *[None] * (len(keys) - 2),
            t("rollup.book.as_of", time=words.time_text(report.at, language)),
        ][:width]
    )
    header = [t("rollup.book.town"), t("rollup.book.stage"), t("rollup.book.figures_to")]
    header += [words.header(key, language) for key in keys]
    sheet.append(header)
    rows = [_town_cells(report, town, keys, language) for town in report.towns]
    for row in rows:
        sheet.append([exports._cell(value) for value in row])
    sheet.append([t("rollup.book.total"), None, None, *[report.total.figures[k] for k in keys]])
    last = sheet.max_row
    for row in sheet.iter_rows(min_row=3, max_row=last, max_col=width):
        for cell in row:
            cell.border = BOX
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    for cell in [*sheet[3], *sheet[last]]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    notes = [words.missing_text(report, language)]
    if report.is_demo:
        notes.append(t("rollup.book.demo"))
    for note in notes:
        if note:
            sheet.append([exports._cell(note)])
    sheet.freeze_panes = "B4"
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 20
    for index in range(FIRST_COLUMNS + 1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 13
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    return sheet


def workbook(report: DistrictReport, language: str = "zh") -> bytes:
    """The 快报表 of ``report``: the same bytes whenever it is taken again."""
    book = Workbook()
    book.remove(book.active)
    _sheet(book, report, relief=False, language=language)
    _sheet(book, report, relief=True, language=language)
    props = book.properties
    props.title = i18n.translate(
        "rollup.book.title_losses", language, stage=i18n.label(report.stage, language)
    )
    props.subject = exports._cell(report.title)
    props.creator = props.lastModifiedBy = i18n.translate("rollup.issuer", language)
    props.created = props.modified = report.at
    buffer = io.BytesIO()
    # ExcelWriter rather than workbook.save: save() stamps "modified" with the clock.
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return words.fixed_zip(buffer.getvalue(), report.at)
