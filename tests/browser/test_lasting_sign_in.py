"""Sign-ins that last (issue 14): a reload and a new tab keep the user signed in, because the
sign-in is an HttpOnly cookie backed by the database; an administrator's disable ends it at
the user's next click, which lands on the sign-in page; signing out ends it for good."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from registry.accounts import users as accounts
from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.models import User
from registry.kernel.permissions import SYSTEM
from tests.browser.conftest import MAP_TITLE, sign_in, wait_for_app
from web.client import COOKIE

pytestmark = pytest.mark.browser


def set_active(username: str, active: bool) -> None:
    """An administrator, elsewhere, disables or enables the account through the core."""
    factory = db.make_session_factory(db.make_engine(os.environ["REGISTRY_BROWSER_DATABASE_URL"]))
    with db.transaction(factory) as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        accounts.set_active(session, SYSTEM, user_id, active)
    factory.kw["bind"].dispose()


def test_a_reload_and_a_new_tab_keep_the_sign_in(app_url, page):
    sign_in(page, app_url, "huaguoshan", DEMO_PASSWORD)
    [cookie] = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find(COOKIE) == -1  # no script can read it
    page.reload()
    page.get_by_role("heading", name=MAP_TITLE).wait_for(timeout=60_000)
    assert "/auth/sign-in" not in page.url
    tab = page.context.new_page()  # e.g. a link opened from a message
    tab.goto(f"{app_url}/overview")
    tab.get_by_role("heading", name="备灾总览").wait_for(timeout=60_000)
    wait_for_app(tab)
    assert "/auth/sign-in" not in tab.url
    assert tab.locator("[data-testid='stException']").count() == 0


def test_a_disabled_user_lands_on_the_sign_in_page_at_the_next_click(app_url, page):
    sign_in(page, app_url, "jinping", DEMO_PASSWORD)
    set_active("jinping", False)
    try:
        page.get_by_role("link", name="储备库库存").click()  # the next interaction
        page.wait_for_url("**/auth/sign-in**", timeout=60_000)
        page.get_by_text("登录已失效").wait_for(timeout=30_000)
        page.goto(app_url)  # and nothing of the app opens again
        page.wait_for_url("**/auth/sign-in**", timeout=60_000)
        assert page.get_by_label("用户名").is_visible()
    finally:
        set_active("jinping", True)


def test_signing_out_ends_the_sign_in_and_the_next_person_starts_afresh(app_url, page):
    sign_in(page, app_url, "xinpu", DEMO_PASSWORD)
    page.goto(f"{app_url}/account")
    page.get_by_role("heading", name="我的账户").wait_for(timeout=60_000)
    wait_for_app(page)
    page.get_by_role("button", name="退出登录", exact=True).click()
    page.wait_for_url("**/auth/sign-in**", timeout=60_000)
    page.get_by_text("您已退出登录").wait_for(timeout=30_000)
    page.goto(f"{app_url}/inventory")  # the back button or a bookmark opens nothing
    page.wait_for_url("**/auth/sign-in**", timeout=60_000)
    assert page.get_by_label("密码").is_visible()
