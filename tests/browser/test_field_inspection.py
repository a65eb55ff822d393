"""A town official records an inspection with a photo from a phone-sized window."""

from __future__ import annotations

import io
import os

from PIL import Image
from sqlalchemy import select

from registry import db
from registry.demo import DEMO_PASSWORD
from registry.models import Attachment, Inspection, Rectification
from tests.browser.conftest import wait_for_app

PHONE = {"width": 390, "height": 844}  # a common phone viewport, in CSS pixels


def photo_file(tmp_path) -> str:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 120, 200)).save(out, "JPEG")
    path = tmp_path / "现场照片.jpg"
    path.write_bytes(out.getvalue())
    return str(path)


def test_inspection_with_a_photo_at_phone_size(app_url, browser, tmp_path):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(app_url)
        wait_for_app(page)
        page.get_by_label("用户名").fill("xinpu")
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_text("海州区应急资源一张图").wait_for(timeout=60_000)
        wait_for_app(page)
        # On a phone the navigation sits in the collapsed sidebar.
        page.locator("[data-testid='stExpandSidebarButton']").click()
        page.get_by_role("link", name="现场检查").click()
        wait_for_app(page)
        page.get_by_role("heading", name="现场检查").wait_for(timeout=60_000)
        if page.locator("[data-testid='stSidebar'][data-collapsed='false']").count():
            page.locator("[data-testid='stSidebarCollapseButton'] button").click()
        page.get_by_text("发现问题", exact=True).click()
        wait_for_app(page)
        page.get_by_label("发现的问题").fill("雨水口堵塞，排水不畅")
        page.get_by_label("发现的问题").blur()
        wait_for_app(page)
        page.locator("input[type=file]").first.set_input_files(photo_file(tmp_path))
        page.get_by_text("现场照片.jpg").wait_for(timeout=30_000)
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
