"""AppTest of the field pages: 现场检查 and 隐患整改, on the demo district."""

from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.enums import RectificationStatus
from registry.kernel.models import Inspection, Rectification, RectificationStep
from tests.conftest import sign_in


def scalar(url: str, query):
    engine = db.make_engine(url)
    with engine.connect() as connection:
        value = connection.execute(query).scalar()
    engine.dispose()
    return value


def scalar_row(url: str, query):
    engine = db.make_engine(url)
    with engine.connect() as connection:
        row = connection.execute(query).one()
    engine.dispose()
    return row


def count(url: str, model) -> int:
    return scalar(url, select(func.count()).select_from(model))


def open_page(app, username: str, page: str):
    sign_in(app, username)
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception
    return app


def test_town_official_records_an_inspection_with_two_findings(app, demo_url):
    open_page(app, "xinpu", "inspections")
    assert app.selectbox(key="insp.locality").options == ["新浦街道"]
    inspections, rects = count(demo_url, Inspection), count(demo_url, Rectification)
    app.radio(key="insp.result").set_value(app.radio(key="insp.result").options[1]).run()
    app.text_area(key="insp.findings").input("雨水口堵塞\n警示标志缺失").run()
    app.button(key="insp.save").click().run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    assert count(demo_url, Inspection) == inspections + 1
    assert count(demo_url, Rectification) == rects + 2
    assert any("2 项问题已转入隐患整改" in s.value for s in app.success)


def test_a_findings_inspection_without_findings_is_refused_on_the_server(app, demo_url):
    open_page(app, "xinpu", "inspections")
    before = count(demo_url, Inspection)
    app.radio(key="insp.result").set_value(app.radio(key="insp.result").options[1]).run()
    app.button(key="insp.save").click().run()
    assert any("发现的问题：请至少描述一个" in e.value for e in app.error)
    assert count(demo_url, Inspection) == before


def test_town_official_starts_a_registered_rectification(app, demo_url):
    open_page(app, "xinpu", "rectifications")
    app.multiselect(key="rect.statuses").set_value([RectificationStatus.REGISTERED]).run()
    rect_id = app.selectbox(key="rect.pick").value
    status, version = scalar_row(
        demo_url,
        select(Rectification.status, Rectification.version).where(Rectification.id == rect_id),
    )
    assert status == RectificationStatus.REGISTERED
    steps = count(demo_url, RectificationStep)
    app.radio(key=f"rect.action.{rect_id}").set_value("start").run()
    key = f"rect.start.{rect_id}.{version}"
    app.text_input(key=f"{key}.responsible").input("王责任").run()
    app.text_area(key=f"{key}.plan").input("设置警戒区，专人监测，限期清理").run()
    app.text_area(key=f"{key}.note").input("已落实整改措施").run()
    app.button(key=f"rect.start.{rect_id}.go").click().run()
    assert not app.error, [e.value for e in app.error]
    status = scalar(demo_url, select(Rectification.status).where(Rectification.id == rect_id))
    assert status == RectificationStatus.RECTIFYING
    assert count(demo_url, RectificationStep) == steps + 1


def test_leader_reads_rectifications_without_acting(app):
    open_page(app, "leader", "rectifications")
    app.toggle(key="rect.overdue").set_value(True).run()
    assert not app.exception
    assert not [r for r in app.radio if r.key and r.key.startswith("rect.action")]
    assert any("不能办理" in c.value for c in app.caption)


def test_field_pages_render_in_english(app):
    import streamlit as st

    sign_in(app, "leader")
    app.sidebar.radio[0].set_value("en").run()
    # AppTest formats widget values outside the script run, with the process-wide bare
    # session state: give it the language the page now speaks, and take it back after.
    st.session_state["ui.language"] = "en"
    try:
        app.switch_page("app_pages/rectifications.py").run()
    finally:
        del st.session_state["ui.language"]
    assert not app.exception
    assert app.title[0].value == "Rectifications"
    assert app.multiselect(key="rect.statuses").label == "Status"
    texts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    assert not any(text.startswith(("rect.", "insp.")) for text in texts)
