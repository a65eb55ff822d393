"""The alerts inbox on hand-built fixtures, on both backends: each kind raised on the day it
should be and not a day earlier, who sees what, the order, and queries that do not grow with
the number of records."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import event, select

from registry.kernel import db, deadlines, i18n
from registry.kernel.enums import (
    DrillForm,
    EventState,
    InspectionResult,
    InspectionTarget,
    PlanClass,
    PlanStatus,
    ReportStage,
    ReportState,
    RiskLevel,
)
from registry.kernel.enums import RectificationStatus as S
from registry.kernel.models import (
    Campaign,
    Drill,
    Inspection,
    Item,
    Plan,
    Quota,
    Rectification,
    StockLot,
)
from registry.kernel.settings import Settings
from registry.readiness import alerts
from registry.records.commands import create_team
from registry.records.stock import receive
from tests.conftest import TODAY
from tests.disasters.test_reports import NOW, file, open_event, set_event, set_state
from tests.helpers import BANPU_POINT, XINPU_POINT, depot, locality

SETTINGS = Settings()
DAY = timedelta(days=1)


def inbox(factory, actor, today: date = TODAY, settings: Settings = SETTINGS, kind=None):
    with factory() as session:
        found = alerts.alerts_for(session, actor, today=today, settings=settings)
    return [a for a in found if kind is None or a.kind == kind]


def subjects(found) -> set[str]:
    return {a.subject for a in found}


@pytest.fixture
def places(factory, actors):
    with factory() as session:
        return {name: locality(session, name).id for name in ("新浦街道", "板浦镇")}


def _rect(session, locality_id, deadline, description, status=S.RECTIFYING, **extra):
    values = {"risk_level": RiskLevel.GENERAL, "responsible_person": "李四", **extra}
    session.add(
        Rectification(
            locality_id=locality_id, description=description, status=status,
            found_on=deadline - timedelta(days=7), deadline=deadline, **values,
        )
    )  # fmt: skip


def _plan(session, title, locality_id=None, **values):
    values = {
        "plan_class": PlanClass.GRASSROOTS if locality_id else PlanClass.SPECIAL,
        "version_label": "2025版",
        "status": PlanStatus.CURRENT,
        "department": None if locality_id else "区应急管理局",
        "owner_person": "王主任",
        **values,
    }
    plan = Plan(title=title, locality_id=locality_id, **values)
    session.add(plan)
    session.flush()
    return plan


# --- stock ---------------------------------------------------------------------------------


def test_stock_below_quota_counts_only_unexpired_stock(factory, actors):
    office = actors["office"]
    with db.transaction(factory) as session:
        store = depot(session, office)
        items = session.scalars(select(Item).order_by(Item.code).limit(3)).all()
        session.execute(Quota.__table__.delete())
        for each in items:
            session.add(Quota(depot_level="town", item_id=each.id, minimum=10, maximum=100))
        session.flush()
        receive(session, office, store.id, items[0].id, 10, batch="B1", reason="采购入库",
                today=TODAY)  # fmt: skip
        receive(session, office, store.id, items[1].id, 50, batch="B2", reason="采购入库",
                today=TODAY - 30 * DAY, expiry_date=TODAY - DAY)  # fmt: skip
        receive(session, office, store.id, items[2].id, 9, batch="B3", reason="采购入库",
                today=TODAY)  # fmt: skip
    (alert,) = inbox(factory, office, kind="stock_below_quota")
    assert alert.detail == {"below": 2, "lines": 3}  # expired B2 does not count; B3 is short
    assert (alert.severity, alert.due, alert.link) == ("warning", None, f"d{store.id}")
    assert alert.subject == "测试镇街库" and alert.locality == "新浦街道"
    with db.transaction(factory) as session:
        receive(session, office, store.id, items[1].id, 10, batch="B4", reason="采购入库",
                today=TODAY)  # fmt: skip
        receive(session, office, store.id, items[2].id, 1, batch="B3", reason="补足",
                today=TODAY)  # fmt: skip
    assert inbox(factory, office, kind="stock_below_quota") == []


def test_lots_expire_into_alerts_on_the_boundary_days(factory, actors):
    office = actors["office"]
    warning = SETTINGS.expiry_warning_days
    with db.transaction(factory) as session:
        store = depot(session, office)
        first, second = session.scalars(select(Item).order_by(Item.code).limit(2)).all()
        expiry = TODAY + timedelta(days=warning)
        receive(session, office, store.id, first.id, 5, batch="A", reason="采购入库",
                today=TODAY - 300 * DAY, expiry_date=expiry)  # fmt: skip
        receive(session, office, store.id, second.id, 5, batch="B", reason="采购入库",
                today=TODAY - 300 * DAY, expiry_date=expiry + DAY)  # fmt: skip
    # exactly 90 days ahead: expiring; 91 days ahead is not, so only one lot counts
    (alert,) = inbox(factory, office, kind="lot_expiring")
    assert alert.detail == {"lots": 1, "earliest": expiry, "days": warning}
    assert (alert.severity, alert.due) == ("warning", expiry)
    assert inbox(factory, office, today=TODAY - DAY, kind="lot_expiring") == []
    # the expiry day itself the lot is still usable: expiring, not expired
    on_the_day = inbox(factory, office, today=expiry)
    assert [a.detail["lots"] for a in on_the_day if a.kind == "lot_expiring"] == [2]
    assert not [a for a in on_the_day if a.kind == "lot_expired"]
    (gone,) = inbox(factory, office, today=expiry + DAY, kind="lot_expired")
    assert gone.detail == {"lots": 1, "earliest": expiry}
    assert (gone.severity, gone.due, gone.link) == ("overdue", expiry, f"d{store.id}")


def test_emptied_lots_raise_nothing(factory, actors):
    office = actors["office"]
    with db.transaction(factory) as session:
        store = depot(session, office)
        first = session.scalars(select(Item).order_by(Item.code).limit(1)).one()
        receive(session, office, store.id, first.id, 5, batch="A", reason="采购入库",
                today=TODAY - 300 * DAY, expiry_date=TODAY - DAY)  # fmt: skip
        session.scalars(select(StockLot)).one().quantity = 0
    assert inbox(factory, office, kind="lot_expired") == []


# --- inspections ---------------------------------------------------------------------------


def _campaign(session, name, starts_on, ends_on, locality_ids=None):
    campaign = Campaign(
        name=name, starts_on=starts_on, ends_on=ends_on, target_kinds="depot",
        locality_ids=locality_ids,
    )  # fmt: skip
    session.add(campaign)
    session.flush()
    return campaign


def _inspect(session, store, day, campaign=None):
    session.add(
        Inspection(
            campaign_id=campaign.id if campaign else None, target_kind=InspectionTarget.DEPOT,
            depot_id=store.id, locality_id=store.locality_id, inspected_on=day,
            inspector="检查员", result=InspectionResult.PASSED,
        )
    )  # fmt: skip


def test_running_campaigns_list_uninspected_targets_per_locality(factory, actors, places):
    office = actors["office"]
    with db.transaction(factory) as session:
        one = depot(session, office, "新浦一库")
        depot(session, office, "新浦二库")
        depot(session, office, "板浦库", place="板浦镇", point=BANPU_POINT)
        campaign = _campaign(session, "冬季排查", TODAY - 5 * DAY, TODAY)
        _campaign(session, "已结束排查", TODAY - 30 * DAY, TODAY - DAY)
        _campaign(session, "未开始排查", TODAY + 2 * DAY, TODAY + 30 * DAY)
        _inspect(session, one, TODAY - DAY, campaign)

    def campaign_alerts(actor, today=TODAY):
        found = inbox(factory, actor, today=today, kind="inspection_due")
        return {
            (a.locality, a.detail["count"], a.detail["targets"])
            for a in found
            if a.detail["variant"] == "campaign"
        }, [a for a in found if a.detail["variant"] == "campaign"]

    seen, found = campaign_alerts(office)
    assert seen == {("新浦街道", 1, 2), ("板浦镇", 1, 1)}
    assert {(a.subject, a.severity, a.due, a.link) for a in found} == {
        ("冬季排查", "due", TODAY, "app_pages/campaigns.py")
    }  # the last day of the campaign is still "due", never "overdue"
    assert campaign_alerts(actors["town"])[0] == {("新浦街道", 1, 2)}
    assert campaign_alerts(office, TODAY + DAY)[0] == set()  # ended, the next not started


def test_depots_are_due_for_inspection_after_the_window(factory, actors):
    office = actors["office"]
    days = SETTINGS.depot_inspection_days
    with db.transaction(factory) as session:
        seen = depot(session, office, "已检查库")
        depot(session, office, "未检查库")
        _inspect(session, seen, TODAY - timedelta(days=days))
        _inspect(session, seen, TODAY - timedelta(days=days + 40))  # the latest one counts

    def depot_alerts(today):
        found = inbox(factory, office, today=today, kind="inspection_due")
        return {a.subject: a for a in found}

    on_time = depot_alerts(TODAY)
    assert set(on_time) == {"未检查库"}  # inspected exactly 90 days ago: still within
    never = on_time["未检查库"]
    assert (never.severity, never.due, never.detail["variant"]) == ("overdue", None, "depot_never")
    late = depot_alerts(TODAY + DAY)["已检查库"]
    assert late.detail == {"variant": "depot", "days": days, "last": TODAY - timedelta(days=days)}
    assert (late.severity, late.due, late.link) == ("overdue", TODAY, f"d{seen.id}")


# --- rectifications ------------------------------------------------------------------------


def test_rectifications_are_due_three_days_ahead_and_overdue_the_day_after(factory, actors, places):
    xinpu = places["新浦街道"]
    soon = alerts.RECTIFICATION_DUE_SOON_DAYS
    with db.transaction(factory) as session:
        _rect(session, xinpu, TODAY + timedelta(days=soon + 1), "四天后")
        _rect(session, xinpu, TODAY + timedelta(days=soon), "三天后", risk_level=RiskLevel.MAJOR)
        _rect(session, xinpu, TODAY, "今天")
        _rect(session, xinpu, TODAY - DAY, "昨天", status=S.AWAITING_RECHECK)
        _rect(session, xinpu, TODAY - 10 * DAY, "已销号", status=S.CLOSED)
    found = {a.subject: a for a in inbox(factory, actors["office"])}
    assert {"四天后", "已销号"}.isdisjoint(found)
    assert found["三天后"].kind == "rectification_due"
    assert found["三天后"].detail["days"] == soon and found["三天后"].detail["risk"] == "major"
    today = found["今天"]
    assert (today.kind, today.severity, today.due) == ("rectification_due", "due", TODAY)
    assert today.template == "alert.msg.rectification_due.today"
    late = found["昨天"]
    assert (late.kind, late.severity, late.detail["days"]) == (
        "rectification_overdue",
        "overdue",
        1,
    )
    assert late.link == "app_pages/rectifications.py"
    assert late.detail["responsible"] == "李四"


def test_a_rectification_is_named_after_its_target(factory, actors, places):
    with db.transaction(factory) as session:
        store = depot(session, actors["office"], "东库")
        _rect(session, places["新浦街道"], TODAY - DAY, "消防通道堵塞", depot_id=store.id)
    (alert,) = inbox(factory, actors["town"], kind="rectification_overdue")
    assert alert.subject == "东库" and alert.detail["description"] == "消防通道堵塞"


# --- plans ---------------------------------------------------------------------------------


def test_plan_filing_is_due_thirty_days_ahead_and_overdue_after_its_day(factory, actors, places):
    issued = date(2026, 9, 1)
    due = deadlines.filing_due(issued)
    with db.transaction(factory) as session:
        _plan(session, "未备案预案", places["新浦街道"], issued_on=issued)
        _plan(session, "已备案预案", places["新浦街道"], issued_on=issued, filed_on=issued + DAY)
        _plan(session, "待印发预案", places["新浦街道"], status=PlanStatus.AWAITING_ISSUE)
    office = actors["office"]
    soon = alerts.PLAN_DUE_SOON_DAYS

    def filing(today):
        return inbox(factory, office, today=today, kind="plan_filing")

    assert filing(due - timedelta(days=soon + 1)) == []
    (early,) = filing(due - timedelta(days=soon))
    assert (early.subject, early.severity, early.due) == ("未备案预案", "due", due)
    assert early.detail["days"] == soon and early.detail["variant"] == "due"
    assert filing(due)[0].template == "alert.msg.plan_filing.today"
    (late,) = filing(due + DAY)
    assert (late.severity, late.detail["days"], late.link) == ("overdue", 1, "app_pages/plans.py")
    assert late.template == "alert.msg.plan_filing.overdue"


def test_plan_evaluation_and_drill_clocks(factory, actors, places):
    evaluated = date(2024, 3, 10)
    evaluation_due = deadlines.next_evaluation_due(None, evaluated)
    with db.transaction(factory) as session:
        _plan(session, "现行预案", places["新浦街道"], issued_on=date(2020, 1, 1),
              filed_on=date(2020, 1, 20), last_evaluated_on=evaluated)  # fmt: skip
        _plan(session, "评估中预案", places["新浦街道"], issued_on=date(2020, 1, 1),
              filed_on=date(2020, 1, 20), last_evaluated_on=evaluated,
              status=PlanStatus.EVALUATING)  # fmt: skip
        venue = _plan(session, "景区预案", places["新浦街道"], issued_on=date(2024, 1, 1),
                      filed_on=date(2024, 1, 20), last_evaluated_on=date(2026, 1, 1),
                      crowded_venue=True)  # fmt: skip
        session.add(Drill(plan_id=venue.id, held_on=date(2026, 6, 15), form=DrillForm.LIVE))
    office = actors["office"]
    drill_due = deadlines.next_drill_due(None, date(2026, 6, 15), crowded=True)  # 2026-12-15

    def of(kind, today):
        return {a.subject: a.severity for a in inbox(factory, office, today=today, kind=kind)}

    # evaluation is owed by current plans only; a plan being evaluated is not nagged
    assert of("plan_evaluation", evaluation_due - 31 * DAY) == {}
    assert of("plan_evaluation", evaluation_due - 30 * DAY) == {"现行预案": "due"}
    assert of("plan_evaluation", evaluation_due + DAY) == {"现行预案": "overdue"}
    # never drilled since 2020: the others are long overdue; the venue drills twice a year
    assert "景区预案" not in of("plan_drill", drill_due - 31 * DAY)
    assert of("plan_drill", drill_due - 30 * DAY)["景区预案"] == "due"
    assert of("plan_drill", drill_due + DAY)["景区预案"] == "overdue"
    assert of("plan_drill", TODAY) == {
        "现行预案": "overdue",
        "评估中预案": "overdue",
        "景区预案": "due",
    }


# --- freshness -----------------------------------------------------------------------------


def test_records_not_confirmed_for_more_than_the_window(factory, actors, places):
    office = actors["office"]
    days = SETTINGS.freshness_days
    with db.transaction(factory) as session:
        fresh = depot(session, office, "新库")
        stale = depot(session, office, "旧库")
        moved = depot(session, office, "有出入库的库")
        fresh.last_confirmed_at = datetime.combine(TODAY - timedelta(days=days), time.min)
        stale.last_confirmed_at = datetime.combine(TODAY - timedelta(days=days + 1), time.max)
        moved.last_confirmed_at = datetime(2025, 1, 1)
        first = session.scalars(select(Item).order_by(Item.code).limit(1)).one()
        receive(session, office, moved.id, first.id, 5, batch="A", reason="采购入库", today=TODAY)
        # the ledger is append-only: the movement is stamped now, well inside the window
        team = create_team(
            session, office,
            {"name": "新浦分队", "kind": "social", "staffing": "volunteer",
             "locality_id": places["新浦街道"], "base_lon": XINPU_POINT[0],
             "base_lat": XINPU_POINT[1]},
        )  # fmt: skip
        team.last_confirmed_at = None
    found = {a.subject: a for a in inbox(factory, office, kind="record_unconfirmed")}
    assert set(found) == {"旧库", "新浦分队"}
    old = found["旧库"]
    assert old.detail == {"variant": "depot", "days": days + 1, "last": TODAY - (days + 1) * DAY}
    assert (old.severity, old.due, old.link) == ("warning", TODAY - DAY, f"d{stale.id}")
    never = found["新浦分队"]
    assert never.detail == {"variant": "team_never", "days": days}
    assert (never.due, never.link) == (None, f"t{team.id}")
    # the day before, the stale depot was still within its 30 days
    earlier = inbox(factory, office, today=TODAY - DAY, kind="record_unconfirmed")
    assert subjects(earlier) == {"新浦分队"}


# --- who sees what, order, counts ----------------------------------------------------------


@pytest.fixture
def two_towns(factory, actors, places):
    """An overdue rectification in each of two towns and an overdue district plan."""
    with db.transaction(factory) as session:
        _rect(session, places["新浦街道"], TODAY - DAY, "新浦问题")
        _rect(session, places["板浦镇"], TODAY - DAY, "板浦问题")
        _plan(session, "区级专项预案", issued_on=date(2026, 1, 5))  # never filed: overdue
        _plan(session, "新浦预案", places["新浦街道"], issued_on=date(2026, 1, 5))
        depot(session, actors["office"], "板浦库", place="板浦镇", point=BANPU_POINT)


def test_town_officials_see_their_own_locality_only(factory, actors, two_towns):
    found = inbox(factory, actors["town"])
    assert found and {a.locality for a in found} == {"新浦街道"}
    assert {"新浦问题", "新浦预案"} <= subjects(found)
    assert not {"板浦问题", "区级专项预案", "板浦库"} & subjects(found)


@pytest.mark.parametrize("role", ["office", "admin", "leader"])
def test_district_wide_readers_see_every_locality_and_district_plans(
    factory, actors, two_towns, role
):
    found = inbox(factory, actors[role])
    assert {"新浦问题", "板浦问题", "区级专项预案", "新浦预案", "板浦库"} <= subjects(found)
    (plan,) = [a for a in found if a.subject == "区级专项预案"]
    assert (plan.locality_id, plan.locality, plan.severity) == (None, None, "overdue")


def test_a_town_official_without_localities_sees_nothing(factory, actors, two_towns):
    from dataclasses import replace

    assert inbox(factory, replace(actors["town"], locality_ids=frozenset())) == []


def test_most_urgent_first_and_counts(factory, actors, places):
    xinpu = places["新浦街道"]
    office = actors["office"]
    with db.transaction(factory) as session:
        _rect(session, xinpu, TODAY - DAY, "昨天逾期")
        _rect(session, xinpu, TODAY - 10 * DAY, "十天前逾期")
        _rect(session, xinpu, TODAY + 2 * DAY, "后天到期")
        _rect(session, xinpu, TODAY, "今天到期")
        session.execute(Quota.__table__.delete())
        store = depot(session, office, "未检查库")
        store.last_confirmed_at = datetime(2026, 1, 1)
    found = inbox(factory, office)
    rank = [alerts.SEVERITIES.index(a.severity) for a in found]
    assert rank == sorted(rank)
    for severity in alerts.SEVERITIES:
        dated = [a.due for a in found if a.severity == severity and a.due is not None]
        assert dated == sorted(dated)
    order = [a.subject for a in found]
    # undated first within its severity (never inspected), then the earliest deadline
    assert order[:3] == ["未检查库", "十天前逾期", "昨天逾期"]
    assert order.index("今天到期") < order.index("后天到期")
    # 2 overdue rectifications and the depot never inspected; 2 due; the stale depot
    assert alerts.counts(found) == {"overdue": 3, "due": 2, "warning": 1}
    assert alerts.counts([]) == {"overdue": 0, "due": 0, "warning": 0}


def test_every_alert_has_its_message_in_both_languages(factory, actors, two_towns):
    found = inbox(factory, actors["office"])
    assert {a.kind for a in found} >= {"rectification_overdue", "plan_filing", "inspection_due"}
    for language in i18n.LANGUAGES:
        catalogue = i18n.catalogue(language)
        for kind in alerts.KINDS:
            assert f"alert.kind.{kind}" in catalogue
        for severity in alerts.SEVERITIES:
            assert f"alert.severity.{severity}" in catalogue
        for alert in found:
            assert alert.template in catalogue, alert.template
            values = {**alert.detail, "subject": alert.subject, "due": alert.due}
            assert alert.subject in i18n.translate(alert.template, language, **values)


def test_message_templates_cover_every_variant():
    variants = {
        "inspection_due": ["campaign", "depot", "depot_never"],
        "rectification_due": [None, "today"],
        "rectification_overdue": [None],
        "record_unconfirmed": ["depot", "team", "depot_never", "team_never"],
        **{f"plan_{c}": ["overdue", "due", "today"] for c in alerts.PLAN_CLOCKS},
        **{k: [None] for k in ("stock_below_quota", "lot_expired", "lot_expiring")},
        **{k: [None] for k in ("checkpoint_reinspect", "replenishment_open")},
        **{
            f"disaster_report_{k}": ["initial", "update", "final"]
            for k in ("overdue", "returned", "due")
        },
    }
    assert set(variants) == set(alerts.KINDS)
    for kind, names in variants.items():
        for variant in names:
            alert = alerts.Alert(
                kind, "due", None, None, "x", {"variant": variant} if variant else {}
            )
            for language in i18n.LANGUAGES:
                assert alert.template in i18n.catalogue(language), alert.template


def test_the_number_of_queries_does_not_grow_with_the_records(factory, actors, places):
    office = actors["office"]

    def statements() -> int:
        engine = factory.kw["bind"]
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            inbox(factory, office)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    def add(n: int, prefix: str) -> None:
        with db.transaction(factory) as session:
            for i in range(n):
                store = depot(session, office, f"{prefix}{i}")
                store.last_confirmed_at = datetime(2026, 1, 1)
                _rect(session, places["新浦街道"], TODAY - DAY, f"{prefix}问题{i}")
                _plan(session, f"{prefix}预案{i}", places["板浦镇"], issued_on=date(2026, 1, 5))

    with db.transaction(factory) as session:
        _campaign(session, "排查", TODAY - DAY, TODAY + DAY)
    add(2, "甲")
    few = statements()
    add(20, "乙")
    assert len(inbox(factory, office)) > 60
    assert statements() == few


# --- disaster reports ------------------------------------------------------------------------


def test_disaster_report_alerts_read_only_events_whose_reports_can_still_be_owed(
    factory, actors, monkeypatch
):
    """Open events, and closed or stable ones a town reported in whose 核报 is not accepted
    everywhere yet: a closed event not yet stable keeps asking for the daily 续报; a finished
    event (every town's 核报 accepted) and a closed event nobody reported in are not read."""
    office, stage = actors["office"], ReportStage
    hour = timedelta(hours=1)
    open_event(factory, office, places=("新浦街道",), now=NOW)
    closed_only = open_event(factory, office, places=("新浦街道",), now=NOW + hour)
    nobody = open_event(factory, office, places=("新浦街道",), now=NOW + 2 * hour)
    finished = open_event(factory, office, places=("新浦街道",), now=NOW + 3 * hour)
    for event_id in (closed_only, finished):
        file(factory, office, event_id, stage.INITIAL, now=NOW + 4 * hour)
    stable_at = NOW + 5 * hour
    set_event(factory, finished, stable_at=stable_at)
    final = file(factory, office, finished, stage.FINAL, now=stable_at)
    set_state(factory, final.id, ReportState.ACCEPTED)
    for event_id in (closed_only, nobody, finished):
        set_event(factory, event_id, state=EventState.CLOSED, closed_at=NOW + 6 * hour)
    asked = []
    clock = deadlines.reports_due

    def spy(**values):
        asked.append(values["opened_at"])
        return clock(**values)

    monkeypatch.setattr(alerts.deadlines, "reports_due", spy)
    two_days_on = NOW + timedelta(days=2)
    with factory() as session:
        found = alerts.alerts_for(
            session, office, today=two_days_on.date(), settings=SETTINGS, now=two_days_on
        )
    assert sorted(asked) == [NOW, NOW + hour]  # the open event and the closed, unstable one
    owed = {(a.subject, a.kind, a.detail["variant"]) for a in found if "disaster" in a.kind}
    assert ("7·8 暴雨", "disaster_report_overdue", "update") in owed
    counts = [a.detail["count"] for a in found if a.detail.get("variant") == "update"]
    assert counts == [2, 2]  # each of the two events owes the 9th's and the 10th's 续报
