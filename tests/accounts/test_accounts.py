"""Account administration: admin-only use-cases, the last admin, lockouts and their audit."""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from registry.accounts.users import (
    authenticate,
    create_user,
    is_locked,
    list_users,
    reset_password,
    set_active,
    unlock,
    update_user,
)
from registry.kernel import db
from registry.kernel.errors import (
    AuthenticationFailed,
    InvariantViolation,
    PermissionDenied,
    StaleRecord,
    ValidationError,
)
from registry.kernel.models import AuditEvent, User
from registry.kernel.permissions import SYSTEM
from registry.kernel.settings import Settings
from tests.conftest import PASSWORD, locality_id

NOW = datetime(2026, 11, 25, 9, 0)
SETTINGS = Settings()
NEW_PASSWORD = "battery-staple-2"


def town_changes(session):
    """update_user arguments turning the town official into one covering 板浦镇 too."""
    return {
        "display_name": "新浦与板浦",
        "role": "town",
        "locality_ids": [locality_id(session, "新浦街道"), locality_id(session, "板浦镇")],
        "phone": "0518-8512-3456",
    }


USE_CASES = {
    "update": lambda s, actor, user: update_user(s, actor, user.user_id, 1, **town_changes(s)),
    "reset": lambda s, actor, user: reset_password(s, actor, user.user_id, NEW_PASSWORD),
    "disable": lambda s, actor, user: set_active(s, actor, user.user_id, False),
    "unlock": lambda s, actor, user: unlock(s, actor, user.user_id),
}


def audit_count(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def user_row(factory, user_id) -> dict:
    with factory() as session:
        return next(u for u in list_users(session) if u["id"] == user_id)


def sign_in(factory, username, password=PASSWORD, now=NOW):
    return authenticate(factory, username, password, SETTINGS, now=now).actor


def lock_out(factory, username="test-town", now=NOW) -> None:
    for _ in range(SETTINGS.max_failed_logins):
        with pytest.raises(AuthenticationFailed, match="wrong"):
            sign_in(factory, username, "not-the-password", now)


@pytest.mark.parametrize("use_case", USE_CASES)
def test_admin_may_run_each_account_use_case(factory, actors, use_case):
    before = audit_count(factory)
    with db.transaction(factory) as session:
        USE_CASES[use_case](session, actors["admin"], actors["town"])
    assert audit_count(factory) == before + 1


@pytest.mark.parametrize("role", ["office", "town", "leader"])
@pytest.mark.parametrize("use_case", USE_CASES)
def test_other_roles_are_refused_and_nothing_is_written(factory, actors, use_case, role):
    target = actors["town"]
    before, row = audit_count(factory), user_row(factory, target.user_id)
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        USE_CASES[use_case](session, actors[role], target)
    assert audit_count(factory) == before
    assert user_row(factory, target.user_id) == row


@pytest.mark.parametrize("role", ["office", "town", "leader"])
def test_only_admins_create_users(factory, actors, role):
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        create_user(
            session, actors[role], username="x", display_name="x", role="office", password=PASSWORD
        )


def test_update_changes_role_localities_and_phone_and_moves_the_version(factory, actors):
    town = actors["town"]
    with db.transaction(factory) as session:
        update_user(session, actors["admin"], town.user_id, 1, **town_changes(session))
    row = user_row(factory, town.user_id)
    assert set(row["localities"]) == {"新浦街道", "板浦镇"}
    assert (row["display_name"], row["phone"], row["version"]) == (
        "新浦与板浦",
        "0518-8512-3456",
        2,
    )
    with factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user-updated")).one()
    before, after = json.loads(event.before), json.loads(event.after)
    assert len(after["locality_ids"]) == 2 > len(before["locality_ids"])


def test_a_stale_edit_is_refused_with_what_changed(factory, actors):
    town, admin = actors["town"], actors["admin"]
    with db.transaction(factory) as session:
        update_user(session, admin, town.user_id, 1, **town_changes(session))
    with pytest.raises(StaleRecord) as refused, db.transaction(factory) as session:
        update_user(
            session,
            admin,
            town.user_id,
            1,
            display_name="另一个名字",
            role="town",
            locality_ids=[locality_id(session, "新浦街道")],
            phone=None,
        )
    assert refused.value.changes["display_name"] == ("town", "新浦与板浦")


def test_a_town_official_needs_a_locality(factory, actors):
    with pytest.raises(ValidationError, match="locality"), db.transaction(factory) as session:
        update_user(
            session,
            actors["admin"],
            actors["town"].user_id,
            1,
            display_name="town",
            role="town",
            locality_ids=[],
            phone=None,
        )


def test_an_admin_cannot_demote_or_disable_themselves(factory, actors):
    admin = actors["admin"]
    with pytest.raises(InvariantViolation, match="your own"), db.transaction(factory) as session:
        update_user(
            session,
            admin,
            admin.user_id,
            1,
            display_name="admin",
            role="office",
            locality_ids=[],
            phone=None,
        )
    with pytest.raises(InvariantViolation, match="your own"), db.transaction(factory) as session:
        set_active(session, admin, admin.user_id, False)
    assert user_row(factory, admin.user_id)["is_active"]


def test_the_last_active_admin_is_kept(factory, actors):
    admin = actors["admin"]
    with db.transaction(factory) as session:
        second = create_user(
            session, admin, username="admin-2", display_name="二", role="admin", password=PASSWORD
        ).id
    with db.transaction(factory) as session:
        set_active(session, admin, second, False)  # another admin is left: allowed
    with pytest.raises(InvariantViolation, match="last active"), db.transaction(factory) as s:
        set_active(s, SYSTEM, admin.user_id, False)
    with pytest.raises(InvariantViolation, match="last active"), db.transaction(factory) as s:
        update_user(
            s,
            SYSTEM,
            admin.user_id,
            1,
            display_name="a",
            role="leader",
            locality_ids=[],
            phone=None,
        )
    assert user_row(factory, admin.user_id)["role"] == "admin"


def test_lockout_after_five_failures_lasts_fifteen_minutes(factory, actors):
    lock_out(factory)
    with pytest.raises(AuthenticationFailed, match="wrong"):  # the same words as a typo
        sign_in(factory, "test-town", now=NOW + timedelta(minutes=14))
    assert sign_in(factory, "test-town", now=NOW + timedelta(minutes=15)).username == "test-town"
    with factory() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-8:] == ["login-failed"] * 5 + ["account-locked", "login-failed", "login"]


def test_an_account_counts_as_locked_exactly_while_sign_in_refuses_it(factory, actors):
    lock_out(factory)
    until = user_row(factory, actors["town"].user_id)["locked_until"]
    assert is_locked(until, NOW + timedelta(minutes=14))
    assert not is_locked(until, NOW + timedelta(minutes=15))  # sign-in opens again then
    assert not is_locked(None, NOW)


def test_unlock_lifts_a_lockout_early(factory, actors):
    lock_out(factory)
    assert user_row(factory, actors["town"].user_id)["locked_until"] is not None
    with db.transaction(factory) as session:
        unlock(session, actors["admin"], actors["town"].user_id)
    assert sign_in(factory, "test-town").username == "test-town"


def test_reset_password_clears_the_lockout_and_the_new_password_works(factory, actors):
    lock_out(factory)
    with db.transaction(factory) as session:
        reset_password(session, actors["admin"], actors["town"].user_id, NEW_PASSWORD)
    row = user_row(factory, actors["town"].user_id)
    assert (row["locked_until"], row["failed_logins"]) == (None, 0)
    with pytest.raises(AuthenticationFailed):
        sign_in(factory, "test-town")
    assert sign_in(factory, "test-town", NEW_PASSWORD).username == "test-town"


def test_reset_refuses_a_short_password(factory, actors):
    with pytest.raises(ValidationError, match="at least 10"), db.transaction(factory) as session:
        reset_password(session, actors["admin"], actors["town"].user_id, "short")


def test_a_disabled_account_cannot_sign_in_until_enabled(factory, actors):
    admin, town = actors["admin"], actors["town"]
    with db.transaction(factory) as session:
        set_active(session, admin, town.user_id, False)
    with pytest.raises(AuthenticationFailed):
        sign_in(factory, "test-town")
    with db.transaction(factory) as session:
        set_active(session, admin, town.user_id, True)
    assert sign_in(factory, "test-town").user_id == town.user_id


def test_every_account_change_is_audited_without_password_hashes(factory, actors):
    admin, town = actors["admin"], actors["town"]
    with db.transaction(factory) as session:
        update_user(session, admin, town.user_id, 1, **town_changes(session))
    lock_out(factory)
    with db.transaction(factory) as session:
        reset_password(session, admin, town.user_id, NEW_PASSWORD)
        set_active(session, admin, town.user_id, False)
        set_active(session, admin, town.user_id, True)
        unlock(session, admin, town.user_id)
    with factory() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "user")).all()
        hashes = session.scalars(select(User.password_hash)).all()
    actions = {e.action for e in events}
    assert {
        "user-created",
        "user-updated",
        "password-reset",
        "user-disabled",
        "user-enabled",
        "account-unlocked",
        "account-locked",
        "login-failed",
    } <= actions
    for event in events:
        trail = f"{event.before} {event.after}"
        assert "password_hash" not in trail and "$argon2" not in trail
        assert not any(h in trail for h in hashes)


def test_list_users_shows_no_password_hashes(factory, actors):
    with factory() as session:
        users = list_users(session)
    assert {u["username"] for u in users} >= {"test-admin", "test-town"}
    assert all("password_hash" not in u and "$argon2" not in str(u) for u in users)
    town = next(u for u in users if u["username"] == "test-town")
    assert town["localities"] == ["新浦街道"] and town["role"] == "town"


def test_signing_in_does_not_make_an_open_admin_form_stale(factory, actors):
    """Sign-ins and failures are bookkeeping, not edits: the form's version still holds."""
    town = actors["town"]
    version = user_row(factory, town.user_id)["version"]
    with pytest.raises(AuthenticationFailed):
        sign_in(factory, "test-town", "wrong-password-1")
    sign_in(factory, "test-town")
    assert user_row(factory, town.user_id)["version"] == version
    with db.transaction(factory) as session:
        update_user(session, actors["admin"], town.user_id, version, **town_changes(session))
    assert user_row(factory, town.user_id)["display_name"] == "新浦与板浦"
