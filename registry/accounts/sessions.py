"""Lasting sign-ins: a random token in the browser's HttpOnly cookie, its hash here.

A sign-in survives a reload, a new tab and the loss of the instance that served it, because
every instance reads it from the database. It ends when the user signs out, stays idle too
long, reaches its absolute lifetime, or the account changes under it (disabled, locked,
password, role or localities changed, "sign out everywhere": ``resume`` refuses any session
made under an older ``sign_in_generation``, and those use-cases in ``users`` delete the rows
as well).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from registry.accounts.users import SignIn, resume
from registry.kernel.db import transaction
from registry.kernel.models import SignInSession
from registry.kernel.permissions import Actor
from registry.kernel.settings import Settings

TOUCH_EVERY = timedelta(minutes=1)
"""``last_seen_at`` is written at most this often: a click is a read, not a write."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Resumed:
    """A session's sign-in as read now, and the session's id (for "end this one")."""

    sign_in: SignIn
    session_id: int


@dataclass(frozen=True)
class ActiveSession:
    """One of the user's sessions as the account page lists it (never the token)."""

    id: int
    method: str
    created_at: datetime
    last_seen_at: datetime
    client_address: str | None
    user_agent: str | None


def open_session(
    session: Session,
    sign_in: SignIn,
    settings: Settings,
    now: datetime,
    *,
    method: str = "password",
    client_address: str | None = None,
    user_agent: str | None = None,
) -> str:
    """Start a session for a verified sign-in; returns the token for the cookie, the only
    place it is ever kept."""
    token = secrets.token_urlsafe(32)
    session.add(
        SignInSession(
            token_hash=_hash(token),
            user_id=sign_in.actor.user_id,
            generation=sign_in.generation,
            method=method,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_max_hours),
            client_address=(client_address or "")[:64] or None,
            user_agent=(user_agent or "")[:256] or None,
        )
    )
    session.flush()
    return token


def resume_session(
    factory: sessionmaker[Session], token: str | None, settings: Settings, now: datetime
) -> Resumed | None:
    """The sign-in behind ``token``, re-read with its account, or None (and the row gone)
    once it is unknown, idle too long, too old, or no longer valid for the account.

    Called on every click, so it reads without taking a write lock (on SQLite a long import
    must not stall every page); it writes only to end a dead session or, once a minute, to
    note the use."""
    if not token:
        return None
    with factory() as session:
        row = session.scalar(select(SignInSession).where(SignInSession.token_hash == _hash(token)))
        if row is None:
            return None
        idle_limit = row.last_seen_at + timedelta(minutes=settings.session_timeout_minutes)
        in_force = now < row.expires_at and now < idle_limit
        sign_in = resume(session, row.user_id, row.generation, now) if in_force else None
        session_id, last_seen = row.id, row.last_seen_at
    if sign_in is None:
        with transaction(factory) as session:
            session.execute(delete(SignInSession).where(SignInSession.id == session_id))
        return None
    if now - last_seen >= TOUCH_EVERY:
        with transaction(factory) as session:
            session.execute(
                update(SignInSession).where(SignInSession.id == session_id).values(last_seen_at=now)
            )
    return Resumed(sign_in, session_id)


def end_session(session: Session, token: str | None) -> None:
    """Sign out: the token no longer opens anything, on any instance."""
    if token:
        session.execute(delete(SignInSession).where(SignInSession.token_hash == _hash(token)))


def end_own_session(session: Session, actor: Actor, session_id: int) -> bool:
    """The user ends one of their own sessions (a PC left signed in); another user's id is
    simply not found. Returns whether one was ended."""
    ended = session.execute(
        delete(SignInSession)
        .where(SignInSession.id == session_id, SignInSession.user_id == actor.user_id)
        .returning(SignInSession.id)
    ).first()
    return ended is not None


def active_sessions(
    session: Session, actor: Actor, settings: Settings, now: datetime
) -> list[ActiveSession]:
    """The actor's sessions still in force, the most recently used first."""
    idle_since = now - timedelta(minutes=settings.session_timeout_minutes)
    rows = session.scalars(
        select(SignInSession)
        .where(
            SignInSession.user_id == actor.user_id,
            SignInSession.expires_at > now,
            SignInSession.last_seen_at > idle_since,
        )
        .order_by(SignInSession.last_seen_at.desc(), SignInSession.id.desc())
    ).all()
    return [
        ActiveSession(r.id, r.method, r.created_at, r.last_seen_at, r.client_address, r.user_agent)
        for r in rows
    ]


def purge_expired(session: Session, settings: Settings, now: datetime) -> int:
    """Delete sessions past their lifetime or idle limit (run at start-up); returns how many."""
    idle_since = now - timedelta(minutes=settings.session_timeout_minutes)
    result = session.execute(
        delete(SignInSession).where(
            (SignInSession.expires_at <= now) | (SignInSession.last_seen_at <= idle_since)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
