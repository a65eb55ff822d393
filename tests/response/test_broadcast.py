"""The broadcast system (issue 15, item 5) in the core, on both backends: the terminal
register, the draft from the event's warnings, sending through the outbox, the refusals
(no terminal, empty text, a faulty terminal, a closed event, town officials and leaders)
with nothing written, and the log kept apart as 日常 and 应急."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.enums import (
    BroadcastKind,
    BroadcastLevel,
    DeliveryStatus,
    EventState,
    ResponseLevel,
    TerminalStatus,
    TerminalType,
    WarningLevel,
    WarningState,
    WarningType,
)
from registry.kernel.errors import PermissionDenied, StaleRecord, ValidationError
from registry.kernel.models import (
    AuditEvent,
    Broadcast,
    BroadcastDelivery,
    EarlyWarning,
    Event,
    EventLogEntry,
    Locality,
)
from registry.response import broadcast, broadcast_queries, timeline
from registry.response.area import locality_outline
from registry.response.broadcast_adapters import OutboxAdapter
from tests.conftest import locality_id

NOW = datetime(2026, 7, 8, 2, 0)


def spot(session, name: str) -> tuple[float, float]:
    """A point inside the locality's outline."""
    point = locality_outline(
        session.get(Locality, locality_id(session, name))
    ).representative_point()
    return point.x, point.y


def terminal_data(session, name: str, place: str, **extra) -> dict:
    lon, lat = spot(session, place)
    return {
        "name": name, "locality_id": locality_id(session, place), "village": "建国社区",
        "level": BroadcastLevel.VILLAGE, "terminal_type": TerminalType.SOUND_COLUMN,
        "lon": lon, "lat": lat, **extra,
    }  # fmt: skip


@pytest.fixture
def world(factory, actors):
    """Three terminals (two in 新浦街道, one in 板浦镇, one of them at fault) and an open
    rainstorm event over 新浦街道 with its warning."""
    office = actors["office"]
    with db.transaction(factory) as session:
        ids = {
            key: broadcast.add_terminal(session, office, terminal_data(session, name, place)).id
            for key, name, place in [
                ("xinpu_a", "新浦建国社区音柱", "新浦街道"),
                ("xinpu_b", "新浦民主路社区音柱", "新浦街道"),
                ("banpu", "板浦镇广播平台", "板浦镇"),
            ]
        }
        faulty = broadcast.add_terminal(
            session, office,
            terminal_data(session, "新浦故障喇叭", "新浦街道", status=TerminalStatus.FAULT),
        )  # fmt: skip
        ids["faulty"] = faulty.id
        xinpu = session.get(Locality, locality_id(session, "新浦街道"))
        warning = EarlyWarning(
            identifier="bc-1", sender="test", sender_name="海州区气象台", sent_at=NOW,
            is_exercise=False, msg_type="Alert", warning_type=WarningType.RAINSTORM,
            level=WarningLevel.YELLOW, headline="发布暴雨黄色预警信号",
            description="预计未来6小时内将出现50毫米以上降水。",
            instruction="注意易涝点转移避险。", effective_at=NOW,
            expires_at=NOW + timedelta(hours=12), source="manual", registered_at=NOW,
            state=WarningState.IN_FORCE, localities=[xinpu],
        )  # fmt: skip
        event = Event(
            title="7·8 暴雨", hazard=WarningType.RAINSTORM, level=ResponseLevel.IV,
            state=EventState.OPEN, opened_at=NOW, localities=[xinpu], warnings=[warning],
        )  # fmt: skip
        session.add(event)
        session.flush()
        ids["event"] = event.id
    return ids


def counts(factory) -> tuple[int, int, int, int]:
    with factory() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Broadcast, BroadcastDelivery, EventLogEntry, AuditEvent)
        )


def send(factory, actor, **kwargs):
    values = {"text": "请注意防范暴雨。", "kind": BroadcastKind.EMERGENCY, "now": NOW,
              "adapter": OutboxAdapter(), **kwargs}  # fmt: skip
    with db.transaction(factory) as session:
        return broadcast.send(session, actor, **values).id


def test_terminals_are_registered_edited_and_found_in_the_event_area(factory, actors, world):
    office = actors["office"]
    with factory() as session:
        inside = broadcast_queries.event_terminal_ids(session, world["event"])
        rows = {r.id: r for r in broadcast_queries.terminal_list(session)}
    assert set(inside) == {world["xinpu_a"], world["xinpu_b"], world["faulty"]}
    assert (
        rows[world["banpu"]].locality == "板浦镇"
        and rows[world["faulty"]].status is TerminalStatus.FAULT
    )
    version = rows[world["faulty"]].version
    with db.transaction(factory) as session:
        broadcast.set_terminal_status(session, office, world["faulty"], version, "online")
    with db.transaction(factory) as session:
        terminal = broadcast.update_terminal(
            session, office, world["banpu"], rows[world["banpu"]].version,
            {"name": "板浦镇应急广播平台", "level": BroadcastLevel.TOWN},
        )  # fmt: skip
        assert terminal.name == "板浦镇应急广播平台" and terminal.village == "建国社区"
    with pytest.raises(StaleRecord), db.transaction(factory) as session:
        broadcast.set_terminal_status(session, office, world["faulty"], version, "fault")
    with factory() as session:
        rows = {r.id: r for r in broadcast_queries.terminal_list(session)}
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert rows[world["faulty"]].status is TerminalStatus.ONLINE
    assert rows[world["banpu"]].level is BroadcastLevel.TOWN
    assert actions[-2:] == ["broadcast_terminal-status", "broadcast_terminal-updated"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"lon": 118.78, "lat": 32.06}, "location"),  # Nanjing
        ({"locality_id": 99999}, "locality"),
        ({"level": "province"}, "level"),
        ({"terminal_type": "siren"}, "terminal_type"),
        ({"status": "asleep"}, "status"),
    ],
)
def test_a_bad_terminal_is_refused_naming_the_field(factory, actors, change, field):
    before = counts(factory)
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        broadcast.add_terminal(
            session, actors["office"], {**terminal_data(session, "音柱", "新浦街道"), **change}
        )
    assert refused.value.field == field
    assert counts(factory) == before


def test_terminals_are_kept_by_the_office(factory, actors):
    for role in ("town", "leader"):
        with pytest.raises(PermissionDenied), db.transaction(factory) as session:
            broadcast.add_terminal(
                session, actors[role], terminal_data(session, "音柱", "新浦街道")
            )


def test_the_draft_quotes_the_warning(factory, world):
    with factory() as session:
        draft = broadcast.compose_draft(session, world["event"], "zh")
        english = broadcast.compose_draft(session, world["event"], "en")
    assert draft.startswith("各位居民、村民请注意：")
    assert "海州区气象台发布暴雨黄色预警信号。预计未来6小时内将出现50毫米以上降水。" in draft
    assert "防御指引：注意易涝点转移避险。" in draft
    assert english.startswith("Attention, residents:") and "What to do: 注意易涝点" in english


def test_an_emergency_broadcast_is_recorded_per_terminal_with_the_timeline(factory, actors, world):
    terminals = [world["xinpu_a"], world["xinpu_b"]]
    broadcast_id = send(factory, actors["office"], terminal_ids=terminals, event_id=world["event"],
                        source_department="区气象局")  # fmt: skip
    with factory() as session:
        rows = broadcast_queries.deliveries(session, broadcast_id)
        lines = timeline.timeline(session, world["event"])
        audit = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        stored = session.get(Broadcast, broadcast_id)
        assert stored.adapter == "outbox" and stored.source_department == "区气象局"
    assert {r.terminal_id for r in rows} == set(terminals)
    assert {r.status for r in rows} == {DeliveryStatus.QUEUED}
    assert [line.kind for line in lines] == ["broadcast_sent"]
    assert lines[0].text("zh") == "发送广播至 2 个终端（失败 0 个）：“请注意防范暴雨。”"
    assert audit.action == "broadcast-sent" and audit.entity_id == broadcast_id


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"terminal_ids": []}, "broadcast_terminals", "没有选择广播终端"),
        ({"text": "   "}, "broadcast_text", "广播内容"),
        ({"kind": "weekly"}, "broadcast_kind", "广播类别"),
        ({"terminal_ids": "faulty"}, "broadcast_terminals", "新浦故障喇叭（故障）"),
        ({"terminal_ids": [123456]}, "broadcast_terminals", "123456"),
        ({"event_id": 98765}, "broadcast_event", "98765"),
    ],
)
def test_a_bad_broadcast_is_refused_and_nothing_written(
    factory, actors, world, change, field, says
):
    if change.get("terminal_ids") == "faulty":
        change = {"terminal_ids": [world["xinpu_a"], world["faulty"]]}
    before = counts(factory)
    values = {"terminal_ids": [world["xinpu_a"]], "event_id": world["event"], **change}
    with pytest.raises(ValidationError) as refused:
        send(factory, actors["office"], **values)
    assert refused.value.field == field
    assert says in refused.value.message("zh")
    assert counts(factory) == before


def test_a_closed_event_takes_no_broadcast(factory, actors, world):
    with db.transaction(factory) as session:
        session.get(Event, world["event"]).state = EventState.CLOSED
    before = counts(factory)
    with pytest.raises(ValidationError) as refused:
        send(factory, actors["office"], terminal_ids=[world["xinpu_a"]], event_id=world["event"])
    assert "已结束" in refused.value.message("zh")
    assert counts(factory) == before


def test_only_the_office_broadcasts(factory, actors, world):
    before = counts(factory)
    for role in ("town", "leader"):
        with pytest.raises(PermissionDenied):
            send(factory, actors[role], terminal_ids=[world["xinpu_a"]], event_id=world["event"])
    assert counts(factory) == before
    assert send(factory, actors["admin"], terminal_ids=[world["xinpu_a"]])


def test_the_log_keeps_routine_and_emergency_apart(factory, actors, world):
    office = actors["office"]
    send(factory, office, terminal_ids=[world["banpu"]], kind=BroadcastKind.ROUTINE,
         text="防汛知识宣传：汛期请勿靠近河道。")  # fmt: skip
    later = NOW + timedelta(minutes=5)
    for text in ("暴雨黄色预警，请做好防范。", "请低洼地区群众立即转移。"):
        send(factory, office, terminal_ids=[world["xinpu_a"], world["xinpu_b"]],
             event_id=world["event"], text=text, now=later)  # fmt: skip
        later += timedelta(minutes=5)
    with factory() as session:
        log = broadcast_queries.broadcast_log(session)
        for_event = broadcast_queries.broadcast_log(session, event_id=world["event"])
    assert log.counts == {BroadcastKind.ROUTINE: 1, BroadcastKind.EMERGENCY: 2}
    assert [r.text for r in log.rows[BroadcastKind.ROUTINE]] == ["防汛知识宣传：汛期请勿靠近河道。"]
    emergency = log.rows[BroadcastKind.EMERGENCY]
    assert [r.text for r in emergency] == ["请低洼地区群众立即转移。", "暴雨黄色预警，请做好防范。"]
    assert emergency[0].event_title == "7·8 暴雨" and emergency[0].created_by == "office"
    assert emergency[0].deliveries == {DeliveryStatus.QUEUED: 2} and emergency[0].terminals == 2
    assert for_event.counts == {BroadcastKind.ROUTINE: 0, BroadcastKind.EMERGENCY: 2}
