"""My account: who I am, my localities, my sessions, change password, sign out here or
everywhere."""

import streamlit as st

from page_helpers import ui
from registry.accounts import sessions
from registry.accounts.users import change_password, sign_out_everywhere
from registry.kernel.clock import local, utcnow
from registry.kernel.db import transaction
from registry.kernel.errors import RegistryError

resumed = ui.current_sign_in()
if resumed is None:
    st.stop()
signed_in, this_session = resumed.sign_in, resumed.session_id
actor = signed_in.actor
st.title(ui.t("nav.account"))
if signed_in.must_change_password:
    st.warning(ui.t("account.must_change"))
st.write(
    ui.t(
        "account.signed_in_as",
        name=ui.plain(actor.display_name or actor.username),
        role=ui.label(actor.role),
    )
)
names = ui.locality_names(actor)
st.write(ui.t("account.localities", names=ui.plain(names)))

with st.form("change_password", clear_on_submit=True):
    st.subheader(ui.t("account.change_password"))
    old = st.text_input(ui.t("account.old_password"), type="password", key="account.old")
    new = st.text_input(ui.t("account.new_password"), type="password", key="account.new")
    if st.form_submit_button(ui.t("account.change_password")):
        try:
            with transaction(ui.session_factory()) as session:
                change_password(session, actor, old, new, keep_session=this_session)
        except RegistryError as error:
            st.error(ui.refusal(error))
        else:
            st.success(ui.t("account.password_changed"))
            if signed_in.must_change_password:
                st.rerun()  # the whole navigation is open now


def when(moment) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M")


st.subheader(ui.t("account.sessions"))
st.caption(ui.t("account.sessions_help"))
for item in ui.read(sessions.active_sessions, actor, ui.settings(), utcnow()):
    row = st.columns([4, 2, 2, 1.4])
    device = ui.plain(item.user_agent or ui.t("account.unknown_device"))
    current = f" **({ui.t('account.this_session')})**" if item.id == this_session else ""
    row[0].markdown(f"{device}{current}  \n{ui.t(f'account.method.{item.method}')}")
    row[1].write(ui.plain(item.client_address or "—"))
    row[2].write(ui.t("account.last_seen", when=when(item.last_seen_at)))
    if item.id != this_session and row[3].button(
        ui.t("account.end_session"), key=f"account.end.{item.id}"
    ):
        with transaction(ui.session_factory()) as session:
            sessions.end_own_session(session, actor, item.id)
        st.rerun()

columns = st.columns(2)
if columns[0].button(ui.t("account.logout"), type="primary", key="account.logout"):
    ui.sign_out()
if columns[1].button(
    ui.t("account.logout_everywhere"),
    help=ui.t("account.logout_everywhere_help"),
    key="account.logout_everywhere",
):
    with transaction(ui.session_factory()) as session:
        sign_out_everywhere(session, actor)
    ui.leave("signed_out")
