"""Events (事件) and response levels (应急响应): opened, raised or lowered, and closed by the
district office only; every change is audited and written to the event's timeline.

An event covers localities (given, or those of its warnings) or a drawn polygon (then the
localities it touches). The plans it activates are confirmed by the office; ``suggest_plans``
offers those of the register whose hazards fit and whose locality is affected or the whole
district. A closed event refuses every further change, its tasks' too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import audit, editing, validation
from registry.kernel.enums import (
    AuditAction,
    AuditEntity,
    EventState,
    PlanClass,
    PlanStatus,
    ResponseLevel,
    WarningType,
)
from registry.kernel.errors import ValidationError
from registry.kernel.models import EarlyWarning, Event, Locality, Plan
from registry.kernel.permissions import Action, Actor, require
from registry.response import timeline
from registry.response.warnings import localities_touched

ENTITY = AuditEntity.EVENT
ROMAN = {"1": "Ⅰ", "2": "Ⅱ", "3": "Ⅲ", "4": "Ⅳ"}
"""The level as written in Chinese and English documents alike (Ⅲ级, level Ⅲ)."""

# Words in a plan's hazards or title that show it covers a warning type. 自然灾害 covers
# every natural hazard (the 总体 plan and the 自然灾害救助 plan say so).
PLAN_WORDS: dict[WarningType, tuple[str, ...]] = {
    WarningType.TYPHOON: ("台风", "防台", "风暴潮"),
    WarningType.RAINSTORM: ("暴雨", "洪涝", "防汛", "内涝", "山洪"),
    WarningType.SNOWSTORM: ("暴雪", "雪灾", "冰雪"),
    WarningType.COLD_WAVE: ("寒潮", "低温", "冰冻"),
    WarningType.GALE: ("大风", "风灾", "台风"),
    WarningType.SANDSTORM: ("沙尘",),
    WarningType.HEAT: ("高温",),
    WarningType.DROUGHT: ("干旱", "抗旱"),
    WarningType.LIGHTNING: ("雷电",),
    WarningType.HAIL: ("冰雹", "风雹"),
    WarningType.FROST: ("霜冻", "低温"),
    WarningType.FOG: ("大雾",),
    WarningType.HAZE: ("霾",),
    WarningType.ROAD_ICING: ("道路结冰", "冰冻"),
    WarningType.FLOOD: ("洪水", "洪涝", "防汛", "山洪"),
    WarningType.GEOLOGICAL: ("地质灾害", "滑坡", "崩塌", "泥石流", "地面塌陷"),
}
ALL_NATURAL = "自然灾害"
TITLE_LENGTH, NAME_LENGTH, NOTE_LENGTH, REASON_LENGTH = 256, 64, 4000, 500


def roman(level: ResponseLevel) -> str:
    return ROMAN[level.value]


def plan_fits(plan: Plan, hazard: WarningType) -> bool:
    """Whether a plan of the register covers ``hazard`` by its hazards or title."""
    if plan.plan_class is PlanClass.OVERALL:
        return True
    text = f"{plan.hazards or ''} {plan.title}"
    return ALL_NATURAL in text or any(word in text for word in PLAN_WORDS[hazard])


def suggest_plans(
    session: Session, hazard: WarningType | str, locality_ids: Iterable[int]
) -> list[Plan]:
    """The plans an event of ``hazard`` over these localities would activate: not repealed,
    covering the hazard, district-wide or of an affected locality; district plans first."""
    kind = validation.choice(hazard, WarningType, "hazard")
    places = set(locality_ids)
    plans = session.scalars(
        select(Plan).where(Plan.status != PlanStatus.REPEALED).order_by(Plan.id)
    ).all()
    found = [
        plan
        for plan in plans
        if (plan.locality_id is None or plan.locality_id in places) and plan_fits(plan, kind)
    ]
    return sorted(found, key=lambda p: (p.locality_id is not None, p.locality_id or 0, p.id))


def _area(session: Session, area_geojson: str) -> tuple[str, list[Locality]]:
    """A drawn polygon, checked, with the localities it touches."""
    try:
        data = json.loads(area_geojson)
        geometry: BaseGeometry = shape(data.get("geometry", data))
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):
        raise ValidationError("error.event_area_invalid", field="event_area") from None
    if geometry.geom_type not in {"Polygon", "MultiPolygon"} or geometry.is_empty:
        raise ValidationError("error.event_area_invalid", field="event_area")
    if not geometry.is_valid:
        geometry = geometry.buffer(0)
    bounds = geometry.bounds
    if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
        raise ValidationError("error.event_area_invalid", field="event_area")
    touched = localities_touched(session, geometry, ())
    if not touched:
        raise ValidationError("error.event_area_foreign", field="event_area")
    return json.dumps(data.get("geometry", data)), touched


def _records(session: Session, model: Any, ids: Iterable[int], field: str) -> list[Any]:
    found = []
    for record_id in dict.fromkeys(ids):
        record = session.get(model, record_id)
        if record is None:
            raise ValidationError("error.event_unknown", field=field, id=record_id)
        found.append(record)
    return found


def _snapshot(event: Event) -> dict[str, Any]:
    return {
        **audit.snapshot(event),
        "locality_ids": [loc.id for loc in event.localities],
        "warning_ids": [w.id for w in event.warnings],
        "plan_ids": [p.id for p in event.plans],
    }


def open_event(
    session: Session,
    actor: Actor,
    *,
    title: str,
    hazard: WarningType | str,
    level: ResponseLevel | str,
    locality_ids: Sequence[int] = (),
    area_geojson: str | None = None,
    warning_ids: Sequence[int] = (),
    plan_ids: Sequence[int] | None = None,
    duty_leader: str,
    duty_officer: str,
    note: str | None = None,
    now: datetime,
    is_demo: bool = False,
) -> Event:
    """Open an event from warnings or by hand. Its localities are those given, else those
    of its warnings; with a drawn polygon, those the polygon touches. ``plan_ids=None``
    activates the suggested plans (``suggest_plans``)."""
    require(actor, Action.MANAGE_RESPONSE)
    kind = validation.choice(hazard, WarningType, "hazard")
    values = {
        "title": validation.text(title, "title", max_len=TITLE_LENGTH),
        "hazard": kind,
        "level": validation.choice(level, ResponseLevel, "response_level"),
        "duty_leader": validation.text(duty_leader, "duty_leader", max_len=NAME_LENGTH),
        "duty_officer": validation.text(duty_officer, "duty_officer", max_len=NAME_LENGTH),
        "note": validation.text(note, "note", max_len=NOTE_LENGTH, required=False),
    }
    warnings: list[EarlyWarning] = _records(session, EarlyWarning, warning_ids, "event_warnings")
    if area_geojson and area_geojson.strip():
        drawn, localities = _area(session, area_geojson)
    else:
        drawn = None
        chosen = list(locality_ids) or [loc.id for w in warnings for loc in w.localities]
        localities = _records(session, Locality, chosen, "event_localities")
    if not localities:
        raise ValidationError("error.event_no_area", field="event_localities")
    if plan_ids is None:
        plans = suggest_plans(session, kind, [loc.id for loc in localities])
    else:
        plans = _records(session, Plan, plan_ids, "event_plans")
    event = Event(
        **values,
        state=EventState.OPEN,
        area_geojson=drawn,
        opened_at=now,
        opened_by=actor.user_id,
        is_demo=is_demo,
        localities=localities,
        warnings=warnings,
        plans=plans,
    )
    session.add(event)
    session.flush()
    audit.record(session, actor, AuditAction.EVENT_OPENED, ENTITY, event.id, after=_snapshot(event))
    timeline.log(
        session, event.id, actor, "opened", now, title=event.title, level=roman(event.level),
        localities=len(localities), plans=len(plans),
    )  # fmt: skip
    return event


def _open(session: Session, event_id: int, expected_version: int) -> Event:
    """The event row-locked for a change: still open, and as the form saw it."""
    event = editing.load(session, Event, event_id, ENTITY)
    if event.state is not EventState.OPEN:
        raise ValidationError("error.event_closed", field="event", title=event.title)
    editing.check_version(session, event, ENTITY, expected_version)
    return event


def _change(
    session: Session, actor: Actor, event: Event, action: AuditAction, values: dict[str, Any]
) -> None:
    before = _snapshot(event)
    for key, value in values.items():
        setattr(event, key, value)
    session.flush()
    audit.record(session, actor, action, ENTITY, event.id, before=before, after=_snapshot(event))


def change_level(
    session: Session,
    actor: Actor,
    event_id: int,
    expected_version: int,
    level: ResponseLevel | str,
    reason: str,
    now: datetime,
) -> Event:
    """Raise or lower the response level, with the reason, on the timeline."""
    require(actor, Action.MANAGE_RESPONSE)
    new = validation.choice(level, ResponseLevel, "response_level")
    why = validation.text(reason, "reason", max_len=REASON_LENGTH)
    event = _open(session, event_id, expected_version)
    old = event.level
    if new is old:
        raise ValidationError("error.event_level_same", field="response_level", level=roman(new))
    _change(session, actor, event, AuditAction.EVENT_LEVEL_CHANGED, {"level": new})
    kind = "level_raised" if int(new.value) < int(old.value) else "level_lowered"
    timeline.log(session, event.id, actor, kind, now, old=roman(old), new=roman(new), reason=why)
    return event


def close_event(
    session: Session,
    actor: Actor,
    event_id: int,
    expected_version: int,
    reason: str,
    now: datetime,
) -> Event:
    """End the response (终止应急响应): the event and its tasks change no more."""
    require(actor, Action.MANAGE_RESPONSE)
    why = validation.text(reason, "reason", max_len=REASON_LENGTH)
    event = _open(session, event_id, expected_version)
    _change(
        session, actor, event, AuditAction.EVENT_CLOSED,
        {"state": EventState.CLOSED, "closed_at": now},
    )  # fmt: skip
    timeline.log(session, event.id, actor, "closed", now, level=roman(event.level), reason=why)
    return event


def update_duty(
    session: Session,
    actor: Actor,
    event_id: int,
    expected_version: int,
    *,
    duty_leader: str,
    duty_officer: str,
    now: datetime,
) -> Event:
    """Hand the duty over (交接班): a new duty leader or duty officer, on the timeline."""
    require(actor, Action.MANAGE_RESPONSE)
    leader = validation.text(duty_leader, "duty_leader", max_len=NAME_LENGTH)
    officer = validation.text(duty_officer, "duty_officer", max_len=NAME_LENGTH)
    event = _open(session, event_id, expected_version)
    if (leader, officer) == (event.duty_leader, event.duty_officer):
        raise ValidationError("error.event_duty_same", field="duty_officer")
    _change(
        session, actor, event, AuditAction.EVENT_UPDATED,
        {"duty_leader": leader, "duty_officer": officer},
    )  # fmt: skip
    timeline.log(session, event.id, actor, "duty", now, leader=leader, officer=officer)
    return event
