"""Reads for the 调度 page and the dispatch order: events to dispatch for, an event's
dispatch orders with their lines, depots to add a line from or to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from registry.kernel.enums import DispatchState, EventState
from registry.kernel.errors import ValidationError
from registry.kernel.models import Depot, Dispatch, DispatchLine, Event, Item
from registry.response import dispatch


@dataclass(frozen=True)
class EventChoice:
    id: int
    title: str
    is_demo: bool


def open_events(session: Session) -> list[EventChoice]:
    """Open events, newest first."""
    rows = session.scalars(
        select(Event).where(Event.state == EventState.OPEN).order_by(Event.opened_at.desc())
    )
    return [EventChoice(e.id, e.title, e.is_demo) for e in rows]


@dataclass(frozen=True)
class LineView:
    id: int
    item_id: int
    item: str
    unit: str
    from_depot: str
    to_depot: str
    quantity: int


@dataclass(frozen=True)
class DispatchView:
    id: int
    event_id: int
    event_title: str
    number: str | None
    state: DispatchState
    created_at: datetime
    issued_at: datetime | None
    is_demo: bool
    lines: list[LineView]


def _lines(session: Session, dispatch_id: int) -> list[LineView]:
    source, target = aliased(Depot), aliased(Depot)
    rows = session.execute(
        select(DispatchLine, Item.name, Item.unit, source.name, target.name)
        .join(Item, Item.id == DispatchLine.item_id)
        .join(source, source.id == DispatchLine.from_depot_id)
        .join(target, target.id == DispatchLine.to_depot_id)
        .where(DispatchLine.dispatch_id == dispatch_id)
        .order_by(DispatchLine.id)
    )
    return [
        LineView(line.id, line.item_id, item, unit, src, dst, line.quantity)
        for line, item, unit, src, dst in rows
    ]


def _view(session: Session, record: Dispatch, title: str) -> DispatchView:
    return DispatchView(
        record.id,
        record.event_id,
        title,
        record.number,
        record.state,
        record.created_at,
        record.issued_at,
        record.is_demo,
        _lines(session, record.id),
    )


def dispatches(session: Session, event_id: int) -> list[DispatchView]:
    """The event's draft (if any) first, then its issued orders, newest first."""
    event = dispatch.load_event(session, event_id)
    records = session.scalars(
        select(Dispatch)
        .where(Dispatch.event_id == event_id)
        .order_by(Dispatch.state != DispatchState.DRAFT, Dispatch.issued_at.desc(), Dispatch.id)
    )
    return [_view(session, r, event.title) for r in records]


def dispatch_view(session: Session, dispatch_id: int) -> DispatchView:
    record = session.get(Dispatch, dispatch_id)
    if record is None:
        raise ValidationError("error.dispatch_unknown", field="dispatch", id=dispatch_id)
    event = dispatch.load_event(session, record.event_id)
    return _view(session, record, event.title)


@dataclass(frozen=True)
class DepotChoice:
    id: int
    name: str
    distance_m: float


def source_choices(session: Session, event_id: int) -> list[DepotChoice]:
    """District depots, nearest the event's area first: where a line may come from."""
    event = dispatch.load_event(session, event_id)
    point = dispatch.centre(session, event)
    depots = [
        DepotChoice(d.id, d.name, dispatch.distance(d, point))
        for d in dispatch.district_depots(session)
    ]
    return sorted(depots, key=lambda d: (d.distance_m, d.id))


def target_choices(session: Session, event_id: int) -> list[DepotChoice]:
    """The town depots of the affected area, nearest its centre first: where a line goes."""
    event = dispatch.load_event(session, event_id)
    point = dispatch.centre(session, event)
    depots = [
        DepotChoice(d.id, d.name, dispatch.distance(d, point))
        for d in dispatch.town_depots(session, event)
    ]
    return sorted(depots, key=lambda d: (d.distance_m, d.id))


def area_localities(session: Session, event_id: int) -> dict[int, str]:
    """The affected localities a team may be sent to: id → name."""
    event = dispatch.load_event(session, event_id)
    return {loc.id: loc.name for loc in dispatch.affected_localities(session, event)}
