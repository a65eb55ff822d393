"""隐患点: create, edit and retire the hazard checkpoints of one's own locality.

The location is picked on a small map or typed with its declared coordinate system (GCJ-02
from phone apps and Gaode, BD-09 from Baidu are converted to WGS-84 on the way in).
"""

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from page_helpers import editing, ui, widgets
from registry.kernel.enums import CheckpointType, RiskLevel
from registry.kernel.exports import to_excel_bytes
from registry.kernel.geo import CoordinateSystem
from registry.records import commands as records
from registry.records import queries

actor = ui.require_actor()
st.title(ui.t("cp.title"))
editing.flash()
localities = ui.read(queries.locality_choices)
own = [i for i in localities if actor.covers(i)] if not actor.district_wide else list(localities)
locality_id = st.selectbox(
    ui.t("col.locality"), own or list(localities), key="cp.locality", format_func=localities.get
)
checkpoints = ui.read(queries.checkpoints_for, actor, locality_id)
boundary = next(
    (
        f
        for f in ui.read(queries.locality_features)["features"]
        if f["properties"]["id"] == locality_id
    ),
    None,
)
writable = actor.keeps_records_of(locality_id)

table = pd.DataFrame(
    {
        ui.t("col.name"): [c["name"] for c in checkpoints],
        ui.t("col.type"): [ui.label(CheckpointType(c["type"])) for c in checkpoints],
        ui.t("col.risk"): [ui.label(RiskLevel(c["risk_level"])) for c in checkpoints],
        ui.t("details.address"): [c["address"] for c in checkpoints],
        ui.t("details.responsible"): [c["responsible_person"] for c in checkpoints],
        ui.t("details.monitor"): [c["monitor"] for c in checkpoints],
        ui.t("col.lon"): [round(c["lon"], 6) for c in checkpoints],
        ui.t("col.lat"): [round(c["lat"], 6) for c in checkpoints],
    }
)
st.dataframe(table, hide_index=True, width="stretch", height=260)
st.download_button(
    ui.t("map.export.excel"),
    to_excel_bytes(table, "checkpoints"),
    "checkpoints.xlsx",
    key="cp.export",
)


def pick_map() -> tuple[float, float] | None:
    """A small map of the locality; the last click is the picked location (WGS-84)."""
    if boundary is None:
        return None
    m = folium.Map(tiles=None, prefer_canvas=True)
    layer = folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": boundary["geometry"], "properties": {}}],
        },
        style_function=lambda _: {"color": "#263238", "weight": 2, "fillOpacity": 0.05},
    )
    layer.add_to(m)
    m.fit_bounds(layer.get_bounds())
    picked = st_folium(
        m,
        height=300,
        use_container_width=True,
        returned_objects=["last_clicked"],
        key=f"cp.pick.{locality_id}",
    )
    point = (picked or {}).get("last_clicked")
    return (point["lng"], point["lat"]) if point else None


def fields(prefix: str, current: dict) -> dict:
    """The editable fields of a checkpoint, pre-filled from ``current``."""
    types, risks = list(CheckpointType), list(RiskLevel)
    cols = st.columns(2)
    data = {
        "name": st.text_input(
            ui.t("col.name"), value=current.get("name", ""), key=f"{prefix}.name"
        ),
        "type": cols[0]
        .selectbox(
            ui.t("col.type"),
            types,
            format_func=ui.label,
            index=types.index(CheckpointType(current.get("type", "waterlogging"))),
            key=f"{prefix}.type",
        )
        .value,
        "risk_level": cols[1]
        .selectbox(
            ui.t("col.risk"),
            risks,
            format_func=ui.label,
            index=risks.index(RiskLevel(current.get("risk_level", "general"))),
            key=f"{prefix}.risk",
        )
        .value,
        "address": st.text_input(
            ui.t("details.address"), value=current.get("address") or "", key=f"{prefix}.address"
        ),
        "responsible_person": cols[0].text_input(
            ui.t("details.responsible"),
            value=current.get("responsible_person") or "",
            key=f"{prefix}.responsible",
        ),
        "responsible_phone": cols[1].text_input(
            ui.t("details.phone"),
            value=current.get("responsible_phone") or "",
            key=f"{prefix}.responsible_phone",
        ),
        "monitor": cols[0].text_input(
            ui.t("details.monitor"), value=current.get("monitor") or "", key=f"{prefix}.monitor"
        ),
        "monitor_phone": cols[1].text_input(
            ui.t("details.monitor_phone"),
            value=current.get("monitor_phone") or "",
            key=f"{prefix}.monitor_phone",
        ),
        "locality_id": locality_id,
    }
    return {k: v for k, v in data.items() if v != "" or k in ("name",)}


create_tab, edit_tab = st.tabs([ui.t("cp.tab.create"), ui.t("cp.tab.edit")])
with create_tab:
    st.caption(ui.t("cp.pick_hint"))
    picked = pick_map()
    start = picked or (119.18, 34.60)
    if picked:
        st.session_state["cp.new.lon"], st.session_state["cp.new.lat"] = picked
        st.session_state["cp.new.crs"] = CoordinateSystem.WGS84
    lon, lat = widgets.location_inputs("cp.new", *start)
    data = fields("cp.new", {})
    if st.button(ui.t("cp.create"), disabled=not writable, type="primary", key="cp.create"):
        editing.run(
            lambda s: records.create_checkpoint(s, actor, {**data, "lon": lon, "lat": lat}),
            ui.t("cp.done_create"),
        )

with edit_tab:
    by_id = {c["id"]: c for c in checkpoints}
    chosen = st.selectbox(
        ui.t("cp.choose"), list(by_id), key="cp.choose", format_func=lambda i: by_id[i]["name"]
    )
    if chosen is not None:
        current = by_id[chosen]
        version = editing.opened_version("cp.edit", chosen, current["version"])
        prefix = f"cp.edit.{chosen}.{version}"
        lon, lat = widgets.location_inputs(prefix, current["lon"], current["lat"])
        data = fields(prefix, current)
        cols = st.columns(2)
        if cols[0].button(ui.t("inv.save_depot"), disabled=not current["writable"], key="cp.save"):
            editing.run(
                lambda s: records.update_checkpoint(
                    s, actor, chosen, version, {**data, "lon": lon, "lat": lat}
                ),
                ui.t("inv.done_save"),
                form="cp.edit",
            )
        if cols[1].button(ui.t("cp.retire"), disabled=not current["writable"], key="cp.retire"):
            editing.run(
                lambda s: records.retire_checkpoint(s, actor, chosen, version),
                ui.t("cp.done_retire"),
                form="cp.edit",
            )
