"""The reporting clock (issue 16, item 2) with frozen times: the 初报 two hours after the event
opens, the daily 续报 at 09:00 China time with figures to 24:00 of the day before (a 零报告
satisfies the day, a missed one is overdue, a returned one is owed again, any report
standing covers the days up to its figures), the daily 续报 kept after the event closes until
the disaster is stable and nothing daily after that, and the 核报 at the end of the second
working day after the stable day, over weekends and the National Day holiday."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update as sql_update

from registry.kernel import clock, db, deadlines
from registry.kernel.deadlines import FiledReport
from registry.kernel.enums import ReportStage, ReportState
from registry.kernel.models import DisasterReport
from registry.kernel.settings import Settings
from registry.readiness import alerts
from tests.disasters.test_reports import NOW, file, open_event

SETTINGS = Settings()
OPENED = clock.from_local(datetime(2026, 7, 8, 10, 0))  # Wednesday 10:00 China time
INI, U, F = ReportStage.INITIAL, ReportStage.UPDATE, ReportStage.FINAL


def china(*parts: int) -> datetime:
    return clock.from_local(datetime(*parts))  # type: ignore[arg-type]


def due(now, filed=(), stable_at=None, closed_at=None, opened=OPENED):
    return deadlines.reports_due(
        opened_at=opened, stable_at=stable_at, closed_at=closed_at, filed=list(filed),
        now=now, settings=SETTINGS,
    )  # fmt: skip


def initial(state=ReportState.SUBMITTED, at=OPENED) -> FiledReport:
    return FiledReport(INI, state, at + timedelta(hours=1))


def update(day: tuple[int, int, int], state=ReportState.SUBMITTED) -> FiledReport:
    """A 续报 filed on ``day`` (China): figures to 24:00 of the day before."""
    return FiledReport(U, state, deadlines.update_figures_to(china(*day, 8, 30), OPENED))


def test_the_initial_report_is_due_two_hours_after_opening_then_overdue():
    before = due(OPENED + timedelta(hours=1, minutes=59))
    assert [(d.stage, d.due_at, d.overdue) for d in before] == [
        (INI, OPENED + timedelta(hours=2), False)
    ]
    after = due(OPENED + timedelta(hours=2, minutes=1))
    assert [(d.stage, d.overdue) for d in after] == [(INI, True)]
    assert due(OPENED + timedelta(hours=3), [initial()]) == []


def test_a_returned_initial_report_is_owed_again():
    owed = due(OPENED + timedelta(hours=3), [initial(ReportState.RETURNED)])
    assert [(d.stage, d.returned) for d in owed] == [(INI, True)]
    fixed = [initial(ReportState.RETURNED), initial()]
    assert due(OPENED + timedelta(hours=3), fixed) == []


def test_the_daily_update_is_due_at_nine_with_figures_to_midnight_and_then_overdue():
    filed = [initial()]
    assert due(china(2026, 7, 8, 23, 59), filed) == []  # nothing daily on the opening day
    morning = due(china(2026, 7, 9, 8, 59), filed)
    assert [(d.stage, d.overdue) for d in morning] == [(U, False)]
    assert morning[0].due_at == china(2026, 7, 9, 9, 0)
    assert morning[0].figures_to == china(2026, 7, 9, 0, 0)  # 24:00 of 8 July
    missed = due(china(2026, 7, 9, 9, 1), filed)
    assert [(d.stage, d.overdue) for d in missed] == [(U, True)]


def test_a_zero_report_satisfies_the_day_and_a_later_one_catches_up_missed_days():
    filed = [initial(), update((2026, 7, 9))]  # a 零报告 is a 续报 to the clock
    assert due(china(2026, 7, 9, 12, 0), filed) == []
    two_days_on = due(china(2026, 7, 11, 10, 0), filed)
    assert [(d.figures_to, d.overdue) for d in two_days_on] == [
        (china(2026, 7, 10, 0, 0), True),
        (china(2026, 7, 11, 0, 0), True),
    ]
    assert due(china(2026, 7, 11, 10, 0), [*filed, update((2026, 7, 11))]) == []


def test_a_returned_update_is_owed_again_for_its_day():
    owed = due(china(2026, 7, 9, 12, 0), [initial(), update((2026, 7, 9), ReportState.RETURNED)])
    assert [(d.stage, d.returned, d.overdue) for d in owed] == [(U, True, True)]


def test_no_update_after_the_disaster_is_stable():
    filed = [initial(), update((2026, 7, 9))]
    stable = china(2026, 7, 10, 8, 0)  # before the 10th's 09:00: that day owes no 续报
    owed = due(china(2026, 7, 10, 12, 0), filed, stable_at=stable)
    assert [d.stage for d in owed] == [F]


def test_closing_the_event_does_not_stop_the_daily_update_until_stable():
    """The response often ends before the losses are final: a closed event's towns still owe
    the 续报 every day until the office declares the disaster stable."""
    filed = [initial(), update((2026, 7, 9))]
    closed_at = china(2026, 7, 10, 8, 0)
    closed = due(china(2026, 7, 12, 12, 0), filed, closed_at=closed_at)
    assert [(d.stage, d.figures_to, d.overdue) for d in closed] == [
        (U, china(2026, 7, 10, 0, 0), True),
        (U, china(2026, 7, 11, 0, 0), True),
        (U, china(2026, 7, 12, 0, 0), True),
    ]
    stable = due(
        china(2026, 7, 12, 12, 0), filed, closed_at=closed_at, stable_at=china(2026, 7, 12, 10, 0)
    )
    assert [d.stage for d in stable] == [F]
    never_reported = due(china(2026, 7, 12, 12, 0), closed_at=china(2026, 7, 8, 11, 0))
    assert never_reported == []  # a closed event takes no new 初报, so nothing can follow it
    sent_back = [initial(ReportState.RETURNED)]
    owed = due(china(2026, 7, 9, 12, 0), sent_back, closed_at=china(2026, 7, 8, 11, 0))
    assert [(d.stage, d.returned) for d in owed] == [(INI, True), (U, False)]


def test_once_stable_missed_and_returned_updates_are_no_longer_owed():
    """``sequence`` refuses any 续报 once stable: the clock must not keep asking for one."""
    stable = china(2026, 7, 11, 8, 0)
    missed = [initial()]  # nothing on the 9th or the 10th
    assert [d.stage for d in due(china(2026, 7, 11, 12, 0), missed, stable_at=stable)] == [F]
    returned = [initial(), update((2026, 7, 9), ReportState.RETURNED)]
    assert [d.stage for d in due(china(2026, 7, 11, 12, 0), returned, stable_at=stable)] == [F]
    final = FiledReport(F, ReportState.ACCEPTED, china(2026, 7, 11, 11, 0))
    assert due(china(2026, 7, 20, 12, 0), [*returned, final], stable_at=stable) == []
    before = due(china(2026, 7, 11, 7, 0), missed, stable_at=stable)  # not stable yet
    assert [(d.stage, d.figures_to) for d in before] == [
        (U, china(2026, 7, 9, 0, 0)),
        (U, china(2026, 7, 10, 0, 0)),
    ]


def test_any_report_standing_counts_toward_the_days_it_covers():
    """A 初报 filed at 01:00 on day D has figures to 01:00: beyond the cut-off (24:00 of D-1)
    of D's 续报, so it satisfies it; a late 初报 catches up every missed day; a returned one
    covers nothing."""
    late_evening = china(2026, 7, 8, 22, 0)
    first = FiledReport(INI, ReportState.SUBMITTED, china(2026, 7, 9, 1, 0))
    assert due(china(2026, 7, 9, 12, 0), [first], opened=late_evening) == []
    assert [d.figures_to for d in due(china(2026, 7, 10, 12, 0), [first], opened=late_evening)] == [
        china(2026, 7, 10, 0, 0)
    ]
    late = FiledReport(INI, ReportState.ACCEPTED, china(2026, 7, 11, 10, 0))
    assert due(china(2026, 7, 11, 12, 0), [late]) == []
    sent_back = FiledReport(INI, ReportState.RETURNED, china(2026, 7, 11, 10, 0))
    owed = due(china(2026, 7, 11, 12, 0), [sent_back])
    assert [d.stage for d in owed] == [INI, U, U, U]


def test_an_update_on_the_opening_day_runs_from_the_opening_not_the_day_before():
    assert deadlines.update_figures_to(china(2026, 7, 8, 15, 0), OPENED) == OPENED
    assert deadlines.update_figures_to(china(2026, 7, 9, 8, 0), OPENED) == china(2026, 7, 9, 0, 0)


def test_the_final_report_is_due_at_the_end_of_the_second_working_day_over_a_weekend():
    stable = china(2026, 7, 10, 15, 0)  # a Friday
    filed = [initial(), update((2026, 7, 9)), update((2026, 7, 10))]
    owed = due(china(2026, 7, 14, 23, 59), filed, stable_at=stable)
    assert [(d.stage, d.due_at, d.overdue) for d in owed] == [
        (F, china(2026, 7, 15, 0, 0), False)  # Monday and Tuesday are the two working days
    ]
    assert due(china(2026, 7, 15, 0, 1), filed, stable_at=stable)[0].overdue
    done = [*filed, FiledReport(F, ReportState.SUBMITTED, china(2026, 7, 13, 10, 0))]
    assert due(china(2026, 7, 15, 0, 1), done, stable_at=stable) == []


def test_the_final_report_skips_the_national_day_holiday():
    opened = china(2026, 9, 28, 10, 0)
    stable = china(2026, 9, 30, 8, 0)  # the holiday runs 1 to 7 October
    filed = [initial(at=opened), update((2026, 9, 29))]
    owed = due(china(2026, 10, 2, 12, 0), filed, stable_at=stable, opened=opened)
    assert [(d.stage, d.due_at) for d in owed] == [(F, china(2026, 10, 10, 0, 0))]


def test_owed_reports_reach_the_alerts_of_the_town_and_the_office(factory, actors):
    """The inbox asks the same clock: the 初报 due, then overdue; a town official sees only
    their own town; a returned report is its own kind; no alerts without ``now``."""
    event_id = open_event(factory, actors["office"])

    def inbox(actor, now):
        with factory() as session:
            found = alerts.alerts_for(session, actor, today=now.date(), settings=SETTINGS, now=now)
        return [(a.kind, a.locality, a.detail["variant"]) for a in found if "disaster" in a.kind]

    soon = inbox(actors["town"], NOW + timedelta(hours=1))
    assert soon == [("disaster_report_due", "新浦街道", "initial")]
    late = inbox(actors["office"], NOW + timedelta(hours=3))
    assert sorted(late) == [
        ("disaster_report_overdue", "新浦街道", "initial"),
        ("disaster_report_overdue", "板浦镇", "initial"),
    ]
    with factory() as session:
        assert not [
            a
            for a in alerts.alerts_for(
                session, actors["office"], today=NOW.date(), settings=SETTINGS
            )
            if "disaster" in a.kind
        ]
    report = file(factory, actors["town"], event_id, INI)
    assert inbox(actors["town"], NOW + timedelta(hours=3)) == []
    with db.transaction(factory) as session:
        session.execute(
            sql_update(DisasterReport)
            .where(DisasterReport.id == report.id)
            .values(state=ReportState.RETURNED)
        )
    assert inbox(actors["town"], NOW + timedelta(hours=3)) == [
        ("disaster_report_returned", "新浦街道", "initial")
    ]
    with factory() as session:
        links = {
            (a.link, a.locality)
            for a in alerts.alerts_for(
                session, actors["leader"], today=NOW.date(), settings=SETTINGS, now=NOW
            )
            if "disaster" in a.kind
        }
    assert links == {("app_pages/events.py", "板浦镇"), ("app_pages/events.py", "新浦街道")}
    next_morning = china(2026, 7, 9, 9, 30)
    assert ("disaster_report_overdue", "新浦街道", "update") in inbox(actors["town"], next_morning)
