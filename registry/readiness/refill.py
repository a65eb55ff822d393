"""How far each replenishment line (补库清单) has been filled. Receipts (入库) and transfers
in (调入) of the line's item at its depot after the list was made fill it; a movement marked
with an event does not (a dispatch to a depot for a live event is stock passing through for
that event, not a refill). Shared by the readiness scorecard, the alerts and the
replenishment pages (``registry.recovery``), so they never disagree about which lines are
still open.

Several lines may wait on the same depot and item (two events each used its tents). Every
arrival is counted once: in time order, each one goes to that depot and item's lines in
listing order, oldest line first, each line taking no more than it still lacks. A line takes
only what arrived after it was listed and, once waived, nothing more; what is left over after
every such line is full is plain stock and fills nothing.

A line is open while it is not waived and what it took falls short of what was suggested; a
line with nothing suggested (the depot still holds its minimum) is covered from the start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

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
    received: int  # what of the arrivals since listing went to this line
    listed_at: datetime
    waived: bool

    @property
    def outstanding(self) -> int:
        """What is still to arrive: nothing once waived or filled."""
        return 0 if self.waived else max(self.suggested - self.received, 0)

    @property
    def is_open(self) -> bool:
        return self.outstanding > 0


def _scoped(query: Any, depot_ids: list[int] | None, event_id: int | None) -> Any:
    """Lines of these depots, and of the depot-item pairs of this event's lines: an event's
    lines share their arrivals with every other line of the same depot and item."""
    if depot_ids is not None:
        query = query.where(ReplenishmentLine.depot_id.in_(depot_ids))
    if event_id is not None:
        mine = aliased(ReplenishmentLine)
        query = query.where(
            exists().where(
                mine.event_id == event_id,
                mine.depot_id == ReplenishmentLine.depot_id,
                mine.item_id == ReplenishmentLine.item_id,
            )
        )
    return query


def fillings(
    session: Session,
    *,
    depot_ids: Iterable[int] | None = None,
    event_id: int | None = None,
    open_only: bool = False,
) -> list[Filling]:
    """Every replenishment line (of these depots, of this event) with what arrived since it
    was listed and went to it, in line order."""
    depots = None if depot_ids is None else list(depot_ids)
    lines = session.scalars(
        _scoped(select(ReplenishmentLine), depots, event_id).order_by(
            ReplenishmentLine.listed_at, ReplenishmentLine.id
        )
    ).all()
    if not lines:
        return []
    since = (
        _scoped(
            select(
                ReplenishmentLine.depot_id,
                ReplenishmentLine.item_id,
                func.min(ReplenishmentLine.listed_at).label("since"),
            ),
            depots,
            event_id,
        )
        .group_by(ReplenishmentLine.depot_id, ReplenishmentLine.item_id)
        .subquery()
    )
    arrivals = session.execute(
        select(
            StockMovement.depot_id, StockMovement.item_id, StockMovement.at, StockMovement.quantity
        )
        .join(
            since,
            and_(
                since.c.depot_id == StockMovement.depot_id,
                since.c.item_id == StockMovement.item_id,
                StockMovement.at > since.c.since,
            ),
        )
        .where(StockMovement.kind.in_(FILLING_KINDS), StockMovement.event_id.is_(None))
        .order_by(StockMovement.at, StockMovement.id)
    )
    waiting: dict[tuple[int, int], list[ReplenishmentLine]] = defaultdict(list)
    for line in lines:  # in listing order
        waiting[(line.depot_id, line.item_id)].append(line)
    taken: dict[int, int] = defaultdict(int)
    for depot_id, item_id, at, quantity in arrivals:
        left = int(quantity)
        for line in waiting[(depot_id, item_id)]:
            if left <= 0 or line.listed_at >= at:
                break  # the rest were listed later still
            if line.waived_at is not None and line.waived_at <= at:
                continue
            share = min(left, line.suggested - taken[line.id])
            if share > 0:
                taken[line.id] += share
                left -= share
    found = [
        Filling(
            line.id,
            line.event_id,
            line.depot_id,
            line.item_id,
            line.suggested,
            taken[line.id],
            line.listed_at,
            line.waived_at is not None,
        )
        for line in sorted(lines, key=lambda line: line.id)
        if event_id is None or line.event_id == event_id
    ]
    return [f for f in found if f.is_open] if open_only else found
