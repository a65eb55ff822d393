"""The district outline and its reference files, loaded once from ``data/``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from registry.kernel.settings import DATA_DIR

BOUNDARY_FILE = DATA_DIR / "haizhou_boundary.geojson"
COUNTIES_FILE = DATA_DIR / "lianyungang_counties.geojson"
CELLS_FILE = DATA_DIR / "localities_approx.geojson"
# Points may sit just outside the simplified outline (a depot on the boundary river bank).
DISTRICT_TOLERANCE_DEG = 0.01


def load_geojson(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def district_geometry() -> BaseGeometry:
    data = load_geojson(BOUNDARY_FILE)
    feature = data["features"][0] if data.get("type") == "FeatureCollection" else data
    return shape(feature["geometry"])


@cache
def _district_with_tolerance() -> BaseGeometry:
    return district_geometry().buffer(DISTRICT_TOLERANCE_DEG)


def in_district(lon: float, lat: float) -> bool:
    """True when a WGS-84 point lies in Haizhou (with about 1 km of tolerance)."""
    from shapely.geometry import Point

    return bool(_district_with_tolerance().contains(Point(lon, lat)))


HAIZHOU_ADCODE = "320706"


@cache
def neighbour_counties(language: str = "zh", tolerance_deg: float = 0.002) -> dict[str, Any]:
    """The other county-level units of Lianyungang, simplified for display, named in
    ``language``; gives the map its surroundings."""
    from shapely.geometry import mapping

    name_key = "name" if language == "zh" else "name_en"
    features = [
        {
            "type": "Feature",
            "geometry": mapping(shape(f["geometry"]).simplify(tolerance_deg)),
            "properties": {"name": f["properties"][name_key], "adcode": f["properties"]["adcode"]},
        }
        for f in load_geojson(COUNTIES_FILE)["features"]
        if f["properties"]["adcode"] != HAIZHOU_ADCODE
    ]
    return {"type": "FeatureCollection", "features": features}
