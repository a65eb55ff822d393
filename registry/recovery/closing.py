"""Closing an event with its after-action review (复盘), in one transaction.

The response ends (``events.close_event``); the review says what worked and what did not and
names the plans, depots, teams and checkpoints it concerns. A plan that did not work as
intended is a statutory reason to revise it (突发事件应对中发现问题): a plan in force moves to
修订中 through the plan register's own ``start_revision``; a plan in another state (already
being revised, evaluated, awaiting issue, repealed) is named in the result instead, for the
office to follow up by hand. A checkpoint that failed is owed a re-inspection until one is
recorded on or after the review's day (the rule is ``registry.fieldwork.reinspection``; the
recovery page reads it through ``registry.recovery.queries.reinspections``). Last, the
replenishment list is made from what the depots used up for the event
(``registry.recovery.replenishment``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from registry.kernel import audit, validation
from registry.kernel.enums import (
    AuditAction,
    AuditEntity,
    PlanStatus,
    ReviewSubject,
    ReviewVerdict,
    RevisionTrigger,
)
from registry.kernel.errors import ValidationError
from registry.kernel.models import Checkpoint, Depot, Event, EventReview, Plan, ReviewFinding, Team
from registry.kernel.permissions import Action, Actor, require
from registry.plans import commands as plans
from registry.recovery import replenishment
from registry.response import events, timeline

TEXT_LENGTH = 4000
NOTE_LENGTH = 1000
SUBJECT_MODELS: dict[ReviewSubject, type[Any]] = {
    ReviewSubject.PLAN: Plan,
    ReviewSubject.DEPOT: Depot,
    ReviewSubject.TEAM: Team,
    ReviewSubject.CHECKPOINT: Checkpoint,
}


@dataclass(frozen=True)
class FindingInput:
    """One record the review names, whether it worked, and a note."""

    subject: ReviewSubject | str
    subject_id: int
    verdict: ReviewVerdict | str
    note: str | None = None


@dataclass(frozen=True)
class Closing:
    """What closing the event set going."""

    event_id: int
    review_id: int
    plans_revising: tuple[int, ...]  # moved to 修订中 with the trigger
    plans_not_revised: tuple[tuple[int, PlanStatus], ...]  # failed, but not in force
    checkpoints_flagged: tuple[int, ...]  # owed a re-inspection
    lines: int  # replenishment lines listed
    open_lines: int  # of which something is to be bought back


def _finding(session: Session, given: FindingInput) -> ReviewFinding:
    subject = validation.choice(given.subject, ReviewSubject, "review_subject")
    verdict = validation.choice(given.verdict, ReviewVerdict, "review_verdict")
    try:
        record_id = int(given.subject_id)
    except (TypeError, ValueError):
        record_id = None
    if record_id is None or session.get(SUBJECT_MODELS[subject], record_id) is None:
        raise ValidationError(
            "error.recovery_subject_unknown", field="review_subject",
            subject=subject, id=given.subject_id,
        )  # fmt: skip
    note = validation.text(given.note, "note", max_len=NOTE_LENGTH, required=False)
    return ReviewFinding(subject=subject, subject_id=record_id, verdict=verdict, note=note)


def _checked(session: Session, findings: Sequence[FindingInput]) -> list[ReviewFinding]:
    checked, seen = [], set()
    for given in findings:
        finding = _finding(session, given)
        key = (finding.subject, finding.subject_id)
        if key in seen:
            raise ValidationError(
                "error.recovery_subject_twice", field="review_subject",
                subject=finding.subject, id=finding.subject_id,
            )  # fmt: skip
        seen.add(key)
        checked.append(finding)
    return checked


def _revise(
    session: Session, actor: Actor, event: Event, findings: list[ReviewFinding]
) -> tuple[list[int], list[tuple[int, PlanStatus]]]:
    """Start revising every failed plan in force; name the others."""
    revising: list[int] = []
    not_revised: list[tuple[int, PlanStatus]] = []
    for finding in findings:
        if finding.subject is not ReviewSubject.PLAN or finding.verdict is not ReviewVerdict.FAILED:
            continue
        plan = session.get_one(Plan, finding.subject_id)
        if plan.status is not PlanStatus.CURRENT:
            not_revised.append((plan.id, plan.status))
            continue
        note = f"{event.title} · {finding.note}" if finding.note else event.title
        plans.start_revision(
            session, actor, plan.id, plan.version,
            trigger=RevisionTrigger.RESPONSE_OR_DRILL, note=note[: plans.NOTE_LENGTH],
        )  # fmt: skip
        revising.append(plan.id)
    return revising, not_revised


def close_with_review(
    session: Session,
    actor: Actor,
    event_id: int,
    expected_version: int,
    *,
    reason: str,
    worked: str,
    failed: str,
    findings: Sequence[FindingInput],
    now: datetime,
    today: date,
) -> Closing:
    """End the response and file its review: plans that failed enter revision, failed
    checkpoints are owed a re-inspection, the replenishment list is made. All or nothing."""
    require(actor, Action.MANAGE_RESPONSE)
    worked_text = validation.text(worked, "review_worked", max_len=TEXT_LENGTH)
    failed_text = validation.text(failed, "review_failed", max_len=TEXT_LENGTH)
    checked = _checked(session, findings)
    event = events.close_event(session, actor, event_id, expected_version, reason, now)
    review = EventReview(
        event_id=event.id, worked=worked_text, failed=failed_text, reviewed_at=now,
        reviewed_by=actor.user_id, is_demo=event.is_demo, findings=checked,
    )  # fmt: skip
    session.add(review)
    session.flush()
    audit.record(
        session, actor, AuditAction.REVIEW_FILED, AuditEntity.REVIEW, review.id,
        after={
            **audit.snapshot(review),
            "findings": [
                {"subject": f.subject.value, "subject_id": f.subject_id,
                 "verdict": f.verdict.value, "note": f.note}
                for f in checked
            ],
        },
    )  # fmt: skip
    revising, not_revised = _revise(session, actor, event, checked)
    lines = replenishment.list_for_event(session, actor, event, now=now, today=today)
    flagged = tuple(
        f.subject_id
        for f in checked
        if f.subject is ReviewSubject.CHECKPOINT and f.verdict is ReviewVerdict.FAILED
    )
    open_lines = sum(line.suggested > 0 for line in lines)
    timeline.log(
        session, event.id, actor, "reviewed", now, findings=len(checked),
        plans=len(revising), checkpoints=len(flagged), lines=len(lines), open_lines=open_lines,
    )  # fmt: skip
    return Closing(
        event.id, review.id, tuple(revising), tuple(not_revised), flagged, len(lines), open_lines
    )
