"""Locality indicators the office colours the map by. Each is a plain number per locality
(None when it cannot be computed), so the colouring and the table use the same figures."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from functools import cache

from pyproj import Geod
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.kernel.enums import RecordStatus, RectificationStatus
from registry.kernel.models import Checkpoint, Depot, Locality, Rectification, Team, TeamMember
from registry.records.stockview import quota_lines, usable_stock

INDICATORS = (
    "stock_coverage",
    "open_rectifications",
    "overdue_rectifications",
    "checkpoint_density",
    "team_strength",
)
_GEOD = Geod(ellps="WGS84")


@cache
def _area_km2(boundary_geojson: str) -> float:
    return abs(_GEOD.geometry_area_perimeter(shape(json.loads(boundary_geojson)))[0]) / 1e6


def _stock_coverage(session: Session, today: date) -> dict[int, float]:
    """Share of quota lines (depot × item) whose usable stock reaches the minimum."""
    depots = dict(
        session.execute(
            select(Depot.id, Depot.locality_id).where(Depot.status == RecordStatus.ACTIVE)
        ).all()
    )
    stock = usable_stock(session, today, list(depots))
    met: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (depot_id, item_id), (minimum, _) in quota_lines(session, list(depots)).items():
        tally = met[depots[depot_id]]
        tally[0] += stock.get((depot_id, item_id), 0) >= minimum
        tally[1] += 1
    return {loc: ok / total for loc, (ok, total) in met.items() if total}


def _rectifications(session: Session, today: date) -> tuple[dict[int, int], dict[int, int]]:
    open_rows = (
        select(Rectification.locality_id, func.count())
        .where(Rectification.status != RectificationStatus.CLOSED)
        .group_by(Rectification.locality_id)
    )
    overdue_rows = open_rows.where(Rectification.deadline < today)
    opened = {loc: count for loc, count in session.execute(open_rows)}
    return opened, {loc: count for loc, count in session.execute(overdue_rows)}


def _team_strength(session: Session) -> dict[int, float]:
    """Members on the roll against target headcount, over a locality's active teams."""
    members = dict(
        session.execute(select(TeamMember.team_id, func.count()).group_by(TeamMember.team_id)).all()
    )
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for team_id, locality_id, target in session.execute(
        select(Team.id, Team.locality_id, Team.target_headcount).where(
            Team.status == RecordStatus.ACTIVE
        )
    ):
        totals[locality_id][0] += min(members.get(team_id, 0), target)
        totals[locality_id][1] += target
    return {loc: have / want for loc, (have, want) in totals.items() if want}


def locality_indicators(session: Session, today: date) -> dict[int, dict[str, float | None]]:
    """Every indicator for every locality."""
    coverage = _stock_coverage(session, today)
    opened, overdue = _rectifications(session, today)
    strength = _team_strength(session)
    checkpoints = dict(
        session.execute(
            select(Checkpoint.locality_id, func.count())
            .where(Checkpoint.status == RecordStatus.ACTIVE)
            .group_by(Checkpoint.locality_id)
        ).all()
    )
    result = {}
    for locality_id, boundary in session.execute(select(Locality.id, Locality.boundary_geojson)):
        area = _area_km2(boundary) if boundary else None
        result[locality_id] = {
            "stock_coverage": coverage.get(locality_id),
            "open_rectifications": opened.get(locality_id, 0),
            "overdue_rectifications": overdue.get(locality_id, 0),
            "checkpoint_density": checkpoints.get(locality_id, 0) / area if area else None,
            "team_strength": strength.get(locality_id),
        }
    return result
