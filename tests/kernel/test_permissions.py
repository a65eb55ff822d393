"""Every forbidden write is refused in the core, whatever the UI shows."""

import pytest
from sqlalchemy import func, select

from registry.accounts.users import create_user
from registry.kernel import db
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import AuditEvent, Checkpoint, Depot, Team
from registry.places.localities import load_reference_localities, replace_boundaries
from registry.records import commands as records
from registry.records import stock
from registry.records.catalogue import set_quota
from tests.conftest import TODAY
from tests.helpers import BANPU_POINT, XINPU_POINT, depot, item, locality

TEAM = {
    "name": "测试队",
    "kind": "comprehensive",
    "staffing": "part_time",
    "target_headcount": 20,
    "specialties": "flood,rescue",
}
CHECKPOINT = {"name": "测试易涝点", "type": "waterlogging", "risk_level": "general"}


def team_data(session, place, point):
    return {
        **TEAM,
        "locality_id": locality(session, place).id,
        "base_lon": point[0],
        "base_lat": point[1],
    }


def checkpoint_data(session, place, point):
    return {
        **CHECKPOINT,
        "locality_id": locality(session, place).id,
        "lon": point[0],
        "lat": point[1],
    }


def refused(factory, action) -> None:
    """The action raises PermissionDenied and leaves no trace in the audit trail."""
    with factory() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        action(session)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_town_official_writes_own_locality(factory, actors):
    town = actors["town"]
    with db.transaction(factory) as session:
        depot(session, town)
        records.create_team(session, town, team_data(session, "新浦街道", XINPU_POINT))
        records.create_checkpoint(session, town, checkpoint_data(session, "新浦街道", XINPU_POINT))
    with factory() as session:
        events = session.scalars(select(AuditEvent.action)).all()
    assert {"depot-created", "team-created", "checkpoint-created"} <= set(events)


def test_town_official_cannot_touch_another_locality(factory, actors):
    town, office = actors["town"], actors["office"]
    refused(factory, lambda s: depot(s, town, place="板浦镇", point=BANPU_POINT))
    refused(factory, lambda s: records.create_team(s, town, team_data(s, "板浦镇", BANPU_POINT)))
    refused(
        factory,
        lambda s: records.create_checkpoint(s, town, checkpoint_data(s, "板浦镇", BANPU_POINT)),
    )
    with db.transaction(factory) as session:
        banpu_depot = depot(session, office, "板浦镇库", place="板浦镇", point=BANPU_POINT)
        banpu_team = records.create_team(session, office, team_data(session, "板浦镇", BANPU_POINT))
        banpu_cp = records.create_checkpoint(
            session, office, checkpoint_data(session, "板浦镇", BANPU_POINT)
        )
        lot = stock.receive(
            session,
            office,
            banpu_depot.id,
            item(session, "棉被").id,
            10,
            batch="B",
            reason="入库",
            today=TODAY,
        ).lot_id
    refused(factory, lambda s: records.update_depot(s, town, banpu_depot.id, 1, {"name": "x"}))
    refused(factory, lambda s: records.update_team(s, town, banpu_team.id, 1, {"name": "x"}))
    refused(factory, lambda s: records.update_checkpoint(s, town, banpu_cp.id, 1, {"name": "x"}))
    refused(factory, lambda s: records.retire_checkpoint(s, town, banpu_cp.id, 1))
    refused(
        factory, lambda s: records.add_member(s, town, banpu_team.id, {"name": "李"}, today=TODAY)
    )
    refused(factory, lambda s: stock.issue(s, town, lot, 1, reason="x", today=TODAY))
    refused(factory, lambda s: stock.stock_take(s, town, lot, 1, book=10, reason="x"))
    refused(factory, lambda s: records.confirm_depot_unchanged(s, town, banpu_depot.id, 1))


def test_town_official_cannot_move_own_record_to_another_locality(factory, actors):
    town = actors["town"]
    with db.transaction(factory) as session:
        own = depot(session, town)
    refused(
        factory,
        lambda s: records.update_depot(
            s,
            town,
            own.id,
            own.version,
            {"locality_id": locality(s, "板浦镇").id, "lon": BANPU_POINT[0], "lat": BANPU_POINT[1]},
        ),
    )


def test_district_depots_belong_to_the_office(factory, actors):
    town, office = actors["town"], actors["office"]
    refused(factory, lambda s: depot(s, town, "区级库", level="district"))
    with db.transaction(factory) as session:
        district = depot(session, office, "区级库", level="district")
    refused(factory, lambda s: records.update_depot(s, town, district.id, 1, {"name": "x"}))
    refused(
        factory,
        lambda s: stock.receive(
            s, town, district.id, item(s, "棉被").id, 1, batch="b", reason="r", today=TODAY
        ),
    )


def test_leader_is_read_only(factory, actors):
    leader = actors["leader"]
    refused(factory, lambda s: depot(s, leader))
    refused(
        factory, lambda s: records.create_team(s, leader, team_data(s, "新浦街道", XINPU_POINT))
    )
    refused(
        factory,
        lambda s: records.create_checkpoint(s, leader, checkpoint_data(s, "新浦街道", XINPU_POINT)),
    )
    refused(
        factory,
        lambda s: set_quota(
            s, leader, item_id=item(s, "棉被").id, minimum=1, maximum=2, depot_level="town"
        ),
    )


def test_only_admins_manage_users_and_only_office_manages_reference(factory, actors):
    for role in ("office", "town", "leader"):
        refused(
            factory,
            lambda s, role=role: create_user(
                s,
                actors[role],
                username="new",
                display_name="n",
                role="leader",
                password="long-enough-1",
            ),
        )
    for role in ("town", "leader"):
        refused(factory, lambda s, role=role: load_reference_localities(s, actors[role]))
        refused(
            factory, lambda s, role=role: replace_boundaries(s, actors[role], {}, source_note="x")
        )


def test_office_and_admin_write_everywhere(factory, actors):
    for role in ("office", "admin"):
        with db.transaction(factory) as session:
            depot(session, actors[role], f"{role}板浦", place="板浦镇", point=BANPU_POINT)
            records.create_team(session, actors[role], team_data(session, "板浦镇", BANPU_POINT))
            records.create_checkpoint(
                session, actors[role], checkpoint_data(session, "板浦镇", BANPU_POINT)
            )
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Depot)) == 2
        assert session.scalar(select(func.count()).select_from(Team)) == 2
        assert session.scalar(select(func.count()).select_from(Checkpoint)) == 2


def test_retiring_follows_the_same_rules(factory, actors):
    town, office = actors["town"], actors["office"]
    with db.transaction(factory) as session:
        own_team = records.create_team(session, town, team_data(session, "新浦街道", XINPU_POINT))
        other_team = records.create_team(session, office, team_data(session, "板浦镇", BANPU_POINT))
        own_depot = depot(session, town)
        stocked = depot(session, town, "有库存的库")
        stock.receive(
            session,
            town,
            stocked.id,
            item(session, "棉被").id,
            5,
            batch="B",
            reason="入库",
            today=TODAY,
        )
    refused(factory, lambda s: records.retire_team(s, town, other_team.id, other_team.version))
    with db.transaction(factory) as session:
        records.retire_team(session, town, own_team.id, own_team.version)
        records.retire_depot(session, town, own_depot.id, own_depot.version)
    with pytest.raises(ValidationError, match="still holds 5"), db.transaction(factory) as session:
        records.retire_depot(session, town, stocked.id, stocked.version)
    with factory() as session:
        assert session.get(Team, own_team.id).status.value == "retired"
        assert session.get(Depot, stocked.id).status.value == "active"


def test_a_page_offers_local_records_as_writable_exactly_where_the_core_allows(factory, actors):
    """``Actor.keeps_records_of`` (what pages offer) agrees with the use-cases' refusal."""
    with factory() as session:
        xinpu, banpu = locality(session, "新浦街道").id, locality(session, "板浦镇").id
    offered = {
        name: (actor.keeps_records_of(xinpu), actor.keeps_records_of(banpu))
        for name, actor in actors.items()
    }
    assert offered == {
        "admin": (True, True),
        "office": (True, True),
        "leader": (False, False),
        "town": (True, False),
    }
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        depot(session, actors["town"], place="板浦镇", point=BANPU_POINT)
