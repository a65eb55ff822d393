"""Placeholder while the page is being built."""

import streamlit as st

from app_pages import ui

ui.require_actor()
st.title(ui.t("nav.overview"))
