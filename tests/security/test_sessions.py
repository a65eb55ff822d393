"""Sign-ins that follow their account (issue 12 item 3, kept by issue 14's server-side
sessions): every run reads the session behind the browser's cookie and re-reads the account,
so a disabled, demoted or re-scoped official, a password changed elsewhere or "sign out
everywhere" takes effect on the next interaction, and signing out leaves nothing of the
session behind."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy
from sqlalchemy import select

from registry.accounts import users as accounts
from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.models import Locality, SignInSession, User
from registry.kernel.permissions import SYSTEM, Actor
from tests.conftest import PASSWORD, locality_id, post_sign_in, sign_in
from web.client import COOKIE

NOW = datetime(2026, 11, 25, 9, 0)
SIGN_IN_TITLE = "海州区应急资源与备灾管理平台"
MAP_TITLE = "海州区应急资源一张图"


# --- the core's re-check -------------------------------------------------------------------


def resumed(factory, actor, generation=0, now=NOW):
    with factory() as session:
        return accounts.resume(session, actor.user_id, generation, now)


def test_resume_returns_the_rights_as_they_are_now(factory, actors):
    town = actors["town"]
    with db.transaction(factory) as session:
        session.get(User, town.user_id).display_name = "新浦街道值班"  # no new generation
    fresh = resumed(factory, town)
    assert fresh.actor.display_name == "新浦街道值班"
    assert (fresh.actor.role, fresh.actor.locality_ids) == (town.role, town.locality_ids)


def test_resume_ends_a_disabled_a_locked_or_an_older_sign_in(factory, actors):
    admin, town, office = actors["admin"], actors["town"], actors["office"]
    with db.transaction(factory) as session:
        accounts.set_active(session, admin, office.user_id, False)
        session.get(User, town.user_id).locked_until = NOW + timedelta(minutes=5)
    assert resumed(factory, office, generation=1) is None  # disabled
    assert resumed(factory, town) is None  # locked
    assert resumed(factory, town, now=NOW + timedelta(minutes=5)) is not None  # lock over
    assert resumed(factory, actors["leader"], generation=7) is None  # another generation


@pytest.mark.parametrize(
    "change",
    ["password-changed", "password-reset", "disabled", "role", "localities", "everywhere"],
)
def test_each_change_of_the_account_ends_its_sign_ins(factory, actors, change):
    admin, town = actors["admin"], actors["town"]
    banpu = [locality_id_of(factory, "板浦镇")]
    changes = {
        "password-changed": lambda s: accounts.change_password(
            s, town, PASSWORD, "Fresh-pass-2027"
        ),
        "password-reset": lambda s: accounts.reset_password(
            s, admin, town.user_id, "Fresh-pass-2027"
        ),
        "disabled": lambda s: accounts.set_active(s, admin, town.user_id, False),
        "role": lambda s: update(s, admin, town.user_id, role="leader", locality_ids=[]),
        "localities": lambda s: update(s, admin, town.user_id, role="town", locality_ids=banpu),
        "everywhere": lambda s: accounts.sign_out_everywhere(s, town),
    }
    assert resumed(factory, town) is not None
    with db.transaction(factory) as session:
        changes[change](session)
    assert resumed(factory, town) is None


def test_a_change_of_name_or_phone_keeps_the_sign_in(factory, actors):
    town = actors["town"]
    with db.transaction(factory) as session:
        xinpu = [locality_id(session, "新浦街道")]
        accounts.update_user(
            session, actors["admin"], town.user_id, 1, display_name="新浦", role="town",
            locality_ids=xinpu, phone="0518-8512-3456",
        )  # fmt: skip
    assert resumed(factory, town).actor.display_name == "新浦"


def test_the_own_password_change_returns_the_generation_that_keeps_this_sign_in(factory, actors):
    town = actors["town"]
    with db.transaction(factory) as session:
        generation = accounts.change_password(session, town, PASSWORD, "Fresh-pass-2027")
    assert resumed(factory, town, generation=generation) is not None


def locality_id_of(factory, name: str) -> int:
    with factory() as session:
        return locality_id(session, name)


def update(session, admin, account: int, *, role: str, locality_ids: list[int]) -> None:
    user = session.get(User, account)
    accounts.update_user(
        session, admin, account, user.version, display_name=user.display_name, role=role,
        locality_ids=locality_ids, phone=user.phone,
    )  # fmt: skip


# --- the app, on the next interaction ------------------------------------------------------


@pytest.fixture
def core(demo_url):
    """Changes made outside the app under test, as another administrator or browser would."""
    factory = db.make_session_factory(db.make_engine(demo_url))
    yield factory
    factory.kw["bind"].dispose()


def user_id(factory, username: str) -> int:
    with factory() as session:
        return session.scalar(select(User.id).where(User.username == username))


def signed_out(app) -> bool:
    """The page has dropped the sign-in and is sending the browser to the sign-in page."""
    return app.title[0].value == SIGN_IN_TITLE and any(
        "正在转到登录页" in i.value for i in app.info
    )


def test_a_disabled_official_is_signed_out_on_the_next_interaction(app, core):
    sign_in(app, "xinpu")
    assert app.title[0].value == MAP_TITLE
    with db.transaction(core) as session:
        accounts.set_active(session, SYSTEM, user_id(core, "xinpu"), False)
    try:
        app.run()
        assert signed_out(app)
    finally:
        with db.transaction(core) as session:
            accounts.set_active(session, SYSTEM, user_id(core, "xinpu"), True)


def test_an_official_demoted_to_leader_is_signed_out_then_has_only_leader_rights(app, core):
    sign_in(app, "banpu")
    app.switch_page("app_pages/inventory.py").run()
    assert not app.exception
    with db.transaction(core) as session:
        update(session, SYSTEM, user_id(core, "banpu"), role="leader",
               locality_ids=[])  # fmt: skip
    app.run()
    assert signed_out(app)
    sign_in(app, "banpu")
    assert app.title[0].value == "备灾总览"  # leaders land on the overview
    with pytest.raises(ValueError, match="navigation page"):
        app.switch_page("app_pages/inventory.py")


def test_a_re_scoped_official_is_signed_out_on_the_next_interaction(app, core):
    sign_in(app, "huaguoshan")
    with core() as session:
        xinpu = session.scalar(select(Locality.id).where(Locality.name == "新浦街道"))
    with db.transaction(core) as session:
        update(session, SYSTEM, user_id(core, "huaguoshan"), role="town",
               locality_ids=[xinpu])  # fmt: skip
    app.run()
    assert signed_out(app)


def test_a_password_changed_elsewhere_signs_out_this_browser(app, core):
    sign_in(app, "jinping")
    with db.transaction(core) as session:  # in another browser
        jinping = Actor.from_user(session.get(User, user_id(core, "jinping")))
        accounts.change_password(session, jinping, DEMO_PASSWORD, "Changed-elsewhere-9")
    app.run()
    assert signed_out(app)
    sign_in(app, "jinping", "Changed-elsewhere-9")
    assert app.title[0].value == MAP_TITLE


def test_sign_out_everywhere_ends_the_sign_in_in_another_browser(app):
    sign_in(app, "office")
    here = app.browser.cookies[COOKIE]
    other = post_sign_in(app.http, "office").cookies[COOKIE]  # the same user, another PC
    app.http.cookies.clear()
    app.browser.cookies[COOKIE] = other
    app.switch_page("app_pages/account.py").run()
    assert len(end_buttons(app)) == 1  # the other PC's session, listed with a button
    app.button(key="account.logout_everywhere").click().run()
    assert signed_out(app)
    app.browser.cookies[COOKIE] = here  # back at the first PC
    app.run()
    assert signed_out(app)


def test_the_account_page_ends_one_other_session(app, core):
    sign_in(app, "office")
    other = post_sign_in(app.http, "office").cookies[COOKIE]
    app.http.cookies.clear()
    app.switch_page("app_pages/account.py").run()
    [the_other] = end_buttons(app)
    the_other.click().run()
    assert not app.exception and title_is(app, "我的账户")
    assert end_buttons(app) == []
    app.browser.cookies[COOKIE] = other
    app.run()
    assert signed_out(app)


def end_buttons(app) -> list:
    return [b for b in app.button if (b.key or "").startswith("account.end.")]


def title_is(app, title: str) -> bool:
    return app.title[0].value == title


def test_a_sign_in_older_than_the_absolute_lifetime_ends_however_active(app, core):
    sign_in(app, "leader")
    with db.transaction(core) as session:
        session.execute(sqlalchemy.update(SignInSession).values(expires_at=datetime(2000, 1, 1)))
    app.run()
    assert signed_out(app)


def test_signing_out_leaves_nothing_of_the_session_for_the_next_person(app):
    sign_in(app, "leader")
    app.switch_page("app_pages/map_page.py").run()
    app.session_state["map.table"] = {"selection": {"rows": [0], "columns": []}}
    app.run()  # a record chosen in the map's table is shown in the details
    assert any(m.value == "#### 详情" for m in app.markdown)
    chosen = app.session_state["map.selected"]
    app.switch_page("app_pages/account.py").run()
    next(b for b in app.button if b.label == "退出登录").click().run()
    assert signed_out(app)
    sign_in(app, "leader")  # the next person at the same PC
    assert not app.exception
    assert "map.selected" not in app.session_state, chosen
