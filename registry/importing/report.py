"""What an import found, kept as catalogue keys with values so the same report reads in
Chinese or English: in the page's table and on the administrators' command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from registry.importing import choices
from registry.kernel import i18n
from registry.kernel.errors import RegistryError

VALUE_SHOWN = 60  # characters of a cell repeated in the report


@dataclass(frozen=True)
class Problem:
    """One reason to refuse: ``row`` is the Excel row (header = 1), None for the whole file;
    ``column`` is a column key, or the header text as found when it matches no column."""

    row: int | None
    column: str | None
    value: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


def shown(value: Any) -> str:
    """A cell as text for the report, shortened."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == time():
        value = value.date()
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 1] + "…"


def _param(value: Any, language: str) -> str:
    if (isinstance(value, type) and issubclass(value, StrEnum)) or isinstance(value, tuple):
        return choices.listing(value, language)
    if isinstance(value, StrEnum):
        return choices.display(value, language)
    return shown(value)


def column_label(column: str | None, language: str, headers: dict[str, str] | None = None) -> str:
    """A column as the user knows it: their own header when the sheet was mapped."""
    if column is None:
        return ""
    if headers and column in headers:
        return headers[column]
    key = f"import.col.{column}"
    return i18n.translate(key, language) if key in i18n.catalogue(language) else column


def reason_text(problem: Problem, language: str) -> str:
    values = {name: _param(value, language) for name, value in problem.params.items()}
    return i18n.translate(f"import.reason.{problem.reason}", language, **values)


@dataclass
class ImportReport:
    """Rows read, problems found and records an import would create (or created)."""

    kind: str
    sha256: str
    language: str = i18n.DEFAULT_LANGUAGE
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    would_create: dict[str, int] = field(default_factory=dict)
    committed: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # field → the sheet's own header
    notes: list[str] = field(default_factory=list)  # what was derived (catalogue keys)

    def notes_text(self, language: str | None = None) -> list[str]:
        return [i18n.translate(f"import.note.{note}", language or self.language)
                for note in self.notes]  # fmt: skip

    @property
    def suggestions(self) -> dict[str, tuple[int, str]]:
        """Item names written that may mean a catalogue item: written → (id, name)."""
        return {
            problem.value: (problem.params["item_id"], problem.params["item"])
            for problem in self.problems
            if problem.reason == "item_suggestion"
        }

    @property
    def ok(self) -> bool:
        return not self.problems

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: p.row or 0)

    def as_rows(self, language: str | None = None) -> list[dict[str, Any]]:
        """One dict per problem (行, 列, 值, 原因 — or Row, Column, …) for a table; every
        value is text, so a dataframe column never mixes numbers and words."""
        lang = language or self.language

        def t(key: str) -> str:
            return i18n.translate(f"import.report.{key}", lang)

        return [
            {
                t("row"): str(problem.row) if problem.row is not None else t("file"),
                t("column"): column_label(problem.column, lang, self.headers),
                t("value"): problem.value,
                t("reason"): reason_text(problem, lang),
            }
            for problem in self.sorted_problems()
        ]

    def counts_text(self, language: str) -> str:
        separator = "、" if language == "zh" else ", "
        return separator.join(
            i18n.translate(f"import.entity.{entity}", language, count=count)
            for entity, count in self.would_create.items()
        )

    def summary(self, language: str | None = None) -> str:
        lang = language or self.language
        state = "committed" if self.committed else "ready" if self.ok else "refused"
        return i18n.translate(
            f"import.summary.{state}",
            lang,
            kind=i18n.translate(f"import.kind.{self.kind}", lang),
            rows=self.rows,
            problems=len(self.problems),
            counts=self.counts_text(lang),
        )

    def as_text(self, language: str | None = None) -> str:
        """The summary, then one line per problem: what the command line prints."""
        lang = language or self.language
        rows = self.as_rows(lang)
        lines = [self.summary(lang), *self.notes_text(lang)]
        if rows:
            lines.append(" | ".join(rows[0]))
            lines += [" | ".join(str(value) for value in row.values()) for row in rows]
        return "\n".join(lines)


class ImportRefused(RegistryError):
    """Raised by ``commit`` on any problem, so the caller's transaction rolls back whole."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("import.summary.refused")
        self.report = report

    def render(self, language: str, *, labelled: bool = True) -> str:
        """The report's own summary: the report is already keys and values."""
        return self.report.summary(language)

    def __str__(self) -> str:
        return self.report.summary()
