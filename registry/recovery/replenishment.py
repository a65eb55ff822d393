"""补库清单: after an event, what each depot gave out for it and how much to buy back.

What a depot used up for the event is read from its ledger lines marked with the event: what
it issued (出库 用于事件) and transferred out (a dispatch's 调拨出), less what it was sent for
the event (the dispatch's 调拨入), never below nothing. Stock a dispatch moved from the
district depot to a town depot, which then issued it, is the district depot's to buy back: the
town depot only passed it on. Per depot and item the list suggests the quantity that brings
the depot's usable stock back to its minimum quota (nothing when it still holds the minimum:
the line is listed as covered), or, where no quota applies, the quantity used up. Receipts and
transfers in after the listing that are not marked with an event fill a line, each arrival
counted once, oldest line first (``registry.readiness.refill``); the office may waive what is
left, with a reason. The list is made once, when the event is closed with its review
(``registry.recovery.closing``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.kernel import audit, editing, validation
from registry.kernel.enums import AuditAction, AuditEntity, EventState, MovementKind
from registry.kernel.errors import ValidationError
from registry.kernel.models import Depot, Event, Item, Locality, ReplenishmentLine, StockMovement
from registry.kernel.permissions import Action, Actor, require
from registry.readiness.refill import fillings
from registry.records import stockview

ENTITY = AuditEntity.REPLENISHMENT
# an event's ledger lines that move stock out of a depot (negative) or into it (positive)
EVENT_KINDS = (MovementKind.ISSUE, MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN)
REASON_LENGTH = 500
OPEN, FILLED, COVERED, WAIVED = "open", "filled", "covered", "waived"
STATES = (OPEN, FILLED, COVERED, WAIVED)


def consumed(session: Session, event_id: int) -> dict[tuple[int, int], int]:
    """(depot, item) → what the depot used up for the event: issues and transfers out less
    transfers in, all marked with the event; pairs that used up nothing are left out."""
    rows = session.execute(
        select(StockMovement.depot_id, StockMovement.item_id, func.sum(StockMovement.quantity))
        .where(StockMovement.event_id == event_id, StockMovement.kind.in_(EVENT_KINDS))
        .group_by(StockMovement.depot_id, StockMovement.item_id)
    )
    return {(depot, item): -int(total) for depot, item, total in rows if total and total < 0}


def suggestion(used: int, held: int, minimum: int | None) -> int:
    """Back to the minimum quota where one applies, else what was given out."""
    return used if minimum is None else max(minimum - held, 0)


def list_for_event(
    session: Session, actor: Actor, event: Event, *, now: datetime, today: date
) -> list[ReplenishmentLine]:
    """Write the event's replenishment list and audit it as one listing. Closing the event
    calls it; it checks the office's right itself all the same."""
    require(actor, Action.MANAGE_RESPONSE)
    used = consumed(session, event.id)
    depot_ids = sorted({depot for depot, _ in used})
    usable = stockview.usable_stock(session, today, depot_ids)
    quotas = stockview.quota_lines(session, depot_ids)
    lines = []
    for key, quantity in sorted(used.items()):
        held = usable.get(key, 0)
        minimum = quotas[key][0] if key in quotas else None
        lines.append(
            ReplenishmentLine(
                event_id=event.id,
                depot_id=key[0],
                item_id=key[1],
                consumed=quantity,
                stock_at_listing=held,
                quota_minimum=minimum,
                suggested=suggestion(quantity, held, minimum),
                listed_at=now,
                listed_by=actor.user_id,
                is_demo=event.is_demo,
            )
        )
    session.add_all(lines)
    session.flush()
    audit.record(
        session, actor, AuditAction.REPLENISHMENT_LISTED, ENTITY, event.id,
        after={"event_id": event.id, "lines": [audit.snapshot(line) for line in lines]},
    )  # fmt: skip
    return lines


def waive_line(
    session: Session,
    actor: Actor,
    line_id: int,
    expected_version: int,
    *,
    reason: str,
    now: datetime,
) -> ReplenishmentLine:
    """The office gives up on what is left of an open line (核销), with the reason."""
    require(actor, Action.MANAGE_RESPONSE)
    why = validation.text(reason, "reason", max_len=REASON_LENGTH)
    line = editing.load(session, ReplenishmentLine, line_id, ENTITY)
    editing.check_version(session, line, ENTITY, expected_version)
    filling = next(f for f in fillings(session, event_id=line.event_id) if f.line_id == line.id)
    if not filling.is_open:
        raise ValidationError("error.recovery_line_closed", field="replenishment_line", id=line.id)
    depot = session.get_one(Depot, line.depot_id)
    editing.apply(
        session, actor, line, ENTITY,
        {"waived_at": now, "waived_by": actor.user_id, "waive_reason": why},
        expected_version=expected_version, locality_id=depot.locality_id,
        action=AuditAction.REPLENISHMENT_WAIVED,
    )  # fmt: skip
    return line


# --- reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    id: int
    event_id: int
    event_title: str
    depot_id: int
    depot: str
    locality_id: int
    locality: str
    item_id: int
    code: str
    item: str
    unit: str
    consumed: int
    stock_at_listing: int
    quota_minimum: int | None
    suggested: int
    received: int
    outstanding: int
    state: str  # open, filled, covered or waived
    listed_at: datetime
    waived_at: datetime | None
    waive_reason: str | None
    version: int
    is_demo: bool

    @property
    def is_open(self) -> bool:
        return self.state == OPEN


def _state(suggested: int, received: int, waived: bool) -> str:
    if waived:
        return WAIVED
    if suggested == 0:
        return COVERED
    return FILLED if received >= suggested else OPEN


def lines(session: Session, actor: Actor, event_id: int | None = None) -> list[LineRow]:
    """The replenishment lines the actor sees (of one event, or all), open first, then by
    event, locality, depot and item code."""
    received = {f.line_id: f for f in fillings(session, event_id=event_id)}
    query = (
        select(ReplenishmentLine, Event.title, Depot, Locality.name, Item)
        .join(Event, Event.id == ReplenishmentLine.event_id)
        .join(Depot, Depot.id == ReplenishmentLine.depot_id)
        .join(Locality, Locality.id == Depot.locality_id)
        .join(Item, Item.id == ReplenishmentLine.item_id)
    )
    if event_id is not None:
        query = query.where(ReplenishmentLine.event_id == event_id)
    if not actor.sees_every_locality:
        query = query.where(Depot.locality_id.in_(sorted(actor.locality_ids)))
    rows = []
    for line, title, depot, place, item in session.execute(query):
        filling = received[line.id]
        rows.append(
            LineRow(
                line.id,
                line.event_id,
                title,
                depot.id,
                depot.name,
                depot.locality_id,
                place,
                item.id,
                item.code,
                item.name,
                item.unit,
                line.consumed,
                line.stock_at_listing,
                line.quota_minimum,
                line.suggested,
                filling.received,
                filling.outstanding,
                _state(line.suggested, filling.received, line.waived_at is not None),
                line.listed_at,
                line.waived_at,
                line.waive_reason,
                line.version,
                line.is_demo,
            )
        )
    return sorted(
        rows, key=lambda r: (not r.is_open, -r.event_id, r.locality, r.depot, r.code, r.id)
    )


def events_with_lines(session: Session, actor: Actor) -> dict[int, str]:
    """Event id → title of the events whose lists the actor sees, newest first."""
    query = (
        select(Event.id, Event.title)
        .join(ReplenishmentLine, ReplenishmentLine.event_id == Event.id)
        .join(Depot, Depot.id == ReplenishmentLine.depot_id)
        .group_by(Event.id, Event.title)
        .order_by(Event.id.desc())
    )
    if not actor.sees_every_locality:
        query = query.where(Depot.locality_id.in_(sorted(actor.locality_ids)))
    return dict(session.execute(query).all())


def open_events(session: Session) -> dict[int, str]:
    """Open events an issue can be made for (用于事件), newest first."""
    rows = session.execute(
        select(Event.id, Event.title)
        .where(Event.state == EventState.OPEN)
        .order_by(Event.id.desc())
    )
    return dict(rows.all())


def totals(rows: Iterable[LineRow]) -> dict[str, Any]:
    """Counts for the page's header: lines, open lines, outstanding quantity."""
    listed = list(rows)
    return {
        "lines": len(listed),
        "open": sum(r.is_open for r in listed),
        "outstanding": sum(r.outstanding for r in listed),
    }
