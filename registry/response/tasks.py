"""Tasks of an event (巡查 / 转移避险 / 封控): who is threatened and who must act.

The office generates one task per threatened checkpoint (inside the event's drawn area, or
in its localities, of a type the hazard exposes) or adds one by hand; the checkpoint's
responsible person (else its monitor) is the assignee. A task moves 待执行 → 已到岗 →
已处置 or 已转移 N 人 → 解除, one step at a time and never back; each step is kept with its
time, actor, note and photos. The office updates any task, a town official those of their
localities; a closed event's tasks change no more.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import attachments, audit, editing, validation
from registry.kernel.attachments import PreparedFile
from registry.kernel.enums import (
    AttachmentOwner,
    AuditAction,
    AuditEntity,
    EventState,
    RecordStatus,
    TaskKind,
    TaskStatus,
)
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import Checkpoint, Event, Locality, ResponseTask, TaskStep
from registry.kernel.permissions import Action, Actor, require
from registry.response import area, hazards, timeline

ENTITY = AuditEntity.TASK
S = TaskStatus
NEXT: dict[TaskStatus, tuple[TaskStatus, ...]] = {
    S.PENDING: (S.ON_SITE,),
    S.ON_SITE: (S.HANDLED, S.EVACUATED),
    S.HANDLED: (S.LIFTED,),
    S.EVACUATED: (S.LIFTED,),
    S.LIFTED: (),
}
"""The steps a task may take from each status: forward only, one at a time."""
NOTE_LENGTH = 2000


def next_statuses(status: TaskStatus) -> tuple[TaskStatus, ...]:
    return NEXT[status]


def is_overdue(task: ResponseTask, now: datetime, ack_minutes: int) -> bool:
    """Not acknowledged (still 待执行) longer than ``ack_minutes`` after it was created."""
    return task.status is S.PENDING and now - task.created_at > timedelta(minutes=ack_minutes)


def acknowledged_in_time(task: ResponseTask, ack_minutes: int) -> bool:
    return task.acknowledged_at is not None and (
        task.acknowledged_at - task.created_at <= timedelta(minutes=ack_minutes)
    )


def _open_event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise ValidationError(
            "error.not_found", field="event", entity=AuditEntity.EVENT, id=event_id
        )
    if event.state is not EventState.OPEN:
        raise ValidationError("error.event_closed", field="event", title=event.title)
    return event


def threatened(session: Session, event: Event) -> list[tuple[Checkpoint, TaskKind]]:
    """Active checkpoints of a type the hazard exposes, inside the drawn area (when there is
    one) or else in the event's localities, each with the task it gets."""
    exposed = hazards.exposure(session, event.hazard)
    if not exposed:
        return []
    checkpoints = session.scalars(
        select(Checkpoint)
        .where(Checkpoint.status == RecordStatus.ACTIVE, Checkpoint.type.in_(list(exposed)))
        .order_by(Checkpoint.locality_id, Checkpoint.id)
    ).all()
    if event.area_geojson:
        drawn = area.event_area(event)
        chosen = [c for c in checkpoints if area.inside(drawn, c.lon, c.lat)]
    else:
        places = {loc.id for loc in event.localities}
        chosen = [c for c in checkpoints if c.locality_id in places]
    return [(c, exposed[c.type]) for c in chosen]


def _create(session: Session, actor: Actor, task: ResponseTask) -> ResponseTask:
    return editing.create(session, actor, task, ENTITY, task.locality_id)


def generate_tasks(
    session: Session, actor: Actor, event_id: int, now: datetime
) -> list[ResponseTask]:
    """One task per threatened checkpoint not yet tasked in this event (running it again
    adds only what is new, e.g. after the area grew); returns the tasks created."""
    require(actor, Action.MANAGE_RESPONSE)
    event = _open_event(session, event_id)
    tasked = set(
        session.scalars(
            select(ResponseTask.checkpoint_id).where(
                ResponseTask.event_id == event.id, ResponseTask.checkpoint_id.is_not(None)
            )
        )
    )
    created = []
    for checkpoint, kind in threatened(session, event):
        if checkpoint.id in tasked:
            continue
        person = checkpoint.responsible_person or checkpoint.monitor
        phone = checkpoint.responsible_phone if checkpoint.responsible_person else None
        task = ResponseTask(
            event_id=event.id,
            checkpoint_id=checkpoint.id,
            locality_id=checkpoint.locality_id,
            kind=kind,
            title=checkpoint.name[:256],
            assignee=person,
            assignee_phone=phone or checkpoint.monitor_phone,
            status=S.PENDING,
            created_at=now,
            is_demo=event.is_demo,
        )
        created.append(_create(session, actor, task))
    timeline.log(session, event.id, actor, "tasks_generated", now, count=len(created))
    return created


def add_task(
    session: Session,
    actor: Actor,
    event_id: int,
    *,
    locality_id: int,
    kind: TaskKind | str,
    title: str,
    assignee: str | None = None,
    assignee_phone: str | None = None,
    now: datetime,
) -> ResponseTask:
    """A task by hand (a locality without a checkpoint, a report from the public)."""
    require(actor, Action.MANAGE_RESPONSE)
    event = _open_event(session, event_id)
    task_kind = validation.choice(kind, TaskKind, "task_kind")
    name = validation.text(title, "title", max_len=256)
    person = validation.text(assignee, "assignee", max_len=64, required=False)
    phone = validation.phone(assignee_phone, "assignee_phone")
    if session.get(Locality, locality_id) is None:
        raise ValidationError("error.required", field="locality")
    task = _create(
        session, actor,
        ResponseTask(
            event_id=event.id, locality_id=locality_id, kind=task_kind, title=name,
            assignee=person, assignee_phone=phone, status=S.PENDING, created_at=now,
            is_demo=event.is_demo,
        ),
    )  # fmt: skip
    timeline.log(session, event.id, actor, "task_added", now, title=name)
    return task


def _may_update(session: Session, actor: Actor, task: ResponseTask) -> None:
    """The office for every task; a town official for those of their localities."""
    if actor.can(Action.MANAGE_RESPONSE):
        return
    require(actor, Action.EDIT_LOCAL_RECORDS)
    if not actor.covers(task.locality_id):
        place = session.get(Locality, task.locality_id)
        raise PermissionDenied(
            "error.denied_locality",
            user=actor.username,
            locality=place.name if place else task.locality_id,
        )


def update_task(
    session: Session,
    actor: Actor,
    task_id: int,
    expected_version: int,
    status: TaskStatus | str,
    *,
    note: str | None = None,
    evacuated: int | str = 0,
    photos: Sequence[PreparedFile] = (),
    now: datetime,
) -> ResponseTask:
    """Move a task one step on (or, at the same status, add a note or photos) and keep the
    step with its time, actor, note and photos."""
    task = editing.load(session, ResponseTask, task_id, ENTITY)
    _may_update(session, actor, task)
    _open_event(session, task.event_id)
    editing.check_version(session, task, ENTITY, expected_version)
    new, old = validation.choice(status, TaskStatus, "task_status"), task.status
    text = validation.text(note, "note", max_len=NOTE_LENGTH, required=False)
    if new is old:
        if text is None and not photos:
            raise ValidationError("error.task_nothing_new", field="note")
    elif new not in NEXT[old]:
        raise ValidationError("error.task_step", field="task_status", status=old, to=new)
    moved = validation.quantity(evacuated, "evacuated") if new is S.EVACUATED is not old else 0
    before = audit.snapshot(task)
    if new is not old:
        stamp = {S.ON_SITE: "acknowledged_at", S.HANDLED: "done_at", S.EVACUATED: "done_at"}
        setattr(task, stamp.get(new, "lifted_at"), now)
        task.status = new
        if new is S.EVACUATED:
            task.evacuated = moved
    if text is not None:
        task.note = text
    step = TaskStep(
        task_id=task.id, at=now, actor_id=actor.user_id, status=new, evacuated=moved, note=text
    )
    session.add(step)
    session.flush()
    audit.record(
        session, actor, AuditAction.TASK_UPDATED, ENTITY, task.id, locality_id=task.locality_id,
        before=before, after=audit.snapshot(task),
    )  # fmt: skip
    if photos:
        attachments.attach(
            session, actor, AttachmentOwner.TASK_STEP, step.id, photos,
            locality_id=task.locality_id, is_demo=task.is_demo,
        )  # fmt: skip
    kind = "task_note" if new is old else f"task_{new.value}"
    timeline.log(
        session, task.event_id, actor, kind, now, title=task.title, evacuated=moved,
        photos=len(photos),
    )  # fmt: skip
    return task
