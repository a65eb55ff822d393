"""The routes, middleware and start-up of the app server, assembled by ``server.py`` with the
Streamlit pages (and by the tests with a bare Starlette application)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.middleware import Middleware

from registry.accounts.sessions import purge_expired
from registry.kernel.clock import utcnow
from registry.kernel.db import transaction
from web import api_v1, middleware, ogc, routes, sign_in, state

ROUTES = [*sign_in.ROUTES, *routes.ROUTES, *ogc.ROUTES, *api_v1.ROUTES]
MIDDLEWARE = [Middleware(middleware.SecurityHeaders), Middleware(middleware.SignInGuard)]


def _start() -> None:
    with transaction(state.factory()) as session:
        purge_expired(session, state.settings(), utcnow())


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Open the database (migrate, seed a new demo) before the first request."""
    await anyio.to_thread.run_sync(_start)
    yield
