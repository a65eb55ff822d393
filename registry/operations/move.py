"""Moving the registry from one database to another (the embedded SQLite file to PostgreSQL).

Every table of the schema is copied, parents before children, in one transaction on the
target: an interruption rolls the target back to empty, so the move is simply run again. The
source is never created or migrated: a missing file, a database that is not a registry at the
current schema, or one holding no records is refused before the target is touched. A target
that already holds records is refused unless the caller says to replace them, and then only
from a source that passes ``checks``. The copy is proven by ``checks``: the same rows in
every table and no broken invariant.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Integer, Table, select, text
from sqlalchemy.engine import make_url

from registry.kernel import db
from registry.kernel.errors import RegistryError
from registry.kernel.models import Base
from registry.kernel.purpose import RECORD_MODELS
from registry.operations import checks

CHUNK = 5_000


class TargetNotEmpty(RegistryError):
    """The target database already holds records."""


class SourceRefused(RegistryError):
    """The source is missing, not a registry, empty or unsound; nothing was touched."""


def _open_source(url: str) -> Engine:
    """An engine on the source, which must exist as a registry at the current schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (
        parsed.database and Path(parsed.database).is_file()
    ):
        raise SourceRefused("error.move.no_source", path=parsed.database)
    engine = db.make_engine(url)
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(db.alembic_config(url)).get_current_head()
    if revision != head:
        engine.dispose()
        if revision is None:
            raise SourceRefused("error.move.not_registry", url=parsed.render_as_string())
        raise SourceRefused("error.move.old_schema", revision=revision, head=head)
    return engine


def _refuse_unsound_source(engine: Engine, *, replace: bool) -> None:
    """A source holding no records is refused; so is one failing ``check`` when it would
    replace what the target holds."""
    with db.make_session_factory(engine)() as session:
        report = checks.run_checks(session)
    if not sum(report["counts"][model.__tablename__] for model in RECORD_MODELS):
        raise SourceRefused("error.move.empty_source")
    if replace and not report["ok"]:
        raise SourceRefused("error.move.source_fails_check", problems=report["problems"][:10])


def _held(engine: Engine) -> dict[str, int]:
    """The tables of ``engine`` holding rows, with their counts."""
    with db.make_session_factory(engine)() as session:
        return {name: rows for name, rows in checks.counts(session).items() if rows}


def _empty(connection: Connection, dialect: str) -> None:
    """Remove every row of the target. TRUNCATE does not fire PostgreSQL's row triggers, so
    the append-only ledger and audit trail can be replaced as a whole, never edited."""
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    if dialect == "postgresql":
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    raise RegistryError("error.move.replace_sqlite")


def _copy_table(
    source: Connection, target: Connection, table: Table, progress: Callable[[str, int], None]
) -> int:
    copied = 0
    ordered = select(table).order_by(*table.primary_key.columns)  # parents first in a table
    result = source.execution_options(yield_per=CHUNK).execute(ordered)
    for rows in result.partitions(CHUNK):
        target.execute(table.insert(), [dict(row._mapping) for row in rows])
        copied += len(rows)
        progress(table.name, copied)
    return copied


def _advance_sequences(connection: Connection) -> None:
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
    inform: Callable[[str], None] = lambda _message: None,
) -> dict[str, Any]:
    """Copy everything from ``source_url`` to ``target_url`` and prove the copy; returns the
    counts of both sides and the target's check. ``inform`` hears what a replace overwrites."""
    if make_url(source_url) == make_url(target_url):
        raise RegistryError("error.move.same_database")
    source_engine = _open_source(source_url)
    target_engine = None
    try:
        _refuse_unsound_source(source_engine, replace=replace)
        db.migrate(target_url)
        target_engine = db.make_engine(target_url)
        if held := _held(target_engine):
            summary = ", ".join(f"{table} {rows}" for table, rows in held.items())
            if not replace:
                raise TargetNotEmpty("error.move.target_not_empty", summary=summary)
            inform(f"the target holds {summary}; all of it is replaced")
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
        if target_engine is not None:
            target_engine.dispose()


def _prove(source_engine: Engine, target_engine: Engine) -> dict[str, Any]:
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
