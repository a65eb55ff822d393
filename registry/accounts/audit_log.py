"""Reading the audit trail: filtered events as plain dicts for the audit page and its exports.

Read-only by design — the trail is append-only (database triggers refuse changes), so
nothing here or anywhere else updates or deletes an event. Who sees which events is
decided here from the actor, not by the page: a town official sees only the events of
their own localities. What the events hold is masked here too: phone numbers for leaders,
and the personal data of the disaster registers (the dead and missing, the heads of damaged
households) for everyone but the district office and admin.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel.enums import AuditEntity, Role
from registry.kernel.masking import mask_name, mask_phone
from registry.kernel.models import AuditEvent, Locality
from registry.kernel.permissions import Action, Actor, require

# Roles that read the whole trail; everyone else is limited to their localities.
WHOLE_TRAIL = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})
# Bookkeeping columns that change on every save and say nothing about the change.
_NOISE = frozenset({"version", "updated_at"})
# The registers' personal fields (registry/disasters/registers.py), per audited entity: the
# names read masked (张*明) and the rest left out by anyone not district-wide, as the
# registers themselves are read (registry/disasters/queries.py).
_MASKED_NAMES: dict[str, frozenset[str]] = {
    AuditEntity.DISASTER_CASUALTY.value: frozenset({"name"}),
    AuditEntity.DAMAGED_HOUSE.value: frozenset({"household_head"}),
}
_LEFT_OUT: dict[str, frozenset[str]] = {
    AuditEntity.DISASTER_CASUALTY.value: frozenset({"age", "cause", "place"}),
    AuditEntity.DAMAGED_HOUSE.value: frozenset({"address"}),
}


def visible_localities(actor: Actor) -> frozenset[int] | None:
    """The localities whose events the actor may read, or None for the whole trail."""
    return None if actor.role in WHOLE_TRAIL else actor.locality_ids


def _shown(key: str, value: object, entity: str, actor: Actor) -> object:
    """One stored value as ``actor`` reads it."""
    if not isinstance(value, str):
        return value
    if key.endswith("phone") and not actor.sees_phone_numbers:
        return mask_phone(value)
    if key in _MASKED_NAMES.get(entity, ()) and not actor.district_wide:
        return mask_name(value)
    return value


def _parsed(text: str | None, entity: str, actor: Actor) -> dict[str, Any] | None:
    """Stored JSON as a dict, phone numbers masked for roles that do not see them and the
    registers' personal data for roles that are not district-wide."""
    if text is None:
        return None
    values: Any = json.loads(text)  # a dict when written by audit.record
    if not isinstance(values, dict):
        return cast("dict[str, Any] | None", values)
    left_out = frozenset() if actor.district_wide else _LEFT_OUT.get(entity, frozenset())
    return {
        key: _shown(key, value, entity, actor)
        for key, value in values.items()
        if key not in left_out
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
    before = _parsed(event.before, event.entity, actor)
    after = _parsed(event.after, event.entity, actor)
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
