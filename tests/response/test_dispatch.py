"""Dispatch of materials (issue 15, item 4): needs in the area, the suggested plan (nearest
district depot first, never below a quota minimum), edits of the draft, and its issue as real
transfers in the ledger; refusals write nothing. On both backends."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from docx import Document
from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.enums import DispatchState, EventState, ResponseLevel, WarningType
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import (
    AuditEvent,
    Dispatch,
    Event,
    EventLogEntry,
    StockLot,
    StockMovement,
)
from registry.records import stock
from registry.response import dispatch, dispatch_order, dispatch_queries
from tests.helpers import BANPU_POINT, depot, item, locality

TODAY = date(2026, 7, 8)
NOW = datetime(2026, 7, 8, 2, 0)
SANDBAG_MINIMUM = 50_000  # district quota minimum of 编织袋 (data/quotas.csv)
NEAR_POINT = (119.195, 34.603)  # a district depot close to 新浦街道


def make_event(session, *, places=("新浦街道",), is_demo=False) -> Event:
    event = Event(
        title="7·8 暴雨",
        hazard=WarningType.RAINSTORM,
        level=ResponseLevel.IV,
        state=EventState.OPEN,
        opened_at=NOW,
        is_demo=is_demo,
    )
    event.localities = [locality(session, p) for p in places]
    session.add(event)
    session.flush()
    return event


@pytest.fixture
def area(factory, actors):
    """An open rainstorm event over 新浦街道 with one town depot (no sandbags), a near
    district depot that can spare 500 sandbags and a far one that can spare 5,000."""
    office = actors["office"]
    with db.transaction(factory) as session:
        event = make_event(session)
        town = depot(session, office, "新浦街道储备库")
        near = depot(session, office, "区级近库", level="district", point=NEAR_POINT)
        far = depot(
            session, office, "区级远库", level="district", place="板浦镇", point=BANPU_POINT
        )
        sandbags = item(session, "编织袋").id
        for target, quantity, batch, expiry in (
            (near, SANDBAG_MINIMUM + 500, "N1", None),
            (far, SANDBAG_MINIMUM + 3_000, "F-late", date(2028, 1, 1)),
            (far, 2_000, "F-soon", date(2026, 9, 1)),
            (far, 700, "F-expired", date(2026, 1, 1)),
        ):
            stock.receive(session, office, target.id, sandbags, quantity, batch=batch,
                          reason="入库", today=date(2025, 1, 1), expiry_date=expiry)  # fmt: skip
        return {"event": event.id, "town": town.id, "near": near.id, "far": far.id,
                "sandbags": sandbags}  # fmt: skip


def sandbag_need(factory, area):
    with factory() as session:
        rows = dispatch.needs(session, area["event"], TODAY)
    return next(n for n in rows if n.item_id == area["sandbags"])


def suggest(factory, actor, area):
    with db.transaction(factory) as session:
        return dispatch.suggest(session, actor, area["event"], TODAY, NOW)


def lines(factory, dispatch_id):
    with factory() as session:
        return dispatch_queries.dispatch_view(session, dispatch_id).lines


def counts(factory):
    with factory() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (StockMovement, AuditEvent, EventLogEntry)
        )


def usable(factory, depot_id, item_id):
    with factory() as session:
        return stock_sum(session, depot_id, item_id)


def stock_sum(session, depot_id, item_id):
    return session.scalar(
        select(func.coalesce(func.sum(StockLot.quantity), 0)).where(
            StockLot.depot_id == depot_id, StockLot.item_id == item_id
        )
    )


def test_needs_count_the_area_against_its_town_depots(factory, actors, area):
    need = sandbag_need(factory, area)
    assert (need.needed, need.held, need.shortfall, need.planned) == (2000, 0, 2000, 0)
    with db.transaction(factory) as session:
        stock.receive(session, actors["office"], area["town"], area["sandbags"], 1200,
                      batch="T1", reason="入库", today=TODAY)  # fmt: skip
    need = sandbag_need(factory, area)
    assert (need.held, need.shortfall) == (1200, 800)


def test_suggest_takes_from_the_nearest_depot_first_within_its_spare(factory, actors, area):
    result = suggest(factory, actors["office"], area)
    sandbag_lines = [x for x in lines(factory, result.dispatch_id) if x.item_id == area["sandbags"]]
    # the near depot can spare 500 above its minimum; the far one gives the rest
    assert [(x.from_depot, x.quantity) for x in sandbag_lines] == [
        ("区级近库", 500),
        ("区级远库", 1500),
    ]
    assert {x.to_depot for x in sandbag_lines} == {"新浦街道储备库"}
    assert area["sandbags"] not in result.uncovered
    assert result.uncovered  # nobody holds the pumps or lamps: said, not invented
    assert sandbag_need(factory, area).planned == 2000


def test_suggesting_again_replaces_the_draft(factory, actors, area):
    first = suggest(factory, actors["office"], area)
    second = suggest(factory, actors["office"], area)
    assert first.dispatch_id == second.dispatch_id
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Dispatch)) == 1
    assert len(lines(factory, second.dispatch_id)) == second.lines == 2


def test_no_town_depot_in_the_area_is_said(factory, actors, area):
    with db.transaction(factory) as session:
        lonely = make_event(session, places=("云台街道",)).id
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        dispatch.suggest(session, actors["office"], lonely, TODAY, NOW)
    assert refused.value.key == "error.dispatch_no_town_depot"


@pytest.mark.parametrize("who", ["town", "leader"])
def test_only_the_office_suggests_edits_and_issues(factory, actors, area, who):
    draft = suggest(factory, actors["office"], area).dispatch_id
    first = lines(factory, draft)[0].id
    before = counts(factory)
    for attempt in (
        lambda s: dispatch.suggest(s, actors[who], area["event"], TODAY, NOW),
        lambda s: dispatch.issue(s, actors[who], draft, TODAY, NOW),
        lambda s: dispatch.remove_line(s, actors[who], first),
    ):
        with pytest.raises(PermissionDenied), db.transaction(factory) as session:
            attempt(session)
    assert counts(factory) == before


def test_issue_moves_stock_in_the_ledger_and_numbers_the_order(factory, actors, area):
    office = actors["office"]
    draft = suggest(factory, office, area).dispatch_id
    movements = counts(factory)[0]
    with db.transaction(factory) as session:
        number = dispatch.issue(session, office, draft, TODAY, NOW)
    assert number == "海应调〔2026〕1号"
    assert usable(factory, area["town"], area["sandbags"]) == 2000
    assert usable(factory, area["near"], area["sandbags"]) == SANDBAG_MINIMUM
    with factory() as session:
        # the far depot gave its soonest-expiring usable lot first, never the expired one
        lots = {
            lot.batch: lot.quantity
            for lot in session.scalars(select(StockLot).where(StockLot.depot_id == area["far"]))
        }
        assert lots == {"F-late": SANDBAG_MINIMUM + 3_000, "F-soon": 500, "F-expired": 700}
        # every lot equals its ledger sum
        for lot in session.scalars(select(StockLot)):
            ledger = session.scalar(
                select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(
                    StockMovement.lot_id == lot.id
                )
            )
            assert lot.quantity == ledger
        moved = session.scalars(select(StockMovement).where(StockMovement.id > 0)).all()
        assert len(moved) - movements == 4  # 2 transfers (out and in): near N1, far F-soon
        assert all(number in m.reason for m in moved[movements:])
        record = session.get_one(Dispatch, draft)
        assert record.state is DispatchState.ISSUED and record.issued_by == office.user_id
        log = session.scalars(select(EventLogEntry)).all()
        assert [e.kind for e in log] == ["dispatch_issued"]
    first = lines(factory, draft)[0].id
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        dispatch.remove_line(session, office, first)  # an issued order is no longer editable
    assert refused.value.key == "error.dispatch_not_draft"


def test_numbers_are_sequential_per_year(factory, actors, area):
    office = actors["office"]
    numbers = []
    for _ in range(2):
        draft = suggest(factory, office, area).dispatch_id
        first, *others = lines(factory, draft)
        with db.transaction(factory) as session:
            for line in others:
                dispatch.remove_line(session, office, line.id)
            dispatch.set_line(session, office, first.id, 100, today=TODAY)
        with db.transaction(factory) as session:
            numbers.append(dispatch.issue(session, office, draft, TODAY, NOW))
    assert numbers == ["海应调〔2026〕1号", "海应调〔2026〕2号"]
    with factory() as session:
        assert dispatch.next_number(session, 2027) == "海应调〔2027〕1号"


def test_a_line_beyond_spare_is_refused_and_nothing_written(factory, actors, area):
    office = actors["office"]
    draft = suggest(factory, office, area).dispatch_id
    near_line = lines(factory, draft)[0]
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        dispatch.set_line(session, office, near_line.id, 501, today=TODAY)
    assert refused.value.key == "error.dispatch_beyond_spare"
    assert refused.value.params["spare"] == 500
    assert lines(factory, draft)[0].quantity == 500
    # the depot's stock falls below what the draft planned before it is issued
    with db.transaction(factory) as session:
        lot = session.scalar(select(StockLot).where(StockLot.batch == "N1"))
        stock.issue(session, office, lot.id, 1, reason="抢险领用", today=TODAY)
    before = counts(factory)
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        dispatch.issue(session, office, draft, TODAY, NOW)
    assert refused.value.key == "error.dispatch_beyond_spare"
    assert counts(factory) == before  # not one line moved
    assert usable(factory, area["town"], area["sandbags"]) == 0
    with factory() as session:
        assert session.get_one(Dispatch, draft).number is None


def test_add_line_goes_to_the_area_and_within_spare(factory, actors, area):
    office = actors["office"]
    draft = suggest(factory, office, area).dispatch_id
    line = dict(item_id=area["sandbags"], from_depot_id=area["far"], today=TODAY)
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        dispatch.add_line(session, office, draft, to_depot_id=area["near"], quantity=1, **line)
    assert refused.value.key == "error.dispatch_target_outside"
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        dispatch.add_line(session, office, draft, to_depot_id=area["town"], quantity=3501, **line)
    assert refused.value.key == "error.dispatch_beyond_spare"  # 1500 planned + 3501 > 5000
    with db.transaction(factory) as session:
        dispatch.add_line(session, office, draft, to_depot_id=area["town"], quantity=3500, **line)
    assert sum(x.quantity for x in lines(factory, draft)) == 5500


def test_the_order_is_a_word_document_with_number_and_lines(factory, actors, area):
    office = actors["office"]
    draft = suggest(factory, office, area).dispatch_id
    with db.transaction(factory) as session:
        dispatch.issue(session, office, draft, TODAY, NOW)
    with factory() as session:
        order = dispatch_queries.dispatch_view(session, draft)
    document = Document(io.BytesIO(dispatch_order.document(order)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "海应调〔2026〕1号" in text and "应急物资调拨单" in text and "7·8 暴雨" in text
    assert "演示" not in text
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert rows[1:] == [["编织袋", "区级近库", "新浦街道储备库", "500", "条"],
                        ["编织袋", "区级远库", "新浦街道储备库", "1500", "条"]]  # fmt: skip
    assert dispatch_order.filename(order) == "海应调〔2026〕1号.docx"
