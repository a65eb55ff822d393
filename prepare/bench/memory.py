"""Resident memory of a real app server after an office user has opened the map and the
overview on a dataset: what a deployment must provision, read from /proc."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prepare.support import ROOT, app_server_command, free_port, local_only, wait_healthy
from registry.kernel import i18n

MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
PAGE_TIMEOUT_MS = 600_000  # the unoptimised province map may take minutes
SHOWN = "() => window.registryPointsShown === true"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """Run in the server's process before exec: it gets SIGTERM when the bench dies, so a
    killed benchmark leaves no app server behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def rss_mib(pid: int) -> dict:
    """VmRSS of the process and its children, and the process's peak (VmHWM), in MiB."""
    children = _descendants(pid)
    own = _status_kb(pid, "VmRSS")
    kids = sum(_status_kb(child, "VmRSS") for child in children)
    return {
        "rss_mib": round((own + kids) / 1024, 1),
        "server_rss_mib": round(own / 1024, 1),
        "children_rss_mib": round(kids / 1024, 1),
        "children": len(children),
        "peak_server_rss_mib": round(_status_kb(pid, "VmHWM") / 1024, 1),
    }


def _wait_idle(page) -> None:
    """Streamlit is connected and no script run is in progress."""
    app = "[data-testid='stApp']"
    page.wait_for_selector(f"{app}[data-test-connection-state='CONNECTED']", timeout=60_000)
    page.wait_for_selector(f"{app}[data-test-script-state='notRunning']", timeout=PAGE_TIMEOUT_MS)


def _points_shown(page, timeout_s: float) -> bool:
    """Wait for the map's "points painted" flag in any frame. Frames are looked up afresh
    each time: st_folium may replace its iframe, and a wait on a detached frame would hang."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate(SHOWN):
                    return True
            except PlaywrightError:
                continue
        page.wait_for_timeout(100)
    return False


def _browse(browser, url: str, username: str, password: str) -> dict:
    """Sign in, let the map (the office's landing page) paint, then open the overview."""
    t = i18n.translate
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    blocked = local_only(context)
    page = context.new_page()
    times: dict[str, object] = {}
    try:
        page.goto(url)  # the app server answers with its sign-in page
        page.get_by_label(t("login.username")).fill(username)
        page.get_by_label(t("login.password")).fill(password)
        started = time.perf_counter()
        page.get_by_role("button", name=t("login.submit")).click()
        page.get_by_role("heading", name=t("map.title")).wait_for(timeout=PAGE_TIMEOUT_MS)
        frame = page.frame_locator(MAP_FRAME)
        frame.locator(".leaflet-container").wait_for(timeout=PAGE_TIMEOUT_MS)
        _wait_idle(page)
        times["map_points_flag_seen"] = _points_shown(page, PAGE_TIMEOUT_MS / 1000)
        times["map_in_app_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        page.locator("a[href$='/overview']").first.click()
        heading = page.get_by_role("heading", name=t("nav.overview"))
        heading.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(
            timeout=PAGE_TIMEOUT_MS
        )
        _wait_idle(page)
        times["overview_in_app_s"] = round(time.perf_counter() - started, 2)
        times["exceptions_shown"] = page.locator("[data-testid='stException']").count()
    finally:
        times["blocked"] = len(blocked)
        context.close()
    return times


@contextmanager
def app_server(database_url: str, log_path: Path) -> Iterator[tuple[str, int]]:
    """``streamlit run`` on the database (its URL and pid while it runs), stopped after."""
    env = {**os.environ, "REGISTRY_DATABASE_URL": database_url}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            app_server_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )  # fmt: skip
        try:
            wait_healthy(url, process)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def server_memory(browser, database_url: str, log_path: Path) -> dict:
    """Start ``streamlit run`` on the database, browse as the office, read its memory."""
    from registry.demo import DEMO_PASSWORD

    with app_server(database_url, log_path) as (url, pid):
        idle = rss_mib(pid)["rss_mib"]
        times = _browse(browser, url, "office", DEMO_PASSWORD)
        return {"idle_rss_mib": idle, **rss_mib(pid), **times}
