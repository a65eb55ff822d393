"""Checks of the official-boundary import with real files in several formats and systems."""

import json
import warnings
import zipfile

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point, Polygon, shape

from prepare import cells
from registry.kernel import geo
from registry.places.boundaries import BoundaryFileError, BoundaryImport, read_boundary_file

FEATURES = json.loads(cells.CELLS_GEOJSON.read_text(encoding="utf-8"))["features"]
LOCALITIES = [
    {key: f["properties"][key] for key in ("name", "mca_code", "nbs_code")} for f in FEATURES
]
ORIGINAL = {f["properties"]["mca_code"]: shape(f["geometry"]) for f in FEATURES}
DISTRICT = cells.read_district()
METRES_PER_DEGREE = 111_000  # conservative: a degree of longitude is shorter here


def _frame(columns=("name", "mca_code", "nbs_code")):
    """The approximate cells as a WGS-84 frame, standing in for an official file."""
    data = {column: [f["properties"][column] for f in FEATURES] for column in columns}
    return gpd.GeoDataFrame(data, geometry=list(ORIGINAL.values()), crs="EPSG:4326")


def _read(path, **options):
    return read_boundary_file(path, localities=LOCALITIES, district=DISTRICT, **options)


def _write_quietly(frame, path, **options):
    """Write a file without a CRS on purpose, silencing pyogrio's warning about it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        frame.to_file(path, **options)


def _max_error_m(polygons):
    return max(
        shapely.hausdorff_distance(polygons[code], ORIGINAL[code]) * METRES_PER_DEGREE
        for code in ORIGINAL
    )


def test_wgs84_geojson_imports(tmp_path):
    path = tmp_path / "towns.geojson"
    _frame(("name",)).to_file(path)
    result = _read(path)
    assert isinstance(result, BoundaryImport)
    assert set(result.polygons) == set(ORIGINAL)
    assert result.missing == []
    assert result.source_crs == "EPSG:4326"
    assert _max_error_m(result.polygons) < 0.01


def test_cgcs2000_gk_geopackage_imports_within_a_metre(tmp_path):
    path = tmp_path / "towns.gpkg"
    frame = _frame(("mca_code",)).rename(columns={"mca_code": "XZQDM"})
    frame["XZQDM"] = frame["XZQDM"].astype(int)  # codes stored as numbers
    frame.to_crs("EPSG:4549").to_file(path)
    result = _read(path)
    assert result.source_crs == "EPSG:4549"
    assert set(result.polygons) == set(ORIGINAL)
    assert _max_error_m(result.polygons) < 1.0


def test_geojson_without_crs_member_takes_declared_crs(tmp_path):
    path = tmp_path / "towns.geojson"
    _frame(("name",)).to_crs("EPSG:4549").to_file(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["crs"]  # as RFC 7946 writers leave it
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = _read(path, crs="EPSG:4549")
    assert _max_error_m(result.polygons) < 1.0


@pytest.mark.parametrize(
    ("system", "forward"), [("GCJ02", geo.wgs84_to_gcj02), ("BD09", geo.wgs84_to_bd09)]
)
def test_zipped_shapefile_in_offset_system_is_converted_back(tmp_path, system, forward):
    frame = _frame(("name",))
    frame.geometry = [geo.transform_geometry(g, forward) for g in frame.geometry]
    assert _max_error_m(dict(zip(ORIGINAL, frame.geometry, strict=True))) > 300
    _write_quietly(frame.set_crs(None, allow_override=True), tmp_path / "towns.shp")
    archive = tmp_path / "towns.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("towns.*"):
            if part != archive:
                zf.write(part, part.name)
    result = _read(archive, crs=system)
    assert result.source_crs == system
    assert set(result.polygons) == set(ORIGINAL)
    assert _max_error_m(result.polygons) < 3.0


def test_offset_system_accepted_when_file_says_wgs84(tmp_path):
    frame = _frame(("name",))
    frame.geometry = [geo.transform_geometry(g, geo.wgs84_to_gcj02) for g in frame.geometry]
    frame.to_file(tmp_path / "towns.shp")
    result = _read(tmp_path / "towns.shp", crs="gcj-02")
    assert _max_error_m(result.polygons) < 3.0


def test_shapefile_without_crs_needs_crs_option(tmp_path):
    path = tmp_path / "towns.shp"
    _write_quietly(_frame(("name",)).set_crs(None, allow_override=True), path)
    with pytest.raises(BoundaryFileError, match="--crs"):
        _read(path)


@pytest.mark.parametrize("declared", ["EPSG:4326", "GCJ02", "EPSG:4547"])
def test_contradicting_crs_is_refused(tmp_path, declared):
    path = tmp_path / "towns.gpkg"
    _frame(("name",)).to_crs("EPSG:4549").to_file(path)
    with pytest.raises(BoundaryFileError, match="declares EPSG:4549") as info:
        _read(path, crs=declared)
    assert declared in str(info.value)


def test_unknown_crs_is_refused(tmp_path):
    path = tmp_path / "towns.geojson"
    _frame(("name",)).to_file(path)
    with pytest.raises(BoundaryFileError, match="unknown coordinate system"):
        _read(path, crs="Mars")


def test_file_elsewhere_is_refused(tmp_path):
    path = tmp_path / "towns.geojson"
    frame = _frame(("name",))
    frame.geometry = frame.geometry.translate(xoff=5.0)
    frame.to_file(path)
    with pytest.raises(BoundaryFileError, match="district") as info:
        _read(path)
    assert "124." in str(info.value)  # says where the data lies


def test_projected_data_declared_as_wgs84_is_refused(tmp_path):
    path = tmp_path / "towns.gpkg"
    _frame(("name",)).to_crs("EPSG:4549").set_crs("EPSG:4326", allow_override=True).to_file(path)
    with pytest.raises(BoundaryFileError, match="not longitude/latitude"):
        _read(path)


def test_text_file_named_geojson_is_refused(tmp_path):
    path = tmp_path / "towns.geojson"
    path.write_text("乡镇边界见附件\n", encoding="utf-8")
    with pytest.raises(BoundaryFileError, match="not a readable vector file"):
        _read(path)


def test_unsupported_or_missing_file_is_refused(tmp_path):
    path = tmp_path / "towns.csv"
    path.write_text("name\n海州街道\n", encoding="utf-8")
    with pytest.raises(BoundaryFileError, match="unsupported file type"):
        _read(path)
    with pytest.raises(BoundaryFileError, match="no such file"):
        _read(tmp_path / "absent.geojson")


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "towns.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(BoundaryFileError, match="no features"):
        _read(path)


def test_several_layers_are_refused(tmp_path):
    path = tmp_path / "towns.gpkg"
    _frame(("name",)).to_file(path, layer="towns")
    _frame(("name",)).to_file(path, layer="villages")
    with pytest.raises(BoundaryFileError, match="2 layers"):
        _read(path)


def test_points_are_refused_and_named(tmp_path):
    path = tmp_path / "seats.geojson"
    frame = _frame(("name",))
    frame.geometry = [Point(g.representative_point()) for g in frame.geometry]
    frame.to_file(path)
    with pytest.raises(BoundaryFileError, match=r"海州街道.*Point"):
        _read(path)


def test_unknown_names_are_refused_and_named(tmp_path):
    path = tmp_path / "towns.geojson"
    frame = _frame(("name",))
    frame.loc[0, "name"] = "不存在街道"
    frame.loc[5, "name"] = "Xinpu Subdistrict"
    frame.to_file(path)
    with pytest.raises(BoundaryFileError, match="no Haizhou township") as info:
        _read(path)
    assert "不存在街道" in str(info.value) and "Xinpu Subdistrict" in str(info.value)


def test_name_variants_match(tmp_path):
    path = tmp_path / "towns.geojson"
    frame = _frame(("name",))
    frame["name"] = frame["name"].replace({"郁洲街道": "郁州街道", "新坝镇": "新坝"})
    frame.loc[0, "name"] = "海州街道办事处"
    frame.to_file(path)
    assert set(_read(path).polygons) == set(ORIGINAL)


def test_nbs_code_field_matches(tmp_path):
    path = tmp_path / "towns.geojson"
    _frame(("nbs_code",)).rename(columns={"nbs_code": "TJDM"}).to_file(path)
    result = _read(path, code_field="TJDM")
    assert set(result.polygons) == set(ORIGINAL)


def test_code_contradicting_name_is_refused(tmp_path):
    path = tmp_path / "towns.geojson"
    frame = _frame(("name", "mca_code"))
    frame["mca_code"] = frame["mca_code"] + "000"  # padded MCA codes read as NBS codes
    frame.to_file(path)
    with pytest.raises(BoundaryFileError, match="another township's code"):
        _read(path)


def test_missing_field_is_refused(tmp_path):
    path = tmp_path / "towns.geojson"
    _frame(("name",)).to_file(path)
    with pytest.raises(BoundaryFileError, match=r"no field 'XZQMC'.*name"):
        _read(path, name_field="XZQMC")


def test_file_without_identifying_fields_is_refused(tmp_path):
    path = tmp_path / "towns.geojson"
    _frame(()).to_file(path)
    with pytest.raises(BoundaryFileError, match="--name-field"):
        _read(path)


def test_duplicates_are_refused(tmp_path):
    path = tmp_path / "towns.geojson"
    frame = _frame(("name",))
    frame.loc[1, "name"] = "海州街道"
    frame.to_file(path)
    with pytest.raises(BoundaryFileError, match="海州街道 matches more than one feature"):
        _read(path)


def test_missing_localities_are_reported(tmp_path):
    path = tmp_path / "towns.geojson"
    frame = _frame(("name",))
    frame[~frame["name"].isin(["新坝镇", "郁洲街道"])].to_file(path)
    result = _read(path)
    assert len(result.polygons) == 17
    assert sorted(result.missing) == sorted(["新坝镇", "郁洲街道"])


def test_invalid_polygon_is_repaired(tmp_path):
    path = tmp_path / "towns.geojson"
    frame = _frame(("name",))
    minx, miny, maxx, maxy = frame.geometry[0].bounds
    frame.loc[0, "geometry"] = Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    assert not frame.geometry[0].is_valid
    frame.to_file(path)
    polygon = _read(path).polygons[FEATURES[0]["properties"]["mca_code"]]
    assert polygon.is_valid and polygon.geom_type in ("Polygon", "MultiPolygon")


def test_unrepairable_polygon_is_refused(tmp_path):
    path = tmp_path / "towns.geojson"
    frame = _frame(("name",))
    frame.loc[0, "geometry"] = Polygon([(119.13, 34.57), (119.14, 34.57), (119.15, 34.57)])
    frame.to_file(path)
    with pytest.raises(BoundaryFileError, match=r"海州街道.*cannot be repaired"):
        _read(path)
