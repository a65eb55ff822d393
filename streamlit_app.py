"""Router only: page config, language, sign-in and the role-filtered navigation."""

import streamlit as st

from app_pages import ui
from maps.assets import use_local_assets

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
                "app_pages/record.py",
                title=ui.t("nav.record"),
                icon=":material/description:",
                url_path="record",
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
