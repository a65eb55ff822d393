"""The JSON API's reads, each scoped like the page it mirrors.

Everyone with a token reads the district's public summary: the readiness board and its
history, campaigns and their coverage, the plan register, events with their reporting
status and accepted figures. The detail of localities (stock, alerts, rectifications,
tasks) is read for the caller's localities only unless the caller acts district-wide
(``Actor.sees_every_locality``, the rule the map, the alerts and OGC API share). Phone
numbers follow the role's rule and are masked altogether for a read-only token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from registry.disasters import queries as disaster_queries
from registry.disasters import rollup
from registry.fieldwork import campaigns
from registry.fieldwork.queries import RectificationFilter, RectificationRow, list_rectifications
from registry.kernel.deadlines import ReportDue
from registry.kernel.enums import RecordStatus, ReportStage, ReportState, RiskLevel
from registry.kernel.enums import RectificationStatus as R
from registry.kernel.masking import mask_phone
from registry.kernel.models import Depot, Event, Item, Locality, StockLot
from registry.kernel.permissions import Action, Actor, require
from registry.kernel.settings import Settings
from registry.plans.queries import PlanRow, plan_register
from registry.readiness import alerts, board, snapshots
from registry.readiness.alerts import Alert
from registry.readiness.board import Board
from registry.readiness.payload import SeriesRow
from registry.records.stockview import quota_lines
from registry.response.dispatch_queries import DispatchView, dispatches
from registry.response.event_queries import EventDetail, EventRow, TaskRow, event_list, event_tasks
from registry.response.event_queries import event_detail as _event_detail


@dataclass(frozen=True)
class StockLine:
    """One item in one depot: what is usable against its quota, and what expires."""

    depot_id: int
    depot: str
    locality_id: int
    locality: str
    item_id: int
    item_code: str
    item: str
    unit: str
    usable: int
    minimum: int | None
    maximum: int | None
    coverage: float | None  # usable ÷ minimum; None without a quota line
    below_quota: bool
    expiring: int  # usable, but expiring within the warning days
    expired: int  # still on the shelf, never counted as usable
    next_expiry: date | None


@dataclass(frozen=True)
class EventView:
    """An event as another system reads it: the detail, the tasks the caller sees, the
    dispatches, each affected town's reporting status and the accepted district figures."""

    detail: EventDetail
    tasks: tuple[TaskRow, ...]
    dispatches: tuple[DispatchView, ...]
    reporting: tuple[ReportingLine, ...]
    accepted: rollup.Total | None


@dataclass(frozen=True)
class ReportingLine:
    """An affected town's 灾情报送 status: its last report (not its text) and what it owes."""

    locality_id: int
    locality: str
    last_stage: ReportStage | None
    last_state: ReportState | None
    last_figures_to: datetime | None
    due: tuple[ReportDue, ...]
    overdue: bool


def _scoped(actor: Actor, column: Any) -> list[ColumnElement[bool]]:
    if actor.sees_every_locality:
        return []
    return [column.in_(sorted(actor.locality_ids))]


def _visible_depots(
    session: Session, actor: Actor, depot_id: int | None, locality_ids: Iterable[int] | None
) -> dict[int, tuple[str, int, str]]:
    query = (
        select(Depot.id, Depot.name, Depot.locality_id, Locality.name)
        .join(Locality, Locality.id == Depot.locality_id)
        .where(Depot.status == RecordStatus.ACTIVE, *_scoped(actor, Depot.locality_id))
    )
    if depot_id is not None:
        query = query.where(Depot.id == depot_id)
    if locality_ids is not None:
        query = query.where(Depot.locality_id.in_(sorted(locality_ids)))
    return {d: (name, loc, loc_name) for d, name, loc, loc_name in session.execute(query)}


def _lot_figures(
    session: Session, depot_ids: list[int], today: date, warning_days: int
) -> dict[tuple[int, int], tuple[int, int, int, date | None]]:
    """(depot, item) → usable, expiring, expired quantities and the next expiry date."""
    usable = or_(StockLot.expiry_date.is_(None), StockLot.expiry_date >= today)
    last = today + timedelta(days=warning_days)
    soon = and_(StockLot.expiry_date >= today, StockLot.expiry_date <= last)
    query = (
        select(
            StockLot.depot_id,
            StockLot.item_id,
            func.sum(case((usable, StockLot.quantity), else_=0)),
            func.sum(case((soon, StockLot.quantity), else_=0)),
            func.sum(case((StockLot.expiry_date < today, StockLot.quantity), else_=0)),
            func.min(case((usable, StockLot.expiry_date), else_=None)),
        )
        .where(StockLot.depot_id.in_(depot_ids), StockLot.quantity > 0)
        .group_by(StockLot.depot_id, StockLot.item_id)
    )
    return {
        (d, i): (int(a or 0), int(b or 0), int(c or 0), nxt)
        for d, i, a, b, c, nxt in session.execute(query)
    }


def stock(
    session: Session,
    actor: Actor,
    *,
    today: date,
    settings: Settings,
    depot_id: int | None = None,
    locality_ids: Iterable[int] | None = None,
    item_code: str | None = None,
    below_quota_only: bool = False,
) -> list[StockLine]:
    """Stock per depot and item (every quota line, stocked or not), by depot then item;
    depots outside the caller's localities are not read."""
    require(actor, Action.VIEW)
    depots = _visible_depots(session, actor, depot_id, locality_ids)
    if not depots:
        return []
    lots = _lot_figures(session, list(depots), today, settings.expiry_warning_days)
    quotas = quota_lines(session, list(depots))
    items = {item.id: item for item in session.scalars(select(Item))}
    lines = []
    for key in sorted(set(lots) | set(quotas)):
        depot, item = depots[key[0]], items[key[1]]
        if item_code is not None and item.code != item_code:
            continue
        usable, expiring, expired, next_expiry = lots.get(key, (0, 0, 0, None))
        minimum, maximum = quotas.get(key, (None, None))
        below = minimum is not None and usable < minimum
        if below_quota_only and not below:
            continue
        lines.append(
            StockLine(
                key[0], depot[0], depot[1], depot[2], item.id, item.code, item.name, item.unit,
                usable, minimum, maximum,
                round(usable / minimum, 3) if minimum else None,
                below, expiring, expired, next_expiry,
            )
        )  # fmt: skip
    return lines


def readiness(session: Session, actor: Actor, *, today: date, settings: Settings) -> Board:
    """The district's readiness board as the overview shows it (the public summary)."""
    require(actor, Action.VIEW)
    return board.live(session, today, settings)


def readiness_history(session: Session, actor: Actor, since: date | None) -> list[SeriesRow]:
    """Scores per snapshot day, the district's (locality None) and each locality's."""
    require(actor, Action.VIEW)
    return snapshots.series(session, since)


def alert_list(
    session: Session, actor: Actor, *, today: date, now: datetime, settings: Settings
) -> list[Alert]:
    """The alerts inbox of the caller, most urgent first."""
    return alerts.alerts_for(session, actor, today=today, settings=settings, now=now)


def campaign_list(session: Session, actor: Actor, today: date) -> list[dict[str, Any]]:
    require(actor, Action.VIEW)
    return campaigns.list_campaigns(session, today)


def campaign_coverage(session: Session, actor: Actor, campaign_id: int) -> dict[str, Any]:
    require(actor, Action.VIEW)
    return campaigns.coverage(session, campaign_id)


def rectification_list(
    session: Session,
    actor: Actor,
    *,
    today: date,
    statuses: Iterable[R] | None = None,
    risk_levels: Iterable[RiskLevel] | None = None,
    overdue_only: bool = False,
) -> list[RectificationRow]:
    """Rectifications of the caller's localities (open ones unless statuses are given)."""
    require(actor, Action.VIEW)
    wanted = RectificationFilter(
        locality_ids=None if actor.sees_every_locality else frozenset(actor.locality_ids),
        statuses=frozenset(statuses) if statuses else RectificationFilter.statuses,
        risk_levels=frozenset(risk_levels) if risk_levels else None,
        overdue_only=overdue_only,
    )
    return list_rectifications(session, actor, wanted, today=today)


def plan_list(
    session: Session, actor: Actor, *, today: date, filters: dict[str, Any]
) -> list[PlanRow]:
    """The plan register (everyone reads it) with each plan's clocks as of ``today``."""
    require(actor, Action.VIEW)
    return plan_register(session, actor, today=today, filters=filters)


def events(session: Session, actor: Actor, now: datetime, settings: Settings) -> list[EventRow]:
    require(actor, Action.VIEW)
    return event_list(session, now, settings.task_ack_minutes)


def _task_phones(rows: list[TaskRow], full_phones: bool) -> tuple[TaskRow, ...]:
    if full_phones:
        return tuple(rows)
    return tuple(replace(row, assignee_phone=mask_phone(row.assignee_phone)) for row in rows)


def tasks(
    session: Session,
    actor: Actor,
    event_id: int,
    now: datetime,
    settings: Settings,
    *,
    full_phones: bool,
) -> tuple[TaskRow, ...] | None:
    """The event's tasks the caller sees (a town: its localities'); None when there is no
    such event."""
    require(actor, Action.VIEW)
    if session.get(Event, event_id) is None:
        return None
    found = event_tasks(session, actor, event_id, now, settings.task_ack_minutes)
    return _task_phones(found, full_phones)


def _reporting(
    session: Session, event_id: int, now: datetime, settings: Settings
) -> tuple[ReportingLine, ...]:
    lines = []
    for town in disaster_queries.reporting_status(session, event_id, now, settings):
        last = town.last
        lines.append(
            ReportingLine(
                town.locality_id, town.locality,
                last.stage if last else None, last.state if last else None,
                last.figures_to if last else None, town.due, town.overdue,
            )
        )  # fmt: skip
    return tuple(lines)


def event(
    session: Session,
    actor: Actor,
    event_id: int,
    now: datetime,
    settings: Settings,
    *,
    full_phones: bool,
) -> EventView | None:
    """One event with its tasks, dispatches, reporting status and accepted figures; None
    when there is no such event."""
    require(actor, Action.VIEW)
    detail = _event_detail(session, event_id, now, settings.task_ack_minutes)
    if detail is None:
        return None
    return EventView(
        detail=detail,
        tasks=tasks(session, actor, event_id, now, settings, full_phones=full_phones) or (),
        dispatches=tuple(dispatches(session, event_id)),
        reporting=_reporting(session, event_id, now, settings),
        accepted=rollup.district_total(session, event_id, now),
    )
