"""Point layers built in the browser from one compact JSON array.

One folium object per point costs seconds of Python and megabytes of script at a
few thousand points; the province map needs up to 100,000. ``PointLayer`` embeds
its rows once and lets a short loop create the markers when the map script runs,
so st_folium's load-time walk of ``map._layers`` still binds its click handler to
each of them. Which record was clicked travels back in the tooltip text, as a
hidden ``§key§`` suffix read by ``parse_clicked_key``.
"""

import json
import math
import re
from collections.abc import Iterable, Mapping

import folium
from folium.template import Template
from folium.utilities import get_obj_in_upper_tree
from markupsafe import Markup

from maps.text import map_text

SHAPES = ("circle", "square", "diamond", "triangle")
FULL_SIZE_ZOOM = 14  # circles shrink below this zoom (down to 45 %) to stay readable

_KEY = r"[A-Za-z0-9_.:-]{1,64}"
_KEY_RE = re.compile(_KEY)
_CLICKED_KEY_RE = re.compile(rf"§({_KEY})§\s*\Z")
_STYLE_KEYS = {"shape", "radius", "color", "fill_color", "weight", "fill_opacity"}
_OPTIONAL_STYLE_KEYS = {"dash", "ring"}
# Half-extent of each shape, as a multiple of ``radius``, for the area of that circle:
# a square, diamond or triangle then weighs as much on the map as a circle marker.
_EQUAL_AREA = {
    "circle": 1.0,
    "square": math.sqrt(math.pi) / 2,
    "diamond": math.sqrt(math.pi / 2),
    "triangle": math.sqrt(4 * math.pi / (3 * math.sqrt(3))),
}
# Per shape, relative to its half-extent: distance to the edge midpoint (how far an
# outline moves when the extent grows) and to the farthest vertex (how big the icon is).
_INRADIUS = {"circle": 1.0, "square": 1.0, "diamond": math.sqrt(0.5), "triangle": 0.5}
_VERTEX = {"circle": 1.0, "square": math.sqrt(2), "diamond": 1.0, "triangle": 1.0}
_RING_GAP, _RING_WIDTH = 2, 2
# branca compiles every rendered script as a Jinja template once more, so "{{ ... }}" in
# user text would run on the server; map_text leaves braces alone.
_COLOUR_RE = re.compile(r"#[0-9A-Fa-f]{3,8}|[a-z]+|(?:rgb|hsl)a?\([\d\s.,%]+\)")
_DASH_RE = re.compile(r"[\d.]+(?:[\s,]+[\d.]+)*")


def tooltip_html(label: object, key: str) -> str:
    """Escaped label (newlines as ``<br>``) plus the hidden key st_folium sends back."""
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise ValueError(f"point key must match {_KEY}: {key!r}")
    text = map_text(label).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    return f"{text}<span hidden>§{key}§</span>"


def parse_clicked_key(tooltip_text: str | None) -> str | None:
    """The record key in st_folium's ``last_object_clicked_tooltip``, else ``None``.

    Only a key at the very end counts, so a label that itself contains ``§x§``
    cannot pose as another record.
    """
    if not isinstance(tooltip_text, str):
        return None
    match = _CLICKED_KEY_RE.search(tooltip_text)
    return match.group(1) if match else None


def marker_svg(style: Mapping) -> Markup:
    """Inline SVG of a point style: the divIcon of non-circle markers and legend swatches."""
    return _svg(_checked_style(style))[0]


class PointLayer(folium.map.Layer):
    """One toggleable overlay of many points, drawn from a single embedded array.

    ``points`` are dicts with ``lat``, ``lon``, ``key`` (e.g. ``"d12"``), ``style``
    and ``label`` (plain text); ``styles`` maps style names to dicts with
    ``shape`` (one of ``SHAPES``), ``radius`` (px), ``color``, ``fill_color``,
    ``weight``, ``fill_opacity`` and optional ``dash`` and ``ring`` (outer ring
    colour). Circles share the map's canvas renderer, so the map must be built
    with ``prefer_canvas=True``: a second canvas on top would swallow the clicks
    meant for the first. Other shapes are DOM markers, fine for a few hundred.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function (group, map) {
            var renderer = map.getRenderer(group);
            var styles = {{ this.styles_json }};
            var rows = {{ this.rows_json }};
            var kinds = styles.map(function (s) {
                if (s.html) {
                    return {icon: L.divIcon({
                        html: s.html, className: '',
                        iconSize: [s.size, s.size], tooltipAnchor: [s.size / 2, 0]
                    })};
                }
                return {
                    circle: L.extend({renderer: renderer}, s.circle),
                    ring: s.ring && L.extend({renderer: renderer}, s.ring)
                };
            });
            var circles = [];
            function circle(at, options) {
                var marker = L.circleMarker(at, options);
                circles.push([marker, options.radius]);
                return marker;
            }
            for (var i = 0; i < rows.length; i++) {
                var row = rows[i], kind = kinds[row[2]], at = [row[0], row[1]];
                if (kind.ring) { group.addLayer(circle(at, kind.ring)); }
                var marker = kind.icon ? L.marker(at, {icon: kind.icon})
                    : circle(at, kind.circle);
                group.addLayer(marker.bindTooltip(row[3]));
            }
            // Smaller circles at district zoom keep a dense layer readable; full size
            // from street zoom ({{ this.full_size_zoom }}) on.
            function scale() {
                var f = Math.max(0.45, 1 - ({{ this.full_size_zoom }} - map.getZoom()) * 0.12);
                f = Math.min(1, f);
                circles.forEach(function (c) { c[0].setRadius(c[1] * f); });
            }
            map.on('zoomend', scale);
            scale();
            // For benchmarks: how many points are drawn, and a flag once they are painted.
            window.registryPointsDrawn = (window.registryPointsDrawn || 0) + rows.length;
            requestAnimationFrame(function () {
                requestAnimationFrame(function () { window.registryPointsShown = true; });
            });
        })({{ this.get_name() }}, {{ this._map.get_name() }});
        {%- if not this.show %}
        {# st_folium binds clicks only to layers on the map when this script ends. #}
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        setTimeout(function () {
            {{ this._parent.get_name() }}.removeLayer({{ this.get_name() }});
        }, 0);
        {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        name: str,
        points: Iterable[Mapping],
        styles: Mapping[str, Mapping],
        *,
        show: bool = True,
    ):
        super().__init__(name=map_text(name), overlay=True, control=True, show=show)
        self._name = "PointLayer"
        index = {style_name: i for i, style_name in enumerate(styles)}
        self.full_size_zoom = FULL_SIZE_ZOOM
        self.styles_json = _script_json([_style_entry(styles[n]) for n in styles])
        self.rows_json = _script_json([_row(p, index) for p in points])

    def render(self, **kwargs):
        self._map = get_obj_in_upper_tree(self, folium.Map)
        if not self._map.options.get("prefer_canvas"):
            raise ValueError("PointLayer needs folium.Map(prefer_canvas=True)")
        super().render(**kwargs)


def highlight(lat: float, lon: float, colour: str, *, radius: int = 12) -> folium.FeatureGroup:
    """A pulsing ring at one point, for st_folium's ``feature_group_to_add``.

    The selected record is marked without re-mounting the map. The ring ignores
    the pointer, so a click still reaches the marker underneath.
    """
    size = 2 * (radius + 10)
    c = size // 2
    stroke = _colour(colour)
    pulse = "".join(
        f'<animate attributeName="{attr}" values="{values}" dur="1.5s" repeatCount="indefinite"/>'
        for attr, values in (("r", f"{radius};{radius + 8}"), ("opacity", "0.9;0"))
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}">'
        f'<circle cx="{c}" cy="{c}" r="{radius}" fill="none" stroke="{stroke}" stroke-width="3">'
        f"{pulse}</circle>"
        f'<circle cx="{c}" cy="{c}" r="{radius}" fill="none" stroke="{stroke}" stroke-width="4"/>'
        "</svg>"
    )
    group = folium.FeatureGroup(name="highlight", control=False)
    icon = folium.DivIcon(html=svg, icon_size=(size, size), icon_anchor=(c, c))
    folium.Marker([lat, lon], icon=icon, interactive=False, keyboard=False).add_to(group)
    return group


def _row(point: Mapping, index: Mapping[str, int]) -> list:
    lat, lon = float(point["lat"]), float(point["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"point {point.get('key')!r} is outside lat/lon range: {lat}, {lon}")
    style = point["style"]
    if style not in index:
        raise ValueError(f"point {point.get('key')!r} has unknown style {style!r}")
    return [round(lat, 6), round(lon, 6), index[style], tooltip_html(point["label"], point["key"])]


def _style_entry(style: Mapping) -> dict:
    """A styles-table entry: Leaflet circleMarker options, or divIcon SVG and size."""
    s = _checked_style(style)
    if s["shape"] != "circle":
        svg, size = _svg(s)
        return {"html": str(svg), "size": size}
    circle = {
        "radius": s["radius"],
        "color": s["color"],
        "fillColor": s["fill_color"],
        "weight": s["weight"],
        "fillOpacity": s["fill_opacity"],
        "fill": True,
    }
    if s.get("dash"):
        circle["dashArray"] = s["dash"]
    entry: dict = {"circle": circle}
    if s.get("ring"):
        entry["ring"] = {
            "radius": s["radius"] + s["weight"] / 2 + _RING_GAP + _RING_WIDTH / 2,
            "color": s["ring"],
            "weight": _RING_WIDTH,
            "fill": False,
            "interactive": False,
        }
    return entry


def _checked_style(style: Mapping) -> dict:
    """Validate a style dict, so that no value can carry markup into SVG or script.

    An optional key set to ``None`` counts as absent, e.g. ``ring=None`` for no ring.
    """
    style = {k: v for k, v in style.items() if v is not None or k not in _OPTIONAL_STYLE_KEYS}
    keys = set(style)
    if not _STYLE_KEYS <= keys <= _STYLE_KEYS | _OPTIONAL_STYLE_KEYS:
        raise ValueError(
            f"style needs {sorted(_STYLE_KEYS)} (optional {sorted(_OPTIONAL_STYLE_KEYS)}),"
            f" got {sorted(keys)}"
        )
    if style["shape"] not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}: {style['shape']!r}")
    for key in ("color", "fill_color", "ring"):
        if key in style:
            _colour(style[key])
    if "dash" in style and not _DASH_RE.fullmatch(str(style["dash"])):
        raise ValueError(f"dash must be numbers, e.g. '4 3': {style['dash']!r}")
    numbers = {k: float(style[k]) for k in ("radius", "weight", "fill_opacity")}
    return {**style, **numbers}


def _colour(value: object) -> str:
    if not isinstance(value, str) or not _COLOUR_RE.fullmatch(value):
        raise ValueError(f"not a CSS colour (#hex, name, rgb() or hsl()): {value!r}")
    return value


def _svg(s: dict) -> tuple[Markup, int]:
    """SVG markup of a checked style and its (square) pixel size."""
    shape, extent, weight = s["shape"], s["radius"] * _EQUAL_AREA[s["shape"]], s["weight"]
    ring_offset = (weight / 2 + _RING_GAP + _RING_WIDTH / 2) / _INRADIUS[shape]
    reach = extent + (ring_offset + _RING_WIDTH / 2 if s.get("ring") else weight / 2)
    size = 2 * math.ceil(reach * _VERTEX[shape] + 1)
    c = size / 2
    dash = f' stroke-dasharray="{s["dash"]}"' if s.get("dash") else ""
    body = _shape(shape, c, extent) + (
        f' fill="{s["fill_color"]}" fill-opacity="{s["fill_opacity"]:g}"'
        f' stroke="{s["color"]}" stroke-width="{weight:g}"{dash}'
        ' stroke-linejoin="round"/>'
    )
    if s.get("ring"):
        ring = _shape(shape, c, extent + ring_offset) + (
            f' fill="none" stroke="{s["ring"]}" stroke-width="{_RING_WIDTH}"'
            ' stroke-linejoin="round"/>'
        )
        body = ring + body
    markup = Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"'
        f' viewBox="0 0 {size} {size}" style="display:block">{body}</svg>'
    )
    return markup, size


def _shape(shape: str, c: float, r: float) -> str:
    """Opening of an SVG element for ``shape`` centred on (c, c) with half-extent r."""
    if shape == "circle":
        return f'<circle cx="{c:g}" cy="{c:g}" r="{r:.2f}"'
    h = r * math.sqrt(3) / 2
    corners = {
        "square": [(c - r, c - r), (c + r, c - r), (c + r, c + r), (c - r, c + r)],
        "diamond": [(c, c - r), (c + r, c), (c, c + r), (c - r, c)],
        "triangle": [(c, c - r), (c + h, c + r / 2), (c - h, c + r / 2)],
    }[shape]
    return '<polygon points="' + " ".join(f"{x:.2f},{y:.2f}" for x, y in corners) + '"'


def _script_json(value: object) -> str:
    """Compact JSON that cannot end the surrounding <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
