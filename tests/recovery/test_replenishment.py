"""The replenishment list (issue 16, item 5): issues and a dispatch made for an event, summed
per depot and item when the event is closed with its review; suggested back to the quota
minimum (covered when the depot still holds it), else what was given out; receipts after the
listing fill a line, the office waives one; readiness and alerts count an unreplenished depot
short until refilled; the procurement workbook. On both backends.

The ledger stamps its lines with the real clock (``StockMovement.at``), so the event is closed
at the real ``utcnow()`` here: a receipt made after closing then falls after the listing."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.enums import AuditAction, MovementKind, ResponseLevel, WarningType
from registry.kernel.errors import PermissionDenied, StaleRecord, ValidationError
from registry.kernel.models import AuditEvent, Dispatch, Event, StockLot, StockMovement
from registry.kernel.settings import Settings
from registry.readiness import alerts, refill, scorecard
from registry.records import stock
from registry.recovery import closing, replenishment, workbook
from registry.response import dispatch, events
from tests.conftest import locality_id
from tests.helpers import BANPU_POINT, depot, item

TODAY = date(2026, 7, 8)
OPENED = datetime(2026, 7, 8, 0, 0)
SETTINGS = Settings()
SANDBAG_MINIMUM = 50_000  # district quota minimum of 编织袋 (data/quotas.csv)


def lot(session, depot_id, item_id) -> StockLot:
    return session.scalar(
        select(StockLot).where(StockLot.depot_id == depot_id, StockLot.item_id == item_id)
    )


def receive(session, actor, depot_id, item_id, quantity, batch="B1"):
    stock.receive(session, actor, depot_id, item_id, quantity, batch=batch, reason="入库",
                  today=TODAY)  # fmt: skip


@pytest.fixture
def used(factory, actors):
    """An event over 新浦街道: its town depot issued life jackets (still above the quota
    minimum), tents (below it; one more issued for something else) and mats (no quota) for
    it; a district depot in 板浦镇 sent sandbags to the town depot through a dispatch."""
    office = actors["office"]
    with db.transaction(factory) as session:
        event = events.open_event(
            session, office, title="7·8 暴雨", hazard=WarningType.RAINSTORM,
            level=ResponseLevel.IV, locality_ids=[locality_id(session, "新浦街道")], plan_ids=[],
            duty_leader="李区长", duty_officer="王值班", now=OPENED,
        )  # fmt: skip
        town = depot(session, office, "新浦街道储备库")
        district = depot(
            session, office, "区级储备库", level="district", place="板浦镇", point=BANPU_POINT
        )
        ids = {name: item(session, name).id for name in ("救生衣", "单帐篷", "防潮垫", "编织袋")}
        for name, quantity in (("救生衣", 200), ("单帐篷", 12), ("防潮垫", 30)):
            receive(session, office, town.id, ids[name], quantity)
        receive(session, office, district.id, ids["编织袋"], SANDBAG_MINIMUM + 500)
        for name, quantity in (("救生衣", 80), ("单帐篷", 5), ("防潮垫", 10)):
            stock.issue(session, office, lot(session, town.id, ids[name]).id, quantity,
                        reason="发放", today=TODAY, event_id=event.id)  # fmt: skip
        stock.issue(session, office, lot(session, town.id, ids["单帐篷"]).id, 1,
                    reason="日常领用", today=TODAY)  # fmt: skip
        draft = dispatch.suggest(session, office, event.id, TODAY, OPENED)
        for line in list(session.get_one(Dispatch, draft.dispatch_id).lines):
            dispatch.remove_line(session, office, line.id)
        dispatch.add_line(session, office, draft.dispatch_id, item_id=ids["编织袋"],
                          from_depot_id=district.id, to_depot_id=town.id, quantity=200,
                          today=TODAY)  # fmt: skip
        dispatch.issue(session, office, draft.dispatch_id, TODAY, OPENED)
        return {"event": event.id, "version": event.version, "town": town.id,
                "district": district.id, **ids}  # fmt: skip


def close(factory, actor, used):
    with db.transaction(factory) as session:
        version = session.get_one(Event, used["event"]).version
        return closing.close_with_review(
            session, actor, used["event"], version, reason="雨停", worked="物资到位及时",
            failed="帐篷不足", findings=[], now=utcnow(), today=TODAY,
        )  # fmt: skip


def rows(factory, actor, used) -> dict[tuple[int, int], replenishment.LineRow]:
    with factory() as session:
        listed = replenishment.lines(session, actor, used["event"])
    return {(r.depot_id, r.item_id): r for r in listed}


def test_the_event_is_marked_on_its_issues_and_the_dispatch(factory, used):
    with factory() as session:
        marked = session.execute(
            select(StockMovement.kind, StockMovement.event_id).where(
                StockMovement.kind != MovementKind.RECEIVE
            )
        ).all()
    kinds = {(kind, event) for kind, event in marked}
    assert (MovementKind.ISSUE, None) in kinds  # the everyday issue
    assert {k for k in kinds if k[0] is not MovementKind.ISSUE} == {
        (MovementKind.TRANSFER_OUT, used["event"]),
        (MovementKind.TRANSFER_IN, used["event"]),
    }


def test_closing_lists_what_each_depot_gave_out(factory, actors, used):
    result = close(factory, actors["office"], used)
    assert (result.lines, result.open_lines) == (4, 2)
    found = rows(factory, actors["office"], used)
    town, district = used["town"], used["district"]
    shape = {
        (key[1], r.consumed, r.stock_at_listing, r.quota_minimum, r.suggested, r.state)
        for key, r in found.items()
    }
    assert shape == {
        (used["救生衣"], 80, 120, 100, 0, replenishment.COVERED),  # still above the minimum
        (used["单帐篷"], 5, 6, 10, 4, replenishment.OPEN),  # back to the minimum, stock now
        (used["防潮垫"], 10, 20, None, 10, replenishment.OPEN),  # no quota: what went out
        (used["编织袋"], 200, SANDBAG_MINIMUM + 300, SANDBAG_MINIMUM, 0, replenishment.COVERED),
    }
    assert found[(district, used["编织袋"])].depot == "区级储备库"
    assert (town, used["编织袋"]) not in found  # what the town depot received is not consumed
    with factory() as session:
        listed = session.scalar(
            select(AuditEvent).where(AuditEvent.action == AuditAction.REPLENISHMENT_LISTED)
        )
        assert listed is not None and listed.entity_id == used["event"]


def test_receipts_after_listing_fill_a_line_and_the_office_waives_another(factory, actors, used):
    office = actors["office"]
    close(factory, office, used)
    with db.transaction(factory) as session:
        receive(session, office, used["town"], used["单帐篷"], 3, batch="B2")
        receive(session, office, used["town"], used["防潮垫"], 4, batch="B2")
    found = rows(factory, office, used)
    tents, mats = found[(used["town"], used["单帐篷"])], found[(used["town"], used["防潮垫"])]
    assert (tents.received, tents.outstanding, tents.state) == (3, 1, replenishment.OPEN)
    assert (mats.received, mats.outstanding) == (4, 6)
    with db.transaction(factory) as session:
        receive(session, office, used["town"], used["单帐篷"], 2, batch="B2")
    tents = rows(factory, office, used)[(used["town"], used["单帐篷"])]
    # a line takes no more than it lacks: the fifth tent is plain stock
    assert (tents.received, tents.outstanding, tents.state) == (4, 0, replenishment.FILLED)
    with pytest.raises(ValidationError) as caught, db.transaction(factory) as session:
        replenishment.waive_line(
            session, office, tents.id, tents.version, reason="已补足", now=utcnow()
        )
    assert caught.value.key == "error.recovery_line_closed"
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        replenishment.waive_line(
            session, actors["town"], mats.id, mats.version, reason="不再储备", now=utcnow()
        )
    with db.transaction(factory) as session:
        replenishment.waive_line(
            session, office, mats.id, mats.version, reason="改为社区储备", now=utcnow()
        )
    mats_now = rows(factory, office, used)[(used["town"], used["防潮垫"])]
    assert (mats_now.state, mats_now.outstanding, mats_now.waive_reason) == (
        replenishment.WAIVED, 0, "改为社区储备",
    )  # fmt: skip
    with pytest.raises(StaleRecord), db.transaction(factory) as session:
        replenishment.waive_line(
            session, office, mats.id, mats.version, reason="再次", now=utcnow()
        )


def _stock_part(factory, used) -> scorecard.Component:
    with factory() as session:
        card = scorecard.scorecard(session, TODAY, SETTINGS)
        xinpu = locality_id(session, "新浦街道")
    return next(r for r in card.localities if r.locality_id == xinpu).components["stock"]


def _open_alerts(factory, actor) -> list[alerts.Alert]:
    with factory() as session:
        found = alerts.alerts_for(session, actor, today=TODAY, settings=SETTINGS)
    return [a for a in found if a.kind == "replenishment_open"]


def test_readiness_and_alerts_count_the_depot_short_until_refilled(factory, actors, used):
    before = _stock_part(factory, used)
    assert "unreplenished" not in before.figures  # named only while a line is open
    close(factory, actors["office"], used)
    during = _stock_part(factory, used)
    # the mats (no quota) add a line not met; the tents were below their minimum already
    assert during.figures == {
        "met": before.figures["met"],
        "lines": before.figures["lines"] + 1,
        "unreplenished": 2,
    }
    assert during.score < before.score
    (alert,) = _open_alerts(factory, actors["town"])
    assert (alert.subject, alert.detail) == ("新浦街道储备库", {"lines": 2, "outstanding": 14})
    assert alert.link == alerts.REPLENISHMENT_PAGE
    with db.transaction(factory) as session:
        receive(session, actors["office"], used["town"], used["防潮垫"], 10, batch="B2")
        receive(session, actors["office"], used["town"], used["单帐篷"], 4, batch="B2")
    after = _stock_part(factory, used)
    assert after.figures == {
        "met": before.figures["met"] + 1,  # the tents are back at their minimum
        "lines": before.figures["lines"],
    }
    assert after.score > before.score
    assert _open_alerts(factory, actors["office"]) == []


def test_a_town_official_sees_only_their_depots_lines(factory, actors, used):
    close(factory, actors["office"], used)
    town_rows = rows(factory, actors["town"], used)  # covers 新浦街道 only
    assert {key[0] for key in town_rows} == {used["town"]}
    assert {key[0] for key in rows(factory, actors["leader"], used)} == {
        used["town"], used["district"],
    }  # fmt: skip
    with factory() as session:
        assert replenishment.events_with_lines(session, actors["town"]) == {
            used["event"]: "7·8 暴雨"
        }


def test_no_issue_or_transfer_for_a_closed_or_unknown_event(factory, actors, used):
    office = actors["office"]
    close(factory, office, used)
    for event_id, key in ((used["event"], "error.recovery_event_closed"),
                          (99_999, "error.recovery_event_unknown")):  # fmt: skip
        with pytest.raises(ValidationError) as caught, db.transaction(factory) as session:
            tents = lot(session, used["town"], used["单帐篷"])
            stock.issue(session, office, tents.id, 1, reason="发放", today=TODAY,
                        event_id=event_id)  # fmt: skip
        assert (caught.value.key, caught.value.field) == (key, "event")


def test_the_workbook_lists_every_line_for_procurement(factory, actors, used):
    close(factory, actors["office"], used)
    with factory() as session:
        listed = replenishment.lines(session, actors["office"], used["event"])
    data = workbook.build(listed, "zh")
    sheet = load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["储备库", "镇街", "物资编码", "物资"]
    body = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert len(body) == 4
    mats = next(row for row in body if row[3] == "防潮垫")
    assert mats[header.index("建议补充")] == 10 and mats[header.index("待到货")] == 10
    assert mats[header.index("最低定额")] in (None, "")


def open_second_event(factory, actor) -> int:
    with db.transaction(factory) as session:
        return events.open_event(
            session, actor, title="7·20 暴雨", hazard=WarningType.RAINSTORM,
            level=ResponseLevel.IV, locality_ids=[locality_id(session, "新浦街道")], plan_ids=[],
            duty_leader="李区长", duty_officer="王值班", now=OPENED,
        ).id  # fmt: skip


def close_event(factory, actor, event_id):
    with db.transaction(factory) as session:
        version = session.get_one(Event, event_id).version
        return closing.close_with_review(
            session, actor, event_id, version, reason="雨停", worked="到位", failed="无",
            findings=[], now=utcnow(), today=TODAY,
        )  # fmt: skip


def event_rows(factory, actor, event_id) -> dict[tuple[int, int], replenishment.LineRow]:
    with factory() as session:
        listed = replenishment.lines(session, actor, event_id)
    return {(r.depot_id, r.item_id): r for r in listed}


def test_a_dispatch_counts_where_it_left_not_where_it_was_used(factory, actors, used):
    """The district depot sent 200 sandbags to the town depot, which issued 150 of them for
    the event: the district depot used up 200, the town depot nothing (it passed them on)."""
    office = actors["office"]
    with db.transaction(factory) as session:
        stock.issue(session, office, lot(session, used["town"], used["编织袋"]).id, 150,
                    reason="发放", today=TODAY, event_id=used["event"])  # fmt: skip
        spent = replenishment.consumed(session, used["event"])
    town, district, sandbags = used["town"], used["district"], used["编织袋"]
    assert spent.get((town, sandbags), 0) == 0
    assert spent[(district, sandbags)] == 200
    result = close(factory, office, used)
    assert result.lines == 4
    found = rows(factory, office, used)
    assert (town, sandbags) not in found
    assert found[(district, sandbags)].consumed == 200


def test_one_arrival_fills_the_oldest_line_and_counts_once(factory, actors, used):
    """Two events' lines wait on the town depot's mats: twelve mats received fill the older
    line's ten and two of the newer line's five, not both lines twelve each."""
    office = actors["office"]
    close(factory, office, used)
    second = open_second_event(factory, office)
    with db.transaction(factory) as session:
        stock.issue(session, office, lot(session, used["town"], used["防潮垫"]).id, 5,
                    reason="发放", today=TODAY, event_id=second)  # fmt: skip
    close_event(factory, office, second)
    key = (used["town"], used["防潮垫"])
    assert event_rows(factory, office, second)[key].suggested == 5
    with db.transaction(factory) as session:
        receive(session, office, used["town"], used["防潮垫"], 12, batch="B2")
    first = rows(factory, office, used)
    older, newer = first[key], event_rows(factory, office, second)[key]
    assert (older.received, older.outstanding, older.state) == (10, 0, replenishment.FILLED)
    assert (newer.received, newer.outstanding, newer.state) == (2, 3, replenishment.OPEN)
    tents = first[(used["town"], used["单帐篷"])]
    with factory() as session:
        assert {(f.line_id, f.received) for f in refill.fillings(session, open_only=True)} == {
            (tents.id, 0),
            (newer.id, 2),
        }
        assert [f.line_id for f in refill.fillings(session, event_id=second)] == [newer.id]
    (alert,) = _open_alerts(factory, actors["town"])
    assert alert.detail == {"lines": 2, "outstanding": 4 + 3}  # the tents and the newer mats


def test_stock_sent_for_a_live_event_is_not_a_refill(factory, actors, used):
    """Mats transferred to the town depot for a later, live event pass through for that event:
    they do not fill the closed event's open mats line."""
    office = actors["office"]
    close(factory, office, used)
    second = open_second_event(factory, office)
    with db.transaction(factory) as session:
        receive(session, office, used["district"], used["防潮垫"], 6)
        stock.transfer(session, office, lot(session, used["district"], used["防潮垫"]).id,
                       used["town"], 6, reason="调拨", today=TODAY,
                       event_id=second)  # fmt: skip
    mats = rows(factory, office, used)[(used["town"], used["防潮垫"])]
    assert (mats.received, mats.outstanding, mats.state) == (0, 10, replenishment.OPEN)
    close_event(factory, office, second)
    listed = event_rows(factory, office, second)
    assert set(listed) == {(used["district"], used["防潮垫"])}  # the town depot kept them
    assert listed[(used["district"], used["防潮垫"])].consumed == 6
