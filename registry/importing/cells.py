"""Typed reading of one row's cells. Each getter returns the value (or None) and records a
problem naming the row, the column and the cell, so one pass finds every mistake in a row
instead of stopping at the first."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any

import cn2an

from registry.importing.choices import Choices, lookup
from registry.importing.reader import Row
from registry.importing.report import Problem, shown
from registry.kernel.district import in_district
from registry.kernel.geo import CoordinateSystem, to_wgs84
from registry.kernel.validation import MAX_QUANTITY, PHONE_PATTERN

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")  # 居民身份证号码: never stored
DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
LIST_SEPARATORS = re.compile(r"[,，、;；/\n]")
NUMBER_WITH_UNIT = re.compile(r"^([-+]?[\d.]+)\s*([^\d\s.]{1,4})$")  # 300床, 40 顶, 3万
MAGNITUDES = ("十", "百", "千", "万", "亿")
CHINESE_NUMBER = re.compile(r"^[零〇一二两三四五六七八九十百千万亿点]+$")
EXCEL_DAY_ZERO = date(1899, 12, 30)
EXCEL_SERIALS = range(36526, 73051)  # 2000-01-01 … 2099-12-31 as Excel day numbers
_REFUSED = object()  # a cell already reported (a formula): its other checks are skipped


def _as_text(value: Any) -> str:
    """What a cell says; Excel turns typed phone and batch numbers into numbers."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _written_number(text: str) -> float | None:
    """A quantity as people write it in their own ledgers: 300床, 三百, 一千二百."""
    with_unit = NUMBER_WITH_UNIT.match(text)
    if with_unit and not with_unit.group(2).startswith(MAGNITUDES):
        text = with_unit.group(1)
    elif with_unit or CHINESE_NUMBER.match(text):  # 三百, or 3万: a magnitude, not a unit
        try:
            return float(cn2an.cn2an(text, "smart"))
        except ValueError:
            return None
    try:
        return float(text)
    except ValueError:
        return None


def _as_number(value: Any, lenient: bool = False) -> float | None:
    """A number; ``lenient`` (an office's own ledger) also reads a unit after it and
    Chinese numerals. Thousands separators are read either way."""
    if isinstance(value, bool | date | time):
        return None
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).replace(",", "").strip()
        try:
            value = float(text)
        except ValueError:
            found = _written_number(text) if lenient else None
            if found is None:
                return None
            value = found
    number = float(value)
    return number if math.isfinite(number) else None


def _as_date(value: Any, lenient: bool = False) -> date | None:
    """A date; ``lenient`` (an office's own ledger) also reads an Excel day number (a date
    cell formatted as a number), which the template's strict reading takes for a typo."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if lenient and isinstance(value, int | float) and not isinstance(value, bool):
        return EXCEL_DAY_ZERO + timedelta(days=int(value)) if value in EXCEL_SERIALS else None
    if not isinstance(value, str):
        return None  # a bare number is as likely a year or a typo as an Excel serial date
    text = unicodedata.normalize("NFKC", value)
    match = DATE_TEXT.match(text) or DATE_DIGITS.match(text)
    try:
        return date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        return None


def looks_like_date(value: Any) -> bool:
    return _as_date(value, lenient=True) is not None


def looks_like_phone(value: Any) -> bool:
    text = _as_text(value)
    return len(re.sub(r"\D", "", text)) >= 7 and bool(PHONE_PATTERN.match(text))


class RowCells:
    """The cells of one row, read by type; ``ok`` turns False at the first problem.
    ``lenient`` reads values as people write them in their own ledgers (units after a
    number, Chinese numerals, Excel day numbers); the template is read strictly."""

    def __init__(self, row: Row, problems: list[Problem], *, lenient: bool = False) -> None:
        self.row = row
        self.ok = True
        self.lenient = lenient
        self._problems = problems

    def problem(self, key: str, reason: str, **params: Any) -> None:
        self.ok = False
        value = shown(self.row.values.get(key))
        self._problems.append(Problem(self.row.number, key, value, reason, params))

    def _present(self, key: str, required: bool) -> Any:
        """The cell, None when empty; formulas (and text posing as one) are refused here,
        because every getter passes through."""
        value = self.row.values.get(key)
        if isinstance(value, str):
            value = value.strip() or None
        formula = isinstance(value, str) and value.startswith("=")
        if formula or not isinstance(value, str | int | float | date | time | None):
            self.problem(key, "formula")
            return None
        if value is None and required:
            self.problem(key, "required")
        return value

    def text(
        self, key: str, *, required: bool = False, max_len: int = 128, personal: bool = False
    ) -> str | None:
        value = self._present(key, required)
        if value is None:
            return None
        text = _as_text(value)
        if len(text) > max_len:
            self.problem(key, "too_long", max=max_len)
            return None
        if personal and ID_NUMBER.search(text):
            self.problem(key, "id_number_value")
            return None
        return text

    def phone(self, key: str) -> str | None:
        text = self.text(key, max_len=20, personal=True)
        if text and not PHONE_PATTERN.match(text):
            self.problem(key, "not_phone")
            return None
        return text

    def number(self, key: str, *, required: bool = False) -> float | None:
        value = self._present(key, required)
        if value is None:
            return None
        number = _as_number(value, self.lenient)
        if number is None:
            self.problem(key, "not_number")
        return number

    def integer(
        self, key: str, *, required: bool = False, minimum: int = 1, maximum: int = MAX_QUANTITY
    ) -> int | None:
        number = self.number(key, required=required)
        if number is None:
            return None
        if not number.is_integer():
            self.problem(key, "not_whole")
        elif number < minimum:
            self.problem(key, "not_positive" if minimum > 0 else "negative")
        elif number > maximum:
            self.problem(key, "too_large", maximum=maximum)
        else:
            return int(number)
        return None

    def date(self, key: str, *, required: bool = False, latest: date | None = None) -> date | None:
        value = self._present(key, required)
        if value is None:
            return None
        day = _as_date(value, self.lenient)
        if day is None:
            self.problem(key, "not_date")
        elif latest is not None and day > latest:
            self.problem(key, "future_date", today=latest)
            return None
        return day

    def choice(
        self, key: str, choices: Choices, *, required: bool = False, default: Any = None
    ) -> Any:
        value = self._present(key, required)
        if value is None:
            return default
        found = lookup(choices, _as_text(value))
        if found is None:
            self.problem(key, "not_choice", choices=choices)
        return found

    def choice_list(self, key: str, choices: Choices) -> list[Any]:
        value = self._present(key, False)
        if value is None:
            return []
        found = [lookup(choices, part) for part in LIST_SEPARATORS.split(_as_text(value))]
        if None in found:
            self.problem(key, "not_choice", choices=choices)
        return list(dict.fromkeys(found))

    def point(
        self, lon_key: str, lat_key: str, crs_key: str, *, required: bool = False
    ) -> tuple[float, float] | None:
        """A WGS-84 (lon, lat) inside the district, converted from the declared system."""
        lon = self.number(lon_key, required=required)
        lat = self.number(lat_key, required=required)
        system = self.choice(crs_key, CoordinateSystem, default=CoordinateSystem.WGS84)
        if lon is None or lat is None or system is None:
            given = {lon_key, lat_key} & self.row.values.keys()
            if len(given) == 1 and not required:  # the one left empty is the problem
                self.problem(({lon_key, lat_key} - given).pop(), "coordinate_pair")
            return None
        point = to_wgs84(lon, lat, system)
        if in_district(*point):
            return point
        swapped = in_district(*to_wgs84(lat, lon, system))
        reason = "swapped_coordinates" if swapped else "outside_district"
        self.problem(lon_key, reason, point=f"{lon}, {lat}")
        return None
