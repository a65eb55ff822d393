"""The sign-in page, served by the app server itself: the password is posted to this route
and checked by the core (with its lockout), never sent over the pages' WebSocket; success
sets the session cookie and returns to the page asked for.

The page is plain HTML with no script, in the language of ``?lang=`` (the app's default
otherwise), so it works before anything else has loaded.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from urllib.parse import urlencode

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from registry.accounts import sessions
from registry.accounts.users import authenticate
from registry.kernel import i18n
from registry.kernel.clock import utcnow
from registry.kernel.db import transaction
from registry.kernel.errors import AuthenticationFailed
from registry.records import queries
from web import client, state

PATH = client.SIGN_IN_PATH
ORGANISATION_PATH = f"{PATH}/organisation"
Translate = Callable[..., str]
NOTICES = ("expired", "revoked", "signed_out", "unknown_identity")

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;background:#f3f5f8;
margin:0;color:#1f2430}
main{max-width:420px;margin:8vh auto;background:#fff;padding:32px 36px;border-radius:10px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.45rem;margin:0 0 20px}
label{display:block;margin:14px 0 4px;font-size:.95rem}
input{width:100%;box-sizing:border-box;padding:9px 10px;font-size:1rem;border:1px solid #c9ced6;
border-radius:6px}
button,.button{display:block;width:100%;margin-top:20px;padding:10px;font-size:1rem;border:0;
border-radius:6px;background:#d9363e;color:#fff;cursor:pointer;text-align:center;
text-decoration:none;box-sizing:border-box}
.button.secondary{background:#1f5fa8}
.notice{background:#e8f1fb;padding:10px 12px;border-radius:6px;margin-bottom:12px}
.error{background:#fdecec;color:#9b1c1c;padding:10px 12px;border-radius:6px;margin-bottom:12px}
.demo{background:#fff5e0;padding:10px 12px;border-radius:6px;margin-top:22px;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin-top:6px}
td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}
.lang{text-align:right;font-size:.85rem;margin:-16px 0 8px}
"""


def _language(request: Request) -> str:
    asked = request.query_params.get("lang", "")
    return asked if asked in i18n.LANGUAGES else state.settings().language


def _oidc_url() -> str | None:
    """st.login's own entry point for the configured provider, or None when not set up."""
    provider = state.settings().oidc_provider
    if not provider:
        return None
    from streamlit.user_info import generate_login_redirect_url

    return generate_login_redirect_url(provider)


def _form(language: str, target: str, t: Translate) -> str:
    action = html.escape(f"{PATH}?{urlencode({'lang': language, 'next': target})}")
    return (
        f'<form method="post" action="{action}">'
        f'<label for="username">{t("login.username")}</label>'
        '<input id="username" name="username" autocomplete="username" required autofocus>'
        f'<label for="password">{t("login.password")}</label>'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required>'
        f'<button type="submit">{t("login.submit")}</button></form>'
    )


def _demo_accounts(language: str, t: Translate) -> str:
    """The demo accounts, in a database marked demo only (``queries.demo_users``)."""
    with state.factory()() as session:
        demo = queries.demo_users(session)
    if not demo:
        return ""
    from registry.demo import DEMO_PASSWORD

    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{html.escape(i18n.label(role, language))}</td></tr>"
        for name, role in demo
    )
    return (
        f'<div class="demo">{t("login.demo_hint", password=DEMO_PASSWORD)}'
        f"<table><tr><th>{t('login.username')}</th><th>{t('col.level')}</th></tr>"
        f"{rows}</table></div>"
    )


def _page(
    request: Request, language: str, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    def t(key: str, **values: object) -> str:
        return html.escape(i18n.translate(key, language, **values))

    settings = state.settings()
    target = client.local_target(request.query_params.get("next"))
    notice = request.query_params.get("ended")
    other = "en" if language == "zh" else "zh"
    switch = html.escape(f"{PATH}?{urlencode({'lang': other, 'next': target})}")
    parts = [
        f'<!doctype html><html lang="{"zh-CN" if language == "zh" else "en"}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{t('login.title')} · {t('app.title')}</title><style>{_STYLE}</style></head>"
        f'<body><main><p class="lang"><a href="{switch}">'
        f"{'English' if other == 'en' else '简体中文'}</a></p><h1>{t('app.title')}</h1>"
    ]
    if notice in NOTICES:
        parts.append(f'<p class="notice" role="status">{t(f"login.{notice}")}</p>')
    if error:
        parts.append(f'<p class="error" role="alert">{html.escape(error)}</p>')
    if settings.password_sign_in:
        parts.append(_form(language, target, t))
    oidc = _oidc_url() is not None
    if oidc:
        link = html.escape(ORGANISATION_PATH)
        parts.append(f'<a class="button secondary" href="{link}">{t("login.oidc")}</a>')
    if not settings.password_sign_in and not oidc:
        parts.append(f'<p class="error">{t("login.no_method")}</p>')
    if settings.password_sign_in:
        parts.append(_demo_accounts(language, t))
    parts.append("</main></body></html>")
    response = HTMLResponse("".join(parts), status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _signed_in(request: Request) -> bool:
    token = request.cookies.get(client.COOKIE)
    if not token:
        return False
    return sessions.resume_session(state.factory(), token, state.settings(), utcnow()) is not None


async def show(request: Request) -> Response:
    """The form; someone already signed in goes straight on, a dead cookie is dropped."""
    if await anyio.to_thread.run_sync(_signed_in, request):
        return RedirectResponse(client.local_target(request.query_params.get("next")), 303)
    response = await anyio.to_thread.run_sync(_page, request, _language(request))
    if request.cookies.get(client.COOKIE):
        client.clear_session_cookie(response, request)
    return response


def _same_origin(request: Request) -> bool:
    """A sign-in form posted from another site is refused (login CSRF)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None  # a browser always sends Origin with a POST; tools may not
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


PASSWORD_CHECKS = anyio.CapacityLimiter(max(1, len(os.sched_getaffinity(0))))
"""Password checks at once: one per core this process may use. Each argon2 verification
holds 64 MiB and its cores for a tenth of a second, so a burst of thirty sign-ins queues
here, among themselves, instead of taking 2 GiB and every core from the pages (other
requests use anyio's own threads, never these)."""


def _check(request: Request, username: str, password: str) -> str:
    """The password through the core; returns the new session's token."""
    settings, factory = state.settings(), state.factory()
    address = client.connection_address(request)
    result = authenticate(factory, username, password, settings, client_address=address)
    with transaction(factory) as session:
        return sessions.open_session(
            session,
            result,
            settings,
            utcnow(),
            client_address=address,
            user_agent=request.headers.get("user-agent"),
        )


async def submit(request: Request) -> Response:
    language, settings = _language(request), state.settings()
    if not settings.password_sign_in or not _same_origin(request):
        return Response(status_code=403)
    form = await request.form()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    try:
        token = await anyio.to_thread.run_sync(
            _check, request, username, password, limiter=PASSWORD_CHECKS
        )
    except AuthenticationFailed:
        # The same words for an unknown, disabled, locked or mistyped account: never say which.
        message = i18n.translate(
            "login.failed",
            language,
            count=settings.max_failed_logins,
            minutes=settings.lockout_minutes,
        )
        return await anyio.to_thread.run_sync(
            lambda: _page(request, language, error=message, status=401)
        )
    response = RedirectResponse(client.local_target(request.query_params.get("next")), 303)
    client.set_session_cookie(response, request, token, settings)
    return response


async def organisation(request: Request) -> Response:
    """The organisation button: st.login's entry point, made at the click (its provider
    token lasts two minutes, a sign-in page may stay open all morning)."""
    url = _oidc_url()
    return Response(status_code=404) if url is None else RedirectResponse(url, 303)


ROUTES = [
    Route(PATH, show, methods=["GET"]),
    Route(PATH, submit, methods=["POST"]),
    Route(ORGANISATION_PATH, organisation, methods=["GET"]),
]
