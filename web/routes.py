"""The app's own endpoints beside the pages: the health check and attachment downloads."""

from __future__ import annotations

from urllib.parse import quote

import anyio
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from registry.accounts import sessions
from registry.kernel import attachments
from registry.kernel.clock import utcnow
from registry.kernel.db import migration_state
from web import client, state


def _health() -> tuple[int, dict[str, object]]:
    try:
        with state.factory()() as session:
            session.execute(text("SELECT 1"))
            current, head = migration_state(session)
    except SQLAlchemyError as error:  # unreachable, refused, missing tables: said by class
        return 503, {"status": "error", "database": type(error).__name__}
    if current != head:
        return 503, {"status": "error", "migrations": {"current": current, "head": head}}
    return 200, {"status": "ok", "database": "ok", "migration": current}


async def healthz(request: Request) -> Response:
    """For the load balancer and monitoring: the database answers and its schema is current
    (an instance on a half-migrated database is taken out of rotation)."""
    status, body = await anyio.to_thread.run_sync(_health)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _file(token: str | None, attachment_id: int) -> attachments.PreparedFile | None:
    resumed = sessions.resume_session(state.factory(), token, state.settings(), utcnow())
    if resumed is None:
        return None
    with state.factory()() as session:
        return attachments.readable_content(session, resumed.sign_in.actor, attachment_id)


async def attachment(request: Request) -> Response:
    """A photo or plan document, opened in a tab of its own: only for a live sign-in that may
    see the record it belongs to; anyone else gets 404, as for a file that does not exist."""
    found = await anyio.to_thread.run_sync(
        _file, request.cookies.get(client.COOKIE), request.path_params["attachment_id"]
    )
    if found is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    inline = found.content_type.startswith("image/") or found.content_type == "application/pdf"
    disposition = "inline" if inline else "attachment"
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.filename)}",
            "Cache-Control": "private, no-store",
            # A stored file is shown as itself, never run as a page of this site.
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        },
    )


ROUTES = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/files/{attachment_id:int}", attachment, methods=["GET"]),
]
