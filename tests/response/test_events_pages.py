"""The 事件与响应 and 我的任务 pages: the office opens an event by hand and generates its
tasks; a town official moves a task of their locality on from a phone-sized card and sees
no other locality's tasks; leaders read events and have no task page."""

from __future__ import annotations

from sqlalchemy import select

from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.enums import EventState, ResponseLevel, TaskStatus, WarningType
from registry.kernel.models import Event, Locality, ResponseTask, User
from registry.kernel.permissions import Actor
from registry.response import events, tasks
from tests.conftest import sign_in

EVENTS, TASKS = "app_pages/events.py", "app_pages/tasks.py"


def demo_factory(demo_url):
    return db.make_session_factory(db.make_engine(demo_url))


def actor(session, username: str) -> Actor:
    return Actor.from_user(session.scalar(select(User).where(User.username == username)))


def open_page(app, username: str, page: str):
    sign_in(app, username)
    return app.switch_page(page).run()


def test_the_office_opens_an_event_and_generates_its_tasks(app, demo_url):
    open_page(app, "office", EVENTS)
    assert not app.exception, app.exception
    factory = demo_factory(demo_url)
    with factory() as session:
        xinpu = session.scalar(select(Locality.id).where(Locality.name == "新浦街道"))
    app.multiselect(key="ev.places.").set_value([xinpu]).run()
    app.text_input(key="ev.title.0").input("页面测试：新浦暴雨").run()
    app.text_input(key="ev.leader").input("李区长")
    app.text_input(key="ev.officer").input("王值班")
    app.button(key="ev.open_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    with factory() as session:
        event = session.scalar(select(Event).where(Event.title == "页面测试：新浦暴雨"))
        assert event.state is EventState.OPEN and [loc.name for loc in event.localities] == [
            "新浦街道"
        ]
        assert event.plans, "the suggested plans are activated"
        event_id = event.id
    app.selectbox(key="ev.chosen").set_value(event_id).run()
    app.button(key=f"ev.generate.{event_id}").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    with factory() as session:
        made = session.scalars(select(ResponseTask).where(ResponseTask.event_id == event_id)).all()
    assert made and {t.status for t in made} == {TaskStatus.PENDING}
    assert any("任务已生成" in s.value for s in app.success)
    assert any("启动Ⅳ级应急响应" in str(frame.value) for frame in app.dataframe)


def test_a_town_official_updates_their_task_on_the_tasks_page(app, demo_url):
    factory = demo_factory(demo_url)
    with db.transaction(factory) as session:
        office = actor(session, "office")
        places = {
            name: session.scalar(select(Locality.id).where(Locality.name == name))
            for name in ("新浦街道", "板浦镇")
        }
        event = events.open_event(
            session, office, title="页面测试：任务", hazard=WarningType.RAINSTORM,
            level=ResponseLevel.III, locality_ids=list(places.values()), plan_ids=[],
            duty_leader="李区长", duty_officer="王值班", now=utcnow(),
        )  # fmt: skip
        ours = tasks.add_task(
            session, office, event.id, locality_id=places["新浦街道"], kind="patrol",
            title="页面测试：新浦巡查", now=utcnow(),
        )  # fmt: skip
        tasks.add_task(
            session, office, event.id, locality_id=places["板浦镇"], kind="patrol",
            title="页面测试：板浦巡查", now=utcnow(),
        )  # fmt: skip
        task_id = ours.id
    open_page(app, "xinpu", TASKS)
    assert not app.exception, app.exception
    shown = " ".join(m.value for m in app.markdown)
    assert "页面测试：新浦巡查" in shown and "页面测试：板浦巡查" not in shown
    app.text_input(key=f"task.{task_id}.1.note").input("已到现场")
    app.button(key=f"task.{task_id}.1.to.on_site").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    with factory() as session:
        task = session.get(ResponseTask, task_id)
        assert (task.status, task.note) == (TaskStatus.ON_SITE, "已到现场")
        assert task.acknowledged_at is not None
    assert not app.text_input(key=f"task.{task_id}.2.note").value  # a fresh form
    app.number_input(key=f"task.{task_id}.2.count").set_value(0)
    app.button(key=f"task.{task_id}.2.to.evacuated").click().run()
    assert any("转移人数" in e.value for e in app.error)  # refused, naming the field
    with factory() as session:
        assert session.get(ResponseTask, task_id).status is TaskStatus.ON_SITE


def test_a_leader_reads_events_and_has_no_task_page(app):
    open_page(app, "leader", EVENTS)
    assert not app.exception
    assert app.title[0].value == "事件与响应"
    assert not [b for b in app.button if b.key == "ev.open_run"]


def test_the_situation_map_is_drawn_on_demand_on_the_event_page(app):
    open_page(app, "leader", EVENTS)
    assert not app.get("image")  # not drawn until asked: it costs a second or two
    toggle = next(t for t in app.toggle if t.key and t.key.startswith("ev.situation."))
    toggle.set_value(True).run()
    assert not app.exception
    assert len(app.get("image")) == 1
