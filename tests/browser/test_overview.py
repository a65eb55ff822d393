"""备灾总览 in a real browser: the leader lands on it, the readiness map draws every
locality offline, the ranking shows, and clicking a locality opens its drill-down."""

from pathlib import Path

import pytest

from registry.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in, wait_for_app

pytestmark = pytest.mark.browser
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
SHOTS = Path(__file__).resolve().parents[2] / "bench-results"
# A locality polygon's on-screen centre and its name, read from the map itself.
FIND_LOCALITY = """(name) => {
    const layer = Object.values(window.map._layers).find(l => l.feature && l.getTooltip
        && String(l.feature.properties.tooltip || '').startsWith(name));
    const point = window.map.latLngToContainerPoint(layer.getBounds().getCenter());
    return {x: Math.round(point.x), y: Math.round(point.y)};
}"""


def test_leader_lands_on_the_overview_and_the_map_draws_offline(app_url, page):
    sign_in(page, app_url, "leader", DEMO_PASSWORD, landing="备灾总览")
    assert page.get_by_role("heading", name="备灾总览").is_visible()
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=30_000)
    assert frame.locator("path.leaflet-interactive").count() >= 19
    assert frame.locator(".leaflet-tile").count() == 0  # no basemap tiles: works offline
    assert page.get_by_role("heading", name="镇街排名").is_visible()
    assert page.locator("[data-testid='stDataFrame']").first.is_visible()
    assert page.get_by_text("全区备灾指数").is_visible()
    assert page.get_by_text("演示数据").first.is_visible()
    assert page.get_by_role("button", name="立即生成快照").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)
    assert page.blocked == [], f"requests left localhost: {page.blocked[:5]}"


def test_clicking_a_locality_opens_its_drill_down(app_url, page):
    sign_in(page, app_url, "leader", DEMO_PASSWORD, landing="备灾总览")
    frame = page.frame_locator(MAP_FRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    wait_for_app(page)
    # The worst locality is shown first; click another one on the map.
    name = "板浦镇" if page.get_by_text("新浦街道的逾期事项").count() else "新浦街道"
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    point = page.frame(url=lambda u: "st_folium" in u).evaluate(FIND_LOCALITY, name)
    frame.locator(".leaflet-container").click(position=point)
    page.get_by_text(f"{name}的逾期事项").wait_for(timeout=30_000)
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.blocked == []
