"""AppTest of the 提醒 inbox on the demo district: scope per role, filters, export, English."""

from sqlalchemy import select

from registry.kernel import db
from registry.kernel.models import Locality
from tests.conftest import sign_in

ICONS = {"overdue": "🔴", "due": "🟠", "warning": "🟡"}  # as app_pages/alerts.py shows them


def locality_id(url: str, name: str) -> int:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(select(Locality.id).where(Locality.name == name)).scalar()
    engine.dispose()
    return found


def open_inbox(app, username: str):
    sign_in(app, username)
    app.switch_page("app_pages/alerts.py").run()
    assert not app.exception
    return app


def alert_lines(app) -> list[str]:
    """The one-line messages: markdown that starts with a severity icon."""
    return [m.value for m in app.markdown if m.value.startswith(tuple(ICONS.values()))]


def locality_of(line: str) -> str:
    return line.split("**")[1]


def metric(app, index: int) -> int:
    return int(app.metric[index].value)


def test_town_official_sees_only_their_own_locality(app):
    open_inbox(app, "xinpu")
    lines = alert_lines(app)
    assert lines, "the demo district gives 新浦街道 something to do"
    assert {locality_of(line) for line in lines} == {"新浦街道"}
    assert not [m for m in app.multiselect if m.key == "alert.localities"]
    assert metric(app, 0) == len(lines)
    assert any("新浦街道" in c.value for c in app.caption)
    assert app.warning, "demo data is labelled"


def test_office_sees_several_localities_and_filters_by_kind(app):
    open_inbox(app, "office")
    lines = alert_lines(app)
    assert len({locality_of(line) for line in lines}) >= 3
    assert metric(app, 0) == len(lines)
    assert sum(metric(app, i) for i in (1, 2, 3)) == len(lines)
    assert [b for b in app.get("download_button") if b.proto.label == "导出 Excel"]

    app.multiselect(key="alert.kinds").set_value(["rectification_overdue"]).run()
    assert not app.exception
    only = alert_lines(app)
    assert only and len(only) < len(lines)
    assert all(line.startswith(ICONS["overdue"]) and "整改已逾期" in line for line in only)
    assert metric(app, 0) == len(only) == metric(app, 1)
    assert [h.value for h in app.subheader] == [f"整改逾期（{len(only)}）"]


def test_office_filters_by_locality(app, demo_url):
    open_inbox(app, "office")
    box = app.multiselect(key="alert.localities")
    assert "新浦街道" in box.options and "区级 / 部门" in box.options
    box.set_value([locality_id(demo_url, "新浦街道")]).run()
    assert not app.exception
    assert {locality_of(line) for line in alert_lines(app)} == {"新浦街道"}


def test_leader_reads_every_locality(app):
    open_inbox(app, "leader")
    assert len({locality_of(line) for line in alert_lines(app)}) >= 3


def test_the_inbox_renders_in_english(app):
    import streamlit as st

    sign_in(app, "office")
    app.sidebar.radio[0].set_value("en").run()
    # AppTest formats widget values outside the script run, with the process-wide bare
    # session state: give it the language the page now speaks, and take it back after.
    st.session_state["ui.language"] = "en"
    try:
        app.switch_page("app_pages/alerts.py").run()
        app.multiselect(key="alert.kinds").set_value(["rectification_overdue"]).run()
    finally:
        del st.session_state["ui.language"]
    assert not app.exception
    assert app.title[0].value == "Alerts"
    assert app.multiselect(key="alert.kinds").label == "Kind of alert"
    lines = alert_lines(app)
    assert lines and all("overdue (deadline" in line for line in lines)
    texts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    texts += [h.value for h in app.subheader]
    assert not any("alert." in text for text in texts)


def test_a_leader_after_the_office_gets_their_own_links(app, demo_url, http):
    """The inbox is cached across sessions: the office's alerts link to 灾情报送, which a
    leader cannot open; a leader opening the inbox right after must get theirs (the page
    raised "Could not find page" when both shared one cache entry)."""
    from streamlit.testing.v1 import AppTest

    from prepare.support import apptest_browser
    from tests.conftest import ENTRY

    open_inbox(app, "office")
    leader = AppTest.from_file(ENTRY, default_timeout=60)
    leader.browser, leader.http = apptest_browser(), http
    open_inbox(leader, "leader")
    links = [link.proto.page for link in leader.get("page_link")]
    assert links and not any("disaster_reports" in page for page in links)
