"""Reads of the broadcast system for the 应急广播 page, the map and the duty report: the
terminals, those in an event's area, and the broadcast log kept apart as 日常 and 应急."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.kernel.enums import (
    BroadcastKind,
    BroadcastLevel,
    DeliveryStatus,
    EventState,
    TerminalStatus,
    TerminalType,
)
from registry.kernel.models import (
    Broadcast,
    BroadcastDelivery,
    BroadcastTerminal,
    Event,
    Locality,
    User,
)
from registry.response.area import event_area
from registry.response.broadcast import terminals_in_area


@dataclass(frozen=True)
class TerminalRow:
    id: int
    name: str
    locality_id: int
    locality: str
    village: str | None
    level: BroadcastLevel
    terminal_type: TerminalType
    status: TerminalStatus
    lon: float
    lat: float
    version: int
    is_demo: bool


def terminal_list(session: Session) -> list[TerminalRow]:
    """Every terminal by locality (in the usual order), the town platform first."""
    rows = session.execute(
        select(BroadcastTerminal, Locality.name, Locality.mca_code)
        .join(Locality, Locality.id == BroadcastTerminal.locality_id)
        .order_by(Locality.mca_code, BroadcastTerminal.level, BroadcastTerminal.name)
    ).all()
    return [
        TerminalRow(
            id=t.id,
            name=t.name,
            locality_id=t.locality_id,
            locality=name,
            village=t.village,
            level=t.level,
            terminal_type=t.terminal_type,
            status=t.status,
            lon=t.lon,
            lat=t.lat,
            version=t.version,
            is_demo=t.is_demo,
        )
        for t, name, _code in rows
    ]


def open_events(session: Session) -> dict[int, str]:
    """Events being responded to (id → title), the newest first: what a broadcast is for."""
    rows = session.execute(
        select(Event.id, Event.title)
        .where(Event.state == EventState.OPEN)
        .order_by(Event.opened_at.desc(), Event.id.desc())
    )
    return {event_id: title for event_id, title in rows}


def event_terminal_ids(session: Session, event_id: int) -> list[int]:
    """The terminals in the event's area (its drawn polygon or its localities)."""
    event = session.get(Event, event_id)
    return [] if event is None else terminals_in_area(session, event_area(event))


@dataclass(frozen=True)
class BroadcastRow:
    id: int
    kind: BroadcastKind
    text: str
    created_at: datetime
    created_by: str
    event_id: int | None
    event_title: str | None
    source_department: str | None
    adapter: str
    deliveries: dict[DeliveryStatus, int]

    @property
    def terminals(self) -> int:
        return sum(self.deliveries.values())


@dataclass(frozen=True)
class BroadcastLog:
    """The log kept apart by kind: how many of each, and the newest rows of each."""

    counts: dict[BroadcastKind, int]
    rows: dict[BroadcastKind, list[BroadcastRow]] = field(default_factory=dict)


def broadcast_log(
    session: Session, *, event_id: int | None = None, limit: int = 100
) -> BroadcastLog:
    """日常 and 应急 broadcasts, newest first (``limit`` rows of each), with each one's
    deliveries counted by status; only the event's when ``event_id`` is given."""
    where = [] if event_id is None else [Broadcast.event_id == event_id]
    counts = dict.fromkeys(BroadcastKind, 0)
    for kind, count in session.execute(
        select(Broadcast.kind, func.count()).where(*where).group_by(Broadcast.kind)
    ):
        counts[kind] = count
    rows: dict[BroadcastKind, list[BroadcastRow]] = {}
    for kind in BroadcastKind:
        found = session.execute(
            select(Broadcast, User.display_name, Event.title)
            .outerjoin(User, User.id == Broadcast.created_by)
            .outerjoin(Event, Event.id == Broadcast.event_id)
            .where(Broadcast.kind == kind, *where)
            .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
            .limit(limit)
        ).all()
        tallies = _tallies(session, [b.id for b, _, _ in found])
        rows[kind] = [
            BroadcastRow(
                id=b.id,
                kind=b.kind,
                text=b.text,
                created_at=b.created_at,
                created_by=author or "—",
                event_id=b.event_id,
                event_title=title,
                source_department=b.source_department,
                adapter=b.adapter,
                deliveries=dict(tallies.get(b.id, Counter())),
            )
            for b, author, title in found
        ]
    return BroadcastLog(counts=counts, rows=rows)


def _tallies(session: Session, broadcast_ids: list[int]) -> dict[int, Counter[DeliveryStatus]]:
    tallies: dict[int, Counter[DeliveryStatus]] = {}
    if not broadcast_ids:
        return tallies
    for broadcast_id, status, count in session.execute(
        select(BroadcastDelivery.broadcast_id, BroadcastDelivery.status, func.count())
        .where(BroadcastDelivery.broadcast_id.in_(broadcast_ids))
        .group_by(BroadcastDelivery.broadcast_id, BroadcastDelivery.status)
    ):
        tallies.setdefault(broadcast_id, Counter())[status] = count
    return tallies


@dataclass(frozen=True)
class DeliveryRow:
    terminal_id: int
    terminal: str
    locality: str
    village: str | None
    status: DeliveryStatus
    detail: str | None
    at: datetime


def deliveries(session: Session, broadcast_id: int) -> list[DeliveryRow]:
    """What became of a broadcast at each terminal, the failed first."""
    rows = session.execute(
        select(BroadcastDelivery, BroadcastTerminal.name, BroadcastTerminal.village, Locality.name)
        .join(BroadcastTerminal, BroadcastTerminal.id == BroadcastDelivery.terminal_id)
        .join(Locality, Locality.id == BroadcastTerminal.locality_id)
        .where(BroadcastDelivery.broadcast_id == broadcast_id)
        .order_by(Locality.mca_code, BroadcastTerminal.name)
    ).all()
    result = [
        DeliveryRow(d.terminal_id, name, locality, village, d.status, d.detail, d.at)
        for d, name, village, locality in rows
    ]
    return sorted(result, key=lambda r: r.status is not DeliveryStatus.FAILED)
