"""Stock as readers see it: usable quantities, quota lines and the three flags
(below quota, expiring soon, expired). Expired stock never counts as usable."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypedDict

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from registry.kernel.enums import DepotLevel
from registry.kernel.models import Depot, Item, Quota, StockLot, StockMovement, User


def _usable(today: date) -> ColumnElement[bool]:
    return or_(StockLot.expiry_date.is_(None), StockLot.expiry_date >= today)


def usable_stock(
    session: Session, today: date, depot_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], int]:
    """(depot, item) → quantity in lots that have not expired."""
    query = (
        select(StockLot.depot_id, StockLot.item_id, func.sum(StockLot.quantity))
        .where(_usable(today), StockLot.quantity > 0)
        .group_by(StockLot.depot_id, StockLot.item_id)
    )
    if depot_ids is not None:
        query = query.where(StockLot.depot_id.in_(depot_ids))
    return {(d, i): int(q) for d, i, q in session.execute(query)}


def quota_lines(
    session: Session, depot_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], tuple[int, int]]:
    """(depot, item) → (minimum, maximum); a depot's own quota overrides its level's."""
    depots = select(Depot.id, Depot.level)
    if depot_ids is not None:
        depots = depots.where(Depot.id.in_(depot_ids))
    levels = {depot_id: level for depot_id, level in session.execute(depots)}
    by_level: dict[DepotLevel | None, dict[int, tuple[int, int]]] = defaultdict(dict)
    own: dict[tuple[int, int], tuple[int, int]] = {}
    for quota in session.scalars(select(Quota)):
        if quota.depot_id is not None:
            own[(quota.depot_id, quota.item_id)] = (quota.minimum, quota.maximum)
        else:
            by_level[quota.depot_level][quota.item_id] = (quota.minimum, quota.maximum)
    lines = {
        (depot_id, item_id): bounds
        for depot_id, level in levels.items()
        for item_id, bounds in by_level[level].items()
    }
    lines.update({key: value for key, value in own.items() if key[0] in levels})
    return lines


class LotRow(TypedDict):
    lot_id: int
    item_id: int
    code: str
    item: str
    unit: str
    batch: str
    quantity: int
    expiry_date: date | None
    minimum: int | None
    maximum: int | None
    item_usable: int
    below_quota: bool
    expiring: bool
    expired: bool
    version: int


class LedgerRow(TypedDict):
    id: int
    at: datetime
    item: str
    batch: str
    kind: str
    quantity: int
    counted: int | None
    expected: int | None
    reason: str
    actor: str
    transfer_group: str | None


@dataclass(frozen=True)
class DepotFlags:
    quota_lines: int
    below_quota: int
    expiring_lots: int
    expired_lots: int


def depot_flags(
    session: Session, today: date, warning_days: int, depot_ids: Iterable[int] | None = None
) -> dict[int, DepotFlags]:
    """Per depot: quota lines, lines below minimum, lots expiring soon, expired lots."""
    stock = usable_stock(session, today, depot_ids)
    lines = quota_lines(session, depot_ids)
    lots = (
        select(
            StockLot.depot_id,
            func.sum(
                case(
                    (
                        and_(
                            StockLot.expiry_date >= today,
                            StockLot.expiry_date <= today + timedelta(days=warning_days),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(case((StockLot.expiry_date < today, 1), else_=0)),
        )
        .where(StockLot.quantity > 0)
        .group_by(StockLot.depot_id)
    )
    if depot_ids is not None:
        lots = lots.where(StockLot.depot_id.in_(depot_ids))
    lot_counts = {d: (int(a or 0), int(b or 0)) for d, a, b in session.execute(lots)}
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (depot_id, item_id), (minimum, _) in lines.items():
        totals[depot_id][0] += 1
        totals[depot_id][1] += stock.get((depot_id, item_id), 0) < minimum
    ids = set(totals) | set(lot_counts)
    return {d: DepotFlags(totals[d][0], totals[d][1], *lot_counts.get(d, (0, 0))) for d in ids}


def lot_rows(session: Session, depot_id: int, today: date, warning_days: int) -> list[LotRow]:
    """Every lot of a depot (empty lots included) with its item, quota and flags: the
    stock-take grid."""
    quotas = {item: bounds for (_, item), bounds in quota_lines(session, [depot_id]).items()}
    usable = {item: qty for (_, item), qty in usable_stock(session, today, [depot_id]).items()}
    soon = today + timedelta(days=warning_days)
    rows: list[LotRow] = []
    for lot, item in session.execute(
        select(StockLot, Item)
        .join(Item, Item.id == StockLot.item_id)
        .where(StockLot.depot_id == depot_id)
        .order_by(Item.code, StockLot.expiry_date, StockLot.id)
    ):
        bounds: tuple[int, int] | tuple[None, None] = quotas.get(item.id, (None, None))
        minimum, maximum = bounds
        expired = lot.expiry_date is not None and lot.expiry_date < today
        rows.append(
            {
                "lot_id": lot.id,
                "item_id": item.id,
                "code": item.code,
                "item": item.name,
                "unit": item.unit,
                "batch": lot.batch,
                "quantity": lot.quantity,
                "expiry_date": lot.expiry_date,
                "minimum": minimum,
                "maximum": maximum,
                "item_usable": usable.get(item.id, 0),
                "below_quota": minimum is not None and usable.get(item.id, 0) < minimum,
                "expiring": not expired
                and lot.expiry_date is not None
                and lot.expiry_date <= soon
                and lot.quantity > 0,
                "expired": expired and lot.quantity > 0,
                "version": lot.version,
            }
        )
    return rows


def ledger(
    session: Session, depot_id: int, item_id: int | None = None, limit: int = 500
) -> list[LedgerRow]:
    """The depot's movements, newest first, with actor names: the 台账 view."""
    query = (
        select(StockMovement, Item.name, StockLot.batch, User.display_name)
        .join(Item, Item.id == StockMovement.item_id)
        .join(StockLot, StockLot.id == StockMovement.lot_id)
        .outerjoin(User, User.id == StockMovement.actor_id)
        .where(StockMovement.depot_id == depot_id)
        .order_by(StockMovement.id.desc())
        .limit(limit)
    )
    if item_id is not None:
        query = query.where(StockMovement.item_id == item_id)
    return [
        {
            "id": m.id,
            "at": m.at,
            "item": item,
            "batch": batch,
            "kind": m.kind.value,
            "quantity": m.quantity,
            "counted": m.counted,
            "expected": m.expected,
            "reason": m.reason,
            "actor": actor or "system",
            "transfer_group": m.transfer_group,
        }
        for m, item, batch, actor in session.execute(query)
    ]
