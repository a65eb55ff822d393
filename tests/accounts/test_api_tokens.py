"""API tokens (issue 17) in the core, on both backends: only administrators issue, list and
revoke them; the database keeps only the hash; a token acts as a leader, the office or a
town official of its localities, until it expires or is revoked; every step is audited.
And at the HTTP edge (``web.api_auth``): 401 with a Bearer challenge for a missing, unknown,
expired or revoked token, 403 for a write by a read-only one, as RFC 9457 problems; each call
audited under the token's name; the sign-in guard leaves ``/api/`` and ``/ogc`` alone."""

import hashlib
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from registry.accounts import tokens
from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.enums import AuditAction, AuditEntity, Role, TokenScope
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import ApiToken, AuditEvent
from registry.kernel.permissions import SYSTEM, Action
from tests.conftest import locality_id
from web import api_auth, state

NOW = datetime(2026, 11, 25, 9, 0)
MINUTE = timedelta(minutes=1)


def issue(factory, actor=SYSTEM, now=NOW, **values):
    values = {"name": "city-read", "scope": "read", "district": True, "days": 30, **values}
    with db.transaction(factory) as session:
        token, plain = tokens.create_token(session, actor, now=now, **values)
        return token.id, plain


def resolve(factory, plain, now=NOW):
    with factory() as session:
        client = tokens.resolve(session, plain, now)
        session.commit()
        return client


def refusal(factory, actor=SYSTEM, **values) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        issue(factory, actor, **values)
    return refused.value


def audited(factory, action: AuditAction) -> list[AuditEvent]:
    with factory() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == action.value)).all()
        )


# --- the core -------------------------------------------------------------------------------


def test_the_database_keeps_only_the_hash_and_the_token_is_random(factory):
    token_id, plain = issue(factory)
    _, other = issue(factory, name="other")
    assert plain.startswith(tokens.PREFIX) and len(plain) > 40 and plain != other
    with factory() as session:
        stored = session.execute(text("SELECT * FROM api_tokens WHERE id = :i"), {"i": token_id})
        row = stored.mappings().one()
    assert plain not in {str(value) for value in row.values()}
    assert row["token_hash"] == hashlib.sha256(plain.encode()).hexdigest()
    with factory() as session:
        assert session.get(ApiToken, token_id).expires_at == NOW + timedelta(days=30)
    created = audited(factory, AuditAction.API_TOKEN_CREATED)
    assert [e.entity for e in created] == [AuditEntity.API_TOKEN.value] * 2
    assert all(
        plain not in (e.after or "") and row["token_hash"] not in (e.after or "") for e in created
    )
    assert json.loads(created[0].after)["scope"] == "read"


@pytest.mark.parametrize(
    ("scope", "district", "role", "can_write"),
    [
        ("read", True, Role.LEADER, False),
        ("write", True, Role.OFFICE, True),
        ("read", False, Role.TOWN, False),
        ("write", False, Role.TOWN, True),
    ],
)
def test_a_token_acts_as_a_leader_the_office_or_a_town_official(
    factory, scope, district, role, can_write
):
    with factory() as session:
        places = [locality_id(session, "新浦街道"), locality_id(session, "板浦镇")]
    token_id, plain = issue(
        factory, scope=scope, district=district, locality_ids=[] if district else places
    )
    client = resolve(factory, plain)
    assert client is not None
    assert (client.token_id, client.name, client.can_write) == (token_id, "city-read", can_write)
    assert client.actor.role is role
    assert client.actor.user_id is None
    assert client.actor.username == "token:city-read"
    assert client.actor.locality_ids == (frozenset() if district else frozenset(places))
    if not district:  # exactly like a town official of those localities, and no other
        assert client.actor.covers(places[0]) and client.actor.covers(places[1])
        with factory() as session:
            assert not client.actor.covers(locality_id(session, "海州街道"))
    assert client.actor.sees_phone_numbers is (role is not Role.LEADER)
    assert not client.actor.can(Action.MANAGE_USERS)


def test_unknown_expired_and_revoked_tokens_resolve_to_nobody(factory):
    _, plain = issue(factory, days=1)
    assert resolve(factory, None) is None
    assert resolve(factory, "") is None
    assert resolve(factory, plain + "x") is None
    assert resolve(factory, plain, NOW + timedelta(days=1) - MINUTE) is not None
    assert resolve(factory, plain, NOW + timedelta(days=1)) is None
    with db.transaction(factory) as session:
        revoked = tokens.revoke_token(session, SYSTEM, name="city-read", now=NOW + MINUTE)
        assert revoked.revoked_at == NOW + MINUTE
    assert resolve(factory, plain, NOW + 2 * MINUTE) is None
    [event] = audited(factory, AuditAction.API_TOKEN_REVOKED)
    assert json.loads(event.before)["revoked_at"] is None
    assert json.loads(event.after)["revoked_at"] is not None


def test_last_used_is_noted_at_most_once_a_minute(factory):
    token_id, plain = issue(factory)

    def last_used():
        with factory() as session:
            return session.get(ApiToken, token_id).last_used_at

    assert last_used() is None
    resolve(factory, plain, NOW)
    assert last_used() == NOW
    resolve(factory, plain, NOW + MINUTE - timedelta(seconds=1))
    assert last_used() == NOW
    resolve(factory, plain, NOW + MINUTE)
    assert last_used() == NOW + MINUTE


def test_only_administrators_issue_list_and_revoke(factory, actors):
    for role in ("office", "leader", "town"):
        with pytest.raises(PermissionDenied):
            issue(factory, actors[role])
    issue(factory, actors["admin"])
    with factory() as session:
        for role in ("office", "leader", "town"):
            with pytest.raises(PermissionDenied):
                tokens.token_list(session, actors[role])
            with pytest.raises(PermissionDenied):
                tokens.revoke_token(session, actors[role], name="city-read", now=NOW)
        [row] = tokens.token_list(session, actors["admin"])
    assert (row.name, row.scope, row.district, row.created_by) == (
        "city-read",
        TokenScope.READ,
        True,
        "test-admin",
    )
    assert row.in_force(NOW) and not row.in_force(NOW + timedelta(days=30))


def test_issuing_is_validated(factory):
    with factory() as session:
        xinpu = locality_id(session, "新浦街道")
    assert refusal(factory, name=" ").key == "error.required"
    assert refusal(factory, name="has space").key == "error.token_name_chars"
    assert refusal(factory, name="x" * (tokens.NAME_MAX + 1)).key == "error.too_long"
    assert refusal(factory, scope="admin").key == "error.unknown_choice"
    assert refusal(factory, days=0).key == "error.token_days"
    assert refusal(factory, days=tokens.MAX_DAYS + 1).key == "error.token_days"
    assert refusal(factory, days="soon").key == "error.not_a_number"
    assert refusal(factory, locality_ids=[xinpu]).key == "error.token_district_or_localities"
    assert refusal(factory, district=False).key == "error.token_needs_localities"
    assert refusal(factory, district=False, locality_ids=[999_999]).key == "error.unknown_locality"
    issue(factory, name="平台.read-1", days=tokens.MAX_DAYS)
    assert refusal(factory, name="平台.read-1").key == "error.token_name_taken"
    with db.transaction(factory) as session:
        tokens.revoke_token(session, SYSTEM, name="平台.read-1", now=NOW)
    assert refusal(factory, name="平台.read-1").key == "error.token_name_taken"
    with factory() as session, pytest.raises(ValidationError) as again:
        tokens.revoke_token(session, SYSTEM, name="平台.read-1", now=NOW)
    assert again.value.key == "error.token_already_revoked"
    with factory() as session, pytest.raises(ValidationError) as unknown:
        tokens.revoke_token(session, SYSTEM, name="nobody", now=NOW)
    assert unknown.value.key == "error.token_unknown"
    assert len(audited(factory, AuditAction.API_TOKEN_CREATED)) == 1


def test_a_request_is_audited_under_the_tokens_name(factory):
    token_id, plain = issue(factory)
    client = resolve(factory, plain)
    with db.transaction(factory) as session:
        tokens.record_request(session, client, "GET", "/ogc/collections", "limit=5")
    [event] = audited(factory, AuditAction.API_REQUEST)
    assert (event.actor_id, event.actor_name) == (None, "token:city-read")
    assert (event.entity, event.entity_id) == (AuditEntity.API_TOKEN.value, token_id)
    assert json.loads(event.after) == {
        "method": "GET",
        "path": "/ogc/collections",
        "query": "limit=5",
    }


# --- the HTTP edge --------------------------------------------------------------------------


@api_auth.problems
async def _read(request: Request) -> Response:
    client = await api_auth.client_for(request)
    await api_auth.audit_request(client, request)
    return JSONResponse({"name": client.name, "role": client.actor.role.value})


@api_auth.problems
async def _write(request: Request) -> Response:
    client = await api_auth.client_for(request)
    api_auth.require_write(client)
    return JSONResponse({"written": True})


@pytest.fixture
def api(http):
    """A tiny API over the demo database the ``http`` fixture opened (``web.state``)."""
    application = Starlette(
        routes=[Route("/api/probe", _read), Route("/api/probe", _write, methods=["POST"])]
    )
    with TestClient(application, base_url="http://registry.test") as client:
        yield client


def bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank"
    assert body["title"] and body["detail"] and body["instance"] == "/api/probe"
    return body


def test_calls_without_a_token_in_force_get_401_with_a_bearer_challenge(api):
    _, plain = issue(state.factory(), name="edge-401", days=1, now=utcnow())
    for headers in ({}, {"Authorization": "Basic abc"}, bearer("hzr_unknown"), bearer("")):
        response = api.get("/api/probe", headers=headers)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert api.get("/api/probe", headers=bearer(plain)).status_code == 200
    with db.transaction(state.factory()) as session:  # expired: an hour past its day
        session.execute(
            update(ApiToken)
            .where(ApiToken.name == "edge-401")
            .values(expires_at=utcnow() - timedelta(hours=1))
        )
    expired = api.get("/api/probe", headers=bearer(plain))
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]
    assert_problem(expired, 401)


def test_a_revoked_token_is_refused_from_its_next_call(api):
    _, plain = issue(state.factory(), name="edge-revoked", now=utcnow())
    assert api.get("/api/probe", headers=bearer(plain)).json() == {
        "name": "edge-revoked",
        "role": "leader",
    }
    with db.transaction(state.factory()) as session:
        tokens.revoke_token(session, SYSTEM, name="edge-revoked", now=utcnow())
    assert_problem(api.get("/api/probe", headers=bearer(plain)), 401)


def test_a_read_only_token_may_not_write(api):
    _, read = issue(state.factory(), name="edge-read", now=utcnow())
    _, write = issue(state.factory(), name="edge-write", scope="write", now=utcnow())
    body = assert_problem(api.post("/api/probe", headers=bearer(read)), 403)
    assert "edge-read" in body["detail"]
    assert api.post("/api/probe", headers=bearer(write)).json() == {"written": True}


def test_every_call_is_audited_with_method_path_and_query(api):
    _, plain = issue(state.factory(), name="edge-audit", now=utcnow())
    assert api.get("/api/probe?limit=5&bbox=1,2,3,4", headers=bearer(plain)).status_code == 200
    with state.factory()() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.actor_name == "token:edge-audit")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None and event.action == AuditAction.API_REQUEST.value
    assert json.loads(event.after) == {
        "method": "GET",
        "path": "/api/probe",
        "query": "limit=5&bbox=1,2,3,4",
    }


@pytest.mark.parametrize("path", ["/ogc", "/ogc/collections", "/api/v1/stock"])
def test_the_sign_in_guard_leaves_the_apis_to_their_tokens(http, path):
    """A browser-like GET of an API path is not sent to the sign-in page (the API routes
    answer for themselves), while a page still is."""
    page = {"Accept": "text/html"}
    assert http.get(path, headers=page, follow_redirects=False).status_code != 303
    assert http.get("/overview", headers=page, follow_redirects=False).status_code == 303
