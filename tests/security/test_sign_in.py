"""Sign-in hardening (issue 12 item 5): a lockout that holds under parallel guessing on both
backends, one answer and one cost for every refusal, no write lock while argon2 runs, the
client address in the audit trail, hash upgrades, the password policy and the forced change
after an administrator's reset."""

import json
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from registry.accounts import users as accounts
from registry.accounts.users import authenticate, create_user, reset_password, set_active
from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.errors import AuthenticationFailed, ValidationError
from registry.kernel.models import AuditEvent, User
from registry.kernel.permissions import SYSTEM
from registry.kernel.settings import Settings
from tests.conftest import PASSWORD, open_reference_db, post_sign_in, sign_in

NOW = datetime(2026, 11, 25, 9, 0)
SETTINGS = Settings()
PARALLEL = 16


def attempt(factory, username: str, password: str, **kwargs) -> str:
    """The outcome of one sign-in: "signed in" or the refusal's message."""
    try:
        authenticate(factory, username, password, SETTINGS, now=kwargs.pop("now", NOW), **kwargs)
    except AuthenticationFailed as refused:
        return str(refused)
    return "signed in"


def account(factory, username: str) -> User:
    with factory() as session:
        return session.scalar(select(User).where(User.username == username))


def last_event(factory, action: str) -> dict:
    with factory() as session:
        events = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return json.loads(session.scalars(events).all()[-1].after)


def test_parallel_wrong_passwords_lock_the_account_on_both_backends(factory, actors):
    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(
            pool.map(lambda _: attempt(factory, "test-town", "not-the-password"), range(PARALLEL))
        )
    assert "signed in" not in outcomes
    locked_until = account(factory, "test-town").locked_until
    assert locked_until == NOW + timedelta(minutes=SETTINGS.lockout_minutes)
    assert attempt(factory, "test-town", PASSWORD, now=NOW + timedelta(minutes=1)) != "signed in"
    after_lockout = NOW + timedelta(minutes=SETTINGS.lockout_minutes)
    assert attempt(factory, "test-town", PASSWORD, now=after_lockout) == "signed in"


def test_unknown_disabled_locked_and_wrong_read_the_same(factory, actors):
    with db.transaction(factory) as session:
        set_active(session, actors["admin"], actors["office"].user_id, False)
    for _ in range(SETTINGS.max_failed_logins):
        attempt(factory, "test-town", "not-the-password")
    answers = {
        "unknown": attempt(factory, "nobody-here", PASSWORD),
        "disabled": attempt(factory, "test-office", PASSWORD),
        "locked": attempt(factory, "test-town", PASSWORD),
        "wrong": attempt(factory, "test-leader", "not-the-password"),
    }
    assert set(answers.values()) == {"wrong username or password"}, answers


def test_every_refusal_costs_one_argon2_verification(factory, actors, monkeypatch):
    """An unknown username is verified against a dummy hash, so it takes as long as a real
    account; counted rather than timed."""
    calls = []
    real_verify = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda *a: calls.append(1) or real_verify(*a))
    with db.transaction(factory) as session:
        set_active(session, actors["admin"], actors["office"].user_id, False)
    for username in ("nobody-here", "test-office", "test-leader"):
        calls.clear()
        attempt(factory, username, "not-the-password")
        assert len(calls) == 1, username


def test_the_password_is_verified_without_holding_the_sqlite_write_lock(sqlite_url, monkeypatch):
    factory = open_reference_db(sqlite_url)
    with db.transaction(factory) as session:
        create_user(
            session, SYSTEM, username="writer", display_name="w", role="office", password=PASSWORD
        )
    others_could_write = []

    def verify_while_another_writes(password_hash, password):
        other = sqlite3.connect(sqlite_url.split("///", 1)[1], timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            others_could_write.append(True)
        except sqlite3.OperationalError:
            others_could_write.append(False)
        finally:
            other.close()
        return PasswordHasher().verify(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", verify_while_another_writes)
    assert attempt(factory, "writer", PASSWORD) == "signed in"
    assert others_could_write == [True]
    factory.kw["bind"].dispose()


def test_a_failed_sign_in_records_the_client_address(factory, actors):
    attempt(factory, "test-town", "not-the-password", client_address="203.0.113.7")
    assert last_event(factory, "login-failed")["client_address"] == "203.0.113.7"
    attempt(factory, "nobody-here", "not-the-password", client_address="198.51.100.2")
    failed = last_event(factory, "login-failed")
    assert (failed["client_address"], failed["username"]) == ("198.51.100.2", "nobody-here")


def test_a_weaker_hash_is_upgraded_at_sign_in(factory, actors):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with db.transaction(factory) as session:
        session.execute(update(User).where(User.username == "test-town").values(password_hash=weak))
    assert attempt(factory, "test-town", PASSWORD) == "signed in"
    upgraded = account(factory, "test-town").password_hash
    assert upgraded != weak and not PasswordHasher().check_needs_rehash(upgraded)
    assert attempt(factory, "test-town", PASSWORD) == "signed in"


@pytest.mark.parametrize(
    ("password", "refusal"),
    [
        ("Short-1234", None),  # exactly ten characters
        ("Haizhou-demo-2026", None),
        ("correct-horse-1", None),
        ("Short-123", "at least 10"),
        ("WangFang-2026", "username"),
        ("wangfang12", "username"),
        ("password123", "common"),
        ("QWERTYUIOP", "common"),
    ],
)
def test_the_password_policy(password, refusal):
    if refusal is None:
        accounts.check_password(password, "wangfang")
        return
    with pytest.raises(ValidationError, match=refusal):
        accounts.check_password(password, "wangfang")


def test_every_way_of_setting_a_password_applies_the_policy(factory, actors):
    with pytest.raises(ValidationError, match="common"), db.transaction(factory) as session:
        create_user(
            session, SYSTEM, username="x1", display_name="x", role="office", password="password123"
        )
    with pytest.raises(ValidationError, match="username"), db.transaction(factory) as session:
        reset_password(session, actors["admin"], actors["town"].user_id, "test-town-2026")
    with pytest.raises(ValidationError, match="at least 10"), db.transaction(factory) as session:
        accounts.change_password(session, actors["town"], PASSWORD, "Short-123")


def test_a_reset_password_must_be_changed_before_anything_else(app, demo_url):
    factory = db.make_session_factory(db.make_engine(demo_url))
    with db.transaction(factory) as session:
        jinping = session.scalar(select(User.id).where(User.username == "jinping"))
        reset_password(session, SYSTEM, jinping, "Temporary-pass-7")
    factory.kw["bind"].dispose()
    sign_in(app, "jinping", "Temporary-pass-7")
    assert not app.exception
    assert app.title[0].value == "我的账户"
    assert any("请先修改密码" in w.value for w in app.warning)
    with pytest.raises(ValueError, match="navigation page"):
        app.switch_page("app_pages/map_page.py")
    app.text_input(key="account.old").input("Temporary-pass-7")
    app.text_input(key="account.new").input("Own-new-pass-2026")
    next(b for b in app.button if b.label == "修改密码").click().run()
    assert not app.exception and not app.error
    app.switch_page("app_pages/map_page.py").run()
    assert app.title[0].value == "海州区应急资源一张图"


def test_the_sign_in_page_never_says_which_part_was_wrong(http):
    unknown = post_sign_in(http, "no-such-user")
    wrong = post_sign_in(http, "xinpu", "not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.text == wrong.text
    [message] = re.findall(r'<p class="error" role="alert">(.*?)</p>', unknown.text)
    assert "用户名或密码错误" in message and "锁定 15 分钟" in message
    assert DEMO_PASSWORD not in message


def test_a_burst_of_sign_ins_checks_one_password_per_core_at_a_time(http, monkeypatch):
    """Thirty people signing in at once: the argon2 checks (64 MiB and the cores each) wait
    for one another, one per core, instead of all running at once."""
    import threading
    import time

    import anyio

    from web import sign_in as route

    running, most, lock = [0], [0], threading.Lock()
    real = route.authenticate

    def counted(*args, **kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.05)  # long enough for the burst to overlap here if it can
            return real(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(route, "authenticate", counted)
    monkeypatch.setattr(route, "PASSWORD_CHECKS", anyio.CapacityLimiter(2))  # a 2-core server
    users = ["office", "leader", "xinpu", "banpu"] * 4
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        answers = list(pool.map(lambda name: post_sign_in(http, name).status_code, users))
    assert answers == [303] * len(users)
    assert most[0] == 2
