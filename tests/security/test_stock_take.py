"""A stock-take (盘点) is checked against the book quantity each lot was counted against, not
the one at submit time: a lot that moved during the count is refused, named, and nothing of
the submission is written (issue 12, item 2). On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.enums import MovementKind
from registry.kernel.errors import StaleRecord
from registry.kernel.models import StockLot, StockMovement
from registry.records import stock
from tests.conftest import TODAY
from tests.helpers import depot, item


@pytest.fixture
def lots(factory, actors) -> dict[str, int]:
    """A town depot with 100 quilts (batch Q1) and 20 raincoats (batch R1)."""
    with db.transaction(factory) as session:
        depot_id = depot(session, actors["office"]).id
        return {
            name: stock.receive(
                session,
                actors["office"],
                depot_id,
                item(session, name).id,
                quantity,
                batch=batch,
                reason="入库",
                today=TODAY,
            ).lot_id
            for name, quantity, batch in (("棉被", 100, "Q1"), ("雨衣", 20, "R1"))
        } | {"depot": depot_id}


def adjustments(session) -> list[StockMovement]:
    return list(session.scalars(select(StockMovement).where(StockMovement.kind == "adjust")))


def test_a_count_over_a_lot_issued_during_the_count_is_refused_and_nothing_written(
    factory, actors, lots
):
    quilts, raincoats = lots["棉被"], lots["雨衣"]
    with db.transaction(factory) as session:  # the office issues while the town counts
        stock.issue(session, actors["office"], quilts, 30, reason="发放", today=TODAY)
    with factory() as session:
        movements = session.scalar(select(func.count()).select_from(StockMovement))

    counts = [(1, quilts, 100, 90), (2, raincoats, 20, 18)]  # (row, lot, book seen, counted)
    with (
        pytest.raises(StaleRecord, match=r"棉被 · Q1: book 100 → 70") as refused,
        db.transaction(factory) as session,
    ):
        stock.stock_take_grid(session, actors["town"], lots["depot"], counts, reason="盘点")

    assert refused.value.changes == {"棉被 · Q1": (100, 70)}
    assert "雨衣" not in str(refused.value)
    with factory() as session:
        assert session.get(StockLot, quilts).quantity == 70  # the shelf holds 60; not 90
        assert session.get(StockLot, raincoats).quantity == 20  # the unmoved line waits too
        assert session.scalar(select(func.count()).select_from(StockMovement)) == movements
        assert adjustments(session) == []


def test_a_single_lot_count_over_a_moved_lot_is_refused(factory, actors, lots):
    with db.transaction(factory) as session:
        stock.issue(session, actors["office"], lots["棉被"], 30, reason="发放", today=TODAY)
    with pytest.raises(StaleRecord, match="book 100 → 70"), db.transaction(factory) as session:
        stock.stock_take(session, actors["town"], lots["棉被"], 90, book=100, reason="盘点")
    with factory() as session:
        assert session.get(StockLot, lots["棉被"]).quantity == 70


def test_an_unmoved_count_goes_through_and_records_counted_against_expected(factory, actors, lots):
    quilts, raincoats = lots["棉被"], lots["雨衣"]
    counts = [(1, quilts, 100, 90), (2, raincoats, 20, 20)]
    with db.transaction(factory) as session:
        adjusted = stock.stock_take_grid(
            session, actors["town"], lots["depot"], counts, reason="盘点"
        )
    assert adjusted == 1
    with factory() as session:
        assert session.get(StockLot, quilts).quantity == 90
        assert session.get(StockLot, raincoats).quantity == 20
        [line] = adjustments(session)
        assert (line.lot_id, line.counted, line.expected, line.quantity) == (quilts, 90, 100, -10)
        assert line.kind is MovementKind.ADJUST
