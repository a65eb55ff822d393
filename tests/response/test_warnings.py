"""Warnings (issue 15, item 1): GB/T 35965.1 (CAP 1.2) messages registered, updated and
cancelled by the office; every bad message refused with the element named, nothing written."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.enums import WarningLevel, WarningState, WarningType
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import AuditEvent, EarlyWarning, Locality
from registry.response import warnings
from tests.conftest import locality_id

NOW = datetime(2026, 7, 8, 1, 0)  # 09:00 Beijing time, naive UTC as stored
IDENTIFIER = "32070641600000_20260708085500_1"


def cap(
    *,
    identifier: str = IDENTIFIER,
    status: str = "Actual",
    msg_type: str = "Alert",
    references: str | None = None,
    event: str = "暴雨",
    severity: str = "Yellow",
    headline: str = "海州区气象台发布暴雨黄色预警信号",
    expires: str = "2026-07-08T20:00:00+08:00",
    area: str = "<geocode><valueName>GB/T 2260</valueName><value>320706</value></geocode>",
    info: bool = True,
) -> bytes:
    """A message as the national early-warning system sends one; each part can be spoilt."""
    body = (
        f"<info><language>zh-CN</language><category>Met</category><event>{event}</event>"
        f"<urgency>Expected</urgency><severity>{severity}</severity><certainty>Likely</certainty>"
        "<effective>2026-07-08T08:55:00+08:00</effective>"
        f"<expires>{expires}</expires><senderName>连云港市海州区气象台</senderName>"
        f"<headline>{headline}</headline>"
        "<description>预计未来6小时内海州区将出现50毫米以上降水。</description>"
        "<instruction>做好城市内涝防御，注意易涝点转移避险。</instruction>"
        f"<area><areaDesc>海州区</areaDesc>{area}</area></info>"
    )
    refs = f"<references>{references}</references>" if references else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{identifier}</identifier><sender>32070641600000</sender>"
        f"<sent>2026-07-08T08:55:00+08:00</sent><status>{status}</status>"
        f"<msgType>{msg_type}</msgType><scope>Public</scope>{refs}"
        f"{body if info else ''}</alert>"
    ).encode()


def square_around(lon: float, lat: float, half: float = 0.005) -> str:
    """A CAP polygon (lat,lon pairs, closed) around a point."""
    corners = [(lat - half, lon - half), (lat - half, lon + half), (lat + half, lon + half),
               (lat + half, lon - half), (lat - half, lon - half)]  # fmt: skip
    return "<polygon>" + " ".join(f"{a:.5f},{b:.5f}" for a, b in corners) + "</polygon>"


def register(factory, actor, data: bytes, now: datetime = NOW) -> EarlyWarning:
    with db.transaction(factory) as session:
        warning = warnings.import_message(session, actor, data, now)
        warning.localities  # noqa: B018 - loaded while the session is open
        return warning


def counts(factory) -> tuple[int, int]:
    with factory() as session:
        return (
            session.scalar(select(func.count()).select_from(EarlyWarning)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def test_a_district_warning_is_registered_with_every_locality(factory, actors):
    warning = register(factory, actors["office"], cap())
    assert (warning.warning_type, warning.level) == (WarningType.RAINSTORM, WarningLevel.YELLOW)
    assert warning.state is WarningState.IN_FORCE and not warning.is_exercise
    assert warning.expires_at == datetime(2026, 7, 8, 12, 0)  # 20:00 +08:00 in UTC
    assert warning.sender_name == "连云港市海州区气象台"
    with factory() as session:
        assert len(warning.localities) == session.scalar(select(func.count(Locality.id)))
        assert session.scalar(select(EarlyWarning.message).where(EarlyWarning.id == warning.id))


def test_a_polygon_touches_only_the_localities_it_covers(factory, actors):
    with factory() as session:
        xinpu = session.get(Locality, locality_id(session, "新浦街道"))
        area = square_around(xinpu.seat_lon, xinpu.seat_lat, 0.002)
    warning = register(factory, actors["office"], cap(area=area, identifier="p-1"))
    names = {loc.name for loc in warning.localities}
    assert "新浦街道" in names and len(names) <= 3
    assert warning.area_geojson and "Polygon" in warning.area_geojson


def test_a_township_code_touches_that_township(factory, actors):
    with factory() as session:
        code = session.scalar(select(Locality.mca_code).where(Locality.name == "新浦街道"))
    area = f"<geocode><valueName>GB/T 2260</valueName><value>{code}</value></geocode>"
    warning = register(factory, actors["office"], cap(area=area, identifier="t-1"))
    assert [loc.name for loc in warning.localities] == ["新浦街道"]


@pytest.mark.parametrize(
    ("severity", "headline", "level"),
    [
        ("Red", "暴雨红色预警", WarningLevel.RED),
        ("Severe", "暴雨预警", WarningLevel.ORANGE),
        ("Unknown", "海州区发布暴雨蓝色预警信号", WarningLevel.BLUE),
    ],
)
def test_the_colour_comes_from_severity_or_the_headline(factory, actors, severity, headline, level):
    warning = register(factory, actors["office"], cap(severity=severity, headline=headline))
    assert warning.level is level


@pytest.mark.parametrize(
    ("event", "kind"),
    [("雷雨大风", WarningType.GALE), ("沙尘暴", WarningType.SANDSTORM),
     ("道路结冰", WarningType.ROAD_ICING), ("山洪灾害气象风险", WarningType.FLOOD),
     ("地质灾害气象风险", WarningType.GEOLOGICAL), ("台风", WarningType.TYPHOON)],
)  # fmt: skip
def test_the_type_comes_from_the_event(factory, actors, event, kind):
    warning = register(factory, actors["office"], cap(event=event, headline=f"{event}预警"))
    assert warning.warning_type is kind


BAD = [
    (b"<alert><oops", "cap.alert"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "cap.alert"),
    (cap(identifier=""), "cap.identifier"),
    (cap(status="Test"), "cap.status"),
    (cap(msg_type="Ack"), "cap.msgType"),
    (cap(event="地震", headline="地震速报"), "cap.event"),
    (cap(severity="Unknown", headline="暴雨预警"), "cap.severity"),
    (cap(expires="2026-07-08 20:00"), "cap.expires"),
    (cap(expires="2026-07-08T08:00:00+08:00"), "cap.expires"),  # already expired at NOW
    (cap(area=""), "cap.area"),
    (cap(area="<polygon>34.6,119.2 34.7,119.2</polygon>"), "cap.polygon"),
    (cap(area=square_around(118.78, 32.06)), "cap.area"),  # Nanjing
    (cap(area="<geocode><valueName>GB/T 2260</valueName><value>320106</value></geocode>"),
     "cap.area"),  # 南京市鼓楼区
    (cap(msg_type="Update", references="32070641600000,no-such-warning,2026-07-08T08:00:00+08:00"),
     "cap.references"),
    (cap(msg_type="Cancel"), "cap.references"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "element"), BAD)
def test_a_bad_message_is_refused_naming_the_element_and_nothing_is_written(
    factory, actors, data, element
):
    before = counts(factory)
    with pytest.raises(ValidationError) as refused:
        register(factory, actors["office"], data)
    assert refused.value.field == element
    assert refused.value.message("zh") and refused.value.message("en")
    assert counts(factory) == before


def test_external_entities_are_never_resolved(factory, actors, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = cap(headline="&xxe;暴雨黄色预警").replace(
        b"<alert", f'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file://{secret}">]><alert'.encode(), 1
    )
    try:
        warning = register(factory, actors["office"], data)
    except ValidationError:
        return  # refused outright is fine too
    assert "TOP-SECRET" not in warning.headline


def test_the_same_message_twice_is_refused(factory, actors):
    register(factory, actors["office"], cap())
    with pytest.raises(ValidationError) as refused:
        register(factory, actors["office"], cap())
    assert refused.value.key == "error.warning_known"


def test_an_update_replaces_the_warning_and_a_cancel_ends_it(factory, actors):
    first = register(factory, actors["office"], cap())
    reference = f"32070641600000,{IDENTIFIER},2026-07-08T08:55:00+08:00"
    update = cap(identifier="u-2", msg_type="Update", references=reference, severity="Orange",
                 headline="海州区气象台将暴雨黄色预警信号升级为橙色")  # fmt: skip
    second = register(factory, actors["office"], update)
    assert second.level is WarningLevel.ORANGE
    with factory() as session:
        old = session.get(EarlyWarning, first.id)
        assert (old.state, old.replaced_by_id) == (WarningState.UPDATED, second.id)
    cancel = cap(identifier="c-3", msg_type="Cancel", info=False,
                 references="32070641600000,u-2,2026-07-08T10:00:00+08:00")  # fmt: skip
    cancelled = register(factory, actors["office"], cancel)
    assert cancelled.id == second.id and cancelled.state is WarningState.CANCELLED
    with factory() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "warning").order_by(AuditEvent.id)
        ).all()
    assert actions == ["warning-registered", "warning-updated", "warning-registered",
                       "warning-cancelled"]  # fmt: skip


def test_an_exercise_is_registered_as_one(factory, actors):
    assert register(factory, actors["office"], cap(status="Exercise")).is_exercise


@pytest.mark.parametrize("role", ["town", "leader"])
def test_only_the_office_registers_warnings(factory, actors, role):
    with pytest.raises(PermissionDenied):
        register(factory, actors[role], cap())
    assert counts(factory)[0] == 0


def test_a_warning_entered_by_hand(factory, actors):
    with db.transaction(factory) as session:
        xinpu = locality_id(session, "新浦街道")
        warning = warnings.register_warning(
            session, actors["office"], warning_type="rainstorm", level="orange",
            headline="电话通知：暴雨橙色预警", effective_at=NOW,
            expires_at=datetime(2026, 7, 8, 12, 0), locality_ids=[xinpu], now=NOW,
        )  # fmt: skip
        assert warning.source == "manual" and [loc.id for loc in warning.localities] == [xinpu]
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        warnings.register_warning(
            session, actors["office"], warning_type="rainstorm", level="orange",
            headline="过期", effective_at=NOW, expires_at=NOW, locality_ids=[xinpu], now=NOW,
        )  # fmt: skip
    assert refused.value.field == "expires_at"
