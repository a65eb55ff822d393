"""One translation layer for every user-visible string: Simplified Chinese first, English too.

Each language is a folder of flat JSON files in ``registry/locales/<language>/`` (one per
area of the app), merged; a test keeps the two languages key-for-key equal and the files free
of duplicate keys.
Enum values are labelled through keys ``enum.<EnumName>.<value>`` (audit actions and
entities through ``audit.action.<value>`` and ``audit.entity.<value>``).
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def catalogue_files(language: str) -> list[Path]:
    return sorted((LOCALES_DIR / language).glob("*.json"))


@cache
def catalogue(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalogue_files(language):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def translate(key: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for ``key``; a missing key shows itself rather than failing."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**values) if values else text


# Enums whose labels live under their own prefix rather than ``enum.<EnumName>``.
LABEL_PREFIXES = {"AuditAction": "audit.action", "AuditEntity": "audit.entity"}


def label_key(member: StrEnum) -> str:
    """The catalogue key of an enum member's label."""
    name = type(member).__name__
    return f"{LABEL_PREFIXES.get(name, f'enum.{name}')}.{member.value}"


def label(member: StrEnum, language: str = DEFAULT_LANGUAGE) -> str:
    """The display label of an enum member."""
    return translate(label_key(member), language)
