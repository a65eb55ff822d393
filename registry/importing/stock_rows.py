"""Stock rows: receipts (入库) into existing depots, written together by
``stock.receive_many`` (each row could also go through ``stock.receive``)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from registry.importing.cells import RowCells
from registry.importing.lookups import Lookups
from registry.importing.planned import Planned
from registry.kernel import i18n
from registry.kernel.permissions import Actor
from registry.records import stock

MAX_SHELF_LIFE_MONTHS = 600
KEY_COLUMN = "batch"  # named by a duplicate-row refusal: the same lot received twice
# Use-case field → column, for a refusal raised while writing; None: a permission refusal.
FIELD_COLUMNS = {
    None: "depot",
    "depot": "depot",
    "item": "item_name",
    "quantity": "quantity",
    "batch": "batch",
    "reason": "reason",
    "expiry_date": "expiry_date",
}


def ledger_expiry(cells: RowCells, look: Lookups) -> date | None:
    """An own ledger's 生产日期 + 保质期(月), when it has no expiry column."""
    produced = cells.date("production_date", latest=look.today)
    months = cells.integer("shelf_life_months", maximum=MAX_SHELF_LIFE_MONTHS)
    if produced is None or months is None:
        return None
    look.notes.add("expiry_from_production")
    expiry: date = produced + relativedelta(months=months)
    return expiry


def ledger_batch(cells: RowCells, look: Lookups, received: date | None) -> str:
    """Most own ledgers have no batch: the production date names the lot, else the receipt
    date, else the day of the import."""
    produced = cells.date("production_date", latest=look.today)
    source, day = (("production", produced) if produced else
                   ("received", received) if received else ("import", look.today))  # fmt: skip
    look.notes.add(f"batch_from_{source}")
    return f"{day:%Y%m%d}"


def check(cells: RowCells, look: Lookups) -> Planned | None:
    own = look.own_format
    depot = look.depot(cells, "depot")
    item = look.item(cells, "item_code", "item_name")
    unit = cells.text("unit", required=not own, max_len=8)
    batch = cells.text("batch", required=not own, max_len=64)
    quantity = cells.integer("quantity", required=True)
    expiry = cells.date("expiry_date")
    received = cells.date("received_on", latest=look.today)
    if own and expiry is None:
        expiry = ledger_expiry(cells, look)
    if own and batch is None:
        batch = ledger_batch(cells, look, received)
    reason = cells.text("reason", max_len=255) or i18n.translate(
        "import.default_reason", look.language
    )
    if expiry is not None and expiry < look.today:
        cells.problem("expiry_date", "expired", today=look.today)
    if unit and unit not in look.units:
        cells.problem("unit", "unknown_unit")
    elif unit and item and unit != item.unit:
        cells.problem("unit", "wrong_unit", expected=item.unit, item=item.name)
    if not cells.ok:
        return None
    # cells.ok: the required cells were read
    assert depot is not None and item is not None and batch is not None and quantity is not None
    lot = (depot.id, item.id, batch)
    new_lot = lot not in look.lot_expiry
    if not new_lot and expiry is not None and look.lot_expiry[lot] != expiry:
        cells.problem("expiry_date", "expiry_conflict", existing=look.lot_expiry[lot] or "—")
        return None

    def write(session: Session, actor: Actor, today: date) -> object:
        # receive() stamps a new lot's received_on with its ``today``: the date on the sheet.
        return stock.receive(
            session, actor, depot.id, item.id, quantity, batch=batch, reason=reason,
            today=received or today, expiry_date=expiry,
        )  # fmt: skip

    creates = ("stock_movements", "stock_lots") if new_lot else ("stock_movements",)
    receipt = stock.Receipt(
        depot.id, item.id, quantity, batch, reason, received or look.today, expiry
    )
    return Planned(lot, creates, write, receipt)
