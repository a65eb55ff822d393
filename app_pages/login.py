"""Shown only for the moment a signed-out tab is on its way to the sign-in page (served by
the app server, ``web/sign_in.py``): a link in case the browser does not follow."""

import streamlit as st

from page_helpers import ui

st.title(ui.t("app.title"))
st.info(ui.t("login.redirecting"))
st.markdown(f"[{ui.t('login.title')}]({ui.SIGN_IN_PATH})")
