"""The broadcast system (一套广播): the register of emergency-broadcast terminals and the
sending of a message to them, by the district office.

Sending is split in three so that no database lock waits on the network: ``prepare``
checks the permission, the text, the terminals and the event and returns a ``Message``
(reading only); the adapter delivers it with a short timeout outside any transaction; then
``record`` writes the broadcast, one delivery per terminal with the adapter's result, the
audit event and the event's timeline line. On SQLite every transaction holds the database's
write lock from its first statement, so a slow platform inside one would stall every user's
save. The page runs the three steps apart; ``send`` runs them in one session for callers
that accept holding the lock for at most the adapter's timeout (the command line, tests). A
refusal comes from ``prepare``: nothing is delivered and nothing written. A failed delivery
is no refusal: the broadcast is recorded with the reason per terminal.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import audit, editing, i18n, validation
from registry.kernel.enums import (
    AuditAction,
    AuditEntity,
    BroadcastKind,
    BroadcastLevel,
    DeliveryStatus,
    EventState,
    TerminalStatus,
    TerminalType,
)
from registry.kernel.errors import ValidationError
from registry.kernel.models import (
    Broadcast,
    BroadcastDelivery,
    BroadcastTerminal,
    EarlyWarning,
    Event,
    Locality,
)
from registry.kernel.permissions import Action, Actor, require
from registry.response import timeline
from registry.response.area import inside
from registry.response.broadcast_adapters import (
    Adapter,
    DeliveryResult,
    EventRef,
    Message,
    TerminalRef,
)

MAX_TEXT = 2000  # a broadcast is read aloud: a few minutes at most
EXCERPT = 40  # characters of the text quoted in the event's timeline


def _locality(session: Session, locality_id: object) -> Locality:
    locality = session.get(Locality, locality_id) if isinstance(locality_id, int) else None
    if locality is None:
        raise ValidationError(
            "error.unknown_record", field="locality", entity=AuditEntity.LOCALITY, value=locality_id
        )
    return locality


def _terminal_values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    lon, lat = validation.point_in_district(data.get("lon"), data.get("lat"))
    return {
        "name": validation.text(data.get("name"), "name"),
        "locality_id": _locality(session, data.get("locality_id")).id,
        "village": validation.text(
            data.get("village"), "terminal_village", max_len=64, required=False
        ),
        "level": validation.choice(data.get("level"), BroadcastLevel, "level"),
        "terminal_type": validation.choice(
            data.get("terminal_type"), TerminalType, "terminal_type"
        ),
        "status": validation.choice(
            data.get("status") or TerminalStatus.ONLINE, TerminalStatus, "status"
        ),
        "lon": lon,
        "lat": lat,
    }


def add_terminal(
    session: Session, actor: Actor, data: dict[str, Any], *, is_demo: bool = False
) -> BroadcastTerminal:
    """Register a terminal (name, locality, village or community, level, type, location)."""
    require(actor, Action.MANAGE_RESPONSE)
    values = _terminal_values(session, data)
    terminal = BroadcastTerminal(**values, is_demo=is_demo)
    return editing.create(
        session, actor, terminal, AuditEntity.BROADCAST_TERMINAL, values["locality_id"]
    )


def update_terminal(
    session: Session, actor: Actor, terminal_id: int, expected_version: int, data: dict[str, Any]
) -> BroadcastTerminal:
    """Edit a terminal as a whole record; a save based on an old read is refused as stale."""
    require(actor, Action.MANAGE_RESPONSE)
    terminal = editing.load(session, BroadcastTerminal, terminal_id, AuditEntity.BROADCAST_TERMINAL)
    current = {c.key: getattr(terminal, c.key) for c in terminal.__mapper__.column_attrs}
    values = _terminal_values(session, {**current, **data})
    editing.apply(
        session, actor, terminal, AuditEntity.BROADCAST_TERMINAL, values,
        expected_version=expected_version, locality_id=values["locality_id"],
    )  # fmt: skip
    return terminal


def set_terminal_status(
    session: Session, actor: Actor, terminal_id: int, expected_version: int, status: object
) -> BroadcastTerminal:
    """Mark a terminal online, offline or at fault (a field report, the platform's check)."""
    require(actor, Action.MANAGE_RESPONSE)
    terminal = editing.load(session, BroadcastTerminal, terminal_id, AuditEntity.BROADCAST_TERMINAL)
    editing.apply(
        session, actor, terminal, AuditEntity.BROADCAST_TERMINAL,
        {"status": validation.choice(status, TerminalStatus, "status")},
        expected_version=expected_version, locality_id=terminal.locality_id,
        action=AuditAction.BROADCAST_TERMINAL_STATUS,
    )  # fmt: skip
    return terminal


def terminals_in_area(session: Session, area: BaseGeometry | None) -> list[int]:
    """Ids of the terminals standing in the area (an event's, see ``area.event_area``)."""
    rows = session.execute(
        select(BroadcastTerminal.id, BroadcastTerminal.lon, BroadcastTerminal.lat).order_by(
            BroadcastTerminal.locality_id, BroadcastTerminal.id
        )
    ).all()
    return [terminal_id for terminal_id, lon, lat in rows if inside(area, lon, lat)]


def compose_draft(session: Session, event_id: int, language: str) -> str:
    """A message drafted from the event's warnings (who issued it, headline, description,
    defence guidance), or from its title and level when it has none; the office edits it."""
    event = session.get(Event, event_id)
    if event is None:
        return ""
    warnings = sorted(event.warnings, key=lambda w: w.effective_at, reverse=True)
    parts = [i18n.translate("bc.draft.opening", language)]
    parts += [_warning_words(w, language) for w in warnings]
    if not warnings:
        parts.append(
            i18n.translate(
                "bc.draft.event",
                language,
                title=event.title,
                level=i18n.label(event.level, language),
            )
        )
    parts.append(i18n.translate("bc.draft.closing", language))
    return "\n".join(parts)


def _warning_words(warning: EarlyWarning, language: str) -> str:
    words = (warning.sender_name or "") + warning.headline
    words = words if words.endswith(("。", ".", "！")) else words + "。"
    if warning.description:
        words += warning.description.strip()
    if warning.instruction:
        words += i18n.translate("bc.draft.instruction", language, text=warning.instruction.strip())
    return words


def _unavailable(terminal: BroadcastTerminal) -> ValidationError:
    return ValidationError(
        "error.broadcast_terminal_state", name=terminal.name, status=terminal.status
    )


def prepare(
    session: Session,
    actor: Actor,
    *,
    text: object,
    kind: object,
    terminal_ids: Sequence[int],
    event_id: int | None = None,
    source_department: object = None,
    now: datetime,
) -> Message:
    """Check a broadcast and build its message; writes nothing, delivers nothing. Refused:
    no terminal, an empty text, an unknown terminal, one offline or at fault (naming each),
    an unknown or closed event."""
    require(actor, Action.MANAGE_RESPONSE)
    words = validation.text(text, "broadcast_text", max_len=MAX_TEXT)
    chosen_kind = validation.choice(kind, BroadcastKind, "broadcast_kind")
    department = validation.text(source_department, "source_department", max_len=64, required=False)
    event = None
    if event_id is not None:
        event = session.get(Event, event_id)
        if event is None:
            raise ValidationError(
                "error.broadcast_unknown_event", field="broadcast_event", id=event_id
            )
        if event.state is not EventState.OPEN:
            raise ValidationError(
                "error.broadcast_event_closed", field="broadcast_event", title=event.title
            )
    ids = list(dict.fromkeys(terminal_ids))
    if not ids:
        raise ValidationError("error.broadcast_no_terminal", field="broadcast_terminals")
    found = {
        t.id: t
        for t in session.scalars(select(BroadcastTerminal).where(BroadcastTerminal.id.in_(ids)))
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(
            "error.unknown_record", field="broadcast_terminals",
            entity=AuditEntity.BROADCAST_TERMINAL, value=", ".join(map(str, missing)),
        )  # fmt: skip
    down = [found[i] for i in ids if found[i].status is not TerminalStatus.ONLINE]
    if down:
        raise ValidationError(
            "error.broadcast_terminals_down", field="broadcast_terminals",
            terminals=[_unavailable(t) for t in down],
        )  # fmt: skip
    localities = {i: name for i, name in session.execute(select(Locality.id, Locality.name))}
    return Message(
        reference=uuid.uuid4().hex,
        kind=chosen_kind,
        text=words,
        terminals=tuple(
            TerminalRef(t.id, t.name, localities.get(t.locality_id, ""), t.village)
            for t in (found[i] for i in ids)
        ),
        event=None if event is None else EventRef(event.id, event.title),
        source_department=department,
        created_at=now,
    )


def record(
    session: Session,
    actor: Actor,
    message: Message,
    adapter_name: str,
    results: Sequence[DeliveryResult],
    now: datetime,
) -> Broadcast:
    """Write a delivered message: the broadcast, each terminal's delivery (a terminal the
    adapter said nothing about counts as failed), the audit event and, for an event, its
    timeline line. Terminals are not re-checked: the message has gone out already."""
    require(actor, Action.MANAGE_RESPONSE)
    broadcast = Broadcast(
        event_id=message.event.id if message.event else None,
        kind=message.kind,
        text=message.text,
        source_department=message.source_department,
        adapter=adapter_name,
        created_at=now,
        created_by=actor.user_id,
    )
    session.add(broadcast)
    session.flush()
    by_terminal = {r.terminal_id: r for r in results}
    for terminal in message.terminals:
        result = by_terminal.get(terminal.id)
        session.add(
            BroadcastDelivery(
                broadcast_id=broadcast.id,
                terminal_id=terminal.id,
                status=result.status if result else DeliveryStatus.FAILED,
                detail=result.detail if result else "no result from the adapter",
                at=now,
            )
        )
    session.flush()
    failed = sum(
        1 for t in message.terminals
        if t.id not in by_terminal or by_terminal[t.id].status is DeliveryStatus.FAILED
    )  # fmt: skip
    audit.record(
        session, actor, AuditAction.BROADCAST_SENT, AuditEntity.BROADCAST, broadcast.id,
        after={
            **audit.snapshot(broadcast), "reference": message.reference,
            "terminal_ids": [t.id for t in message.terminals], "failed": failed,
        },
    )  # fmt: skip
    if message.event is not None:
        excerpt = message.text if len(message.text) <= EXCERPT else message.text[:EXCERPT] + "…"
        timeline.log(
            session, message.event.id, actor, "broadcast_sent", now,
            broadcast_id=broadcast.id, terminals=len(message.terminals), failed=failed,
            excerpt=excerpt,
        )  # fmt: skip
    return broadcast


def send(
    session: Session,
    actor: Actor,
    *,
    text: object,
    kind: object,
    terminal_ids: Sequence[int],
    event_id: int | None = None,
    source_department: object = None,
    adapter: Adapter,
    now: datetime,
) -> Broadcast:
    """Check, deliver and record in one session (see the module's docstring for why the
    page runs the steps apart)."""
    message = prepare(
        session, actor, text=text, kind=kind, terminal_ids=terminal_ids, event_id=event_id,
        source_department=source_department, now=now,
    )  # fmt: skip
    return record(session, actor, message, adapter.name, adapter.deliver(message), now)
