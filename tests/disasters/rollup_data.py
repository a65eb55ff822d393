"""Builders for the office-side tests: an event through the real use-case, and town reports
written directly (the town side files them through its own use-case; these tests are about
what the office does with them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from registry.disasters import indicators
from registry.kernel import db
from registry.kernel.enums import ReportStage, ReportState, ResponseLevel, WarningType
from registry.kernel.models import DisasterReport
from registry.response import events
from tests.conftest import locality_id

OPENED = datetime(2026, 7, 8, 0, 0)  # 08:00 China time
TOWNS = ("新浦街道", "板浦镇", "浦南镇")


def open_event(factory, office, towns=TOWNS, title="7·8 暴雨") -> int:
    with db.transaction(factory) as session:
        return events.open_event(
            session, office, title=title, hazard=WarningType.RAINSTORM,
            level=ResponseLevel.III, locality_ids=[locality_id(session, t) for t in towns],
            plan_ids=[], duty_leader="李区长", duty_officer="王值班", now=OPENED,
        ).id  # fmt: skip


def report(
    factory,
    event_id: int,
    town: str,
    *,
    stage: ReportStage = ReportStage.INITIAL,
    sequence: int = 1,
    state: ReportState = ReportState.SUBMITTED,
    submitted_at: datetime = OPENED + timedelta(hours=1),
    reviewed_at: datetime | None = None,
    situation: str | None = None,
    relief: str | None = None,
    is_zero: bool = False,
    **figures: int | Decimal,
) -> int:
    """A town report with every column set; figures not given are nought."""
    values = {**indicators.zero(), **figures}
    if state is not ReportState.SUBMITTED and reviewed_at is None:
        reviewed_at = submitted_at + timedelta(minutes=10)
    with db.transaction(factory) as session:
        row = DisasterReport(
            event_id=event_id,
            locality_id=locality_id(session, town),
            stage=stage,
            sequence=sequence,
            is_zero=is_zero,
            figures_to=submitted_at - timedelta(minutes=5),
            state=state,
            situation=situation,
            relief=relief,
            explanation=None,
            submitted_at=submitted_at,
            submitted_by=None,
            reviewed_at=reviewed_at,
            reviewed_by=None,
            return_reason=None,
            **values,
        )
        session.add(row)
        session.flush()
        return row.id


def version(factory, model, record_id: int) -> int:
    with factory() as session:
        return session.get(model, record_id).version
