"""Every date rule of the workflows, in one place: working days, plan filing, evaluation and
drill cycles, rectification deadlines, what counts as overdue, and the disaster-reporting
clock (初报, daily 续报, 核报).

Working days follow the Chinese calendar — weekends, statutory holidays and the make-up
working days (调休) the State Council announces each year — from the ``chinesecalendar``
package. For a year it does not know yet (the next year's arrangement is published in
November or December) weekends alone are used and ``calendar_covers`` says so, so the UI can
mark such a date as provisional.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

from registry.kernel import clock
from registry.kernel.enums import PlanStatus, ReportStage, ReportState, RiskLevel
from registry.kernel.settings import Settings

FILING_WORKING_DAYS = 20  # 《突发事件应急预案管理办法》 (国办发〔2024〕5号) Art. 26
EVALUATION_YEARS = 3  # county-level plans are evaluated every three years (same 办法)
DRILL_YEARS = 3  # at least one drill every three years (2013 办法 Art. 22, kept in 2024)
CROWDED_DRILL_MONTHS = 6  # crowded venues and scenic areas drill "regularly": every six months
LIVE_PLAN_STATUSES = frozenset({PlanStatus.CURRENT, PlanStatus.EVALUATING, PlanStatus.REVISING})


def calendar_covers(day: date) -> bool:
    """True when the official holiday arrangement for ``day``'s year is known."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """A working day in China; beyond the known years, Monday to Friday."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (31 Aug + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def filing_due(issued_on: date) -> date:
    """备案 is due within 20 working days of issue."""
    return add_working_days(issued_on, FILING_WORKING_DAYS)


def next_evaluation_due(issued_on: date | None, last_evaluated_on: date | None) -> date | None:
    """Three years after the later of issue and the last evaluation."""
    basis = max((d for d in (issued_on, last_evaluated_on) if d is not None), default=None)
    return None if basis is None else add_months(basis, 12 * EVALUATION_YEARS)


def next_drill_due(
    issued_on: date | None, last_drill_on: date | None, crowded: bool
) -> date | None:
    """The next drill: six months after the last for crowded venues, three years otherwise;
    a plan never drilled counts from its issue date."""
    basis = last_drill_on or issued_on
    if basis is None:
        return None
    return add_months(basis, CROWDED_DRILL_MONTHS if crowded else 12 * DRILL_YEARS)


def rectification_days(risk: RiskLevel, settings: Settings) -> int:
    days: int = getattr(settings, f"rectification_days_{RiskLevel(risk).value}")
    return days


def rectification_deadline(found_on: date, risk: RiskLevel, settings: Settings) -> date:
    """The default deadline: the settings' days for the risk level, counted from discovery."""
    return found_on + timedelta(days=rectification_days(risk, settings))


def is_overdue(due: date | None, today: date) -> bool:
    """Past due means the due date itself has gone by."""
    return due is not None and today > due


@dataclass(frozen=True)
class PlanDates:
    """A plan's three clocks and whether each has run out."""

    filing_due: date | None
    evaluation_due: date | None
    drill_due: date | None
    filing_overdue: bool
    evaluation_overdue: bool
    drill_overdue: bool
    provisional: bool  # a due date lies in a year whose holidays are not yet published

    @property
    def any_overdue(self) -> bool:
        return self.filing_overdue or self.evaluation_overdue or self.drill_overdue


def plan_dates(
    *,
    status: PlanStatus | str,
    issued_on: date | None,
    filed_on: date | None,
    last_evaluated_on: date | None,
    last_drill_on: date | None,
    crowded_venue: bool,
    today: date,
) -> PlanDates:
    """Filing, evaluation and drill due dates and flags. A repealed or unissued plan owes
    nothing; filing is owed by every issued plan until it is filed."""
    live = PlanStatus(status) in LIVE_PLAN_STATUSES and issued_on is not None
    filing = filing_due(issued_on) if issued_on is not None else None
    evaluation = next_evaluation_due(issued_on, last_evaluated_on) if live else None
    drill = next_drill_due(issued_on, last_drill_on, crowded_venue) if live else None
    return PlanDates(
        filing_due=filing,
        evaluation_due=evaluation,
        drill_due=drill,
        filing_overdue=live and filed_on is None and is_overdue(filing, today),
        evaluation_overdue=PlanStatus(status) is PlanStatus.CURRENT
        and is_overdue(evaluation, today),
        drill_overdue=live and is_overdue(drill, today),
        provisional=filing is not None and filed_on is None and not calendar_covers(filing),
    )


# The disaster-reporting clock (应急〔2020〕19号): pure, so the alerts, the pages and the
# town's use-cases ask the same questions with a frozen ``now`` in tests.


@dataclass(frozen=True)
class FiledReport:
    """What the reporting clock needs of one of a town's reports in an event."""

    stage: ReportStage
    state: ReportState
    figures_to: datetime


@dataclass(frozen=True)
class ReportDue:
    """A report a town owes: its stage, when it is (or was) due, the figures' cut-off a 续报
    carries (24:00 China time of the day before its due day), whether the deadline has gone
    by and whether it is owed again because the office returned it (退回)."""

    stage: ReportStage
    due_at: datetime  # naive UTC
    figures_to: datetime | None
    overdue: bool
    returned: bool


def update_time(settings: Settings) -> time:
    """The daily 续报 time (China time) of the settings' ``HH:MM``."""
    hours, minutes = settings.disaster_update_time.split(":")
    return time(int(hours), int(minutes))


def china_day(moment: datetime) -> date:
    """The calendar day in China of a stored (naive UTC) moment."""
    return clock.local(moment).date()


def update_figures_to(now: datetime, opened_at: datetime) -> datetime:
    """A 续报 filed at ``now`` carries figures to 24:00 (China) of the day before, but never
    to a moment before the event opened (a 续报 on the opening day runs from the opening)."""
    return max(clock.utc_start_of(china_day(now)), opened_at)


def initial_report_due(opened_at: datetime, settings: Settings) -> datetime:
    return opened_at + timedelta(hours=settings.disaster_initial_hours)


def update_report_due(day: date, settings: Settings) -> datetime:
    """The 续报 of ``day`` is due at the settings' time of that day, China time."""
    return clock.from_local(datetime.combine(day, update_time(settings)))


def final_report_due(stable_at: datetime, settings: Settings) -> datetime:
    """The 核报 is due at the end (24:00 China) of the N-th working day after the day the
    disaster was declared stable."""
    last = add_working_days(china_day(stable_at), settings.disaster_final_working_days)
    return clock.utc_start_of(last + timedelta(days=1))


def update_days(
    opened_at: datetime, stable_at: datetime | None, now: datetime, settings: Settings
) -> list[date]:
    """The days whose 续报 has fallen due by ``now`` or falls due later today: every day after
    the opening day, up to today, whose update time came before the disaster was stable.
    Once the disaster is stable (``stable_at`` at or before ``now``) no day is owed: the 核报
    takes over."""
    if stable_at is not None and stable_at <= now:
        return []
    days = []
    day = china_day(opened_at) + timedelta(days=1)
    while day <= china_day(now):
        if stable_at is not None and update_report_due(day, settings) > stable_at:
            break
        days.append(day)
        day += timedelta(days=1)
    return days


def is_live(state: ReportState) -> bool:
    """Whether a report stands: waiting for the office or accepted, not returned (退回). A
    returned report counts for nothing; the town files another in its place."""
    return state is not ReportState.RETURNED


def _live(filed: Sequence[FiledReport], stage: ReportStage) -> list[FiledReport]:
    return [r for r in filed if r.stage is stage and is_live(r.state)]


def _returned(filed: Sequence[FiledReport], stage: ReportStage) -> list[FiledReport]:
    return [r for r in filed if r.stage is stage and not is_live(r.state)]


def reports_due(
    *,
    opened_at: datetime,
    stable_at: datetime | None,
    closed_at: datetime | None,
    filed: Sequence[FiledReport],
    now: datetime,
    settings: Settings,
) -> list[ReportDue]:
    """What one town owes in one event at ``now``, earliest first.

    - 初报: due ``disaster_initial_hours`` after the event opened, until a 初报 not returned
      is on file. Once the event is closed a 初报 is owed only to correct a returned one.
    - 续报: for each day D after the opening day, due at D's update time (China) with figures
      to 24:00 of D-1, until the disaster is declared stable — closing the event does not
      stop it (the response often ends before the losses are final). Any report not
      returned, of any stage, with figures to that cut-off or later satisfies D (figures are
      cumulative, so a later 续报, 零报告, a late 初报 or the 核报 catches up a missed day).
      Once the disaster is stable no 续报 is owed any more, missed or returned: what is left
      goes into the 核报. A town of a closed event that never filed a 初报 owes none.
    - 核报: once stable, due at the end of the ``disaster_final_working_days``-th working day
      after the stable day, until a 核报 not returned is on file.
    A returned report is owed again (``returned``) at its old deadline."""
    closed = closed_at is not None and closed_at <= now
    due: list[ReportDue] = []
    initial = initial_report_due(opened_at, settings)
    returned = bool(_returned(filed, ReportStage.INITIAL))
    if not _live(filed, ReportStage.INITIAL) and (returned or not closed):
        due.append(ReportDue(ReportStage.INITIAL, initial, None, now > initial, returned))
    if not closed or any(r.stage is ReportStage.INITIAL for r in filed):
        latest = max((r.figures_to for r in filed if is_live(r.state)), default=None)
        sent_back = {r.figures_to for r in _returned(filed, ReportStage.UPDATE)}
        for day in update_days(opened_at, stable_at, now, settings):
            cut_off = clock.utc_start_of(day)
            if latest is not None and latest >= cut_off:
                continue
            at = update_report_due(day, settings)
            due.append(ReportDue(ReportStage.UPDATE, at, cut_off, now > at, cut_off in sent_back))
    if stable_at is not None and stable_at <= now and not _live(filed, ReportStage.FINAL):
        final = final_report_due(stable_at, settings)
        returned = bool(_returned(filed, ReportStage.FINAL))
        due.append(ReportDue(ReportStage.FINAL, final, None, now > final, returned))
    return due
