"""Router only: page config, language, sign-in and the role-filtered navigation."""

import streamlit as st

from app_pages import ui
from maps.assets import use_local_assets
from registry.permissions import Action

st.set_page_config(page_title="海州区应急资源", page_icon="🛟", layout="wide")
use_local_assets()
ui.language_switch()
actor = ui.current_actor()

if actor is None:
    pages = [st.Page("app_pages/login.py", title=ui.t("nav.login"), icon=":material/login:")]
else:
    st.sidebar.caption(
        ui.t(
            "account.signed_in_as",
            name=actor.display_name or actor.username,
            role=ui.label(actor.role),
        )
    )
    users_page = st.Page(
        "app_pages/admin_users.py",
        title=ui.t("nav.admin_users"),
        icon=":material/manage_accounts:",
        url_path="users",
    )
    pages = {
        ui.t("nav.section.work"): [
            st.Page(
                "app_pages/map_page.py",
                title=ui.t("nav.map"),
                icon=":material/map:",
                url_path="map",
                default=True,
            ),
            st.Page(
                "app_pages/inventory.py",
                title=ui.t("nav.inventory"),
                icon=":material/inventory_2:",
                url_path="inventory",
            ),
            st.Page(
                "app_pages/teams.py",
                title=ui.t("nav.teams"),
                icon=":material/groups:",
                url_path="teams",
            ),
            st.Page(
                "app_pages/checkpoints.py",
                title=ui.t("nav.checkpoints"),
                icon=":material/warning:",
                url_path="checkpoints",
            ),
            st.Page(
                "app_pages/record.py",
                title=ui.t("nav.record"),
                icon=":material/description:",
                url_path="record",
            ),
        ],
        ui.t("nav.section.admin"): [
            *([users_page] if actor.can(Action.MANAGE_USERS) else []),
            st.Page(
                "app_pages/audit_log.py",
                title=ui.t("nav.audit_log"),
                icon=":material/history:",
                url_path="audit",
            ),
        ],
        ui.t("nav.section.account"): [
            st.Page(
                "app_pages/account.py",
                title=ui.t("nav.account"),
                icon=":material/person:",
                url_path="account",
            ),
        ],
    }
st.navigation(pages).run()
