"""The 灾情汇总 page: the office sees the towns' reports side by side, accepts one, returns
another with a reason (refused without one), declares the disaster stable and downloads
offers the district's 快报表 and 灾情报告; leaders and town officials do not have the page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from page_helpers.ui import plain
from registry.disasters import district_report, rollup
from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.enums import ReportStage, ReportState
from registry.kernel.models import DisasterReport, Event, User
from registry.kernel.permissions import Actor
from tests.conftest import sign_in
from tests.disasters import rollup_data

PAGE = "app_pages/disaster_rollup.py"


def demo_factory(demo_url):
    return db.make_session_factory(db.make_engine(demo_url))


def office_actor(factory) -> Actor:
    with factory() as session:
        return Actor.from_user(session.scalar(select(User).where(User.username == "office")))


def test_the_office_accepts_one_report_and_returns_another(app, demo_url):
    factory = demo_factory(demo_url)
    event_id = rollup_data.open_event(factory, office_actor(factory), title="页面测试：灾情汇总")
    filed = utcnow() - timedelta(hours=1)
    xinpu = rollup_data.report(
        factory, event_id, "新浦街道", submitted_at=filed, affected_people=230,
        situation="页面测试：新浦积水",
    )  # fmt: skip
    banpu = rollup_data.report(factory, event_id, "板浦镇", submitted_at=filed, affected_people=9)
    sign_in(app, "office")
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    app.selectbox(key="rollup.event").set_value(event_id).run()
    assert not app.exception, app.exception
    table = next(frame.value for frame in app.dataframe)
    assert set(table["乡镇（街道）"]) == {"新浦街道", "板浦镇", "浦南镇"}
    assert "页面测试：新浦积水" in [text.value for text in app.text]

    app.button(key=f"rollup.accept.{xinpu}").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("已采用新浦街道的报告" in s.value for s in app.success)

    app.button(key=f"rollup.return_run.{banpu}").click().run()  # no reason: refused
    assert any("退回原因" in e.value for e in app.error)
    app.text_input(key=f"rollup.reason.{banpu}").input("受灾人口请与村（社区）核对")
    app.button(key=f"rollup.return_run.{banpu}").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    with factory() as session:
        states = {
            r.id: (r.state, r.return_reason)
            for r in session.scalars(
                select(DisasterReport).where(DisasterReport.event_id == event_id)
            )
        }
    assert states == {
        xinpu: (ReportState.ACCEPTED, None),
        banpu: (ReportState.RETURNED, "受灾人口请与村（社区）核对"),
    }
    assert any(m.value == "230" for m in app.metric)  # the district total from accepted ones

    app.button(key=f"rollup.stable_run.{event_id}").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    with factory() as session:
        assert session.get(Event, event_id).stable_at is not None

    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["下载快报表（Excel）", "下载灾情报告（Word）"]


def test_every_waiting_report_is_offered_oldest_first(app, demo_url):
    """A town's earlier report still waiting is offered too, before its later one."""
    factory = demo_factory(demo_url)
    event_id = rollup_data.open_event(factory, office_actor(factory), title="页面测试：逐份审核")
    early = rollup_data.report(
        factory, event_id, "新浦街道", submitted_at=utcnow() - timedelta(hours=3)
    )
    later = rollup_data.report(
        factory, event_id, "新浦街道", stage=ReportStage.UPDATE,
        submitted_at=utcnow() - timedelta(hours=1),
    )  # fmt: skip
    sign_in(app, "office")
    app.switch_page(PAGE).run()
    app.selectbox(key="rollup.event").set_value(event_id).run()
    assert not app.exception, app.exception
    offered = [b.key for b in app.button if (b.key or "").startswith("rollup.accept.")]
    assert offered == [f"rollup.accept.{early}", f"rollup.accept.{later}"]
    assert any(s.value == "待审核报告（2）" for s in app.subheader)


@pytest.mark.parametrize("username", ["leader", "xinpu"])
def test_leaders_and_towns_do_not_have_the_page(app, username):
    sign_in(app, username)
    with pytest.raises(ValueError, match="navigation page"):
        app.switch_page(PAGE)


def test_the_leaders_overview_shows_an_open_events_accepted_figures(app, demo_url):
    factory = demo_factory(demo_url)
    event_id = rollup_data.open_event(factory, office_actor(factory), title="页面测试：总览灾情")
    filed = utcnow() - timedelta(hours=2)
    rollup_data.report(
        factory, event_id, "锦屏镇", state=ReportState.ACCEPTED, submitted_at=filed,
        affected_people=4321, deaths=1, missing=2, relocated=765,
    )  # fmt: skip
    rollup_data.report(factory, event_id, "板浦镇", submitted_at=filed, affected_people=99999)
    sign_in(app, "leader")
    app.switch_page("app_pages/overview.py").run()
    assert not app.exception, app.exception
    shown = {(m.label, m.value) for m in app.metric}
    assert ("受灾人口（人）", "4321") in shown  # the submitted 99999 is not counted
    assert ("死亡 / 失踪（人）", "1 / 2") in shown and ("紧急转移安置（人）", "765") in shown


def test_the_overview_reads_every_open_events_figures_at_once(app, demo_url, monkeypatch):
    """Not one district_total per open event: rollup.open_event_figures reads them all."""
    factory = demo_factory(demo_url)
    event_id = rollup_data.open_event(factory, office_actor(factory), title="页面测试：一次读取")
    rollup_data.report(
        factory, event_id, "浦南镇", state=ReportState.ACCEPTED,
        submitted_at=utcnow() - timedelta(hours=2), affected_people=2468,
    )  # fmt: skip

    def per_event(*args, **kwargs):
        raise AssertionError("the overview read one event's total")

    monkeypatch.setattr(rollup, "district_total", per_event)
    sign_in(app, "leader")
    app.switch_page("app_pages/overview.py").run()
    assert not app.exception, app.exception
    assert ("受灾人口（人）", "2468") in {(m.label, m.value) for m in app.metric}


def test_the_rollup_page_reads_the_district_total_once_for_its_figures(app, demo_url, monkeypatch):
    factory = demo_factory(demo_url)
    event_id = rollup_data.open_event(factory, office_actor(factory), title="页面测试：合计一次")
    calls = []
    read = rollup.district_total

    def counted(*args, **kwargs):
        calls.append(args[1:])
        return read(*args, **kwargs)

    sign_in(app, "office")
    app.switch_page(PAGE).run()
    monkeypatch.setattr(rollup, "district_total", counted)
    app.selectbox(key="rollup.event").set_value(event_id).run()
    assert not app.exception, app.exception
    mine = [call for call in calls if call[0] == event_id]
    assert len(mine) == 2  # the figures and their table, then the download's district report


def test_the_towns_not_reported_are_shown_literally(app, demo_url, monkeypatch):
    """Locality names are kept by admins: shown as text, never as Markdown."""
    factory = demo_factory(demo_url)
    event_id = rollup_data.open_event(factory, office_actor(factory), title="页面测试：未报镇街")
    evil = "尚未报送：**粗体** [链接](http://evil.example)"
    monkeypatch.setattr(district_report, "missing_text", lambda *args: evil)
    sign_in(app, "office")
    app.switch_page(PAGE).run()
    app.selectbox(key="rollup.event").set_value(event_id).run()
    assert not app.exception, app.exception
    captions = [c.value for c in app.caption]
    assert plain(evil) in captions and evil not in captions


def test_the_event_page_shows_the_accepted_figures(app, demo_url):
    factory = demo_factory(demo_url)
    event_id = rollup_data.open_event(factory, office_actor(factory), title="页面测试：事件灾情")
    rollup_data.report(
        factory, event_id, "新浦街道", state=ReportState.ACCEPTED,
        submitted_at=utcnow() - timedelta(hours=2), affected_people=808,
        direct_loss=Decimal("12.50"),
    )  # fmt: skip
    sign_in(app, "leader")
    app.switch_page("app_pages/events.py").run()
    app.selectbox(key="ev.chosen").set_value(event_id).run()
    assert not app.exception, app.exception
    shown = {(m.label, m.value) for m in app.metric}
    assert ("受灾人口（人）", "808") in shown and ("直接经济损失（万元）", "12.5") in shown
    assert any("1/3 个镇（街道）" in c.value for c in app.caption)
