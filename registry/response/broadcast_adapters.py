"""How a broadcast leaves the registry: a small pluggable adapter per platform.

An adapter takes a finished message and says, per terminal, what became of it. It never
touches the database: ``registry.response.broadcast`` delivers first and writes afterwards,
so no transaction waits on the network. Two adapters exist:

- ``OutboxAdapter`` (the default): nothing leaves the machine; every terminal's delivery is
  recorded as queued in the outbox (the broadcasts table), for a platform operator to play
  out by hand or a later integration to pick up.
- ``HttpAdapter``: POSTs the message as JSON to the emergency-broadcast platform's endpoint
  (setting ``broadcast_http_url``) with a short timeout. A 2xx answer may carry per-terminal
  results (``{"results": [{"terminal_id": 1, "status": "delivered", "detail": "..."}]}``);
  terminals it does not mention count as sent. A connection error, a timeout or a non-2xx
  answer marks every terminal failed with the reason; the broadcast is still recorded.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from registry.kernel.enums import BroadcastKind, DeliveryStatus
from registry.kernel.settings import Settings

DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_ANSWER_BYTES = 256 * 1024  # a platform's answer is a short JSON document


@dataclass(frozen=True)
class TerminalRef:
    """A terminal as the platform needs it: its registry id and where it stands."""

    id: int
    name: str
    locality: str
    village: str | None


@dataclass(frozen=True)
class EventRef:
    id: int
    title: str


@dataclass(frozen=True)
class Message:
    """A checked broadcast, ready to deliver; ``reference`` identifies it to the platform
    (the broadcast's row id does not exist yet: it is written after delivery)."""

    reference: str
    kind: BroadcastKind
    text: str
    terminals: tuple[TerminalRef, ...]
    event: EventRef | None
    source_department: str | None
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.reference,
            "kind": self.kind.value,
            "text": self.text,
            "source_department": self.source_department,
            "created_at": self.created_at.isoformat() + "Z",
            "terminals": [
                {"id": t.id, "name": t.name, "locality": t.locality, "village": t.village}
                for t in self.terminals
            ],
            "event": None
            if self.event is None
            else {"id": self.event.id, "title": self.event.title},
        }


@dataclass(frozen=True)
class DeliveryResult:
    terminal_id: int
    status: DeliveryStatus
    detail: str | None = None


class Adapter(Protocol):
    """A way out to the terminals; ``name`` is stored with each broadcast."""

    name: str

    def deliver(self, message: Message) -> list[DeliveryResult]: ...


class OutboxAdapter:
    """Nothing leaves the machine: every delivery waits in the outbox (queued)."""

    name = "outbox"

    def deliver(self, message: Message) -> list[DeliveryResult]:
        return [DeliveryResult(t.id, DeliveryStatus.QUEUED) for t in message.terminals]


class HttpAdapter:
    """POSTs the message as JSON to the platform's endpoint (http or https only)."""

    name = "http"

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        if not url.lower().startswith(("http://", "https://")):
            raise ValueError(f"broadcast_http_url must be http(s): {url!r}")
        self.url, self.timeout = url, timeout

    def deliver(self, message: Message) -> list[DeliveryResult]:
        body = json.dumps(message.as_json(), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                status = answer.status
                raw = answer.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as error:
            return _all(message, DeliveryStatus.FAILED, f"HTTP {error.code} {error.reason}")
        except (OSError, ValueError) as error:  # refused, unreachable, timed out, bad URL
            reason = getattr(error, "reason", None) or error
            return _all(message, DeliveryStatus.FAILED, f"{type(error).__name__}: {reason}")
        if not 200 <= status < 300:
            return _all(message, DeliveryStatus.FAILED, f"HTTP {status}")
        return _results(message, raw)


def _all(message: Message, status: DeliveryStatus, detail: str | None) -> list[DeliveryResult]:
    return [DeliveryResult(t.id, status, detail) for t in message.terminals]


def _results(message: Message, raw: bytes) -> list[DeliveryResult]:
    """Per-terminal results from the answer where it gives them; sent otherwise."""
    try:
        answer = json.loads(raw) if raw.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = {}
    given: dict[int, DeliveryResult] = {}
    rows = answer.get("results") if isinstance(answer, dict) else None
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        try:
            terminal_id, status = int(row["terminal_id"]), DeliveryStatus(row["status"])
        except (KeyError, TypeError, ValueError):
            continue
        detail = row.get("detail")
        given[terminal_id] = DeliveryResult(
            terminal_id, status, str(detail)[:500] if detail is not None else None
        )
    return [given.get(t.id, DeliveryResult(t.id, DeliveryStatus.SENT)) for t in message.terminals]


def adapter_for(settings: Settings) -> Adapter:
    """The configured way out: the platform's endpoint when set, else the outbox."""
    if settings.broadcast_http_url:
        return HttpAdapter(settings.broadcast_http_url)
    return OutboxAdapter()
