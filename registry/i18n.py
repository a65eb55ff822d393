"""One translation layer for every user-visible string: Simplified Chinese first, English too.

Catalogues are flat JSON files in ``registry/locales``; a test keeps them key-for-key equal.
Enum values are labelled through keys ``enum.<EnumName>.<value>``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@cache
def catalogue(language: str) -> dict[str, str]:
    return json.loads((LOCALES_DIR / f"{language}.json").read_text(encoding="utf-8"))


def translate(key: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for ``key``; a missing key shows itself rather than failing."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**values) if values else text


def label(member: StrEnum, language: str = DEFAULT_LANGUAGE) -> str:
    """The display label of an enum member."""
    return translate(f"enum.{type(member).__name__}.{member.value}", language)
