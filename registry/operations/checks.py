"""Invariant checks and counts: how an administrator (and CI) knows the database is sound."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from registry.kernel import models
from registry.kernel.clock import utcnow
from registry.kernel.enums import MovementKind
from registry.kernel.purpose import RECORD_MODELS


def counts(session: Session) -> dict[str, int]:
    """Rows in every table of the schema (a move between databases must keep them all)."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in models.Base.metadata.sorted_tables
    }


def _lot_ledger_mismatches(session: Session) -> list[str]:
    ledger = (
        select(models.StockMovement.lot_id, func.sum(models.StockMovement.quantity).label("s"))
        .group_by(models.StockMovement.lot_id)
        .subquery()
    )
    rows = session.execute(
        select(models.StockLot.id, models.StockLot.quantity, func.coalesce(ledger.c.s, 0))
        .outerjoin(ledger, ledger.c.lot_id == models.StockLot.id)
        .where(models.StockLot.quantity != func.coalesce(ledger.c.s, 0))
    ).all()
    return [f"lot {lot}: quantity {qty} but ledger sum {total}" for lot, qty, total in rows]


def _negative_lots(session: Session) -> list[str]:
    rows = session.execute(
        select(models.StockLot.id, models.StockLot.quantity).where(models.StockLot.quantity < 0)
    ).all()
    return [f"lot {lot}: negative quantity {qty}" for lot, qty in rows]


def _unpaired_transfers(session: Session) -> list[str]:
    m = models.StockMovement
    rows = session.execute(
        select(m.transfer_group, func.count(), func.sum(m.quantity))
        .where(m.transfer_group.is_not(None))
        .group_by(m.transfer_group)
    ).all()
    problems = [f"transfer {g}: {n} movements, net {s}" for g, n, s in rows if n != 2 or s != 0]
    kinds = session.execute(
        select(m.transfer_group, m.kind).where(
            m.kind.in_([MovementKind.TRANSFER_IN, MovementKind.TRANSFER_OUT]),
            m.transfer_group.is_(None),
        )
    ).all()
    problems += [f"transfer movement of kind {k} without a group" for _, k in kinds]
    return problems


def _expired_issues(session: Session) -> list[str]:
    m, lot = models.StockMovement, models.StockLot
    rows = session.execute(
        select(m.id, lot.batch, lot.expiry_date, m.at)
        .join(lot, lot.id == m.lot_id)
        .where(m.kind.in_([MovementKind.ISSUE, MovementKind.TRANSFER_OUT]))
        .where(lot.expiry_date.is_not(None))
    ).all()
    return [
        f"movement {mid}: issued from lot {batch} after its expiry {expiry}"
        for mid, batch, expiry, at in rows
        if expiry is not None and at.date() > expiry
    ]


VERBS = ("UPDATE", "DELETE")
_SQLITE_RAISE = re.compile(r"RAISE\s*\(\s*ABORT", re.IGNORECASE)
# pg_trigger.tgtype bits: row-level, BEFORE, and the events
_PG_ROW, _PG_BEFORE, _PG_EVENT = 1, 2, {"DELETE": 8, "UPDATE": 16}
_PG_TRIGGERS = text(
    "SELECT t.tgtype, t.tgenabled, t.tgqual IS NULL, p.prosrc FROM pg_trigger t "
    "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
    "WHERE c.relname = :table AND NOT t.tgisinternal "
    "AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
)


def _sqlite_refused(session: Session, table: str) -> set[str]:
    """Verbs an unconditional BEFORE trigger on ``table`` aborts, read from sqlite_master."""
    refused = set()
    for sql in session.scalars(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"),
        {"table": table},
    ):
        words = " ".join((sql or "").upper().split())
        if " WHEN " in words or not _SQLITE_RAISE.search(words):
            continue
        refused |= {verb for verb in VERBS if f"BEFORE {verb} ON {table.upper()} " in words}
    return refused


def _postgres_refused(session: Session, table: str) -> set[str]:
    """Verbs an enabled, unconditional BEFORE row trigger on ``table`` raises on."""
    refused = set()
    for kind, enabled, unconditional, source in session.execute(_PG_TRIGGERS, {"table": table}):
        guards = "RAISE EXCEPTION" in " ".join((source or "").upper().split())
        if not (enabled in ("O", "A") and unconditional and guards):
            continue
        if kind & _PG_ROW and kind & _PG_BEFORE:
            refused |= {verb for verb, bit in _PG_EVENT.items() if kind & bit}
    return refused


def _append_only_guarded(session: Session) -> list[str]:
    """The ledger and audit tables must refuse UPDATE and DELETE: inspect their triggers,
    which holds for an empty table as much as for a full one."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    problems = []
    for table in models.APPEND_ONLY_TABLES:
        refused = _sqlite_refused(session, table) if sqlite else _postgres_refused(session, table)
        for verb in VERBS:
            if verb not in refused:
                name = f"{table}_no_{verb.lower()}" if sqlite else f"{table}_append_only"
                problems.append(
                    f"{table}: nothing refuses {verb} (trigger {name} missing, disabled or altered)"
                )
    return problems


def _lots_without_ledger(session: Session) -> list[str]:
    """Every lot is created by a movement; a lot without one lost its ledger."""
    lot, movement = models.StockLot, models.StockMovement
    rows = session.scalars(
        select(lot.id).where(~select(movement.id).where(movement.lot_id == lot.id).exists())
    )
    return [f"lot {lot_id}: no ledger line" for lot_id in rows]


def _audit_trail_present(session: Session) -> list[str]:
    """Every record is created through an audited use-case; none audited means erased."""
    if session.scalar(select(func.count()).select_from(models.AuditEvent)):
        return []
    held = sum(session.scalar(select(func.count()).select_from(model)) for model in RECORD_MODELS)
    return [f"audit_events: the audit trail is empty but {held} records exist"] if held else []


def _versions(session: Session) -> list[str]:
    problems = []
    for model in sorted((m.class_ for m in models.Base.registry.mappers), key=str):
        if issubclass(model, models.Versioned):
            bad = session.scalar(select(func.count()).select_from(model).where(model.version < 1))
            if bad:
                table: Table = model.__table__  # type: ignore[attr-defined]  # mapped subclass
                problems.append(f"{table.name}: {bad} rows with version < 1")
    return problems


def run_checks(session: Session) -> dict[str, Any]:
    """Counts per entity and a list of broken invariants (empty when sound)."""
    problems = (
        _lot_ledger_mismatches(session)
        + _negative_lots(session)
        + _unpaired_transfers(session)
        + _expired_issues(session)
        + _versions(session)
        + _append_only_guarded(session)
        + _lots_without_ledger(session)
        + _audit_trail_present(session)
    )
    return {
        "checked_at": utcnow().isoformat(timespec="seconds"),
        "counts": counts(session),
        "problems": problems,
        "ok": not problems,
    }
