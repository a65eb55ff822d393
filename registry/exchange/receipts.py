"""入库 sent by another system (a delivery or procurement system): the item named by its
catalogue code, the expiry as an ISO date, then the same use-case as the inventory page
(``records.stock.receive``: permission, validation, ledger line and audit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel.enums import AuditEntity
from registry.kernel.errors import ValidationError
from registry.kernel.models import Depot, Item, StockLot
from registry.kernel.permissions import Actor
from registry.records import stock


@dataclass(frozen=True)
class Receipt:
    """What a receipt sent to the API holds."""

    item_code: str
    quantity: int
    batch: str
    reason: str
    expiry_date: date | None = None


@dataclass(frozen=True)
class Received:
    """The ledger line written and the lot's quantity after it."""

    movement_id: int
    lot_id: int
    depot_id: int
    item_code: str
    batch: str
    quantity: int
    lot_quantity: int
    expiry_date: date | None


def _expiry(value: Any) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError("error.not_a_date", field="expiry_date", value=value) from None


def receive(
    session: Session, actor: Actor, depot_id: int, sent: dict[str, Any], *, today: date
) -> Received:
    """Receive one line into ``depot_id`` as ``actor``; refusals name the field."""
    if session.get(Depot, depot_id) is None:
        raise ValidationError("error.not_found", field="depot_id", entity=AuditEntity.DEPOT,
                              id=depot_id)  # fmt: skip
    code = str(sent.get("item_code") or "").strip()
    item = session.scalar(select(Item).where(Item.code == code)) if code else None
    if item is None:
        raise ValidationError(
            "error.unknown_record", field="item_code", entity=AuditEntity.ITEM, value=code
        )
    movement = stock.receive(
        session,
        actor,
        depot_id,
        item.id,
        sent.get("quantity"),
        batch=sent.get("batch") or "",
        reason=sent.get("reason") or "",
        today=today,
        expiry_date=_expiry(sent.get("expiry_date")),
    )
    lot = session.get(StockLot, movement.lot_id)
    assert lot is not None
    return Received(
        movement.id, lot.id, depot_id, item.code, lot.batch, movement.quantity, lot.quantity,
        lot.expiry_date,
    )  # fmt: skip
