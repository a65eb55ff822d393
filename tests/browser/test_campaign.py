"""The district office runs a campaign end to end: create it, go inspect a target from its
not-yet-inspected list, and see the inspection counted in its coverage."""

from __future__ import annotations

import os

from playwright.sync_api import expect
from sqlalchemy import select

from registry.demo import DEMO_PASSWORD
from registry.fieldwork import campaigns
from registry.kernel import db
from registry.kernel.models import Campaign, Inspection
from tests.browser.conftest import sign_in, wait_for_app

NAME = "浏览器测试专项检查"


def open_page(page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    wait_for_app(page)
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)


def open_list(box) -> None:
    """Open a multiselect's list before typing (typing into a closed box is lost); a click
    while the expander around it is still opening can be missed, so try again."""
    for _ in range(10):
        box.click()
        try:
            expect(box).to_have_attribute("aria-expanded", "true", timeout=2_000)
            return
        except AssertionError:
            box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "true")


def test_office_runs_a_campaign_end_to_end(app_url, page):
    sign_in(page, app_url, "office", DEMO_PASSWORD)
    open_page(page, "专项检查")
    page.get_by_text("新建专项检查").click()
    form = page.get_by_test_id("stForm").first  # the new-campaign form; the edit form follows
    form.get_by_label("名称（如：汛前隐患排查）").fill(NAME)
    places = form.get_by_role("combobox", name="属地（不选即全部）")
    open_list(places)
    places.fill("新浦街道")
    page.get_by_role("option", name="新浦街道", exact=True).click()
    places.press("Escape")
    form.get_by_role("button", name="创建专项检查").click()
    wait_for_app(page)
    page.get_by_text("去检查").first.wait_for(timeout=60_000)

    page.get_by_role("button", name="去检查").click()
    wait_for_app(page)
    page.get_by_role("heading", name="现场检查").wait_for(timeout=60_000)
    page.get_by_role("button", name="保存检查记录").click()
    page.get_by_text("检查已登记").wait_for(timeout=60_000)

    engine = db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"])
    factory = db.make_session_factory(engine)
    with factory() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.name == NAME))
        inspection = session.scalar(select(Inspection).order_by(Inspection.id.desc()).limit(1))
        cover = campaigns.coverage(session, campaign.id)
    engine.dispose()
    assert campaign.locality_ids is not None and campaign.created_by is not None
    assert inspection.campaign_id == campaign.id
    assert cover["district"]["inspected"] == 1
    assert cover["district"]["targets"] > 1

    open_page(page, "专项检查")
    page.get_by_label("选择专项检查").click()
    page.keyboard.type(NAME)
    page.keyboard.press("Enter")
    wait_for_app(page)
    page.get_by_text(f"1 / {cover['district']['targets']}").wait_for(timeout=30_000)
