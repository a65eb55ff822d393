"""Read-side queries that feed the pages: plain dicts and lists, cheap to cache and pickle."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.enums import RecordStatus, RectificationStatus, Role
from registry.models import Checkpoint, Depot, Item, Locality, Rectification, Team, User


def _count_by_locality(session: Session, model, *conditions) -> dict[int, int]:
    rows = session.execute(
        select(model.locality_id, func.count()).where(*conditions).group_by(model.locality_id)
    ).all()
    return dict(rows)


def locality_summary(session: Session) -> list[dict]:
    """Each locality with its codes and record counts, in official code order."""
    depots = _count_by_locality(session, Depot, Depot.status == RecordStatus.ACTIVE)
    teams = _count_by_locality(session, Team, Team.status == RecordStatus.ACTIVE)
    checkpoints = _count_by_locality(session, Checkpoint, Checkpoint.status == RecordStatus.ACTIVE)
    open_rect = _count_by_locality(
        session, Rectification, Rectification.status != RectificationStatus.CLOSED
    )
    return [
        {
            "id": loc.id,
            "name": loc.name,
            "kind": loc.kind,
            "mca_code": loc.mca_code,
            "nbs_code": loc.nbs_code,
            "population": loc.population,
            "depots": depots.get(loc.id, 0),
            "teams": teams.get(loc.id, 0),
            "checkpoints": checkpoints.get(loc.id, 0),
            "open_rectifications": open_rect.get(loc.id, 0),
            "boundary_source": loc.boundary_source,
        }
        for loc in session.scalars(select(Locality).order_by(Locality.mca_code))
    ]


def locality_features(session: Session) -> dict:
    """Locality polygons as a GeoJSON FeatureCollection for the map."""
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(loc.boundary_geojson),
            "properties": {
                "id": loc.id,
                "name": loc.name,
                "kind": loc.kind.value,
                "approximate": loc.boundary_source.value == "approximate",
            },
        }
        for loc in session.scalars(select(Locality).order_by(Locality.mca_code))
        if loc.boundary_geojson
    ]
    return {"type": "FeatureCollection", "features": features}


def depot_points(session: Session) -> list[dict]:
    """Active depots with what the map shows about them."""
    rows = session.execute(
        select(Depot, Locality.name)
        .join(Locality, Locality.id == Depot.locality_id)
        .where(Depot.status == RecordStatus.ACTIVE)
        .order_by(Depot.level, Depot.id)
    ).all()
    return [
        {
            "id": depot.id,
            "name": depot.name,
            "level": depot.level.value,
            "lat": depot.lat,
            "lon": depot.lon,
            "locality": locality_name,
            "is_demo": depot.is_demo,
        }
        for depot, locality_name in rows
    ]


def has_demo_records(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Depot).where(Depot.is_demo)))


def demo_users(session: Session) -> list[tuple[str, Role]]:
    rows = session.execute(
        select(User.username, User.role).where(User.is_demo).order_by(User.id)
    ).all()
    return [(name, role) for name, role in rows]


def locality_names(session: Session, ids) -> list[str]:
    return list(
        session.scalars(select(Locality.name).where(Locality.id.in_(ids)).order_by(Locality.id))
    )


def locality_choices(session: Session) -> dict[int, str]:
    return dict(
        session.execute(select(Locality.id, Locality.name).order_by(Locality.mca_code)).all()
    )


def item_choices(session: Session) -> dict[int, str]:
    """Item id → "name (unit)", in catalogue code order."""
    return {
        item_id: f"{name}（{unit}）"
        for item_id, name, unit in session.execute(
            select(Item.id, Item.name, Item.unit).order_by(Item.code)
        )
    }
