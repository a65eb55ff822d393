"""How far each replenishment line (补库清单) has been filled: receipts (入库) and transfers in
(调入) of the line's item at its depot after the list was made count against the suggested
quantity. One grouped query, shared by the readiness scorecard, the alerts and the
replenishment pages (``registry.recovery``), so they never disagree about which lines are
still open.

A line is open while it is not waived and what arrived falls short of what was suggested; a
line with nothing suggested (the depot still holds its minimum) is covered from the start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from registry.kernel.enums import MovementKind
from registry.kernel.models import ReplenishmentLine, StockMovement

FILLING_KINDS = (MovementKind.RECEIVE, MovementKind.TRANSFER_IN)


@dataclass(frozen=True)
class Filling:
    line_id: int
    event_id: int
    depot_id: int
    item_id: int
    suggested: int
    received: int
    listed_at: datetime
    waived: bool

    @property
    def outstanding(self) -> int:
        """What is still to arrive: nothing once waived or filled."""
        return 0 if self.waived else max(self.suggested - self.received, 0)

    @property
    def is_open(self) -> bool:
        return self.outstanding > 0


def fillings(
    session: Session,
    *,
    depot_ids: Iterable[int] | None = None,
    event_id: int | None = None,
    open_only: bool = False,
) -> list[Filling]:
    """Every replenishment line (of these depots, of this event) with what arrived since it
    was listed, in line order."""
    arrived = (
        select(ReplenishmentLine.id.label("line_id"), func.sum(StockMovement.quantity).label("qty"))
        .join(
            StockMovement,
            and_(
                StockMovement.depot_id == ReplenishmentLine.depot_id,
                StockMovement.item_id == ReplenishmentLine.item_id,
                StockMovement.kind.in_(FILLING_KINDS),
                StockMovement.at > ReplenishmentLine.listed_at,
            ),
        )
        .group_by(ReplenishmentLine.id)
        .subquery()
    )
    query = (
        select(ReplenishmentLine, func.coalesce(arrived.c.qty, 0))
        .outerjoin(arrived, arrived.c.line_id == ReplenishmentLine.id)
        .order_by(ReplenishmentLine.id)
    )
    if depot_ids is not None:
        query = query.where(ReplenishmentLine.depot_id.in_(list(depot_ids)))
    if event_id is not None:
        query = query.where(ReplenishmentLine.event_id == event_id)
    if open_only:  # the rest of the test needs the sum
        query = query.where(ReplenishmentLine.waived_at.is_(None), ReplenishmentLine.suggested > 0)
    found = [
        Filling(
            line.id,
            line.event_id,
            line.depot_id,
            line.item_id,
            line.suggested,
            int(received),
            line.listed_at,
            line.waived_at is not None,
        )
        for line, received in session.execute(query)
    ]
    return [f for f in found if f.is_open] if open_only else found
