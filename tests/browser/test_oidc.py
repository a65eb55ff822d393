"""Organisation sign-in (OpenID Connect) end to end: a real provider (oidc-provider-mock, its
own server on a free port, clients must register), the app server configured the way an
administrator would (``[auth]`` in a secrets.toml, ``oidc_provider`` / ``oidc_claim`` /
``password_sign_in`` beside it), and headless Chromium going through st.login's routes.

One app server for the module, with password sign-in turned off: the organisation's button is
then the only way in, which every test here relies on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from prepare.support import ROOT, app_server_command, free_port, wait_healthy, wait_listening
from registry.kernel.models import SignInSession, User
from tests.browser.conftest import MAP_TITLE, wait_for_app
from tests.conftest import browser_enabled

pytestmark = pytest.mark.browser

BUTTON = "使用单位统一身份认证登录"
TOWN_OFFICIAL = {"sub": "u-1001", "preferred_username": "xinpu", "name": "新浦街道"}
STRANGER = {"sub": "u-9999", "preferred_username": "nobody"}
"""The provider's subjects are opaque ids: only the configured claim names the account."""
PROVIDER_STYLESHEET = "https://cdn.jsdelivr.net/npm/@picocss/"
"""The mock provider's own page fetches its stylesheet from a CDN (blocked, harmlessly)."""


@dataclass(frozen=True)
class OidcApp:
    url: str
    database_url: str


def _start_provider(port: int, log: Path) -> subprocess.Popen[bytes]:
    """oidc-provider-mock on 127.0.0.1:``port``: registration and nonces required, as a real
    provider would; its users (typed into its form by subject) carry the claims above."""
    command = [
        sys.executable, "-m", "oidc_provider_mock", "--port", str(port),
        "--require-registration", "true", "--require-nonce", "true",
        "--user-claims", json.dumps(TOWN_OFFICIAL), "--user-claims", json.dumps(STRANGER),
    ]  # fmt: skip
    with log.open("w") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def _register_client(provider: str, redirect_uri: str) -> dict[str, str]:
    """The app registered with the provider as its administrator would: id and secret back."""
    request = urllib.request.Request(
        f"{provider}/oauth2/clients",
        data=json.dumps({"redirect_uris": [redirect_uri]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        registered: dict[str, str] = json.load(response)
    return registered


def _secrets(app: str, provider: str, client: dict[str, str]) -> str:
    """The administrator's secrets.toml (README's example with this test's addresses)."""
    return f"""\
oidc_provider = "unified"
oidc_claim = "preferred_username"
password_sign_in = false

[auth]
redirect_uri = "{app}/oauth2callback"
cookie_secret = "oidc-test-cookie-secret-0123456789"

[auth.unified]
client_id = "{client["client_id"]}"
client_secret = "{client["client_secret"]}"
server_metadata_url = "{provider}/.well-known/openid-configuration"
"""


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory) -> Iterator[OidcApp]:
    browser_enabled()
    folder = tmp_path_factory.mktemp("oidc")
    provider_port, app_port = free_port(), free_port()
    provider_url, app_url = f"http://127.0.0.1:{provider_port}", f"http://127.0.0.1:{app_port}"
    provider = _start_provider(provider_port, folder / "provider.log")
    server = None
    try:
        wait_listening(provider_port, provider)
        client = _register_client(provider_url, f"{app_url}/oauth2callback")
        secrets = folder / "secrets.toml"
        secrets.write_text(_secrets(app_url, provider_url, client), encoding="utf-8")
        database_url = f"sqlite:///{folder / 'registry.db'}"
        # Only the secrets file configures sign-in: settings from the caller's environment
        # would take precedence over it.
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env["REGISTRY_DATABASE_URL"] = database_url
        subprocess.run(
            [sys.executable, "-m", "prepare", "setup"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        with (folder / "server.log").open("w") as log:
            server = subprocess.Popen(
                [*app_server_command(app_port), "--secrets.files", str(secrets)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_healthy(app_url, server)
        yield OidcApp(app_url, database_url)
    finally:
        for process in (server, provider):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)


def _through_provider(page, subject: str) -> None:
    """At the provider's authorisation form: type the subject, authorise."""
    page.locator("input[name='sub']").wait_for(timeout=30_000)
    page.locator("input[name='sub']").fill(subject)
    page.get_by_role("button", name="Authorize").click()


def _sign_in_with_organisation(page, url: str, subject: str) -> None:
    page.goto(url)
    page.get_by_role("link", name=BUTTON).click()
    _through_provider(page, subject)


def _cookies(page) -> dict[str, dict]:
    return {cookie["name"]: cookie for cookie in page.context.cookies()}


def _identity_cookies(page) -> list[str]:
    return [name for name in _cookies(page) if name.startswith("_streamlit_user")]


def _sessions(database_url: str, username: str) -> list[str]:
    """The methods of the sign-in sessions the database holds for ``username``."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            query = select(SignInSession.method).join(User, User.id == SignInSession.user_id)
            return list(session.scalars(query.where(User.username == username)))
    finally:
        engine.dispose()


def test_the_sign_in_page_offers_only_the_organisation(oidc_app, page):
    page.goto(oidc_app.url)
    assert "/auth/sign-in" in page.url
    assert page.get_by_role("link", name=BUTTON).is_visible()
    assert page.locator("input[type='password']").count() == 0
    assert page.locator("form").count() == 0
    # Posting a password anyway is refused and signs nobody in.
    refused = page.request.post(
        f"{oidc_app.url}/auth/sign-in", form={"username": "xinpu", "password": "demo"}
    )
    assert refused.status == 403
    assert "registry_session" not in _cookies(page)


def test_organisation_identity_lands_on_the_map_and_stays_signed_in(oidc_app, page):
    _sign_in_with_organisation(page, oidc_app.url, TOWN_OFFICIAL["sub"])
    page.get_by_text(MAP_TITLE).first.wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.get_by_text("新浦街道应急办").first.is_visible()  # matched by the claim
    cookie = _cookies(page)["registry_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert _identity_cookies(page) == []  # Streamlit's identity has done its work
    assert _sessions(oidc_app.database_url, "xinpu") == ["oidc"]

    page.reload()
    page.get_by_text(MAP_TITLE).first.wait_for(timeout=60_000)
    assert "/auth/sign-in" not in page.url
    ours = [url for url in page.blocked if not url.startswith(PROVIDER_STYLESHEET)]
    assert ours == [], f"requests left localhost: {ours[:5]}"


def test_an_identity_without_an_account_gets_no_access(oidc_app, page):
    _sign_in_with_organisation(page, oidc_app.url, STRANGER["sub"])
    page.get_by_text("没有与该身份对应的可用账户").wait_for(timeout=30_000)
    assert "/auth/sign-in" in page.url
    assert "registry_session" not in _cookies(page)
    assert _identity_cookies(page) == []
    page.goto(oidc_app.url)
    assert "/auth/sign-in" in page.url
    assert page.get_by_text(MAP_TITLE).count() == 0


def test_signing_in_again_while_signed_in_leaves_no_identity_behind(oidc_app, browser):
    """A second tab left on the sign-in page is used after the first signed in: the identity
    Streamlit stores for 30 days must not stay in the browser, or it would sign the next
    person at a shared PC in after the registry sign-out."""
    context = browser.new_context(locale="zh-CN")
    try:
        first, second = context.new_page(), context.new_page()
        second.goto(oidc_app.url)
        _sign_in_with_organisation(first, oidc_app.url, TOWN_OFFICIAL["sub"])
        first.get_by_text(MAP_TITLE).first.wait_for(timeout=60_000)

        second.get_by_role("link", name=BUTTON).click()
        _through_provider(second, TOWN_OFFICIAL["sub"])
        second.get_by_text(MAP_TITLE).first.wait_for(timeout=60_000)
        assert _identity_cookies(second) == []

        context.clear_cookies(name="registry_session")  # as after signing out
        second.goto(oidc_app.url)
        assert "/auth/sign-in" in second.url
        assert second.get_by_role("link", name=BUTTON).is_visible()
    finally:
        context.close()
