"""Who calls the JSON API and the OGC API: the bearer token of another system
(``registry.accounts.tokens``), never a browser's session cookie.

An endpoint ``(request, client)`` wrapped in ``guarded`` is called with the caller behind
the token, after the call is in the audit trail under the token's name; a missing, unknown,
expired or revoked token is refused with 401 and ``WWW-Authenticate: Bearer``, a write by a
read-only token with 403 (``require_write``), and the core's refusals become 400 (naming the
field), 403 or 409, all as RFC 9457 problem details (``application/problem+json``) in the
language the request asks for (``Accept-Language``; Chinese by default).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from registry.accounts import tokens
from registry.accounts.tokens import ApiClient
from registry.kernel import i18n
from registry.kernel.clock import utcnow
from registry.kernel.db import transaction
from registry.kernel.errors import PermissionDenied, RegistryError, StaleRecord, ValidationError
from web import state

PROBLEM_TYPE = "application/problem+json"
CHALLENGE = 'Bearer realm="haizhou-registry"'
NOT_FOUND = "error.not_found"  # the core's refusal of an id that names no record


class ApiProblem(HTTPException):
    """An RFC 9457 problem: ``status``, a short ``title`` and the ``detail`` of this case."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(status, detail, headers)
        self.title = title
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status_code,
            "detail": self.detail,
        }
        if instance:
            found["instance"] = instance
        return {**found, **self.extra}

    def response(self, instance: str | None = None) -> Response:
        return JSONResponse(
            self.body(instance),
            status_code=self.status_code,
            headers={**(self.headers or {}), "Cache-Control": "no-store"},
            media_type=PROBLEM_TYPE,
        )


def unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, "Unauthorized", detail, headers={"WWW-Authenticate": CHALLENGE})


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _resolve(plain: str) -> ApiClient | None:
    with state.factory()() as session:
        client = tokens.resolve(session, plain, utcnow())
        session.commit()  # the once-a-minute note of the use, if any
        return client


async def client_for(request: Request) -> ApiClient:
    """The caller behind the request's bearer token; 401 when there is none in force."""
    plain = bearer(request)
    if plain is None:
        raise unauthorized("An API token is required: Authorization: Bearer <token>.")
    client = await anyio.to_thread.run_sync(_resolve, plain)
    if client is None:
        raise ApiProblem(
            401,
            "Unauthorized",
            "The API token is unknown, expired or revoked.",
            headers={"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'},
        )
    return client


def integer_parameter(raw: str | None, name: str) -> int | None:
    """A whole-number query or path parameter (None when absent); refused naming it."""
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError("error.ogc.number", field=name) from None


def require_write(client: ApiClient) -> None:
    """403 unless the token may write (the core checks the localities itself)."""
    if not client.can_write:
        raise ApiProblem(403, "Forbidden", f"The API token {client.name!r} is read-only.")


def _record(client: ApiClient, method: str, path: str, query: str) -> None:
    with transaction(state.factory()) as session:
        tokens.record_request(session, client, method, path, query)


async def audit_request(client: ApiClient, request: Request) -> None:
    """The call in the audit trail: the token's name, the method, the path and the query,
    in one short transaction of its own."""
    await anyio.to_thread.run_sync(
        _record, client, request.method, request.url.path, request.url.query
    )


Endpoint = Callable[[Request], Awaitable[Response]]
ClientEndpoint = Callable[[Request, ApiClient], Awaitable[Response]]


def language(request: Request) -> str:
    """English when the request asks for it first, else Chinese."""
    wanted = request.headers.get("accept-language", "").strip().lower()
    return "en" if wanted.startswith("en") else i18n.DEFAULT_LANGUAGE


def refusal(error: RegistryError, wanted: str) -> ApiProblem:
    """A refusal of the core as a problem: 403 not allowed, 404 no such record, 409 changed
    meanwhile (the version sent is not the record's), else 400 with the field it names."""
    if isinstance(error, PermissionDenied):
        return ApiProblem(403, "Forbidden", error.render(wanted))
    if isinstance(error, StaleRecord):
        return ApiProblem(409, "Conflict", error.render(wanted))
    if error.key == NOT_FOUND:
        problem = ApiProblem(404, "Not Found", error.render(wanted))
    else:
        problem = ApiProblem(400, "Bad Request", error.render(wanted))
    if error.field:
        problem.extra["field"] = error.field
    return problem


def problems(endpoint: Endpoint) -> Endpoint:
    """The endpoint with its ``ApiProblem`` refusals sent as problem details."""

    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ApiProblem as problem:
            return problem.response(request.url.path)

    return wrapped


def guarded(endpoint: ClientEndpoint) -> Endpoint:
    """A token first (the call audited), then the endpoint; refusals as problem details."""

    async def wrapped(request: Request) -> Response:
        client = await client_for(request)
        await audit_request(client, request)
        try:
            return await endpoint(request, client)
        except RegistryError as error:
            raise refusal(error, language(request)) from None

    wrapped.__name__ = endpoint.__name__
    wrapped.__doc__ = endpoint.__doc__
    return problems(wrapped)
