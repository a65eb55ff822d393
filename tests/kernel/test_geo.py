"""Checks of the Chinese map coordinate conversions against independent references."""

import csv
import itertools
import math
import re
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from registry.kernel import geo

LOCALITIES_CSV = Path(__file__).resolve().parents[2] / "data" / "haizhou_localities.csv"

# A grid over Haizhou District's bounding box (118.96-119.42 E, 34.43-34.70 N).
HAIZHOU_POINTS = [
    (118.96 + i * 0.023, 34.43 + j * 0.0135) for i, j in itertools.product(range(21), repeat=2)
]


def _reference_wgs84_to_gcj02(lon, lat):
    """The published GCJ-02 model, re-typed in eviltransform's grouping as a cross-check."""
    x, y = lon - 105.0, lat - 35.0
    x_pi, y_pi = x * math.pi, y * math.pi
    shared = 20.0 * math.sin(6.0 * x_pi) + 20.0 * math.sin(2.0 * x_pi)
    d_lat = shared + 20.0 * math.sin(y_pi) + 40.0 * math.sin(y_pi / 3.0)
    d_lon = shared + 20.0 * math.sin(x_pi) + 40.0 * math.sin(x_pi / 3.0)
    d_lat += 160.0 * math.sin(y_pi / 12.0) + 320.0 * math.sin(y_pi / 30.0)
    d_lon += 150.0 * math.sin(x_pi / 12.0) + 300.0 * math.sin(x_pi / 30.0)
    d_lat = d_lat * 2.0 / 3.0 - 100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
    d_lat += 0.2 * math.sqrt(abs(x))
    d_lon = d_lon * 2.0 / 3.0 + 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
    d_lon += 0.1 * math.sqrt(abs(x))
    a, ee = 6378245.0, 0.00669342162296594323  # Krasovsky 1940
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad_lat) ** 2
    d_lat = d_lat * 180.0 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = d_lon * 180.0 / (a / math.sqrt(magic) * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def _metres(a, b):
    return geo.haversine_m(a[0], a[1], b[0], b[1])


def _seat_pairs():
    """(name, raw GCJ-02, converted WGS-84) for each sourced seat in the locality CSV."""
    with LOCALITIES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.DictReader(fh) if row["seat_status"] == "sourced"]
    pairs = []
    for row in rows:
        raw = re.search(r"raw GCJ-02 (\d+\.\d+),(\d+\.\d+)", row["notes"])
        seat = (float(row["seat_lon"]), float(row["seat_lat"]))
        pairs.append((row["name"], (float(raw[1]), float(raw[2])), seat))
    return pairs


def test_forward_matches_coordtransform_published_examples():
    # wandergis/coordtransform test/app.js, input (116.404, 39.915)
    assert geo.wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12
    )
    assert geo.gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-12
    )


def test_inverses_agree_with_published_closed_forms():
    # The published inverses are one-step approximations, a few centimetres off.
    wgs = geo.gcj02_to_wgs84(116.404, 39.915)
    assert _metres(wgs, (116.39775550083061, 39.91359571849836)) < 0.2
    gcj = geo.bd09_to_gcj02(116.404, 39.915)
    assert _metres(gcj, (116.39762729119315, 39.90865673957631)) < 0.2


def test_tiananmen_pair():
    gcj = geo.wgs84_to_gcj02(116.397428, 39.90923)
    assert gcj == pytest.approx(_reference_wgs84_to_gcj02(116.397428, 39.90923), abs=1e-12)
    # The widely quoted rounded value (116.403673, 39.910628) is about 0.7 m from the model.
    assert _metres(gcj, (116.403673, 39.910628)) < 1.0


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(lon, lat) for lon in range(74, 136, 7) for lat in range(4, 55, 6)] + HAIZHOU_POINTS[::37],
)
def test_forward_matches_independent_implementation(lon, lat):
    assert geo.wgs84_to_gcj02(lon, lat) == pytest.approx(
        _reference_wgs84_to_gcj02(lon, lat), abs=1e-9
    )


def test_lianyungang_offset_matches_reference_readme():
    # reference/README.md: at 119.2 E 34.6 N the offset is about +510 m E, -111 m N.
    lon, lat = geo.wgs84_to_gcj02(119.2, 34.6)
    assert geo.haversine_m(119.2, 34.6, lon, 34.6) == pytest.approx(510, abs=5)
    assert geo.haversine_m(119.2, 34.6, 119.2, lat) == pytest.approx(111, abs=5)
    assert lon > 119.2 and lat < 34.6


def test_seat_pairs_are_present():
    assert len(_seat_pairs()) == 14


@pytest.mark.parametrize(("name", "raw_gcj", "wgs"), _seat_pairs())
def test_haizhou_seats_from_locality_csv(name, raw_gcj, wgs):
    assert _metres(geo.gcj02_to_wgs84(*raw_gcj), wgs) < 2.0, name
    assert _metres(geo.wgs84_to_gcj02(*wgs), raw_gcj) < 2.0, name


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [(geo.wgs84_to_gcj02, geo.gcj02_to_wgs84), (geo.wgs84_to_bd09, geo.bd09_to_wgs84)],
)
def test_round_trips_across_haizhou(forward, inverse):
    for point in HAIZHOU_POINTS:
        shifted = forward(*point)
        assert _metres(shifted, point) > 300  # the offset really was applied
        assert _metres(inverse(*shifted), point) < 0.01


def test_gcj02_inverse_converges_below_1e7_degrees():
    for point in HAIZHOU_POINTS:
        back = geo.wgs84_to_gcj02(*geo.gcj02_to_wgs84(*point))
        assert back == pytest.approx(point, abs=1e-7)


@pytest.mark.parametrize(("lon", "lat"), [(-0.1276, 51.5072), (139.69, 35.69), (100.0, 60.0)])
def test_gcj02_is_identity_outside_china(lon, lat):
    assert geo.out_of_china(lon, lat)
    assert geo.wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert geo.gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_haizhou_is_inside_china():
    assert not geo.out_of_china(119.2, 34.6)


def test_coordinate_system_values():
    assert [s.value for s in geo.CoordinateSystem] == ["WGS84", "CGCS2000", "GCJ02", "BD09"]


@pytest.mark.parametrize("system", list(geo.CoordinateSystem))
def test_to_and_from_wgs84_round_trip(system):
    shown = geo.from_wgs84(119.2, 34.6, system)
    assert geo.to_wgs84(*shown, system.value) == pytest.approx((119.2, 34.6), abs=1e-8)


def test_cgcs2000_is_treated_as_wgs84():
    assert geo.to_wgs84(119.2, 34.6, "CGCS2000") == (119.2, 34.6)
    assert geo.from_wgs84(119.2, 34.6, geo.CoordinateSystem.CGCS2000) == (119.2, 34.6)


def test_dispatch_uses_the_named_system():
    assert geo.from_wgs84(119.2, 34.6, "GCJ02") == geo.wgs84_to_gcj02(119.2, 34.6)
    assert geo.to_wgs84(119.2, 34.6, "BD09") == geo.bd09_to_wgs84(119.2, 34.6)


def test_unknown_system_is_refused():
    with pytest.raises(ValueError):
        geo.to_wgs84(119.2, 34.6, "EPSG:4326")


def test_transform_geometry_converts_every_vertex():
    shell = [(119.1, 34.5), (119.3, 34.5), (119.3, 34.7), (119.1, 34.7), (119.1, 34.5)]
    hole = [(119.15, 34.55), (119.2, 34.55), (119.2, 34.6), (119.15, 34.55)]
    geom = MultiPolygon([Polygon(shell, [hole]), Polygon([(x + 0.5, y) for x, y in shell])])
    moved = geo.transform_geometry(geom, geo.wgs84_to_gcj02)
    before = shapely.get_coordinates(geom)
    after = shapely.get_coordinates(moved)
    assert moved.geom_type == "MultiPolygon" and len(after) == len(before)
    for (x, y), converted in zip(before, after, strict=True):
        assert tuple(converted) == pytest.approx(geo.wgs84_to_gcj02(x, y), abs=1e-12)
    back = geo.transform_geometry(moved, geo.gcj02_to_wgs84)
    assert shapely.hausdorff_distance(back, geom) < 1e-8


def test_transform_geometry_handles_points_and_empty():
    assert geo.transform_geometry(Point(119.2, 34.6), geo.wgs84_to_gcj02).coords[0] == (
        pytest.approx(geo.wgs84_to_gcj02(119.2, 34.6))
    )
    assert geo.transform_geometry(Polygon(), geo.wgs84_to_gcj02).is_empty


def test_haversine():
    assert geo.haversine_m(119.2, 34.6, 119.2, 34.6) == 0.0
    assert geo.haversine_m(119.2, 34.0, 119.2, 35.0) == pytest.approx(111_195, abs=1)
    assert geo.haversine_m(119.1, 34.5, 119.3, 34.7) == pytest.approx(
        geo.haversine_m(119.3, 34.7, 119.1, 34.5)
    )
