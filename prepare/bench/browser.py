"""Time until headless Chromium shows the markers of a map page.

The pages are served from 127.0.0.1 next to the vendored Leaflet (under the same path the
app uses), and every request leaving localhost is aborted, so nothing waits on a network.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from prepare.support import CHROMIUM, CHROMIUM_ARGS, ROOT, local_only

GRACE_MS = 20_000  # after load, how long a missing "shown" flag is waited for

# Our layers say when they are painted (window.registryPointsShown, maps/points.py). Without
# the flag: enough marker elements in the DOM, or else the load event (if GRACE_MS pass). A
# condition met by the DOM counts once two animation frames later, i.e. once painted.
PAINTED = """(method, drawn) => {
    if (window.__benchPainted) {
        return {method: method, drawn: drawn, at: window.__benchPainted};
    }
    if (!window.__benchSeen) {
        window.__benchSeen = true;
        requestAnimationFrame(() => requestAnimationFrame(() => {
            window.__benchPainted = performance.now();
        }));
    }
    return false;
}"""
OURS_SHOWN = f"""([expected, graceMs]) => {{
    const painted = {PAINTED};
    if (window.registryPointsShown === true) {{
        return {{method: 'flag', drawn: window.registryPointsDrawn || 0, at: performance.now()}};
    }}
    if (document.readyState !== 'complete') {{ return false; }}
    const n = document.querySelectorAll('.leaflet-marker-icon, .leaflet-interactive').length;
    if (expected > 0 && n >= expected) {{ return painted('dom-count', n); }}
    window.__benchLoaded = window.__benchLoaded || performance.now();
    if (performance.now() - window.__benchLoaded > graceMs) {{
        return {{method: 'load event: no flag, too few marker elements (a lower bound)',
                drawn: n, at: window.__benchLoaded}};
    }}
    return false;
}}"""
NAIVE_SHOWN = f"""(expected) => {{
    const painted = {PAINTED};
    const n = document.getElementsByClassName('leaflet-marker-icon').length;
    return n >= expected || window.__benchSeen ? painted('dom-count', n) : false;
}}"""


class _Quiet(SimpleHTTPRequestHandler):
    """Serves the benchmark pages without logging every request over the printed table."""

    def log_message(self, *args):
        return None


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve ``folder`` (plus static/vendor at the app's path) on a free local port."""
    app_static = folder / "app" / "static"
    app_static.mkdir(parents=True, exist_ok=True)
    vendor = app_static / "vendor"
    if not vendor.exists():
        vendor.symlink_to(ROOT / "static" / "vendor", target_is_directory=True)
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's headless Chromium under Playwright, as the browser tests use it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def markers_shown(browser, url: str, expected: int, *, naive: bool, cap_s: float) -> dict:
    """Seconds from navigation start until the markers are painted, and how it was told.

    ``seconds`` is None when the cap passed first (reported as "> cap")."""
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    blocked = local_only(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)[:200]))
    result: dict[str, object] = {"expected": expected, "cap_s": cap_s}
    try:
        page.goto(url, wait_until="commit", timeout=cap_s * 1000)
        check, arg = (NAIVE_SHOWN, expected) if naive else (OURS_SHOWN, [expected, GRACE_MS])
        found = page.wait_for_function(check, arg=arg, polling="raf", timeout=cap_s * 1000)
        found = found.json_value()
        seconds = round(found["at"] / 1000, 3)
        result.update(seconds=seconds, method=found["method"], drawn=found["drawn"])
    except PlaywrightError as error:
        result.update(seconds=None, method="timeout", error=str(error).splitlines()[0][:200])
    finally:
        result.update(page_errors=errors[:5], blocked=len(blocked))
        context.close()
    return result
