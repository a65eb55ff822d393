"""Disaster reporting's personal data and photos (review of issue 16): the registers' names,
ages, causes and addresses kept in the audit trail are read whole by the district office
and admin only (leaders and towns read names masked and the rest left out), and a town's
disaster photos are read by the office, admin, leaders and that town's officials, not by
another town, through the core and through ``/files``."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.accounts import audit_log
from registry.accounts.users import create_user
from registry.kernel import attachments, db
from registry.kernel.attachments import PreparedFile
from registry.kernel.enums import AttachmentOwner, Role
from registry.kernel.masking import mask_name
from registry.kernel.models import Attachment, DisasterReport, Locality
from registry.kernel.permissions import SYSTEM, Actor
from tests.conftest import PASSWORD, locality_id
from tests.disasters import rollup_data
from tests.disasters.test_registers import HOUSE, PERSON, add_house, add_person
from tests.security.test_web import download

# --- the registers in the audit trail -----------------------------------------------------------


@pytest.fixture
def registered(factory, actors):
    """A dead person and a damaged household in 新浦街道's registers, then the person's age
    and place corrected: every change is in the trail with the whole row."""
    from registry.disasters import registers

    event_id = rollup_data.open_event(factory, actors["office"])
    person = add_person(factory, actors["town"], event_id)
    add_house(factory, actors["town"], event_id)
    with db.transaction(factory) as session:
        registers.update_casualty(
            session, actors["town"], person.id, person.version, today=rollup_data.OPENED.date(),
            **{**PERSON, "age": "68", "place": "新浦街道海连路"},
        )  # fmt: skip
    return event_id


def register_events(factory, actor) -> list[dict]:
    with factory() as session:
        return [
            event
            for event in audit_log.search_events(session, actor)
            if event["entity"] in {"disaster_casualty", "damaged_house"}
        ]


def test_mask_name_keeps_the_first_and_last_character():
    assert [mask_name(n) for n in ("张", "张三", "张小明", "欧阳小明")] == [
        "*", "张*", "张*明", "欧**明",
    ]  # fmt: skip


@pytest.mark.parametrize("role", ["leader", "town"])
def test_leaders_and_towns_read_no_casualty_name_in_the_trail(factory, actors, registered, role):
    events = register_events(factory, actors[role])
    assert len(events) == 3  # the person added and updated, the household added
    shown = repr([(e["before"], e["after"], e["changes"]) for e in events])
    for secret in ("张小明", "李四", "房屋倒塌", "民主路", "海连路", "'age'", "'place'"):
        assert secret not in shown, secret
    added = next(e for e in events if e["action"] == "disaster_casualty-added")
    assert added["after"]["name"] == "张*明"
    assert added["after"]["status"] == "dead" and added["after"]["sex"] == "male"
    assert not {"age", "cause", "place"} & set(added["after"])
    updated = next(e for e in events if e["action"] == "disaster_casualty-updated")
    assert updated["changes"] == {}  # only age and place changed: nothing to show
    house = next(e for e in events if e["entity"] == "damaged_house")
    assert house["after"]["household_head"] == "李*" and "address" not in house["after"]
    assert house["after"]["rooms"] == 3


@pytest.mark.parametrize("role", ["office", "admin"])
def test_the_district_office_reads_the_registers_whole(factory, actors, registered, role):
    events = register_events(factory, actors[role])
    added = next(e for e in events if e["action"] == "disaster_casualty-added")
    assert (added["after"]["name"], added["after"]["age"]) == ("张小明", 67)
    assert added["after"]["place"] == PERSON["place"]
    updated = next(e for e in events if e["action"] == "disaster_casualty-updated")
    assert updated["changes"]["age"] == (67, 68)
    house = next(e for e in events if e["entity"] == "damaged_house")
    assert house["after"]["household_head"] == HOUSE["household_head"]
    assert house["after"]["address"] == HOUSE["address"]


def test_other_entities_keep_their_fields_for_leaders(factory, actors, registered):
    with factory() as session:
        events = audit_log.search_events(session, actors["leader"], entity="event")
    assert events and events[-1]["after"]["title"] == "7·8 暴雨"


# --- disaster photos ----------------------------------------------------------------------------


def photo_of(factory, town: str) -> int:
    """A photo attached to a submitted report of ``town``."""
    event_id = rollup_data.open_event(factory, SYSTEM, title=f"{town}的事件")
    report_id = rollup_data.report(factory, event_id, town)
    with db.transaction(factory) as session:
        stored = attachments.attach(
            session, SYSTEM, AttachmentOwner.DISASTER_REPORT, report_id,
            [PreparedFile("现场.jpg", "image/jpeg", b"\xff\xd8 not really a jpeg")],
            locality_id=locality_id(session, town),
        )  # fmt: skip
        return stored[0].id


def banpu_official(factory) -> Actor:
    with db.transaction(factory) as session:
        user = create_user(
            session, SYSTEM, username="test-banpu", display_name="banpu", role=Role.TOWN,
            password=PASSWORD, locality_ids=[locality_id(session, "板浦镇")],
        )  # fmt: skip
        return Actor.from_user(user)


def readable(factory, actor: Actor, attachment_id: int) -> bool:
    with factory() as session:
        return attachments.readable_content(session, actor, attachment_id) is not None


def test_a_towns_disaster_photo_is_not_read_by_another_town(factory, actors):
    xinpu_photo = photo_of(factory, "新浦街道")
    banpu = banpu_official(factory)
    for role in ("office", "admin", "leader", "town"):  # the town official covers 新浦街道
        assert readable(factory, actors[role], xinpu_photo), role
    assert not readable(factory, banpu, xinpu_photo)
    banpu_photo = photo_of(factory, "板浦镇")
    assert readable(factory, banpu, banpu_photo)
    assert not readable(factory, actors["town"], banpu_photo)
    assert not readable(factory, actors["town"], 999_999)


def demo_photo(demo_url, town: str) -> int:
    factory = db.make_session_factory(db.make_engine(demo_url))
    try:
        with factory() as session:
            found = session.scalar(
                select(Attachment.id)
                .join(DisasterReport, DisasterReport.id == Attachment.owner_id)
                .join(Locality, Locality.id == DisasterReport.locality_id)
                .where(
                    Attachment.owner_kind == AttachmentOwner.DISASTER_REPORT,
                    Locality.name == town,
                )
                .order_by(Attachment.id)
                .limit(1)
            )
    finally:
        factory.kw["bind"].dispose()
    assert found is not None, f"the demo has no disaster photo of {town}"
    return found


def test_files_serves_a_towns_disaster_photo_to_that_town_and_not_another(http, demo_url):
    photo = demo_photo(demo_url, "新浦街道")
    for username in ("office", "leader", "xinpu"):
        assert download(http, username, photo).status_code == 200, username
    refused = download(http, "banpu", photo)
    assert (refused.status_code, refused.content) == (404, b"")
