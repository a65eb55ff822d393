"""AppTest of the router and the first pages, on a demo database."""

from datetime import timedelta

from sqlalchemy import update

from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.enums import RiskLevel
from registry.kernel.geo import CoordinateSystem
from registry.kernel.models import SignInSession
from tests.conftest import post_sign_in, sign_in
from web.client import COOKIE


def test_opens_in_chinese_on_the_sign_in_page(http):
    page = http.get("/auth/sign-in")
    assert page.status_code == 200
    assert "<h1>海州区应急资源与备灾管理平台</h1>" in page.text
    assert "<td>xinpu</td>" in page.text  # demo accounts are listed


def test_without_a_sign_in_the_app_sends_the_browser_to_the_sign_in_page(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "海州区应急资源与备灾管理平台"
    assert any("正在转到登录页" in i.value for i in app.info)


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
    refused = post_sign_in(app.http, "xinpu", "wrong-password")
    assert refused.status_code == 401 and "登录失败" in refused.text
    assert COOKIE not in refused.cookies
    sign_in(app, "xinpu", "wrong-password")
    assert not app.exception
    assert app.title[0].value == "海州区应急资源与备灾管理平台"  # still signed out


def test_switching_to_english_translates_the_page(app):
    sign_in(app, "leader")
    assert app.title[0].value == "备灾总览"  # leaders land on the overview
    app.switch_page("app_pages/map_page.py").run()
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "Haizhou emergency resources map"
    assert "Name" in app.dataframe[0].value.columns


def test_session_times_out(app, demo_url):
    sign_in(app, "office")
    assert app.title[0].value == "海州区应急资源一张图"
    factory = db.make_session_factory(db.make_engine(demo_url))
    with db.transaction(factory) as session:  # the last click was 31 minutes ago
        session.execute(update(SignInSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    app.run()
    assert any("正在转到登录页" in i.value for i in app.info)


def records_table(app):
    return next(d.value for d in app.dataframe if "记录类型" in d.value.columns)


def test_filters_change_the_map_records(app):
    sign_in(app, "office")
    everything = records_table(app)
    app.multiselect(key="map.risks").set_value([RiskLevel.MAJOR]).run()
    app.multiselect(key="map.layers").set_value(["checkpoints"]).run()
    assert not app.exception
    majors = records_table(app)
    assert 0 < len(majors) < len(everything)
    assert set(majors["风险等级"]) == {"重大（红）"}
    assert set(majors["记录类型"]) == {"隐患点"}


def test_nearest_depots_from_typed_gcj02_coordinates(app):
    sign_in(app, "office")
    app.radio(key="map.point_source").set_value("typed").run()
    app.number_input(key="map.point_lon").set_value(119.196).run()
    app.number_input(key="map.point_lat").set_value(34.605).run()
    app.selectbox(key="map.point_crs").set_value(CoordinateSystem.GCJ02).run()
    app.number_input(key="nearest.quantity").set_value(500).run()
    app.button(key="nearest.run").click().run()
    assert not app.exception
    offers = next(d.value for d in app.dataframe if "建议调拨" in d.value.columns)
    assert offers["建议调拨"].sum() + _shortfall(app) == 500
    distances = list(offers["直线距离（km）"])
    assert distances == sorted(distances)


def _shortfall(app) -> int:
    for warning in app.warning:
        if "缺口" in warning.value:
            return int(warning.value.split("缺口 ")[1].split(" ")[0])
    return 0


def test_radius_search_counts_and_population(app):
    sign_in(app, "office")
    app.radio(key="map.point_source").set_value("typed").run()
    app.button(key="radius.run").click().run()
    assert not app.exception
    assert any("半径 3.0 km 内" in s.value for s in app.success)


def test_selected_record_shows_details_and_its_page(app):
    sign_in(app, "leader")
    app.session_state["map.selected"] = "t1"
    app.switch_page("app_pages/map_page.py").run()
    assert not app.exception
    assert any(m.value == "#### 详情" for m in app.markdown)
    phones = [str(t.value) for t in app.table]
    assert any("****" in text for text in phones)  # leaders see masked phone numbers


def test_record_page_shows_a_depot(app):
    sign_in(app, "office")
    app.query_params["key"] = "d1"
    app.switch_page("app_pages/record.py").run()
    assert not app.exception
    assert app.subheader[0].value == "海州区救灾物资储备库"
    assert any("低于定额" in str(m.label) for m in app.metric)
