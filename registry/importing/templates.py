"""Downloadable templates: a data sheet with the headers (drop-down lists where the values
are a closed list) and an instructions sheet explaining every column with an example.
Examples stay off the data sheet, so a half-filled template never imports them."""

from __future__ import annotations

import io
import unicodedata
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from registry.importing.choices import display, listing, short_label
from registry.importing.columns import CHOICE, COLUMNS, Column
from registry.importing.reader import MAX_FILE_BYTES, MEGABYTE
from registry.kernel import i18n
from registry.kernel.exports import safe_sheet_name

DROPDOWN_ROWS = 5000  # data rows offered the drop-down lists
DROPDOWN_MAX_CHARS = 255  # Excel's limit for an inline list
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
INSTRUCTION_WIDTHS = (18, 10, 12, 48, 40, 24)


def template_name(kind: str, language: str = i18n.DEFAULT_LANGUAGE) -> str:
    """A file name for the download button."""
    kind_label = i18n.translate(f"import.kind.{kind}", language)
    return i18n.translate("import.template.file", language, kind=kind_label)


def _width(text: str) -> int:
    """Columns as Excel counts them: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _example(column: Column, language: str) -> Any:
    if isinstance(column.example, tuple):
        return listing(column.example, language)
    if isinstance(column.example, StrEnum):
        return display(column.example, language)
    return column.example


def _dropdown(column: Column, language: str) -> DataValidation | None:
    """A list to pick from; typing another accepted spelling stays allowed."""
    values = [short_label(value, language) for value in column.choices or ()]
    formula = '"' + ",".join(values) + '"'
    if len(formula) > DROPDOWN_MAX_CHARS + 2:
        return None
    return DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)


def _data_sheet(sheet: Any, kind: str, language: str) -> None:
    sheet.title = safe_sheet_name(i18n.translate(f"import.kind.{kind}", language))
    columns = COLUMNS[kind]
    sheet.append([column.header(language) for column in columns])
    for index, (cell, column) in enumerate(zip(sheet[1], columns, strict=True), start=1):
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.comment = Comment(i18n.translate(f"import.help.{kind}.{column.key}", language), "")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, _width(cell.value) + 4)
        dropdown = _dropdown(column, language) if column.type == CHOICE else None
        if dropdown is not None:
            dropdown.add(f"{letter}2:{letter}{DROPDOWN_ROWS + 1}")
            sheet.add_data_validation(dropdown)
    sheet.freeze_panes = "A2"


def _instructions(sheet: Any, kind: str, language: str) -> None:
    def t(key: str, **values: Any) -> str:
        return i18n.translate(f"import.{key}", language, **values)

    kind_label = t(f"kind.{kind}")
    sheet.append([t("template.title", kind=kind_label)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    headings = ("column", "required", "type", "help", "allowed", "example")
    sheet.append([t(f"template.{heading}") for heading in headings])
    for cell in sheet[3]:
        cell.font = HEADER_FONT
    for column in COLUMNS[kind]:
        sheet.append([
            column.header(language),
            t("template.yes") if column.required else t("template.no"),
            t(f"type.{column.type}"),
            t(f"help.{kind}.{column.key}"),
            listing(column.choices, language) if column.choices else "",
            _example(column, language),
        ])  # fmt: skip
    sheet.append([])
    rules = t("template.rules", sheet=kind_label, limit=MAX_FILE_BYTES // MEGABYTE)
    for line in rules.split("\n"):
        sheet.append([line])
    for index, width in enumerate(INSTRUCTION_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=4, max_row=3 + len(COLUMNS[kind])):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def template_bytes(kind: str, language: str = i18n.DEFAULT_LANGUAGE) -> bytes:
    """The xlsx template of one kind, headers and instructions in ``language``."""
    workbook = Workbook()
    _data_sheet(workbook.active, kind, language)
    _instructions(workbook.create_sheet(i18n.translate("import.sheet.instructions", language)),
                  kind, language)  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
