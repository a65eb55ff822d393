"""AppTest of the router and the first pages, on a demo database."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from registry.demo import DEMO_PASSWORD

ENTRY = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    from prepare.cli import main

    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'registry.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRY_DATABASE_URL", url)
        assert main(["setup"]) == 0
    return url


@pytest.fixture
def app(demo_url, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", demo_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(ENTRY, default_timeout=60)


def sign_in(app: AppTest, username: str, password: str = DEMO_PASSWORD) -> AppTest:
    app.run()
    app.text_input(key="login.username").input(username)
    app.text_input(key="login.password").input(password)
    app.button[0].click()
    return app.run()


def test_opens_in_chinese_on_the_sign_in_page(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "海州区应急资源与备灾管理平台"
    assert "xinpu" in str(app.table[0].value)  # demo accounts are listed


def test_demo_user_signs_in_and_sees_the_map_and_locality_table(app):
    sign_in(app, "xinpu")
    assert not app.exception
    assert app.title[0].value == "海州区应急资源一张图"
    assert any("演示数据" in w.value for w in app.warning)
    records = app.dataframe[0].value
    assert len(records) >= 1500 + 21 + 40  # checkpoints, depots and teams of the demo
    assert {"记录类型", "名称", "属地"} <= set(records.columns)
    localities = next(d.value for d in app.dataframe if "民政区划代码" in d.value.columns)
    assert len(localities) == 19
    assert {"名称", "储备库", "隐患点"} <= set(localities.columns)
    assert localities["储备库"].sum() >= 21


def test_wrong_password_is_refused_with_a_message(app):
    sign_in(app, "xinpu", "wrong-password")
    assert not app.exception
    assert any("登录失败" in e.value for e in app.error)
    assert app.title[0].value == "海州区应急资源与备灾管理平台"


def test_switching_to_english_translates_the_page(app):
    sign_in(app, "leader")
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "Haizhou emergency resources map"
    assert "Name" in app.dataframe[0].value.columns


def test_session_times_out(app, monkeypatch):
    sign_in(app, "office")
    app.session_state["auth.last_activity"] = -(10**9)
    app.run()
    assert any("超时" in i.value for i in app.info)
