"""Times are stored as naive UTC and read in China Standard Time; audit actions and entities
are closed lists whose stored strings never change."""

from datetime import date, datetime

import pytest

from registry.kernel import audit
from registry.kernel.clock import local, utc_start_of
from registry.kernel.enums import AuditAction, AuditEntity
from registry.kernel.models import AuditEvent
from registry.kernel.permissions import SYSTEM


def test_a_stored_utc_time_is_shown_eight_hours_later_in_china():
    assert local(datetime(2026, 3, 1, 17, 30)) == datetime(2026, 3, 2, 1, 30)
    assert local(None) is None


def test_a_chinese_calendar_day_begins_at_16_00_utc_the_day_before():
    assert utc_start_of(date(2026, 3, 2)) == datetime(2026, 3, 1, 16, 0)


def test_generic_actions_are_members_with_the_strings_already_stored():
    assert AuditAction.of(AuditEntity.DEPOT, "created") is AuditAction.DEPOT_CREATED
    assert AuditAction.of(AuditEntity.TEAM_MEMBER, "updated").value == "team_member-updated"
    with pytest.raises(ValueError):
        AuditAction.of(AuditEntity.USER, "retired")  # not in the list: never stored


class _Session:
    def __init__(self) -> None:
        self.added: list[AuditEvent] = []

    def add(self, event: AuditEvent) -> None:
        self.added.append(event)


def test_an_audit_event_stores_plain_values_and_refuses_a_word_outside_the_list():
    session = _Session()
    audit.record(session, SYSTEM, AuditAction.PLAN_ISSUED, AuditEntity.PLAN, 1)  # type: ignore[arg-type]
    stored = session.added[0]
    assert (stored.action, stored.entity) == ("plan-issued", "plan")
    assert type(stored.action) is str
    with pytest.raises(ValueError):
        audit.record(session, SYSTEM, "plan-teleported", AuditEntity.PLAN, 1)  # type: ignore[arg-type]


def test_the_data_version_moves_on_writes_only(factory):
    """Pages key their caches on it: API calls and sign-ins must not refresh them all."""
    from registry.kernel import db

    with db.transaction(factory) as session:
        audit.record(session, SYSTEM, AuditAction.DEPOT_CREATED, AuditEntity.DEPOT, 1)
    with factory() as session:
        written = audit.data_version(session)
    assert written > 0
    with db.transaction(factory) as session:
        for action in (AuditAction.API_REQUEST, AuditAction.LOGIN, AuditAction.LOGIN_FAILED):
            audit.record(session, SYSTEM, action, AuditEntity.USER, 1)
    with factory() as session:
        assert audit.data_version(session) == written
    with db.transaction(factory) as session:
        audit.record(session, SYSTEM, AuditAction.DEPOT_UPDATED, AuditEntity.DEPOT, 1)
    with factory() as session:
        assert audit.data_version(session) > written
