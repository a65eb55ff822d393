"""Small widgets more than one page uses."""

import streamlit as st

from page_helpers import ui
from registry.kernel.geo import CoordinateSystem, to_wgs84


def location_inputs(prefix: str, lon: float, lat: float) -> tuple[float, float]:
    """Typed coordinates in their declared system, returned as WGS-84 (phone apps and Gaode
    give GCJ-02, Baidu BD-09)."""
    cols = st.columns(3)
    lon = cols[0].number_input(ui.t("point.lon"), value=lon, format="%.6f", key=f"{prefix}.lon")
    lat = cols[1].number_input(ui.t("point.lat"), value=lat, format="%.6f", key=f"{prefix}.lat")
    system = cols[2].selectbox(
        ui.t("point.crs"),
        list(CoordinateSystem),
        key=f"{prefix}.crs",
        format_func=lambda c: ui.t(f"crs.{c.value}"),
    )
    return to_wgs84(lon, lat, system or CoordinateSystem.WGS84)  # the answer is typed optional
