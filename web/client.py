"""Who is asking: the session cookie, the client's address and where to go after sign-in."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import Response

from registry.kernel.settings import Settings

SIGN_IN_PATH = "/auth/sign-in"
COOKIE = "registry_session"
"""The cookie holding the sign-in token: HttpOnly (no script reads it), SameSite=Lax (not
sent with another site's form posts), Secure behind TLS."""


def address(headers: Mapping[str, str], peer: str | None) -> str | None:
    """The browser's address for the audit trail. The instances listen on 127.0.0.1 behind
    nginx, so there the address nginx appended last is the client's."""
    forwarded = (headers.get("x-forwarded-for") or "").rsplit(",", 1)[-1].strip()
    if peer in (None, "127.0.0.1", "::1") and forwarded:
        return forwarded
    return peer


def connection_address(connection: HTTPConnection) -> str | None:
    return address(connection.headers, connection.client.host if connection.client else None)


def is_https(connection: HTTPConnection) -> bool:
    proto = connection.headers.get("x-forwarded-proto") or connection.url.scheme
    return proto.split(",")[0].strip() == "https"


def set_session_cookie(
    response: Response, connection: HTTPConnection, token: str, settings: Settings
) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.session_max_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(connection),
    )


def clear_session_cookie(response: Response, connection: HTTPConnection) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(connection)
    )


def local_target(target: str | None) -> str:
    """A path on this site to return to after sign-in, never another site (``//evil``,
    ``https://…``, ``/\\evil``): anything else is the home page."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target
