"""What the office map shows of the response: warnings in force as areas, terminals."""

from __future__ import annotations

from datetime import timedelta

from registry.kernel import db
from registry.kernel.enums import BroadcastLevel, TerminalType
from registry.kernel.models import BroadcastTerminal
from registry.response import map_layers, warnings
from tests.conftest import locality_id
from tests.response.test_warnings import NOW, cap


def test_warnings_in_force_become_areas_and_expired_ones_do_not(factory, actors):
    with db.transaction(factory) as session:
        warnings.import_message(session, actors["office"], cap(identifier="m-1"), NOW)
        warnings.import_message(
            session, actors["office"],
            cap(identifier="m-2", severity="Red", headline="暴雨红色预警",
                expires="2026-07-08T10:00:00+08:00"),
            NOW,
        )  # fmt: skip
    with factory() as session:
        now = map_layers.warning_areas(session, NOW)
        later = map_layers.warning_areas(session, NOW + timedelta(hours=3))
    assert [f["properties"]["level"] for f in now["features"]] == ["yellow", "red"]  # red on top
    assert now["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert [f["properties"]["headline"] for f in later["features"]] == [
        "海州区气象台发布暴雨黄色预警信号"
    ]  # the red one expired at 10:00 Beijing time


def test_terminals_follow_the_locality_filter(factory):
    with db.transaction(factory) as session:
        xinpu, banpu = locality_id(session, "新浦街道"), locality_id(session, "板浦镇")
        for name, locality in (("新浦终端", xinpu), ("板浦终端", banpu)):
            session.add(BroadcastTerminal(
                name=name, locality_id=locality, level=BroadcastLevel.VILLAGE,
                terminal_type=TerminalType.LOUDSPEAKER, lon=119.2, lat=34.6,
            ))  # fmt: skip
    with factory() as session:
        everyone = map_layers.terminal_rows(session)
        mine = map_layers.terminal_rows(session, (xinpu,))
    assert {row["name"] for row in everyone} == {"新浦终端", "板浦终端"}
    assert [(row["name"], row["locality"], row["status"]) for row in mine] == [
        ("新浦终端", "新浦街道", "online")
    ]
