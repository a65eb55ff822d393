"""The app server: the Streamlit pages and the app's own HTTP routes as one ASGI application.

Started by ``streamlit run server.py`` (which finds ``app`` and serves it with uvicorn, taking
the usual ``--server.*`` options), or by any ASGI server: ``uvicorn server:app``.
"""

import streamlit as st

from web.app import MIDDLEWARE, ROUTES, lifespan

app = st.App("streamlit_app.py", routes=ROUTES, middleware=MIDDLEWARE, lifespan=lifespan)
