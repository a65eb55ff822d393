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
            raise ValidationError(f"{field}: required", field=field)
        return None
    if len(cleaned) > max_len:
        raise ValidationError(f"{field}: longer than {max_len} characters", field=field)
    return cleaned


def phone(value: Any, field: str) -> str | None:
    cleaned = text(value, field, max_len=20, required=False)
    if cleaned and not PHONE_PATTERN.match(cleaned):
        raise ValidationError(f"{field}: not a phone number: {cleaned!r}", field=field)
    return cleaned


def choice(value: Any, kind: type[E], field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValidationError(f"{field}: {value!r} is not one of {allowed}", field=field) from None


def quantity(value: Any, field: str = "quantity", *, allow_zero: bool = False) -> int:
    """A whole, positive (or zero) quantity below an absurdity limit."""
    if isinstance(value, bool):
        raise ValidationError(f"{field}: not a number", field=field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: not a number: {value!r}", field=field) from None
    if math.isnan(number) or number != int(number):
        raise ValidationError(f"{field}: must be a whole number: {value!r}", field=field)
    number = int(number)
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationError(f"{field}: must be positive: {number}", field=field)
    if number > MAX_QUANTITY:
        raise ValidationError(f"{field}: {number} is implausibly large", field=field)
    return number


def point_in_district(lon: Any, lat: Any, field: str = "location") -> tuple[float, float]:
    """WGS-84 longitude and latitude inside Haizhou."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: coordinates are not numbers", field=field) from None
    if not in_district(lon, lat):
        raise ValidationError(
            f"{field}: ({lon:.6f}, {lat:.6f}) lies outside Haizhou District", field=field
        )
    return lon, lat


@overload
def not_future(value: date, field: str, today: date) -> date: ...
@overload
def not_future(value: None, field: str, today: date) -> None: ...
def not_future(value: date | None, field: str, today: date) -> date | None:
    if value is not None and value > today:
        raise ValidationError(f"{field}: {value.isoformat()} is in the future", field=field)
    return value
