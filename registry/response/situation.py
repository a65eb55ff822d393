"""An event's state as of a chosen time: what the duty report says and the situation map
draws. Rebuilt from the times the records carry (task steps, dispatch and arrival times,
issue times, deliveries, the timeline), so a report "截至X时" leaves out what came later."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.kernel.enums import (
    BroadcastKind,
    DeliveryStatus,
    DeploymentStatus,
    DepotLevel,
    DispatchState,
    EventState,
    RecordStatus,
    ResponseLevel,
    TaskKind,
    TaskStatus,
    TerminalStatus,
    WarningLevel,
    WarningType,
)
from registry.kernel.models import (
    Broadcast,
    BroadcastDelivery,
    BroadcastTerminal,
    Checkpoint,
    Deployment,
    Depot,
    Dispatch,
    Event,
    Item,
    Locality,
    ResponseTask,
    TaskStep,
    Team,
)
from registry.response import area as areas
from registry.response.timeline import TimelineLine, timeline

Point = tuple[float, float]  # WGS-84 lon, lat
REACHED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
LEVEL_KINDS = ("opened", "level_raised", "level_lowered", "closed")  # event.log.<kind>
LEVEL_CHANGES = ("level_raised", "level_lowered")
ROMAN_LEVELS = {
    **{numeral: ResponseLevel(value) for value, numeral in zip("1234", "ⅠⅡⅢⅣ", strict=True)},
    **{member.value: member for member in ResponseLevel},
}


@dataclass(frozen=True)
class IssuedWarning:
    headline: str
    warning_type: WarningType
    level: WarningLevel
    sender_name: str | None
    effective_at: datetime
    expires_at: datetime
    area: BaseGeometry | None  # the polygon as issued, when it came with one


@dataclass(frozen=True)
class TaskState:
    title: str
    kind: TaskKind
    locality: str
    assignee: str | None
    status: TaskStatus  # the last step reached by the time asked
    evacuated: int  # people moved by the steps up to the time asked
    place: Point | None


@dataclass(frozen=True)
class TeamState:
    team: str
    locality: str  # where it was sent
    head_count: int
    status: DeploymentStatus
    place: Point | None  # the task's checkpoint, else the locality's seat, else its base


@dataclass(frozen=True)
class Shipment:
    """One line of an issued dispatch order."""

    number: str
    issued_at: datetime
    item: str
    item_en: str
    unit: str
    quantity: int
    from_depot: str
    to_depot: str
    from_depot_id: int
    to_depot_id: int
    origin: Point
    destination: Point


@dataclass(frozen=True)
class BroadcastState:
    at: datetime
    kind: BroadcastKind
    text: str
    reached: int  # terminals sent or delivered to by the time asked
    failed: int


@dataclass(frozen=True)
class DepotMark:
    name: str
    level: DepotLevel
    place: Point
    sending: bool
    receiving: bool


@dataclass(frozen=True)
class TerminalMark:
    name: str
    place: Point
    status: TerminalStatus
    reached: bool


@dataclass(frozen=True)
class Situation:
    event_id: int
    title: str
    hazard: WarningType
    level: ResponseLevel  # as of the time asked
    closed: bool  # closed by the time asked
    is_demo: bool
    at: datetime
    opened_at: datetime
    duty_leader: str | None
    duty_officer: str | None
    localities: tuple[str, ...]
    area: BaseGeometry | None
    warnings: tuple[IssuedWarning, ...]
    tasks: tuple[TaskState, ...]
    teams: tuple[TeamState, ...]
    shipments: tuple[Shipment, ...]
    broadcasts: tuple[BroadcastState, ...]
    depots: tuple[DepotMark, ...]
    terminals: tuple[TerminalMark, ...]
    timeline: tuple[TimelineLine, ...]

    @property
    def evacuated(self) -> int:
        return sum(t.evacuated for t in self.tasks)

    @property
    def tasks_by_status(self) -> dict[TaskStatus, int]:
        counts = Counter(t.status for t in self.tasks)
        return {status: counts[status] for status in TaskStatus if counts[status]}

    @property
    def teams_sent(self) -> list[TeamState]:
        """Teams that had set out by the time asked (withdrawn ones included: 累计出动)."""
        return [t for t in self.teams if t.status is not DeploymentStatus.STANDBY]

    @property
    def people_sent(self) -> int:
        return sum(t.head_count for t in self.teams_sent)

    def materials(self) -> list[tuple[str, str, str, int]]:
        """Issued quantities per item: (name, English name, unit, total), largest first."""
        totals: Counter[tuple[str, str, str]] = Counter()
        for line in self.shipments:
            totals[(line.item, line.item_en, line.unit)] += line.quantity
        return [(*key, total) for key, total in totals.most_common()]

    @property
    def terminals_reached(self) -> int:
        return sum(1 for t in self.terminals if t.reached)


def _geometry(text: str | None) -> BaseGeometry | None:
    if not text:
        return None
    data = json.loads(text)
    return shape(data.get("geometry", data))


def _seat(locality: Locality | None) -> Point | None:
    if locality is None or locality.seat_lon is None or locality.seat_lat is None:
        return None
    return (locality.seat_lon, locality.seat_lat)


def level_as_of(current: ResponseLevel, lines: list[TimelineLine]) -> ResponseLevel:
    """The level the timeline last named (opening, raising, lowering, closing: their lines
    carry the level as a roman numeral, Ⅲ), else the event's level now."""
    level = current
    for line in lines:
        if line.kind in LEVEL_KINDS:
            value = str(line.detail.get("new", line.detail.get("level", "")))
            level = ROMAN_LEVELS.get(value, level)
    return level


def task_state(steps: list[TaskStep], at: datetime) -> tuple[TaskStatus, int]:
    """The status of the last step up to ``at`` (pending without one) and the people the
    steps up to ``at`` moved (each step records those moved in that step)."""
    done = sorted((s for s in steps if s.at <= at), key=lambda s: (s.at, s.id))
    status = done[-1].status if done else TaskStatus.PENDING
    return status, sum(s.evacuated or 0 for s in done)


def deployment_status(deployment: Deployment, at: datetime) -> DeploymentStatus | None:
    """The status reached by ``at``; None for a deployment not yet created then."""
    stages = (
        (deployment.withdrawn_at, DeploymentStatus.WITHDRAWN),
        (deployment.arrived_at, DeploymentStatus.ARRIVED),
        (deployment.dispatched_at, DeploymentStatus.DISPATCHED),
        (deployment.created_at, DeploymentStatus.STANDBY),
    )
    return next((status for moment, status in stages if moment and moment <= at), None)


def _tasks(
    session: Session, event_id: int, at: datetime
) -> tuple[list[TaskState], dict[int, Point | None]]:
    tasks = session.scalars(
        select(ResponseTask)
        .where(ResponseTask.event_id == event_id, ResponseTask.created_at <= at)
        .order_by(ResponseTask.id)
    ).all()
    ids = [t.id for t in tasks]
    steps: dict[int, list[TaskStep]] = {i: [] for i in ids}
    for step in session.scalars(select(TaskStep).where(TaskStep.task_id.in_(ids))):
        steps[step.task_id].append(step)
    checkpoints = {
        c.id: c
        for c in session.scalars(
            select(Checkpoint).where(Checkpoint.id.in_({t.checkpoint_id for t in tasks}))
        )
    }
    localities = {loc.id: loc for loc in session.scalars(select(Locality))}
    places: dict[int, Point | None] = {}
    states = []
    for task in tasks:
        point = checkpoints.get(task.checkpoint_id or 0)
        place = (point.lon, point.lat) if point else _seat(localities.get(task.locality_id))
        places[task.id] = place
        status, evacuated = task_state(steps[task.id], at)
        states.append(
            TaskState(
                title=task.title,
                kind=task.kind,
                locality=localities[task.locality_id].name,
                assignee=task.assignee,
                status=status,
                evacuated=evacuated,
                place=place,
            )
        )
    return states, places


def _teams(
    session: Session, event_id: int, at: datetime, task_places: dict[int, Point | None]
) -> list[TeamState]:
    rows = session.execute(
        select(Deployment, Team, Locality)
        .join(Team, Team.id == Deployment.team_id)
        .join(Locality, Locality.id == Deployment.locality_id)
        .where(Deployment.event_id == event_id)
        .order_by(Deployment.id)
    ).all()
    states = []
    for deployment, team, locality in rows:
        status = deployment_status(deployment, at)
        if status is None:
            continue
        base = (team.base_lon, team.base_lat) if team.base_lon and team.base_lat else None
        place = task_places.get(deployment.task_id or 0) or _seat(locality) or base
        states.append(TeamState(team.name, locality.name, deployment.head_count, status, place))
    return states


def _shipments(session: Session, event_id: int, at: datetime) -> list[Shipment]:
    dispatches = session.scalars(
        select(Dispatch)
        .options(selectinload(Dispatch.lines))
        .where(
            Dispatch.event_id == event_id,
            Dispatch.state == DispatchState.ISSUED,
            Dispatch.issued_at <= at,
        )
        .order_by(Dispatch.issued_at, Dispatch.id)
    ).all()
    items = {i.id: i for i in session.scalars(select(Item))}
    depots = {d.id: d for d in session.scalars(select(Depot))}
    shipments = []
    for dispatch in dispatches:
        for line in dispatch.lines:
            item = items[line.item_id]
            origin, goal = depots[line.from_depot_id], depots[line.to_depot_id]
            shipments.append(
                Shipment(
                    number=dispatch.number or str(dispatch.id),
                    issued_at=dispatch.issued_at or at,
                    item=item.name,
                    item_en=item.name_en,
                    unit=item.unit,
                    quantity=line.quantity,
                    from_depot=origin.name,
                    to_depot=goal.name,
                    from_depot_id=origin.id,
                    to_depot_id=goal.id,
                    origin=(origin.lon, origin.lat),
                    destination=(goal.lon, goal.lat),
                )
            )
    return shipments


def _broadcasts(
    session: Session, event_id: int, at: datetime
) -> tuple[list[BroadcastState], set[int]]:
    broadcasts = session.scalars(
        select(Broadcast)
        .where(Broadcast.event_id == event_id, Broadcast.created_at <= at)
        .order_by(Broadcast.created_at, Broadcast.id)
    ).all()
    deliveries = session.scalars(
        select(BroadcastDelivery).where(
            BroadcastDelivery.broadcast_id.in_([b.id for b in broadcasts]),
            BroadcastDelivery.at <= at,
        )
    ).all()
    reached: Counter[int] = Counter()
    failed: Counter[int] = Counter()
    terminals: set[int] = set()
    for delivery in deliveries:
        if delivery.status in REACHED:
            reached[delivery.broadcast_id] += 1
            terminals.add(delivery.terminal_id)
        elif delivery.status is DeliveryStatus.FAILED:
            failed[delivery.broadcast_id] += 1
    states = [
        BroadcastState(b.created_at, b.kind, b.text, reached[b.id], failed[b.id])
        for b in broadcasts
    ]
    return states, terminals


def _depots(session: Session, shipments: list[Shipment]) -> list[DepotMark]:
    sending = {s.from_depot_id for s in shipments}
    receiving = {s.to_depot_id for s in shipments}
    depots = session.scalars(
        select(Depot).where(Depot.status == RecordStatus.ACTIVE).order_by(Depot.id)
    ).all()
    return [
        DepotMark(d.name, d.level, (d.lon, d.lat), d.id in sending, d.id in receiving)
        for d in depots
    ]


def _terminals(
    session: Session, area: BaseGeometry | None, reached: set[int]
) -> list[TerminalMark]:
    terminals = session.scalars(select(BroadcastTerminal).order_by(BroadcastTerminal.id)).all()
    return [
        TerminalMark(t.name, (t.lon, t.lat), t.status, t.id in reached)
        for t in terminals
        if t.id in reached or areas.inside(area, t.lon, t.lat)
    ]


def situation(session: Session, event_id: int, at: datetime) -> Situation:
    """The event as it stood at ``at`` (naive UTC). Raises LookupError for an unknown id."""
    event = session.get(
        Event,
        event_id,
        options=[selectinload(Event.localities), selectinload(Event.warnings)],
    )
    if event is None:
        raise LookupError(f"no event {event_id}")
    lines = timeline(session, event_id, until=at)
    tasks, task_places = _tasks(session, event_id, at)
    shipments = _shipments(session, event_id, at)
    broadcasts, reached = _broadcasts(session, event_id, at)
    area = areas.event_area(event)
    warnings = sorted(
        (w for w in event.warnings if w.sent_at <= at), key=lambda w: (w.sent_at, w.id)
    )
    return Situation(
        event_id=event.id,
        title=event.title,
        hazard=event.hazard,
        level=level_as_of(event.level, lines),
        closed=event.state is EventState.CLOSED and bool(event.closed_at and event.closed_at <= at),
        is_demo=event.is_demo,
        at=at,
        opened_at=event.opened_at,
        duty_leader=event.duty_leader,
        duty_officer=event.duty_officer,
        localities=tuple(sorted(loc.name for loc in event.localities)),
        area=area,
        warnings=tuple(
            IssuedWarning(
                w.headline,
                w.warning_type,
                w.level,
                w.sender_name,
                w.effective_at,
                w.expires_at,
                _geometry(w.area_geojson),
            )
            for w in warnings
        ),
        tasks=tuple(tasks),
        teams=tuple(_teams(session, event_id, at, task_places)),
        shipments=tuple(shipments),
        broadcasts=tuple(broadcasts),
        depots=tuple(_depots(session, shipments)),
        terminals=tuple(_terminals(session, area, reached)),
        timeline=tuple(lines),
    )
