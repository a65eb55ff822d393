"""The Haizhou district overview map: outline, localities and reserve depots.

Takes plain GeoJSON dicts and depot dicts (no database, no streamlit), so the
page can cache the data and build a fresh map each run. Every user-supplied
string goes through ``map_text``; only the properties needed for display are
embedded, so nothing unescaped reaches the page.

Coordinates come in as WGS-84. For a GCJ-02 basemap (Gaode) pass
``display_transform``, e.g. ``registry.geo.wgs84_to_gcj02``; it is taken as a
parameter so that ``maps`` does not depend on ``registry``.
"""

from collections.abc import Callable, Iterable, Iterator

import folium

from maps.basemaps import BASEMAPS, add_basemap
from maps.controls import FullscreenControl, Legend, MetricScale
from maps.text import map_text

Transform = Callable[[float, float], tuple[float, float]]

LABEL_KEYS = (
    "district",  # district-level depots: layer name, legend and tooltip level
    "town",  # town-level depots: layer name, legend and tooltip level
    "localities",  # locality polygons: layer name and legend
    "boundary",  # district outline: legend
    "approximate",  # note on approximate (Voronoi) locality boundaries
    "demo",  # tag on demo depots
    "legend",  # legend title
    "fullscreen",  # fullscreen button tooltip
    "neighbours",  # neighbouring counties: layer name
)

_DISTRICT_FILL, _DISTRICT_EDGE = "#d32f2f", "#7f0000"
_TOWN_FILL, _TOWN_EDGE = "#1e88e5", "#0d47a1"
_OUTLINE = "#263238"
_LOCALITY_FILL, _LOCALITY_EDGE = "#78909c", "#607d8b"

_NEIGHBOUR_STYLE = {"color": "#9e9e9e", "weight": 1, "fillColor": "#eeeeee", "fillOpacity": 0.5}
_BOUNDARY_STYLE = {"color": _OUTLINE, "weight": 3, "fill": False}
_LOCALITY_STYLE = {
    "color": _LOCALITY_EDGE,
    "weight": 1,
    "fillColor": _LOCALITY_FILL,
    "fillOpacity": 0.15,
}
_DISTRICT_ICON_HTML = (
    f'<div style="width:16px;height:16px;box-sizing:border-box;'
    f'background:{_DISTRICT_FILL};border:3px solid {_DISTRICT_EDGE}"></div>'
)
_LEGEND_SWATCHES = {
    "district": f"width:12px;height:12px;background:{_DISTRICT_FILL};"
    f"border:2px solid {_DISTRICT_EDGE}",
    "town": f"width:10px;height:10px;border-radius:50%;background:{_TOWN_FILL};"
    f"border:1px solid {_TOWN_EDGE}",
    "boundary": f"width:18px;height:0;border-top:3px solid {_OUTLINE}",
    "localities": f"width:16px;height:10px;background:rgba(120,144,156,0.3);"
    f"border:1px solid {_LOCALITY_EDGE}",
    "approximate": f"width:16px;height:10px;background:rgba(120,144,156,0.3);"
    f"border:1px dashed {_LOCALITY_EDGE}",
}


def build_district_map(
    *,
    boundary: dict,
    localities: dict,
    depots: list[dict],
    labels: dict[str, str],
    basemap: str = "none",
    tianditu_key: str | None = None,
    display_transform: Transform | None = None,
    neighbours: dict | None = None,
) -> folium.Map:
    """Build the district map; ``labels`` must hold every key in ``LABEL_KEYS``.

    ``display_transform(lon, lat) -> (lon, lat)`` is applied to every drawn
    coordinate when given, and is required for GCJ-02 basemaps, which would
    otherwise show every point a few hundred metres off.
    """
    missing = [key for key in LABEL_KEYS if key not in labels]
    if missing:
        raise KeyError(f"labels is missing {missing}")
    info = BASEMAPS.get(basemap)
    if info is not None and info.gcj02 and display_transform is None:
        raise ValueError(f"basemap {basemap!r} is GCJ-02: pass display_transform")
    shift = display_transform or _identity

    outline = _feature_collection(
        {"type": "Feature", "geometry": _shift_geometry(f["geometry"], shift), "properties": {}}
        for f in _features(boundary)
    )
    south, west, north, east = _bounds(outline)
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=11,
        tiles=None,
        prefer_canvas=True,
    )
    add_basemap(m, basemap, tianditu_key=tianditu_key)
    if neighbours:
        _add_neighbours(m, neighbours, shift, labels)
    any_approximate = _add_localities(m, localities, shift, labels)
    folium.GeoJson(
        outline, style_function=lambda _: _BOUNDARY_STYLE, control=False, interactive=False
    ).add_to(m)
    _add_depots(m, depots, shift, labels)

    legend_keys = ["district", "town", "boundary", "localities"]
    legend_keys += ["approximate"] if any_approximate else []
    Legend(labels["legend"], [(_LEGEND_SWATCHES[k], labels[k]) for k in legend_keys]).add_to(m)
    FullscreenControl(labels["fullscreen"]).add_to(m)
    MetricScale().add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def _add_neighbours(m: folium.Map, neighbours: dict, shift: Transform, labels: dict) -> None:
    """Neighbouring counties in grey, for orientation; named on hover."""
    features = [
        {
            "type": "Feature",
            "id": index,
            "geometry": _shift_geometry(f["geometry"], shift),
            "properties": {"tooltip": map_text((f.get("properties") or {}).get("name"))},
        }
        for index, f in enumerate(_features(neighbours))
    ]
    folium.GeoJson(
        _feature_collection(features),
        name=map_text(labels["neighbours"]),
        style_function=lambda _: _NEIGHBOUR_STYLE,
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    ).add_to(m)


def _add_localities(m: folium.Map, localities: dict, shift: Transform, labels: dict) -> bool:
    """Draw light locality polygons; return whether any boundary is approximate."""
    note = f"<br><small>{map_text(labels['approximate'])}</small>"
    features = []
    for f in _features(localities):
        props = f.get("properties") or {}
        approximate = bool(props.get("approximate"))
        tooltip = f"<b>{map_text(props.get('name'))}</b>" + (note if approximate else "")
        features.append(
            {
                "type": "Feature",
                "id": len(features),
                "geometry": _shift_geometry(f["geometry"], shift),
                "properties": {"tooltip": tooltip, "approximate": approximate},
            }
        )
    if features:
        folium.GeoJson(
            _feature_collection(features),
            name=map_text(labels["localities"]),
            style_function=_locality_style,
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        ).add_to(m)
    return any(f["properties"]["approximate"] for f in features)


def _locality_style(feature: dict) -> dict:
    """Dash the outline of approximate localities so they do not look official."""
    dash = {"dashArray": "4 4"} if feature["properties"]["approximate"] else {}
    return {**_LOCALITY_STYLE, **dash}


def _add_depots(m: folium.Map, depots: list[dict], shift: Transform, labels: dict) -> None:
    """Draw depots in one toggleable FeatureGroup per level (square vs. small circle)."""
    groups = {
        level: folium.FeatureGroup(name=map_text(labels[level])).add_to(m)
        for level in ("district", "town")
    }
    demo = f'<br><span style="color:#b45309">[{map_text(labels["demo"])}]</span>'
    for depot in depots:
        level = depot["level"]
        if level not in groups:
            raise ValueError(f"depot {depot.get('id')!r} has unknown level {level!r}")
        lon, lat = shift(depot["lon"], depot["lat"])
        tooltip = (
            f"<b>{map_text(depot['name'])}</b><br>"
            f"{map_text(labels[level])} · {map_text(depot.get('locality'))}"
            + (demo if depot.get("is_demo") else "")
        )
        if level == "district":
            icon = folium.DivIcon(html=_DISTRICT_ICON_HTML, icon_size=(16, 16), icon_anchor=(8, 8))
            folium.Marker([lat, lon], icon=icon, tooltip=tooltip).add_to(groups[level])
        else:
            folium.CircleMarker(
                [lat, lon],
                radius=5,
                color=_TOWN_EDGE,
                weight=1,
                fill_color=_TOWN_FILL,
                fill_opacity=0.9,
                tooltip=tooltip,
            ).add_to(groups[level])


def _identity(lon: float, lat: float) -> tuple[float, float]:
    return lon, lat


def _features(geojson: dict) -> list[dict]:
    """Features of a FeatureCollection, Feature or bare geometry."""
    if geojson["type"] == "FeatureCollection":
        return geojson["features"]
    if geojson["type"] == "Feature":
        return [geojson]
    return [{"type": "Feature", "geometry": geojson, "properties": {}}]


def _feature_collection(features: Iterable[dict]) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def _shift_geometry(geometry: dict, shift: Transform) -> dict:
    """Copy a GeoJSON geometry with every position passed through ``shift``."""
    if geometry["type"] == "GeometryCollection":
        parts = [_shift_geometry(g, shift) for g in geometry["geometries"]]
        return {"type": "GeometryCollection", "geometries": parts}
    return {"type": geometry["type"], "coordinates": _shift_coords(geometry["coordinates"], shift)}


def _shift_coords(coords: list, shift: Transform) -> list:
    if coords and isinstance(coords[0], int | float):
        return list(shift(coords[0], coords[1]))
    return [_shift_coords(c, shift) for c in coords]


def _positions(geometry: dict) -> Iterator[list]:
    if geometry["type"] == "GeometryCollection":
        for part in geometry["geometries"]:
            yield from _positions(part)
        return
    stack = [geometry["coordinates"]]
    while stack:
        coords = stack.pop()
        if coords and isinstance(coords[0], int | float):
            yield coords
        else:
            stack.extend(coords)


def _bounds(collection: dict) -> tuple[float, float, float, float]:
    """(south, west, north, east) of all positions; the map is framed on these."""
    points = [p for f in collection["features"] for p in _positions(f["geometry"])]
    if not points:
        raise ValueError("boundary has no coordinates")
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lats), min(lons), max(lats), max(lons)
