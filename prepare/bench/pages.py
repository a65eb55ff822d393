"""Server time of a page: the whole app under Streamlit's AppTest, signed in as a user.

Runs in a child process per dataset and user, so every first run is truly cold (empty
caches, fresh engine) and one dataset's caches never serve another's. The only module of
``prepare`` that imports streamlit (its test harness), as tests/test_architecture.py allows.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "streamlit_app.py"
MARK = "BENCH-PAGE-RESULT "


def measure(
    url: str, username: str, *, reruns: int = 3, capture: Path | None = None, timeout=1800
) -> dict:
    """Cold (first run after sign-in) and warm (median of ``reruns``) seconds of the
    landing page of ``username`` on the database at ``url``; with ``capture``, the office
    map's build_office_map arguments are pickled there."""
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "STREAMLIT_LOGGER_LEVEL": "error"}
    command = [sys.executable, "-m", "prepare.bench.pages", username, "--reruns", str(reruns)]
    if capture:
        command += ["--capture", str(capture)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
    raise RuntimeError(f"AppTest child failed ({done.returncode}): " + "\n".join(tail))


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _shipped_bytes(app) -> dict[str, int]:
    """Serialized size of the elements of the last run: all, and custom components (the
    map) alone. That is what the page sends to the browser on a run."""
    total = component = 0
    for node in _walk(app._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ByteSize"):
            continue
        size = proto.ByteSize()
        total += size
        if getattr(node, "type", "") == "component_instance":
            component += size
    return {"elements_bytes": total, "component_bytes": component}


def _problems(app) -> list[str]:
    return [str(e.value if hasattr(e, "value") else e)[:300] for e in app.exception]


def _timed(app) -> float:
    started = time.perf_counter()
    app.run()
    return time.perf_counter() - started


def _record_map_inputs(calls: list) -> None:
    """Wrap the page's map builder to keep its last arguments (no work added to a run)."""
    import maps.office_map

    build = maps.office_map.build_office_map

    def recording(*args, **kwargs):
        calls[:] = [(args, kwargs)]
        return build(*args, **kwargs)

    maps.office_map.build_office_map = recording


def _receipt(url: str) -> None:
    """A stock receipt by the office into the first depot, through the use-case: the most
    common write while a response runs, in a transaction of its own (as another user's)."""
    from sqlalchemy import select

    from registry.kernel import db
    from registry.kernel.clock import today
    from registry.kernel.models import Depot, Item, User
    from registry.kernel.permissions import Actor
    from registry.records import stock

    factory = db.make_session_factory(db.make_engine(url))
    with db.transaction(factory) as session:
        user = session.scalars(select(User).where(User.username == "office")).one()
        depot = session.scalars(select(Depot.id).order_by(Depot.id).limit(1)).one()
        item = session.scalars(select(Item.id).order_by(Item.id).limit(1)).one()
        office, batch = Actor.from_user(user), f"bench-{time.time_ns()}"
        stock.receive(session, office, depot, item, 10, batch=batch,
                      reason="bench: after a write", today=today())  # fmt: skip
    factory.kw["bind"].dispose()


def run_child(username: str, reruns: int, capture: Path | None = None) -> dict:
    """Sign in (through the core, as the sign-in route does); the first run renders the
    landing page (cold), then rerun it; then another user's stock receipt, and the next
    rerun (after a write)."""
    from registry.demo import DEMO_PASSWORD

    calls: list = []
    if capture:
        _record_map_inputs(calls)

    from streamlit.testing.v1 import AppTest

    from prepare.support import apptest_browser, demo_session_token
    from registry.kernel.settings import load_settings
    from web.client import COOKIE

    browser = apptest_browser()
    token = demo_session_token(load_settings().database_url, username, DEMO_PASSWORD)
    app = AppTest.from_file(str(ENTRY), default_timeout=600)
    browser.cookies[COOKIE] = token  # signed in, as the sign-in route leaves the browser
    cold = _timed(app)
    problems = _problems(app)
    titles = [t.value for t in app.title]
    warm = [_timed(app) for _ in range(reruns)]
    problems += _problems(app)
    _receipt(load_settings().database_url)
    after_write = _timed(app)
    problems += _problems(app)
    if capture and calls:
        with capture.open("wb") as file:
            pickle.dump(calls[0], file, protocol=pickle.HIGHEST_PROTOCOL)
    return {
        "user": username,
        "title": titles[0] if titles else None,
        "cold_s": round(cold, 4),
        "warm_s": [round(w, 4) for w in warm],
        "rerun_s": round(statistics.median(warm), 4),
        "after_write_s": round(after_write, 4),
        **_shipped_bytes(app),
        "exceptions": problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="time one user's landing page (AppTest)")
    parser.add_argument("username")
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--capture", type=Path, help="pickle the map builder's arguments here")
    args = parser.parse_args(argv)
    result = run_child(args.username, args.reruns, args.capture)
    print(MARK + json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
