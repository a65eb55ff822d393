"""A town's disaster reports (灾情报告) in an event: one 初报, 续报 as many as needed (a 零报告
repeats the last figures with one click), one 核报 once the office declares the disaster
stable. A report is filed once and never edited; the office accepts or returns it and the
town files a corrected one in its place (same stage and sequence).

Which stage may come next (``sequence``):
- 初报 once; again only to replace a returned one. A closed event takes no new 初报 (a town
  that reported nothing while the response was active has nothing to correct).
- 续报 after a 初报 not returned, until the disaster is declared stable — open or closed:
  the response often ends before the losses are final, and the daily clock keeps asking
  for them until ``stable_at`` (``deadlines.reports_due``). After ``stable_at`` the figures
  go into the 核报 and a 续报 is refused. A 续报 filed in place of a returned one takes its
  number; any other takes the next number.
- 核报 once the office declared the disaster stable (``Event.stable_at``), open or closed,
  once (again only to replace a returned one).
- Nothing after an accepted 核报.
Photos are required only while the response is active (the event open).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.disasters import figures_check, indicators, registers
from registry.disasters.indicators import Figures
from registry.kernel import attachments, audit, deadlines, editing, validation
from registry.kernel.attachments import PreparedFile
from registry.kernel.enums import (
    AttachmentOwner,
    AuditAction,
    AuditEntity,
    EventState,
    ReportStage,
    ReportState,
)
from registry.kernel.errors import ValidationError
from registry.kernel.models import DisasterReport, Event, Locality
from registry.kernel.permissions import Action, Actor, require
from registry.kernel.settings import Settings
from registry.response import timeline

ENTITY = AuditEntity.DISASTER_REPORT
TEXT_LENGTH, EXPLANATION_LENGTH = 4000, 2000
Value = str | int | Decimal | None


@dataclass(frozen=True)
class Filing:
    """What a report needs once its stage is allowed: the figures and the texts."""

    stage: ReportStage
    sequence: int
    figures: Figures
    is_zero: bool
    situation: str | None
    relief: str | None
    explanation: str | None


def town_reports(session: Session, event_id: int, locality_id: int) -> list[DisasterReport]:
    """The town's reports in the event, oldest first."""
    return list(
        session.scalars(
            select(DisasterReport)
            .where(DisasterReport.event_id == event_id, DisasterReport.locality_id == locality_id)
            .order_by(DisasterReport.id)
        )
    )


def _stage_error(key: str) -> ValidationError:
    return ValidationError(key, field="report_stage")


def live(filed: Sequence[DisasterReport]) -> list[DisasterReport]:
    """The reports that stand (``deadlines.is_live``: not returned), in the given order."""
    return [r for r in filed if deadlines.is_live(r.state)]


def update_number(filed: Sequence[DisasterReport]) -> int:
    """The number of the town's next 续报 (``filed`` oldest first): that of the latest 续报
    if the office returned it and nothing has replaced it yet (the new one is filed in its
    place), otherwise one more than any 续报 so far, returned or not — so no two standing
    续报 share a number."""
    updates = [r for r in filed if r.stage is ReportStage.UPDATE]
    if updates and not deadlines.is_live(updates[-1].state):
        return updates[-1].sequence
    return 1 + max((r.sequence for r in updates), default=0)


def sequence(event: Event, stage: ReportStage, filed: Sequence[DisasterReport]) -> int:
    """The number the next report of ``stage`` takes (第 n 次续报), or the refusal saying why
    the town may not file it now. ``filed`` is the town's reports in the event, oldest
    first."""
    stages = {r.stage for r in live(filed)}
    if any(r.stage is ReportStage.FINAL and r.state is ReportState.ACCEPTED for r in filed):
        raise _stage_error("error.disaster_final_accepted")
    if stage is ReportStage.INITIAL:
        if ReportStage.INITIAL in stages:
            raise _stage_error("error.disaster_initial_filed")
        if event.state is EventState.CLOSED and not any(
            r.stage is ReportStage.INITIAL for r in filed
        ):
            raise _stage_error("error.disaster_initial_closed")
        return 1
    if ReportStage.INITIAL not in stages:
        raise _stage_error("error.disaster_initial_first")
    if stage is ReportStage.UPDATE:
        if event.stable_at is not None:
            raise _stage_error("error.disaster_update_stable")
        return update_number(filed)
    if event.stable_at is None:
        raise _stage_error("error.disaster_final_not_stable")
    if ReportStage.FINAL in stages:
        raise _stage_error("error.disaster_final_filed")
    return 1


def stages_open(event: Event, filed: Sequence[DisasterReport]) -> list[ReportStage]:
    """The stages the town may file now: what the page offers."""
    found = []
    for stage in ReportStage:
        try:
            sequence(event, stage, filed)
        except ValidationError:
            continue
        found.append(stage)
    return found


def figures_to(event: Event, stage: ReportStage, now: datetime) -> datetime:
    """The figures' cut-off: a 续报 to 24:00 (China) of the day before (never before the event
    opened), the others to now."""
    if stage is ReportStage.UPDATE:
        return deadlines.update_figures_to(now, event.opened_at)
    return now


def previous(filed: Sequence[DisasterReport]) -> DisasterReport | None:
    """The town's latest report not returned: what a new one is compared with."""
    standing = live(filed)
    return standing[-1] if standing else None


def _event(session: Session, actor: Actor, event_id: int, locality_id: int) -> Event:
    require(actor, Action.REPORT_DISASTER, locality_id)
    registers.event_for_town(session, event_id, locality_id)
    return editing.load(session, Event, event_id, AuditEntity.EVENT)  # one town files at a time


def _store(
    session: Session,
    actor: Actor,
    event: Event,
    locality_id: int,
    filing: Filing,
    photos: Sequence[PreparedFile],
    now: datetime,
) -> DisasterReport:
    figures_check.check_registers(
        filing.figures, registers.register_figures(session, event.id, locality_id)
    )
    report = DisasterReport(
        event_id=event.id, locality_id=locality_id, stage=filing.stage,
        sequence=filing.sequence, is_zero=filing.is_zero,
        figures_to=figures_to(event, filing.stage, now), state=ReportState.SUBMITTED,
        **filing.figures, situation=filing.situation, relief=filing.relief,
        explanation=filing.explanation, submitted_at=now, submitted_by=actor.user_id,
        is_demo=event.is_demo,
    )  # fmt: skip
    session.add(report)
    session.flush()
    audit.record(
        session, actor, AuditAction.DISASTER_REPORT_FILED, ENTITY, report.id,
        locality_id=locality_id, after={**audit.snapshot(report), "photos": len(photos)},
    )  # fmt: skip
    if photos:
        attachments.attach(
            session, actor, AttachmentOwner.DISASTER_REPORT, report.id, photos,
            locality_id=locality_id, is_demo=event.is_demo,
        )  # fmt: skip
    town = session.get(Locality, locality_id)
    kind = "zero" if filing.is_zero else filing.stage.value
    timeline.log(
        session, event.id, actor, f"disaster_report_{kind}", now,
        locality=town.name if town else locality_id, sequence=filing.sequence,
    )  # fmt: skip
    return report


def file_report(
    session: Session,
    actor: Actor,
    event_id: int,
    locality_id: int,
    stage: ReportStage | str,
    figures: Mapping[str, Value],
    situation: str | None,
    relief: str | None,
    explanation: str | None,
    photos: Sequence[PreparedFile],
    now: datetime,
    settings: Settings,
) -> DisasterReport:
    """File the town's next report of ``stage``: the figures checked (values, parts within
    wholes, the registers agreeing, a sharp change explained), the situation described and,
    while the response is active, at least ``disaster_report_photos`` photos."""
    event = _event(session, actor, event_id, locality_id)
    kind = validation.choice(stage, ReportStage, "report_stage")
    filed = town_reports(session, event_id, locality_id)
    number = sequence(event, kind, filed)
    values = figures_check.parse(figures)
    figures_check.check_parts(values)
    why = validation.text(explanation, "explanation", max_len=EXPLANATION_LENGTH, required=False)
    before = previous(filed)
    factor = settings.disaster_change_factor
    figures_check.check_change(values, indicators.of(before) if before else None, factor, why)
    filing = Filing(
        stage=kind,
        sequence=number,
        figures=values,
        is_zero=False,
        situation=validation.text(situation, "situation", max_len=TEXT_LENGTH),
        relief=validation.text(relief, "relief", max_len=TEXT_LENGTH, required=False),
        explanation=why,
    )
    needed = settings.disaster_report_photos
    if event.state is EventState.OPEN and len(photos) < needed:
        raise ValidationError(
            "error.disaster_photos", field="photos", count=len(photos), needed=needed
        )
    return _store(session, actor, event, locality_id, filing, photos, now)


def file_zero_report(
    session: Session,
    actor: Actor,
    event_id: int,
    locality_id: int,
    now: datetime,
    settings: Settings,
) -> DisasterReport:
    """零报告: nothing new since the town's last report. One click files a 续报 repeating its
    last figures (not returned), marked ``is_zero``; it needs no text or photos, but the
    registers must still agree with the figures."""
    event = _event(session, actor, event_id, locality_id)
    filed = town_reports(session, event_id, locality_id)
    number = sequence(event, ReportStage.UPDATE, filed)
    last = previous(filed)
    assert last is not None  # a 续报 is allowed only after a 初报 not returned
    filing = Filing(ReportStage.UPDATE, number, indicators.of(last), True, None, None, None)
    return _store(session, actor, event, locality_id, filing, (), now)
