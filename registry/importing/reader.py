"""Reading an uploaded workbook: the file itself first (size, a real xlsx package), then
the header row, then the data rows keyed by column with their Excel row numbers.

Cells are read with ``data_only=False``: a formula's cached result may be missing (files
written by programs have none) or stale, and formulas are refused anyway, so the import
must see the formula itself rather than a value Excel once computed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from registry.importing import layout
from registry.importing.choices import normalise
from registry.importing.columns import COLUMNS, ITEM_COLUMNS, header_index
from registry.importing.layout import Layout
from registry.importing.report import Problem, shown
from registry.kernel import i18n

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_RATIO = 30  # xlsx compresses about tenfold; far beyond that is a zip bomb
XLSX_CONTENT_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et and encrypted workbooks
ID_NUMBER_HEADERS = ("身份证", "证件号", "公民身份号码", "idcard", "idnumber", "identity")
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Row:
    number: int  # as Excel shows it (the template's header is row 1)
    values: dict[str, object]


@dataclass
class Sheet:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _refusal(reason: str, **params: Any) -> Sheet:
    return Sheet(problems=[Problem(None, None, "", reason, params)])


def _package_refusal(data: bytes, max_bytes: int) -> Sheet | None:
    """Refuse before openpyxl sees the bytes: too big, not an xlsx package, or a bomb."""
    if len(data) > max_bytes:
        return _refusal(
            "file_too_large", size=f"{len(data) / MEGABYTE:.1f}", limit=max_bytes // MEGABYTE
        )
    if data.startswith(OLE2_SIGNATURE):
        return _refusal("old_format")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > max_bytes * MAX_UNPACKED_RATIO:
                return _refusal("unpacks_too_large")
            names = set(archive.namelist())
            types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        return _refusal("not_xlsx")
    return None if XLSX_CONTENT_TYPE in types else _refusal("not_xlsx")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _headers(cells: Iterable[Any], kind: str) -> tuple[dict[int, str], list[Problem]]:
    """Column position → key, and the problems of the header row."""
    index = header_index(kind)
    positions: dict[int, str] = {}
    problems: list[Problem] = []
    for position, cell in enumerate(cells):
        if _blank(cell):
            continue
        text = str(cell).strip()
        name = normalise(text).strip("*")
        key = index.get(name)
        if any(marker in name for marker in ID_NUMBER_HEADERS):
            problems.append(Problem(1, text, "", "id_number_column"))
        elif key is None:
            problems.append(Problem(1, text, "", "unknown_column"))
        elif key in positions.values():
            problems.append(Problem(1, text, "", "duplicate_column"))
        else:
            positions[position] = key
    present = set(positions.values())
    problems += [
        Problem(1, column.key, "", "missing_column")
        for column in COLUMNS[kind]
        if column.required and column.key not in present
    ]
    if kind == "stock" and not present.intersection(ITEM_COLUMNS):
        problems.append(Problem(1, ITEM_COLUMNS[1], "", "missing_item_column"))
    return positions, problems


def _data_sheets(workbook: Any) -> list[Any]:  # openpyxl has no types
    """The sheets that are not the template's instructions."""
    instructions = {
        normalise(i18n.translate("import.sheet.instructions", lang)) for lang in i18n.LANGUAGES
    }
    return [ws for ws in workbook.worksheets if normalise(ws.title) not in instructions]


def _data_sheet(workbook: Any) -> Any:
    """The first sheet that is not the template's instructions."""
    sheets = _data_sheets(workbook)
    return sheets[0] if sheets else None


def _rows(lines: Iterable[Any], positions: dict[int, str], sheet: Sheet) -> None:
    for number, cells in enumerate(lines, start=2):
        values = {}
        for position, value in enumerate(cells):
            if _blank(value):
                continue
            if position in positions:
                values[positions[position]] = value
            else:
                letter = get_column_letter(position + 1)
                sheet.problems.append(Problem(number, letter, shown(value), "no_header"))
        if values:
            sheet.rows.append(Row(number, values))


HEADER_PROBLEMS = frozenset(
    {"unknown_column", "missing_column", "duplicate_column", "missing_item_column", "no_header"}
)
"""Refusals that say the sheet is not our template (rather than that the file is broken)."""


def not_template(sheet: Sheet) -> bool:
    """The file opened but its headers are not the template's: maybe an office's own."""
    return bool(sheet.problems) and {p.reason for p in sheet.problems} <= HEADER_PROBLEMS


def _sheets(workbook: Any) -> Iterator[tuple[str, layout.Lines]]:
    for worksheet in _data_sheets(workbook):
        worksheet.reset_dimensions()
        yield worksheet.title, list(worksheet.iter_rows(values_only=True))


def read_layout(
    data: bytes, known: frozenset[str], *, max_bytes: int = MAX_FILE_BYTES
) -> tuple[Layout | None, list[Problem]]:
    """Where the table is in an office's own workbook (``layout.find``), or the refusal of
    the file itself."""
    refused = _package_refusal(data, max_bytes)
    if refused:
        return None, refused.problems
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        found = layout.find(_sheets(workbook), known)
        workbook.close()
    except Exception:
        return None, _refusal("unreadable").problems
    return found, []


def mapped_sheet(table: Layout, columns: Mapping[str, str | None]) -> Sheet:
    """The table's data rows keyed by the fields its columns map to; a column mapped to
    nothing is left out (the mapping lists it). An identity-number column is refused
    whatever it is mapped to: the registry never collects them."""
    sheet = Sheet()
    positions: dict[int, str] = {
        position: field
        for position, header in enumerate(table.headers)
        if header and (field := columns.get(header))
    }
    for header in table.headers:
        if any(marker in normalise(header) for marker in ID_NUMBER_HEADERS):
            sheet.problems.append(Problem(table.header_row, header, "", "id_number_column"))
    for number, cells in table.rows:
        values = {
            field: cell
            for position, field in positions.items()
            if position < len(cells) and not _blank(cell := cells[position])
        }
        if values:
            sheet.rows.append(Row(number, values))
    if not sheet.problems and not sheet.rows:
        return _refusal("no_rows")
    return sheet


def read(data: bytes, kind: str, *, max_bytes: int = MAX_FILE_BYTES) -> Sheet:
    """The data rows of the first sheet, or the problems that stop the file being read."""
    refused = _package_refusal(data, max_bytes)
    if refused:
        return refused
    sheet = Sheet()
    try:  # openpyxl raises many kinds of error on a damaged file; each is a refusal
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        worksheet = _data_sheet(workbook)
        if worksheet is None:
            return _refusal("no_rows")
        worksheet.reset_dimensions()  # some writers store a wrong sheet size
        lines = worksheet.iter_rows(values_only=True)
        positions, sheet.problems = _headers(next(lines, ()), kind)
        if not sheet.problems:
            _rows(lines, positions, sheet)
        workbook.close()
    except Exception:
        return _refusal("unreadable")
    if not sheet.problems and not sheet.rows:
        return _refusal("no_rows")
    return sheet
