"""Loading and labelling the office map's records for one filter and language.

Cached on the data version, so an edit anywhere (any process) shows on the next rerun.
"""

from __future__ import annotations

import streamlit as st

from page_helpers import map_table, ui
from registry.kernel import i18n
from registry.kernel.clock import today, utcnow
from registry.mapdata.indicators import locality_indicators
from registry.mapdata.layers import MapFilter, checkpoint_rows, depot_rows, team_rows
from registry.records import queries
from registry.response import map_layers


def _label_rows(records: dict, language: str) -> None:
    """A tooltip label per row, in the UI language: what is the point's own (name, counts);
    the map adds what its style and locality say. User text is escaped by maps/."""

    def t(key, **values):
        return i18n.translate(key, language, **values)

    demo = f"[{t('map.demo')}]"
    for row in records["depots"]:
        flags = t(
            "map.label.flags",
            below=row["below_quota"],
            expiring=row["expiring_lots"],
            expired=row["expired_lots"],
        )
        row["label"] = "\n".join(
            filter(
                None,
                [row["name"], flags, demo if row["is_demo"] else ""],
            )
        )
    for row in records["teams"]:
        row["label"] = "\n".join(
            filter(
                None,
                [
                    row["name"],
                    t("map.label.team", members=row["members"], target=row["target"]),
                    demo if row["is_demo"] else "",
                ],
            )
        )
    for row in records["terminals"]:
        row["label"] = "\n".join(
            filter(None, [row["name"], t(f"enum.TerminalStatus.{row['status']}"),
                          demo if row["is_demo"] else ""])
        )  # fmt: skip
    for row in records["checkpoints"]:
        rect = (
            t(
                "map.label.rect",
                open=row["open_rectifications"],
                overdue=row["overdue_rectifications"],
            )
            if row["open_rectifications"]
            else ""
        )
        row["label"] = "\n".join(
            filter(
                None,
                [row["name"], rect, demo if row["is_demo"] else ""],
            )
        )


@st.cache_resource(max_entries=4, show_spinner=False)
def load(version: int, filters: MapFilter, language: str, warning_days: int) -> dict:
    """Rows for the map and the table, the locality polygons and their indicators.

    ``version`` (the data version) is only part of the cache key: a write anywhere
    changes it, so the next rerun reads fresh rows. (A leading underscore would drop it
    from the key.) Held as a shared resource, not copied per rerun: at province scale
    unpickling 100,000 rows would cost a quarter second each time. Read-only for callers."""
    day = today()
    records = {
        "depots": ui.read(depot_rows, filters, day, warning_days),
        "teams": ui.read(team_rows, filters, day),
        "checkpoints": ui.read(checkpoint_rows, filters, day),
        "localities": ui.read(queries.locality_features),
        "summary": ui.read(queries.locality_summary),
        "indicators": ui.read(locality_indicators, day),
        "has_demo": ui.read(queries.has_demo_records),
        "warnings": ui.read(map_layers.warning_areas, utcnow()),
        "terminals": ui.read(map_layers.terminal_rows, filters.locality_ids),
    }
    _label_rows(records, language)
    return records


@st.cache_resource(max_entries=4, show_spinner=False)
def table(version: int, filters: MapFilter, language: str, warning_days: int, layers: tuple):
    """The table under the map for these records and visible layers (shared, read-only)."""
    return map_table.frame(load(version, filters, language, warning_days), set(layers))


@st.cache_data(show_spinner=False)
def options(version: int) -> dict:
    """Choices for the filters: localities and items, by id (cached per data version)."""
    return {
        "localities": ui.read(queries.locality_choices),
        "items": ui.read(queries.item_choices),
    }
