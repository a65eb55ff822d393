"""The shared shape of an edit: version check, apply, audit — used by every record use-case."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from registry.kernel import audit
from registry.kernel.enums import AuditAction, AuditEntity
from registry.kernel.errors import StaleRecord, ValidationError
from registry.kernel.permissions import Actor


class Stored(Protocol):
    """What loading and creating need of a record: its id."""

    @property
    def id(self) -> int: ...


class Record(Stored, Protocol):
    """What an edit needs of a record: its id and its optimistic-locking version."""

    @property
    def version(self) -> int: ...


R = TypeVar("R", bound=Stored)


def load(session: Session, model: type[R], record_id: int | None, entity: AuditEntity) -> R:
    """Fetch a record for writing (row-locked on PostgreSQL) or refuse clearly."""
    record = session.get(model, record_id, with_for_update=True, populate_existing=True)
    if record is None:
        raise ValidationError("error.not_found", field="id", entity=entity, id=record_id)
    return record


def check_version(
    session: Session, record: Record, entity: AuditEntity, expected_version: int
) -> None:
    """Refuse a save based on an old read, saying what changed meanwhile."""
    if record.version != expected_version:
        changes = audit.changes_since(session, entity, record.id, expected_version)
        raise StaleRecord(
            "error.stale_record",
            changes,
            entity=entity,
            id=record.id,
            expected=expected_version,
            current=record.version,
        )


def apply(
    session: Session,
    actor: Actor,
    record: Record,
    entity: AuditEntity,
    values: dict[str, Any],
    *,
    expected_version: int,
    locality_id: int | None,
    action: AuditAction | None = None,
) -> None:
    """Update a record after the version check, and audit before and after."""
    check_version(session, record, entity, expected_version)
    before = audit.snapshot(record)
    for key, value in values.items():
        setattr(record, key, value)
    session.flush()
    audit.record(
        session,
        actor,
        action or AuditAction.of(entity, "updated"),
        entity,
        record.id,
        locality_id=locality_id,
        before=before,
        after=audit.snapshot(record),
    )


def create(
    session: Session, actor: Actor, record: R, entity: AuditEntity, locality_id: int | None
) -> R:
    """Insert a record and audit it."""
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.of(entity, "created"),
        entity,
        record.id,
        locality_id=locality_id,
        after=audit.snapshot(record),
    )
    return record
