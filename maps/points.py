"""Point layers drawn on a canvas in the browser from compact arrays.

One folium object per point costs seconds of Python and megabytes of script at a few
thousand points; the province map has 100,000. ``PointLayer`` ships delta-encoded integer
arrays (about 20 bytes a point) and ``points.js``, loaded once per map, draws what the
viewport holds on one canvas per layer, or one bubble per locality when too many points
would be in view. st_folium's load-time walk of ``map._layers`` binds its click handler to
the layer, which reports a clicked point the way a marker would: its tooltip text, ending
in a hidden ``§key§`` read by ``parse_clicked_key``.
"""

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import folium
import numpy as np
from folium.template import Template
from folium.utilities import get_obj_in_upper_tree
from markupsafe import Markup

from maps.text import map_text

SHAPES = ("circle", "square", "diamond", "triangle")
FULL_SIZE_ZOOM = 14  # symbols shrink below this zoom (down to 45 %) to stay readable
AGGREGATE_ABOVE = 8_000  # more points in view than this: one bubble per locality instead
QUANTUM = 100_000  # coordinates travel as integers of 1e-5 degree (about 1 m)
POINTS_JS = (Path(__file__).with_name("points.js")).read_text(encoding="utf-8")

_KEY = r"[A-Za-z0-9_.:-]{1,64}"
_KEY_RE = re.compile(_KEY)
_CLICKED_KEY_RE = re.compile(rf"§({_KEY})§\s*\Z")
_STYLE_KEYS = {"shape", "radius", "color", "fill_color", "weight", "fill_opacity"}
_OPTIONAL_STYLE_KEYS = {"dash", "ring", "label"}
_NUMBERED_KEY_RE = re.compile(r"([A-Za-z_.:-]*?)(\d{1,15})")
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
    """One toggleable overlay of many points, drawn on its own canvas from compact arrays.

    ``points`` are dicts with ``lat``, ``lon``, ``key`` (e.g. ``"c12"``), ``style``, an
    optional ``label`` (plain text, the point's own lines) and an optional ``group`` (plain
    text shared by many points, e.g. the locality). ``styles`` maps style names to dicts with
    ``shape`` (one of ``SHAPES``), ``radius`` (px), ``color``, ``fill_color``, ``weight``,
    ``fill_opacity`` and optional ``dash``, ``ring`` (outer ring colour) and ``label`` (a
    tooltip line every point of the style shares).

    Nothing is created per point in the browser: coordinates travel as delta-encoded
    integers (about 20 bytes a point), are projected once, and each redraw paints only what
    the viewport holds. When more than ``aggregate_above`` points would be in view, the
    layer draws one bubble per group (locality) with its count instead; zooming in shows
    the points. Hover shows a tooltip, and a click is reported to st_folium exactly as a
    marker's would be (the tooltip's hidden ``§key§``).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.points_js }}
        var {{ this.get_name() }} = new (L.Layer.extend({
            initialize: function () { L.setOptions(this, {pane: 'registryPoints'}); },
            onAdd: function (map) { window.registryPointLayer.add(this, map); },
            onRemove: function (map) { window.registryPointLayer.remove(this, map); }
        }))();
        {{ this.get_name() }}.registry = {
            data: {{ this.data_json }},
            styles: {{ this.styles_json }},
            name: {{ this.name_json }},
            aggregateAbove: {{ this.aggregate_above }},
            groupColour: {{ this.group_colour|tojson }},
            fullSizeZoom: {{ this.full_size_zoom }}
        };
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
        aggregate_above: int = AGGREGATE_ABOVE,
    ):
        super().__init__(name=map_text(name), overlay=True, control=True, show=show)
        self._name = "PointLayer"
        index = {style_name: i for i, style_name in enumerate(styles)}
        self.full_size_zoom = FULL_SIZE_ZOOM
        self.aggregate_above = int(aggregate_above)
        self.name_json = _script_json(map_text(name))
        points = list(points)
        entries = [_style_entry(styles[n]) for n in styles]
        self.data_json = encode_points(points, index)  # checks every point first
        common = Counter(p["style"] for p in points).most_common(1)
        self.group_colour = entries[index[common[0][0]]]["fill"] if common else "#90a4ae"
        self.styles_json = _script_json(entries)

    def render(self, **kwargs):
        owner: Any = get_obj_in_upper_tree(self, folium.Map)  # carries our own marker
        self._map = owner
        # The drawing code travels with the map's first point layer: st_folium runs the
        # layers' scripts but not inline scripts of the page header.
        if getattr(owner, "_registry_points_owner", None) is None:
            owner._registry_points_owner = self
        self.points_js = POINTS_JS if owner._registry_points_owner is self else ""
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


def _refuse(problem: str, key: object) -> None:
    raise ValueError(f"point {key!r} {problem}")


def _checked_columns(points: list[Mapping], index: Mapping[str, int]):
    """Keys, quantised coordinates and style indices, every point checked first."""
    keys = [p.get("key") for p in points]
    for key in keys:
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            raise ValueError(f"point key must match {_KEY}: {key!r}")
    lat = np.array([float(p["lat"]) for p in points], dtype=float)
    lon = np.array([float(p["lon"]) for p in points], dtype=float)
    outside = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))  # NaN counts as outside
    if outside.any():
        i = int(np.argmax(outside))
        _refuse(f"is outside lat/lon range: {lat[i]}, {lon[i]}", keys[i])
    styles = [index.get(p["style"]) for p in points]
    if None in styles:
        i = styles.index(None)
        _refuse(f"has unknown style {points[i]['style']!r}", keys[i])
    quantised = [np.rint(c * QUANTUM).astype(np.int64) for c in (lat, lon)]
    return keys, *quantised, np.array(styles, dtype=np.int64)


def _deltas(values: np.ndarray) -> np.ndarray:
    return np.diff(values, prepend=0)


def _text_html(text: object) -> str:
    """Escaped tooltip text, newlines as ``<br>``."""
    return map_text(text).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def encode_points(points: list[Mapping], index: Mapping[str, int]) -> str:
    """The compact arrays ``points.js`` decodes: delta-encoded 1e-5 degree integers, style
    indices, keys (a shared prefix and delta-encoded numbers when they have one), group
    indices into a table of group texts, and the points' own labels when any has one.
    Points are ordered by group, then key number, so that deltas stay small."""
    keys, lat, lon, styles = _checked_columns(points, index)
    raw_groups = [p.get("group") for p in points]
    grouped = any(g is not None for g in raw_groups)
    texts = sorted({"" if g is None else str(g) for g in raw_groups}) if grouped else []
    position = {text: i for i, text in enumerate(texts)}
    groups = np.array(
        [position["" if g is None else str(g)] for g in raw_groups] if grouped else [0] * len(keys),
        dtype=np.int64,
    )
    numbered = [_NUMBERED_KEY_RE.fullmatch(key) for key in keys]
    prefixes = {m.group(1) for m in numbered if m}
    shared = len(prefixes) == 1 and all(numbered)
    numbers = np.array([int(m.group(2)) for m in numbered if m] if shared else [0] * len(keys))
    order = np.lexsort((numbers, groups))
    parts = [
        f'"n":{len(keys)}',
        f'"lat":{_ints(_deltas(lat[order]))}',
        f'"lon":{_ints(_deltas(lon[order]))}',
        f'"s":{_ints(styles[order])}',
    ]
    if shared:
        parts += [f'"kp":{_string(prefixes.pop())}', f'"k":{_ints(_deltas(numbers[order]))}']
    else:
        parts.append(f'"k":[{",".join(_string(keys[i]) for i in order)}]')
    if grouped:
        parts += [
            f'"g":{_ints(_deltas(groups[order]))}',
            f'"gt":[{",".join(_string(_text_html(text)) for text in texts)}]',
        ]
    labels = [points[i].get("label") for i in order]
    if any(labels):
        encoded = (_string(_text_html(label)) if label else "0" for label in labels)
        parts.append(f'"t":[{",".join(encoded)}]')
    return "{" + ",".join(parts) + "}"


def decode_points(data: Mapping, styles: list[Mapping]) -> list[dict]:
    """What ``points.js`` makes of the arrays: each point's position, style, key and the
    tooltip it shows (the same HTML). For tests and benchmarks; the browser decodes its own."""
    lat = lon = key = group = 0
    points = []
    for i in range(data["n"]):
        lat, lon = lat + data["lat"][i], lon + data["lon"][i]
        if "kp" in data:
            key += data["k"][i]
            name = f"{data['kp']}{key}"
        else:
            name = data["k"][i]
        group += data["g"][i] if "g" in data else 0
        style = styles[data["s"][i]]
        lines = [data["t"][i]] if data.get("t") and data["t"][i] else []
        lines += [style["label"]] if style.get("label") else []
        lines += [data["gt"][group]] if "g" in data else []
        points.append(
            {
                "lat": lat / QUANTUM,
                "lon": lon / QUANTUM,
                "style": data["s"][i],
                "key": name,
                "tooltip": "<br>".join(lines) + f"<span hidden>§{name}§</span>",
            }
        )
    return points


def _ints(values) -> str:
    return "[" + ",".join(map(str, np.asarray(values).tolist())) + "]"


def _string(text: str) -> str:
    """A JSON string that can neither end the <script> element nor open a Jinja tag."""
    return (
        json.dumps(text, ensure_ascii=False)
        .replace("</", "<\\/")
        .replace("{", "\\u007b")
        .replace("}", "\\u007d")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _style_entry(style: Mapping) -> dict:
    """A styles-table entry for ``points.js``: the shape at equal area, its paint, its ring
    and the tooltip line its points share."""
    s = _checked_style(style)
    shape, weight = s["shape"], s["weight"]
    entry = {
        "shape": shape,
        "extent": round(s["radius"] * _EQUAL_AREA[shape], 2),
        "color": s["color"],
        "fill": s["fill_color"],
        "weight": weight,
        "fillOpacity": s["fill_opacity"],
        "dash": [float(n) for n in re.split(r"[\s,]+", str(s["dash"]))] if s.get("dash") else None,
        "ring": None,
        "label": _text_html(s["label"]) if s.get("label") else None,
    }
    if s.get("ring"):
        offset = (weight / 2 + _RING_GAP + _RING_WIDTH / 2) / _INRADIUS[shape]
        entry["ring"] = {"color": s["ring"], "offset": round(offset, 2), "width": _RING_WIDTH}
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
