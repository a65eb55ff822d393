"""AppTest of the weekly circular page (周通报) on the demo district: leaders pick a week and
download; the office freezes this week's snapshot with one click."""

from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.clock import today
from registry.kernel.models import ReadinessSnapshot
from tests.conftest import sign_in

PAGE = "app_pages/circular.py"


def open_page(app, username: str):
    sign_in(app, username)
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def snapshot_count(url: str) -> int:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(ReadinessSnapshot)).scalar()
    engine.dispose()
    return count


def this_week() -> str:
    iso = today().isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def test_leader_picks_a_week_and_gets_two_downloads_but_no_snapshot_button(app):
    open_page(app, "leader")
    weeks = app.selectbox(key="circ.week")
    assert len(weeks.options) == 9  # the demo's eight Mondays and today
    assert weeks.options[0].startswith(this_week())
    assert weeks.value == this_week()
    assert [b.key for b in app.download_button] == ["circ.download.docx", "circ.download.xlsx"]
    assert "circ.snapshot" not in [b.key for b in app.button]
    assert app.warning and "演示" in app.warning[0].value
    assert list(app.dataframe[0].value.columns[:2]) == ["排名", "镇街"]
    assert len(app.dataframe[0].value) == 19
    assert any("全区备灾工作综合得分" in m.value for m in app.markdown)

    oldest = weeks.options[-1].split(" ")[0]
    app.selectbox(key="circ.week").set_value(oldest).run()
    assert not app.exception
    assert any("上周无快照" in m.value for m in app.caption)
    app.radio(key="circ.language").set_value("en").run()
    assert not app.exception
    assert list(app.dataframe[0].value.columns[:2]) == ["Rank", "Town or subdistrict"]


def test_office_takes_this_weeks_snapshot(app, demo_url):
    before = snapshot_count(demo_url)
    open_page(app, "office")
    app.button(key="circ.snapshot").click().run()
    assert not app.exception and not app.error
    assert snapshot_count(demo_url) == before + 1
    assert any("快照" in s.value for s in app.success)
    assert app.selectbox(key="circ.week").options[0].startswith(this_week())
