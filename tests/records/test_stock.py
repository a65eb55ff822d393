"""Stock invariants in the core, on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from registry.kernel import db
from registry.kernel.errors import InvariantViolation, PermissionDenied, ValidationError
from registry.kernel.models import AuditEvent, StockLot, StockMovement
from registry.operations.checks import run_checks
from registry.records import stock
from tests.conftest import TODAY
from tests.helpers import BANPU_POINT, depot, item


@pytest.fixture
def town_depot(factory, actors):
    with db.transaction(factory) as session:
        return depot(session, actors["office"]).id


def ledger_sum(session, lot_id):
    return session.scalar(
        select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(
            StockMovement.lot_id == lot_id
        )
    )


def test_receive_issue_keep_lot_equal_to_ledger(factory, actors, town_depot):
    with db.transaction(factory) as session:
        quilt = item(session, "棉被")
        move = stock.receive(
            session,
            actors["town"],
            town_depot,
            quilt.id,
            120,
            batch="B1",
            reason="采购入库",
            today=TODAY,
            expiry_date=TODAY + timedelta(400),
        )
        stock.issue(session, actors["town"], move.lot_id, 20, reason="发放", today=TODAY)
    with factory() as session:
        lot = session.get(StockLot, move.lot_id)
        assert lot.quantity == 100 == ledger_sum(session, lot.id)
        kinds = session.scalars(select(StockMovement.kind).order_by(StockMovement.id)).all()
        assert [k.value for k in kinds] == ["receive", "issue"]
        assert run_checks(session)["ok"]


def test_stock_never_negative(factory, actors, town_depot):
    with db.transaction(factory) as session:
        move = stock.receive(
            session,
            actors["town"],
            town_depot,
            item(session, "救生衣").id,
            5,
            batch="L",
            reason="入库",
            today=TODAY,
        )
    with (
        pytest.raises(InvariantViolation, match="only 5 in stock"),
        db.transaction(factory) as session,
    ):
        stock.issue(session, actors["town"], move.lot_id, 6, reason="发放", today=TODAY)
    with factory() as session:
        assert session.get(StockLot, move.lot_id).quantity == 5
        assert session.scalar(select(func.count()).select_from(StockMovement)) == 1


def test_expired_lot_cannot_be_issued_or_transferred(factory, actors, town_depot):
    with db.transaction(factory) as session:
        other = depot(session, actors["office"], "另一库", place="板浦镇", point=BANPU_POINT).id
        move = stock.receive(
            session,
            actors["office"],
            town_depot,
            item(session, "方便食品").id,
            10,
            batch="old",
            reason="入库",
            today=TODAY,
            expiry_date=TODAY - timedelta(days=1),
        )
    for action in (
        lambda s: stock.issue(s, actors["office"], move.lot_id, 1, reason="x", today=TODAY),
        lambda s: stock.transfer(
            s, actors["office"], move.lot_id, other, 1, reason="x", today=TODAY
        ),
    ):
        with pytest.raises(InvariantViolation, match="expired"), db.transaction(factory) as session:
            action(session)


def test_transfer_is_one_atomic_pair(factory, actors, town_depot):
    with db.transaction(factory) as session:
        other = depot(session, actors["office"], "板浦镇库", place="板浦镇", point=BANPU_POINT).id
        move = stock.receive(
            session,
            actors["office"],
            town_depot,
            item(session, "编织袋").id,
            1000,
            batch="S",
            reason="入库",
            today=TODAY,
        )
        out, into = stock.transfer(
            session, actors["office"], move.lot_id, other, 400, reason="支援板浦", today=TODAY
        )
    with factory() as session:
        assert out.transfer_group == into.transfer_group
        assert session.get(StockLot, out.lot_id).quantity == 600
        assert session.get(StockLot, into.lot_id).quantity == 400
        assert run_checks(session)["ok"]


def test_failed_transfer_writes_nothing(factory, actors, town_depot):
    """The town official holds 新浦 but not 板浦: the whole transfer is refused."""
    with db.transaction(factory) as session:
        other = depot(session, actors["office"], "板浦镇库", place="板浦镇", point=BANPU_POINT).id
        move = stock.receive(
            session,
            actors["town"],
            town_depot,
            item(session, "编织袋").id,
            100,
            batch="S",
            reason="入库",
            today=TODAY,
        )
    with factory() as session:
        before = session.scalar(select(func.count()).select_from(StockMovement))
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        stock.transfer(session, actors["town"], move.lot_id, other, 10, reason="x", today=TODAY)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(StockMovement)) == before
        assert session.get(StockLot, move.lot_id).quantity == 100


def test_stock_take_records_counted_against_expected(factory, actors, town_depot):
    with db.transaction(factory) as session:
        move = stock.receive(
            session,
            actors["town"],
            town_depot,
            item(session, "雨衣").id,
            50,
            batch="R",
            reason="入库",
            today=TODAY,
        )
        adjust = stock.stock_take(
            session, actors["town"], move.lot_id, 47, book=50, reason="季度盘点"
        )
        matched = stock.stock_take(session, actors["town"], move.lot_id, 47, book=47, reason="复盘")
    assert (adjust.counted, adjust.expected, adjust.quantity) == (47, 50, -3)
    assert matched is None
    with factory() as session:
        assert session.get(StockLot, move.lot_id).quantity == 47
        actions = session.scalars(select(AuditEvent.action)).all()
        assert "stock-take-matched" in actions and "stock-adjust" in actions


@pytest.mark.parametrize("bad", [0, -5, 2.5, "十", None, 10**9])
def test_bad_quantities_are_refused(factory, actors, town_depot, bad):
    with pytest.raises(ValidationError, match="quantity"), db.transaction(factory) as session:
        stock.receive(
            session,
            actors["town"],
            town_depot,
            item(session, "棉被").id,
            bad,
            batch="B",
            reason="入库",
            today=TODAY,
        )


def test_ledger_and_audit_are_append_only(factory, actors, town_depot):
    with db.transaction(factory) as session:
        stock.receive(
            session,
            actors["town"],
            town_depot,
            item(session, "棉被").id,
            3,
            batch="B",
            reason="入库",
            today=TODAY,
        )
    for statement in (
        "UPDATE stock_movements SET quantity = 999",
        "DELETE FROM stock_movements",
        "UPDATE audit_events SET actor_name = 'someone else'",
        "DELETE FROM audit_events",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.transaction(factory) as session:
            session.execute(text(statement))


def test_earliest_expiry_first_suggestion_skips_expired(factory, actors, town_depot):
    with db.transaction(factory) as session:
        water = item(session, "瓶装饮用水").id
        for batch, days, qty in (("late", 300, 10), ("soon", 20, 5), ("dead", -3, 50)):
            stock.receive(
                session,
                actors["town"],
                town_depot,
                water,
                qty,
                batch=batch,
                reason="入库",
                today=TODAY,
                expiry_date=TODAY + timedelta(days),
            )
        plan, short = stock.suggest_issue(session, town_depot, water, 12, TODAY)
    assert [(lot.batch, qty) for lot, qty in plan] == [("soon", 5), ("late", 7)]
    assert short == 0


def test_receive_refuses_conflicting_expiry_for_same_batch(factory, actors, town_depot):
    with db.transaction(factory) as session:
        quilt = item(session, "棉被").id
        stock.receive(
            session,
            actors["town"],
            town_depot,
            quilt,
            1,
            batch="B",
            reason="r",
            today=TODAY,
            expiry_date=date(2028, 1, 1),
        )
    with pytest.raises(ValidationError, match="expiry"), db.transaction(factory) as session:
        stock.receive(
            session,
            actors["town"],
            town_depot,
            quilt,
            1,
            batch="B",
            reason="r",
            today=TODAY,
            expiry_date=date(2029, 1, 1),
        )


def receipt(depot_id, item_id, quantity=10, batch="M1", **extra):
    return stock.Receipt(depot_id, item_id, quantity, batch, "批量入库", TODAY, **extra)


def test_many_receipts_keep_the_ledger_and_audit_like_single_ones(factory, actors, town_depot):
    with db.transaction(factory) as session:
        quilt, tent = item(session, "棉被").id, item(session, "救生衣").id
        stock.receive(session, actors["town"], town_depot, quilt, 5, batch="M1",
                      reason="入库", today=TODAY)  # fmt: skip
        done = []
        count = stock.receive_many(
            session,
            actors["town"],
            [receipt(town_depot, q, n) for q, n in ((quilt, 10), (tent, 7), (quilt, 1))],
            progress=done.append,
        )  # fmt: skip
        assert count == 3 and sum(done) == 3
    with factory() as session:
        lots = {lot.item_id: lot for lot in session.scalars(select(StockLot))}
        assert lots[quilt].quantity == 16 == ledger_sum(session, lots[quilt].id)
        assert lots[tent].quantity == 7 == ledger_sum(session, lots[tent].id)
        receipts = session.scalar(select(func.count()).where(AuditEvent.action == "stock-receive"))
        assert receipts == 4  # one event per ledger line, as with receive()
        assert run_checks(session)["ok"]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"batch": " "}, "batch"),
        ({"item": 999_999}, "item"),
        ({"expiry_date": TODAY + timedelta(days=9)}, "expiry_date"),  # differs from M1's
    ],
)
def test_a_bad_line_refuses_every_line_and_says_which(factory, actors, town_depot, bad, field):
    with db.transaction(factory) as session:
        quilt = item(session, "棉被").id
        stock.receive(session, actors["town"], town_depot, quilt, 5, batch="M1", reason="入库",
                      today=TODAY, expiry_date=TODAY + timedelta(days=300))  # fmt: skip
    bad = dict(bad)
    line = receipt(town_depot, bad.pop("item", quilt), **bad)
    lines = [receipt(town_depot, quilt, batch="N1"), line]
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        stock.receive_many(session, actors["town"], lines)
    assert refused.value.field == field and refused.value.row == 1
    assert "line 2" in str(refused.value)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(StockMovement)) == 1


def test_many_receipts_respect_the_locality(factory, actors):
    with db.transaction(factory) as session:
        banpu = depot(session, actors["office"], "板浦库", place="板浦镇", point=BANPU_POINT).id
        quilt = item(session, "棉被").id
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        stock.receive_many(session, actors["town"], [receipt(banpu, quilt)])
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(StockMovement)) == 0
