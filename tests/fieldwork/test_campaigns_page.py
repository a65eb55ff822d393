"""AppTest of the campaigns page (专项检查) on the demo district."""

from datetime import timedelta

from sqlalchemy import select

from registry.fieldwork import campaigns
from registry.kernel import db
from registry.kernel.clock import today
from registry.kernel.enums import CheckpointType, InspectionTarget
from registry.kernel.models import Campaign, Locality
from registry.kernel.permissions import SYSTEM
from tests.conftest import sign_in


def open_page(app, username: str):
    sign_in(app, username)
    app.switch_page("app_pages/campaigns.py").run()
    assert not app.exception
    return app


def stored(url: str, name: str) -> Campaign | None:
    engine = db.make_engine(url)
    with db.make_session_factory(engine)() as session:
        found = session.scalar(select(Campaign).where(Campaign.name == name))
    engine.dispose()
    return found


def running_campaign(url: str, name: str) -> int:
    """A campaign around the real today, so the 去检查 button is offered."""
    engine = db.make_engine(url)
    with db.transaction(db.make_session_factory(engine)) as session:
        day = today()
        created = campaigns.create_campaign(
            session,
            SYSTEM,
            {
                "name": name,
                "starts_on": day - timedelta(days=3),
                "ends_on": day + timedelta(days=30),
                "target_kinds": ["checkpoint", "depot", "team"],
            },
        )
        campaign_id = created.id
    engine.dispose()
    return campaign_id


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def test_office_creates_a_campaign_through_the_form(app, demo_url):
    open_page(app, "office")
    day = today()
    app.text_input(key="camp.new.name").input("测试汛前排查")
    app.date_input(key="camp.new.starts_on").set_value(day)
    app.date_input(key="camp.new.ends_on").set_value(day + timedelta(days=45))
    app.multiselect(key="camp.new.kinds").set_value([InspectionTarget.CHECKPOINT])
    app.multiselect(key="camp.new.types").set_value(
        [CheckpointType.WATERLOGGING, CheckpointType.DIKE]
    )
    app.button(key="camp.new.submit").click().run()
    assert not app.exception, app.exception
    assert any("专项检查已创建" in s.value for s in app.success)
    saved = stored(demo_url, "测试汛前排查")
    assert saved is not None
    assert (saved.target_kinds, saved.checkpoint_types) == ("checkpoint", "waterlogging,dike")
    assert (saved.starts_on, saved.ends_on) == (day, day + timedelta(days=45))
    assert app.selectbox(key="camp.campaign").value == saved.id  # the new one is shown
    assert app.text_input(key="camp.new.name").value == ""  # and the form is empty again


def test_a_refused_campaign_names_the_field_and_writes_nothing(app, demo_url):
    open_page(app, "office")
    day = today()
    app.text_input(key="camp.new.name").input("倒着的窗口")
    app.date_input(key="camp.new.starts_on").set_value(day)
    app.date_input(key="camp.new.ends_on").set_value(day - timedelta(days=1))
    app.button(key="camp.new.submit").click().run()
    assert any("结束日期：" in e.value.replace("\\", "") for e in app.error)  # escaped Markdown
    assert stored(demo_url, "倒着的窗口") is None


def test_not_yet_inspected_list_and_exports_show(app):
    open_page(app, "office")
    headers = texts(app.subheader)
    assert "尚未检查的对象（不留死角）" in headers
    assert "各镇街覆盖率（最低的在前）" in headers
    assert any("尚未检查" in c.value for c in app.caption)
    assert len(app.dataframe) >= 4  # list, per locality, not yet inspected, all targets
    keys = {b.key for b in app.get("download_button")}
    assert {"camp.export.pending", "camp.export.targets"} <= keys


def test_leader_sees_campaigns_but_no_forms(app):
    open_page(app, "leader")
    keys = {button.key for button in app.button}
    assert "camp.new.submit" not in keys
    assert "camp.edit.submit" not in keys
    assert "camp.inspect.go" not in keys
    assert "尚未检查的对象（不留死角）" in texts(app.subheader)


def test_english_renders(app):
    open_page(app, "office")
    app.radio(key="ui.language").set_value("en").run()
    assert not app.exception
    assert "Inspection campaigns" in texts(app.title)
    assert "Targets not yet inspected (no blind spots)" in texts(app.subheader)
    assert "District coverage" in [m.label for m in app.metric]


def test_town_official_starts_with_own_locality(app, demo_url):
    open_page(app, "xinpu")
    engine = db.make_engine(demo_url)
    with engine.connect() as connection:
        xinpu = connection.scalar(select(Locality.id).where(Locality.name == "新浦街道"))
    engine.dispose()
    assert app.multiselect(key="camp.filter.localities").value == [xinpu]
    assert "camp.new.submit" not in {button.key for button in app.button}


def test_inspect_button_hands_the_target_to_the_inspection_page(app, demo_url, monkeypatch):
    import streamlit

    campaign_id = running_campaign(demo_url, "测试进行中的排查")
    open_page(app, "xinpu")
    app.selectbox(key="camp.campaign").set_value(campaign_id).run()
    choice = app.selectbox(key="camp.inspect.choice")
    kind, record_id = choice.value.split(":")
    assert "新浦街道" in choice.format_func(choice.value)
    switched = []
    with monkeypatch.context() as patch:  # hold the switch to see what the page handed over
        patch.setattr(streamlit, "switch_page", switched.append)
        app.button(key="camp.inspect.go").click().run()
    assert switched == ["app_pages/inspections.py"]
    assert app.session_state["inspect.target"] == {
        "kind": kind,
        "id": int(record_id),
        "campaign_id": campaign_id,
    }
    app.button(key="camp.inspect.go").click().run()  # and the real switch lands there
    assert not app.exception
    assert "现场检查" in texts(app.title)
