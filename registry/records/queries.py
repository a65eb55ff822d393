"""Read-side queries that feed the pages: plain dicts and lists, cheap to cache and pickle."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from registry.kernel import purpose
from registry.kernel.enums import (
    BoundarySource,
    DepotLevel,
    LocalityKind,
    RecordStatus,
    RectificationStatus,
    Role,
)
from registry.kernel.masking import phone_for
from registry.kernel.models import (
    Checkpoint,
    Depot,
    Item,
    Locality,
    Rectification,
    Team,
    TeamMember,
    User,
)
from registry.kernel.permissions import Action, Actor


class LocalitySummary(TypedDict):
    id: int
    name: str
    kind: LocalityKind
    mca_code: str | None
    nbs_code: str
    population: int | None
    depots: int
    teams: int
    checkpoints: int
    open_rectifications: int
    boundary_source: BoundarySource


class DepotChoice(TypedDict):
    id: int
    name: str
    level: str
    locality_id: int
    locality: str
    writable: bool


class TeamChoice(TypedDict):
    id: int
    name: str
    locality: str
    locality_id: int
    writable: bool


class MemberRow(TypedDict):
    id: int
    name: str
    age_band: str | None
    skills: str | None
    phone: str | None
    last_training_on: date | None
    version: int
    is_demo: bool


class CheckpointRow(TypedDict):
    id: int
    name: str
    type: str
    risk_level: str
    locality: str
    locality_id: int
    lon: float
    lat: float
    address: str | None
    responsible_person: str | None
    responsible_phone: str | None
    monitor: str | None
    monitor_phone: str | None
    version: int
    writable: bool


def _count_by_locality(
    session: Session,
    model: type[Depot | Team | Checkpoint | Rectification],
    *conditions: ColumnElement[bool],
) -> dict[int, int]:
    rows = session.execute(
        select(model.locality_id, func.count()).where(*conditions).group_by(model.locality_id)
    ).all()
    return {locality_id: count for locality_id, count in rows}


def locality_summary(session: Session) -> list[LocalitySummary]:
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


def locality_features(session: Session) -> dict[str, Any]:
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


def has_demo_records(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Depot).where(Depot.is_demo)))


def demo_users(session: Session) -> list[tuple[str, Role]]:
    """The demo accounts, listed on the sign-in page only in a database marked demo."""
    if purpose.current(session) != purpose.DEMO:
        return []
    rows = session.execute(
        select(User.username, User.role).where(User.is_demo).order_by(User.id)
    ).all()
    return [(name, role) for name, role in rows]


def locality_names(session: Session, ids: Iterable[int]) -> list[str]:
    return list(
        session.scalars(select(Locality.name).where(Locality.id.in_(ids)).order_by(Locality.id))
    )


def locality_choices(session: Session) -> dict[int, str]:
    rows = session.execute(select(Locality.id, Locality.name).order_by(Locality.mca_code)).all()
    return {locality_id: name for locality_id, name in rows}


def item_choices(session: Session) -> dict[int, str]:
    """Item id → "name (unit)", in catalogue code order."""
    return {
        item_id: f"{name}（{unit}）"
        for item_id, name, unit in session.execute(
            select(Item.id, Item.name, Item.unit).order_by(Item.code)
        )
    }


def depots_for(session: Session, actor: Actor) -> list[DepotChoice]:
    """Active depots the actor may see, each flagged with whether the actor may write it."""
    rows = session.execute(
        select(Depot.id, Depot.name, Depot.level, Depot.locality_id, Locality.name)
        .join(Locality, Locality.id == Depot.locality_id)
        .where(Depot.status == RecordStatus.ACTIVE)
        .order_by(Depot.level, Locality.mca_code, Depot.name)
    ).all()
    result: list[DepotChoice] = []
    for depot_id, name, level, locality_id, locality in rows:
        writable = (
            actor.can(Action.EDIT_DISTRICT_DEPOTS)
            if level is DepotLevel.DISTRICT
            else actor.keeps_records_of(locality_id)
        )
        result.append(
            {
                "id": depot_id,
                "name": name,
                "level": level.value,
                "locality_id": locality_id,
                "locality": locality,
                "writable": writable,
            }
        )
    return result


def teams_for(session: Session, actor: Actor) -> list[TeamChoice]:
    """Active teams, each flagged with whether the actor may change it."""
    rows = session.execute(
        select(Team, Locality.name)
        .join(Locality, Locality.id == Team.locality_id)
        .where(Team.status == RecordStatus.ACTIVE)
        .order_by(Locality.mca_code, Team.name)
    ).all()
    return [
        {
            "id": team.id,
            "name": team.name,
            "locality": locality,
            "locality_id": team.locality_id,
            "writable": actor.keeps_records_of(team.locality_id),
        }
        for team, locality in rows
    ]


def team_members(session: Session, actor: Actor, team_id: int) -> list[MemberRow]:
    """The census of one team; phone numbers masked for roles that don't need them."""
    return [
        {
            "id": m.id,
            "name": m.name,
            "age_band": m.age_band,
            "skills": m.skills,
            "phone": phone_for(actor, m.phone),
            "last_training_on": m.last_training_on,
            "version": m.version,
            "is_demo": m.is_demo,
        }
        for m in session.scalars(
            select(TeamMember).where(TeamMember.team_id == team_id).order_by(TeamMember.id)
        )
    ]


def checkpoints_for(
    session: Session, actor: Actor, locality_id: int | None = None
) -> list[CheckpointRow]:
    """Active checkpoints (of one locality when given), flagged writable for the actor."""
    query = (
        select(Checkpoint, Locality.name)
        .join(Locality, Locality.id == Checkpoint.locality_id)
        .where(Checkpoint.status == RecordStatus.ACTIVE)
        .order_by(Locality.mca_code, Checkpoint.name)
    )
    if locality_id is not None:
        query = query.where(Checkpoint.locality_id == locality_id)
    return [
        {
            "id": cp.id,
            "name": cp.name,
            "type": cp.type.value,
            "risk_level": cp.risk_level.value,
            "locality": locality,
            "locality_id": cp.locality_id,
            "lon": cp.lon,
            "lat": cp.lat,
            "address": cp.address,
            "responsible_person": cp.responsible_person,
            "responsible_phone": phone_for(actor, cp.responsible_phone),
            "monitor": cp.monitor,
            "monitor_phone": phone_for(actor, cp.monitor_phone),
            "version": cp.version,
            "writable": actor.keeps_records_of(cp.locality_id),
        }
        for cp, locality in session.execute(query)
    ]
