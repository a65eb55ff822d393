"""Many people at once (issue 19): real sessions on a real app server, measured from outside.

Each simulated person signs in through the sign-in route (as a browser posts the form), then
opens Streamlit's own WebSocket (``/_stcore/stream``) with the session cookie and speaks its
protocol as the browser does: a ``rerun_script`` BackMsg per page opened, timed until the
server's ``script_finished`` ForwardMsg — the server time of one interaction, without a
browser's rendering (a protocol-level client: thirty headless Chromium contexts would take
the two cores from the server being measured). Pages are picked in turn from the user's
round (map, overview, inventory, alerts, the event page); writes are mixed in at a steady
rate through the JSON API with a write token — stock receipts and task steps, through the
same use-cases as the pages. The server's memory is read from /proc at the end.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets
from sqlalchemy import select
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.typing import Subprotocol

from prepare.bench.memory import app_server, rss_mib
from registry.accounts import tokens
from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.enums import TaskStatus
from registry.kernel.models import Depot, Item, ResponseTask
from registry.kernel.permissions import SYSTEM

LANDING = {"leader": "overview", "office": "map", "town": "map"}  # the default page (url "")
ROUNDS = {  # url path of each page a person opens, in turn
    "office": ("map", "overview", "alerts", "events", "inventory"),
    "leader": ("overview", "map", "alerts", "events"),
    "town": ("map", "inventory", "alerts", "tasks", "overview"),
}
PEOPLE = ["office"] * 8 + ["leader"] * 4 + ["xinpu", "banpu", "huaguoshan", "jinping"] * 5
THINK_S = (5.0, 15.0)  # seconds a person reads a page before the next click
WRITE_EVERY_S = 2.0  # one write (receipt or task step) by another system this often
TIMEOUT_S = 120


@dataclass
class Figures:
    interactions: list[float] = field(default_factory=list)
    sign_ins: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _role(username: str) -> str:
    return username if username in ROUNDS else "town"


async def _sign_in(client: httpx.AsyncClient, username: str, figures: Figures) -> str | None:
    started = time.perf_counter()
    response = await client.post(
        "/auth/sign-in",
        data={"username": username, "password": DEMO_PASSWORD},
        headers={"Origin": str(client.base_url).rstrip("/")},
    )
    figures.sign_ins.append(time.perf_counter() - started)
    if response.status_code != 303:
        figures.errors.append(f"sign-in {username}: {response.status_code}")
        return None
    return "; ".join(f"{k}={v}" for k, v in response.cookies.items())


def _rerun(page_hash: str) -> bytes:
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_script_hash = page_hash
    return message.SerializeToString()


async def _until_finished(socket: Any, pages: dict[str, str], landing: str) -> str | None:
    """Read ForwardMsgs until the run finishes; note the pages the navigation offers (the
    default page's url is empty: it is noted as ``landing``). An exception shown on the page
    is returned as an error."""
    problem = None
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(socket.recv(), TIMEOUT_S))
        kind = message.WhichOneof("type")
        if kind == "navigation":
            for page in message.navigation.app_pages:
                pages[page.url_pathname or landing] = page.page_script_hash
        elif kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
            problem = message.delta.new_element.exception.message[:200]
        elif kind == "script_finished":
            return problem


async def _person(base: str, username: str, figures: Figures, stop_at: float, seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=TIMEOUT_S) as http:
        cookie = await _sign_in(http, username, figures)
    if cookie is None:
        return
    socket_url = base.replace("http", "ws", 1) + "/_stcore/stream"
    headers = {"Cookie": cookie, "Origin": base}
    pages: dict[str, str] = {}
    try:
        async with websockets.connect(
            socket_url,
            additional_headers=headers,
            subprotocols=[Subprotocol("streamlit")],
            max_size=None,
        ) as socket:
            landing = LANDING[_role(username)]
            await socket.send(_rerun(""))  # the landing page, as a browser opens the app
            await _until_finished(socket, pages, landing)
            for path in itertools.cycle(ROUNDS[_role(username)]):
                if time.monotonic() > stop_at:
                    return
                await asyncio.sleep(rng.uniform(*THINK_S))
                if path not in pages:
                    figures.errors.append(f"{username}: no page {path!r} in the navigation")
                    continue
                started = time.perf_counter()
                await socket.send(_rerun(pages[path]))
                problem = await _until_finished(socket, pages, landing)
                figures.interactions.append(time.perf_counter() - started)
                if problem:
                    figures.errors.append(f"{username} {path}: {problem}")
    except (OSError, TimeoutError, websockets.WebSocketException) as error:
        figures.errors.append(f"{username}: {type(error).__name__} {error}"[:200])


def _write_token(database_url: str) -> tuple[str, list[int], list[str]]:
    """A district write token for the other system, and the depots and items it writes to."""
    factory = db.make_session_factory(db.make_engine(database_url))
    with db.transaction(factory) as session:
        _, plain = tokens.create_token(
            session, SYSTEM, name=f"load-{time.time_ns()}", scope="write", locality_ids=[],
            district=True, now=utcnow(),
        )  # fmt: skip
        depots = list(session.scalars(select(Depot.id).order_by(Depot.id).limit(20)))
        items = list(session.scalars(select(Item.code).order_by(Item.id).limit(10)))
    factory.kw["bind"].dispose()
    return plain, depots, items


async def _writer(base: str, database_url: str, figures: Figures, stop_at: float) -> None:
    """Another system's writes: a stock receipt, then a step of a pending task, in turn."""
    plain, depots, items = _write_token(database_url)
    headers = {"Authorization": f"Bearer {plain}"}
    factory = db.make_session_factory(db.make_engine(database_url))
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=TIMEOUT_S) as http:
        for number in itertools.count():
            if time.monotonic() > stop_at:
                break
            await asyncio.sleep(WRITE_EVERY_S)
            started = time.perf_counter()
            if number % 2 == 0:
                depot, item = depots[number % len(depots)], items[number % len(items)]
                body = {"item_code": item, "quantity": 5, "batch": f"load-{number}",
                        "reason": "负载测试到货"}  # fmt: skip
                response = await http.post(f"/api/v1/depots/{depot}/receipts", json=body)
            else:
                with factory() as session:
                    pending = select(ResponseTask).where(ResponseTask.status == TaskStatus.PENDING)
                    task = session.scalars(pending.limit(1)).first()
                if task is None:
                    continue
                step = {"status": "on_site", "version": task.version}
                response = await http.post(f"/api/v1/tasks/{task.id}/status", json=step)
            figures.writes.append(time.perf_counter() - started)
            if response.status_code >= 300:
                figures.errors.append(f"write: {response.status_code} {response.text[:120]}")
    factory.kw["bind"].dispose()


def _summary(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50_s": None, "p95_s": None, "max_s": None}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_s": round(statistics.median(ordered), 3),
        "p95_s": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 3),
        "max_s": round(ordered[-1], 3),
    }


async def _run(base: str, database_url: str, people: list[str], seconds: float) -> Figures:
    figures = Figures()
    stop_at = time.monotonic() + seconds
    tasks = [_person(base, name, figures, stop_at, seed) for seed, name in enumerate(people)]
    await asyncio.gather(*tasks, _writer(base, database_url, figures, stop_at))
    return figures


def measure(database_url: str, log_path: Path, *, sessions: int = 30, seconds: float = 90) -> dict:
    """One session alone, then ``sessions`` at once, on one app server; the figures of both."""
    results: dict[str, Any] = {}
    with app_server(database_url, log_path) as (url, pid):
        for label, people in (("one", PEOPLE[:1]), ("many", (PEOPLE * 2)[:sessions])):
            figures = asyncio.run(_run(url, database_url, list(people), seconds))
            results[label] = {
                "sessions": len(people),
                "interaction": _summary(figures.interactions),
                "sign_in": _summary(figures.sign_ins),
                "write": _summary(figures.writes),
                "errors": figures.errors[:20],
                "error_count": len(figures.errors),
            }
        results["memory"] = rss_mib(pid)
    one, many = results["one"]["interaction"], results["many"]["interaction"]
    if one["p95_s"] and many["p95_s"]:
        results["ratio_p95"] = round(many["p95_s"] / one["p95_s"], 2)
    return results
