"""The audit trail: one append-only event per change, written in the change's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, inspect, literal, select, union_all
from sqlalchemy.orm import Session

from registry.kernel.enums import AuditAction, AuditEntity
from registry.kernel.models import AuditEvent
from registry.kernel.permissions import Actor

SECRET_COLUMNS = frozenset({"password_hash"})


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(record: object) -> dict[str, object]:
    """Column values of an ORM record, JSON-ready, secrets left out."""
    mapper = inspect(record).mapper
    return {
        col.key: _jsonable(getattr(record, col.key))
        for col in mapper.column_attrs
        if col.key not in SECRET_COLUMNS
    }


def record(
    session: Session,
    actor: Actor,
    action: AuditAction,
    entity: AuditEntity,
    entity_id: int | None,
    *,
    locality_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction; the action and entity are members of
    closed lists (a plain string that is not one is refused), stored as their values."""
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_name=actor.username,
        action=AuditAction(action).value,
        entity=AuditEntity(entity).value,
        entity_id=entity_id,
        locality_id=locality_id,
        before=json.dumps(before, ensure_ascii=False, default=str) if before is not None else None,
        after=json.dumps(after, ensure_ascii=False, default=str) if after is not None else None,
    )
    session.add(event)
    return event


UNCHANGING = (AuditAction.API_REQUEST, AuditAction.LOGIN, AuditAction.LOGIN_FAILED)
"""Audited, but changing no record a page shows: an API client reading every few seconds or
a wave of sign-ins must not refresh every page's cache."""


def data_version(session: Session) -> int:
    """A cheap number that changes on every write: the caches' key, shared by all processes.
    The newest audit event that changed records (read backwards along the primary key)."""
    newest = (
        select(AuditEvent.id)
        .where(AuditEvent.action.not_in([action.value for action in UNCHANGING]))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return session.scalar(newest) or 0


WHOLE_DATABASE = frozenset({AuditEntity.DATABASE, AuditEntity.DEMO, AuditEntity.LOCALITY})
"""Changes every read depends on: a restore, the demo seeded, the localities replaced."""


def versions(session: Session) -> dict[AuditEntity, int]:
    """The newest audit event of each kind of record (0 when none), in one statement of one
    index seek per kind (``ix_audit_events_entity_id``): what a cache reads is keyed on the
    kinds it reads (``version_of``), so a write refreshes only the caches that read it."""
    newest = union_all(
        *(
            select(
                literal(entity.value).label("entity"), func.max(AuditEvent.id).label("id")
            ).where(AuditEvent.entity == entity.value)
            for entity in AuditEntity
        )
    )
    found = {AuditEntity(entity): newest or 0 for entity, newest in session.execute(newest)}
    return {entity: found.get(entity, 0) for entity in AuditEntity}


def version_of(seen: Mapping[AuditEntity, int], entities: Iterable[AuditEntity]) -> int:
    """The newest change among ``entities`` in ``versions``' answer."""
    return max((seen[entity] for entity in entities), default=0)


def changes_since(
    session: Session, entity: AuditEntity, entity_id: int, version: int
) -> dict[str, tuple[object, object]]:
    """What other users changed on a record after ``version``: field -> (then, now)."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == entity.value, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
    ).all()
    changes: dict[str, tuple[object, object]] = {}
    for event in events:
        before = json.loads(event.before) if event.before else {}
        after = json.loads(event.after) if event.after else {}
        if before.get("version", 0) < version:
            continue
        for key, value in after.items():
            if key in {"version", "updated_at"} or before.get(key) == value:
                continue
            first = changes.get(key, (before.get(key), None))[0]
            changes[key] = (first, value)
    return changes
