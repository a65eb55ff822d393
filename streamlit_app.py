"""Router only: page config, language, sign-in and the role-filtered navigation."""

import streamlit as st

from maps.assets import use_local_assets
from page_helpers import ui
from registry.kernel.clock import today
from registry.kernel.enums import Role
from registry.kernel.permissions import Action

st.set_page_config(page_title="海州区应急资源", page_icon="🛟", layout="wide")
use_local_assets()
ui.language_switch()
resumed = ui.current_sign_in()  # re-read on every run: rights follow the account
signed_in = resumed.sign_in if resumed else None
actor = signed_in.actor if signed_in else None

# (section, file, title key, icon, url path, who sees it). Hiding a page is a convenience:
# every write is checked again in registry/.
PAGES = [
    ("work", "overview", "nav.overview", "dashboard", "overview", Action.VIEW),
    ("work", "map_page", "nav.map", "map", "map", Action.VIEW),
    ("work", "inventory", "nav.inventory", "inventory_2", "inventory", Action.EDIT_LOCAL_RECORDS),
    ("work", "teams", "nav.teams", "groups", "teams", Action.EDIT_LOCAL_RECORDS),
    ("work", "checkpoints", "nav.checkpoints", "warning", "checkpoints", Action.EDIT_LOCAL_RECORDS),
    ("work", "imports", "nav.imports", "upload_file", "imports", Action.EDIT_LOCAL_RECORDS),
    ("work", "campaigns", "nav.campaigns", "fact_check", "campaigns", Action.VIEW),
    ("work", "inspections", "nav.inspections", "add_a_photo", "inspect", Action.EDIT_LOCAL_RECORDS),
    ("work", "rectifications", "nav.rectifications", "build", "rectifications", Action.VIEW),
    ("work", "plans", "nav.plans", "menu_book", "plans", Action.VIEW),
    ("work", "alerts", "nav.alerts", "notifications", "alerts", Action.VIEW),
    ("work", "circular", "nav.circular", "campaign", "circular", Action.VIEW),
    ("work", "record", "nav.record", "description", "record", Action.VIEW),
    ("response", "warnings", "nav.warnings", "crisis_alert", "warnings", Action.VIEW),
    ("response", "events", "nav.events", "emergency", "events", Action.VIEW),
    ("response", "tasks", "nav.tasks", "task_alt", "tasks", Action.EDIT_LOCAL_RECORDS),
    (
        "response",
        "disaster_reports",
        "nav.disaster_reports",
        "assignment",
        "disaster-reports",
        Action.REPORT_DISASTER,
    ),
    ("response", "broadcast", "nav.broadcast", "volume_up", "broadcast", Action.VIEW),
    ("response", "dispatch", "nav.dispatch", "local_shipping", "dispatch", Action.VIEW),
    ("response", "duty_report", "nav.duty_report", "summarize", "duty-report", Action.VIEW),
    (
        "response",
        "disaster_rollup",
        "nav.disaster_rollup",
        "table",
        "disaster-rollup",
        Action.MANAGE_RESPONSE,
    ),
    ("response", "replenishment", "nav.replenishment", "inventory", "replenishment", Action.VIEW),
    ("admin", "admin_users", "nav.admin_users", "manage_accounts", "users", Action.MANAGE_USERS),
    ("admin", "api_tokens", "nav.api_tokens", "key", "api-tokens", Action.MANAGE_USERS),
    ("admin", "audit_log", "nav.audit_log", "history", "audit", Action.VIEW),
    ("account", "account", "nav.account", "person", "account", Action.VIEW),
]

if signed_in is None or actor is None:  # the browser is on its way to the sign-in page
    pages = [st.Page("app_pages/login.py", title=ui.t("nav.login"), icon=":material/login:")]
elif signed_in.must_change_password:  # after an administrator's reset: nothing else first
    pages = [st.Page("app_pages/account.py", title=ui.t("nav.account"), icon=":material/person:")]
else:
    st.sidebar.caption(
        ui.t(
            "account.signed_in_as",
            name=ui.plain(actor.display_name or actor.username),
            role=ui.label(actor.role),
        )
    )
    pages = {}
    urgent = ui.urgent_alerts(today(), actor)
    badge = {"alerts": f" ({urgent})" if urgent else ""}
    for section, name, title, icon, url, needs in PAGES:
        if actor.can(needs):
            pages.setdefault(ui.t(f"nav.section.{section}"), []).append(
                st.Page(
                    f"app_pages/{name}.py",
                    title=ui.t(title) + badge.get(name, ""),
                    icon=f":material/{icon}:",
                    url_path=url,
                    default=name == ("overview" if actor.role is Role.LEADER else "map_page"),
                )
            )
st.navigation(pages).run()
