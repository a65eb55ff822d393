"""Readiness per locality (README, Readiness): named components, each a share from 0 to 1 with the
figures behind it and the people who must act, combined into a score and a colour.

Weights, thresholds and tolerances are settings. A component that does not apply to a
locality (no campaign covers it, no depot to inspect) is left out of its weighted mean rather
than counted as a failure; a locality with no depot, team or plan at all scores 0 on that
component, as the village "六个一" (one plan, one team, one supplies point, …) expects.

An unreplenished depot counts as short until refilled: every open line of a replenishment
list (补库清单, ``readiness.refill``: neither filled by receipts since the listing nor waived)
makes its depot's quota line for that item count as not met, whatever the stock, and an open
line for an item without a quota adds a line not met. Filling or waiving the line restores
the component.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from registry.fieldwork import campaigns
from registry.kernel import deadlines
from registry.kernel.enums import RecordStatus, RiskLevel
from registry.kernel.enums import RectificationStatus as S
from registry.kernel.models import (
    Depot,
    Drill,
    Inspection,
    Locality,
    Plan,
    Rectification,
    StockMovement,
    Team,
    TeamMember,
)
from registry.kernel.settings import Settings
from registry.readiness.refill import fillings
from registry.records.stockview import quota_lines, usable_stock

COMPONENTS = (
    "stock",
    "teams",
    "campaign",
    "rectifications",
    "plans",
    "depot_inspections",
    "freshness",
)
COLOURS = ("green", "amber", "red")
TRAINING_CURRENCY_DAYS = 365
Active = TypeVar("Active", Depot, Team)
WORST_SHOWN = 3
WHO_SHOWN = 5


@dataclass
class Component:
    """One component of one locality: its share (None = does not apply), the figures that
    explain it, and who must act on it."""

    score: float | None
    figures: dict[str, Any] = field(default_factory=dict)
    who: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LocalityReadiness:
    locality_id: int
    name: str
    responsible: str | None
    score: float  # 0–100
    colour: str
    components: dict[str, Component]

    @property
    def worst(self) -> list[str]:
        """The components pulling the score down most, worst first (only those below 1)."""
        scored = [(c.score, k) for k, c in self.components.items() if c.score is not None]
        return [k for s, k in sorted(scored) if s < 1][:WORST_SHOWN]


def weights(settings: Settings) -> dict[str, float]:
    """``stock:20,teams:15,…`` → {component: weight}; unknown names are refused."""
    result = {}
    for part in settings.readiness_weights.split(","):
        name, _, value = part.partition(":")
        name = name.strip()
        if name not in COMPONENTS:
            raise ValueError(f"readiness_weights: unknown component {name!r}")
        result[name] = float(value)
    return result


def colour(score: float, settings: Settings) -> str:
    """Green from the green threshold up, amber from the amber threshold, else red."""
    if score >= settings.readiness_green:
        return "green"
    return "amber" if score >= settings.readiness_amber else "red"


def combine(components: dict[str, Component], settings: Settings) -> float:
    """The weighted mean of the components that apply, as 0–100."""
    weight = weights(settings)
    applicable = [(weight.get(k, 0), c.score) for k, c in components.items() if c.score is not None]
    total = sum(w for w, _ in applicable)
    return 100 * sum(w * s for w, s in applicable) / total if total else 0.0


def _names(values: Any, limit: int = WHO_SHOWN) -> list[str]:
    return sorted({v for v in values if v})[:limit]


def _active(model: type[Active]) -> Select[Active]:
    return select(model).where(model.status == RecordStatus.ACTIVE)


def _stock(session: Session, today: date, depots: list[Depot]) -> dict[int, Component]:
    """Quota lines (depot × item) whose unexpired stock reaches the minimum and that no open
    replenishment line holds short; open lines of items without a quota count as unmet."""
    by_id = {d.id: d for d in depots}
    stock = usable_stock(session, today, list(by_id))
    quotas = quota_lines(session, list(by_id))
    unfilled = {(f.depot_id, f.item_id) for f in fillings(session, open_only=True)}
    tally: dict[int, list[Any]] = defaultdict(lambda: [0, 0, set(), 0])
    for key in [*quotas, *sorted(unfilled - set(quotas))]:
        depot = by_id.get(key[0])
        if depot is None:  # a retired depot's list
            continue
        entry = tally[depot.locality_id]
        entry[1] += 1
        entry[3] += key in unfilled
        if key in quotas and key not in unfilled and stock.get(key, 0) >= quotas[key][0]:
            entry[0] += 1
        else:
            entry[2].add(f"{depot.name}（{depot.manager or '—'}）")
    return {
        loc: Component(
            met / lines if lines else None,
            {"met": met, "lines": lines, **({"unreplenished": short} if short else {})},
            _names(who),
        )
        for loc, (met, lines, who, short) in tally.items()
    }


def _teams(session: Session, today: date, teams: list[Team]) -> dict[int, Component]:
    """Half strength against target headcount, half members trained in the last 12 months."""
    cutoff = today - timedelta(days=TRAINING_CURRENCY_DAYS)
    counts = dict(
        session.execute(
            select(
                TeamMember.team_id,
                func.count(),
            ).group_by(TeamMember.team_id)
        ).all()
    )
    trained = dict(
        session.execute(
            select(TeamMember.team_id, func.count())
            .where(TeamMember.last_training_on >= cutoff)
            .group_by(TeamMember.team_id)
        ).all()
    )
    tally: dict[int, list[Any]] = defaultdict(lambda: [0, 0, 0, 0, set()])
    for team in teams:
        entry = tally[team.locality_id]
        members = counts.get(team.id, 0)
        entry[0] += min(members, team.target_headcount)
        entry[1] += team.target_headcount
        entry[2] += trained.get(team.id, 0)
        entry[3] += members
        if members < team.target_headcount or trained.get(team.id, 0) < members:
            entry[4].add(f"{team.name}（{team.leader or '—'}）")
    result = {}
    for loc, (have, want, current, members, who) in tally.items():
        strength = have / want if want else 1.0
        training = current / members if members else 0.0
        result[loc] = Component(
            (strength + training) / 2,
            {"members": have, "target": want, "trained": current, "on_roll": members},
            _names(who),
        )
    return result


def current_campaign(session: Session, today: date) -> dict[str, Any] | None:
    """The running campaign that started last, else the one that ended last."""
    listed = campaigns.list_campaigns(session, today)
    running = [c for c in listed if c["phase"] == "running"]
    ended = [c for c in listed if c["phase"] == "ended"]
    if running:
        return running[0]
    return max(ended, key=lambda c: c["ends_on"], default=None)


def campaign_pace(campaign: dict[str, Any], today: date) -> float:
    """The share of a campaign's window gone by: a running campaign is judged against the
    pace it should have reached, not against the whole job."""
    total: int = (campaign["ends_on"] - campaign["starts_on"]).days + 1
    elapsed: int = (min(today, campaign["ends_on"]) - campaign["starts_on"]).days + 1
    return min(1.0, max(elapsed, 1) / total)


def _campaign(session: Session, today: date) -> tuple[dict[str, Any] | None, dict[int, Component]]:
    campaign = current_campaign(session, today)
    if campaign is None:
        return None, {}
    pace = campaign_pace(campaign, today)
    rows = campaigns.coverage(session, campaign["id"])["localities"]
    return campaign, {
        row["locality_id"]: Component(
            min(1.0, row["share"] / pace),
            {
                "campaign": campaign["name"],
                "inspected": row["inspected"],
                "targets": row["targets"],
                "expected_share": round(pace, 3),
            },
        )
        for row in rows
    }


def _rectifications(session: Session, today: date, settings: Settings) -> dict[int, Component]:
    """Overdue open rectifications, major and significant ones weighing more; the component
    reaches 0 at the tolerance."""
    weight = {
        RiskLevel.MAJOR: settings.readiness_major_weight,
        RiskLevel.SIGNIFICANT: settings.readiness_significant_weight,
    }
    tally: dict[int, list[Any]] = defaultdict(lambda: [0, 0.0, 0, set()])
    rows = session.execute(
        select(
            Rectification.locality_id,
            Rectification.risk_level,
            Rectification.responsible_person,
        ).where(Rectification.status != S.CLOSED, Rectification.deadline < today)
    )
    for locality_id, risk, person in rows:
        entry = tally[locality_id]
        entry[0] += 1
        entry[1] += weight.get(risk, 1)
        entry[2] += risk is RiskLevel.MAJOR
        entry[3].add(person)
    return {
        loc: Component(
            max(0.0, 1 - points / settings.readiness_overdue_tolerance),
            {"overdue": count, "major": major, "points": points},
            _names(who),
        )
        for loc, (count, points, major, who) in tally.items()
    }


def _plans(session: Session, today: date) -> dict[int, Component]:
    """Of each live plan's three obligations (filing, evaluation, drill), the share met."""
    last_drill = dict(
        session.execute(
            select(Drill.plan_id, func.max(Drill.held_on))
            .where(Drill.plan_id.is_not(None))
            .group_by(Drill.plan_id)
        ).all()
    )
    tally: dict[int, list[Any]] = defaultdict(lambda: [0, 0, 0, set()])
    live = select(Plan).where(
        Plan.locality_id.is_not(None), Plan.status.in_(deadlines.LIVE_PLAN_STATUSES)
    )
    for plan in session.scalars(live):
        dates = deadlines.plan_dates(
            status=plan.status,
            issued_on=plan.issued_on,
            filed_on=plan.filed_on,
            last_evaluated_on=plan.last_evaluated_on,
            last_drill_on=last_drill.get(plan.id),
            crowded_venue=plan.crowded_venue,
            today=today,
        )
        if plan.locality_id is None:  # the query keeps located plans only
            continue
        entry = tally[plan.locality_id]
        late = dates.filing_overdue + dates.evaluation_overdue + dates.drill_overdue
        entry[0] += 3 - late
        entry[1] += 3
        entry[2] += 1
        if late:
            entry[3].add(f"{plan.title}（{plan.owner_person or '—'}）")
    return {
        loc: Component(met / due, {"met": met, "obligations": due, "plans": plans}, _names(who))
        for loc, (met, due, plans, who) in tally.items()
    }


def _depot_inspections(
    session: Session, today: date, depots: list[Depot], settings: Settings
) -> dict[int, Component]:
    """Active depots inspected within the settings' window."""
    since = today - timedelta(days=settings.depot_inspection_days)
    seen = set(
        session.scalars(
            select(Inspection.depot_id).where(
                Inspection.depot_id.is_not(None), Inspection.inspected_on >= since
            )
        )
    )
    tally: dict[int, list[Any]] = defaultdict(lambda: [0, 0, set()])
    for depot in depots:
        entry = tally[depot.locality_id]
        entry[1] += 1
        if depot.id in seen:
            entry[0] += 1
        else:
            entry[2].add(f"{depot.name}（{depot.manager or '—'}）")
    return {
        loc: Component(done / total, {"inspected": done, "depots": total}, _names(who))
        for loc, (done, total, who) in tally.items()
    }


def last_confirmed(
    session: Session, depots: list[Depot], teams: list[Team]
) -> dict[tuple[str, int], datetime | None]:
    """When each depot and team was last known to be right: its 零报告 or last edit (both
    stamp ``last_confirmed_at``) or, for a depot, its last stock movement."""
    moved = dict(
        session.execute(
            select(StockMovement.depot_id, func.max(StockMovement.at)).group_by(
                StockMovement.depot_id
            )
        ).all()
    )
    result = {}
    for depot in depots:
        stamps = [s for s in (depot.last_confirmed_at, moved.get(depot.id)) if s]
        result["depot", depot.id] = max(stamps, default=None)
    for team in teams:
        result["team", team.id] = team.last_confirmed_at
    return result


def _freshness(
    session: Session, today: date, depots: list[Depot], teams: list[Team], settings: Settings
) -> dict[int, Component]:
    """Depots and teams confirmed within the settings' window."""
    since = datetime.combine(today - timedelta(days=settings.freshness_days), time.min)
    confirmed = last_confirmed(session, depots, teams)
    tally: dict[int, list[Any]] = defaultdict(lambda: [0, 0, set()])
    for kind, records in (("depot", depots), ("team", teams)):
        for record in records:
            entry = tally[record.locality_id]
            entry[1] += 1
            stamp = confirmed[kind, record.id]
            if stamp is not None and stamp >= since:
                entry[0] += 1
            else:
                entry[2].add(record.name)
    return {
        loc: Component(fresh / total, {"fresh": fresh, "records": total}, _names(who))
        for loc, (fresh, total, who) in tally.items()
    }


@dataclass(frozen=True)
class Scorecard:
    """Every locality's readiness and the district roll-up, as of one day."""

    as_of: date
    localities: list[LocalityReadiness]
    district_score: float
    district_colour: str
    campaign: dict[str, Any] | None

    def ranked(self) -> list[LocalityReadiness]:
        """镇街排名: best first."""
        return sorted(self.localities, key=lambda r: (-r.score, r.name))


def scorecard(session: Session, today: date, settings: Settings) -> Scorecard:
    """Readiness of every locality as of ``today``."""
    depots = list(session.scalars(_active(Depot)))
    teams = list(session.scalars(_active(Team)))
    campaign, campaign_parts = _campaign(session, today)
    parts = {
        "stock": _stock(session, today, depots),
        "teams": _teams(session, today, teams),
        "campaign": campaign_parts,
        "rectifications": _rectifications(session, today, settings),
        "plans": _plans(session, today),
        "depot_inspections": _depot_inspections(session, today, depots, settings),
        "freshness": _freshness(session, today, depots, teams, settings),
    }
    missing = {  # absent means a failure for these, not "does not apply"
        "stock": Component(0.0, {"met": 0, "lines": 0}),
        "teams": Component(0.0, {"members": 0, "target": 0, "trained": 0, "on_roll": 0}),
        "rectifications": Component(1.0, {"overdue": 0, "major": 0, "points": 0}),
        "plans": Component(0.0, {"met": 0, "obligations": 0, "plans": 0}),
    }
    result = []
    localities = session.execute(
        select(Locality.id, Locality.name, Locality.responsible_officer).order_by(Locality.mca_code)
    )
    for locality_id, name, officer in localities:
        components = {
            key: parts[key].get(locality_id) or missing.get(key) or Component(None)
            for key in COMPONENTS
        }
        score = combine(components, settings)
        result.append(
            LocalityReadiness(
                locality_id, name, officer, score, colour(score, settings), components
            )
        )
    district = sum(r.score for r in result) / len(result) if result else 0.0
    return Scorecard(today, result, district, colour(district, settings), campaign)
