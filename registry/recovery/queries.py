"""Reads of the after-action review: one event's review with the records it names, the
checkpoints still owed a re-inspection, and the records a review may name (the close form's
choices)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.fieldwork.reinspection import flagged
from registry.kernel.enums import (
    DepotLevel,
    PlanStatus,
    RecordStatus,
    ReviewSubject,
    ReviewVerdict,
)
from registry.kernel.models import (
    Checkpoint,
    Depot,
    Event,
    EventReview,
    Locality,
    Plan,
    Team,
    User,
)
from registry.kernel.permissions import Actor
from registry.recovery.closing import SUBJECT_MODELS
from registry.response.dispatch import affected_localities


@dataclass(frozen=True)
class FindingRow:
    subject: ReviewSubject
    subject_id: int
    name: str
    verdict: ReviewVerdict
    note: str | None
    plan_status: PlanStatus | None  # a plan's status now (修订中 after a failed verdict)


@dataclass(frozen=True)
class Review:
    event_id: int
    worked: str
    failed: str
    reviewed_at: datetime
    reviewer: str
    findings: tuple[FindingRow, ...]


def _name(record: object) -> str:
    return str(getattr(record, "title", None) or getattr(record, "name", ""))


def review(session: Session, event_id: int) -> Review | None:
    """The event's review, its findings in the order given; None before it is closed. The
    records the findings name are read with one query per kind of record."""
    found = session.scalar(
        select(EventReview)
        .where(EventReview.event_id == event_id)
        .options(selectinload(EventReview.findings))
    )
    if found is None:
        return None
    reviewer = session.get(User, found.reviewed_by) if found.reviewed_by else None
    wanted: dict[ReviewSubject, set[int]] = defaultdict(set)
    for finding in found.findings:
        wanted[finding.subject].add(finding.subject_id)
    records: dict[tuple[ReviewSubject, int], object] = {}
    for subject, ids in wanted.items():
        model = SUBJECT_MODELS[subject]
        for record in session.scalars(select(model).where(model.id.in_(sorted(ids)))):
            records[(subject, record.id)] = record
    rows = []
    for finding in found.findings:
        record = records.get((finding.subject, finding.subject_id))
        rows.append(
            FindingRow(
                finding.subject,
                finding.subject_id,
                _name(record),
                finding.verdict,
                finding.note,
                record.status if isinstance(record, Plan) else None,
            )
        )
    return Review(
        found.event_id,
        found.worked,
        found.failed,
        found.reviewed_at,
        (reviewer.display_name or reviewer.username) if reviewer else "—",
        tuple(rows),
    )


@dataclass(frozen=True)
class Reinspection:
    checkpoint_id: int
    name: str
    locality_id: int
    locality: str
    event_id: int
    event_title: str
    reviewed_on: date
    note: str | None


def reinspections(session: Session, actor: Actor) -> list[Reinspection]:
    """Checkpoints a review found failed and nobody has inspected since, those the actor
    sees (a town official: their localities), by locality and name."""
    scope = None if actor.sees_every_locality else actor.locality_ids
    flags = flagged(session, scope)
    if not flags:
        return []
    names = dict(session.execute(select(Locality.id, Locality.name)).all())
    events = {f.event_id for f in flags.values()}
    titles = dict(session.execute(select(Event.id, Event.title).where(Event.id.in_(events))).all())
    rows = [
        Reinspection(
            f.checkpoint_id,
            f.name,
            f.locality_id,
            names.get(f.locality_id, "—"),
            f.event_id,
            titles.get(f.event_id, "—"),
            f.reviewed_on,
            f.note,
        )
        for f in flags.values()
    ]
    return sorted(rows, key=lambda r: (r.locality, r.name, r.checkpoint_id))


def subject_choices(session: Session, event_id: int) -> dict[ReviewSubject, dict[int, str]]:
    """What the close form offers to name: the plans (the event's activated ones first, then
    the rest of the register not repealed), active district depots and the active depots,
    teams and checkpoints of the event's localities."""
    event = session.get_one(Event, event_id)
    places = [loc.id for loc in affected_localities(session, event)]
    activated = [p.id for p in event.plans]
    plans = session.execute(
        select(Plan.id, Plan.title).where(Plan.status != PlanStatus.REPEALED).order_by(Plan.id)
    ).all()
    ordered = sorted(plans, key=lambda p: (p.id not in activated, p.id))
    depots = session.execute(
        select(Depot.id, Depot.name)
        .where(Depot.status == RecordStatus.ACTIVE)
        .where((Depot.locality_id.in_(places)) | (Depot.level == DepotLevel.DISTRICT))
        .order_by(Depot.level, Depot.id)
    ).all()
    choices: dict[ReviewSubject, dict[int, str]] = {
        ReviewSubject.PLAN: {i: t for i, t in ordered},
        ReviewSubject.DEPOT: {i: n for i, n in depots},
    }
    for subject, model in ((ReviewSubject.TEAM, Team), (ReviewSubject.CHECKPOINT, Checkpoint)):
        rows = session.execute(
            select(model.id, model.name)
            .where(model.status == RecordStatus.ACTIVE, model.locality_id.in_(places))
            .order_by(model.locality_id, model.name, model.id)
        ).all()
        choices[subject] = {i: n for i, n in rows}
    return choices
