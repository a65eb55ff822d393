"""Invariant checks and counts: how an administrator (and CI) knows the database is sound."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from registry import models
from registry.clock import utcnow
from registry.enums import MovementKind


def counts(session: Session) -> dict[str, int]:
    """Rows in every table of the schema (a move between databases must keep them all)."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
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
        if at.date() > expiry
    ]


def _append_only_guarded(session: Session) -> list[str]:
    """The ledger and audit tables must refuse UPDATE: try one inside a savepoint."""
    problems = []
    for table in models.APPEND_ONLY_TABLES:
        if not session.scalar(text(f"SELECT count(*) FROM {table}")):
            continue
        nested = session.begin_nested()
        try:
            session.execute(
                text(f"UPDATE {table} SET id = id WHERE id = (SELECT min(id) FROM {table})")
            )
        except DBAPIError:
            pass  # refused, as it must be
        else:
            problems.append(f"{table}: UPDATE was accepted; the table is not append-only")
        finally:
            nested.rollback()
    return problems


def _versions(session: Session) -> list[str]:
    problems = []
    for model in sorted((m.class_ for m in models.Base.registry.mappers), key=str):
        if issubclass(model, models.Versioned):
            bad = session.scalar(select(func.count()).select_from(model).where(model.version < 1))
            if bad:
                problems.append(f"{model.__tablename__}: {bad} rows with version < 1")
    return problems


def run_checks(session: Session) -> dict:
    """Counts per entity and a list of broken invariants (empty when sound)."""
    problems = (
        _lot_ledger_mismatches(session)
        + _negative_lots(session)
        + _unpaired_transfers(session)
        + _expired_issues(session)
        + _versions(session)
        + _append_only_guarded(session)
    )
    return {
        "checked_at": utcnow().isoformat(timespec="seconds"),
        "counts": counts(session),
        "problems": problems,
        "ok": not problems,
    }
