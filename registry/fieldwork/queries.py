"""What the inspection and rectification pages read: targets to inspect, recent inspections,
rectification lists with overdue days, and one rectification's whole history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.fieldwork import inspections, rectifications
from registry.kernel import attachments, deadlines
from registry.kernel.enums import (
    AttachmentOwner,
    CheckpointType,
    InspectionTarget,
    RecordStatus,
    RiskLevel,
)
from registry.kernel.enums import RectificationStatus as S
from registry.kernel.errors import PermissionDenied
from registry.kernel.models import (
    Checkpoint,
    Depot,
    Inspection,
    Locality,
    Rectification,
    RectificationStep,
    Team,
    User,
)
from registry.kernel.permissions import Actor

TARGET_NAME = {
    InspectionTarget.DEPOT: Depot.name,
    InspectionTarget.CHECKPOINT: Checkpoint.name,
    InspectionTarget.TEAM: Team.name,
}


class TargetRow(TypedDict):
    """A record the actor may inspect."""

    kind: str
    id: int
    name: str
    locality_id: int
    locality: str
    checkpoint_type: CheckpointType | None
    risk_level: RiskLevel | None
    responsible: str | None
    lon: float | None
    lat: float | None
    last_inspected_on: date | None


class InspectionRow(TypedDict):
    id: int
    inspected_on: date
    kind: str
    target: str
    locality: str
    inspector: str
    result: str
    findings: str | None
    photos: list[dict[str, Any]]


class RectificationRow(TypedDict):
    id: int
    version: int
    kind: str
    target: str
    locality_id: int
    locality: str
    description: str
    risk_level: str
    status: str
    found_on: date
    deadline: date
    overdue: bool
    days_overdue: int
    responsible_person: str | None
    plan_text: str | None
    signed_off: bool
    closed_on: date | None
    actions: list[str]


class StepLine(TypedDict):
    id: int
    action: str | None
    from_status: str | None
    to_status: str
    actor: str
    at: datetime
    note: str | None
    evidence: str | None
    photos: list[dict[str, Any]]


class RectificationDetail(RectificationRow):
    signed_off_by: str | None
    signed_off_at: datetime | None
    inspection_photos: list[dict[str, Any]]
    steps: list[StepLine]


Inspected = Inspection | Rectification  # both name their target by one of three keys


def inspection_targets(
    session: Session, actor: Actor, kind: InspectionTarget, locality_id: int | None
) -> list[TargetRow]:
    """Active records of one kind (in one locality when given) that the actor may inspect,
    with their location and when they were last inspected."""
    model = inspections.MODELS[kind]
    last = (
        select(func.max(Inspection.inspected_on))
        .where(getattr(Inspection, f"{kind.value}_id") == model.id)
        .scalar_subquery()
    )
    query = (
        select(model, Locality.name, last)
        .join(Locality, Locality.id == model.locality_id)
        .where(model.status == RecordStatus.ACTIVE)
        .order_by(Locality.mca_code, model.name)
    )
    if locality_id is not None:
        query = query.where(model.locality_id == locality_id)
    rows: list[TargetRow] = []
    for found, locality, last_on in session.execute(query):
        record = cast("Depot | Checkpoint | Team", found)  # select() widens the union to Base
        target = inspections.Target(kind, record)
        try:
            inspections.require_inspect(actor, target)
        except PermissionDenied:
            continue
        lon, lat = (
            (record.base_lon, record.base_lat)
            if isinstance(record, Team)
            else (record.lon, record.lat)
        )
        rows.append(
            {
                "kind": kind.value,
                "id": record.id,
                "name": record.name,
                "locality_id": record.locality_id,
                "locality": locality,
                "checkpoint_type": target.checkpoint_type,
                "risk_level": target.risk_level,
                "responsible": target.responsible,
                "lon": lon,
                "lat": lat,
                "last_inspected_on": last_on,
            }
        )
    return rows


def recent_inspections(
    session: Session, locality_ids: Iterable[int] | None, limit: int = 50
) -> list[InspectionRow]:
    """The latest inspections (of some localities, or all when None), with photo counts."""
    query = (
        select(Inspection, Locality.name)
        .join(Locality, Locality.id == Inspection.locality_id)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
        .limit(limit)
    )
    if locality_ids is not None:
        query = query.where(Inspection.locality_id.in_(list(locality_ids)))
    rows = session.execute(query).all()
    photos = attachments.listing(
        session, AttachmentOwner.INSPECTION, [inspection.id for inspection, _ in rows]
    )
    names = _target_names(session, [inspection for inspection, _ in rows])
    return [
        {
            "id": i.id,
            "inspected_on": i.inspected_on,
            "kind": i.target_kind.value,
            "target": names.get((i.target_kind, _target_id(i)), ""),
            "locality": locality,
            "inspector": i.inspector,
            "result": i.result.value,
            "findings": i.findings,
            "photos": photos.get(i.id, []),
        }
        for i, locality in rows
    ]


def _target_id(record: Inspected) -> int | None:
    """The inspected record's id; None when the record names no target."""
    return record.depot_id or record.checkpoint_id or record.team_id


def _target_kind(record: Inspected) -> InspectionTarget:
    if record.depot_id:
        return InspectionTarget.DEPOT
    return InspectionTarget.CHECKPOINT if record.checkpoint_id else InspectionTarget.TEAM


def _target_names(
    session: Session, records: Iterable[Inspected]
) -> dict[tuple[InspectionTarget, int | None], str]:
    """Names of the records inspected or rectified, one query per kind."""
    wanted: dict[InspectionTarget, set[int | None]] = {}
    for record in records:
        wanted.setdefault(_target_kind(record), set()).add(_target_id(record))
    names: dict[tuple[InspectionTarget, int | None], str] = {}
    for kind, ids in wanted.items():
        model = inspections.MODELS[kind]
        for record_id, name in session.execute(
            select(model.id, model.name).where(model.id.in_(ids))
        ):
            names[kind, record_id] = name
    return names


@dataclass(frozen=True)
class RectificationFilter:
    locality_ids: frozenset[int] | None = None
    statuses: frozenset[S] = frozenset(rectifications.OPEN)
    risk_levels: frozenset[RiskLevel] | None = None
    overdue_only: bool = False


def list_rectifications(
    session: Session, actor: Actor, filters: RectificationFilter, *, today: date
) -> list[RectificationRow]:
    """Rectifications matching the filter, the most overdue first."""
    query = select(Rectification, Locality.name).join(
        Locality, Locality.id == Rectification.locality_id
    )
    if filters.locality_ids is not None:
        query = query.where(Rectification.locality_id.in_(filters.locality_ids))
    if filters.statuses:
        query = query.where(Rectification.status.in_(filters.statuses))
    if filters.risk_levels:
        query = query.where(Rectification.risk_level.in_(filters.risk_levels))
    if filters.overdue_only:
        query = query.where(Rectification.status != S.CLOSED, Rectification.deadline < today)
    rows = session.execute(query.order_by(Rectification.deadline, Rectification.id)).all()
    names = _target_names(session, [rect for rect, _ in rows])
    return [_row(session, actor, rect, locality, names, today) for rect, locality in rows]


def _row(
    session: Session,
    actor: Actor,
    rect: Rectification,
    locality: str,
    names: dict[tuple[InspectionTarget, int | None], str],
    today: date,
) -> RectificationRow:
    is_open = rect.status is not S.CLOSED
    kind = _target_kind(rect)
    return {
        "id": rect.id,
        "version": rect.version,
        "kind": kind.value,
        "target": names.get((kind, _target_id(rect)), ""),
        "locality_id": rect.locality_id,
        "locality": locality,
        "description": rect.description,
        "risk_level": rect.risk_level.value,
        "status": rect.status.value,
        "found_on": rect.found_on,
        "deadline": rect.deadline,
        "overdue": is_open and deadlines.is_overdue(rect.deadline, today),
        "days_overdue": max(0, (today - rect.deadline).days) if is_open else 0,
        "responsible_person": rect.responsible_person,
        "plan_text": rect.plan_text,
        "signed_off": rect.signed_off_by is not None,
        "closed_on": rect.closed_on,
        "actions": rectifications.allowed_actions(session, actor, rect),
    }


def rectification_detail(
    session: Session, actor: Actor, rect_id: int, *, today: date
) -> RectificationDetail | None:
    """One rectification with its steps (who, when, note, evidence, photos) and the photos of
    the inspection that found it."""
    rect = session.get(Rectification, rect_id)
    if rect is None:
        return None
    locality = session.get_one(Locality, rect.locality_id).name
    row = _row(session, actor, rect, locality, _target_names(session, [rect]), today)
    steps = session.execute(
        select(RectificationStep, User.display_name)
        .outerjoin(User, User.id == RectificationStep.actor_id)
        .where(RectificationStep.rectification_id == rect.id)
        .order_by(RectificationStep.at, RectificationStep.id)
    ).all()
    photos = attachments.listing(
        session, AttachmentOwner.RECTIFICATION_STEP, [step.id for step, _ in steps]
    )
    signer = session.get(User, rect.signed_off_by) if rect.signed_off_by else None
    inspection_photos = (
        attachments.listing(session, AttachmentOwner.INSPECTION, [rect.inspection_id]).get(
            rect.inspection_id, []
        )
        if rect.inspection_id
        else []
    )
    return {
        **row,
        "signed_off_by": signer.display_name if signer else None,
        "signed_off_at": rect.signed_off_at,
        "inspection_photos": inspection_photos,
        "steps": [
            {
                "id": step.id,
                "action": step.action,
                "from_status": step.from_status,
                "to_status": step.to_status,
                "actor": name or "",
                "at": step.at,
                "note": step.note,
                "evidence": step.evidence,
                "photos": photos.get(step.id, []),
            }
            for step, name in steps
        ],
    }
