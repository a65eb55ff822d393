"""Stock as readers see it: usable quantities, quota lines and the three flags
(below quota, expiring soon, expired). Expired stock never counts as usable."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from registry.models import Depot, Quota, StockLot


def _usable(today: date):
    return or_(StockLot.expiry_date.is_(None), StockLot.expiry_date >= today)


def usable_stock(session: Session, today: date, depot_ids=None) -> dict[tuple[int, int], int]:
    """(depot, item) → quantity in lots that have not expired."""
    query = (
        select(StockLot.depot_id, StockLot.item_id, func.sum(StockLot.quantity))
        .where(_usable(today), StockLot.quantity > 0)
        .group_by(StockLot.depot_id, StockLot.item_id)
    )
    if depot_ids is not None:
        query = query.where(StockLot.depot_id.in_(depot_ids))
    return {(d, i): int(q) for d, i, q in session.execute(query)}


def quota_lines(session: Session, depot_ids=None) -> dict[tuple[int, int], tuple[int, int]]:
    """(depot, item) → (minimum, maximum); a depot's own quota overrides its level's."""
    depots = select(Depot.id, Depot.level)
    if depot_ids is not None:
        depots = depots.where(Depot.id.in_(depot_ids))
    levels = dict(session.execute(depots).all())
    by_level: dict = defaultdict(dict)
    own: dict = {}
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


@dataclass(frozen=True)
class DepotFlags:
    quota_lines: int
    below_quota: int
    expiring_lots: int
    expired_lots: int


def depot_flags(
    session: Session, today: date, warning_days: int, depot_ids=None
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
