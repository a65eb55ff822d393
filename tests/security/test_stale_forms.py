"""Edit forms remember the version they were opened at: a save against a record someone else
changed meanwhile is refused with what changed, and the other save is intact.

Each test opens a form as the user who writes it (a town official, or the office for a
campaign), saves the same record through the core as the district office (or an administrator),
then submits the form and checks the refusal and the database."""

from __future__ import annotations

from registry.fieldwork import campaigns, rectifications
from registry.kernel import db, i18n
from registry.kernel.clock import today
from registry.kernel.models import (
    Campaign,
    Checkpoint,
    Depot,
    Plan,
    Rectification,
    StockLot,
    StockMovement,
    Team,
    TeamMember,
    User,
)
from registry.kernel.permissions import Actor
from registry.plans import commands as plans
from registry.records import commands as records
from registry.records import stock
from registry.records.stockview import lot_rows
from tests.conftest import sign_in
from tests.records.test_editing_pages import count, grid_key


def open_page(app, username: str, page: str):
    sign_in(app, username)
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception
    return app


def as_office(url: str, change, username: str = "office") -> None:
    """Run ``change(session, actor)`` through the core in its own transaction, as the office
    or as another user named by ``username``."""
    engine = db.make_engine(url)
    factory = db.make_session_factory(engine)
    with db.transaction(factory) as session:
        user = session.query(User).filter_by(username=username).one()
        change(session, Actor.from_user(user))
    engine.dispose()


def load(url: str, model, record_id: int):
    engine = db.make_engine(url)
    with db.make_session_factory(engine)() as session:
        record = session.get(model, record_id)
    engine.dispose()
    return record


def assert_refused_as_stale(app) -> None:
    assert not app.exception
    assert any("他人已修改" in e.value for e in app.error), [e.value for e in app.error]
    assert app.table, "the refusal shows what changed meanwhile"
    assert not app.success


def checkpoint_data(checkpoint: Checkpoint, **changes) -> dict:
    fields = ("name", "type", "risk_level", "locality_id", "lon", "lat", "address")
    return {**{f: getattr(checkpoint, f) for f in fields}, **changes}


def test_checkpoint_form_refuses_a_save_over_the_offices_change(app, demo_url):
    open_page(app, "xinpu", "checkpoints")
    chosen = app.selectbox(key="cp.choose").value
    before = load(demo_url, Checkpoint, chosen)
    new_level = "major" if before.risk_level.value != "major" else "low"
    as_office(
        demo_url,
        lambda s, office: records.update_checkpoint(
            s, office, chosen, before.version, checkpoint_data(before, risk_level=new_level)
        ),
    )
    app.run()  # any interaction before the save must not refresh the opened version
    prefix = f"cp.edit.{chosen}.{before.version}"
    app.text_input(key=f"{prefix}.address").input("新地址 1 号").run()
    app.button(key="cp.save").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, Checkpoint, chosen)
    assert after.risk_level.value == new_level
    assert after.address == before.address

    app.button(key="cp.edit.reload").click().run()  # reload shows the current values
    current = f"cp.edit.{chosen}.{after.version}"
    assert app.selectbox(key=f"{current}.risk").value.value == new_level
    app.text_input(key=f"{current}.address").input("新地址 1 号").run()
    app.button(key="cp.save").click().run()
    assert not app.error
    saved = load(demo_url, Checkpoint, chosen)
    assert (saved.address, saved.risk_level.value) == ("新地址 1 号", new_level)


def test_rectification_step_refuses_a_save_over_the_offices_change(app, demo_url):
    open_page(app, "xinpu", "rectifications")
    rect_id = app.selectbox(key="rect.pick").value
    app.radio(key=f"rect.action.{rect_id}").set_value("plan").run()
    before = load(demo_url, Rectification, rect_id)
    as_office(
        demo_url,
        lambda s, office: rectifications.update_plan(
            s, office, rect_id, before.version, plan_text="区应急办的治理方案",
            responsible_person="区应急办",
        ),
    )  # fmt: skip
    app.run()
    key = f"rect.plan.{rect_id}.{before.version}"
    app.text_input(key=f"{key}.responsible").input("王责任")
    app.button(key=f"rect.plan.{rect_id}.go").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, Rectification, rect_id)
    assert (after.plan_text, after.responsible_person) == ("区应急办的治理方案", "区应急办")

    app.button(key="rect.reload").click().run()  # reload shows the office's plan
    current = f"rect.plan.{rect_id}.{after.version}"
    assert app.text_area(key=f"{current}.plan").value == "区应急办的治理方案"


PLAN_STEPS = ("start_evaluation", "conclude_evaluation", "start_revision", "issue", "repeal")


def xinpu_plan(app, demo_url) -> Plan:
    open_page(app, "xinpu", "plans")
    return load(demo_url, Plan, app.selectbox(key="plan.choose").value)


def test_plan_edit_form_refuses_a_save_over_the_offices_change(app, demo_url):
    plan = xinpu_plan(app, demo_url)
    app.selectbox(key=f"plan.action.{plan.id}").select("edit").run()
    as_office(
        demo_url,
        lambda s, office: plans.update_plan_details(
            s, office, plan.id, plan.version, {"owner_person": "区应急办 张三"}
        ),
    )
    app.run()
    prefix = f"plan.edit.{plan.id}.{plan.version}"
    app.text_input(key=f"{prefix}.hazards").input("内涝、台风")
    app.button(key="plan.edit.submit").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, Plan, plan.id)
    assert (after.owner_person, after.hazards) == ("区应急办 张三", plan.hazards)

    app.button(key="plan.reload").click().run()
    current = f"plan.edit.{plan.id}.{after.version}"
    assert app.text_input(key=f"{current}.owner_person").value == "区应急办 张三"


def test_plan_status_step_refuses_a_save_over_the_offices_change(app, demo_url):
    plan = xinpu_plan(app, demo_url)
    offered = app.selectbox(key=f"plan.action.{plan.id}").options
    step = next(a for a in PLAN_STEPS if i18n.translate(f"plan.do.{a}", "zh") in offered)
    app.selectbox(key=f"plan.action.{plan.id}").select(step).run()
    as_office(
        demo_url,
        lambda s, office: plans.update_plan_details(
            s, office, plan.id, plan.version, {"owner_person": "区应急办 李四"}
        ),
    )
    app.run()
    changed = load(demo_url, Plan, plan.id)
    app.button(key=f"plan.{step}.submit").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, Plan, plan.id)
    assert (after.version, after.status) == (changed.version, changed.status)
    assert after.owner_person == "区应急办 李四"


def test_campaign_form_refuses_a_save_over_another_officers_change(app, demo_url):
    open_page(app, "office", "campaigns")
    campaign_id = app.selectbox(key="camp.campaign").value
    before = load(demo_url, Campaign, campaign_id)
    as_office(
        demo_url,
        lambda s, admin: campaigns.update_campaign(
            s, admin, campaign_id, before.version, {"description": "管理员补充的说明"}
        ),
        username="admin",
    )
    app.run()
    prefix = f"camp.edit.{campaign_id}.{before.version}"
    app.text_input(key=f"{prefix}.name").input("改名后的专项检查")
    app.button(key="camp.edit.submit").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, Campaign, campaign_id)
    assert (after.name, after.description) == (before.name, "管理员补充的说明")

    app.button(key="camp.edit.reload").click().run()
    current = f"camp.edit.{campaign_id}.{after.version}"
    assert app.text_area(key=f"{current}.description").value == "管理员补充的说明"


# The depot, stock-take, team and member forms (inventory and teams pages).


def xinpu_record(app, demo_url, page: str, picker: str, model):
    open_page(app, "xinpu", page)
    return load(demo_url, model, app.selectbox(key=picker).value)


def test_depot_form_refuses_a_save_over_the_offices_change(app, demo_url):
    depot = xinpu_record(app, demo_url, "inventory", "inv.depot", Depot)
    as_office(
        demo_url,
        lambda s, office: records.update_depot(
            s, office, depot.id, depot.version, {"manager": "区应急办 王五"}
        ),
    )
    app.run()
    app.text_input(key=f"inv.depot.{depot.id}.{depot.version}.address").input("新浦路 9 号")
    app.button(key="inv.depot.save").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, Depot, depot.id)
    assert (after.manager, after.address) == ("区应急办 王五", depot.address)

    app.button(key="inv.depot.reload").click().run()  # reload shows the office's manager
    assert app.text_input(key=f"inv.depot.{depot.id}.{after.version}.manager").value == (
        "区应急办 王五"
    )


def test_depot_zero_report_is_refused_over_the_offices_change(app, demo_url):
    depot = xinpu_record(app, demo_url, "inventory", "inv.depot", Depot)
    as_office(
        demo_url,
        lambda s, office: records.update_depot(
            s, office, depot.id, depot.version, {"address": "区应急办核实的地址"}
        ),
    )
    changed = load(demo_url, Depot, depot.id)
    app.run()
    app.button(key="inv.zero").click().run()

    assert_refused_as_stale(app)  # "nothing changed" would vouch for a record not seen
    after = load(demo_url, Depot, depot.id)
    assert (after.version, after.address) == (changed.version, "区应急办核实的地址")


def grid_lots(url: str, depot_id: int) -> list[dict]:
    """The stock-take grid's lots, in its row order."""
    engine = db.make_engine(url)
    with db.make_session_factory(engine)() as session:
        lots = lot_rows(session, depot_id, today(), 30)
    engine.dispose()
    return lots


def test_stock_take_refuses_counts_over_a_lot_issued_during_the_count(app, demo_url):
    depot = xinpu_record(app, demo_url, "inventory", "inv.depot", Depot)
    key, lots = grid_key(demo_url, depot.id), grid_lots(demo_url, depot.id)
    row, lot = next((i, r) for i, r in enumerate(lots) if r["quantity"] >= 10 and not r["expired"])
    book = lot["quantity"]
    as_office(  # the office issues 3 while the official counts
        demo_url,
        lambda s, office: stock.issue(s, office, lot["lot_id"], 3, reason="发放", today=today()),
    )
    movements = count(demo_url, StockMovement)
    app.session_state[key] = {
        "edited_rows": {row: {"counted": book - 1}},  # one short on the shelf when counted
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    app.button(key="inv.submit_take").click().run()

    assert_refused_as_stale(app)
    named = f"{lot['item']} · {lot['batch']}"
    assert any(named in e.value.replace("\\", "") for e in app.error)  # as escaped Markdown
    assert count(demo_url, StockMovement) == movements  # nothing written
    assert load(demo_url, StockLot, lot["lot_id"]).quantity == book - 3

    app.button(key="inv.take.reload").click().run()  # a fresh count at the current book
    assert app.button(key="inv.submit_take").disabled


def test_team_form_refuses_a_save_over_the_offices_change(app, demo_url):
    team = xinpu_record(app, demo_url, "teams", "teams.team", Team)
    as_office(
        demo_url,
        lambda s, office: records.update_team(
            s, office, team.id, team.version, {"leader": "区应急办 孙七"}
        ),
    )
    app.run()
    app.text_area(key=f"teams.team.{team.id}.{team.version}.equipment").input("冲锋舟 2 艘")
    app.button(key="teams.team.save").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, Team, team.id)
    assert (after.leader, after.equipment) == ("区应急办 孙七", team.equipment)

    app.button(key="teams.team.reload").click().run()
    assert app.text_input(key=f"teams.team.{team.id}.{after.version}.leader").value == (
        "区应急办 孙七"
    )


def test_team_zero_report_is_refused_over_the_offices_change(app, demo_url):
    team = xinpu_record(app, demo_url, "teams", "teams.team", Team)
    as_office(
        demo_url,
        lambda s, office: records.update_team(
            s, office, team.id, team.version, {"equipment": "区应急办核实的装备"}
        ),
    )
    changed = load(demo_url, Team, team.id)
    app.run()
    app.button(key="teams.zero").click().run()

    assert_refused_as_stale(app)
    assert load(demo_url, Team, team.id).version == changed.version


def xinpu_member(app, demo_url) -> TeamMember:
    return xinpu_record(app, demo_url, "teams", "teams.member", TeamMember)


def office_sets_skills(demo_url, member: TeamMember, skills: str) -> None:
    as_office(
        demo_url,
        lambda s, office: records.update_member(
            s, office, member.id, member.version, {"skills": skills}, today=today()
        ),
    )


def test_member_form_refuses_a_correction_over_the_offices_change(app, demo_url):
    member = xinpu_member(app, demo_url)
    office_sets_skills(demo_url, member, "冲锋舟驾驶")
    app.run()
    prefix = f"teams.member.{member.id}.{member.version}"
    app.text_input(key=f"{prefix}.phone").input("13800001111")
    app.button(key="teams.member.save").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, TeamMember, member.id)
    assert (after.skills, after.phone) == ("冲锋舟驾驶", member.phone)

    app.button(key="teams.member.reload").click().run()
    current = f"teams.member.{member.id}.{after.version}"
    assert app.text_input(key=f"{current}.skills").value == "冲锋舟驾驶"


def test_member_removal_is_refused_over_the_offices_change(app, demo_url):
    member = xinpu_member(app, demo_url)
    office_sets_skills(demo_url, member, "水上救援")
    app.run()
    app.button(key="teams.remove").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, TeamMember, member.id)
    assert after is not None and after.skills == "水上救援"
