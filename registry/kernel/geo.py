"""Coordinate systems used on Chinese maps, and conversions between them.

Coordinates copied from Amap or Tencent are GCJ-02 and from Baidu BD-09; both are
deliberately offset from WGS-84 (about 0.5 km in Haizhou). The registry stores WGS-84
and converts at its edges. Longitude comes first everywhere.

GCJ-02 follows the widely published model (Krasovsky ellipsoid, a = 6378245 m); its
inverse is not published, so it is solved iteratively. CGCS2000 differs from WGS-84 by
well under a metre, so it is treated as WGS-84.
"""

import math
from collections.abc import Callable
from enum import StrEnum

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

LonLat = tuple[float, float]

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 model uses
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0  # BD-09 rotation constant
_BD_LON_SHIFT = 0.0065
_BD_LAT_SHIFT = 0.006
_INVERSE_TOLERANCE = 1e-9  # degrees; well below the 1e-7 (1 cm) that matters
_INVERSE_MAX_STEPS = 30
_EARTH_RADIUS_M = 6371008.8  # IUGG mean radius


class CoordinateSystem(StrEnum):
    """The systems a coordinate may arrive in; CGCS2000 is handled as WGS-84."""

    WGS84 = "WGS84"
    CGCS2000 = "CGCS2000"
    GCJ02 = "GCJ02"
    BD09 = "BD09"


def out_of_china(lon: float, lat: float) -> bool:
    """Tell whether a point is outside the rough box where GCJ-02 applies an offset."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset_lat(x: float, y: float) -> float:
    """Latitude term of the published GCJ-02 model (x, y relative to 105E 35N)."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: float, y: float) -> float:
    """Longitude term of the published GCJ-02 model (x, y relative to 105E 35N)."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: float, lat: float) -> LonLat:
    """Return the GCJ-02 shift in degrees that the model adds at a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    rad_lat = math.radians(lat)
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = _offset_lat(x, y) * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = _offset_lon(x, y) * 180.0 / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> LonLat:
    """Apply the GCJ-02 offset, as Chinese web maps expect for display."""
    if out_of_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def _invert(forward: Callable[[float, float], LonLat], lon: float, lat: float) -> LonLat:
    """Solve forward(p) == (lon, lat) by fixed-point steps; the offsets vary slowly."""
    guess_lon, guess_lat = lon, lat
    for _ in range(_INVERSE_MAX_STEPS):
        got_lon, got_lat = forward(guess_lon, guess_lat)
        err_lon, err_lat = got_lon - lon, got_lat - lat
        guess_lon, guess_lat = guess_lon - err_lon, guess_lat - err_lat
        if max(abs(err_lon), abs(err_lat)) < _INVERSE_TOLERANCE:
            break
    return guess_lon, guess_lat


def gcj02_to_wgs84(lon: float, lat: float) -> LonLat:
    """Remove the GCJ-02 offset from Amap/Tencent coordinates (iterative inverse)."""
    if out_of_china(lon, lat):
        return lon, lat
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> LonLat:
    """Apply Baidu's published BD-09 rotation and shift on top of GCJ-02."""
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + _BD_LON_SHIFT, z * math.sin(theta) + _BD_LAT_SHIFT


def bd09_to_gcj02(lon: float, lat: float) -> LonLat:
    """Undo BD-09 exactly (iteratively), since the usual closed form is only approximate."""
    return _invert(gcj02_to_bd09, lon, lat)


def wgs84_to_bd09(lon: float, lat: float) -> LonLat:
    """Convert WGS-84 to Baidu's BD-09 via GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> LonLat:
    """Convert Baidu's BD-09 to WGS-84 via GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon: float, lat: float) -> LonLat:
    """WGS-84 and CGCS2000 need no conversion at the registry's precision."""
    return lon, lat


_TO_WGS84 = {
    CoordinateSystem.WGS84: _identity,
    CoordinateSystem.CGCS2000: _identity,
    CoordinateSystem.GCJ02: gcj02_to_wgs84,
    CoordinateSystem.BD09: bd09_to_wgs84,
}
_FROM_WGS84 = {
    CoordinateSystem.WGS84: _identity,
    CoordinateSystem.CGCS2000: _identity,
    CoordinateSystem.GCJ02: wgs84_to_gcj02,
    CoordinateSystem.BD09: wgs84_to_bd09,
}


def to_wgs84(lon: float, lat: float, system: CoordinateSystem | str) -> LonLat:
    """Convert a point given in any supported system to WGS-84 for storage."""
    return _TO_WGS84[CoordinateSystem(system)](lon, lat)


def from_wgs84(lon: float, lat: float, system: CoordinateSystem | str) -> LonLat:
    """Convert a stored WGS-84 point to the system a map or user expects."""
    return _FROM_WGS84[CoordinateSystem(system)](lon, lat)


def transform_geometry(geom: BaseGeometry, func: Callable[[float, float], LonLat]) -> BaseGeometry:
    """Apply a point conversion to every vertex, so whole polygons can change system."""

    def convert(coords: np.ndarray) -> np.ndarray:
        return np.array([func(float(x), float(y)) for x, y in coords], dtype=float).reshape(-1, 2)

    return shapely.transform(geom, convert)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres; accurate to about 0.3 %, enough for proximity."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2.0 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))
