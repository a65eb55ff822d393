"""The first page in a real browser: sign in, the map draws its layers offline."""

from pathlib import Path

import pytest

from registry.demo import DEMO_PASSWORD
from tests.browser.conftest import map_drawn, map_point, sign_in, submit_login

pytestmark = pytest.mark.browser
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
SHOTS = Path(__file__).resolve().parents[2] / "bench-results"


def test_town_official_signs_in_and_the_map_draws_offline(app_url, page):
    sign_in(page, app_url, "xinpu", DEMO_PASSWORD)
    frame = page.frame_locator(MAP_FRAME)
    # Locality polygons are canvas paths; each point layer paints its own canvas.
    map_drawn(page)
    assert frame.locator("canvas.registry-points").count() >= 4  # depots, teams, checkpoints
    assert map_point(page, "区级库") is not None  # the district depots are drawn
    assert frame.locator(".leaflet-control-layers").count() == 1
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("演示数据").first.is_visible()
    assert page.get_by_text("近似范围").first.is_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "first-page.png"), full_page=True)
    assert page.blocked == [], f"requests left localhost: {page.blocked[:5]}"


def test_wrong_password_is_refused(app_url, page):
    submit_login(page, app_url, "xinpu", "not-the-password")
    page.get_by_text("登录失败").wait_for(timeout=30_000)
    assert page.get_by_text("海州区应急资源一张图").count() == 0
