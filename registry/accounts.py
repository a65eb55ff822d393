"""Accounts: argon2 password hashes, lockout after repeated failures, role assignment."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from registry import audit, validation
from registry.clock import utcnow
from registry.db import transaction
from registry.enums import Role
from registry.errors import AuthenticationFailed, ValidationError
from registry.models import Locality, User
from registry.permissions import Action, Actor, require
from registry.settings import Settings

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"password: at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_login(
    session: Session, username: str, password: str, settings: Settings, now: datetime
) -> tuple[Actor | None, str]:
    """Verify credentials, recording failures and lockouts; returns (actor, refusal)."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.is_active:
        return None, "wrong username or password"
    if user.locked_until and user.locked_until > now:
        return None, f"account locked until {user.locked_until:%H:%M} UTC"
    actor = Actor.from_user(user)
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        audit.record(session, actor, "login-failed", "user", user.id)
        if user.failed_logins >= settings.max_failed_logins:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            audit.record(
                session,
                actor,
                "account-locked",
                "user",
                user.id,
                after={"locked_until": user.locked_until.isoformat()},
            )
        return None, "wrong username or password"
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, actor, "login", "user", user.id)
    return actor, ""


def authenticate(
    factory: sessionmaker[Session],
    username: str,
    password: str,
    settings: Settings,
    now: datetime | None = None,
) -> Actor:
    """Check a login in its own transaction, so failures and lockouts are kept even when
    the login is refused; locks the account after too many failures."""
    with transaction(factory) as session:
        actor, refusal = _check_login(session, username, password, settings, now or utcnow())
    if actor is None:
        raise AuthenticationFailed(refusal)
    return actor


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    locality_ids: list[int] = (),
    phone: str | None = None,
    is_demo: bool = False,
) -> User:
    """Admins create accounts; a town official must be given at least one locality."""
    require(actor, Action.MANAGE_USERS)
    username = validation.text(username, "username", max_len=64)
    if session.scalar(select(func.count()).where(User.username == username)):
        raise ValidationError(f"username: {username!r} is taken", field="username")
    role = validation.choice(role, Role, "role")
    localities = [session.get(Locality, i) for i in locality_ids]
    if None in localities:
        raise ValidationError("localities: unknown locality", field="localities")
    if role is Role.TOWN and not localities:
        raise ValidationError("localities: a town official needs a locality", field="localities")
    user = User(
        username=username,
        display_name=validation.text(display_name, "display_name", max_len=64),
        role=role,
        password_hash=hash_password(password),
        phone=validation.phone(phone, "phone"),
        localities=localities,
        is_demo=is_demo,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user-created", "user", user.id, after=audit.snapshot(user))
    return user


def change_password(session: Session, actor: Actor, old_password: str, new_password: str) -> None:
    """A user changes their own password, proving the old one."""
    user = session.get(User, actor.user_id)
    if user is None or not _verify(user.password_hash, old_password):
        raise AuthenticationFailed("the current password is wrong")
    user.password_hash = hash_password(new_password)
    audit.record(session, actor, "password-changed", "user", user.id)
