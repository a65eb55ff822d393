"""Inspections of depots, checkpoints and teams, as recorded in the field.

An inspection names its target, date, inspector, result, findings, photos and where it was
made. It is attributed to the running campaign whose scope holds the target (unless the
inspector names one), and each finding line opens a rectification with the default deadline
for its risk level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy.orm import Session

from registry.fieldwork import campaigns, rectifications
from registry.kernel import attachments, audit, validation
from registry.kernel.attachments import PreparedFile
from registry.kernel.enums import (
    AttachmentOwner,
    AuditAction,
    AuditEntity,
    CheckpointType,
    InspectionResult,
    InspectionTarget,
    RecordStatus,
    RiskLevel,
)
from registry.kernel.errors import ValidationError
from registry.kernel.models import Campaign, Checkpoint, Depot, Inspection, Team
from registry.kernel.permissions import Action, Actor, require, require_depot_write
from registry.kernel.settings import Settings

MODELS: dict[InspectionTarget, type[Depot | Checkpoint | Team]] = {
    InspectionTarget.DEPOT: Depot,
    InspectionTarget.CHECKPOINT: Checkpoint,
    InspectionTarget.TEAM: Team,
}
RESPONSIBLE_FIELD = {
    InspectionTarget.DEPOT: "manager",
    InspectionTarget.CHECKPOINT: "responsible_person",
    InspectionTarget.TEAM: "leader",
}
MAX_FINDINGS = 20


@dataclass(frozen=True)
class Target:
    """What an inspection needs to know about the record it inspects."""

    kind: InspectionTarget
    record: Depot | Checkpoint | Team

    @property
    def locality_id(self) -> int:
        return self.record.locality_id

    @property
    def checkpoint_type(self) -> CheckpointType | None:
        return self.record.type if isinstance(self.record, Checkpoint) else None

    @property
    def risk_level(self) -> RiskLevel | None:
        return self.record.risk_level if isinstance(self.record, Checkpoint) else None

    @property
    def responsible(self) -> str | None:
        person: str | None = getattr(self.record, RESPONSIBLE_FIELD[self.kind])
        return person

    @property
    def foreign_key(self) -> dict[str, Any]:
        return {f"{self.kind.value}_id": self.record.id}


def load_target(session: Session, kind: object, record_id: int | None) -> Target:
    kind = validation.choice(kind, InspectionTarget, "target_kind")
    found = session.get(MODELS[kind], record_id) if record_id is not None else None
    record = cast("Depot | Checkpoint | Team | None", found)  # get() widens the union to Base
    if record is None:
        raise ValidationError("error.unknown_record", field="target", entity=kind, value=record_id)
    if record.status is not RecordStatus.ACTIVE:
        raise ValidationError("error.target_retired", field="target", kind=kind, id=record_id)
    return Target(kind, record)


def require_inspect(actor: Actor, target: Target) -> None:
    """District depots are inspected by the district office; everything else by the people
    who keep that locality's records."""
    if isinstance(target.record, Depot):
        require_depot_write(actor, target.record.level, target.locality_id)
    else:
        require(actor, Action.EDIT_LOCAL_RECORDS, target.locality_id)


def finding_lines(findings: str | None) -> list[str]:
    """One finding per line: each line becomes its own rectification."""
    lines = [line.strip(" \t-•·、") for line in (findings or "").splitlines()]
    return [line for line in lines if line]


def _campaign(
    session: Session, target: Target, day: date, campaign_id: int | str | None
) -> Campaign | None:
    if campaign_id in (None, ""):
        return campaigns.matching_campaign(
            session, target.kind, target.locality_id, target.checkpoint_type, day
        )
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ValidationError(
            "error.unknown_record",
            field="campaign",
            entity=AuditEntity.CAMPAIGN,
            value=campaign_id,
        )
    if not campaign.starts_on <= day <= campaign.ends_on:
        raise ValidationError(
            "error.outside_campaign",
            field="campaign",
            day=day,
            name=campaign.name,
            starts=campaign.starts_on,
            ends=campaign.ends_on,
        )
    if not campaigns.Scope.of(campaign).holds(
        target.kind, target.locality_id, target.checkpoint_type
    ):
        raise ValidationError(
            "error.campaign_scope", field="campaign", name=campaign.name, kind=target.kind
        )
    return campaign


def _location(data: dict[str, Any]) -> tuple[float | None, float | None]:
    lon, lat = data.get("lon"), data.get("lat")
    if lon in (None, "") and lat in (None, ""):
        return None, None
    return validation.point_in_district(lon, lat)


def record_inspection(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    photos: Sequence[PreparedFile] = (),
    *,
    settings: Settings,
    today: date,
) -> Inspection:
    """检查登记. ``data``: target_kind, target_id, inspected_on, inspector, result, findings
    (one per line), risk_level (for depots and teams; a checkpoint's findings take its own
    unless raised, or lowered by the office),
    deadline and responsible_person (optional overrides), campaign_id (optional), lon/lat."""
    target = load_target(session, data.get("target_kind"), data.get("target_id"))
    require_inspect(actor, target)
    day = validation.not_future(data.get("inspected_on") or today, "inspected_on", today)
    result = validation.choice(data.get("result"), InspectionResult, "result")
    lines = finding_lines(data.get("findings"))
    if result is InspectionResult.FINDINGS and not lines:
        raise ValidationError("error.findings_required", field="findings")
    if result is InspectionResult.PASSED and lines:
        raise ValidationError("error.passed_with_findings", field="findings")
    if len(lines) > MAX_FINDINGS:
        raise ValidationError("error.too_many_lines", field="findings", limit=MAX_FINDINGS)
    lon, lat = _location(data)
    campaign = _campaign(session, target, day, data.get("campaign_id"))
    inspection = Inspection(
        campaign_id=campaign.id if campaign else None,
        target_kind=target.kind,
        **target.foreign_key,
        locality_id=target.locality_id,
        inspected_on=day,
        inspector=validation.text(
            data.get("inspector") or actor.display_name or actor.username, "inspector", max_len=64
        ),
        inspector_id=actor.user_id,
        result=result,
        findings="\n".join(lines) or None,
        lon=lon,
        lat=lat,
    )
    session.add(inspection)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.INSPECTION_RECORDED,
        AuditEntity.INSPECTION,
        inspection.id,
        locality_id=inspection.locality_id,
        after=audit.snapshot(inspection),
    )
    attachments.attach(
        session,
        actor,
        AttachmentOwner.INSPECTION,
        inspection.id,
        photos,
        locality_id=inspection.locality_id,
    )
    for line in lines:
        rectifications.register(
            session,
            actor,
            target={**target.foreign_key, "locality_id": target.locality_id},
            description=line,
            risk_level=data.get("risk_level"),
            found_on=day,
            settings=settings,
            today=today,
            deadline=data.get("deadline") or None,
            responsible_person=data.get("responsible_person") or target.responsible,
            inspection_id=inspection.id,
            note=f"检查发现（{inspection.inspector}）",
        )
    return inspection
