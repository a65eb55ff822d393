"""Read official township boundaries supplied by an administrator.

The approximate Voronoi cells stand in until the district's natural-resources bureau
supplies real boundaries. Those arrive in whatever format and coordinate system the sender
used, so this module refuses anything it cannot place with confidence, and says why in words
an administrator can act on, rather than storing polygons in the wrong place.

Codes: a 9-digit code is read as the Ministry of Civil Affairs code and a 12-digit one as
the statistics bureau (NBS) code; the two schemes number townships differently. When the
file also has names, each code is checked against its name, which catches files that pad
9-digit codes to 12.
"""

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from registry.kernel.geo import CoordinateSystem, to_wgs84, transform_geometry

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
MIN_INSIDE_SHARE = 0.8  # below this the file is in the wrong CRS or the wrong place
_GEOJSON_SUFFIXES = (".geojson", ".json")
_WGS84 = CRS.from_epsg(4326)
_WGS84_LIKE = {4326, 4490}  # CGCS2000 geographic differs from WGS-84 by under a metre
_OFFSET_SYSTEMS = {CoordinateSystem.GCJ02, CoordinateSystem.BD09}
_NAME_COLUMNS = {"name", "名称", "xzqmc", "mc"}
_CRS_HINT = "for example EPSG:4490, EPSG:4549 (CGCS2000 GK zone 120E), GCJ02 or BD09"

SourceCrs = CRS | CoordinateSystem


class BoundaryFileError(ValueError):
    """A boundary file that cannot be imported; the message says what to fix."""


@dataclass(frozen=True)
class BoundaryImport:
    """Imported polygons by MCA code, and what the caller should tell the administrator."""

    polygons: dict[str, BaseGeometry]  # WGS-84 Polygon or MultiPolygon
    missing: list[str]  # names of localities the file does not cover
    source_crs: str


@dataclass(frozen=True)
class _Fields:
    """The attribute columns that identify each feature's township."""

    name: Hashable | None
    code: Hashable | None


def read_boundary_file(
    path: str | Path,
    *,
    crs: str | None = None,
    name_field: str | None = None,
    code_field: str | None = None,
    localities: list[dict[str, Any]],
    district: BaseGeometry,
) -> BoundaryImport:
    """Read, check and convert an official township boundary file to WGS-84 polygons."""
    path = Path(path)
    frame = _read_frame(path)
    system = _resolve_crs(path, frame, crs)
    fields = _find_fields(frame, localities, name_field, code_field)
    labels = _labels(frame, fields)
    _check_types(frame.geometry, labels)
    converted = _to_wgs84(frame.geometry, system)
    geoms = [_repaired(geom, label) for geom, label in zip(converted, labels, strict=True)]
    _check_location(geoms, district, _crs_label(system))
    codes = _match(frame, fields, localities, labels)
    polygons = dict(zip(codes, geoms, strict=True))
    missing = [loc["name"] for loc in localities if loc["mca_code"] not in polygons]
    return BoundaryImport(polygons=polygons, missing=missing, source_crs=_crs_label(system))


def _read_frame(path: Path) -> gpd.GeoDataFrame:
    """Open the file as a single vector layer, or explain why it cannot be used."""
    if not path.is_file():
        raise BoundaryFileError(f"{path}: no such file")
    if not path.name.lower().endswith(SUFFIXES):
        raise BoundaryFileError(
            f"{path.name}: unsupported file type; send GeoJSON, GeoPackage (.gpkg) or a "
            "Shapefile (.shp with its .dbf/.shx/.prj, or all of them in one .zip)"
        )
    try:
        layers = pyogrio.list_layers(path)
        if len(layers) > 1:
            names = ", ".join(str(layer[0]) for layer in layers)
            raise BoundaryFileError(
                f"{path.name} holds {len(layers)} layers ({names}); export the township "
                "layer on its own"
            )
        frame = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        reason = str(exc).split(";")[0]  # drop GDAL's advice about driver prefixes
        raise BoundaryFileError(f"{path.name} is not a readable vector file: {reason}") from exc
    if frame.empty:
        raise BoundaryFileError(f"{path.name} contains no features")
    return frame


def _parse_crs(text: str) -> SourceCrs:
    """Turn the administrator's --crs value into a pyproj CRS or a Chinese offset system."""
    key = text.strip().upper().replace("-", "").replace("_", "")
    if key in set(CoordinateSystem):
        system = CoordinateSystem(key)
        if system in _OFFSET_SYSTEMS:
            return system
        return _WGS84 if system is CoordinateSystem.WGS84 else CRS.from_epsg(4490)
    try:
        return CRS.from_user_input(text.strip())
    except CRSError as exc:
        raise BoundaryFileError(
            f"unknown coordinate system {text!r}; give an EPSG code or GCJ02/BD09, {_CRS_HINT}"
        ) from exc


def _declared_crs(path: Path, frame: gpd.GeoDataFrame) -> CRS | None:
    """Return the CRS the file itself states; GDAL reports WGS-84 for any plain GeoJSON."""
    if frame.crs is None:
        return None
    if path.name.lower().endswith(_GEOJSON_SUFFIXES) and not _geojson_has_crs(path):
        return None
    return CRS.from_user_input(frame.crs)


def _geojson_has_crs(path: Path) -> bool:
    """Tell whether a GeoJSON file carries the old-style "crs" member."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(document, dict) and "crs" in document


def _resolve_crs(path: Path, frame: gpd.GeoDataFrame, crs: str | None) -> SourceCrs:
    """Decide the source CRS from the file and --crs, refusing guesses and contradictions."""
    declared = _declared_crs(path, frame)
    requested = _parse_crs(crs) if crs else None
    if requested is None:
        if declared is not None:
            return declared
        if path.name.lower().endswith(_GEOJSON_SUFFIXES):
            return _WGS84  # RFC 7946: GeoJSON without "crs" is WGS-84
        raise BoundaryFileError(
            f"{path.name} does not say which coordinate system it uses; pass --crs ({_CRS_HINT})"
        )
    if declared is not None and not _compatible(declared, requested):
        raise BoundaryFileError(
            f"{path.name} declares {_crs_label(declared)} ({declared.name}) but --crs says "
            f"{_crs_label(requested)}; check which is right and fix the file or the option"
        )
    return requested


def _is_wgs84_like(crs: CRS) -> bool:
    """Tell whether a CRS is geographic WGS-84 or CGCS2000, which the registry equates."""
    return crs.is_geographic and (
        crs.to_epsg() in _WGS84_LIKE or crs.equals(_WGS84, ignore_axis_order=True)
    )


def _compatible(declared: CRS, requested: SourceCrs) -> bool:
    """Tell whether --crs agrees with the file; GCJ-02/BD-09 files can only say WGS-84."""
    if isinstance(requested, CoordinateSystem):
        return _is_wgs84_like(declared)
    if _is_wgs84_like(declared) and _is_wgs84_like(requested):
        return True
    same_code = declared.to_epsg() is not None and declared.to_epsg() == requested.to_epsg()
    return same_code or declared.equals(requested, ignore_axis_order=True)


def _crs_label(system: SourceCrs) -> str:
    """Name a CRS briefly, by its authority code where it has one."""
    if isinstance(system, CoordinateSystem):
        return system.value
    authority = system.to_authority()
    return ":".join(authority) if authority else system.name


def _normal_name(text: object) -> str:
    """Reduce a township name to its stem so spelling variants and suffixes still match."""
    name = "".join(str(text).split()).replace("郁州", "郁洲").removesuffix("办事处")
    return name.removesuffix("街道").removesuffix("镇")


def _normal_code(value: object) -> str | None:
    """Return a 9- or 12-digit code as text, whether stored as text, integer or float."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text if text.isdigit() and len(text) in (9, 12) else None


def _code_index(localities: list[dict[str, Any]]) -> dict[str, str]:
    """Map both MCA and NBS codes to the MCA code; their lengths keep them apart."""
    index = {loc["mca_code"]: loc["mca_code"] for loc in localities}
    index.update({loc["nbs_code"]: loc["mca_code"] for loc in localities if loc.get("nbs_code")})
    return index


def _name_index(localities: list[dict[str, Any]]) -> dict[str, str]:
    """Map each township's name stem to its MCA code."""
    return {_normal_name(loc["name"]): loc["mca_code"] for loc in localities}


def _code_of(value: object, index: dict[str, str]) -> str | None:
    """Look up the MCA code a code value refers to."""
    code = _normal_code(value)
    return index.get(code) if code else None


def _name_of(value: object, index: dict[str, str]) -> str | None:
    """Look up the MCA code a name value refers to."""
    return None if pd.isna(value) else index.get(_normal_name(value))


def _best_column(
    frame: gpd.GeoDataFrame,
    lookup: Callable[[object, dict[str, str]], str | None],
    index: dict[str, str],
) -> Hashable | None:
    """Pick the attribute column whose values identify the most townships."""
    scores = {
        column: sum(lookup(value, index) is not None for value in frame[column])
        for column in frame.columns
        if column != frame.geometry.name
    }
    best = max(scores, key=scores.__getitem__, default=None)
    return best if best is not None and scores[best] > 0 else None


def _given_column(frame: gpd.GeoDataFrame, column: str) -> str:
    """Check that a field named on the command line exists."""
    if column not in frame.columns:
        fields = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
        raise BoundaryFileError(f"the file has no field {column!r}; its fields are: {fields}")
    return column


def _find_fields(
    frame: gpd.GeoDataFrame,
    localities: list[dict[str, Any]],
    name_field: str | None,
    code_field: str | None,
) -> _Fields:
    """Use the named fields, or detect the ones holding township codes and names."""
    if name_field or code_field:
        return _Fields(
            name=_given_column(frame, name_field) if name_field else None,
            code=_given_column(frame, code_field) if code_field else None,
        )
    name = _best_column(frame, _name_of, _name_index(localities))
    if name is None:  # nothing matches: still label features by a conventional name field
        name = next((c for c in frame.columns if str(c).lower() in _NAME_COLUMNS), None)
    return _Fields(name=name, code=_best_column(frame, _code_of, _code_index(localities)))


def _labels(frame: gpd.GeoDataFrame, fields: _Fields) -> list[str]:
    """Label each feature by position and name (or code) so messages can point at it."""
    column = fields.name if fields.name is not None else fields.code
    if column is None:
        return [f"#{n}" for n in range(1, len(frame) + 1)]
    return [f"#{n} '{value}'" for n, value in enumerate(frame[column], start=1)]


def _check_types(geoms: gpd.GeoSeries, labels: list[str]) -> None:
    """Refuse features that are not areas; points or lines cannot bound a township."""
    for geom, label in zip(geoms, labels, strict=True):
        if geom is None or geom.is_empty:
            raise BoundaryFileError(f"feature {label} has no geometry")
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise BoundaryFileError(
                f"feature {label} is a {geom.geom_type}; township boundaries must be polygons"
            )


def _to_wgs84(geoms: gpd.GeoSeries, system: SourceCrs) -> list[BaseGeometry]:
    """Convert the geometries to 2-D WGS-84 longitude/latitude."""
    flat = [shapely.force_2d(geom) for geom in geoms]
    if isinstance(system, CoordinateSystem):
        return [transform_geometry(g, lambda lon, lat: to_wgs84(lon, lat, system)) for g in flat]
    if _is_wgs84_like(system):
        return flat
    converted: list[Any] = gpd.GeoSeries(flat, crs=system).to_crs(_WGS84).tolist()
    return converted


def _repaired(geom: BaseGeometry, label: str) -> BaseGeometry:
    """Fix self-intersections and the like, keeping only the polygonal part."""
    if geom.is_valid:
        return geom
    fixed = shapely.make_valid(geom)
    if fixed.geom_type == "GeometryCollection":
        fixed = shapely.union_all([part for part in fixed.geoms if part.area > 0])
    if fixed.is_empty or fixed.geom_type not in ("Polygon", "MultiPolygon"):
        raise BoundaryFileError(f"feature {label} has an invalid polygon that cannot be repaired")
    return fixed


def _where(geom: BaseGeometry) -> str:
    """Describe where data lies, noting coordinates that cannot be longitude/latitude."""
    x0, y0, x1, y1 = geom.bounds
    text = f"x {x0:.4f} to {x1:.4f}, y {y0:.4f} to {y1:.4f}"
    if max(abs(x0), abs(x1)) > 180 or max(abs(y0), abs(y1)) > 90:
        text += " (not longitude/latitude: probably projected metres)"
    return text


def _check_location(geoms: list[BaseGeometry], district: BaseGeometry, crs_label: str) -> None:
    """Refuse data that is mostly outside the district: a wrong CRS or another place."""
    union = shapely.union_all(geoms)
    inside = union.intersection(district).area / union.area if union.area else 0.0
    if inside < MIN_INSIDE_SHARE:
        raise BoundaryFileError(
            f"only {inside:.0%} of the file's area lies inside the district, read as "
            f"{crs_label}: the data lies at {_where(union)}, the district at {_where(district)}. "
            "The coordinate system is probably wrong (see --crs) or the file covers another place"
        )


def _match_one(
    row: pd.Series, fields: _Fields, codes: dict[str, Any], names: dict[str, Any]
) -> str | None:
    """Return the MCA code one feature refers to, refusing a code that contradicts its name."""
    by_code = _code_of(row[fields.code], codes) if fields.code is not None else None
    by_name = _name_of(row[fields.name], names) if fields.name is not None else None
    if by_code and by_name and by_code != by_name:
        raise BoundaryFileError(
            f"feature '{row[fields.name]}' has code {row[fields.code]}, which is another "
            "township's code (12-digit codes are read as NBS statistical codes); pass "
            "--name-field to match by name"
        )
    return by_code or by_name


def _match(
    frame: gpd.GeoDataFrame, fields: _Fields, localities: list[dict[str, Any]], labels: list[str]
) -> list[str]:
    """Return each feature's MCA code; refuse unknown features and duplicates."""
    if fields.name is None and fields.code is None:
        columns = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
        raise BoundaryFileError(
            "no field holds Haizhou township names or codes; pass --name-field or "
            f"--code-field (the file's fields are: {columns or 'none'})"
        )
    codes, names = _code_index(localities), _name_index(localities)
    matched = [_match_one(row, fields, codes, names) for _, row in frame.iterrows()]
    unknown = [label for label, code in zip(labels, matched, strict=True) if code is None]
    if unknown:
        raise BoundaryFileError(f"features matching no Haizhou township: {', '.join(unknown)}")
    found = [code for code in matched if code is not None]  # all of them, as none is unknown
    _check_duplicates(found, labels, localities)
    return found


def _check_duplicates(
    matched: list[str], labels: list[str], localities: list[dict[str, Any]]
) -> None:
    """Refuse two features for one township; which of them is right is not ours to guess."""
    by_code = {loc["mca_code"]: loc["name"] for loc in localities}
    for code in dict.fromkeys(matched):
        hits = [label for label, c in zip(labels, matched, strict=True) if c == code]
        if len(hits) > 1:
            raise BoundaryFileError(
                f"{by_code[code]} matches more than one feature: {', '.join(hits)}"
            )
