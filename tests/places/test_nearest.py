"""Nearest resources and the radius tool, on hand-built records on each backend."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from registry.kernel import db
from registry.kernel.enums import RecordStatus
from registry.kernel.errors import ValidationError
from registry.kernel.geo import haversine_m
from registry.kernel.models import Depot, Locality, Team
from registry.places.nearest import (
    DepotOffer,
    allocate,
    nearest_depots_with_item,
    nearest_teams,
    within_radius,
)
from registry.records import commands as records
from registry.records import stock
from tests.conftest import TODAY
from tests.helpers import BANPU_POINT, XINPU_POINT, depot, item, locality

# Points checked against the approximate locality cells; distances from XINPU_POINT and
# BANPU_POINT are in the comments.
XINDONG_POINT = (119.18653, 34.601946)  # 新东街道, 0.55 km from XINPU_POINT
LUNAN_POINT = (119.175837, 34.60127)  # 路南街道, 1.4 km from XINPU_POINT
BANPU_EAST_1KM = (119.2525, 34.488027)  # 板浦镇, 1.0 km east of BANPU_POINT
NINGHAI_NORTH_2KM = (119.241482, 34.506)  # 宁海街道, 2.0 km north of BANPU_POINT
NINGHAI_CORNER = (119.268782, 34.510527)  # 宁海街道, 3.5 km: in the 3 km box, not the circle
BANPU_EAST_4KM = (119.29, 34.488027)  # 板浦镇, 4.4 km east of BANPU_POINT


def receive(session, actor, depot_id, name, quantity, batch, expiry=None):
    return stock.receive(
        session,
        actor,
        depot_id,
        item(session, name).id,
        quantity,
        batch=batch,
        reason="入库",
        today=TODAY,
        expiry_date=expiry,
    )


def retire(session, model, record_id):
    """There is no retire use-case for depots and teams yet; set the status directly."""
    session.get(model, record_id).status = RecordStatus.RETIRED


@pytest.fixture
def quilt_depots(factory, actors):
    """Quilts in three usable depots, and three nearer depots whose quilts do not count."""
    office = actors["office"]
    with db.transaction(factory) as session:
        near = depot(session, office, "新东库", place="新东街道", point=XINDONG_POINT).id
        middle = depot(session, office, "路南库", place="路南街道", point=LUNAN_POINT).id
        far = depot(session, office, "板浦库", place="板浦镇", point=BANPU_POINT).id
        emptied = depot(session, office, "已发完库").id
        retired = depot(session, office, "已撤销库").id
        expired = depot(session, office, "过期库").id
        receive(session, office, near, "棉被", 30, "N1", TODAY + timedelta(days=200))
        receive(session, office, near, "棉被", 10, "N2")  # no expiry: counts
        receive(session, office, near, "棉被", 50, "N3", TODAY - timedelta(days=1))
        receive(session, office, middle, "棉被", 25, "M1", TODAY)  # expires today: usable
        receive(session, office, middle, "救生衣", 99, "M2")  # another item
        receive(session, office, far, "棉被", 100, "F1")
        lot = receive(session, office, emptied, "棉被", 10, "E1").lot_id
        stock.issue(session, office, lot, 10, reason="发放", today=TODAY)
        receive(session, office, retired, "棉被", 500, "R1")
        retire(session, Depot, retired)
        receive(session, office, expired, "棉被", 500, "X1", TODAY - timedelta(days=30))
        quilt = item(session, "棉被").id
    return {"near": near, "middle": middle, "far": far, "quilt": quilt}


def quilt_offers(factory, quilt_depots, **kwargs):
    with factory() as session:
        return nearest_depots_with_item(
            session, quilt_depots["quilt"], *XINPU_POINT, today=TODAY, **kwargs
        )


def test_depots_with_usable_stock_nearest_first(factory, quilt_depots):
    offers = quilt_offers(factory, quilt_depots)
    assert [(o.name, o.available) for o in offers] == [
        ("新东库", 40),
        ("路南库", 25),
        ("板浦库", 100),
    ]
    for offer, point in zip(offers, (XINDONG_POINT, LUNAN_POINT, BANPU_POINT), strict=True):
        assert offer.distance_m == pytest.approx(haversine_m(*XINPU_POINT, *point))
    near = offers[0]
    assert (near.depot_id, near.level, near.locality) == (quilt_depots["near"], "town", "新东街道")
    assert (near.lon, near.lat) == pytest.approx(XINDONG_POINT)


def test_limit_keeps_the_nearest(factory, quilt_depots):
    assert [o.name for o in quilt_offers(factory, quilt_depots, limit=2)] == ["新东库", "路南库"]


def test_allocation_takes_nearest_first_and_reports_the_shortfall(factory, quilt_depots):
    takes, shortfall = allocate(quilt_offers(factory, quilt_depots), 200)
    assert [(o.name, n) for o, n in takes] == [("新东库", 40), ("路南库", 25), ("板浦库", 100)]
    assert shortfall == 35


def test_allocation_partly_draws_on_the_second_depot(factory, quilt_depots):
    takes, shortfall = allocate(quilt_offers(factory, quilt_depots), 50)
    assert [(o.name, n) for o, n in takes] == [("新东库", 40), ("路南库", 10)]
    assert shortfall == 0


def test_allocation_from_one_depot_when_it_suffices(factory, quilt_depots):
    takes, shortfall = allocate(quilt_offers(factory, quilt_depots), 40)
    assert [(o.name, n) for o, n in takes] == [("新东库", 40)]
    assert shortfall == 0


def offer(depot_id, distance_m, available):
    return DepotOffer(
        depot_id, f"库{depot_id}", "town", "新浦街道", 119.19, 34.6, distance_m, available
    )


def test_allocation_sorts_offers_itself():
    takes, shortfall = allocate([offer(2, 900.0, 5), offer(1, 100.0, 3)], 4)
    assert [(o.depot_id, n) for o, n in takes] == [(1, 3), (2, 1)]
    assert shortfall == 0


def test_allocation_with_no_offers_is_all_shortfall():
    assert allocate([], 7) == ([], 7)


@pytest.mark.parametrize("quantity", [0, -3, 2.5, "many", None, True])
def test_allocation_refuses_a_bad_quantity(quantity):
    with pytest.raises(ValidationError) as refused:
        allocate([offer(1, 10.0, 5)], quantity)
    assert refused.value.field == "quantity"


def team(session, actor, name, specialties, place, point, target=10):
    data = {
        "name": name,
        "kind": "professional",
        "staffing": "full_time",
        "specialties": specialties,
        "locality_id": locality(session, place).id,
        "target_headcount": target,
    }
    if point:
        data |= {"base_lon": point[0], "base_lat": point[1]}
    return records.create_team(session, actor, data)


def add_members(session, actor, team_id, count):
    for n in range(count):
        records.add_member(session, actor, team_id, {"name": f"队员{n}"}, today=TODAY)


@pytest.fixture
def teams(factory, actors):
    office = actors["office"]
    with db.transaction(factory) as session:
        flood = team(session, office, "防汛队", ["flood", "rescue"], "新东街道", XINDONG_POINT, 20)
        fire = team(session, office, "消防队", ["fire"], "路南街道", LUNAN_POINT)
        rescue = team(session, office, "救援队", ["rescue"], "板浦镇", BANPU_POINT, 30)
        team(session, office, "无驻地队", ["rescue"], "新浦街道", None)
        retired = team(session, office, "撤销队", ["rescue"], "新浦街道", XINPU_POINT).id
        retire(session, Team, retired)
        add_members(session, office, flood.id, 3)
        add_members(session, office, rescue.id, 2)
        add_members(session, office, retired, 4)
    return {"flood": flood.id, "fire": fire.id, "rescue": rescue.id}


def test_nearest_teams_by_specialty_with_member_counts(factory, teams):
    with factory() as session:
        found = nearest_teams(session, *XINPU_POINT, specialty="rescue")
    assert [(t.name, t.members, t.target) for t in found] == [("防汛队", 3, 20), ("救援队", 2, 30)]
    flood = found[0]
    assert flood.team_id == teams["flood"]
    assert (flood.kind, flood.specialties, flood.locality) == (
        "professional",
        ["flood", "rescue"],
        "新东街道",
    )
    assert flood.distance_m == pytest.approx(haversine_m(*XINPU_POINT, *XINDONG_POINT))


def test_nearest_teams_without_a_specialty_lists_every_based_active_team(factory, teams):
    with factory() as session:
        found = nearest_teams(session, *XINPU_POINT)
        assert [(t.name, t.members) for t in found] == [("防汛队", 3), ("消防队", 0), ("救援队", 2)]
        assert [t.name for t in nearest_teams(session, *XINPU_POINT, limit=1)] == ["防汛队"]
        assert nearest_teams(session, *XINPU_POINT, specialty="power") == []


def test_nearest_teams_refuse_an_unknown_specialty(factory):
    with pytest.raises(ValidationError) as refused, factory() as session:
        nearest_teams(session, *XINPU_POINT, specialty="swimming")
    assert refused.value.field == "specialty"


def checkpoint(session, actor, name, place, point):
    return records.create_checkpoint(
        session,
        actor,
        {
            "name": name,
            "type": "waterlogging",
            "risk_level": "significant",
            "locality_id": locality(session, place).id,
            "lon": point[0],
            "lat": point[1],
        },
    )


@pytest.fixture
def banpu_records(factory, actors):
    """Records around BANPU_POINT: some within 3 km, one in the box corner, one beyond."""
    office = actors["office"]
    with db.transaction(factory) as session:
        ids = {
            "depot": depot(session, office, "板浦库", place="板浦镇", point=BANPU_POINT).id,
            "checkpoint": checkpoint(session, office, "板浦易涝点", "板浦镇", BANPU_EAST_1KM).id,
            "team": team(session, office, "宁海队", ["flood"], "宁海街道", NINGHAI_NORTH_2KM).id,
        }
        depot(session, office, "角落库", place="宁海街道", point=NINGHAI_CORNER)
        checkpoint(session, office, "远处易涝点", "板浦镇", BANPU_EAST_4KM)
        gone = checkpoint(session, office, "已销号点", "板浦镇", BANPU_POINT)
        records.retire_checkpoint(session, office, gone.id, gone.version)
        depot(session, office, "新浦库")  # 14 km away
    return ids


def distance(point):
    return pytest.approx(haversine_m(*BANPU_POINT, *point))


def test_radius_lists_the_records_within_it(factory, banpu_records):
    with factory() as session:
        result = within_radius(session, *BANPU_POINT, 3)
    assert result.depots == [
        {
            "id": banpu_records["depot"],
            "name": "板浦库",
            "level": "town",
            "distance_m": distance(BANPU_POINT),
        }
    ]
    assert result.checkpoints == [
        {
            "id": banpu_records["checkpoint"],
            "name": "板浦易涝点",
            "type": "waterlogging",
            "risk_level": "significant",
            "distance_m": distance(BANPU_EAST_1KM),
        }
    ]
    assert result.teams == [
        {
            "id": banpu_records["team"],
            "name": "宁海队",
            "kind": "professional",
            "distance_m": distance(NINGHAI_NORTH_2KM),
        }
    ]


def set_population(session, name, population):
    session.execute(update(Locality).where(Locality.name == name).values(population=population))


def test_radius_touching_two_localities_sums_their_population(factory):
    with factory() as session:
        assert within_radius(session, *BANPU_POINT, 0.5).localities == [("板浦镇", None)]
        touched = within_radius(session, *BANPU_POINT, 3)
        assert touched.localities == [("宁海街道", None), ("板浦镇", None)]
        assert (touched.population, touched.population_incomplete) == (0, True)
    with db.transaction(factory) as session:
        set_population(session, "宁海街道", 61_000)
    with factory() as session:
        partly = within_radius(session, *BANPU_POINT, 3)
        assert (partly.population, partly.population_incomplete) == (61_000, True)
    with db.transaction(factory) as session:
        set_population(session, "板浦镇", 48_500)
    with factory() as session:
        known = within_radius(session, *BANPU_POINT, 3)
    assert known.localities == [("宁海街道", 61_000), ("板浦镇", 48_500)]
    assert (known.population, known.population_incomplete) == (109_500, False)


@pytest.mark.parametrize(
    ("point", "radius", "field"),
    [
        (BANPU_POINT, 0, "radius_km"),
        (BANPU_POINT, -2, "radius_km"),
        (BANPU_POINT, 50.5, "radius_km"),
        (BANPU_POINT, "far", "radius_km"),
        (BANPU_POINT, float("nan"), "radius_km"),
        ((116.39, 39.9), 5, "location"),  # Beijing
        (("abc", 34.5), 5, "location"),
    ],
)
def test_radius_refuses_bad_input(factory, point, radius, field):
    with pytest.raises(ValidationError) as refused, factory() as session:
        within_radius(session, *point, radius)
    assert refused.value.field == field


def test_radius_of_fifty_km_is_allowed(factory, banpu_records):
    with factory() as session:
        result = within_radius(session, *BANPU_POINT, 50)
    assert len(result.depots) == 3 and len(result.localities) == 19
