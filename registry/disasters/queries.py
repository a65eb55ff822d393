"""Town-side reads of disaster reporting: the events a town reports in, a town's reports with
their state, what each affected town owes at ``now`` (the reporting clock), and the named
registers — personal data: the office and admin read names in full, a town official of the
town reads them masked (张*明), everyone else the counts only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from registry.disasters import indicators, reports
from registry.disasters import registers as disaster_registers
from registry.disasters.indicators import Figures
from registry.kernel import attachments, deadlines
from registry.kernel.deadlines import FiledReport, ReportDue
from registry.kernel.enums import (
    AttachmentOwner,
    CasualtyStatus,
    EventState,
    HouseDamage,
    ReportStage,
    ReportState,
    Role,
    Sex,
)
from registry.kernel.masking import mask_name
from registry.kernel.models import DamagedHouse, DisasterCasualty, DisasterReport, Event
from registry.kernel.permissions import Actor
from registry.kernel.settings import Settings


@dataclass(frozen=True)
class EventChoice:
    """An event a town may report in, with the affected localities the actor reports for."""

    id: int
    title: str
    state: EventState
    opened_at: datetime
    stable_at: datetime | None
    localities: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ReportRow:
    id: int
    stage: ReportStage
    sequence: int
    is_zero: bool
    state: ReportState
    figures_to: datetime
    submitted_at: datetime
    figures: Figures
    situation: str | None
    relief: str | None
    explanation: str | None
    return_reason: str | None
    photos: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class TownStatus:
    """One affected town of an event: its last report and what it owes now."""

    locality_id: int
    locality: str
    last: ReportRow | None
    due: tuple[ReportDue, ...]
    stages_open: tuple[ReportStage, ...]

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.due)


@dataclass(frozen=True)
class CasualtyRow:
    id: int
    name: str
    sex: Sex
    age: int | None
    status: CasualtyStatus
    cause: str
    place: str
    occurred_on: date
    version: int


@dataclass(frozen=True)
class HouseRow:
    id: int
    household_head: str
    address: str
    damage: HouseDamage
    rooms: int
    version: int


@dataclass(frozen=True)
class Registers:
    """A town's two registers in an event. ``rows_shown`` is False for readers who see the
    counts only; ``masked`` when the names are masked."""

    dead: int
    missing: int
    households: dict[HouseDamage, int]
    rooms: dict[HouseDamage, int]
    casualties: tuple[CasualtyRow, ...]
    houses: tuple[HouseRow, ...]
    rows_shown: bool
    masked: bool


def filed(report: DisasterReport) -> FiledReport:
    return FiledReport(report.stage, report.state, report.figures_to)


def owed(
    event: Event, town: list[DisasterReport], now: datetime, settings: Settings
) -> list[ReportDue]:
    """What one town owes in ``event`` at ``now`` (``deadlines.reports_due``)."""
    return deadlines.reports_due(
        opened_at=event.opened_at, stable_at=event.stable_at, closed_at=event.closed_at,
        filed=[filed(r) for r in town], now=now, settings=settings,
    )  # fmt: skip


def _rows(session: Session, found: list[DisasterReport]) -> list[ReportRow]:
    photos = attachments.listing(session, AttachmentOwner.DISASTER_REPORT, [r.id for r in found])
    return [
        ReportRow(
            id=r.id,
            stage=r.stage,
            sequence=r.sequence,
            is_zero=r.is_zero,
            state=r.state,
            figures_to=r.figures_to,
            submitted_at=r.submitted_at,
            figures=indicators.of(r),
            situation=r.situation,
            relief=r.relief,
            explanation=r.explanation,
            return_reason=r.return_reason,
            photos=tuple((p["id"], p["filename"]) for p in photos.get(r.id, [])),
        )
        for r in found
    ]


def _by_town(
    session: Session, event_ids: Sequence[int], locality_ids: Collection[int] | None = None
) -> dict[tuple[int, int], list[DisasterReport]]:
    """The reports of the events (of the towns, if given) in one query, per event and town,
    oldest first."""
    found: dict[tuple[int, int], list[DisasterReport]] = defaultdict(list)
    if not event_ids:
        return found
    query = select(DisasterReport).where(DisasterReport.event_id.in_(event_ids))
    if locality_ids is not None:
        query = query.where(DisasterReport.locality_id.in_(locality_ids))
    for report in session.scalars(query.order_by(DisasterReport.id)):
        found[report.event_id, report.locality_id].append(report)
    return found


def report_events(
    session: Session, actor: Actor, now: datetime, settings: Settings
) -> list[EventChoice]:
    """Events the actor reports in: open ones (newest first), then closed ones where a town
    of the actor may still file (a 续报 until the disaster is stable, a returned 初报
    corrected, the 核报 until accepted) or owes a report — each with the affected towns the
    actor reports for. Two queries: the events, then the closed ones' reports."""
    has_reports = (
        select(DisasterReport.id).where(DisasterReport.event_id == Event.id).exists()
    )  # a closed event no town reported in takes nothing more
    events = session.scalars(
        select(Event)
        .options(selectinload(Event.localities))
        .where(or_(Event.state == EventState.OPEN, has_reports))
        .order_by(Event.opened_at.desc(), Event.id.desc())
    ).all()
    towns_of = {
        event.id: tuple(
            (loc.id, loc.name)
            for loc in sorted(event.localities, key=lambda loc: loc.id)
            if actor.covers(loc.id)
        )
        for event in events
    }
    closed = [e for e in events if e.state is EventState.CLOSED and towns_of[e.id]]
    covered = {town for e in closed for town, _ in towns_of[e.id]}
    by_town = _by_town(session, [e.id for e in closed], covered)
    choices = []
    for event in events:
        towns = towns_of[event.id]
        if not towns:
            continue
        if event.state is EventState.CLOSED and not any(
            reports.stages_open(event, by_town[event.id, town])
            or owed(event, by_town[event.id, town], now, settings)
            for town, _ in towns
        ):
            continue
        choices.append(
            EventChoice(event.id, event.title, event.state, event.opened_at, event.stable_at, towns)
        )
    return sorted(choices, key=lambda c: c.state is not EventState.OPEN)


def town_reports(session: Session, event_id: int, locality_id: int) -> list[ReportRow]:
    """The town's reports in the event, newest first."""
    return _rows(session, reports.town_reports(session, event_id, locality_id))[::-1]


def _status(
    event: Event,
    locality_id: int,
    name: str,
    found: list[DisasterReport],
    last: ReportRow | None,
    now: datetime,
    settings: Settings,
) -> TownStatus:
    return TownStatus(
        locality_id=locality_id,
        locality=name,
        last=last,
        due=tuple(owed(event, found, now, settings)),
        stages_open=tuple(reports.stages_open(event, found)),
    )


def reporting_status(
    session: Session, event_id: int, now: datetime, settings: Settings
) -> list[TownStatus]:
    """Every affected town of the event: its last report and what it owes at ``now``."""
    event = session.get(Event, event_id)
    if event is None:
        return []
    by_town = _by_town(session, [event_id])
    last = {town: found[-1] for (_, town), found in by_town.items() if found}
    rows = {row.id: row for row in _rows(session, list(last.values()))}
    statuses = []
    for loc in sorted(event.localities, key=lambda loc: loc.id):
        shown = rows[last[loc.id].id] if loc.id in last else None
        found = by_town[event_id, loc.id]
        statuses.append(_status(event, loc.id, loc.name, found, shown, now, settings))
    return statuses


def town_status(
    session: Session, event_id: int, locality_id: int, now: datetime, settings: Settings
) -> TownStatus | None:
    """One town's line of ``reporting_status``, reading that town's reports only."""
    event = session.get(Event, event_id)
    town = next((loc for loc in event.localities if loc.id == locality_id), None) if event else None
    if event is None or town is None:
        return None
    found = reports.town_reports(session, event_id, locality_id)
    last = _rows(session, found[-1:])
    return _status(event, town.id, town.name, found, last[0] if last else None, now, settings)


ROOMS_FIGURE = {
    HouseDamage.COLLAPSED: "collapsed_rooms",
    HouseDamage.SEVERE: "severe_rooms",
    HouseDamage.MODERATE: "moderate_rooms",
}
"""The figure that sums the rooms of each damage in the household register."""


def registers(session: Session, actor: Actor, event_id: int, locality_id: int) -> Registers:
    """The town's registers as ``actor`` may read them. The tallies are the ones a report's
    figures must equal (``registers.register_figures``, one computation for both); a reader
    who sees counts only never has the names read."""
    tallies = disaster_registers.register_figures(session, event_id, locality_id)
    full = actor.district_wide
    shown = full or (actor.role is Role.TOWN and actor.covers(locality_id))
    people = (
        session.scalars(
            select(DisasterCasualty)
            .where(
                DisasterCasualty.event_id == event_id, DisasterCasualty.locality_id == locality_id
            )
            .order_by(DisasterCasualty.id)
        ).all()
        if shown
        else ()
    )
    houses = session.scalars(
        select(DamagedHouse)
        .where(DamagedHouse.event_id == event_id, DamagedHouse.locality_id == locality_id)
        .order_by(DamagedHouse.id)
    ).all()
    households = {  # only collapsed households are a figure; the others are rows counted
        d: tallies["collapsed_households"]
        if d is HouseDamage.COLLAPSED
        else sum(h.damage is d for h in houses)
        for d in HouseDamage
    }
    return Registers(
        dead=tallies["deaths"],
        missing=tallies["missing"],
        households=households,
        rooms={d: tallies[ROOMS_FIGURE[d]] for d in HouseDamage},
        casualties=tuple(
            CasualtyRow(
                p.id,
                p.name if full else mask_name(p.name),
                p.sex,
                p.age,
                p.status,
                p.cause,
                p.place,
                p.occurred_on,
                p.version,
            )
            for p in people
        ),
        houses=tuple(
            HouseRow(h.id, h.household_head, h.address, h.damage, h.rooms, h.version)
            for h in houses
        )
        if shown
        else (),
        rows_shown=shown,
        masked=shown and not full,
    )
