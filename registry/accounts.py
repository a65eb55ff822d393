"""Accounts: argon2 password hashes, lockout after repeated failures, role assignment.

The administration use-cases take ``(session, actor, ...)``, require MANAGE_USERS and audit
every change with the account's state before and after, never its password hash.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.orm.attributes import flag_modified

from registry import audit, editing, validation
from registry.clock import utcnow
from registry.db import transaction
from registry.enums import Role
from registry.errors import AuthenticationFailed, InvariantViolation, ValidationError
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


def _sign_in_state(session: Session, user_id: int, **values) -> None:
    """Sign-in bookkeeping is not an edit of the account: written past the version counter,
    so a sign-in never makes an administrator's open form on that account stale."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


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
        failures = user.failed_logins + 1
        audit.record(session, actor, "login-failed", "user", user.id)
        if failures < settings.max_failed_logins:
            _sign_in_state(session, user.id, failed_logins=failures)
            return None, "wrong username or password"
        locked_until = now + timedelta(minutes=settings.lockout_minutes)
        _sign_in_state(session, user.id, failed_logins=0, locked_until=locked_until)
        audit.record(
            session,
            actor,
            "account-locked",
            "user",
            user.id,
            after={"locked_until": locked_until.isoformat()},
        )
        return None, "wrong username or password"
    _sign_in_state(session, user.id, failed_logins=0, locked_until=None, last_login_at=now)
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


def _localities(session: Session, locality_ids) -> list[Locality]:
    localities = [session.get(Locality, i) for i in dict.fromkeys(locality_ids)]
    if None in localities:
        raise ValidationError("localities: unknown locality", field="localities")
    return localities


def _check_town_localities(role: Role, localities: list[Locality]) -> None:
    if role is Role.TOWN and not localities:
        raise ValidationError("localities: a town official needs a locality", field="localities")


def _snapshot(user: User) -> dict:
    """The audited state of an account: its columns without the hash, plus its localities."""
    return {**audit.snapshot(user), "locality_ids": sorted(loc.id for loc in user.localities)}


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
    localities = _localities(session, locality_ids)
    _check_town_localities(role, localities)
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
    audit.record(session, actor, "user-created", "user", user.id, after=_snapshot(user))
    return user


def change_password(session: Session, actor: Actor, old_password: str, new_password: str) -> None:
    """A user changes their own password, proving the old one."""
    user = session.get(User, actor.user_id)
    if user is None or not _verify(user.password_hash, old_password):
        raise AuthenticationFailed("the current password is wrong")
    user.password_hash = hash_password(new_password)
    audit.record(session, actor, "password-changed", "user", user.id)


def _keep_an_admin(session: Session, actor: Actor, user: User, *, role: Role, active: bool) -> None:
    """Refuse a change that would leave the system without an active administrator; the
    admin rows are locked so two admins demoting each other cannot both succeed."""
    if user.role is not Role.ADMIN or not user.is_active or (role is Role.ADMIN and active):
        return
    if user.id == actor.user_id:
        raise InvariantViolation(
            "you cannot remove your own administrator role or disable yourself"
        )
    admins = session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.is_active).with_for_update()
    ).all()
    if len(admins) <= 1:
        raise InvariantViolation(f"{user.username} is the last active administrator")


def _change(session: Session, actor: Actor, user: User, action: str, values: dict) -> None:
    """Set ``values`` on the account and audit its state before and after. The row is always
    rewritten so the version moves even when only the localities (another table) changed."""
    before = _snapshot(user)
    for key, value in values.items():
        setattr(user, key, value)
    flag_modified(user, "display_name")
    session.flush()
    audit.record(session, actor, action, "user", user.id, before=before, after=_snapshot(user))


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    expected_version: int,
    *,
    display_name: str,
    role: str,
    locality_ids: list[int],
    phone: str | None,
) -> User:
    """Change an account's name, role, localities and phone, refusing a stale form."""
    require(actor, Action.MANAGE_USERS)
    user = editing.load(session, User, user_id, "user")
    editing.check_version(session, user, "user", expected_version)
    values = {
        "display_name": validation.text(display_name, "display_name", max_len=64),
        "role": validation.choice(role, Role, "role"),
        "phone": validation.phone(phone, "phone"),
        "localities": _localities(session, locality_ids),
    }
    _check_town_localities(values["role"], values["localities"])
    _keep_an_admin(session, actor, user, role=values["role"], active=user.is_active)
    _change(session, actor, user, "user-updated", values)
    return user


def reset_password(session: Session, actor: Actor, user_id: int, new_password: str) -> None:
    """An admin sets a new password for a user who forgot theirs; it also lifts a lockout."""
    require(actor, Action.MANAGE_USERS)
    user = editing.load(session, User, user_id, "user")
    values = {"password_hash": hash_password(new_password), "failed_logins": 0}
    _change(session, actor, user, "password-reset", {**values, "locked_until": None})


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> None:
    """Disable an account (it can no longer sign in) or enable it again; nothing is deleted,
    so the audit trail keeps naming the person."""
    require(actor, Action.MANAGE_USERS)
    user = editing.load(session, User, user_id, "user")
    if user.is_active == active:
        return
    _keep_an_admin(session, actor, user, role=user.role, active=active)
    action = "user-enabled" if active else "user-disabled"
    _change(session, actor, user, action, {"is_active": active})


def unlock(session: Session, actor: Actor, user_id: int) -> None:
    """Lift a lockout before its window ends, e.g. once the user has been identified."""
    require(actor, Action.MANAGE_USERS)
    user = editing.load(session, User, user_id, "user")
    values = {"failed_logins": 0, "locked_until": None}
    _change(session, actor, user, "account-unlocked", values)


def list_users(session: Session) -> list[dict]:
    """Every account for the administration page, without password hashes."""
    users = session.scalars(
        select(User).options(selectinload(User.localities)).order_by(User.username)
    ).all()
    return [
        {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "phone": user.phone,
            "locality_ids": [loc.id for loc in user.localities],
            "localities": [loc.name for loc in user.localities],
            "is_active": user.is_active,
            "failed_logins": user.failed_logins,
            "locked_until": user.locked_until,
            "last_login_at": user.last_login_at,
            "is_demo": user.is_demo,
            "version": user.version,
        }
        for user in users
    ]
