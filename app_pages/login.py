"""Sign-in page: username and password checked by the core, with lockout."""

import streamlit as st

from app_pages import ui
from registry.accounts import authenticate
from registry.errors import AuthenticationFailed

st.title(ui.t("app.title"))
if st.session_state.get("auth.expired"):
    st.info(ui.t("login.expired"))

with st.form("login"):
    username = st.text_input(ui.t("login.username"), key="login.username")
    password = st.text_input(ui.t("login.password"), type="password", key="login.password")
    submitted = st.form_submit_button(ui.t("login.submit"), type="primary")

if submitted:
    try:
        actor = authenticate(ui.session_factory(), username, password, ui.settings())
    except AuthenticationFailed as error:
        st.error(ui.t("login.failed", reason=str(error)))
    else:
        ui.sign_in(actor)
        st.rerun()

if ui.demo_users():
    from registry.demo import DEMO_PASSWORD

    st.caption(ui.t("login.demo_hint", password=DEMO_PASSWORD))
    st.table(
        [
            {ui.t("login.username"): name, ui.t("col.level"): ui.label(role)}
            for name, role in ui.demo_users()
        ]
    )
