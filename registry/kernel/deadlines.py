"""Every date rule of the workflows, in one place: working days, plan filing, evaluation and
drill cycles, rectification deadlines and what counts as overdue.

Working days follow the Chinese calendar — weekends, statutory holidays and the make-up
working days (调休) the State Council announces each year — from the ``chinesecalendar``
package. For a year it does not know yet (the next year's arrangement is published in
November or December) weekends alone are used and ``calendar_covers`` says so, so the UI can
mark such a date as provisional.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from registry.kernel.enums import PlanStatus, RiskLevel
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
