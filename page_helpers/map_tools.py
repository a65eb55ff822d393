"""The office's tools under the map: nearest resources and the radius search.

The query point comes from the last map click, a chosen checkpoint or typed coordinates
in a declared coordinate system (converted to WGS-84 on the way in).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from page_helpers import ui
from registry.kernel.clock import today
from registry.kernel.enums import CheckpointType, DepotLevel, Specialty, TeamKind
from registry.kernel.errors import ValidationError
from registry.kernel.geo import CoordinateSystem, to_wgs84
from registry.kernel.validation import point_in_district
from registry.places.nearest import allocate, nearest_depots_with_item, nearest_teams, within_radius

POINT_KEY = "map.point"


def query_point(checkpoints: list[dict]) -> tuple[float, float] | None:
    """Let the user choose where the query starts; returns WGS-84 (lon, lat) or None."""
    sources = ["clicked", "checkpoint", "typed"]
    source = st.radio(
        ui.t("point.source"),
        sources,
        horizontal=True,
        key="map.point_source",
        format_func=lambda s: ui.t(f"point.{s}"),
    )
    if source == "clicked":
        point = st.session_state.get(POINT_KEY)
        if point is None:
            st.info(ui.t("point.none"))
        else:
            st.caption(ui.t("point.current", lon=point[0], lat=point[1]))
        return point
    if source == "checkpoint":
        by_id = {row["id"]: row for row in checkpoints}
        chosen = st.selectbox(
            ui.t("point.checkpoint"),
            list(by_id),
            key="map.point_checkpoint",
            format_func=lambda i: (
                f"{by_id[i]['name']} · {by_id[i]['locality']}"
                f" · {ui.label(CheckpointType(by_id[i]['type']))}"
            ),
        )
        return (by_id[chosen]["lon"], by_id[chosen]["lat"]) if chosen else None
    columns = st.columns(3)
    lon = columns[0].number_input(
        ui.t("point.lon"), value=119.18, format="%.6f", key="map.point_lon"
    )
    lat = columns[1].number_input(
        ui.t("point.lat"), value=34.60, format="%.6f", key="map.point_lat"
    )
    system = columns[2].selectbox(
        ui.t("point.crs"),
        list(CoordinateSystem),
        format_func=lambda c: ui.t(f"crs.{c.value}"),
        key="map.point_crs",
    )
    return to_wgs84(lon, lat, system or CoordinateSystem.WGS84)  # the answer is typed optional


def _km(metres: float) -> float:
    return round(metres / 1000, 2)


def nearest(point, items: dict[int, str]) -> None:
    columns = st.columns([2, 1])
    item_id = columns[0].selectbox(
        ui.t("nearest.item"), list(items), key="nearest.item", format_func=lambda i: items[i]
    )
    quantity = columns[1].number_input(
        ui.t("nearest.quantity"), min_value=1, value=100, step=10, key="nearest.quantity"
    )
    if not st.button(ui.t("nearest.run"), key="nearest.run", type="primary") or point is None:
        return
    if item_id is None:  # an empty catalogue: nothing to look for
        st.warning(ui.t("nearest.none"))
        return
    try:
        point_in_district(*point)
        offers = ui.read(nearest_depots_with_item, item_id, *point, today=today())
        takes, short = allocate(offers, quantity) if offers else ([], quantity)
    except ValidationError as error:
        st.error(ui.t("error.validation", detail=ui.refusal(error)))
        return
    if not offers:
        st.warning(ui.t("nearest.none"))
        return
    allocated = {offer.depot_id: take for offer, take in takes}
    st.markdown(f"**{ui.t('nearest.depots')}**")
    st.dataframe(
        pd.DataFrame(
            {
                ui.t("col.name"): [o.name for o in offers],
                ui.t("col.level"): [ui.label(DepotLevel(o.level)) for o in offers],
                ui.t("col.locality"): [o.locality for o in offers],
                ui.t("nearest.distance_km"): [_km(o.distance_m) for o in offers],
                ui.t("nearest.available"): [o.available for o in offers],
                ui.t("nearest.take"): [allocated.get(o.depot_id, 0) for o in offers],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    unit = items[item_id].rsplit("（", 1)[-1].rstrip("）")
    if short:
        st.warning(ui.t("nearest.shortfall", short=short, unit=unit))
    else:
        st.success(ui.t("nearest.met", n=len(takes)))


def teams(point) -> None:
    options = [None, *Specialty]
    specialty = st.selectbox(
        ui.t("nearest.specialty"),
        options,
        key="nearest.specialty",
        format_func=lambda s: ui.t("nearest.any_specialty") if s is None else ui.label(s),
    )
    if point is None:
        return
    found = ui.read(nearest_teams, *point, specialty=specialty.value if specialty else None)
    st.markdown(f"**{ui.t('nearest.teams')}**")
    st.dataframe(
        pd.DataFrame(
            {
                ui.t("col.name"): [o.name for o in found],
                ui.t("col.type"): [ui.label(TeamKind(o.kind)) for o in found],
                ui.t("col.locality"): [o.locality for o in found],
                ui.t("nearest.distance_km"): [_km(o.distance_m) for o in found],
                ui.t("nearest.members"): [f"{o.members}/{o.target}" for o in found],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def radius(point) -> None:
    km = st.slider(ui.t("radius.km"), 0.5, 20.0, 3.0, 0.5, key="radius.km")
    if not st.button(ui.t("radius.run"), key="radius.run", type="primary") or point is None:
        return
    try:
        lon, lat = point
        result = ui.read(within_radius, lon, lat, km)
    except ValidationError as error:
        st.error(ui.t("error.validation", detail=ui.refusal(error)))
        return
    st.session_state["map.radius"] = (point, km)
    st.success(
        ui.t(
            "radius.summary",
            r=km,
            c=len(result.checkpoints),
            d=len(result.depots),
            t=len(result.teams),
            p=f"{result.population:,}",
        )
    )
    if result.population_incomplete:
        st.caption(ui.t("radius.incomplete"))
    st.markdown(
        f"**{ui.t('radius.localities')}**: "
        + "、".join(ui.plain(name) for name, _ in result.localities)
    )
    st.dataframe(
        pd.DataFrame(
            {
                ui.t("col.name"): [c["name"] for c in result.checkpoints],
                ui.t("col.type"): [ui.label(CheckpointType(c["type"])) for c in result.checkpoints],
                ui.t("nearest.distance_km"): [_km(c["distance_m"]) for c in result.checkpoints],
            }
        ),
        hide_index=True,
        width="stretch",
        height=240,
    )
