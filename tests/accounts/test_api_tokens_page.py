"""AppTest of the API tokens page on a demo database: an administrator issues a token (shown
on the next run only, and working), sees it listed without the token, revokes it; a refusal
keeps the form; nobody else has the page."""

import pytest
from sqlalchemy import select

from registry.accounts import tokens
from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.models import Locality
from tests.conftest import sign_in

PAGE = "app_pages/api_tokens.py"


def open_page(app, username: str):
    sign_in(app, username)
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def submit(app, label: str):
    next(b for b in app.button if b.label == label).click()
    return app.run()


def table(app):
    return next(d.value for d in app.dataframe if "名称" in d.value.columns)


def resolve(url: str, plain: str):
    engine = db.make_engine(url)
    try:
        with db.make_session_factory(engine)() as session:
            return tokens.resolve(session, plain, utcnow())
    finally:
        engine.dispose()


def test_an_admin_issues_sees_and_revokes_a_token(app, demo_url):
    open_page(app, "admin")
    assert app.title[0].value == "接口令牌"
    engine = db.make_engine(demo_url)
    with engine.connect() as connection:
        banpu = connection.scalar(select(Locality.id).where(Locality.name == "板浦镇"))
    engine.dispose()
    app.text_input(key="tokens.create.name").input("banpu-gis")
    app.multiselect(key="tokens.create.localities").set_value([banpu])
    submit(app, "签发")
    assert not app.exception and not app.error
    assert any("banpu-gis" in s.value for s in app.success)
    [shown] = [c.value for c in app.code]
    assert shown.startswith(tokens.PREFIX)
    client = resolve(demo_url, shown)
    assert client is not None and client.name == "banpu-gis" and not client.can_write
    assert client.actor.locality_ids == frozenset({banpu})
    row = table(app).set_index("名称").loc["banpu-gis"]
    assert (row["权限"], row["范围"], row["状态"]) == ("只读", "板浦镇", "有效")
    assert shown not in table(app).to_string()
    assert app.text_input(key="tokens.create.name").value == ""  # the form is cleared

    app.run()  # any next run: the token is gone for good
    assert not [c.value for c in app.code]

    app.selectbox(key="tokens.revoke.name").set_value("banpu-gis")
    submit(app, "吊销")
    assert any("已吊销令牌" in s.value for s in app.success)
    assert table(app).set_index("名称").loc["banpu-gis"]["状态"] == "已吊销"
    assert resolve(demo_url, shown) is None


def test_a_refused_token_keeps_the_form_and_shows_the_core_message(app):
    open_page(app, "admin")
    app.text_input(key="tokens.create.name").input("no-scope-chosen")
    submit(app, "签发")  # neither the district nor any locality
    assert any("未保存" in e.value and "请选择属地" in e.value for e in app.error)
    assert not app.code
    assert app.text_input(key="tokens.create.name").value == "no-scope-chosen"


def test_only_administrators_have_the_page(app):
    """The office (every right but managing users) is not offered the page at all."""
    sign_in(app, "office")
    assert not app.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page(PAGE)
