"""Checkpoints owed a re-inspection (复查) after an event: those an after-action review (复盘)
found failed, until an inspection of the checkpoint is recorded on or after the review's day
(China time; inspections carry a date, not a time). Only active checkpoints are owed one.

One rule, read by the alerts inbox, the campaign target list and the recovery pages alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.kernel.clock import local
from registry.kernel.enums import RecordStatus, ReviewSubject, ReviewVerdict
from registry.kernel.models import Checkpoint, EventReview, Inspection, ReviewFinding


@dataclass(frozen=True)
class Flag:
    checkpoint_id: int
    name: str
    locality_id: int
    event_id: int
    review_id: int
    reviewed_on: date  # the day of the latest review that found it failed
    note: str | None


def flagged(session: Session, locality_ids: Iterable[int] | None = None) -> dict[int, Flag]:
    """Checkpoint id → its flag, for the active checkpoints still owed a re-inspection (of
    these localities, when given). Two grouped queries."""
    query = (
        select(
            Checkpoint.id,
            Checkpoint.name,
            Checkpoint.locality_id,
            EventReview.event_id,
            EventReview.id,
            EventReview.reviewed_at,
            ReviewFinding.note,
        )
        .join(EventReview, EventReview.id == ReviewFinding.review_id)
        .join(Checkpoint, Checkpoint.id == ReviewFinding.subject_id)
        .where(
            ReviewFinding.subject == ReviewSubject.CHECKPOINT,
            ReviewFinding.verdict == ReviewVerdict.FAILED,
            Checkpoint.status == RecordStatus.ACTIVE,
        )
        .order_by(EventReview.reviewed_at, EventReview.id)
    )
    if locality_ids is not None:
        query = query.where(Checkpoint.locality_id.in_(sorted(locality_ids)))
    latest: dict[int, Flag] = {}
    for checkpoint_id, name, locality_id, event_id, review_id, at, note in session.execute(query):
        latest[checkpoint_id] = Flag(
            checkpoint_id, name, locality_id, event_id, review_id, local(at).date(), note
        )
    if not latest:
        return {}
    last = dict(
        session.execute(
            select(Inspection.checkpoint_id, func.max(Inspection.inspected_on))
            .where(Inspection.checkpoint_id.in_(sorted(latest)))
            .group_by(Inspection.checkpoint_id)
        ).all()
    )
    return {
        checkpoint_id: flag
        for checkpoint_id, flag in latest.items()
        if (seen := last.get(checkpoint_id)) is None or seen < flag.reviewed_on
    }
