"""An event's timeline (event log): one line per thing that happened, written by the use-case
that did it in the same transaction, read by the event page and the duty report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import i18n
from registry.kernel.models import EventLogEntry
from registry.kernel.permissions import Actor


def log(
    session: Session, event_id: int, actor: Actor, kind: str, at: datetime, **detail: Any
) -> EventLogEntry:
    """Record that ``kind`` happened (its message is ``event.log.<kind>`` with ``detail``'s
    values: plain JSON values, e.g. names and counts, never ORM objects)."""
    entry = EventLogEntry(
        event_id=event_id,
        at=at,
        actor_id=actor.user_id,
        actor_name=actor.display_name or actor.username,
        kind=kind,
        detail=json.dumps(detail, ensure_ascii=False, default=str),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    actor: str
    kind: str
    detail: dict[str, Any]

    def text(self, language: str) -> str:
        """The line in ``language`` (labels of enum values are looked up by the caller's
        ``detail``: store labels' keys as values where they must be translated)."""
        return i18n.translate(f"event.log.{self.kind}", language, **self.detail)


def timeline(session: Session, event_id: int, until: datetime | None = None) -> list[TimelineLine]:
    """The event's lines in order (up to ``until`` when given: the duty report as of a time)."""
    query = select(EventLogEntry).where(EventLogEntry.event_id == event_id)
    if until is not None:
        query = query.where(EventLogEntry.at <= until)
    entries = session.scalars(query.order_by(EventLogEntry.at, EventLogEntry.id)).all()
    return [TimelineLine(e.at, e.actor_name, e.kind, json.loads(e.detail)) for e in entries]
