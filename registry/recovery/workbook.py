"""The replenishment list as a workbook for procurement (补库清单.xlsx): one row per depot and
item, with what went out, the stock and quota at listing, the suggested quantity, what has
arrived and what is still to come. Text cells are formula-escaped
(``registry.kernel.exports``): depot and item names are typed by users."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from registry.kernel import i18n
from registry.kernel.exports import to_excel_bytes
from registry.recovery.replenishment import LineRow

COLUMNS = (
    "depot",
    "locality",
    "code",
    "item",
    "unit",
    "consumed",
    "stock",
    "minimum",
    "suggested",
    "received",
    "outstanding",
    "state",
    "reason",
    "event",
)


def _values(row: LineRow, language: str) -> tuple[object, ...]:
    state = i18n.translate(f"recovery.state.{row.state}", language)
    return (
        row.depot, row.locality, row.code, row.item, row.unit, row.consumed,
        row.stock_at_listing, row.quota_minimum, row.suggested, row.received, row.outstanding,
        state, row.waive_reason or "", row.event_title,
    )  # fmt: skip


def build(rows: Sequence[LineRow], language: str) -> bytes:
    """The lines as one sheet, headed in ``language``."""
    header = [i18n.translate(f"recovery.col.{name}", language) for name in COLUMNS]
    frame = pd.DataFrame([_values(row, language) for row in rows], columns=header)
    return to_excel_bytes(frame, i18n.translate("recovery.sheet", language))
