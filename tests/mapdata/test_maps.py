"""The office map (一张图) as rendered: layers, legend, indicator colours, basemaps,
controls, no CDN and no script or template injection from user text."""

import json
import os
import re
from dataclasses import replace

import folium
import pytest
from jinja2.utils import htmlsafe_json_dumps

from maps.assets import cdn_urls_in, use_local_assets, vendor_assets
from maps.basemaps import BASEMAPS, available_basemaps, default_basemap
from maps.office_map import (
    DEPOT_WARNING_RING,
    INDICATOR_SCALES,
    LAYERS,
    RECTIFICATION_RINGS,
    OfficeMapData,
    build_office_map,
    checkpoint_style_name,
    format_indicator,
    indicator_classes,
    indicator_colour,
)
from maps.points import decode_points, tooltip_html
from maps.styles import (
    CHECKPOINT_TYPE_COLOURS,
    DEPOT_LEVEL_STYLES,
    NO_DATA_COLOUR,
    RISK_COLOURS,
    SEQUENTIAL_RAMP,
    TEAM_KIND_COLOURS,
)
from maps.text import map_text

PAYLOAD = "<img src=x onerror=window.__x=1>${window.__y=1}"
HOSTILE = [
    PAYLOAD,
    "back`tick`${1}",
    "back\\slash\\",
    "</script><script>window.__z=1</script>",
    "x{{ 7*7 }}y",
    "{{ cycler.__init__.__globals__.os.getcwd() }}",
]

LABELS = {
    "neighbours": "周边区县",
    "localities": "镇街（近似范围）",
    "legend": "图例",
    "fullscreen": "全屏",
    "approximate": "边界为近似范围，非官方界线",
    "no_data": "无数据",
    "district": "区级库",
    "town": "镇街库",
    "depot_warning": "库存低于定额或有过期物资",
    "teams": "应急队伍",
    "checkpoints": "隐患点",
    "warnings": "生效预警区域",
    "terminals": "应急广播终端",
    "warning.red": "红色预警",
    "warning.orange": "橙色预警",
    "warning.yellow": "黄色预警",
    "warning.blue": "蓝色预警",
    "terminal.online": "在线",
    "terminal.offline": "离线",
    "terminal.fault": "故障",
    "rectification.open": "有未销号整改",
    "rectification.overdue": "整改已逾期",
    "indicator.stock_coverage": "物资定额达标率",
    "indicator.open_rectifications": "未销号整改数",
    "indicator.overdue_rectifications": "逾期整改数",
    "indicator.checkpoint_density": "隐患点密度（个/km²）",
    "indicator.team_strength": "队伍在编率",
    "team_kind.comprehensive": "综合性队伍",
    "team_kind.professional": "专业队伍",
    "team_kind.social": "社会力量",
    "risk.major": "重大风险",
    "risk.significant": "较大风险",
    "risk.general": "一般风险",
    "risk.low": "低风险",
    **{f"type.{kind}": f"类型{kind}" for kind in CHECKPOINT_TYPE_COLOURS},
}
MEASURE_LABELS = {
    "distance": "测距离",
    "area": "测面积",
    "finish": "完成",
    "clear": "清除",
    "hint": "在地图上依次点击，双击结束",
    "hectares": "公顷",
}
LAYER_LABEL = {
    "localities": "localities",
    "warnings": "warnings",
    "terminals": "terminals",
    "district_depots": "district",
    "town_depots": "town",
    "teams": "teams",
    "checkpoints": "checkpoints",
}


def _square(x0: float, y0: float, x1: float, y1: float) -> dict:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


BOUNDARY = {"type": "Feature", "properties": {}, "geometry": _square(119.0, 34.4, 119.4, 34.8)}


def _localities(names=("新浦街道", "浦南镇")) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": 1, "name": names[0], "approximate": True},
                "geometry": _square(119.0, 34.4, 119.2, 34.8),
            },
            {
                "type": "Feature",
                "properties": {"id": 2, "name": names[1], "approximate": False},
                "geometry": _square(119.2, 34.4, 119.4, 34.8),
            },
        ],
    }


def _neighbours(name: str = "连云区") -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": _square(119.4, 34.6, 119.6, 34.8),
            }
        ],
    }


def _depot(id_: int, name: str, level: str, lon: float, lat: float, **flags) -> dict:
    row = {
        "key": f"d{id_}",
        "id": id_,
        "name": name,
        "level": level,
        "locality": "新浦街道",
        "lon": lon,
        "lat": lat,
        "manager": "张三",
        "below_quota": 0,
        "expiring_lots": 0,
        "expired_lots": 0,
        "item_quantity": None,
        "is_demo": False,
    }
    return {**row, **flags, "label": name}


def _team(id_: int, name: str, kind: str, lon: float, lat: float) -> dict:
    row = {
        "key": f"t{id_}",
        "id": id_,
        "name": name,
        "kind": kind,
        "staffing": "full_time",
        "specialties": "",
        "locality": "浦南镇",
        "lon": lon,
        "lat": lat,
        "members": 12,
        "target": 20,
        "trained": 9,
        "leader": "李四",
        "is_demo": False,
    }
    return {**row, "label": name}


def _checkpoint(id_, name, type_, risk, lon, lat, open_=0, overdue=0) -> dict:
    row = {
        "key": f"c{id_}",
        "id": id_,
        "name": name,
        "type": type_,
        "risk_level": risk,
        "locality": "浦南镇",
        "lon": lon,
        "lat": lat,
        "responsible_person": "王五",
        "open_rectifications": open_,
        "overdue_rectifications": overdue,
        "is_demo": True,
    }
    return {**row, "label": name}


def _data(names: str | None = None, **changes) -> OfficeMapData:
    """Two localities (the first approximate), three depots, two teams, three checkpoints.

    ``names`` replaces every user-supplied name (records, localities, neighbours).
    """
    n = (lambda default: names) if names is not None else (lambda default: default)
    data = OfficeMapData(
        boundary=BOUNDARY,
        localities=_localities((n("新浦街道"), n("浦南镇"))),
        indicator="stock_coverage",
        indicator_values={1: 0.6, 2: None},
        indicator_text={1: "物资定额达标率: 60%", 2: "物资定额达标率: —"},
        depots=[
            _depot(1, n("区应急物资储备库"), "district", 119.17, 34.61),
            _depot(2, n("区第二储备库"), "district", 119.05, 34.45, below_quota=2),
            _depot(3, n("浦南镇应急物资库"), "town", 119.31, 34.52),
        ],
        teams=[
            _team(1, n("区综合应急救援大队"), "comprehensive", 119.12, 34.58),
            _team(2, n("浦南防汛抢险队"), "professional", 119.33, 34.71),
        ],
        checkpoints=[
            _checkpoint(1, n("大浦河堤"), "dike", "major", 119.25, 34.65),
            _checkpoint(2, n("石门水库"), "reservoir", "significant", 119.08, 34.7, open_=2),
            _checkpoint(3, n("新浦下穿"), "waterlogging", "general", 119.15, 34.5, 1, 1),
        ],
        neighbours=_neighbours(n("连云区")),
        warnings={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": _square(119.1, 34.5, 119.2, 34.6),
                    "properties": {"headline": n("暴雨黄色预警"), "level": "yellow"},
                }
            ],
        },
        terminals=[
            {
                "key": "b1",
                "name": n("新浦广播终端"),
                "locality": n("新浦街道"),
                "status": "online",
                "lon": 119.16,
                "lat": 34.6,
                "label": n("新浦广播终端"),
            },
            {
                "key": "b2",
                "name": n("浦南广播终端"),
                "locality": n("浦南镇"),
                "status": "fault",
                "lon": 119.3,
                "lat": 34.53,
                "label": n("浦南广播终端"),
            },
        ],
    )
    return replace(data, **changes)


def _build(data: OfficeMapData | None = None, labels=LABELS, **kwargs) -> folium.Map:
    kwargs.setdefault("measure_labels", MEASURE_LABELS)
    return build_office_map(data or _data(), labels, **kwargs)


def _render(data: OfficeMapData | None = None, **kwargs) -> str:
    return _build(data, **kwargs).get_root().render()


# --- reading the rendered page ---------------------------------------------------------

_OVERLAYS_RE = re.compile(r"overlays :  \{(.*?)\n\s*\},", re.DOTALL)
_OVERLAY_RE = re.compile(r'^\s*(".*") : (\w+),$', re.MULTILINE)
_POINT_LAYER_RE = re.compile(
    r"^\s*(point_layer_\w+)\.registry = \{\n\s*data: (.*),\n\s*styles: (.*),\n",
    re.MULTILINE,
)
_GEOJSON_RE = re.compile(r"^\s*(geo_json_\w+)_add\((.*)\);$", re.MULTILINE)
_SECTION_RE = re.compile(r'^\s*\[(\w+), (".*")\],$', re.MULTILINE)


def _overlays(page: str) -> dict[str, str]:
    """Layer control entries: displayed name (as escaped by map_text) -> layer variable."""
    (block,) = _OVERLAYS_RE.findall(page)
    return {json.loads(name): var for name, var in _OVERLAY_RE.findall(block)}


def _point_layers(page: str) -> dict[str, tuple[list, list]]:
    """Point layer variable -> (styles table, rows of [lat, lon, style, tooltip] as drawn)."""
    layers = {}
    for var, data, styles in _POINT_LAYER_RE.findall(page):
        styles = json.loads(styles)
        points = decode_points(json.loads(data), styles)
        layers[var] = (styles, [[p["lat"], p["lon"], p["style"], p["tooltip"]] for p in points])
    return layers


def _geojson(page: str) -> dict[str, dict]:
    return {var: json.loads(data) for var, data in _GEOJSON_RE.findall(page)}


def _legend(page: str) -> dict[str, str]:
    """Legend sections: layer variable -> section HTML."""
    return {var: json.loads(html) for var, html in _SECTION_RE.findall(page)}


def _layer(page: str, name: str, kind: str):
    """The points or GeoJSON of the overlay listed under the translated ``name``."""
    var = _overlays(page)[map_text(name)]
    return (_point_layers if kind == "points" else _geojson)(page)[var]


def _boundary(page: str) -> dict:
    listed = set(_overlays(page).values())
    (outline,) = [data for var, data in _geojson(page).items() if var not in listed]
    return outline


def _drawn_texts(page: str) -> list[str]:
    """Every point label and GeoJSON tooltip on the page, as embedded."""
    labels = [row[3] for _, rows in _point_layers(page).values() for row in rows]
    tooltips = [
        f["properties"].get("tooltip", "")
        for data in _geojson(page).values()
        for f in data["features"]
    ]
    return labels + tooltips


def _coordinates(geojson: dict) -> list[list[float]]:
    found = []

    def walk(coords):
        if isinstance(coords[0], int | float):
            found.append(coords)
        else:
            for c in coords:
                walk(c)

    for feature in geojson["features"]:
        walk(feature["geometry"]["coordinates"])
    return found


@pytest.fixture(scope="module", autouse=True)
def local_assets():
    use_local_assets()


# --- assets ------------------------------------------------------------------------------


def test_rendered_map_uses_only_local_assets():
    html = _render()
    assert cdn_urls_in(html) == []
    assert '<script src="/app/static/vendor/leaflet/leaflet.js">' in html
    assert 'href="/app/static/vendor/leaflet/leaflet.css"' in html


def test_use_local_assets_is_idempotent():
    before = (list(folium.Map.default_js), list(folium.Map.default_css))
    use_local_assets()
    assert (folium.Map.default_js, folium.Map.default_css) == before
    assert cdn_urls_in(_render()) == []


def test_cdn_urls_in_finds_external_links():
    html = '<script src="https://cdn.x/a.js"></script><link rel="stylesheet" href="//cdn.y/b.css"/>'
    assert cdn_urls_in(html) == ["https://cdn.x/a.js", "//cdn.y/b.css"]


def test_vendor_assets_copies_files_once(tmp_path):
    copied = vendor_assets(tmp_path)
    for name in (
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/images/layers.png",
        "markercluster/leaflet.markercluster.js",
        "markercluster/MarkerCluster.css",
        "jquery/jquery.min.js",
        "fontawesome/css/all.min.css",
        "fontawesome/webfonts/fa-solid-900.woff2",
    ):
        path = tmp_path / name
        assert path in copied
        assert path.stat().st_size > 0
    assert vendor_assets(tmp_path) == []


# --- map_text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "forbidden"),
    [
        ("<img src=x onerror=alert(1)>", "<img"),
        ("${window.x=1}", "${"),
        ("a`b", "`"),
        ("a\\b", "\\"),
        ('"quoted"', '"'),
        ("{{ 7*7 }}", "{"),
        ("{{ 7*7 }}", "}"),
    ],
)
def test_map_text_neutralises(raw, forbidden):
    assert forbidden not in map_text(raw)


def test_map_text_values():
    assert map_text(None) == ""
    assert map_text("${x}`\\") == "&#36;&#123;x&#125;&#96;&#92;"
    assert map_text("{{ 7*7 }}") == "&#123;&#123; 7*7 &#125;&#125;"
    assert map_text(3) == "3"


# --- layers and layer control ------------------------------------------------------------


def test_every_layer_is_listed_by_its_translated_name():
    page = _render()
    names = [LABELS[LAYER_LABEL[layer]] for layer in LAYERS]
    assert list(_overlays(page)) == [map_text(LABELS["neighbours"]), *map(map_text, names)]
    assert page.count("L.control.layers(") == 1
    assert '"collapsed": false' in page


@pytest.mark.parametrize("omitted", LAYERS)
def test_omitted_layers_are_neither_listed_nor_drawn(omitted):
    page = _render(_data(layers=[layer for layer in LAYERS if layer != omitted]))
    overlays = _overlays(page)
    assert map_text(LABELS[LAYER_LABEL[omitted]]) not in overlays
    for layer in LAYERS:
        if layer != omitted:
            assert map_text(LABELS[LAYER_LABEL[layer]]) in overlays
    assert len(_legend(page)) == len(LAYERS) - 1
    drawn = _drawn_texts(page)
    keys = {
        "localities": ["物资定额达标率: 60%"],
        "district_depots": ["§d1§", "§d2§"],
        "town_depots": ["§d3§"],
        "teams": ["§t1§", "§t2§"],
        "checkpoints": ["§c1§", "§c2§", "§c3§"],
    }
    for layer, texts in keys.items():
        for text in texts:
            assert any(text in t for t in drawn) == (layer != omitted), (layer, text)
    assert _boundary(page)["features"]  # the outline is always drawn


def test_no_layers_leaves_outline_neighbours_and_controls():
    page = _render(_data(layers=()))
    assert list(_overlays(page)) == [map_text(LABELS["neighbours"])]
    assert _legend(page) == {}
    assert _point_layers(page) == {}
    assert _boundary(page)["features"]
    assert "var LayerLegend = L.Control.extend" in page
    assert "requestFullscreen" in page


def test_neighbours_are_optional():
    page = _render(_data(neighbours=None))
    assert map_text(LABELS["neighbours"]) not in _overlays(page)
    assert len(_overlays(page)) == len(LAYERS)


def test_depot_levels_and_warning_ring():
    page = _render()
    styles, rows = _layer(page, LABELS["district"], "points")
    assert [row[:3] for row in rows] == [[34.61, 119.17, 0], [34.45, 119.05, 1]]
    # the point's own label, then its style's line, then its locality
    assert [row[3] for row in rows] == [
        tooltip_html(f"{depot['label']}\n{style}\n新浦街道", depot["key"])
        for depot, style in zip(
            _data().depots[:2], [LABELS["district"], LABELS["depot_warning"]], strict=True
        )
    ]
    ok, warn = styles  # squares, drawn on the canvas
    assert ok["shape"] == "square" and ok["fill"] == DEPOT_LEVEL_STYLES["district"]["fill_color"]
    assert ok["ring"] is None and warn["ring"]["color"] == DEPOT_WARNING_RING

    styles, rows = _layer(page, LABELS["town"], "points")
    assert [row[:3] for row in rows] == [[34.52, 119.31, 0]]
    assert styles[0]["fill"] == DEPOT_LEVEL_STYLES["town"]["fill_color"]
    assert styles[0]["ring"] is None and styles[1]["ring"]["color"] == DEPOT_WARNING_RING


@pytest.mark.parametrize(
    ("flags", "warned"),
    [({}, False), ({"below_quota": 1}, True), ({"expired_lots": 3}, True)],
)
def test_depot_warning_follows_quota_and_expiry(flags, warned):
    depot = _depot(9, "库", "town", 119.1, 34.5, **flags)
    _, rows = _layer(_render(_data(depots=[depot])), LABELS["town"], "points")
    assert rows[0][2] == (1 if warned else 0)


def test_teams_by_kind():
    styles, rows = _layer(_render(), LABELS["teams"], "points")
    kinds = list(TEAM_KIND_COLOURS)
    assert [row[2] for row in rows] == [kinds.index("comprehensive"), kinds.index("professional")]
    assert [row[:2] for row in rows] == [[34.58, 119.12], [34.71, 119.33]]
    for kind, style in zip(kinds, styles, strict=True):
        assert style["shape"] == "triangle" and style["fill"] == TEAM_KIND_COLOURS[kind]
        assert style["label"] == LABELS[f"team_kind.{kind}"]


def test_checkpoints_by_type_risk_and_rectification():
    styles, rows = _layer(_render(), LABELS["checkpoints"], "points")
    names = sorted(checkpoint_style_name(row) for row in _data().checkpoints)
    assert names == [
        "dike:major:none",
        "reservoir:significant:open",
        "waterlogging:general:overdue",
    ]
    by_key = {row[3].split("§")[1]: styles[row[2]] for row in rows}
    assert set(by_key) == {"c1", "c2", "c3"}
    for key, kind, risk in (
        ("c1", "dike", "major"),
        ("c2", "reservoir", "significant"),
        ("c3", "waterlogging", "general"),
    ):
        assert by_key[key]["color"] == CHECKPOINT_TYPE_COLOURS[kind]
        assert by_key[key]["fill"] == RISK_COLOURS[risk]
        assert by_key[key]["label"].startswith(
            f"{LABELS[f'type.{kind}']} · {LABELS[f'risk.{risk}']}"
        )
    assert by_key["c1"]["ring"] is None
    assert by_key["c2"]["ring"]["color"] == RECTIFICATION_RINGS["open"]
    assert by_key["c3"]["ring"]["color"] == RECTIFICATION_RINGS["overdue"]


@pytest.mark.parametrize(
    ("open_", "overdue", "state"),
    [(0, 0, "none"), (2, 0, "open"), (1, 1, "overdue"), (3, 2, "overdue")],
)
def test_checkpoint_style_name(open_, overdue, state):
    row = _checkpoint(1, "x", "pump_gate", "low", 119.1, 34.5, open_, overdue)
    assert checkpoint_style_name(row) == f"pump_gate:low:{state}"


def test_localities_coloured_by_indicator_with_approximate_note():
    page = _render()
    first, second = _layer(page, LABELS["localities"], "geojson")["features"]
    assert first["properties"]["fill"] == indicator_colour("stock_coverage", 0.6)
    assert second["properties"]["fill"] == NO_DATA_COLOUR
    assert first["properties"]["dash"] == "4 4" and second["properties"]["dash"] is None
    assert first["properties"]["tooltip"] == "<br>".join(
        ["新浦街道", "物资定额达标率: 60%", map_text(LABELS["approximate"])]
    )
    assert second["properties"]["tooltip"] == "浦南镇<br>物资定额达标率: —"
    assert set(first["properties"]) == {"tooltip", "fill", "dash"}  # nothing else embedded


# --- legend ------------------------------------------------------------------------------


def test_legend_has_a_section_per_visible_layer():
    page = _render()
    overlays = _overlays(page)
    sections = _legend(page)
    assert list(sections) == [overlays[map_text(LABELS[LAYER_LABEL[k]])] for k in LAYERS]
    assert htmlsafe_json_dumps(f"<div><b>{LABELS['legend']}</b></div>") in page

    def section(layer: str) -> str:
        return sections[overlays[map_text(LABELS[LAYER_LABEL[layer]])]]

    localities = section("localities")
    assert map_text(LABELS["indicator.stock_coverage"]) in localities
    for colour, text in indicator_classes("stock_coverage"):
        assert f"background:{colour}" in localities
        assert f"<span>{map_text(text)}</span>" in localities
    assert f"background:{NO_DATA_COLOUR}" in localities
    assert LABELS["no_data"] in localities

    for level in ("district", "town"):
        depots = section(f"{level}_depots")
        assert LABELS[level] in depots and LABELS["depot_warning"] in depots
        assert DEPOT_LEVEL_STYLES[level]["fill_color"] in depots
        assert f'stroke="{DEPOT_WARNING_RING}"' in depots

    teams = section("teams")
    for kind, colour in TEAM_KIND_COLOURS.items():
        assert LABELS[f"team_kind.{kind}"] in teams
        assert f'fill="{colour}"' in teams

    checkpoints = section("checkpoints")
    for risk, colour in RISK_COLOURS.items():
        assert LABELS[f"risk.{risk}"] in checkpoints
        assert f'fill="{colour}"' in checkpoints
    for state, colour in RECTIFICATION_RINGS.items():
        assert LABELS[f"rectification.{state}"] in checkpoints
        assert f'stroke="{colour}"' in checkpoints


@pytest.mark.parametrize("indicator", list(INDICATOR_SCALES))
def test_legend_follows_the_chosen_indicator(indicator):
    data = _data(indicator=indicator, indicator_values={1: 1.0, 2: 3.0})
    page = _render(data)
    section = _legend(page)[_overlays(page)[map_text(LABELS["localities"])]]
    assert map_text(LABELS[f"indicator.{indicator}"]) in section
    for _, text in indicator_classes(indicator):
        assert f"<span>{map_text(text)}</span>" in section
    first, second = _layer(page, LABELS["localities"], "geojson")["features"]
    assert first["properties"]["fill"] == indicator_colour(indicator, 1.0)
    assert second["properties"]["fill"] == indicator_colour(indicator, 3.0)


# --- indicator scales --------------------------------------------------------------------


@pytest.mark.parametrize("indicator", list(INDICATOR_SCALES))
def test_indicator_colour_is_darker_when_worse(indicator):
    breaks, higher_is_worse = INDICATOR_SCALES[indicator]
    values = [breaks[0] - 1, *breaks]  # one value in each class
    darkness = [SEQUENTIAL_RAMP.index(indicator_colour(indicator, v)) for v in values]
    if not higher_is_worse:
        darkness = darkness[::-1]  # from best to worst
    assert darkness == [0, 1, 2, 3, 4]
    assert indicator_colour(indicator, None) == NO_DATA_COLOUR


def test_indicator_directions():
    assert indicator_colour("stock_coverage", 0.2) == SEQUENTIAL_RAMP[-1]
    assert indicator_colour("stock_coverage", 1.0) == SEQUENTIAL_RAMP[0]
    assert indicator_colour("team_strength", 0.1) == SEQUENTIAL_RAMP[-1]
    assert indicator_colour("open_rectifications", 0) == SEQUENTIAL_RAMP[0]
    assert indicator_colour("overdue_rectifications", 12) == SEQUENTIAL_RAMP[-1]
    assert indicator_colour("checkpoint_density", 0.0) == SEQUENTIAL_RAMP[0]
    assert NO_DATA_COLOUR not in SEQUENTIAL_RAMP


def test_indicator_classes_texts():
    ramp = list(SEQUENTIAL_RAMP)
    assert indicator_classes("stock_coverage") == list(
        zip(ramp[::-1], ["< 50%", "50% – 70%", "70% – 85%", "85% – 95%", "≥ 95%"], strict=True)
    )
    assert [text for _, text in indicator_classes("team_strength")] == [
        "< 50%",
        "50% – 70%",
        "70% – 85%",
        "85% – 100%",
        "≥ 100%",
    ]
    assert indicator_classes("open_rectifications") == list(
        zip(ramp, ["< 1", "1 – 3", "3 – 6", "6 – 10", "≥ 10"], strict=True)
    )
    assert [text for _, text in indicator_classes("overdue_rectifications")] == [
        "< 1",
        "1 – 2",
        "2 – 4",
        "4 – 8",
        "≥ 8",
    ]


@pytest.mark.parametrize("indicator", list(INDICATOR_SCALES))
def test_legend_classes_match_the_map_colours(indicator):
    breaks, _ = INDICATOR_SCALES[indicator]
    classes = [colour for colour, _ in indicator_classes(indicator)]
    assert indicator_colour(indicator, breaks[0] - 0.01) == classes[0]
    for i, value in enumerate(breaks):
        assert indicator_colour(indicator, value) == classes[i + 1]  # a break opens its class


def test_format_indicator():
    assert format_indicator("stock_coverage", None) == "—"
    assert format_indicator("stock_coverage", 0.834) == "83%"
    assert format_indicator("team_strength", 1.0) == "100%"
    assert format_indicator("open_rectifications", 3) == "3"
    assert format_indicator("checkpoint_density", 2.456) == "2.5"
    assert format_indicator("open_rectifications", 1234) == "1,234"


# --- hostile user text -------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_never_reach_the_page_raw(name):
    page = _render(_data(names=name))
    assert name not in page
    for fragment in (
        "<img",
        "${window",
        "${1}",
        "`tick`",
        "back\\slash",
        "<script>window.__z",
        "x49y",
        "7*7 }}",
        "cycler.__init__.__globals__.os.getcwd() }}",
    ):
        assert fragment not in page, fragment
    assert os.getcwd() not in page

    escaped = map_text(name)
    for layer in ("district", "town", "teams", "checkpoints"):
        _, rows = _layer(page, LABELS[layer], "points")
        assert rows and all(row[3].startswith(escaped + "<br>") for row in rows), layer
    features = _layer(page, LABELS["localities"], "geojson")["features"]
    assert [f["properties"]["tooltip"].split("<br>")[0] for f in features] == [escaped] * 2
    (neighbour,) = _layer(page, LABELS["neighbours"], "geojson")["features"]
    assert neighbour["properties"] == {"tooltip": escaped}


def test_template_syntax_arrives_as_entities():
    """branca renders scripts through Jinja twice: ``{{ }}`` must arrive as text, not 49."""
    page = _render(_data(names="x{{ 7*7 }}y"))
    assert "x&#123;&#123; 7*7 &#125;&#125;y" in page  # point rows
    assert "x\\u0026#123;\\u0026#123; 7*7 \\u0026#125;\\u0026#125;y" in page  # GeoJSON


# --- basemaps and coordinates ------------------------------------------------------------


def test_basemap_none_has_no_tiles():
    html = _render(basemap="none")
    assert "L.tileLayer(" not in html
    assert ".getContainer().style.background" in html


def test_basemap_tianditu_uses_key_and_annotation():
    html = _render(basemap="tianditu", tianditu_key="abc123")
    assert "tk=abc123" in html
    assert "cva_w" in html and "vec_w" in html
    assert '"subdomains": "01234567"' in html
    assert cdn_urls_in(html) == []
    assert '"lat":[3461000,' in html and '"lon":[11917000,' in html  # WGS-84: no shift


def test_basemap_registry():
    assert BASEMAPS["gaode"].gcj02 and not BASEMAPS["tianditu"].gcj02
    assert "tianditu" not in available_basemaps(None)
    assert "tianditu" in available_basemaps("k")
    assert default_basemap(None) == "none"
    assert default_basemap("k") == "tianditu"
    with pytest.raises(ValueError, match="Tianditu"):
        _render(basemap="tianditu")


def test_gaode_needs_a_display_transform():
    with pytest.raises(ValueError, match="display_transform"):
        _build(basemap="gaode")
    html = _render(basemap="gaode", display_transform=lambda lon, lat: (lon, lat))
    assert "autonavi.com" in html
    assert cdn_urls_in(html) == []


def test_display_transform_moves_every_drawn_coordinate():
    page = _render(
        basemap="gaode",
        display_transform=lambda lon, lat: (round(lon + 10, 6), round(lat + 1, 6)),
    )
    _, rows = _layer(page, LABELS["district"], "points")
    assert rows[0][:2] == [35.61, 129.17]  # depot d1 at (119.17, 34.61)
    assert _coordinates(_boundary(page)) == [
        [129.0, 35.4],
        [129.4, 35.4],
        [129.4, 35.8],
        [129.0, 35.8],
        [129.0, 35.4],
    ]
    assert "[[35.4, 129.0], [35.8, 129.4]]" in page  # fit bounds from the shifted outline
    points = [row[:2] for _, rows in _point_layers(page).values() for row in rows]
    shapes = [c for data in _geojson(page).values() for c in _coordinates(data)]
    # 3 depots, 2 teams, 3 checkpoints, 2 terminals; outline, 2 localities, neighbour, warning
    assert len(points) == 10 and len(shapes) == 5 + 2 * 5 + 5 + 5
    assert all(lat >= 35.4 and lon >= 129 for lat, lon in points)
    assert all(lon >= 129 and lat >= 35.4 for lon, lat in shapes)


# --- frame and controls ------------------------------------------------------------------


def test_map_frame_fits_the_outline_on_a_canvas():
    page = _render()
    assert '"preferCanvas": true' in page
    assert "fitBounds([[34.4,119.0],[34.8,119.4]]" in "".join(page.split())
    assert _coordinates(_boundary(page))[0] == [119.0, 34.4]


def test_measure_control_with_its_labels():
    page = _render()
    assert "new Measure(" in page and "6378137" in page
    for key, text in MEASURE_LABELS.items():
        assert f"{htmlsafe_json_dumps(key)}: {htmlsafe_json_dumps(text)}" in page
    for action in ("distance", "area", "finish", "clear"):
        title = htmlsafe_json_dumps(f'title="{MEASURE_LABELS[action]}"')[1:-1]
        assert f'data-measure=\\"{action}\\" {title}' in page


def test_measure_labels_are_required():
    with pytest.raises(KeyError, match="hint"):
        _build(measure_labels={k: v for k, v in MEASURE_LABELS.items() if k != "hint"})


def test_missing_label_is_reported():
    with pytest.raises(KeyError, match="teams"):
        _build(labels={k: v for k, v in LABELS.items() if k != "teams"})
    # A label only needed by an omitted layer may be missing.
    labels = {k: v for k, v in LABELS.items() if k != "teams"}
    _build(_data(layers=[layer for layer in LAYERS if layer != "teams"]), labels=labels)


def test_scale_bar_is_metric_only():
    page = _render()
    assert page.count("L.control.scale(") == 1
    assert "L.control.scale({metric: true, imperial: false})" in page


def test_fullscreen_control():
    page = _render()
    assert "requestFullscreen" in page
    assert f"button.title = {htmlsafe_json_dumps(LABELS['fullscreen'])};" in page
