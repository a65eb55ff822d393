"""The 灾情报送 page on a phone-sized screen: a town official sees the 初报 due, a broken figure
is refused naming the field and nothing is written, the 初报 is filed with three photos, a
零报告 is one click; the registers show their counts; leaders have no such page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from registry.disasters import reports
from registry.kernel import attachments, db
from registry.kernel.attachments import Upload
from registry.kernel.clock import utcnow
from registry.kernel.enums import EventState, ReportStage
from registry.kernel.models import DisasterReport, Event, Locality
from registry.kernel.settings import Settings
from registry.response import events
from tests.disasters.test_reports import photo
from tests.response.test_events_pages import actor, demo_factory, open_page

PAGE = "app_pages/disaster_reports.py"
PHOTOS = [(f"现场{i}.png", photo(), "image/png") for i in range(3)]
PREPARED = attachments.prepare_photos([Upload(n, b) for n, b, _ in PHOTOS], Settings())


def open_event(demo_url, title: str) -> tuple[int, int]:
    factory = demo_factory(demo_url)
    with db.transaction(factory) as session:
        xinpu = session.scalar(select(Locality.id).where(Locality.name == "新浦街道"))
        event = events.open_event(
            session, actor(session, "office"), title=title, hazard="rainstorm",
            level="4", locality_ids=[xinpu], plan_ids=[], duty_leader="李区长",
            duty_officer="王值班", now=utcnow() - timedelta(hours=3),
        )  # fmt: skip
        return event.id, xinpu


def reports_of(demo_url, event_id) -> list[DisasterReport]:
    with demo_factory(demo_url)() as session:
        return list(
            session.scalars(select(DisasterReport).where(DisasterReport.event_id == event_id))
        )


def test_a_town_official_files_an_initial_report_then_a_zero_report(app, demo_url):
    event_id, xinpu = open_event(demo_url, "页面测试：初报与零报告")
    open_page(app, "xinpu", PAGE)
    assert not app.exception, app.exception
    app.selectbox(key="dr.event").set_value(event_id).run()
    assert not app.exception, app.exception
    shown = " ".join(m.value for m in app.markdown)
    assert "初报：应于" in shown and "已逾期" in shown  # opened three hours ago
    form = f"dr.form.{event_id}.{xinpu}.0.initial"
    app.text_input(key=f"{form}.affected_people").input("100")
    app.text_input(key=f"{form}.relocated").input("150")  # more than the affected
    app.text_area(key=f"{form}.situation").input("强降雨致低洼片区积水。")
    app.file_uploader(key=f"{form}.photos").set_value(PHOTOS)
    app.button(key=f"{form}.file").click().run()
    assert not app.exception, app.exception
    assert any("紧急转移安置人口（150）不能大于受灾人口（100）" in e.value for e in app.error)
    assert reports_of(demo_url, event_id) == []
    app.text_input(key=f"{form}.relocated").input("40")
    app.file_uploader(key=f"{form}.photos").set_value(PHOTOS)
    app.button(key=f"{form}.file").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    [initial] = reports_of(demo_url, event_id)
    assert (initial.stage, initial.affected_people, initial.relocated) == (
        ReportStage.INITIAL, 100, 40,
    )  # fmt: skip
    assert any("初报已报送" in s.value for s in app.success)
    assert "待审核" in " ".join(m.value for m in app.markdown)
    app.button(key=f"dr.zero.{event_id}.{xinpu}").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    zero = [r for r in reports_of(demo_url, event_id) if r.is_zero]
    assert [(r.stage, r.affected_people, r.relocated) for r in zero] == [
        (ReportStage.UPDATE, 100, 40)
    ]


def test_the_register_adds_a_person_shown_masked_to_the_town(app, demo_url):
    event_id, xinpu = open_event(demo_url, "页面测试：台账")
    open_page(app, "xinpu", PAGE)
    app.selectbox(key="dr.event").set_value(event_id).run()
    form = f"dr.cas.{event_id}.{xinpu}.0"
    app.text_input(key=f"{form}.name").input("王小二")
    app.text_input(key=f"{form}.age").input("45")
    app.text_input(key=f"{form}.cause").input("落水")
    app.text_input(key=f"{form}.place").input("新浦河")
    app.button(key=f"{form}.add").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    shown = " ".join(m.value for m in app.markdown)
    assert "王\\*二" in shown and "王小二" not in shown
    assert any("死亡 1 人" in e.label for e in app.expander)


def test_leaders_have_no_reporting_page(app):
    open_page(app, "leader", "app_pages/overview.py")
    assert not app.exception
    assert all("灾情报送" not in str(p) for p in app.get("navigation"))


def test_the_event_page_shows_each_towns_reporting_status(app, demo_url):
    event_id, _ = open_event(demo_url, "页面测试：报送情况")
    open_page(app, "office", "app_pages/events.py")
    app.selectbox(key="ev.chosen").set_value(event_id).run()
    assert not app.exception, app.exception
    assert any("灾情报送情况" in m.value for m in app.markdown)
    frames = [f.value for f in app.dataframe]
    status = next(f for f in frames if "最新报告" in f.columns)
    [row] = status.to_dict("records")
    assert row["属地"] == "新浦街道" and row["最新报告"] == "—"
    assert row["待报送"].startswith("🔴 初报应于")  # opened three hours ago: overdue


def test_a_closed_event_not_yet_stable_is_offered_for_its_updates(app, demo_url):
    """Closing the response does not end the daily 续报: the town still chooses the event,
    files a 零报告 in one click, and the form takes no photos as required."""
    event_id, xinpu = open_event(demo_url, "页面测试：响应结束后续报")
    factory = demo_factory(demo_url)
    with db.transaction(factory) as session:
        office = actor(session, "office")
        filed_at = utcnow() - timedelta(hours=2)
        reports.file_report(
            session, office, event_id, xinpu, ReportStage.INITIAL, {"affected_people": "10"},
            "积水。", None, None, PREPARED, filed_at, Settings(),
        )  # fmt: skip
        session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(state=EventState.CLOSED, closed_at=utcnow() - timedelta(hours=1))
        )
    open_page(app, "xinpu", PAGE)
    assert any("页面测试：响应结束后续报" in o for o in app.selectbox(key="dr.event").options)
    app.selectbox(key="dr.event").set_value(event_id).run()
    assert not app.exception, app.exception
    assert app.selectbox(key="dr.event").value == event_id
    app.button(key=f"dr.zero.{event_id}.{xinpu}").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    zero = [r for r in reports_of(demo_url, event_id) if r.is_zero]
    assert [(r.stage, r.sequence, r.affected_people) for r in zero] == [(ReportStage.UPDATE, 1, 10)]
