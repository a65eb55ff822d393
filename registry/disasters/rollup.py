"""The district office's view of an event's town reports: every affected town's latest
report side by side with the accepted one before it, every report still to check (oldest
first), and the district total as of a time.

The total counts ACCEPTED reports only: per town the latest report (in the order filed)
accepted at or before ``at``. Acceptance is final and stamped, so the total of a past time
never changes when later reports arrive; that is what makes a district report reproducible.
Every read here is two queries: the event with its towns, and the event's reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.disasters import indicators
from registry.disasters.indicators import Figures
from registry.kernel import attachments
from registry.kernel.enums import AttachmentOwner, EventState, ReportStage, ReportState
from registry.kernel.models import DisasterReport, Event, Locality

STAGE_ORDER = {stage: rank for rank, stage in enumerate(ReportStage)}
"""初报 < 续报 < 核报: a district report of a stage counts that stage and the earlier ones."""


@dataclass(frozen=True)
class ReportLine:
    """One town report as the office reads it."""

    id: int
    event_id: int
    locality_id: int
    locality: str
    stage: ReportStage
    sequence: int
    is_zero: bool
    figures_to: datetime
    state: ReportState
    figures: Mapping[str, int | Decimal]
    situation: str | None
    relief: str | None
    explanation: str | None
    submitted_at: datetime
    reviewed_at: datetime | None
    return_reason: str | None
    version: int


@dataclass(frozen=True)
class TownRow:
    """A town of the event: its latest report (any state) and, to compare, the latest
    accepted report filed before it."""

    locality_id: int
    locality: str
    latest: ReportLine | None
    previous: ReportLine | None


@dataclass(frozen=True)
class Counted:
    """A town in the district total: the accepted report that counts for it, if any."""

    locality_id: int
    locality: str
    report: ReportLine | None


@dataclass(frozen=True)
class Total:
    """The district total of an event as of ``at`` from accepted reports (of ``stage`` and
    earlier stages when a stage is given), per town and summed."""

    event_id: int
    at: datetime
    stage: ReportStage | None
    towns: tuple[Counted, ...]
    figures: Mapping[str, int | Decimal]

    @property
    def reported(self) -> int:
        return sum(town.report is not None for town in self.towns)


@dataclass(frozen=True)
class EventFigures:
    """An open event's accepted disaster figures, for the leaders' overview."""

    event_id: int
    title: str
    total: Total


def _line(report: DisasterReport, name: str) -> ReportLine:
    return ReportLine(
        id=report.id,
        event_id=report.event_id,
        locality_id=report.locality_id,
        locality=name,
        stage=report.stage,
        sequence=report.sequence,
        is_zero=report.is_zero,
        figures_to=report.figures_to,
        state=report.state,
        figures=indicators.of(report),
        situation=report.situation,
        relief=report.relief,
        explanation=report.explanation,
        submitted_at=report.submitted_at,
        reviewed_at=report.reviewed_at,
        return_reason=report.return_reason,
        version=report.version,
    )


def _reports(session: Session, event_ids: Iterable[int]) -> list[ReportLine]:
    """The events' reports in the order filed (the second query)."""
    ids = list(event_ids)
    if not ids:
        return []
    rows = session.execute(
        select(DisasterReport, Locality.name)
        .join(Locality, Locality.id == DisasterReport.locality_id)
        .where(DisasterReport.event_id.in_(ids))
        .order_by(DisasterReport.submitted_at, DisasterReport.id)
    ).all()
    return [_line(report, name) for report, name in rows]


def _towns(event: Event, reports: list[ReportLine]) -> list[tuple[int, str]]:
    """The event's localities, then any other town that reported, in code order."""
    found = {loc.id: (loc.nbs_code, loc.name) for loc in event.localities}
    for line in reports:
        found.setdefault(line.locality_id, ("~", line.locality))
    return [(i, name) for i, (_, name) in sorted(found.items(), key=lambda kv: (kv[1], kv[0]))]


def _event(session: Session, event_id: int) -> Event | None:
    return session.scalar(
        select(Event).options(selectinload(Event.localities)).where(Event.id == event_id)
    )


def town_rows(session: Session, event_id: int) -> list[TownRow]:
    """Each town of the event: its latest report and the accepted one before it."""
    event = _event(session, event_id)
    if event is None:
        return []
    reports = _reports(session, [event_id])
    rows = []
    for locality_id, name in _towns(event, reports):
        mine = [line for line in reports if line.locality_id == locality_id]
        latest = mine[-1] if mine else None
        earlier = [line for line in mine[:-1] if line.state is ReportState.ACCEPTED]
        rows.append(TownRow(locality_id, name, latest, earlier[-1] if earlier else None))
    return rows


def waiting(session: Session, event_id: int) -> list[ReportLine]:
    """Every report of the event still to check, oldest first: a town's earlier report is
    checked before its later one (once a later one is accepted, an earlier one can only be
    returned, ``checking.accept_report``)."""
    return [line for line in _reports(session, [event_id]) if line.state is ReportState.SUBMITTED]


def counts_at(line: ReportLine, at: datetime, stage: ReportStage | None = None) -> bool:
    """Whether a report counts in a total as of ``at`` (of ``stage`` and earlier stages)."""
    return (
        line.state is ReportState.ACCEPTED
        and line.reviewed_at is not None
        and line.reviewed_at <= at
        and (stage is None or STAGE_ORDER[line.stage] <= STAGE_ORDER[stage])
    )


def _total(
    event: Event, reports: list[ReportLine], at: datetime, stage: ReportStage | None
) -> Total:
    towns = []
    figures: Figures = indicators.zero()
    for locality_id, name in _towns(event, reports):
        counted = [
            line
            for line in reports
            if line.locality_id == locality_id and counts_at(line, at, stage)
        ]
        report = counted[-1] if counted else None
        if report is not None:
            figures = indicators.add(figures, dict(report.figures))
        towns.append(Counted(locality_id, name, report))
    return Total(event.id, at, stage, tuple(towns), figures)


def district_total(
    session: Session, event_id: int, at: datetime, stage: ReportStage | None = None
) -> Total | None:
    """The district total as of ``at`` from accepted reports; None for an unknown event."""
    event = _event(session, event_id)
    if event is None:
        return None
    return _total(event, _reports(session, [event_id]), at, stage)


def open_event_figures(session: Session, at: datetime) -> list[EventFigures]:
    """Every open event's accepted figures as of ``at`` (the leaders' overview)."""
    events = session.scalars(
        select(Event)
        .options(selectinload(Event.localities))
        .where(Event.state == EventState.OPEN)
        .order_by(Event.opened_at)
    ).all()
    reports = _reports(session, [e.id for e in events])
    return [
        EventFigures(e.id, e.title, _total(e, [r for r in reports if r.event_id == e.id], at, None))
        for e in events
    ]


@dataclass(frozen=True)
class EventLine:
    """An event to choose on the roll-up page."""

    id: int
    title: str
    state: EventState
    opened_at: datetime
    closed_at: datetime | None
    stable_at: datetime | None
    version: int
    is_demo: bool


def event_lines(session: Session) -> list[EventLine]:
    """Every event: open ones first, then the newest."""
    events = session.scalars(select(Event).order_by(Event.opened_at.desc(), Event.id.desc()))
    rows = [
        EventLine(
            e.id, e.title, e.state, e.opened_at, e.closed_at, e.stable_at, e.version, e.is_demo
        )
        for e in events
    ]
    return sorted(rows, key=lambda r: r.state is not EventState.OPEN)


def report_photos(
    session: Session, report_ids: Iterable[int]
) -> dict[int, tuple[tuple[int, str], ...]]:
    """The photos of reports, by report id: (attachment id, file name)."""
    found = attachments.listing(session, AttachmentOwner.DISASTER_REPORT, list(report_ids))
    return {
        report_id: tuple((item["id"], item["filename"]) for item in items)
        for report_id, items in found.items()
    }
