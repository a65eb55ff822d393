"""The office map's records, filtered: depots, teams and checkpoints as plain dicts.

One filter object drives both the map and the table beneath it, so they always show the
same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from registry.kernel.audit import WHOLE_DATABASE
from registry.kernel.enums import AuditEntity as E
from registry.kernel.enums import RecordStatus, RectificationStatus
from registry.kernel.models import Checkpoint, Depot, Locality, Rectification, Team, TeamMember
from registry.records.stockview import depot_flags, usable_stock

TRAINING_CURRENCY_DAYS = 365
RECTIFICATION_FILTERS = ("any", "open", "overdue", "none")


# What each layer reads, by the audit entity of the writes that change it: a layer is read
# again only after one of these (``audit.versions``), not after every write.
DEPOT_READS = WHOLE_DATABASE | {E.DEPOT, E.STOCK_LOT, E.QUOTA, E.ITEM, E.INSPECTION, E.DISPATCH,
                                E.REPLENISHMENT, E.IMPORT}  # fmt: skip
TEAM_READS = WHOLE_DATABASE | {E.TEAM, E.TEAM_MEMBER, E.DEPLOYMENT, E.INSPECTION, E.IMPORT}
CHECKPOINT_READS = WHOLE_DATABASE | {E.CHECKPOINT, E.INSPECTION, E.RECTIFICATION, E.CAMPAIGN,
                                     E.REVIEW, E.IMPORT}  # fmt: skip
RECORD_READS = DEPOT_READS | TEAM_READS | CHECKPOINT_READS
"""The three layers together: the locality indicators and counts read all of them."""


@dataclass(frozen=True)
class MapFilter:
    """Empty tuples mean "all"; ``item_id`` keeps only depots holding usable stock of it."""

    locality_ids: tuple[int, ...] = ()
    checkpoint_types: tuple[str, ...] = ()
    risk_levels: tuple[str, ...] = ()
    rectification: str = "any"
    item_id: int | None = None


class DepotPoint(TypedDict):
    key: str
    id: int
    name: str
    level: str
    locality: str
    lon: float
    lat: float
    manager: str | None
    below_quota: int
    expiring_lots: int
    expired_lots: int
    item_quantity: int | None
    is_demo: bool


class TeamPoint(TypedDict):
    key: str
    id: int
    name: str
    kind: str
    staffing: str
    specialties: str
    locality: str
    lon: float | None
    lat: float | None
    members: int
    target: int
    trained: int
    leader: str | None
    is_demo: bool


class CheckpointPoint(TypedDict):
    key: str
    id: int
    name: str
    type: str
    risk_level: str
    locality: str
    lon: float
    lat: float
    responsible_person: str | None
    open_rectifications: int
    overdue_rectifications: int
    is_demo: bool


def _in_localities(column: InstrumentedAttribute[int], filters: MapFilter) -> ColumnElement[bool]:
    return column.in_(filters.locality_ids) if filters.locality_ids else true()


def depot_rows(
    session: Session, filters: MapFilter, today: date, warning_days: int
) -> list[DepotPoint]:
    query = (
        select(Depot, Locality.name)
        .join(Locality, Locality.id == Depot.locality_id)
        .where(Depot.status == RecordStatus.ACTIVE, _in_localities(Depot.locality_id, filters))
        .order_by(Depot.level, Depot.id)
    )
    rows = session.execute(query).all()
    flags = depot_flags(session, today, warning_days, [d.id for d, _ in rows])
    holding = None
    if filters.item_id is not None:
        stock = usable_stock(session, today, [d.id for d, _ in rows])
        holding = {d: q for (d, i), q in stock.items() if i == filters.item_id}
    result: list[DepotPoint] = []
    for depot, locality in rows:
        if holding is not None and not holding.get(depot.id):
            continue
        flag = flags.get(depot.id)
        result.append(
            {
                "key": f"d{depot.id}",
                "id": depot.id,
                "name": depot.name,
                "level": depot.level.value,
                "locality": locality,
                "lon": depot.lon,
                "lat": depot.lat,
                "manager": depot.manager,
                "below_quota": flag.below_quota if flag else 0,
                "expiring_lots": flag.expiring_lots if flag else 0,
                "expired_lots": flag.expired_lots if flag else 0,
                "item_quantity": holding.get(depot.id) if holding is not None else None,
                "is_demo": depot.is_demo,
            }
        )
    return result


def team_rows(session: Session, filters: MapFilter, today: date) -> list[TeamPoint]:
    cutoff = today - timedelta(days=TRAINING_CURRENCY_DAYS)
    members = (
        select(
            TeamMember.team_id,
            func.count().label("members"),
            func.sum(case((TeamMember.last_training_on >= cutoff, 1), else_=0)).label("trained"),
        )
        .group_by(TeamMember.team_id)
        .subquery()
    )
    query = (
        select(Team, Locality.name, members.c.members, members.c.trained)
        .join(Locality, Locality.id == Team.locality_id)
        .outerjoin(members, members.c.team_id == Team.id)
        .where(
            Team.status == RecordStatus.ACTIVE,
            Team.base_lon.is_not(None),
            _in_localities(Team.locality_id, filters),
        )
        .order_by(Team.id)
    )
    return [
        {
            "key": f"t{team.id}",
            "id": team.id,
            "name": team.name,
            "kind": team.kind.value,
            "staffing": team.staffing.value,
            "specialties": team.specialties,
            "locality": locality,
            "lon": team.base_lon,
            "lat": team.base_lat,
            "members": int(count or 0),
            "target": team.target_headcount,
            "trained": int(trained or 0),
            "leader": team.leader,
            "is_demo": team.is_demo,
        }
        for team, locality, count, trained in session.execute(query)
    ]


def checkpoint_rows(session: Session, filters: MapFilter, today: date) -> list[CheckpointPoint]:
    open_status = Rectification.status != RectificationStatus.CLOSED
    rectifications = (
        select(
            Rectification.checkpoint_id,
            func.sum(case((open_status, 1), else_=0)).label("open"),
            func.sum(case(((open_status) & (Rectification.deadline < today), 1), else_=0)).label(
                "overdue"
            ),
        )
        .where(Rectification.checkpoint_id.is_not(None))
        .group_by(Rectification.checkpoint_id)
        .subquery()
    )
    query = (
        select(  # columns, not ORM objects: a province has 100,000 of them
            Checkpoint.id,
            Checkpoint.name,
            Checkpoint.type,
            Checkpoint.risk_level,
            Locality.name.label("locality"),
            Checkpoint.lon,
            Checkpoint.lat,
            Checkpoint.responsible_person,
            Checkpoint.is_demo,
            rectifications.c.open,
            rectifications.c.overdue,
        )
        .join(Locality, Locality.id == Checkpoint.locality_id)
        .outerjoin(rectifications, rectifications.c.checkpoint_id == Checkpoint.id)
        .where(
            Checkpoint.status == RecordStatus.ACTIVE,
            _in_localities(Checkpoint.locality_id, filters),
        )
        .order_by(Checkpoint.id)
    )
    if filters.checkpoint_types:
        query = query.where(Checkpoint.type.in_(filters.checkpoint_types))
    if filters.risk_levels:
        query = query.where(Checkpoint.risk_level.in_(filters.risk_levels))
    opened, overdue = (
        func.coalesce(rectifications.c.open, 0),
        func.coalesce(rectifications.c.overdue, 0),
    )
    query = {
        "any": query,
        "open": query.where(opened > 0),
        "overdue": query.where(overdue > 0),
        "none": query.where(opened == 0),
    }[filters.rectification]
    return [
        {
            "key": f"c{cp.id}",
            "id": cp.id,
            "name": cp.name,
            "type": cp.type.value,
            "risk_level": cp.risk_level.value,
            "locality": cp.locality,
            "lon": cp.lon,
            "lat": cp.lat,
            "responsible_person": cp.responsible_person,
            "open_rectifications": int(cp.open or 0),
            "overdue_rectifications": int(cp.overdue or 0),
            "is_demo": cp.is_demo,
        }
        for cp in session.execute(query)
    ]
