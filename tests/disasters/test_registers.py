"""The named registers (issue 16, item 1): dead and missing persons and damaged households,
added, updated (version-checked) and removed by the town's officials or the office, each
change audited, values checked; read in full by the office, with names masked by the town,
as counts only by leaders; final once the town's 核报 is accepted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from registry.disasters import queries, registers
from registry.kernel import db
from registry.kernel.enums import AuditAction, HouseDamage, ReportStage, ReportState
from registry.kernel.errors import PermissionDenied, StaleRecord, ValidationError
from registry.kernel.masking import mask_name
from registry.kernel.models import AuditEvent, DamagedHouse, DisasterCasualty, DisasterReport
from tests.disasters.test_reports import NOW, file, open_event, town_id

TODAY = NOW.date()
PERSON = {
    "name": "张小明", "sex": "male", "age": "67", "status": "dead", "cause": "房屋倒塌",
    "place": "新浦街道民主路", "occurred_on": TODAY,
}  # fmt: skip
HOUSE = {"household_head": "李四", "address": "民主路 3 号", "damage": "collapsed", "rooms": "3"}


@pytest.fixture
def event_id(factory, actors):
    return open_event(factory, actors["office"])


def add_person(factory, actor, event_id, place="新浦街道", **changes) -> DisasterCasualty:
    town = town_id(factory, place)
    with db.transaction(factory) as session:
        row = registers.add_casualty(
            session, actor, event_id, town, now=NOW, today=TODAY,
            **{**PERSON, **changes},
        )  # fmt: skip
        session.flush()  # the audit event too, before the rows are let go
        session.expunge_all()
        return row


def add_house(factory, actor, event_id, **changes) -> DamagedHouse:
    town = town_id(factory)
    with db.transaction(factory) as session:
        row = registers.add_house(session, actor, event_id, town, now=NOW, **{**HOUSE, **changes})
        session.flush()  # the audit event too, before the rows are let go
        session.expunge_all()
        return row


def actions(factory) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_town_keeps_its_casualty_register_with_every_change_audited(factory, actors, event_id):
    town = actors["town"]
    row = add_person(factory, town, event_id)
    assert (row.name, row.age, row.status.value) == ("张小明", 67, "dead")
    with db.transaction(factory) as session:
        registers.update_casualty(
            session, town, row.id, row.version, today=TODAY, **{**PERSON, "status": "missing"}
        )
    with pytest.raises(StaleRecord), db.transaction(factory) as session:
        registers.update_casualty(session, town, row.id, row.version, today=TODAY, **PERSON)
    with db.transaction(factory) as session:
        registers.remove_casualty(session, town, row.id, row.version + 1)
    with factory() as session:
        assert session.get(DisasterCasualty, row.id) is None
    done = [a for a in actions(factory) if a.startswith("disaster_casualty")]
    assert done == [
        AuditAction.DISASTER_CASUALTY_ADDED.value,
        AuditAction.DISASTER_CASUALTY_UPDATED.value,
        AuditAction.DISASTER_CASUALTY_REMOVED.value,
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"age": "151"}, "age"),
        ({"age": "-1"}, "age"),
        ({"sex": "other"}, "sex"),
        ({"status": "injured"}, "casualty_status"),
        ({"cause": ""}, "cause"),
        ({"occurred_on": TODAY + timedelta(days=1)}, "occurred_on"),
        ({"occurred_on": None}, "occurred_on"),
    ],
)
def test_casualty_values_are_checked(factory, actors, event_id, changes, field):
    with pytest.raises(ValidationError) as refused:
        add_person(factory, actors["town"], event_id, **changes)
    assert refused.value.field == field


def test_an_unknown_age_is_allowed_for_a_missing_person(factory, actors, event_id):
    assert add_person(factory, actors["town"], event_id, age="", status="missing").age is None


def test_a_town_keeps_its_household_register(factory, actors, event_id):
    town, xinpu = actors["town"], town_id(factory)
    row = add_house(factory, town, event_id)
    with pytest.raises(ValidationError) as refused:
        add_house(factory, town, event_id, rooms="0")
    assert refused.value.field == "rooms"
    with pytest.raises(ValidationError) as refused:
        add_house(factory, town, event_id, damage="burnt")
    assert refused.value.field == "damage"
    with db.transaction(factory) as session:
        registers.update_house(session, town, row.id, row.version, **{**HOUSE, "rooms": 4})
        assert registers.register_figures(session, event_id, xinpu)["collapsed_rooms"] == 4
    with db.transaction(factory) as session:
        registers.remove_house(session, town, row.id, row.version + 1)
    assert [a for a in actions(factory) if a.startswith("damaged_house")] == [
        "damaged_house-added", "damaged_house-updated", "damaged_house-removed",
    ]  # fmt: skip


def test_only_the_towns_officials_and_the_office_keep_its_registers(factory, actors, event_id):
    with pytest.raises(PermissionDenied):
        add_person(factory, actors["town"], event_id, place="板浦镇")
    with pytest.raises(PermissionDenied):
        add_person(factory, actors["leader"], event_id)
    assert add_person(factory, actors["office"], event_id, place="板浦镇").id


def test_names_are_full_for_the_office_masked_for_the_town_and_counts_for_leaders(
    factory, actors, event_id
):
    add_person(factory, actors["town"], event_id)
    add_person(factory, actors["town"], event_id, name="欧阳小红", sex="female", status="missing")
    add_house(factory, actors["town"], event_id)
    xinpu = town_id(factory)
    with factory() as session:
        office = queries.registers(session, actors["office"], event_id, xinpu)
        town = queries.registers(session, actors["town"], event_id, xinpu)
        leader = queries.registers(session, actors["leader"], event_id, xinpu)
    assert [r.name for r in office.casualties] == ["张小明", "欧阳小红"] and not office.masked
    assert [r.name for r in town.casualties] == ["张*明", "欧**红"] and town.masked
    assert leader.casualties == () and leader.houses == () and not leader.rows_shown
    assert (leader.dead, leader.missing) == (1, 1)
    assert (
        leader.households[HouseDamage.COLLAPSED] == 1 and leader.rooms[HouseDamage.COLLAPSED] == 3
    )
    assert mask_name("张三") == "张*" and mask_name("A") == "*"


def test_the_registers_are_final_once_the_final_report_is_accepted(factory, actors, event_id):
    town = actors["town"]
    row = add_person(factory, town, event_id)
    file(factory, town, event_id, ReportStage.INITIAL, {"affected_people": "9", "deaths": "1"})
    with db.transaction(factory) as session:
        session.execute(
            update(DisasterReport).values(stage=ReportStage.FINAL, state=ReportState.ACCEPTED)
        )
    with pytest.raises(ValidationError, match="accepted"):
        add_person(factory, town, event_id)
    with pytest.raises(ValidationError, match="accepted"), db.transaction(factory) as session:
        registers.remove_casualty(session, town, row.id, row.version)


def test_a_register_date_is_a_date(factory, actors, event_id):
    row = add_person(factory, actors["town"], event_id, occurred_on=date(2026, 7, 7))
    assert row.occurred_on == date(2026, 7, 7)
