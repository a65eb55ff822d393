"""The readiness scorecard on hand-built fixtures, component by component, the weighting,
the colour boundaries, and snapshots that freeze it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from registry.kernel import db
from registry.kernel.enums import (
    InspectionResult,
    InspectionTarget,
    PlanClass,
    PlanStatus,
    RiskLevel,
)
from registry.kernel.enums import RectificationStatus as S
from registry.kernel.errors import PermissionDenied
from registry.kernel.models import (
    Campaign,
    Depot,
    Inspection,
    Item,
    Plan,
    Quota,
    Rectification,
    Team,
    TeamMember,
)
from registry.kernel.settings import Settings
from registry.readiness import scorecard as readiness
from registry.readiness import snapshots
from registry.records.commands import create_team
from registry.records.stock import receive
from tests.conftest import TODAY
from tests.helpers import BANPU_POINT, XINPU_POINT, depot, locality

SETTINGS = Settings()


def card_for(factory, name="新浦街道", settings=SETTINGS, today=TODAY):
    with factory() as session:
        card = readiness.scorecard(session, today, settings)
        return next(r for r in card.localities if r.name == name), card


@pytest.fixture
def xinpu(factory, actors):
    with factory() as session:
        return locality(session, "新浦街道").id


def test_a_locality_with_nothing_scores_zero_where_六个一_expects_something(factory, xinpu):
    row, _ = card_for(factory)
    c = row.components
    assert c["stock"].score == 0 and c["teams"].score == 0 and c["plans"].score == 0
    assert c["rectifications"].score == 1  # nothing overdue
    assert c["campaign"].score is None and c["depot_inspections"].score is None
    assert c["freshness"].score is None
    # weighted mean over the components that apply: only rectifications scores
    w = readiness.weights(SETTINGS)
    expected = (
        100 * w["rectifications"] / (w["stock"] + w["teams"] + w["plans"] + w["rectifications"])
    )
    assert row.score == pytest.approx(expected)
    assert row.colour == "red"


def test_stock_counts_quota_lines_met_by_unexpired_stock(factory, actors, xinpu):
    office = actors["office"]
    with db.transaction(factory) as session:
        store = depot(session, office)
        items = session.scalars(select(Item).order_by(Item.code).limit(2)).all()
        session.execute(Quota.__table__.delete())
        for item in items:
            session.add(Quota(depot_level="town", item_id=item.id, minimum=10, maximum=100))
        session.flush()
        receive(session, office, store.id, items[0].id, 10, batch="B1", reason="采购入库",
                today=TODAY)  # fmt: skip
        expired = TODAY - timedelta(days=1)
        receive(session, office, store.id, items[1].id, 50, batch="B2", reason="采购入库",
                today=TODAY - timedelta(days=30), expiry_date=expired)  # fmt: skip
    row, _ = card_for(factory)
    stock = row.components["stock"]
    assert stock.figures == {"met": 1, "lines": 2}
    assert stock.score == 0.5
    assert stock.who == ["测试镇街库（王明）"]


def test_teams_average_strength_and_training_currency(factory, actors, xinpu):
    with db.transaction(factory) as session:
        team = create_team(
            session,
            actors["office"],
            {"name": "新浦应急分队", "kind": "comprehensive", "staffing": "part_time",
             "locality_id": xinpu, "target_headcount": 10, "leader": "赵队长",
             "base_lon": XINPU_POINT[0], "base_lat": XINPU_POINT[1]},
        )  # fmt: skip
        for i, trained in enumerate([0, 30, 400, None, 10]):
            day = None if trained is None else TODAY - timedelta(days=trained)
            session.add(TeamMember(team_id=team.id, name=f"队员{i}", last_training_on=day))
    row, _ = card_for(factory)
    teams = row.components["teams"]
    # 5 of 10 on the roll; 3 of 5 trained within 12 months
    assert teams.figures == {"members": 5, "target": 10, "trained": 3, "on_roll": 5}
    assert teams.score == pytest.approx((0.5 + 0.6) / 2)
    assert teams.who == ["新浦应急分队（赵队长）"]


def _rectification(session, locality_id, risk, deadline, status=S.RECTIFYING, who="李四"):
    session.add(
        Rectification(
            locality_id=locality_id, description="问题", risk_level=risk, status=status,
            found_on=deadline - timedelta(days=7), deadline=deadline, responsible_person=who,
        )
    )  # fmt: skip


def test_overdue_rectifications_weigh_by_risk_and_reach_zero_at_the_tolerance(factory, xinpu):
    yesterday = TODAY - timedelta(days=1)
    with db.transaction(factory) as session:
        _rectification(session, xinpu, RiskLevel.MAJOR, yesterday, who="张重大")
        _rectification(session, xinpu, RiskLevel.GENERAL, yesterday)
        _rectification(session, xinpu, RiskLevel.GENERAL, TODAY)  # due today: not overdue
        _rectification(session, xinpu, RiskLevel.MAJOR, yesterday, status=S.CLOSED)
    row, _ = card_for(factory)
    part = row.components["rectifications"]
    assert part.figures == {"overdue": 2, "major": 1, "points": 4}  # 3 + 1
    assert part.score == pytest.approx(1 - 4 / 6)
    assert part.who == sorted(["张重大", "李四"])
    row, _ = card_for(factory, settings=Settings(readiness_overdue_tolerance=4))
    assert row.components["rectifications"].score == 0


def test_plans_count_filing_evaluation_and_drill_obligations(factory, xinpu):
    issued = TODAY - timedelta(days=400)  # filed? no → filing overdue; drill overdue? no
    with db.transaction(factory) as session:
        session.add(
            Plan(title="新浦街道突发事件应急预案", locality_id=xinpu,
                 plan_class=PlanClass.GRASSROOTS, version_label="2025版", issued_on=issued,
                 status=PlanStatus.CURRENT, owner_person="王主任")
        )  # fmt: skip
        session.add(
            Plan(title="已废止预案", locality_id=xinpu, plan_class=PlanClass.GRASSROOTS,
                 version_label="2019版", issued_on=issued, status=PlanStatus.REPEALED)
        )  # fmt: skip
    row, _ = card_for(factory)
    plans = row.components["plans"]
    assert plans.figures == {"met": 2, "obligations": 3, "plans": 1}
    assert plans.who == ["新浦街道突发事件应急预案（王主任）"]


def test_campaign_coverage_applies_only_where_the_current_campaign_reaches(factory, actors):
    with db.transaction(factory) as session:
        store = depot(session, actors["office"])
        other = depot(session, actors["office"], "板浦库", place="板浦镇", point=BANPU_POINT)
        session.add(
            Campaign(name="当前检查", starts_on=TODAY - timedelta(days=5),
                     ends_on=TODAY + timedelta(days=5), target_kinds="depot",
                     locality_ids=str(store.locality_id))
        )  # fmt: skip
        session.flush()
        campaign_id = session.scalar(select(Campaign.id))
        session.add(
            Inspection(campaign_id=campaign_id, target_kind=InspectionTarget.DEPOT,
                       depot_id=store.id, locality_id=store.locality_id, inspected_on=TODAY,
                       inspector="检查员", result=InspectionResult.PASSED)
        )  # fmt: skip
        del other
    row, card = card_for(factory)
    assert card.campaign["name"] == "当前检查"
    assert row.components["campaign"].score == 1
    assert row.components["depot_inspections"].score == 1
    banpu, _ = card_for(factory, "板浦镇")
    assert banpu.components["campaign"].score is None  # outside the campaign's scope
    assert banpu.components["depot_inspections"].figures == {"inspected": 0, "depots": 1}


def test_freshness_counts_confirmations_within_the_window(factory, actors, xinpu):
    with db.transaction(factory) as session:
        fresh = depot(session, actors["office"], "新库")
        stale = depot(session, actors["office"], "旧库")
        fresh.last_confirmed_at = datetime.combine(TODAY - timedelta(days=29), datetime.min.time())
        stale.last_confirmed_at = datetime.combine(TODAY - timedelta(days=31), datetime.min.time())
    row, _ = card_for(factory)
    assert row.components["freshness"].figures == {"fresh": 1, "records": 2}
    assert row.components["freshness"].who == ["旧库"]


@pytest.mark.parametrize(
    ("score", "colour"),
    [(100, "green"), (80, "green"), (79.99, "amber"), (60, "amber"), (59.99, "red"), (0, "red")],
)
def test_colour_boundaries(score, colour):
    assert readiness.colour(score, SETTINGS) == colour


def test_thresholds_and_weights_are_settings():
    settings = Settings(readiness_green=90, readiness_amber=70, readiness_weights="stock:1,plans:3")
    assert readiness.colour(85, settings) == "amber"
    parts = {
        "stock": readiness.Component(1.0),
        "plans": readiness.Component(0.0),
        "teams": readiness.Component(0.0),  # weight 0: not in the setting
        "campaign": readiness.Component(None),
    }
    assert readiness.combine(parts, settings) == pytest.approx(25.0)
    with pytest.raises(ValueError, match="unknown component"):
        readiness.weights(Settings(readiness_weights="stock:1,morale:2"))


def test_worst_components_come_first_and_skip_perfect_ones():
    row = readiness.LocalityReadiness(
        1, "x", None, 50, "red",
        {"stock": readiness.Component(0.9), "teams": readiness.Component(0.2),
         "plans": readiness.Component(1.0), "campaign": readiness.Component(None),
         "freshness": readiness.Component(0.5)},
    )  # fmt: skip
    assert row.worst == ["teams", "freshness", "stock"]


def test_snapshots_freeze_the_scorecard_and_find_last_week(factory, actors, xinpu):
    with db.transaction(factory) as session:
        _rectification(session, xinpu, RiskLevel.MAJOR, TODAY - timedelta(days=30))
        first = snapshots.take(
            session, actors["office"], today=TODAY - timedelta(days=7), settings=SETTINGS
        )
        second = snapshots.take(session, actors["office"], today=TODAY, settings=SETTINGS)
        assert first.id != second.id
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        snapshots.take(session, actors["leader"], today=TODAY, settings=SETTINGS)
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        snapshots.take(session, actors["town"], today=TODAY, settings=SETTINGS)
    with factory() as session:
        now = snapshots.latest_on_or_before(session, TODAY)
        before = snapshots.week_before(session, now)
        assert now["as_of"] == TODAY.isoformat()
        assert before["as_of"] == (TODAY - timedelta(days=7)).isoformat()
        overdue = now["overdue_rectifications"]
        assert [(r["locality_id"], r["days_overdue"]) for r in overdue] == [(xinpu, 30)]
        iso = TODAY.isocalendar()
        assert snapshots.for_week(session, f"{iso.year}-W{iso.week:02d}")["as_of"] == (
            TODAY.isoformat()
        )
        assert snapshots.for_week(session, "2020-W01") is None
        series = snapshots.series(session)
        assert {row["as_of"] for row in series} == {TODAY, TODAY - timedelta(days=7)}
        district = [row for row in series if row["locality_id"] is None]
        assert len(district) == 2


def test_week_labels_are_checked():
    assert snapshots.week_bounds("2026-W47")[0].isoformat() == "2026-11-16"
    with pytest.raises(ValueError, match="ISO week"):
        snapshots.week_bounds("2026-47")


def test_creating_editing_and_zero_reports_confirm_depots_and_teams(factory, actors, xinpu):
    from registry.records.commands import confirm_team_unchanged, update_depot

    long_ago = datetime(2026, 1, 1)
    with db.transaction(factory) as session:
        store = depot(session, actors["office"])
        team = create_team(
            session, actors["town"],
            {"name": "分队", "kind": "social", "staffing": "volunteer", "locality_id": xinpu},
        )  # fmt: skip
        assert store.last_confirmed_at > long_ago and team.last_confirmed_at > long_ago
        store.last_confirmed_at = team.last_confirmed_at = long_ago
    with db.transaction(factory) as session:
        depot_row = session.get(Depot, store.id)
        update_depot(session, actors["town"], store.id, depot_row.version, {"manager": "新经理"})
        team_row = session.get(Team, team.id)
        confirm_team_unchanged(session, actors["town"], team.id, team_row.version)
    with factory() as session:
        assert session.get(Depot, store.id).last_confirmed_at > long_ago
        assert session.get(Team, team.id).last_confirmed_at > long_ago
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        confirm_team_unchanged(session, actors["leader"], team.id, team_row.version + 1)


def test_a_running_campaign_is_judged_against_its_pace():
    from datetime import date

    campaign = {"starts_on": date(2026, 11, 1), "ends_on": date(2026, 11, 30)}
    assert readiness.campaign_pace(campaign, date(2026, 11, 15)) == pytest.approx(0.5)
    assert readiness.campaign_pace(campaign, date(2026, 11, 1)) == pytest.approx(1 / 30)
    assert readiness.campaign_pace(campaign, date(2026, 12, 20)) == 1.0  # ended: the whole job
