"""The database's purpose: ``demo`` or ``production``, recorded once when it is set up.

The demo district (with its published password) must never reach a real database, so the
purpose is decided at setup and never flipped; a database from before the purpose was
recorded is classified once by what it holds.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from registry.kernel import audit, models
from registry.kernel.enums import AuditAction, AuditEntity
from registry.kernel.models import DatabaseInfo
from registry.kernel.permissions import Actor

KEY = "purpose"
DEMO = "demo"
PRODUCTION = "production"

# Records people enter (and the demo fakes): every table with an ``is_demo`` flag except the
# readiness snapshots, which a daily job derives from the others.
RECORD_MODELS = tuple(
    mapper.class_
    for mapper in sorted(models.Base.registry.mappers, key=lambda m: m.class_.__name__)
    if "is_demo" in mapper.columns and mapper.class_ is not models.ReadinessSnapshot
)


def current(session: Session) -> str | None:
    """The recorded purpose, or None when none was recorded."""
    return session.scalar(select(DatabaseInfo.value).where(DatabaseInfo.key == KEY))


def _holds(session: Session, *, demo: bool) -> bool:
    return any(
        session.scalar(select(exists().where(model.is_demo.is_(demo)))) for model in RECORD_MODELS
    )


def real_records(session: Session) -> bool:
    """Whether any entered record (a user included) is not demo data."""
    return _holds(session, demo=False)


def mark(session: Session, actor: Actor, purpose: str) -> str:
    """Record ``purpose`` unless one is recorded already (never flipped); the one in force."""
    recorded = current(session)
    if recorded is not None:
        return recorded
    session.add(DatabaseInfo(key=KEY, value=purpose))
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.DATABASE_PURPOSE_SET,
        AuditEntity.DATABASE,
        None,
        after={KEY: purpose},
    )
    return purpose


def classify(session: Session, actor: Actor) -> str | None:
    """The purpose, recording it once for a database from before it was recorded: real
    records make it production, demo records only a demo; None for a new, empty database."""
    recorded = current(session)
    if recorded is not None:
        return recorded
    if real_records(session):
        return mark(session, actor, PRODUCTION)
    if _holds(session, demo=True):
        return mark(session, actor, DEMO)
    return None
