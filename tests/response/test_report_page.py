"""The 值班快报 page: choose an event and a time, read the summary and the map, download the
Word report and the map; every signed-in role reads it."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from registry.kernel import db
from registry.kernel.enums import TaskStatus
from registry.kernel.models import Event, ResponseTask, TaskStep
from tests.conftest import sign_in
from tests.response.report_data import OPENED, TITLE, build_event

PAGE = "app_pages/duty_report.py"


@pytest.fixture(scope="module")
def with_event(demo_url):
    """The demo database with the report's test event in it."""
    factory = db.make_session_factory(db.make_engine(demo_url))
    with db.transaction(factory) as session:
        build_event(session, is_demo=True, suffix="（页面）")
    factory.kw["bind"].dispose()
    return demo_url


def open_page(app, username: str):
    sign_in(app, username)
    return app.switch_page(PAGE).run()


def test_the_office_reads_the_report_as_of_a_time_and_downloads_it(app, with_event):
    open_page(app, "office")
    assert not app.exception, app.exception
    choice = next(o for o in app.selectbox[0].options if TITLE in o)
    app.selectbox[0].select(choice).run()
    app.date_input(key="report.date").set_value(date(2026, 7, 8)).run()
    app.time_input(key="report.time").set_value(time(12, 0)).run()
    assert not app.exception, app.exception
    summary = next(m.value for m in app.markdown if "截至2026年7月8日12时" in m.value)
    assert "已转移群众30人" in summary and "出动队伍1支20人" in summary
    assert len(app.get("image")) == 1  # the situation map
    labels = {b.proto.label for b in app.get("download_button")}
    assert labels == {"下载快报（Word）", "下载态势图（PNG）", "下载态势图（PDF）"}
    assert app.title[0].value == "值班快报"


def test_a_town_official_reads_it_too(app, with_event):
    open_page(app, "xinpu")
    assert not app.exception
    assert any("截至" in m.value for m in app.markdown)


def test_the_minute_chosen_includes_what_was_saved_during_it(app, with_event):
    """截至 12:30 covers a step saved at 12:30:40: the page's default (now, to the minute) never
    leaves out what a town reported seconds ago."""
    factory = db.make_session_factory(db.make_engine(with_event))
    with db.transaction(factory) as session:
        task_id = session.scalar(
            select(ResponseTask.id)
            .join(Event, Event.id == ResponseTask.event_id)
            .where(Event.title.contains(TITLE), ResponseTask.title == "易涝点转移群众")
        )
        session.add(
            TaskStep(
                task_id=task_id,
                at=OPENED + timedelta(hours=4, minutes=30, seconds=40),  # 12:30:40 in China
                status=TaskStatus.EVACUATED,
                evacuated=7,
            )
        )
    factory.kw["bind"].dispose()
    open_page(app, "office")
    choice = next(o for o in app.selectbox[0].options if TITLE in o)
    app.selectbox[0].select(choice).run()
    app.date_input(key="report.date").set_value(date(2026, 7, 8)).run()
    app.time_input(key="report.time").set_value(time(12, 30)).run()
    assert not app.exception, app.exception
    summary = next(m.value for m in app.markdown if "截至2026年7月8日12时30分" in m.value)
    assert "已转移群众37人" in summary  # 30 by 10:00 and 7 at 12:30:40
