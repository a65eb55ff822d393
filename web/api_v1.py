"""The JSON API at ``/api/v1``: what the pages show, for the city and province platforms and
the district's dashboards, read and written with an API token (``web/api_auth.py``).

Each operation is one entry of ``OPERATIONS``: its method and path, the endpoint, the type
of its answer and of its body, and its parameters. The routes and the OpenAPI document
(``/api/v1/openapi.json``, ``web/openapi.py``) are both made from that list, so neither can
name an operation the other lacks. Reads are the core's scoped reads
(``registry.exchange.reads``); writes are the pages' own use-cases. Unknown query
parameters and body fields are refused, like the OGC API's.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import anyio
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from registry.accounts.tokens import ApiClient
from registry.exchange import reads, receipts
from registry.fieldwork.queries import RectificationRow
from registry.kernel import validation
from registry.kernel.clock import today, utcnow
from registry.kernel.db import transaction
from registry.kernel.enums import PlanStatus, RiskLevel, TaskStatus
from registry.kernel.enums import RectificationStatus as R
from registry.kernel.errors import ValidationError
from registry.kernel.models import EarlyWarning
from registry.plans.queries import PlanRow
from registry.readiness.alerts import Alert
from registry.readiness.board import Board
from registry.readiness.payload import SeriesRow
from registry.response import tasks, warnings
from registry.response.event_queries import EventRow, TaskRow
from web import api_auth, state
from web.api_auth import ApiProblem, guarded, integer_parameter, require_write
from web.api_json import plain, required_fields
from web.openapi import document

PREFIX = "/api/v1"
MAX_BODY = 1_000_000  # bytes: a CAP message or a receipt is a few kilobytes
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")
Answer = TypeVar("Answer")


@dataclass(frozen=True)
class Param:
    """A query or path parameter as the OpenAPI document describes it."""

    name: str
    schema: dict[str, Any]
    description: str
    where: str = "query"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # below PREFIX
    endpoint: api_auth.ClientEndpoint
    summary: str
    answer: Any  # the type of the JSON answer
    params: tuple[Param, ...] = ()
    body: Any = None  # a dataclass (JSON), "cap" (a CAP XML message) or None
    status: int = 200
    writes: bool = False
    tags: tuple[str, ...] = field(default=())


# --- parameters ---------------------------------------------------------------------------


def _query(request: Request, allowed: tuple[Param, ...]) -> dict[str, str]:
    names = {p.name for p in allowed if p.where == "query"}
    for name in request.query_params:
        if name not in names:
            raise ValidationError("error.ogc.parameter", field=name)
    return dict(request.query_params)


def _path_id(request: Request, name: str) -> int:
    found = integer_parameter(request.path_params[name], name)
    assert found is not None
    return found


def _day(raw: str | None, name: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("error.not_a_date", field=name, value=raw) from None


def _flag(raw: str | None, name: str) -> bool:
    if raw is None or raw.lower() in {"false", "0", ""}:
        return False
    if raw.lower() in {"true", "1"}:
        return True
    raise ValidationError("error.unknown_choice", field=name, value=raw, allowed="true, false")


Choice = TypeVar("Choice", R, RiskLevel, PlanStatus)


def _choices(raw: str | None, kind: type[Choice], name: str) -> list[Choice]:
    found = []
    for part in (raw or "").split(","):
        if part.strip():
            try:
                found.append(kind(part.strip()))
            except ValueError:
                allowed = ", ".join(member.value for member in kind)
                raise ValidationError(
                    "error.unknown_choice", field=name, value=part, allowed=allowed
                ) from None
    return found


async def _json_body(request: Request, kind: type) -> dict[str, Any]:
    """The body as a JSON object with only ``kind``'s fields (those without a default
    required); a refusal names the field."""
    data = await _bytes(request)
    try:
        sent = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError("error.api.json", field="body") from None
    if not isinstance(sent, dict):
        raise ValidationError("error.api.json", field="body")
    known = {spec.name for spec in dataclasses.fields(kind)}
    for name in sent:
        if name not in known:
            raise ValidationError("error.api.field", field=name)
    for name in required_fields(kind):
        if sent.get(name) is None:
            raise ValidationError("error.required", field=name)
    return sent


async def _bytes(request: Request) -> bytes:
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise ApiProblem(413, "Content Too Large", f"At most {MAX_BODY} bytes.")
    return data


# --- answers ------------------------------------------------------------------------------


def _answer(value: Any, status: int = 200) -> Response:
    return JSONResponse(plain(value), status_code=status, headers={"Cache-Control": "no-store"})


async def _read(read: Callable[[Session], Answer]) -> Answer:
    """``read`` in a worker thread, on a session of its own."""

    def run() -> Answer:
        with state.factory()() as session:
            return read(session)

    return await anyio.to_thread.run_sync(run)


async def _write(write: Callable[[Session], Answer]) -> Answer:
    """``write`` in one transaction, in a worker thread (the use-case audits in it)."""

    def run() -> Answer:
        with transaction(state.factory()) as session:
            return write(session)

    return await anyio.to_thread.run_sync(run)


def _not_found(what: str, key: object) -> ApiProblem:
    return ApiProblem(404, "Not Found", f"No {what} {key!r} (or not in this token's scope).")


# --- reads --------------------------------------------------------------------------------

LOCALITY = Param("locality_id", {"type": "integer"}, "Only this locality's records.")
STOCK_PARAMS = (
    Param("depot_id", {"type": "integer"}, "Only this depot."),
    LOCALITY,
    Param("item_code", {"type": "string"}, "Only this catalogue item (its 7-character code)."),
    Param("below_quota", {"type": "boolean"}, "Only lines below their minimum quota."),
)


async def stock(request: Request, client: ApiClient) -> Response:
    """Usable stock per depot and item against the quota, with what expires."""
    asked = _query(request, STOCK_PARAMS)
    locality = integer_parameter(asked.get("locality_id"), "locality_id")
    depot_id = integer_parameter(asked.get("depot_id"), "depot_id")
    below_quota = _flag(asked.get("below_quota"), "below_quota")
    lines = await _read(
        lambda s: reads.stock(
            s, client.actor, today=today(), settings=state.settings(), depot_id=depot_id,
            locality_ids=None if locality is None else [locality],
            item_code=asked.get("item_code"), below_quota_only=below_quota,
        ),
    )  # fmt: skip
    return _answer(lines)


async def readiness(request: Request, client: ApiClient) -> Response:
    """The readiness board of the overview: district tiles, the ranking, what is overdue."""
    _query(request, ())
    found = await _read(
        lambda s: reads.readiness(s, client.actor, today=today(), settings=state.settings())
    )
    return _answer(found)


HISTORY_PARAMS = (Param("since", {"type": "string", "format": "date"}, "From this day on."),)


async def readiness_history(request: Request, client: ApiClient) -> Response:
    """Scores per snapshot day: the district (``locality_id`` null) and every locality."""
    since = _day(_query(request, HISTORY_PARAMS).get("since"), "since")
    return _answer(await _read(lambda s: reads.readiness_history(s, client.actor, since)))


async def alerts(request: Request, client: ApiClient) -> Response:
    """The token's alerts inbox, most urgent first."""
    _query(request, ())
    found = await _read(
        lambda s: reads.alert_list(
            s, client.actor, today=today(), now=utcnow(), settings=state.settings()
        ),
    )
    return _answer(found)


async def campaigns(request: Request, client: ApiClient) -> Response:
    """Inspection campaigns, newest first, with the district's coverage."""
    _query(request, ())
    return _answer(await _read(lambda s: reads.campaign_list(s, client.actor, today())))


async def campaign_coverage(request: Request, client: ApiClient) -> Response:
    """A campaign's coverage: the district and each locality, worst covered first."""
    _query(request, ())
    campaign_id = _path_id(request, "campaign_id")
    found = await _read(lambda s: reads.campaign_coverage(s, client.actor, campaign_id))
    return _answer(found)


RECTIFICATION_PARAMS = (
    Param("status", {"type": "string"}, "Statuses, comma-separated (default: the open ones)."),
    Param("risk_level", {"type": "string"}, "Risk levels, comma-separated."),
    Param("overdue", {"type": "boolean"}, "Only those past their deadline."),
)


async def rectifications(request: Request, client: ApiClient) -> Response:
    """Rectifications (隐患整改) of the token's localities, the most overdue first."""
    asked = _query(request, RECTIFICATION_PARAMS)
    statuses = _choices(asked.get("status"), R, "status")
    risks = _choices(asked.get("risk_level"), RiskLevel, "risk_level")
    overdue = _flag(asked.get("overdue"), "overdue")
    found = await _read(
        lambda s: reads.rectification_list(
            s, client.actor, today=today(), statuses=statuses, risk_levels=risks,
            overdue_only=overdue,
        ),
    )  # fmt: skip
    return _answer(found)


PLAN_PARAMS = (
    LOCALITY,
    Param("status", {"type": "string"}, "Only plans of this status."),
    Param("overdue", {"type": "boolean"}, "Only plans late on filing, evaluation or a drill."),
)


async def plans(request: Request, client: ApiClient) -> Response:
    """The emergency-plan register with each plan's filing, evaluation and drill clocks."""
    asked = _query(request, PLAN_PARAMS)
    status = _choices(asked.get("status"), PlanStatus, "status")
    if len(status) > 1:
        raise ValidationError("error.api.one_value", field="status")
    filters = {
        "locality_id": integer_parameter(asked.get("locality_id"), "locality_id"),
        "status": status[0] if status else None,
        "overdue_only": _flag(asked.get("overdue"), "overdue"),
    }
    found = await _read(lambda s: reads.plan_list(s, client.actor, today=today(), filters=filters))
    return _answer(found)


async def events(request: Request, client: ApiClient) -> Response:
    """Events (应急响应), open ones first, with their task counts."""
    _query(request, ())
    return _answer(await _read(lambda s: reads.events(s, client.actor, utcnow(), state.settings())))


async def _of_event(request: Request, client: ApiClient, read: Callable[..., Any]) -> Response:
    """``read(session, actor, event_id, now, settings, full_phones=…)`` for the event in the
    path; 404 when there is no such event."""
    _query(request, ())
    event_id = _path_id(request, "event_id")
    found = await _read(
        lambda s: read(
            s, client.actor, event_id, utcnow(), state.settings(), full_phones=client.can_write
        )
    )
    if found is None:
        raise _not_found("event", event_id)
    return _answer(found)


async def event(request: Request, client: ApiClient) -> Response:
    """One event: detail, the tasks the token sees, dispatches, 灾情报送 and its figures."""
    return await _of_event(request, client, reads.event)


async def event_tasks(request: Request, client: ApiClient) -> Response:
    """The event's tasks the token sees (a town token: its localities'), overdue first."""
    return await _of_event(request, client, reads.tasks)


# --- writes -------------------------------------------------------------------------------


async def receive(request: Request, client: ApiClient) -> Response:
    """入库 of one line into a depot, as the inventory page records it."""
    _query(request, ())
    depot_id = _path_id(request, "depot_id")
    sent = await _json_body(request, receipts.Receipt)
    done = await _write(lambda s: receipts.receive(s, client.actor, depot_id, sent, today=today()))
    return _answer(done, 201)


@dataclass(frozen=True)
class TaskUpdate:
    """A step of a response task: the status (or the same one with a note), the version
    the sender last read (a task changed since is refused with 409), people evacuated."""

    status: TaskStatus
    version: int
    note: str | None = None
    evacuated: int = 0


@dataclass(frozen=True)
class TaskAnswer:
    id: int
    event_id: int
    status: TaskStatus
    evacuated: int
    version: int


async def update_task(request: Request, client: ApiClient) -> Response:
    """Move a response task on (已到岗, 已处置, 已转移, 解除), as the task page does."""
    _query(request, ())
    task_id = _path_id(request, "task_id")
    sent = await _json_body(request, TaskUpdate)
    version = integer_parameter(str(sent["version"]), "version")
    status = validation.choice(sent["status"], TaskStatus, "status")
    assert version is not None

    def write(session: Session) -> TaskAnswer:
        try:
            task = tasks.update_task(
                session, client.actor, task_id, version, status, note=sent.get("note"),
                evacuated=sent.get("evacuated", 0), now=utcnow(),
            )  # fmt: skip
        except ValidationError as refused:  # the body calls the task's status ``status``
            if refused.field == "task_status":
                refused.field = "status"
            raise
        return TaskAnswer(task.id, task.event_id, task.status, task.evacuated, task.version)

    return _answer(await _write(write))


@dataclass(frozen=True)
class WarningAnswer:
    id: int
    identifier: str
    msg_type: str
    warning_type: str
    level: str
    headline: str
    state: str
    effective_at: datetime
    expires_at: datetime


def _warning(found: EarlyWarning) -> WarningAnswer:
    return WarningAnswer(
        found.id, found.identifier, found.msg_type, found.warning_type.value, found.level.value,
        found.headline, found.state.value, found.effective_at, found.expires_at,
    )  # fmt: skip


async def post_warning(request: Request, client: ApiClient) -> Response:
    """A warning (预警) as a CAP message (GB/T 35965.1): registered, updated or cancelled
    exactly as on the warnings page."""
    _query(request, ())
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in CAP_TYPES:
        raise ApiProblem(415, "Unsupported Media Type", f"Send the CAP message as {CAP_TYPES[0]}.")
    data = await _bytes(request)
    found = await _write(
        lambda s: _warning(warnings.import_message(s, client.actor, data, utcnow()))
    )
    return _answer(found, 201)


# --- the list -----------------------------------------------------------------------------

EVENT_ID = Param("event_id", {"type": "integer"}, "The event.", "path")

OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/stock", stock, "Stock per depot and item", list[reads.StockLine],
              STOCK_PARAMS, tags=("stock",)),
    Operation("POST", "/depots/{depot_id}/receipts", receive, "Receive stock (入库)",
              receipts.Received, (Param("depot_id", {"type": "integer"}, "The depot.", "path"),),
              body=receipts.Receipt, status=201, writes=True, tags=("stock",)),
    Operation("GET", "/readiness", readiness, "Readiness board", Board,
              tags=("readiness",)),
    Operation("GET", "/readiness/history", readiness_history, "Readiness scores over time",
              list[SeriesRow], HISTORY_PARAMS, tags=("readiness",)),
    Operation("GET", "/alerts", alerts, "Alerts inbox", list[Alert], tags=("readiness",)),
    Operation("GET", "/campaigns", campaigns, "Inspection campaigns", list[dict[str, Any]],
              tags=("fieldwork",)),
    Operation("GET", "/campaigns/{campaign_id}/coverage", campaign_coverage,
              "A campaign's coverage", dict[str, Any],
              (Param("campaign_id", {"type": "integer"}, "The campaign.", "path"),),
              tags=("fieldwork",)),
    Operation("GET", "/rectifications", rectifications, "Rectifications",
              list[RectificationRow], RECTIFICATION_PARAMS, tags=("fieldwork",)),
    Operation("GET", "/plans", plans, "Emergency plans and their clocks", list[PlanRow],
              PLAN_PARAMS, tags=("plans",)),
    Operation("GET", "/events", events, "Events", list[EventRow], tags=("response",)),
    Operation("GET", "/events/{event_id}", event, "One event", reads.EventView, (EVENT_ID,),
              tags=("response",)),
    Operation("GET", "/events/{event_id}/tasks", event_tasks, "An event's tasks",
              list[TaskRow], (EVENT_ID,), tags=("response",)),
    Operation("POST", "/tasks/{task_id}/status", update_task, "Update a task's status",
              TaskAnswer, (Param("task_id", {"type": "integer"}, "The task.", "path"),),
              body=TaskUpdate, writes=True, tags=("response",)),
    Operation("POST", "/warnings", post_warning, "Send a warning (CAP)", WarningAnswer,
              body="cap", status=201, writes=True, tags=("response",)),
)  # fmt: skip


async def openapi(request: Request) -> Response:
    """The OpenAPI document (no token needed: it describes, it holds no records)."""
    base = str(request.base_url).rstrip("/") + PREFIX
    return JSONResponse(document(OPERATIONS, base), headers={"Cache-Control": "no-store"})


def _checked(operation: Operation) -> api_auth.ClientEndpoint:
    """The endpoint, refusing a read-only token first when the operation writes."""
    if not operation.writes:
        return operation.endpoint

    async def wrapped(request: Request, client: ApiClient) -> Response:
        require_write(client)
        return await operation.endpoint(request, client)

    wrapped.__name__ = operation.endpoint.__name__
    return wrapped


ROUTES = [Route(f"{PREFIX}/openapi.json", openapi, methods=["GET"])] + [
    Route(PREFIX + op.path, guarded(_checked(op)), methods=[op.method]) for op in OPERATIONS
]
