"""The core's answers as JSON, and the JSON Schema of each answer's type for the OpenAPI
document, derived from the same type hints so the document cannot drift from the answers.

Times are stored as naive UTC and sent as ISO 8601 with ``Z``; dates as ``YYYY-MM-DD``;
enumerations as their values; exact decimals (hundredths) as numbers.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict


def plain(value: Any) -> Any:
    """``value`` as JSON-ready lists, dicts, strings and numbers."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat() + "Z" if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    raise TypeError(f"no JSON form for {type(value).__name__}")


SCALARS: dict[Any, dict[str, Any]] = {
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    Decimal: {"type": "number"},
    str: {"type": "string"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
}


def _union(options: tuple[Any, ...], components: dict[str, Any]) -> dict[str, Any]:
    nullable = type(None) in options
    rest = [o for o in options if o is not type(None)]
    inner = schema_of(rest[0], components) if len(rest) == 1 else {
        "anyOf": [schema_of(o, components) for o in rest]
    }  # fmt: skip
    return {"anyOf": [inner, {"type": "null"}]} if nullable else inner


def _record(kind: type, components: dict[str, Any]) -> dict[str, Any]:
    """A dataclass or TypedDict, once, under ``components`` by its name; a reference here."""
    name = kind.__name__
    if name not in components:
        components[name] = {}  # reserved first: a type may refer to itself
        hints = _hints(kind)
        if dataclasses.is_dataclass(kind):
            names = [f.name for f in dataclasses.fields(kind)]
            required = required_fields(kind)
        else:
            names = required = list(hints)
        components[name] = {
            "type": "object",
            "properties": {n: schema_of(hints[n], components) for n in names},
            "required": required,
        }
        if kind.__doc__ and not kind.__doc__.startswith(f"{name}("):
            components[name]["description"] = " ".join(kind.__doc__.split())
    return {"$ref": f"#/components/schemas/{name}"}


def _no_default(spec: dataclasses.Field[Any]) -> bool:
    return spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING


def required_fields(kind: type) -> list[str]:
    """The fields of a dataclass that have no default: those a request body must carry."""
    return [f.name for f in dataclasses.fields(kind) if _no_default(f)]


@cache
def _hints(kind: type) -> dict[str, Any]:
    return get_type_hints(kind)


def schema_of(kind: Any, components: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema (OpenAPI 3.1) of what ``plain`` makes of a value of type ``kind``."""
    if kind in SCALARS:
        return dict(SCALARS[kind])
    if kind is Any or kind is object:
        return {}
    if isinstance(kind, type) and issubclass(kind, Enum):
        return {"type": "string", "enum": [member.value for member in kind]}
    if isinstance(kind, type) and (dataclasses.is_dataclass(kind) or is_typeddict(kind)):
        return _record(kind, components)
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        return _union(args, components)
    if origin is Literal:
        return {"enum": list(args)}
    if origin is tuple and args and args[-1] is not Ellipsis:  # a pair, a triple…
        items = [schema_of(a, components) for a in args]
        return {"type": "array", "prefixItems": items, "minItems": len(args), "maxItems": len(args)}
    if origin in (list, tuple, set, frozenset) or (
        origin is not None
        and origin.__name__
        in {
            "Sequence",
            "Iterable",
        }
    ):
        return {"type": "array", "items": schema_of(args[0], components) if args else {}}
    if origin in (dict, Mapping) or (origin is not None and origin.__name__ == "Mapping"):
        values = schema_of(args[1], components) if args else {}
        return {"type": "object", "additionalProperties": values}
    if kind in (dict, list):
        return {"type": "object" if kind is dict else "array"}
    raise TypeError(f"no JSON Schema for {kind!r}")
