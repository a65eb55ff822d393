"""The office's "nearest resources" and radius tools: read-only answers for a point.

Distances are straight-line (haversine) metres, not road distances: they rank candidates
for a phone call, they do not route a lorry. Depot and team counts stay in the hundreds,
so one SQL query fetches the candidates and Python ranks them exactly.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from registry.kernel import validation
from registry.kernel.enums import RecordStatus, Specialty
from registry.kernel.errors import ValidationError
from registry.kernel.geo import haversine_m
from registry.kernel.models import Checkpoint, Depot, Locality, StockLot, Team, TeamMember

MAX_RADIUS_KM = 50.0
_CIRCLE_QUAD_SEGMENTS = 16  # 64 vertices: under 0.2 % short of the true circle
_METRES_PER_DEGREE_LAT = 111_320.0
_BOX_MARGIN = 1.01  # the box must never cut off a point the haversine test would keep


@dataclass(frozen=True)
class DepotOffer:
    depot_id: int
    name: str
    level: str
    locality: str
    lon: float
    lat: float
    distance_m: float
    available: int


@dataclass(frozen=True)
class TeamOffer:
    team_id: int
    name: str
    kind: str
    specialties: list[str]
    locality: str
    lon: float
    lat: float
    distance_m: float
    members: int
    target: int


@dataclass
class RadiusResult:
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    depots: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    localities: list[tuple[str, int | None]] = field(default_factory=list)
    population: int = 0
    population_incomplete: bool = False


def nearest_depots_with_item(
    session: Session, item_id: int, lon: float, lat: float, *, today: date, limit: int = 10
) -> list[DepotOffer]:
    """Active depots with usable stock of an item, nearest first; expired lots never count,
    because they cannot be issued (see ``registry.stock``)."""
    usable = (
        StockLot.quantity > 0,
        or_(StockLot.expiry_date.is_(None), StockLot.expiry_date >= today),
    )
    rows = session.execute(
        select(
            Depot.id,
            Depot.name,
            Depot.level,
            Locality.name,
            Depot.lon,
            Depot.lat,
            func.sum(StockLot.quantity),
        )
        .join(Locality, Locality.id == Depot.locality_id)
        .join(StockLot, StockLot.depot_id == Depot.id)
        .where(Depot.status == RecordStatus.ACTIVE, StockLot.item_id == item_id, *usable)
        .group_by(Depot.id, Depot.name, Depot.level, Locality.name, Depot.lon, Depot.lat)
    ).all()
    offers = [
        DepotOffer(
            depot_id=depot_id,
            name=name,
            level=level.value,
            locality=locality,
            lon=d_lon,
            lat=d_lat,
            distance_m=haversine_m(lon, lat, d_lon, d_lat),
            available=int(available),
        )
        for depot_id, name, level, locality, d_lon, d_lat, available in rows
    ]
    return sorted(offers, key=lambda o: (o.distance_m, o.depot_id))[:limit]


def allocate(offers: list[DepotOffer], quantity: int) -> tuple[list[tuple[DepotOffer, int]], int]:
    """Cover a request from the nearest depots first, so the goods travel least;
    returns the takes and the shortfall (0 when the request is met)."""
    remaining = validation.quantity(quantity)
    takes = []
    for offer in sorted(offers, key=lambda o: (o.distance_m, o.depot_id)):
        if remaining == 0:
            break
        take = min(offer.available, remaining)
        if take > 0:
            takes.append((offer, take))
            remaining -= take
    return takes, remaining


def _split_specialties(value: str) -> list[str]:
    """Teams store specialties comma-separated; compare them as a list, never as text."""
    return [s.strip() for s in value.split(",") if s.strip()]


def nearest_teams(
    session: Session,
    lon: float,
    lat: float,
    *,
    specialty: str | None = None,
    limit: int = 10,
) -> list[TeamOffer]:
    """Active teams with a known base, nearest first, optionally only one specialty;
    members are counted in the same query so a long list costs one round trip."""
    wanted = None if specialty is None else validation.choice(specialty, Specialty, "specialty")
    members = (
        select(TeamMember.team_id, func.count().label("n")).group_by(TeamMember.team_id).subquery()
    )
    rows = session.execute(
        select(Team, Locality.name, func.coalesce(members.c.n, 0))
        .join(Locality, Locality.id == Team.locality_id)
        .outerjoin(members, members.c.team_id == Team.id)
        .where(
            Team.status == RecordStatus.ACTIVE,
            Team.base_lon.is_not(None),
            Team.base_lat.is_not(None),
        )
    ).all()
    offers = [
        _team_offer(team, locality, count, lon, lat)
        for team, locality, count in rows
        if wanted is None or wanted.value in _split_specialties(team.specialties)
    ]
    return sorted(offers, key=lambda o: (o.distance_m, o.team_id))[:limit]


def _team_offer(team: Team, locality: str, members: int, lon: float, lat: float) -> TeamOffer:
    """Flatten a team row into the plain value the pages and caches handle."""
    assert team.base_lon is not None and team.base_lat is not None  # only located teams are asked
    return TeamOffer(
        team_id=team.id,
        name=team.name,
        kind=team.kind.value,
        specialties=_split_specialties(team.specialties),
        locality=locality,
        lon=team.base_lon,
        lat=team.base_lat,
        distance_m=haversine_m(lon, lat, team.base_lon, team.base_lat),
        members=int(members),
        target=team.target_headcount,
    )


def _radius_m(radius_km: float) -> float:
    """A radius the office can reason about: beyond 50 km the whole district is covered."""
    try:
        value = float(radius_km)
    except (TypeError, ValueError):
        raise ValidationError("error.not_a_number", field="radius_km", value=radius_km) from None
    if not 0 < value <= MAX_RADIUS_KM:
        raise ValidationError(
            "error.radius_range", field="radius_km", limit=f"{MAX_RADIUS_KM:g}", value=radius_km
        )
    return value * 1000.0


def _box(
    lon_col: InstrumentedAttribute[Any],
    lat_col: InstrumentedAttribute[Any],
    lon: float,
    lat: float,
    radius_m: float,
) -> tuple[Any, ...]:
    """A lat/lon box around the circle, so the database discards far rows cheaply."""
    d_lat = radius_m * _BOX_MARGIN / _METRES_PER_DEGREE_LAT
    d_lon = d_lat / math.cos(math.radians(lat))
    return (
        lon_col.between(lon - d_lon, lon + d_lon),
        lat_col.between(lat - d_lat, lat + d_lat),
    )


def _within(
    rows: Iterable[Any],
    lon: float,
    lat: float,
    radius_m: float,
    describe: Callable[[Any], dict[str, Any]],
) -> list[dict[str, Any]]:
    """Keep the rows truly within the radius (the box has corners), nearest first."""
    found = []
    for row in rows:
        distance = haversine_m(lon, lat, row.lon, row.lat)
        if distance <= radius_m:
            found.append({**describe(row), "distance_m": distance})
    return sorted(found, key=lambda d: (d["distance_m"], d["id"]))


def _checkpoints_within(
    session: Session, lon: float, lat: float, radius_m: float
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Checkpoint).where(
            Checkpoint.status == RecordStatus.ACTIVE,
            *_box(Checkpoint.lon, Checkpoint.lat, lon, lat, radius_m),
        )
    )
    return _within(
        rows,
        lon,
        lat,
        radius_m,
        lambda c: {
            "id": c.id,
            "name": c.name,
            "type": c.type.value,
            "risk_level": c.risk_level.value,
        },
    )


def _depots_within(
    session: Session, lon: float, lat: float, radius_m: float
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Depot).where(
            Depot.status == RecordStatus.ACTIVE, *_box(Depot.lon, Depot.lat, lon, lat, radius_m)
        )
    )
    return _within(
        rows, lon, lat, radius_m, lambda d: {"id": d.id, "name": d.name, "level": d.level.value}
    )


def _teams_within(
    session: Session, lon: float, lat: float, radius_m: float
) -> list[dict[str, Any]]:
    """Teams are placed by their base; a team without one cannot be within any radius."""
    rows = session.execute(
        select(
            Team.id, Team.name, Team.kind, Team.base_lon.label("lon"), Team.base_lat.label("lat")
        ).where(
            Team.status == RecordStatus.ACTIVE,
            *_box(Team.base_lon, Team.base_lat, lon, lat, radius_m),
        )
    )
    return _within(
        rows, lon, lat, radius_m, lambda t: {"id": t.id, "name": t.name, "kind": t.kind.value}
    )


def circle(lon: float, lat: float, radius_m: float) -> BaseGeometry:
    """The radius as a WGS-84 polygon, drawn in an azimuthal equidistant projection centred
    on the point, where a plain buffer is a true circle on the ground."""
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    to_wgs84 = Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    disc = Point(0.0, 0.0).buffer(radius_m, quad_segs=_CIRCLE_QUAD_SEGMENTS)
    return shapely.transform(disc, to_wgs84.transform, interleaved=False)


def _localities_touched(session: Session, area: BaseGeometry) -> list[tuple[str, int | None]]:
    """Localities whose boundary meets the circle, in official code order."""
    rows = session.execute(
        select(Locality.name, Locality.population, Locality.boundary_geojson)
        .where(Locality.boundary_geojson.is_not(None))
        .order_by(Locality.mca_code)
    ).all()
    return [
        (name, population)
        for name, population, boundary in rows
        if boundary and shape(json.loads(boundary)).intersects(area)
    ]


def within_radius(session: Session, lon: float, lat: float, radius_km: float) -> RadiusResult:
    """What lies within r km of a point in Haizhou, and how many people live in the
    localities it touches (an upper bound: whole localities are counted)."""
    radius_m = _radius_m(radius_km)
    lon, lat = validation.point_in_district(lon, lat)
    localities = _localities_touched(session, circle(lon, lat, radius_m))
    return RadiusResult(
        checkpoints=_checkpoints_within(session, lon, lat, radius_m),
        depots=_depots_within(session, lon, lat, radius_m),
        teams=_teams_within(session, lon, lat, radius_m),
        localities=localities,
        population=sum(population or 0 for _, population in localities),
        population_incomplete=any(population is None for _, population in localities),
    )
