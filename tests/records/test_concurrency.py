"""No lost update: parallel movements on one lot, and two officials racing on one depot."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.errors import InvariantViolation, StaleRecord
from registry.kernel.models import Depot, StockLot, StockMovement
from registry.operations.checks import run_checks
from registry.records import commands as records
from registry.records import stock
from tests.conftest import TODAY
from tests.helpers import BANPU_POINT, depot, item

WORKERS = 8
ROUNDS = 40


def test_parallel_movements_never_lose_an_update_or_go_negative(factory, actors):
    with db.transaction(factory) as session:
        target = depot(session, actors["office"])
        lot_id = stock.receive(
            session,
            actors["office"],
            target.id,
            item(session, "编织袋").id,
            100,
            batch="S",
            reason="入库",
            today=TODAY,
        ).lot_id

    def work(n: int) -> str:
        try:
            with db.transaction(factory) as session:
                if n % 3 == 0:
                    stock.receive(
                        session,
                        actors["town"],
                        target.id,
                        item(session, "编织袋").id,
                        2,
                        batch="S",
                        reason="入库",
                        today=TODAY,
                    )
                else:
                    stock.issue(session, actors["town"], lot_id, 3, reason="出库", today=TODAY)
            return "ok"
        except InvariantViolation:
            return "refused"

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(work, range(ROUNDS)))
    with factory() as session:
        lot = session.get(StockLot, lot_id)
        ledger = session.scalar(
            select(func.sum(StockMovement.quantity)).where(StockMovement.lot_id == lot_id)
        )
        movements = session.scalar(select(func.count()).select_from(StockMovement))
        assert run_checks(session)["ok"]
    assert lot.quantity == ledger >= 0
    assert movements == 1 + outcomes.count("ok")
    receipts = sum(1 for n in range(ROUNDS) if n % 3 == 0)
    issued_ok = outcomes.count("ok") - receipts
    assert lot.quantity == 100 + 2 * receipts - 3 * issued_ok


def test_two_officials_racing_on_one_depot(factory, actors):
    with db.transaction(factory) as session:
        record = depot(session, actors["town"])

    def save(manager: str) -> str:
        try:
            with db.transaction(factory) as session:
                records.update_depot(
                    session, actors["town"], record.id, record.version, {"manager": manager}
                )
            return "saved"
        except StaleRecord:
            return "refused"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(save, ["甲", "乙"]))
    assert outcomes == ["refused", "saved"]
    with factory() as session:
        assert session.get(Depot, record.id).version == record.version + 1


def test_parallel_transfers_keep_pairs(factory, actors):
    with db.transaction(factory) as session:
        a = depot(session, actors["office"], "甲库")
        b = depot(session, actors["office"], "乙库", place="板浦镇", point=BANPU_POINT)
        lot_id = stock.receive(
            session,
            actors["office"],
            a.id,
            item(session, "木桩").id,
            50,
            batch="W",
            reason="入库",
            today=TODAY,
        ).lot_id

    def move(_):
        with db.transaction(factory) as session:
            stock.transfer(session, actors["office"], lot_id, b.id, 5, reason="调拨", today=TODAY)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(move, range(8)))
    with factory() as session:
        assert session.get(StockLot, lot_id).quantity == 10
        assert run_checks(session)["ok"]
