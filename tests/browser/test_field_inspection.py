"""A town official records an inspection with a photo from a phone-sized window."""

from __future__ import annotations

import io
import os

from PIL import Image
from sqlalchemy import select

from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.enums import RectificationStatus, RiskLevel
from registry.kernel.models import (
    Attachment,
    Inspection,
    Locality,
    Rectification,
    RectificationStep,
)
from tests.browser.conftest import wait_for_app

PHONE = {"width": 390, "height": 844}  # a common phone viewport, in CSS pixels


def photo_file(tmp_path) -> str:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 120, 200)).save(out, "JPEG")
    path = tmp_path / "现场照片.jpg"
    path.write_bytes(out.getvalue())
    return str(path)


def phone_page(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    return context, context.new_page()


def sign_in_on_phone(page, url: str) -> None:
    page.goto(url)  # the app server's sign-in page
    page.get_by_label("用户名").fill("xinpu")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("海州区应急资源一张图").wait_for(timeout=60_000)
    wait_for_app(page)


def open_page_on_phone(page, title: str) -> None:
    """On a phone the navigation sits in the collapsed sidebar: open it, go, close it."""
    page.locator("[data-testid='stExpandSidebarButton']").click()
    page.get_by_role("link", name=title).click()
    wait_for_app(page)
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    if page.locator("[data-testid='stSidebar'][data-collapsed='false']").count():
        page.locator("[data-testid='stSidebarCollapseButton'] button").click()


def latest(model_column, *conditions):
    engine = db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"])
    with engine.connect() as connection:
        value = connection.execute(
            select(model_column).where(*conditions).order_by(model_column.desc()).limit(1)
        ).scalar()
    engine.dispose()
    return value


def test_inspection_with_a_photo_at_phone_size(app_url, browser, tmp_path):
    context, page = phone_page(browser)
    try:
        sign_in_on_phone(page, app_url)
        open_page_on_phone(page, "现场检查")
        page.get_by_text("发现问题", exact=True).click()
        wait_for_app(page)
        page.get_by_label("发现的问题").fill("雨水口堵塞，排水不畅")
        page.get_by_label("发现的问题").blur()
        wait_for_app(page)
        page.locator("input[type=file]").first.set_input_files(photo_file(tmp_path))
        page.get_by_test_id("stFileChipName").get_by_text("现场照片.jpg").wait_for(timeout=30_000)
        wait_for_app(page)
        save = page.get_by_role("button", name="保存检查记录")
        box = save.bounding_box()
        assert box["width"] <= PHONE["width"]  # the form fits the phone's width
        save.click()
        page.get_by_text("1 项问题已转入隐患整改").wait_for(timeout=60_000)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"] + 1  # nothing forces sideways scrolling
    finally:
        context.close()

    engine = db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"])
    with engine.connect() as connection:
        inspection = connection.execute(
            select(Inspection).order_by(Inspection.id.desc()).limit(1)
        ).one()
        rect = connection.execute(
            select(Rectification.description).where(Rectification.inspection_id == inspection.id)
        ).scalar_one()
        photo = connection.execute(
            select(Attachment.filename, Attachment.size).where(
                Attachment.owner_kind == "inspection", Attachment.owner_id == inspection.id
            )
        ).one()
    engine.dispose()
    assert inspection.findings == "雨水口堵塞，排水不畅"
    assert rect == "雨水口堵塞，排水不畅"
    assert photo.filename == "现场照片.jpg" and photo.size > 1000


def registered_rectification_in_xinpu() -> int:
    xinpu = select(Locality.id).where(Locality.name == "新浦街道").scalar_subquery()
    return latest(
        Rectification.id,
        Rectification.status == RectificationStatus.REGISTERED,
        Rectification.risk_level != RiskLevel.MAJOR,
        Rectification.locality_id == xinpu,
    )


def test_rectifying_with_evidence_at_phone_size(app_url, browser, tmp_path):
    """The town official starts rectifying a finding of their locality, then submits
    evidence with a photo for re-check."""
    rect_id = registered_rectification_in_xinpu()
    context, page = phone_page(browser)
    try:
        sign_in_on_phone(page, app_url)
        open_page_on_phone(page, "隐患整改")
        page.get_by_label("选择整改记录").click()
        page.keyboard.type(f"#{rect_id} ")
        page.keyboard.press("Enter")
        wait_for_app(page)
        page.get_by_role("heading", name=f"#{rect_id} ").wait_for(timeout=30_000)
        page.get_by_label("责任人 *").fill("王责任")
        page.get_by_label("说明 *").fill("已落实整改责任人和措施")
        page.get_by_label("说明 *").blur()
        wait_for_app(page)
        page.get_by_role("button", name="开始整改").click()
        page.get_by_text("已完成：开始整改").wait_for(timeout=60_000)
        wait_for_app(page)
        page.get_by_label("整改佐证").fill("已清理雨水口，疏通排水管 20 米")
        page.locator("input[type=file]").first.set_input_files(photo_file(tmp_path))
        page.get_by_test_id("stFileChipName").get_by_text("现场照片.jpg").wait_for(timeout=30_000)
        page.get_by_label("说明 *").fill("整改完成，申请复查")
        page.get_by_label("说明 *").blur()
        wait_for_app(page)
        page.get_by_role("button", name="整改完成，申请复查").click()
        page.get_by_text("已完成：整改完成，申请复查").wait_for(timeout=60_000)
    finally:
        context.close()

    engine = db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"])
    with engine.connect() as connection:
        status = connection.execute(
            select(Rectification.status).where(Rectification.id == rect_id)
        ).scalar_one()
        step = connection.execute(
            select(RectificationStep.id, RectificationStep.evidence)
            .where(RectificationStep.rectification_id == rect_id)
            .order_by(RectificationStep.id.desc())
            .limit(1)
        ).one()
        photos = connection.execute(
            select(Attachment.id).where(
                Attachment.owner_kind == "rectification_step", Attachment.owner_id == step.id
            )
        ).all()
    engine.dispose()
    assert status == RectificationStatus.AWAITING_RECHECK
    assert step.evidence == "已清理雨水口，疏通排水管 20 米"
    assert len(photos) == 1
