"""Sign-in page: username and password checked by the core, with lockout."""

import streamlit as st

from page_helpers import ui
from registry.accounts.users import authenticate
from registry.kernel.errors import AuthenticationFailed


def client_address() -> str | None:
    """The browser's address for the audit trail. The instances listen on 127.0.0.1 behind
    nginx (Streamlit then reports None), so the address nginx appended last is used."""
    forwarded = st.context.headers.get("X-Forwarded-For") or ""
    return st.context.ip_address or forwarded.rsplit(",", 1)[-1].strip() or None


st.title(ui.t("app.title"))
ended = st.session_state.get(ui.ENDED_KEY)
if ended:
    st.info(ui.t(f"login.{ended}"))

with st.form("login"):
    username = st.text_input(ui.t("login.username"), key="login.username")
    password = st.text_input(ui.t("login.password"), type="password", key="login.password")
    submitted = st.form_submit_button(ui.t("login.submit"), type="primary")

if submitted:
    config = ui.settings()
    try:
        result = authenticate(
            ui.session_factory(), username, password, config, client_address=client_address()
        )
    except AuthenticationFailed:
        # The same words for an unknown, disabled, locked or mistyped account: never say which.
        count, minutes = config.max_failed_logins, config.lockout_minutes
        st.error(ui.t("login.failed", count=count, minutes=minutes))
    else:
        ui.sign_in(result)
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
