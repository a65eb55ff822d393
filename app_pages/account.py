"""My account: who I am, my localities, change password, sign out."""

import streamlit as st

from app_pages import ui
from registry.accounts import change_password
from registry.db import transaction
from registry.errors import RegistryError

actor = ui.require_actor()
st.title(ui.t("nav.account"))
st.write(
    ui.t(
        "account.signed_in_as", name=actor.display_name or actor.username, role=ui.label(actor.role)
    )
)
names = ui.locality_names(actor)
st.write(ui.t("account.localities", names=names))

with st.form("change_password"):
    st.subheader(ui.t("account.change_password"))
    old = st.text_input(ui.t("account.old_password"), type="password")
    new = st.text_input(ui.t("account.new_password"), type="password")
    if st.form_submit_button(ui.t("account.change_password")):
        try:
            with transaction(ui.session_factory()) as session:
                change_password(session, actor, old, new)
        except RegistryError as error:
            st.error(str(error))
        else:
            st.success(ui.t("account.password_changed"))

if st.button(ui.t("account.logout"), type="primary"):
    ui.sign_out()
    st.rerun()
