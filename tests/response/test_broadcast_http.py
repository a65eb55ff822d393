"""The HTTP broadcast adapter against a real small receiver (http.server in a thread on a
free port): the JSON it receives, per-terminal results from its answer, and failures (an
unreachable endpoint, a 500, a timeout) recorded per terminal while the broadcast is kept."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from registry.kernel import db
from registry.kernel.enums import BroadcastKind, DeliveryStatus
from registry.kernel.models import BroadcastDelivery
from registry.kernel.settings import Settings
from registry.response import broadcast, timeline
from registry.response.broadcast_adapters import (
    EventRef,
    HttpAdapter,
    Message,
    OutboxAdapter,
    TerminalRef,
    adapter_for,
)
from tests.response.test_broadcast import NOW, send, world  # noqa: F401 - the fixture

MESSAGE = Message(
    reference="ref-1",
    kind=BroadcastKind.EMERGENCY,
    text="暴雨黄色预警，请低洼地区群众注意转移。",
    terminals=(
        TerminalRef(7, "建国社区音柱", "新浦街道", "建国社区"),
        TerminalRef(9, "平台", "板浦镇", None),
    ),
    event=EventRef(3, "7·8 暴雨"),
    source_department="区气象局",
    created_at=datetime(2026, 7, 8, 2, 0),
)


class Receiver:
    """What the platform was sent, and what it answers next."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, dict]] = []
        self.status = 200
        self.answer: bytes = b""
        self.delay = 0.0


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
            stop.wait(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.answer)))
            self.end_headers()
            self.wfile.write(state.answer)

        def log_message(self, *args: object) -> None:
            """Silent: the test reads what arrived from ``state``, not from stderr."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/broadcast"
    stop.set()
    server.shutdown()
    server.server_close()


def test_the_platform_receives_the_message_as_json(receiver):
    state, url = receiver
    results = HttpAdapter(url).deliver(MESSAGE)
    [(path, content_type, body)] = state.received
    assert path == "/broadcast" and content_type.startswith("application/json")
    assert body == {
        "id": "ref-1",
        "kind": "emergency",
        "text": "暴雨黄色预警，请低洼地区群众注意转移。",
        "source_department": "区气象局",
        "created_at": "2026-07-08T02:00:00Z",
        "terminals": [
            {"id": 7, "name": "建国社区音柱", "locality": "新浦街道", "village": "建国社区"},
            {"id": 9, "name": "平台", "locality": "板浦镇", "village": None},
        ],
        "event": {"id": 3, "title": "7·8 暴雨"},
    }
    assert [(r.terminal_id, r.status, r.detail) for r in results] == [
        (7, DeliveryStatus.SENT, None),
        (9, DeliveryStatus.SENT, None),
    ]


def test_per_terminal_results_are_taken_from_the_answer(receiver):
    state, url = receiver
    state.answer = json.dumps(
        {"results": [{"terminal_id": 9, "status": "failed", "detail": "终端无响应"},
                     {"terminal_id": 7, "status": "delivered"}, {"terminal_id": "x"}]}
    ).encode()  # fmt: skip
    results = {r.terminal_id: r for r in HttpAdapter(url).deliver(MESSAGE)}
    assert results[7].status is DeliveryStatus.DELIVERED
    assert (results[9].status, results[9].detail) == (DeliveryStatus.FAILED, "终端无响应")


def test_a_refusing_platform_fails_every_terminal_with_the_reason(receiver):
    state, url = receiver
    state.status = 503
    results = HttpAdapter(url).deliver(MESSAGE)
    assert {r.status for r in results} == {DeliveryStatus.FAILED}
    assert all(r.detail and r.detail.startswith("HTTP 503") for r in results)


def test_a_slow_platform_times_out(receiver):
    state, url = receiver
    state.delay = 3
    results = HttpAdapter(url, timeout=0.3).deliver(MESSAGE)
    assert {r.status for r in results} == {DeliveryStatus.FAILED}
    assert "timed out" in (results[0].detail or "")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_endpoint_is_recorded_as_failed_deliveries(factory, actors, world):  # noqa: F811
    adapter = HttpAdapter(f"http://127.0.0.1:{free_port()}/broadcast", timeout=2)
    broadcast_id = send(
        factory, actors["office"], terminal_ids=[world["xinpu_a"], world["xinpu_b"]],
        event_id=world["event"], adapter=adapter,
    )  # fmt: skip
    with factory() as session:
        rows = session.scalars(
            select(BroadcastDelivery).where(BroadcastDelivery.broadcast_id == broadcast_id)
        ).all()
        line = timeline.timeline(session, world["event"])[-1]
    assert len(rows) == 2 and {r.status for r in rows} == {DeliveryStatus.FAILED}
    assert all("refused" in (r.detail or "").lower() for r in rows)
    assert line.detail["failed"] == 2


def test_the_sent_broadcast_is_recorded_with_the_platform_results(factory, actors, world, receiver):  # noqa: F811
    state, url = receiver
    state.answer = json.dumps({"results": [{"terminal_id": world["xinpu_b"], "status": "failed",
                                            "detail": "掉线"}]}).encode()  # fmt: skip
    with db.transaction(factory) as session:
        stored = broadcast.send(
            session, actors["office"], text="请注意防范。", kind="emergency",
            terminal_ids=[world["xinpu_a"], world["xinpu_b"]], event_id=world["event"],
            adapter=HttpAdapter(url), now=NOW,
        )  # fmt: skip
        assert stored.adapter == "http"
    [(_, _, body)] = state.received
    assert [t["id"] for t in body["terminals"]] == [world["xinpu_a"], world["xinpu_b"]]
    with factory() as session:
        statuses = dict(
            session.execute(
                select(BroadcastDelivery.terminal_id, BroadcastDelivery.status).where(
                    BroadcastDelivery.broadcast_id == stored.id
                )
            ).all()
        )
    assert statuses == {
        world["xinpu_a"]: DeliveryStatus.SENT,
        world["xinpu_b"]: DeliveryStatus.FAILED,
    }


def test_the_setting_picks_the_adapter():
    assert isinstance(adapter_for(Settings()), OutboxAdapter)
    chosen = adapter_for(Settings(broadcast_http_url="https://platform.example/api/broadcast"))
    assert isinstance(chosen, HttpAdapter) and chosen.url.endswith("/api/broadcast")
    with pytest.raises(ValueError, match="http"):
        HttpAdapter("file:///etc/passwd")
