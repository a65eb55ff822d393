"""The app server: the Streamlit pages and the app's own HTTP routes as one ASGI application.

Started by ``streamlit run server.py`` (which finds ``app`` and serves it with uvicorn, taking
the usual ``--server.*`` options), or by any ASGI server: ``uvicorn server:app``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import streamlit as st
from starlette.middleware import Middleware

from registry.accounts.sessions import purge_expired
from registry.kernel.clock import utcnow
from registry.kernel.db import transaction
from web import middleware, routes, sign_in, state


def _start() -> None:
    with transaction(state.factory()) as session:
        purge_expired(session, state.settings(), utcnow())


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Open (migrate, seed a new demo) the database before the first request."""
    await anyio.to_thread.run_sync(_start)
    yield


app = st.App(
    "streamlit_app.py",
    routes=[*sign_in.ROUTES, *routes.ROUTES],
    middleware=[Middleware(middleware.SecurityHeaders), Middleware(middleware.SignInGuard)],
    lifespan=lifespan,
)
