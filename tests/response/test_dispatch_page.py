"""The 调度 page: the office suggests a dispatch for an open event, issues it (the order gets
its number and a Word download) and deploys a team; a leader reads without buttons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.enums import EventState, ResponseLevel, WarningType
from registry.kernel.models import Dispatch, Event, Locality
from tests.conftest import sign_in

PAGE = "app_pages/dispatch.py"
TITLE = "测试暴雨事件（调度页）"


@pytest.fixture(scope="module")
def event_id(demo_url):
    """An open rainstorm event over 新浦街道 in the demo database, the newest one."""
    factory = db.make_session_factory(db.make_engine(demo_url))
    with db.transaction(factory) as session:
        event = Event(
            title=TITLE,
            hazard=WarningType.RAINSTORM,
            level=ResponseLevel.IV,
            state=EventState.OPEN,
            opened_at=utcnow(),
            is_demo=True,
        )
        event.localities = list(
            session.scalars(select(Locality).where(Locality.name == "新浦街道"))
        )
        session.add(event)
        session.flush()
        found = event.id
    factory.kw["bind"].dispose()
    return found


def open_page(app, username: str, event_id: int):
    sign_in(app, username)
    app.switch_page(PAGE).run()
    app.selectbox(key="disp.event").set_value(event_id).run()
    return app


def test_the_office_suggests_and_issues_a_dispatch(app, event_id, demo_url):
    open_page(app, "office", event_id)
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert app.title[0].value == "调度"
    app.button(key="disp.suggest").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("已生成调拨建议" in s.value for s in app.success)
    app.button(key="disp.issue").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("调拨单已下达" in s.value for s in app.success)
    factory = db.make_session_factory(db.make_engine(demo_url))
    with factory() as session:
        number = session.scalar(select(Dispatch.number).where(Dispatch.event_id == event_id))
    factory.kw["bind"].dispose()
    assert number and number.startswith("海应调〔")
    assert any(number in e.label for e in app.expander)


def test_the_office_deploys_a_team(app, event_id):
    open_page(app, "office", event_id)
    submit = next(b for b in app.button if b.label == "调派")
    submit.click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("已调派队伍" in s.value for s in app.success)
    dispatched = next(b for b in app.button if b.label == "出动")
    dispatched.click().run()
    assert any("队伍状态已更新" in s.value for s in app.success)


def test_a_leader_reads_without_acting(app, event_id):
    open_page(app, "leader", event_id)
    assert not app.exception and not app.error
    assert any("只读" in c.value for c in app.caption)
    assert not [b for b in app.button if b.key in ("disp.suggest", "disp.issue")]
