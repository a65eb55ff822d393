"""Tasks (issue 15, item 3): generated for the threatened checkpoints of exposed types inside
the event's area, once each; the status machine with its time stamps, steps and photos; the
office updates any task, a town official only their localities'; the overdue flag follows
the setting; the response figures for the leaders."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from registry.kernel import attachments, db
from registry.kernel.attachments import Upload
from registry.kernel.enums import CheckpointType, TaskKind, TaskStatus
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import AuditEvent, ResponseTask, TaskStep
from registry.kernel.settings import Settings
from registry.records.commands import create_checkpoint
from registry.response import event_queries, events, tasks, timeline
from tests.conftest import locality_id
from tests.helpers import BANPU_POINT, XINPU_POINT
from tests.response.test_events import NOW, open_event, square, version


def checkpoint(session, actor, name, kind, place="新浦街道", point=XINPU_POINT, **extra) -> int:
    return create_checkpoint(
        session,
        actor,
        {
            "name": name,
            "type": kind,
            "risk_level": "significant",
            "locality_id": locality_id(session, place),
            "lon": point[0],
            "lat": point[1],
            "responsible_person": extra.get("person", "陈责任"),
            "responsible_phone": "13800001111",
            "monitor": "周监测",
            "monitor_phone": "13900002222",
        },
    ).id


def generate(factory, actor, event_id, now=NOW) -> list[ResponseTask]:
    with db.transaction(factory) as session:
        created = tasks.generate_tasks(session, actor, event_id, now)
        session.expunge_all()
        return created


def update(factory, actor, task_id, status, now=NOW, **extra) -> ResponseTask:
    with factory() as session:
        current = session.get(ResponseTask, task_id).version
    with db.transaction(factory) as session:
        task = tasks.update_task(session, actor, task_id, current, status, now=now, **extra)
        session.expunge_all()
        return task


def written(factory) -> tuple[int, int, int]:
    with factory() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (ResponseTask, TaskStep, AuditEvent)
        )


@pytest.fixture
def places(factory, actors):
    """Checkpoints: two exposed to rainstorm in 新浦街道, one not exposed there, one
    exposed in 板浦镇."""
    office = actors["office"]
    with db.transaction(factory) as session:
        return {
            "lowland": checkpoint(session, office, "解放路下穿通道", CheckpointType.WATERLOGGING),
            "site": checkpoint(session, office, "新浦工地", CheckpointType.CONSTRUCTION_SITE,
                               person=None),
            "billboard": checkpoint(session, office, "大广告牌", CheckpointType.BILLBOARD),
            "banpu": checkpoint(session, office, "板浦易涝点", CheckpointType.WATERLOGGING,
                                place="板浦镇", point=BANPU_POINT),
        }  # fmt: skip


def test_generate_picks_exposed_types_in_the_area_once(factory, actors, places):
    office = actors["office"]
    event_id = open_event(factory, office)  # 新浦街道, rainstorm
    created = generate(factory, office, event_id)
    by_checkpoint = {t.checkpoint_id: t for t in created}
    assert set(by_checkpoint) == {places["lowland"], places["site"]}
    lowland, site = by_checkpoint[places["lowland"]], by_checkpoint[places["site"]]
    assert (lowland.kind, lowland.title, lowland.assignee) == (
        TaskKind.EVACUATE,
        "解放路下穿通道",
        "陈责任",
    )
    assert (site.kind, site.assignee, site.assignee_phone) == (
        TaskKind.PATROL,
        "周监测",
        "13900002222",
    )  # no responsible person: the monitor
    assert generate(factory, office, event_id) == []  # idempotent
    with db.transaction(factory) as session:
        new = checkpoint(session, office, "新增积水点", CheckpointType.WATERLOGGING)
    assert [t.checkpoint_id for t in generate(factory, office, event_id)] == [new]
    with factory() as session:
        kinds = [line.kind for line in timeline.timeline(session, event_id)]
        assert kinds.count("tasks_generated") == 3
        audited = session.scalar(select(func.count()).where(AuditEvent.action == "task-created"))
        assert audited == 3


def test_a_drawn_area_takes_only_the_checkpoints_inside_it(factory, actors, places):
    office = actors["office"]
    event_id = open_event(factory, office, area_geojson=square(*BANPU_POINT, half=0.002))
    assert [t.checkpoint_id for t in generate(factory, office, event_id)] == [places["banpu"]]


def test_only_the_office_generates(factory, actors, places):
    event_id = open_event(factory, actors["office"])
    for name in ("town", "leader"):
        with pytest.raises(PermissionDenied):
            generate(factory, actors[name], event_id)


def test_the_status_machine_with_its_stamps_and_steps(factory, actors, places):
    office, town = actors["office"], actors["town"]
    event_id = open_event(factory, office)
    task_id = next(t.id for t in generate(factory, office, event_id)
                   if t.checkpoint_id == places["lowland"])  # fmt: skip

    def refused(status, **extra) -> str:
        before = written(factory)
        with pytest.raises(ValidationError) as error:
            update(factory, town, task_id, status, **extra)
        assert written(factory) == before
        return error.value.key

    assert refused(TaskStatus.HANDLED) == "error.task_step"  # no skipping 已到岗
    assert refused(TaskStatus.PENDING) == "error.task_nothing_new"
    task = update(factory, town, task_id, TaskStatus.ON_SITE, now=NOW + timedelta(minutes=10))
    assert (task.status, task.acknowledged_at) == (TaskStatus.ON_SITE, NOW + timedelta(minutes=10))
    assert refused(TaskStatus.EVACUATED, evacuated=0) == "error.not_positive"
    assert refused(TaskStatus.PENDING) == "error.task_step"  # never back
    task = update(factory, town, task_id, TaskStatus.EVACUATED, evacuated=12, note="转移至社区中心",
                  now=NOW + timedelta(hours=1))  # fmt: skip
    assert (task.evacuated, task.done_at, task.note) == (
        12,
        NOW + timedelta(hours=1),
        "转移至社区中心",
    )
    assert refused(TaskStatus.ON_SITE) == "error.task_step"  # never back
    task = update(factory, office, task_id, TaskStatus.EVACUATED, note="补充：另有2人自行转移",
                  now=NOW + timedelta(hours=2))  # fmt: skip
    assert task.evacuated == 12  # a note at the same status leaves the count
    task = update(factory, office, task_id, TaskStatus.LIFTED, now=NOW + timedelta(hours=9))
    assert task.lifted_at == NOW + timedelta(hours=9)
    assert refused(TaskStatus.HANDLED) == "error.task_step"
    with factory() as session:
        steps = session.scalars(select(TaskStep).where(TaskStep.task_id == task_id)
                                .order_by(TaskStep.id)).all()  # fmt: skip
        assert [(s.status, s.evacuated) for s in steps] == [
            (TaskStatus.ON_SITE, 0), (TaskStatus.EVACUATED, 12), (TaskStatus.EVACUATED, 0),
            (TaskStatus.LIFTED, 0),
        ]  # fmt: skip
        kinds = [line.kind for line in timeline.timeline(session, event_id)]
    assert kinds[-4:] == ["task_on_site", "task_evacuated", "task_note", "task_lifted"]


def test_a_town_official_updates_only_their_localities_tasks(factory, actors, places):
    office, town = actors["office"], actors["town"]
    event_id = open_event(
        factory, office, locality_ids=[], warning_ids=[],
        area_geojson=square(119.215, 34.55, half=0.12),
    )  # fmt: skip
    with factory() as session:
        xinpu, banpu = locality_id(session, "新浦街道"), locality_id(session, "板浦镇")
    created = {t.locality_id: t.id for t in generate(factory, office, event_id)}
    assert {xinpu, banpu} <= set(created)
    before = written(factory)
    for name in ("town", "leader"):
        actor = actors[name]
        with pytest.raises(PermissionDenied):
            update(factory, actor, created[banpu], TaskStatus.ON_SITE)
    assert written(factory) == before
    assert update(factory, town, created[xinpu], TaskStatus.ON_SITE).status is TaskStatus.ON_SITE
    with factory() as session:
        seen = event_queries.event_tasks(session, town, event_id, NOW, 30)
        assert {row.locality_id for row in seen} == {xinpu}
        assert all(row.writable for row in seen)
        everything = event_queries.event_tasks(session, actors["leader"], event_id, NOW, 30)
        assert {xinpu, banpu} <= {row.locality_id for row in everything}
        assert not any(row.writable for row in everything)
        assert all("*" in (row.assignee_phone or "*") for row in everything)  # masked


def test_a_closed_event_refuses_task_updates_and_generation(factory, actors, places):
    office = actors["office"]
    event_id = open_event(factory, office)
    task_id = generate(factory, office, event_id)[0].id
    with db.transaction(factory) as session:
        events.close_event(session, office, event_id, version(factory, event_id), "结束", NOW)
    for attempt in (
        lambda: update(factory, actors["town"], task_id, TaskStatus.ON_SITE),
        lambda: generate(factory, office, event_id),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.key == "error.event_closed"
    with factory() as session:
        assert event_queries.my_tasks(session, office, NOW, 30) == []


def test_overdue_follows_the_setting_and_comes_first(factory, actors, places):
    office = actors["office"]
    assert Settings().task_ack_minutes == 30
    event_id = open_event(factory, office)
    first, second = sorted(t.id for t in generate(factory, office, event_id))
    update(factory, office, second, TaskStatus.ON_SITE, now=NOW + timedelta(minutes=20))
    late = NOW + timedelta(minutes=31)
    with factory() as session:
        rows = event_queries.event_tasks(session, office, event_id, late, 30)
        assert [(r.id, r.overdue) for r in rows] == [(first, True), (second, False)]
        assert not any(r.overdue for r in event_queries.event_tasks(
            session, office, event_id, late, 60))  # fmt: skip
        counted = event_queries.status_counts(rows)
        assert (counted[TaskStatus.PENDING], counted[TaskStatus.ON_SITE]) == (1, 1)
        assert counted[TaskStatus.LIFTED] == 0
        (figures,) = event_queries.response_figures(session, late, 30)
        assert (figures.tasks, figures.acknowledged_in_time, figures.overdue) == (2, 1, 1)
        assert figures.acknowledged_share == 50.0
        (listed,) = event_queries.event_list(session, late, 30)
        assert (listed.tasks, listed.overdue) == (2, 1)
    update(factory, office, first, TaskStatus.ON_SITE, now=NOW + timedelta(minutes=45))
    update(factory, office, first, TaskStatus.EVACUATED, evacuated=7)
    with factory() as session:
        (figures,) = event_queries.response_figures(session, late, 30)
    assert (figures.acknowledged_in_time, figures.overdue, figures.evacuated) == (1, 0, 7)


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "PNG")
    return out.getvalue()


def test_a_step_carries_photos(factory, actors, places):
    office, town = actors["office"], actors["town"]
    event_id = open_event(factory, office)
    task_id = generate(factory, office, event_id)[0].id
    prepared = attachments.prepare_photos([Upload("现场.png", photo())], Settings())
    update(factory, town, task_id, TaskStatus.ON_SITE, photos=prepared, note="已到现场")
    with factory() as session:
        (row,) = [r for r in event_queries.my_tasks(session, town, NOW, 30) if r.id == task_id]
    assert [name for _, name in row.photos] == ["现场.jpg"]
    assert row.note == "已到现场"


def test_a_task_by_hand(factory, actors, places):
    office = actors["office"]
    event_id = open_event(factory, office)
    with factory() as session:
        xinpu = locality_id(session, "新浦街道")
    kwargs = dict(locality_id=xinpu, kind="cordon", title="海连路积水路段封控", assignee="刘队长",
                  assignee_phone="13700003333", now=NOW)  # fmt: skip
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        tasks.add_task(session, actors["town"], event_id, **kwargs)
    with db.transaction(factory) as session:
        task = tasks.add_task(session, office, event_id, **kwargs)
        assert (task.checkpoint_id, task.kind, task.status) == (None, TaskKind.CORDON,
                                                                TaskStatus.PENDING)  # fmt: skip
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        tasks.add_task(session, office, event_id, **{**kwargs, "assignee_phone": "call me"})
    assert refused.value.field == "assignee_phone"
