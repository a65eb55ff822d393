"""Closed vocabularies as offices type them: any label in either language, its short form
(重大 for 重大（红）), its colour (红) or the stored value, matched loosely."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import cache
from typing import Any

from registry.kernel import i18n
from registry.kernel.geo import CoordinateSystem

Choices = type[StrEnum] | tuple[str, ...]

_IGNORED = re.compile(r"[\s\-–—_~～]")
_PARENTHESISED = re.compile(r"\((.*?)\)")
_SEPARATORS = re.compile(r"[/、,;]")


def normalise(text: str) -> str:
    """Full-width to half-width, case folded, without spaces or dashes: how two spellings
    of one header or label are told to be the same."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def display(value: Any, language: str) -> str:
    """The label shown to users for a choice value."""
    if isinstance(value, CoordinateSystem):
        return i18n.translate(f"crs.{value.value}", language)
    if isinstance(value, StrEnum):
        return i18n.label(value, language)
    return str(value)


def short_label(value: Any, language: str) -> str:
    """The label without its parenthesis when that holds commas (an Excel list separator)."""
    label = display(value, language)
    text = unicodedata.normalize("NFKC", label)
    return _PARENTHESISED.sub("", text).strip() if "," in text else label


def _spellings(label: str) -> set[str]:
    """A label, the label without its parenthesis, and each part of either."""
    text = unicodedata.normalize("NFKC", label)
    short = _PARENTHESISED.sub("", text)
    parts = {text, short, *_SEPARATORS.split(short)}
    for inner in _PARENTHESISED.findall(text):
        parts.update(_SEPARATORS.split(inner))
    return {normalise(part) for part in parts if normalise(part)}


@cache
def spellings(choices: Choices) -> dict[str, object]:
    """Every accepted spelling → value; a spelling two values share is dropped."""
    found: dict[str, set[Any]] = {}
    for value in choices:
        names = {str(value), getattr(value, "name", str(value))}
        for language in i18n.LANGUAGES:
            names |= _spellings(display(value, language))
        for name in names:
            found.setdefault(normalise(name), set()).add(value)
    return {name: next(iter(values)) for name, values in found.items() if len(values) == 1}


def lookup(choices: Choices, text: str) -> Any:
    """The value a typed text means, or None."""
    return spellings(choices).get(normalise(text))


def listing(choices: Choices, language: str) -> str:
    """The allowed values as users see them, for instructions and refusals."""
    separator = "、" if language == "zh" else ", "
    return separator.join(display(value, language) for value in choices)
