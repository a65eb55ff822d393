"""一张图: the district emergency office's home page.

Localities coloured by an indicator, depots, teams and checkpoints with filters; click a
record for its details; nearest resources and a radius search; the same records in a
table with exports.
"""

import folium
import streamlit as st
from streamlit_folium import st_folium

from maps.basemaps import BASEMAPS, available_basemaps, default_basemap
from maps.office_map import LAYERS, OfficeMapData, build_office_map, format_indicator
from maps.points import highlight, parse_clicked_key
from page_helpers import details_view, map_data, map_table, map_tools, ui
from registry.kernel.clock import today
from registry.kernel.district import BOUNDARY_FILE, load_geojson, neighbour_counties
from registry.kernel.enums import CheckpointType, RiskLevel, TerminalStatus, WarningLevel
from registry.kernel.geo import gcj02_to_wgs84, wgs84_to_gcj02
from registry.mapdata.indicators import INDICATORS
from registry.mapdata.layers import RECTIFICATION_FILTERS, MapFilter

SELECTED_KEY = "map.selected"
LAST_CLICK_KEY = "map.last_click"

actor = ui.require_actor()
parts = map_data.versions()  # what each part of the map last read, by the records it reads
choices = map_data.options(parts.depots)

# --- sidebar: basemap, indicator and filters ---------------------------------------------
tianditu_key = ui.settings().tianditu_key
basemaps = available_basemaps(tianditu_key)
basemap = st.sidebar.selectbox(
    ui.t("map.basemap"),
    basemaps,
    index=basemaps.index(default_basemap(tianditu_key)),
    format_func=lambda name: ui.t(f"basemap.{name}"),
    key="map.basemap",
)
indicator = st.sidebar.selectbox(
    ui.t("map.indicator"),
    INDICATORS,
    key="map.indicator",
    format_func=lambda k: ui.t(f"indicator.{k}"),
)
with st.sidebar.expander(ui.t("map.filters"), expanded=True):
    layers = st.multiselect(
        ui.t("map.filter.layers"),
        LAYERS,
        default=list(LAYERS),
        key="map.layers",
        format_func=lambda k: ui.t(f"map.layer.{k}"),
    )
    localities = st.multiselect(
        ui.t("map.filter.localities"),
        list(choices["localities"]),
        key="map.localities",
        format_func=choices["localities"].get,
        placeholder=ui.t("map.filter.all"),
    )
    types = st.multiselect(
        ui.t("map.filter.checkpoint_types"),
        list(CheckpointType),
        key="map.types",
        format_func=ui.label,
        placeholder=ui.t("map.filter.all"),
    )
    risks = st.multiselect(
        ui.t("map.filter.risk_levels"),
        list(RiskLevel),
        key="map.risks",
        format_func=ui.label,
        placeholder=ui.t("map.filter.all"),
    )
    rectification = st.selectbox(
        ui.t("map.filter.rectification"),
        RECTIFICATION_FILTERS,
        key="map.rect",
        format_func=lambda k: ui.t(f"rect_filter.{k}"),
    )
    item = st.selectbox(
        ui.t("map.filter.item"),
        [None, *choices["items"]],
        key="map.item",
        format_func=lambda i: ui.t("map.filter.any_item") if i is None else choices["items"][i],
    )

filters = MapFilter(
    locality_ids=tuple(localities),
    checkpoint_types=tuple(t.value for t in types),
    risk_levels=tuple(r.value for r in risks),
    rectification=rectification,
    item_id=item,
)
load_key = (parts, filters, ui.language(), ui.settings().expiry_warning_days)
records = map_data.load(*load_key)

st.title(ui.t("map.title"))
ui.demo_banner(records["has_demo"])


def labels() -> dict[str, str]:
    """Every text the map draws, in the UI language."""
    texts = {
        "neighbours": ui.t("map.layer.neighbours"),
        "localities": ui.t("map.layer.localities"),
        "legend": ui.t("map.legend.title"),
        "fullscreen": ui.t("map.fullscreen"),
        "approximate": ui.t("map.approximate"),
        "no_data": ui.t("map.legend.no_data"),
        "district": ui.t("map.layer.district_depots"),
        "town": ui.t("map.layer.town_depots"),
        "depot_warning": ui.t("map.layer.depot_warning"),
        "teams": ui.t("map.layer.teams"),
        "checkpoints": ui.t("map.layer.checkpoints"),
        "warnings": ui.t("map.layer.warnings"),
        "terminals": ui.t("map.layer.terminals"),
        "rectification.open": ui.t("map.legend.rect_open"),
        "rectification.overdue": ui.t("map.legend.rect_overdue"),
    }
    texts.update({f"indicator.{k}": ui.t(f"indicator.{k}") for k in INDICATORS})
    texts.update(
        {
            f"team_kind.{k}": ui.t(f"enum.TeamKind.{k}")
            for k in ("comprehensive", "professional", "social")
        }
    )
    texts.update({f"risk.{r.value}": ui.label(r) for r in RiskLevel})
    texts.update({f"warning.{w.value}": ui.label(w) for w in WarningLevel})
    texts.update({f"terminal.{s.value}": ui.label(s) for s in TerminalStatus})
    texts.update({f"type.{c.value}": ui.label(c) for c in CheckpointType})
    return texts


def measure_labels() -> dict[str, str]:
    keys = ("distance", "area", "finish", "clear", "hint", "hectares")
    return {k: ui.t(f"measure.{k}") for k in keys}


values = {loc: v[indicator] for loc, v in records["indicators"].items()}
shift = wgs84_to_gcj02 if BASEMAPS[basemap].gcj02 else None


def display(lon: float, lat: float) -> tuple[float, float]:
    """Where a stored WGS-84 point is drawn on the chosen basemap."""
    return shift(lon, lat) if shift else (lon, lat)


def stored(lon: float, lat: float) -> tuple[float, float]:
    """The WGS-84 point behind a position clicked on the chosen basemap."""
    return gcj02_to_wgs84(lon, lat) if shift else (lon, lat)


office_map = build_office_map(
    OfficeMapData(
        boundary=load_geojson(BOUNDARY_FILE),
        localities=records["localities"],
        indicator=indicator,
        indicator_values=values,
        indicator_text={
            loc: f"{ui.t(f'indicator.{indicator}')}: {format_indicator(indicator, v)}"
            for loc, v in values.items()
        },
        depots=records["depots"],
        teams=records["teams"],
        checkpoints=records["checkpoints"],
        neighbours=neighbour_counties(ui.language()),
        warnings=records["warnings"],
        terminals=records["terminals"],
        layers=layers,
    ),
    labels(),
    basemap=basemap,
    tianditu_key=tianditu_key,
    display_transform=shift,
    measure_labels=measure_labels(),
)


by_key = {row["key"]: row for kind in ("depots", "teams", "checkpoints") for row in records[kind]}


def dynamic_layer() -> folium.FeatureGroup | None:
    """The selected record and the radius circle, drawn without re-mounting the map."""
    group = folium.FeatureGroup(name="selection", control=False)
    row = by_key.get(st.session_state.get(SELECTED_KEY))
    if row:
        lon, lat = display(row["lon"], row["lat"])
        highlight(lat, lon, "#00bcd4").add_to(group)
    if "map.radius" in st.session_state:
        (lon, lat), km = st.session_state["map.radius"]
        lon, lat = display(lon, lat)
        folium.Circle(
            [lat, lon],
            radius=km * 1000,
            color="#00838f",
            fill=False,
            weight=2,
            dash_array="6 4",
            interactive=False,
        ).add_to(group)
    return group


map_column, details_column = st.columns([3, 1.25])
with map_column:
    clicked = st_folium(
        office_map,
        height=620,
        use_container_width=True,
        returned_objects=["last_object_clicked_tooltip", "last_clicked"],
        feature_group_to_add=dynamic_layer(),
        key="office_map",
    )

click = (clicked or {}).get("last_object_clicked_tooltip"), (clicked or {}).get("last_clicked")
previous = st.session_state.get(LAST_CLICK_KEY, (None, None))
if click != previous:
    # A record clicked selects it and becomes the query point; an empty spot only the latter.
    st.session_state[LAST_CLICK_KEY] = click
    row = by_key.get(parse_clicked_key(click[0])) if click[0] != previous[0] else None
    if row:
        st.session_state[SELECTED_KEY] = row["key"]
        st.session_state[map_tools.POINT_KEY] = (row["lon"], row["lat"])
        st.rerun()
    if click[1]:
        st.session_state[map_tools.POINT_KEY] = stored(click[1]["lng"], click[1]["lat"])

with details_column:
    st.markdown(f"#### {ui.t('map.details')}")
    selected = st.session_state.get(SELECTED_KEY)
    if selected:
        details_view.show(ui.load_detail(actor, selected))
        st.page_link(
            "app_pages/record.py",
            label=ui.t("map.open_record"),
            icon="📄",
            query_params={"key": selected},
        )
    else:
        st.caption(ui.t("map.details_hint"))
st.caption(ui.t("map.approximate_notice"))

table_tab, localities_tab, nearest_tab, radius_tab = st.tabs(
    [
        ui.t("map.tab.table"),
        ui.t("map.localities_table"),
        ui.t("map.tab.nearest"),
        ui.t("map.tab.radius"),
    ]
)
with table_tab:
    chosen = map_table.show(map_data.table(*load_key, tuple(sorted(layers)), today()))
    if chosen != st.session_state.get("map.table_choice"):
        st.session_state["map.table_choice"] = chosen
        if chosen:
            st.session_state[SELECTED_KEY] = chosen
            st.rerun()
with localities_tab:
    map_table.localities(records["summary"], indicator, values)
with nearest_tab:
    point = map_tools.query_point(records["checkpoints"])
    map_tools.nearest(point, choices["items"])
    map_tools.teams(point)
with radius_tab:
    map_tools.radius(point)
