"""The leaders' readiness map (备灾总览): locality polygons in red, amber or green.

Takes plain data (no database, no streamlit): the locality FeatureCollection, each
locality's readiness colour and its tooltip lines already translated. Offline by default
(no tiles) and small: only the geometry, rounded to about a metre, and an escaped tooltip
travel to the browser. A click sends back the locality's key (``l<id>``) in the tooltip
text, read with ``parse_locality_key``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import folium

from maps.basemaps import BASEMAPS, add_basemap
from maps.controls import FullscreenControl
from maps.legend import LayerLegend
from maps.points import parse_clicked_key, tooltip_html
from maps.styles import NO_DATA_COLOUR
from maps.text import map_text

# Traffic-light colours, darker than the risk palette's so white text and thin borders
# stay readable on a projector; red and green differ in lightness too (colour-blind users).
READINESS_COLOURS: dict[str, str] = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}
SELECTED_COLOUR = "#0d47a1"
COORDINATE_DECIMALS = 5  # about 1 m: the boundaries are approximate anyway
_BOUNDARY_STYLE = {"color": "#263238", "weight": 2.5, "fill": False}
_SWATCH = "width:14px;height:10px;background:{}"


def locality_key(locality_id: int) -> str:
    return f"l{int(locality_id)}"


def parse_locality_key(tooltip_text: str | None) -> int | None:
    """The locality id in st_folium's ``last_object_clicked_tooltip``, else ``None``."""
    key = parse_clicked_key(tooltip_text)
    if key and key[:1] == "l" and key[1:].isdigit():
        return int(key[1:])
    return None


def build_readiness_map(
    localities: dict,
    colours: Mapping[int, str | None],
    tooltips: Mapping[int, Sequence[str]],
    labels: Mapping[str, str],
    *,
    boundary: dict | None = None,
    basemap: str = "none",
    tianditu_key: str | None = None,
) -> folium.Map:
    """The choropleth; ``colours`` maps locality id to green/amber/red (missing = no data),
    ``tooltips`` to plain-text lines shown under the name. ``labels`` holds the translated
    ``legend``, ``green``, ``amber``, ``red``, ``no_data``, ``approximate`` and
    ``fullscreen`` texts. GCJ-02 basemaps are refused: the polygons are WGS-84."""
    if BASEMAPS[basemap].gcj02:
        raise ValueError(f"basemap {basemap!r} is GCJ-02: the readiness map draws WGS-84 only")
    features = [
        _feature(index, feature, colours, tooltips, labels["approximate"])
        for index, feature in enumerate(localities["features"])
    ]
    west, south, east, north = _bounds(features or _outline(boundary))
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=10,
        tiles=None,
        zoom_snap=0.25,
        control_scale=False,
    )
    add_basemap(m, basemap, tianditu_key=tianditu_key)
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="readiness",
        control=False,
        style_function=lambda f: {
            "color": "#ffffff",
            "weight": 1.5,
            "fillOpacity": 0.8,
            "fillColor": f["properties"]["fill"],
            "dashArray": f["properties"]["dash"],
        },
        highlight_function=lambda _: {"weight": 3, "color": "#263238"},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    )
    layer.add_to(m)
    if boundary:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": _outline(boundary)},
            style_function=lambda _: _BOUNDARY_STYLE,
            control=False,
            interactive=False,
        ).add_to(m)
    rows = [(_SWATCH.format(READINESS_COLOURS[c]), labels[c]) for c in READINESS_COLOURS]
    if any(colours.get(f["properties"]["id"]) is None for f in localities["features"]):
        rows.append((_SWATCH.format(NO_DATA_COLOUR), labels["no_data"]))
    LayerLegend(labels["legend"], [(layer, "", rows)]).add_to(m)
    FullscreenControl(map_text(labels["fullscreen"])).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def selection_layer(localities: dict, locality_id: int | None) -> folium.FeatureGroup:
    """The chosen locality's outline, for ``st_folium(feature_group_to_add=…)``: redrawn
    without re-mounting the map, and not clickable so clicks reach the polygon below."""
    group = folium.FeatureGroup(name="selection", control=False)
    for feature in localities["features"]:
        if feature["properties"]["id"] == locality_id:
            folium.GeoJson(
                {"type": "Feature", "properties": {}, "geometry": _rounded(feature["geometry"])},
                style_function=lambda _: {"color": SELECTED_COLOUR, "weight": 4, "fill": False},
                interactive=False,
            ).add_to(group)
    return group


def _feature(index: int, feature: dict, colours, tooltips, approximate: str) -> dict:
    props = feature["properties"]
    lines = [props["name"], *tooltips.get(props["id"], ())]
    if props.get("approximate"):
        lines.append(approximate)
    colour = colours.get(props["id"])
    return {
        "type": "Feature",
        "id": index,
        "geometry": _rounded(feature["geometry"]),
        "properties": {
            "tooltip": tooltip_html("\n".join(lines), locality_key(props["id"])),
            "fill": READINESS_COLOURS.get(colour, NO_DATA_COLOUR),
            "dash": "4 4" if props.get("approximate") else None,
        },
    }


def _outline(boundary: dict | None) -> list[dict]:
    if not boundary:
        raise ValueError("nothing to draw: no localities and no boundary")
    features = boundary["features"] if boundary["type"] == "FeatureCollection" else [boundary]
    return [
        {"type": "Feature", "properties": {}, "geometry": _rounded(f["geometry"])} for f in features
    ]


def _rounded(geometry: dict) -> dict:
    def walk(coords):
        if isinstance(coords[0], int | float):
            return [round(coords[0], COORDINATE_DECIMALS), round(coords[1], COORDINATE_DECIMALS)]
        return [walk(c) for c in coords]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _bounds(features: list[dict]) -> tuple[float, float, float, float]:
    xs, ys = [], []

    def walk(coords):
        if isinstance(coords[0], int | float):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for feature in features:
        walk(feature["geometry"]["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)
