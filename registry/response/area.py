"""The area an event covers: its drawn polygon if it has one, else the outlines of its
localities; what lies inside it (checkpoints, depots, teams, terminals) is asked here."""

from __future__ import annotations

import json

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from registry.kernel.models import Event, Locality


def locality_outline(locality: Locality) -> BaseGeometry | None:
    if not locality.boundary_geojson:
        return None
    data = json.loads(locality.boundary_geojson)
    return shape(data.get("geometry", data))


def event_area(event: Event) -> BaseGeometry | None:
    """WGS-84 lon/lat geometry of the event, or None when it has neither."""
    if event.area_geojson:
        data = json.loads(event.area_geojson)
        return shape(data.get("geometry", data))
    outlines = [o for o in map(locality_outline, event.localities) if o is not None]
    return unary_union(outlines) if outlines else None


def inside(area: BaseGeometry | None, lon: float | None, lat: float | None) -> bool:
    """Whether a point lies in (or on the edge of) the area."""
    if area is None or lon is None or lat is None:
        return False
    return bool(area.intersects(Point(lon, lat)))
