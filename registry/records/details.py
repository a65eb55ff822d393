"""What the details panel shows for one depot, team or checkpoint, as plain dicts.

Phone numbers are masked for roles that do not act on them (see ``registry.masking``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from registry.kernel.masking import phone_for
from registry.kernel.models import (
    Checkpoint,
    Depot,
    Inspection,
    Item,
    Rectification,
    StockLot,
    Team,
    TeamMember,
)
from registry.kernel.permissions import Actor
from registry.records.stockview import quota_lines

TRAINING_CURRENCY_DAYS = 365
RECENT_INSPECTIONS = 5


class InspectionLine(TypedDict):
    date: date
    result: str
    inspector: str
    findings: str | None


class StockLine(TypedDict):
    item: str
    code: str
    unit: str
    usable: int
    expiring: int
    expired: int
    minimum: int | None
    maximum: int | None
    below_quota: bool


class DepotDetail(TypedDict):
    kind: Literal["depot"]
    id: int
    name: str
    level: str
    locality: str
    address: str | None
    manager: str | None
    manager_phone: str | None
    floor_area_m2: float | None
    reserve_mode: str
    last_confirmed_at: datetime | None
    is_demo: bool
    version: int
    lines: list[StockLine]
    last_inspection: InspectionLine | None


class TeamDetail(TypedDict):
    kind: Literal["team"]
    id: int
    name: str
    team_kind: str
    staffing: str
    specialties: list[str]
    locality: str
    members: int
    target: int
    trained: int
    leader: str | None
    leader_phone: str | None
    equipment: str | None
    last_drill_on: date | None
    last_confirmed_at: datetime | None
    is_demo: bool
    version: int
    last_inspection: InspectionLine | None


class RectificationLine(TypedDict):
    id: int
    description: str
    status: str
    risk_level: str
    found_on: date
    deadline: date
    overdue: bool
    responsible_person: str | None


class CheckpointDetail(TypedDict):
    kind: Literal["checkpoint"]
    id: int
    name: str
    type: str
    risk_level: str
    locality: str
    address: str | None
    responsible_person: str | None
    responsible_phone: str | None
    monitor: str | None
    monitor_phone: str | None
    is_demo: bool
    version: int
    inspections: list[InspectionLine]
    rectifications: list[RectificationLine]


def _last_inspection(
    session: Session, column: InstrumentedAttribute[int | None], record_id: int
) -> InspectionLine | None:
    inspection = session.scalars(
        select(Inspection)
        .where(column == record_id)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
        .limit(1)
    ).first()
    if inspection is None:
        return None
    return {
        "date": inspection.inspected_on,
        "result": inspection.result.value,
        "inspector": inspection.inspector,
        "findings": inspection.findings,
    }


def _empty_line(item: Item) -> StockLine:
    return {
        "item": item.name,
        "code": item.code,
        "unit": item.unit,
        "usable": 0,
        "expiring": 0,
        "expired": 0,
        "minimum": None,
        "maximum": None,
        "below_quota": False,
    }


def depot_detail(
    session: Session, actor: Actor, depot_id: int, *, today: date, warning_days: int
) -> DepotDetail | None:
    """Stock lines with their flags, the manager, and the last inspection."""
    depot = session.get(Depot, depot_id)
    if depot is None:
        return None
    quotas = {item: bounds for (d, item), bounds in quota_lines(session, [depot.id]).items()}
    lines: dict[int, StockLine] = {}
    lots = session.execute(
        select(StockLot, Item)
        .join(Item, Item.id == StockLot.item_id)
        .where(StockLot.depot_id == depot.id, StockLot.quantity > 0)
        .order_by(Item.code, StockLot.expiry_date)
    ).all()
    soon = today + timedelta(days=warning_days)
    for lot, item in lots:
        line = lines.setdefault(item.id, _empty_line(item))
        if lot.expiry_date is not None and lot.expiry_date < today:
            line["expired"] += lot.quantity
            continue
        line["usable"] += lot.quantity
        if lot.expiry_date is not None and lot.expiry_date <= soon:
            line["expiring"] += lot.quantity
    for item_id, (minimum, maximum) in quotas.items():
        if item_id not in lines:
            lines[item_id] = _empty_line(session.get_one(Item, item_id))
        lines[item_id]["minimum"] = minimum
        lines[item_id]["maximum"] = maximum
    for line in lines.values():
        line["below_quota"] = line["minimum"] is not None and line["usable"] < line["minimum"]
    return {
        "kind": "depot",
        "id": depot.id,
        "name": depot.name,
        "level": depot.level.value,
        "locality": depot.locality.name,
        "address": depot.address,
        "manager": depot.manager,
        "manager_phone": phone_for(actor, depot.manager_phone),
        "floor_area_m2": depot.floor_area_m2,
        "reserve_mode": depot.reserve_mode.value,
        "last_confirmed_at": depot.last_confirmed_at,
        "is_demo": depot.is_demo,
        "version": depot.version,
        "lines": sorted(lines.values(), key=lambda line: line["code"]),
        "last_inspection": _last_inspection(session, Inspection.depot_id, depot.id),
    }


def team_detail(session: Session, actor: Actor, team_id: int, *, today: date) -> TeamDetail | None:
    """Strength against target, training currency and the leader."""
    team = session.get(Team, team_id)
    if team is None:
        return None
    cutoff = today - timedelta(days=TRAINING_CURRENCY_DAYS)
    members = session.scalar(select(func.count()).where(TeamMember.team_id == team.id)) or 0
    trained = (
        session.scalar(
            select(func.count()).where(
                TeamMember.team_id == team.id, TeamMember.last_training_on >= cutoff
            )
        )
        or 0
    )
    return {
        "kind": "team",
        "id": team.id,
        "name": team.name,
        "team_kind": team.kind.value,
        "staffing": team.staffing.value,
        "specialties": [s for s in team.specialties.split(",") if s],
        "locality": team.locality.name,
        "members": members,
        "target": team.target_headcount,
        "trained": trained,
        "leader": team.leader,
        "leader_phone": phone_for(actor, team.leader_phone),
        "equipment": team.equipment,
        "last_drill_on": team.last_drill_on,
        "last_confirmed_at": team.last_confirmed_at,
        "is_demo": team.is_demo,
        "version": team.version,
        "last_inspection": _last_inspection(session, Inspection.team_id, team.id),
    }


def checkpoint_detail(
    session: Session, actor: Actor, checkpoint_id: int, *, today: date
) -> CheckpointDetail | None:
    """Responsible person, monitor, recent inspections and every rectification."""
    checkpoint = session.get(Checkpoint, checkpoint_id)
    if checkpoint is None:
        return None
    inspections = session.scalars(
        select(Inspection)
        .where(Inspection.checkpoint_id == checkpoint.id)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
        .limit(RECENT_INSPECTIONS)
    ).all()
    rectifications = session.scalars(
        select(Rectification)
        .where(Rectification.checkpoint_id == checkpoint.id)
        .order_by(Rectification.found_on.desc())
    ).all()
    return {
        "kind": "checkpoint",
        "id": checkpoint.id,
        "name": checkpoint.name,
        "type": checkpoint.type.value,
        "risk_level": checkpoint.risk_level.value,
        "locality": checkpoint.locality.name,
        "address": checkpoint.address,
        "responsible_person": checkpoint.responsible_person,
        "responsible_phone": phone_for(actor, checkpoint.responsible_phone),
        "monitor": checkpoint.monitor,
        "monitor_phone": phone_for(actor, checkpoint.monitor_phone),
        "is_demo": checkpoint.is_demo,
        "version": checkpoint.version,
        "inspections": [
            {
                "date": i.inspected_on,
                "result": i.result.value,
                "inspector": i.inspector,
                "findings": i.findings,
            }
            for i in inspections
        ],
        "rectifications": [
            {
                "id": r.id,
                "description": r.description,
                "status": r.status.value,
                "risk_level": r.risk_level.value,
                "found_on": r.found_on,
                "deadline": r.deadline,
                "overdue": r.status.value != "closed" and r.deadline < today,
                "responsible_person": r.responsible_person,
            }
            for r in rectifications
        ],
    }
