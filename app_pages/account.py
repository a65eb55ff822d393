"""My account: who I am, my localities, change password, sign out here or everywhere."""

import streamlit as st

from page_helpers import ui
from registry.accounts.users import change_password, sign_out_everywhere
from registry.kernel.db import transaction
from registry.kernel.errors import RegistryError

signed_in = ui.current_sign_in()
if signed_in is None:
    st.stop()
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
                generation = change_password(session, actor, old, new)
        except RegistryError as error:
            st.error(ui.refusal(error))
        else:
            ui.keep_signed_in(generation)
            st.success(ui.t("account.password_changed"))
            if signed_in.must_change_password:
                st.rerun()  # the whole navigation is open now

columns = st.columns(2)
if columns[0].button(ui.t("account.logout"), type="primary", key="account.logout"):
    ui.sign_out()
    st.rerun()
if columns[1].button(
    ui.t("account.logout_everywhere"),
    help=ui.t("account.logout_everywhere_help"),
    key="account.logout_everywhere",
):
    with transaction(ui.session_factory()) as session:
        sign_out_everywhere(session, actor)
    ui.sign_out()
    st.rerun()
