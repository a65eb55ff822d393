"""A real app server and a real headless Chromium (Debian's), driven by Playwright.

Turned on by REGISTRY_TEST_BROWSER=1 (CI does); otherwise these tests skip, saying why.
Every request that leaves localhost is blocked and recorded, so a test can prove the page
works with no network beyond the app itself.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from prepare.support import ROOT, app_server_command, free_port, local_only, wait_healthy
from tests.conftest import browser_enabled, copy_sqlite


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, demo_template):
    """The app on a free port with its own demo database."""
    browser_enabled()
    db_path = tmp_path_factory.mktemp("browser") / "registry.db"
    copy_sqlite(demo_template, db_path)
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"sqlite:///{db_path}"}
    # Tests that prepare records of their own write to the same database through the core.
    os.environ["REGISTRY_BROWSER_DATABASE_URL"] = env["REGISTRY_DATABASE_URL"]
    port = free_port()
    log = (db_path.parent / "server.log").open("w")
    process = subprocess.Popen(
        app_server_command(port),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture
def page(browser):
    """A fresh page whose requests beyond localhost are blocked and listed in page.blocked."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    blocked = local_only(context)
    page = context.new_page()
    page.blocked = blocked
    yield page
    context.close()


def wait_for_app(page) -> None:
    """Streamlit is connected and no script run is in progress."""
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=60_000
    )
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000
    )


def submit_login(page, url: str, username: str, password: str) -> None:
    """Open the app: the server answers with its sign-in page (plain HTML); post the form."""
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


MAP_TITLE = "海州区应急资源一张图"


def sign_in(page, url: str, username: str, password: str, landing: str = MAP_TITLE) -> None:
    """Sign in and wait for the landing page's ``landing`` text (leaders land on 备灾总览)."""
    submit_login(page, url, username, password)
    page.wait_for_selector(f"text={landing}", timeout=60_000)
    wait_for_app(page)


MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
_FIND_POINT = """([layer, text]) => {
    const layers = Object.values(window.map._layers).filter(l => l.registry && l._canvas);
    for (const l of layers) {
        if (layer && l.registry.name !== layer) { continue; }
        const d = l._decoded, labels = d.labels || [];
        for (let i = 0; i < d.n; i++) {
            if (!String(labels[i] || '').includes(text)) { continue; }
            window.map.setView([d.lat[i], d.lon[i]], 16, {animate: false});
            const p = window.map.latLngToContainerPoint([d.lat[i], d.lon[i]]);
            return [p.x, p.y];
        }
    }
    return null;
}"""


def map_point(page, layer: str | None, text: str = "") -> tuple[float, float] | None:
    """Centre the map on the first point of ``layer`` (its displayed name) whose label
    holds ``text`` and return where it is on the page: points are drawn on a canvas, so
    the test moves the real mouse there."""
    frame = page.frame(url=lambda u: "st_folium" in u)
    found = frame.evaluate(_FIND_POINT, [layer, text])
    if found is None:
        return None
    box = page.locator(MAP_FRAME).bounding_box()
    inner = frame.evaluate("(() => { const r = window.map.getContainer()"
                           ".getBoundingClientRect(); return [r.x, r.y]; })()")  # fmt: skip
    return box["x"] + inner[0] + found[0], box["y"] + inner[1] + found[1]


def map_drawn(page) -> None:
    """Wait until the map's point layers have painted."""
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator("canvas.registry-points").first.wait_for(timeout=30_000)
    page.frame(url=lambda u: "st_folium" in u).wait_for_function(
        "window.registryPointsShown === true", timeout=30_000
    )
