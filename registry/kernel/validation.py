"""Server-side checks shared by the use-cases and the importers.

Browser-side widget validation is only a convenience: everything is checked again here.
"""

from __future__ import annotations

import math
import re
from datetime import date
from enum import StrEnum
from typing import Any, Literal, TypeVar, overload

from registry.kernel.district import in_district
from registry.kernel.errors import ValidationError

PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{5,20}$")
MAX_QUANTITY = 10_000_000
E = TypeVar("E", bound=StrEnum)


@overload
def text(value: Any, field: str, *, max_len: int = 128, required: Literal[True] = True) -> str: ...
@overload
def text(value: Any, field: str, *, max_len: int = 128, required: bool) -> str | None: ...
def text(value: Any, field: str, *, max_len: int = 128, required: bool = True) -> str | None:
    """A trimmed string, refused when required and empty or when too long."""
    cleaned = "" if value is None else str(value).strip()
    if not cleaned:
        if required:
            raise ValidationError("error.required", field=field)
        return None
    if len(cleaned) > max_len:
        raise ValidationError("error.too_long", field=field, max_len=max_len)
    return cleaned


def phone(value: Any, field: str) -> str | None:
    cleaned = text(value, field, max_len=20, required=False)
    if cleaned and not PHONE_PATTERN.match(cleaned):
        raise ValidationError("error.not_a_phone", field=field, value=cleaned)
    return cleaned


def choice(value: Any, kind: type[E], field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise ValidationError(
            "error.unknown_choice", field=field, value=value, allowed=kind
        ) from None


def quantity(value: Any, field: str = "quantity", *, allow_zero: bool = False) -> int:
    """A whole, positive (or zero) quantity below an absurdity limit."""
    if isinstance(value, bool):
        raise ValidationError("error.not_a_number", field=field, value=value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError("error.not_a_number", field=field, value=value) from None
    if math.isnan(number) or number != int(number):
        raise ValidationError("error.not_whole", field=field, value=value)
    number = int(number)
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationError("error.not_positive", field=field, value=number)
    if number > MAX_QUANTITY:
        raise ValidationError("error.too_large", field=field, value=number)
    return number


def point_in_district(lon: Any, lat: Any, field: str = "location") -> tuple[float, float]:
    """WGS-84 longitude and latitude inside Haizhou."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValidationError("error.not_coordinates", field=field) from None
    if not in_district(lon, lat):
        raise ValidationError(
            "error.not_in_district", field=field, lon=f"{lon:.6f}", lat=f"{lat:.6f}"
        )
    return lon, lat


@overload
def not_future(value: date, field: str, today: date) -> date: ...
@overload
def not_future(value: None, field: str, today: date) -> None: ...
def not_future(value: date | None, field: str, today: date) -> date | None:
    if value is not None and value > today:
        raise ValidationError("error.in_future", field=field, day=value)
    return value
