"""Telling our template from an office's own workbook, and what the user sees before they
confirm a mapping: where the table is, the columns proposed (or saved for this sheet
shape) and the first rows as they would be imported."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.importing import saved, stock_rows
from registry.importing.cells import RowCells
from registry.importing.choices import display, normalise
from registry.importing.columns import CHOICE, COORD, DATE, INT, LIST, Column
from registry.importing.layout import Layout
from registry.importing.lookups import Lookups
from registry.importing.mapping import Proposal, fields, known_headers, propose
from registry.importing.reader import MAX_FILE_BYTES, mapped_sheet, not_template, read, read_layout
from registry.importing.report import Problem
from registry.kernel.models import Item
from registry.kernel.permissions import Actor

SAMPLE_ROWS = 5


@dataclass(frozen=True)
class Recognised:
    """An upload as the importer sees it: ``layout`` None for our template (or a file
    refused as it is); else the office's table, the mapping proposed for it and the one
    saved for its shape, if any (used as it is: no mapping step)."""

    layout: Layout | None
    proposal: Proposal | None = None
    saved: saved.SavedMapping | None = None

    @property
    def columns(self) -> dict[str, str | None] | None:
        if self.saved is not None:
            return self.saved.columns
        return None if self.proposal is None else self.proposal.columns


def recognise(
    session: Session, actor: Actor, kind: str, data: bytes, *, max_bytes: int = MAX_FILE_BYTES
) -> Recognised:
    """Our template when its headers are ours; otherwise the table of the office's own
    sheet with a proposed mapping and the saved one for its shape."""
    if not not_template(read(data, kind, max_bytes=max_bytes)):
        return Recognised(None)
    table, _problems = read_layout(data, known_headers(kind), max_bytes=max_bytes)
    if table is None:
        return Recognised(None)
    names = frozenset(normalise(name) for name in session.scalars(select(Item.name)))
    return Recognised(
        table,
        propose(kind, table, names),
        saved.saved_for(session, actor, kind, table.headers),
    )


def read_value(cells: RowCells, column: Column) -> Any:
    """A cell read the way the import reads its column: numbers, ISO dates, choices as their
    values (a list of them for a list column), text; None when it cannot be read."""
    key = column.key
    if column.type == INT:
        return cells.integer(key, minimum=0)
    if column.type == COORD:
        return cells.number(key)
    if column.type == DATE:
        found = cells.date(key)
        return found.isoformat() if found else None
    if column.type == CHOICE and column.choices:
        return cells.choice(key, column.choices)
    if column.type == LIST and column.choices:
        return cells.choice_list(key, column.choices)
    return cells.text(key, max_len=10_000)


def _displayed(value: Any, language: str) -> Any:
    if isinstance(value, list):
        return "、".join(display(v, language) for v in value)
    return display(value, language) if isinstance(value, StrEnum) else value


def sample(
    session: Session, actor: Actor, kind: str, table: Layout,
    columns: Mapping[str, str | None], *, today: date, language: str,
) -> list[dict[str, Any]]:  # fmt: skip
    """The first rows as they would be imported: field → value read the way the import
    reads it (a value it cannot read shows as None; the check names it), with a ledger's
    derived batch and expiry."""
    look = Lookups(session, actor, today, language, own_format=True)
    found = []
    for row in mapped_sheet(table, columns).rows[:SAMPLE_ROWS]:
        problems: list[Problem] = []
        cells = RowCells(row, problems, lenient=True)
        shown = {
            c.key: _displayed(read_value(cells, c), language)
            for c in fields(kind)
            if c.key in row.values
        }
        if kind == "stock":
            if "expiry_date" not in row.values:
                expiry = stock_rows.ledger_expiry(cells, look)
                shown["expiry_date"] = expiry.isoformat() if expiry else None
            if "batch" not in row.values:
                received = cells.date("received_on")
                shown["batch"] = stock_rows.ledger_batch(cells, look, received)
        found.append({"row": row.number, **shown})
    return found
