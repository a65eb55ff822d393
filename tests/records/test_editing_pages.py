"""AppTest of the town officials' pages: inventory, teams, checkpoints."""

from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.models import Checkpoint, StockLot, StockMovement, TeamMember
from tests.conftest import sign_in


def count(url: str, model) -> int:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        value = connection.execute(select(func.count()).select_from(model)).scalar_one()
    engine.dispose()
    return value


def open_page(app, username: str, page: str):
    sign_in(app, username)
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception
    return app


def grid_key(url: str, depot_id: int) -> str:
    """The stock-take grid's widget key: it carries the version the grid was opened at."""
    engine = db.make_engine(url)
    with db.make_session_factory(engine)() as session:
        versions = session.scalars(select(StockLot.version).where(StockLot.depot_id == depot_id))
        key = f"inv.grid.{depot_id}.{sum(versions)}"
    engine.dispose()
    return key


def test_town_official_receives_stock_into_own_depot(app, demo_url):
    open_page(app, "xinpu", "inventory")
    assert "新浦街道" in app.selectbox(key="inv.depot").format_func(
        app.selectbox(key="inv.depot").value
    )
    before = count(demo_url, StockMovement)
    app.number_input(key="inv.receive.quantity").set_value(25)
    app.button(key="inv.receive.submit").click().run()
    assert not app.exception
    assert count(demo_url, StockMovement) == before + 1
    assert any("入库已登记" in s.value for s in app.success)


def test_stock_take_grid_is_validated_on_the_server(app, demo_url):
    open_page(app, "xinpu", "inventory")
    depot = app.selectbox(key="inv.depot").value
    before = count(demo_url, StockMovement)
    app.session_state[grid_key(demo_url, depot)] = {
        "edited_rows": {0: {"counted": -5}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    app.button(key="inv.submit_take").click().run()
    assert any("第 1 行，实盘数量：" in e.value.replace("\\", "") for e in app.error)
    assert count(demo_url, StockMovement) == before  # nothing written


def test_read_only_for_another_localitys_depot(app):
    open_page(app, "xinpu", "inventory")
    options = app.selectbox(key="inv.depot").options
    foreign = next(o for o in options if "只读" in o)
    app.selectbox(key="inv.depot").select(foreign).run()
    assert app.button(key="inv.zero").disabled


def test_team_member_added_to_census(app, demo_url):
    open_page(app, "xinpu", "teams")
    before = count(demo_url, TeamMember)
    app.text_input(key="teams.add.name").input("测试队员")
    app.button(key="teams.add.submit").click().run()
    assert not app.exception
    assert count(demo_url, TeamMember) == before + 1


def test_checkpoint_created_from_gcj02_coordinates(app, demo_url):
    open_page(app, "xinpu", "checkpoints")
    before = count(demo_url, Checkpoint)
    app.number_input(key="cp.new.lon").set_value(119.196)
    app.number_input(key="cp.new.lat").set_value(34.605)
    app.selectbox(key="cp.new.crs").select_index(2)  # GCJ-02
    app.text_input(key="cp.new.name").input("测试易涝点")
    app.button(key="cp.create").click().run()
    assert not app.exception
    assert count(demo_url, Checkpoint) == before + 1


def test_a_depot_holding_stock_cannot_be_retired(app):
    open_page(app, "xinpu", "inventory")
    app.button(key="inv.retire").click().run()
    assert any("储备库：仍有" in e.value for e in app.error)
