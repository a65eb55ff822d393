"""The emergency office's map (一张图): localities coloured by an indicator, depots, teams
and checkpoints as browser-built point layers, a legend following the visible layers,
layer control, fullscreen, measuring and a metric scale.

Takes plain data (no database, no streamlit). Coordinates are WGS-84; pass
``display_transform`` (e.g. WGS-84 → GCJ-02) for a GCJ-02 basemap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

import folium

from maps.basemaps import BASEMAPS, add_basemap
from maps.controls import FullscreenControl, MetricScale
from maps.legend import LayerLegend
from maps.measure import MeasureControl
from maps.points import PointLayer, marker_svg
from maps.styles import (
    CHECKPOINT_TYPE_COLOURS,
    DEPOT_LEVEL_STYLES,
    NO_DATA_COLOUR,
    RISK_COLOURS,
    SEQUENTIAL_RAMP,
    TEAM_KIND_COLOURS,
    classify,
)
from maps.text import map_text

Transform = Callable[[float, float], tuple[float, float]]
# In drawing order: what lies later is on top (and takes the click where points overlap).
LAYERS = (
    "localities", "warnings", "terminals", "district_depots", "town_depots", "teams",
    "checkpoints",
)  # fmt: skip
WARNING_COLOURS = {"red": "#d32f2f", "orange": "#f57c00", "yellow": "#fbc02d", "blue": "#1976d2"}
TERMINAL_COLOURS = {"online": "#00897b", "offline": "#9e9e9e", "fault": "#d32f2f"}

# Class breaks per indicator and whether a higher value is worse (darker = worse).
INDICATOR_SCALES: dict[str, tuple[tuple[float, ...], bool]] = {
    "stock_coverage": ((0.5, 0.7, 0.85, 0.95), False),
    "open_rectifications": ((1, 3, 6, 10), True),
    "overdue_rectifications": ((1, 2, 4, 8), True),
    "checkpoint_density": ((1, 2, 5, 10), True),
    "team_strength": ((0.5, 0.7, 0.85, 1.0), False),
}
RECTIFICATION_RINGS = {"open": "#8e24aa", "overdue": "#000000"}
# Above this many points the map ships no per-point labels (names): a tooltip then shows
# what the style and the locality say, and a click still opens the record with its name.
NAMED_POINTS_LIMIT = 20_000
DEPOT_WARNING_RING = "#ff6f00"
_BOUNDARY_STYLE = {"color": "#263238", "weight": 3, "fill": False}
_NEIGHBOUR_STYLE = {"color": "#9e9e9e", "weight": 1, "fillColor": "#eeeeee", "fillOpacity": 0.5}


@dataclass
class OfficeMapData:
    """Everything drawn; rows are the dicts of ``registry.mapdata`` plus a ``label``."""

    boundary: dict
    localities: dict  # FeatureCollection; properties: id, name, approximate
    indicator: str
    indicator_values: Mapping[int, float | None]
    indicator_text: Mapping[int, str]
    depots: list[dict] = field(default_factory=list)
    teams: list[dict] = field(default_factory=list)
    checkpoints: list[dict] = field(default_factory=list)
    neighbours: dict | None = None
    warnings: dict | None = None  # FeatureCollection of the warnings in force
    terminals: list[dict] = field(default_factory=list)
    layers: Iterable[str] = LAYERS


def indicator_colour(indicator: str, value: float | None) -> str:
    """Ramp colour of a value; darker is always worse, grey is no data."""
    if value is None:
        return NO_DATA_COLOUR
    breaks, higher_is_worse = INDICATOR_SCALES[indicator]
    index = classify(value, breaks)
    return SEQUENTIAL_RAMP[index if higher_is_worse else len(SEQUENTIAL_RAMP) - 1 - index]


RATIO_INDICATORS = frozenset({"stock_coverage", "team_strength"})


def format_indicator(indicator: str, value: float | None) -> str:
    """Ratios as percentages, counts and densities as plain numbers."""
    if value is None:
        return "—"
    if indicator in RATIO_INDICATORS:
        return f"{value:.0%}"
    return f"{value:.1f}" if isinstance(value, float) else f"{value:,}"


def indicator_classes(indicator: str) -> list[tuple[str, str]]:
    """(colour, range text) per class, for the legend."""
    breaks, higher_is_worse = INDICATOR_SCALES[indicator]
    ramp = SEQUENTIAL_RAMP if higher_is_worse else SEQUENTIAL_RAMP[::-1]
    edges = [format_indicator(indicator, b) for b in breaks]
    texts = [f"< {edges[0]}"]
    texts += [f"{low} – {high}" for low, high in pairwise(edges)]
    texts.append(f"≥ {edges[-1]}")
    return list(zip(ramp, texts, strict=True))


def build_office_map(
    data: OfficeMapData,
    labels: Mapping[str, str],
    *,
    basemap: str = "none",
    tianditu_key: str | None = None,
    display_transform: Transform | None = None,
    measure_labels: Mapping[str, str],
) -> folium.Map:
    """The whole map; ``labels`` holds translated layer, legend and indicator texts."""
    if BASEMAPS[basemap].gcj02 and display_transform is None:
        raise ValueError(f"basemap {basemap!r} is GCJ-02: pass display_transform")
    shift = display_transform or (lambda lon, lat: (lon, lat))
    outline = _shifted(data.boundary, shift, keep_properties=False)
    west, south, east, north = _bounds(outline)
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=11,
        tiles=None,
        prefer_canvas=True,
        zoom_snap=0.25,
    )
    add_basemap(m, basemap, tianditu_key=tianditu_key)
    layers = set(data.layers)
    if data.neighbours:
        folium.GeoJson(
            _shifted(_named(data.neighbours), shift),
            name=map_text(labels["neighbours"]),
            style_function=lambda _: _NEIGHBOUR_STYLE,
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        ).add_to(m)
    sections = []
    if "localities" in layers:
        sections.append(_add_localities(m, data, shift, labels))
    if "warnings" in layers and data.warnings and data.warnings["features"]:
        sections.append(_add_warnings(m, data.warnings, shift, labels))
    folium.GeoJson(
        outline, style_function=lambda _: _BOUNDARY_STYLE, control=False, interactive=False
    ).add_to(m)
    named = len(data.depots) + len(data.teams) + len(data.checkpoints) <= NAMED_POINTS_LIMIT
    if "terminals" in layers and data.terminals:  # beneath the records, which are clicked
        sections.append(_add_terminals(m, data.terminals, shift, labels))
    for level in ("district", "town"):
        if f"{level}_depots" in layers:
            sections.append(_add_depots(m, data.depots, level, shift, labels, named))
    if "teams" in layers:
        sections.append(_add_teams(m, data.teams, shift, labels, named))
    if "checkpoints" in layers:
        sections.append(_add_checkpoints(m, data.checkpoints, shift, labels, named))
    LayerLegend(labels["legend"], [s for s in sections if s]).add_to(m)
    FullscreenControl(map_text(labels["fullscreen"])).add_to(m)
    MeasureControl(measure_labels).add_to(m)
    MetricScale().add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def _add_localities(m, data: OfficeMapData, shift, labels):
    note = labels["approximate"]
    features = []
    for index, feature in enumerate(data.localities["features"]):
        props = feature["properties"]
        lines = [props["name"], data.indicator_text.get(props["id"], "")]
        if props.get("approximate"):
            lines.append(note)
        features.append(
            {
                "type": "Feature",
                "id": index,
                "geometry": _shift_geometry(feature["geometry"], shift),
                "properties": {
                    "tooltip": "<br>".join(map_text(line) for line in lines if line),
                    "fill": indicator_colour(
                        data.indicator, data.indicator_values.get(props["id"])
                    ),
                    "dash": "4 4" if props.get("approximate") else None,
                },
            }
        )
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=map_text(labels["localities"]),
        style_function=lambda f: {
            "color": "#546e7a",
            "weight": 1,
            "fillOpacity": 0.55,
            "fillColor": f["properties"]["fill"],
            "dashArray": f["properties"]["dash"],
        },
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    ).add_to(m)
    rows = [
        (f"width:14px;height:10px;background:{colour}", text)
        for colour, text in indicator_classes(data.indicator)
    ]
    rows.append((f"width:14px;height:10px;background:{NO_DATA_COLOUR}", labels["no_data"]))
    return layer, labels[f"indicator.{data.indicator}"], rows


def _add_depots(m, depots, level, shift, labels, named):
    base = {
        **DEPOT_LEVEL_STYLES[level],
        "radius": 8 if level == "district" else 6,
        "weight": 2,
        "fill_opacity": 0.95,
    }
    styles = {
        "ok": {**base, "label": labels[level]},
        "warn": {**base, "ring": DEPOT_WARNING_RING, "label": labels["depot_warning"]},
    }
    rows = [row for row in depots if row["level"] == level]
    points = [
        _point(row, shift, "warn" if row["below_quota"] or row["expired_lots"] else "ok", named)
        for row in rows
    ]
    layer = PointLayer(labels[level], points, styles).add_to(m)
    rows = [
        (marker_svg(base), labels[level]),
        (marker_svg(styles["warn"]), labels["depot_warning"]),
    ]
    return layer, labels[level], rows


def _add_categories(m, rows, shift, labels, named, *, layer, key, prefix, colours, shape, radius):
    """A point layer of one shape, coloured by ``row[key]`` (a team's kind, a terminal's
    status), with a legend row per category."""
    styles = {
        name: {
            "shape": shape,
            "radius": radius,
            "color": "#263238",
            "weight": 1,
            "fill_color": colour,
            "fill_opacity": 0.95,
            "label": labels[f"{prefix}.{name}"],
        }
        for name, colour in colours.items()
    }
    points = [_point(row, shift, row[key], named) for row in rows]
    drawn = PointLayer(labels[layer], points, styles).add_to(m)
    legend = [(marker_svg(styles[name]), labels[f"{prefix}.{name}"]) for name in styles]
    return drawn, labels[layer], legend


def _add_teams(m, teams, shift, labels, named):
    return _add_categories(m, teams, shift, labels, named, layer="teams", key="kind",
                           prefix="team_kind", colours=TEAM_KIND_COLOURS, shape="triangle",
                           radius=7)  # fmt: skip


def _add_warnings(m, warnings: dict, shift, labels):
    """The warnings in force as translucent areas in their colour, the headline on hover."""
    features = [
        {
            **feature,
            "properties": {
                "level": feature["properties"]["level"],
                "tooltip": map_text(feature["properties"]["headline"]),
            },
        }
        for feature in warnings["features"]
    ]
    layer = folium.GeoJson(
        _shifted({"type": "FeatureCollection", "features": features}, shift),
        name=map_text(labels["warnings"]),
        style_function=lambda f: {
            "color": WARNING_COLOURS[f["properties"]["level"]],
            "weight": 2,
            "dashArray": "6 4",
            "fillColor": WARNING_COLOURS[f["properties"]["level"]],
            "fillOpacity": 0.12,
        },
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    ).add_to(m)
    rows = [
        (f"width:14px;height:10px;border:2px dashed {colour};background:{colour}33",
         labels[f"warning.{level}"])
        for level, colour in WARNING_COLOURS.items()
    ]  # fmt: skip
    return layer, labels["warnings"], rows


def _add_terminals(m, terminals, shift, labels):
    """Broadcast terminals as small squares by status (few enough to name all)."""
    return _add_categories(m, terminals, shift, labels, True, layer="terminals", key="status",
                           prefix="terminal", colours=TERMINAL_COLOURS, shape="square",
                           radius=5)  # fmt: skip


def checkpoint_style_name(row: dict) -> str:
    rect = (
        "overdue"
        if row["overdue_rectifications"]
        else "open"
        if row["open_rectifications"]
        else "none"
    )
    return f"{row['type']}:{row['risk_level']}:{rect}"


def _checkpoint_style(name: str, labels: Mapping[str, str]) -> dict:
    kind, risk, rect = name.split(":")
    text = f"{labels[f'type.{kind}']} · {labels[f'risk.{risk}']}"
    style = {
        "shape": "circle",
        "radius": 5,
        "color": CHECKPOINT_TYPE_COLOURS[kind],
        "weight": 1.5,
        "fill_color": RISK_COLOURS[risk],
        "fill_opacity": 0.9,
        "label": text,
    }
    if rect not in RECTIFICATION_RINGS:
        return style
    return {
        **style,
        "ring": RECTIFICATION_RINGS[rect],
        "label": f"{text} · {labels[f'rectification.{rect}']}",
    }


def _add_checkpoints(m, checkpoints, shift, labels, named):
    names = sorted({checkpoint_style_name(row) for row in checkpoints})
    styles = {name: _checkpoint_style(name, labels) for name in names}
    points = [_point(row, shift, checkpoint_style_name(row), named) for row in checkpoints]
    layer = PointLayer(labels["checkpoints"], points, styles).add_to(m)
    plain = {"shape": "circle", "radius": 5, "color": "#424242", "weight": 1, "fill_opacity": 1}
    rows = [
        (marker_svg({**plain, "fill_color": colour}), labels[f"risk.{risk}"])
        for risk, colour in RISK_COLOURS.items()
    ]
    rows += [
        (
            marker_svg({**plain, "fill_color": "#ffffff", "ring": colour}),
            labels[f"rectification.{state}"],
        )
        for state, colour in RECTIFICATION_RINGS.items()
    ]
    return layer, labels["checkpoints"], rows


def _point(row: dict, shift, style: str, named: bool) -> dict:
    """A point: its own label only while its layer is small enough to name every point; the
    style and the locality (its group) say the rest of the tooltip."""
    lon, lat = shift(row["lon"], row["lat"])
    return {
        "lat": lat,
        "lon": lon,
        "key": row["key"],
        "style": style,
        "label": row["label"] if named else None,
        "group": row["locality"],
    }


def _named(collection: dict) -> dict:
    """Neighbouring counties with an escaped tooltip of their name."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": i,
                "geometry": f["geometry"],
                "properties": {"tooltip": map_text(f["properties"].get("name"))},
            }
            for i, f in enumerate(collection["features"])
        ],
    }


def _shifted(geojson: dict, shift, *, keep_properties: bool = True) -> dict:
    """Features with shifted geometry; properties dropped unless already made safe."""
    features = geojson["features"] if geojson["type"] == "FeatureCollection" else [geojson]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": f.get("properties") if keep_properties else {},
                "geometry": _shift_geometry(f["geometry"], shift),
            }
            for f in features
        ],
    }


def _shift_geometry(geometry: dict, shift) -> dict:
    """Shifted for the basemap and rounded to 1e-5 degree (about 1 m): a province's
    polygons ship at half the size."""

    def walk(coords):
        if isinstance(coords[0], int | float):
            lon, lat = shift(coords[0], coords[1])
            return [round(lon, 5), round(lat, 5)]
        return [walk(c) for c in coords]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _bounds(collection: dict) -> tuple[float, float, float, float]:
    xs, ys = [], []

    def walk(coords):
        if isinstance(coords[0], int | float):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for feature in collection["features"]:
        walk(feature["geometry"]["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)
