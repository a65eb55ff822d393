"""Refusals the pages show in the user's language.

A refusal is a catalogue key (``error.*``) with parameters, rendered when it is shown, as the
import report does: ``error.message(language)`` for a page, naming the field by its label
(``field.<name>``); ``str(error)`` is the English text with the field's own name, for logs,
the command line and tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from registry.kernel import i18n


@dataclass(frozen=True)
class Term:
    """A word of the domain in a refusal that is not an enum member: shown by the label
    under ``key``, or as ``code`` in the English text for logs."""

    key: str
    code: str


def field_label(field: str, language: str) -> str:
    """The label of an input named in a refusal (``field.<name>``); a name that came with the
    input rather than from the code (an unknown column, say) is shown as it is."""
    key = f"field.{field}"
    return i18n.translate(key, language) if key in i18n.catalogue(language) else field


def _listing(kind: type[StrEnum], language: str, labelled: bool) -> str:
    names = [i18n.label(m, language) if labelled else m.value for m in kind]
    return ("、" if language == "zh" else ", ").join(names)


def shown(value: object, language: str, *, labelled: bool = True) -> str:
    """A parameter as text: enum members and terms by label (their code when not
    ``labelled``), an enum class as its members, dates in ISO form, a nested refusal
    rendered the same way, a list as its items."""
    if isinstance(value, RegistryError):
        return value.render(language, labelled=labelled)
    if isinstance(value, Term):
        return i18n.translate(value.key, language) if labelled else value.code
    if isinstance(value, type) and issubclass(value, StrEnum):
        return _listing(value, language, labelled)
    if isinstance(value, StrEnum):
        return i18n.label(value, language) if labelled else value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "; ".join(shown(item, language, labelled=labelled) for item in value)
    return str(value)


class RegistryError(Exception):
    """Base class for refusals the user should read: ``key`` names the message, ``params``
    fill it, ``field`` and ``row`` say where, when known."""

    def __init__(
        self, key: str, *, field: str | None = None, row: int | None = None, **params: object
    ) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.row = row
        self.params = params

    def render(self, language: str, *, labelled: bool = True) -> str:
        """The refusal in ``language``; ``labelled`` names fields and choices by their
        translated labels, otherwise by their names in the code."""
        values = {name: shown(v, language, labelled=labelled) for name, v in self.params.items()}
        field = self.field or ""
        if field and labelled:
            field = field_label(field, language)
        return i18n.translate(self.key, language, field=field, **values)

    def message(self, language: str) -> str:
        """What a page shows a user reading ``language``."""
        return self.render(language)

    def __str__(self) -> str:
        return self.render("en", labelled=False)


class PermissionDenied(RegistryError):
    """The actor's role or locality does not allow this action."""


class ValidationError(RegistryError, ValueError):
    """Input is invalid; ``field`` and ``row`` say where, when known."""


class StaleRecord(RegistryError):
    """Someone else saved this record since it was read; ``changes`` says what changed."""

    def __init__(
        self, key: str, changes: Mapping[str, tuple[object, object]] | None = None, **params: Any
    ) -> None:
        super().__init__(key, **params)
        self.changes = changes or {}


class InvariantViolation(RegistryError):
    """A stock or ledger rule would be broken (negative stock, expired issue, ...)."""


class AuthenticationFailed(RegistryError):
    """Wrong credentials, a disabled account or a locked account."""
