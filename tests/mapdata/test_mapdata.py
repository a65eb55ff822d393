"""The office map's data: filters, stock flags, indicators and details, on hand-built data."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from registry.kernel import db
from registry.kernel.enums import (
    DepotLevel,
    InspectionResult,
    InspectionTarget,
    RectificationStatus,
)
from registry.kernel.masking import mask_phone
from registry.kernel.models import Inspection, Locality, Quota, Rectification
from registry.mapdata.indicators import locality_indicators
from registry.mapdata.layers import MapFilter, checkpoint_rows, depot_rows, team_rows
from registry.records import commands as records
from registry.records import stock
from registry.records.catalogue import set_quota
from registry.records.details import checkpoint_detail, depot_detail, team_detail
from tests.conftest import TODAY
from tests.helpers import BANPU_POINT, XINPU_POINT, depot, item

WARN = 90


@pytest.fixture
def world(factory, actors):
    """新浦: a depot with quilts (one lot expired, one expiring), a team of 2 of 4, two
    checkpoints (one with an overdue rectification); 板浦: an empty depot."""
    office = actors["office"]
    with db.transaction(factory) as session:
        session.execute(update(Locality).values(population=10_000))
        for quota in session.scalars(select(Quota)):
            session.delete(quota)  # start from no quotas: only the ones set below count
        quilt = item(session, "棉被")
        set_quota(
            session, office, item_id=quilt.id, minimum=100, maximum=200, depot_level=DepotLevel.TOWN
        )
        xinpu = depot(session, office)
        banpu = depot(session, office, "板浦库", place="板浦镇", point=BANPU_POINT)
        for batch, qty, days in (("ok", 60, 400), ("soon", 30, 20), ("old", 50, -5)):
            stock.receive(
                session,
                office,
                xinpu.id,
                quilt.id,
                qty,
                batch=batch,
                reason="r",
                today=TODAY,
                expiry_date=TODAY + timedelta(days=days),
            )
        team = records.create_team(
            session,
            office,
            {
                "name": "新浦综合队",
                "kind": "comprehensive",
                "staffing": "part_time",
                "locality_id": xinpu.locality_id,
                "target_headcount": 4,
                "specialties": "flood",
                "base_lon": XINPU_POINT[0],
                "base_lat": XINPU_POINT[1],
                "leader": "赵一",
                "leader_phone": "138-1234-5678",
            },
        )
        records.add_member(
            session,
            office,
            team.id,
            {"name": "甲", "last_training_on": TODAY - timedelta(days=30)},
            today=TODAY,
        )
        records.add_member(
            session,
            office,
            team.id,
            {"name": "乙", "last_training_on": TODAY - timedelta(days=500)},
            today=TODAY,
        )
        data = {"locality_id": xinpu.locality_id, "lon": XINPU_POINT[0], "lat": XINPU_POINT[1]}
        flood = records.create_checkpoint(
            session,
            office,
            {
                **data,
                "name": "积水路口",
                "type": "waterlogging",
                "risk_level": "major",
                "responsible_person": "钱二",
                "responsible_phone": "139-0000-1111",
            },
        )
        records.create_checkpoint(
            session,
            office,
            {**data, "name": "工地", "type": "construction_site", "risk_level": "low"},
        )
        inspection = Inspection(
            target_kind=InspectionTarget.CHECKPOINT,
            checkpoint_id=flood.id,
            locality_id=flood.locality_id,
            inspected_on=TODAY,
            inspector="孙三",
            result=InspectionResult.FINDINGS,
            findings="排水不畅",
        )
        session.add(inspection)
        session.flush()
        session.add(
            Rectification(
                inspection_id=inspection.id,
                checkpoint_id=flood.id,
                locality_id=flood.locality_id,
                description="疏通排水",
                risk_level=flood.risk_level,
                status=RectificationStatus.RECTIFYING,
                found_on=TODAY - timedelta(days=40),
                deadline=TODAY - timedelta(days=10),
            )
        )
        return {
            "xinpu": xinpu.id,
            "banpu": banpu.id,
            "team": team.id,
            "flood": flood.id,
            "quilt": quilt.id,
            "xinpu_locality": xinpu.locality_id,
            "banpu_locality": banpu.locality_id,
        }


def test_depot_flags_count_expired_stock_out(factory, world):
    with factory() as session:
        rows = {r["id"]: r for r in depot_rows(session, MapFilter(), TODAY, WARN)}
    xinpu = rows[world["xinpu"]]
    assert (xinpu["below_quota"], xinpu["expiring_lots"], xinpu["expired_lots"]) == (1, 1, 1)
    assert rows[world["banpu"]]["below_quota"] == 1


def test_depots_holding_an_item_filter(factory, world):
    with factory() as session:
        rows = depot_rows(session, MapFilter(item_id=world["quilt"]), TODAY, WARN)
    assert [(r["id"], r["item_quantity"]) for r in rows] == [(world["xinpu"], 90)]


def test_checkpoint_filters(factory, world):
    with factory() as session:

        def names(**kwargs):
            return [r["name"] for r in checkpoint_rows(session, MapFilter(**kwargs), TODAY)]

        assert names() == ["积水路口", "工地"]
        assert names(risk_levels=("major",)) == ["积水路口"]
        assert names(checkpoint_types=("construction_site",)) == ["工地"]
        assert names(rectification="overdue") == ["积水路口"]
        assert names(rectification="none") == ["工地"]
        assert names(locality_ids=(world["banpu_locality"],)) == []


def test_team_rows_count_members_and_training(factory, world):
    with factory() as session:
        [team] = team_rows(session, MapFilter(), TODAY)
    assert (team["members"], team["target"], team["trained"]) == (2, 4, 1)


def test_locality_indicators(factory, world):
    with factory() as session:
        values = locality_indicators(session, TODAY)
    xinpu, banpu = values[world["xinpu_locality"]], values[world["banpu_locality"]]
    assert xinpu["stock_coverage"] == 0.0  # 90 usable < 100 minimum; the expired 50 don't count
    assert xinpu["open_rectifications"] == xinpu["overdue_rectifications"] == 1
    assert xinpu["team_strength"] == 0.5
    assert xinpu["checkpoint_density"] > 0
    assert banpu["team_strength"] is None and banpu["checkpoint_density"] == 0


def test_depot_detail_lines(factory, actors, world):
    with factory() as session:
        detail = depot_detail(
            session, actors["office"], world["xinpu"], today=TODAY, warning_days=WARN
        )
    [line] = detail["lines"]
    assert (line["usable"], line["expiring"], line["expired"], line["below_quota"]) == (
        90,
        30,
        50,
        True,
    )


def test_phones_are_masked_for_leaders_only(factory, actors, world):
    with factory() as session:
        office = team_detail(session, actors["office"], world["team"], today=TODAY)
        leader = team_detail(session, actors["leader"], world["team"], today=TODAY)
        spot = checkpoint_detail(session, actors["leader"], world["flood"], today=TODAY)
    assert office["leader_phone"] == "138-1234-5678"
    assert leader["leader_phone"] == "138****5678"
    assert spot["responsible_phone"] == "139****1111"
    assert spot["rectifications"][0]["overdue"] is True
    assert spot["inspections"][0]["findings"] == "排水不畅"


def test_mask_phone():
    assert mask_phone("0518-8555 1234") == "051*****1234"
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) is None
