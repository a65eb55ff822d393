"""The office map in a real browser: click a depot for details, run a nearest-resource
query, and prove a hostile depot name neither runs nor disappears."""

import os

import pytest
from sqlalchemy import select

from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.models import Locality
from registry.kernel.permissions import SYSTEM
from registry.records.commands import create_depot
from tests.browser.conftest import MAP_FRAME, map_drawn, map_point, sign_in, wait_for_app

pytestmark = pytest.mark.browser
PAYLOAD = "<img src=x onerror=window.__x=1>${window.__y=1}"


def test_clicking_a_district_depot_shows_its_details(app_url, page):
    sign_in(page, app_url, "office", DEMO_PASSWORD)
    map_drawn(page)
    frame = page.frame_locator(MAP_FRAME)
    # District depots are squares on the layer's canvas; hover shows the tooltip, click selects.
    x, y = map_point(page, "区级库")
    page.mouse.move(x, y)
    tooltip = frame.locator(".leaflet-tooltip:has(span[hidden])")  # not the locality's
    name = tooltip.inner_text().split("\n")[0]
    page.mouse.click(x, y)
    page.get_by_text("打开记录页").wait_for(timeout=30_000)
    wait_for_app(page)
    assert page.get_by_role("heading", name=name).is_visible()
    assert page.get_by_text("低于定额").first.is_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.blocked == []


def test_nearest_resource_query(app_url, page):
    sign_in(page, app_url, "office", DEMO_PASSWORD)
    map_drawn(page)
    page.frame_locator(MAP_FRAME).locator(".leaflet-container").click(position={"x": 330, "y": 330})
    wait_for_app(page)
    page.get_by_role("tab", name="就近资源").click()
    page.get_by_text("查询点：").wait_for(timeout=30_000)
    page.get_by_role("button", name="查找就近储备库").click()
    wait_for_app(page)
    page.get_by_text("就近储备库", exact=True).wait_for(timeout=30_000)
    # The verdict is drawn after the table, so it may arrive a moment after the heading.
    verdict = page.get_by_text("可由最近的").or_(page.get_by_text("缺口")).first
    verdict.wait_for(timeout=30_000)
    assert verdict.is_visible()
    assert page.locator("[data-testid='stException']").count() == 0


@pytest.fixture
def hostile_depot(app_url):
    """A district depot named with script, written through the core like any edit."""
    url = os.environ.get("REGISTRY_BROWSER_DATABASE_URL")
    factory = db.make_session_factory(db.make_engine(url))
    with db.transaction(factory) as session:
        xinpu = session.scalar(select(Locality).where(Locality.name == "新浦街道"))
        create_depot(
            session,
            SYSTEM,
            {
                "name": PAYLOAD,
                "level": "district",
                "locality_id": xinpu.id,
                "lon": 119.19,
                "lat": 34.606,
            },
        )
    factory.kw["bind"].dispose()


def test_hostile_depot_name_shows_as_text_and_never_runs(app_url, hostile_depot, page):
    sign_in(page, app_url, "office", DEMO_PASSWORD)
    map_drawn(page)
    frame = page.frame_locator(MAP_FRAME)
    # Centre the map on the hostile depot, then use the real mouse on the canvas.
    found = map_point(page, "区级库", "onerror")
    assert found, "the hostile depot is not on the map"
    page.mouse.move(*found)
    shown = frame.locator(".leaflet-tooltip", has_text="onerror").inner_text()
    assert shown.startswith(PAYLOAD)  # the name shows as text
    page.mouse.click(*found)
    page.get_by_role("heading", name=PAYLOAD).wait_for(timeout=30_000)
    for target in (page, page.frame(url=lambda u: "st_folium" in u)):
        assert target.evaluate("typeof window.__x") == "undefined"
        assert target.evaluate("typeof window.__y") == "undefined"
