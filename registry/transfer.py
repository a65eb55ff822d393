"""Moving the registry from one database to another (the embedded SQLite file to PostgreSQL).

Every table of the schema is copied, parents before children, in one transaction on the
target: an interruption rolls the target back to empty, so the move is simply run again. A
target that already holds records is refused unless the caller says to replace them. The
copy is proven by ``checks``: the same rows in every table and no broken invariant.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, Integer, func, select, text
from sqlalchemy.engine import make_url

from registry import checks, db
from registry.errors import RegistryError
from registry.models import Base

CHUNK = 5_000


class TargetNotEmpty(RegistryError):
    """The target database already holds records."""


def _rows_in(engine: Engine) -> int:
    with engine.connect() as connection:
        return sum(
            connection.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        )


def _empty(connection, dialect: str) -> None:
    """Remove every row of the target. TRUNCATE does not fire PostgreSQL's row triggers, so
    the append-only ledger and audit trail can be replaced as a whole, never edited."""
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    if dialect == "postgresql":
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    raise RegistryError("replace: only a PostgreSQL target can be emptied; use a new SQLite file")


def _copy_table(source, target, table, progress: Callable[[str, int], None]) -> int:
    copied = 0
    ordered = select(table).order_by(*table.primary_key.columns)  # parents first in a table
    result = source.execution_options(yield_per=CHUNK).execute(ordered)
    for rows in result.partitions(CHUNK):
        target.execute(table.insert(), [dict(row._mapping) for row in rows])
        copied += len(rows)
        progress(table.name, copied)
    return copied


def _advance_sequences(connection) -> None:
    """Copied ids leave PostgreSQL's sequences at 1; move each past its table's highest id."""
    for table in Base.metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or not isinstance(column.type, Integer):
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def move(
    source_url: str,
    target_url: str,
    *,
    replace: bool = False,
    progress: Callable[[str, int], None] = lambda _table, _rows: None,
) -> dict:
    """Copy everything from ``source_url`` to ``target_url`` and prove the copy; returns the
    counts of both sides and the target's check."""
    if make_url(source_url) == make_url(target_url):
        raise RegistryError("the source and the target are the same database")
    db.migrate(source_url)
    db.migrate(target_url)
    source_engine, target_engine = db.make_engine(source_url), db.make_engine(target_url)
    try:
        if _rows_in(target_engine) and not replace:
            raise TargetNotEmpty(
                "the target already holds records; pass --replace to overwrite them"
            )
        dialect = target_engine.dialect.name
        with source_engine.connect() as source, target_engine.begin() as target:
            if replace:
                _empty(target, dialect)
            for table in Base.metadata.sorted_tables:
                _copy_table(source, target, table, progress)
            if dialect == "postgresql":
                _advance_sequences(target)
        return _prove(source_engine, target_engine)
    finally:
        source_engine.dispose()
        target_engine.dispose()


def _prove(source_engine: Engine, target_engine: Engine) -> dict:
    with db.make_session_factory(source_engine)() as session:
        before = checks.run_checks(session)
    with db.make_session_factory(target_engine)() as session:
        after = checks.run_checks(session)
    same = before["counts"] == after["counts"]
    return {
        "source": before["counts"],
        "target": after["counts"],
        "same_counts": same,
        "problems": after["problems"],
        "ok": same and after["ok"] and before["problems"] == after["problems"],
    }
