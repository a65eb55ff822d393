"""The response path of issue 15 in a real browser, in the order a duty room works it: the
office imports a CAP warning, opens an event from it and generates tasks, issues a dispatch
that moves stock in the ledger and sends a team, broadcasts to the area's terminals; the
town official of 新浦街道 works a task from a phone-sized screen; the office downloads the
duty report with its situation map; the events page reads in English."""

from __future__ import annotations

import io
import os
import re
import uuid
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlalchemy import select

from prepare.support import local_only
from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.clock import local, utcnow
from registry.kernel.enums import DeploymentStatus, MovementKind, TaskStatus
from registry.kernel.models import (
    Broadcast,
    BroadcastDelivery,
    Deployment,
    Dispatch,
    Event,
    Locality,
    ResponseTask,
    StockMovement,
)
from tests.browser.conftest import sign_in, wait_for_app
from tests.browser.test_field_inspection import PHONE, sign_in_on_phone

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "bench-results"
TAG = uuid.uuid4().hex[:6]
HEADLINE = f"海州区气象台发布暴雨橙色预警信号（测试{TAG}）"
EXCEPTION = "[data-testid='stException']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"


def connect():
    return db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"])


def scalar(query):
    engine = connect()
    with engine.connect() as connection:
        value = connection.execute(query).scalar()
    engine.dispose()
    return value


def rows(query):
    engine = connect()
    with engine.connect() as connection:
        found = connection.execute(query).all()
    engine.dispose()
    return found


def cap_message(code: str) -> bytes:
    """A message as the national early-warning system sends one, for 新浦街道 by its code,
    in force from a few minutes ago until long after the test."""
    start = local(utcnow() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>32070641600000_browser_{TAG}</identifier><sender>32070641600000</sender>"
        f"<sent>{start}</sent><status>Actual</status><msgType>Alert</msgType>"
        "<scope>Public</scope><info><language>zh-CN</language><category>Met</category>"
        "<event>暴雨</event><urgency>Expected</urgency><severity>Orange</severity>"
        f"<certainty>Likely</certainty><effective>{start}</effective>"
        "<expires>2099-12-31T20:00:00+08:00</expires><senderName>连云港市海州区气象台</senderName>"
        f"<headline>{HEADLINE}</headline>"
        "<description>预计未来3小时内新浦街道将出现80毫米以上降水。</description>"
        "<instruction>做好城市内涝防御，易涝点群众及时转移。</instruction>"
        "<area><areaDesc>新浦街道</areaDesc><geocode><valueName>GB/T 2260</valueName>"
        f"<value>{code}</value></geocode></area></info></alert>"
    ).encode()


def settle(page, text: str) -> None:
    """Wait for ``text`` after a click, then for the rerun to finish; no page errors."""
    page.get_by_text(text).first.wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.locator(EXCEPTION).count() == 0


def go(page, url: str, heading: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
    assert page.locator(EXCEPTION).count() == 0


def choose(page, label: str, text: str) -> None:
    """Pick the option of a selectbox or multiselect whose label holds ``text``, and wait
    for the rerun it starts (on a loaded machine the rerun may begin a moment later: a
    "not running" state seen at once would be the old one)."""
    page.get_by_label(label, exact=True).click()
    page.keyboard.type(text)
    page.get_by_role("option").filter(has_text=text).first.click()
    with suppress(PlaywrightTimeout):  # the rerun may be over before we look
        page.wait_for_selector(RUNNING, timeout=3_000)
    wait_for_app(page)


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def import_warning(page, url: str, tmp_path) -> None:
    code = scalar(select(Locality.mca_code).where(Locality.name == "新浦街道"))
    message = tmp_path / f"warning-{TAG}.xml"
    message.write_bytes(cap_message(code))
    go(page, f"{url}/warnings", "预警")
    page.get_by_text("导入预警消息").click()
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(str(message))
    page.get_by_test_id("stFileChipName").get_by_text(message.name).wait_for(timeout=30_000)
    wait_for_app(page)
    button = page.get_by_role("button", name="导入", exact=True)
    expect(button).to_be_enabled(timeout=30_000)  # the upload has reached the script
    wait_for_app(page)
    button.click()
    # The list, not the one-run success message: a late rerun from the uploader may hide it.
    listed = page.locator("[data-testid='stVerticalBlock']").filter(has_text=HEADLINE).last
    listed.wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.locator(EXCEPTION).count() == 0
    assert "生效中" in listed.inner_text()
    assert "新浦街道" in listed.inner_text()


def open_event(page, url: str) -> int:
    go(page, f"{url}/events", "事件与响应")
    page.get_by_text("启动应急响应（新事件）").click()
    choose(page, "关联预警", TAG)
    page.keyboard.press("Escape")
    title = page.get_by_label("标题", exact=True).first
    expect(title).to_have_value(HEADLINE, timeout=30_000)  # the title follows the warning
    wait_for_app(page)
    page.get_by_label("值班领导", exact=True).first.fill("张值班")
    page.get_by_label("值班员", exact=True).first.fill("李值班")
    page.get_by_label("值班员", exact=True).first.blur()
    wait_for_app(page)
    page.get_by_role("button", name="启动响应").click()
    settle(page, "应急响应已启动。")
    event_id = scalar(select(Event.id).where(Event.title == HEADLINE))
    assert event_id is not None
    places = rows(
        select(Locality.name).select_from(Event).join(Event.localities).where(Event.id == event_id)
    )
    assert [name for (name,) in places] == ["新浦街道"]
    choose(page, "查看事件", TAG)
    page.get_by_role("heading", name=HEADLINE).wait_for(timeout=30_000)
    page.get_by_role("button", name="为受威胁隐患点生成任务").click()
    settle(page, "任务已生成")
    tasks = rows(select(ResponseTask.id).where(ResponseTask.event_id == event_id))
    assert tasks, "the threatened checkpoints of 新浦街道 became tasks"
    pending = page.locator("[data-testid='stMetric']").filter(has_text="待执行")
    pending.get_by_text(str(len(tasks)), exact=True).wait_for(timeout=30_000)
    shot(page, "response-event.png")
    return event_id


def dispatch_and_deploy(page, url: str, event_id: int) -> str:
    go(page, f"{url}/dispatch", "调度")
    choose(page, "事件", TAG)
    page.get_by_role("button", name="生成调拨建议").click()
    settle(page, "已生成调拨建议（草稿）。")
    if page.get_by_text("草稿没有明细").count():
        page.get_by_text("增加明细").first.click()
        page.get_by_role("button", name="增加明细").click()
        settle(page, "已增加明细。")
    page.get_by_role("button", name="下达调拨单").click()
    settle(page, "调拨单已下达，库存已调拨入账。")
    number = scalar(select(Dispatch.number).where(Dispatch.event_id == event_id))
    assert number and number.startswith("海应调〔")
    page.get_by_text(number).first.wait_for(timeout=30_000)
    moved = rows(
        select(StockMovement.kind, StockMovement.quantity).where(
            StockMovement.reason.contains(number)
        )
    )
    kinds = {kind for kind, _ in moved}
    assert kinds == {MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN}
    assert sum(q for _, q in moved) == 0  # what leaves one depot arrives at another

    order = page.locator("[data-testid='stExpander']").filter(has_text=number)
    order.get_by_text(number).click()
    order.get_by_role("button", name="下载调拨单（Word）").wait_for(timeout=30_000)
    order.scroll_into_view_if_needed()
    shot(page, "response-dispatch.png")

    choose(page, "专业", "防汛抢险")
    page.get_by_label("人数", exact=True).fill("12")
    page.get_by_role("button", name="调派", exact=True).click()
    settle(page, "已调派队伍。")
    page.get_by_role("button", name="出动", exact=True).click()
    settle(page, "队伍状态已更新。")
    status = scalar(select(Deployment.status).where(Deployment.event_id == event_id))
    assert status is DeploymentStatus.DISPATCHED
    return number


def broadcast(page, url: str, event_id: int) -> None:
    go(page, f"{url}/broadcast", "应急广播")
    choose(page, "事件", TAG)
    page.get_by_text("影响区域内有").wait_for(timeout=60_000)  # the event's draft is in
    wait_for_app(page)
    text = page.get_by_label("广播内容", exact=True)
    assert HEADLINE in text.input_value()  # drafted from the warning
    caption = page.get_by_text("影响区域内有").inner_text()
    online = int(re.search(r"其中 (\d+) 个在线", caption).group(1))
    assert online >= 1
    chosen = page.locator("[data-testid='stMultiSelectTagsContainer']").inner_text()
    assert chosen.count("· 在线") == online  # the online terminals of the area, preselected
    assert "新浦街道" in chosen
    page.get_by_role("button", name="发送广播").click()
    settle(page, "广播已发送并记录")
    page.get_by_role("tab", name="广播记录").click()
    page.get_by_role("tab").filter(has_text="应急广播（").click()
    page.locator("[data-testid='stText']").filter(has_text=HEADLINE).first.wait_for(timeout=30_000)
    sent = rows(
        select(BroadcastDelivery.status)
        .join(Broadcast, Broadcast.id == BroadcastDelivery.broadcast_id)
        .where(Broadcast.event_id == event_id)
    )
    assert len(sent) == online


def work_task_on_phone(browser, url: str, event_id: int) -> int:
    task_id, title = rows(
        select(ResponseTask.id, ResponseTask.title)
        .where(ResponseTask.event_id == event_id)
        .order_by(ResponseTask.id)
        .limit(1)
    )[0]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    blocked = local_only(context)
    page = context.new_page()
    try:
        sign_in_on_phone(page, url)
        go(page, f"{url}/tasks", "我的任务")  # by address: the phone's sidebar folds the list
        card = page.locator("[data-testid='stVerticalBlock']").filter(has_text=title).last
        card.get_by_role("button", name="→ 已到岗").click()
        settle(page, "任务已更新。")
        card = page.locator("[data-testid='stVerticalBlock']").filter(has_text=title).last
        card.get_by_label("转移人数").fill("23")
        card.get_by_label("说明", exact=True).fill("常乐新村低洼处群众已转移至社区活动中心")
        card.get_by_role("button", name="→ 已转移").click()
        settle(page, "任务已更新。")
        page.get_by_text("已转移 23 人").first.wait_for(timeout=30_000)
        card = page.locator("[data-testid='stVerticalBlock']").filter(has_text=title).last
        card.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "response-tasks-phone.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        assert blocked == []
    finally:
        context.close()
    status, evacuated, on_site = rows(
        select(ResponseTask.status, ResponseTask.evacuated, ResponseTask.acknowledged_at).where(
            ResponseTask.id == task_id
        )
    )[0]
    assert status is TaskStatus.EVACUATED and evacuated == 23 and on_site is not None
    return evacuated


def duty_report(page, url: str, evacuated: int, number: str) -> None:
    go(page, f"{url}/duty-report", "值班快报")
    choose(page, "事件", TAG)
    page.get_by_text(f"已转移群众{evacuated}人").wait_for(timeout=60_000)
    image = page.locator("[data-testid='stImage'] img")
    image.wait_for(timeout=60_000)
    assert image.evaluate("img => img.naturalWidth") > 1000  # the A3 map, not an icon
    with page.expect_download() as download:
        page.get_by_role("button", name="下载快报（Word）").click()
    data = Path(download.value.path()).read_bytes()
    document = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = {c.text for table in document.tables for row in table.rows for c in row.cells}
    assert HEADLINE in text
    assert f"已转移群众{evacuated}人" in text
    assert number in cells  # the dispatch order in 七、物资调拨
    assert len(document.inline_shapes) >= 1  # the situation map, embedded


def english(page, url: str) -> None:
    go(page, f"{url}/events", "事件与响应")
    page.locator("[data-testid='stSidebar']").get_by_text("English").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Events and response").wait_for(timeout=60_000)
    page.get_by_text("Open a response (new event)").wait_for(timeout=30_000)
    assert page.locator(EXCEPTION).count() == 0


def test_from_warning_to_duty_report(app_url, page, browser, tmp_path):
    try:
        sign_in(page, app_url, "office", DEMO_PASSWORD)
        import_warning(page, app_url, tmp_path)
        event_id = open_event(page, app_url)
        number = dispatch_and_deploy(page, app_url, event_id)
        broadcast(page, app_url, event_id)
        evacuated = work_task_on_phone(browser, app_url, event_id)
        duty_report(page, app_url, evacuated, number)
        english(page, app_url)
    except Exception:
        shot(page, "response-failure.png")  # what the office saw when the walk stopped
        raise
    assert page.blocked == []
