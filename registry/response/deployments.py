"""Teams for an event (调度 · 队伍): the nearest suitable teams, deploying one to a locality or
a task with a head-count, and its status 待命 → 出动 → 到达 → 撤离. A team is busy from its
deployment until it has withdrawn, in any event: it cannot be sent twice at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.kernel import audit, editing, validation
from registry.kernel.enums import AuditAction, AuditEntity, DeploymentStatus, RecordStatus
from registry.kernel.errors import ValidationError
from registry.kernel.models import Deployment, Locality, ResponseTask, Team, TeamMember
from registry.kernel.permissions import Action, Actor, require
from registry.places import nearest
from registry.response import timeline
from registry.response.dispatch import affected_localities, centre, load_event

NEXT: dict[DeploymentStatus, frozenset[DeploymentStatus]] = {
    DeploymentStatus.STANDBY: frozenset({DeploymentStatus.DISPATCHED, DeploymentStatus.WITHDRAWN}),
    DeploymentStatus.DISPATCHED: frozenset({DeploymentStatus.ARRIVED, DeploymentStatus.WITHDRAWN}),
    DeploymentStatus.ARRIVED: frozenset({DeploymentStatus.WITHDRAWN}),
    DeploymentStatus.WITHDRAWN: frozenset(),
}  # a team may be stood down before it arrives; withdrawn is final
STAMP = {
    DeploymentStatus.DISPATCHED: "dispatched_at",
    DeploymentStatus.ARRIVED: "arrived_at",
    DeploymentStatus.WITHDRAWN: "withdrawn_at",
}


def strength(members: int, target_headcount: int) -> int:
    """How many a team can send: its registered members, or its target size when its
    census is empty."""
    return members if members > 0 else target_headcount


def busy_team_ids(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(Deployment.team_id).where(Deployment.status != DeploymentStatus.WITHDRAWN)
        )
    )


@dataclass(frozen=True)
class TeamSuggestion:
    team_id: int
    name: str
    locality: str
    specialties: list[str]
    distance_m: float
    strength: int


def suggest_teams(
    session: Session, event_id: int, specialty: str | None = None, limit: int = 10
) -> list[TeamSuggestion]:
    """Active teams not deployed elsewhere, nearest the event's area first (optionally of
    one specialty), with the strength they can send."""
    event = load_event(session, event_id)
    point = centre(session, event)
    if point is None:
        return []
    busy = busy_team_ids(session)
    offers = nearest.nearest_teams(session, point[0], point[1], specialty=specialty, limit=10_000)
    free = [o for o in offers if o.team_id not in busy]
    return [
        TeamSuggestion(
            o.team_id,
            o.name,
            o.locality,
            o.specialties,
            o.distance_m,
            strength(o.members, o.target),
        )
        for o in free[:limit]
    ]


def _task(session: Session, event_id: int, task_id: int | None) -> ResponseTask | None:
    if task_id is None:
        return None
    task = session.get(ResponseTask, task_id)
    if task is None or task.event_id != event_id:
        raise ValidationError("error.deploy_task_unknown", field="deploy_task", id=task_id)
    return task


def deploy(
    session: Session,
    actor: Actor,
    event_id: int,
    team_id: int,
    locality_id: int | None,
    head_count: Any,
    task_id: int | None = None,
    *,
    now: datetime,
) -> Deployment:
    """派出: send a free team to an affected locality (or a task of the event, whose locality it
    takes) with at most its strength."""
    require(actor, Action.MANAGE_RESPONSE)
    event = load_event(session, event_id, open_only=True)
    team = editing.load(session, Team, team_id, AuditEntity.TEAM)  # locked: one deploy at a time
    if team.status is not RecordStatus.ACTIVE:
        raise ValidationError("error.retired", field="deploy_team", name=team.name)
    if team.id in busy_team_ids(session):
        raise ValidationError("error.team_busy", field="deploy_team", name=team.name)
    task = _task(session, event.id, task_id)
    if task is not None:
        if locality_id is not None and locality_id != task.locality_id:
            raise ValidationError("error.deploy_task_elsewhere", field="locality")
        locality_id = task.locality_id
    affected = {loc.id: loc for loc in affected_localities(session, event)}
    if locality_id not in affected:
        raise ValidationError("error.deploy_locality_outside", field="locality")
    count = validation.quantity(head_count, "head_count")
    members = session.scalar(
        select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team.id)
    )
    most = strength(members or 0, team.target_headcount)
    if count > most:
        raise ValidationError(
            "error.head_count_above_strength", field="head_count", name=team.name, strength=most
        )
    deployment = Deployment(
        event_id=event.id,
        team_id=team.id,
        locality_id=locality_id,
        task_id=task_id,
        head_count=count,
        created_at=now,
        is_demo=event.is_demo,
    )
    editing.create(session, actor, deployment, AuditEntity.DEPLOYMENT, locality_id)
    timeline.log(
        session,
        event.id,
        actor,
        "team_deployed",
        now,
        team=team.name,
        locality=affected[locality_id].name,
        head_count=count,
    )
    return deployment


def advance(
    session: Session,
    actor: Actor,
    deployment_id: int,
    expected_version: int,
    status: Any,
    *,
    now: datetime,
) -> Deployment:
    """Move a deployment one step on (出动, 到达) or stand it down (撤离), stamping the time."""
    require(actor, Action.MANAGE_RESPONSE)
    deployment = editing.load(session, Deployment, deployment_id, AuditEntity.DEPLOYMENT)
    wanted = validation.choice(status, DeploymentStatus, "status")
    editing.check_version(session, deployment, AuditEntity.DEPLOYMENT, expected_version)
    if wanted not in NEXT[deployment.status]:
        raise ValidationError(
            "error.deployment_step", field="status", current=deployment.status, wanted=wanted
        )
    before = audit.snapshot(deployment)
    deployment.status = wanted
    setattr(deployment, STAMP[wanted], now)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.DEPLOYMENT_ADVANCED,
        AuditEntity.DEPLOYMENT,
        deployment.id,
        locality_id=deployment.locality_id,
        before=before,
        after=audit.snapshot(deployment),
    )
    team = session.get_one(Team, deployment.team_id)
    timeline.log(
        session,
        deployment.event_id,
        actor,
        f"team_{wanted.value}",
        now,
        team=team.name,
        head_count=deployment.head_count,
    )
    return deployment


@dataclass(frozen=True)
class DeploymentView:
    id: int
    team: str
    locality: str
    task_id: int | None
    status: DeploymentStatus
    head_count: int
    created_at: datetime
    dispatched_at: datetime | None
    arrived_at: datetime | None
    withdrawn_at: datetime | None
    version: int


def deployments(session: Session, event_id: int) -> list[DeploymentView]:
    """The event's deployments, those still out first, then by when they were made."""
    rows = session.execute(
        select(Deployment, Team.name, Locality.name)
        .join(Team, Team.id == Deployment.team_id)
        .join(Locality, Locality.id == Deployment.locality_id)
        .where(Deployment.event_id == event_id)
        .order_by(Deployment.status == DeploymentStatus.WITHDRAWN, Deployment.id)
    )
    return [
        DeploymentView(
            d.id,
            team,
            place,
            d.task_id,
            d.status,
            d.head_count,
            d.created_at,
            d.dispatched_at,
            d.arrived_at,
            d.withdrawn_at,
            d.version,
        )
        for d, team, place in rows
    ]
