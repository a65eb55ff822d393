"""Date rules with frozen dates: Chinese working days across holidays and 调休, the year the
calendar does not know yet, month arithmetic, the plan clocks and rectification deadlines."""

from datetime import date, timedelta

import pytest

from registry.kernel import deadlines
from registry.kernel.enums import PlanStatus, RiskLevel
from registry.kernel.settings import Settings


def _first_unknown_year() -> int:
    """2027 at the time of writing; later once chinesecalendar learns it."""
    return next(y for y in range(2027, 2200) if not deadlines.calendar_covers(date(y, 6, 1)))


def _weekdays_after(start: date, count: int) -> date:
    day = start
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


# --- working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 20), True),  # Sunday, 调休 make-up working day
        (date(2026, 9, 25), False),  # 中秋节
        (date(2026, 9, 27), False),
        (date(2026, 10, 1), False),  # 国庆节
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 10, 11), False),
        (date(2026, 2, 14), True),  # Saturday before 春节, make-up working day
        (date(2026, 2, 15), False),
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday, make-up working day
    ],
)
def test_working_days_follow_the_published_holiday_arrangement(day, working):
    assert deadlines.calendar_covers(day)
    assert deadlines.is_working_day(day) is working


def test_filing_due_across_mid_autumn_and_national_day():
    # 09-25..27 and 10-01..07 off; 09-20 and 10-10 worked: 3 + 2 + 1 + 5 + 5 + 4 = 20
    assert deadlines.filing_due(date(2026, 9, 25)) == date(2026, 10, 29)
    # a naive weekday count would say 10-23
    assert _weekdays_after(date(2026, 9, 25), 20) == date(2026, 10, 23)


def test_filing_due_across_the_spring_festival():
    # 02-14 (Sat) counts, 02-15..23 do not, 02-28 (Sat) counts
    assert deadlines.filing_due(date(2026, 2, 13)) == date(2026, 3, 19)
    assert deadlines.filing_due(date(2026, 2, 12)) == date(2026, 3, 18)


def test_add_working_days_does_not_count_the_start():
    assert deadlines.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert deadlines.add_working_days(date(2026, 10, 9), 0) == date(2026, 10, 9)


def test_an_unknown_year_falls_back_to_weekends_and_says_so():
    year = _first_unknown_year()
    start = date(year, 9, 30)
    assert not deadlines.calendar_covers(start)
    assert deadlines.calendar_covers(date(2026, 6, 1))
    assert deadlines.filing_due(start) == _weekdays_after(start, 20)
    saturday = next(start + timedelta(days=k) for k in range(7) if (start.weekday() + k) % 7 == 5)
    assert not deadlines.is_working_day(saturday)
    dates = deadlines.plan_dates(
        status=PlanStatus.CURRENT,
        issued_on=start,
        filed_on=None,
        last_evaluated_on=None,
        last_drill_on=None,
        crowded_venue=False,
        today=start,
    )
    assert dates.provisional
    filed = deadlines.plan_dates(
        status=PlanStatus.CURRENT,
        issued_on=start,
        filed_on=start,
        last_evaluated_on=None,
        last_drill_on=None,
        crowded_venue=False,
        today=start,
    )
    assert not filed.provisional  # nothing owed, nothing provisional


def test_a_filing_due_late_in_december_reaches_into_an_unknown_year():
    year = _first_unknown_year() - 1
    dates = deadlines.plan_dates(
        status=PlanStatus.CURRENT,
        issued_on=date(year, 12, 20),
        filed_on=None,
        last_evaluated_on=None,
        last_drill_on=None,
        crowded_venue=False,
        today=date(year, 12, 20),
    )
    assert dates.filing_due.year == year + 1
    assert dates.provisional


# --- months ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2024, 2, 29), 36, date(2027, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 3, 15), -13, date(2025, 2, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert deadlines.add_months(day, months) == expected


# --- plan clocks ----------------------------------------------------------------------------


def _dates(today, *, status=PlanStatus.CURRENT, issued=date(2023, 11, 25), **kwargs):
    values = {
        "filed_on": date(2023, 12, 1),
        "last_evaluated_on": None,
        "last_drill_on": None,
        "crowded_venue": False,
    }
    return deadlines.plan_dates(status=status, issued_on=issued, today=today, **values | kwargs)


def test_evaluation_is_due_three_years_after_issue_and_overdue_the_day_after():
    assert _dates(date(2026, 11, 25)).evaluation_due == date(2026, 11, 25)
    assert not _dates(date(2026, 11, 25)).evaluation_overdue  # the day itself
    assert _dates(date(2026, 11, 26)).evaluation_overdue


def test_an_evaluation_restarts_the_clock():
    later = _dates(date(2026, 11, 26), last_evaluated_on=date(2025, 3, 1))
    assert later.evaluation_due == date(2028, 3, 1)
    assert not later.evaluation_overdue


def test_a_plan_under_evaluation_is_not_flagged_for_evaluation():
    dates = _dates(date(2027, 1, 1), status=PlanStatus.EVALUATING)
    assert dates.evaluation_due == date(2026, 11, 25)
    assert not dates.evaluation_overdue


def test_drill_due_three_years_after_the_last_drill_or_the_issue():
    never = _dates(date(2026, 11, 25))
    assert never.drill_due == date(2026, 11, 25)
    assert not never.drill_overdue
    assert _dates(date(2026, 11, 26)).drill_overdue
    drilled = _dates(date(2026, 11, 26), last_drill_on=date(2025, 5, 10))
    assert (drilled.drill_due, drilled.drill_overdue) == (date(2028, 5, 10), False)


def test_crowded_venues_drill_every_six_months():
    last = date(2026, 2, 28)
    on_time = _dates(date(2026, 8, 28), last_drill_on=last, crowded_venue=True)
    assert (on_time.drill_due, on_time.drill_overdue) == (date(2026, 8, 28), False)
    assert _dates(date(2026, 8, 29), last_drill_on=last, crowded_venue=True).drill_overdue
    assert deadlines.next_drill_due(date(2026, 8, 31), None, True) == date(2027, 2, 28)


def test_filing_overdue_only_while_unfiled_and_past_the_twenty_working_days():
    issued = date(2026, 9, 25)
    due = date(2026, 10, 29)
    assert not _dates(due, issued=issued, filed_on=None).filing_overdue
    late = _dates(due + timedelta(days=1), issued=issued, filed_on=None)
    assert (late.filing_due, late.filing_overdue, late.any_overdue) == (due, True, True)
    assert not _dates(date(2027, 1, 1), issued=issued, filed_on=date(2026, 11, 2)).filing_overdue


@pytest.mark.parametrize("status", [PlanStatus.REPEALED, PlanStatus.AWAITING_ISSUE])
def test_repealed_and_unissued_plans_owe_nothing(status):
    long_after = date(2035, 1, 1)
    old = _dates(long_after, status=status, issued=date(2015, 1, 5), filed_on=None)
    assert (old.evaluation_due, old.drill_due) == (None, None)
    assert not old.any_overdue
    never = _dates(long_after, status=status, issued=None, filed_on=None)
    assert (never.filing_due, never.evaluation_due, never.drill_due) == (None, None, None)
    assert not never.any_overdue and not never.provisional


# --- rectification --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("risk", "days"),
    [
        (RiskLevel.MAJOR, 30),
        (RiskLevel.SIGNIFICANT, 15),
        (RiskLevel.GENERAL, 7),
        (RiskLevel.LOW, 7),
    ],
)
def test_rectification_deadline_follows_the_settings_per_risk_level(risk, days):
    found = date(2026, 9, 28)
    assert deadlines.rectification_deadline(found, risk, Settings()) == found + timedelta(days=days)


def test_rectification_days_are_configurable():
    settings = Settings(rectification_days_major=10, rectification_days_low=3)
    found = date(2026, 12, 30)
    assert deadlines.rectification_deadline(found, RiskLevel.MAJOR, settings) == date(2027, 1, 9)
    assert deadlines.rectification_deadline(found, "low", settings) == date(2027, 1, 2)
    assert deadlines.rectification_days(RiskLevel.SIGNIFICANT, settings) == 15
