"""Record use-cases: validation with named fields, versions refusing stale saves."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.kernel import db
from registry.kernel.errors import StaleRecord, ValidationError
from registry.kernel.models import AuditEvent, Depot
from registry.records import commands as records
from tests.conftest import TODAY
from tests.helpers import XINPU_POINT, depot, locality


def test_stale_save_is_refused_and_says_what_changed(factory, actors):
    with db.transaction(factory) as session:
        record = depot(session, actors["town"])
    read_version = record.version
    with db.transaction(factory) as session:  # the first official saves
        records.update_depot(
            session, actors["office"], record.id, read_version, {"manager": "张强"}
        )
    with pytest.raises(StaleRecord) as refused, db.transaction(factory) as session:
        records.update_depot(session, actors["town"], record.id, read_version, {"manager": "李华"})
    assert refused.value.changes["manager"] == ("王明", "张强")
    with factory() as session:
        saved = session.get(Depot, record.id)
        assert (saved.manager, saved.version) == ("张强", read_version + 1)


def test_update_is_audited_with_before_and_after(factory, actors):
    with db.transaction(factory) as session:
        record = depot(session, actors["town"])
        records.update_depot(
            session, actors["town"], record.id, record.version, {"floor_area_m2": 120}
        )
    with factory() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "depot-updated")
        ).one()
    assert json.loads(event.before)["floor_area_m2"] is None
    assert json.loads(event.after)["floor_area_m2"] == 120
    assert event.actor_name == "test-town"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"level": "province"}, "level"),
        ({"lon": 116.39, "lat": 39.9}, "location"),  # Beijing, not Haizhou
        ({"lon": "abc"}, "location"),
        ({"manager_phone": "call me"}, "manager_phone"),
        ({"locality_id": 9999}, "locality"),
        ({"floor_area_m2": -3}, "floor_area_m2"),
    ],
)
def test_invalid_depot_fields_are_named(factory, actors, changes, field):
    with db.transaction(factory) as session:
        base = {
            "name": "库",
            "level": "town",
            "locality_id": locality(session, "新浦街道").id,
            "lon": XINPU_POINT[0],
            "lat": XINPU_POINT[1],
        }
    with pytest.raises(ValidationError) as error, db.transaction(factory) as session:
        records.create_depot(session, actors["office"], {**base, **changes})
    assert error.value.field == field
    with factory() as session:
        assert session.scalar(select(Depot).limit(1)) is None


def test_member_census_refuses_future_training_and_unknown_age_band(factory, actors):
    with db.transaction(factory) as session:
        team = records.create_team(
            session,
            actors["town"],
            {
                "name": "新浦街道综合应急救援队",
                "kind": "comprehensive",
                "staffing": "part_time",
                "locality_id": locality(session, "新浦街道").id,
                "target_headcount": 30,
            },
        )
    for data, field in (
        ({"name": "王五", "age_band": "12"}, "age_band"),
        ({"name": "王五", "last_training_on": TODAY + timedelta(days=3)}, "last_training_on"),
    ):
        with pytest.raises(ValidationError) as error, db.transaction(factory) as session:
            records.add_member(session, actors["town"], team.id, data, today=TODAY)
        assert error.value.field == field
