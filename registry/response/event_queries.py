"""Reads of events and their tasks for the pages and the leaders' overview: the event list
(open first), one event's detail with its level history, the tasks an actor sees (overdue
first) with counts per status, and the response figures of every open event."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from registry.kernel import attachments
from registry.kernel.enums import (
    AttachmentOwner,
    CheckpointType,
    EventState,
    PlanStatus,
    ResponseLevel,
    Role,
    TaskKind,
    TaskStatus,
    WarningLevel,
    WarningState,
    WarningType,
)
from registry.kernel.masking import phone_for
from registry.kernel.models import (
    Checkpoint,
    EarlyWarning,
    Event,
    Locality,
    Plan,
    ResponseTask,
    TaskStep,
)
from registry.kernel.permissions import Action, Actor
from registry.response import tasks as task_rules
from registry.response.events import suggest_plans
from registry.response.timeline import TimelineLine, timeline

LEVEL_KINDS = ("opened", "level_raised", "level_lowered", "closed")
STATUS_ORDER = {status: rank for rank, status in enumerate(TaskStatus)}


@dataclass(frozen=True)
class EventRow:
    id: int
    title: str
    hazard: WarningType
    level: ResponseLevel
    state: EventState
    opened_at: datetime
    closed_at: datetime | None
    localities: tuple[str, ...]
    duty_leader: str | None
    duty_officer: str | None
    tasks: int
    overdue: int
    version: int
    is_demo: bool


@dataclass(frozen=True)
class WarningLine:
    id: int
    headline: str
    level: WarningLevel


@dataclass(frozen=True)
class EventDetail:
    row: EventRow
    note: str | None
    area_geojson: str | None
    warnings: tuple[WarningLine, ...]
    localities: tuple[tuple[int, str], ...]
    plans: tuple[tuple[int, str], ...]
    level_history: tuple[TimelineLine, ...]
    timeline: tuple[TimelineLine, ...]


@dataclass(frozen=True)
class TaskRow:
    id: int
    event_id: int
    event_title: str
    locality_id: int
    locality: str
    checkpoint_type: CheckpointType | None
    kind: TaskKind
    title: str
    assignee: str | None
    assignee_phone: str | None
    status: TaskStatus
    evacuated: int
    created_at: datetime
    acknowledged_at: datetime | None
    done_at: datetime | None
    lifted_at: datetime | None
    note: str | None
    overdue: bool
    version: int
    writable: bool
    next_statuses: tuple[TaskStatus, ...]
    photos: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ResponseFigures:
    """One open event as the leaders' overview shows it."""

    event_id: int
    title: str
    level: ResponseLevel
    tasks: int
    acknowledged_in_time: int
    acknowledged_share: float | None  # of the tasks, in per cent; None without tasks
    overdue: int
    evacuated: int


def _tasks_by_event(session: Session, event_ids: list[int]) -> dict[int, list[ResponseTask]]:
    found: dict[int, list[ResponseTask]] = {i: [] for i in event_ids}
    if event_ids:
        for task in session.scalars(
            select(ResponseTask).where(ResponseTask.event_id.in_(event_ids))
        ):
            found[task.event_id].append(task)
    return found


def _row(event: Event, tasks: list[ResponseTask], now: datetime, ack_minutes: int) -> EventRow:
    return EventRow(
        id=event.id,
        title=event.title,
        hazard=event.hazard,
        level=event.level,
        state=event.state,
        opened_at=event.opened_at,
        closed_at=event.closed_at,
        localities=tuple(loc.name for loc in event.localities),
        duty_leader=event.duty_leader,
        duty_officer=event.duty_officer,
        tasks=len(tasks),
        overdue=sum(task_rules.is_overdue(t, now, ack_minutes) for t in tasks),
        version=event.version,
        is_demo=event.is_demo,
    )


def event_list(session: Session, now: datetime, ack_minutes: int) -> list[EventRow]:
    """Every event: open ones first, then the newest."""
    events = session.scalars(
        select(Event).options(selectinload(Event.localities)).order_by(Event.opened_at.desc())
    ).all()
    tasks = _tasks_by_event(session, [e.id for e in events])
    rows = [_row(e, tasks[e.id], now, ack_minutes) for e in events]
    return sorted(rows, key=lambda r: r.state is not EventState.OPEN)


def open_events(session: Session) -> dict[int, str]:
    """Open events by id, the newest first: for choosers."""
    rows = session.execute(
        select(Event.id, Event.title)
        .where(Event.state == EventState.OPEN)
        .order_by(Event.opened_at.desc())
    )
    return {event_id: title for event_id, title in rows}


def event_detail(
    session: Session, event_id: int, now: datetime, ack_minutes: int
) -> EventDetail | None:
    event = session.get(Event, event_id)
    if event is None:
        return None
    lines = tuple(timeline(session, event_id))
    tasks = _tasks_by_event(session, [event_id])[event_id]
    return EventDetail(
        row=_row(event, tasks, now, ack_minutes),
        note=event.note,
        area_geojson=event.area_geojson,
        warnings=tuple(WarningLine(w.id, w.headline, w.level) for w in event.warnings),
        localities=tuple((loc.id, loc.name) for loc in event.localities),
        plans=tuple((p.id, p.title) for p in event.plans),
        level_history=tuple(line for line in lines if line.kind in LEVEL_KINDS),
        timeline=lines,
    )


def _task_rows(
    session: Session,
    actor: Actor,
    query_filter: list[ColumnElement[bool]],
    now: datetime,
    ack_minutes: int,
) -> list[TaskRow]:
    rows = session.execute(
        select(ResponseTask, Event.title, Event.state, Locality.name, Checkpoint.type)
        .join(Event, Event.id == ResponseTask.event_id)
        .join(Locality, Locality.id == ResponseTask.locality_id)
        .outerjoin(Checkpoint, Checkpoint.id == ResponseTask.checkpoint_id)
        .where(*query_filter)
    ).all()
    task_ids = [task.id for task, *_ in rows]
    steps: dict[int, list[int]] = {}
    if task_ids:
        for step_id, task_id in session.execute(
            select(TaskStep.id, TaskStep.task_id).where(TaskStep.task_id.in_(task_ids))
        ):
            steps.setdefault(task_id, []).append(step_id)
    photos = attachments.listing(
        session, AttachmentOwner.TASK_STEP, [s for ids in steps.values() for s in ids]
    )
    may_act = actor.can(Action.MANAGE_RESPONSE) or actor.can(Action.EDIT_LOCAL_RECORDS)
    result = [
        TaskRow(
            id=task.id,
            event_id=task.event_id,
            event_title=event_title,
            locality_id=task.locality_id,
            locality=locality,
            checkpoint_type=checkpoint_type,
            kind=task.kind,
            title=task.title,
            assignee=task.assignee,
            assignee_phone=phone_for(actor, task.assignee_phone),
            status=task.status,
            evacuated=task.evacuated,
            created_at=task.created_at,
            acknowledged_at=task.acknowledged_at,
            done_at=task.done_at,
            lifted_at=task.lifted_at,
            note=task.note,
            overdue=task_rules.is_overdue(task, now, ack_minutes),
            version=task.version,
            writable=may_act and state is EventState.OPEN and actor.covers(task.locality_id),
            next_statuses=task_rules.next_statuses(task.status),
            photos=tuple(
                (item["id"], item["filename"])
                for step_id in steps.get(task.id, [])
                for item in photos.get(step_id, [])
            ),
        )
        for task, event_title, state, locality, checkpoint_type in rows
    ]
    return sorted(result, key=lambda r: (not r.overdue, STATUS_ORDER[r.status], r.id))


def _scope(actor: Actor) -> list[ColumnElement[bool]]:
    """A town official sees the tasks of their localities; the office and leaders every task."""
    if actor.role is Role.TOWN:
        return [ResponseTask.locality_id.in_(sorted(actor.locality_ids))]
    return []


def event_tasks(
    session: Session, actor: Actor, event_id: int, now: datetime, ack_minutes: int
) -> list[TaskRow]:
    """The event's tasks the actor sees (office and leaders: all; town: their localities),
    overdue first, then by status."""
    return _task_rows(
        session, actor, [ResponseTask.event_id == event_id, *_scope(actor)], now, ack_minutes
    )


def my_tasks(session: Session, actor: Actor, now: datetime, ack_minutes: int) -> list[TaskRow]:
    """The tasks of open events the actor sees, overdue first (the 我的任务 page)."""
    return _task_rows(
        session, actor, [Event.state == EventState.OPEN, *_scope(actor)], now, ack_minutes
    )


def status_counts(rows: list[TaskRow]) -> dict[TaskStatus, int]:
    """Tasks per status, every status present (zero when none)."""
    counted = Counter(row.status for row in rows)
    return {status: counted.get(status, 0) for status in TaskStatus}


def response_figures(session: Session, now: datetime, ack_minutes: int) -> list[ResponseFigures]:
    """Per open event: tasks, acknowledged within the setting, overdue, people evacuated."""
    events = session.scalars(
        select(Event).where(Event.state == EventState.OPEN).order_by(Event.opened_at)
    ).all()
    tasks = _tasks_by_event(session, [e.id for e in events])
    figures = []
    for event in events:
        mine = tasks[event.id]
        in_time = sum(task_rules.acknowledged_in_time(t, ack_minutes) for t in mine)
        figures.append(
            ResponseFigures(
                event_id=event.id,
                title=event.title,
                level=event.level,
                tasks=len(mine),
                acknowledged_in_time=in_time,
                acknowledged_share=round(100 * in_time / len(mine), 1) if mine else None,
                overdue=sum(task_rules.is_overdue(t, now, ack_minutes) for t in mine),
                evacuated=sum(t.evacuated for t in mine),
            )
        )
    return figures


@dataclass(frozen=True)
class WarningChoice:
    """A warning in force, to open an event from."""

    id: int
    headline: str
    warning_type: WarningType
    level: WarningLevel
    locality_ids: tuple[int, ...]


def warnings_in_force(session: Session, now: datetime) -> list[WarningChoice]:
    rows = session.scalars(
        select(EarlyWarning)
        .options(selectinload(EarlyWarning.localities))
        .where(
            EarlyWarning.state == WarningState.IN_FORCE,
            EarlyWarning.effective_at <= now,
            EarlyWarning.expires_at > now,
        )
        .order_by(EarlyWarning.effective_at.desc())
    ).all()
    return [
        WarningChoice(w.id, w.headline, w.warning_type, w.level, tuple(x.id for x in w.localities))
        for w in rows
    ]


def plan_choices(session: Session) -> dict[int, str]:
    """Plans an event may activate (all but repealed ones), by id."""
    rows = session.execute(
        select(Plan.id, Plan.title).where(Plan.status != PlanStatus.REPEALED).order_by(Plan.id)
    )
    return {plan_id: title for plan_id, title in rows}


def plan_suggestion(
    session: Session, hazard: WarningType, locality_ids: tuple[int, ...]
) -> list[int]:
    """The ids of the plans ``events.suggest_plans`` offers, for the page to pre-select."""
    return [plan.id for plan in suggest_plans(session, hazard, locality_ids)]
