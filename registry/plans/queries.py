"""What the plan register shows: every plan with its three clocks (filing, evaluation, drill)
and whether each has run out, and one plan's versions, drills and status history."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from registry.kernel import attachments, deadlines
from registry.kernel.enums import AttachmentOwner, PlanClass, PlanStatus
from registry.kernel.models import AuditEvent, Drill, Locality, Plan, PlanRevision
from registry.kernel.permissions import Actor
from registry.plans.commands import ENTITY, allowed_actions, may_write

DISTRICT = "district"  # locality filter: the district and department plans (no locality)
CLOCKS = ("filing", "evaluation", "drill")


class PlanRow(TypedDict):
    """One line of the plan register, with its three clocks as of the day asked."""

    id: int
    title: str
    locality_id: int | None
    locality: str | None
    department: str | None
    plan_class: str
    hazards: str | None
    owner_person: str | None
    version_label: str
    issued_on: date | None
    filed_on: date | None
    filing_ref: str | None
    last_evaluated_on: date | None
    last_drill_on: date | None
    crowded_venue: bool
    status: str
    revision_trigger: str | None
    status_note: str | None
    version: int
    is_demo: bool
    filing_due: date | None
    evaluation_due: date | None
    drill_due: date | None
    filing_overdue: bool
    evaluation_overdue: bool
    drill_overdue: bool
    any_overdue: bool
    provisional: bool
    writable: bool
    actions: list[str]


class RevisionLine(TypedDict):
    id: int
    version_label: str
    issued_on: date | None
    note: str | None
    document_name: str | None
    trigger: str | None
    recorded_at: datetime
    in_force: bool
    pending: bool
    attachments: list[dict[str, Any]]


class DrillLine(TypedDict):
    id: int
    held_on: date
    form: str
    participants: int | None
    evaluation: str | None


class HistoryLine(TypedDict):
    at: datetime
    actor_name: str
    action: str
    status_from: str | None
    status_to: str | None
    note: str | None


class PlanDetail(PlanRow):
    revisions: list[RevisionLine]
    drills: list[DrillLine]
    history: list[HistoryLine]


def _base_query() -> Select[Plan, str | None, date | None]:
    """Plans with their locality name and last drill date in one query (no N+1)."""
    last_drill = (
        select(Drill.plan_id, func.max(Drill.held_on).label("last_drill_on"))
        .where(Drill.plan_id.is_not(None))
        .group_by(Drill.plan_id)
        .subquery()
    )
    return (
        select(Plan, Locality.name, last_drill.c.last_drill_on)
        .outerjoin(Locality, Locality.id == Plan.locality_id)
        .outerjoin(last_drill, last_drill.c.plan_id == Plan.id)
        .order_by(Plan.locality_id.is_not(None), Locality.mca_code, Plan.title, Plan.id)
    )


def _row(
    actor: Actor, plan: Plan, locality: str | None, last_drill_on: date | None, today: date
) -> PlanRow:
    dates = deadlines.plan_dates(
        status=plan.status,
        issued_on=plan.issued_on,
        filed_on=plan.filed_on,
        last_evaluated_on=plan.last_evaluated_on,
        last_drill_on=last_drill_on,
        crowded_venue=plan.crowded_venue,
        today=today,
    )
    row: PlanRow = {
        "id": plan.id,
        "title": plan.title,
        "locality_id": plan.locality_id,
        "locality": locality,
        "department": plan.department,
        "plan_class": plan.plan_class.value,
        "hazards": plan.hazards,
        "owner_person": plan.owner_person,
        "version_label": plan.version_label,
        "issued_on": plan.issued_on,
        "filed_on": plan.filed_on,
        "filing_ref": plan.filing_ref,
        "last_evaluated_on": plan.last_evaluated_on,
        "last_drill_on": last_drill_on,
        "crowded_venue": plan.crowded_venue,
        "status": plan.status.value,
        "revision_trigger": plan.revision_trigger.value if plan.revision_trigger else None,
        "status_note": plan.status_note,
        "version": plan.version,
        "is_demo": plan.is_demo,
        "filing_due": dates.filing_due,
        "evaluation_due": dates.evaluation_due,
        "drill_due": dates.drill_due,
        "filing_overdue": dates.filing_overdue,
        "evaluation_overdue": dates.evaluation_overdue,
        "drill_overdue": dates.drill_overdue,
        "any_overdue": dates.any_overdue,
        "provisional": dates.provisional,
        "writable": may_write(actor, plan.locality_id),
        "actions": [],
    }
    row["actions"] = allowed_actions(actor, row)
    return row


def plan_register(
    session: Session, actor: Actor, *, today: date, filters: dict[str, Any] | None = None
) -> list[PlanRow]:
    """Every plan (everyone may read the register), filtered by ``locality_id`` (an id, or
    ``DISTRICT``), ``status``, ``plan_class`` and ``overdue_only``; flags as of ``today``."""
    filters = filters or {}
    query = _base_query()
    locality = filters.get("locality_id")
    if locality == DISTRICT:
        query = query.where(Plan.locality_id.is_(None))
    elif locality is not None:
        query = query.where(Plan.locality_id == int(locality))
    if filters.get("status"):
        query = query.where(Plan.status == PlanStatus(filters["status"]))
    if filters.get("plan_class"):
        query = query.where(Plan.plan_class == PlanClass(filters["plan_class"]))
    rows = [_row(actor, *found, today) for found in session.execute(query)]
    if filters.get("overdue_only"):
        rows = [row for row in rows if row["any_overdue"]]
    return rows


def clock_state(row: PlanRow, clock: str) -> tuple[bool, date | None]:
    """Whether a plan's ``clock`` (filing, evaluation or drill) has run out, and its due date."""
    states = {
        "filing": (row["filing_overdue"], row["filing_due"]),
        "evaluation": (row["evaluation_overdue"], row["evaluation_due"]),
        "drill": (row["drill_overdue"], row["drill_due"]),
    }
    return states[clock]


def late_clocks(row: PlanRow) -> list[str]:
    """The plan's clocks that have run out, in the order filing, evaluation, drill."""
    return [clock for clock in CLOCKS if clock_state(row, clock)[0]]


def overdue_counts(rows: list[PlanRow]) -> dict[str, int]:
    """How many plans are late on filing, evaluation and drills."""
    return {
        "filing": sum(row["filing_overdue"] for row in rows),
        "evaluation": sum(row["evaluation_overdue"] for row in rows),
        "drill": sum(row["drill_overdue"] for row in rows),
    }


def _history(session: Session, plan_id: int) -> list[HistoryLine]:
    """The plan's audit trail: who changed what status when, and why."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == ENTITY, AuditEvent.entity_id == plan_id)
        .order_by(AuditEvent.id)
    )
    history: list[HistoryLine] = []
    for event in events:
        before = json.loads(event.before) if event.before else {}
        after = json.loads(event.after) if event.after else {}
        moved = before.get("status") != after.get("status")
        note = after.get("status_note") if moved else None
        if event.action == "plan-filed":
            note = after.get("filing_ref")
        history.append(
            {
                "at": event.at,
                "actor_name": event.actor_name,
                "action": event.action,
                "status_from": before.get("status"),
                "status_to": after.get("status"),
                "note": note,
            }
        )
    return history


def plan_detail(session: Session, actor: Actor, plan_id: int, *, today: date) -> PlanDetail | None:
    """One plan: its register row, versions (each with its documents), drills and history."""
    found = session.execute(_base_query().where(Plan.id == plan_id)).first()
    if found is None:
        return None
    detail = _row(actor, *found, today)
    revisions = list(
        session.scalars(
            select(PlanRevision).where(PlanRevision.plan_id == plan_id).order_by(PlanRevision.id)
        )
    )
    files = attachments.listing(session, AttachmentOwner.PLAN_REVISION, [r.id for r in revisions])
    pending = detail["status"] == PlanStatus.AWAITING_ISSUE.value
    latest_draft = max((r.id for r in revisions if r.issued_on is None), default=None)
    revision_lines: list[RevisionLine] = [
        {
            "id": r.id,
            "version_label": r.version_label,
            "issued_on": r.issued_on,
            "note": r.note,
            "document_name": r.document_name,
            "trigger": r.trigger.value if r.trigger else None,
            "recorded_at": r.recorded_at,
            "in_force": r.issued_on is not None
            and r.version_label == detail["version_label"]
            and detail["status"] != PlanStatus.REPEALED.value,
            "pending": pending and r.id == latest_draft,
            "attachments": files.get(r.id, []),
        }
        for r in revisions
    ]
    drills: list[DrillLine] = [
        {
            "id": d.id,
            "held_on": d.held_on,
            "form": d.form.value,
            "participants": d.participants,
            "evaluation": d.evaluation,
        }
        for d in session.scalars(
            select(Drill).where(Drill.plan_id == plan_id).order_by(Drill.held_on.desc(), Drill.id)
        )
    ]
    return {
        **detail,
        "revisions": revision_lines,
        "drills": drills,
        "history": _history(session, plan_id),
    }
