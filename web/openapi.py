"""The OpenAPI 3.1 document of the JSON API, made from its list of operations
(``web/api_v1.OPERATIONS``) and the type hints of their answers and bodies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from web.api_auth import PROBLEM_TYPE
from web.api_json import schema_of

if TYPE_CHECKING:
    from web.api_v1 import Operation

VERSION = "1.0.0"
PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details; `field` names the parameter or field refused.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}
REFUSALS = {
    "400": "A parameter or field is not acceptable (`field` names it); nothing was written.",
    "401": "No API token, or an unknown, expired or revoked one.",
    "403": "The token may not do this (read-only, or another locality).",
    "404": "No such record in the token's scope.",
}
WRITE_REFUSALS = {
    "409": "The record changed since the version sent; read it again.",
    "413": "The body is too large.",
    "415": "The body is not of the type this operation takes.",
}
DESCRIPTION = (
    "海州区应急资源与备灾登记 — the registry's records for other systems. Send an API token "
    "as `Authorization: Bearer …` (administrators issue them: `python -m prepare token "
    "create`). A token for some localities reads their detail and the district's summary, "
    "like a town official; a read-only token sees phone numbers masked. Times are UTC "
    "(ISO 8601, `Z`). Refusals are RFC 9457 problem details in the language of "
    "`Accept-Language` (Chinese by default). Map layers: OGC API – Features at `/ogc`."
)


def _parameter(param: Any) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": param.where,
        "required": param.where == "path",
        "description": param.description,
        "schema": param.schema,
    }


def _body(operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
    if operation.body == "cap":
        content = {"application/cap+xml": {"schema": {"type": "string"}}}
    else:
        content = {"application/json": {"schema": schema_of(operation.body, components)}}
    return {"required": True, "content": content}


def _responses(operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
    answer = {"application/json": {"schema": schema_of(operation.answer, components)}}
    found: dict[str, Any] = {str(operation.status): {"description": "OK", "content": answer}}
    refusals = {**REFUSALS, **(WRITE_REFUSALS if operation.writes else {})}
    for status in refusals:
        found[status] = {"$ref": f"#/components/responses/{status}"}
    return found


def _operation(operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": operation.endpoint.__name__,
        "summary": operation.summary,
        "description": " ".join((operation.endpoint.__doc__ or "").split()),
        "tags": list(operation.tags),
        "parameters": [_parameter(p) for p in operation.params],
        "responses": _responses(operation, components),
    }
    if operation.body is not None:
        described["requestBody"] = _body(operation, components)
    return described


def document(operations: Iterable[Operation], server: str) -> dict[str, Any]:
    """The document, for a server at ``server`` (the API's own URL)."""
    components: dict[str, Any] = {"Problem": PROBLEM}
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            operation, components
        )
    problem = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    responses = {
        status: {"description": text, "content": problem}
        for status, text in {**REFUSALS, **WRITE_REFUSALS}.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Haizhou emergency registry API", "version": VERSION,
                 "description": DESCRIPTION},
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": responses,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }  # fmt: skip
