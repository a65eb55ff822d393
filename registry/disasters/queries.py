"""Town-side reads of disaster reporting: the events a town reports in, a town's reports with
their state, what each affected town owes at ``now`` (the reporting clock), and the named
registers — personal data: the office and admin read names in full, a town official of the
town reads them masked (张*明), everyone else the counts only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.disasters import indicators, reports
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
from registry.kernel.models import DamagedHouse, DisasterCasualty, DisasterReport, Event
from registry.kernel.permissions import Actor
from registry.kernel.settings import Settings


def mask_name(name: str) -> str:
    """Keep the first and last characters: 张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


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


def _by_town(session: Session, event_id: int) -> dict[int, list[DisasterReport]]:
    found: dict[int, list[DisasterReport]] = defaultdict(list)
    for report in session.scalars(
        select(DisasterReport)
        .where(DisasterReport.event_id == event_id)
        .order_by(DisasterReport.id)
    ):
        found[report.locality_id].append(report)
    return found


def report_events(
    session: Session, actor: Actor, now: datetime, settings: Settings
) -> list[EventChoice]:
    """Events the actor reports in: open ones (newest first), then closed ones where a town
    of the actor still owes its 核报 — each with the affected towns the actor reports for."""
    events = session.scalars(
        select(Event).options(selectinload(Event.localities)).order_by(Event.opened_at.desc())
    ).all()
    choices = []
    for event in events:
        towns = tuple(
            (loc.id, loc.name)
            for loc in sorted(event.localities, key=lambda loc: loc.id)
            if actor.covers(loc.id)
        )
        if not towns:
            continue
        if event.state is EventState.CLOSED:
            if event.stable_at is None:
                continue
            by_town = _by_town(session, event.id)
            if not any(owed(event, by_town[town_id], now, settings) for town_id, _ in towns):
                continue
        choices.append(
            EventChoice(event.id, event.title, event.state, event.opened_at, event.stable_at, towns)
        )
    return sorted(choices, key=lambda c: c.state is not EventState.OPEN)


def town_reports(session: Session, event_id: int, locality_id: int) -> list[ReportRow]:
    """The town's reports in the event, newest first."""
    return _rows(session, reports.town_reports(session, event_id, locality_id))[::-1]


def reporting_status(
    session: Session, event_id: int, now: datetime, settings: Settings
) -> list[TownStatus]:
    """Every affected town of the event: its last report and what it owes at ``now``."""
    event = session.get(Event, event_id)
    if event is None:
        return []
    by_town = _by_town(session, event_id)
    last = {town: found[-1] for town, found in by_town.items() if found}
    rows = {row.id: row for row in _rows(session, list(last.values()))}
    return [
        TownStatus(
            locality_id=loc.id,
            locality=loc.name,
            last=rows[last[loc.id].id] if loc.id in last else None,
            due=tuple(owed(event, by_town[loc.id], now, settings)),
            stages_open=tuple(reports.stages_open(event, by_town[loc.id])),
        )
        for loc in sorted(event.localities, key=lambda loc: loc.id)
    ]


def town_status(
    session: Session, event_id: int, locality_id: int, now: datetime, settings: Settings
) -> TownStatus | None:
    """One town's line of ``reporting_status``."""
    found = [
        s
        for s in reporting_status(session, event_id, now, settings)
        if s.locality_id == locality_id
    ]
    return found[0] if found else None


def registers(session: Session, actor: Actor, event_id: int, locality_id: int) -> Registers:
    """The town's registers as ``actor`` may read them."""
    people = session.scalars(
        select(DisasterCasualty)
        .where(DisasterCasualty.event_id == event_id, DisasterCasualty.locality_id == locality_id)
        .order_by(DisasterCasualty.id)
    ).all()
    houses = session.scalars(
        select(DamagedHouse)
        .where(DamagedHouse.event_id == event_id, DamagedHouse.locality_id == locality_id)
        .order_by(DamagedHouse.id)
    ).all()
    full = actor.district_wide
    shown = full or (actor.role is Role.TOWN and actor.covers(locality_id))
    households = {d: sum(h.damage is d for h in houses) for d in HouseDamage}
    rooms = {d: sum(h.rooms for h in houses if h.damage is d) for d in HouseDamage}
    return Registers(
        dead=sum(p.status is CasualtyStatus.DEAD for p in people),
        missing=sum(p.status is CasualtyStatus.MISSING for p in people),
        households=households,
        rooms=rooms,
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
        )
        if shown
        else (),
        houses=tuple(
            HouseRow(h.id, h.household_head, h.address, h.damage, h.rooms, h.version)
            for h in houses
        )
        if shown
        else (),
        rows_shown=shown,
        masked=shown and not full,
    )
