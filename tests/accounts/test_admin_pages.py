"""AppTest of the user administration and audit log pages, on a demo database."""

import pytest
from sqlalchemy import select

from registry.accounts.users import update_user
from registry.kernel import db
from registry.kernel.enums import Role
from registry.kernel.models import Locality, User
from registry.kernel.permissions import SYSTEM
from tests.conftest import sign_in

USERS_PAGE = "app_pages/admin_users.py"
AUDIT_PAGE = "app_pages/audit_log.py"


def lookup(url: str, model, name_column, name: str) -> int:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(model.id).where(name_column == name))
    finally:
        engine.dispose()


def open_page(app, username: str, page: str):
    sign_in(app, username)
    app.switch_page(page).run()
    assert not app.exception
    return app


def submit(app, label: str):
    next(b for b in app.button if b.label == label).click()
    return app.run()


def users_table(app):
    return next(d.value for d in app.dataframe if "用户名" in d.value.columns)


def test_admin_creates_a_town_official_who_then_appears_and_signs_in(app, demo_url):
    open_page(app, "admin", USERS_PAGE)
    banpu = lookup(demo_url, Locality, Locality.name, "板浦镇")
    app.text_input(key="admin.create.username").input("wangfang")
    app.text_input(key="admin.create.name").input("板浦镇值班员")
    app.selectbox(key="admin.create.role").set_value(Role.TOWN)
    app.multiselect(key="admin.create.localities").set_value([banpu])
    app.text_input(key="admin.create.password").input("Banpu-duty-1")
    submit(app, "创建用户")
    assert not app.exception and not app.error
    assert any("wangfang" in s.value for s in app.success)
    row = users_table(app).set_index("用户名").loc["wangfang"]
    assert (row["角色"], row["负责属地"], bool(row["启用"])) == ("镇街工作人员", "板浦镇", True)
    assert app.text_input(key="admin.create.username").value == ""  # the form is cleared
    app.switch_page("app_pages/account.py").run()
    app.button(key="account.logout").click().run()
    sign_in(app, "wangfang", "Banpu-duty-1")
    assert not app.error  # signed in, and first asked to replace the initial password
    assert app.title[0].value == "我的账户" and any("请先修改密码" in w.value for w in app.warning)


def test_a_refused_user_keeps_the_form_and_shows_the_core_message(app):
    open_page(app, "admin", USERS_PAGE)
    app.text_input(key="admin.create.username").input("nolocality")
    app.text_input(key="admin.create.name").input("无属地")
    app.selectbox(key="admin.create.role").set_value(Role.TOWN)
    app.text_input(key="admin.create.password").input("long-enough-1")
    submit(app, "创建用户")
    assert any("未保存" in e.value and "负责属地：镇街工作人员须指定" in e.value for e in app.error)
    assert app.text_input(key="admin.create.username").value == "nolocality"
    assert "nolocality" not in set(users_table(app)["用户名"])


def test_a_stale_edit_shows_what_changed(app, demo_url):
    open_page(app, "admin", USERS_PAGE)
    jinping = lookup(demo_url, User, User.username, "jinping")
    app.selectbox(key="admin.user").set_value(jinping).run()
    factory = db.make_session_factory(db.make_engine(demo_url))
    with db.transaction(factory) as session:  # another admin saves first
        user = session.get(User, jinping)
        update_user(
            session,
            SYSTEM,
            jinping,
            user.version,
            display_name="锦屏镇应急办",
            role=user.role,
            locality_ids=[loc.id for loc in user.localities],
            phone=user.phone,
        )
    factory.kw["bind"].dispose()
    name = next(w for w in app.text_input if w.key.startswith(f"admin.edit.name.{jinping}."))
    name.input("锦屏镇")
    submit(app, "保存修改")
    assert any("他人已修改" in e.value for e in app.error)
    assert "锦屏镇应急办" in str(app.table[0].value)
    app.button(key="admin.edit.reload").click().run()
    name = next(w for w in app.text_input if w.key.startswith(f"admin.edit.name.{jinping}."))
    assert name.value == "锦屏镇应急办"
    name.input("锦屏镇值班")
    submit(app, "保存修改")
    assert not app.error
    assert "锦屏镇值班" in set(users_table(app)["姓名 / 单位"])


def test_admin_disables_and_enables_an_account(app, demo_url):
    open_page(app, "admin", USERS_PAGE)
    app.selectbox(key="admin.user").set_value(lookup(demo_url, User, User.username, "huaguoshan"))
    app.button(key="admin.toggle_active").click().run()
    assert any("已停用 huaguoshan" in s.value for s in app.success)
    assert not users_table(app).set_index("用户名").loc["huaguoshan", "启用"]
    app.button(key="admin.toggle_active").click().run()
    assert users_table(app).set_index("用户名").loc["huaguoshan", "启用"]


def test_the_last_admin_cannot_disable_themselves(app, demo_url):
    open_page(app, "admin", USERS_PAGE)
    app.selectbox(key="admin.user").set_value(lookup(demo_url, User, User.username, "admin"))
    app.button(key="admin.toggle_active").click().run()
    assert any("未保存" in e.value and "不能取消自己的管理员角色" in e.value for e in app.error)


@pytest.mark.parametrize("username", ["office", "leader", "xinpu"])
def test_other_roles_do_not_get_the_users_page(app, username):
    sign_in(app, username)
    with pytest.raises(ValueError, match="navigation page"):
        app.switch_page(USERS_PAGE)


def audit_table(app):
    return next(d.value for d in app.dataframe if "变更字段" in d.value.columns)


def test_the_audit_log_lists_events_of_every_locality_for_the_office(app):
    open_page(app, "office", AUDIT_PAGE)
    events = audit_table(app)
    assert len(events) == 500
    assert len(set(events["属地"]) - {""}) > 5
    app.selectbox(key="audit.action").set_value("depot-created").run()
    assert set(audit_table(app)["操作"]) == {"新建储备库"}
    assert len(app.get("download_button")) == 2


def test_a_town_official_sees_only_their_localitys_events(app):
    open_page(app, "xinpu", AUDIT_PAGE)
    assert any("新浦街道" in i.value for i in app.info)
    events = audit_table(app)
    assert len(events) > 0 and set(events["属地"]) == {"新浦街道"}
    assert app.selectbox(key="audit.locality").options == ["（全部）", "新浦街道"]


def test_selecting_an_event_shows_before_and_after(app, demo_url):
    open_page(app, "admin", AUDIT_PAGE)
    app.selectbox(key="audit.action").set_value("user-created").run()
    app.session_state["audit.table"] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    assert not app.exception
    assert any(s.value.startswith("审计记录 #") for s in app.subheader)
    assert len(app.json) == 2
