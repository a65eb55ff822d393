"""Accounts: argon2 password hashes, sign-ins that follow their account, lockout, roles.

The administration use-cases take ``(session, actor, ...)``, require MANAGE_USERS and audit
every change with the account's state before and after, never its password hash.

A sign-in is a session (``sessions``) made under the account's ``sign_in_generation``;
``resume`` re-reads the account on every run, so a disabled, locked, demoted or re-scoped
user, or one whose password changed, loses the old rights at the next interaction; the
use-cases that move the generation also delete the account's sessions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.orm.attributes import flag_modified

from registry.kernel import audit, editing, validation
from registry.kernel.clock import utcnow
from registry.kernel.db import transaction
from registry.kernel.enums import AuditAction, AuditEntity, Role
from registry.kernel.errors import AuthenticationFailed, InvariantViolation, ValidationError
from registry.kernel.models import Locality, SignInSession, User
from registry.kernel.permissions import SYSTEM, Action, Actor, require
from registry.kernel.settings import Settings

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
REFUSAL = "error.sign_in_failed"  # the same for every reason: never say which part was wrong


@cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most used passwords of zxcvbn's maintained list, lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, username: str) -> None:
    """The password policy, one place for every way a password is set: at least
    MIN_PASSWORD_LENGTH characters, not the username nor containing it, not a common password."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("error.password_short", field="password", length=MIN_PASSWORD_LENGTH)
    lowered, name = password.casefold(), (username or "").strip().casefold()
    # A one- or two-letter username would forbid too many passwords to be "contained".
    if name and (lowered == name or (len(name) >= 3 and name in lowered)):
        raise ValidationError("error.password_has_username", field="password")
    if lowered in _common_passwords():
        raise ValidationError("error.password_common", field="password")


def _new_hash(password: str, username: str) -> str:
    check_password(password, username)
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """Verified for an unknown username, so it costs what a real account costs."""
    return _hasher.hash("no such account: the dummy password")


@dataclass(frozen=True)
class SignIn:
    """A sign-in as the core hands it to the page: the rights as read now, and the generation
    the page remembers; ``must_change_password`` admits only the change-password form."""

    actor: Actor
    generation: int
    must_change_password: bool = False


def _open(now: datetime) -> ColumnElement[bool]:
    """SQL condition: the account may sign in (active and not locked at ``now``)."""
    return and_(User.is_active, or_(User.locked_until.is_(None), User.locked_until <= now))


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Whether a lockout holds at ``now``: it ends by itself when its window does. The one
    rule for signing in and for the administration page."""
    return locked_until is not None and locked_until > now


def _is_open(user: User, now: datetime) -> bool:
    return user.is_active and not is_locked(user.locked_until, now)


def _with_localities(condition: ColumnElement[bool]) -> Select[User]:
    return select(User).options(selectinload(User.localities)).where(condition)


def resume(session: Session, user_id: int, generation: int, now: datetime) -> SignIn | None:
    """Re-read a sign-in's account; None once it is gone, disabled, locked or its generation
    moved on (password change, disabling, role or locality change, "sign out everywhere")."""
    user = session.scalar(_with_localities(User.id == user_id))
    if user is None or not _is_open(user, now) or user.sign_in_generation != generation:
        return None
    return SignIn(Actor.from_user(user), generation, user.must_change_password)


def _sign_in_state(
    session: Session, user_id: int, *conditions: ColumnElement[bool], **values: Any
) -> bool:
    """Sign-in bookkeeping is not an edit of the account: written past the version counter,
    so a sign-in never makes an administrator's open form on that account stale. Returns
    whether the row still met ``conditions``."""
    statement = (
        update(User)
        .where(User.id == user_id, *conditions)
        .values(**values)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    )
    return session.scalar(statement) is not None


@dataclass(frozen=True)
class _Attempt:
    """One sign-in attempt, its password already verified outside any transaction."""

    username: str
    user: User | None  # as read before the verification, detached
    matches: bool
    new_hash: str | None  # the upgraded hash when argon2's parameters changed
    now: datetime
    client_address: str | None


def _failed(session: Session, attempt: _Attempt, reason: str) -> None:
    """Audit a refusal with its reason and the client's address (never shown to the client)."""
    after = {"reason": reason, "client_address": attempt.client_address}
    if attempt.user is None:
        after["username"] = attempt.username[:64]
        audit.record(session, SYSTEM, AuditAction.LOGIN_FAILED, AuditEntity.USER, None, after=after)
        return
    actor = Actor.from_user(attempt.user)
    audit.record(
        session, actor, AuditAction.LOGIN_FAILED, AuditEntity.USER, attempt.user.id, after=after
    )


def _count_failure(session: Session, attempt: _Attempt, settings: Settings) -> None:
    """Count a wrong password atomically (parallel guesses cannot overwrite each other's
    count) and lock the account when the count reaches the limit."""
    user, now = attempt.user, attempt.now
    assert user is not None  # only an existing account's failures are counted
    failures = session.scalar(
        update(User)
        .where(User.id == user.id, _open(now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    _failed(session, attempt, "password" if failures is not None else "locked")
    if failures is None or failures < settings.max_failed_logins:
        return
    locked_until = now + timedelta(minutes=settings.lockout_minutes)
    _sign_in_state(session, user.id, failed_logins=0, locked_until=locked_until)
    after = {"locked_until": locked_until.isoformat(), "client_address": attempt.client_address}
    audit.record(
        session,
        Actor.from_user(user),
        AuditAction.ACCOUNT_LOCKED,
        AuditEntity.USER,
        user.id,
        after=after,
    )


def _record_sign_in(session: Session, attempt: _Attempt, settings: Settings) -> SignIn | None:
    """Write the outcome of a verified attempt; the account's state is checked again in the
    write, so a lock, disabling or password change during the hash still refuses."""
    user, now = attempt.user, attempt.now
    if user is None or not _is_open(user, now):
        reason = "unknown" if user is None else "disabled" if not user.is_active else "locked"
        _failed(session, attempt, reason)
        return None
    if not attempt.matches:
        _count_failure(session, attempt, settings)
        return None
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if attempt.new_hash:
        values["password_hash"] = attempt.new_hash
    unchanged = (
        _open(now),
        User.sign_in_generation == user.sign_in_generation,
        User.password_hash == user.password_hash,
    )
    if not _sign_in_state(session, user.id, *unchanged, **values):
        _failed(session, attempt, "changed")
        return None
    actor = Actor.from_user(user)
    after = {"client_address": attempt.client_address, "rehashed": bool(attempt.new_hash)}
    audit.record(session, actor, AuditAction.LOGIN, AuditEntity.USER, user.id, after=after)
    return SignIn(actor, user.sign_in_generation, user.must_change_password)


def authenticate(
    factory: sessionmaker[Session],
    username: str,
    password: str,
    settings: Settings,
    now: datetime | None = None,
    client_address: str | None = None,
) -> SignIn:
    """Check a sign-in in three short steps: read the account, verify the password outside
    any transaction (SQLite's write lock is never held while argon2 runs), write the outcome.
    Unknown, disabled, locked and wrong all cost one argon2 verification and read the same."""
    username = (username or "").strip()
    with factory() as session:
        user = session.scalar(_with_localities(User.username == username))
    matches = _verify(user.password_hash if user else _dummy_hash(), password)
    upgrade = user is not None and matches and _hasher.check_needs_rehash(user.password_hash)
    new_hash = _hasher.hash(password) if upgrade else None
    attempt = _Attempt(username, user, matches, new_hash, now or utcnow(), client_address)
    with transaction(factory) as session:
        sign_in = _record_sign_in(session, attempt, settings)
    if sign_in is None:
        raise AuthenticationFailed(REFUSAL)
    return sign_in


def sign_in_identity(
    session: Session, username: str, now: datetime, client_address: str | None = None
) -> SignIn:
    """Sign in an identity the organisation's provider has vouched for (OIDC), matched to the
    account of that username: accounts, roles and localities stay managed here, so an
    unknown, disabled or locked account is refused like a wrong password, and audited."""
    username = (username or "").strip()
    user = session.scalar(_with_localities(User.username == username)) if username else None
    attempt = _Attempt(username, user, True, None, now, client_address)
    if user is None or not _is_open(user, now):
        reason = "unknown" if user is None else "disabled" if not user.is_active else "locked"
        _failed(session, attempt, f"oidc-{reason}")
        raise AuthenticationFailed("error.identity_unknown")
    _sign_in_state(session, user.id, last_login_at=now)
    actor = Actor.from_user(user)
    after = {"client_address": client_address, "method": "oidc"}
    audit.record(session, actor, AuditAction.LOGIN, AuditEntity.USER, user.id, after=after)
    return SignIn(actor, user.sign_in_generation, must_change_password=False)


def _localities(session: Session, locality_ids: Iterable[int]) -> list[Locality]:
    found = [session.get(Locality, i) for i in dict.fromkeys(locality_ids)]
    localities = [locality for locality in found if locality is not None]
    if len(localities) < len(found):
        raise ValidationError("error.unknown_locality", field="localities")
    return localities


def _check_town_localities(role: Role, localities: list[Locality]) -> None:
    if role is Role.TOWN and not localities:
        raise ValidationError("error.town_needs_locality", field="localities")


def _snapshot(user: User) -> dict[str, Any]:
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
    locality_ids: Sequence[int] = (),
    phone: str | None = None,
    is_demo: bool = False,
    must_change_password: bool = False,
) -> User:
    """Admins create accounts; a town official must be given at least one locality. An
    account made on the admin page must change its initial password at its first sign-in."""
    require(actor, Action.MANAGE_USERS)
    username = validation.text(username, "username", max_len=64)
    if session.scalar(select(func.count()).where(User.username == username)):
        raise ValidationError("error.username_taken", field="username", name=username)
    role = validation.choice(role, Role, "role")
    localities = _localities(session, locality_ids)
    _check_town_localities(role, localities)
    user = User(
        username=username,
        display_name=validation.text(display_name, "display_name", max_len=64),
        role=role,
        password_hash=_new_hash(password, username),
        phone=validation.phone(phone, "phone"),
        localities=localities,
        is_demo=is_demo,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, AuditAction.USER_CREATED, AuditEntity.USER, user.id, after=_snapshot(user)
    )
    return user


def change_password(
    session: Session,
    actor: Actor,
    old_password: str,
    new_password: str,
    keep_session: int | None = None,
) -> int:
    """A user changes their own password, proving the old one; every other sign-in of the
    account ends, the session ``keep_session`` (the one in use) goes on. Returns the new
    sign-in generation."""
    user = editing.load(session, User, actor.user_id, AuditEntity.USER)
    if not _verify(user.password_hash, old_password):
        raise AuthenticationFailed("error.wrong_password")
    values = {
        "password_hash": _new_hash(new_password, user.username),
        "must_change_password": False,
    }
    _change(
        session,
        actor,
        user,
        AuditAction.PASSWORD_CHANGED,
        {**values, **_next_generation(user)},
        keep_session=keep_session,
    )
    if keep_session is not None:
        session.execute(
            update(SignInSession)
            .where(SignInSession.id == keep_session, SignInSession.user_id == user.id)
            .values(generation=user.sign_in_generation)
        )
    return user.sign_in_generation


def sign_out_everywhere(session: Session, actor: Actor) -> None:
    """End every sign-in of the actor's account, e.g. after using a PC that is not theirs."""
    user = editing.load(session, User, actor.user_id, AuditEntity.USER)
    _change(session, actor, user, AuditAction.SIGNED_OUT_EVERYWHERE, _next_generation(user))


def _keep_an_admin(session: Session, actor: Actor, user: User, *, role: Role, active: bool) -> None:
    """Refuse a change that would leave the system without an active administrator; the
    admin rows are locked so two admins demoting each other cannot both succeed."""
    if user.role is not Role.ADMIN or not user.is_active or (role is Role.ADMIN and active):
        return
    if user.id == actor.user_id:
        raise InvariantViolation("error.own_admin_role")
    admins = session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.is_active).with_for_update()
    ).all()
    if len(admins) <= 1:
        raise InvariantViolation("error.last_admin", name=user.username)


def _next_generation(user: User) -> dict[str, Any]:
    """The values that end every current sign-in of the account (its row is locked)."""
    return {"sign_in_generation": user.sign_in_generation + 1}


def _change(
    session: Session,
    actor: Actor,
    user: User,
    action: AuditAction,
    values: dict[str, Any],
    keep_session: int | None = None,
) -> None:
    """Set ``values`` on the account and audit its state before and after. The row is always
    rewritten so the version moves even when only the localities (another table) changed.
    A new sign-in generation also deletes the account's sessions (but ``keep_session``)."""
    if "sign_in_generation" in values:
        ended = delete(SignInSession).where(SignInSession.user_id == user.id)
        if keep_session is not None:
            ended = ended.where(SignInSession.id != keep_session)
        session.execute(ended)
    before = _snapshot(user)
    for key, value in values.items():
        setattr(user, key, value)
    flag_modified(user, "display_name")
    session.flush()
    audit.record(
        session, actor, action, AuditEntity.USER, user.id, before=before, after=_snapshot(user)
    )


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
    user = editing.load(session, User, user_id, AuditEntity.USER)
    editing.check_version(session, user, AuditEntity.USER, expected_version)
    values: dict[str, Any] = {
        "display_name": validation.text(display_name, "display_name", max_len=64),
        "role": validation.choice(role, Role, "role"),
        "phone": validation.phone(phone, "phone"),
        "localities": _localities(session, locality_ids),
    }
    _check_town_localities(values["role"], values["localities"])
    _keep_an_admin(session, actor, user, role=values["role"], active=user.is_active)
    if values["role"] is not user.role or set(values["localities"]) != set(user.localities):
        values.update(_next_generation(user))  # new rights: sign in again to get them
    _change(session, actor, user, AuditAction.USER_UPDATED, values)
    return user


def reset_password(session: Session, actor: Actor, user_id: int, new_password: str) -> None:
    """An admin sets a new password for a user who forgot theirs: it lifts a lockout, ends
    the account's sign-ins and must be changed by the user at the next sign-in."""
    require(actor, Action.MANAGE_USERS)
    user = editing.load(session, User, user_id, AuditEntity.USER)
    values = {
        "password_hash": _new_hash(new_password, user.username),
        "must_change_password": True,
        "failed_logins": 0,
        "locked_until": None,
    }
    _change(session, actor, user, AuditAction.PASSWORD_RESET, {**values, **_next_generation(user)})


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> None:
    """Disable an account (it can no longer sign in) or enable it again; nothing is deleted,
    so the audit trail keeps naming the person."""
    require(actor, Action.MANAGE_USERS)
    user = editing.load(session, User, user_id, AuditEntity.USER)
    if user.is_active == active:
        return
    _keep_an_admin(session, actor, user, role=user.role, active=active)
    action = AuditAction.USER_ENABLED if active else AuditAction.USER_DISABLED
    ended = {} if active else _next_generation(user)
    _change(session, actor, user, action, {"is_active": active, **ended})


def unlock(session: Session, actor: Actor, user_id: int) -> None:
    """Lift a lockout before its window ends, e.g. once the user has been identified."""
    require(actor, Action.MANAGE_USERS)
    user = editing.load(session, User, user_id, AuditEntity.USER)
    values = {"failed_logins": 0, "locked_until": None}
    _change(session, actor, user, AuditAction.ACCOUNT_UNLOCKED, values)


def list_users(session: Session) -> list[dict[str, Any]]:
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
