"""AppTest of 备灾总览, the leaders' one screen, on the demo district."""

import shutil

import pytest
from sqlalchemy import delete, func, select

from registry.kernel import db
from registry.kernel.models import Locality, ReadinessSnapshot
from tests.conftest import sign_in

TILES = {
    "全区备灾指数",
    "红 / 黄 / 绿 镇街",
    "逾期整改",
    "重大隐患逾期",
    "预案逾期",
    "专项检查覆盖",
    "储备达标",
    "数据更新",
}


def scalar(url: str, query):
    engine = db.make_engine(url)
    with engine.connect() as connection:
        value = connection.execute(query).scalar()
    engine.dispose()
    return value


def snapshots(url: str) -> int:
    return scalar(url, select(func.count()).select_from(ReadinessSnapshot))


def frame(app, column: str):
    """The first table with ``column``."""
    return next(d.value for d in app.dataframe if column in d.value.columns)


def open_overview(app, username: str):
    sign_in(app, username)
    app.switch_page("app_pages/overview.py").run()
    assert not app.exception
    return app


def test_leader_lands_on_the_overview_and_reads_it_without_write_controls(app):
    sign_in(app, "leader")
    assert not app.exception
    assert app.title[0].value == "备灾总览"
    assert any("演示数据" in w.value for w in app.warning)
    assert {m.label for m in app.metric} >= TILES
    district = next(m for m in app.metric if m.label == "全区备灾指数")
    assert district.value.split(" · ")[1] in {"绿", "黄", "红"}
    assert district.delta  # the demo has last week's snapshot
    ranking = frame(app, "名次")
    assert len(ranking) == 19
    scores = list(ranking["备灾指数"])
    assert scores == sorted(scores, reverse=True)
    assert list(ranking["名次"]) == [1 + sum(o > s for o in scores) for s in scores]  # ties share
    assert {"属地", "状态", "较上周", "主要短板", "责任领导"} <= set(ranking.columns)
    assert ranking["较上周"].notna().all()
    assert not [b for b in app.button if b.key == "ov.snapshot"]
    assert any("较上周对比" in c.value for c in app.caption)
    top = frame(app, "逾期天数")
    assert 0 < len(top) <= 10
    assert app.get("vega_lite_chart")  # the trend chart


def test_top_overdue_items_put_major_hazards_first_then_the_longest(app):
    sign_in(app, "leader")
    top = frame(app, "逾期天数")
    major = [what.startswith("重大") for what in top["情况"]]
    assert major == sorted(major, reverse=True)
    days = list(top["逾期天数"][[not m for m in major]])
    assert days == sorted(days, reverse=True)


def test_drill_down_explains_each_component_and_who_must_act(app, demo_url):
    sign_in(app, "leader")
    xinpu = scalar(demo_url, select(Locality.id).where(Locality.name == "新浦街道"))
    # The worst locality is chosen first; pick another.
    app.selectbox(key="ov.locality").set_value(xinpu).run()
    assert not app.exception
    parts = frame(app, "说明")
    assert set(parts["指标"]) == {
        "储备",
        "队伍",
        "专项检查",
        "逾期整改",
        "预案",
        "储备库检查",
        "数据更新",
    }
    stock = parts.loc[parts["指标"] == "储备", "说明"].item()
    assert "项储备定额中" in stock and "项达标" in stock
    assert "需落实单位 / 责任人" in parts.columns
    assert any(m.value == "**新浦街道的逾期事项**" for m in app.markdown)
    assert any(m.label == "名次" and m.value.endswith("/ 19") for m in app.metric)


def test_office_takes_a_snapshot_through_the_button(app, demo_url):
    open_overview(app, "office")
    before = snapshots(demo_url)
    app.button(key="ov.snapshot").click().run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    assert snapshots(demo_url) == before + 1
    assert any("备灾快照" in s.value for s in app.success)


def test_overview_renders_in_english(app):
    import streamlit as st

    sign_in(app, "leader")
    app.sidebar.radio[0].set_value("en")
    # AppTest formats widget values outside the script run, with the process-wide bare
    # session state: give it the language the page now speaks, and take it back after.
    st.session_state["ui.language"] = "en"
    try:
        app.run()
    finally:
        del st.session_state["ui.language"]
    assert not app.exception
    assert app.title[0].value == "Readiness overview"
    labels = {m.label for m in app.metric}
    assert {"District readiness", "Overdue rectifications", "Stock coverage"} <= labels
    ranking = frame(app, "Rank")
    assert len(ranking) == 19
    assert {"Locality", "vs last week", "Weakest components"} <= set(ranking.columns)
    parts = frame(app, "What it means")
    assert set(parts["Component"]) >= {"Stock", "Teams", "Plans"}
    texts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    texts += [m.label for m in app.metric] + [s.value for s in app.subheader]
    assert not any(text.startswith("ov.") for text in texts)


@pytest.fixture
def no_snapshots(demo_url, tmp_path, monkeypatch):
    """A copy of the demo database with every snapshot removed."""
    path = tmp_path / "bare.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(delete(ReadinessSnapshot))
    engine.dispose()
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    return url


def test_without_snapshots_the_figures_are_live_and_say_so(app, no_snapshots):
    sign_in(app, "leader")
    assert not app.exception
    assert any("尚无备灾快照" in i.value for i in app.info)
    assert len(frame(app, "名次")) == 19
    district = next(m for m in app.metric if m.label == "全区备灾指数")
    assert not district.delta


def test_an_open_event_shows_its_response_figures_first(app):
    sign_in(app, "leader")
    assert any("应急响应进行中" in m.value and "海州区暴雨Ⅳ级应急响应" in m.value
               for m in app.markdown)  # fmt: skip
    figures = {m.label: m.value for m in app.metric}
    assert int(figures["任务"]) > 3  # the live demo event's tasks
    assert int(figures["超时未到岗"]) > 0  # most were never acknowledged
    assert figures["按时到岗"].endswith("%")
