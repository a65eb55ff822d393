"""一张图: the district outline, the localities and the depots, with a table of localities."""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import ui
from maps.basemaps import BASEMAPS, available_basemaps, default_basemap
from maps.district_map import build_district_map
from registry import queries
from registry.district import BOUNDARY_FILE, load_geojson, neighbour_counties
from registry.enums import BoundarySource, LocalityKind
from registry.geo import wgs84_to_gcj02

ui.require_actor()


@st.cache_data(max_entries=8)
def map_data(_version: int) -> dict:
    """Everything the map and table need, cached until the next write anywhere."""
    with ui.session_factory()() as session:
        return {
            "localities": queries.locality_features(session),
            "depots": queries.depot_points(session),
            "summary": queries.locality_summary(session),
            "has_demo": queries.has_demo_records(session),
        }


@st.cache_data
def boundary() -> dict:
    return load_geojson(BOUNDARY_FILE)


data = map_data(ui.data_version())
st.title(ui.t("map.title"))
ui.demo_banner(data["has_demo"])

key = ui.settings().tianditu_key
choices = available_basemaps(key)
basemap = st.sidebar.selectbox(
    ui.t("map.basemap"),
    choices,
    index=choices.index(default_basemap(key)),
    format_func=lambda name: ui.t(f"basemap.{name}"),
    key="map.basemap",
)

summary = data["summary"]
columns = st.columns(4)
columns[0].metric(ui.t("metric.localities"), len(summary))
columns[1].metric(ui.t("metric.depots"), sum(row["depots"] for row in summary))
columns[2].metric(ui.t("metric.teams"), sum(row["teams"] for row in summary))
columns[3].metric(ui.t("metric.checkpoints"), sum(row["checkpoints"] for row in summary))

labels = {
    "district": ui.t("map.layer.district_depots"),
    "town": ui.t("map.layer.town_depots"),
    "localities": ui.t("map.layer.localities"),
    "boundary": ui.t("map.layer.boundary"),
    "approximate": ui.t("map.approximate"),
    "demo": ui.t("map.demo"),
    "legend": ui.t("map.legend.title"),
    "fullscreen": ui.t("map.fullscreen"),
    "neighbours": ui.t("map.layer.neighbours"),
}
district_map = build_district_map(
    boundary=boundary(),
    localities=data["localities"],
    depots=data["depots"],
    labels=labels,
    basemap=basemap,
    tianditu_key=key,
    display_transform=wgs84_to_gcj02 if BASEMAPS[basemap].gcj02 else None,
    neighbours=neighbour_counties(ui.language()),
)
st_folium(
    district_map, height=560, use_container_width=True, returned_objects=[], key="district_map"
)
if any(row["boundary_source"] is BoundarySource.APPROXIMATE for row in summary):
    st.caption(ui.t("map.approximate_notice"))

st.subheader(ui.t("map.localities_table"))
table = pd.DataFrame(
    {
        ui.t("col.name"): [row["name"] for row in summary],
        ui.t("col.kind"): [ui.label(LocalityKind(row["kind"])) for row in summary],
        ui.t("col.mca_code"): [row["mca_code"] for row in summary],
        ui.t("col.nbs_code"): [row["nbs_code"] for row in summary],
        ui.t("col.population"): [row["population"] for row in summary],
        ui.t("col.depots"): [row["depots"] for row in summary],
        ui.t("col.teams"): [row["teams"] for row in summary],
        ui.t("col.checkpoints"): [row["checkpoints"] for row in summary],
        ui.t("col.open_rectifications"): [row["open_rectifications"] for row in summary],
        ui.t("col.boundary"): [ui.label(row["boundary_source"]) for row in summary],
    }
)
st.dataframe(table, hide_index=True, use_container_width=True)
