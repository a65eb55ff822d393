"""The shared shape of an edit: version check, apply, audit — used by every record use-case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry.kernel import audit
from registry.kernel.errors import StaleRecord, ValidationError
from registry.kernel.permissions import Actor


def load(session: Session, model, record_id: int, entity: str):
    """Fetch a record for writing (row-locked on PostgreSQL) or refuse clearly."""
    record = session.get(model, record_id, with_for_update=True, populate_existing=True)
    if record is None:
        raise ValidationError(f"{entity} {record_id} does not exist", field="id")
    return record


def check_version(session: Session, record, entity: str, expected_version: int) -> None:
    """Refuse a save based on an old read, saying what changed meanwhile."""
    if record.version != expected_version:
        changes = audit.changes_since(session, entity, record.id, expected_version)
        raise StaleRecord(
            f"{entity} {record.id} was changed by someone else since you opened it "
            f"(version {expected_version} → {record.version})",
            changes,
        )


def apply(
    session: Session,
    actor: Actor,
    record,
    entity: str,
    values: dict,
    *,
    expected_version: int,
    locality_id: int | None,
    action: str | None = None,
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
        action or f"{entity}-updated",
        entity,
        record.id,
        locality_id=locality_id,
        before=before,
        after=audit.snapshot(record),
    )


def create(session: Session, actor: Actor, record, entity: str, locality_id: int | None):
    """Insert a record and audit it."""
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor,
        f"{entity}-created",
        entity,
        record.id,
        locality_id=locality_id,
        after=audit.snapshot(record),
    )
    return record
