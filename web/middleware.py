"""What the app server does around every request: the security headers (the same set as the
nginx site, so a direct deployment is protected too), and the guard that sends a browser
without a live sign-in to the sign-in page before any page loads.

Both are plain ASGI middleware: WebSocket traffic passes through untouched (the pages check
the sign-in again on every run of their own).
"""

from __future__ import annotations

from urllib.parse import urlencode

import anyio
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.accounts import sessions
from registry.accounts.users import sign_in_identity
from registry.kernel.clock import utcnow
from registry.kernel.db import transaction
from registry.kernel.errors import AuthenticationFailed
from web import client, sign_in, state

SECURITY_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",  # the maps are same-origin iframes
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HSTS = "max-age=31536000; includeSubDomains"

OPEN_PATHS = ("/auth/", "/oauth2callback", "/healthz", "/files/", "/_stcore/", "/static/",
              "/app/static/", "/component/", "/media/", "/api/", "/ogc")  # fmt: skip
"""Paths the guard leaves alone: its own routes (which check for themselves: the APIs their
bearer token, ``web/api_auth.py``) and the assets and endpoints of Streamlit, which serve
nothing of the registry's."""


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = client.is_https(Request(scope))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_page_load(request: Request) -> bool:
    """A browser opening a page of the app (a document), not an asset or an API call."""
    if request.method != "GET" or request.url.path.startswith(OPEN_PATHS):
        return False
    destination = request.headers.get("sec-fetch-dest")
    if destination is not None:
        return destination == "document"
    return "text/html" in request.headers.get("accept", "")


def _identity(request: Request) -> dict[str, object] | None:
    """The identity st.login's callback left in Streamlit's signed cookie, or None. Read with
    Streamlit's own helpers, which check the signature and the origin."""
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
    from streamlit.web.server.starlette.starlette_websocket import (
        _get_signed_cookie_with_chunks,
        _parse_decoded_user_cookie,
    )

    if not state.settings().oidc_provider or USER_COOKIE_NAME not in request.cookies:
        return None
    raw = _get_signed_cookie_with_chunks(dict(request.cookies), USER_COOKIE_NAME)
    if not raw:
        return None
    origin = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    info = _parse_decoded_user_cookie(raw, origin)
    return info if info.get("is_logged_in") else None


def _adopt(request: Request, identity: dict[str, object]) -> str | None:
    """A registry session for the organisation's identity, matched by the configured claim
    to an account; None (audited) when no open account has that name."""
    settings, now = state.settings(), utcnow()
    address = client.connection_address(request)
    with transaction(state.factory()) as session:
        try:
            signed_in = sign_in_identity(
                session, str(identity.get(settings.oidc_claim) or ""), now, address
            )
        except AuthenticationFailed:
            return None
        return sessions.open_session(
            session,
            signed_in,
            settings,
            now,
            method="oidc",
            client_address=address,
            user_agent=request.headers.get("user-agent"),
        )


def _holds_identity(request: Request) -> bool:
    """Whether the browser still carries st.login's identity or tokens (their chunks, if
    any, come with the main cookie)."""
    from streamlit.web.server.starlette.starlette_server_config import (
        TOKENS_COOKIE_NAME,
        USER_COOKIE_NAME,
    )

    return USER_COOKIE_NAME in request.cookies or TOKENS_COOKIE_NAME in request.cookies


def _forget_identity(response: Response, request: Request) -> None:
    """Streamlit's identity cookies have done their work once a registry session exists (or
    was refused): signing out of the registry must not sign the browser straight back in.
    Deleted by Streamlit's own helper, which knows their path and chunks."""
    from streamlit.web.server.starlette.starlette_auth_routes import _clear_auth_cookie

    _clear_auth_cookie(response, request)


def _decide(request: Request) -> Response | None:
    """None to let the page load; otherwise where the browser goes instead."""
    token = request.cookies.get(client.COOKIE)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if token:
        live = sessions.resume_session(state.factory(), token, state.settings(), utcnow())
        if live and not _holds_identity(request):
            return None
        if live:  # st.login ran again while signed in (another tab): keep the session only
            kept: Response = RedirectResponse(here, 303)
            _forget_identity(kept, request)
            return kept
    identity = _identity(request)
    if identity is not None:
        adopted = _adopt(request, identity)
        target = here if adopted else f"{sign_in.PATH}?ended=unknown_identity"
        response: Response = RedirectResponse(target, 303)
        _forget_identity(response, request)
        if adopted:
            client.set_session_cookie(response, request, adopted, state.settings())
        return response
    query = {"next": here, **({"ended": "expired"} if token else {})}
    response = RedirectResponse(f"{sign_in.PATH}?{urlencode(query)}", 303)
    if token:
        client.clear_session_cookie(response, request)
    return response


class SignInGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            if _is_page_load(request):
                redirect = await anyio.to_thread.run_sync(_decide, request)
                if redirect is not None:
                    await redirect(scope, receive, send)
                    return
        await self.app(scope, receive, send)
