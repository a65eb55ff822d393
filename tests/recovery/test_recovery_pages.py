"""The pages of issue 16's recovery part: the office ends a response on the events page with
its review (a checkpoint found failed, a plan that worked) and the page then shows the review;
the 补库 page lists an event's lines, offers the procurement workbook and lets the office
waive a line; a town official sees their own depots' lines only."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from page_helpers import ui
from registry.kernel import db
from registry.kernel.clock import today, utcnow
from registry.kernel.enums import (
    EventState,
    RecordStatus,
    ResponseLevel,
    ReviewSubject,
    ReviewVerdict,
    WarningType,
)
from registry.kernel.models import (
    Checkpoint,
    Depot,
    Event,
    EventReview,
    Item,
    Locality,
    ReplenishmentLine,
    StockLot,
    User,
)
from registry.kernel.permissions import Actor
from registry.records import stock
from registry.recovery import closing
from registry.response import events
from tests.conftest import sign_in
from tests.response.test_tasks import checkpoint
from tests.security.test_markdown import EVIL, is_live

EVENTS, PAGE = "app_pages/events.py", "app_pages/replenishment.py"


def demo_factory(demo_url):
    return db.make_session_factory(db.make_engine(demo_url))


def actor(session, username: str) -> Actor:
    return Actor.from_user(session.scalar(select(User).where(User.username == username)))


def open_event(session, title: str, places: list[str]) -> Event:
    ids = list(session.scalars(select(Locality.id).where(Locality.name.in_(places))))
    return events.open_event(
        session, actor(session, "office"), title=title, hazard=WarningType.RAINSTORM,
        level=ResponseLevel.IV, locality_ids=ids, plan_ids=[], duty_leader="李区长",
        duty_officer="王值班", now=utcnow(),
    )  # fmt: skip


def mats(session, office, place: str) -> StockLot:
    """Five damp-proof mats (no town quota: the list suggests what went out) received at the
    first active depot of ``place``."""
    depot_id = session.scalar(
        select(Depot.id)
        .join(Locality, Locality.id == Depot.locality_id)
        .where(Locality.name == place, Depot.status == RecordStatus.ACTIVE)
        .order_by(Depot.id)
    )
    mat = session.scalar(select(Item.id).where(Item.name == "防潮垫"))
    movement = stock.receive(
        session, office, depot_id, mat, 5, batch="页面测试", reason="入库", today=today()
    )
    return session.get_one(StockLot, movement.lot_id)


def test_the_office_closes_an_event_with_its_review(app, demo_url):
    factory = demo_factory(demo_url)
    with db.transaction(factory) as session:
        event = open_event(session, "页面测试：复盘", ["新浦街道"])
        event_id = event.id
        spot = session.scalars(
            select(Checkpoint)
            .join(Locality, Locality.id == Checkpoint.locality_id)
            .where(Locality.name == "新浦街道")
            .order_by(Checkpoint.id)
        ).first()
        spot_id, spot_name = spot.id, spot.name
    sign_in(app, "office")
    app.switch_page(EVENTS).run()
    app.selectbox(key="ev.chosen").set_value(event_id).run()
    assert not app.exception, app.exception
    app.multiselect(key=f"ev.review.checkpoint.{event_id}").set_value([spot_id]).run()
    app.radio(key=f"ev.review.checkpoint.{spot_id}.verdict").set_value(ReviewVerdict.FAILED).run()
    app.text_input(key=f"ev.review.checkpoint.{spot_id}.note").input("积水未及时排出")
    app.text_area(key=f"ev.review.worked.{event_id}").input("转移及时")
    app.text_area(key=f"ev.review.failed.{event_id}").input("排水泵站响应慢")
    reason = next(
        t for t in app.text_input if (t.key or "").startswith(f"ev.close_reason.{event_id}.")
    )
    reason.input("雨停水退")
    app.button(key=f"ev.close_run.{event_id}").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    with factory() as session:
        closed = session.get(Event, event_id)
        review = session.scalar(select(EventReview).where(EventReview.event_id == event_id))
        assert closed.state is EventState.CLOSED
        assert review is not None and review.failed == "排水泵站响应慢"
        assert [(f.subject, f.subject_id, f.verdict.value, f.note) for f in review.findings] == [
            (ReviewSubject.CHECKPOINT, spot_id, "failed", "积水未及时排出")
        ]
    assert any("1 个风险点待复查" in i.value for i in app.info)  # the closing's outcome
    shown = " ".join(str(frame.value) for frame in app.dataframe)
    assert spot_name in shown and "未达预期" in shown


def test_a_refused_close_names_the_field_and_keeps_the_event_open(app, demo_url):
    factory = demo_factory(demo_url)
    with db.transaction(factory) as session:
        event_id = open_event(session, "页面测试：未填复盘", ["新浦街道"]).id
    sign_in(app, "office")
    app.switch_page(EVENTS).run()
    app.selectbox(key="ev.chosen").set_value(event_id).run()
    reason = next(
        t for t in app.text_input if (t.key or "").startswith(f"ev.close_reason.{event_id}.")
    )
    reason.input("雨停")
    app.button(key=f"ev.close_run.{event_id}").click().run()
    assert any("有效做法" in e.value for e in app.error)
    with factory() as session:
        assert session.get(Event, event_id).state is EventState.OPEN


@pytest.fixture
def listed(demo_url):
    """An event over 新浦街道 and 板浦镇 for which a depot of each gave out two mats, closed
    with its review: two open replenishment lines of two mats."""
    factory = demo_factory(demo_url)
    with db.transaction(factory) as session:
        office = actor(session, "office")
        event = open_event(session, "页面测试：补库", ["新浦街道", "板浦镇"])
        depots = {}
        for place in ("新浦街道", "板浦镇"):
            lot = mats(session, office, place)
            stock.issue(session, office, lot.id, 2, reason="发放", today=today(),
                        event_id=event.id)  # fmt: skip
            depots[place] = lot.depot_id
        closing.close_with_review(
            session, office, event.id, event.version, reason="雨停", worked="到位及时",
            failed="无", findings=[], now=utcnow(), today=today(),
        )  # fmt: skip
        return {"event": event.id, **depots}


def test_the_office_lists_downloads_and_waives(app, demo_url, listed):
    sign_in(app, "office")
    app.switch_page(PAGE).run()
    app.selectbox(key="rep.event").set_value(listed["event"]).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert app.title[0].value == "补库"
    table = app.dataframe[0].value
    assert len(table) == 2 and set(table["储备库"]) == {
        name for name in _depot_names(demo_url, listed).values()
    }
    download = app.get("download_button")[0]
    assert download.proto.label == "下载补库清单（Excel）"
    factory = demo_factory(demo_url)
    with factory() as session:
        line = session.scalars(
            select(ReplenishmentLine)
            .where(ReplenishmentLine.event_id == listed["event"], ReplenishmentLine.suggested > 0)
            .order_by(ReplenishmentLine.id)
        ).first()
    app.selectbox(key="rep.waive_line").set_value(line.id).run()
    app.text_input(key=f"rep.reason.{line.id}.{line.version}").input("改由社区储备")
    app.button(key="rep.waive_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("已核销" in s.value for s in app.success)
    with factory() as session:
        assert session.get(ReplenishmentLine, line.id).waive_reason == "改由社区储备"


def _depot_names(demo_url, listed) -> dict[str, str]:
    factory = demo_factory(demo_url)
    with factory() as session:
        return {place: session.get(Depot, listed[place]).name for place in ("新浦街道", "板浦镇")}


def test_a_town_official_sees_their_own_depots_lines(app, demo_url, listed):
    sign_in(app, "xinpu")
    app.switch_page(PAGE).run()
    app.selectbox(key="rep.event").set_value(listed["event"]).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    names = _depot_names(demo_url, listed)
    assert set(app.dataframe[0].value["储备库"]) == {names["新浦街道"]}
    assert not [b for b in app.button if b.key == "rep.waive_run"]


def test_the_workbook_is_the_list(demo_url, listed):
    from registry.recovery import replenishment, workbook

    factory = demo_factory(demo_url)
    with factory() as session:
        rows = replenishment.lines(session, actor(session, "office"), listed["event"])
    sheet = load_workbook(io.BytesIO(workbook.build(rows, "en"))).active
    assert [c.value for c in sheet[1]][:4] == ["Depot", "Town", "Item code", "Item"]
    assert sheet.max_row == 3


def test_a_checkpoint_owed_a_reinspection_is_named_as_text(app, demo_url):
    """The link to a checkpoint owed a re-inspection carries its name literally: a name that
    looks like a Markdown link stays text."""
    factory = demo_factory(demo_url)
    with db.transaction(factory) as session:
        office = actor(session, "office")
        spot = checkpoint(session, office, f"低洼点{EVIL}", "waterlogging")
        event = open_event(session, "页面测试：复查链接", ["新浦街道"])
        closing.close_with_review(
            session, office, event.id, event.version, reason="雨停", worked="到位",
            failed="积水", findings=[closing.FindingInput("checkpoint", spot, "failed")],
            now=utcnow(), today=today(),
        )  # fmt: skip
    sign_in(app, "office")
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    labels = [link.proto.label for link in app.get("page_link")]
    (mine,) = [label for label in labels if "evil" in label]
    assert not is_live(mine), mine
    assert ui.plain(f"新浦街道 · 低洼点{EVIL}") == mine
