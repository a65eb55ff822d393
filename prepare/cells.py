"""Build approximate township cells until official boundaries are supplied.

No offline source has township boundary polygons, yet the map and the per-township
summaries need an area for each of the 19 townships. The Voronoi cell of each seat,
clipped to the district, is a transparent stand-in that anyone can regenerate; every
feature says it is approximate. Run ``python -m prepare.cells`` to rewrite the file.
"""

import csv
import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.geometry.base import BaseGeometry

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
LOCALITIES_CSV = DATA_DIR / "haizhou_localities.csv"
DISTRICT_GEOJSON = DATA_DIR / "haizhou_boundary.geojson"
CELLS_GEOJSON = DATA_DIR / "localities_approx.geojson"

GRID = 1e-6  # degrees (about 0.1 m); also the precision of the source boundary
BOUNDARY_NOTE = (
    "近似范围：驻地点的泰森多边形（Voronoi）裁剪至区界，并非官方行政界线。"
    " Approximate: the Voronoi cell of the seat point clipped to the district boundary;"
    " NOT an official boundary."
)


def read_localities(path: Path = LOCALITIES_CSV) -> list[dict]:
    """Return the 19 legal townships; the statistics-only units have no seat or cell."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.DictReader(fh) if row["legal_unit"] == "yes"]
    return sorted(rows, key=lambda row: row["mca_code_9"])


def read_district(path: Path = DISTRICT_GEOJSON) -> BaseGeometry:
    """Return the district polygon the cells must exactly tile."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    return shape(collection["features"][0]["geometry"])


def voronoi_cells(seats: list[Point], district: BaseGeometry) -> list[BaseGeometry]:
    """Return each seat's Voronoi cell clipped to the district, in seat order.

    The overlay snaps to GRID so neighbouring cells share identical edge vertices,
    which keeps them from overlapping after the output is rounded.
    """
    cells = shapely.voronoi_polygons(MultiPoint(seats), extend_to=district, ordered=True)
    return [shapely.intersection(cell, district, grid_size=GRID) for cell in cells.geoms]


def _rounded(geom: BaseGeometry) -> dict:
    """Return the GeoJSON geometry with counter-clockwise shells and 6-decimal numbers."""
    rounded = shapely.transform(shapely.orient_polygons(geom), lambda xy: np.round(xy, 6))
    return mapping(rounded)


def _optional_float(text: str) -> float | None:
    """Turn an empty CSV cell into null rather than zero."""
    return float(text) if text.strip() else None


def _feature(row: dict, cell: BaseGeometry) -> dict:
    """Build one cell feature carrying the township's identity and provenance."""
    properties = {
        "name": row["name"],
        "kind": row["type"],
        "mca_code": row["mca_code_9"],
        "nbs_code": row["nbs_code_12"],
        "village_committees": int(row["village_committees_2023"]),
        "seat_lon": float(row["seat_lon"]),
        "seat_lat": float(row["seat_lat"]),
        "seat_status": row["seat_status"],
        "area_km2_reported": _optional_float(row["area_km2"]),
        "boundary_source": "approximate",
        "boundary_note": BOUNDARY_NOTE,
    }
    return {"type": "Feature", "properties": properties, "geometry": _rounded(cell)}


def build_cells(
    localities_csv: Path = LOCALITIES_CSV, district_geojson: Path = DISTRICT_GEOJSON
) -> dict:
    """Return the approximate township cells as a GeoJSON FeatureCollection."""
    rows = read_localities(localities_csv)
    seats = [Point(float(row["seat_lon"]), float(row["seat_lat"])) for row in rows]
    cells = voronoi_cells(seats, read_district(district_geojson))
    features = [_feature(row, cell) for row, cell in zip(rows, cells, strict=True)]
    return {"type": "FeatureCollection", "features": features}


def dumps_cells(collection: dict) -> str:
    """Serialise compactly with sorted keys so regeneration is byte-identical."""
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text + "\n"


def write_cells(path: Path = CELLS_GEOJSON) -> Path:
    """Regenerate the committed cell file from the committed CSV and boundary."""
    path.write_text(dumps_cells(build_cells()), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_cells())
