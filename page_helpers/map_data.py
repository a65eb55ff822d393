"""Loading and labelling the office map's records for one filter and language.

Each part is cached on the version of the records it reads (``MapVersions``), so an edit
shows on the next rerun in any process, and reloads only the parts that read what it
changed: a task update or a disaster report reloads nothing here, a stock receipt the
depots and the locality figures only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import streamlit as st

from page_helpers import map_table, ui
from registry.kernel import audit, i18n
from registry.kernel.audit import WHOLE_DATABASE
from registry.kernel.clock import today, utcnow
from registry.mapdata.indicators import locality_indicators
from registry.mapdata.layers import (
    CHECKPOINT_READS,
    DEPOT_READS,
    RECORD_READS,
    TEAM_READS,
    MapFilter,
    checkpoint_rows,
    depot_rows,
    team_rows,
)
from registry.records import queries
from registry.response import map_layers
from registry.response.map_layers import TERMINAL_READS, WARNING_READS


def _labeller(language: str):
    def t(key, **values):
        return i18n.translate(key, language, **values)

    return t, f"[{t('map.demo')}]"


def _label_depots(rows: list, language: str) -> None:
    """A tooltip label per row, in the UI language: what is the point's own (name, counts);
    the map adds what its style and locality say. User text is escaped by maps/."""
    t, demo = _labeller(language)
    for row in rows:
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


def _label_teams(rows: list, language: str) -> None:
    t, demo = _labeller(language)
    for row in rows:
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


def _label_terminals(rows: list, language: str) -> None:
    t, demo = _labeller(language)
    for row in rows:
        row["label"] = "\n".join(
            filter(None, [row["name"], t(f"enum.TerminalStatus.{row['status']}"),
                          demo if row["is_demo"] else ""])
        )  # fmt: skip


def _label_checkpoints(rows: list, language: str) -> None:
    t, demo = _labeller(language)
    for row in rows:
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


@dataclass(frozen=True)
class MapVersions:
    """The version of what each part of the map reads (``audit.versions``)."""

    depots: int
    teams: int
    checkpoints: int
    records: int  # the three layers together: locality figures and counts
    terminals: int
    warnings: int
    localities: int


def versions() -> MapVersions:
    seen = ui.read(audit.versions)
    return MapVersions(
        *(audit.version_of(seen, reads) for reads in (
            DEPOT_READS, TEAM_READS, CHECKPOINT_READS, RECORD_READS, TERMINAL_READS,
            WARNING_READS, WHOLE_DATABASE,
        ))
    )  # fmt: skip


# Each part below is a shared resource, not copied per rerun (at province scale unpickling
# 100,000 rows would cost a quarter second each time), read-only for callers; ``version``
# is only part of the key (a leading underscore would drop it). On PostgreSQL a transaction
# that took its audit id before another's but commits after it is not seen by the version:
# the parts are read again after REFRESH_S at the latest.
REFRESH_S = 600


@st.cache_resource(max_entries=4, ttl=REFRESH_S, show_spinner=False)
def _depots(version: int, day: date, filters: MapFilter, language: str, warning_days: int) -> list:
    rows = ui.read(depot_rows, filters, day, warning_days)
    _label_depots(rows, language)
    return rows


@st.cache_resource(max_entries=4, ttl=REFRESH_S, show_spinner=False)
def _teams(version: int, day: date, filters: MapFilter, language: str) -> list:
    rows = ui.read(team_rows, filters, day)
    _label_teams(rows, language)
    return rows


@st.cache_resource(max_entries=4, ttl=REFRESH_S, show_spinner=False)
def _checkpoints(version: int, day: date, filters: MapFilter, language: str) -> list:
    rows = ui.read(checkpoint_rows, filters, day)
    _label_checkpoints(rows, language)
    return rows


@st.cache_resource(max_entries=4, ttl=REFRESH_S, show_spinner=False)
def _terminals(version: int, locality_ids: tuple[int, ...], language: str) -> list:
    rows = ui.read(map_layers.terminal_rows, locality_ids)
    _label_terminals(rows, language)
    return rows


@st.cache_resource(max_entries=2, ttl=REFRESH_S, show_spinner=False)
def _figures(version: int, day: date) -> dict:
    """What the locality polygons show: indicators and counts."""
    return {
        "summary": ui.read(queries.locality_summary),
        "indicators": ui.read(locality_indicators, day),
        "has_demo": ui.read(queries.has_demo_records),
    }


@st.cache_resource(max_entries=2, ttl=REFRESH_S, show_spinner=False)
def _localities(version: int) -> dict:
    return ui.read(queries.locality_features)


@st.cache_resource(max_entries=2, ttl=REFRESH_S, show_spinner=False)
def _warnings(version: int, minute: datetime) -> dict:
    """Warnings in force (the minute is part of the key: one expires without a write)."""
    return ui.read(map_layers.warning_areas, minute)


def load(parts: MapVersions, filters: MapFilter, language: str, warning_days: int) -> dict:
    """Rows for the map and the table, the locality polygons and their indicators, each
    part from its own cache."""
    day = today()  # part of the keys: expiry and overdue flags change at midnight
    return {
        "depots": _depots(parts.depots, day, filters, language, warning_days),
        "teams": _teams(parts.teams, day, filters, language),
        "checkpoints": _checkpoints(parts.checkpoints, day, filters, language),
        "localities": _localities(parts.localities),
        **_figures(parts.records, day),
        "warnings": _warnings(parts.warnings, utcnow().replace(second=0, microsecond=0)),
        "terminals": _terminals(parts.terminals, filters.locality_ids, language),
    }


@st.cache_resource(max_entries=4, show_spinner=False)
def table(
    parts: MapVersions, filters: MapFilter, language: str, warning_days: int, layers: tuple,
    day: date,
):  # fmt: skip
    """The table under the map for these records and visible layers (shared, read-only);
    ``day`` keys it like the layers (their flags change at midnight)."""
    return map_table.frame(load(parts, filters, language, warning_days), set(layers))


@st.cache_data(show_spinner=False)
def options(version: int) -> dict:
    """Choices for the filters: localities and items, by id (cached on their version)."""
    return {
        "localities": ui.read(queries.locality_choices),
        "items": ui.read(queries.item_choices),
    }
