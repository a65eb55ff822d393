"""The demo district: a realistic, deterministic, synthetic Haizhou on the real localities.

Only the locality list, the 2020 census total and the public facts of docs/domain-standards.md §6
(rivers, mountains, the 2016 waterlogging points) are real; every name, phone number, depot,
team, checkpoint, inspection and plan is invented. Every row carries ``is_demo`` so the UI
labels it. The same ``today`` and ``seed`` always give the same data, so screenshots, tests
and benchmarks repeat.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.demo._context import _Seed
from registry.demo.broadcast import _create_terminals
from registry.demo.checkpoints import _create_checkpoints
from registry.demo.inspections import _inspect_all
from registry.demo.localities import CENSUS_TOTAL, _areas, _ensure_reference, _profile_localities
from registry.demo.plans import _create_plans, _team_drills
from registry.demo.response import _create_response
from registry.demo.stock import _create_depots, _stock_all
from registry.demo.teams import _create_teams
from registry.demo.users import DEMO_PASSWORD, DEMO_USERS, _create_users
from registry.kernel import audit
from registry.kernel.enums import AuditAction, AuditEntity
from registry.kernel.models import (
    BroadcastTerminal,
    Campaign,
    Checkpoint,
    DamagedHouse,
    Depot,
    DisasterReport,
    Drill,
    EventReview,
    Inspection,
    Plan,
    PlanRevision,
    ReadinessSnapshot,
    Rectification,
    RectificationStep,
    ReplenishmentLine,
    StockLot,
    StockMovement,
    Team,
    TeamMember,
    User,
)
from registry.kernel.permissions import Actor
from registry.readiness import snapshots

__all__ = ["CENSUS_TOTAL", "DEMO_PASSWORD", "DEMO_TABLES", "DEMO_USERS", "seed_demo"]

DEMO_TABLES: dict[str, type[Any]] = {  # each has is_demo
    "users": User, "depots": Depot, "stock_lots": StockLot, "stock_movements": StockMovement,
    "teams": Team, "team_members": TeamMember, "checkpoints": Checkpoint,
    "campaigns": Campaign, "inspections": Inspection, "rectifications": Rectification,
    "plans": Plan, "drills": Drill, "readiness_snapshots": ReadinessSnapshot,
    "broadcast_terminals": BroadcastTerminal, "disaster_reports": DisasterReport,
    "damaged_houses": DamagedHouse, "event_reviews": EventReview,
    "replenishment_lines": ReplenishmentLine,
}  # fmt: skip


def _counts(session: Session, localities: int) -> dict[str, int]:
    counts = {
        name: session.scalar(select(func.count()).select_from(model).where(model.is_demo)) or 0
        for name, model in DEMO_TABLES.items()
    }
    counts["rectification_steps"] = (
        session.scalar(
            select(func.count())
            .select_from(RectificationStep)
            .join(Rectification)
            .where(Rectification.is_demo)
        )
        or 0
    )
    counts["plan_revisions"] = (
        session.scalar(
            select(func.count()).select_from(PlanRevision).join(Plan).where(Plan.is_demo)
        )
        or 0
    )
    return {"localities": localities, **counts}


STALE_SHARE = 0.2  # depots and teams whose last 零报告 is older than the freshness window


def _backdate_confirmations(ctx: _Seed, records: list[Depot | Team]) -> None:
    """Spread the last confirmations over the past months instead of 'seeded just now'."""
    for record in records:
        stale = ctx.rng.random() < STALE_SHARE
        day = ctx.days_ago(35, 150) if stale else ctx.days_ago(0, 25)
        record.last_confirmed_at = datetime.combine(day, time(9, ctx.rng.randrange(60)))


SNAPSHOT_WEEKS = 8


def _weekly_snapshots(ctx: _Seed) -> None:
    """Eight weeks of Monday-morning snapshots and today's, so trends and the ranking's
    change since last week have something to show. They are computed from today's records
    as of each past day: an approximation, flagged as demo like everything else."""
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    days = [monday - timedelta(weeks=w) for w in range(SNAPSHOT_WEEKS, 0, -1)] + [ctx.today]
    for day in days:
        snapshots.take(ctx.session, ctx.actor, today=day, settings=ctx.settings, is_demo=True)


def _respond(ctx: _Seed, seed: int, office: User) -> None:
    """The response side (terminals, a past and a live event), from a random stream of its
    own: adding it left every earlier record of the demo as it was."""
    _create_terminals(replace(ctx, rng=random.Random(seed + 15)))
    _create_response(ctx, office)


def seed_demo(session: Session, actor: Actor, *, today: date, seed: int = 2026) -> dict[str, int]:
    """Build the demo district in the caller's transaction; returns counts per entity.

    Depots, stock, teams, members, checkpoints and users go through the use-cases
    (validated and audited); a year of inspections, rectifications, plans and drills is
    written directly, dated in the past, covered by one ``demo-seeded`` audit event.
    """
    localities = _ensure_reference(session, actor)
    ctx = _Seed(session, actor, today, random.Random(seed), localities, _areas(localities))
    _profile_localities(ctx)
    users = _create_users(ctx)
    depots, main = _create_depots(ctx)
    _stock_all(ctx, depots, main)
    teams = _create_teams(ctx)
    checkpoints = _create_checkpoints(ctx)
    _inspect_all(ctx, checkpoints, depots, teams, users["office"])
    _create_plans(ctx)
    _team_drills(ctx, teams)
    _backdate_confirmations(ctx, [*depots, *teams])
    session.flush()
    _weekly_snapshots(ctx)
    _respond(ctx, seed, users["office"])
    counts = _counts(session, len(localities))
    audit.record(
        session,
        actor,
        AuditAction.DEMO_SEEDED,
        AuditEntity.DEMO,
        None,
        after={"seed": seed, "today": today.isoformat(), **counts},
    )
    return counts
