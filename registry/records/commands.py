"""Use-cases for depots, teams, members and checkpoints.

Every function takes ``(session, actor, ...)``, checks permission, validates, writes and
audits inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.kernel import audit, editing, validation
from registry.kernel.clock import utcnow
from registry.kernel.enums import (
    AuditAction,
    AuditEntity,
    CheckpointType,
    DepotLevel,
    DrillForm,
    RecordStatus,
    ReserveMode,
    RiskLevel,
    Specialty,
    TeamKind,
    TeamStaffing,
)
from registry.kernel.errors import ValidationError
from registry.kernel.models import Checkpoint, Depot, Drill, Locality, StockLot, Team, TeamMember
from registry.kernel.permissions import Action, Actor, require, require_depot_write

AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60+")


def _locality(session: Session, locality_id: int | None) -> Locality:
    locality = session.get(Locality, locality_id)
    if locality is None:
        raise ValidationError(
            "error.unknown_record", field="locality", entity=AuditEntity.LOCALITY, value=locality_id
        )
    return locality


def _depot_values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    lon, lat = validation.point_in_district(data.get("lon"), data.get("lat"))
    area = data.get("floor_area_m2")
    area = (
        None if area in (None, "") else validation.quantity(area, "floor_area_m2", allow_zero=True)
    )
    return {
        "name": validation.text(data.get("name"), "name"),
        "level": validation.choice(data.get("level"), DepotLevel, "level"),
        "locality_id": _locality(session, data.get("locality_id")).id,
        "address": validation.text(data.get("address"), "address", max_len=255, required=False),
        "lon": lon,
        "lat": lat,
        "floor_area_m2": area,
        "manager": validation.text(data.get("manager"), "manager", max_len=64, required=False),
        "manager_phone": validation.phone(data.get("manager_phone"), "manager_phone"),
        "reserve_mode": validation.choice(
            data.get("reserve_mode") or ReserveMode.PHYSICAL, ReserveMode, "reserve_mode"
        ),
    }


def create_depot(
    session: Session, actor: Actor, data: dict[str, Any], *, is_demo: bool = False
) -> Depot:
    values = _depot_values(session, data)
    require_depot_write(actor, values["level"], values["locality_id"])
    depot = Depot(**values, last_confirmed_at=utcnow(), is_demo=is_demo)
    return editing.create(session, actor, depot, AuditEntity.DEPOT, values["locality_id"])


def update_depot(
    session: Session, actor: Actor, depot_id: int, expected_version: int, data: dict[str, Any]
) -> Depot:
    return _update(
        session,
        actor,
        Depot,
        AuditEntity.DEPOT,
        depot_id,
        expected_version,
        data,
        _depot_values,
        require_depot_write,
    )


def confirm_depot_unchanged(
    session: Session, actor: Actor, depot_id: int, expected_version: int
) -> Depot:
    """零报告: stamp that the depot's records were checked and nothing changed."""
    depot = editing.load(session, Depot, depot_id, AuditEntity.DEPOT)
    require_depot_write(actor, depot.level, depot.locality_id)
    return _confirm(session, actor, depot, AuditEntity.DEPOT, expected_version)


def confirm_team_unchanged(
    session: Session, actor: Actor, team_id: int, expected_version: int
) -> Team:
    """零报告 for a team: its roster, leader and equipment were checked and are right."""
    team = editing.load(session, Team, team_id, AuditEntity.TEAM)
    require(actor, Action.EDIT_LOCAL_RECORDS, team.locality_id)
    return _confirm(session, actor, team, AuditEntity.TEAM, expected_version)


def _confirm(
    session: Session, actor: Actor, record: Kept, entity: AuditEntity, expected_version: int
) -> Kept:
    editing.apply(
        session,
        actor,
        record,
        entity,
        {"last_confirmed_at": utcnow()},
        expected_version=expected_version,
        locality_id=record.locality_id,
        action=AuditAction.of(entity, "confirmed-unchanged"),
    )
    return record


Kept = TypeVar("Kept", Depot, Team, Checkpoint)  # the records kept up to date in place
MayWrite = Callable[[Actor, Any, int], None]  # (actor, a depot's level or None, locality)


def _require_local(actor: Actor, _level: object, locality_id: int) -> None:
    require(actor, Action.EDIT_LOCAL_RECORDS, locality_id)


def _update(
    session: Session,
    actor: Actor,
    model: type[Kept],
    entity: AuditEntity,
    record_id: int,
    expected_version: int,
    data: dict[str, Any],
    values_of: Callable[[Session, dict[str, Any]], dict[str, Any]],
    may_write: MayWrite,
) -> Kept:
    """Edit a record as a whole: permission on the record as it is and as it will be (so
    nobody moves a record out of, or into, a locality they do not hold), validation of
    every field, the version check, and the audit event."""
    record = editing.load(session, model, record_id, entity)
    may_write(actor, getattr(record, "level", None), record.locality_id)
    values = values_of(session, {**editing_defaults(record), **data})
    may_write(actor, values.get("level"), values["locality_id"])
    if hasattr(record, "last_confirmed_at"):  # an edit confirms the record is up to date
        values["last_confirmed_at"] = utcnow()
    editing.apply(
        session,
        actor,
        record,
        entity,
        values,
        expected_version=expected_version,
        locality_id=record.locality_id,
    )
    return record


def editing_defaults(record: Any) -> dict[str, Any]:
    """Current column values, so a partial edit is validated as a whole record."""
    return {c.key: getattr(record, c.key) for c in record.__mapper__.column_attrs}


def _team_values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    specialties = data.get("specialties") or []
    if isinstance(specialties, str):
        specialties = [s for s in specialties.split(",") if s.strip()]
    checked = [validation.choice(s.strip(), Specialty, "specialties").value for s in specialties]
    lon, lat = data.get("base_lon"), data.get("base_lat")
    if lon not in (None, "") or lat not in (None, ""):
        lon, lat = validation.point_in_district(lon, lat, "base location")
    else:
        lon = lat = None
    target = validation.quantity(
        data.get("target_headcount", 0), "target_headcount", allow_zero=True
    )
    if target > 1000:
        raise ValidationError("error.too_large", field="target_headcount", value=target)
    return {
        "name": validation.text(data.get("name"), "name"),
        "kind": validation.choice(data.get("kind"), TeamKind, "kind"),
        "staffing": validation.choice(data.get("staffing"), TeamStaffing, "staffing"),
        "specialties": ",".join(checked),
        "locality_id": _locality(session, data.get("locality_id")).id,
        "base_lon": lon,
        "base_lat": lat,
        "leader": validation.text(data.get("leader"), "leader", max_len=64, required=False),
        "leader_phone": validation.phone(data.get("leader_phone"), "leader_phone"),
        "target_headcount": target,
        "equipment": validation.text(
            data.get("equipment"), "equipment", max_len=2000, required=False
        ),
    }


def create_team(
    session: Session, actor: Actor, data: dict[str, Any], *, is_demo: bool = False
) -> Team:
    values = _team_values(session, data)
    require(actor, Action.EDIT_LOCAL_RECORDS, values["locality_id"])
    team = Team(**values, last_confirmed_at=utcnow(), is_demo=is_demo)
    return editing.create(session, actor, team, AuditEntity.TEAM, values["locality_id"])


def update_team(
    session: Session, actor: Actor, team_id: int, expected_version: int, data: dict[str, Any]
) -> Team:
    return _update(
        session,
        actor,
        Team,
        AuditEntity.TEAM,
        team_id,
        expected_version,
        data,
        _team_values,
        _require_local,
    )


def add_member(
    session: Session,
    actor: Actor,
    team_id: int,
    data: dict[str, Any],
    *,
    today: date,
    is_demo: bool = False,
) -> TeamMember:
    """Add a person to a team's census. No ID numbers: the form has no such field."""
    team = editing.load(session, Team, team_id, AuditEntity.TEAM)
    require(actor, Action.EDIT_LOCAL_RECORDS, team.locality_id)
    member = TeamMember(team_id=team.id, **_member_values(data, today), is_demo=is_demo)
    return editing.create(session, actor, member, AuditEntity.TEAM_MEMBER, team.locality_id)


def _checkpoint_values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    lon, lat = validation.point_in_district(data.get("lon"), data.get("lat"))
    return {
        "name": validation.text(data.get("name"), "name"),
        "type": validation.choice(data.get("type"), CheckpointType, "type"),
        "risk_level": validation.choice(data.get("risk_level"), RiskLevel, "risk_level"),
        "locality_id": _locality(session, data.get("locality_id")).id,
        "lon": lon,
        "lat": lat,
        "address": validation.text(data.get("address"), "address", max_len=255, required=False),
        "responsible_person": validation.text(
            data.get("responsible_person"), "responsible_person", max_len=64, required=False
        ),
        "responsible_phone": validation.phone(data.get("responsible_phone"), "responsible_phone"),
        "monitor": validation.text(data.get("monitor"), "monitor", max_len=64, required=False),
        "monitor_phone": validation.phone(data.get("monitor_phone"), "monitor_phone"),
    }


def create_checkpoint(
    session: Session, actor: Actor, data: dict[str, Any], *, is_demo: bool = False
) -> Checkpoint:
    values = _checkpoint_values(session, data)
    require(actor, Action.EDIT_LOCAL_RECORDS, values["locality_id"])
    return editing.create(
        session,
        actor,
        Checkpoint(**values, is_demo=is_demo),
        AuditEntity.CHECKPOINT,
        values["locality_id"],
    )


def update_checkpoint(
    session: Session, actor: Actor, checkpoint_id: int, expected_version: int, data: dict[str, Any]
) -> Checkpoint:
    return _update(
        session,
        actor,
        Checkpoint,
        AuditEntity.CHECKPOINT,
        checkpoint_id,
        expected_version,
        data,
        _checkpoint_values,
        _require_local,
    )


def _retire(
    session: Session,
    actor: Actor,
    model: type[Kept],
    entity: AuditEntity,
    record_id: int,
    expected_version: int,
    may_write: MayWrite,
) -> Kept:
    """Retire rather than delete: the record leaves the map and the lists, its history and
    audit trail stay."""
    record = editing.load(session, model, record_id, entity)
    may_write(actor, getattr(record, "level", None), record.locality_id)
    editing.apply(
        session,
        actor,
        record,
        entity,
        {"status": RecordStatus.RETIRED},
        expected_version=expected_version,
        locality_id=record.locality_id,
        action=AuditAction.of(entity, "retired"),
    )
    return record


def retire_checkpoint(
    session: Session, actor: Actor, checkpoint_id: int, expected_version: int
) -> Checkpoint:
    return _retire(
        session,
        actor,
        Checkpoint,
        AuditEntity.CHECKPOINT,
        checkpoint_id,
        expected_version,
        _require_local,
    )


def retire_team(session: Session, actor: Actor, team_id: int, expected_version: int) -> Team:
    return _retire(
        session, actor, Team, AuditEntity.TEAM, team_id, expected_version, _require_local
    )


def retire_depot(session: Session, actor: Actor, depot_id: int, expected_version: int) -> Depot:
    """A depot that still holds stock cannot be retired: transfer or issue it first."""
    held = session.scalar(
        select(func.coalesce(func.sum(StockLot.quantity), 0)).where(StockLot.depot_id == depot_id)
    )
    if held:
        raise ValidationError("error.depot_holds_stock", field="depot", held=held)
    return _retire(
        session, actor, Depot, AuditEntity.DEPOT, depot_id, expected_version, require_depot_write
    )


def _member_values(data: dict[str, Any], today: date) -> dict[str, Any]:
    age_band = data.get("age_band")
    if age_band not in (None, "") and age_band not in AGE_BANDS:
        raise ValidationError(
            "error.unknown_choice", field="age_band", value=age_band, allowed=", ".join(AGE_BANDS)
        )
    return {
        "name": validation.text(data.get("name"), "name", max_len=64),
        "age_band": age_band or None,
        "skills": validation.text(data.get("skills"), "skills", max_len=255, required=False),
        "phone": validation.phone(data.get("phone"), "phone"),
        "last_training_on": validation.not_future(
            data.get("last_training_on"), "last_training_on", today
        ),
    }


def update_member(
    session: Session,
    actor: Actor,
    member_id: int,
    expected_version: int,
    data: dict[str, Any],
    *,
    today: date,
) -> TeamMember:
    """Correct a census row or record a training date."""
    member = editing.load(session, TeamMember, member_id, AuditEntity.TEAM_MEMBER)
    require(actor, Action.EDIT_LOCAL_RECORDS, member.team.locality_id)
    values = _member_values({**editing_defaults(member), **data}, today)
    editing.apply(
        session,
        actor,
        member,
        AuditEntity.TEAM_MEMBER,
        values,
        expected_version=expected_version,
        locality_id=member.team.locality_id,
    )
    return member


def remove_member(session: Session, actor: Actor, member_id: int, expected_version: int) -> None:
    """A person leaves the team: the census row goes; the audit trail keeps what it said."""
    member = editing.load(session, TeamMember, member_id, AuditEntity.TEAM_MEMBER)
    require(actor, Action.EDIT_LOCAL_RECORDS, member.team.locality_id)
    editing.check_version(session, member, AuditEntity.TEAM_MEMBER, expected_version)
    before = audit.snapshot(member)
    session.delete(member)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.TEAM_MEMBER_REMOVED,
        AuditEntity.TEAM_MEMBER,
        member_id,
        locality_id=member.team.locality_id,
        before=before,
    )


def record_team_drill(
    session: Session,
    actor: Actor,
    team_id: int,
    *,
    held_on: date,
    form: str,
    participants: Any,
    evaluation: str | None,
    today: date,
) -> Drill:
    """演练 by a team: a drill record, and the team's last-drill date moves forward."""
    team = editing.load(session, Team, team_id, AuditEntity.TEAM)
    require(actor, Action.EDIT_LOCAL_RECORDS, team.locality_id)
    validation.not_future(held_on, "held_on", today)
    drill = Drill(
        team_id=team.id,
        locality_id=team.locality_id,
        held_on=held_on,
        form=validation.choice(form, DrillForm, "form"),
        participants=validation.quantity(participants, "participants"),
        evaluation=validation.text(evaluation, "evaluation", max_len=2000, required=False),
    )
    editing.create(session, actor, drill, AuditEntity.DRILL, team.locality_id)
    if team.last_drill_on is None or held_on > team.last_drill_on:
        editing.apply(
            session,
            actor,
            team,
            AuditEntity.TEAM,
            {"last_drill_on": held_on},
            expected_version=team.version,
            locality_id=team.locality_id,
            action=AuditAction.TEAM_DRILL_RECORDED,
        )
    return drill
