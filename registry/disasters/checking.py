"""The district office checks the towns' reports (审核): it accepts one (采用: its figures enter
the district total from that moment) or returns it with a reason (退回: the town files a
corrected one); and it declares the disaster stable (灾情稳定), which starts the 核报 clock.

Only a submitted report is checked, once: an accepted report is never returned later, so a
district report taken "as of" a time reads the same whenever it is taken again. A report
older than one of the same town already accepted is refused (it would roll the town's
figures back): the office returns it instead, and the roll-up page lists the reports to
check oldest first so this happens only when the office skips one. A closed event may still
be declared stable: the response often ends before the losses are final, and the 核报
follows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import audit, editing, validation
from registry.kernel.enums import AuditAction, AuditEntity, ReportState
from registry.kernel.errors import ValidationError
from registry.kernel.models import DisasterReport, Event, Locality
from registry.kernel.permissions import Action, Actor, require
from registry.response import timeline

ENTITY = AuditEntity.DISASTER_REPORT
REASON_LENGTH = 500


def _submitted(session: Session, report_id: int, expected_version: int) -> DisasterReport:
    """The report row-locked, still awaiting the office's check, as the form saw it."""
    report = editing.load(session, DisasterReport, report_id, ENTITY)
    editing.check_version(session, report, ENTITY, expected_version)
    if report.state is not ReportState.SUBMITTED:
        raise ValidationError("error.rollup_checked", field="rollup_report", state=report.state)
    return report


def _town(session: Session, report: DisasterReport) -> str:
    place = session.get(Locality, report.locality_id)
    return place.name if place else str(report.locality_id)


def _review(
    session: Session,
    actor: Actor,
    report: DisasterReport,
    action: AuditAction,
    values: dict[str, Any],
) -> None:
    before = audit.snapshot(report)
    for key, value in values.items():
        setattr(report, key, value)
    session.flush()
    audit.record(
        session, actor, action, ENTITY, report.id, locality_id=report.locality_id,
        before=before, after=audit.snapshot(report),
    )  # fmt: skip


def accept_report(
    session: Session, actor: Actor, report_id: int, expected_version: int, now: datetime
) -> DisasterReport:
    """采用: the report's figures count for its town from ``now`` on."""
    require(actor, Action.MANAGE_RESPONSE)
    report = _submitted(session, report_id, expected_version)
    newer = session.scalar(
        select(DisasterReport.id).where(
            DisasterReport.event_id == report.event_id,
            DisasterReport.locality_id == report.locality_id,
            DisasterReport.state == ReportState.ACCEPTED,
            (DisasterReport.submitted_at > report.submitted_at)
            | (
                (DisasterReport.submitted_at == report.submitted_at)
                & (DisasterReport.id > report.id)
            ),
        )
    )
    if newer is not None:
        raise ValidationError("error.rollup_superseded", field="rollup_report")
    _review(
        session, actor, report, AuditAction.DISASTER_REPORT_ACCEPTED,
        {"state": ReportState.ACCEPTED, "reviewed_at": now, "reviewed_by": actor.user_id},
    )  # fmt: skip
    timeline.log(
        session, report.event_id, actor, f"report_accepted_{report.stage.value}", now,
        town=_town(session, report), sequence=report.sequence,
    )  # fmt: skip
    return report


def return_report(
    session: Session,
    actor: Actor,
    report_id: int,
    expected_version: int,
    reason: str,
    now: datetime,
) -> DisasterReport:
    """退回 with the reason the town reads: the town files a corrected report."""
    require(actor, Action.MANAGE_RESPONSE)
    why = validation.text(reason, "rollup_reason", max_len=REASON_LENGTH)
    report = _submitted(session, report_id, expected_version)
    _review(
        session, actor, report, AuditAction.DISASTER_REPORT_RETURNED,
        {
            "state": ReportState.RETURNED, "reviewed_at": now, "reviewed_by": actor.user_id,
            "return_reason": why,
        },
    )  # fmt: skip
    timeline.log(
        session, report.event_id, actor, f"report_returned_{report.stage.value}", now,
        town=_town(session, report), sequence=report.sequence, reason=why,
    )  # fmt: skip
    return report


def declare_stable(
    session: Session, actor: Actor, event_id: int, expected_version: int, now: datetime
) -> Event:
    """灾情稳定: daily 续报 stop and the 核报 falls due (open or closed event alike)."""
    require(actor, Action.MANAGE_RESPONSE)
    event = editing.load(session, Event, event_id, AuditEntity.EVENT)
    editing.check_version(session, event, AuditEntity.EVENT, expected_version)
    if event.stable_at is not None:
        raise ValidationError("error.rollup_already_stable", field="rollup_stable")
    before = audit.snapshot(event)
    event.stable_at = now
    session.flush()
    audit.record(
        session, actor, AuditAction.EVENT_STABLE, AuditEntity.EVENT, event.id,
        before=before, after=audit.snapshot(event),
    )  # fmt: skip
    timeline.log(session, event.id, actor, "disaster_stable", now, title=event.title)
    return event
