"""Readiness snapshots: the scorecard and its overdue lists frozen as JSON, taken on demand or
daily by ``python -m prepare snapshot`` (cron). Trends, the ranking's change since last week
and a past week's circular are rebuilt from them, never recomputed from today's data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.fieldwork import queries as field_queries
from registry.kernel import audit
from registry.kernel.enums import AuditAction, AuditEntity, RiskLevel
from registry.kernel.models import ReadinessSnapshot
from registry.kernel.permissions import SYSTEM, Action, Actor, require
from registry.kernel.settings import Settings
from registry.plans import queries as plan_queries
from registry.readiness import scorecard as readiness
from registry.readiness.payload import (
    ComponentPayload,
    OverduePlan,
    OverdueRectification,
    SeriesRow,
    SnapshotPayload,
)
from registry.records import queries

OVERDUE_PER_LOCALITY = 50  # a circular lists at most this many overdue items per locality
PAYLOAD_VERSION = 1
PLAN_CLOCKS = ("filing", "evaluation", "drill")


def _overdue_order(row: Mapping[str, Any]) -> tuple[bool, int, int]:
    """Major hazards first, then the longest overdue: the order the board shows, so the cap
    per locality never drops an item the board would show before a kept one."""
    return (row["risk_level"] != RiskLevel.MAJOR.value, -row["days_overdue"], row["id"])


def _rectifications(session: Session, today: date) -> list[OverdueRectification]:
    rows = field_queries.list_rectifications(
        session, SYSTEM, field_queries.RectificationFilter(overdue_only=True), today=today
    )
    rows.sort(key=_overdue_order)
    kept: dict[int, int] = {}
    result: list[OverdueRectification] = []
    for row in rows:
        kept[row["locality_id"]] = kept.get(row["locality_id"], 0) + 1
        if kept[row["locality_id"]] <= OVERDUE_PER_LOCALITY:
            result.append(
                {
                    "id": row["id"],
                    "locality_id": row["locality_id"],
                    "target": row["target"],
                    "description": row["description"],
                    "risk_level": row["risk_level"],
                    "status": row["status"],
                    "deadline": row["deadline"].isoformat(),
                    "days_overdue": row["days_overdue"],
                    "responsible": row["responsible_person"],
                }
            )
    return result


def _plan_days_overdue(row: Mapping[str, Any], today: date) -> int:
    """Days since the earliest obligation the plan is late on fell due."""
    dues = [row[f"{k}_due"] for k in PLAN_CLOCKS if row[f"{k}_overdue"] and row[f"{k}_due"]]
    return max(0, (today - min(dues)).days) if dues else 0


def _plans(session: Session, today: date) -> list[OverduePlan]:
    rows = plan_queries.plan_register(session, SYSTEM, today=today, filters={"overdue_only": True})
    return [
        {
            "id": row["id"],
            "locality_id": row["locality_id"],
            "title": row["title"],
            "owner": row["owner_person"] or row["department"],
            "overdue": plan_queries.late_clocks(row),
            "days_overdue": _plan_days_overdue(row, today),
        }
        for row in rows
    ]


def _component(component: readiness.Component) -> ComponentPayload:
    return {
        "score": component.score,
        "figures": dict(component.figures),
        "who": list(component.who),
    }


def build_payload(session: Session, today: date, settings: Settings) -> SnapshotPayload:
    """Everything a leader's screen and a circular need, as plain JSON values."""
    card = readiness.scorecard(session, today, settings)
    campaign = card.campaign
    return {
        "version": PAYLOAD_VERSION,
        "as_of": today.isoformat(),
        "district": {"score": round(card.district_score, 1), "colour": card.district_colour},
        "campaign": None
        if campaign is None
        else {
            "name": campaign["name"],
            "starts_on": campaign["starts_on"].isoformat(),
            "ends_on": campaign["ends_on"].isoformat(),
            "share": campaign["share"],
        },
        "weights": readiness.weights(settings),
        "thresholds": {"green": settings.readiness_green, "amber": settings.readiness_amber},
        "localities": [
            {
                "id": r.locality_id,
                "name": r.name,
                "responsible": r.responsible,
                "score": round(r.score, 1),
                "colour": r.colour,
                "worst": r.worst,
                "components": {k: _component(c) for k, c in r.components.items()},
            }
            for r in card.localities
        ],
        "overdue_rectifications": _rectifications(session, today),
        "overdue_plans": _plans(session, today),
    }


def take(
    session: Session,
    actor: Actor,
    *,
    today: date,
    settings: Settings,
    is_demo: bool = False,
) -> ReadinessSnapshot:
    """Freeze the scorecard as of ``today`` (office and admin; the daily cron runs as system)."""
    require(actor, Action.PUBLISH_READINESS)
    payload = build_payload(session, today, settings)
    payload["is_demo"] = is_demo or queries.has_demo_records(session)  # the circular says so
    snapshot = ReadinessSnapshot(
        as_of=today,
        taken_by=actor.user_id,
        district_score=payload["district"]["score"],
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        is_demo=payload["is_demo"],
    )
    session.add(snapshot)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.READINESS_SNAPSHOT_TAKEN,
        AuditEntity.READINESS_SNAPSHOT,
        snapshot.id,
        after={"as_of": today.isoformat(), "district_score": snapshot.district_score},
    )
    return snapshot


def latest_on_or_before(session: Session, day: date) -> SnapshotPayload | None:
    """The payload of the newest snapshot taken as of ``day`` or earlier."""
    payload = session.scalar(
        select(ReadinessSnapshot.payload)
        .where(ReadinessSnapshot.as_of <= day)
        .order_by(ReadinessSnapshot.as_of.desc(), ReadinessSnapshot.id.desc())
        .limit(1)
    )
    return None if payload is None else json.loads(payload)


def week_bounds(iso_week: str) -> tuple[date, date]:
    """``2026-W47`` → its Monday and Sunday."""
    try:
        year, week = iso_week.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"week: {iso_week!r} is not an ISO week like 2026-W47") from None
    return monday, monday + timedelta(days=6)


def for_week(session: Session, iso_week: str) -> SnapshotPayload | None:
    """The snapshot a week's circular is built from: the newest taken within that week."""
    monday, sunday = week_bounds(iso_week)
    payload = latest_on_or_before(session, sunday)
    if payload is None or date.fromisoformat(payload["as_of"]) < monday:
        return None
    return payload


def week_before(session: Session, payload: SnapshotPayload) -> SnapshotPayload | None:
    """The snapshot a week older than ``payload`` (or the newest before that), for the
    ranking's change since last week."""
    return latest_on_or_before(session, date.fromisoformat(payload["as_of"]) - timedelta(days=7))


def series(session: Session, since: date | None = None) -> list[SeriesRow]:
    """Scores over time: one row per snapshot day and locality (the newest snapshot of a day
    wins), plus the district as locality ``None``."""
    query = select(ReadinessSnapshot.as_of, ReadinessSnapshot.payload).order_by(
        ReadinessSnapshot.as_of, ReadinessSnapshot.id
    )
    if since is not None:
        query = query.where(ReadinessSnapshot.as_of >= since)
    by_day: dict[date, SnapshotPayload] = {
        as_of: json.loads(payload) for as_of, payload in session.execute(query)
    }
    rows: list[SeriesRow] = []
    for as_of, payload in by_day.items():
        district = payload["district"]["score"]
        rows.append({"as_of": as_of, "locality_id": None, "name": None, "score": district})
        rows += [
            {"as_of": as_of, "locality_id": loc["id"], "name": loc["name"], "score": loc["score"]}
            for loc in payload["localities"]
        ]
    return rows
