"""The demo district: sizes, spread of states, placement, ledger invariants and determinism."""

import json
from datetime import date, timedelta

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import func, select

from registry import demo
from registry.accounts.users import authenticate
from registry.kernel.db import make_engine, make_session_factory, migrate, transaction
from registry.kernel.enums import (
    BroadcastLevel,
    CheckpointType,
    EventState,
    PlanStatus,
    RectificationStatus,
    ReportStage,
    ReportState,
    ReviewSubject,
    ReviewVerdict,
    Role,
    TerminalStatus,
)
from registry.kernel.models import (
    AuditEvent,
    BroadcastTerminal,
    Checkpoint,
    Depot,
    DisasterReport,
    Event,
    EventReview,
    Locality,
    Plan,
    Quota,
    Rectification,
    ReplenishmentLine,
    StockLot,
    StockMovement,
)
from registry.kernel.permissions import SYSTEM
from registry.kernel.settings import Settings

TODAY = date(2026, 6, 15)
TOLERANCE_DEG = 1e-6


def _seeded(path):
    """A fresh migrated SQLite file with the demo district; returns (factory, counts)."""
    url = f"sqlite:///{path}"
    migrate(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        counts = demo.seed_demo(session, SYSTEM, today=TODAY)
    return factory, counts


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    return _seeded(tmp_path_factory.mktemp("demo") / "demo.db")


@pytest.fixture
def session(seeded):
    factory, _ = seeded
    with factory() as session:
        yield session


def test_counts_are_in_the_required_ranges(seeded):
    _, counts = seeded
    assert counts["localities"] == 19
    assert counts["depots"] >= 21
    assert 40 <= counts["teams"] <= 80
    assert 1_400 <= counts["checkpoints"] <= 1_600
    assert counts["users"] == len(demo.DEMO_USERS)
    for name in (
        "team_members",
        "stock_lots",
        "stock_movements",
        "inspections",
        "rectifications",
        "rectification_steps",
        "plans",
        "plan_revisions",
        "drills",
    ):
        assert counts[name] > 0, name


def test_every_checkpoint_type_plan_and_rectification_status_is_present(session):
    assert set(session.scalars(select(Checkpoint.type).distinct())) == set(CheckpointType)
    assert set(session.scalars(select(Plan.status).distinct())) == set(PlanStatus)
    assert set(session.scalars(select(Rectification.status).distinct())) == set(RectificationStatus)


def test_some_rectifications_are_overdue(session):
    overdue = session.scalar(
        select(func.count()).where(
            Rectification.status != RectificationStatus.CLOSED, Rectification.deadline < TODAY
        )
    )
    assert overdue > 0


def test_rectification_deadlines_follow_the_risk_settings(session):
    settings = Settings()
    for rect in session.scalars(select(Rectification)):
        days = getattr(settings, f"rectification_days_{rect.risk_level.value}")
        assert rect.deadline == rect.found_on + timedelta(days=days)


def test_some_lots_are_expired_and_some_expiring(session):
    expired = session.scalar(select(func.count()).where(StockLot.expiry_date < TODAY))
    expiring = session.scalar(
        select(func.count()).where(
            StockLot.expiry_date >= TODAY, StockLot.expiry_date <= TODAY + timedelta(days=90)
        )
    )
    assert expired > 0
    assert expiring > 0


def test_some_depot_items_are_below_quota(session):
    held = (
        select(StockLot.depot_id, StockLot.item_id, func.sum(StockLot.quantity).label("total"))
        .group_by(StockLot.depot_id, StockLot.item_id)
        .subquery()
    )
    below = session.scalar(
        select(func.count())
        .select_from(held)
        .join(Depot, Depot.id == held.c.depot_id)
        .join(Quota, (Quota.item_id == held.c.item_id) & (Quota.depot_level == Depot.level))
        .where(held.c.total < Quota.minimum)
    )
    assert below > 0


def test_every_demo_row_is_flagged(session):
    for model in demo.DEMO_TABLES.values():
        flagged = session.scalar(select(func.count()).select_from(model).where(model.is_demo))
        total = session.scalar(select(func.count()).select_from(model))
        assert flagged == total > 0, model.__name__


def test_depots_and_checkpoints_lie_inside_their_locality(session):
    cells = {
        loc.id: shape(json.loads(loc.boundary_geojson)).buffer(TOLERANCE_DEG)
        for loc in session.scalars(select(Locality))
    }
    for model in (Depot, Checkpoint, BroadcastTerminal):
        for record in session.scalars(select(model)):
            assert cells[record.locality_id].contains(Point(record.lon, record.lat)), record.name


def test_every_locality_has_a_broadcast_platform_and_village_terminals(session):
    terminals = session.scalars(select(BroadcastTerminal)).all()
    for locality_id in session.scalars(select(Locality.id)):
        mine = [t for t in terminals if t.locality_id == locality_id]
        assert [t.level for t in mine].count(BroadcastLevel.TOWN) == 1
        assert 2 <= len(mine) - 1 <= 4
    assert any(t.status is not TerminalStatus.ONLINE for t in terminals)  # one to refuse


def test_population_adds_up_to_the_census(session):
    localities = list(session.scalars(select(Locality)))
    assert abs(sum(loc.population for loc in localities) - demo.CENSUS_TOTAL) <= 2_000
    for loc in localities:
        assert loc.population_is_estimate
        assert 2.4 <= loc.population / loc.households <= 2.8
        assert loc.responsible_officer and loc.officer_phone


def test_each_lot_equals_its_ledger_and_none_is_negative(session):
    ledger = dict(
        session.execute(
            select(StockMovement.lot_id, func.sum(StockMovement.quantity)).group_by(
                StockMovement.lot_id
            )
        ).all()
    )
    lots = list(session.scalars(select(StockLot)))
    assert lots
    for lot in lots:
        assert lot.quantity >= 0
        assert lot.quantity == ledger[lot.id], lot.batch
    kinds = set(session.scalars(select(StockMovement.kind).distinct()))
    assert {k.value for k in kinds} == {"receive", "issue", "transfer_out", "transfer_in", "adjust"}


def test_demo_users_log_in_with_the_demo_password(seeded, session):
    factory, _ = seeded
    actor = authenticate(factory, "banpu", demo.DEMO_PASSWORD, Settings()).actor
    banpu = session.scalar(select(Locality).where(Locality.name == "板浦镇"))
    assert actor.role is Role.TOWN
    assert actor.locality_ids == {banpu.id}


def test_the_seed_is_audited(session):
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "demo-seeded"))
    assert json.loads(event.after)["checkpoints"] == session.scalar(
        select(func.count()).select_from(Checkpoint)
    )


def _fingerprint(factory):
    with factory() as session:
        depots = sorted(session.execute(select(Depot.name, Depot.lon, Depot.lat)).all())
        checkpoints = sorted(
            session.execute(
                select(Checkpoint.name, Checkpoint.type, Checkpoint.lon, Checkpoint.lat)
            ).all()
        )
        lots = sorted(
            session.execute(
                select(
                    Depot.name,
                    StockLot.item_id,
                    StockLot.batch,
                    StockLot.quantity,
                    StockLot.expiry_date,
                ).join(Depot)
            ).all()
        )
    return depots, checkpoints, lots


def test_same_today_and_seed_give_identical_data(seeded, tmp_path):
    factory, _ = seeded
    again, _ = _seeded(tmp_path / "again.db")
    assert _fingerprint(again) == _fingerprint(factory)


def test_the_closed_event_carries_a_full_report_series_a_review_and_a_replenishment(session):
    """Issue 16's demo: each street of the closed event files 初报, two 续报 (one a 零报告) and
    a 核报, all accepted, one 初报 returned on the way; the review names a failed plan and a
    failed checkpoint; the replenishment list is partly refilled."""
    closed = session.scalar(select(Event).where(Event.state == EventState.CLOSED))
    reports = session.scalars(
        select(DisasterReport).where(DisasterReport.event_id == closed.id)
    ).all()
    towns = {loc.id for loc in closed.localities}
    assert {r.locality_id for r in reports} == towns
    for town in towns:
        kept = [r for r in reports if r.locality_id == town and r.state is ReportState.ACCEPTED]
        stages = sorted((r.stage.value, r.sequence) for r in kept)
        assert stages == [("final", 1), ("initial", 1), ("update", 1), ("update", 2)]
    assert sum(r.state is ReportState.RETURNED for r in reports) == 1
    assert sum(r.is_zero for r in reports) == 1
    assert closed.stable_at is not None and closed.stable_at < closed.closed_at
    review = session.scalar(select(EventReview).where(EventReview.event_id == closed.id))
    verdicts = {(f.subject, f.verdict) for f in review.findings}
    assert (ReviewSubject.PLAN, ReviewVerdict.FAILED) in verdicts
    assert (ReviewSubject.CHECKPOINT, ReviewVerdict.FAILED) in verdicts
    lines = session.scalars(
        select(ReplenishmentLine).where(ReplenishmentLine.event_id == closed.id)
    ).all()
    assert any(line.suggested > 0 for line in lines)
    refills = session.scalar(
        select(func.count()).select_from(StockLot).where(StockLot.batch.like("补库-%"))
    )
    assert 0 < refills <= len(lines)


def test_the_live_event_has_a_first_report_waiting_for_the_office(session):
    live = session.scalar(select(Event).where(Event.state == EventState.OPEN))
    waiting = session.scalars(
        select(DisasterReport).where(DisasterReport.event_id == live.id)
    ).all()
    assert [(r.stage, r.state) for r in waiting] == [(ReportStage.INITIAL, ReportState.SUBMITTED)]
