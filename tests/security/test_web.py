"""The app server's own HTTP side (issue 14), through its real routes and middleware on a demo
database: the sign-in page and form (escaping, open redirects, login CSRF, one answer for
every refusal), the session cookie's attributes, the guard in front of the pages, the
security headers, the health check, and attachment downloads for signed-in users only (the
pages' rule: every role reads the plan register and every rectification's evidence)."""

import hashlib
import io
import re
import sqlite3
from contextlib import closing
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from alembic.script import ScriptDirectory
from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import selectinload

from registry.demo import DEMO_PASSWORD
from registry.fieldwork import inspections
from registry.kernel import attachments, db
from registry.kernel.attachments import Upload
from registry.kernel.clock import today, utcnow
from registry.kernel.db import alembic_config
from registry.kernel.enums import AttachmentOwner, AuditAction, RecordStatus
from registry.kernel.models import Attachment, AuditEvent, Checkpoint, Locality, SignInSession, User
from registry.kernel.permissions import Actor
from registry.kernel.settings import Settings
from registry.plans import commands as plans
from tests.conftest import post_sign_in
from web import state
from web.client import COOKIE

ORIGIN = "http://registry.test"
PAGE = {"Accept": "text/html,application/xhtml+xml"}
FAILED = "登录失败：用户名或密码错误。"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
"""The newest migration this code knows."""


@pytest.fixture(scope="module")
def core(demo_url):
    """The demo database as the core sees it, beside the app server under test."""
    factory = db.make_session_factory(db.make_engine(demo_url))
    yield factory
    factory.kw["bind"].dispose()


def set_cookies(response) -> list[str]:
    return response.headers.get_list("set-cookie")


def session_cookie(response) -> str | None:
    """The Set-Cookie line of the session cookie, or None."""
    lines = [line for line in set_cookies(response) if line.startswith(f"{COOKIE}=")]
    assert len(lines) <= 1
    return lines[0] if lines else None


def attributes(cookie_line: str) -> set[str]:
    return {part.strip().lower() for part in cookie_line.split(";")[1:]}


def token_of(response) -> str:
    line = session_cookie(response)
    assert line is not None
    return line.split(";", 1)[0].split("=", 1)[1]


def sign_in_post(http, username: str, password: str = DEMO_PASSWORD, **params):
    return http.post(
        "/auth/sign-in",
        params=params,
        data={"username": username, "password": password},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )


def signed_in_as(http, username: str) -> str:
    """Sign in through the form; the client keeps the cookie, as a browser does."""
    http.cookies.clear()
    response = post_sign_in(http, username)
    assert response.status_code == 303
    return token_of(response)


def events(core, action: AuditAction) -> int:
    with core() as session:
        return session.scalar(select(func.count()).where(AuditEvent.action == action))


def error_message(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page)
    assert found is not None, page
    return found.group(1)


# --- the sign-in page -----------------------------------------------------------------------


def test_the_sign_in_page_is_chinese_by_default_and_english_when_asked(http):
    chinese = http.get("/auth/sign-in")
    assert chinese.status_code == 200
    assert chinese.headers["content-type"].startswith("text/html")
    assert chinese.headers["cache-control"] == "no-store"
    assert '<html lang="zh-CN">' in chinese.text
    assert "<h1>海州区应急资源与备灾管理平台</h1>" in chinese.text
    assert '<label for="username">用户名</label>' in chinese.text
    assert '<button type="submit">登录</button>' in chinese.text
    assert "<script" not in chinese.text  # the page works without any script
    english = http.get("/auth/sign-in", params={"lang": "en"})
    assert '<html lang="en">' in english.text
    assert '<label for="username">Username</label>' in english.text
    assert '<button type="submit">Sign in</button>' in english.text
    assert "用户名" not in english.text
    assert '<html lang="zh-CN">' in http.get("/auth/sign-in", params={"lang": "xx"}).text


def test_the_demo_accounts_are_listed_with_their_password(http):
    page = http.get("/auth/sign-in").text
    for name in ("office", "leader", "admin", "xinpu", "banpu"):
        assert f"<td>{name}</td>" in page
    assert DEMO_PASSWORD in page


def test_a_notice_is_shown_only_for_a_known_reason(http):
    expired = http.get("/auth/sign-in", params={"ended": "expired"}).text
    assert '<p class="notice" role="status">登录已超时，请重新登录。</p>' in expired
    other = http.get("/auth/sign-in", params={"ended": "<b>hacked</b>"}).text
    assert 'class="notice"' not in other and "hacked" not in other


HOSTILE = '/"><script>alert(1)</script>'


def test_user_text_is_never_echoed_raw(http):
    page = http.get("/auth/sign-in", params={"next": HOSTILE, "lang": "en"}).text
    assert "<script" not in page and HOSTILE not in page and '/">' not in page
    assert "next=%2F%22%3E%3Cscript%3E" in page  # carried on, encoded, in the form's action
    refused = sign_in_post(http, '"><script>alert(2)</script>', "wrong", next=HOSTILE)
    assert refused.status_code == 401
    assert "<script" not in refused.text and HOSTILE not in refused.text
    assert "alert(2)" not in refused.text  # the username typed is not shown back at all


# --- signing in -----------------------------------------------------------------------------


def test_a_successful_sign_in_sets_the_session_cookie_and_returns_to_next(http, core):
    response = sign_in_post(http, "office", next="/map?record=5")
    assert response.status_code == 303
    assert response.headers["location"] == "/map?record=5"
    line = session_cookie(response)
    assert {"httponly", "samesite=lax", "path=/"} <= attributes(line)
    assert f"max-age={Settings().session_max_hours * 3600}" in attributes(line)
    assert "secure" not in attributes(line)  # plain http: a Secure cookie would be lost
    token = token_of(response)
    digest = hashlib.sha256(token.encode()).hexdigest()
    with core() as session:
        stored = session.scalar(select(SignInSession).where(SignInSession.token_hash == digest))
    assert stored is not None and stored.method == "password"
    assert http.get("/auth/sign-in", follow_redirects=False).status_code == 303  # signed in


def test_the_cookie_is_secure_behind_tls(http):
    response = http.post(
        "/auth/sign-in",
        data={"username": "leader", "password": DEMO_PASSWORD},
        headers={"Origin": "https://registry.test", "X-Forwarded-Proto": "https"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert {"secure", "httponly", "samesite=lax"} <= attributes(session_cookie(response))


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example/x", "/\\evil", "javascript:alert(1)", ""]
)
def test_next_never_leads_to_another_site(http, target):
    response = sign_in_post(http, "leader", next=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer_and_no_cookie(http, core):
    failures = events(core, AuditAction.LOGIN_FAILED)
    wrong = sign_in_post(http, "jinping", "not-the-password")
    unknown = sign_in_post(http, "no-such-user", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert error_message(wrong.text) == error_message(unknown.text)
    assert error_message(wrong.text).startswith(FAILED)
    assert wrong.text == unknown.text  # nothing else on the page tells them apart
    assert session_cookie(wrong) is None and session_cookie(unknown) is None
    assert events(core, AuditAction.LOGIN_FAILED) == failures + 2  # both audited
    english = sign_in_post(http, "no-such-user", "x", lang="en")
    assert error_message(english.text).startswith("Sign-in failed")


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://registry.test.evil"])
def test_a_sign_in_posted_from_another_site_is_refused_unread(http, core, origin):
    failures, logins = events(core, AuditAction.LOGIN_FAILED), events(core, AuditAction.LOGIN)
    for password in ("not-the-password", DEMO_PASSWORD):
        response = http.post(
            "/auth/sign-in",
            data={"username": "huaguoshan", "password": password},
            headers={"Origin": origin},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert session_cookie(response) is None
    assert events(core, AuditAction.LOGIN_FAILED) == failures
    assert events(core, AuditAction.LOGIN) == logins


@pytest.fixture
def no_password(http, monkeypatch):
    """The app server with password sign-in switched off (its settings read again)."""
    monkeypatch.setenv("REGISTRY_PASSWORD_SIGN_IN", "0")
    state.settings.cache_clear()
    assert state.settings().password_sign_in is False
    return http


def test_without_password_sign_in_there_is_no_form_and_a_post_is_refused(no_password, core):
    page = no_password.get("/auth/sign-in")
    assert page.status_code == 200
    assert "<form" not in page.text and 'type="password"' not in page.text
    assert "<td>xinpu</td>" not in page.text  # no demo passwords to offer
    assert "本系统未启用任何登录方式" in page.text
    logins = events(core, AuditAction.LOGIN)
    response = post_sign_in(no_password, "office")
    assert response.status_code == 403 and session_cookie(response) is None
    assert events(core, AuditAction.LOGIN) == logins


# --- the guard in front of the pages --------------------------------------------------------


def test_a_page_load_without_a_sign_in_goes_to_the_sign_in_page(http):
    response = http.get("/map", headers=PAGE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/sign-in?next=%2Fmap"
    asked = http.get("/plans?id=3&tab=2", headers=PAGE, follow_redirects=False)
    location = urlsplit(asked.headers["location"])
    assert location.path == "/auth/sign-in"
    assert parse_qs(location.query) == {"next": ["/plans?id=3&tab=2"]}
    fetched = http.get("/", headers={"Sec-Fetch-Dest": "document", "Accept": "*/*"},
                       follow_redirects=False)  # fmt: skip
    assert fetched.status_code == 303


def test_a_page_load_with_a_live_sign_in_goes_through(http):
    signed_in_as(http, "xinpu")
    response = http.get("/map", headers=PAGE, follow_redirects=False)
    assert response.status_code == 404  # the bare app has no pages: it was let through


def test_a_dead_cookie_is_sent_to_sign_in_again_and_cleared(http, core):
    token = signed_in_as(http, "banpu")
    digest = hashlib.sha256(token.encode()).hexdigest()
    with db.transaction(core) as session:  # the last click was 31 minutes ago
        session.execute(
            update(SignInSession)
            .where(SignInSession.token_hash == digest)
            .values(last_seen_at=utcnow() - timedelta(minutes=31))
        )
    response = http.get("/map", headers=PAGE, follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert parse_qs(location.query) == {"next": ["/map"], "ended": ["expired"]}
    cleared = session_cookie(response)
    assert cleared is not None and "max-age=0" in attributes(cleared)
    with core() as session:
        gone = select(func.count()).where(SignInSession.token_hash == digest)
        assert session.scalar(gone) == 0
    http.cookies.clear()
    http.cookies.set(COOKIE, "never-issued")
    made_up = http.get("/map", headers=PAGE, follow_redirects=False)
    assert "ended=expired" in made_up.headers["location"]


@pytest.mark.parametrize(
    "path", ["/static/x.js", "/_stcore/health", "/app/static/a.png", "/media/b.jpg", "/healthz"]
)
def test_assets_and_endpoints_are_not_redirected(http, path):
    headers = {**PAGE, "Sec-Fetch-Dest": "document"}
    assert http.get(path, headers=headers, follow_redirects=False).status_code != 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept": "application/json"},
        {"Accept": "*/*"},
        {"Accept": "text/html", "Sec-Fetch-Dest": "script"},
        {"Accept": "text/html", "Sec-Fetch-Dest": "iframe"},
    ],
)
def test_requests_that_are_not_page_loads_are_not_redirected(http, headers):
    response = http.get("/map", headers=headers, follow_redirects=False)
    assert response.status_code == 404
    assert http.post("/map", headers=PAGE, follow_redirects=False).status_code != 303


def test_the_sign_in_page_sends_a_signed_in_browser_on(http):
    signed_in_as(http, "leader")
    response = http.get("/auth/sign-in", params={"next": "/plans"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/plans")
    away = http.get("/auth/sign-in", params={"next": "//evil.example"}, follow_redirects=False)
    assert away.headers["location"] == "/"


def test_the_sign_in_page_drops_a_dead_cookie(http):
    http.cookies.set(COOKIE, "never-issued")
    page = http.get("/auth/sign-in", follow_redirects=False)
    assert page.status_code == 200 and "<form" in page.text
    cleared = session_cookie(page)
    assert cleared is not None and "max-age=0" in attributes(cleared)


# --- headers --------------------------------------------------------------------------------


def assert_security_headers(response) -> None:
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_every_response_carries_the_security_headers_and_hsts_only_over_tls(http):
    plain = [
        http.get("/auth/sign-in"),
        http.get("/no-such-thing"),
        http.get("/healthz"),
        http.get("/map", headers=PAGE, follow_redirects=False),
        post_sign_in(http, "no-such-user", "wrong"),
    ]
    for response in plain:
        assert_security_headers(response)
        assert "strict-transport-security" not in response.headers
    tls = {"X-Forwarded-Proto": "https"}
    for response in (http.get("/auth/sign-in", headers=tls), http.get("/nothing", headers=tls)):
        assert_security_headers(response)
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")


# --- health ---------------------------------------------------------------------------------


def test_healthz_says_ok_with_the_schema_version(http):
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"status": "ok", "database": "ok", "migration": HEAD}


@pytest.fixture
def copied_server(demo_url, tmp_path, monkeypatch):
    """An app server on a copy of the demo database (the module's own stays intact), and
    the copy's file."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from web.app import MIDDLEWARE, ROUTES, lifespan

    copy = tmp_path / "copy.db"
    source = closing(sqlite3.connect(make_url(demo_url).database))
    with source as original, closing(sqlite3.connect(copy)) as target:
        original.backup(target)
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{copy}")
    state.settings.cache_clear()
    state.factory.cache_clear()
    application = Starlette(routes=ROUTES, middleware=MIDDLEWARE, lifespan=lifespan)
    with TestClient(application, base_url=ORIGIN) as client:
        yield client, copy
    state.factory().kw["bind"].dispose()
    state.settings.cache_clear()
    state.factory.cache_clear()


def set_version(database, version: str) -> None:
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (version,))


def test_healthz_fails_while_the_schema_is_behind(copied_server, demo_url):
    client, copy = copied_server
    assert client.get("/healthz").status_code == 200
    set_version(copy, "0004")  # any older revision
    behind = client.get("/healthz")
    assert behind.status_code == 503
    assert behind.json() == {"status": "error", "migrations": {"current": "0004", "head": HEAD}}
    assert_security_headers(behind)
    set_version(copy, HEAD)
    assert client.get("/healthz").status_code == 200
    with closing(sqlite3.connect(make_url(demo_url).database)) as shared:  # untouched
        assert shared.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)


# --- attachments ----------------------------------------------------------------------------


def actor(session, username: str) -> Actor:
    user = session.scalar(
        select(User).options(selectinload(User.localities)).where(User.username == username)
    )
    return Actor.from_user(user)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def plan(session, author: Actor, title: str, locality: int | None):
    data = {
        "title": title,
        "locality_id": locality,
        "department": None if locality else "海州区应急管理局",
        "plan_class": "grassroots" if locality else "overall",
        "version_label": "2026年版",
        "issued_on": today() - timedelta(days=30),
        "document": Upload(f"{title}.pdf", PDF),
    }
    plans.create_plan(session, author, data, today=today())
    session.flush()
    return session.scalar(
        select(Attachment.id).where(Attachment.filename == f"{title}.pdf").order_by(Attachment.id)
    )


@pytest.fixture(scope="module")
def stored(core):
    """A photo of an inspection of a 新浦街道 checkpoint, recorded by its town official; a
    district plan's text and a 板浦镇 plan's text, each written by who keeps them."""
    photo = attachments.prepare_photo(Upload("新浦现场照片.jpg", jpeg()), Settings())
    with db.transaction(core) as session:
        checkpoint = session.scalar(
            select(Checkpoint.id)
            .join(Locality, Locality.id == Checkpoint.locality_id)
            .where(Locality.name == "新浦街道", Checkpoint.status == RecordStatus.ACTIVE)
            .order_by(Checkpoint.id)
            .limit(1)
        )
        data = {"target_kind": "checkpoint", "target_id": checkpoint, "result": "passed"}
        inspection = inspections.record_inspection(
            session, actor(session, "xinpu"), data, [photo], settings=Settings(), today=today()
        )
        photo_id = session.scalar(
            select(Attachment.id).where(
                Attachment.owner_kind == AttachmentOwner.INSPECTION,
                Attachment.owner_id == inspection.id,
            )
        )
        banpu = session.scalar(select(Locality.id).where(Locality.name == "板浦镇"))
        district = plan(session, actor(session, "office"), "海州区下载测试总体预案", None)
        town = plan(session, actor(session, "banpu"), "板浦镇下载测试预案", banpu)
    return {"photo": photo_id, "photo_bytes": photo.data, "district": district, "town": town}


def download(http, username: str | None, attachment_id: int):
    http.cookies.clear()
    if username:
        signed_in_as(http, username)
    return http.get(f"/files/{attachment_id}")


@pytest.mark.parametrize("username", ["office", "xinpu", "leader", "banpu"])
def test_the_photo_is_served_to_every_signed_in_user_as_on_the_pages(http, stored, username):
    response = download(http, username, stored["photo"])
    assert response.status_code == 200
    assert response.content == stored["photo_bytes"]
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-disposition"] == (
        f"inline; filename*=UTF-8''{quote('新浦现场照片.jpg')}"
    )
    assert response.headers["cache-control"] == "private, no-store"
    policy = response.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_photo_is_not_found_without_a_sign_in(http, stored):
    response = download(http, None, stored["photo"])
    assert response.status_code == 404
    assert response.content == b"" and "content-disposition" not in response.headers


def test_a_missing_file_and_a_refused_one_look_the_same(http, stored):
    refused = http.get(f"/files/{stored['photo']}")  # not signed in
    signed_in_as(http, "banpu")
    missing = http.get("/files/999999999")
    assert (refused.status_code, refused.content) == (missing.status_code, missing.content)
    assert missing.status_code == 404
    assert http.get("/files/not-a-number").status_code == 404


def test_a_dead_sign_in_gets_no_file(http, stored):
    http.cookies.set(COOKIE, "never-issued")
    assert http.get(f"/files/{stored['photo']}").status_code == 404


def test_plans_are_readable_by_every_signed_in_user_as_the_register_is(http, stored):
    district = download(http, "xinpu", stored["district"])
    assert district.status_code == 200 and district.content == PDF
    assert district.headers["content-type"] == "application/pdf"
    assert district.headers["content-disposition"].startswith("inline; filename*=UTF-8''")
    assert download(http, "xinpu", stored["town"]).content == PDF  # another town's plan
    assert download(http, "banpu", stored["town"]).content == PDF
    assert download(http, "leader", stored["town"]).status_code == 200
    assert download(http, None, stored["district"]).status_code == 404
