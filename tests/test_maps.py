"""Map builder tests: no CDN, no script injection, expected layers and basemaps."""

import json

import folium
import pytest

from maps.assets import cdn_urls_in, use_local_assets, vendor_assets
from maps.basemaps import BASEMAPS, available_basemaps, default_basemap
from maps.district_map import LABEL_KEYS, build_district_map
from maps.text import map_text

LABELS = {
    "district": "区级库",
    "town": "镇街库",
    "localities": "镇街",
    "boundary": "区界",
    "approximate": "边界为近似（泰森多边形），非官方",
    "demo": "演示数据 / demo",
    "legend": "图例",
    "fullscreen": "全屏",
    "neighbours": "周边区县",
}
PAYLOAD = "<img src=x onerror=window.__x=1>${window.__y=1}"


def _square(x0: float, y0: float, x1: float, y1: float) -> dict:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


BOUNDARY = {
    "type": "Feature",
    "properties": {"name": PAYLOAD},
    "geometry": _square(119.0, 34.4, 119.4, 34.8),
}
LOCALITIES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "name": "新浦街道",
                "kind": "街道",
                "approximate": True,
                "depot_count": 1,
            },
            "geometry": _square(119.0, 34.4, 119.2, 34.8),
        },
        {
            "type": "Feature",
            "properties": {"name": PAYLOAD, "kind": "镇", "approximate": False, "depot_count": 1},
            "geometry": _square(119.2, 34.4, 119.4, 34.8),
        },
    ],
}
DEPOTS = [
    {
        "id": 1,
        "name": PAYLOAD,
        "level": "district",
        "lat": 34.61,
        "lon": 119.17,
        "locality": "新浦街道",
        "is_demo": True,
    },
    {
        "id": 2,
        "name": "浦南镇应急物资库",
        "level": "town",
        "lat": 34.52,
        "lon": 119.31,
        "locality": "浦南镇",
        "is_demo": False,
    },
]


def _render(**kwargs) -> str:
    args = {"boundary": BOUNDARY, "localities": LOCALITIES, "depots": DEPOTS, "labels": LABELS}
    return build_district_map(**{**args, **kwargs}).get_root().render()


@pytest.fixture(scope="module", autouse=True)
def local_assets():
    use_local_assets()


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


@pytest.mark.parametrize(
    ("raw", "forbidden"),
    [
        ("<img src=x onerror=alert(1)>", "<img"),
        ("${window.x=1}", "${"),
        ("a`b", "`"),
        ("a\\b", "\\"),
        ('"quoted"', '"'),
    ],
)
def test_map_text_neutralises(raw, forbidden):
    assert forbidden not in map_text(raw)


def test_map_text_values():
    assert map_text(None) == ""
    assert map_text("${x}`\\") == "&#36;{x}&#96;&#92;"
    assert map_text(3) == "3"


def test_hostile_names_stay_inert():
    html = _render()
    assert "<img" not in html
    assert "${window" not in html
    assert "&lt;img src=x onerror=window.__x=1&gt;&#36;{window.__y=1}" in html


def test_depot_layers_legend_and_controls():
    html = _render()
    assert f"{json.dumps('区级库')} : feature_group_" in html
    assert f"{json.dumps('镇街库')} : feature_group_" in html
    assert f"{json.dumps('镇街')} : geo_json_" in html
    assert "L.divIcon(" in html and "L.circleMarker(" in html
    assert "var Legend = L.Control.extend" in html
    assert json.dumps("图例")[1:-1] in html
    assert "requestFullscreen" in html
    assert "L.control.scale({metric: true, imperial: false})" in html
    assert '"preferCanvas": true' in html
    assert "fitBounds([[34.4,119.0],[34.8,119.4]]" in "".join(html.split())


def test_missing_label_is_reported():
    labels = {k: v for k, v in LABELS.items() if k != "legend"}
    with pytest.raises(KeyError, match="legend"):
        build_district_map(boundary=BOUNDARY, localities=LOCALITIES, depots=DEPOTS, labels=labels)
    assert set(LABELS) == set(LABEL_KEYS)


def test_basemap_none_has_no_tiles():
    html = _render(basemap="none")
    assert "L.tileLayer(" not in html
    assert ".getContainer().style.background" in html


def test_basemap_tianditu_uses_key_and_annotation():
    html = _render(basemap="tianditu", tianditu_key="abc123")
    assert "tk=abc123" in html
    assert "cva_w" in html and "vec_w" in html
    assert '"subdomains": "01234567"' in html


def test_basemap_registry():
    assert BASEMAPS["gaode"].gcj02 and not BASEMAPS["tianditu"].gcj02
    assert "tianditu" not in available_basemaps(None)
    assert "tianditu" in available_basemaps("k")
    assert default_basemap(None) == "none"
    assert default_basemap("k") == "tianditu"
    with pytest.raises(ValueError, match="Tianditu"):
        _render(basemap="tianditu")


def test_gcj02_basemap_needs_transform():
    with pytest.raises(ValueError, match="display_transform"):
        _render(basemap="gaode")
    assert "autonavi.com" in _render(basemap="gaode", display_transform=lambda x, y: (x, y))


def test_display_transform_moves_every_coordinate():
    html = _render(display_transform=lambda lon, lat: (round(lon + 10, 6), round(lat + 1, 6)))
    assert "[35.61, 129.17]" in html  # district depot
    assert "[35.52, 129.31]" in html  # town depot
    assert "[[35.4, 129.0], [35.8, 129.4]]" in html  # fit bounds from the outline
    assert "[129.2, 35.4]" in html  # locality polygon vertex


def test_neighbours_are_drawn_named_and_escaped():
    neighbours = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Lianyun<b>`${x}`</b>"},
                "geometry": _square(119.3, 34.6, 119.4, 34.7),
            }
        ],
    }
    html = _render(neighbours=neighbours, labels={**LABELS, "neighbours": "Around"})
    assert "Around" in html
    # GeoJSON data is embedded as JSON, where "&" is written \u0026.
    assert "Lianyun\\u0026lt;b\\u0026gt;\\u0026#96;\\u0026#36;{x}" in html
    assert "${x}" not in html


def test_scale_bar_is_metric_only():
    assert "imperial: false" in _render()
