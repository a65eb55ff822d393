"""The open interface's reads (registry/mapdata/features.py), on both backends: keyset pages,
bbox, time and property filters, the town official's scope, masked phone numbers, the
geometries (points, locality outlines, an event's area) and one query per page."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import event

from registry.kernel import db
from registry.kernel.enums import (
    BroadcastLevel,
    CheckpointType,
    DepotLevel,
    EventState,
    ResponseLevel,
    RiskLevel,
    TaskKind,
    TaskStatus,
    TeamKind,
    TeamStaffing,
    TerminalType,
    WarningType,
)
from registry.kernel.errors import ValidationError
from registry.kernel.models import (
    BroadcastTerminal,
    Checkpoint,
    Depot,
    Event,
    ResponseTask,
    Team,
)
from registry.mapdata import features as ogc
from tests.helpers import BANPU_POINT, XINPU_POINT, locality

PHONE = "138-1234-5678"
MASKED = "138****5678"
OPENED = datetime(2026, 11, 20, 8, 0)
LATER = datetime(2026, 11, 24, 8, 0)
AREA = {
    "type": "Polygon",
    "coordinates": [[[119.3, 34.7], [119.4, 34.7], [119.4, 34.8], [119.3, 34.7]]],
}


def _seed(factory) -> dict[str, list[int]]:
    """Checkpoints, depots, teams and terminals in 新浦街道 (the town official's) and 板浦镇,
    an event over both localities with a task at each checkpoint, and a later one with a
    drawn area."""
    with db.transaction(factory) as session:
        xinpu, banpu = locality(session, "新浦街道"), locality(session, "板浦镇")
        places = [(xinpu, XINPU_POINT), (banpu, BANPU_POINT)]
        checkpoints = []
        for n in range(5):
            place, (lon, lat) = places[n % 2]
            checkpoints.append(
                Checkpoint(
                    name=f"隐患点{n}",
                    type=CheckpointType.WATERLOGGING if n < 3 else CheckpointType.DIKE,
                    risk_level=RiskLevel.MAJOR if n == 0 else RiskLevel.GENERAL,
                    locality_id=place.id,
                    lon=lon + n * 0.001,
                    lat=lat,
                    responsible_person="李四",
                    responsible_phone=PHONE,
                )
            )
        depots = [
            Depot(
                name=f"库{n}",
                level=DepotLevel.TOWN,
                locality_id=place.id,
                lon=lon,
                lat=lat,
                manager="王明",
                manager_phone=PHONE,
            )
            for n, (place, (lon, lat)) in enumerate(places)
        ]
        teams = [
            Team(
                name=f"队{n}",
                kind=TeamKind.COMPREHENSIVE,
                staffing=TeamStaffing.FULL_TIME,
                locality_id=place.id,
                base_lon=lon,
                base_lat=lat,
                leader_phone=PHONE,
            )
            for n, (place, (lon, lat)) in enumerate(places)
        ]
        terminals = [
            BroadcastTerminal(
                name=f"终端{n}",
                locality_id=place.id,
                level=BroadcastLevel.TOWN,
                terminal_type=TerminalType.LOUDSPEAKER,
                lon=lon,
                lat=lat,
            )
            for n, (place, (lon, lat)) in enumerate(places)
        ]
        flood = Event(
            title="暴雨",
            hazard=WarningType.RAINSTORM,
            level=ResponseLevel.IV,
            opened_at=OPENED,
            localities=[xinpu, banpu],
        )
        drawn = Event(
            title="台风",
            hazard=WarningType.TYPHOON,
            level=ResponseLevel.III,
            opened_at=LATER,
            area_geojson=json.dumps(AREA),
            state=EventState.CLOSED,
        )
        session.add_all([*checkpoints, *depots, *teams, *terminals, flood, drawn])
        session.flush()
        tasks = [
            ResponseTask(
                event_id=flood.id,
                checkpoint_id=cp.id,
                locality_id=cp.locality_id,
                kind=TaskKind.PATROL,
                title=f"巡查{cp.name}",
                assignee_phone=PHONE,
                created_at=OPENED,
                status=TaskStatus.PENDING,
            )
            for cp in checkpoints
        ]
        session.add_all(tasks)
        session.flush()
        return {
            "checkpoints": [c.id for c in checkpoints],
            "xinpu": [xinpu.id],
            "events": [flood.id, drawn.id],
            "tasks": [t.id for t in tasks],
        }


def _page(factory, actor, collection, query=None, **kwargs):
    with factory() as session:
        return ogc.features(session, actor, collection, query or ogc.FeatureQuery(), **kwargs)


def _query(collection, **kwargs):
    return ogc.query_for(ogc.COLLECTIONS[collection], **kwargs)


def test_pages_follow_by_id_to_the_end(factory, actors):
    ids = _seed(factory)["checkpoints"]
    seen, after, pages = [], None, 0
    while True:
        page = _page(
            factory, actors["office"], "checkpoints", _query("checkpoints", limit=2, after_id=after)
        )
        seen += [f.id for f in page.features]
        pages += 1
        after = page.next_after
        if after is None:
            break
        assert len(page.features) == 2 and after == page.features[-1].id
    assert seen == ids and pages == 3
    assert _query("checkpoints", limit=50_000).limit == ogc.MAX_LIMIT
    assert _query("checkpoints").limit == ogc.DEFAULT_LIMIT
    with pytest.raises(ValidationError):
        _query("checkpoints", limit=0)


def test_bbox_time_and_property_filters(factory, actors):
    seeded = _seed(factory)
    office = actors["office"]
    lon, lat = XINPU_POINT
    near = _page(
        factory,
        office,
        "checkpoints",
        _query("checkpoints", bbox=(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)),
    )
    assert [f.properties["locality"] for f in near.features] == ["新浦街道"] * 3
    dikes = _page(
        factory,
        office,
        "checkpoints",
        _query("checkpoints", filters={"type": "dike", "risk_level": "general"}),
    )
    assert [f.properties["name"] for f in dikes.features] == ["隐患点3", "隐患点4"]
    either = _query("checkpoints", filters={"risk_level": "major,significant"})
    assert [
        f.properties["name"] for f in _page(factory, office, "checkpoints", either).features
    ] == ["隐患点0"]
    by_name = _page(factory, office, "depots", _query("depots", filters={"locality": "板浦镇"}))
    by_id = _page(
        factory, office, "depots", _query("depots", filters={"locality": str(seeded["xinpu"][0])})
    )
    assert [f.properties["name"] for f in by_name.features] == ["库1"]
    assert [f.properties["name"] for f in by_id.features] == ["库0"]
    later = _page(factory, office, "events", _query("events", start=datetime(2026, 11, 22)))
    assert [f.properties["title"] for f in later.features] == ["台风"]
    closed = _page(factory, office, "events", _query("events", filters={"status": "closed"}))
    assert [f.properties["title"] for f in closed.features] == ["台风"]
    at_xinpu = _page(factory, office, "events", _query("events", filters={"locality": "新浦街道"}))
    assert [f.properties["title"] for f in at_xinpu.features] == ["暴雨"]
    early = _page(factory, office, "tasks", _query("tasks", end=datetime(2026, 11, 19)))
    assert early.features == ()
    for bad in (
        {"filters": {"risk_level": "huge"}},
        {"filters": {"colour": "red"}},
        {"filters": {"locality": "火星镇"}},
        {"start": OPENED},
        {"bbox": (2, 0, 1, 1)},
    ):
        with pytest.raises(ValidationError):
            _page(factory, office, "checkpoints", _query("checkpoints", **bad))


def test_a_town_official_sees_the_detail_of_their_localities_only(factory, actors):
    seeded = _seed(factory)
    town, office = actors["town"], actors["office"]
    for collection in ("checkpoints", "depots", "teams", "broadcast_terminals", "tasks"):
        mine = _page(factory, town, collection).features
        every = _page(factory, office, collection).features
        assert mine and {f.properties["locality"] for f in mine} == {"新浦街道"}
        assert {f.properties["locality"] for f in every} == {"新浦街道", "板浦镇"}
    # the district's public summary: every locality and every event
    assert len(_page(factory, town, "localities", _query("localities", limit=100)).features) == 19
    assert len(_page(factory, town, "events").features) == 2
    banpu_checkpoint = seeded["checkpoints"][1]
    with factory() as session:
        assert ogc.feature(session, town, "checkpoints", banpu_checkpoint) is None
        assert ogc.feature(session, office, "checkpoints", banpu_checkpoint) is not None
        assert ogc.feature(session, office, "checkpoints", 999_999) is None
        found = ogc.feature(session, town, "checkpoints", seeded["checkpoints"][0])
    assert found is not None and found.id == seeded["checkpoints"][0]


def test_phone_numbers_masked_for_leaders_and_when_asked(factory, actors):
    _seed(factory)
    phones = {
        "checkpoints": "responsible_phone",
        "depots": "manager_phone",
        "teams": "leader_phone",
        "tasks": "assignee_phone",
    }
    for collection, name in phones.items():
        full = _page(factory, actors["office"], collection).features[0]
        read_only = _page(factory, actors["office"], collection, full_phones=False).features[0]
        leader = _page(factory, actors["leader"], collection).features[0]
        assert full.properties[name] == PHONE
        assert read_only.properties[name] == MASKED
        assert leader.properties[name] == MASKED


def test_geometries_points_outlines_and_areas(factory, actors):
    seeded = _seed(factory)
    office = actors["office"]
    checkpoint = _page(factory, office, "checkpoints").features[0]
    assert checkpoint.geometry == {"type": "Point", "coordinates": list(XINPU_POINT)}
    task = _page(factory, office, "tasks").features[0]
    assert task.geometry == checkpoint.geometry and task.properties["event"] == "暴雨"
    events = {f.properties["title"]: f for f in _page(factory, office, "events").features}
    assert events["台风"].geometry is not None
    assert events["台风"].geometry["type"] == "Polygon"
    assert events["暴雨"].geometry is not None
    assert events["暴雨"].geometry["type"] in {"Polygon", "MultiPolygon"}
    assert events["暴雨"].properties["localities"] == "新浦街道、板浦镇"
    assert events["暴雨"].id == seeded["events"][0]
    lon, lat = XINPU_POINT
    here = _page(
        factory,
        office,
        "localities",
        _query("localities", bbox=(lon - 1e-4, lat - 1e-4, lon + 1e-4, lat + 1e-4)),
    )
    assert [f.properties["name"] for f in here.features] == ["新浦街道"]
    assert here.features[0].geometry is not None
    assert here.features[0].geometry["type"] in {"Polygon", "MultiPolygon"}
    typhoon_only = _page(
        factory, office, "events", _query("events", bbox=(119.35, 34.72, 119.36, 34.73))
    )
    assert [f.properties["title"] for f in typhoon_only.features] == ["台风"]


def test_one_query_per_page(factory, actors):
    _seed(factory)
    statements: list[str] = []
    engine = factory.kw["bind"]

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for collection in (
            "checkpoints",
            "depots",
            "teams",
            "broadcast_terminals",
            "tasks",
            "localities",
        ):
            statements.clear()
            assert _page(factory, actors["office"], collection).features
            assert len(statements) == 1, collection
        statements.clear()
        assert len(_page(factory, actors["office"], "events").features) == 2
        assert len(statements) == 2
    finally:
        event.remove(engine, "before_cursor_execute", count)
