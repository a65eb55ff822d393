"""The table beneath the map: the same filtered records, exportable to Excel, CSV, GeoJSON."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import ui
from maps.office_map import format_indicator
from registry.enums import CheckpointType, DepotLevel, RiskLevel, TeamKind
from registry.exports import to_csv_bytes, to_excel_bytes, to_geojson_bytes


def _rows(records: dict, layers: set[str]) -> list[dict]:
    """One flat row per record on the map, in the UI language."""
    rows = []
    for row in records["depots"]:
        if f"{row['level']}_depots" in layers:
            rows.append(
                {
                    "kind": ui.label(DepotLevel(row["level"])),
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
        for row in records["teams"]:
            rows.append(
                {
                    "kind": ui.t("map.layer.teams"),
                    "row": row,
                    "type": ui.label(TeamKind(row["kind"])),
                    "risk": "",
                    "flags": f"{row['members']}/{row['target']}",
                }
            )
    if "checkpoints" in layers:
        for row in records["checkpoints"]:
            rows.append(
                {
                    "kind": ui.t("map.layer.checkpoints"),
                    "row": row,
                    "type": ui.label(CheckpointType(row["type"])),
                    "risk": ui.label(RiskLevel(row["risk_level"])),
                    "flags": ui.t(
                        "map.label.rect",
                        open=row["open_rectifications"],
                        overdue=row["overdue_rectifications"],
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


def show(records: dict, layers: set[str]) -> str | None:
    """The table with its export buttons; returns the key of a row the user selected."""
    table = frame(records, layers)
    if table.empty:
        st.info(ui.t("map.table.empty"))
        return None
    event = st.dataframe(
        table.drop(columns="key"),
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
        to_excel_bytes(export, "records"),
        "haizhou-records.xlsx",
        key="map.export.xlsx",
    )
    columns[1].download_button(
        ui.t("map.export.csv"),
        to_csv_bytes(export),
        "haizhou-records.csv",
        "text/csv",
        key="map.export.csv",
    )
    geo_rows = [
        {**row, "lon": lon, "lat": lat}
        for row, lon, lat in zip(
            export.to_dict("records"), table[ui.t("col.lon")], table[ui.t("col.lat")], strict=True
        )
    ]
    columns[2].download_button(
        ui.t("map.export.geojson"),
        to_geojson_bytes(geo_rows),
        "haizhou-records.geojson",
        "application/geo+json",
        key="map.export.geojson",
    )
    selected = event.selection.rows if event else []
    return table["key"].iloc[selected[0]] if selected else None


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
