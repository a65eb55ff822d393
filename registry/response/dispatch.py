"""Materials for an event (调度 · 物资): what the hazard calls for in the affected area against
what its town depots hold, a suggested pre-positioning plan from the district depots (nearest
first, never below a depot's quota minimum), the office's edits of that draft, and its issue
as real transfers through the stock use-cases, so the ledger, readiness and alerts follow.

"Spare" is a depot's usable (unexpired) stock of an item less its quota minimum, never
negative: a dispatch moves what the district can give without leaving a depot short.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import audit, validation
from registry.kernel.clock import local
from registry.kernel.enums import (
    AuditAction,
    AuditEntity,
    DepotLevel,
    DispatchState,
    EventState,
    RecordStatus,
)
from registry.kernel.errors import ValidationError
from registry.kernel.geo import haversine_m
from registry.kernel.models import Depot, Dispatch, DispatchLine, Event, Item, Locality, StockLot
from registry.kernel.permissions import Action, Actor, require
from registry.records import stock, stockview
from registry.response import hazards, timeline
from registry.response.area import event_area, locality_outline

NUMBER_PREFIX = "海应调"  # 海州区应急管理局 调拨单: 海应调〔2026〕1号


def number_text(year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX}〔{year}〕{sequence}号"


_NUMBER = re.compile(rf"^{NUMBER_PREFIX}〔(\d{{4}})〕(\d+)号$")


# --- the event and its area ---------------------------------------------------------------


def load_event(session: Session, event_id: int, *, open_only: bool = False) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise ValidationError("error.dispatch_event_unknown", field="dispatch_event", id=event_id)
    if open_only and event.state is not EventState.OPEN:
        raise ValidationError(
            "error.dispatch_event_closed", field="dispatch_event", title=event.title
        )
    return event


def affected_localities(session: Session, event: Event) -> list[Locality]:
    """The event's localities; for an event with only a drawn area, those it touches."""
    if event.localities:
        return sorted(event.localities, key=lambda loc: loc.id)
    area = event_area(event)
    if area is None:
        return []
    return [
        loc
        for loc in session.scalars(select(Locality).order_by(Locality.id))
        if (outline := locality_outline(loc)) is not None and outline.intersects(area)
    ]


def centre(session: Session, event: Event) -> tuple[float, float] | None:
    """Where distances to the area are measured from: the area's centroid, else the mean of
    the affected localities' seats (None when the event has neither)."""
    area = event_area(event)
    if area is not None and not area.is_empty:
        point = area.centroid
        return float(point.x), float(point.y)
    seats = [
        (loc.seat_lon, loc.seat_lat)
        for loc in affected_localities(session, event)
        if loc.seat_lon is not None and loc.seat_lat is not None
    ]
    if not seats:
        return None
    return sum(s[0] for s in seats) / len(seats), sum(s[1] for s in seats) / len(seats)


def town_depots(session: Session, event: Event) -> list[Depot]:
    """The active town depots (镇街库) of the affected localities."""
    ids = [loc.id for loc in affected_localities(session, event)]
    return list(
        session.scalars(
            select(Depot)
            .where(
                Depot.level == DepotLevel.TOWN,
                Depot.status == RecordStatus.ACTIVE,
                Depot.locality_id.in_(ids),
            )
            .order_by(Depot.id)
        )
    )


def distance(depot: Depot, point: tuple[float, float] | None) -> float:
    return 0.0 if point is None else haversine_m(point[0], point[1], depot.lon, depot.lat)


def receiving_depot(session: Session, event: Event) -> Depot | None:
    """The town depot in the area nearest its centre: where pre-positioned stock goes."""
    depots = town_depots(session, event)
    point = centre(session, event)
    return min(depots, key=lambda d: (distance(d, point), d.id), default=None)


# --- needs and spare ----------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    item_id: int
    code: str
    item: str
    unit: str
    needed: int
    held: int
    shortfall: int
    planned: int  # in the event's draft dispatch


def _draft(session: Session, event_id: int) -> Dispatch | None:
    return session.scalar(
        select(Dispatch).where(Dispatch.event_id == event_id, Dispatch.state == DispatchState.DRAFT)
    )


def needs(session: Session, event_id: int, today: date) -> list[Need]:
    """Per item the hazard calls for: needed (per locality × affected localities), held in the
    area's town depots (usable stock), the shortfall, and what the draft plans to move."""
    event = load_event(session, event_id)
    per_locality = hazards.materials(session, event.hazard)
    count = len(affected_localities(session, event))
    depot_ids = [d.id for d in town_depots(session, event)]
    held: dict[int, int] = defaultdict(int)
    for (_, item_id), quantity in stockview.usable_stock(session, today, depot_ids).items():
        held[item_id] += quantity
    planned: dict[int, int] = defaultdict(int)
    draft = _draft(session, event_id)
    for line in draft.lines if draft else []:
        planned[line.item_id] += line.quantity
    items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(per_locality)))}
    rows = []
    for item_id, quantity in per_locality.items():
        item = items[item_id]
        needed = quantity * count
        rows.append(
            Need(
                item_id,
                item.code,
                item.name,
                item.unit,
                needed,
                held[item_id],
                max(0, needed - held[item_id]),
                planned[item_id],
            )
        )
    return sorted(rows, key=lambda n: n.code)


def spare(session: Session, depot_ids: list[int], today: date) -> dict[tuple[int, int], int]:
    """(depot, item) → usable stock above the quota minimum (never negative)."""
    usable = stockview.usable_stock(session, today, depot_ids)
    minimum = {key: low for key, (low, _) in stockview.quota_lines(session, depot_ids).items()}
    return {key: max(0, held - minimum.get(key, 0)) for key, held in usable.items()}


def district_depots(session: Session) -> list[Depot]:
    return list(
        session.scalars(
            select(Depot)
            .where(Depot.level == DepotLevel.DISTRICT, Depot.status == RecordStatus.ACTIVE)
            .order_by(Depot.id)
        )
    )


# --- the draft ----------------------------------------------------------------------------


def _lines_snapshot(dispatch: Dispatch) -> list[dict[str, int]]:
    return [
        {"item_id": x.item_id, "from": x.from_depot_id, "to": x.to_depot_id, "quantity": x.quantity}
        for x in dispatch.lines
    ]


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    dispatch: Dispatch,
    before: list[dict[str, int]] | None,
    **extra: Any,
) -> None:
    session.flush()
    audit.record(
        session,
        actor,
        action,
        AuditEntity.DISPATCH,
        dispatch.id,
        before=None if before is None else {"lines": before},
        after={
            "event_id": dispatch.event_id,
            "state": dispatch.state.value,
            "number": dispatch.number,
            "lines": _lines_snapshot(dispatch),
            **extra,
        },
    )


@dataclass(frozen=True)
class Suggestion:
    dispatch_id: int
    lines: int
    uncovered: dict[int, int]  # item id → shortfall no district depot can spare


def suggest(
    session: Session, actor: Actor, event_id: int, today: date, now: datetime
) -> Suggestion:
    """Create (or replace the lines of) the event's draft dispatch: per item short in the area,
    from the district depots nearest the area first, each capped by what it can spare, to the
    town depot in the area nearest its centre."""
    require(actor, Action.MANAGE_RESPONSE)
    event = load_event(session, event_id, open_only=True)
    target = receiving_depot(session, event)
    if target is None:
        raise ValidationError(
            "error.dispatch_no_town_depot", field="dispatch_event", title=event.title
        )
    point = centre(session, event)
    sources = sorted(district_depots(session), key=lambda d: (distance(d, point), d.id))
    can_spare = spare(session, [d.id for d in sources], today)
    short = [need for need in needs(session, event_id, today) if need.shortfall > 0]
    draft = _draft(session, event_id)
    before = None if draft is None else _lines_snapshot(draft)
    if draft is None:
        draft = Dispatch(
            event_id=event.id, created_at=now, created_by=actor.user_id, is_demo=event.is_demo
        )
        session.add(draft)
    draft.lines.clear()
    uncovered = {}
    for need in short:
        remaining = need.shortfall
        for depot in sources:
            take = min(remaining, can_spare.get((depot.id, need.item_id), 0))
            if take > 0:
                draft.lines.append(
                    DispatchLine(
                        item_id=need.item_id,
                        from_depot_id=depot.id,
                        to_depot_id=target.id,
                        quantity=take,
                    )
                )
                remaining -= take
        if remaining > 0:
            uncovered[need.item_id] = remaining
    _audit(session, actor, AuditAction.DISPATCH_SUGGESTED, draft, before)
    return Suggestion(draft.id, len(draft.lines), uncovered)


def _editable(session: Session, actor: Actor, dispatch_id: int) -> Dispatch:
    require(actor, Action.MANAGE_RESPONSE)
    dispatch = session.get(Dispatch, dispatch_id, with_for_update=True)
    if dispatch is None:
        raise ValidationError("error.dispatch_unknown", field="dispatch", id=dispatch_id)
    if dispatch.state is not DispatchState.DRAFT:
        raise ValidationError("error.dispatch_not_draft", field="dispatch", number=dispatch.number)
    load_event(session, dispatch.event_id, open_only=True)
    return dispatch


def _check_spare(session: Session, dispatch: Dispatch, today: date) -> None:
    """Refuse when the lines take more of an item from a depot than it can spare now."""
    taken: dict[tuple[int, int], int] = defaultdict(int)
    for line in dispatch.lines:
        taken[(line.from_depot_id, line.item_id)] += line.quantity
    can_spare = spare(session, sorted({depot for depot, _ in taken}), today)
    for (depot_id, item_id), quantity in sorted(taken.items()):
        available = can_spare.get((depot_id, item_id), 0)
        if quantity > available:
            raise ValidationError(
                "error.dispatch_beyond_spare",
                field="quantity",
                depot=session.get_one(Depot, depot_id).name,
                item=session.get_one(Item, item_id).name,
                wanted=quantity,
                spare=available,
            )


def _in_area_target(session: Session, dispatch: Dispatch, depot_id: int) -> Depot:
    event = load_event(session, dispatch.event_id)
    depot = next((d for d in town_depots(session, event) if d.id == depot_id), None)
    if depot is None:
        raise ValidationError("error.dispatch_target_outside", field="to_depot")
    return depot


def add_line(
    session: Session,
    actor: Actor,
    dispatch_id: int,
    *,
    item_id: int,
    from_depot_id: int,
    to_depot_id: int,
    quantity: Any,
    today: date,
) -> DispatchLine:
    """Add a line to the draft: from an active depot, to a town depot of the area, no more
    than the source can spare."""
    dispatch = _editable(session, actor, dispatch_id)
    amount = validation.quantity(quantity)
    if session.get(Item, item_id) is None:
        raise ValidationError("error.dispatch_item_unknown", field="item", id=item_id)
    source = session.get(Depot, from_depot_id)
    if source is None or source.status is not RecordStatus.ACTIVE:
        raise ValidationError("error.dispatch_source_unknown", field="from_depot")
    target = _in_area_target(session, dispatch, to_depot_id)
    if target.id == source.id:
        raise ValidationError("error.same_depot", field="to_depot")
    before = _lines_snapshot(dispatch)
    line = DispatchLine(
        item_id=item_id, from_depot_id=source.id, to_depot_id=target.id, quantity=amount
    )
    dispatch.lines.append(line)
    _check_spare(session, dispatch, today)
    _audit(session, actor, AuditAction.DISPATCH_EDITED, dispatch, before)
    return line


def _line(session: Session, actor: Actor, line_id: int) -> tuple[Dispatch, DispatchLine]:
    line = session.get(DispatchLine, line_id)
    if line is None:
        raise ValidationError("error.dispatch_line_unknown", field="dispatch_line", id=line_id)
    return _editable(session, actor, line.dispatch_id), line


def set_line(
    session: Session, actor: Actor, line_id: int, quantity: Any, *, today: date
) -> DispatchLine:
    """Change a draft line's quantity; more than the source can spare is refused."""
    dispatch, line = _line(session, actor, line_id)
    amount = validation.quantity(quantity)
    before = _lines_snapshot(dispatch)
    line.quantity = amount
    _check_spare(session, dispatch, today)
    _audit(session, actor, AuditAction.DISPATCH_EDITED, dispatch, before)
    return line


def remove_line(session: Session, actor: Actor, line_id: int) -> None:
    dispatch, line = _line(session, actor, line_id)
    before = _lines_snapshot(dispatch)
    dispatch.lines.remove(line)
    _audit(session, actor, AuditAction.DISPATCH_EDITED, dispatch, before)


# --- issue --------------------------------------------------------------------------------


def next_number(session: Session, year: int) -> str:
    """The year's next number: one more than the highest issued this year."""
    numbers = session.scalars(
        select(Dispatch.number).where(Dispatch.number.like(f"{NUMBER_PREFIX}〔{year}〕%"))
    )
    used = [int(m.group(2)) for n in numbers if n and (m := _NUMBER.match(n))]
    return number_text(year, max(used, default=0) + 1)


def issue(session: Session, actor: Actor, dispatch_id: int, today: date, now: datetime) -> str:
    """下达: number the order and transfer every line (soonest-expiring unexpired lots first);
    a line beyond what its depot can spare now refuses the whole order, nothing written.
    Returns the number."""
    dispatch = _editable(session, actor, dispatch_id)
    if not dispatch.lines:
        raise ValidationError("error.dispatch_empty", field="dispatch")
    event = load_event(session, dispatch.event_id)
    sources = sorted({line.from_depot_id for line in dispatch.lines})
    session.scalars(  # lock the source lots: concurrent issues queue instead of overdrawing
        select(StockLot.id).where(StockLot.depot_id.in_(sources)).with_for_update()
    ).all()
    _check_spare(session, dispatch, today)
    number = next_number(session, local(now).year)
    reason = f"{number} {event.title}"[:255]
    for line in dispatch.lines:
        plan, missing = stock.suggest_issue(
            session, line.from_depot_id, line.item_id, line.quantity, today
        )
        if missing:  # cannot happen after the spare check; kept as a guard
            raise ValidationError(
                "error.dispatch_beyond_spare",
                field="quantity",
                depot=line.from_depot_id,
                item=line.item_id,
                wanted=line.quantity,
                spare=line.quantity - missing,
            )
        for lot, amount in plan:
            stock.transfer(
                session, actor, lot.id, line.to_depot_id, amount, reason=reason, today=today,
                event_id=event.id,
            )  # fmt: skip
    before = _lines_snapshot(dispatch)
    dispatch.number, dispatch.state = number, DispatchState.ISSUED
    dispatch.issued_at, dispatch.issued_by = now, actor.user_id
    _audit(session, actor, AuditAction.DISPATCH_ISSUED, dispatch, before)
    timeline.log(
        session, event.id, actor, "dispatch_issued", now, number=number, lines=len(dispatch.lines)
    )
    return number
