"""Reading the audit trail: filtered events as plain dicts for the audit page and its exports.

Read-only by design — the trail is append-only (database triggers refuse changes), so
nothing here or anywhere else updates or deletes an event. Who sees which events is
decided here from the actor, not by the page: a town official sees only the events of
their own localities.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel.enums import Role
from registry.kernel.masking import mask_phone
from registry.kernel.models import AuditEvent, Locality
from registry.kernel.permissions import Action, Actor, require

# Roles that read the whole trail; everyone else is limited to their localities.
WHOLE_TRAIL = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})
# Bookkeeping columns that change on every save and say nothing about the change.
_NOISE = frozenset({"version", "updated_at"})


def visible_localities(actor: Actor) -> frozenset[int] | None:
    """The localities whose events the actor may read, or None for the whole trail."""
    return None if actor.role in WHOLE_TRAIL else actor.locality_ids


def _parsed(text: str | None, actor: Actor) -> dict[str, Any] | None:
    """Stored JSON as a dict, phone numbers masked for roles that do not see them."""
    if text is None:
        return None
    values: Any = json.loads(text)  # a dict when written by audit.record
    if actor.sees_phone_numbers or not isinstance(values, dict):
        return cast("dict[str, Any] | None", values)
    return {
        key: mask_phone(value) if key.endswith("phone") and isinstance(value, str) else value
        for key, value in values.items()
    }


def changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> dict[str, tuple[object, object]]:
    """Field → (before, after) for the fields an update changed; empty unless both exist."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return {}
    return {
        key: (before.get(key), after.get(key))
        for key in [*before, *(k for k in after if k not in before)]
        if key not in _NOISE and before.get(key) != after.get(key)
    }


def search_events(
    session: Session,
    actor: Actor,
    *,
    user_id: int | None = None,
    locality_id: int | None = None,
    entity: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Events newest first, matching every filter given (``since <= at < until``), within
    what the actor may read."""
    require(actor, Action.VIEW)
    query = select(AuditEvent, Locality.name).outerjoin(
        Locality, Locality.id == AuditEvent.locality_id
    )
    scope = visible_localities(actor)
    if scope is not None:
        query = query.where(AuditEvent.locality_id.in_(scope))
    filters = [
        (AuditEvent.actor_id, user_id),
        (AuditEvent.locality_id, locality_id),
        (AuditEvent.entity, entity),
        (AuditEvent.action, action),
    ]
    query = query.where(*(column == value for column, value in filters if value is not None))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)).all()
    return [_event(event, locality, actor) for event, locality in rows]


def _event(event: AuditEvent, locality: str | None, actor: Actor) -> dict[str, Any]:
    before, after = _parsed(event.before, actor), _parsed(event.after, actor)
    return {
        "id": event.id,
        "at": event.at,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "locality_id": event.locality_id,
        "locality": locality,
        "before": before,
        "after": after,
        "changes": changes(before, after),
    }


def distinct_entities(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)))


def distinct_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def distinct_actors(session: Session) -> dict[int, str]:
    """User id → name of everyone who appears in the trail, for the user filter."""
    rows = session.execute(
        select(AuditEvent.actor_id, AuditEvent.actor_name)
        .where(AuditEvent.actor_id.is_not(None))
        .distinct()
        .order_by(AuditEvent.actor_name)
    ).all()
    return {actor_id: name for actor_id, name in rows if actor_id is not None}
