"""Lasting sign-ins in the core (issue 14), on both backends: the database keeps only the
token's hash; a session resumes with the account's rights as they are now and ends when idle
too long, at its absolute lifetime, or when the account changes under it; a user sees and
ends only their own sessions; an organisation's identity (OIDC) signs in a known open
account only, and every refusal is audited."""

import hashlib
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from registry.accounts import sessions
from registry.accounts import users as accounts
from registry.kernel import db
from registry.kernel.enums import AuditAction
from registry.kernel.errors import AuthenticationFailed
from registry.kernel.models import AuditEvent, SignInSession, User
from registry.kernel.settings import Settings
from tests.conftest import PASSWORD, locality_id

NOW = datetime(2026, 11, 25, 9, 0)
SETTINGS = Settings()
IDLE = timedelta(minutes=SETTINGS.session_timeout_minutes)
SECOND = timedelta(seconds=1)


def open_for(factory, actor, now=NOW, settings=SETTINGS, **details) -> str:
    """A session for the account as it is now (its current generation); returns the token."""
    with db.transaction(factory) as session:
        generation = session.get(User, actor.user_id).sign_in_generation
        signed_in = accounts.resume(session, actor.user_id, generation, now)
        assert signed_in is not None
        return sessions.open_session(session, signed_in, settings, now, **details)


def resume(factory, token, now=NOW, settings=SETTINGS):
    return sessions.resume_session(factory, token, settings, now)


def session_id(factory, token: str) -> int:
    digest = hashlib.sha256(token.encode()).hexdigest()
    with factory() as session:
        return session.scalar(select(SignInSession.id).where(SignInSession.token_hash == digest))


def rows_of(factory, actor) -> list[int]:
    with factory() as session:
        return list(
            session.scalars(
                select(SignInSession.id)
                .where(SignInSession.user_id == actor.user_id)
                .order_by(SignInSession.id)
            )
        )


def row(factory, token: str) -> SignInSession:
    found = session_id(factory, token)
    with factory() as session:
        return session.get(SignInSession, found)


def run(factory, call, *args, **kwargs):
    with db.transaction(factory) as session:
        return call(session, *args, **kwargs)


# --- the token --------------------------------------------------------------------------


def test_the_database_keeps_only_the_sha256_of_the_token(factory, actors):
    token = open_for(factory, actors["town"], client_address="10.0.0.7", user_agent="Firefox")
    assert len(token) >= 40  # 32 random bytes, URL-safe
    with factory() as session:
        values = session.execute(text("SELECT * FROM sign_in_sessions")).one()
        stored = session.scalars(select(SignInSession)).one()
    assert all(token not in str(value) for value in values)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (stored.client_address, stored.user_agent, stored.method) == (
        "10.0.0.7",
        "Firefox",
        "password",
    )
    assert resume(factory, stored.token_hash) is None  # the hash itself opens nothing
    assert resume(factory, token) is not None


def test_two_sign_ins_get_different_tokens(factory, actors):
    first, second = open_for(factory, actors["town"]), open_for(factory, actors["town"])
    assert first != second
    assert resume(factory, first).session_id != resume(factory, second).session_id


def test_no_token_or_an_unknown_one_resumes_nothing(factory, actors):
    open_for(factory, actors["town"])
    assert resume(factory, None) is None
    assert resume(factory, "") is None
    assert resume(factory, "not-a-token-anyone-was-given") is None
    assert len(rows_of(factory, actors["town"])) == 1  # an unknown token deletes nothing


# --- resuming -------------------------------------------------------------------------------


def test_resume_returns_the_accounts_rights_as_they_are_now(factory, actors):
    town = actors["town"]
    token = open_for(factory, town)
    with db.transaction(factory) as session:
        session.get(User, town.user_id).display_name = "新浦街道值班"  # no new generation
    resumed = resume(factory, token)
    assert resumed.session_id == session_id(factory, token)
    assert resumed.sign_in.actor.user_id == town.user_id
    assert resumed.sign_in.actor.display_name == "新浦街道值班"
    assert (resumed.sign_in.actor.role, resumed.sign_in.actor.locality_ids) == (
        town.role,
        town.locality_ids,
    )


def test_a_locked_account_is_not_resumed_and_its_session_is_gone(factory, actors):
    town = actors["town"]
    token = open_for(factory, town)
    with db.transaction(factory) as session:
        session.get(User, town.user_id).locked_until = NOW + timedelta(minutes=15)
    assert resume(factory, token, NOW + timedelta(minutes=1)) is None
    assert rows_of(factory, town) == []


def test_an_idle_session_ends_and_its_row_is_deleted(factory, actors):
    town = actors["town"]
    kept, idle = open_for(factory, town), open_for(factory, town)
    assert resume(factory, kept, NOW + IDLE - SECOND) is not None
    assert resume(factory, idle, NOW + IDLE) is None
    assert rows_of(factory, town) == [session_id(factory, kept)]
    assert resume(factory, idle, NOW) is None  # gone, not merely refused


def test_activity_does_not_outlive_the_absolute_lifetime(factory, actors):
    short = Settings(session_max_hours=1)
    token = open_for(factory, actors["leader"], settings=short)
    for minutes in (20, 40, 59):  # a busy user, never idle
        assert resume(factory, token, NOW + timedelta(minutes=minutes), short) is not None
    assert row(factory, token).expires_at == NOW + timedelta(hours=1)
    assert resume(factory, token, NOW + timedelta(hours=1), short) is None
    assert rows_of(factory, actors["leader"]) == []


def test_last_seen_is_written_at_most_once_a_minute(factory, actors):
    token = open_for(factory, actors["office"])
    resume(factory, token, NOW + timedelta(seconds=30))
    resume(factory, token, NOW + timedelta(seconds=59))
    assert row(factory, token).last_seen_at == NOW
    resume(factory, token, NOW + timedelta(seconds=60))
    assert row(factory, token).last_seen_at == NOW + timedelta(seconds=60)
    resume(factory, token, NOW + timedelta(seconds=100))
    assert row(factory, token).last_seen_at == NOW + timedelta(seconds=60)
    # the idle limit counts from the last write: 30 minutes after it, not after the open
    assert resume(factory, token, NOW + timedelta(seconds=60) + IDLE - SECOND) is not None


# --- changes of the account -----------------------------------------------------------------


def edit_account(session, admin, account: int, *, role: str, locality_ids: list[int], **changes):
    user = session.get(User, account)
    values = {"display_name": user.display_name, "phone": user.phone} | changes
    accounts.update_user(
        session, admin, account, user.version, role=role, locality_ids=locality_ids, **values
    )


@pytest.mark.parametrize(
    "change",
    ["disabled", "role", "localities", "password-reset", "everywhere", "password-changed"],
)
def test_each_change_of_the_account_deletes_its_sessions(factory, actors, change):
    admin, town, office = actors["admin"], actors["town"], actors["office"]
    with factory() as session:
        banpu = [locality_id(session, "板浦镇")]
    changes = {
        "disabled": lambda s: accounts.set_active(s, admin, town.user_id, False),
        "role": lambda s: edit_account(s, admin, town.user_id, role="leader", locality_ids=[]),
        "localities": lambda s: edit_account(
            s, admin, town.user_id, role="town", locality_ids=banpu
        ),
        "password-reset": lambda s: accounts.reset_password(
            s, admin, town.user_id, "Fresh-pass-2027"
        ),
        "everywhere": lambda s: accounts.sign_out_everywhere(s, town),
        "password-changed": lambda s: accounts.change_password(
            s, town, PASSWORD, "Fresh-pass-2027"
        ),
    }
    tokens = [open_for(factory, town), open_for(factory, town)]
    other = open_for(factory, office)
    with db.transaction(factory) as session:
        changes[change](session)
    assert rows_of(factory, town) == []
    assert all(resume(factory, token) is None for token in tokens)
    assert resume(factory, other) is not None  # another account's session is untouched


def test_the_own_password_change_keeps_exactly_the_session_in_use(factory, actors):
    town = actors["town"]
    in_use, elsewhere, third = (open_for(factory, town) for _ in range(3))
    kept = session_id(factory, in_use)
    generation = run(
        factory, accounts.change_password, town, PASSWORD, "Fresh-pass-2027", keep_session=kept
    )
    assert rows_of(factory, town) == [kept]
    assert row(factory, in_use).generation == generation
    resumed = resume(factory, in_use, NOW + timedelta(minutes=1))
    assert resumed is not None and resumed.sign_in.generation == generation
    assert resume(factory, elsewhere) is None and resume(factory, third) is None


def test_keep_session_cannot_keep_another_accounts_session_alive_after_its_change(factory, actors):
    town, office = actors["town"], actors["office"]
    other = open_for(factory, office)
    own = open_for(factory, town)
    run(
        factory,
        accounts.change_password,
        town,
        PASSWORD,
        "Fresh-pass-2027",
        keep_session=session_id(factory, other),
    )
    assert rows_of(factory, town) == [] and resume(factory, own) is None
    assert row(factory, other).generation == 0  # the office's row was not re-stamped


def test_a_change_of_name_or_phone_keeps_the_sessions(factory, actors):
    admin, town = actors["admin"], actors["town"]
    tokens = [open_for(factory, town), open_for(factory, town)]
    with db.transaction(factory) as session:
        xinpu = [locality_id(session, "新浦街道")]
        edit_account(
            session, admin, town.user_id, role="town", locality_ids=xinpu,
            display_name="新浦", phone="0518-8512-3456",
        )  # fmt: skip
    assert len(rows_of(factory, town)) == 2
    assert [resume(factory, t).sign_in.actor.display_name for t in tokens] == ["新浦", "新浦"]


# --- the user's own sessions ----------------------------------------------------------------


def test_a_user_ends_only_their_own_session(factory, actors):
    town, office = actors["town"], actors["office"]
    theirs = open_for(factory, office)
    own = open_for(factory, town)
    assert run(factory, sessions.end_own_session, town, session_id(factory, theirs)) is False
    assert resume(factory, theirs) is not None
    assert run(factory, sessions.end_own_session, town, session_id(factory, own)) is True
    assert resume(factory, own) is None
    assert run(factory, sessions.end_own_session, town, 10**6) is False


def test_end_session_signs_out_this_token_only(factory, actors):
    town = actors["town"]
    leaving, staying = open_for(factory, town), open_for(factory, town)
    run(factory, sessions.end_session, leaving)
    run(factory, sessions.end_session, None)  # no cookie: nothing to do
    assert resume(factory, leaving) is None and resume(factory, staying) is not None


def test_active_sessions_lists_the_actors_live_ones_most_recently_used_first(factory, actors):
    town, office = actors["town"], actors["office"]
    idle = open_for(factory, town, NOW - IDLE - SECOND)
    expired = open_for(factory, town, NOW - timedelta(minutes=10))
    first = open_for(factory, town, NOW - timedelta(minutes=10), method="oidc")
    second = open_for(factory, town, NOW - timedelta(minutes=5), client_address="10.0.0.9")
    open_for(factory, office, NOW - timedelta(minutes=1))
    expire(factory, expired, NOW - SECOND)
    assert resume(factory, first, NOW - timedelta(minutes=2)) is not None  # used again
    with factory() as session:
        listed = sessions.active_sessions(session, town, SETTINGS, NOW)
    assert [s.id for s in listed] == [session_id(factory, first), session_id(factory, second)]
    assert [(s.method, s.client_address) for s in listed] == [
        ("oidc", None),
        ("password", "10.0.0.9"),
    ]
    assert listed[0].last_seen_at == NOW - timedelta(minutes=2)
    assert listed[0].created_at == NOW - timedelta(minutes=10)
    assert session_id(factory, idle) not in [s.id for s in listed]
    assert not any(hasattr(s, "token_hash") for s in listed)


def expire(factory, token: str, at: datetime) -> None:
    """Move a session's absolute lifetime (one opened with other settings)."""
    expiring = session_id(factory, token)
    with db.transaction(factory) as session:
        session.execute(
            update(SignInSession).where(SignInSession.id == expiring).values(expires_at=at)
        )


def test_purge_expired_deletes_idle_and_expired_sessions_only(factory, actors):
    town = actors["town"]
    live = open_for(factory, town, NOW - timedelta(minutes=5))
    open_for(factory, town, NOW - IDLE)  # idle exactly the limit: over
    expired = open_for(factory, actors["leader"], NOW - timedelta(minutes=1))
    expire(factory, expired, NOW)
    kept = session_id(factory, live)
    assert run(factory, sessions.purge_expired, SETTINGS, NOW) == 2
    with factory() as session:
        assert session.scalars(select(SignInSession.id)).all() == [kept]
    assert run(factory, sessions.purge_expired, SETTINGS, NOW) == 0


# --- the organisation's identity (OIDC) -----------------------------------------------------


def audit_events(factory, action: AuditAction) -> list[AuditEvent]:
    with factory() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def identity(factory, username: str, now=NOW):
    """``sign_in_identity`` as the app server calls it: a refusal is caught inside the
    transaction, so its audit is kept."""
    with db.transaction(factory) as session:
        try:
            return accounts.sign_in_identity(session, username, now, "10.1.2.3")
        except AuthenticationFailed as refused:
            return refused


def test_a_known_open_identity_signs_in_and_is_audited_as_oidc(factory, actors):
    town = actors["town"]
    signed_in = identity(factory, " test-town ")
    assert isinstance(signed_in, accounts.SignIn)
    assert signed_in.actor.user_id == town.user_id
    assert signed_in.actor.locality_ids == town.locality_ids
    assert signed_in.generation == 0 and signed_in.must_change_password is False
    login = audit_events(factory, AuditAction.LOGIN)[-1]
    assert login.actor_id == town.user_id
    assert json.loads(login.after) == {"client_address": "10.1.2.3", "method": "oidc"}
    with factory() as session:
        assert session.get(User, town.user_id).last_login_at == NOW
    token = run(factory, sessions.open_session, signed_in, SETTINGS, NOW, method="oidc")
    assert resume(factory, token).sign_in.actor.user_id == town.user_id
    assert row(factory, token).method == "oidc"


@pytest.mark.parametrize("case", ["unknown", "empty", "disabled", "locked"])
def test_an_unknown_disabled_or_locked_identity_is_refused_and_audited(factory, actors, case):
    town = actors["town"]
    if case == "disabled":
        run(factory, accounts.set_active, actors["admin"], town.user_id, False)
    if case == "locked":
        with db.transaction(factory) as session:
            session.get(User, town.user_id).locked_until = NOW + timedelta(minutes=5)
    username = {"unknown": "no-such-person", "empty": "  "}.get(case, "test-town")
    logins_before = len(audit_events(factory, AuditAction.LOGIN))
    refused = identity(factory, username)
    assert isinstance(refused, AuthenticationFailed)
    assert len(audit_events(factory, AuditAction.LOGIN)) == logins_before
    failed = audit_events(factory, AuditAction.LOGIN_FAILED)[-1]
    after = json.loads(failed.after)
    assert after["reason"].startswith("oidc-")
    assert after["reason"] == f"oidc-{'unknown' if case == 'empty' else case}"
    assert after["client_address"] == "10.1.2.3"
    known = case in ("disabled", "locked")
    assert failed.actor_id == (town.user_id if known else None)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SignInSession)) == 0
