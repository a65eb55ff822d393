"""AppTest of the plan register page on the demo district: the office moves a plan through its
flow, a town official registers a draft with its text, leaders only read, English renders."""

import re

from sqlalchemy import select

from registry.kernel import db
from registry.kernel.enums import PlanClass, PlanStatus, RevisionTrigger
from registry.kernel.models import Attachment, AuditEvent, Locality, Plan, PlanRevision
from tests.conftest import sign_in

RAW_KEY = re.compile(r"\bplan\.[a-z_]+")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def query(url: str, statement):
    engine = db.make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    engine.dispose()
    return rows


def plan_named(url: str, title: str):
    return query(url, select(Plan).where(Plan.title == title))[0]


def open_plans(app, username: str):
    sign_in(app, username)
    app.switch_page("app_pages/plans.py").run()
    assert not app.exception
    return app


def test_office_moves_a_demo_plan_through_evaluation_into_revision(app, demo_url):
    plan = plan_named(demo_url, "海州区防汛抗旱应急预案")
    assert plan.status is PlanStatus.CURRENT
    open_plans(app, "office")
    app.selectbox(key="plan.choose").select(plan.id).run()
    actions = app.selectbox(key=f"plan.action.{plan.id}")
    assert "启动研判评估" in actions.options and "印发" not in actions.options
    actions.select("start_evaluation").run()
    app.text_area(key="plan.start_evaluation.note").input("汛前研判评估")
    app.button(key="plan.start_evaluation.submit").click().run()
    assert not app.exception and not app.error
    assert any("启动研判评估" in s.value for s in app.success)
    assert plan_named(demo_url, plan.title).status is PlanStatus.EVALUATING

    app.selectbox(key=f"plan.action.{plan.id}").select("conclude_evaluation").run()
    app.radio(key="plan.conclude_evaluation.outcome").set_value("revise")
    app.text_area(key="plan.conclude_evaluation.note").input("风险发生变化，需修订")
    app.button(key="plan.conclude_evaluation.submit").click().run()
    assert not app.exception and not app.error
    revised = plan_named(demo_url, plan.title)
    assert revised.status is PlanStatus.REVISING
    assert revised.revision_trigger is RevisionTrigger.EVALUATION
    events = query(
        demo_url,
        select(AuditEvent.action, AuditEvent.actor_name)
        .where(AuditEvent.entity == "plan", AuditEvent.entity_id == plan.id)
        .order_by(AuditEvent.id),
    )
    assert events == [("plan-evaluation-started", "office"), ("plan-evaluation-revise", "office")]
    history = app.dataframe[-1].value
    assert list(history["说明"]) == ["汛前研判评估", "风险发生变化，需修订"]


def test_a_refused_action_shows_the_field_and_writes_nothing(app, demo_url):
    plan = plan_named(demo_url, "海州区自然灾害救助应急预案")
    open_plans(app, "office")
    app.selectbox(key="plan.choose").select(plan.id).run()
    app.selectbox(key=f"plan.action.{plan.id}").select("repeal").run()
    app.button(key="plan.repeal.submit").click().run()  # no reason given
    assert any("事由：必填" in e.value for e in app.error)  # the field by its label
    assert plan_named(demo_url, plan.title).version == plan.version


def test_town_official_sees_own_locality_and_registers_a_draft_with_its_text(app, demo_url):
    xinpu = query(demo_url, select(Locality.id).where(Locality.name == "新浦街道"))[0][0]
    open_plans(app, "xinpu")
    assert app.selectbox(key="plan.f.locality").value == xinpu
    chosen = app.selectbox(key="plan.choose").value
    assert plan_named(demo_url, "新浦街道突发事件应急预案").id == chosen
    assert app.selectbox(key="plan.new.locality").value == xinpu
    assert app.selectbox(key="plan.new.locality").options == ["新浦街道"]

    app.radio(key="plan.new.mode").set_value(PlanStatus.AWAITING_ISSUE).run()
    app.text_input(key="plan.new.title").input("新浦街道防汛防台应急预案")
    app.selectbox(key="plan.new.class").set_value(PlanClass.SPECIAL)
    app.text_input(key="plan.new.version_label").input("送审稿")
    app.file_uploader(key="plan.new.document").set_value(("防汛防台.pdf", PDF, "application/pdf"))
    app.button(key="plan.new.submit").click().run()
    assert not app.exception and not app.error
    created = plan_named(demo_url, "新浦街道防汛防台应急预案")
    assert (created.status, created.locality_id) == (PlanStatus.AWAITING_ISSUE, xinpu)
    [revision] = query(demo_url, select(PlanRevision).where(PlanRevision.plan_id == created.id))
    files = query(demo_url, select(Attachment.filename).where(Attachment.owner_id == revision.id))
    assert ("防汛防台.pdf",) in files

    app.selectbox(key="plan.choose").select(created.id).run()
    assert not app.exception
    assert app.get("download_button")  # the draft's text can be downloaded
    [(document,)] = query(demo_url, select(Attachment.id).where(Attachment.owner_id == revision.id))
    link = f"[防汛防台\\.pdf](/files/{document})"  # opens in a new tab, for this user only
    assert any(link in caption.value for caption in app.caption), link
    opened = app.http.get(f"/files/{document}", cookies=app.browser.cookies)
    assert opened.status_code == 200 and opened.content == PDF
    assert app.http.get(f"/files/{document}").status_code == 404  # signed out: nothing
    assert "印发" in app.selectbox(key=f"plan.action.{created.id}").options


def test_leader_sees_everything_and_no_action(app):
    open_plans(app, "leader")
    assert app.selectbox(key="plan.f.locality").value == "all"
    assert app.metric[0].value == str(len(app.dataframe[0].value))
    assert len(app.dataframe[0].value) >= 25
    keys = [w.key for w in app.selectbox] + [b.key for b in app.button]
    assert not [k for k in keys if k and (k.startswith("plan.action") or k.endswith(".submit"))]
    assert any("只读" in c.value for c in app.caption)


def texts(app) -> list[str]:
    found = [
        e.value
        for kind in ("markdown", "caption", "subheader", "title", "info", "success")
        for e in app.get(kind)
    ]
    found += [m.label for m in app.metric]
    for kind in ("selectbox", "text_input", "text_area", "radio", "toggle", "checkbox", "button"):
        for widget in app.get(kind):
            found.append(widget.label)
    for kind in ("selectbox", "radio"):
        for widget in app.get(kind):
            found.extend(str(o) for o in widget.options)
    for frame in app.dataframe:
        found.extend(str(c) for c in frame.value.columns)
    found += [t.label for t in app.tabs] + [e.label for e in app.expander]
    return found


def test_the_page_speaks_english_without_missing_keys(app):
    open_plans(app, "office")
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "Emergency plans"
    assert app.metric[1].label == "Filing overdue"
    assert "Next evaluation due" in app.dataframe[0].value.columns
    for action in app.selectbox(
        key=f"plan.action.{app.selectbox(key='plan.choose').value}"
    ).options:
        assert not RAW_KEY.search(action)
    leftovers = [text for text in texts(app) if RAW_KEY.search(text)]
    assert not leftovers
    chinese_labels = [
        text
        for text in [m.label for m in app.metric] + [t.label for t in app.tabs]
        if re.search(r"[\u4e00-\u9fff]", text)
    ]
    assert not chinese_labels
