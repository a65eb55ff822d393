"""The leaders' readiness map as rendered: one colour per locality, an escaped tooltip that
carries the locality back on click, a legend, no tiles and no script from user text."""

import json
import os
import re

import pytest
from jinja2.utils import htmlsafe_json_dumps

from maps.assets import cdn_urls_in, use_local_assets
from maps.readiness_map import (
    READINESS_COLOURS,
    SELECTED_COLOUR,
    build_readiness_map,
    locality_key,
    parse_locality_key,
    selection_layer,
)
from maps.styles import NO_DATA_COLOUR
from maps.text import map_text

LABELS = {
    "legend": "备灾指数",
    "green": "绿：80 分及以上",
    "amber": "黄：60–80 分",
    "red": "红：低于 60 分",
    "no_data": "无数据",
    "approximate": "边界为近似范围",
    "fullscreen": "全屏",
}
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<img onerror=alert(1)>",
    "${alert(1)}",
    "{{7*7}}",
    "back`tick`\\",
    "</script><script>window.__z=1</script>",
    "{{ cycler.__init__.__globals__.os.getcwd() }}",
]


@pytest.fixture(scope="module", autouse=True)
def local_assets():
    use_local_assets()


_GEOJSON_RE = re.compile(r"^\s*(geo_json_\w+)_add\((.*)\);$", re.MULTILINE)
_SECTION_RE = re.compile(r'^\s*\[(\w+), (".*")\],$', re.MULTILINE)


def square(x: float, y: float, size: float = 0.05) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def localities(*names: str, approximate: bool = False) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": square(119.1 + 0.1 * i, 34.5),
                "properties": {"id": i + 1, "name": name, "approximate": approximate},
            }
            for i, name in enumerate(names)
        ],
    }


def render(collection=None, colours=None, tooltips=None, **kwargs) -> str:
    collection = collection or localities("新浦街道", "浦南镇", "板浦镇")
    colours = {1: "green", 2: "amber", 3: "red"} if colours is None else colours
    tooltips = tooltips or {
        1: ["备灾指数 85.0（绿）"],
        2: ["备灾指数 70.0（黄）", "主要短板：储备、队伍"],
    }
    m = build_readiness_map(collection, colours, tooltips, LABELS, **kwargs)
    return m.get_root().render()


def features(page: str) -> list[dict]:
    """The locality layer's features (the only GeoJSON with tooltips)."""
    layers = [json.loads(data) for _, data in _GEOJSON_RE.findall(page)]
    (layer,) = [g for g in layers if any("tooltip" in f["properties"] for f in g["features"])]
    return layer["features"]


def test_each_locality_gets_its_readiness_colour():
    page = render()
    fills = [f["properties"]["fill"] for f in features(page)]
    assert fills == [
        READINESS_COLOURS["green"],
        READINESS_COLOURS["amber"],
        READINESS_COLOURS["red"],
    ]
    assert len(set(READINESS_COLOURS.values())) == 3


def test_a_locality_without_a_score_is_grey_and_the_legend_says_so():
    page = render(colours={1: "green", 2: "red"})
    assert features(page)[2]["properties"]["fill"] == NO_DATA_COLOUR
    assert LABELS["no_data"] in "".join(json.loads(h) for _, h in _SECTION_RE.findall(page))
    assert LABELS["no_data"] not in render()  # all scored: no grey row


def test_tooltip_lists_name_and_lines_and_carries_the_locality_back():
    first, second, third = (f["properties"] for f in features(render()))
    assert first["tooltip"] == "新浦街道<br>备灾指数 85.0（绿）<span hidden>§l1§</span>"
    assert second["tooltip"].startswith("浦南镇<br>备灾指数 70.0（黄）<br>主要短板：储备、队伍")
    assert third["tooltip"].startswith("板浦镇<span hidden>")
    assert set(first) == {"tooltip", "fill", "dash"}  # nothing else embedded
    # st_folium returns the tooltip's text: the hidden key names the locality clicked.
    assert parse_locality_key("新浦街道\n备灾指数 85.0（绿）§l1§") == 1
    assert parse_locality_key("板浦镇 §l12§ ") == 12
    assert parse_locality_key("§d12§") is None  # a depot, not a locality
    assert parse_locality_key("§l1§ trailing") is None
    assert parse_locality_key(None) is None
    assert locality_key(7) == "l7"


def test_approximate_boundaries_are_dashed_and_noted():
    (feature,) = features(render(localities("新浦街道", approximate=True), {1: "red"}, {1: []}))
    assert feature["properties"]["dash"] == "4 4"
    assert feature["properties"]["tooltip"].startswith(f"新浦街道<br>{LABELS['approximate']}")


def test_legend_shows_the_three_colours_in_order():
    page = render()
    (section,) = [json.loads(h) for _, h in _SECTION_RE.findall(page)]
    positions = [section.index(LABELS[c]) for c in ("green", "amber", "red")]
    assert positions == sorted(positions)
    for colour in READINESS_COLOURS.values():
        assert f"background:{colour}" in section
    assert htmlsafe_json_dumps(f"<div><b>{LABELS['legend']}</b></div>") in page


def test_offline_no_tiles_and_fit_to_the_localities():
    page = render()
    assert "L.tileLayer(" not in page
    assert cdn_urls_in(page) == []
    assert ".fitBounds(" in page
    assert "[[34.5, 119.1], [34.55, 119.35]]" in page


def test_payload_is_small_coordinates_are_rounded():
    precise = localities("新浦街道")
    precise["features"][0]["geometry"]["coordinates"][0][1] = [119.123456789, 34.987654321]
    (feature,) = features(render(precise, {1: "green"}, {1: []}))
    assert feature["geometry"]["coordinates"][0][1] == [119.12346, 34.98765]
    # 19 localities of ~60 vertices: the page stays well under what st_folium sends quickly.
    many = localities(*[f"镇{i}" for i in range(19)])
    assert len(render(many, {i: "red" for i in range(1, 20)}, {})) < 60_000


def test_boundary_outline_is_drawn_without_properties():
    boundary = {
        "type": "Feature",
        "properties": {"name": "<b>x</b>"},
        "geometry": square(119, 34.4, 1),
    }
    page = render(boundary=boundary)
    layers = [json.loads(data) for _, data in _GEOJSON_RE.findall(page)]
    (outline,) = [g for g in layers if g["features"][0]["properties"] == {}]
    assert outline["features"][0]["geometry"]["coordinates"][0][2] == [120, 35.4]
    assert "<b>x</b>" not in page


def test_gcj02_basemaps_are_refused():
    with pytest.raises(ValueError, match="GCJ-02"):
        render(basemap="gaode")


def test_selection_layer_outlines_only_the_chosen_locality():
    from folium import Map

    m = Map(tiles=None)
    selection_layer(localities("新浦街道", "浦南镇"), 2).add_to(m)
    page = m.get_root().render()
    (drawn,) = [json.loads(data) for _, data in _GEOJSON_RE.findall(page)]
    (feature,) = drawn["features"]
    assert feature["geometry"]["coordinates"][0][0] == [119.2, 34.5]
    assert feature["properties"] == {}
    assert SELECTED_COLOUR in page
    assert '"interactive": false' in page  # not clickable: clicks reach the polygon below


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_locality_names_never_reach_the_page_raw(name):
    page = render(
        localities(name, "浦南镇"),
        {1: "red", 2: "green"},
        {1: [f"主要短板：{name}"], 2: []},
    )
    assert name not in page
    for fragment in (
        "<img",
        "${alert",
        "`tick`",
        "<script>window.__z",
        "7*7}}",
        "os.getcwd() }}",
    ):
        assert fragment not in page, fragment
    assert os.getcwd() not in page
    first = features(page)[0]["properties"]["tooltip"]
    assert first.startswith(f"{map_text(name)}<br>主要短板：{map_text(name)}<span hidden>")
    assert parse_locality_key(first.replace("<span hidden>", "").replace("</span>", "")) == 1


def test_template_syntax_arrives_as_entities():
    """branca renders scripts through Jinja twice: ``{{7*7}}`` must arrive as text, not 49."""
    page = render(localities("x{{7*7}}y"), {1: "red"}, {1: []})
    assert "x\\u0026#123;\\u0026#123;7*7\\u0026#125;\\u0026#125;y" in page
