"""The 应急广播 page: the office registers a terminal, composes a message for an open event
from its warning with the terminals in its area preselected, sends it (through the outbox)
and finds it in the 应急 log with each terminal's delivery; a broadcast with no terminal is
refused with the reason; a town official reads the log and the terminals only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.enums import (
    BroadcastLevel,
    EventState,
    ResponseLevel,
    TerminalStatus,
    TerminalType,
    WarningLevel,
    WarningState,
    WarningType,
)
from registry.kernel.models import Broadcast, BroadcastTerminal, EarlyWarning, Event, Locality
from registry.response.area import locality_outline
from tests.conftest import sign_in

PAGE = "app_pages/broadcast.py"
HEADLINE = "海州区气象台发布暴雨黄色预警信号（广播页测试）"


@pytest.fixture(scope="module")
def event_id(demo_url):
    """An open rainstorm event over 新浦街道 with its warning, in the module's demo database."""
    factory = db.make_session_factory(db.make_engine(demo_url))
    now = utcnow()
    with db.transaction(factory) as session:
        xinpu = session.scalar(select(Locality).where(Locality.name == "新浦街道"))
        warning = EarlyWarning(
            identifier="bc-page-1", sender="test", sender_name="", sent_at=now,
            is_exercise=False, msg_type="Alert", warning_type=WarningType.RAINSTORM,
            level=WarningLevel.YELLOW, headline=HEADLINE, description="预计出现强降水。",
            instruction="低洼地区群众注意转移。", effective_at=now,
            expires_at=now + timedelta(hours=12), source="manual", registered_at=now,
            state=WarningState.IN_FORCE, localities=[xinpu],
        )  # fmt: skip
        event = Event(
            title="广播页测试暴雨", hazard=WarningType.RAINSTORM, level=ResponseLevel.IV,
            state=EventState.OPEN, opened_at=now, localities=[xinpu], warnings=[warning],
        )  # fmt: skip
        session.add(event)
        session.flush()
        point = locality_outline(xinpu).representative_point()
        found = event.id, point.x, point.y, xinpu.id
    factory.kw["bind"].dispose()
    return found


def open_page(app, username: str):
    sign_in(app, username)
    return app.switch_page(PAGE).run()


def stored(demo_url, model, **where) -> int:
    factory = db.make_session_factory(db.make_engine(demo_url))
    with factory() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        count = session.scalar(query) or 0
    factory.kw["bind"].dispose()
    return count


def terminal_id(demo_url, name: str) -> int:
    factory = db.make_session_factory(db.make_engine(demo_url))
    with factory() as session:
        found = session.scalar(select(BroadcastTerminal.id).where(BroadcastTerminal.name == name))
    factory.kw["bind"].dispose()
    assert found is not None
    return found


def test_the_office_registers_a_terminal_and_broadcasts_for_the_event(app, demo_url, event_id):
    event, lon, lat, xinpu = event_id
    open_page(app, "office")
    assert not app.exception and app.title[0].value == "应急广播"
    next(w for w in app.text_input if w.label == "名称").input("建国社区应急音柱（页测）")
    next(w for w in app.selectbox if w.label == "属地").set_value(xinpu)
    app.number_input(key="bc.add.lon").set_value(lon)
    app.number_input(key="bc.add.lat").set_value(lat)
    next(b for b in app.button if b.label == "登记广播终端").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert stored(demo_url, BroadcastTerminal, name="建国社区应急音柱（页测）") == 1

    app.selectbox(key="bc.event").set_value(event).run()
    draft = app.text_area(key=f"bc.text.{event}").value
    assert HEADLINE in draft and "低洼地区群众注意转移" in draft
    assert (
        terminal_id(demo_url, "建国社区应急音柱（页测）")
        in app.multiselect(key=f"bc.terminals.{event}").value
    )  # in the event's area, online: preselected
    before = stored(demo_url, Broadcast)
    app.button(key="bc.send").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("广播已发送并记录" in s.value for s in app.success)
    assert stored(demo_url, Broadcast) == before + 1
    assert stored(demo_url, Broadcast, event_id=event) == 1
    assert any(HEADLINE in t.value for t in app.text)
    assert any("排队" in c.value for c in app.caption)


def test_a_broadcast_with_no_terminal_is_refused(app, demo_url, event_id):
    event = event_id[0]
    open_page(app, "office")
    app.selectbox(key="bc.event").set_value(event).run()
    app.multiselect(key=f"bc.terminals.{event}").set_value([]).run()
    before = stored(demo_url, Broadcast)
    app.button(key="bc.send").click().run()
    assert any("未发送" in e.value and "没有选择广播终端" in e.value for e in app.error)
    assert stored(demo_url, Broadcast) == before


def test_a_town_official_reads_the_log_but_cannot_send(app):
    open_page(app, "xinpu")
    assert not app.exception
    assert not [b for b in app.button if b.key == "bc.send"]
    labels = {t.label for t in app.tabs}
    assert {"广播记录", "广播终端"} <= labels and "编辑发送" not in labels


def test_a_terminal_marked_at_fault_is_named_when_chosen(app, demo_url, event_id):
    event, lon, lat, xinpu = event_id
    factory = db.make_session_factory(db.make_engine(demo_url))
    with db.transaction(factory) as session:
        terminal = BroadcastTerminal(
            name="民主路高音喇叭（页测）", locality_id=xinpu, village="民主路社区",
            level=BroadcastLevel.VILLAGE, terminal_type=TerminalType.LOUDSPEAKER,
            status=TerminalStatus.ONLINE, lon=lon, lat=lat,
        )  # fmt: skip
        session.add(terminal)
        session.flush()
        faulty = terminal.id
    factory.kw["bind"].dispose()
    open_page(app, "office")
    app.selectbox(key="bc.edit.pick").set_value(faulty).run()
    status = next(w for w in app.selectbox if w.label == "状态" and w.form_id.startswith("bc.edit"))
    status.set_value(TerminalStatus.FAULT)
    next(b for b in app.button if b.label == "保存终端").click().run()
    assert not app.error and any("已保存" in s.value for s in app.success)
    app.selectbox(key="bc.event").set_value(event).run()
    chosen = app.multiselect(key=f"bc.terminals.{event}")
    assert faulty not in chosen.value  # at fault: not preselected
    before = stored(demo_url, Broadcast)
    chosen.set_value([faulty]).run()
    app.button(key="bc.send").click().run()
    assert any("民主路高音喇叭（页测）（故障）" in e.value for e in app.error)
    assert stored(demo_url, Broadcast) == before
