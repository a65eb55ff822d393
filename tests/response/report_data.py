"""An event with tasks, steps, deployments, dispatches and broadcasts written straight through
the ORM (the use-cases that write them are built alongside): the duty report's tests read it
"as of" a time between its steps and after them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel.enums import (
    BroadcastKind,
    BroadcastLevel,
    CheckpointType,
    DeliveryStatus,
    DeploymentStatus,
    DepotLevel,
    DispatchState,
    EventState,
    ResponseLevel,
    RiskLevel,
    TaskKind,
    TaskStatus,
    TeamKind,
    TeamStaffing,
    TerminalStatus,
    TerminalType,
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
    DispatchLine,
    EarlyWarning,
    Event,
    Item,
    Locality,
    ResponseTask,
    TaskStep,
    Team,
)
from registry.kernel.permissions import SYSTEM
from registry.response.timeline import log

OPENED = datetime(2026, 7, 8, 0, 0)  # 08:00 in Lianyungang
MIDWAY = OPENED + timedelta(hours=4)  # 12:00: after the first steps, before the later ones
LATER = OPENED + timedelta(hours=8)
XINPU = (119.2216, 34.5969)  # near the 新浦街道 seat
TITLE = "7·8新浦暴雨"


@dataclass(frozen=True)
class Built:
    event_id: int


def _square(lon: float, lat: float, half: float) -> str:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _at(hours: float) -> datetime:
    return OPENED + timedelta(hours=hours)


def build_event(session: Session, *, is_demo: bool, suffix: str = "") -> Built:
    """The event: a yellow rainstorm warning over 新浦, level Ⅳ raised to Ⅲ at 3 h; two tasks
    by MIDWAY (one evacuated 30 people at 2 h, 12 more at 5 h) and a third at 6 h; a team out
    at 1 h (20 people), another at 5 h (15); 500 sandbags issued at 2 h, 4 pumps at 5 h, a
    draft never issued; a broadcast at 1.5 h (2 terminals reached, 1 failed), another at 5 h."""
    xinpu = session.scalar(select(Locality).where(Locality.name == "新浦街道"))
    haizhou = session.scalar(select(Locality).where(Locality.name == "海州街道"))
    assert xinpu is not None and haizhou is not None
    warning = EarlyWarning(
        identifier=f"report-test{suffix}",
        sender="32070641600000",
        sender_name="海州区气象台",
        sent_at=_at(-1),
        msg_type="Alert",
        warning_type=WarningType.RAINSTORM,
        level=WarningLevel.YELLOW,
        headline="海州区气象台发布暴雨黄色预警信号",
        effective_at=_at(-1),
        expires_at=_at(24),
        area_geojson=_square(*XINPU, 0.05),
        source="manual",
        is_demo=is_demo,
        localities=[xinpu],
    )
    event = Event(
        title=TITLE + suffix,
        hazard=WarningType.RAINSTORM,
        level=ResponseLevel.III,
        state=EventState.OPEN,
        duty_leader="王值班",
        duty_officer="李值守",
        opened_at=OPENED,
        is_demo=is_demo,
        localities=[xinpu],
        warnings=[warning],
    )
    session.add(event)
    session.flush()
    log(session, event.id, SYSTEM, "opened", OPENED, title=event.title, level="Ⅳ", localities=1,
        plans=0)  # fmt: skip
    log(session, event.id, SYSTEM, "level_raised", _at(3), old="Ⅳ", new="Ⅲ", reason="雨势加大")
    log(session, event.id, SYSTEM, "task_added", _at(6), title="下穿通道封控")

    point = Checkpoint(
        name=f"新浦易涝点{suffix}",
        type=CheckpointType.WATERLOGGING,
        risk_level=RiskLevel.MAJOR,
        locality_id=xinpu.id,
        lon=XINPU[0] + 0.01,
        lat=XINPU[1] - 0.01,
    )
    session.add(point)
    session.flush()
    flood, patrol, late = (
        ResponseTask(
            event_id=event.id,
            checkpoint_id=checkpoint,
            locality_id=xinpu.id,
            kind=kind,
            title=title,
            assignee="张三",
            created_at=created,
            is_demo=is_demo,
        )
        for checkpoint, kind, title, created in (
            (point.id, TaskKind.EVACUATE, "易涝点转移群众", OPENED),
            (None, TaskKind.PATROL, "沿河巡查", OPENED),
            (None, TaskKind.CORDON, "下穿通道封控", _at(6)),
        )
    )
    session.add_all([flood, patrol, late])
    session.flush()
    session.add_all(
        [
            TaskStep(task_id=flood.id, at=_at(1), status=TaskStatus.ON_SITE),
            TaskStep(task_id=flood.id, at=_at(2), status=TaskStatus.EVACUATED, evacuated=30),
            TaskStep(task_id=flood.id, at=_at(5), status=TaskStatus.EVACUATED, evacuated=12),
            TaskStep(task_id=late.id, at=_at(6.5), status=TaskStatus.ON_SITE),
        ]
    )

    first, second = (
        Team(
            name=name + suffix,
            kind=TeamKind.PROFESSIONAL,
            staffing=TeamStaffing.FULL_TIME,
            locality_id=haizhou.id,
            base_lon=119.13,
            base_lat=34.57,
            target_headcount=30,
        )
        for name in ("区防汛抢险队", "新浦民兵应急排")
    )
    session.add_all([first, second])
    session.flush()
    session.add_all(
        [
            Deployment(
                event_id=event.id, team_id=first.id, locality_id=xinpu.id, task_id=flood.id,
                status=DeploymentStatus.ARRIVED, head_count=20, created_at=_at(0.5),
                dispatched_at=_at(1), arrived_at=_at(2),
            ),
            Deployment(
                event_id=event.id, team_id=second.id, locality_id=xinpu.id,
                status=DeploymentStatus.DISPATCHED, head_count=15, created_at=_at(1),
                dispatched_at=_at(5),
            ),
        ]
    )  # fmt: skip

    district_depot, town_depot = (
        Depot(name=name + suffix, level=level, locality_id=locality, lon=lon, lat=lat)
        for name, level, locality, lon, lat in (
            ("区防汛物资仓库", DepotLevel.DISTRICT, haizhou.id, 119.14, 34.58),
            ("新浦街道储备点", DepotLevel.TOWN, xinpu.id, XINPU[0], XINPU[1]),
        )
    )
    session.add_all([district_depot, town_depot])
    session.flush()
    sandbag = session.scalar(select(Item).where(Item.name == "编织袋"))
    pump = session.scalar(select(Item).where(Item.name == "排水泵"))
    assert sandbag is not None and pump is not None
    for number, state, issued, item, quantity in (
        (f"DB-1{suffix}", DispatchState.ISSUED, _at(2), sandbag, 500),
        (f"DB-2{suffix}", DispatchState.ISSUED, _at(5), pump, 4),
        (None, DispatchState.DRAFT, None, sandbag, 9999),
    ):
        session.add(
            Dispatch(
                event_id=event.id,
                number=number,
                state=state,
                created_at=_at(1.5),
                issued_at=issued,
                lines=[
                    DispatchLine(
                        item_id=item.id,
                        from_depot_id=district_depot.id,
                        to_depot_id=town_depot.id,
                        quantity=quantity,
                    )
                ],
            )
        )

    terminals = [
        BroadcastTerminal(
            name=f"新浦社区广播{n}{suffix}",
            locality_id=xinpu.id,
            level=BroadcastLevel.VILLAGE,
            terminal_type=TerminalType.LOUDSPEAKER,
            status=TerminalStatus.ONLINE,
            lon=XINPU[0] + 0.005 * n,
            lat=XINPU[1],
        )
        for n in range(3)
    ]
    session.add_all(terminals)
    session.flush()
    for created, text, outcomes in (
        (_at(1.5), "暴雨黄色预警：请低洼地带群众立即转移", ("delivered", "sent", "failed")),
        (_at(5), "请继续避险", ("delivered", "delivered", "delivered")),
    ):
        broadcast = Broadcast(
            event_id=event.id,
            kind=BroadcastKind.EMERGENCY,
            text=text,
            adapter="outbox",
            created_at=created,
        )
        session.add(broadcast)
        session.flush()
        for terminal, outcome in zip(terminals, outcomes, strict=True):
            session.add(
                BroadcastDelivery(
                    broadcast_id=broadcast.id,
                    terminal_id=terminal.id,
                    status=DeliveryStatus(outcome),
                    at=created + timedelta(minutes=1),
                )
            )
    session.flush()
    return Built(event.id)
