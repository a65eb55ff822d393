"""The 值班快报 page: choose an event and a time, read the summary and the map, download the
Word report and the map; every signed-in role reads it."""

from __future__ import annotations

from datetime import date, time

import pytest

from registry.kernel import db
from tests.conftest import sign_in
from tests.response.report_data import TITLE, build_event

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
