"""Alembic environment: runs our migrations against the URL in the config."""

from typing import Any

from alembic import context
from sqlalchemy import Connection, pool

from registry.kernel.db import make_engine
from registry.kernel.models import Base

config = context.config
target_metadata = Base.metadata


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """SQLite rebuilds a table to alter it (copy, drop, rename), which foreign keys would
    refuse on a filled database; they are off during migrations, as SQLite's documentation
    prescribes, and checked afterwards."""
    raw: Any = connection.connection.driver_connection  # outside any transaction: PRAGMA applies
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on and (broken := raw.execute("PRAGMA foreign_key_check").fetchall()):
        raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url", ""), poolclass=pool.NullPool)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)
    engine.dispose()


run_migrations_online()
