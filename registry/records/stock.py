"""Stock use-cases: every change is a ledger movement, and the lot quantity follows it.

Invariants kept here (and verified by ``registry.checks``): stock never negative, the lot
equals the sum of its movements, a transfer is one atomic out/in pair, an expired lot is
never issued. Lots are row-locked (PostgreSQL) or the write lock is taken at BEGIN (SQLite)
so parallel movements serialise instead of losing updates.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import audit, validation
from registry.kernel.enums import (
    AuditAction,
    AuditEntity,
    EventState,
    MovementKind,
    RecordStatus,
)
from registry.kernel.errors import (
    InvariantViolation,
    RegistryError,
    StaleRecord,
    ValidationError,
)
from registry.kernel.models import Depot, Event, Item, StockLot, StockMovement
from registry.kernel.permissions import Actor, require_depot_write

MOVEMENT_ACTIONS = {
    MovementKind.RECEIVE: AuditAction.STOCK_RECEIVE,
    MovementKind.ISSUE: AuditAction.STOCK_ISSUE,
    MovementKind.TRANSFER_OUT: AuditAction.STOCK_TRANSFER_OUT,
    MovementKind.TRANSFER_IN: AuditAction.STOCK_TRANSFER_IN,
    MovementKind.ADJUST: AuditAction.STOCK_ADJUST,
}


def _depot_for_write(session: Session, actor: Actor, depot_id: int) -> Depot:
    depot = session.get(Depot, depot_id)
    if depot is None:
        raise ValidationError(
            "error.unknown_record", field="depot", entity=AuditEntity.DEPOT, value=depot_id
        )
    require_depot_write(actor, depot.level, depot.locality_id)
    if depot.status is not RecordStatus.ACTIVE:
        raise ValidationError("error.retired", field="depot", name=depot.name)
    return depot


def _locked_lot(session: Session, lot_id: int) -> StockLot:
    lot = session.scalar(
        select(StockLot)
        .where(StockLot.id == lot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if lot is None:
        raise ValidationError(
            "error.unknown_record", field="lot", entity=AuditEntity.STOCK_LOT, value=lot_id
        )
    return lot


def _move(
    session: Session,
    actor: Actor,
    lot: StockLot,
    kind: MovementKind,
    delta: int,
    reason: str,
    **extra: Any,
) -> StockMovement:
    """Append one ledger line and keep the lot quantity equal to the ledger sum."""
    if lot.quantity + delta < 0:
        raise InvariantViolation(
            "error.not_enough_stock", batch=lot.batch, held=lot.quantity, wanted=-delta
        )
    before = audit.snapshot(lot)
    lot.quantity += delta
    movement = StockMovement(
        lot_id=lot.id,
        depot_id=lot.depot_id,
        item_id=lot.item_id,
        kind=kind,
        quantity=delta,
        reason=reason,
        actor_id=actor.user_id,
        is_demo=lot.is_demo,
        **extra,
    )
    session.add(movement)
    session.flush()
    depot = session.get_one(Depot, lot.depot_id)
    audit.record(
        session,
        actor,
        MOVEMENT_ACTIONS[kind],
        AuditEntity.STOCK_LOT,
        lot.id,
        locality_id=depot.locality_id,
        before=before,
        after={**audit.snapshot(lot), "movement_id": movement.id, "reason": reason},
    )
    return movement


def receive(
    session: Session,
    actor: Actor,
    depot_id: int,
    item_id: int,
    quantity: Any,
    *,
    batch: str,
    reason: str,
    today: date,
    expiry_date: date | None = None,
    is_demo: bool = False,
) -> StockMovement:
    """入库: add to the lot of this batch, creating it on first receipt."""
    depot = _depot_for_write(session, actor, depot_id)
    amount = validation.quantity(quantity)
    batch = validation.text(batch, "batch", max_len=64)
    reason = validation.text(reason, "reason", max_len=255)
    if session.get(Item, item_id) is None:
        raise ValidationError(
            "error.unknown_record", field="item", entity=AuditEntity.ITEM, value=item_id
        )
    lot = session.scalar(
        select(StockLot)
        .where(StockLot.depot_id == depot.id, StockLot.item_id == item_id, StockLot.batch == batch)
        .with_for_update()
    )
    if lot is None:
        lot = StockLot(
            depot_id=depot.id,
            item_id=item_id,
            batch=batch,
            quantity=0,
            expiry_date=expiry_date,
            received_on=today,
            is_demo=is_demo,
        )
        session.add(lot)
        session.flush()
    elif expiry_date is not None and lot.expiry_date != expiry_date:
        raise ValidationError(
            "error.expiry_differs", field="expiry_date", batch=batch, expiry=lot.expiry_date
        )
    return _move(session, actor, lot, MovementKind.RECEIVE, amount, reason)


@dataclass(frozen=True)
class Receipt:
    """One line of a many-line receipt (an Excel import)."""

    depot_id: int
    item_id: int
    quantity: int
    batch: str
    reason: str
    received_on: date
    expiry_date: date | None = None


def _line(position: int, error: ValidationError) -> ValidationError:
    return ValidationError(
        "error.line", field=error.field, row=position, line=position + 1, reason=error
    )


def receive_many(
    session: Session,
    actor: Actor,
    receipts: list[Receipt],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """入库 of many lines at once: the same permission, checks, ledger lines and audit
    events as ``receive``, in a handful of statements instead of five per line, so a
    10,000-line workbook commits in seconds. A refusal names the line (``row`` is its
    position) and, the caller's transaction rolling back, nothing is written.
    ``progress(lines)`` is called as lines are done."""
    depots = {}
    for position, r in enumerate(receipts):
        try:
            if r.depot_id not in depots:
                depots[r.depot_id] = _depot_for_write(session, actor, r.depot_id)
            validation.quantity(r.quantity)
            validation.text(r.batch, "batch", max_len=64)
            validation.text(r.reason, "reason", max_len=255)
        except ValidationError as error:
            raise _line(position, error) from None
    wanted = {r.item_id for r in receipts}
    known = set(session.scalars(select(Item.id).where(Item.id.in_(wanted))))
    lots = {
        (lot.depot_id, lot.item_id, lot.batch): lot
        for lot in session.scalars(
            select(StockLot)
            .where(StockLot.depot_id.in_(list(depots)), StockLot.item_id.in_(wanted))
            .with_for_update()
        )
    }
    for position, r in enumerate(receipts):
        if r.item_id not in known:
            unknown = ValidationError(
                "error.unknown_record", field="item", entity=AuditEntity.ITEM, value=r.item_id
            )
            raise _line(position, unknown)
        key = (r.depot_id, r.item_id, r.batch)
        lot = lots.get(key)
        if lot is None:
            lots[key] = StockLot(
                depot_id=r.depot_id, item_id=r.item_id, batch=r.batch, quantity=0,
                expiry_date=r.expiry_date, received_on=r.received_on,
            )  # fmt: skip
            session.add(lots[key])
        elif r.expiry_date is not None and lot.expiry_date != r.expiry_date:
            differs = ValidationError(
                "error.expiry_differs", field="expiry_date", batch=r.batch, expiry=lot.expiry_date
            )
            raise _line(position, differs)
    session.flush()  # new lots get their ids
    movements, changes = [], []
    for r in receipts:
        lot = lots[(r.depot_id, r.item_id, r.batch)]
        before = lot.quantity
        lot.quantity += int(r.quantity)
        movement = StockMovement(
            lot_id=lot.id, depot_id=lot.depot_id, item_id=lot.item_id,
            kind=MovementKind.RECEIVE, quantity=int(r.quantity), reason=r.reason,
            actor_id=actor.user_id, is_demo=lot.is_demo,
        )  # fmt: skip
        movements.append(movement)
        changes.append((lot, before, movement, r.reason))
    session.add_all(movements)
    session.flush()
    for lot, before, movement, reason in changes:
        if progress:
            progress(1)
        audit.record(
            session,
            actor,
            AuditAction.STOCK_RECEIVE,
            AuditEntity.STOCK_LOT,
            lot.id,
            locality_id=depots[lot.depot_id].locality_id,
            before={"quantity": before, "batch": lot.batch},
            after={"quantity": before + movement.quantity, "batch": lot.batch,
                   "movement_id": movement.id, "reason": reason},
        )  # fmt: skip
    return len(movements)


def _refuse_expired(lot: StockLot, today: date) -> None:
    if lot.expiry_date is not None and lot.expiry_date < today:
        raise InvariantViolation("error.expired_lot", batch=lot.batch, expiry=lot.expiry_date)


def _open_event(session: Session, event_id: int | None) -> int | None:
    """The event stock goes to (用于事件), when given: it exists and its response is open, so
    the replenishment list after it counts the stock."""
    if event_id is None:
        return None
    event = session.get(Event, event_id)
    if event is None:
        raise ValidationError("error.recovery_event_unknown", field="event", id=event_id)
    if event.state is not EventState.OPEN:
        raise ValidationError("error.recovery_event_closed", field="event", title=event.title)
    return event.id


def issue(
    session: Session,
    actor: Actor,
    lot_id: int,
    quantity: Any,
    *,
    reason: str,
    today: date,
    event_id: int | None = None,
) -> StockMovement:
    """出库: take from one lot; expired lots are refused. ``event_id`` marks stock issued for
    an open event (补库 sums it when the event closes)."""
    lot = _locked_lot(session, lot_id)
    _depot_for_write(session, actor, lot.depot_id)
    amount = validation.quantity(quantity)
    reason = validation.text(reason, "reason", max_len=255)
    _refuse_expired(lot, today)
    event = _open_event(session, event_id)
    return _move(session, actor, lot, MovementKind.ISSUE, -amount, reason, event_id=event)


def suggest_issue(
    session: Session, depot_id: int, item_id: int, quantity: int, today: date
) -> tuple[list[tuple[StockLot, int]], int]:
    """Earliest expiry first, expired lots skipped: [(lot, amount)] covering the quantity."""
    lots = session.scalars(
        select(StockLot)
        .where(StockLot.depot_id == depot_id, StockLot.item_id == item_id, StockLot.quantity > 0)
        .order_by(StockLot.expiry_date.is_(None), StockLot.expiry_date, StockLot.id)
    ).all()
    plan: list[tuple[StockLot, int]] = []
    remaining = quantity
    for lot in lots:
        if remaining <= 0:
            break
        if lot.expiry_date is not None and lot.expiry_date < today:
            continue
        take = min(lot.quantity, remaining)
        plan.append((lot, take))
        remaining -= take
    return plan, remaining


def transfer(
    session: Session,
    actor: Actor,
    lot_id: int,
    to_depot_id: int,
    quantity: Any,
    *,
    reason: str,
    today: date,
    event_id: int | None = None,
) -> tuple[StockMovement, StockMovement]:
    """调拨: one atomic out/in pair; the actor needs write access to both depots. ``event_id``
    marks a transfer made for an open event (a dispatch) on both lines."""
    lot = _locked_lot(session, lot_id)
    _depot_for_write(session, actor, lot.depot_id)
    target = _depot_for_write(session, actor, to_depot_id)
    if target.id == lot.depot_id:
        raise ValidationError("error.same_depot", field="to_depot")
    amount = validation.quantity(quantity)
    reason = validation.text(reason, "reason", max_len=255)
    _refuse_expired(lot, today)
    event = _open_event(session, event_id)
    target_lot = session.scalar(
        select(StockLot)
        .where(
            StockLot.depot_id == target.id,
            StockLot.item_id == lot.item_id,
            StockLot.batch == lot.batch,
        )
        .with_for_update()
    )
    if target_lot is None:
        target_lot = StockLot(
            depot_id=target.id,
            item_id=lot.item_id,
            batch=lot.batch,
            quantity=0,
            expiry_date=lot.expiry_date,
            received_on=today,
            is_demo=lot.is_demo,
        )
        session.add(target_lot)
        session.flush()
    group = str(uuid.uuid4())
    out = _move(
        session, actor, lot, MovementKind.TRANSFER_OUT, -amount, reason,
        transfer_group=group, event_id=event,
    )  # fmt: skip
    into = _move(
        session, actor, target_lot, MovementKind.TRANSFER_IN, amount, reason,
        transfer_group=group, event_id=event,
    )  # fmt: skip
    return out, into


def _count(
    session: Session,
    actor: Actor,
    depot: Depot,
    lot: StockLot,
    book: int,
    counted: int,
    reason: str,
) -> StockMovement | None:
    """Record one counted line against the book quantity it was counted against (the lot is
    locked and has not moved since): a match is audited, a difference becomes an adjustment."""
    if counted == book:
        audit.record(
            session,
            actor,
            AuditAction.STOCK_TAKE_MATCHED,
            AuditEntity.STOCK_LOT,
            lot.id,
            locality_id=depot.locality_id,
            after={"counted": counted, "expected": book},
        )
        return None
    return _move(
        session,
        actor,
        lot,
        MovementKind.ADJUST,
        counted - book,
        reason,
        counted=counted,
        expected=book,
    )


def _refuse_moved(moved: list[tuple[StockLot, int]]) -> None:
    """Refuse a count made against book quantities that changed since (an issue, receipt or
    transfer during the count): its difference would silently undo that movement."""
    if not moved:
        return
    names = {f"{lot.item.name} · {lot.batch}": (book, lot.quantity) for lot, book in moved}
    moves = [
        RegistryError("error.lot_moved", lot=name, then=then, now=now)
        for name, (then, now) in names.items()
    ]
    raise StaleRecord("error.count_moved", names, moves=moves)


def stock_take(
    session: Session, actor: Actor, lot_id: int, counted: Any, *, book: Any, reason: str
) -> StockMovement | None:
    """盘点 of one lot: ``counted`` against ``book``, the book quantity the counter saw; a lot
    that moved since is refused."""
    lot = _locked_lot(session, lot_id)
    depot = _depot_for_write(session, actor, lot.depot_id)
    counted = validation.quantity(counted, "counted", allow_zero=True)
    book = validation.quantity(book, "book", allow_zero=True)
    reason = validation.text(reason, "reason", max_len=255)
    _refuse_moved([(lot, book)] if lot.quantity != book else [])
    return _count(session, actor, depot, lot, book, counted, reason)


def stock_take_grid(
    session: Session,
    actor: Actor,
    depot_id: int,
    counts: list[tuple[int, int, object, object]],
    *,
    reason: str,
) -> int:
    """盘点 from the stock-take grid: ``counts`` are (grid row, lot id, book quantity shown
    when the grid was opened, counted). Every value is checked here (the grid's own checks
    run only in the browser) and every lot locked before anything is written; if any lot
    moved since the grid was opened the whole submission is refused, naming those lots, so
    a count is never half applied. Returns the number of lots adjusted."""
    depot = _depot_for_write(session, actor, depot_id)
    reason = validation.text(reason, "reason", max_len=255)
    lots = {
        lot.id: lot
        for lot in session.scalars(
            select(StockLot)
            .where(StockLot.id.in_([lot_id for _, lot_id, _, _ in counts]))
            .order_by(StockLot.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    problems, checked = [], []
    for row, lot_id, book, counted in counts:
        lot = lots.get(lot_id)
        if lot is None or lot.depot_id != depot_id:
            problems.append(ValidationError("error.not_this_depot", field="lot", grid_row=row))
            continue
        try:
            checked.append(
                (
                    lot,
                    validation.quantity(book, "book", allow_zero=True),
                    validation.quantity(counted, "counted", allow_zero=True),
                )
            )
        except ValidationError as error:
            problems.append(ValidationError("error.grid_row", grid_row=row, reason=error))
    if problems:
        raise ValidationError(
            "error.problems", field="counted", row=counts[0][0], problems=problems
        )
    _refuse_moved([(lot, book) for lot, book, _ in checked if lot.quantity != book])
    return sum(
        _count(session, actor, depot, lot, book, counted, reason) is not None
        for lot, book, counted in checked
    )
