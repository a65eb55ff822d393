"""Reading the audit trail: filters, the town official's scope, masking, and no rewrites."""

import re
import time
from pathlib import Path

import pytest

from registry.accounts import audit_log
from registry.accounts.users import update_user
from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.records import commands as records
from tests.helpers import BANPU_POINT, depot, locality

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def trail(factory, actors):
    """Depot events in two localities and an account change, in two batches a moment apart."""
    office, town, admin = actors["office"], actors["town"], actors["admin"]
    with db.transaction(factory) as session:
        banpu = depot(session, office, "板浦镇库", place="板浦镇", point=BANPU_POINT).id
        xinpu = depot(session, town, "新浦街道库").id
    time.sleep(0.01)
    mark = utcnow()
    time.sleep(0.01)
    with db.transaction(factory) as session:
        records.update_depot(session, town, xinpu, 1, {"manager": "李强"})
        update_user(
            session,
            admin,
            town.user_id,
            1,
            display_name="新浦街道应急办",
            role="town",
            locality_ids=[locality(session, "新浦街道").id],
            phone=None,
        )
    return {"banpu": banpu, "xinpu": xinpu, "mark": mark}


def search(factory, actor, **filters):
    with factory() as session:
        return audit_log.search_events(session, actor, **filters)


def test_events_come_newest_first_with_parsed_before_after_and_changes(factory, actors, trail):
    events = search(factory, actors["office"])
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    updated = next(e for e in events if e["action"] == "depot-updated")
    assert updated["changes"]["manager"] == ("王明", "李强")
    assert set(updated["changes"]) == {"manager", "last_confirmed_at"}  # an edit confirms
    assert updated["before"]["manager"] == "王明" and updated["after"]["manager"] == "李强"
    assert (updated["entity"], updated["entity_id"]) == ("depot", trail["xinpu"])
    assert (updated["actor_name"], updated["locality"]) == ("test-town", "新浦街道")
    created = next(e for e in events if e["entity_id"] == trail["banpu"])
    assert created["before"] is None and created["changes"] == {}


def test_filter_by_user(factory, actors, trail):
    events = search(factory, actors["office"], user_id=actors["town"].user_id)
    assert {e["action"] for e in events} == {"depot-created", "depot-updated"}
    assert {e["actor_name"] for e in events} == {"test-town"}


def test_filter_by_locality(factory, actors, trail):
    with factory() as session:
        banpu = locality(session, "板浦镇").id
    events = search(factory, actors["admin"], locality_id=banpu)
    assert [(e["action"], e["entity_id"]) for e in events] == [("depot-created", trail["banpu"])]


def test_filter_by_entity_and_action(factory, actors, trail):
    users = search(factory, actors["admin"], entity="user")
    assert {e["action"] for e in users} == {"user-created", "user-updated"}
    updated = search(factory, actors["admin"], entity="user", action="user-updated")
    assert len(updated) == 1 and updated[0]["changes"]["display_name"] == ("town", "新浦街道应急办")
    assert (
        search(factory, actors["admin"], action="depot-updated")[0]["entity_id"] == trail["xinpu"]
    )


def test_filter_by_time_window(factory, actors, trail):
    later = search(factory, actors["admin"], since=trail["mark"])
    assert {e["action"] for e in later} == {"depot-updated", "user-updated"}
    earlier = search(factory, actors["admin"], until=trail["mark"], entity="depot")
    assert {e["entity_id"] for e in earlier} == {trail["banpu"], trail["xinpu"]}
    assert {e["action"] for e in earlier} == {"depot-created"}
    assert search(factory, actors["admin"], since=trail["mark"], until=trail["mark"]) == []


def test_limit_and_offset_page_through_the_trail(factory, actors, trail):
    everything = search(factory, actors["admin"])
    pages = [search(factory, actors["admin"], limit=3, offset=o) for o in (0, 3)]
    assert [e["id"] for e in pages[0] + pages[1]] == [e["id"] for e in everything[:6]]


def test_a_town_official_sees_only_their_localities(factory, actors, trail):
    town = actors["town"]
    events = search(factory, town)
    assert events and {e["locality"] for e in events} == {"新浦街道"}
    assert trail["banpu"] not in {e["entity_id"] for e in events if e["entity"] == "depot"}
    assert not [e for e in events if e["entity"] == "user"]
    with factory() as session:
        banpu = locality(session, "板浦镇").id
    assert search(factory, town, locality_id=banpu) == []
    assert search(factory, town, user_id=actors["office"].user_id) == []


@pytest.mark.parametrize("role", ["admin", "office", "leader"])
def test_district_roles_see_the_whole_trail(factory, actors, trail, role):
    events = search(factory, actors[role])
    assert {"新浦街道", "板浦镇", None} <= {e["locality"] for e in events}
    assert any(e["entity"] == "user" for e in events)


def test_leaders_see_masked_phone_numbers(factory, actors, trail):
    def phone(role):
        events = search(factory, actors[role], action="depot-updated")
        return events[0]["after"]["manager_phone"]

    assert phone("office") == "138-0000-0000"
    assert phone("leader") == "138****0000"


def test_distinct_values_feed_the_filters(factory, actors, trail):
    with factory() as session:
        entities = audit_log.distinct_entities(session)
        actions = audit_log.distinct_actions(session)
        actors_in_trail = audit_log.distinct_actors(session)
    assert {"depot", "user"} <= set(entities) and entities == sorted(entities)
    assert {"depot-created", "depot-updated", "user-updated"} <= set(actions)
    assert actors_in_trail == {
        actors[name].user_id: f"test-{name}" for name in ("office", "town", "admin")
    }


REWRITES = [
    re.compile(r"\b(update|delete)\(\s*(models\.)?AuditEvent\b"),
    re.compile(r"AuditEvent\b[^\n]*\.(update|delete)\("),
    re.compile(r"\b(update|delete\s+from)\s+[\"'`]?audit_events\b", re.IGNORECASE),
    re.compile(r"session\.delete\(\s*(event|audit)", re.IGNORECASE),
]


def rewrites(source: str) -> list[str]:
    return [m.group(0) for pattern in REWRITES for m in pattern.finditer(source)]


def test_the_patterns_catch_rewrites():
    samples = [
        "session.execute(update(AuditEvent).values(action='x'))",
        "session.execute(delete(models.AuditEvent))",
        "session.query(AuditEvent).filter_by(id=1).delete()",
        'conn.exec_driver_sql("DELETE FROM audit_events")',
        "text('update audit_events set action = 1')",
        "session.delete(event)",
    ]
    assert all(rewrites(sample) for sample in samples)
    assert not rewrites("select(AuditEvent).where(AuditEvent.action == 'x')")


def test_no_code_updates_or_deletes_audit_events():
    """The trail is append-only; only the migration creating its triggers may mention it."""
    migrations = ROOT / "registry" / "migrations"
    paths = [
        ROOT / "streamlit_app.py",
        *(ROOT / "app_pages").rglob("*.py"),
        *(ROOT / "page_helpers").rglob("*.py"),
        *(ROOT / "prepare").rglob("*.py"),
        *(p for p in (ROOT / "registry").rglob("*.py") if migrations not in p.parents),
    ]
    found = {str(p.relative_to(ROOT)): rewrites(p.read_text("utf-8")) for p in paths}
    assert not {path: hits for path, hits in found.items() if hits}
