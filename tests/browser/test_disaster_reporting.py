"""Issue 16 in a real browser, the loop from an event back to readiness: the town official of
新浦街道 files a 初报 from a phone (a part larger than its whole is refused, nothing written);
the office returns it with a reason; the town files it again; the office accepts it and
downloads the district 快报表 with the street's figures; the office closes the event with its
review, and the replenishment list holds what the street's depot gave out for it.

The event itself is opened through the core beforehand (the browser walk of opening one is
tests/browser/test_response.py), with quilts issued for it from the street's depot."""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from prepare.support import local_only
from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.clock import today, utcnow
from registry.kernel.enums import DepotLevel, ReportState
from registry.kernel.models import (
    Depot,
    DisasterReport,
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
from registry.response import events
from tests.browser.conftest import sign_in
from tests.browser.test_field_inspection import PHONE, sign_in_on_phone
from tests.browser.test_response import EXCEPTION, SHOTS, choose, go, rows, settle, shot

pytestmark = pytest.mark.browser

TAG = uuid.uuid4().hex[:6]
TITLE = f"新浦街道暴雨灾情（测试{TAG}）"
QUILTS = 7


def open_event_with_issues() -> int:
    """The event over 新浦街道, and quilts issued for it from the street's own depot."""
    factory = db.make_session_factory(db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"]))
    with db.transaction(factory) as session:
        office = Actor.from_user(
            session.scalars(select(User).where(User.username == "office")).one()
        )
        town = session.scalars(select(Locality).where(Locality.name == "新浦街道")).one()
        event = events.open_event(
            session, office, title=TITLE, hazard="rainstorm", level="4", locality_ids=[town.id],
            plan_ids=[], duty_leader="张值班", duty_officer="李值班", now=utcnow(),
        )  # fmt: skip
        quilt = session.scalars(select(Item.id).where(Item.name == "棉被")).one()
        lot = session.scalars(
            select(StockLot)
            .join(Depot)
            .where(Depot.locality_id == town.id, Depot.level == DepotLevel.TOWN,
                   StockLot.item_id == quilt, StockLot.quantity >= QUILTS)
            .order_by(StockLot.id)
        ).first()  # fmt: skip
        assert lot is not None, "the demo street depot keeps quilts"
        stock.issue(session, office, lot.id, QUILTS, reason="安置发放", today=today(),
                    event_id=event.id)  # fmt: skip
        return event.id


def photos(tmp_path: Path) -> list[str]:
    paths = []
    for number in range(3):
        out = io.BytesIO()
        Image.new("RGB", (800, 600), (40 + 60 * number, 110, 160)).save(out, "JPEG")
        path = tmp_path / f"积水现场{number + 1}.jpg"
        path.write_bytes(out.getvalue())
        paths.append(str(path))
    return paths


def reports(event_id: int) -> list[tuple]:
    return rows(
        select(DisasterReport.stage, DisasterReport.state, DisasterReport.affected_people)
        .where(DisasterReport.event_id == event_id)
        .order_by(DisasterReport.id)
    )


def fill_initial_report(page, tmp_path: Path, relocated: str) -> None:
    page.get_by_label("受灾人口（人）").fill("1200")
    page.get_by_label("紧急转移安置人口（人）").fill(relocated)
    page.get_by_label("直接经济损失（万元）").fill("85.5")
    situation = page.get_by_role("textbox", name="灾情描述")
    situation.fill("凌晨起普降大暴雨，常乐新村一带积水0.5米，低洼住户进水。")
    page.locator("input[type=file]").first.set_input_files(photos(tmp_path))
    page.get_by_test_id("stFileChipName").get_by_text("积水现场3.jpg").wait_for(timeout=30_000)
    page.get_by_role("button", name="报送初报").click()


def town_files_on_phone(browser, url: str, event_id: int, tmp_path: Path, *, again: bool) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    blocked = local_only(context)
    page = context.new_page()
    try:
        sign_in_on_phone(page, url)
        go(page, f"{url}/disaster-reports", "灾情报送")
        choose(page, "事件", TAG)
        if again:
            page.get_by_text("受灾人口与社区上报合计不符").first.wait_for(timeout=30_000)
        else:
            fill_initial_report(page, tmp_path, relocated="5000")
            page.get_by_text("不能大于受灾人口").first.wait_for(timeout=60_000)
            assert reports(event_id) == []  # refused: nothing written
        fill_initial_report(page, tmp_path, relocated="300")
        settle(page, "初报已报送")
        page.get_by_text("初报已报送").first.scroll_into_view_if_needed()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "disaster-report-phone.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        assert blocked == []
    finally:
        context.close()


def office_checks(page, url: str, *, accept: bool) -> None:
    go(page, f"{url}/disaster-rollup", "灾情汇总")
    choose(page, "事件", TAG)
    if accept:
        page.get_by_role("button", name="采用").first.click()
        settle(page, "已采用新浦街道的报告")
    else:
        page.get_by_label("退回原因").first.fill("受灾人口与社区上报合计不符，请核实后重报。")
        page.get_by_role("button", name="退回").first.click()
        settle(page, "已退回新浦街道的报告")


def download_workbook(page) -> None:
    with page.expect_download() as download:
        page.get_by_role("button", name="下载快报表（Excel）").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    cells = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    street = next(row for row in cells if row[0] == "新浦街道")
    assert 1200 in street and 300 in street  # 受灾人口, 紧急转移安置 of the accepted 初报
    total = next(row for row in cells if row[0] == "合计")
    assert 1200 in total


def close_with_review(page, url: str, event_id: int) -> None:
    go(page, f"{url}/events", "事件与响应")
    choose(page, "查看事件", TAG)
    page.get_by_text("结束响应并复盘").click()
    page.get_by_label("有效做法").fill("预警后1小时内完成低洼住户转移。")
    page.get_by_label("存在问题").fill("部分社区未及时收到预警。")
    page.get_by_label("结束原因").fill("雨停水退，灾情稳定")
    page.get_by_label("结束原因").blur()
    page.get_by_role("button", name="结束响应并提交复盘").click()
    settle(page, "应急响应已结束。")
    assert rows(select(Event.closed_at).where(Event.id == event_id))[0][0] is not None
    review = rows(select(EventReview.worked).where(EventReview.event_id == event_id))
    assert review == [("预警后1小时内完成低洼住户转移。",)]


def replenishment_list(page, url: str, event_id: int) -> None:
    lines = rows(select(ReplenishmentLine.consumed).where(ReplenishmentLine.event_id == event_id))
    assert lines == [(QUILTS,)]
    go(page, f"{url}/replenishment?event={event_id}", "补库")
    page.get_by_text("共 1 行，未补足 1 行").wait_for(timeout=30_000)  # the quilts, to buy back
    assert page.locator(EXCEPTION).count() == 0
    shot(page, "replenishment.png")


def test_town_reports_office_checks_event_closes_with_review(app_url, page, browser, tmp_path):
    event_id = open_event_with_issues()
    try:
        town_files_on_phone(browser, app_url, event_id, tmp_path, again=False)
        sign_in(page, app_url, "office", DEMO_PASSWORD)
        office_checks(page, app_url, accept=False)
        town_files_on_phone(browser, app_url, event_id, tmp_path, again=True)
        office_checks(page, app_url, accept=True)
        assert [state for _, state, _ in reports(event_id)] == [
            ReportState.RETURNED,
            ReportState.ACCEPTED,
        ]
        shot(page, "disaster-rollup.png")
        download_workbook(page)
        close_with_review(page, app_url, event_id)
        replenishment_list(page, app_url, event_id)
    except Exception:
        shot(page, "disaster-failure.png")  # what the office saw when the walk stopped
        raise
    assert page.blocked == []
