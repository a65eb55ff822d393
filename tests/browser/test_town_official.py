"""A town official in a real browser: lockout after repeated failures, and one stock
movement recorded through the inventory page."""

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.enums import MovementKind
from registry.kernel.models import AuditEvent, StockMovement, User
from tests.browser.conftest import sign_in, submit_login, wait_for_app

pytestmark = pytest.mark.browser
CORPUS = Path(__file__).resolve().parents[1] / "import_corpus"


def test_lockout_after_five_failures(app_url, page):
    for _ in range(5):
        submit_login(page, app_url, "banpu", "wrong-password")
        page.get_by_text("登录失败").wait_for(timeout=30_000)
    submit_login(page, app_url, "banpu", DEMO_PASSWORD)
    # Locked: the right password is refused with the same words as a wrong one.
    page.get_by_text("登录失败").wait_for(timeout=30_000)
    assert page.get_by_text("海州区应急资源一张图").count() == 0
    engine = db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"])
    with engine.connect() as connection:
        locked_until = connection.execute(
            select(User.locked_until).where(User.username == "banpu")
        ).scalar_one()
    engine.dispose()
    assert locked_until is not None


def test_town_official_records_a_receipt(app_url, page):
    sign_in(page, app_url, "xinpu", DEMO_PASSWORD)
    page.get_by_role("link", name="储备库库存").click()  # in-app navigation keeps the login
    wait_for_app(page)
    page.get_by_role("heading", name="储备库库存").wait_for(timeout=30_000)
    quantity = page.get_by_label("数量").first
    quantity.fill("37")
    page.get_by_role("button", name="入库").last.click()
    page.get_by_text("入库已登记").wait_for(timeout=30_000)
    engine = db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"])
    with engine.connect() as connection:
        movement = connection.execute(
            select(StockMovement.kind, StockMovement.reason, User.username)
            .join(User, User.id == StockMovement.actor_id)
            .where(StockMovement.quantity == 37)
        ).one()
    engine.dispose()
    assert tuple(movement) == (MovementKind.RECEIVE, "采购入库", "xinpu")
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.blocked == []


def test_a_broken_workbook_gets_a_report_and_writes_nothing(app_url, page):
    sign_in(page, app_url, "xinpu", DEMO_PASSWORD)
    page.get_by_role("link", name="Excel 导入").click()
    wait_for_app(page)
    page.get_by_role("button", name="下载模板").wait_for(timeout=30_000)
    page.locator("input[type=file]").set_input_files(CORPUS / "negative_quantity.xlsx")
    page.get_by_text("未导入").wait_for(timeout=60_000)
    assert page.get_by_text("没有写入任何数据").is_visible()
    assert page.get_by_role("button", name="确认导入").count() == 0
    engine = db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"])
    with engine.connect() as connection:
        imports = connection.execute(
            select(func.count()).where(AuditEvent.action == "import-committed")
        ).scalar_one()
    engine.dispose()
    assert imports == 0
