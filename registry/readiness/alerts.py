"""提醒: one inbox per user of what needs doing, most urgent first.

Every alert is built from the rules the rest of the core already owns — usable stock and quota
lines (``stockview``), date rules (``deadlines``), campaign coverage (``campaigns``), record
freshness (``readiness.last_confirmed``) — so the inbox never disagrees with the readiness
scorecard, the register pages or the map. Each kind is one or two grouped queries, whatever
the number of records.

Severity says how late it is: ``overdue`` — a date has gone by or the thing has already
happened (a lot expired, a depot's inspection window passed); ``due`` — a deadline falls
within its warning window; ``warning`` — a standing condition to watch (stock below quota,
lots about to expire, records not confirmed recently).

Town officials see their own localities; office, admin and leaders see every locality and
the district and department plans, which have none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from registry.fieldwork import campaigns
from registry.fieldwork.reinspection import flagged
from registry.kernel import deadlines
from registry.kernel.clock import local
from registry.kernel.enums import (
    EventState,
    RecordStatus,
    ReportStage,
    ReportState,
    RiskLevel,
)
from registry.kernel.enums import RectificationStatus as S
from registry.kernel.models import (
    Campaign,
    Checkpoint,
    Depot,
    DisasterReport,
    Event,
    EventLocality,
    Inspection,
    Locality,
    Rectification,
    StockLot,
    Team,
)
from registry.kernel.permissions import Action, Actor
from registry.kernel.settings import Settings
from registry.plans.queries import clock_state, plan_register
from registry.readiness import scorecard as readiness
from registry.readiness.refill import fillings
from registry.records.stockview import quota_lines, usable_stock

RECTIFICATION_DUE_SOON_DAYS = 3  # an open rectification is "due" this many days ahead
PLAN_DUE_SOON_DAYS = 30  # filing, evaluation and drills are "due" this many days ahead

OVERDUE, DUE, WARNING = "overdue", "due", "warning"
SEVERITIES = (OVERDUE, DUE, WARNING)  # most urgent first
KINDS = (
    "disaster_report_overdue",
    "disaster_report_returned",
    "disaster_report_due",
    "rectification_overdue",
    "rectification_due",
    "lot_expired",
    "inspection_due",
    "checkpoint_reinspect",
    "plan_filing",
    "plan_evaluation",
    "plan_drill",
    "stock_below_quota",
    "replenishment_open",
    "lot_expiring",
    "record_unconfirmed",
)
RECTIFICATIONS_PAGE = "app_pages/rectifications.py"
DISASTER_REPORTS_PAGE = "app_pages/disaster_reports.py"
EVENTS_PAGE = "app_pages/events.py"  # where leaders read each town's reporting status
PLANS_PAGE = "app_pages/plans.py"
CAMPAIGNS_PAGE = "app_pages/campaigns.py"
REPLENISHMENT_PAGE = "app_pages/replenishment.py"
PLAN_CLOCKS = ("filing", "evaluation", "drill")


@dataclass(frozen=True)
class Alert:
    """One thing to act on. ``link`` is a page path (``app_pages/….py``) or a record key
    (``d12`` / ``t3``) for the record page; ``detail`` holds the message's plain values."""

    kind: str
    severity: str
    locality_id: int | None
    locality: str | None
    subject: str
    detail: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)
    due: date | None = None
    link: str = ""

    @property
    def template(self) -> str:
        """The i18n key of the one-line message: the kind, narrowed by its variant."""
        variant = self.detail.get("variant")
        return f"alert.msg.{self.kind}" + (f".{variant}" if variant else "")

    def sort_key(self) -> tuple[Any, ...]:
        """Most urgent first: severity, then undated (a standing fault, nothing is older),
        then the earliest due date."""
        return (
            SEVERITIES.index(self.severity),
            self.due is not None,
            self.due or date.min,
            KINDS.index(self.kind),
            self.locality or "",
            self.subject,
        )


def counts(alerts: list[Alert]) -> dict[str, int]:
    """How many alerts of each severity (zeros included): the sidebar badge."""
    result = dict.fromkeys(SEVERITIES, 0)
    for alert in alerts:
        result[alert.severity] += 1
    return result


@dataclass
class _Context:
    session: Session
    actor: Actor
    today: date
    settings: Settings
    scope: frozenset[int] | None  # None: every locality
    names: dict[int, str]
    depots: list[Depot]
    teams: list[Team]
    now: datetime | None = None  # the reporting clock's alerts need the time of day

    def in_scope(self, model: type[Any]) -> ColumnElement[bool]:
        """A SQL condition keeping the actor's localities (``True`` when all)."""
        return true() if self.scope is None else model.locality_id.in_(sorted(self.scope))

    def covers(self, locality_id: int | None) -> bool:
        if self.scope is None:
            return True
        return locality_id is not None and locality_id in self.scope


def _active(ctx: _Context, model: type[Any]) -> list[Any]:
    query = select(model).where(model.status == RecordStatus.ACTIVE, ctx.in_scope(model))
    return list(ctx.session.scalars(query.order_by(model.id)))


def _depot_ids(ctx: _Context) -> list[int] | None:
    """None (every depot: no IN list) for district-wide readers."""
    return None if ctx.scope is None else [d.id for d in ctx.depots]


def _depot_alert(
    ctx: _Context,
    depot: Depot,
    kind: str,
    severity: str,
    detail: dict[str, Any],
    due: date | None = None,
) -> Alert:
    return Alert(
        kind=kind,
        severity=severity,
        locality_id=depot.locality_id,
        locality=ctx.names.get(depot.locality_id),
        subject=depot.name,
        detail=detail,
        due=due,
        link=f"d{depot.id}",
    )


def _stock(ctx: _Context) -> list[Alert]:
    """Per depot, the quota lines whose unexpired stock is below the minimum."""
    ids = _depot_ids(ctx)
    stock = usable_stock(ctx.session, ctx.today, ids)
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (depot_id, item_id), (minimum, _) in quota_lines(ctx.session, ids).items():
        tally[depot_id][0] += 1
        tally[depot_id][1] += stock.get((depot_id, item_id), 0) < minimum
    alerts = []
    for depot in ctx.depots:
        lines, below = tally[depot.id]
        if below:
            detail = {"below": below, "lines": lines}
            alerts.append(_depot_alert(ctx, depot, "stock_below_quota", WARNING, detail))
    return alerts


def _lots(ctx: _Context) -> list[Alert]:
    """Per depot, lots holding stock that have expired or expire within the warning window,
    with the earliest date; the same windows as the depot flags."""
    today, soon = ctx.today, ctx.today + timedelta(days=ctx.settings.expiry_warning_days)
    expired = StockLot.expiry_date < today
    expiring = and_(StockLot.expiry_date >= today, StockLot.expiry_date <= soon)
    query = (
        select(
            StockLot.depot_id,
            func.sum(case((expired, 1), else_=0)),
            func.min(case((expired, StockLot.expiry_date))),
            func.sum(case((expiring, 1), else_=0)),
            func.min(case((expiring, StockLot.expiry_date))),
        )
        .where(StockLot.quantity > 0, StockLot.expiry_date <= soon)
        .group_by(StockLot.depot_id)
    )
    if (ids := _depot_ids(ctx)) is not None:
        query = query.where(StockLot.depot_id.in_(ids))
    found = {row[0]: row[1:] for row in ctx.session.execute(query)}
    alerts = []
    for depot in ctx.depots:
        if depot.id not in found:
            continue
        gone, gone_first, going, going_first = found[depot.id]
        if gone:
            detail = {"lots": int(gone), "earliest": gone_first}
            alerts.append(_depot_alert(ctx, depot, "lot_expired", OVERDUE, detail, gone_first))
        if going:
            detail = {
                "lots": int(going),
                "earliest": going_first,
                "days": ctx.settings.expiry_warning_days,
            }
            alerts.append(_depot_alert(ctx, depot, "lot_expiring", WARNING, detail, going_first))
    return alerts


def _campaign_targets(ctx: _Context) -> list[Alert]:
    """Per running campaign and locality, the targets not inspected yet: due by the end of
    the campaign, never overdue while it runs."""
    running = ctx.session.scalars(
        select(Campaign)
        .where(Campaign.starts_on <= ctx.today, Campaign.ends_on >= ctx.today)
        .order_by(Campaign.ends_on, Campaign.id)
    )
    alerts = []
    for campaign in running:
        if campaigns.phase(campaign, ctx.today) != campaigns.RUNNING:
            continue
        for row in campaigns.coverage(ctx.session, campaign.id)["localities"]:
            if row["not_inspected"] <= 0 or not ctx.covers(row["locality_id"]):
                continue
            alerts.append(
                Alert(
                    kind="inspection_due",
                    severity=DUE,
                    locality_id=row["locality_id"],
                    locality=row["locality"],
                    subject=campaign.name,
                    detail={
                        "variant": "campaign",
                        "count": row["not_inspected"],
                        "targets": row["targets"],
                    },
                    due=campaign.ends_on,
                    link=CAMPAIGNS_PAGE,
                )
            )
    return alerts


def _depot_inspections(ctx: _Context) -> list[Alert]:
    """Active depots whose last inspection is older than the settings' window (or which
    were never inspected): the same rule as the readiness component."""
    days = ctx.settings.depot_inspection_days
    query = (
        select(Inspection.depot_id, func.max(Inspection.inspected_on))
        .where(Inspection.depot_id.is_not(None))
        .group_by(Inspection.depot_id)
    )
    if (ids := _depot_ids(ctx)) is not None:
        query = query.where(Inspection.depot_id.in_(ids))
    last = dict(ctx.session.execute(query).all())
    alerts = []
    for depot in ctx.depots:
        last_on = last.get(depot.id)
        due = None if last_on is None else last_on + timedelta(days=days)
        if last_on is not None and not deadlines.is_overdue(due, ctx.today):
            continue
        detail = (
            {"variant": "depot_never", "days": days}
            if last_on is None
            else {"variant": "depot", "days": days, "last": last_on}
        )
        alerts.append(_depot_alert(ctx, depot, "inspection_due", OVERDUE, detail, due))
    return alerts


def _rectifications(ctx: _Context) -> list[Alert]:
    """Open rectifications past their deadline (overdue) or reaching it within
    ``RECTIFICATION_DUE_SOON_DAYS`` (due); a deadline of today is due, not overdue."""
    horizon = ctx.today + timedelta(days=RECTIFICATION_DUE_SOON_DAYS)
    rows = ctx.session.execute(
        select(
            Rectification.id,
            Rectification.locality_id,
            Locality.name,
            Rectification.deadline,
            Rectification.risk_level,
            Rectification.description,
            Rectification.responsible_person,
            func.coalesce(Checkpoint.name, Depot.name, Team.name),
        )
        .join(Locality, Locality.id == Rectification.locality_id)
        .outerjoin(Checkpoint, Checkpoint.id == Rectification.checkpoint_id)
        .outerjoin(Depot, Depot.id == Rectification.depot_id)
        .outerjoin(Team, Team.id == Rectification.team_id)
        .where(
            Rectification.status != S.CLOSED,
            Rectification.deadline <= horizon,
            ctx.in_scope(Rectification),
        )
    )
    alerts = []
    for rect_id, locality_id, locality, deadline, risk, description, person, target in rows:
        overdue = deadlines.is_overdue(deadline, ctx.today)
        variant = "today" if deadline == ctx.today else None
        alerts.append(
            Alert(
                kind="rectification_overdue" if overdue else "rectification_due",
                severity=OVERDUE if overdue else DUE,
                locality_id=locality_id,
                locality=locality,
                subject=target or description,
                detail={
                    **({"variant": variant} if variant else {}),
                    "id": rect_id,
                    "days": abs((ctx.today - deadline).days),
                    "risk": RiskLevel(risk).value,
                    "description": description,
                    "responsible": person or "—",
                },
                due=deadline,
                link=RECTIFICATIONS_PAGE,
            )
        )
    return alerts


def _plans(ctx: _Context) -> list[Alert]:
    """Filing, evaluation and drill clocks that have run out (overdue) or run out within
    ``PLAN_DUE_SOON_DAYS`` (due). "Due soon" is the deadlines module's own overdue test
    asked as of the horizon's next day, so which plans owe what stays its decision."""
    ahead = ctx.today + timedelta(days=PLAN_DUE_SOON_DAYS + 1)
    alerts = []
    for row in plan_register(ctx.session, ctx.actor, today=ctx.today):
        if not ctx.covers(row["locality_id"]):
            continue
        soon = deadlines.plan_dates(
            status=row["status"],
            issued_on=row["issued_on"],
            filed_on=row["filed_on"],
            last_evaluated_on=row["last_evaluated_on"],
            last_drill_on=row["last_drill_on"],
            crowded_venue=row["crowded_venue"],
            today=ahead,
        )
        for clock in PLAN_CLOCKS:
            overdue, due = clock_state(row, clock)
            if due is None or not (overdue or getattr(soon, f"{clock}_overdue")):
                continue  # a clock with no due date cannot run out
            variant = "overdue" if overdue else "today" if due == ctx.today else "due"
            alerts.append(
                Alert(
                    kind=f"plan_{clock}",
                    severity=OVERDUE if overdue else DUE,
                    locality_id=row["locality_id"],
                    locality=row["locality"],
                    subject=row["title"],
                    detail={
                        "variant": variant,
                        "days": abs((ctx.today - due).days),
                        "owner": row["owner_person"] or row["department"] or "—",
                        "provisional": clock == "filing" and row["provisional"],
                    },
                    due=due,
                    link=PLANS_PAGE,
                )
            )
    return alerts


def _unconfirmed(ctx: _Context) -> list[Alert]:
    """Depots and teams not confirmed (零报告, edit or stock movement) within the settings'
    window, by the readiness rule: confirmed on the window's first day still counts."""
    days = ctx.settings.freshness_days
    since = datetime.combine(ctx.today - timedelta(days=days), time.min)
    confirmed = readiness.last_confirmed(ctx.session, ctx.depots, ctx.teams)
    alerts = []
    for kind, records in (("depot", ctx.depots), ("team", ctx.teams)):
        for record in records:
            stamp = confirmed[kind, record.id]
            if stamp is not None and stamp >= since:
                continue
            last = None if stamp is None else stamp.date()
            detail = (
                {"variant": f"{kind}_never", "days": days}
                if last is None
                else {"variant": kind, "days": (ctx.today - last).days, "last": last}
            )
            alerts.append(
                Alert(
                    kind="record_unconfirmed",
                    severity=WARNING,
                    locality_id=record.locality_id,
                    locality=ctx.names.get(record.locality_id),
                    subject=record.name,
                    detail=detail,
                    due=None if last is None else last + timedelta(days=days),
                    link=f"{kind[0]}{record.id}",
                )
            )
    return alerts


def _reinspections(ctx: _Context) -> list[Alert]:
    """Checkpoints an after-action review found failed, until inspected on or after the
    review's day (``fieldwork.reinspection``): due, with a link to the checkpoint."""
    flags = flagged(ctx.session, ctx.scope)
    ids = sorted({f.event_id for f in flags.values()})
    titles = dict(ctx.session.execute(select(Event.id, Event.title).where(Event.id.in_(ids))).all())
    return [
        Alert(
            kind="checkpoint_reinspect",
            severity=DUE,
            locality_id=flag.locality_id,
            locality=ctx.names.get(flag.locality_id),
            subject=flag.name,
            detail={"event": titles.get(flag.event_id, "—"), "reviewed": flag.reviewed_on},
            link=f"c{flag.checkpoint_id}",
        )
        for flag in flags.values()
    ]


def _replenishment(ctx: _Context) -> list[Alert]:
    """Active depots with replenishment lines (补库清单) not yet filled nor waived."""
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for line in fillings(ctx.session, depot_ids=_depot_ids(ctx), open_only=True):
        tally[line.depot_id][0] += 1
        tally[line.depot_id][1] += line.outstanding
    return [
        Alert(
            kind="replenishment_open",
            severity=WARNING,
            locality_id=depot.locality_id,
            locality=ctx.names.get(depot.locality_id),
            subject=depot.name,
            detail={"lines": tally[depot.id][0], "outstanding": tally[depot.id][1]},
            link=REPLENISHMENT_PAGE,
        )
        for depot in ctx.depots
        if depot.id in tally
    ]


def _disaster_report_alert(
    ctx: _Context, event: Event, locality_id: int, kind: str, owed: list[deadlines.ReportDue]
) -> Alert:
    first = min(owed, key=lambda d: d.due_at)
    return Alert(
        kind=kind,
        severity=OVERDUE if kind == "disaster_report_overdue" else DUE,
        locality_id=locality_id,
        locality=ctx.names.get(locality_id),
        subject=event.title,
        detail={
            "variant": first.stage.value,
            "count": len(owed),
            "time": local(first.due_at).strftime("%m-%d %H:%M"),
        },
        due=deadlines.china_day(first.due_at),
        link=DISASTER_REPORTS_PAGE if ctx.actor.can(Action.REPORT_DISASTER) else EVENTS_PAGE,
    )


def _reports_still_owed(ctx: _Context) -> ColumnElement[bool]:
    """A closed event can still owe reports only if a town reported in it (a closed event
    takes no new 初报, so a town that never reported owes nothing) and some affected town of
    the actor's has no accepted 核报 yet (after it, nothing more is filed): this keeps the
    long-finished events out of every inbox run."""
    final_accepted = (
        select(DisasterReport.id)
        .where(
            DisasterReport.event_id == EventLocality.event_id,
            DisasterReport.locality_id == EventLocality.locality_id,
            DisasterReport.stage == ReportStage.FINAL,
            DisasterReport.state == ReportState.ACCEPTED,
        )
        .exists()
    )
    town_unfinished = (
        select(EventLocality.locality_id)
        .where(EventLocality.event_id == Event.id, ctx.in_scope(EventLocality), ~final_accepted)
        .exists()
    )
    reported = select(DisasterReport.id).where(DisasterReport.event_id == Event.id).exists()
    return and_(reported, town_unfinished)


def _disaster_reports(ctx: _Context) -> list[Alert]:
    """Per event, affected town and stage, the disaster reports the reporting clock says are
    owed (``deadlines.reports_due``): returned by the office, overdue, or falling due (the
    初报 within its hours, today's 续报 before its time, the 核报 within its working days)."""
    if ctx.now is None:
        return []
    events = ctx.session.scalars(
        select(Event)
        .options(selectinload(Event.localities))
        .where(or_(Event.state == EventState.OPEN, _reports_still_owed(ctx)))
        .order_by(Event.id)
    ).all()
    filed: dict[tuple[int, int], list[deadlines.FiledReport]] = defaultdict(list)
    if events:
        rows = ctx.session.execute(
            select(
                DisasterReport.event_id,
                DisasterReport.locality_id,
                DisasterReport.stage,
                DisasterReport.state,
                DisasterReport.figures_to,
            )
            .where(DisasterReport.event_id.in_([e.id for e in events]))
            .order_by(DisasterReport.id)
        )
        for event_id, locality_id, stage, state, figures_to in rows:
            filed[event_id, locality_id].append(deadlines.FiledReport(stage, state, figures_to))
    alerts = []
    for event in events:
        for town in sorted(loc.id for loc in event.localities if ctx.covers(loc.id)):
            owed = deadlines.reports_due(
                opened_at=event.opened_at, stable_at=event.stable_at, closed_at=event.closed_at,
                filed=filed[event.id, town], now=ctx.now, settings=ctx.settings,
            )  # fmt: skip
            grouped: dict[tuple[str, ReportStage], list[deadlines.ReportDue]] = defaultdict(list)
            for item in owed:
                kind = "returned" if item.returned else "overdue" if item.overdue else "due"
                grouped[f"disaster_report_{kind}", item.stage].append(item)
            for (kind, _), items in grouped.items():
                alerts.append(_disaster_report_alert(ctx, event, town, kind, items))
    return alerts


def alerts_for(
    session: Session,
    actor: Actor,
    *,
    today: date,
    settings: Settings,
    now: datetime | None = None,
) -> list[Alert]:
    """Everything the actor should act on as of ``today``, most urgent first; the disaster
    reports owed by the reporting clock only when ``now`` is given."""
    scope = None if actor.sees_every_locality else frozenset(actor.locality_ids)
    names = dict(session.execute(select(Locality.id, Locality.name)).all())
    ctx = _Context(session, actor, today, settings, scope, names, [], [], now)
    ctx.depots = _active(ctx, Depot)
    ctx.teams = _active(ctx, Team)
    found = [
        *_stock(ctx),
        *_lots(ctx),
        *_campaign_targets(ctx),
        *_depot_inspections(ctx),
        *_rectifications(ctx),
        *_plans(ctx),
        *_unconfirmed(ctx),
        *_reinspections(ctx),
        *_replenishment(ctx),
        *_disaster_reports(ctx),
    ]
    return sorted(found, key=Alert.sort_key)
