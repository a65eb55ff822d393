"""API tokens: how another system calls the JSON API and the OGC API (``Authorization:
Bearer <token>``).

An administrator issues a token by name, for the district or for some localities, read-only
or read-write, until an expiry; the token is shown once and the database keeps only its
SHA-256 (as for sign-ins, ``sessions``), so a stolen copy of the database calls nothing.
A call is made as an actor built from the token, so the core's permission checks and masking
apply exactly as to a person: a district read token reads like a leader, a district write
token acts like the office, a token for localities like a town official of those localities
(its own localities' detail, the district's public summary).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from registry.kernel import audit, validation
from registry.kernel.enums import AuditAction, AuditEntity, Role, TokenScope
from registry.kernel.errors import ValidationError
from registry.kernel.models import ApiToken, Locality, User
from registry.kernel.permissions import Action, Actor, require

TOUCH_EVERY = timedelta(minutes=1)
"""``last_used_at`` is written at most this often: a call is a read, not a write."""

MAX_DAYS = 3650
NAME_MAX = 58
"""A token acts as ``token:NAME``, which must fit the audit trail's 64-character actor name."""
NAME_PATTERN = re.compile(r"^[\w.\-]+$")
"""Letters (any script), digits, ``.``, ``_`` and ``-``: one word on a command line."""
PREFIX = "hzr_"
"""Marks a string as this registry's API token (secret scanners, logs)."""
ACTOR_PREFIX = "token:"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ApiClient:
    """The caller behind a live token: who it acts as, and whether it may write."""

    token_id: int
    name: str
    actor: Actor
    can_write: bool


@dataclass(frozen=True)
class TokenRow:
    """One token as the administrators' list shows it (never the token or its hash)."""

    id: int
    name: str
    scope: TokenScope
    district: bool
    locality_names: tuple[str, ...]
    created_at: datetime
    created_by: str | None
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def in_force(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


def _snapshot(token: ApiToken) -> dict[str, Any]:
    """The audited state of a token: everything but its hash."""
    return {
        "name": token.name,
        "scope": token.scope.value,
        "district": token.district,
        "locality_ids": sorted(loc.id for loc in token.localities),
        "expires_at": token.expires_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def _name(value: Any) -> str:
    name = validation.text(value, "token_name", max_len=NAME_MAX)
    if not NAME_PATTERN.match(name):
        raise ValidationError("error.token_name_chars", field="token_name", value=name)
    return name


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValidationError("error.not_a_number", field="token_days", value=value) from None
    else:
        number = value
    if not 1 <= number <= MAX_DAYS:
        raise ValidationError("error.token_days", field="token_days", max_days=MAX_DAYS)
    return number


def _localities(session: Session, locality_ids: Iterable[int]) -> list[Locality]:
    found = [session.get(Locality, i) for i in dict.fromkeys(locality_ids)]
    localities = [locality for locality in found if locality is not None]
    if len(localities) < len(found):
        raise ValidationError("error.unknown_locality", field="localities")
    return localities


def create_token(
    session: Session,
    actor: Actor,
    *,
    name: str,
    scope: str,
    locality_ids: Sequence[int] = (),
    district: bool = False,
    days: int = 365,
    now: datetime,
) -> tuple[ApiToken, str]:
    """An administrator issues a token for the district or for some localities (one or the
    other); returns the record and the token, which is never shown again."""
    require(actor, Action.MANAGE_USERS)
    name = _name(name)
    if session.scalar(select(func.count()).where(ApiToken.name == name)):
        raise ValidationError("error.token_name_taken", field="token_name", name=name)
    chosen = validation.choice(scope, TokenScope, "token_scope")
    localities = _localities(session, locality_ids)
    if district and localities:
        raise ValidationError("error.token_district_or_localities", field="localities")
    if not district and not localities:
        raise ValidationError("error.token_needs_localities", field="localities")
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=_hash(plain),
        scope=chosen,
        district=bool(district),
        localities=localities,
        expires_at=now + timedelta(days=_days(days)),
        created_at=now,
        created_by=actor.user_id,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.API_TOKEN_CREATED,
        AuditEntity.API_TOKEN,
        token.id,
        after=_snapshot(token),
    )
    return token, plain


def revoke_token(session: Session, actor: Actor, *, name: str, now: datetime) -> ApiToken:
    """An administrator ends a token at once; its calls are refused from the next one."""
    require(actor, Action.MANAGE_USERS)
    token = session.scalar(
        select(ApiToken).where(ApiToken.name == str(name).strip()).with_for_update()
    )
    if token is None:
        raise ValidationError("error.token_unknown", field="token_name", name=name)
    if token.revoked_at is not None:
        raise ValidationError("error.token_already_revoked", field="token_name", name=name)
    before = _snapshot(token)
    token.revoked_at = now
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.API_TOKEN_REVOKED,
        AuditEntity.API_TOKEN,
        token.id,
        before=before,
        after=_snapshot(token),
    )
    return token


def token_list(session: Session, actor: Actor) -> list[TokenRow]:
    """Every token, the newest first, for the administrators."""
    require(actor, Action.MANAGE_USERS)
    tokens = session.scalars(
        select(ApiToken)
        .options(selectinload(ApiToken.localities))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
    ids = {t.created_by for t in tokens if t.created_by is not None}
    creators: dict[int, str] = {
        user_id: username
        for user_id, username in session.execute(
            select(User.id, User.username).where(User.id.in_(ids))
        )
    }
    return [
        TokenRow(
            id=t.id,
            name=t.name,
            scope=t.scope,
            district=t.district,
            locality_names=tuple(loc.name for loc in t.localities),
            created_at=t.created_at,
            created_by=creators.get(t.created_by) if t.created_by is not None else None,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            last_used_at=t.last_used_at,
        )
        for t in tokens
    ]


def _actor(token: ApiToken) -> Actor:
    write = token.scope is TokenScope.WRITE
    if token.district:
        role = Role.OFFICE if write else Role.LEADER
        locality_ids: frozenset[int] = frozenset()
    else:
        role = Role.TOWN
        locality_ids = frozenset(loc.id for loc in token.localities)
    return Actor(
        user_id=None,
        username=f"{ACTOR_PREFIX}{token.name}",
        role=role,
        locality_ids=locality_ids,
        display_name=token.name,
    )


def resolve(session: Session, plain: str | None, now: datetime) -> ApiClient | None:
    """The caller behind a bearer token, or None when it is unknown, expired or revoked.

    Reads without a write lock; once a minute it notes the use (``last_used_at``), which the
    caller commits."""
    if not plain:
        return None
    token = session.scalar(
        select(ApiToken)
        .options(selectinload(ApiToken.localities))
        .where(ApiToken.token_hash == _hash(plain))
    )
    if token is None or token.revoked_at is not None or now >= token.expires_at:
        return None
    client = ApiClient(token.id, token.name, _actor(token), token.scope is TokenScope.WRITE)
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return client


def record_request(session: Session, client: ApiClient, method: str, path: str, query: str) -> None:
    """Every API call is in the audit trail under the token's name."""
    audit.record(
        session,
        client.actor,
        AuditAction.API_REQUEST,
        AuditEntity.API_TOKEN,
        client.token_id,
        after={"method": method, "path": path[:512], "query": query[:1024]},
    )
