"""Point layers, measuring, the layer-following legend and palettes: what reaches the page."""

import html
import json
import math
import os
import re
import time

import folium
import pytest
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from maps.assets import use_local_assets, vendor_assets
from maps.legend import LayerLegend
from maps.measure import LABEL_KEYS as MEASURE_LABEL_KEYS
from maps.measure import MeasureControl
from maps.points import (
    POINTS_JS,
    PointLayer,
    decode_points,
    highlight,
    marker_svg,
    parse_clicked_key,
    tooltip_html,
)
from maps.styles import (
    CHECKPOINT_TYPE_COLOURS,
    RISK_COLOURS,
    SEQUENTIAL_RAMP,
    TEAM_KIND_COLOURS,
    classify,
)
from maps.text import map_text

PAYLOAD = "<img src=x onerror=window.__x=1>${window.__y=1}"
HOSTILE = [PAYLOAD, "back`tick`${1}", "back\\slash\\", "</script><script>window.__z=1</script>"]
STYLES = {
    "major": {
        "shape": "circle",
        "radius": 6,
        "color": "#01579b",
        "fill_color": RISK_COLOURS["major"],
        "weight": 2,
        "fill_opacity": 0.9,
        "ring": "#000000",
    },
    "depot": {
        "shape": "square",
        "radius": 7,
        "color": "#7f0000",
        "fill_color": "#d32f2f",
        "weight": 2,
        "fill_opacity": 1,
    },
    "gate": {
        "shape": "diamond",
        "radius": 6,
        "color": "#4527a0",
        "fill_color": "#fbc02d",
        "weight": 1,
        "fill_opacity": 0.8,
        "dash": "2 2",
    },
    "team": {
        "shape": "triangle",
        "radius": 6,
        "color": "#1565c0",
        "fill_color": "#1976d2",
        "weight": 1,
        "fill_opacity": 0.8,
        "ring": "#f57c00",
    },
}
DATA_RE = re.compile(r"^\s*data: (.*),$", re.MULTILINE)
STYLES_RE = re.compile(r"^\s*styles: (.*),$", re.MULTILINE)


@pytest.fixture(scope="module", autouse=True)
def local_assets():
    use_local_assets()


def _map() -> folium.Map:
    return folium.Map(location=[34.6, 119.2], zoom_start=11, tiles=None, prefer_canvas=True)


def _points(n: int, label: str = "泵站") -> list[dict]:
    styles = list(STYLES)
    return [
        {
            "lat": 34.4 + (i % 400) / 1000,
            "lon": 119.0 + (i // 400) / 1000,
            "key": f"c{i}",
            "style": styles[i % len(styles)],
            "label": f"{label}{i}",
        }
        for i in range(n)
    ]


def _render(*elements) -> str:
    m = _map()
    for element in elements:
        element.add_to(m)
    return m.get_root().render()


def _only(pattern: re.Pattern, page: str):
    found = pattern.findall(page)
    assert len(found) == 1, f"expected one match of {pattern.pattern}, got {len(found)}"
    return json.loads(found[0])


def _rows(page: str) -> list[list]:
    """The one point layer's points as drawn: [lat, lon, style index, tooltip HTML]."""
    points = decode_points(_only(DATA_RE, page), _only(STYLES_RE, page))
    return [[p["lat"], p["lon"], p["style"], p["tooltip"]] for p in points]


def _text_content(tooltip: str) -> str:
    """What st_folium's extractContent reads: the tooltip's textContent."""
    return html.unescape(re.sub(r"<[^>]+>", "", tooltip))


def test_point_layer_embeds_compact_arrays_with_every_point():
    points = _points(250)
    page = _render(PointLayer("检查点", points, STYLES))
    data = _only(DATA_RE, page)
    assert data["n"] == 250 and data["kp"] == "c" and set(data["k"][1:]) == {1}
    assert "t" in data and "g" not in data  # labels, no groups
    rows = _rows(page)
    assert rows[0] == [34.4, 119.0, 0, tooltip_html("泵站0", "c0")]
    assert rows[7] == [34.407, 119.0, 3, "泵站7<span hidden>§c7§</span>"]
    styles = _only(STYLES_RE, page)
    assert [s["shape"] for s in styles] == ["circle", "square", "diamond", "triangle"]
    assert styles[0]["fill"] == RISK_COLOURS["major"] and styles[0]["ring"]["color"] == "#000000"
    assert styles[2]["dash"] == [2.0, 2.0]
    assert page.count("window.registryPointLayer = {") == 1  # the drawing code, once


def test_groups_and_style_labels_complete_the_tooltip_and_names_can_be_left_out():
    styles = {"major": {**STYLES["major"], "label": "重大 <风险>"}}
    points = [
        {"lat": 34.5, "lon": 119.1 + i / 100, "key": f"c{i}", "style": "major",
         "group": ["新浦街道", "板浦镇"][i % 2], "label": None}
        for i in range(4)
    ]  # fmt: skip
    page = _render(PointLayer("检查点", points, styles))
    data = _only(DATA_RE, page)
    assert data["gt"] == ["新浦街道", "板浦镇"] and "t" not in data
    assert [row[3] for row in _rows(page)] == [
        f"重大 &lt;风险&gt;<br>{place}<span hidden>§c{i}§</span>"
        for i, place in ((0, "新浦街道"), (2, "新浦街道"), (1, "板浦镇"), (3, "板浦镇"))
    ]


def test_keys_without_a_shared_prefix_travel_as_strings():
    points = [{**_points(1)[0], "key": "d1"}, {**_points(2)[1], "key": "t2"}]
    data = _only(DATA_RE, _render(PointLayer("x", points, STYLES)))
    assert data["k"] == ["d1", "t2"] and "kp" not in data


def test_point_layer_is_an_overlay_listed_by_name():
    m = _map()
    layer = PointLayer("高风险 <b>点</b>", _points(3), STYLES).add_to(m)
    hidden = PointLayer("队伍", _points(3), STYLES, show=False).add_to(m)
    folium.LayerControl().add_to(m)
    page = m.get_root().render()
    assert f"{htmlsafe_json_dumps(map_text('高风险 <b>点</b>'))} : {layer.get_name()}," in page
    assert f"{htmlsafe_json_dumps('队伍')} : {hidden.get_name()}," in page
    assert "<b>点" not in page
    # Shown: added once by folium. Hidden: added for st_folium's click binding, then removed.
    assert page.count(f"{layer.get_name()}.addTo(") == 1
    assert f"removeLayer({hidden.get_name()})" in page
    assert f"removeLayer({layer.get_name()})" not in page


def test_hostile_labels_never_reach_the_page_raw():
    points = [
        {"lat": 34.5, "lon": 119.1, "key": f"h{i}", "style": "major", "label": label}
        for i, label in enumerate(HOSTILE)
    ]
    page = _render(PointLayer(PAYLOAD, points, STYLES), folium.LayerControl())
    assert "<img" not in page
    assert "${" not in page
    assert "`tick" not in page
    assert "slash\\" not in page
    assert "<script>window.__z" not in page
    assert "&lt;img src=x onerror=window.__x=1&gt;&#36;&#123;window.__y=1&#125;" in page
    rows = _rows(page)
    assert [row[3] for row in rows] == [
        tooltip_html(label, f"h{i}") for i, label in enumerate(HOSTILE)
    ]
    assert [_text_content(row[3]) for row in rows] == [f"{s}§h{i}§" for i, s in enumerate(HOSTILE)]


def test_embedded_json_cannot_close_the_script_element():
    page = _render(PointLayer("x", _points(2, label="a</script>b"), STYLES))
    line = DATA_RE.search(page).group(1)
    assert "</" not in line
    assert _rows(page)[0][3] == "a&lt;/script&gt;b0<span hidden>§c0§</span>"
    assert "</" not in STYLES_RE.search(page).group(1)
    assert page.count("<script") == page.count("</script>")


def test_label_newlines_become_line_breaks():
    assert tooltip_html("一\n二\r\n三\r四", "k1").startswith("一<br>二<br>三<br>四<span hidden>")


@pytest.mark.parametrize("key", ["d12", "t3", "cp-100", "x.y:z_1", "A" * 64])
def test_parse_clicked_key_round_trips(key):
    tooltip = tooltip_html(f"名称 §fake§\n{PAYLOAD}", key)
    assert parse_clicked_key(_text_content(tooltip)) == key
    assert parse_clicked_key(_text_content(tooltip) + "  ") == key


@pytest.mark.parametrize(
    "text", [None, "", "garbage", "§§", "§bad key§", "§d1§ trailing", "§" + "a" * 65 + "§", 42]
)
def test_parse_clicked_key_rejects_garbage(text):
    assert parse_clicked_key(text) is None


@pytest.mark.parametrize("key", ["", "d 12", "a§b", "<x>", "d12\n", "k" * 65, 12])
def test_unsafe_keys_are_refused(key):
    with pytest.raises(ValueError, match="key"):
        tooltip_html("x", key)


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ({"style": "nope"}, "unknown style"),
        ({"lat": math.nan}, "range"),
        ({"lon": 181}, "range"),
        ({"key": "bad key"}, "key"),
    ],
)
def test_bad_points_are_refused(point, message):
    with pytest.raises(ValueError, match=message):
        PointLayer("x", [{**_points(1)[0], **point}], STYLES)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shape": "star"}, "shape"),
        ({"fillColor": "#fff"}, "style needs"),
        ({"radius": "5px"}, "could not convert"),
    ],
)
def test_bad_styles_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        PointLayer("x", [], {"s": {**STYLES["major"], **change}})


def test_the_drawing_code_has_no_template_syntax_and_loads_once():
    """points.js sits in the page header, which branca renders as a template."""
    assert not re.search(r"\{[{%#]", POINTS_JS)
    m = folium.Map(tiles=None)  # its own canvas: no need for prefer_canvas
    PointLayer("x", _points(1), STYLES).add_to(m)
    PointLayer("y", _points(1), STYLES).add_to(m)
    assert m.get_root().render().count("window.registryPointLayer = {") == 1


@pytest.mark.parametrize(
    "change",
    [{"color": '"><script>'}, {"fill_color": "{{ 7*7 }}"}, {"ring": "red;x:y"}, {"dash": "4 {3}"}],
)
def test_style_values_that_could_carry_markup_are_refused(change):
    with pytest.raises(ValueError, match=r"colour|dash"):
        marker_svg({**STYLES["depot"], **change})


def test_marker_svg_draws_shape_and_ring():
    svg = marker_svg({**STYLES["depot"], "ring": "rgba(0, 0, 0, 0.5)"})
    assert isinstance(svg, Markup)
    assert svg.count("<polygon") == 2  # the shape and its ring
    assert 'stroke="rgba(0, 0, 0, 0.5)"' in svg
    assert marker_svg({**STYLES["depot"], "ring": None, "dash": None}).count("<polygon") == 1


def test_template_syntax_in_user_text_is_not_run_by_folium():
    """branca compiles each rendered script as a Jinja template again."""
    payload = "{{ 7*7 }}{{ cycler.__init__.__globals__.os.getcwd() }}{% if 1 %}{# c #}"
    m = _map()
    layer = PointLayer(payload, _points(1, label=payload), STYLES).add_to(m)
    folium.LayerControl().add_to(m)
    LayerLegend(payload, [(layer, payload, [("width:1px", payload)])]).add_to(m)
    MeasureControl(dict.fromkeys(MEASURE_LABEL_KEYS, payload)).add_to(m)
    page = m.get_root().render()
    assert os.getcwd() not in page and "7*7" in page
    assert "{{" not in page and "{%" not in page and "{#" not in page
    assert _rows(page)[0][3].startswith("&#123;&#123; 7*7 &#125;&#125;")
    assert parse_clicked_key(_text_content(_rows(page)[0][3])) == "c0"


def test_100k_points_render_fast_and_compact():
    points = _points(100_000)
    started = time.perf_counter()
    page = _render(PointLayer("检查点", points, STYLES), folium.LayerControl())
    seconds = time.perf_counter() - started
    empty = _render(PointLayer("检查点", [], STYLES), folium.LayerControl())
    per_point = (len(page.encode()) - len(empty.encode())) / len(points)
    print(f"\n100k points: {seconds:.2f} s, {len(page.encode()):,} bytes, {per_point:.1f} B/point")
    assert _only(DATA_RE, page)["n"] == 100_000
    assert seconds < 5
    assert per_point < 120


def test_highlight_is_a_pass_through_ring_outside_the_layer_control():
    with pytest.raises(ValueError, match="colour"):
        highlight(34.6, 119.2, '"><img src=x>')
    group = highlight(34.6, 119.2, "#ffeb3b")
    assert isinstance(group, folium.FeatureGroup)
    page = _render(group, folium.LayerControl())
    assert '"interactive": false' in page
    assert "<animate" not in page  # the SVG sits in JSON, "<" written \u003c
    assert "\\u003canimate attributeName" in page
    assert 'stroke=\\"#ffeb3b\\"' in page
    assert group.get_name() not in page.split("L.control.layers")[0].split("overlays")[-1]


def test_measure_control_renders_with_escaped_labels():
    labels = {key: f"{key}:{PAYLOAD}" for key in MEASURE_LABEL_KEYS} | {"hectares": "公顷"}
    page = _render(MeasureControl(labels))
    assert "<img" not in page
    assert "${" not in page
    assert "distance:\\u0026lt;img src=x" in page
    assert "6378137" in page and "map.distance(" in page
    assert "\\u516c\\u9877" in page  # 公顷, as JSON
    for action in ("distance", "area", "finish", "clear"):
        assert f'data-measure=\\"{action}\\"' in page


def test_measure_control_needs_every_label():
    with pytest.raises(KeyError, match="hint"):
        MeasureControl({key: key for key in MEASURE_LABEL_KEYS if key != "hint"})


def test_legend_sections_follow_their_layers():
    m = _map()
    checkpoints = PointLayer("检查点", _points(3), STYLES).add_to(m)
    teams = PointLayer("队伍", _points(3), STYLES, show=False).add_to(m)
    LayerLegend(
        f"图例{PAYLOAD}",
        [
            (checkpoints, "风险等级", [(f"width:10px;background:{RISK_COLOURS['major']}", "重大")]),
            (teams, PAYLOAD, [(marker_svg(STYLES["team"]), "专业队伍")]),
            (None, "", [("width:18px;border-top:3px solid #263238", "区界")]),
        ],
    ).add_to(m)
    page = m.get_root().render()
    refs = re.findall(r"^\s*\[(\w+), \"", page, re.MULTILINE)
    assert refs == [checkpoints.get_name(), teams.get_name(), "null"]
    assert "section[0].on('add remove', refresh)" in page
    assert "map.hasLayer(section[0])" in page
    assert "<img" not in page and "${" not in page
    assert "\\u003csvg" in page  # the marker swatch is kept as markup
    assert "background:#d32f2f" in page


def test_legend_must_follow_its_layers():
    m = _map()
    layer = PointLayer("检查点", _points(1), STYLES)
    LayerLegend("图例", [(layer, "x", [])]).add_to(m)
    layer.add_to(m)
    with pytest.raises(ValueError, match="after the layers"):
        m.get_root().render()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-5, 0), (9.99, 0), (10, 1), (19.99, 1), (20, 2), (39.9, 3), (40, 4), (1e9, 4)],
)
def test_classify_boundaries(value, expected):
    assert classify(value, [10, 20, 30, 40]) == expected
    assert SEQUENTIAL_RAMP[expected]


def test_classify_refuses_nan_and_unsorted_breaks():
    with pytest.raises(ValueError):
        classify(math.nan, [1, 2])
    with pytest.raises(ValueError, match="increasing"):
        classify(1, [1, 1, 2])


def test_palettes():
    assert RISK_COLOURS == {
        "major": "#d32f2f",
        "significant": "#f57c00",
        "general": "#fbc02d",
        "low": "#1976d2",
    }
    assert len(CHECKPOINT_TYPE_COLOURS) == 10
    assert len(set(CHECKPOINT_TYPE_COLOURS.values())) == 10
    assert set(TEAM_KIND_COLOURS) == {"comprehensive", "professional", "social"}
    assert len(SEQUENTIAL_RAMP) == 5


# A real browser: markers exist, clicks reach st_folium's handler, payloads stay inert.
# Off unless REGISTRY_TEST_BROWSER=1, like tests/browser.

# What st_folium appends to the map script: bind a click handler to every layer on the
# map, and read the clicked layer's tooltip as textContent (its extractContent).
ST_FOLIUM_WALK = """
window.__clicks = []; window.__mapClicks = 0;
(function (map) {
    function onLayerClick(event) {
        var tooltip = event.sourceTarget._tooltip, span = document.createElement('span');
        span.innerHTML = tooltip ? tooltip._content : '';
        window.__clicks.push(span.textContent.trim());
    }
    map.on('click', function () { window.__mapClicks += 1; });
    for (var id in map._layers) { map._layers[id].on('click', onLayerClick); }
})(%s);
"""
MEASURE_LABELS = {
    "distance": "距离",
    "area": "面积",
    "finish": "完成",
    "clear": "清除",
    "hint": "单击地图添加点，双击结束",
    "hectares": "公顷",
}


@pytest.fixture(scope="module")
def chromium(browser, tmp_path_factory):
    """The session's headless Chromium and a folder of the map's offline assets."""
    vendor = tmp_path_factory.mktemp("vendor")
    vendor_assets(vendor)
    return browser, vendor


def _open(chromium, m: folium.Map, path):
    """Load ``m`` from a file, with local assets and st_folium's click binding."""
    browser, vendor = chromium
    page_html = m.get_root().render().replace("/app/static/vendor", vendor.as_uri())
    end = page_html.rindex("</script>")
    path.write_text(page_html[:end] + ST_FOLIUM_WALK % m.get_name() + page_html[end:])
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_timeout(300)
    assert errors == []
    return page


def _click_at(page, m: folium.Map, lat: float, lon: float, *, double: bool = False) -> None:
    x, y = page.evaluate(
        f"(p => [p.x, p.y])({m.get_name()}.latLngToContainerPoint([{lat}, {lon}]))"
    )
    box = page.locator(".folium-map").bounding_box()
    if double:
        page.mouse.dblclick(box["x"] + x, box["y"] + y)
    else:
        page.mouse.click(box["x"] + x, box["y"] + y)


def _hover_at(page, m: folium.Map, lat: float, lon: float) -> None:
    x, y = page.evaluate(
        f"(p => [p.x, p.y])({m.get_name()}.latLngToContainerPoint([{lat}, {lon}]))"
    )
    box = page.locator(".folium-map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)


def _layer_map() -> tuple[folium.Map, PointLayer, PointLayer]:
    m = _map()
    visible = PointLayer(
        "检查点",
        [
            {"lat": 34.6, "lon": 119.15, "key": "p1", "style": "major", "label": HOSTILE[0]},
            {"lat": 34.6, "lon": 119.25, "key": "p2", "style": "depot", "label": HOSTILE[3]},
            {"lat": 34.55, "lon": 119.2, "key": "p3", "style": "team", "label": HOSTILE[1]},
        ],
        STYLES,
    ).add_to(m)
    hidden = PointLayer(
        "队伍",
        [{"lat": 34.65, "lon": 119.2, "key": "h1", "style": "major", "label": "队伍"}],
        STYLES,
        show=False,
    ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    LayerLegend(
        "图例",
        [
            (visible, "检查点", [(marker_svg(STYLES["major"]), "重大")]),
            (hidden, "队伍", [(marker_svg(STYLES["team"]), "专业队伍")]),
        ],
    ).add_to(m)
    return m, visible, hidden


@pytest.mark.browser
def test_browser_markers_report_their_key_and_stay_inert(chromium, tmp_path):
    m, _, hidden = _layer_map()
    page = _open(chromium, m, tmp_path / "points.html")
    assert page.evaluate("[window.__x, window.__y, window.__z]") == [None, None, None]
    assert page.locator("canvas.registry-points").count() == 1  # the visible layer only
    assert page.evaluate("window.registryPointsShown") is True
    _hover_at(page, m, 34.6, 119.25)  # the square: HOSTILE[3], as text
    assert page.locator(".leaflet-tooltip").inner_text() == HOSTILE[3]
    _hover_at(page, m, 34.62, 119.25)  # beside it: the tooltip fades out
    page.locator(".leaflet-tooltip").wait_for(state="detached", timeout=2_000)
    for key, lat, lon in (("p1", 34.6, 119.15), ("p2", 34.6, 119.25), ("p3", 34.55, 119.2)):
        _click_at(page, m, lat, lon)
        assert (
            parse_clicked_key(page.evaluate("window.__clicks[window.__clicks.length - 1]")) == key
        )
    assert page.evaluate("[window.__x, window.__y, window.__z]") == [None, None, None]

    legend = page.locator(".leaflet-control", has_text="图例")
    assert legend.get_by_text("专业队伍").is_hidden()
    assert page.evaluate(f"{m.get_name()}.hasLayer({hidden.get_name()})") is False
    page.locator(".leaflet-control-layers label", has_text="队伍").click()
    assert legend.get_by_text("专业队伍").is_visible()
    _click_at(page, m, 34.65, 119.2)  # bound while briefly on the map at load
    assert parse_clicked_key(page.evaluate("window.__clicks[window.__clicks.length - 1]")) == "h1"
    page.locator(".leaflet-control-layers label", has_text="检查点").click()
    assert legend.get_by_text("重大").is_hidden()


@pytest.mark.browser
def test_browser_measuring_swallows_clicks(chromium, tmp_path):
    m, _, _ = _layer_map()
    MeasureControl(MEASURE_LABELS).add_to(m)
    page = _open(chromium, m, tmp_path / "measure.html")
    panel = page.locator("[data-measure-result]")

    page.locator("[data-measure=distance]").click()
    assert panel.inner_text() == MEASURE_LABELS["hint"]
    _click_at(page, m, 34.6, 119.15)  # on a marker: must not count as a record click
    _click_at(page, m, 34.6, 119.25, double=True)
    metres = page.evaluate(f"{m.get_name()}.distance([34.6, 119.15], [34.6, 119.25])")
    km = re.fullmatch(r"距离: ([\d.]+) km", panel.inner_text()).group(1)
    assert float(km) == pytest.approx(metres / 1000, rel=0.01)  # clicks land on whole pixels
    assert page.evaluate("[window.__clicks.length, window.__mapClicks]") == [0, 0]
    assert page.locator("[data-measure=finish]").is_hidden()

    page.locator("[data-measure=area]").click()
    corners = [(34.55, 119.1), (34.55, 119.3), (34.65, 119.3), (34.65, 119.1)]
    for lat, lon in corners:
        _click_at(page, m, lat, lon)
    page.locator("[data-measure=finish]").click()
    value = re.fullmatch(r"面积: ([\d.]+) km²", panel.inner_text()).group(1)
    assert float(value) == pytest.approx(_geodesic_km2(corners), rel=0.01)
    assert page.evaluate("[window.__clicks.length, window.__mapClicks]") == [0, 0]

    page.locator("[data-measure=clear]").click()
    assert panel.is_hidden()
    _click_at(page, m, 34.6, 119.15)  # measuring is over: record clicks are reported again
    assert parse_clicked_key(page.evaluate("window.__clicks[0]")) == "p1"


def _geodesic_km2(corners: list[tuple[float, float]]) -> float:
    """Leaflet.draw's spherical-excess area, for comparison."""
    rad, area = math.pi / 180, 0.0
    for (lat1, lon1), (lat2, lon2) in zip(corners, corners[1:] + corners[:1], strict=True):
        area += (lon2 - lon1) * rad * (2 + math.sin(lat1 * rad) + math.sin(lat2 * rad))
    return abs(area * 6378137**2 / 2) / 1e6
