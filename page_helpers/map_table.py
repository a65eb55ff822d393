"""The table beneath the map: the same filtered records, exportable to Excel, CSV, GeoJSON."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from maps.office_map import format_indicator
from page_helpers import ui
from registry.kernel.enums import CheckpointType, DepotLevel, RiskLevel, TeamKind
from registry.kernel.exports import to_csv_bytes, to_excel_bytes, to_geojson_bytes

SHOWN_ROWS = 2_000  # the grid shows the first rows; the exports hold every one


class _Labels(dict):
    """Enum labels looked up once per value, not once per row."""

    def __missing__(self, member):
        self[member] = ui.label(member)
        return self[member]


def _rows(records: dict, layers: set[str]) -> list[dict]:
    """One flat row per record on the map, in the UI language."""
    label = _Labels()
    rows = []
    for row in records["depots"]:
        if f"{row['level']}_depots" in layers:
            rows.append(
                {
                    "kind": label[DepotLevel(row["level"])],
                    "row": row,
                    "type": "",
                    "risk": "",
                    "flags": ui.t(
                        "map.label.flags",
                        below=row["below_quota"],
                        expiring=row["expiring_lots"],
                        expired=row["expired_lots"],
                    ),
                }
            )
    if "teams" in layers:
        teams = ui.t("map.layer.teams")
        for row in records["teams"]:
            rows.append(
                {
                    "kind": teams,
                    "row": row,
                    "type": label[TeamKind(row["kind"])],
                    "risk": "",
                    "flags": f"{row['members']}/{row['target']}",
                }
            )
    if "checkpoints" in layers:
        checkpoints, rect = ui.t("map.layer.checkpoints"), ui.t("map.label.rect")
        for row in records["checkpoints"]:
            rows.append(
                {
                    "kind": checkpoints,
                    "row": row,
                    "type": label[CheckpointType(row["type"])],
                    "risk": label[RiskLevel(row["risk_level"])],
                    "flags": rect.format(
                        open=row["open_rectifications"], overdue=row["overdue_rectifications"]
                    )
                    if row["open_rectifications"]
                    else "",
                }
            )
    return rows


def frame(records: dict, layers: set[str]) -> pd.DataFrame:
    rows = _rows(records, layers)
    return pd.DataFrame(
        {
            ui.t("map.table.kind"): [r["kind"] for r in rows],
            ui.t("col.name"): [r["row"]["name"] for r in rows],
            ui.t("col.locality"): [r["row"]["locality"] for r in rows],
            ui.t("col.type"): [r["type"] for r in rows],
            ui.t("col.risk"): [r["risk"] for r in rows],
            ui.t("col.flags"): [r["flags"] for r in rows],
            ui.t("col.lon"): [round(r["row"]["lon"], 6) for r in rows],
            ui.t("col.lat"): [round(r["row"]["lat"], 6) for r in rows],
            "key": [r["row"]["key"] for r in rows],
        }
    )


def _geojson(table: pd.DataFrame) -> bytes:
    export = table.drop(columns="key")
    return to_geojson_bytes(
        [
            {**row, "lon": lon, "lat": lat}
            for row, lon, lat in zip(
                export.to_dict("records"),
                table[ui.t("col.lon")],
                table[ui.t("col.lat")],
                strict=True,
            )
        ]
    )


def show(table: pd.DataFrame) -> str | None:
    """The table with its export buttons; returns the key of a row the user selected.

    At province scale the grid shows the first ``SHOWN_ROWS`` rows (filters narrow it) and
    the exports, built only when clicked, hold every row."""
    if table.empty:
        st.info(ui.t("map.table.empty"))
        return None
    shown = table.head(SHOWN_ROWS)
    if len(table) > len(shown):
        st.caption(ui.t("map.table.capped", shown=len(shown), total=len(table)))
    event = st.dataframe(
        shown.drop(columns="key"),
        hide_index=True,
        width="stretch",
        height=320,
        on_select="rerun",
        selection_mode="single-row",
        key="map.table",
    )
    export = table.drop(columns="key")
    columns = st.columns(3)
    columns[0].download_button(
        ui.t("map.export.excel"),
        lambda: to_excel_bytes(export, "records"),
        "haizhou-records.xlsx",
        key="map.export.xlsx",
    )
    columns[1].download_button(
        ui.t("map.export.csv"),
        lambda: to_csv_bytes(export),
        "haizhou-records.csv",
        "text/csv",
        key="map.export.csv",
    )
    columns[2].download_button(
        ui.t("map.export.geojson"),
        lambda: _geojson(table),
        "haizhou-records.geojson",
        "application/geo+json",
        key="map.export.geojson",
    )
    selected = event.selection.rows if event else []
    return shown["key"].iloc[selected[0]] if selected else None


def localities(summary: list[dict], indicator: str, values: dict) -> None:
    """Every locality with its codes, record counts and the indicator colouring the map."""
    st.dataframe(
        pd.DataFrame(
            {
                ui.t("col.name"): [row["name"] for row in summary],
                ui.t("col.kind"): [ui.label(row["kind"]) for row in summary],
                ui.t("col.mca_code"): [row["mca_code"] for row in summary],
                ui.t("col.nbs_code"): [row["nbs_code"] for row in summary],
                ui.t("col.population"): [row["population"] for row in summary],
                ui.t("col.depots"): [row["depots"] for row in summary],
                ui.t("col.teams"): [row["teams"] for row in summary],
                ui.t("col.checkpoints"): [row["checkpoints"] for row in summary],
                ui.t("col.open_rectifications"): [row["open_rectifications"] for row in summary],
                ui.t(f"indicator.{indicator}"): [
                    format_indicator(indicator, values.get(row["id"])) for row in summary
                ],
                ui.t("col.boundary"): [ui.label(row["boundary_source"]) for row in summary],
            }
        ),
        hide_index=True,
        width="stretch",
    )
