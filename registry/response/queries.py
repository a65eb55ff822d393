"""Reads of the response area for pages and the map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.kernel.enums import WarningLevel, WarningState, WarningType
from registry.kernel.models import EarlyWarning

LEVEL_ORDER = {level: rank for rank, level in enumerate(WarningLevel)}


@dataclass(frozen=True)
class WarningRow:
    """A warning as the 预警 page lists it; ``in_force`` as of the time asked."""

    id: int
    headline: str
    warning_type: WarningType
    level: WarningLevel
    state: WarningState
    in_force: bool
    is_exercise: bool
    sender_name: str | None
    effective_at: datetime
    expires_at: datetime
    localities: tuple[str, ...]
    description: str | None
    instruction: str | None
    source: str
    is_demo: bool


def warning_list(session: Session, now: datetime) -> list[WarningRow]:
    """Every warning, those in force first (the most severe first), then the newest."""
    warnings = session.scalars(
        select(EarlyWarning).options(selectinload(EarlyWarning.localities))
    ).all()
    rows = [
        WarningRow(
            id=w.id,
            headline=w.headline,
            warning_type=w.warning_type,
            level=w.level,
            state=w.state,
            in_force=w.state is WarningState.IN_FORCE and w.effective_at <= now < w.expires_at,
            is_exercise=w.is_exercise,
            sender_name=w.sender_name,
            effective_at=w.effective_at,
            expires_at=w.expires_at,
            localities=tuple(loc.name for loc in w.localities),
            description=w.description,
            instruction=w.instruction,
            source=w.source,
            is_demo=w.is_demo,
        )
        for w in warnings
    ]
    return sorted(
        rows,
        key=lambda r: (not r.in_force, LEVEL_ORDER[r.level], -r.effective_at.timestamp()),
    )
