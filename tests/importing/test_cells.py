"""Checks that the approximate township cells tile the district and regenerate exactly."""

import itertools
import json

import pytest
import shapely
from shapely.geometry import Point, shape

from prepare import cells

COMMITTED = json.loads(cells.CELLS_GEOJSON.read_text(encoding="utf-8"))
FEATURES = COMMITTED["features"]
GEOMS = [shape(feature["geometry"]) for feature in FEATURES]
DISTRICT = cells.read_district()


def test_one_cell_per_legal_township():
    rows = cells.read_localities()
    assert len(FEATURES) == len(rows) == 19
    assert [f["properties"]["mca_code"] for f in FEATURES] == [r["mca_code_9"] for r in rows]
    kinds = [f["properties"]["kind"] for f in FEATURES]
    assert kinds.count("街道") == 15 and kinds.count("镇") == 4


def test_properties():
    for feature in FEATURES:
        props = feature["properties"]
        assert len(props["mca_code"]) == 9 and props["mca_code"].startswith("320706")
        assert len(props["nbs_code"]) == 12 and props["nbs_code"].startswith("320706")
        assert isinstance(props["village_committees"], int)
        assert props["seat_status"] in ("sourced", "estimate")
        assert props["area_km2_reported"] is None or props["area_km2_reported"] > 0
        assert props["boundary_source"] == "approximate"
        assert "NOT an official boundary" in props["boundary_note"]
        assert "并非官方" in props["boundary_note"]
    by_name = {f["properties"]["name"]: f["properties"] for f in FEATURES}
    assert by_name["郁洲街道"]["area_km2_reported"] is None
    assert by_name["浦南镇"]["area_km2_reported"] == 108.5


def test_cells_are_valid_polygons():
    for feature, geom in zip(FEATURES, GEOMS, strict=True):
        name = feature["properties"]["name"]
        assert geom.geom_type in ("Polygon", "MultiPolygon"), name
        assert geom.is_valid and not geom.is_empty and geom.area > 0, name


def test_cells_do_not_overlap():
    assert shapely.coverage_is_valid(GEOMS)
    for a, b in itertools.combinations(GEOMS, 2):
        assert a.intersection(b).area < 1e-12


def test_cells_cover_the_district():
    union = shapely.union_all(GEOMS)
    assert union.symmetric_difference(DISTRICT).area / DISTRICT.area < 0.001
    assert sum(g.area for g in GEOMS) == pytest.approx(DISTRICT.area, rel=0.001)


def test_each_seat_lies_in_its_own_cell():
    for feature, geom in zip(FEATURES, GEOMS, strict=True):
        props = feature["properties"]
        assert geom.contains(Point(props["seat_lon"], props["seat_lat"])), props["name"]


def test_coordinates_have_six_decimals():
    coords = shapely.get_coordinates(GEOMS)
    assert (coords.round(6) == coords).all()


def test_regeneration_is_byte_identical(tmp_path):
    committed = cells.CELLS_GEOJSON.read_bytes()
    assert cells.dumps_cells(cells.build_cells()).encode("utf-8") == committed
    written = cells.write_cells(tmp_path / "cells.geojson")
    assert written.read_bytes() == committed
