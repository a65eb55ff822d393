"""Events and response levels (issue 15, item 2): only the office opens, changes and closes;
an event's localities come from its warnings, the chosen localities or a drawn polygon; the
suggested plans fit the hazard and the affected localities; every change is audited and on
the timeline; a stale level change and any change to a closed event are refused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.enums import (
    AuditAction,
    EventState,
    PlanClass,
    PlanStatus,
    ResponseLevel,
    WarningLevel,
    WarningType,
)
from registry.kernel.errors import PermissionDenied, StaleRecord, ValidationError
from registry.kernel.models import AuditEvent, Event, EventLogEntry, Plan
from registry.response import event_queries, events, timeline, warnings
from tests.conftest import locality_id
from tests.helpers import XINPU_POINT

NOW = datetime(2026, 7, 8, 1, 0)


def square(lon: float, lat: float, half: float = 0.004) -> str:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]  # fmt: skip
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def plan(session, title: str, hazards: str, place: str | None, **extra) -> int:
    record = Plan(
        title=title,
        locality_id=locality_id(session, place) if place else None,
        plan_class=extra.get("plan_class", PlanClass.SPECIAL),
        hazards=hazards,
        version_label="2024版",
        status=extra.get("status", PlanStatus.CURRENT),
    )
    session.add(record)
    session.flush()
    return record.id


def open_event(factory, actor, **given) -> int:
    """An event opened through the use-case; 新浦街道 by hand unless told otherwise."""
    with db.transaction(factory) as session:
        values = {
            "title": "7·8 暴雨",
            "hazard": WarningType.RAINSTORM,
            "level": ResponseLevel.III,
            "duty_leader": "李区长",
            "duty_officer": "王值班",
            "now": NOW,
        }
        if (
            "locality_ids" not in given
            and "area_geojson" not in given
            and "warning_ids" not in given
        ):
            values["locality_ids"] = [locality_id(session, "新浦街道")]
        values.update(given)
        return events.open_event(session, actor, **values).id


def version(factory, event_id: int) -> int:
    with factory() as session:
        return session.get(Event, event_id).version


def counts(factory) -> tuple[int, int, int]:
    with factory() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Event, EventLogEntry, AuditEvent)
        )


def test_an_event_from_a_warning_takes_its_localities_and_the_fitting_plans(factory, actors):
    office = actors["office"]
    with db.transaction(factory) as session:
        xinpu, banpu = locality_id(session, "新浦街道"), locality_id(session, "板浦镇")
        warning = warnings.register_warning(
            session, office, warning_type="rainstorm", level=WarningLevel.YELLOW,
            headline="暴雨黄色预警", effective_at=NOW, expires_at=NOW + timedelta(hours=12),
            locality_ids=[xinpu], now=NOW,
        ).id  # fmt: skip
        fitting = {
            plan(session, "海州区防汛抗旱应急预案", "洪涝、干旱、台风", None),
            plan(session, "新浦街道突发事件应急预案", "洪涝、台风、火灾", "新浦街道",
                 plan_class=PlanClass.GRASSROOTS),
            plan(session, "海州区突发事件总体应急预案", "社会安全事件", None,
                 plan_class=PlanClass.OVERALL),
        }  # fmt: skip
        plan(session, "板浦镇突发事件应急预案", "洪涝、台风", "板浦镇")  # not affected
        plan(session, "海州区防汛防台应急预案", "洪涝、台风", None, status=PlanStatus.REPEALED)
        plan(session, "云台山森林火灾应急预案", "森林火灾", None)  # another hazard
        suggested = {p.id for p in events.suggest_plans(session, "rainstorm", [xinpu])}
        assert suggested == fitting
        assert banpu not in suggested
    event_id = open_event(factory, office, warning_ids=[warning])
    with factory() as session:
        event = session.get(Event, event_id)
        assert [loc.id for loc in event.localities] == [xinpu]
        assert [w.id for w in event.warnings] == [warning]
        assert {p.id for p in event.plans} == fitting
        assert event.state is EventState.OPEN and event.opened_by == office.user_id
        actions = session.scalars(select(AuditEvent.action)).all()
        assert AuditAction.EVENT_OPENED.value in actions
        lines = timeline.timeline(session, event_id)
    assert [line.kind for line in lines] == ["opened"]
    assert "启动Ⅲ级应急响应：7·8 暴雨" in lines[0].text("zh")
    assert "Level Ⅲ response opened" in lines[0].text("en")


def test_chosen_plans_replace_the_suggestion(factory, actors):
    with db.transaction(factory) as session:
        only = plan(session, "海州区城市排水防涝应急预案", "城市内涝", None)
        plan(session, "海州区防汛抗旱应急预案", "洪涝", None)
    event_id = open_event(factory, actors["office"], plan_ids=[only])
    with factory() as session:
        assert [p.id for p in session.get(Event, event_id).plans] == [only]


def test_a_drawn_polygon_gives_the_localities_it_touches(factory, actors):
    event_id = open_event(factory, actors["office"], area_geojson=square(*XINPU_POINT))
    with factory() as session:
        event = session.get(Event, event_id)
        names = {loc.name for loc in event.localities}
        assert "新浦街道" in names and len(names) <= 3
        assert json.loads(event.area_geojson)["type"] == "Polygon"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"area_geojson": square(118.78, 32.06)}, "event_area"),  # Nanjing
        ({"area_geojson": "{not json"}, "event_area"),
        ({"area_geojson": json.dumps({"type": "Point", "coordinates": [119.19, 34.6]})},
         "event_area"),
        ({"locality_ids": []}, "event_localities"),
        ({"locality_ids": [999999]}, "event_localities"),
        ({"warning_ids": [999999]}, "event_warnings"),
        ({"title": "  "}, "title"),
        ({"level": "5"}, "response_level"),
        ({"hazard": "earthquake"}, "hazard"),
        ({"duty_officer": ""}, "duty_officer"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    factory, actors, given, field
):
    before = counts(factory)
    with pytest.raises(ValidationError) as refused:
        open_event(factory, actors["office"], **given)
    assert refused.value.field == field
    assert refused.value.message("zh") and refused.value.message("en")
    assert counts(factory) == before


def test_only_the_office_opens_changes_and_closes(factory, actors):
    for name in ("town", "leader"):
        with pytest.raises(PermissionDenied):
            open_event(factory, actors[name])
    event_id = open_event(factory, actors["admin"])
    before = counts(factory)
    for name in ("town", "leader"):
        with pytest.raises(PermissionDenied), db.transaction(factory) as session:
            events.change_level(
                session, actors[name], event_id, 1, ResponseLevel.II, "雨势加大", NOW
            )
        with pytest.raises(PermissionDenied), db.transaction(factory) as session:
            events.close_event(session, actors[name], event_id, 1, "雨停", NOW)
    assert counts(factory) == before


def test_level_changes_are_logged_and_a_stale_change_refused(factory, actors):
    office = actors["office"]
    event_id = open_event(factory, office)
    opened_at = version(factory, event_id)
    with db.transaction(factory) as session:
        events.change_level(
            session,
            office,
            event_id,
            opened_at,
            "2",
            "雨势加大，积水加深",
            NOW + timedelta(hours=1),
        )
    with pytest.raises(StaleRecord), db.transaction(factory) as session:
        events.change_level(session, office, event_id, opened_at, "1", "另一人的旧表单", NOW)
    with pytest.raises(ValidationError) as same, db.transaction(factory) as session:
        events.change_level(session, office, event_id, version(factory, event_id), "2", "x", NOW)
    assert same.value.key == "error.event_level_same"
    with pytest.raises(ValidationError) as no_reason, db.transaction(factory) as session:
        events.change_level(session, office, event_id, version(factory, event_id), "4", " ", NOW)
    assert no_reason.value.field == "reason"
    with db.transaction(factory) as session:
        events.change_level(
            session, office, event_id, version(factory, event_id), ResponseLevel.IV, "雨停",
            NOW + timedelta(hours=5),
        )  # fmt: skip
    with factory() as session:
        assert session.get(Event, event_id).level is ResponseLevel.IV
        detail = event_queries.event_detail(session, event_id, NOW, 30)
    history = [(line.kind, line.detail.get("new"), line.actor) for line in detail.level_history]
    assert history == [
        ("opened", None, "office"),
        ("level_raised", "Ⅱ", "office"),
        ("level_lowered", "Ⅳ", "office"),
    ]
    assert "由Ⅲ级提升为Ⅱ级：雨势加大，积水加深" in detail.level_history[1].text("zh")


def test_a_closed_event_refuses_every_change(factory, actors):
    office = actors["office"]
    event_id = open_event(factory, office)
    with db.transaction(factory) as session:
        events.close_event(session, office, event_id, version(factory, event_id), "雨停", NOW)
    before = counts(factory)
    current = version(factory, event_id)
    attempts = [
        lambda s: events.change_level(s, office, event_id, current, "2", "再起", NOW),
        lambda s: events.close_event(s, office, event_id, current, "again", NOW),
        lambda s: events.update_duty(
            s, office, event_id, current, duty_leader="甲", duty_officer="乙", now=NOW
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
            attempt(session)
        assert refused.value.key == "error.event_closed"
    assert counts(factory) == before
    with factory() as session:
        event = session.get(Event, event_id)
        assert (event.state, event.closed_at) == (EventState.CLOSED, NOW)
        rows = event_queries.event_list(session, NOW, 30)
    assert [r.state for r in rows] == [EventState.CLOSED]


def test_the_duty_is_handed_over_and_the_list_puts_open_events_first(factory, actors):
    office = actors["office"]
    first = open_event(factory, office, title="旧事件")
    with db.transaction(factory) as session:
        events.close_event(session, office, first, version(factory, first), "结束", NOW)
    second = open_event(factory, office, title="新事件")
    with db.transaction(factory) as session:
        events.update_duty(
            session, office, second, version(factory, second), duty_leader="张区长",
            duty_officer="赵值班", now=NOW,
        )  # fmt: skip
    with factory() as session:
        rows = event_queries.event_list(session, NOW, 30)
        assert [r.id for r in rows] == [second, first]
        assert (rows[0].duty_leader, rows[0].duty_officer) == ("张区长", "赵值班")
        assert timeline.timeline(session, second)[-1].kind == "duty"


def test_the_page_reads_warnings_in_force_and_the_plan_suggestion(factory, actors):
    office = actors["office"]
    with db.transaction(factory) as session:
        xinpu = locality_id(session, "新浦街道")
        warning = warnings.register_warning(
            session, office, warning_type="typhoon", level=WarningLevel.ORANGE,
            headline="台风橙色预警", effective_at=NOW - timedelta(hours=1),
            expires_at=NOW + timedelta(hours=6), locality_ids=[xinpu], now=NOW,
        ).id  # fmt: skip
        fits = plan(session, "海州区防汛抗旱应急预案", "洪涝、干旱、台风", None)
        plan(session, "海州区城镇燃气事故应急预案", "燃气泄漏、爆炸", None)
    with factory() as session:
        (choice,) = event_queries.warnings_in_force(session, NOW)
        assert (choice.id, choice.warning_type, choice.locality_ids) == (
            warning,
            WarningType.TYPHOON,
            (xinpu,),
        )
        assert event_queries.warnings_in_force(session, NOW + timedelta(hours=7)) == []
        assert event_queries.plan_suggestion(session, WarningType.TYPHOON, (xinpu,)) == [fits]
        assert len(event_queries.plan_choices(session)) == 2
