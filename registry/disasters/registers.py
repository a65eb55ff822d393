"""The named registers behind a town's figures (应急〔2020〕19号): 因灾死亡失踪人口台账 (one row
per dead or missing person) and 因灾倒塌损坏住房户台账 (one row per damaged household). A
town official keeps their own town's rows in an event, the office any town's; every change
is audited. Once the office has accepted a town's 核报 its registers are final."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.kernel import audit, editing, validation
from registry.kernel.enums import (
    AuditAction,
    AuditEntity,
    CasualtyStatus,
    HouseDamage,
    ReportStage,
    ReportState,
    Sex,
)
from registry.kernel.errors import ValidationError
from registry.kernel.models import DamagedHouse, DisasterCasualty, DisasterReport, Event
from registry.kernel.permissions import Action, Actor, require

CASUALTY, HOUSE = AuditEntity.DISASTER_CASUALTY, AuditEntity.DAMAGED_HOUSE
MAX_AGE = 150
NAME_LENGTH, PLACE_LENGTH = 64, 255


def event_for_town(session: Session, event_id: int, locality_id: int) -> Event:
    """The event, which must exist and count the town among its affected localities."""
    event = session.get(Event, event_id)
    if event is None:
        raise ValidationError(
            "error.not_found", field="event", entity=AuditEntity.EVENT, id=event_id
        )
    if locality_id not in {loc.id for loc in event.localities}:
        raise ValidationError("error.disaster_not_affected", field="locality", title=event.title)
    return event


def final_accepted(session: Session, event_id: int, locality_id: int) -> bool:
    """Whether the office has accepted the town's 核报: its figures are final."""
    found = session.scalar(
        select(func.count()).where(
            DisasterReport.event_id == event_id,
            DisasterReport.locality_id == locality_id,
            DisasterReport.stage == ReportStage.FINAL,
            DisasterReport.state == ReportState.ACCEPTED,
        )
    )
    return bool(found)


def _writable(session: Session, actor: Actor, event_id: int, locality_id: int) -> Event:
    require(actor, Action.REPORT_DISASTER, locality_id)
    event = event_for_town(session, event_id, locality_id)
    if final_accepted(session, event_id, locality_id):
        raise ValidationError("error.disaster_final_accepted", field="report_stage")
    return event


def register_figures(session: Session, event_id: int, locality_id: int) -> dict[str, int]:
    """The registers' tallies as the figures they stand behind: dead and missing persons,
    collapsed households and the rooms of each damage."""
    where = (DisasterCasualty.event_id == event_id, DisasterCasualty.locality_id == locality_id)
    people = dict(
        session.execute(
            select(DisasterCasualty.status, func.count())
            .where(*where)
            .group_by(DisasterCasualty.status)
        ).all()
    )
    houses = {
        damage: (int(count), int(rooms or 0))
        for damage, count, rooms in session.execute(
            select(DamagedHouse.damage, func.count(), func.sum(DamagedHouse.rooms))
            .where(DamagedHouse.event_id == event_id, DamagedHouse.locality_id == locality_id)
            .group_by(DamagedHouse.damage)
        )
    }
    none = (0, 0)
    return {
        "deaths": int(people.get(CasualtyStatus.DEAD, 0)),
        "missing": int(people.get(CasualtyStatus.MISSING, 0)),
        "collapsed_households": houses.get(HouseDamage.COLLAPSED, none)[0],
        "collapsed_rooms": houses.get(HouseDamage.COLLAPSED, none)[1],
        "severe_rooms": houses.get(HouseDamage.SEVERE, none)[1],
        "moderate_rooms": houses.get(HouseDamage.MODERATE, none)[1],
    }


def _age(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # a missing person's age may be unknown
    age = validation.quantity(value, "age", allow_zero=True)
    if age > MAX_AGE:
        raise ValidationError("error.disaster_age", field="age", value=age, limit=MAX_AGE)
    return age


def _casualty_values(
    *,
    name: str,
    sex: Sex | str,
    age: int | str | None,
    status: CasualtyStatus | str,
    cause: str,
    place: str,
    occurred_on: date | None,
    today: date,
) -> dict[str, Any]:
    if occurred_on is None:
        raise ValidationError("error.required", field="occurred_on")
    return {
        "name": validation.text(name, "name", max_len=NAME_LENGTH),
        "sex": validation.choice(sex, Sex, "sex"),
        "age": _age(age),
        "status": validation.choice(status, CasualtyStatus, "casualty_status"),
        "cause": validation.text(cause, "cause", max_len=PLACE_LENGTH),
        "place": validation.text(place, "place", max_len=PLACE_LENGTH),
        "occurred_on": validation.not_future(occurred_on, "occurred_on", today),
    }


def _house_values(
    *, household_head: str, address: str, damage: HouseDamage | str, rooms: int | str
) -> dict[str, Any]:
    return {
        "household_head": validation.text(household_head, "household_head", max_len=NAME_LENGTH),
        "address": validation.text(address, "address", max_len=PLACE_LENGTH),
        "damage": validation.choice(damage, HouseDamage, "damage"),
        "rooms": validation.quantity(rooms, "rooms"),
    }


def _add(session: Session, actor: Actor, record: Any, entity: AuditEntity) -> Any:
    session.add(record)
    session.flush()
    audit.record(
        session, actor, AuditAction.of(entity, "added"), entity, record.id,
        locality_id=record.locality_id, after=audit.snapshot(record),
    )  # fmt: skip
    return record


def add_casualty(
    session: Session,
    actor: Actor,
    event_id: int,
    locality_id: int,
    *,
    now: datetime,
    today: date,
    **values: Any,
) -> DisasterCasualty:
    """A dead or missing person (name, sex, age, status, cause, place, occurred_on)."""
    event = _writable(session, actor, event_id, locality_id)
    row = DisasterCasualty(
        event_id=event_id, locality_id=locality_id, **_casualty_values(today=today, **values),
        recorded_at=now, recorded_by=actor.user_id, is_demo=event.is_demo,
    )  # fmt: skip
    added: DisasterCasualty = _add(session, actor, row, CASUALTY)
    return added


def add_house(
    session: Session, actor: Actor, event_id: int, locality_id: int, *, now: datetime, **values: Any
) -> DamagedHouse:
    """A damaged household (household_head, address, damage, rooms)."""
    event = _writable(session, actor, event_id, locality_id)
    row = DamagedHouse(
        event_id=event_id, locality_id=locality_id, **_house_values(**values), recorded_at=now,
        recorded_by=actor.user_id, is_demo=event.is_demo,
    )  # fmt: skip
    added: DamagedHouse = _add(session, actor, row, HOUSE)
    return added


def update_casualty(
    session: Session, actor: Actor, casualty_id: int, expected_version: int, *, today: date,
    **values: Any,
) -> DisasterCasualty:  # fmt: skip
    row = editing.load(session, DisasterCasualty, casualty_id, CASUALTY)
    _writable(session, actor, row.event_id, row.locality_id)
    editing.apply(
        session, actor, row, CASUALTY, _casualty_values(today=today, **values),
        expected_version=expected_version, locality_id=row.locality_id,
    )  # fmt: skip
    return row


def update_house(
    session: Session, actor: Actor, house_id: int, expected_version: int, **values: Any
) -> DamagedHouse:
    row = editing.load(session, DamagedHouse, house_id, HOUSE)
    _writable(session, actor, row.event_id, row.locality_id)
    editing.apply(
        session, actor, row, HOUSE, _house_values(**values),
        expected_version=expected_version, locality_id=row.locality_id,
    )  # fmt: skip
    return row


def _remove(
    session: Session, actor: Actor, model: Any, entity: AuditEntity, row_id: int, version: int
) -> None:
    row = editing.load(session, model, row_id, entity)
    _writable(session, actor, row.event_id, row.locality_id)
    editing.check_version(session, row, entity, version)
    before = audit.snapshot(row)
    session.delete(row)
    session.flush()
    audit.record(
        session, actor, AuditAction.of(entity, "removed"), entity, row_id,
        locality_id=row.locality_id, before=before,
    )  # fmt: skip


def remove_casualty(
    session: Session, actor: Actor, casualty_id: int, expected_version: int
) -> None:
    _remove(session, actor, DisasterCasualty, CASUALTY, casualty_id, expected_version)


def remove_house(session: Session, actor: Actor, house_id: int, expected_version: int) -> None:
    _remove(session, actor, DamagedHouse, HOUSE, house_id, expected_version)
