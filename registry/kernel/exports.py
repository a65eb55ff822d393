"""Table exports the way Chinese offices use them: CSV that Excel opens, xlsx, GeoJSON.

Every text cell is neutralised against CSV/formula injection (OWASP): a registry value
such as ``=HYPERLINK(...)`` typed by one user must not run in another user's Excel.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31
_SHEET_NAME_INVALID = re.compile(r"[\\/?*\[\]:]")
_DEFAULT_SHEET_NAME = "Sheet1"
_MIN_WIDTH, _MAX_WIDTH = 6, 60  # characters; beyond 60 a column hides its neighbours
_WIDTH_PADDING = 2


def neutralise(value: Any) -> Any:
    """Prefix an apostrophe to text a spreadsheet would read as a formula; numbers, even
    negative ones, are left alone because they are not text a formula can hide in."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell and header neutralised."""
    safe = frame.map(neutralise)
    safe.columns = [neutralise(column) for column in frame.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM: without it Excel on a Chinese Windows reads the file as GBK."""
    text: str = _neutralised(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def safe_sheet_name(name: str) -> str:
    """A name Excel accepts: no ``\\ / ? * [ ] :``, no edge apostrophes, 31 characters."""
    cleaned = _SHEET_NAME_INVALID.sub("_", str(name))[:SHEET_NAME_MAX].strip("'").strip()
    return cleaned or _DEFAULT_SHEET_NAME


def _display_width(value: Any) -> int:
    """Columns as Excel counts them: CJK (wide and full-width) characters take two."""
    if value is None:
        return 0
    longest = max(str(value).splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def _missing(value: Any) -> bool:
    """None, NaN, NaT and NA alike: pandas uses all four for an empty cell."""
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def _cell(value: Any) -> Any:
    """A value openpyxl writes safely: missing values empty, control characters dropped
    (openpyxl refuses them), text neutralised."""
    if _missing(value):
        return None
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _fit_columns(sheet: Any, rows: list[list[Any]]) -> None:
    """Widths roughly fitted to the content, so a printed sheet needs no manual fixing."""
    for index, column in enumerate(zip(*rows, strict=True), start=1):
        width = max(_display_width(value) for value in column) + _WIDTH_PADDING
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(max(width, _MIN_WIDTH), _MAX_WIDTH)


def to_excel_bytes(frame: pd.DataFrame, sheet_name: str) -> bytes:
    """One sheet with a bold, frozen header row and fitted columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = safe_sheet_name(sheet_name)
    header = [_cell(str(column)) for column in frame.columns]
    body = [[_cell(value) for value in row] for row in frame.astype(object).itertuples(index=False)]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    _fit_columns(sheet, [header, *body])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _has_point(row: dict[str, Any], lon_key: str, lat_key: str) -> bool:
    """A row is mappable only with both coordinates present."""
    return not (_missing(row.get(lon_key)) or _missing(row.get(lat_key)))


def to_geojson_bytes(
    rows: list[dict[str, Any]], *, lon_key: str = "lon", lat_key: str = "lat"
) -> bytes:
    """A FeatureCollection of points; rows without coordinates are skipped because a
    feature with a null geometry breaks many GIS tools. Chinese stays readable."""
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [float(row[lon_key]), float(row[lat_key])],
            },
            "properties": {k: v for k, v in row.items() if k not in (lon_key, lat_key)},
        }
        for row in rows
        if _has_point(row, lon_key, lat_key)
    ]
    collection = {"type": "FeatureCollection", "features": features}
    # default=str: dates and similar values become their ISO text instead of failing.
    return json.dumps(collection, ensure_ascii=False, default=str).encode("utf-8")
