"""One record's page, reached from the map's details panel: ``/record?key=d12``."""

import streamlit as st

from page_helpers import details_view, ui

actor = ui.require_actor()
key = st.query_params.get("key", "")
st.page_link("app_pages/map_page.py", label=ui.t("record.back_to_map"), icon="🗺️")
details_view.show(ui.load_detail(actor, key))
